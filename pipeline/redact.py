"""Detect and mask personal data in transcripts: card numbers, codes, dates, ids, contact details.

Works on a word stream (the words of a call's turns in order, so a card number read over two turns
is seen whole) and on free text. Pure Python + `re`; no models.

How it decides, in short:
- Each word is split into tokens (digits, letters, a few symbols). Digits said as words are read
  ("four five three two", "double seven", "triple oh", "oh" for zero, "forty five", "nineteen
  eighty", "two hundred and one") into *digit runs*: maximal stretches of numbers, with the word
  each digit came from.
- Context words are tagged per word (card, security code, expiry, date of birth, national
  insurance, social security, account, sort code, phone, e-mail, postcode, address; and negative
  contexts: order, ticket, reference, price, time...). A run is judged by its length, format and
  the *nearest* context around it (a nearer "order number" beats an earlier "card").
- Card numbers: 13-19 digits passing Luhn with a card-like first digit, anywhere; or 12+ digits
  (Luhn failing, e.g. after an ASR slip) when card context is the nearest; runs split by short
  gaps (a turn change, "okay", an agent reading back) are chained in card context.
- Dates, e-mails, postcodes, NI numbers, IBANs and street addresses have their own small parsers.
- Only values are masked, never the question: "could you confirm your date of birth" survives.

A `Redaction` keeps the type and the interval (seconds) only, never the value.
"""
from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field

from callscore.pipeline import redact_locales

TYPES = ("card_number", "security_code", "expiry_date", "date_of_birth", "national_id",
         "bank_account", "email", "phone_number", "postcode", "street_address")
LOCALES = ("en_GB", "en_US")  # more per call language: redact_locales.locales_for


@dataclass
class RedactionConfig:
    types: tuple[str, ...] = TYPES  # which types to detect and mask
    mask_style: str = "type"  # "type" -> "[CARD_NUMBER]", "hash" -> "#####"
    # patterns per locale: en_GB (NI, sort code, UK postcode), en_US (SSN, ZIP); ms_MY, id_ID, zh_CN, ur_PK,
    # uk_UA add their number words, cue words and national ids (pipeline/redact_locales.py)
    locales: tuple[str, ...] = LOCALES

    @classmethod
    def for_language(cls, language: str | None, **options) -> "RedactionConfig":
        """The English rules (calls mix English in) plus those of the call's language."""
        return cls(locales=redact_locales.locales_for(language, LOCALES), **options)

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


# ---------------------------------------------------------------- vocabulary
UNITS = {"zero": 0, "oh": 0, "o": 0, "nought": 0, "naught": 0, "nil": 0, "one": 1, "two": 2, "three": 3,
         "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
         "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 2, "thirty": 3, "forty": 4, "fourty": 4, "fifty": 5, "sixty": 6, "seventy": 7,
        "eighty": 8, "ninety": 9}
HOMOPHONES = {"for": "4", "fore": "4", "to": "2", "too": "2", "won": "1", "ate": "8"}  # only between digits
FILLERS = {"uh", "um", "erm", "er", "ah", "hmm", "mm", "uhm"}
# a number right before one of these counts something ("the sixteen digits", "a 3-digit code"): not a value
COUNT_NOUNS = {"digit", "digits", "figure", "figures", "numbers", "characters", "letters"}
# a small number right after one of these names a group of digits, not a value ("first four?", "the next four")
GROUP_WORDS = {"first", "next", "last", "final", "other", "remaining", "middle", "another"}
GROUP_PROMPT = GROUP_WORDS | {"four", "4", "digits", "numbers", "the", "please", "lot", "bit", "set", "group",
                              "block", "now", "finally", "few", "ones", "what", "whats", "about", "of", "them"}
# what the other speaker says between two parts of a number read out, or the reader's own hesitation
BACKCHANNEL = FILLERS | {"yes", "yeah", "yep", "yup", "okay", "ok", "mhm", "uh-huh", "uhhuh", "mm-hmm", "mmhmm",
                         "aha", "right", "alright", "got", "it", "then", "and", "sorry", "go", "on", "great",
                         "thanks", "thank", "you", "lovely", "perfect", "next", "carry", "continue", "keep",
                         "going", "cool", "fine", "good", "sure", "ta", "cheers", ""}
DAY_TENS = {"twenty", "thirty"}  # the tens a day of the month can start with
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
            "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
            "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
            "nineteenth": 19, "twentieth": 20, "thirtieth": 30}
MONTHS = {"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
          "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
          "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12}
LETTER_NAMES = {"ay": "a", "bee": "b", "be": "b", "see": "c", "sea": "c", "dee": "d", "ef": "f", "eff": "f",
                "gee": "g", "aitch": "h", "haitch": "h", "eye": "i", "jay": "j", "kay": "k", "el": "l", "elle": "l",
                "ell": "l", "em": "m", "en": "n", "pee": "p", "pea": "p", "queue": "q", "cue": "q", "are": "r",
                "ar": "r", "ess": "s", "tee": "t", "tea": "t", "you": "u", "vee": "v", "ex": "x", "why": "y",
                "zed": "z", "zee": "z"}
TWO_LETTER_WORDS = {"an", "as", "at", "be", "by", "do", "go", "he", "hi", "if", "in", "is", "it", "me", "my",
                    "no", "of", "oh", "ok", "on", "or", "so", "to", "up", "us", "we", "ya", "yo", "am", "pm",
                    "uh", "um", "mm", "hm", "eh", "ah", "er", "st", "nd", "rd", "th", "ye"}
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
# words that cannot be part of a street name (so "2 days down the road" is not an address)
NOT_NAME = set("""a an the of on in at to for from by with and or but is are was were be been it its this that
these those my your our their his her i you we they me him them us up down out off over under into onto
about around along across round back just only also very so then than there here what which who when where
why how all any some no not yes yeah okay ok please thanks thank sorry well oh um uh erm er hmm right sure
days day weeks week months month years year hours hour minutes minute seconds times time pounds pound quid
pence dollars dollar cents euros items item boxes box bags packs pack people calls call orders order tickets
ticket miles mile metres meters km kilometres kilometers yards feet floors floor stops stop doors door
more less other another same next last first second third before after again still even too lot lots
get got go going went come came take took have has had do did does make made see saw call called live
lived living want need like said says say tell told ask asked""".split())
EMAIL_STOP = NOT_NAME | set("""email e mail address mails emailed send sent reply its thats is it's that's me
contact reach write written spelled spell spelt""".split()) - {"first", "second", "last"}
TLDS = {"com", "co", "uk", "net", "org", "io", "gov", "edu", "us", "info", "biz", "me", "ac", "ie", "de",
        "fr", "eu", "ca", "au", "nhs", "ltd", "online", "email"}
MAIL_DOMAINS = {"gmail", "googlemail", "hotmail", "yahoo", "outlook", "icloud", "aol", "btinternet", "live",
                "msn", "protonmail", "proton", "mail", "sky", "virginmedia", "talktalk", "ntlworld", "me"}

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
                 r"on the (back|reverse)|signature (strip|panel|box)|verification (code|number|value|digits?)|card code)"),
    ("expiry", r"(expir\w*|exp|expy|exp date|valid (until|till|thru|through|to)|end date|good (thru|through)|runs out)"),
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
CARD_PART_MIN = 8  # digits in card context that are a card number read in part, not a code or a date
DOB_WITHIN = 25  # words between a date-of-birth cue and the date it asks for or names
DOB_RIVALS = ("price", "neg", "expiry", "event")  # topics that, said nearer, make a date something else's
DOB_REPEAT_GAP = 5  # a date this many words after a full date of birth is still one (a correction, a second person)
# words between a date-of-birth cue (or a date of birth said without its year) and a year said on its own:
# "born in '97", "DOB is 1988", "the fifth of november / and the year? / eighty two"
YEAR_LEAD = FILLERS | {"in", "is", "was", "on", "of", "the", "and", "year", "its", "it", "about", "around", "like",
                       "yeah", "yes", "ok", "okay", "sorry", "mhm", "uh-huh", "right", "what"}
