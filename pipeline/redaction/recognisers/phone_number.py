"""Phone numbers: 7-13 digits where a phone was named nearest; without a cue, only numbers shaped like a
person's line (a UK 01/02/07 number, +44..., a US 3-3-4 number), never where an order or a price was named.
A UK non-geographic number (0800, 0345...) is a company's line, not personal data."""
from __future__ import annotations

from collections.abc import Iterator

import phonenumbers
from phonenumbers import PhoneNumberType

from callscore.pipeline.redaction.context import DigitCue, everyday_rivals, wins
from callscore.pipeline.redaction.digit_runs import Run
from callscore.pipeline.redaction.recogniser import Claims, Recogniser, claim_runs
from callscore.pipeline.redaction.spoken_text import SpokenText

# what a person's own number is; a company's line (freephone 0800, shared-cost 0345, premium 09...) is no
# personal data
PERSONAL_LINES = {PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE,
                  PhoneNumberType.PERSONAL_NUMBER, PhoneNumberType.VOIP}
# 7-13 digits where a phone was named, and not a card, account, birth, SSN or expiry named nearer
PHONE = DigitCue(tuple(range(7, 14)), ("phone",), ("card", "account", "sortcode", "dob", "ssn", "expiry"), within=20)


def _personal_line(digits: str, region: str | None) -> bool:
    """Is this a valid number of a person's line in the region's numbering plan (phonenumbers)?"""
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in PERSONAL_LINES


def find(text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    toks = text.toks
    gb, us = "en_GB" in text.locales, "en_US" in text.locales

    def plus(run: Run) -> bool:
        return run.t0 > 0 and toks[run.t0 - 1].text in ("+", "plus")

    def shaped_like_a_line(run: Run) -> bool:
        d, n, groups = run.digits, run.n, [g for g in run.groups if g]
        return (gb and n in (10, 11) and d[0] == "0" and _personal_line(d, "GB")) or \
            (plus(run) and 10 <= n <= 13 and _personal_line("+" + d, None)) or \
            (us and n == 10 and groups == [3, 3, 4] and not run.spoken and _personal_line(d, "US")) or \
            (us and n == 11 and d[0] == "1" and groups == [1, 3, 3, 4] and _personal_line(d, "US"))

    def is_phone(run: Run, near: dict[str, int]) -> bool:
        if PHONE.names(run.n, near):
            return True
        return not wins(near, everyday_rivals(run.n), ("phone",), within=20) and shaped_like_a_line(run)

    for run in claim_runs(text, claims, is_phone):
        yield text.run_words(run) | ({toks[run.t0 - 1].word} if plus(run) else set())


PHONE_NUMBER = Recogniser("phone_number", "phone_number", find)
