"""Dates as they are said: "the fourth of may nineteen eighty", "3rd of March 85", "third of the third",
"may the 4th, 1980", "april twenty twenty six", and years alone ("ninety seven", "'97", "2001").

Whose date it is (a birth, a card's expiry, a delivery) is for the recognisers to judge from context.
"""
from __future__ import annotations

from callscore.pipeline.redaction.spoken_numbers import number_at
from callscore.pipeline.redaction.tokens import Token

DAY_TENS = {"twenty", "thirty"}  # the tens a day of the month can start with
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
            "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
            "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
            "nineteenth": 19, "twentieth": 20, "thirtieth": 30}
MONTHS = {"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
          "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
          "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12}


def year_at(toks: list[Token], k: int) -> int | None:
    """Last token of a year said from token k ("ninety seven", "nineteen eighty four", "2001", "'97"), or None."""
    digits, j, end = "", k, None
    while j < len(toks) and len(digits) < 4:
        got = number_at(toks, j)
        if got is None or len(digits) + len(got[0]) > 4:
            break
        digits += got[0]
        j += got[1]
        if len(digits) in (2, 4):
            end = j - 1
    return end


def date_digits(digits: str) -> bool:
    """Can digits said without separators be a day, a month and a year in some order ("nine three seventy")?"""
    for a in (1, 2):
        for b in (1, 2):
            first, second, year = digits[:a], digits[a:a + b], digits[a + b:]
            if len(year) in (2, 4) and second and (1 <= int(first) <= 31 and 1 <= int(second) <= 12 or
                                                   1 <= int(first) <= 12 and 1 <= int(second) <= 31):
                return True
    return False


def date_at(toks: list[Token], i: int, want_day: bool = True) -> tuple[int, bool] | None:
    """(end token inclusive, has a year) of a spoken/written date starting at token i, or None.

    day-month-year ("the fourth of may nineteen eighty", "3rd of March 85", "third of the third"),
    month-day-year ("may the 4th, 1980"), month-year ("april twenty twenty six", when want_day is False).
    """
    n = len(toks)

    def text(k):
        return toks[k].text if k < n else ""

    def day(k):
        t = text(k)
        if t in ORDINALS:
            return k
        if t in DAY_TENS and text(k + 1) in ORDINALS:  # "twenty first"; "eighty, fourth" is a year and a day
            return k + 1
        if t in DAY_TENS and text(k + 1) == "-" and text(k + 2) in ORDINALS:
            return k + 2
        if t.isdigit() and 1 <= int(t) <= 31 and len(t) <= 2:
            return k + 1 if text(k + 1) in ("st", "nd", "rd", "th") else k
        return None

    def month(k):
        if text(k) in MONTHS:
            return k
        if text(k) == "the" and day(k + 1) is not None:  # "third of the third"
            return day(k + 1)
        return None

    k = i + 1 if text(i) == "the" else i
    d = day(k)
    if want_day and d is not None and (text(k) in ORDINALS or text(k) in DAY_TENS or text(d) in ("st", "nd", "rd", "th")
                                       or text(d + 1) == "of" or text(d + 1) in MONTHS):
        j = d + 1
        if text(j) == "of":
            j += 1
        m = month(j)
        if m is not None:
            j = m + 1
            if text(j) in (",", "of", "in"):
                j += 1
            y = year_at(toks, j)
            return (y, True) if y is not None else (m, False)
    m = month(k) if text(k) in MONTHS else None
    if m is not None:
        j = m + 1
        if text(j) == "the":
            j += 1
        d = day(j)
        if want_day and d is not None:
            y = year_at(toks, d + 1)
            return (y, True) if y is not None else (d, False)
        if text(j) in ("of", "in"):
            j += 1
        y = year_at(toks, j)
        if y is not None:
            return y, True
    return None