# before "born": births of several people, whose years alone are not the caller's date of birth
PLURAL_BORN = {"were", "are", "both", "all", "twins"}
LUHN_NEG_WITHIN = 8  # words between "order number" (etc.) and a Luhn-valid number for it to stay an order number
_TOPIC_RE = [(topic, re.compile(r"(?<![\w£$€%])" + pattern + r"(?![\w£$€%])")) for topic, pattern in TOPICS]
# letters of any script: a Cyrillic or Urdu word is a word, so it breaks a digit run as "apples" does
_TOKEN = re.compile(r"[^\W\d_]+|\d+|[@/\-+.()£$€%:#&_]")
_EDGE = ".,?!;:\"“”‘’…()[]{}"
_EMAIL_WORD = re.compile(r"^[\w.+\-]+@[\w\-]+(\.[\w\-]+)+$")


@dataclass
class _Tok:
    text: str
    w: int  # index of the word it came from
    upper: bool = False  # came from an all-caps word (written codes: "SW1A", "QQ")
    mixed: bool = False  # came from a word mixing letters and digits ("ls1", "221b")
    tail: str = ""  # punctuation the word ends with ("," "?"), on the word's last token


@dataclass
class _Run:
    digits: str
    words: list[int]  # word of each digit
    t0: int  # first token
    t1: int  # last token (inclusive)
    seps: list[str] = field(default_factory=list)  # separators seen inside (-, /, .)
    groups: list[int] = field(default_factory=list)  # digit counts between separators / words
    spoken: bool = False
    oh_only: bool = True

    @property
    def n(self) -> int:
        return len(self.digits)

    @property
    def w0(self) -> int:
        return self.words[0]

    @property
    def w1(self) -> int:
        return self.words[-1]


def luhn_ok(digits: str) -> bool:
    """The Luhn check every payment card number passes."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


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


def _iban_ok(code: str) -> bool:
    moved = code[4:] + code[:4]
    try:
        return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1
    except ValueError:
        return False


# ---------------------------------------------------------------- tokenising
def _norm_word(text: str) -> str:
    return text.strip().strip(_EDGE).lower().replace("'", "").replace("’", "")


def _context_word(text: str) -> str:
    """A word as the context patterns see it: "CVV's" -> "cvv", "three-digit" -> "three digit"."""
    word = re.sub(r"['’]s$", "", text.strip().strip(_EDGE).lower())
    return word.replace("'", "").replace("’", "").replace("-", " ")


def _tokenise(words: list[str]) -> list[_Tok]:
    toks: list[_Tok] = []
    for i, raw in enumerate(words):
        core = raw.strip().strip(_EDGE).replace("'", "").replace("’", "")
        if not core:
            continue
        upper = core.isupper() and len(core) <= 8
        mixed = bool(re.search(r"[A-Za-z]", core)) and bool(re.search(r"\d", core))
        found = _TOKEN.findall(core.lower())
        for piece in found:
            toks.append(_Tok(piece, i, upper, mixed))
        if found:  # a word of symbols alone ("—") has no token to carry its punctuation
            toks[-1].tail = raw.strip()[len(raw.strip().rstrip(_EDGE)):]
    return toks


def _digit_of(tok: str) -> str | None:
    if tok in UNITS:
        return str(UNITS[tok])
    if tok.isdigit() and len(tok) == 1:
        return tok
    return None


def _number_at(toks: list[_Tok], i: int) -> tuple[str, int, bool] | None:
    """Digits said at token i: (digits, tokens consumed, spoken)."""
    t = toks[i].text
    nxt = toks[i + 1].text if i + 1 < len(toks) else ""
    if t.isdigit():
        return t, 1, False
    if t in ("double", "triple"):
        skip = 2 if nxt in FILLERS and i + 2 < len(toks) else 1  # "double, erm, three"
        d = _digit_of(toks[i + skip].text) if i + skip < len(toks) else None
        if d is not None:
            return d * (2 if t == "double" else 3), skip + 1, True
    if t in UNITS:
        if t not in ("oh", "o", "nil") and nxt in ("hundred", "thousand"):
            return _big_number(toks, i)
        return str(UNITS[t]), 1, True
    if t in TEENS:
        if nxt == "hundred":
            return _big_number(toks, i)
        return str(TEENS[t]), 1, True
    if t in TENS:
        nxt2 = toks[i + 2].text if i + 2 < len(toks) else ""
        if nxt == "-" and nxt2 in UNITS and nxt2 not in ("oh", "o", "zero", "nought", "nil"):
            return f"{TENS[t]}{UNITS[nxt2]}", 3, True
        if nxt in UNITS and nxt not in ("oh", "o", "zero", "nought", "nil", "naught"):
            return f"{TENS[t]}{UNITS[nxt]}", 2, True
        return f"{TENS[t]}0", 1, True
    return None


def _below_hundred(toks: list[_Tok], i: int) -> tuple[int, int] | None:
    if i >= len(toks):
        return None
    t = toks[i].text
    if t in TENS:
        r = _number_at(toks, i)
        return int(r[0]), r[1]
    if t in TEENS:
        return TEENS[t], 1
    if t in UNITS and t not in ("oh", "o", "nil"):
        return UNITS[t], 1
    return None


def _big_number(toks: list[_Tok], i: int) -> tuple[str, int, bool]:
    """'four hundred and twenty', 'two thousand and five', 'nineteen hundred'."""
    t = toks[i].text
    head = UNITS.get(t, TEENS.get(t, 0))
    j = i + 1
    if toks[j].text == "thousand":
        value, j = head * 1000, j + 1
        if j < len(toks) and toks[j].text == "and":
            j += 1
        if j + 1 < len(toks) and toks[j].text in UNITS and toks[j + 1].text == "hundred":
            value += UNITS[toks[j].text] * 100
            j += 2
            if j < len(toks) and toks[j].text == "and":
                j += 1
        rest = _below_hundred(toks, j)
        if rest:
            value += rest[0]
            j += rest[1]
        elif toks[j - 1].text == "and":
            j -= 1
        return f"{value:04d}", j - i, True
    value, j = head * 100, j + 1  # hundred
    if j < len(toks) and toks[j].text == "and":
        rest = _below_hundred(toks, j + 1)
        if rest:
            return str(value + rest[0]), j + 1 + rest[1] - i, True
        return str(value), j - i, True
    rest = _below_hundred(toks, j)
    if rest:
        return str(value + rest[0]), j + rest[1] - i, True
    return str(value), j - i, True


PRONOUN_DETERMINERS = {"a", "the", "this", "that", "which", "another", "my", "your", "our", "their", "his",
                       "her", "each", "every", "any"}
NOT_ADJECTIVE = {"is", "was", "number", "no", "code", "digits", "and", "with", "in", "starts", "ends", "ending"}


def _pronoun_one(toks: list[_Tok], i: int) -> bool:
    """'one' standing for a thing, not the digit: 'the one', 'a long one', 'the sixteen-digit one'."""
    if not toks[i].tail and i + 2 < len(toks) and all(_digit_of(toks[j].text) for j in (i + 1, i + 2)) and \
            toks[i + 1].text.isalpha() and toks[i].w + 1 == toks[i + 1].w:
        return False  # "...the back one eight eight": a digit that starts a number said on
    k = i - 1
    while k >= 0 and i - k <= 4 and toks[k].w >= toks[i].w - 3:
        t = toks[k].text
        if toks[k].tail.strip("-'’"):  # "the card, one four...": a pause before it
            return False
        if t in PRONOUN_DETERMINERS:
            return True
        if t in UNITS or t in NOT_ADJECTIVE or t in FILLERS or not (t.isalpha() or t == "-"):
            return False
        k -= 1
    return False


def _group_size(toks: list[_Tok], i: int) -> bool:
    """After 'first/next/last', is the number at token i the size of the group asked for ("next four",
    "the last four? 5089") rather than the group's first digit ("next... four oh four seven")?"""
    if "?" in toks[i].tail or "," in toks[i].tail:
        return True
    size = int(_number_at(toks, i)[0])
    return _digits_after(toks, i + 1) in (0, size)  # the size said, then that many digits (or none): a group asked for


