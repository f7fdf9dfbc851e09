"""score_call: the unit of work every entry point (CLI, flows, reprocessing) maps over files."""
from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from callscore import languages
from callscore.checks import run_checks
from callscore.models import judge, phrases
from callscore.pipeline import result as results
from callscore.audio.decode import AudioError
from callscore.core.scorecard import Scorecard
from callscore.pipeline.transcribe import transcribe_call
from callscore.pipeline.transcript_input import is_transcript_file, load_transcript
from callscore.settings import Settings


def score_call(path: Path | str, settings: Settings, card: Scorecard, sidecar_language: str | None = None) -> dict:
    """Recording or transcript file (.json, .txt) -> callscore.result/1 dict. Raises AudioError for unreadable
    input (TranscriptError, one, for a bad transcript); a readable recording with no speech gets a result with
    every item not_applicable and the no_speech flag. The call's language is the sidecar's (given, or read
    beside the file), else the settings', else the scorecard's (callscore.languages.call_language)."""
    classifier = phrases.active(settings.classifier_dir)
    call = languages.for_call(settings, card.language, sidecar_language or languages.sidecar_language(path))
    try:
        record = load_transcript(path, call) if is_transcript_file(path) else transcribe_call(path, call)
    except AudioError as error:
        if not error.no_speech or error.audio is None:
            raise
        document = results.no_speech(error.audio.meta(), error.audio.sha256, card, error.cause, call.asr_model,
                                     classifier.version, Path(path).stem)
    else:
        started = time.perf_counter()
        judge.score_items(record.utterances, card.items, classifier)
        checks, context = run_checks(record, card, settings.min_silence_s)
        record.timings["checks_s"] = time.perf_counter() - started
        record.timings["total_s"] += record.timings["checks_s"]
        document = results.build(record, card, checks, context, classifier.version)
    note = languages.model_note(settings.asr_model, call.asr_model, call.language)
    if note and document.versions.asr_model == call.asr_model:  # a transcript file heard no speech model
        document.versions.asr_model_note = note
    return document.to_json()


def write_json(path: Path, document: dict) -> None:
    """Write atomically: a killed run leaves the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(document, f, indent=1, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)
