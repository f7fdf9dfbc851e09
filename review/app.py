"""The review web app: FastAPI, server-rendered Jinja2 pages, a little vanilla JS.

Every page and the audio need a logged-in user; every POST needs the session's CSRF token (routes declare both
as dependencies, deps.py). Sessions are HMAC-signed cookies (HttpOnly, SameSite=Lax, Secure over https) holding
the user id and CSRF token. create_app only wires: state, middleware, error pages, routers."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from callscore.review import auth
from callscore.review.error_pages import add_error_handlers
from callscore.review.middleware import add_middleware
from callscore.review.routes import analytics, audio, calibration, calls, disputes, export, health, queue
from callscore.review.routes import auth as auth_routes
from callscore.settings import Settings
from callscore.store import Store, open_store

STATIC = Path(__file__).resolve().parent / "static"
ROUTERS = (auth_routes, queue, calls, audio, calibration, export, analytics, disputes, health)


def create_app(store: Store | str | None = None, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    if store is None:
        store = open_store(settings)
    elif isinstance(store, str):
        store = Store(store)
    import callscore.store.review_models  # noqa: F401  (tables on Base.metadata)
    import callscore.store.dispute_models  # noqa: F401

    app = FastAPI(title="callscore review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store, app.state.settings, app.state.limiter = store, settings, auth.LoginLimiter()
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    add_middleware(app, auth.SessionSigner(auth.load_secret(settings.home)))
    add_error_handlers(app)
    for module in ROUTERS:
        app.include_router(module.router)
    return app