def _cvv_two(toks: list[_Tok], i: int) -> bool:
    """Is token i the "two" of a spelled-out CVV2/CVC2 ("c v v two, three four one")?"""
    return toks[i].text in ("two", "2") and "".join(x.text for x in toks[max(i - 3, 0):i]).endswith(("cvv", "cvc", "cv")) \
        and bool(toks[i].tail.strip() or _digits_after(toks, i + 1) in (3, 4))


def _digits_after(toks: list[_Tok], j: int) -> int:
    """How many digits are said from token j on, without a break."""
    n = 0
    while j < len(toks) and (got := _number_at(toks, j)) is not None and n <= 20:
        n += len(got[0])
        j += got[1]
    return n


def _runs(toks: list[_Tok]) -> list[_Run]:
    runs: list[_Run] = []
    cur: _Run | None = None
    i = 0
    while i < len(toks):
        got = _number_at(toks, i)
        t = toks[i].text
        if got is None and cur is not None and i + 1 < len(toks):
            after = _number_at(toks, i + 1)
            if after is not None:
                if t in HOMOPHONES and cur.digits and not cur.oh_only:
                    got = (HOMOPHONES[t], 1, True)
                elif t in FILLERS or t in ("-", "slash", "dash", "hyphen") or \
                        (t in ("/", ".") and toks[i].w == toks[i + 1].w == toks[i - 1].w) or \
                        (t == "/" and toks[i - 1].w < toks[i].w < toks[i + 1].w):  # "02 / 29"
                    if t in ("-", "/", ".", "slash", "dash", "hyphen"):
                        cur.seps.append({"slash": "/", "dash": "-", "hyphen": "-"}.get(t, t))
                        cur.groups.append(0)
                    i += 1
                    continue
        if got is None:
            if cur is not None:
                runs.append(cur)
                cur = None
            i += 1
            continue
        digits, used, spoken = got
        if cur is not None and "?" in toks[cur.t1].tail:
            runs.append(cur)  # "...the sixteen-digit one? 4635 1307...": a question ends what was said
            cur = None
        group_size = i > 0 and toks[i - 1].text in GROUP_WORDS and not toks[i - 1].tail and used == 1 and \
            len(digits) == 1 and _group_size(toks, i)
        if t == "one" and _pronoun_one(toks, i) or group_size or _cvv_two(toks, i):
            # not a digit of a value, and it ends what was said before it: "the first four", "next four?" (the size
            # of the group asked for), "c v v two" (the 2 of a spelled CVV2 is part of its name)
            if cur is not None:
                runs.append(cur)
                cur = None
            i += 1
            continue
        if cur is not None and toks[i].w != toks[cur.t1].w and (toks[i].mixed or toks[cur.t1].mixed):
            runs.append(cur)  # "CV2? four, eight, zero": the 2 is part of a name, not of the number after it
            cur = None
        if cur is None:
            cur = _Run("", [], i, i, groups=[0])
        elif toks[i].w != toks[cur.t1].w and not spoken and not cur.spoken:
            cur.groups.append(0)  # a new written group ("4532 0151")
        last = i + used - 1
        cur.digits += digits
        cur.words += [toks[i].w] * (len(digits) - 1) + [toks[last].w]
        cur.groups[-1] += len(digits)
        cur.t1 = last
        cur.spoken = cur.spoken or spoken
        if t not in ("oh", "o"):
            cur.oh_only = False
        i += used
    if cur is not None:
        runs.append(cur)
    # an "oh" said alone is an interjection, not a zero; a number that counts ("the sixteen digits",
    # "16-digit") is not a value
    def counts(r: _Run) -> bool:
        k = r.t1 + 1 + (r.t1 + 1 < len(toks) and toks[r.t1 + 1].text == "-")
        if r.t0 == r.t1 and r.n <= 2 and r.t0 > 0 and toks[r.t0 - 1].text in GROUP_WORDS:
            return True  # "first four?", "and the last four": the size of a group asked for
        if r.t0 == r.t1 and r.n <= 2 and k + 1 < len(toks) and toks[k].text == "of" and \
                toks[k + 1].text in ("them", "those", "these", "us", "em"):
            return True  # "nineteen of them"
        return r.t0 == r.t1 and r.n <= 2 and k < len(toks) and toks[k].text in COUNT_NOUNS
    return [r for r in runs if not (r.oh_only and r.n <= 2) and not counts(r)]


