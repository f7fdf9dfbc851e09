"""Helpers for the review app's tests (the `env` fixture of conftest.py holds the seeded store and the app)."""
import argparse
import re

from sqlalchemy import select
from starlette.routing import Route
from starlette.testclient import TestClient

from callscore.review import demo
from callscore.review.services.reviews import save_review
from callscore.settings import REPO_ROOT
from callscore.store.models import User

DEFAULT_CARD = REPO_ROOT / "scorecards" / "default.yaml"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(app, username: str, password: str = demo.DEMO_PASSWORD) -> TestClient:
    client = TestClient(app)
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                           "next": "/queue"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def client_for(env: dict, username: str) -> TestClient:
    return login(env["app"], username)


def app_routes(routes):
    """The routes of app.routes with included routers opened (FastAPI keeps them as one entry each)."""
    for route in routes:
        if hasattr(route, "original_router"):
            yield from app_routes(route.original_router.routes)
        elif isinstance(route, Route):
            yield route


def walk(routes):
    """(method, path template) of every route."""
    for route in app_routes(routes):
        for method in sorted(route.methods - {"HEAD"}):
            yield method, route.path


def user(env: dict, name: str) -> User:
    with env["store"].session() as session:
        return session.scalar(select(User).where(User.username == name))


def save(env: dict, name: str, decisions: dict, submit: bool = True, comments: str = "", call: str = "call-001") -> int:
    """A review saved as the app saves it (the id)."""
    with env["store"].session() as session, session.begin():
        return save_review(session, call, user(env, name), decisions, comments, submit, DEFAULT_CARD).id


def cli_parser() -> argparse.ArgumentParser:
    from callscore.review.cli import add_parsers

    parser = argparse.ArgumentParser(prog="callscore")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    return parser
