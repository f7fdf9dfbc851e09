"""A call's page (verdicts, transcript, audit trail; a blind rating form within a calibration session) and
saving a review of it."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from callscore.review import inputs
from callscore.review.deps import CsrfForm, CurrentUser, DefaultCard, StoreDep
from callscore.review.errors import ReviewError
from callscore.review.pages import message, render
from callscore.review.services import calibration as calibrations
from callscore.review.services.call_page import call_page, keep_entered
from callscore.review.services.calls import get_call
from callscore.review.services.reviews import save_review
from callscore.store.review_models import CalibrationSession

router = APIRouter()
NO_SUCH_CALL = "The store has no call with that id (or you may not see it)."


def calibration_of(session: Session, request: Request) -> CalibrationSession | None:
    """The calibration session named by ?session=ID (a rating within it), if any."""
    session_id = inputs.record_id(request.query_params.get("session"), "session")
    return None if session_id is None else calibrations.find_session(session, session_id)


def decisions_of(form: FormData) -> dict[str, tuple[str, str]]:
    """item -> (outcome, reason) from the review form's outcome__ITEM and reason__ITEM fields."""
    decisions = {}
    for key, value in form.multi_items():
        if key.startswith("outcome__"):
            item_id = key[len("outcome__"):]
            decisions[item_id] = (str(value), str(form.get(f"reason__{item_id}") or ""))
    return decisions


@router.get("/calls/{call_id}", response_class=HTMLResponse)
def show_call(request: Request, call_id: str, user: CurrentUser, store: StoreDep,
              default_card: DefaultCard) -> Response:
    with store.session() as session:
        context = call_page(session, call_id, user, calibration_of(session, request), default_card)
    if context is None:
        return message(request, user, 404, "No such call", NO_SUCH_CALL)
    return render(request, "call.html", user, error=None, saved=request.query_params.get("saved"), **context)


@router.post("/calls/{call_id}/review")
def post_review(request: Request, call_id: str, user: CurrentUser, form: CsrfForm, store: StoreDep,
                default_card: DefaultCard) -> Response:
    decisions = decisions_of(form)
    submit = form.get("action") == "submit"
    comments = str(form.get("comments") or "")
    with store.session() as session:
        calibration = None
        try:
            with session.begin():
                calibration = calibration_of(session, request)
                if get_call(session, call_id, user) is None:
                    raise ReviewError("no such call")
                save_review(session, call_id, user, decisions, comments, submit, default_card, calibration)
        except ReviewError as exc:
            session.rollback()
            if get_call(session, call_id, user) is None:
                return message(request, user, 404, "No such call", "")
            context = call_page(session, call_id, user, calibration, default_card)
            keep_entered(context, decisions)
            return render(request, "call.html", user, status_code=400, error=str(exc), saved=None, comments=comments,
                          **context)
    query = {"saved": "calibration" if calibration else ("submitted" if submit else "draft")}
    if calibration is not None:
        query["session"] = calibration.id
    return RedirectResponse(f"/calls/{call_id}?{urlencode(query)}", status_code=303)
