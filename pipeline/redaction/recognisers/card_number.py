"""Card numbers (PAN): Luhn-valid with a scheme's prefix and length anywhere, or any 12+ digits where a
card is being read out; said in one breath or in groups over turns ("4532 0151" / "mhm" / "1283 0366").

One random number in ten passes Luhn, so a number named as an order, a tracking or an IMEI number right
before it stays one; and a digit misheard by the speech model fails Luhn, so in clear card context (or read
group by group after the agent's "next four?") the number is masked without it.
"""
from __future__ import annotations

from collections.abc import Iterator

from stdnum import luhn

from callscore.pipeline.redaction.context import wins
from callscore.pipeline.redaction.digit_runs import BACKCHANNEL, GROUP_WORDS, written_date
from callscore.pipeline.redaction.recogniser import Claims, Recogniser
from callscore.pipeline.redaction.spoken_numbers import FILLERS
from callscore.pipeline.redaction.spoken_text import SpokenText

# the agent asking for the next group of digits: "next four?", "and the last four please"
GROUP_PROMPT = GROUP_WORDS | {"four", "4", "digits", "numbers", "the", "please", "lot", "bit", "set", "group",
                              "block", "now", "finally", "few", "ones", "what", "whats", "about", "of", "them"}
CARD_PART_MIN = 8  # digits in card context that are a card number read in part, not a code or a date
LUHN_NEG_WITHIN = 8  # words between "order number" (etc.) and a Luhn-valid number for it to stay an order number
CARD_LENGTHS = (16, 15, 13, 19, 14, 17, 18)  # most common first


def iin_plausible(digits: str) -> bool:
    """Does the number start like a payment card of its length (issuer prefix ranges of the schemes)?"""
    n, p2, p4 = len(digits), int(digits[:2] or 0), int(digits[:4] or 0)
    if digits[:1] == "4":
        return n in (13, 16, 19)  # Visa
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720:
        return n == 16  # Mastercard
    if p2 in (34, 37):
        return n == 15  # American Express
    if p2 in (36, 38, 39) or 300 <= p4 // 10 <= 305:
        return 14 <= n <= 19  # Diners Club
    if 3528 <= p4 <= 3589:
        return 16 <= n <= 19  # JCB
    if digits[:1] in "56":
        return 12 <= n <= 19  # Discover, UnionPay, Maestro, RuPay...
    return False


def _chain(text: SpokenText, a: int, card_ctx: bool) -> tuple[list[int], int]:
    """Run a and the runs said after it as parts of one number (across a backchannel, a turn, the agent's
    "next four?"), and how many of those gaps were such a prompt."""
    runs, ctx = text.runs, text.ctx
    chain, total, prompts = [a], runs[a].n, 0
    for b in range(a + 1, len(runs)):
        prev, nxt = runs[chain[-1]], runs[b]
        gap = nxt.w0 - prev.w1 - 1
        gap_topics = ctx.topics_in(prev.w1 + 1, nxt.w0 - 1) - {"card"}
        gap_words = {text.norm[w] for w in range(prev.w1 + 1, nxt.w0)}
        backchannel = gap_words <= BACKCHANNEL
        prompt = gap_words <= BACKCHANNEL | GROUP_PROMPT and bool(gap_words & GROUP_WORDS)
        if gap_topics or gap > 6 or total + nxt.n > 40:
            break
        # one digit said on its own turn is part of a card read out only where a card was asked for
        if nxt.n < 2 and not (card_ctx and (backchannel or prompt) and gap <= 4):
            break
        if not (card_ctx and gap <= 6) and not (backchannel and gap <= 4) and not prompt:
            break
        chain.append(b)
        total += nxt.n
        prompts += prompt and not backchannel
    return chain, prompts


def _card_runs(text: SpokenText, a: int) -> list[int] | None:
    """The runs, from run a on, that are one card number, or None."""
    runs = text.runs
    run = runs[a]
    c = text.ctx.near(run.w0, run.w1, back=30, ahead=6)
    # prices and times do not explain a 12+ digit number; an order/reference or a phone does
    card_ctx = wins(c, "card", ("neg", "phone", "account", "sortcode", "ssn", "ni"), within=30)
    named_not_card = wins(c, "neg", ("card",), within=LUHN_NEG_WITHIN)
    chain, prompts = _chain(text, a, card_ctx)
    digits = "".join(runs[k].digits for k in chain)
    if card_ctx and len(digits) >= 12:
        return chain
    for k in range(len(chain), 0, -1) if not named_not_card else ():  # the longest card said first
        d = "".join(runs[x].digits for x in chain[:k])
        if 13 <= len(d) <= 19 and luhn.is_valid(d) and iin_plausible(d):
            return chain[:k]
    # read group by group, each answering the agent's "next four?" / "last four": only a card is read out
    # like that, even with a digit misheard (Luhn fails) and no card word
    if not named_not_card and prompts >= 2 and 13 <= len(digits) <= 19 and all(3 <= runs[x].n <= 6 for x in chain):
        return chain
    if not card_ctx:
        return None
    # one unbroken stretch of 8+ digits is the card read in part before a repeat or a pause ("it's 4532 0151,
    # sorry, could you...") unless it is written as a date ("12/03/2024")
    if len(chain) == 1 and run.n >= CARD_PART_MIN and not written_date(run):
        return chain
    for x in chain:  # one long run holding card + expiry/code said without pause
        d = runs[x].digits
        if len(d) > 19 and any(luhn.is_valid(d[s:s + n]) for n in CARD_LENGTHS for s in range(0, len(d) - n + 1)):
            return [x]
    return None


def find(text: SpokenText, claims: Claims) -> Iterator[set[int]]:
    runs = text.runs
    for a, run in enumerate(runs):
        if a in claims.runs or run.n < 2:
            continue
        found = _card_runs(text, a)
        if not found:
            continue
        claims.runs.update(found)
        words = {w for x in found for w in text.run_words(runs[x])}
        # the caller's own hesitation inside the number is masked with it ("four five three two, sorry,
        # oh one..."); a backchannel ("uh-huh", "mhm") is the other speaker's turn and is left alone
        for x, y in zip(found, found[1:]):
            gap = range(runs[x].w1 + 1, runs[y].w0)
            if len(gap) <= 2 and all(text.norm[w] in FILLERS | {"sorry"} for w in gap):
                words.update(gap)
        yield words


CARD_NUMBER = Recogniser("card_number", "card_number", find)
