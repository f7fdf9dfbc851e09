"""Street addresses: a house number (and letter) with a street name ("221b Baker Street", "two nine three park
view", "flat 4, 12 the crescent"), and a house named, not numbered ("Rose Cottage", "the Old Rectory"), where
an address was asked for or given."""
from __future__ import annotations

import re
from collections.abc import Iterator

from callscore.pipeline.redaction.common_words import NOT_NAME
from callscore.pipeline.redaction.context import wins
from callscore.pipeline.redaction.recogniser import Claims, Recogniser
from callscore.pipeline.redaction.spoken_numbers import FILLERS, TEENS, TENS, UNITS, number_at
from callscore.pipeline.redaction.spoken_text import SpokenText
from callscore.pipeline.redaction.tokens import Token

STREET_SUFFIXES = {"street", "st", "road", "rd", "lane", "ln", "avenue", "ave", "av", "drive", "dr", "close",
                   "way", "crescent", "cres", "court", "ct", "place", "pl", "terrace", "grove", "gardens",
                   "boulevard", "blvd", "parkway", "pkwy", "square", "sq", "hill", "row", "walk", "mews",
                   "green", "view", "rise", "parade", "highway", "hwy", "circle", "trail", "vale", "wharf",
                   "croft", "meadows", "gate", "park", "cottages", "mansions", "quay"}
# the kind of house a house name ends with ("Rose Cottage", "the Old Rectory")
HOUSE_NOUNS = {"cottage", "house", "farm", "farmhouse", "lodge", "rectory", "vicarage", "barn", "manor", "hall",
               "mill", "villa", "grange", "bungalow", "chapel", "granary", "stables", "coach"}
# suffixes that name nothing but a street (the others are common nouns too: "park benches", "one way")
STREET_ONLY = {"street", "st", "road", "rd", "lane", "ln", "avenue", "ave", "av", "crescent", "cres", "terrace",
               "boulevard", "blvd", "parkway", "pkwy", "mews", "cottages", "mansions", "gardens"}


def _is_name_word(tok: Token) -> bool:
    return tok.text.isalpha() and tok.text not in NOT_NAME and tok.text not in TENS and \
        tok.text not in UNITS and tok.text not in TEENS


def _street_name_end(toks: list[Token], j: int, words: list[str], address_asked: bool) -> int | None:
    """Last token of the street name starting at token j (just after the house number), or None.

    - 1-3 name words and a street suffix, plus any suffix right after it: "mill lane", "park view"
      ("park" may be a name too), "queens park road", "the old mill lane";
    - no suffix, but "the" and 1-2 name words ("the green", "The Paddock") or a single name written as a
      proper noun ("Kingsway"), only where an address was asked for or given: a bare "3 Samsung" or
      "2 the..." is not an address.
    A name never runs over a pause or sentence end written as punctuation ("9 The Paddock, Bath").
    """
    has_the = j < len(toks) and toks[j].text == "the"
    first = j + 1 if has_the else j
    names = 0
    while first + names < len(toks) and names < 3 and _is_name_word(toks[first + names]):
        names += 1
        after = first + names
        if after < len(toks) and toks[after].text in STREET_SUFFIXES:
            while after + 1 < len(toks) and toks[after + 1].text in STREET_SUFFIXES and \
                    toks[after + 1].word != toks[after].word:
                after += 1
            return after
        if re.search(r"[,.;:?!]$", words[toks[first + names - 1].word]):
            break
    if names == 0:
        return None
    last = first + names - 1
    if has_the and toks[last].text in STREET_SUFFIXES:  # "14 the crescent": a number, "the" and a street word
        return last
    if not address_asked:
        return None
    proper = all(words[toks[k].word][:1].isupper() for k in range(first, first + names))
    if has_the and names <= 2 or names == 1 and proper:
        return last
    return None


def _numbered(text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    toks, words, ctx = text.toks, text.words, text.ctx
    for i in range(len(toks)):
        got = number_at(toks, i)
        if got is None or toks[i].text in ("oh", "o") or len(got[0]) > 4 or got[0].startswith("0"):
            continue
        if i > 0 and number_at(toks, i - 1) is not None and \
                not (i > 1 and toks[i - 2].text in ("flat", "apartment", "apt", "unit", "suite")):
            continue
        if i > 0 and toks[i - 1].text in ("a", "an"):  # "a 2 way street", "a 3 bed house": a quantity
            continue
        j, house = i + got[1], got[0]
        while j < len(toks) and (more := number_at(toks, j)) is not None and len(house + more[0]) <= 4:
            house, j = house + more[0], j + more[1]  # "two nine three park view"
        if j < len(toks) and len(toks[j].text) == 1 and toks[j].text.isalpha() and toks[j].word == toks[i].word:
            j += 1  # 221b
        address_asked = wins(ctx.near(toks[i].word, toks[i].word, back=15), "address", ("neg", "price", "time"))
        j = _street_name_end(toks, j, words, address_asked)
        if j is None:
            continue
        # a street word that is also a common noun, used as a noun's modifier: "3 new park benches",
        # "the 2 green bins outside" ("279 baker street manchester" is an address)
        if not address_asked and toks[j].text not in STREET_ONLY and j + 1 < len(toks) and \
                toks[j + 1].word == toks[j].word + 1 and not re.search(r"[,.;:?!]$", words[toks[j].word]):
            follow = words[toks[j + 1].word]
            if toks[j + 1].text.isalpha() and follow[:1].islower() and toks[j + 1].text not in NOT_NAME | FILLERS | \
                    STREET_SUFFIXES | {"postcode", "post", "zip", "flat", "please"}:
                continue
        start = i
        k = i - 1
        while k >= 0 and toks[k].text in (",",):
            k -= 1
        if k >= 1 and toks[k - 1].text in ("flat", "apartment", "apt", "unit", "suite", "number") and \
                number_at(toks, k) is not None:
            start = k - 1
        elif k >= 0 and toks[k].text in ("number", "no"):
            start = k
        yield text.span_words(start, j)


def _named_house(text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    """One or two capitalised name words and a capitalised kind of house."""
    toks, words = text.toks, text.words
    for i, t in enumerate(toks):
        if t.text not in HOUSE_NOUNS or not words[t.word][:1].isupper() or i == 0:
            continue
        k = i
        while k > 0 and i - k < 2 and toks[k - 1].word == toks[k].word - 1 and _is_name_word(toks[k - 1]) and \
                words[toks[k - 1].word][:1].isupper() and not re.search(r"[,.;:?!]$", words[toks[k - 1].word]):
            k -= 1
        if k == i:
            continue
        if wins(text.ctx.near(toks[k].word, t.word, back=15, ahead=4), "address", ("neg", "price", "time"), within=15):
            yield text.span_words(k, i)


def find(text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    yield from _numbered(text, claims)
    yield from _named_house(text, claims)


STREET_ADDRESS = Recogniser("street_address", "street_address", find)
