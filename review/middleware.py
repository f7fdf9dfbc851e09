"""What every request passes through: NUL characters refused at the door, the signed session cookie, and the
security headers (a strict CSP: the pages have no inline script). One middleware layer, as each layer re-streams
the response body (the audio)."""
from __future__ import annotations

from urllib.parse import unquote_to_bytes

from fastapi import FastAPI, Request, Response
from fastapi.responses import PlainTextResponse

from callscore.review import auth

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def add_middleware(app: FastAPI, signer: auth.SessionSigner) -> None:
    @app.middleware("http")
    async def session_and_headers(request: Request, call_next):
        if _has_nul(request):  # PostgreSQL text cannot hold NUL: refused once here, not in whichever query meets it
            return PlainTextResponse("a request cannot contain NUL characters", status_code=400)
        data = signer.loads(request.cookies.get(auth.SESSION_COOKIE))
        request.state.session = data or auth.new_session()
        request.state.session_changed = data is None
        response = await call_next(request)
        if request.state.session_changed:  # a new visitor, a login or a logout (deps.start_session)
            response.set_cookie(auth.SESSION_COOKIE, signer.dumps(request.state.session), max_age=auth.SESSION_MAX_AGE_S,
                                httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/")
        _add_security_headers(request, response)
        return response


def _has_nul(request: Request) -> bool:
    target = request.scope.get("raw_path", b"") + b"?" + request.scope.get("query_string", b"")
    return b"\x00" in unquote_to_bytes(target)


def _add_security_headers(request: Request, response: Response) -> None:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.url.path.startswith(("/static/", "/audio/")):
        response.headers.setdefault("Cache-Control", "no-store")