def _written_date(run: _Run) -> bool:
    """Three groups joined by one kind of separator: 12/03/1985, 4.7.80, 1985-03-12."""
    return len([g for g in run.groups if g]) == 3 and len(set(run.seps)) == 1 and run.seps[0] in "/.-"


# ---------------------------------------------------------------- context
class _Context:
    def __init__(self, words: list[str], locales: list = ()):
        self.at: list[set[str]] = [set() for _ in words]
        text, owner = "", []  # owner: the word each character of text came from
        for w, word in enumerate(words):
            word = _context_word(word) + " "
            text += word
            owner += [w] * len(word)
        for topic, rx in _TOPIC_RE + [rx for locale in locales for rx in _locale_topics(locale.code)]:
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
            for topic, pattern in redact_locales.LOCALES[code].topics]


def _wins(ctx: dict[str, int], topic: str | tuple, rivals: tuple, within: int = 99) -> bool:
    topics = (topic,) if isinstance(topic, str) else topic
    best = min((ctx[t] for t in topics if t in ctx), default=None)
    if best is None or best > within:
        return False
    return all(ctx.get(r, 999) > best for r in rivals)


# ---------------------------------------------------------------- parsers
def _year_at(toks: list[_Tok], k: int) -> int | None:
    """Last token of a year said from token k ("ninety seven", "nineteen eighty four", "2001", "'97"), or None."""
    digits, j, end = "", k, None
    while j < len(toks) and len(digits) < 4:
        got = _number_at(toks, j)
        if got is None or len(digits) + len(got[0]) > 4:
            break
        digits += got[0]
        j += got[1]
        if len(digits) in (2, 4):
            end = j - 1
    return end


def _date_digits(digits: str) -> bool:
    """Can digits said without separators be a day, a month and a year in some order ("nine three seventy")?"""
    for a in (1, 2):
        for b in (1, 2):
            first, second, year = digits[:a], digits[a:a + b], digits[a + b:]
            if len(year) in (2, 4) and second and (1 <= int(first) <= 31 and 1 <= int(second) <= 12 or
                                                   1 <= int(first) <= 12 and 1 <= int(second) <= 31):
                return True
    return False


def _date_at(toks: list[_Tok], i: int, want_day: bool = True) -> tuple[int, bool] | None:
    """(end token inclusive, has a year) of a spoken/written date starting at token i, or None.

    day-month-year ("the fourth of may nineteen eighty", "3rd of March 85", "third of the third"),
    month-day-year ("may the 4th, 1980"), month-year ("april twenty twenty six", when want_day is False).
    """
    n = len(toks)

    def text(k):
        return toks[k].text if k < n else ""

    def day(k):
        t = text(k)
        if t in ORDINALS:
            return k
        if t in DAY_TENS and text(k + 1) in ORDINALS:  # "twenty first"; "eighty, fourth" is a year and a day
            return k + 1
        if t in DAY_TENS and text(k + 1) == "-" and text(k + 2) in ORDINALS:
            return k + 2
        if t.isdigit() and 1 <= int(t) <= 31 and len(t) <= 2:
            return k + 1 if text(k + 1) in ("st", "nd", "rd", "th") else k
        return None

    def month(k):
        if text(k) in MONTHS:
            return k
        if text(k) == "the" and day(k + 1) is not None:  # "third of the third"
            return day(k + 1)
        return None

    k = i + 1 if text(i) == "the" else i
    d = day(k)
    if want_day and d is not None and (text(k) in ORDINALS or text(k) in DAY_TENS or text(d) in ("st", "nd", "rd", "th")
                                       or text(d + 1) == "of" or text(d + 1) in MONTHS):
        j = d + 1
        if text(j) == "of":
            j += 1
        m = month(j)
        if m is not None:
            j = m + 1
            if text(j) in (",", "of", "in"):
                j += 1
            y = _year_at(toks, j)
            return (y, True) if y is not None else (m, False)
    m = month(k) if text(k) in MONTHS else None
    if m is not None:
        j = m + 1
        if text(j) == "the":
            j += 1
        d = day(j)
        if want_day and d is not None:
            y = _year_at(toks, d + 1)
            return (y, True) if y is not None else (d, False)
        if text(j) in ("of", "in"):
            j += 1
        y = _year_at(toks, j)
        if y is not None:
            return y, True
    return None


def _dates_of_birth(toks: list[_Tok], ctx: _Context) -> list[set[int]]:
    """Words of each date of birth said in words or as a written date (digit runs are judged with the other runs).

    A date is one of birth where a date-of-birth cue ("date of birth", "DOB", "born", "birthday") was said just
    before it (the question the date answers) or in its sentence, and no other event's word ("renewal",
    "appointment", "arrive"), price or order was named nearer. Whatever its form: "the 26th of February 1997",
    "twenty sixth of the second ninety seven", "the second, um, of may", "The 16th of February. 1995." over a
    sentence break; a year said on its own after the cue ("born in '97") or after the date ("the fifth of
    november / and the year? / eighty two"). One cue asks for one date: a date said well after a full date of
    birth ("...sixty one. Lovely, and the renewal is on the 1st of March") needs a cue of its own.
    """
    dtoks = [t for t in toks if t.text not in FILLERS]  # "the second, um, of may": hesitation inside a date
    found: list[set[int]] = []
    last_full = -1  # last word of the last date of birth said with its year

    def cue_before(w: int) -> int:
        return next((v for v in range(w - 1, max(w - DOB_WITHIN, 0) - 1, -1) if "dob" in ctx.at[v]), -1)

    def is_dob(a: int, b: int) -> bool:
        w0, w1 = dtoks[a].w, dtoks[b].w
        if not _wins(ctx.near(w0, w1, back=DOB_WITHIN, ahead=4), "dob", DOB_RIVALS, within=DOB_WITHIN):
            return False
        return not (last_full >= 0 and cue_before(w0) < last_full and w0 - last_full > DOB_REPEAT_GAP)

    def year_after(j: int, lead: int, any_words: bool = False) -> tuple[int, int] | None:
        """(first, last token) of a year said on its own within `lead` words after token j, with only YEAR_LEAD
        words between (any words but numbers within the sentence if any_words), or None."""
        k = j + 1
        while k < len(dtoks) and dtoks[k].w - dtoks[j].w <= lead and _number_at(dtoks, k) is None and \
                (dtoks[k].text in YEAR_LEAD or any_words and dtoks[k].text not in MONTHS | ORDINALS.keys()):
            k += 1
        if any_words and any(re.search(r"[.?!]", dtoks[x].tail) for x in range(j, k)):
            return None  # "i was born. 1990 was a good year": the sentence ended
        if k >= len(dtoks) or dtoks[k].w - dtoks[j].w > lead + 1 or _date_at(dtoks, k) is not None:
            return None
        end = _year_at(dtoks, k)
        if end is None:
            return None
        digits, x = "", k
        while x <= end:
            got = _number_at(dtoks, x)
            digits, x = digits + got[0], x + got[1]
        after = dtoks[end + 1] if end + 1 < len(dtoks) else None
        if len(digits) == 4 and digits[:2] not in ("19", "20") or after is not None and (
                after.text in COUNT_NOUNS | {"/", ".", "-", "st", "nd", "rd", "th"} or
                _number_at(dtoks, end + 1) is not None or "time" in ctx.at[after.w]):
            return None  # part of a longer number or a written date; "born twenty minutes apart"
        return k, end

    i = 0
    while i < len(dtoks):
        t = dtoks[i].text
        got = None
        if t in MONTHS or t in ORDINALS or t in TENS or t.isdigit() or \
                t == "the" and i + 1 < len(dtoks) and (dtoks[i + 1].text in ORDINALS or dtoks[i + 1].text in TENS
                                                       or dtoks[i + 1].text.isdigit()):
            got = _date_at(dtoks, i) or (_date_at(dtoks, i, want_day=False) if t in MONTHS else None)
        start = i + 1 if t == "the" else i
        if got is not None and got[0] > i and is_dob(start, got[0]):
            end, has_year = got
            words = set(range(dtoks[start].w, dtoks[end].w + 1))
            if not has_year and (y := year_after(end, lead=6)) is not None:  # the words between are not masked
                words |= set(range(dtoks[y[0]].w, dtoks[y[1]].w + 1))
                end, has_year = y[1], True
            found.append(words)
            if has_year:
                last_full = dtoks[end].w
            i = end + 1
            continue
        plural = i > 0 and dtoks[i - 1].text in PLURAL_BORN  # "the kids were born in 2010 and 2013"
        # "born in '97", "born in leeds in 1985", "DOB is 1988"
        if "dob" in ctx.at[dtoks[i].w] and not plural and (y := year_after(i, lead=4, any_words=True)) is not None:
            first, end = y
            if _wins(ctx.near(dtoks[first].w, dtoks[end].w, back=5, ahead=0), "dob", DOB_RIVALS + ("time",)):
                found.append(set(range(dtoks[first].w, dtoks[end].w + 1)))
                last_full = dtoks[end].w
                i = end + 1
                continue
        i += 1
    return found


