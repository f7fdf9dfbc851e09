"""Run one function over many recordings: progress bar, one-line errors, a summary, nothing lost."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from callscore.audio.decode import AUDIO_SUFFIXES


@dataclass
class BatchSummary:
    done: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # path -> cause

    def report(self) -> str:
        lines = [f"{len(self.done)} done, {len(self.failed)} failed"]
        lines += [f"  FAILED {path}: {cause}" for path, cause in self.failed.items()]
        return "\n".join(lines)


def expand(inputs: list[str], transcripts: bool = False) -> list[Path]:
    """Files as given (so a wrong one gets its own error), folders searched for audio files and, with
    `transcripts`, for transcript files (.json/.txt that parse as one; metadata sidecars are left out)."""
    paths: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file())
            found = [p for p in files if p.suffix.lower() in AUDIO_SUFFIXES]
            if transcripts:
                from callscore.pipeline.transcript_input import sniff, transcript_candidates

                found += [Path(p) for p in transcript_candidates([str(f) for f in files])
                          if sniff(p, Path(p).read_bytes())]
            paths += sorted(found)
        else:
            paths.append(path)
    return paths


def run_batch(paths: list[Path], work: Callable[[Path], None], describe: str) -> BatchSummary:
    from tqdm import tqdm

    from callscore.native_memory import before_each_call

    summary = BatchSummary()
    progress = tqdm(paths, desc=describe, unit="call", disable=len(paths) < 2, file=sys.stderr)
    for path in progress:
        progress.set_postfix_str(path.name)
        before_each_call()  # else the native heap grows with every call of the batch
        try:
            work(path)
            summary.done.append(str(path))
        except Exception as error:  # one bad call must never stop the batch
            from callscore.audio.decode import AudioError

            cause = error.cause if isinstance(error, AudioError) else f"{type(error).__name__}: {error}"
            summary.failed[str(path)] = cause
            progress.write(f"error: {path}: {cause}", file=sys.stderr)
    return summary
