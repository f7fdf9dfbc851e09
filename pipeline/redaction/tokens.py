"""A call's words cut into tokens (runs of letters, runs of digits, a few symbols), each knowing its word.

The recognisers read tokens, not words: "4532-0151" is two numbers and a dash, "CVV's" is "cvv", and a
token keeps what its word looked like (all capitals, letters mixed with digits, the punctuation after it),
because a written code and a pause said as a comma both change what a number is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# letters of any script: a Cyrillic or Urdu word is a word, so it breaks a digit run as "apples" does
_TOKEN = re.compile(r"[^\W\d_]+|\d+|[@/\-+.()£$€%:#&_]")
EDGE = ".,?!;:\"“”‘’…()[]{}"  # punctuation around a word that is not part of it


@dataclass
class Token:
    text: str
    word: int  # index of the word it came from
    upper: bool = False  # came from an all-caps word (written codes: "SW1A", "QQ")
    mixed: bool = False  # came from a word mixing letters and digits ("ls1", "221b")
    tail: str = ""  # punctuation the word ends with ("," "?"), on the word's last token


def norm_word(text: str) -> str:
    return text.strip().strip(EDGE).lower().replace("'", "").replace("’", "")


def context_word(text: str) -> str:
    """A word as the context patterns see it: "CVV's" -> "cvv", "three-digit" -> "three digit"."""
    word = re.sub(r"['’]s$", "", text.strip().strip(EDGE).lower())
    return word.replace("'", "").replace("’", "").replace("-", " ")


def tokenise(words: list[str]) -> list[Token]:
    toks: list[Token] = []
    for i, raw in enumerate(words):
        core = raw.strip().strip(EDGE).replace("'", "").replace("’", "")
        if not core:
            continue
        upper = core.isupper() and len(core) <= 8
        mixed = bool(re.search(r"[A-Za-z]", core)) and bool(re.search(r"\d", core))
        found = _TOKEN.findall(core.lower())
        for piece in found:
            toks.append(Token(piece, i, upper, mixed))
        if found:  # a word of symbols alone ("—") has no token to carry its punctuation
            toks[-1].tail = raw.strip()[len(raw.strip().rstrip(EDGE)):]
    return toks