def _alnum_chars(toks: list[_Tok], i: int) -> tuple[str, int, bool] | None:
    """(chars, tokens used, written) for postcode/NI/IBAN matching at token i."""
    t = toks[i]
    if t.text == "double" and i + 1 < len(toks) and toks[i + 1].text in ("you", "u"):
        return "W", 2, False  # "double you" is the letter W, not "UU"
    if t.text == "double" and i + 1 < len(toks):
        nxt = _alnum_chars(toks, i + 1)
        if nxt and len(nxt[0]) == 1:
            return nxt[0] * 2, 1 + nxt[1], False
    got = _number_at(toks, i)
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


_POSTCODE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?\d[ABD-HJLNP-UW-Z]{2}")
_NINO = re.compile(r"[A-Z]{2}\d{6}[A-D]")
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z\d]{11,30}")


def _alnum_matches(toks: list[_Tok], i: int, max_tokens: int = 12):
    """Yield (compact string, end token, all written) for growing spans from token i."""
    s, j, written = "", i, True
    while j < len(toks) and j - i < max_tokens:
        got = _alnum_chars(toks, j)
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


def _is_name_word(tok: _Tok) -> bool:
    return tok.text.isalpha() and tok.text not in NOT_NAME and tok.text not in TENS and \
        tok.text not in UNITS and tok.text not in TEENS


def _street_name_end(toks: list[_Tok], j: int, words: list[str], address_asked: bool) -> int | None:
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
                    toks[after + 1].w != toks[after].w:
                after += 1
            return after
        if re.search(r"[,.;:?!]$", words[toks[first + names - 1].w]):
            break
    if names == 0:
        return None
    last = first + names - 1
    if has_the and toks[last].text in STREET_SUFFIXES:  # "14 the crescent": a number, "the" and a street word
        return last
    if not address_asked:
        return None
    proper = all(words[toks[k].w][:1].isupper() for k in range(first, first + names))
    if has_the and names <= 2 or names == 1 and proper:
        return last
    return None


# ---------------------------------------------------------------- detection
@dataclass
class _Hit:
    type: str
    words: set[int]
    rank: int


