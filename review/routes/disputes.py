"""An agent acknowledges or disputes an item of their own call; leads list open disputes and resolve them."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from callscore.review.deps import CsrfForm, CurrentUser, DefaultCard, Lead, StoreDep
from callscore.review.errors import ReviewError
from callscore.review.inputs import Id
from callscore.review.pages import message, render
from callscore.review.services import disputes
from callscore.review.services.reviews import OUTCOMES
from callscore.store.models import User

router = APIRouter()


def not_saved(request: Request, user: User, exc: ReviewError) -> HTMLResponse:
    return message(request, user, 400, "Not saved", str(exc))


@router.post("/calls/{call_id}/acknowledge")
def acknowledge_call(request: Request, call_id: str, user: CurrentUser, _csrf: CsrfForm, store: StoreDep) -> Response:
    with store.session() as session:
        try:
            with session.begin():
                disputes.acknowledge(session, call_id, user)
        except ReviewError as exc:
            return not_saved(request, user, exc)
    return RedirectResponse(f"/calls/{call_id}?saved=acknowledged", status_code=303)


@router.post("/calls/{call_id}/disputes")
def dispute_item(request: Request, call_id: str, user: CurrentUser, form: CsrfForm, store: StoreDep) -> Response:
    with store.session() as session:
        try:
            with session.begin():
                disputes.open_dispute(session, call_id, user, str(form.get("item_id") or ""),
                                      str(form.get("reason") or ""))
        except ReviewError as exc:
            return not_saved(request, user, exc)
    return RedirectResponse(f"/calls/{call_id}?saved=disputed", status_code=303)


@router.get("/disputes", response_class=HTMLResponse)
def disputes_page(request: Request, user: Lead, store: StoreDep) -> Response:
    with store.session() as session:
        rows, done = disputes.open_disputes(session), disputes.recent_resolved(session)
    return render(request, "disputes.html", user, rows=rows, done=done, outcomes=OUTCOMES,
                  saved=request.query_params.get("saved"))


@router.post("/disputes/{dispute_id}/resolve")
def resolve_dispute(request: Request, dispute_id: Id, user: Lead, form: CsrfForm, store: StoreDep,
                    default_card: DefaultCard) -> Response:
    with store.session() as session:
        try:
            with session.begin():
                disputes.resolve(session, dispute_id, user, str(form.get("decision") or ""),
                                 str(form.get("note") or ""), default_card, str(form.get("outcome") or "") or None)
        except ReviewError as exc:
            return not_saved(request, user, exc)
    return RedirectResponse("/disputes?saved=resolved", status_code=303)
