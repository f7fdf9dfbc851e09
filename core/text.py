"""How words join into text and where sentences end, in scripts written with and without spaces."""
from __future__ import annotations

import re

# Sentence ends in the scripts of these languages: Chinese full-width 。？！ and Urdu's ۔ ؟ besides . ? !
SENTENCE_ENDS = (".", "?", "!", "。", "？", "！", "۔", "؟")
# Chinese is written without spaces (Whisper gives it a character or two per word): CJK ideographs, CJK and
# full-width punctuation
_UNSPACED = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


def join_words(texts) -> str:
    """Words as text: spaced, except between two characters of a script written without spaces."""
    out = ""
    for text in texts:
        if out and not (_UNSPACED.match(out[-1]) and _UNSPACED.match(text[:1])):
            out += " "
        out += text
    return out.strip()


_IDEOGRAPH, _WIDE_PUNCT = r"\u3400-\u9fff\uf900-\ufaff", r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
# one ideograph, or a stretch of anything else, with the full-width punctuation after it
_PIECE = re.compile(rf"(?:[{_IDEOGRAPH}]|[^{_IDEOGRAPH}{_WIDE_PUNCT}]+)[{_WIDE_PUNCT}]*|[{_WIDE_PUNCT}]+")


def written_without_spaces(token: str) -> bool:
    """Whether a token is (or holds) Chinese, whose words are not spaced apart."""
    return bool(_UNSPACED.search(token))


def split_words(text: str) -> list[str]:
    """Words of a text: at spaces, and each character of a script written without spaces (punctuation stays
    with the character before it), as Whisper gives Chinese; so a number inside a Chinese sentence can be
    masked without the sentence."""
    words: list[str] = []
    for token in text.split():
        if not written_without_spaces(token):
            words.append(token)
            continue
        words += _PIECE.findall(token)
    return words
