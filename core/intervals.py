"""Stretches of a call in seconds, and joining them."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass
class Interval:
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    def to_json(self) -> dict:
        return {"start": round(self.start, 3), "end": round(self.end, 3)}


def merge(intervals: Iterable[Interval], gap_s: float = 0.0) -> list[Interval]:
    """In time order, with overlapping or touching intervals joined, and those less than gap_s apart."""
    merged: list[Interval] = []
    for interval in sorted(intervals, key=lambda i: i.start):
        if merged and (interval.start <= merged[-1].end or interval.start - merged[-1].end < gap_s):
            merged[-1] = Interval(merged[-1].start, max(merged[-1].end, interval.end))
        else:
            merged.append(Interval(interval.start, interval.end))
    return merged
