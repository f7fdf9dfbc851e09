"""Bank details: UK sort codes (6 digits where the sort code was named), account and routing numbers (6-17
digits where the account was named nearest), and IBANs anywhere, written or spelled, checked by python-stdnum
(check digits, and the country's length and format)."""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from stdnum import iban

from callscore.pipeline.redaction.context import DigitCue
from callscore.pipeline.redaction.recogniser import Claims, Recogniser, find_named_digits
from callscore.pipeline.redaction.spelled import longest_match
from callscore.pipeline.redaction.spoken_text import SpokenText

_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z\d]{11,30}")
SORT_CODE = DigitCue((6,), ("sortcode",), ("phone", "dob"), within=20)
ACCOUNT = DigitCue(tuple(range(6, 18)), ("account", "sortcode"), ("phone", "card", "dob"), within=20)


def _iban(text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    for i in range(len(text.toks)):
        got = longest_match(text.spelled_from(i), _IBAN, iban.is_valid)
        if got is not None:
            yield text.span_words(i, got[0])


UK_SORT_CODE = Recogniser("uk_sort_code", "bank_account", functools.partial(find_named_digits, SORT_CODE),
                          frozenset({"en_GB"}))
ACCOUNT_NUMBER = Recogniser("account_number", "bank_account", functools.partial(find_named_digits, ACCOUNT))
IBAN = Recogniser("iban", "bank_account", _iban)
