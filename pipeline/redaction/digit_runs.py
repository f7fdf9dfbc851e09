"""Digit runs: the maximal stretches of digits said or written in a call, each digit knowing its word.

A number read out on a call is broken by what is not part of it ("four five, erm, three two", "4532-0151",
"02 / 29") and joined with what is ("for" between digits is a misheard 4); it is ended by a question, by a
number that counts ("the sixteen digits", "first four?") or by one that names a thing ("the one", "CVV2").
Recognisers judge a run by its length, its groups and the context around it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from callscore.pipeline.redaction.spoken_numbers import FILLERS, HOMOPHONES, UNITS, digit_of, digits_after, number_at
from callscore.pipeline.redaction.tokens import Token

# a number right before one of these counts something ("the sixteen digits", "a 3-digit code"): not a value
COUNT_NOUNS = {"digit", "digits", "figure", "figures", "numbers", "characters", "letters"}
# a small number right after one of these names a group of digits, not a value ("first four?", "the next four")
GROUP_WORDS = {"first", "next", "last", "final", "other", "remaining", "middle", "another"}
# what the other speaker says between two parts of a number read out, or the reader's own hesitation
BACKCHANNEL = FILLERS | {"yes", "yeah", "yep", "yup", "okay", "ok", "mhm", "uh-huh", "uhhuh", "mm-hmm", "mmhmm",
                         "aha", "right", "alright", "got", "it", "then", "and", "sorry", "go", "on", "great",
                         "thanks", "thank", "you", "lovely", "perfect", "next", "carry", "continue", "keep",
                         "going", "cool", "fine", "good", "sure", "ta", "cheers", ""}
PRONOUN_DETERMINERS = {"a", "the", "this", "that", "which", "another", "my", "your", "our", "their", "his",
                       "her", "each", "every", "any"}
NOT_ADJECTIVE = {"is", "was", "number", "no", "code", "digits", "and", "with", "in", "starts", "ends", "ending"}


@dataclass
class Run:
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


def _pronoun_one(toks: list[Token], i: int) -> bool:
    """'one' standing for a thing, not the digit: 'the one', 'a long one', 'the sixteen-digit one'."""
    if not toks[i].tail and i + 2 < len(toks) and all(digit_of(toks[j].text) for j in (i + 1, i + 2)) and \
            toks[i + 1].text.isalpha() and toks[i].word + 1 == toks[i + 1].word:
        return False  # "...the back one eight eight": a digit that starts a number said on
    k = i - 1
    while k >= 0 and i - k <= 4 and toks[k].word >= toks[i].word - 3:
        t = toks[k].text
        if toks[k].tail.strip("-'’"):  # "the card, one four...": a pause before it
            return False
        if t in PRONOUN_DETERMINERS:
            return True
        if t in UNITS or t in NOT_ADJECTIVE or t in FILLERS or not (t.isalpha() or t == "-"):
            return False
        k -= 1
    return False


def _group_size(toks: list[Token], i: int) -> bool:
    """After 'first/next/last', is the number at token i the size of the group asked for ("next four",
    "the last four? 5089") rather than the group's first digit ("next... four oh four seven")?"""
    if "?" in toks[i].tail or "," in toks[i].tail:
        return True
    size = int(number_at(toks, i)[0])
    return digits_after(toks, i + 1) in (0, size)  # the size said, then that many digits (or none): a group asked for


def _cvv_two(toks: list[Token], i: int) -> bool:
    """Is token i the "two" of a spelled-out CVV2/CVC2 ("c v v two, three four one")?"""
    spelled_before = "".join(x.text for x in toks[max(i - 3, 0):i])
    return toks[i].text in ("two", "2") and spelled_before.endswith(("cvv", "cvc", "cv")) \
        and bool(toks[i].tail.strip() or digits_after(toks, i + 1) in (3, 4))


def digit_runs(toks: list[Token]) -> list[Run]:
    runs: list[Run] = []
    cur: Run | None = None
    i = 0
    while i < len(toks):
        got = number_at(toks, i)
        t = toks[i].text
        if got is None and cur is not None and i + 1 < len(toks):
            after = number_at(toks, i + 1)
            if after is not None:
                if t in HOMOPHONES and cur.digits and not cur.oh_only:
                    got = (HOMOPHONES[t], 1, True)
                elif t in FILLERS or t in ("-", "slash", "dash", "hyphen") or \
                        (t in ("/", ".") and toks[i].word == toks[i + 1].word == toks[i - 1].word) or \
                        (t == "/" and toks[i - 1].word < toks[i].word < toks[i + 1].word):  # "02 / 29"
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
        if cur is not None and toks[i].word != toks[cur.t1].word and (toks[i].mixed or toks[cur.t1].mixed):
            runs.append(cur)  # "CV2? four, eight, zero": the 2 is part of a name, not of the number after it
            cur = None
        if cur is None:
            cur = Run("", [], i, i, groups=[0])
        elif toks[i].word != toks[cur.t1].word and not spoken and not cur.spoken:
            cur.groups.append(0)  # a new written group ("4532 0151")
        last = i + used - 1
        cur.digits += digits
        cur.words += [toks[i].word] * (len(digits) - 1) + [toks[last].word]
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
    def counts(r: Run) -> bool:
        k = r.t1 + 1 + (r.t1 + 1 < len(toks) and toks[r.t1 + 1].text == "-")
        if r.t0 == r.t1 and r.n <= 2 and r.t0 > 0 and toks[r.t0 - 1].text in GROUP_WORDS:
            return True  # "first four?", "and the last four": the size of a group asked for
        if r.t0 == r.t1 and r.n <= 2 and k + 1 < len(toks) and toks[k].text == "of" and \
                toks[k + 1].text in ("them", "those", "these", "us", "em"):
            return True  # "nineteen of them"
        return r.t0 == r.t1 and r.n <= 2 and k < len(toks) and toks[k].text in COUNT_NOUNS
    return [r for r in runs if not (r.oh_only and r.n <= 2) and not counts(r)]


def written_date(run: Run) -> bool:
    """Three groups joined by one kind of separator: 12/03/1985, 4.7.80, 1985-03-12."""
    return len([g for g in run.groups if g]) == 3 and len(set(run.seps)) == 1 and run.seps[0] in "/.-"

