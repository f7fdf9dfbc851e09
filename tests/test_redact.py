"""Redaction core: targets on the labelled set, shape of the output, and the cases that matter most."""
import json
from dataclasses import fields
from pathlib import Path

import pytest

from callscore.pipeline.redact import Redaction, RedactionConfig, evaluate, luhn_ok, redact_text, redact_words

SET = Path(__file__).parent / "redaction_set.jsonl"


def words_of(text: str, t0: float = 0.0) -> list[tuple[float, float, str]]:
    return [(t0 + 0.4 * k, t0 + 0.4 * k + 0.3, w) for k, w in enumerate(text.split())]


@pytest.fixture(scope="module")
def result():
    items = [json.loads(line) for line in SET.read_text().splitlines() if line.strip()]
    return evaluate(items, RedactionConfig())


def test_set_is_big_enough(result):
    assert sum(r["entities"] for r in result["rows"] if r["type"] != "ALL") >= 200
    assert result["lookalikes"] >= 200


def test_recall_targets(result):
    for row in result["rows"]:
        target = 0.99 if row["type"] in ("card_number", "security_code") else 0.95
        assert row["recall"] >= target, row


def test_false_redaction_target(result):
    assert result["lookalike_false_rate"] <= 0.02
    assert result["word_false_rate"] <= 0.02


def test_word_count_and_timestamps_kept():
    words = words_of("yes my card number is 4532 0151 1283 0366 and it expires oh four twenty six")
    texts, redactions = redact_words(words)
    assert len(texts) == len(words)
    masked = [k for k, (a, b) in enumerate(zip(texts, (w[2] for w in words))) if a != b]
    assert masked == list(range(5, 9)) + list(range(12, 16))
    card = next(r for r in redactions if r.type == "card_number")
    assert (card.start, card.end, card.word_count) == (words[5][0], words[8][1], 4)
    assert next(r for r in redactions if r.type == "expiry_date").word_count == 4
    assert all(t == "[CARD_NUMBER]" for t in texts[5:9])


def test_luhn():
    assert luhn_ok("4532015112830366")
    assert not luhn_ok("4532015112830367")
    text = "your order number is 1234 5678 9012 3456 okay"
    assert not luhn_ok("1234567890123456")
    assert redact_text(text) == (text, [])
    assert redact_text("it was 1234567890123456")[1] == []  # 16 digits, no card context, fails Luhn


def test_card_across_two_turns():
    turn1 = words_of("it's four five three two oh one five one", 10.0)
    agent = words_of("mhm", 14.0)
    turn2 = words_of("one two eight three oh three double six", 15.0)
    texts, redactions = redact_words(turn1 + agent + turn2)
    assert texts[0] == "it's" and texts[len(turn1)] == "mhm"
    assert all(t == "[CARD_NUMBER]" for t in texts[1:len(turn1)] + texts[len(turn1) + 1:])
    assert {r.type for r in redactions} == {"card_number"}


def test_redaction_never_carries_the_value():
    assert [f.name for f in fields(Redaction)] == ["type", "start", "end", "word_count"]
    _, redactions = redact_words(words_of("the card number is 4532015112830366 and the cvv is 123"))
    assert {r.type for r in redactions} == {"card_number", "security_code"}
    for r in redactions:
        dumped = json.dumps(r.to_json()) + repr(r)
        assert "4532" not in dumped and "123" not in dumped.replace("0.", "")


def test_agent_question_survives():
    question = "could you confirm your date of birth please"
    assert redact_text(question) == (question, [])
    texts, _ = redact_words(words_of(question) + words_of("yes it's the fourth of may nineteen eighty", 5))
    assert texts[:8] == question.split()
    assert texts[8:11] == ["yes", "it's", "the"] and set(texts[11:]) == {"[DATE_OF_BIRTH]"}


def test_lookalikes_survive():
    for text in ["ticket 48213 is still open", "order number 7781-223", "it's forty five pounds ninety nine",
                 "that'll be $129.99", "see you at half past three", "call back at 10:30",
                 "the bill on the fifth of May", "I ordered 3 boxes"]:
        assert redact_text(text) == (text, []), text


def test_config_types_and_hash_mask():
    text = "my email is john dot smith at gmail dot com and my mobile is 07700 900123"
    masked, types = redact_text(text)
    assert types == ["email", "phone_number"]
    assert masked == "my email is [EMAIL] and my mobile is [PHONE_NUMBER]"
    only_phone, types = redact_text(text, RedactionConfig(types=("phone_number",), mask_style="hash"))
    assert types == ["phone_number"] and "john dot smith" in only_phone and "07700" not in only_phone
    assert "#####" in only_phone


def test_spoken_forms():
    cases = {
        "the security code is seven two one": "security_code",
        "my national insurance number is QQ 12 34 56 C": "national_id",
        "sort code two oh double oh oh oh": "bank_account",
        "the postcode is L S one four A P": "postcode",
        "I live at twelve mill lane": "street_address",
        "my social is 123-45-6789": "national_id",
    }
    for text, kind in cases.items():
        assert redact_text(text)[1] == [kind], text
