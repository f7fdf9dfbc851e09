"""What routes depend on: the store and settings the app was made with, the logged-in user (with a role
check), and a POST's form once its CSRF token is checked. A dependency that refuses raises; error_pages answers.

Declare the user before the form in a route's parameters: FastAPI solves them in that order, so an anonymous
POST is answered 401 (login) before its CSRF token is looked at."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Callable

from fastapi import Depends, Request
from starlette.datastructures import FormData

from callscore.review import auth
from callscore.review.errors import Forbidden
from callscore.review.inputs import BadInput
from callscore.review.roles import LEADS, REVIEWERS
from callscore.settings import Settings
from callscore.store import Store
from callscore.store.models import User


class LoginRequired(Exception):
    """No valid session: a page redirects to /login, anything else is answered 401."""


class CsrfFailed(Exception):
    """A POST without this session's CSRF token: 403."""


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_default_card(request: Request) -> Path:
    """The scorecard of results whose own is not found, and of the agreement reports."""
    return Path(get_settings(request).scorecard)


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
DefaultCard = Annotated[Path, Depends(get_default_card)]


def user_of(request: Request) -> User | None:
    """The session's user, if the session is still valid for that user."""
    uid = request.state.session.get("uid")
    if not uid:
        return None
    with get_store(request).session() as session:
        user = session.get(User, uid)
    # A cookie from before the user's last logout or password change carries an older generation: ended.
    if user is None or not user.active or request.state.session.get("gen") != user.session_generation:
        return None
    return user


def current_user(request: Request) -> User:
    user = user_of(request)
    if user is None:
        raise LoginRequired()
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: str) -> Callable[[User], User]:
    """A dependency: the logged-in user, if their role is one of `roles`."""
    def user_in_role(user: CurrentUser) -> User:
        if user.role not in roles:
            raise Forbidden("your role cannot open this page")
        return user

    return user_in_role


Reviewer = Annotated[User, Depends(require_role(*REVIEWERS))]
Lead = Annotated[User, Depends(require_role(*LEADS))]


async def csrf_checked_form(request: Request) -> FormData:
    """The POST's form, if it carries this session's CSRF token and no NUL character (PostgreSQL text cannot
    hold one)."""
    form = await request.form()
    if any("\x00" in value for _, value in form.multi_items() if isinstance(value, str)):
        raise BadInput("form", "a value cannot contain NUL characters")
    if not auth.csrf_ok(request.state.session, form.get("csrf_token")):
        raise CsrfFailed()
    return form


CsrfForm = Annotated[FormData, Depends(csrf_checked_form)]


def start_session(request: Request, data: dict) -> None:
    """Replace the session (login, logout); the middleware sends the new cookie."""
    request.state.session = data
    request.state.session_changed = True

