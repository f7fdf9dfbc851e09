"""Postcodes: UK postcodes written ("SW1A 1AA") or spelled, misheard letters and digits too ("em for five tee
why"), where one was asked for or nothing else was named; US ZIP codes where the ZIP was named."""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from callscore.pipeline.redaction.context import DigitCue, wins
from callscore.pipeline.redaction.recogniser import Claims, Recogniser, find_named_digits
from callscore.pipeline.redaction.spelled import longest_match
from callscore.pipeline.redaction.spoken_text import SpokenText

_POSTCODE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?\d[ABD-HJLNP-UW-Z]{2}")
ZIP_CODE = DigitCue((5, 9), ("postcode",), ("phone",), within=12)  # ZIP or ZIP+4 where the ZIP was asked for


def _uk_postcode(text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    toks, ctx = text.toks, text.ctx
    for i, tok in enumerate(toks):
        got = longest_match(text.spelled_from(i), _POSTCODE)
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


UK_POSTCODE = Recogniser("uk_postcode", "postcode", _uk_postcode, frozenset({"en_GB"}))
US_ZIP_CODE = Recogniser("us_zip_code", "postcode", functools.partial(find_named_digits, ZIP_CODE),
                         frozenset({"en_US"}))
