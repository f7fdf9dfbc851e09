"""Find recordings in an inbox (a folder or any fsspec URL), hash them, and read what is known about
each call from a sidecar `<stem>.json` or from the file name."""
from __future__ import annotations

import contextlib
import hashlib
import json
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Iterator

import fsspec

from callscore.batch import AUDIO_SUFFIXES
from callscore.store.repository import CALL_FIELDS

@dataclass
class Recording:
    url: str  # as given to fsspec: a local path or e.g. s3://bucket/inbox/call.wav
    sha256: str
    call_info: dict = field(default_factory=dict)  # agent_id, team, call_time, queue, campaign, meta

    @property
    def call_id(self) -> str:
        return PurePosixPath(self.url).stem  # what score_call names the call


def discover(inbox: str, name_pattern: str | None = None) -> list[Recording]:
    fs, root = fsspec.core.url_to_fs(inbox)
    if not fs.exists(root):  # an empty inbox is a quiet night; a missing one is a mistake
        raise FileNotFoundError(f"inbox {inbox} does not exist")
    paths = sorted(p for p in fs.find(root) if PurePosixPath(p).suffix.lower() in AUDIO_SUFFIXES)
    return [Recording(fs.unstrip_protocol(p) if _remote(fs) else p, content_sha256(fs, p),
                      call_info(fs, p, name_pattern)) for p in paths]


def _remote(fs) -> bool:
    return "file" not in fs.protocol and "local" not in fs.protocol


def content_sha256(fs, path: str) -> str:
    digest = hashlib.sha256()
    with fs.open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def call_info(fs, path: str, name_pattern: str | None) -> dict:
    """Sidecar JSON wins over the file-name pattern; unknown sidecar keys are kept in `meta`."""
    sidecar = str(PurePosixPath(path).with_suffix(".json"))
    info = {}
    if fs.exists(sidecar):
        try:
            data = json.loads(fs.cat_file(sidecar))
        except ValueError:  # a broken sidecar must not stop the run; the call is scored without it
            data = None
        # callscore's own JSON (labels, results) lives next to audio too; it is not call metadata
        if isinstance(data, dict) and not str(data.get("schema", "")).startswith("callscore."):
            info = {k: v for k, v in data.items() if k in CALL_FIELDS}
            info["meta"] = {k: v for k, v in data.items() if k not in CALL_FIELDS}
    if not info and name_pattern and (match := re.search(name_pattern, PurePosixPath(path).stem)):
        info = {k: v for k, v in match.groupdict().items() if v is not None}
    if isinstance(info.get("call_time"), str):
        info["call_time"] = _parse_time(info["call_time"])
    return info


def _parse_time(text: str) -> datetime | None:
    """ISO 8601 in full or basic form (20261101T093000); zoned times are stored as naive UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


@contextlib.contextmanager
def local_copy(url: str) -> Iterator[Path]:
    """A local path to the recording: itself when local, else a temporary download with the same name
    (the name is the call id)."""
    fs, path = fsspec.core.url_to_fs(url)
    if not _remote(fs):
        yield Path(path)
        return
    with tempfile.TemporaryDirectory(prefix="callscore-") as tmp:
        target = Path(tmp) / PurePosixPath(path).name
        fs.get_file(path, str(target))
        yield target
