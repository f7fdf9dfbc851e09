"""Opening the recording the audio route serves. The stored path is only a hint: whoever can write to the
inbox can put anything there, a symlink to the session key included. So a file is served only if it is a
regular file, opened without following a symlink, whose content hashes to what the store recorded (the
source's calls.sha256), and it is streamed from that same open file, so nothing can be swapped in between.
The redacted copy the app derives is checked the same way against the source hash its name was made from."""
from __future__ import annotations

import os
import stat
import threading
from pathlib import Path
from typing import BinaryIO

from callscore.core.files import stream_sha256
from callscore.audio import redacted_copy

_verified: dict[tuple, str] = {}  # (device, inode, size, mtime, ctime) -> sha256: hash a file once, not per range
_verified_lock = threading.Lock()
_VERIFIED_MAX = 4096


class Refused(Exception):
    """The file is missing or not the recording the store holds (message for the user)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


NOT_SCORED = "the recording on disk is not the one that was scored"


def _open_regular(path: Path) -> BinaryIO:
    """`path` opened for reading if it is a regular file and not a symlink (at its last component)."""
    try:  # O_NONBLOCK: a FIFO put in place of the recording must not hang the request on open
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise Refused("no recording for this call", 404) from None
    except OSError:  # ELOOP: a symlink; EACCES and the like: not ours to serve either way
        raise Refused(NOT_SCORED, 409) from None
    handle = os.fdopen(fd, "rb")
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        handle.close()
        raise Refused(NOT_SCORED, 409)
    return handle


def open_checked(path: Path, sha256: str | None) -> BinaryIO:
    """The recording at `path`, opened, if its content hashes to `sha256` (the store's calls.sha256); else
    Refused (404 missing, 409 another file)."""
    handle = _open_regular(path)
    if not sha256 or _sha256_of(handle) != sha256:
        handle.close()
        raise Refused(NOT_SCORED, 409)
    handle.seek(0)
    return handle


def _sha256_of(handle: BinaryIO) -> str:
    info = os.fstat(handle.fileno())
    # ctime cannot be set by a user (unlike mtime), so a file changed in place gets a new key
    key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    with _verified_lock:
        if key in _verified:
            return _verified[key]
    digest = stream_sha256(handle)
    with _verified_lock:
        if len(_verified) >= _VERIFIED_MAX:
            _verified.clear()
        _verified[key] = digest
    return digest


def open_redacted(source: BinaryIO, sha256: str, redactions: list[dict], home: Path, call_id: str,
                  fill: str) -> BinaryIO:
    """The derived copy with the redactions covered, made from the already checked `source` (read through its
    open descriptor, Linux's /proc/self/fd, so the file checked is the file redacted) and opened as checked: a
    regular file in the app's own derived_audio folder whose name starts with the source's hash."""
    made = redacted_copy.redacted_audio(Path(f"/proc/self/fd/{source.fileno()}"), redactions, home, call_id, fill)
    if made.parent != redacted_copy.call_dir(home, call_id) or not made.name.startswith(sha256[:16]):
        raise Refused(NOT_SCORED, 409)
    return _open_regular(made)
