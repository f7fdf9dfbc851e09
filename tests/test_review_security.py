"""Review app security (routes/auth.py, deps.py, middleware.py): nothing without login, CSRF on every POST,
signed sessions that logout and password changes end, login rate limit, roles, headers. The recording route's
own checks are in test_review_audio.py."""
import io
import os
import re
import stat

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from callscore.review import auth, demo
from callscore.settings import Settings
from callscore.store import Store
from callscore.store.models import Call, Review, ReviewEvent
from review_helpers import cli_parser, csrf_of, login, walk

PAGES = ["/", "/queue", "/calls/call-001", "/calibration", "/calibration/new", "/agreement", "/calibration/1/report"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_redirect_to_login_without_a_session(env, path):
    response = TestClient(env["app"]).get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    assert "call-001" not in response.text


@pytest.mark.parametrize("path", ["/audio/call-001", "/audio/call-002", "/export/labels.jsonl"])
def test_audio_and_export_need_login(env, path):
    response = TestClient(env["app"]).get(path, follow_redirects=False)
    assert response.status_code == 401
    assert not response.content.startswith(b"OggS")


def test_posts_need_login(env):
    client = TestClient(env["app"])
    token = csrf_of(client.get("/login").text)  # an anonymous session's valid token is still no login
    for path in ("/calls/call-001/review", "/calibration", "/calibration/1/close"):
        response = client.post(path, data={"csrf_token": token, "action": "submit"}, follow_redirects=False)
        assert response.status_code == 401, path
    with env["store"].session() as session:
        assert session.scalar(select(Review.id)) is None


def test_another_users_session_cannot_post_without_its_own_csrf_token(env):
    ana, ben = login(env["app"], "ana"), login(env["app"], "ben")
    ana_token = csrf_of(ana.get("/calls/call-001").text)
    ben_token = csrf_of(ben.get("/calls/call-001").text)
    assert ana_token != ben_token
    form = {"action": "submit", "outcome__greeting": "fail", "reason__greeting": "forged"}
    for data in (form, form | {"csrf_token": ana_token}, form | {"csrf_token": ""}, form | {"csrf_token": "x" * 43}):
        response = ben.post("/calls/call-001/review", data=data, follow_redirects=False)
        assert response.status_code == 403
    # a cross-site form post carries the victim's cookie but cannot know the token
    assert ben.post("/calibration", data={"name": "x", "call": "call-001"}, follow_redirects=False).status_code in (403, 401)
    assert ben.post("/logout", data={}, follow_redirects=False).status_code == 403
    with env["store"].session() as session:
        assert session.scalar(select(Review.id)) is None
        assert session.scalar(select(ReviewEvent.id)) is None
        assert session.get(Call, "call-001").review_state == "to_review"
    # with the right token the same post goes through
    response = ben.post("/calls/call-001/review", data=form | {"csrf_token": ben_token}, follow_redirects=False)
    assert response.status_code == 303


OPEN_ROUTES = {("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("GET", "/healthz")}


def test_every_route_but_login_needs_a_session(env):
    """Walked from app.routes, so a new route without the login dependency fails here."""
    client = TestClient(env["app"], follow_redirects=False)
    token = csrf_of(client.get("/login").text)  # an anonymous session's valid token is still no login
    for method, template in walk(env["app"].routes):
        if (method, template) in OPEN_ROUTES:
            continue
        url = re.sub(r"{\w+}", "1", template)
        response = client.request(method, url, data={"csrf_token": token} if method == "POST" else None)
        assert response.status_code in (303, 401), (method, url, response.status_code)
        assert response.status_code == 401 or response.headers["location"].startswith("/login?next=")


def test_every_post_needs_the_csrf_token(env):
    admin = login(env["app"], "adam")  # no role refusal comes first
    posts = [template for method, template in walk(env["app"].routes) if method == "POST"]
    assert len(posts) > 10
    for template in posts:
        response = admin.post(re.sub(r"{\w+}", "1", template), data={}, follow_redirects=False)
        assert response.status_code == 403 and "CSRF" in response.text, (template, response.status_code)
    assert admin.get("/queue", follow_redirects=False).status_code == 200  # the refused logout ended nothing


def test_login_itself_needs_the_csrf_token(env):
    client = TestClient(env["app"])
    client.get("/login")
    response = client.post("/login", data={"username": "ana", "password": demo.DEMO_PASSWORD}, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/queue", follow_redirects=False).status_code == 303

def test_agents_see_only_their_own_calls(env):
    client = login(env["app"], "aggie")  # agent A1
    queue = client.get("/queue").text
    assert "call-001" in queue and "call-003" in queue
    assert "call-002" not in queue and "call-004" not in queue
    assert client.get("/calls/call-002").status_code == 404
    assert client.get("/audio/call-002").status_code == 404
    assert client.get("/audio/call-001").status_code == 200
    token = csrf_of(client.get("/calls/call-001").text)
    response = client.post("/calls/call-001/review", data={"csrf_token": token, "action": "submit"},
                           follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/calibration").status_code == 403


def test_roles(env):
    monitor = login(env["app"], "ana")
    assert monitor.get("/export/labels.jsonl").status_code == 403
    assert monitor.get("/calibration/new").status_code == 403
    token = csrf_of(monitor.get("/calibration").text)
    response = monitor.post("/calibration", data={"csrf_token": token, "name": "x", "call": "call-001",
                                                  "rater": [str(env["users"]["ana"]), str(env["users"]["ben"])]},
                            follow_redirects=False)
    assert response.status_code == 403
    lead = login(env["app"], "lena")
    assert lead.get("/export/labels.jsonl").status_code == 200
    assert lead.get("/calibration/new").status_code == 200


def test_session_cookie_is_signed_httponly_and_lax(env):
    client = TestClient(env["app"])
    response = client.get("/login")
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Secure" not in cookie
    https = TestClient(env["app"], base_url="https://testserver")
    assert "Secure" in https.get("/login").headers["set-cookie"]
    # forge a session for user 1 with a made-up signature / another key
    forged = auth.SessionSigner(b"guessed key").dumps(auth.new_session(env["users"]["adam"]))
    intruder = TestClient(env["app"], cookies={auth.SESSION_COOKIE: forged})
    assert intruder.get("/queue", follow_redirects=False).status_code == 303
    real = login(env["app"], "ana").cookies[auth.SESSION_COOKIE]
    body, signature = real.rsplit(".", 1)
    tampered = auth._b64(auth._unb64(body).replace(b'"uid":1', b'"uid":5')) + "." + signature
    intruder = TestClient(env["app"], cookies={auth.SESSION_COOKIE: tampered})
    assert intruder.get("/queue", follow_redirects=False).status_code == 303


def test_login_is_rate_limited_per_username_and_address(env):
    client = TestClient(env["app"])
    token = csrf_of(client.get("/login").text)
    for _ in range(5):
        response = client.post("/login", data={"username": "ana", "password": "wrong", "csrf_token": token})
        assert response.status_code == 401
        assert "Wrong username or password" in response.text
    response = client.post("/login", data={"username": "ana", "password": demo.DEMO_PASSWORD, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 429  # even the right password waits
    other = login(env["app"], "ben")  # other usernames are not locked out
    assert other.get("/queue").status_code == 200


def test_logout_ends_the_session(env):
    client = login(env["app"], "ana")
    token = csrf_of(client.get("/queue").text)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_open_redirect_after_login_is_refused(env):
    client = TestClient(env["app"])
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": "ana", "password": demo.DEMO_PASSWORD, "csrf_token": token,
                                           "next": "//evil.example/x"}, follow_redirects=False)
    assert response.headers["location"] == "/queue"


def test_secret_key_file_is_private_and_stable(env, tmp_path):
    path = auth.secret_path(env["home"])
    assert path.parent == env["home"] / "secrets"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert auth.load_secret(env["home"]) == auth.load_secret(env["home"])
    # a key an older version kept in the home itself moves into secrets/ (sessions signed with it stay valid)
    old_home = tmp_path / "old"
    old_home.mkdir()
    (old_home / auth.SECRET_FILE).write_text("ab" * 32)
    assert auth.load_secret(old_home) == bytes.fromhex("ab" * 32)
    assert not (old_home / auth.SECRET_FILE).exists() and auth.secret_path(old_home).is_file()


def test_passwords_are_hashed_with_salt():
    first, second = auth.hash_password("hunter2 hunter2"), auth.hash_password("hunter2 hunter2")
    assert first != second and first.startswith("scrypt$") and "hunter2" not in first
    assert auth.verify_password("hunter2 hunter2", first)
    assert not auth.verify_password("hunter3 hunter3", first)
    assert not auth.verify_password("x", "garbage")


def test_security_headers(env):
    response = login(env["app"], "ana").get("/calls/call-001")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert "<script>" not in response.text  # no inline scripts: CSP can forbid them


# ---- issue 18: ways in ---------------------------------------------------------------------------
def test_the_session_key_is_kept_apart_from_the_home(env):
    assert auth.secret_path(env["home"]).parent == env["home"] / "secrets"
    assert not (env["home"] / auth.SECRET_FILE).exists()


def test_logout_ends_every_session_of_the_user(env):
    client = login(env["app"], "ana")
    other_browser = login(env["app"], "ana")
    captured = client.cookies[auth.SESSION_COOKIE]
    token = csrf_of(client.get("/queue").text)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    replayed = TestClient(env["app"], cookies={auth.SESSION_COOKIE: captured})
    assert replayed.get("/queue", follow_redirects=False).status_code == 303
    assert other_browser.get("/queue", follow_redirects=False).status_code == 303
    assert login(env["app"], "ana").get("/queue").status_code == 200  # logging in again works
    assert login(env["app"], "ben").get("/queue").status_code == 200


def users_cli(*argv: str, stdin: str, monkeypatch) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin + "\n"))
    args = cli_parser().parse_args(["users", *argv, "--password-stdin"])
    return args.run(args)


def test_a_password_change_ends_the_users_sessions(env, monkeypatch):
    client = login(env["app"], "ana")
    assert client.get("/queue", follow_redirects=False).status_code == 200
    users_cli("passwd", "ana", "--db", env["store"].url, stdin="violet tram umbrella", monkeypatch=monkeypatch)
    assert client.get("/queue", follow_redirects=False).status_code == 303
    assert login(env["app"], "ana", "violet tram umbrella").get("/queue").status_code == 200


@pytest.mark.parametrize("weak", ["password", "aaaaaaaa", " " * 8, "password123", "ana-ana-ana", "qwertyuiop"])
def test_weak_passwords_are_refused(env, monkeypatch, weak):
    with pytest.raises(ValueError, match="too weak") as refused:
        users_cli("add", "newbie", "--role", "monitor", "--db", env["store"].url, stdin=weak, monkeypatch=monkeypatch)
    assert "\n" not in str(refused.value)
    with pytest.raises(ValueError, match="too weak"):
        users_cli("passwd", "ana", "--db", env["store"].url, stdin=weak, monkeypatch=monkeypatch)
    assert login(env["app"], "ana").get("/queue").status_code == 200  # the old password stands


def test_login_is_rate_limited_per_address_across_usernames(env):
    client = TestClient(env["app"])
    token = csrf_of(client.get("/login").text)
    statuses = [client.post("/login", data={"username": f"user{n}", "password": "guess",
                                            "csrf_token": token}).status_code for n in range(12)]
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
    response = client.post("/login", data={"username": "ana", "password": demo.DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 429  # this address waits, even for a real account
    elsewhere = TestClient(env["app"], client=("192.0.2.7", 50000))
    assert login_from(elsewhere, "ana").status_code == 303  # other addresses are not locked out


def login_from(client: TestClient, username: str):
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": demo.DEMO_PASSWORD, "csrf_token": token},
                       follow_redirects=False)


def test_a_non_ascii_csrf_token_is_refused_not_an_error(env):
    client = TestClient(env["app"])
    client.get("/login")
    response = client.post("/login", content=b"username=ana&password=x&csrf_token=%C3%A9",
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 403 and "CSRF" in response.text


def test_the_store_and_its_home_are_private(tmp_path):
    from callscore.store.db import database_url

    old = os.umask(0o022)  # the usual umask, under which SQLite alone makes 0644 files
    try:
        home = tmp_path / "callscore-home"
        settings = Settings(home=home, cache_dir=tmp_path / "cache")
        store = Store(database_url(settings))
        with store.session() as session, session.begin():  # a write: WAL and shared-memory files exist now
            session.add(Call(id="x", source_path="/nowhere", sha256="0" * 64))
        assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
        files = sorted(home.glob("callscore.db*"))
        assert [f.name for f in files] == ["callscore.db", "callscore.db-shm", "callscore.db-wal"]
        assert {f.name: stat.S_IMODE(os.stat(f).st_mode) for f in files} == {f.name: 0o600 for f in files}
        store.engine.dispose()
    finally:
        os.umask(old)
