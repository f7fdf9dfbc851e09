"""What the words around a number say it is: topics (card, security code, date of birth, phone, order...)
found by pattern in the call's words, and which of them was named nearest to a value.

A value is judged by the nearest context, not by any context: a nearer "order number" beats an earlier
"card", and a price or a time said right before four digits makes them no security code. Negative topics
(order, ticket, price, time, another event's date) exist only to win against the others.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from callscore.pipeline.redaction import locales
from callscore.pipeline.redaction.tokens import context_word

WEAK_NUMBER = "number"
# Context: regex over the normalised word stream -> topic. Matches tag the word they start on.
# Acronyms may be spelled out letter by letter by the ASR ("c v v", "s s n"), hence the optional spaces.
TOPICS = [
    ("card", r"(card|cards|visa|mastercard|master card|amex|american express|maestro|discover|debit|credit|long number|"
              r"jcb|j c b|diners|diners club|union ?pay|barclaycard|solo|electron|"
              # where a card's long number is: "the number on the front", "the digits across the front"
              r"(number|numbers|digits) (on|across|along) the front|front of (the|your|my) card|"
              r"(card|payment) details|(sixteen|16|fifteen|15) digits?)"),
    ("security", r"(security (code|number|digits?)|c ?v ?v ?2?|c ?v ?c ?2?|c ?v ?(2|two)|c ?s ?c|cid|"
                 r"(?<!last )(?<!next )(?<!first )(?<!other )(three|four|3|4)( digit| digits| numbers| figures)|"
                 r"(back|reverse) of (the|your|my) card|"
                 r"on the (back|reverse)|signature (strip|panel|box)|verification (code|number|value|digits?)|"
                 r"card code)"),
    ("expiry", r"(expir\w*|exp|expy|exp date|valid (until|till|thru|through|to)|end date|good (thru|through)|"
               r"runs out)"),
    ("dob", r"((?:date|day|month|year|place and date) (?:of|on|or|a|for) birth|birth year|dates of birth|"
            r"birth ?dates?|birthdays?|born|dob|d ?o ?b|d\.o\.b\.?)"),
    ("ni", r"(national insurance|insurance number|ni number|n ?i number|nino)"),
    ("ssn", r"(social security|social|ssn|s s n)"),
    ("account", r"(account|accounts|acc no|acct|acct no|a/c|routing|iban|i b a n|building society|bank details)"),
    ("sortcode", r"(sort ?codes?|sorting code)"),
    ("phone", r"(phone|phones|mobile|telephone|landline|cell|cellphone|number to (call|reach)|contact number|"
              r"call (me|you) (back )?(on|at)|reach (me|you) (on|at)|ring (me|you)|text (me|you)|whatsapp|dial)"),
    # "the number", "my number": a phone number, unless a topic was just named ("the card, the number on it is")
    (WEAK_NUMBER, r"((my|your|his|her|the|best|contact|home|work|daytime|evening|new|old|other|a) number)"),
    ("email", r"(e ?-? ?mail|emails)"),
    ("postcode", r"(post ?codes?|postal codes?|zip( codes?)?|zipcodes?)"),
    ("address", r"(address|addresses|live at|lives at|living at|i live|moved to|first line|property|premises)"),
    ("neg", r"(order|orders|ticket|tickets|reference|ref|invoice|case|tracking|booking|confirmation|transaction|"
            r"serial|model|claim|parcel|receipt|voucher|promo|coupon|incident|item|product|sku|job|extension|ext|"
            r"flight|room|seat|gate|page|step|version|policy|membership|member|customer number|batch|"
            r"complaint|request|delivery|contract|plan|bundle|option|queue|meter|tariff|code word|imei|"
            # the company's own lines are not personal data: "call us on 0345...", "our helpline", "the fax"
            r"(call|ring|phone|contact|reach|text) us( back)? (on|at)|our (number|line|helpline)|helpline|"
            r"switchboard|freephone|fax)"),
    ("price", r"(£|\$|€|pounds?|quid|pence|p|dollars?|bucks|cents?|euros?|price|prices|cost|costs|charge|charged|"
              r"fee|fees|total|balance|bill|paid|refund|refunded|discount|percent|%)"),
    # a date said as some other event's, not a birth ("your renewal date is", "meant to arrive on the tenth")
    ("event", r"(appointments?|renew\w*|due|deliver\w*|arriv\w*|dispatch\w*|sent|posted|shipped|ordered|booked|"
              r"scheduled|visits?|engineer|install\w*|start(s|ed)?|end(s|ed)?|opened|closed|cancel\w*|moved|since)"),
    ("time", r"(o ?clock|oclock|am|pm|a\.m\.?|p\.m\.?|past|quarter|half|minutes?|hours?|seconds?|tonight|"
             r"morning|afternoon|evening|today|tomorrow|yesterday|monday|tuesday|wednesday|thursday|friday|"
             r"saturday|sunday|week|weeks|days?|months?|years?|ago|between)"),
]
# topics a weak "number" cue takes over when one of them was named just before it
NUMBER_OWNERS = ("card", "security", "account", "sortcode", "ssn", "ni", "neg", "dob", "postcode")
WEAK_NUMBER_LOOKBACK = 6
_TOPIC_RE = [(topic, re.compile(r"(?<![\w£$€%])" + pattern + r"(?![\w£$€%])")) for topic, pattern in TOPICS]


class Context:
    """The topics named at each word of a call (`at`), and the distance to each from a stretch of words."""

    def __init__(self, words: list[str], languages: list[locales.Locale] = ()):
        self.at: list[set[str]] = [set() for _ in words]
        text, owner = "", []  # owner: the word each character of text came from
        for w, word in enumerate(words):
            word = context_word(word) + " "
            text += word
            owner += [w] * len(word)
        for topic, rx in _TOPIC_RE + [rx for locale in languages for rx in _locale_topics(locale.code)]:
            for m in rx.finditer(text):
                if m.start() < len(owner):
                    self.at[owner[m.start()]].add(topic)
                    self.at[owner[max(m.end() - 1, m.start())]].add(topic)
        self._resolve_weak_number()

    def _resolve_weak_number(self) -> None:
        """'the number' means the card's (account's, order's...) number when that was named just before."""
        for w, topics in enumerate(self.at):
            if WEAK_NUMBER not in topics:
                continue
            topics.discard(WEAK_NUMBER)
            named = next((t for d in range(0, WEAK_NUMBER_LOOKBACK + 1) if w - d >= 0
                          for t in NUMBER_OWNERS if t in self.at[w - d]), None)
            topics.add(named or "phone")

    def near(self, w0: int, w1: int, back: int = 20, ahead: int = 4) -> dict[str, int]:
        """topic -> distance in words of its nearest mention before w0 (or after w1, +2 penalty)."""
        found: dict[str, int] = {}
        for d in range(1, back + 1):
            for topic in self.at[w0 - d] if w0 - d >= 0 else ():
                found.setdefault(topic, d)
        for d in range(1, ahead + 1):
            for topic in self.at[w1 + d] if w1 + d < len(self.at) else ():
                if topic not in found or found[topic] > d + 2:
                    found[topic] = d + 2
        return found

    def topics_in(self, w0: int, w1: int) -> set[str]:
        out: set[str] = set()
        for w in range(max(w0, 0), min(w1 + 1, len(self.at))):
            out |= self.at[w]
        return out


