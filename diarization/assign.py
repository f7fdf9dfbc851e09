"""Turns from voice-activity masks, and words into the turns they were said in."""
from __future__ import annotations

import numpy as np

from callscore.audio.activity import HOP_S, runs
from callscore.core.record import Turn, Word


def turns_from_masks(masks: dict[str, np.ndarray]) -> list[Turn]:
    """One turn per activity run of each speaker label, in time order."""
    turns = [Turn(speaker="unknown", start=round(s * HOP_S, 3), end=round(e * HOP_S, 3), label=label)
             for label, mask in masks.items() for s, e in runs(mask)]
    return sorted(turns, key=lambda t: (t.start, t.label))


def assign_words(turns: list[Turn], words: list[Word], same_label: bool) -> list[Turn]:
    """Put each word into the turn it overlaps most (stereo: only turns of its own channel).

    A word that overlaps no turn goes to the nearest one, so no recognised word is lost.
    """
    for word in words:
        candidates = [t for t in turns if not same_label or t.label == word.speaker]
        if not candidates:
            continue
        overlaps = [min(word.end, t.end) - max(word.start, t.start) for t in candidates]
        best = int(np.argmax(overlaps))
        if overlaps[best] <= 0:
            mid = (word.start + word.end) / 2
            best = int(np.argmin([min(abs(mid - t.start), abs(mid - t.end)) for t in candidates]))
        candidates[best].words.append(word)
    for turn in turns:
        turn.words.sort(key=lambda w: w.start)
    return turns
