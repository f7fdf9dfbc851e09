"""A call's words read once for every recogniser: tokens, digit runs and the context at each word."""
from __future__ import annotations

from dataclasses import dataclass, field

from callscore.pipeline.redaction import locales
from callscore.pipeline.redaction.context import Context
from callscore.pipeline.redaction.digit_runs import Run, digit_runs
from callscore.pipeline.redaction.spelled import spelled_matches
from callscore.pipeline.redaction.tokens import Token, norm_word, tokenise


@dataclass
class SpokenText:
    words: list[str]  # as the English rules read them: another language's number words in English
    norm: list[str]  # each word lower-cased without its punctuation
    toks: list[Token]
    runs: list[Run]
    ctx: Context
    locales: tuple[str, ...]  # en_GB, en_US and the call language's (locales.LOCALES)
    languages: list[locales.Locale]  # the locales that bring words of another language
    # codes spelled from each token, read once for the postcode, NINO and IBAN recognisers
    _spelled: dict[int, list[tuple[str, int, bool]]] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def read(cls, words: list[str], locale_codes: tuple[str, ...]) -> SpokenText:
        languages = locales.active(locale_codes)
        if languages:  # the words of another language as the English rules read them; masks go on the originals
            words = [locales.normalise_word(w, languages) for w in words]
        toks = tokenise(words)
        return cls(words, [norm_word(w) for w in words], toks, digit_runs(toks), Context(words, languages),
                   locale_codes, languages)

    def span_words(self, t0: int, t1: int) -> set[int]:
        """The words of tokens t0..t1."""
        return {self.toks[k].word for k in range(t0, t1 + 1)}

    def run_words(self, run: Run) -> set[int]:
        """The words a digit run covers, with the separators and "double"s between its digits."""
        return set(run.words) | self.span_words(run.t0, run.t1)

    def spelled_from(self, i: int) -> list[tuple[str, int, bool]]:
        """The letters and digits said from token i on, growing a token at a time (spelled.spelled_matches)."""
        if i not in self._spelled:
            self._spelled[i] = list(spelled_matches(self.toks, i))
        return self._spelled[i]