@functools.cache
def _locale_topics(code: str) -> list[tuple[str, re.Pattern]]:
    return [(topic, re.compile(r"(?<![\w£$€%])(" + pattern + r")(?![\w£$€%])"))
            for topic, pattern in locales.LOCALES[code].topics]


def wins(ctx: dict[str, int], topic: str | tuple, rivals: tuple, within: int = 99) -> bool:
    topics = (topic,) if isinstance(topic, str) else topic
    best = min((ctx[t] for t in topics if t in ctx), default=None)
    if best is None or best > within:
        return False
    return all(ctx.get(r, 999) > best for r in rivals)


def everyday_rivals(digit_count: int) -> tuple[str, ...]:
    """The topics that make a number of this many digits an everyday one: an order's or a ticket's, and a
    price's or a time's while it is short (no price or time said on a call has six digits)."""
    return ("neg", "price", "time") if digit_count <= 5 else ("neg",)


@dataclass(frozen=True)
class DigitCue:
    """When digits are a value because of what was named near them (Presidio's context words): how many digits,
    the topics that name the value, the topics that, named nearer, make the digits something else's (besides
    the everyday ones), and how many words back the naming reaches."""
    lengths: tuple[int, ...]
    topics: tuple[str, ...]
    rivals: tuple[str, ...]
    within: int

    def names(self, digit_count: int, near: dict[str, int]) -> bool:
        return digit_count in self.lengths and \
            wins(near, self.topics, everyday_rivals(digit_count) + self.rivals, within=self.within)
