"""Redaction core: targets on the labelled set, shape of the output, and the cases that matter most."""
import json
from dataclasses import fields
from pathlib import Path

import pytest
from stdnum import luhn

from callscore.pipeline.redact import TYPES, Redaction, RedactionConfig, redact_text, redact_words
from callscore.pipeline.redaction.evaluation import evaluate

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
    assert luhn.is_valid("4532015112830366")
    assert not luhn.is_valid("4532015112830367")
    text = "your order number is 1234 5678 9012 3456 okay"
    assert not luhn.is_valid("1234567890123456")
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


def masked_words(text: str) -> list[str]:
    """The words of text that redaction masks."""
    texts, _ = redact_words(words_of(text))
    return [word for word, out in zip(text.split(), texts) if out != word]


def test_context_words_as_the_asr_writes_them():
    # hyphenated, possessive and letter-by-letter forms of the cue words
    assert redact_text("what's the three-digit code on the reverse? nine nine two")[1] == ["security_code"]
    assert redact_text("CVV's 4 1 8")[1] == ["security_code"]
    assert redact_text("the c v c is two two one")[1] == ["security_code"]
    assert redact_text("the expiry's oh four twenty nine")[1] == ["expiry_date"]


def test_a_bare_number_cue_takes_the_topic_just_named():
    digits = "four nine two nine, eight eight one two, three four five six, seven eight nine three"
    assert not luhn.is_valid("4929881234567893")  # only the card context can explain it
    assert redact_text(f"it's a debit card, the number on it is {digits}")[1] == ["card_number"]
    assert redact_text("what's the best number for you? oh seven seven double oh nine double oh one two three")[1] \
        == ["phone_number"]
    assert redact_text("can I take your account number? it's one two three four five six seven eight")[1] \
        == ["bank_account"]


def test_backchannel_between_card_parts_is_not_masked():
    turn1, agent, turn2 = "it's 4532 0151", "uh-huh", "1283 0366"
    texts, redactions = redact_words(words_of(turn1) + words_of(agent, 5) + words_of(turn2, 7))
    assert texts[0] == "it's" and texts[3] == "uh-huh"
    assert texts[1] == texts[2] == texts[4] == texts[5] == "[CARD_NUMBER]"
    assert {r.type for r in redactions} == {"card_number"}


def test_street_names_without_a_suffix_and_with_several():
    assert redact_text("first line of the address? eleven the green")[0].endswith("[STREET_ADDRESS]")
    assert redact_text("I live at 61 Kingsway")[1] == ["street_address"]
    assert redact_text("it's flat 2, 14 the crescent")[1] == ["street_address"]
    assert masked_words("deliver it to 27 Queens Park Road please") == ["27", "Queens", "Park", "Road"]
    for text in ["we live 3 miles down Church Road", "I bought 3 Samsung phones", "I live at number 14"]:
        assert redact_text(text) == (text, []), text


def test_an_expiry_date_has_a_year():
    for text in ["the card arrived on the 5th of June", "the offer expires on the 14th of August"]:
        assert redact_text(text) == (text, []), text
    assert redact_text("the card expires in may twenty twenty eight")[1] == ["expiry_date"]


def test_luhn_valid_number_named_as_something_else():
    pan = "4532 0151 1283 0366"
    for cue in ("your order number is", "the IMEI is", "tracking number"):
        assert redact_text(f"{cue} {pan}")[1] == [], cue
    assert redact_text(f"here it is {pan}")[1] == ["card_number"]  # Luhn-valid and nothing else named


def test_partial_card_read_before_a_repeat():
    text = "what's the card number? it's 4532 0151 sorry could you say that again yes 4532 0151 1283 0366"
    assert masked_words(text) == ["4532", "0151"] * 2 + ["1283", "0366"]
    assert redact_text("I paid by card on 12/03/2024")[1] == []  # a date, not a card part


def test_short_written_dates_of_birth():
    assert redact_text("my dob is 4/7/80")[1] == ["date_of_birth"]
    assert redact_text("born nineteen eighty, fourth of july")[1] == ["date_of_birth"]


