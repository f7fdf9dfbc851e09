"""What a recogniser is, in Presidio's shape on a word stream: a named finder of one kind of personal data,
for the locales whose rules it knows, that reads context and validates what it finds.

Recognisers run one after another (registry.REGISTRY gives the order) over the same SpokenText. A digit
run is one value: the first recogniser that claims it owns it, so a later one does not read the same
four digits again as something else (a security code is not also an expiry date).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from callscore.pipeline.redaction.context import DigitCue
from callscore.pipeline.redaction.digit_runs import Run
from callscore.pipeline.redaction.spoken_text import SpokenText


@dataclass
class Hit:
    kind: str
    words: set[int]


@dataclass
class Claims:
    runs: set[int] = field(default_factory=set)  # indexes in SpokenText.runs, owned by a recogniser that ran
    hits: list[Hit] = field(default_factory=list)

    def words_of(self, kind: str) -> set[int]:
        return {w for hit in self.hits if hit.kind == kind for w in hit.words}


@dataclass(frozen=True)
class Recogniser:
    name: str  # the registered name, e.g. "uk_sort_code"
    kind: str  # the type it masks, one of redact.TYPES
    find: Callable[[SpokenText, Claims], Iterable[set[int]]]  # the words of each value found
    locales: frozenset[str] = frozenset()  # the locales whose calls it reads; empty: every call

    def serves(self, locale_codes: tuple[str, ...]) -> bool:
        return not self.locales or bool(self.locales & set(locale_codes))


def claim_runs(text: SpokenText, claims: Claims, is_value: Callable[[Run, dict[str, int]], bool]) -> Iterator[Run]:
    """Each digit run no recogniser owns yet that is_value(run, the topics near it) takes, now claimed."""
    for a, run in enumerate(text.runs):
        if a not in claims.runs and is_value(run, text.ctx.near(run.w0, run.w1)):
            claims.runs.add(a)
            yield run


def find_named_digits(cue: DigitCue, text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    """The words of each digit run the cue names (a recogniser's find, with the cue bound)."""
    for run in claim_runs(text, claims, lambda run, near: cue.names(run.n, near)):
        yield text.run_words(run)
