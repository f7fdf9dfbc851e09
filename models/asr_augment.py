"""Training sentences as the speech model hears them on a phone line.

Calls reach the classifier through tiny.en at 8 kHz, which turns "so just to recap" into words the
written examples never contain. Each pool sentence is spoken by espeak-ng (voice and speed vary by
sentence), band-limited to 8 kHz and transcribed; where the transcript differs from the sentence it
becomes an extra example with the same labels and group, so the held-out split stays by group.
Only the training pool is spoken: the never-trained paraphrase sets stay clean text.
"""
from __future__ import annotations

import hashlib
import json
import re
import subprocess  # nosec B404 (espeak-ng with a fixed argument list)
import sys
import tempfile
from pathlib import Path

import numpy as np

from callscore.models import phrases, registry, training
from callscore.models.phrases import TRAINING
from callscore.audio.decode import SAMPLE_RATE

OUTPUT = TRAINING / "phrases_asr.jsonl"
TELEPHONE_RATE = 8000
# a transcript that kept less than this share of the sentence's words no longer carries its labels
MIN_WORDS_KEPT = 0.5
VOICES = (("en-gb", 165), ("en-us", 175), ("en-gb+m3", 155), ("en-us+f2", 170), ("en-gb-x-rp", 180))


def _normalised(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text.lower()).split())


def words_kept(source: str, heard_text: str) -> float:
    said = _normalised(source).split()
    got = set(_normalised(heard_text).split())
    return sum(w in got for w in said) / len(said) if said else 0.0


def speak(text: str) -> np.ndarray:
    """espeak-ng, one of VOICES chosen by the sentence's hash, through an 8 kHz phone band."""
    import soundfile as sf
    import soxr

    voice, speed = VOICES[int(hashlib.sha1(text.encode()).hexdigest(), 16) % len(VOICES)]  # nosec B324
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", tmp.name, text],  # nosec B603 B607
                       check=True, capture_output=True)
        audio, rate = sf.read(tmp.name, dtype="float32")
    phone = soxr.resample(audio, rate, TELEPHONE_RATE)
    return soxr.resample(phone, TELEPHONE_RATE, SAMPLE_RATE).astype(np.float32)


def heard(model, text: str) -> str:
    segments, _ = model.transcribe(speak(text), language="en", beam_size=5, vad_filter=False,
                                   condition_on_previous_text=False)
    return " ".join(s.text.strip() for s in segments).strip()


def build(settings, limit: int | None = None, output: Path = OUTPUT) -> dict:
    """Write the heard versions of the training pool; returns counts for the summary line."""
    from tqdm import tqdm

    pool = phrases.deduplicate(training.pool_examples(exclude=output))[:limit]
    model = registry.load_whisper(settings)
    rows = []
    for ex in tqdm(pool, desc="speaking and transcribing", unit="sentence", file=sys.stderr):
        text = heard(model, ex.text)
        if _normalised(text) != _normalised(ex.text) and words_kept(ex.text, text) >= MIN_WORDS_KEPT:
            rows.append({"text": text, "items": ex.items, "group": ex.group, "source": "asr"})
    output.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return {"spoken": len(pool), "changed": len(rows), "output": str(output)}