# ---- round 4: the misses and false hits left by round 3 (each assertion fails on the round-3 code)
def test_card_in_two_halves_with_no_card_word():
    """Two 8-digit halves across a backchannel turn: Luhn-valid with a card's issuer prefix -> a card."""
    turn1 = words_of("four five two six, oh one eight one")
    agent = words_of("okay, carry on", 5)
    turn2 = words_of("five nine oh eight, three oh one two", 8)
    texts, redactions = redact_words(turn1 + agent + turn2)
    assert texts[8:11] == ["okay,", "carry", "on"]
    assert all(t.startswith("[CARD_NUMBER]") for t in texts[:8] + texts[11:])
    assert {r.type for r in redactions} == {"card_number"}
    # Luhn-valid but no card issuer starts like this (31.., 16 digits): not masked without card context
    assert redact_text("it's 3166 1318 6091 3901")[1] == []


def test_digit_glued_to_a_cue_word_is_not_part_of_the_code():
    texts, _ = redact_words(words_of("and the CV2?") + words_of("four, eight, zero", 3))
    assert texts == ["and", "the", "CV2?", "[SECURITY_CODE],", "[SECURITY_CODE],", "[SECURITY_CODE]"]


def test_exp_alone_and_a_spaced_slash():
    assert masked_words("exp eleven twenty-nine") == ["eleven", "twenty-nine"]
    assert masked_words("exp date 02 / 29") == ["02", "/", "29"]
    assert redact_text("the exchange rate is 3 / 4 of that")[1] == []


def test_property_is_address_context():
    assert masked_words("the property is 61 Kingsway") == ["61", "Kingsway"]


def test_a_count_of_digits_is_not_part_of_the_card():
    text = "starting with the sixteen digits five five two two one seven two oh one seven two seven seven nine five oh"
    assert masked_words("right, card details then, " + text)[0] == "five"
    assert "16-digit" not in masked_words("the 16-digit number is 4526 0181 5908 3012")


def test_possessive_cue_word_is_not_the_email():
    assert masked_words("my email's kate at kateharper dot net") == ["kate", "at", "kateharper", "dot", "net"]


def test_street_words_used_as_common_nouns():
    for text in ["it's a 2 way street", "it's a two way street though", "the council put 3 new park benches in"]:
        assert redact_text(text) == (text, []), text
    assert masked_words("it's 279 baker street manchester") == ["279", "baker", "street"]
    assert masked_words("first line of the address? 3 new park view") == ["3", "new", "park", "view"]


# ---- round 4, after held-out set 4 was measured (general classes of its misses; that set is tuned on now)
def test_one_as_a_pronoun_and_a_question_end_a_number():
    assert masked_words("the sixteen-digit one? 4635 1307 9616 1776") == ["4635", "1307", "9616", "1776"]
    assert masked_words("it's a long one, 4635 1307 9616 1776")[0] == "4635"
    assert masked_words("the card number is one four six three five one three oh seven nine six one six "
                        "one seven seven six")[0] == "one"


def test_more_card_and_account_cues():
    assert redact_text("my JCB is 3528 0000 0000 0007")[1] == ["card_number"]  # JCB range, read in part
    assert redact_text("my JCB is 3528 0000")[1] == ["card_number"]
    assert redact_text("acct no 55281930")[1] == ["bank_account"]
    assert redact_text("on the signature panel, 4 1 9")[1] == ["security_code"]
    assert redact_text("the card's verification digits: four oh four")[1] == ["security_code"]


def test_email_local_part_stops_at_a_question():
    texts, _ = redact_words(words_of("what email should we use?") + words_of("accounts at hargreaves dot co dot uk", 5))
    assert texts[4] == "use?" and texts[5] == "[EMAIL]"


