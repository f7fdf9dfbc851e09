"""Calibration sessions (leads pick calls and raters; raters rate blind on the call page), their agreement
report, and the machine-vs-human agreement page."""
from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from callscore.review import inputs
from callscore.review.agreement_chart import agreement_chart
from callscore.review.deps import CsrfForm, DefaultCard, Lead, Reviewer, StoreDep
from callscore.review.errors import Forbidden, ReviewError
from callscore.review.inputs import Id
from callscore.review.pages import render
from callscore.review.services import agreement, calibration, queue
from callscore.review.services.users import possible_raters
from callscore.store.models import User

router = APIRouter()


@router.get("/calibration", response_class=HTMLResponse)
def calibration_list(request: Request, user: Reviewer, store: StoreDep) -> Response:
    with store.session() as session:
        sessions = calibration.list_sessions(session, user)
    return render(request, "calibration_list.html", user, sessions=sessions)


def new_session_page(request: Request, session: Session, user: User, error: str | None, form: dict,
                     status_code: int = 200) -> HTMLResponse:
    calls = queue.load(session, queue.QueueFilters(), user)["rows"]
    return render(request, "calibration_new.html", user, status_code=status_code, error=error, calls=calls,
                  raters=possible_raters(session), form=form)


@router.get("/calibration/new", response_class=HTMLResponse)
def calibration_new(request: Request, user: Lead, store: StoreDep) -> Response:
    with store.session() as session:
        return new_session_page(request, session, user, None, {})


@router.post("/calibration")
def calibration_create(request: Request, user: Lead, form: CsrfForm, store: StoreDep) -> Response:
    call_ids = [str(v) for v in form.getlist("call")]
    call_ids += [c for c in re.split(r"[\s,]+", str(form.get("call_list") or "")) if c]
    rater_ids = [inputs.record_id(str(v), "rater") for v in form.getlist("rater") if str(v).strip()]
    with store.session() as session:
        try:
            with session.begin():
                created = calibration.create_session(session, user, str(form.get("name") or ""), call_ids, rater_ids,
                                                     str(form.get("notes") or ""))
        except ReviewError as exc:
            session.rollback()
            return new_session_page(request, session, user, str(exc),
                                    {"name": form.get("name"), "calls": call_ids, "raters": rater_ids},
                                    status_code=400)
    return RedirectResponse(f"/calibration/{created.id}", status_code=303)


@router.get("/calibration/{session_id}", response_class=HTMLResponse)
def calibration_page(request: Request, session_id: Id, user: Reviewer, store: StoreDep) -> Response:
    with store.session() as session:
        found = calibration.session_for(session, session_id, user)
        calls = calibration.session_calls(session, found, user)
        raters = calibration.session_raters(session, found)
    return render(request, "calibration_session.html", user, calibration=found, calls=calls, raters=raters,
                  is_rater=any(r.id == user.id for r in raters))


@router.post("/calibration/{session_id}/close")
def calibration_close(session_id: Id, user: Lead, _csrf: CsrfForm, store: StoreDep) -> Response:
    with store.session() as session, session.begin():
        calibration.close_or_reopen(session, calibration.session_for(session, session_id, user), user)
    return RedirectResponse(f"/calibration/{session_id}", status_code=303)


@router.get("/calibration/{session_id}/report", response_class=HTMLResponse)
def calibration_report(request: Request, session_id: Id, user: Reviewer, store: StoreDep,
                       default_card: DefaultCard) -> Response:
    with store.session() as session:
        found = calibration.session_for(session, session_id, user)
        if user.role == "monitor" and found.status != "closed":
            raise Forbidden("the report opens to raters once the lead closes the session (ratings are blind)")
        report = agreement.calibration_report(session, found, default_card)
        machine = agreement.machine_agreement(session, default_card)
    return render(request, "calibration_report.html", user, calibration=found, report=report, machine=machine,
                  chart=agreement_chart(report["per_item"], machine["rows"]))


@router.get("/agreement", response_class=HTMLResponse)
def machine_agreement(request: Request, user: Reviewer, store: StoreDep, default_card: DefaultCard) -> Response:
    with store.session() as session:
        machine = agreement.machine_agreement(session, default_card)
    return render(request, "agreement.html", user, machine=machine, chart=agreement_chart([], machine["rows"]))
