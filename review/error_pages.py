"""How the app answers what routes and dependencies refuse: a login redirect (401 where no page is wanted),
403 for CSRF and roles, 400 naming a bad value; never FastAPI's 422 JSON."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, RedirectResponse

from callscore.review import pages
from callscore.review.deps import CsrfFailed, LoginRequired, user_of
from callscore.review.errors import Forbidden
from callscore.review.inputs import BadInput


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc):
        if request.url.path.startswith(("/audio/", "/export/", "/api/")) or request.method != "GET":
            return PlainTextResponse("login required", status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, _exc):
        return PlainTextResponse("CSRF token missing or wrong: reload the page and try again", status_code=403)

    @app.exception_handler(BadInput)
    async def bad_input(request: Request, exc):
        return pages.message(request, user_of(request), 400, "Bad request", str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, exc):
        """A path parameter of the wrong kind (e.g. an id out of range): 400 naming it."""
        names = ", ".join(str(error["loc"][-1]) for error in exc.errors())
        return PlainTextResponse(f"bad value for {names}", status_code=400)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc):
        return pages.message(request, user_of(request), 403, "Not allowed", str(exc))