# ---- round 5: general rules written before held-out set 5's miss list was read (each fails on the round-4 code)
def turns(*texts: str) -> list[str]:
    """Redact consecutive turns as one call; the masked texts, one per turn."""
    words, bounds = [], []
    for text in texts:
        bounds.append((len(words), len(words) + len(text.split())))
        words += words_of(text, 0.4 * len(words))
    out, _ = redact_words(words)
    return [" ".join(out[a:b]) for a, b in bounds]


def test_card_misheard_in_clear_card_context():
    """One digit misheard (Luhn fails) where the card's long number was asked for: still a card."""
    digits = "four seven one one, two oh oh eight, three nine five five, oh one two seven"
    assert not luhn.is_valid("4711200839550127")
    out = turns("can you read me the number on the front", digits)
    assert out[0] == "can you read me the number on the front"
    assert set(out[1].replace(",", "").split()) == {"[CARD_NUMBER]"}
    out = turns("have you got your card there?", "yes", "lovely, read me the long number", digits)
    assert set(out[3].replace(",", "").split()) == {"[CARD_NUMBER]"}
    assert redact_text(f"it's {digits}")[1] == []  # no card context, Luhn fails: not a card


def test_card_read_in_groups_after_the_agents_prompts():
    """'first four?' / 'next four' / 'last four': the prompts survive, each group is masked, no card word
    needed, even with a misheard digit."""
    assert not luhn.is_valid("5102338122097713")
    out = turns("okay, first four please", "five one oh two", "the next four", "three three eight one",
                "next four", "two two oh nine", "and the last four", "seven seven one three")
    assert out[0] == "okay, first four please" and out[2] == "the next four" and out[6] == "and the last four"
    assert all(set(out[k].split()) == {"[CARD_NUMBER]"} for k in (1, 3, 5, 7))
    # a reference read in two groups is not a card
    assert turns("first four of the reference?", "5102", "next four", "3381") == \
        ["first four of the reference?", "5102", "next four", "3381"]


def test_a_group_size_asked_for_is_not_a_digit():
    """'next four' asks for a group; 'next' then 'four oh four seven' is the group itself."""
    out = turns("first four?", "four nine one seven", "next", "four oh four seven", "next four",
                "three one two two", "last four", "nine oh one six")
    assert out[2] == "next" and out[4] == "next four" and out[6] == "last four"
    assert all(set(out[k].split()) == {"[CARD_NUMBER]"} for k in (1, 3, 5, 7))
    # the tail of a card named on its own stays (the labelled sets' convention: it identifies, it is not the number)
    assert redact_text("is it the card ending in 4471?")[1] == []


def test_one_digit_turns_in_a_card_read_out():
    out = turns("card number please", "four nine", "yep", "one two", "mhm", "seven", "okay",
                "six six oh five, one two three four, five five one")
    assert out[2] == "yep" and out[4] == "mhm" and out[5] == "[CARD_NUMBER]"


def test_security_code_said_in_parts_over_a_backchannel():
    assert turns("and the cvv", "two six", "okay", "eight") == \
        ["and the cvv", "[SECURITY_CODE] [SECURITY_CODE]", "okay", "[SECURITY_CODE]"]
    assert turns("the three numbers on the back", "one eight eight")[1] == " ".join(["[SECURITY_CODE]"] * 3)
    assert turns("what's your house number", "two six", "okay", "eight")[1] == "two six"


# ---- round 5, after held-out set 5 was measured (classes seen in its misses: that set is tuned on now)
def test_a_house_name_where_an_address_is_given():
    assert masked_words("first line of the address is Ivy Farmhouse, Mill Lane") == ["Ivy", "Farmhouse,"]
    assert masked_words("the address is the Old Vicarage, Bath") == ["Old", "Vicarage,"]
    assert redact_text("the old house was cold")[1] == []
    assert redact_text("we met at Abbey Mill last week")[1] == []  # no address asked for or given


def test_counts_and_spelled_cue_digits_are_not_values():
    out = turns("the card's 6250 1535 8989 6513 035", "right", "eighteen of them, I think")
    assert out[2] == "eighteen of them, I think"
    assert masked_words("c v v two, five three eight") == ["five", "three", "eight"]
    assert masked_words("the c v v two six one") == ["two", "six", "one"]  # the 2 starts the code here


