"""The review web app: FastAPI, server-rendered Jinja2 pages, a little vanilla JS.

Every page and the audio need a logged-in user; every POST needs the session's CSRF token. Sessions are
HMAC-signed cookies (HttpOnly, SameSite=Lax, Secure over https) holding the user id and CSRF token."""
from __future__ import annotations

import json
import logging
import mimetypes
import os
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from callscore.pipeline import audio_redact
from callscore.audio.decode import AudioError
from callscore.review import analytics_pages, auth, disputes, inputs, recordings, service
from callscore.review.inputs import BadInput, Id
from callscore.review.service import Forbidden, ReviewError
from callscore.settings import Settings
from callscore.store import Store, open_store
from callscore.store.models import Redaction, ReviewEvent, User, utcnow
from callscore.store.repository import current_result, stored_redactions
from callscore.store.review_models import CalibrationSession

HERE = Path(__file__).resolve().parent
log = logging.getLogger("callscore.review")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
CHUNK = 256 * 1024


class LoginRequired(Exception):
    pass


class CsrfFailed(Exception):
    pass


def create_app(store: Store | str | None = None, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    if store is None:
        store = open_store(settings)
    elif isinstance(store, str):
        store = Store(store)
    import callscore.store.review_models  # noqa: F401  (tables on Base.metadata)
    import callscore.store.dispute_models  # noqa: F401

    signer = auth.SessionSigner(auth.load_secret(settings.home))
    limiter = auth.LoginLimiter()
    default_card = Path(settings.scorecard)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters.update(pct=_pct, secs=_secs, clock=_clock, when=_when, conf=_conf, label=_label,
                                 kappa=_kappa, tojson_attr=lambda v: json.dumps(v))
    templates.env.globals.update(outcome_label=_outcome_label)

    app = FastAPI(title="callscore review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store, app.state.settings, app.state.limiter = store, settings, limiter
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    # ---- session, headers ------------------------------------------------------------------------

    @app.middleware("http")
    async def session_middleware(request: Request, call_next):
        # PostgreSQL text cannot hold NUL: refused here once, rather than failing in whichever query meets it
        target = request.scope.get("raw_path", b"") + b"?" + request.scope.get("query_string", b"")
        if b"\x00" in unquote_to_bytes(target):
            return PlainTextResponse("a request cannot contain NUL characters", status_code=400)
        data = signer.loads(request.cookies.get(auth.SESSION_COOKIE))
        request.state.session = data or auth.new_session()
        request.state.session_changed = data is None
        response = await call_next(request)
        if request.state.session_changed:
            response.set_cookie(auth.SESSION_COOKIE, signer.dumps(request.state.session), max_age=auth.SESSION_MAX_AGE_S,
                                httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/")
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith(("/static/", "/audio/")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    def set_session(request: Request, data: dict) -> None:
        request.state.session = data
        request.state.session_changed = True

    def user_of(request: Request) -> User | None:
        uid = request.state.session.get("uid")
        if not uid:
            return None
        with store.session() as session:
            user = session.get(User, uid)
        # A cookie from before the user's last logout or password change carries an older generation: ended.
        if user is None or not user.active or request.state.session.get("gen") != user.session_generation:
            return None
        return user

    def require_user(request: Request, roles: tuple[str, ...] | None = None) -> User:
        user = user_of(request)
        if user is None:
            raise LoginRequired()
        if roles and user.role not in roles:
            raise Forbidden("your role cannot open this page")
        return user

    async def checked_form(request: Request):
        form = await request.form()
        if any("\x00" in value for _, value in form.multi_items() if isinstance(value, str)):
            raise BadInput("form", "a value cannot contain NUL characters")
        if not auth.csrf_ok(request.state.session, form.get("csrf_token")):
            raise CsrfFailed()
        return form

    def render(request: Request, name: str, user: User | None, status_code: int = 200, **context) -> HTMLResponse:
        return templates.TemplateResponse(request, name, {"user": user, "csrf": request.state.session["csrf"],
                                                          "path": request.url.path, **context},
                                          status_code=status_code)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc):
        if request.url.path.startswith(("/audio/", "/export/", "/api/")) or request.method != "GET":
            return PlainTextResponse("login required", status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)

    @app.exception_handler(CsrfFailed)
    async def _csrf_failed(request: Request, _exc):
        return PlainTextResponse("CSRF token missing or wrong: reload the page and try again", status_code=403)

    @app.exception_handler(BadInput)
    async def _bad_input(request: Request, exc):
        return render(request, "message.html", user_of(request), status_code=400, title="Bad request",
                      message=str(exc))

    @app.exception_handler(RequestValidationError)
    async def _bad_parameter(request: Request, exc):
        """A path parameter of the wrong kind (e.g. an id out of range): 400 naming it, not FastAPI's 422 JSON."""
        names = ", ".join(str(error["loc"][-1]) for error in exc.errors())
        return PlainTextResponse(f"bad value for {names}", status_code=400)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc):
        return render(request, "message.html", user_of(request), status_code=403, title="Not allowed",
                      message=str(exc))

    # ---- login -----------------------------------------------------------------------------------

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/queue"):
        return render(request, "login.html", None, next=_safe_next(next), error=None)

    @app.post("/login")
    async def login(request: Request):
        form = await checked_form(request)
        username = str(form.get("username") or "").strip()[:80]
        password = str(form.get("password") or "")
        target = _safe_next(str(form.get("next") or "/queue"))
        address = request.client.host if request.client else "?"
        wait = limiter.blocked(username, address)
        if wait:
            log.warning("login rate limit for %r from %s", username, address)
            return render(request, "login.html", None, status_code=429, next=target,
                          error=f"Too many failed attempts. Try again in {int(wait // 60) + 1} min.")
        with store.session() as session:
            user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            auth.burn_password_time(password)
            ok = False
        else:
            ok = auth.verify_password(password, user.password_hash)
        if not ok:
            limiter.failed(username, address)
            return render(request, "login.html", None, status_code=401, next=target,
                          error="Wrong username or password.")
        limiter.succeeded(username, address)
        set_session(request, auth.new_session(user.id, user.session_generation))  # new CSRF token: no fixation
        log.info("login %s from %s", username, address)
        return RedirectResponse(target, status_code=303)

    @app.post("/logout")
    async def logout(request: Request):
        await checked_form(request)
        user = user_of(request)
        if user is not None:  # ends every session of this user, a copied cookie too
            with store.session() as session, session.begin():
                auth.end_sessions(session, user.id)
        set_session(request, auth.new_session())
        return RedirectResponse("/login", status_code=303)

    @app.get("/")
    def home(request: Request):
        require_user(request)
        return RedirectResponse("/queue", status_code=303)

    # ---- queue -----------------------------------------------------------------------------------

    @app.get("/queue", response_class=HTMLResponse)
    def queue_page(request: Request):
        user = require_user(request)
        filters = service.QueueFilters.from_query(request.query_params)
        error, status = None, 200
        with store.session() as session:
            try:
                data = service.queue(session, filters, user)
            except (ReviewError, BadInput) as exc:  # the page says what was wrong and shows the whole queue
                error, status = str(exc), 400
                data = service.queue(session, service.QueueFilters(), user)
            choices = service.queue_choices(session, user)
        state_links = {state: "/queue?" + urlencode(filters.without("state") | {"state": state})
                       for state in choices["states"]}
        return render(request, "queue.html", user, status_code=status, filters=filters, data=data, choices=choices,
                      error=error, state_links=state_links,
                      all_states_link="/queue?" + urlencode(filters.without("state")))

    # ---- call page -------------------------------------------------------------------------------

    def load_calibration(session, request: Request, user: User) -> CalibrationSession | None:
        session_id = inputs.record_id(request.query_params.get("session"), "session")
        if session_id is None:
            return None
        calibration = session.get(CalibrationSession, session_id)
        if calibration is None:
            raise Forbidden("no such calibration session")
        return calibration

    def call_context(session, call_id: str, user: User, calibration: CalibrationSession | None) -> dict | None:
        call = service.get_call(session, call_id, user)
        if call is None:
            return None
        if calibration is not None:
            service.check_rater(session, calibration, user, call_id)
        result = current_result(session, call_id)
        card = service.card_for(result.scorecard if result else None, default_card)
        document = result.document if result is not None else None
        mine = service.my_review(session, call_id, user, result, calibration) if user.role != "agent" else None
        latest = service.latest_submitted(session, [call_id]).get(call_id) if calibration is None else None
        start_from = mine or latest
        items = service.item_rows(card, result, service.review_initial(start_from))
        human_score = service.score_outcomes(card, {i["id"]: i["human_outcome"] for i in items}) \
            if start_from is not None else None
        machine_score = (document or {}).get("score") or ({"percent": result.percent, "points": result.points,
                                                           "max_points": result.max_points,
                                                           "auto_failed": result.auto_failed} if result else None)
        redactions = list(session.scalars(select(Redaction).where(Redaction.call_id == call_id)))
        names = service.usernames(session)
        duration = call.duration_s or ((document or {}).get("audio") or {}).get("duration_s") or 0
        transcript = ((document or {}).get("audio") or {}).get("transcript")  # {format, timed} or None
        if calibration is not None:
            neighbours = [row["call"].id for row in service.calibration_calls(session, calibration, user)]
        else:
            neighbours = []
        return {"call": call, "result": result, "document": document, "card": card,
                "card_exact": service.card_matches(card, result.scorecard if result else None),
                "items": items, "segments": service.transcript(document, redactions),
                "dead_air": (document or {}).get("dead_air") or [], "holds": (document or {}).get("holds") or [],
                "duration": duration, "machine_score": machine_score, "human_score": human_score,
                "my_review": mine, "latest": latest, "latest_by": names.get(latest.reviewer_id) if latest else None,
                "audit": [] if calibration is not None else service.audit_trail(session, call_id, user),
                "calibration": calibration, "can_review": user.role in ("monitor", "lead", "admin") and result is not None
                and (calibration is None or calibration.status == "open"),
                "weights": {i.id: {"w": i.weight, "af": i.auto_fail} for i in card.items},
                # a call scored from a transcript file has nothing to play
                "has_audio": call.purged_at is None and not transcript, "transcript": transcript,
                "talk": (document or {}).get("talk") or {},
                "next_call": _next_of(neighbours, call_id), **disputes.call_extras(session, call_id, user)}

    @app.get("/calls/{call_id}", response_class=HTMLResponse)
    def call_page(request: Request, call_id: str):
        user = require_user(request)
        with store.session() as session:
            calibration = load_calibration(session, request, user)
            context = call_context(session, call_id, user, calibration)
        if context is None:
            return render(request, "message.html", user, status_code=404, title="No such call",
                          message="The store has no call with that id (or you may not see it).")
        saved = request.query_params.get("saved")
        return render(request, "call.html", user, error=None, saved=saved, **context)

    @app.post("/calls/{call_id}/review")
    async def post_review(request: Request, call_id: str):
        user = require_user(request)
        form = await checked_form(request)
        decisions = {}
        for key, value in form.multi_items():
            if key.startswith("outcome__"):
                item_id = key[len("outcome__"):]
                decisions[item_id] = (str(value), str(form.get(f"reason__{item_id}") or ""))
        submit = form.get("action") == "submit"
        with store.session() as session:
            calibration = None
            try:
                with session.begin():
                    calibration = load_calibration(session, request, user)
                    if service.get_call(session, call_id, user) is None:
                        raise ReviewError("no such call")
                    service.save_review(session, call_id, user, decisions, str(form.get("comments") or ""), submit,
                                        default_card, calibration)
            except ReviewError as exc:
                session.rollback()
                if service.get_call(session, call_id, user) is None:
                    return render(request, "message.html", user, status_code=404, title="No such call", message="")
                context = call_context(session, call_id, user, calibration)
                for item in context["items"]:  # keep what the reviewer entered
                    if item["id"] in decisions:
                        item["human_outcome"], item["reason"] = decisions[item["id"]]
                        item["overridden"] = item["human_outcome"] != item["machine_outcome"]
                return render(request, "call.html", user, status_code=400, error=str(exc), saved=None,
                              comments=str(form.get("comments") or ""), **context)
        query = {"saved": "calibration" if calibration else ("submitted" if submit else "draft")}
        if calibration is not None:
            query["session"] = calibration.id
        return RedirectResponse(f"/calls/{call_id}?{urlencode(query)}", status_code=303)

    # ---- audio -----------------------------------------------------------------------------------

    @app.get("/audio/{call_id}")
    def audio(request: Request, call_id: str):
        user = require_user(request)
        with store.session() as session:
            found = service.audio_path(session, call_id, user)
            redactions = stored_redactions(session, call_id) if found is not None else []
        if found is None:
            return PlainTextResponse("no recording for this call", status_code=404)
        path, sha256 = found
        try:
            handle = recordings.open_checked(path, sha256)
        except recordings.Refused as exc:
            if exc.status == 409:
                log.warning("not serving %s for call %s: %s", path, call_id, exc)
            return PlainTextResponse(str(exc), status_code=exc.status)
        if not redactions:
            return _ranged_file(request, path.name, handle)
        try:  # serve the derived copy with the redacted stretches covered, never the source
            with handle:
                redacted = recordings.open_redacted(handle, sha256, redactions, settings.home, call_id,
                                                    settings.audio_redaction)
        except recordings.Refused as exc:
            return PlainTextResponse(str(exc), status_code=exc.status)
        except (AudioError, OSError, RuntimeError):
            log.exception("could not redact the audio of %s", call_id)
            return PlainTextResponse("the recording could not be redacted", status_code=500)
        return _ranged_file(request, ".wav", redacted)

    # ---- calibration -----------------------------------------------------------------------------

    @app.get("/calibration", response_class=HTMLResponse)
    def calibration_list(request: Request):
        user = require_user(request, ("monitor", "lead", "admin"))
        with store.session() as session:
            sessions = service.calibration_sessions(session, user)
        return render(request, "calibration_list.html", user, sessions=sessions)

    @app.get("/calibration/new", response_class=HTMLResponse)
    def calibration_new(request: Request):
        user = require_user(request, ("lead", "admin"))
        with store.session() as session:
            return new_calibration_page(request, session, user, None, {})

    def new_calibration_page(request, session, user, error, form, status_code=200):
        data = service.queue(session, service.QueueFilters(), user)
        raters = [u for u in service.list_users(session) if u.role in ("monitor", "lead", "admin")]
        return render(request, "calibration_new.html", user, status_code=status_code, error=error, calls=data["rows"],
                      raters=raters, form=form)

    @app.post("/calibration")
    async def calibration_create(request: Request):
        user = require_user(request, ("lead", "admin"))
        form = await checked_form(request)
        call_ids = [str(v) for v in form.getlist("call")]
        call_ids += [c for c in re.split(r"[\s,]+", str(form.get("call_list") or "")) if c]
        rater_ids = [inputs.record_id(str(v), "rater") for v in form.getlist("rater") if str(v).strip()]
        with store.session() as session:
            try:
                with session.begin():
                    calibration = service.create_calibration(session, user, str(form.get("name") or ""), call_ids,
                                                             rater_ids, str(form.get("notes") or ""))
            except ReviewError as exc:
                session.rollback()
                return new_calibration_page(request, session, user, str(exc),
                                            {"name": form.get("name"), "calls": call_ids, "raters": rater_ids},
                                            status_code=400)
        return RedirectResponse(f"/calibration/{calibration.id}", status_code=303)

    def get_session_or_403(session, session_id: int, user: User) -> CalibrationSession:
        calibration = session.get(CalibrationSession, session_id)
        if calibration is None:
            raise Forbidden("no such calibration session")
        if user.role not in ("lead", "admin"):
            service.check_rater(session, calibration, user)
        return calibration

    @app.get("/calibration/{session_id}", response_class=HTMLResponse)
    def calibration_page(request: Request, session_id: Id):
        user = require_user(request, ("monitor", "lead", "admin"))
        with store.session() as session:
            calibration = get_session_or_403(session, session_id, user)
            calls = service.calibration_calls(session, calibration, user)
            raters = service.calibration_raters(session, calibration)
            is_rater = any(r.id == user.id for r in raters)
        return render(request, "calibration_session.html", user, calibration=calibration, calls=calls, raters=raters,
                      is_rater=is_rater)

    @app.post("/calibration/{session_id}/close")
    async def calibration_close(request: Request, session_id: Id):
        user = require_user(request, ("lead", "admin"))
        await checked_form(request)
        with store.session() as session, session.begin():
            calibration = get_session_or_403(session, session_id, user)
            reopen = calibration.status == "closed"
            calibration.status = "open" if reopen else "closed"
            calibration.closed_at = None if reopen else utcnow()
            session.add(ReviewEvent(user_id=user.id, action="calibration.reopen" if reopen else "calibration.close",
                                    before={"session": session_id}, after={"status": calibration.status}))
        return RedirectResponse(f"/calibration/{session_id}", status_code=303)

    @app.get("/calibration/{session_id}/report", response_class=HTMLResponse)
    def calibration_report(request: Request, session_id: Id):
        user = require_user(request, ("monitor", "lead", "admin"))
        with store.session() as session:
            calibration = get_session_or_403(session, session_id, user)
            if user.role == "monitor" and calibration.status != "closed":
                raise Forbidden("the report opens to raters once the lead closes the session (ratings are blind)")
            report = service.calibration_report(session, calibration, default_card)
            machine = service.machine_agreement(session, default_card)
        return render(request, "calibration_report.html", user, calibration=calibration, report=report,
                      machine=machine, chart=_chart(report["per_item"], machine["rows"]))

    @app.get("/agreement", response_class=HTMLResponse)
    def agreement(request: Request):
        user = require_user(request, ("monitor", "lead", "admin"))
        with store.session() as session:
            machine = service.machine_agreement(session, default_card)
        return render(request, "agreement.html", user, machine=machine, chart=_chart([], machine["rows"]))

    # ---- export ----------------------------------------------------------------------------------

    @app.get("/export/labels.jsonl")
    def export_labels(request: Request):
        require_user(request, ("lead", "admin"))
        with store.session() as session:
            lines = [json.dumps(row, ensure_ascii=False) + "\n" for row in service.export_labels(session, default_card)]
        return Response("".join(lines), media_type="application/x-ndjson",
                        headers={"Content-Disposition": 'attachment; filename="review_labels.jsonl"'})

    app.include_router(analytics_pages.build_router(store, render, require_user, checked_form))
    app.include_router(disputes.build_router(store, render, require_user, checked_form, default_card))

    @app.get("/healthz")
    def healthz():
        return JSONResponse({"ok": True})

    return app


# ---- helpers -------------------------------------------------------------------------------------

def _safe_next(target: str) -> str:
    """Only local paths: no open redirect to another site."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target or target.startswith("/login"):
        return "/queue"
    return target


def _next_of(ids: list[str], current: str) -> str | None:
    if current in ids and ids.index(current) + 1 < len(ids):
        return ids[ids.index(current) + 1]
    return None


RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _ranged_file(request: Request, name: str, handle) -> Response:
    """Stream an opened file (the response owns and closes it); `name` gives the media type."""
    size = os.fstat(handle.fileno()).st_size
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if Path(name).suffix.lower() in (".ogg", ".oga", ".opus"):
        media = "audio/ogg"
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=3600"}
    start, end, status = 0, size - 1, 200
    header = request.headers.get("range")
    if header:
        match = RANGE.match(header.strip())
        if not match or (not match.group(1) and not match.group(2)):
            handle.close()
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        if match.group(1):
            start = int(match.group(1))
            end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
        else:  # the last N bytes
            start, end = max(0, size - int(match.group(2))), size - 1
        if start >= size or start > end:
            handle.close()
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)

    def chunks():
        with handle:  # also closed when the response never starts (the generator is then collected)
            handle.seek(start)
            left = end - start + 1
            while left > 0:
                data = handle.read(min(CHUNK, left))
                if not data:
                    break
                left -= len(data)
                yield data

    return StreamingResponse(chunks(), status_code=status, media_type=media, headers=headers)


def _chart(per_item: list[dict], machine_rows: list[dict]) -> dict:
    """Bars per item: rater-vs-rater agreement and machine-vs-human agreement (0..1), for an inline SVG."""
    labels = list(dict.fromkeys([row["item"] for row in per_item] + [row["item"] for row in machine_rows]))
    human = {row["item"]: row["agreement"] for row in per_item}
    machine = {row["item"]: row["agreement"] for row in machine_rows}
    row_h, top, left, width = 26, 28, 170, 420
    bars = []
    for index, item in enumerate(labels):
        y = top + index * row_h
        bars.append({"item": item, "y": y, "human": human.get(item), "machine": machine.get(item),
                     "hw": (human.get(item) or 0) * width, "mw": (machine.get(item) or 0) * width})
    return {"bars": bars, "left": left, "width": width, "height": top + len(labels) * row_h + 10,
            "ticks": [{"x": left + width * t / 4, "label": f"{25 * t}%"} for t in range(5)],
            "has_human": bool(per_item)}


def _pct(value) -> str:
    return "–" if value is None else f"{value:.0f}%"


def _conf(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def _kappa(value) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _label(value) -> str:
    return (value or "").replace("_", " ")


def _secs(value) -> str:
    if value is None:
        return "–"
    value = int(round(value))
    return f"{value // 60}:{value % 60:02d}"


def _clock(value) -> str:
    value = float(value or 0)
    return f"{int(value // 60)}:{value % 60:04.1f}"


def _when(value) -> str:
    if value is None:
        return "–"
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value)


def _outcome_label(outcome: str) -> str:
    return {"pass": "Pass", "fail": "Fail", "not_applicable": "N/A"}.get(outcome, outcome)  # nosec B105: labels
