"""Redacted copies of recordings, for listening: each redacted interval, padded by PAD_S on both sides, is
replaced by a quiet 1 kHz tone (or silence). The source recording is never modified.

The copy is a 16-bit WAV at the source's sample rate and channel count, in <home>/derived_audio/<call>/,
named by the source's content hash and a hash of the intervals and fill: made once, found again, and a
changed recording or changed redactions give a new file (the call's older copies are removed then).
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Iterable, Literal

import numpy as np

from callscore.audio.decode import _read as read_native
from callscore.core.files import file_sha256, write_atomically
from callscore.core.intervals import Interval, merge

PAD_S = 0.15
TONE_HZ = 1000.0
TONE_PEAK = 0.1  # -20 dBFS: audible as "something was removed here", not loud
Fill = Literal["tone", "silence"]


def call_dir(home: Path | str, call_id: str) -> Path:
    """The call's folder of derived audio: a safe name whatever the call id holds, unique per call id."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", call_id)[:80]
    return Path(home) / "derived_audio" / f"{safe}-{hashlib.sha256(call_id.encode()).hexdigest()[:12]}"


def derived_files(home: Path | str, call_id: str) -> list[Path]:
    folder = call_dir(home, call_id)
    return sorted(folder.glob("*.wav")) if folder.is_dir() else []


def delete_derived(home: Path | str, call_id: str) -> int:
    """Remove the call's derived audio; returns how many files there were."""
    count = len(derived_files(home, call_id))
    shutil.rmtree(call_dir(home, call_id), ignore_errors=True)
    return count


def padded_intervals(redactions: Iterable[dict], pad_s: float = PAD_S) -> list[tuple[float, float]]:
    """{"start", "end"} dicts (seconds) -> sorted, padded, merged (start, end) pairs."""
    padded = (Interval(max(0.0, float(r["start"]) - pad_s), float(r["end"]) + pad_s) for r in redactions)
    return [(i.start, i.end) for i in merge(padded)]


def redacted_audio(source: Path | str, redactions: Iterable[dict], home: Path | str, call_id: str,
                   fill: Fill = "tone", pad_s: float = PAD_S) -> Path:
    """The derived copy of `source` with the redactions covered (created on first use, then cached)."""
    source = Path(source)
    spans = padded_intervals(redactions, pad_s)
    key = hashlib.sha256(json.dumps([fill, [[round(s, 3), round(e, 3)] for s, e in spans]]).encode()).hexdigest()
    target = call_dir(home, call_id) / f"{file_sha256(source)[:16]}-{key[:16]}.wav"
    if target.is_file():
        return target
    samples, rate, _ = read_native(source)  # [channels, frames] float32 at the source rate; the source was
    # scored whole (or allowed partial), so a shortfall note is not a reason to refuse to cover it
    samples = np.clip(samples, -1.0, 1.0)  # a writable copy; PCM cannot hold more
    for start, end in spans:
        first, last = int(start * rate), min(int(np.ceil(end * rate)), samples.shape[1])
        if first < last:
            tone = TONE_PEAK * np.sin(2 * np.pi * TONE_HZ * np.arange(first, last) / rate)
            samples[:, first:last] = tone if fill == "tone" else 0.0
    _write_wav(target, samples, rate)
    for old in derived_files(home, call_id):  # copies for an older recording or older redactions
        if old != target:
            old.unlink(missing_ok=True)
    return target


def _write_wav(target: Path, samples: np.ndarray, rate: int) -> None:
    """Readers never see a half-written file (core.files.write_atomically)."""
    import soundfile as sf

    write_atomically(target, lambda temporary: sf.write(temporary, samples.T, rate, subtype="PCM_16", format="WAV"))
