"""Find recordings and transcript files in an inbox (a folder or any fsspec URL), hash them, and read what
is known about each call from a sidecar `<stem>.json` or from the file name."""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterator

import fsspec

from callscore.audio.decode import AUDIO_SUFFIXES
from callscore.core.files import stream_sha256
from callscore.pipeline.transcript_input import sniff, transcript_candidates
from callscore.store.call_info import SidecarError, from_sidecar, parse_time

log = logging.getLogger(__name__)
# call_info keys of a recording whose sidecar cannot be used: why, and the sidecar content it was judged on
SIDECAR_ERROR, SIDECAR_SHA256 = "sidecar_error", "sidecar_sha256"

@dataclass
class Recording:
    url: str  # as given to fsspec: a local path or e.g. s3://bucket/inbox/call.wav
    sha256: str
    call_info: dict = field(default_factory=dict)  # agent_id, team, call_time, queue, campaign, meta
    # a transcript file: the ASR its result will name (transcript:<format>) and the call id it declares
    asr_model: str | None = None
    declared_call_id: str | None = None

    @property
    def sidecar_error(self) -> str | None:
        return self.call_info.get(SIDECAR_ERROR)

    @property
    def quarantine_key(self) -> str:
        """The content a quarantine is judged on: the recording, and the sidecar when that was the fault (so
        fixing either one lets the call through)."""
        if not self.sidecar_error:
            return self.sha256
        return hashlib.sha256(f"{self.sha256}:{self.call_info[SIDECAR_SHA256]}".encode()).hexdigest()

    @property
    def call_id(self) -> str:
        return self.declared_call_id or PurePosixPath(self.url).stem  # what score_call names the call


def discover(inbox: str, name_pattern: str | None = None) -> list[Recording]:
    fs, root = fsspec.core.url_to_fs(inbox)
    if not fs.exists(root):  # an empty inbox is a quiet night; a missing one is a mistake
        raise FileNotFoundError(f"inbox {inbox} does not exist")
    files = sorted(fs.find(root))
    recordings = [Recording(_url(fs, p), content_sha256(fs, p), call_info(fs, p, name_pattern))
                  for p in files if PurePosixPath(p).suffix.lower() in AUDIO_SUFFIXES]
    for p in transcript_candidates(files):
        # only files that read as a transcript: notes, exports and other JSON in the inbox are not calls
        if (parsed := sniff(p, fs.cat_file(p))) is not None:
            recordings.append(Recording(_url(fs, p), content_sha256(fs, p), call_info(fs, p, name_pattern),
                                        f"transcript:{parsed.format}", parsed.call_id))
    return sorted(recordings, key=lambda r: r.url)


def _url(fs, path: str) -> str:
    return fs.unstrip_protocol(path) if _remote(fs) else path


def _remote(fs) -> bool:
    return "file" not in fs.protocol and "local" not in fs.protocol


def content_sha256(fs, path: str) -> str:
    with fs.open(path, "rb") as f:
        return stream_sha256(f)


def call_info(fs, path: str, name_pattern: str | None) -> dict:
    """Sidecar JSON wins over the file-name pattern. Only known sidecar fields are kept (store.call_info);
    a sidecar that is not valid gives {SIDECAR_ERROR, SIDECAR_SHA256} instead, and the call is quarantined
    before it is scored."""
    sidecar = str(PurePosixPath(path).with_suffix(".json"))
    info = {}
    if sidecar != path and fs.exists(sidecar):  # a .json transcript is not its own sidecar
        raw = fs.cat_file(sidecar)
        try:
            data = json.loads(raw)
            # callscore's own JSON (labels, results) lives next to audio too; it is not call metadata
            if not (isinstance(data, dict) and str(data.get("schema", "")).startswith("callscore.")):
                info, unknown = from_sidecar(data, sidecar)
                if unknown:  # names only: the values may be exactly what must not be kept
                    log.warning("sidecar %s: unknown keys dropped, not stored: %s", sidecar, ", ".join(unknown))
        except ValueError as error:  # not JSON, or a SidecarError
            cause = str(error) if isinstance(error, SidecarError) else f"sidecar {sidecar}: not valid JSON ({error})"
            return {SIDECAR_ERROR: cause, SIDECAR_SHA256: hashlib.sha256(raw).hexdigest()}
    if not info and name_pattern and (match := re.search(name_pattern, PurePosixPath(path).stem)):
        info = {k: v for k, v in match.groupdict().items() if v is not None}
    if isinstance(info.get("call_time"), str):
        info["call_time"] = parse_time(info["call_time"])
    return info


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
