"""Card expiry dates: "expires april twenty six", "the fourth of the twenty ninth" near the card, 04/26,
"oh four two six" where the expiry was asked for; never a date of birth or another event's date."""
from __future__ import annotations

from collections.abc import Iterator

from callscore.pipeline.redaction.context import DigitCue, wins
from callscore.pipeline.redaction.dates import MONTHS, ORDINALS, date_at
from callscore.pipeline.redaction.digit_runs import Run
from callscore.pipeline.redaction.recogniser import Claims, Recogniser, claim_runs
from callscore.pipeline.redaction.spoken_numbers import TENS
from callscore.pipeline.redaction.spoken_text import SpokenText

# topics that make a date someone's birthday, a price's or an order's, or a time
NOT_EXPIRY = ("price", "neg", "dob", "time")
EXPIRY = DigitCue((3, 4, 6), ("expiry",), ("security", "dob", "phone", "account"), within=15)  # MYY, MMYY, MMYYYY
CARD_DATE = DigitCue((4,), ("card",), ("dob",), within=30)  # "04/26" said of the card


def _day_month_year(text: SpokenText, births: set[int]) -> Iterator[set[int]]:
    """A full date where the card or its expiry was named nearest: "the card arrived on the 5th of June" is no
    expiry date (a card expires in a month of a year)."""
    toks = text.toks
    date_ends: dict[int, tuple[int, bool]] = {}
    for i in range(len(toks)):
        if toks[i].text in MONTHS or toks[i].text in ORDINALS or toks[i].text in ("the",) or \
                toks[i].text.isdigit() or toks[i].text in TENS:
            got = date_at(toks, i)
            if got is not None and got[0] > i:
                date_ends[i] = got
    covered = -1
    for i, (end, has_year) in sorted(date_ends.items()):
        if i <= covered or toks[i].word in births or toks[end].word in births:
            continue
        c = text.ctx.near(toks[i].word, toks[end].word, back=25, ahead=4)
        if toks[i].text == "the" and not (toks[i + 1].text in ORDINALS or toks[i + 1].text in TENS or
                                          toks[i + 1].text.isdigit()):
            continue
        start = i + 1 if toks[i].text == "the" else i
        if has_year and wins(c, ("expiry", "card"), NOT_EXPIRY, within=25):
            yield text.span_words(start, end)
            covered = end


def _month_year(text: SpokenText, births: set[int]) -> Iterator[set[int]]:
    """ "expires april twenty six"; "may" only after a word that makes it the month ("in may")."""
    toks = text.toks
    for i in range(len(toks)):
        month = toks[i].text in MONTHS and toks[i].text != "may" or \
            toks[i].text == "may" and i > 0 and toks[i - 1].text in ("in", "of", "is", "until", "till")
        if month:
            got = date_at(toks, i, want_day=False)
            if got is not None and toks[i].word not in births:
                end = got[0]
                if wins(text.ctx.near(toks[i].word, toks[end].word, back=15), "expiry", NOT_EXPIRY):
                    yield text.span_words(i, end)


def _in_digits(text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    """MMYY, MYY, MMYYYY where the expiry was named nearest; 4 digits written with a slash near the card."""
    def is_expiry(run: Run, near: dict[str, int]) -> bool:
        slashed = "/" in run.seps or "." in run.seps
        if not (EXPIRY.names(run.n, near) or slashed and CARD_DATE.names(run.n, near)):
            return False
        month = int(run.digits[:2]) if run.n in (4, 6) else int(run.digits[0])
        return 1 <= month <= 12
    for run in claim_runs(text, claims, is_expiry):
        yield text.run_words(run)


def find(text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    births = claims.words_of("date_of_birth")
    yield from _day_month_year(text, births)
    yield from _month_year(text, births)
    yield from _in_digits(text, claims)


EXPIRY_DATE = Recogniser("expiry_date", "expiry_date", find)
