"""E-mail addresses, written (kate.smith@example.co.uk) or spoken ("john dot smith at gmail dot com"): a local
part of up to six name words before "at", and a domain ending in a known top-level domain."""
from __future__ import annotations

import re
from collections.abc import Iterator

from callscore.pipeline.redaction.common_words import NOT_NAME
from callscore.pipeline.redaction.recogniser import Claims, Recogniser
from callscore.pipeline.redaction.spoken_numbers import HOMOPHONES
from callscore.pipeline.redaction.spoken_text import SpokenText
from callscore.pipeline.redaction.tokens import EDGE, Token, context_word

# words that end a spoken local part going back from "at": the cue itself, and everyday words
EMAIL_STOP = NOT_NAME | set("""email e mail address mails emailed send sent reply its thats is it's that's me
contact reach write written spelled spell spelt""".split()) - {"first", "second", "last"}
TLDS = {"com", "co", "uk", "net", "org", "io", "gov", "edu", "us", "info", "biz", "me", "ac", "ie", "de",
        "fr", "eu", "ca", "au", "nhs", "ltd", "online", "email"}
_EMAIL_WORD = re.compile(r"^[\w.+\-]+@[\w\-]+(\.[\w\-]+)+$")


def _written(text: SpokenText) -> Iterator[set[int]]:
    for w, word in enumerate(text.words):
        if _EMAIL_WORD.match(word.strip().strip(EDGE)):
            yield {w}


def _domain_end(toks: list[Token], i: int) -> int | None:
    """The last token of a domain said after "at" (token i): up to three name parts joined by "dot" or a dash,
    then one or more known top-level domains ("gmail dot co dot uk"); None if there is none."""
    j, parts = i + 1, 0
    while j < len(toks) and toks[j].text.isalnum() and toks[j].text not in EMAIL_STOP | {"dot"}:
        parts += 1
        j += 1
        if j < len(toks) and toks[j].text in ("dot", ".") and j + 1 < len(toks) and toks[j + 1].text in TLDS:
            j += 1
            end = None
            while j < len(toks) and toks[j].text in TLDS:
                end = j
                if j + 1 < len(toks) and toks[j + 1].text in ("dot", ".") and j + 2 < len(toks) and \
                        toks[j + 2].text in TLDS:
                    j += 2
                else:
                    break
            return end
        if j < len(toks) and toks[j].text in ("dot", ".", "-", "dash", "hyphen"):
            j += 1
            continue
        if parts >= 3:
            break
    return None


def _local_part_start(text: SpokenText, i: int) -> int | None:
    """The first token of the local part said before "at" (token i): up to six name words, back to the cue
    or a question's end; None if there is none."""
    toks = text.toks
    k, local = i - 1, 0
    while k >= 0 and local < 6:
        tt = toks[k].text
        if set(toks[k].tail) & {"?", "!"}:  # "what email should we use? accounts at...": the question ends
            break
        if tt in ("dot", ".", "underscore", "_", "dash", "hyphen", "-"):
            k -= 1
            continue
        # "my email's kate at...": the cue word said with a possessive or "is" glued on is still the cue
        if not tt.isalnum() or tt in EMAIL_STOP or context_word(text.words[toks[k].word]) in EMAIL_STOP or \
                tt in HOMOPHONES and local:
            break
        local += 1
        k -= 1
    return k + 1 if local else None


def _spoken(text: SpokenText) -> Iterator[set[int]]:
    toks = text.toks
    for i, t in enumerate(toks):
        if t.text not in ("at", "@"):
            continue
        if t.text == "@" and i > 0 and toks[i - 1].word == t.word and _EMAIL_WORD.match(
                text.words[t.word].strip().strip(EDGE)):
            continue  # written whole: _written has it
        end = _domain_end(toks, i)
        start = _local_part_start(text, i) if end is not None else None
        if start is not None:
            yield text.span_words(start, end)


def find(text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    yield from _written(text)
    yield from _spoken(text)


EMAIL = Recogniser("email", "email", find)
