"""Digits as they are said on a call: "four five three two", "double seven", "oh" for zero, "forty five",
"two hundred and one", and the same written as digits.

Reading a card number aloud is mostly digit by digit, which no number parser expects ("four five three
two" is four digits, not a sum), so digits, pairs ("forty five") and repeats ("triple oh") are read here;
compound numbers ("two thousand and five", "nineteen hundred") are left to text2num.
"""
from __future__ import annotations

from text_to_num import text2num

from callscore.pipeline.redaction.tokens import Token

UNITS = {"zero": 0, "oh": 0, "o": 0, "nought": 0, "naught": 0, "nil": 0, "one": 1, "two": 2, "three": 3,
         "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
         "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 2, "thirty": 3, "forty": 4, "fourty": 4, "fifty": 5, "sixty": 6, "seventy": 7,
        "eighty": 8, "ninety": 9}
HOMOPHONES = {"for": "4", "fore": "4", "to": "2", "too": "2", "won": "1", "ate": "8"}  # only between digits
FILLERS = {"uh", "um", "erm", "er", "ah", "hmm", "mm", "uhm"}
# zero said as a letter or a word: it starts no compound number ("oh hundred" is a time), and ends no pair
_ZERO_WORDS = ("oh", "o", "zero", "nought", "nil", "naught")
# words a compound number is made of; text2num decides which of them form one
_COMPOUND_WORDS = set(UNITS) | set(TEENS) | set(TENS) | {"hundred", "thousand", "and", "-"}
_COMPOUND_MAX_TOKENS = 9  # "two thousand five hundred and twenty - six"


def digit_of(tok: str) -> str | None:
    if tok in UNITS:
        return str(UNITS[tok])
    if tok.isdigit() and len(tok) == 1:
        return tok
    return None


def number_at(toks: list[Token], i: int) -> tuple[str, int, bool] | None:
    """Digits said at token i: (digits, tokens consumed, spoken)."""
    t = toks[i].text
    nxt = toks[i + 1].text if i + 1 < len(toks) else ""
    if t.isdigit():
        return t, 1, False
    if t in ("double", "triple"):
        skip = 2 if nxt in FILLERS and i + 2 < len(toks) else 1  # "double, erm, three"
        d = digit_of(toks[i + skip].text) if i + skip < len(toks) else None
        if d is not None:
            return d * (2 if t == "double" else 3), skip + 1, True
    if t in UNITS:
        if t not in _ZERO_WORDS and nxt in ("hundred", "thousand"):
            return _compound(toks, i)
        return str(UNITS[t]), 1, True
    if t in TEENS:
        if nxt == "hundred":
            return _compound(toks, i)
        return str(TEENS[t]), 1, True
    if t in TENS:
        nxt2 = toks[i + 2].text if i + 2 < len(toks) else ""
        if nxt == "-" and nxt2 in UNITS and nxt2 not in _ZERO_WORDS[:-1]:
            return f"{TENS[t]}{UNITS[nxt2]}", 3, True
        if nxt in UNITS and nxt not in _ZERO_WORDS:
            return f"{TENS[t]}{UNITS[nxt]}", 2, True
        return f"{TENS[t]}0", 1, True
    return None


def _compound(toks: list[Token], i: int) -> tuple[str, int, bool]:
    """The longest number text2num reads from token i on: 'four hundred and twenty', 'two thousand and five'."""
    end = i
    while end + 1 < len(toks) and end + 1 - i < _COMPOUND_MAX_TOKENS and toks[end + 1].text in _COMPOUND_WORDS:
        end += 1
    for last in range(end, i, -1):
        said = " ".join(t.text for t in toks[i:last + 1]).replace(" - ", "-")
        try:
            return str(text2num(said, "en")), last + 1 - i, True
        except ValueError:
            continue
    return str(UNITS.get(toks[i].text, TEENS.get(toks[i].text, 0))), 1, True


def digits_after(toks: list[Token], j: int) -> int:
    """How many digits are said from token j on, without a break."""
    n = 0
    while j < len(toks) and (got := number_at(toks, j)) is not None and n <= 20:
        n += len(got[0])
        j += got[1]
    return n
