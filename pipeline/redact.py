"""Mask personal data in transcripts: card numbers, codes, dates, ids, contact details.

Works on a word stream (the words of a call's turns in order, so a card number read over two turns is seen
whole) and on free text. The recognisers, one per kind of value and locale, live in pipeline/redaction/
(registry.py lists them in the order they run); this module chooses them for a call and masks what they
find. Only values are masked, never the question: "could you confirm your date of birth" survives.

A `Redaction` keeps the type and the interval (seconds) only, never the value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from callscore.pipeline.redaction import locales, registry
from callscore.pipeline.redaction.recogniser import Recogniser

# also the order in which an overlap is settled: a word two recognisers found is masked as the earlier type
TYPES = ("card_number", "security_code", "expiry_date", "date_of_birth", "national_id",
         "bank_account", "email", "phone_number", "postcode", "street_address")
LOCALES = ("en_GB", "en_US")  # more per call language: locales.locales_for


@dataclass
class RedactionConfig:
    types: tuple[str, ...] = TYPES  # which types to mask
    mask_style: str = "type"  # "type" -> "[CARD_NUMBER]", "hash" -> "#####"
    # recognisers per locale: en_GB (NI, sort code, UK postcode), en_US (SSN, ZIP); ms_MY, id_ID, zh_CN, ur_PK,
    # uk_UA add their number words, cue words and national ids (pipeline/redaction/locales.py)
    locales: tuple[str, ...] = LOCALES

    @classmethod
    def for_language(cls, language: str | None, **options) -> "RedactionConfig":
        """The English rules (calls mix English in) plus those of the call's language."""
        return cls(locales=locales.locales_for(language, LOCALES), **options)

    def recognisers(self) -> list[Recogniser]:
        """The recognisers that run on a call with this configuration, in order."""
        return registry.recognisers_for(self.locales)

    def mask(self, kind: str) -> str:
        return "#####" if self.mask_style == "hash" else f"[{kind.upper()}]"


@dataclass
class Redaction:
    """What was masked and where; never the value."""
    type: str
    start: float
    end: float
    word_count: int

    def to_json(self) -> dict:
        return {"type": self.type, "start": round(self.start, 3), "end": round(self.end, 3),
                "word_count": self.word_count}


def redact_words(words: list[tuple[float, float, str]], config: RedactionConfig | None = None
                 ) -> tuple[list[str], list[Redaction]]:
    """Mask personal data in a word stream (start, end, text); returns new texts and what was masked.

    The output has one text per input word, in order; timestamps are the caller's to keep. A masked
    word keeps trailing sentence punctuation so the transcript still reads.
    """
    config = config or RedactionConfig()
    texts = [w[2] for w in words]
    out = list(texts)
    if not words:
        return out, []
    hits = [hit for hit in registry.detect(texts, tuple(config.locales)) if hit.kind in config.types]
    owner: dict[int, str] = {}
    redactions: list[Redaction] = []
    for hit in sorted(hits, key=lambda h: (TYPES.index(h.kind), min(h.words))):
        fresh = sorted(w for w in hit.words if w not in owner and 0 <= w < len(words))
        if not fresh:
            continue
        for w in fresh:
            owner[w] = hit.kind
        # one redaction per contiguous stretch
        stretch = [fresh[0]]
        for w in fresh[1:] + [None]:
            if w is not None and w == stretch[-1] + 1:
                stretch.append(w)
                continue
            redactions.append(Redaction(hit.kind, words[stretch[0]][0], words[stretch[-1]][1], len(stretch)))
            if w is not None:
                stretch = [w]
    for w, kind in owner.items():
        tail = re.search(r"[.,?!;:。，？！；：、۔؟،]+$", texts[w].strip())  # Chinese and Urdu stops too
        out[w] = config.mask(kind) + (tail.group(0) if tail else "")
    redactions.sort(key=lambda r: r.start)
    return out, redactions


def redact_text(text: str, config: RedactionConfig | None = None) -> tuple[str, list[str]]:
    """Mask free text (a segment, an evidence quote); returns the text and the types found."""
    config = config or RedactionConfig()
    pieces = locales.pieces(text, locales.active(tuple(config.locales)))
    idx = [k for k, p in enumerate(pieces) if p and not p.isspace()]
    masked, found = redact_words([(0.0, 0.0, pieces[k]) for k in idx], config)
    for k, new in zip(idx, masked):
        pieces[k] = new
    # one mask per entity in free text: "[CARD_NUMBER], [CARD_NUMBER]" -> "[CARD_NUMBER]" (unspaced in Chinese)
    masks = "|".join(re.escape(config.mask(k)) for k in TYPES)
    joined = re.sub(rf"({masks})(?:[,;:]?\s*\1)+", r"\1", "".join(pieces)) if found else "".join(pieces)
    return joined, list(dict.fromkeys(r.type for r in found))
