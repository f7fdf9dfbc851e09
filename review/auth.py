"""Reviewer accounts and sessions: scrypt password hashes, HMAC-signed session cookies carrying a
per-session CSRF token, and a login rate limit. No server-side session table: the cookie is the session."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections import defaultdict, deque
from pathlib import Path

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
SESSION_COOKIE = "callscore_session"
SESSION_MAX_AGE_S = 12 * 3600  # a working day; then log in again
SECRET_FILE = "review_secret.key"  # nosec B105: a file name, the key is generated


# ---- passwords -----------------------------------------------------------------------------------

def hash_password(password: str) -> str:
    if not password:
        raise ValueError("empty password")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        got = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


_DUMMY_HASH: str | None = None


def burn_password_time(password: str) -> None:
    """Spend as long as a real check, so an unknown username is not told apart by timing."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("not a real password")
    verify_password(password, _DUMMY_HASH)


# ---- secret key ----------------------------------------------------------------------------------

def load_secret(home: Path) -> bytes:
    """CALLSCORE_SECRET_KEY, else a random key kept in <home>/review_secret.key (created 0600)."""
    env = os.environ.get("CALLSCORE_SECRET_KEY")
    if env:
        return env.encode()
    home.mkdir(parents=True, exist_ok=True)
    path = home / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        return bytes.fromhex(path.read_text().strip())
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "w") as f:
        f.write(key.hex())
    return key


# ---- signed session cookie -----------------------------------------------------------------------

class SessionSigner:
    def __init__(self, secret: bytes):
        self.key = hashlib.sha256(b"callscore.review.session:" + secret).digest()

    def dumps(self, data: dict) -> str:
        body = _b64(json.dumps(data, separators=(",", ":")).encode())
        return f"{body}.{self._sign(body)}"

    def loads(self, cookie: str | None) -> dict | None:
        """The session, or None when missing, tampered with or expired."""
        if not cookie or "." not in cookie:
            return None
        body, signature = cookie.rsplit(".", 1)
        if not hmac.compare_digest(signature, self._sign(body)):
            return None
        try:
            data = json.loads(_unb64(body))
        except ValueError:
            return None
        if not isinstance(data, dict) or time.time() - data.get("iat", 0) > SESSION_MAX_AGE_S:
            return None
        return data

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self.key, body.encode(), hashlib.sha256).digest())


def new_session(user_id: int | None = None) -> dict:
    """A fresh session: new CSRF token (so logging in rotates it), issued now."""
    return {"uid": user_id, "csrf": secrets.token_urlsafe(32), "iat": int(time.time())}


def csrf_ok(session: dict | None, token: str | None) -> bool:
    return bool(session and token and session.get("csrf")) and hmac.compare_digest(str(token), session["csrf"])


# ---- login rate limit ----------------------------------------------------------------------------

class LoginLimiter:
    """At most `limit` failed logins per (username, client address) in `window_s` seconds."""

    def __init__(self, limit: int = 5, window_s: float = 300.0):
        self.limit, self.window_s = limit, window_s
        self._failures: dict[tuple[str, str], deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque:
        failures = self._failures[key]
        while failures and now - failures[0] > self.window_s:
            failures.popleft()
        return failures

    def blocked(self, username: str, address: str) -> float:
        """Seconds until another attempt is allowed (0 when allowed)."""
        now = time.monotonic()
        with self._lock:
            failures = self._recent((username.lower(), address), now)
            return self.window_s - (now - failures[0]) if len(failures) >= self.limit else 0.0

    def failed(self, username: str, address: str) -> None:
        with self._lock:
            self._recent((username.lower(), address), time.monotonic()).append(time.monotonic())

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._failures.pop((username.lower(), address), None)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
