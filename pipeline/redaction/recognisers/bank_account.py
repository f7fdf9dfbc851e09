"""Bank details: UK sort codes (6 digits where the sort code was named), account and routing numbers (6-17
digits where the account was named nearest), and IBANs anywhere, written or spelled, checked by python-stdnum
(check digits, and the country's length and format)."""
from __future__ import annotations

import re
from collections.abc import Iterator

from stdnum import iban

from callscore.pipeline.redaction.context import everyday_rivals, wins
from callscore.pipeline.redaction.digit_runs import Run
from callscore.pipeline.redaction.recogniser import Claims, Recogniser, claim_runs
from callscore.pipeline.redaction.spelled import longest_match
from callscore.pipeline.redaction.spoken_text import SpokenText

_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z\d]{11,30}")


def _sort_code(text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    def is_sort_code(run: Run, c: dict[str, int]) -> bool:
        return run.n == 6 and wins(c, "sortcode", everyday_rivals(run.n) + ("phone", "dob"), within=20)
    for run in claim_runs(text, claims, is_sort_code):
        yield text.run_words(run)


def _account_number(text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    def is_account(run: Run, c: dict[str, int]) -> bool:
        return 6 <= run.n <= 17 and wins(c, ("account", "sortcode"), ("neg", "phone", "card", "dob"), within=20)
    for run in claim_runs(text, claims, is_account):
        yield text.run_words(run)


def _iban(text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    for i in range(len(text.toks)):
        got = longest_match(text.toks, i, _IBAN, iban.is_valid)
        if got is not None:
            yield text.span_words(i, got[0])


UK_SORT_CODE = Recogniser("uk_sort_code", "bank_account", _sort_code, frozenset({"en_GB"}))
ACCOUNT_NUMBER = Recogniser("account_number", "bank_account", _account_number)
IBAN = Recogniser("iban", "bank_account", _iban)