def _detect(words: list[str], enabled: set[str], locales: tuple[str, ...]) -> list[_Hit]:
    languages = redact_locales.active(locales)
    if languages:  # the words of another language as the English rules read them; masks go on the originals
        words = [redact_locales.normalise_word(w, languages) for w in words]
    norm = [_norm_word(w) for w in words]
    toks = _tokenise(words)
    ctx = _Context(words, languages)
    runs = _runs(toks)
    hits: list[_Hit] = []
    gb, us = "en_GB" in locales, "en_US" in locales
    rank = {t: k for k, t in enumerate(TYPES)}

    def add(kind: str, ws):
        if kind in enabled and ws:
            hits.append(_Hit(kind, set(ws), rank[kind]))

    def span_words(t0: int, t1: int) -> set[int]:
        return {toks[k].w for k in range(t0, t1 + 1)}

    taken: set[int] = set()  # runs consumed by a card chain or a national id
    for a, kind_words in _national_ids(runs, toks, ctx, languages):
        taken.add(a)
        add("national_id", kind_words)

    # -- card numbers: single runs and chains of runs across short gaps / turns
    for a, run in enumerate(runs):
        if a in taken or run.n < 2:
            continue
        c = ctx.near(run.w0, run.w1, back=30, ahead=6)
        # prices and times do not explain a 12+ digit number; an order/reference or a phone does
        card_ctx = _wins(c, "card", ("neg", "phone", "account", "sortcode", "ssn", "ni"), within=30)
        # one random number in ten passes Luhn: an order / tracking / IMEI number named right before it is
        # taken at its word; anywhere else a Luhn-valid number is masked as a card
        named_not_card = _wins(c, "neg", ("card",), within=LUHN_NEG_WITHIN)
        chain, total, prompts = [a], run.n, 0
        for b in range(a + 1, len(runs)):
            prev, nxt = runs[chain[-1]], runs[b]
            gap = nxt.w0 - prev.w1 - 1
            gap_topics = ctx.topics_in(prev.w1 + 1, nxt.w0 - 1) - {"card"}
            gap_words = {norm[w] for w in range(prev.w1 + 1, nxt.w0)}
            backchannel = gap_words <= BACKCHANNEL
            # the agent asking for the next group: "next four?", "and the last four please"
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
        digits = "".join(runs[k].digits for k in chain)
        found = chain if card_ctx and len(digits) >= 12 else None  # in card context: the whole chain
        for k in range(len(chain), 0, -1) if found is None and not named_not_card else ():  # longest card prefix
            d = "".join(runs[x].digits for x in chain[:k])
            if 13 <= len(d) <= 19 and luhn_ok(d) and iin_plausible(d):
                found = chain[:k]
                break
        if found is None and card_ctx and len(digits) >= 12:
            found = chain
        # read group by group, each answering the agent's "next four?" / "last four": only a card is read out
        # like that, even with a digit misheard (Luhn fails) and no card word
        if found is None and not named_not_card and prompts >= 2 and 13 <= len(digits) <= 19 and \
                all(3 <= runs[x].n <= 6 for x in chain):
            found = chain
        # in card context, one unbroken stretch of 8+ digits is the card read in part before a repeat or a
        # pause ("it's 4532 0151, sorry, could you...") unless it is written as a date ("12/03/2024")
        if found is None and card_ctx and len(chain) == 1 and run.n >= CARD_PART_MIN and not _written_date(run):
            found = chain
        if found is None and card_ctx:
            for x in chain:  # one long run holding card + expiry/code said without pause
                d = runs[x].digits
                if len(d) > 19 and any(luhn_ok(d[s:s + L]) for L in (16, 15, 13, 19, 14, 17, 18)
                                       for s in range(0, len(d) - L + 1)):
                    found = [x]
                    break
        if found:
            taken.update(found)
            ws = {w for x in found for w in runs[x].words}
            ws |= {toks[k].w for x in found for k in range(runs[x].t0, runs[x].t1 + 1)}
            # the caller's own hesitation inside the number is masked with it ("four five three two, sorry,
            # oh one..."); a backchannel ("uh-huh", "mhm") is the other speaker's turn and is left alone
            for x, y in zip(found, found[1:]):
                gap = range(runs[x].w1 + 1, runs[y].w0)
                if len(gap) <= 2 and all(norm[w] in FILLERS | {"sorry"} for w in gap):
                    ws.update(gap)
            add("card_number", ws)

    # -- dates of birth said in words (_dates_of_birth), then spoken expiry dates (month name + year) among the rest
    dob_words: set[int] = set()
    for ws in _dates_of_birth(toks, ctx):
        add("date_of_birth", ws)
        dob_words |= ws
    date_ends: dict[int, int] = {}
    for i in range(len(toks)):
        if toks[i].text in MONTHS or toks[i].text in ORDINALS or toks[i].text in ("the",) or \
                toks[i].text.isdigit() or toks[i].text in TENS:
            got = _date_at(toks, i)
            if got is not None and got[0] > i:
                date_ends[i] = got
    covered = -1
    for i, (end, has_year) in sorted(date_ends.items()):
        if i <= covered or toks[i].w in dob_words or toks[end].w in dob_words:
            continue
        w0, w1 = toks[i].w, toks[end].w
        c = ctx.near(w0, w1, back=25, ahead=4)
        if toks[i].text == "the" and not (toks[i + 1].text in ORDINALS or toks[i + 1].text in TENS or
                                          toks[i + 1].text.isdigit()):
            continue
        start = i + 1 if toks[i].text == "the" else i
        # a card expires in a month of a year: "the card arrived on the 5th of June" is no expiry date
        if has_year and _wins(c, ("expiry", "card"), ("price", "neg", "dob", "time"), within=25):
            add("expiry_date", span_words(start, end))
            covered = end
    for i in range(len(toks)):  # "expires april twenty six"
        if toks[i].text in MONTHS and toks[i].text != "may" or (toks[i].text == "may" and i > 0 and
                                                                  toks[i - 1].text in ("in", "of", "is", "until", "till")):
            got = _date_at(toks, i, want_day=False)
            if got is not None and toks[i].w not in dob_words:
                end = got[0]
                c = ctx.near(toks[i].w, toks[end].w, back=15)
                if _wins(c, "expiry", ("price", "neg", "dob", "time")):
                    add("expiry_date", span_words(i, end))

    # -- a security code said in parts over the other speaker's backchannel ("nine three" / "yeah" / "one")
    for a, run in enumerate(runs):
        if a in taken or run.n > 2:
            continue
        chain, total = [a], run.n
        for b in range(a + 1, len(runs)):
            prev, nxt = runs[chain[-1]], runs[b]
            gap_words = {norm[w] for w in range(prev.w1 + 1, nxt.w0)}
            if b in taken or not gap_words or not gap_words <= BACKCHANNEL or nxt.w0 - prev.w1 - 1 > 3 or \
                    total + nxt.n > 4:
                break
            chain.append(b)
            total += nxt.n
        if len(chain) < 2 or total < 3:
            continue
        c = ctx.near(run.w0, runs[chain[-1]].w1, back=15, ahead=4)
        if _wins(c, "security", ("neg", "price", "time", "expiry", "dob", "phone", "account", "sortcode"), within=15):
            taken.update(chain)
            add("security_code", {w for x in chain for w in runs[x].words} |
                {toks[k].w for x in chain for k in range(runs[x].t0, runs[x].t1 + 1)})

    # -- digit runs by length, format and context
    for a, run in enumerate(runs):
        if a in taken:
            continue
        d, n = run.digits, run.n
        ws = set(run.words) | span_words(run.t0, run.t1)
        c = ctx.near(run.w0, run.w1, back=20, ahead=4)
        groups = [g for g in run.groups if g]
        slashed = "/" in run.seps or "." in run.seps
        NEG = ("neg", "price", "time") if n <= 5 else ("neg",)  # a time or price is never 6+ digits
        # security code
        if n in (3, 4) and _wins(c, "security", NEG + ("expiry", "dob", "phone", "account", "sortcode"), within=15):
            add("security_code", ws)
            continue
        # expiry date MMYY / MYY / MMYYYY
        if n in (3, 4, 6) and _wins(c, ("expiry",), NEG + ("security", "dob", "phone", "account"), within=15) \
                or (slashed and n == 4 and _wins(c, "card", NEG + ("dob",), within=30)):
            mm = int(d[:2]) if n in (4, 6) else int(d[0])
            if 1 <= mm <= 12:
                add("expiry_date", ws)
                continue
        # date of birth as digits: 12/03/1985, 4/7/80, 120385, one two oh three eight five
        # and, just after the question, four spoken digits that make a date: "date of birth? nine, three, seventy"
        dob_rivals = NEG + ("expiry", "phone", "account", "event")
        if (n in (5, 6, 7, 8) or _written_date(run) and n == 4) and _wins(c, "dob", dob_rivals, within=25) or \
                n == 4 and run.spoken and _date_digits(d) and _wins(c, "dob", dob_rivals, within=8):
            add("date_of_birth", ws)
            continue
        # national ids
        if us and n == 9 and (_wins(c, "ssn", NEG + ("phone", "account", "card"), within=20) or
                              (groups == [3, 2, 4] and "-" in run.seps and not _wins(c, "neg", ("ssn",)))):
            add("national_id", ws)
            continue
        # bank account, sort code, routing number
        if gb and n == 6 and _wins(c, "sortcode", NEG + ("phone", "dob"), within=20):
            add("bank_account", ws)
            continue
        if 6 <= n <= 17 and _wins(c, ("account", "sortcode"), ("neg", "phone", "card", "dob"),
                                  within=20):
            add("bank_account", ws)
            continue
        # zip code
        if us and n in (5, 9) and _wins(c, "postcode", NEG + ("phone",), within=12):
            add("postcode", ws)
            continue
        # phone numbers
        plus = run.t0 > 0 and toks[run.t0 - 1].text in ("+", "plus")
        if plus:
            ws.add(toks[run.t0 - 1].w)
        if 7 <= n <= 13 and _wins(c, "phone", NEG + ("card", "account", "sortcode", "dob",
                                                "ssn", "expiry"), within=20):
            add("phone_number", ws)
            continue
        if not _wins(c, NEG, ("phone",), within=20):
            # a UK non-geographic number (0800, 0345...) is a company's line, not a person's
            if (gb and n in (10, 11) and d[0] == "0" and d[:2] not in ("03", "08")) or (plus and 10 <= n <= 13) or \
                    (us and n == 10 and groups == [3, 3, 4] and not run.spoken and d[0] in "23456789") or \
                    (us and n == 11 and d[0] == "1" and groups == [1, 3, 3, 4]):
                add("phone_number", ws)
                continue

    # -- e-mail: written, or spoken "john dot smith at gmail dot com"
    for w, word in enumerate(words):
        if _EMAIL_WORD.match(word.strip().strip(_EDGE)):
            add("email", {w})
    for i, t in enumerate(toks):
        if t.text not in ("at", "@") or (t.text == "@" and len({toks[i - 1].w, t.w}) == 1 and i > 0
                                         and _EMAIL_WORD.match(words[t.w].strip().strip(_EDGE))):
            continue
        j, parts, end = i + 1, 0, None
        while j < len(toks) and toks[j].text.isalnum() and toks[j].text not in EMAIL_STOP | {"dot"}:
            parts += 1
            j += 1
            if j < len(toks) and toks[j].text in ("dot", ".") and j + 1 < len(toks) and toks[j + 1].text in TLDS:
                j += 1
                while j < len(toks) and toks[j].text in TLDS:
                    end = j
                    if j + 1 < len(toks) and toks[j + 1].text in ("dot", ".") and j + 2 < len(toks) and \
                            toks[j + 2].text in TLDS:
                        j += 2
                    else:
                        break
                break
            if j < len(toks) and toks[j].text in ("dot", ".", "-", "dash", "hyphen"):
                j += 1
                continue
            if parts >= 3:
                break
        if end is None:
            continue
        k, local = i - 1, 0
        while k >= 0 and local < 6:
            tt = toks[k].text
            if set(toks[k].tail) & {"?", "!"}:  # "what email should we use? accounts at...": the question ends
                break
            if tt in ("dot", ".", "underscore", "_", "dash", "hyphen", "-"):
                k -= 1
                continue
            # "my email's kate at...": the cue word said with a possessive or "is" glued on is still the cue
            if not tt.isalnum() or tt in EMAIL_STOP or _context_word(words[toks[k].w]) in EMAIL_STOP or \
                    tt in HOMOPHONES and local:
                break
            local += 1
            k -= 1
        if local:
            add("email", span_words(k + 1, end))

    # -- postcodes, NI numbers, IBANs over letters and digits
    for i in range(len(toks)):
        c = None
        best: dict[str, tuple[int, bool]] = {}
        for s, end, written in _alnum_matches(toks, i):
            if gb and _POSTCODE.fullmatch(s):
                best["postcode"] = (end, written)
            if gb and _NINO.fullmatch(s):
                best["national_id"] = (end, written)
            if _IBAN.fullmatch(s) and _iban_ok(s):
                best["bank_account"] = (end, written)
        for kind, (end, written) in best.items():
            if kind == "postcode" and toks[end].text in ("st", "nd", "rd", "th") and not toks[end].upper and \
                    not _wins(ctx.near(toks[i].w, toks[end].w, back=15), ("postcode", "address"), ("neg",)):
                continue
            c = ctx.near(toks[i].w, toks[end].w, back=15, ahead=3)
            if kind == "postcode":
                ok = (written and not _wins(c, ("neg",), ("postcode", "address"))) or \
                     _wins(c, ("postcode", "address"), ("neg", "price", "phone", "card"), within=15)
            elif kind == "national_id":
                ok = written or _wins(c, "ni", ("neg",), within=15)
            else:
                ok = True
            if ok:
                add(kind, span_words(i, end))

    # -- street addresses: house number (+ letter) + name words + street suffix
    for i in range(len(toks)):
        got = _number_at(toks, i)
        if got is None or toks[i].text in ("oh", "o") or len(got[0]) > 4 or got[0].startswith("0"):
            continue
        if i > 0 and _number_at(toks, i - 1) is not None and \
                not (i > 1 and toks[i - 2].text in ("flat", "apartment", "apt", "unit", "suite")):
            continue
        if i > 0 and toks[i - 1].text in ("a", "an"):  # "a 2 way street", "a 3 bed house": a quantity
            continue
        j, house = i + got[1], got[0]
        while j < len(toks) and (more := _number_at(toks, j)) is not None and len(house + more[0]) <= 4:
            house, j = house + more[0], j + more[1]  # "two nine three park view"
        if j < len(toks) and len(toks[j].text) == 1 and toks[j].text.isalpha() and toks[j].w == toks[i].w:
            j += 1  # 221b
        address_asked = _wins(ctx.near(toks[i].w, toks[i].w, back=15), "address", ("neg", "price", "time"))
        j = _street_name_end(toks, j, words, address_asked)
        if j is None:
            continue
        # a street word that is also a common noun, used as a noun's modifier: "3 new park benches",
        # "the 2 green bins outside" ("279 baker street manchester" is an address)
        if not address_asked and toks[j].text not in STREET_ONLY and j + 1 < len(toks) and \
                toks[j + 1].w == toks[j].w + 1 and not re.search(r"[,.;:?!]$", words[toks[j].w]):
            follow = words[toks[j + 1].w]
            if toks[j + 1].text.isalpha() and follow[:1].islower() and toks[j + 1].text not in NOT_NAME | FILLERS | \
                    STREET_SUFFIXES | {"postcode", "post", "zip", "flat", "please"}:
                continue
        start = i
        k = i - 1
        while k >= 0 and toks[k].text in (",",):
            k -= 1
        if k >= 1 and toks[k - 1].text in ("flat", "apartment", "apt", "unit", "suite", "number") and \
                _number_at(toks, k) is not None:
            start = k - 1
        elif k >= 0 and toks[k].text in ("number", "no"):
            start = k
        add("street_address", span_words(start, j))

    # -- a house named, not numbered ("Rose Cottage", "the Old Rectory"), where an address is asked for or given:
    # one or two capitalised name words and a capitalised kind of house
    for i, t in enumerate(toks):
        if t.text not in HOUSE_NOUNS or not words[t.w][:1].isupper() or i == 0:
            continue
        k = i
        while k > 0 and i - k < 2 and toks[k - 1].w == toks[k].w - 1 and _is_name_word(toks[k - 1]) and \
                words[toks[k - 1].w][:1].isupper() and not re.search(r"[,.;:?!]$", words[toks[k - 1].w]):
            k -= 1
        if k == i:
            continue
        if _wins(ctx.near(toks[k].w, t.w, back=15, ahead=4), "address", ("neg", "price", "time"), within=15):
            add("street_address", span_words(k, i))

    return hits


