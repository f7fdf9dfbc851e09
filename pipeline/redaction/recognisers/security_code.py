"""Card security codes (CVV/CVC, 3 or 4 digits) where the code was asked for or named nearest, also said in
parts over the other speaker's backchannel ("nine three" / "yeah" / "one"). PCI DSS forbids storing them."""
from __future__ import annotations

from collections.abc import Iterator

from callscore.pipeline.redaction.context import DigitCue
from callscore.pipeline.redaction.digit_runs import BACKCHANNEL
from callscore.pipeline.redaction.recogniser import Claims, Recogniser, find_named_digits
from callscore.pipeline.redaction.spoken_text import SpokenText

# 3 or 4 digits where the code was asked for, and not an expiry, a birth, a phone or an account named nearer
CUE = DigitCue((3, 4), ("security",), ("expiry", "dob", "phone", "account", "sortcode"), within=15)


def _said_in_parts(text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    runs = text.runs
    for a, run in enumerate(runs):
        if a in claims.runs or run.n > 2:
            continue
        chain, total = [a], run.n
        for b in range(a + 1, len(runs)):
            prev, nxt = runs[chain[-1]], runs[b]
            gap_words = {text.norm[w] for w in range(prev.w1 + 1, nxt.w0)}
            if b in claims.runs or not gap_words or not gap_words <= BACKCHANNEL or nxt.w0 - prev.w1 - 1 > 3 or \
                    total + nxt.n > 4:
                break
            chain.append(b)
            total += nxt.n
        if len(chain) < 2:
            continue
        if CUE.names(total, text.ctx.near(run.w0, runs[chain[-1]].w1, back=15, ahead=4)):
            claims.runs.update(chain)
            yield {w for x in chain for w in text.run_words(runs[x])}


def find(text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    yield from _said_in_parts(text, claims)
    yield from find_named_digits(CUE, text, claims)


SECURITY_CODE = Recogniser("security_code", "security_code", find)
