"""Reviewer accounts and sessions: scrypt password hashes, a strength check on new passwords, HMAC-signed
session cookies carrying a per-session CSRF token, and a login rate limit. No server-side session table: the
cookie is the session, and it names the user's session generation, which logout and a password change raise
(so every earlier cookie of that user stops working)."""
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
SECRETS_DIR = "secrets"  # a folder, 0700, beside (never inside) anything the app serves
MIN_PASSWORD_SCORE = 3  # zxcvbn: 3 is "safely unguessable: moderate protection from offline slow-hash attacks"


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


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is too weak (one line), or None. zxcvbn estimates how many guesses it takes
    (dictionaries, names, keyboard patterns, repeats, the username itself)."""
    from zxcvbn import zxcvbn

    if len(password) < 8:
        return "a password needs at least 8 characters"
    verdict = zxcvbn(password[:200], user_inputs=[username] if username else [])  # it slows on long input
    if verdict["score"] >= MIN_PASSWORD_SCORE:
        return None
    feedback = verdict["feedback"]
    hint = feedback["warning"] or " ".join(feedback["suggestions"]) or "it is easy to guess"
    return f"password too weak ({hint.rstrip('.')}): use a longer phrase of uncommon words"


# ---- secret key ----------------------------------------------------------------------------------

def secret_path(home: Path) -> Path:
    return home / SECRETS_DIR / SECRET_FILE


def load_secret(home: Path) -> bytes:
    """CALLSCORE_SECRET_KEY, else a random key kept in <home>/secrets/review_secret.key (folder 0700, file
    0600). A key left at <home>/review_secret.key by an older version is moved there."""
    env = os.environ.get("CALLSCORE_SECRET_KEY")
    if env:
        return env.encode()
    from callscore.store.db import private_dir

    path = secret_path(home)
    private_dir(path.parent)
    if (home / SECRET_FILE).is_file() and not path.exists():
        os.replace(home / SECRET_FILE, path)
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


def new_session(user_id: int | None = None, generation: int = 0) -> dict:
    """A fresh session: new CSRF token (so logging in rotates it), issued now, for the user's current session
    generation."""
    return {"uid": user_id, "gen": generation, "csrf": secrets.token_urlsafe(32), "iat": int(time.time())}


def end_sessions(session, user_id: int) -> None:
    """Every cookie issued to this user so far stops working (logout, password change, disabling)."""
    from sqlalchemy import update

    from callscore.store.models import User

    session.execute(update(User).where(User.id == user_id)
                    .values(session_generation=User.session_generation + 1))


def csrf_ok(session: dict | None, token: str | None) -> bool:
    # bytes: compare_digest refuses str with non-ASCII characters (a TypeError, not a refusal)
    return bool(session and token and session.get("csrf")) and hmac.compare_digest(
        str(token).encode(), str(session["csrf"]).encode())


# ---- login rate limit ----------------------------------------------------------------------------

class LoginLimiter:
    """At most `limit` failed logins per (username, client address), and `address_limit` per client address
    whatever the usernames (one guess at each of many accounts), in `window_s` seconds."""

    def __init__(self, limit: int = 5, window_s: float = 300.0, address_limit: int = 10):
        self.limits = {"user": limit, "address": address_limit}
        self.window_s = window_s
        self._failures: dict[tuple, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _keys(self, username: str, address: str) -> dict[str, tuple]:
        return {"user": ("user", username.lower(), address), "address": ("address", address)}

    def _recent(self, key: tuple, now: float) -> deque:
        failures = self._failures[key]
        while failures and now - failures[0] > self.window_s:
            failures.popleft()
        return failures

    def blocked(self, username: str, address: str) -> float:
        """Seconds until another attempt is allowed (0 when allowed)."""
        now = time.monotonic()
        with self._lock:
            waits = [self.window_s - (now - failures[0]) for kind, key in self._keys(username, address).items()
                     if len(failures := self._recent(key, now)) >= self.limits[kind]]
        return max(waits, default=0.0)

    def failed(self, username: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in self._keys(username, address).values():
                self._recent(key, now).append(now)

    def succeeded(self, username: str, address: str) -> None:
        """A right password clears that user's failures (not the address's: one known account must not
        reset the count of guesses at the others)."""
        with self._lock:
            self._failures.pop(self._keys(username, address)["user"], None)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