def _national_ids(runs: list[_Run], toks: list[_Tok], ctx: _Context, languages: list) -> list[tuple[int, set[int]]]:
    """(run, words) of each national identifier of the call's country (redact_locales.NationalId) of the
    right length: where the id is named (even with a digit misheard, as a card in card context), or valid by
    the id's own rules where that says enough; never a number something else was named for ("kad" alone is
    a card; "kad pengenalan", the identity card, names both and is the id). Decided before cards, which
    would otherwise take a 12-19 digit id said after "identity card"."""
    found = []
    for a, run in enumerate(runs):
        for nid in (nid for locale in languages for nid in locale.ids):
            digits, last = run.digits, run.t1
            if nid.check_letter and run.n == nid.length - 1 and last + 1 < len(toks) and \
                    toks[last + 1].text == nid.check_letter:
                digits, last = digits + nid.check_letter.upper(), last + 1  # 11010519491231002X
            c = ctx.near(run.w0, toks[last].w, back=20, ahead=4)
            if len(digits) != nid.length or _wins(c, ("card", "phone", "account", "neg"), ("national",), within=20):
                continue
            written = len(nid.written_groups) > 1 and [g for g in run.groups if g] == list(nid.written_groups)
            if not _wins(c, "national", (), within=20) and not (nid.valid(digits) and (written or not nid.needs_cue)):
                continue
            found.append((a, set(run.words) | {toks[k].w for k in range(run.t0, last + 1)}))
            break
    return found


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
    hits = _detect(texts, set(config.types), tuple(config.locales))
    owner: dict[int, str] = {}
    redactions: list[Redaction] = []
    for hit in sorted(hits, key=lambda h: (h.rank, min(h.words))):
        fresh = sorted(w for w in hit.words if w not in owner and 0 <= w < len(words))
        if not fresh:
            continue
        for w in fresh:
            owner[w] = hit.type
        # one redaction per contiguous stretch
        stretch = [fresh[0]]
        for w in fresh[1:] + [None]:
            if w is not None and w == stretch[-1] + 1:
                stretch.append(w)
                continue
            redactions.append(Redaction(hit.type, words[stretch[0]][0], words[stretch[-1]][1], len(stretch)))
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
    pieces = redact_locales.pieces(text, redact_locales.active(tuple(config.locales)))
    idx = [k for k, p in enumerate(pieces) if p and not p.isspace()]
    masked, found = redact_words([(0.0, 0.0, pieces[k]) for k in idx], config)
    for k, new in zip(idx, masked):
        pieces[k] = new
    # one mask per entity in free text: "[CARD_NUMBER], [CARD_NUMBER]" -> "[CARD_NUMBER]" (unspaced in Chinese)
    masks = "|".join(re.escape(config.mask(k)) for k in TYPES)
    joined = re.sub(rf"({masks})(?:[,;:]?\s*\1)+", r"\1", "".join(pieces)) if found else "".join(pieces)
    return joined, list(dict.fromkeys(r.type for r in found))


