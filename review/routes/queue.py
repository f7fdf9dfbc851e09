"""The review queue, the app's home page."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from callscore.review.deps import CurrentUser, StoreDep
from callscore.review.errors import ReviewError
from callscore.review.inputs import BadInput
from callscore.review.pages import render
from callscore.review.services import queue

router = APIRouter()


@router.get("/")
def home(_user: CurrentUser) -> Response:
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue", response_class=HTMLResponse)
def queue_page(request: Request, user: CurrentUser, store: StoreDep) -> Response:
    filters = queue.QueueFilters.from_query(request.query_params)
    error, status = None, 200
    with store.session() as session:
        try:
            data = queue.load(session, filters, user)
        except (ReviewError, BadInput) as exc:  # the page says what was wrong and shows the whole queue
            error, status = str(exc), 400
            data = queue.load(session, queue.QueueFilters(), user)
        choices = queue.choices(session, user)
    state_links = {state: "/queue?" + urlencode(filters.without("state") | {"state": state})
                   for state in choices["states"]}
    return render(request, "queue.html", user, status_code=status, filters=filters, data=data, choices=choices,
                  error=error, state_links=state_links, all_states_link="/queue?" + urlencode(filters.without("state")))
