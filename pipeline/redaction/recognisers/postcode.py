"""Postcodes: UK postcodes written ("SW1A 1AA") or spelled, misheard letters and digits too ("em for five tee
why"), where one was asked for or nothing else was named; US ZIP codes where the ZIP was named."""
from __future__ import annotations

import re
from collections.abc import Iterator

from callscore.pipeline.redaction.context import everyday_rivals, wins
from callscore.pipeline.redaction.digit_runs import Run
from callscore.pipeline.redaction.recogniser import Claims, Recogniser, claim_runs
from callscore.pipeline.redaction.spelled import longest_match
from callscore.pipeline.redaction.spoken_text import SpokenText

_POSTCODE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?\d[ABD-HJLNP-UW-Z]{2}")


def _uk_postcode(text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    toks, ctx = text.toks, text.ctx
    for i, tok in enumerate(toks):
        got = longest_match(toks, i, _POSTCODE)
        if got is None:
            continue
        end, written = got
        # "the 3rd": a spoken ordinal ending is no postcode's last letters unless a postcode was asked for
        if toks[end].text in ("st", "nd", "rd", "th") and not toks[end].upper and \
                not wins(ctx.near(tok.word, toks[end].word, back=15), ("postcode", "address"), ("neg",)):
            continue
        c = ctx.near(tok.word, toks[end].word, back=15, ahead=3)
        if (written and not wins(c, ("neg",), ("postcode", "address"))) or \
                wins(c, ("postcode", "address"), ("neg", "price", "phone", "card"), within=15):
            yield text.span_words(i, end)


def _zip_code(text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    def is_zip(run: Run, c: dict[str, int]) -> bool:
        return run.n in (5, 9) and wins(c, "postcode", everyday_rivals(run.n) + ("phone",), within=12)
    for run in claim_runs(text, claims, is_zip):
        yield text.run_words(run)


UK_POSTCODE = Recogniser("uk_postcode", "postcode", _uk_postcode, frozenset({"en_GB"}))
US_ZIP_CODE = Recogniser("us_zip_code", "postcode", _zip_code, frozenset({"en_US"}))