# ---------------------------------------------------------------- evaluation (bench and tests)
def evaluate(items: list[dict], config: RedactionConfig | None = None) -> dict:
    """Score redaction on a labelled set.

    items: {"id", "call", "turn", "text", "entities": [{"type", "start_word", "end_word"}]}; the turns
    of one call are redacted as one word stream in turn order (so a card number read over two turns
    is seen whole). An entity is caught when all of its words are masked (whatever type was given).
    Look-alike utterances are those with no entities. Returns per-type rows and overall rates (word_precision:
    the share of masked words that are inside an entity).
    """
    config = config or RedactionConfig()
    calls: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        calls[item.get("call") or item["id"]].append(item)
    per_type: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # entities, caught, type right
    lookalike_utts = lookalike_hit = 0
    other_words = other_masked = entity_masked = 0
    misses, false_hits = [], []
    for call_items in calls.values():
        call_items.sort(key=lambda x: x.get("turn", 0))
        stream, spans = [], []
        for item in call_items:
            ws = item["text"].split()
            spans.append((item, len(stream), len(ws)))
            stream += [(float(len(stream) + k), float(len(stream) + k) + 0.5, w) for k, w in enumerate(ws)]
        masked, redactions = redact_words(stream, config)
        kinds: dict[int, str] = {}
        for r in redactions:
            for w in range(int(r.start), int(r.end) + 1):
                kinds[w] = r.type
        for item, base, count in spans:
            entity_words: set[int] = set()
            for ent in item.get("entities", []):
                ws = range(base + ent["start_word"], base + ent["end_word"] + 1)
                entity_words.update(ws)
                row = per_type[ent["type"]]
                row[0] += 1
                if all(masked[w] != stream[w][2] for w in ws):
                    row[1] += 1
                    row[2] += all(kinds.get(w) == ent["type"] for w in ws)
                else:
                    misses.append((item["id"], ent["type"], " ".join(masked[base:base + count])))
            hit_any = False
            for w in range(base, base + count):
                if w in entity_words:
                    entity_masked += masked[w] != stream[w][2]
                    continue
                other_words += 1
                if masked[w] != stream[w][2]:
                    other_masked += 1
                    hit_any = True
            if not item.get("entities"):
                lookalike_utts += 1
                lookalike_hit += any(masked[w] != stream[w][2] for w in range(base, base + count))
            if hit_any:
                false_hits.append((item["id"], " ".join(masked[base:base + count])))
    rows = []
    for kind in TYPES:
        if kind in per_type:
            n, caught, right = per_type[kind]
            rows.append({"type": kind, "entities": n, "caught": caught, "recall": caught / n,
                         "type_ok": right / max(caught, 1)})
    n_all = sum(r["entities"] for r in rows)
    rows.append({"type": "ALL", "entities": n_all, "caught": sum(r["caught"] for r in rows),
                 "recall": sum(r["caught"] for r in rows) / max(n_all, 1),
                 "type_ok": sum(per_type[k][2] for k in per_type) / max(sum(r["caught"] for r in rows), 1)})
    return {"rows": rows, "lookalikes": lookalike_utts,
            "lookalike_false_rate": lookalike_hit / max(lookalike_utts, 1),
            "word_false_rate": other_masked / max(other_words, 1),
            "word_precision": entity_masked / max(entity_masked + other_masked, 1),
            "misses": misses, "false_hits": false_hits}
