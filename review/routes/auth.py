"""Logging in (rate limited, CSRF-checked, a fresh session each time) and out (every session of the user ends)."""
from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from callscore.review import auth
from callscore.review.deps import CsrfForm, StoreDep, start_session, user_of
from callscore.review.pages import render
from callscore.store.models import User

log = logging.getLogger("callscore.review")
router = APIRouter()


def safe_next(target: str) -> str:
    """Only local paths: no open redirect to another site."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target or target.startswith("/login"):
        return "/queue"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/queue") -> Response:
    return render(request, "login.html", None, next=safe_next(next), error=None)


@router.post("/login")
def login(request: Request, form: CsrfForm, store: StoreDep) -> Response:
    username = str(form.get("username") or "").strip()[:80]
    password = str(form.get("password") or "")
    target = safe_next(str(form.get("next") or "/queue"))
    address = request.client.host if request.client else "?"
    limiter: auth.LoginLimiter = request.app.state.limiter
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
        return render(request, "login.html", None, status_code=401, next=target, error="Wrong username or password.")
    limiter.succeeded(username, address)
    start_session(request, auth.new_session(user.id, user.session_generation))  # new CSRF token: no fixation
    log.info("login %s from %s", username, address)
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, _csrf: CsrfForm, store: StoreDep) -> Response:
    user = user_of(request)
    if user is not None:  # ends every session of this user, a copied cookie too
        with store.session() as session, session.begin():
            auth.end_sessions(session, user.id)
    start_session(request, auth.new_session())
    return RedirectResponse("/login", status_code=303)
