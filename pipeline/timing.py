"""The timing hook: seconds per stage of one call, as the result's `timings` reports them."""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class Timings:
    """Each `with timings.stage("transcribe_s"):` adds its seconds to that stage (a stage may run more than
    once: the retry of dropped speech is transcription again); `as_dict` adds total_s, the wall time since
    the call started."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._start = time.perf_counter()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def as_dict(self) -> dict[str, float]:
        return self.seconds | {"total_s": time.perf_counter() - self._start}
