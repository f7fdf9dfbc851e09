"""Dates of birth: said in words ("the 26th of February 1997", "born in '97"), written (12/03/1985) or as
digits (120385, "nine, three, seventy" after the question), where a date-of-birth cue asks for or names them.

Two recognisers, because dates in words are found before expiry dates (a date of birth is never also a card's
expiry) while digit runs are judged after the expiry rule has taken "04/26" near "expires".
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from callscore.pipeline.redaction.context import Context, DigitCue, wins
from callscore.pipeline.redaction.dates import MONTHS, ORDINALS, date_at, date_digits, year_at
from callscore.pipeline.redaction.digit_runs import COUNT_NOUNS, Run, written_date
from callscore.pipeline.redaction.recogniser import Claims, Recogniser, claim_runs
from callscore.pipeline.redaction.spoken_numbers import FILLERS, TENS, number_at
from callscore.pipeline.redaction.spoken_text import SpokenText
from callscore.pipeline.redaction.tokens import Token

DOB_WITHIN = 25  # words between a date-of-birth cue and the date it asks for or names
DOB_RIVALS = ("price", "neg", "expiry", "event")  # topics that, said nearer, make a date something else's
# digits of a date of birth (a written date has 4 or more: 4/7/80), and 4 spoken digits right after the question
BIRTH = DigitCue((4, 5, 6, 7, 8), ("dob",), ("expiry", "phone", "account", "event"), within=DOB_WITHIN)
BIRTH_JUST_ASKED = DigitCue((4,), ("dob",), BIRTH.rivals, within=8)
DOB_REPEAT_GAP = 5  # a date this many words after a full date of birth is still one (a correction, a second person)
# words between a date-of-birth cue (or a date of birth said without its year) and a year said on its own:
# "born in '97", "DOB is 1988", "the fifth of november / and the year? / eighty two"
YEAR_LEAD = FILLERS | {"in", "is", "was", "on", "of", "the", "and", "year", "its", "it", "about", "around", "like",
                       "yeah", "yes", "ok", "okay", "sorry", "mhm", "uh-huh", "right", "what"}
# before "born": births of several people, whose years alone are not the caller's date of birth
PLURAL_BORN = {"were", "are", "both", "all", "twins"}


def _year_alone(dtoks: list[Token], ctx: Context, j: int, lead: int, any_words: bool = False
                ) -> tuple[int, int] | None:
    """(first, last token) of a year said on its own within `lead` words after token j, with only YEAR_LEAD
    words between (any words but numbers within the sentence if any_words), or None."""
    k = j + 1
    while k < len(dtoks) and dtoks[k].word - dtoks[j].word <= lead and number_at(dtoks, k) is None and \
            (dtoks[k].text in YEAR_LEAD or any_words and dtoks[k].text not in MONTHS | ORDINALS.keys()):
        k += 1
    if any_words and any(re.search(r"[.?!]", dtoks[x].tail) for x in range(j, k)):
        return None  # "i was born. 1990 was a good year": the sentence ended
    if k >= len(dtoks) or dtoks[k].word - dtoks[j].word > lead + 1 or date_at(dtoks, k) is not None:
        return None
    end = year_at(dtoks, k)
    if end is None:
        return None
    digits, x = "", k
    while x <= end:
        got = number_at(dtoks, x)
        digits, x = digits + got[0], x + got[1]
    after = dtoks[end + 1] if end + 1 < len(dtoks) else None
    if len(digits) == 4 and digits[:2] not in ("19", "20") or after is not None and (
            after.text in COUNT_NOUNS | {"/", ".", "-", "st", "nd", "rd", "th"} or
            number_at(dtoks, end + 1) is not None or "time" in ctx.at[after.word]):
        return None  # part of a longer number or a written date; "born twenty minutes apart"
    return k, end


def _date_starting(dtoks: list[Token], i: int) -> tuple[int, bool] | None:
    """(end token, has a year) of a date said from token i (or from "the" before it), or None."""
    t = dtoks[i].text
    nxt = dtoks[i + 1].text if i + 1 < len(dtoks) else ""
    if not (t in MONTHS or t in ORDINALS or t in TENS or t.isdigit() or
            t == "the" and (nxt in ORDINALS or nxt in TENS or nxt.isdigit())):
        return None
    got = date_at(dtoks, i) or (date_at(dtoks, i, want_day=False) if t in MONTHS else None)
    return got if got is not None and got[0] > i else None


def _in_words(text: SpokenText, claims: Claims) -> list[set[int]]:
    """Words of each date of birth said in words or as a written date (digit runs are _in_digits').

    A date is one of birth where a date-of-birth cue ("date of birth", "DOB", "born", "birthday") was said just
    before it (the question the date answers) or in its sentence, and no other event's word ("renewal",
    "appointment", "arrive"), price or order was named nearer. Whatever its form: "the 26th of February 1997",
    "twenty sixth of the second ninety seven", "the second, um, of may", "The 16th of February. 1995." over a
    sentence break; a year said on its own after the cue ("born in '97") or after the date ("the fifth of
    november / and the year? / eighty two"). One cue asks for one date: a date said well after a full date of
    birth ("...sixty one. Lovely, and the renewal is on the 1st of March") needs a cue of its own.
    """
    ctx = text.ctx
    dtoks = [t for t in text.toks if t.text not in FILLERS]  # "the second, um, of may": hesitation inside a date
    found: list[set[int]] = []
    last_full = -1  # last word of the last date of birth said with its year

    def cue_before(w: int) -> int:
        return next((v for v in range(w - 1, max(w - DOB_WITHIN, 0) - 1, -1) if "dob" in ctx.at[v]), -1)

    def is_dob(a: int, b: int) -> bool:
        w0, w1 = dtoks[a].word, dtoks[b].word
        if not wins(ctx.near(w0, w1, back=DOB_WITHIN, ahead=4), "dob", DOB_RIVALS, within=DOB_WITHIN):
            return False
        return not (last_full >= 0 and cue_before(w0) < last_full and w0 - last_full > DOB_REPEAT_GAP)

    i = 0
    while i < len(dtoks):
        got = _date_starting(dtoks, i)
        start = i + 1 if dtoks[i].text == "the" else i
        if got is not None and is_dob(start, got[0]):
            end, has_year = got
            words = set(range(dtoks[start].word, dtoks[end].word + 1))
            if not has_year and (y := _year_alone(dtoks, ctx, end, lead=6)) is not None:
                words |= set(range(dtoks[y[0]].word, dtoks[y[1]].word + 1))  # not the words between
                end, has_year = y[1], True
            found.append(words)
            if has_year:
                last_full = dtoks[end].word
            i = end + 1
            continue
        plural = i > 0 and dtoks[i - 1].text in PLURAL_BORN  # "the kids were born in 2010 and 2013"
        # "born in '97", "born in leeds in 1985", "DOB is 1988"
        cue = "dob" in ctx.at[dtoks[i].word] and not plural
        y = _year_alone(dtoks, ctx, i, lead=4, any_words=True) if cue else None
        if y is not None:
            first, end = y
            if wins(ctx.near(dtoks[first].word, dtoks[end].word, back=5, ahead=0), "dob", DOB_RIVALS + ("time",)):
                found.append(set(range(dtoks[first].word, dtoks[end].word + 1)))
                last_full = dtoks[end].word
                i = end + 1
                continue
        i += 1
    return found


def _in_digits(text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    """12/03/1985, 4/7/80, 120385, "one two oh three eight five"; and, just after the question, four spoken
    digits that make a date: "date of birth? nine, three, seventy"."""
    def is_date_of_birth(run: Run, near: dict[str, int]) -> bool:
        return (run.n != 4 or written_date(run)) and BIRTH.names(run.n, near) or \
            run.spoken and date_digits(run.digits) and BIRTH_JUST_ASKED.names(run.n, near)
    for run in claim_runs(text, claims, is_date_of_birth):
        yield text.run_words(run)


DATE_OF_BIRTH_IN_WORDS = Recogniser("date_of_birth_in_words", "date_of_birth", _in_words)
DATE_OF_BIRTH_IN_DIGITS = Recogniser("date_of_birth_in_digits", "date_of_birth", _in_digits)