def test_a_company_line_is_not_personal():
    for text in ["you can call us on oh eight hundred, double four, double one, two three", "the fax is 020 7946 0112",
                 "ring 0345 602 1187 for the helpline"]:
        assert redact_text(text) == (text, []), text
    assert redact_text("my mobile is 07700 900 461")[1] == ["phone_number"]


def test_spoken_dates_of_birth_from_issue_18():
    assert masked_words("I was born on the 26th of February 1997") == ["26th", "of", "February", "1997"]
    assert turns("can I take your date of birth please", "The 16th of February. 1995.")[1] == \
        "The [DATE_OF_BIRTH] [DATE_OF_BIRTH] [DATE_OF_BIRTH]. [DATE_OF_BIRTH]."
    # the year said on its own: after "born", or after the date when the agent asks for it
    assert masked_words("i was born in '97 so the account's in my mum's name") == ["'97"]
    assert turns("and the date of birth", "the fifth, um, of november", "and the year?", "eighty two") == \
        ["and the date of birth", "the [DATE_OF_BIRTH], [DATE_OF_BIRTH], [DATE_OF_BIRTH] [DATE_OF_BIRTH]",
         "and the year?", "[DATE_OF_BIRTH] [DATE_OF_BIRTH]"]
    assert masked_words("date of birth? nine, three, seventy") == ["nine,", "three,", "seventy"]


def test_other_dates_and_births_without_a_date_stay():
    for text in ["i was born and raised in leeds so i know the area",
                 "the birthday present i ordered was meant to arrive on the tenth of december",
                 "the kids were born in 2010 and 2013", "my birthday's next week, I'll be 30",
                 "your appointment is on the 26th of february at ten"]:
        assert redact_text(text) == (text, []), text
    # one date-of-birth question asks for one date: a later date has a cue of its own or none
    out = turns("date of birth?", "tenth of june sixty one",
                "lovely. and your renewal date is the 1st of march 2027, is that right?")
    assert out[1] == " ".join(["[DATE_OF_BIRTH]"] * 5)
    assert out[2] == "lovely. and your renewal date is the 1st of march 2027, is that right?"


def test_misheard_postcode_letters_and_digits():
    for text in ["post code em for five tee why", "my post code's el ess one, four ay bee",
                 "postcode is double you one a, one a a"]:
        assert redact_text(text)[1] == ["postcode"], text


def test_the_config_chooses_the_recognisers_of_its_locales():
    def names(config: RedactionConfig) -> list[str]:
        return [r.name for r in config.recognisers()]

    assert {"card_number", "uk_sort_code", "us_ssn", "uk_postcode", "us_zip_code"} <= set(names(RedactionConfig()))
    uk_only = names(RedactionConfig(locales=("en_GB",)))
    assert "uk_nino" in uk_only and "us_ssn" not in uk_only and "us_zip_code" not in uk_only
    assert "ms_MY_nric" in names(RedactionConfig.for_language("ms")) and "ms_MY_nric" not in names(RedactionConfig())
    # a digit run goes to the first recogniser that takes it: the card number before the phone number
    assert names(RedactionConfig()).index("card_number") < names(RedactionConfig()).index("phone_number")
    assert {r.kind for r in RedactionConfig.for_language("uk").recognisers()} == set(TYPES)


def test_numbers_without_a_cue_are_checked_by_their_numbering_rules():
    """phonenumbers: ten digits read as a list are no one's line; python-stdnum: an SSN of area 000 is no one's."""
    assert redact_text("ok so zero one two three four five six seven eight nine, got it")[1] == []
    assert redact_text("ring 07911 123456 later")[1] == ["phone_number"]
    assert redact_text("it is 000-12-3456 i think")[1] == []
    assert redact_text("it is 123-45-6789 i think")[1] == ["national_id"]
