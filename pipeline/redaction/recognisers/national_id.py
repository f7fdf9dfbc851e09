"""National identifiers: the UK's national insurance number (written or spelled, "QQ 12 34 56 C"), the US
social security number, and the national id of the call's country (locales.NationalId: Malaysia's
NRIC, Indonesia's NIK, China's resident id, Pakistan's CNIC, Ukraine's RNTRC) checked by python-stdnum.

The country ids are decided before cards, which would otherwise take a 12-19 digit id said after
"identity card"; the SSN among the other digit runs, after dates of birth.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from stdnum.us import ssn

from callscore.pipeline.redaction.context import DigitCue, wins
from callscore.pipeline.redaction.digit_runs import Run
from callscore.pipeline.redaction.locales import LOCALES, NationalId
from callscore.pipeline.redaction.recogniser import Claims, Recogniser, claim_runs
from callscore.pipeline.redaction.spelled import longest_match
from callscore.pipeline.redaction.spoken_text import SpokenText

_NINO = re.compile(r"[A-Z]{2}\d{6}[A-D]")
SSN = DigitCue((9,), ("ssn",), ("phone", "account", "card"), within=20)


def _country_id(nid: NationalId, text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    """The id of the right length where it is named (even with a digit misheard, as a card in card context),
    or valid by the id's own rules where that says enough; never a number something else was named for
    ("kad" alone is a card; "kad pengenalan", the identity card, names both and is the id)."""
    toks = text.toks
    for a, run in enumerate(text.runs):
        if a in claims.runs:
            continue
        digits, last = run.digits, run.t1
        if nid.check_letter and run.n == nid.length - 1 and last + 1 < len(toks) and \
                toks[last + 1].text == nid.check_letter:
            digits, last = digits + nid.check_letter.upper(), last + 1  # 11010519491231002X
        c = text.ctx.near(run.w0, toks[last].word, back=20, ahead=4)
        if len(digits) != nid.length or wins(c, ("card", "phone", "account", "neg"), ("national",), within=20):
            continue
        written = len(nid.written_groups) > 1 and [g for g in run.groups if g] == list(nid.written_groups)
        if not wins(c, "national", (), within=20) and not (nid.valid(digits) and (written or not nid.needs_cue)):
            continue
        claims.runs.add(a)
        yield set(run.words) | text.span_words(run.t0, last)


def _social_security_number(text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    """Nine digits where the SSN was named nearest (a digit may be misheard), or written 123-45-6789, valid by the
    SSA's rules (python-stdnum: no area 000, 666 or 9xx, no group 00...), where nothing else was named."""
    def is_ssn(run: Run, near: dict[str, int]) -> bool:
        written = [g for g in run.groups if g] == [3, 2, 4] and "-" in run.seps and ssn.is_valid(run.digits)
        return SSN.names(run.n, near) or written and not wins(near, "neg", ("ssn",))
    for run in claim_runs(text, claims, is_ssn):
        yield text.run_words(run)


def _national_insurance_number(text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    """Written ("QQ123456C"), or spelled where it was asked for."""
    for i, tok in enumerate(text.toks):
        got = longest_match(text.spelled_from(i), _NINO)
        if got is None:
            continue
        end, written = got
        if written or wins(text.ctx.near(tok.word, text.toks[end].word, back=15, ahead=3), "ni", ("neg",), within=15):
            yield text.span_words(i, end)


COUNTRY_IDS = tuple(Recogniser(f"{code}_{nid.name}", "national_id", functools.partial(_country_id, nid),
                               frozenset({code}))
                    for code, locale in LOCALES.items() for nid in locale.ids)
US_SSN = Recogniser("us_ssn", "national_id", _social_security_number, frozenset({"en_US"}))
UK_NINO = Recogniser("uk_nino", "national_id", _national_insurance_number, frozenset({"en_GB"}))
