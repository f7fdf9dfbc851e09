"""The retry for speech the channel pass dropped: each voiced turn left nearly wordless is transcribed again, alone."""
from __future__ import annotations

from typing import Callable

import numpy as np

from callscore.core.record import Turn
from callscore.transcription.whisper import transcribe_span

RETRY_MIN_TURN_S = 1.5  # shorter turns are often one slow word ("Okay.") and rightly sparse


def retry_dropped_speech(turns: list[Turn], samples_of: Callable[[str], np.ndarray], model, language: str | None,
                         beam_size: int, words_per_s: float) -> int:
    """Transcribe again, alone, each voiced turn with fewer than `words_per_s` words a second (0: never); keep
    the retry when it finds more words. `samples_of(label)` is the audio a turn's label was heard in. Returns
    how many turns changed.

    Whisper conditioned on its earlier text sometimes skips a whole sentence (a greeting, a promise),
    and a phrase item can only be found in words that exist.
    """
    if not words_per_s:
        return 0
    changed = 0
    for turn in turns:
        if turn.duration < RETRY_MIN_TURN_S or len(turn.words) >= words_per_s * turn.duration:
            continue
        retried = [w for w in transcribe_span(model, samples_of(turn.label), turn.start, turn.end,
                                              language, beam_size, turn.label)
                   if turn.start <= (w.start + w.end) / 2 <= turn.end]
        if len(retried) > len(turn.words):
            turn.words = retried
            changed += 1
    return changed
