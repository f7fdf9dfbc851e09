"""Shared helpers for the bench scripts: where the corpus is, peak memory, table printing."""
from __future__ import annotations

import json
import os
import resource
from pathlib import Path

CORPUS = Path(os.environ.get("CALLSCORE_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))
AUDIO = (".flac", ".wav", ".mp3", ".ogg")


def corpus_calls(subset: str) -> list[tuple[Path, dict, Path]]:
    """(audio, labels, rttm) for every call of corpus/<subset>."""
    calls = []
    for label_path in sorted((CORPUS / subset).glob("*.json")):
        audio = next((label_path.with_suffix(s) for s in AUDIO if label_path.with_suffix(s).exists()), None)
        if audio:
            calls.append((audio, json.loads(label_path.read_text()), label_path.with_suffix(".rttm")))
    if not calls:
        raise SystemExit(f"no calls under {CORPUS / subset}: set CALLSCORE_CORPUS to the corpus folder")
    return calls


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(rows: list[dict], columns: list[str]) -> str:
    widths = {c: max(len(c), *(len(_fmt(r.get(c))) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines += ["  ".join(_fmt(r.get(c)).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return "-" if value is None else str(value)
