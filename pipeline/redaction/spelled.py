"""Codes of letters and digits, written ("SW1A 1AA", "QQ123456C") or spelled out ("em for five tee why",
"double you", "ay bee one two"): the characters said from a token on, for the postcode, national insurance
number and IBAN recognisers to match against their formats.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from callscore.pipeline.redaction.spoken_numbers import HOMOPHONES, number_at
from callscore.pipeline.redaction.tokens import Token

LETTER_NAMES = {"ay": "a", "bee": "b", "be": "b", "see": "c", "sea": "c", "dee": "d", "ef": "f", "eff": "f",
                "gee": "g", "aitch": "h", "haitch": "h", "eye": "i", "jay": "j", "kay": "k", "el": "l", "elle": "l",
                "ell": "l", "em": "m", "en": "n", "pee": "p", "pea": "p", "queue": "q", "cue": "q", "are": "r",
                "ar": "r", "ess": "s", "tee": "t", "tea": "t", "you": "u", "vee": "v", "ex": "x", "why": "y",
                "zed": "z", "zee": "z"}
TWO_LETTER_WORDS = {"an", "as", "at", "be", "by", "do", "go", "he", "hi", "if", "in", "is", "it", "me", "my",
                    "no", "of", "oh", "ok", "on", "or", "so", "to", "up", "us", "we", "ya", "yo", "am", "pm",
                    "uh", "um", "mm", "hm", "eh", "ah", "er", "st", "nd", "rd", "th", "ye"}


def spelled_chars(toks: list[Token], i: int) -> tuple[str, int, bool] | None:
    """(chars, tokens used, written) for postcode/NI/IBAN matching at token i."""
    t = toks[i]
    if t.text == "double" and i + 1 < len(toks) and toks[i + 1].text in ("you", "u"):
        return "W", 2, False  # "double you" is the letter W, not "UU"
    if t.text == "double" and i + 1 < len(toks):
        nxt = spelled_chars(toks, i + 1)
        if nxt and len(nxt[0]) == 1:
            return nxt[0] * 2, 1 + nxt[1], False
    got = number_at(toks, i)
    if got is not None and not (t.text.isalpha() and len(t.text) == 1):  # a lone "o" is the letter
        return got[0], got[1], not got[2]
    if t.text.isalpha():
        if len(t.text) == 1:
            return t.text.upper(), 1, t.upper or t.mixed
        if t.text in LETTER_NAMES:
            return LETTER_NAMES[t.text].upper(), 1, False
        if len(t.text) <= 4 and (t.mixed or t.upper):
            return t.text.upper(), 1, True
        if len(t.text) == 2 and t.text not in TWO_LETTER_WORDS and not any(c in "aeiou" for c in t.text):
            return t.text.upper(), 1, False
    return None


def spelled_matches(toks: list[Token], i: int, max_tokens: int = 12) -> Iterator[tuple[str, int, bool]]:
    """Yield (compact string, end token, all written) for growing spans from token i."""
    s, j, written = "", i, True
    while j < len(toks) and j - i < max_tokens:
        got = spelled_chars(toks, j)
        if got is None and s and toks[j].text in HOMOPHONES:  # misheard digit: "em for five tee why"
            got = HOMOPHONES[toks[j].text], 1, False
        if got is None:
            if toks[j].text in ("-",):
                j += 1
                continue
            return
        s += got[0]
        written = written and got[2]
        j += got[1]
        yield s, j - 1, written
        if len(s) > 34:
            return


def longest_match(matches: list[tuple[str, int, bool]], pattern: re.Pattern, valid: Callable[[str], bool] = bool
                  ) -> tuple[int, bool] | None:
    """(end token, all written) of the longest of the matches (spelled_matches from one token) that fits the
    pattern and is valid."""
    best = None
    for chars, end, written in matches:
        if pattern.fullmatch(chars) and valid(chars):
            best = end, written
    return best
