"""Each check pinned on hand-built call records (pure logic; the recap's restatement test compares
sentences with the real sentence encoder)."""
from pathlib import Path

import numpy as np
import pytest

from callscore.checks import run_checks, script_order, talk_metrics
from callscore.core import scorecard
from callscore.models import judge, scorecards
from callscore.pipeline.result import flags_for
from callscore.core.intervals import Interval
from callscore.core.record import CallRecord, Roles, Turn, Utterance, Word

DEFAULT = Path(__file__).resolve().parent.parent / "scorecards" / "default.yaml"


def utter(speaker, start, end, text, **scores):
    return Utterance(speaker, start, end, text, speaker, scores)


def make_record(utterances, duration=120.0, extra_activity=()):
    turns = [Turn(u.speaker, u.start, u.end, [Word(u.start, u.end, u.text, 1.0, u.speaker)], u.speaker)
             for u in utterances]
    activity = {"agent": [], "customer": []}
    for u in utterances:
        activity[u.speaker].append(Interval(u.start, u.end))
    for role, start, end in extra_activity:
        activity[role].append(Interval(start, end))
    return CallRecord("hand", {"path": "hand.wav", "duration_s": duration, "sample_rate": 8000, "channels": 2},
                      "0" * 64, "en", turns, activity, Roles({"agent": "agent", "customer": "customer"}, 1.0, "test"),
                      "tiny.en", utterances)


GOOD_CALL = [
    utter("agent", 1, 4, "Thanks for calling Acme, Sam here.", greeting=0.97),
    utter("agent", 4.5, 7, "This call is recorded.", recording_disclosure=0.95),
    utter("customer", 8, 10, "My bill is wrong."),
    utter("agent", 11, 13, "Can I have your date of birth?", verify_identity=0.9),
    utter("customer", 14, 16, "Fourth of May."),
    utter("agent", 17, 20, "Let me put you on hold.", hold_start=0.93),
    utter("agent", 40, 42, "Thanks for holding.", hold_end=0.92),
    utter("agent", 42.5, 46, "I'll sort this out myself, I've refunded the forty pounds to your card.",
          ownership=0.88),
    utter("customer", 47, 48, "Great."),
    utter("agent", 55, 58, "So to recap, the forty pounds is refunded to your card.", recap=0.91),
    utter("agent", 58.5, 60, "Anything else?", anything_else=0.96),
    utter("customer", 61, 62, "No thanks."),
    utter("agent", 62.5, 64, "Have a good day, bye.", closing=0.94),
]


@pytest.fixture(scope="module")
def card():
    return scorecards.load(DEFAULT)


def test_default_scorecard_has_the_agreed_items(card):
    assert [i.id for i in card.items] == ["greeting", "recording_disclosure", "verify_identity", "ownership",
                                           "deflection", "recap", "anything_else", "closing", "dead_air"]


def test_good_call_passes_every_item_and_hold_is_not_dead_air(card):
    record = make_record(GOOD_CALL, duration=65)
    results, context = run_checks(record, card, 5.0)
    assert {k: r.outcome for k, r in results.items() if r.outcome != "pass"} == {"dead_air": "fail"}
    assert [(h.start, h.end) for h in context.holds] == [(20, 40)]
    # the unannounced 7 s gap between "Great." (48) and the recap (55) is dead air; the hold is not
    assert [(g.start, g.end) for g in context.dead_air] == [(48, 55)]
    assert results["greeting"].evidence[0]["text"].startswith("Thanks for calling")
    assert script_order(card, results)["order_violations"] == []


def test_missing_and_late_behaviours_fail_with_order_violations(card):
    calls = [u for u in GOOD_CALL if "recap" not in u.scores]
    late_greeting = [utter("agent", 0.5, 1.5, "Right.")] + calls[1:] + [
        utter("agent", 70, 72, "Hello and welcome to Acme.", greeting=0.95)]
    record = make_record(late_greeting, duration=80)
    results, _ = run_checks(record, card, 5.0)
    assert results["recap"].outcome == "fail"
    # the greeting at 70 s is outside the greeting window (first 30 s / first 3 agent utterances)
    assert results["greeting"].outcome == "fail"
    moved = [u for u in GOOD_CALL]
    moved[1] = utter("agent", 59.8, 60.2, "By the way, calls are recorded.", recording_disclosure=0.9)
    results, _ = run_checks(make_record(sorted(moved, key=lambda u: u.start), duration=65), card, 5.0)
    # the disclosure came after identity check, recap and "anything else": each pair is reported once
    assert script_order(card, results)["order_violations"] == [
        ["verify_identity", "recording_disclosure"], ["recap", "recording_disclosure"],
        ["anything_else", "recording_disclosure"]]


def test_recap_counts_only_when_it_restates_what_the_agent_did_earlier(card):
    recap = next(u for u in GOOD_CALL if "recap" in u.scores)
    results, _ = run_checks(make_record(GOOD_CALL, duration=65), card, 5.0)
    assert results["recap"].outcome == "pass"
    assert results["recap"].detail["restates"][0]["text"].startswith("I'll sort this out myself")
    assert results["recap"].detail["restates"][0]["similarity"] >= 0.4
    # new information the classifier likes as much, but nothing said before it: not a recap
    note = utter("agent", 55, 58, "I'm adding a note to your account so my colleagues can see it.", recap=0.91)
    results, _ = run_checks(make_record([note if u is recap else u for u in GOOD_CALL], duration=65), card, 5.0)
    assert results["recap"].outcome == "fail"
    assert results["recap"].detail["closest"]["text"] == note.text
    assert results["recap"].detail["closest_restates_similarity"] < 0.4
    assert 0.09 < results["recap"].confidence < 0.91  # a near miss, not a certain fail
    # a restated sentence must come before the recap: the same words said afterwards do not count
    after = [u for u in GOOD_CALL if "ownership" not in u.scores] + [
        utter("agent", 64.5, 67, "I've refunded the forty pounds to your card.")]
    results, _ = run_checks(make_record(after, duration=70), card, 5.0)
    assert results["recap"].outcome == "fail"


def test_a_recap_unlike_everything_said_before_is_a_plain_miss_with_a_confidence_of_at_most_one(card):
    """Centred sentence vectors (e5's, less what all sentences share) give a sentence unlike every earlier one a
    negative similarity; the miss's score scaled by it went under 0 and its confidence over 1, which the result
    document refuses: the whole call failed to score."""
    earlier = utter("agent", 11, 14, "I have moved your delivery to Friday morning.", ownership=0.8)
    recap = utter("agent", 55, 58, "Lovely weather for the time of year.", recap=0.9)
    earlier.meaning, recap.meaning = np.array([1.0, 0.0, 0.0]), np.array([-0.6, 0.8, 0.0])
    results, _ = run_checks(make_record([earlier, recap], duration=65), card, 5.0)
    assert results["recap"].outcome == "fail"
    assert results["recap"].detail["closest_restates_similarity"] < 0
    assert results["recap"].confidence == 1.0


CONDITIONAL = """
name: One condition
version: "1"
sections:
  - id: care
    title: Care
    items:
      - id: apologises_for_error
        title: Apologises when the company got something wrong
        kind: phrase
        description: The agent apologises to the customer for a mistake the company made.
        applies_if: The customer reports a mistake or failure by the company.
        examples: [I'm really sorry, that was our mistake., Apologies, we should never have sent that letter.,
                   I do apologise, the engineer should have turned up yesterday.]
"""


def test_a_condition_nearly_met_gives_an_unsure_not_applicable_that_asks_a_human(tmp_path):
    """not_applicable from `applies_if` is only as sure as the closest sentence is of not meeting the condition."""
    path = tmp_path / "conditional.yaml"
    path.write_text(CONDITIONAL)
    conditional = scorecards.load(path)
    condition = judge.applies_key("apologises_for_error")
    verdicts = {}
    for probability in (0.45, 0.05):
        call = [utter("customer", 1, 3, "The bill looks a bit odd this month.", **{condition: probability}),
                utter("agent", 4, 6, "Let me have a look at it for you.")]
        record = make_record(call, duration=20)
        results, context = run_checks(record, conditional, 5.0)
        verdicts[probability] = results["apologises_for_error"], flags_for(conditional, results, record, context, None)
    near, near_flags = verdicts[0.45]
    assert near.outcome == "not_applicable"
    assert near.confidence == pytest.approx(0.55)
    assert near.detail["closest_condition"]["text"] == "The bill looks a bit odd this month."
    assert "low_confidence" in near_flags
    far, far_flags = verdicts[0.05]
    assert (far.outcome, far.confidence) == ("not_applicable", pytest.approx(0.95))
    assert "low_confidence" not in far_flags


def test_deflection_fails_with_evidence_and_confidence(card):
    call = GOOD_CALL + [utter("agent", 50, 52, "That's not my department.", deflection=0.9)]
    results, _ = run_checks(make_record(sorted(call, key=lambda u: u.start), duration=65), card, 5.0)
    assert results["deflection"].outcome == "fail"
    assert results["deflection"].confidence == pytest.approx(0.9)
    assert results["deflection"].evidence[0]["text"] == "That's not my department."


def test_short_silent_call_is_not_applicable_not_a_crash(card):
    record = make_record([], duration=3)
    results, _ = run_checks(record, card, 5.0)
    phrase_items = [i.id for i in card.items if i.kind != "dead_air"]
    assert all(results[i].outcome == "not_applicable" for i in phrase_items)


def test_score_applies_weights_and_auto_fail(card):
    outcomes = {i.id: "pass" for i in card.items}
    assert scorecard.score(card, outcomes)["percent"] == 100.0
    outcomes["closing"] = "fail"
    assert scorecard.score(card, outcomes)["percent"] == pytest.approx(95.0)
    outcomes["recording_disclosure"] = "fail"  # auto-fail item
    score = scorecard.score(card, outcomes)
    assert score["auto_failed"] and score["percent"] == 0.0 and score["raw_percent"] == pytest.approx(80.0)
    outcomes["verify_identity"] = "not_applicable"
    assert scorecard.score(card, outcomes)["max_points"] == 85


def test_talk_metrics():
    record = make_record(GOOD_CALL, duration=65, extra_activity=[("customer", 62.0, 63.0)])
    talk = talk_metrics(record)
    assert talk["agent_talk_s"] == pytest.approx(sum(u.end - u.start for u in GOOD_CALL if u.speaker == "agent"))
    assert talk["overtalk_count"] == 1 and talk["overtalk_s"] == pytest.approx(0.5)
    assert talk["longest_monologue_speaker"] == "agent"
    assert 0 < talk["silence_share"] < 1


def test_bad_scorecard_names_the_field(tmp_path):
    text = DEFAULT.read_text().replace("weight: 15\n        auto_fail: true\n        window: {first_s: 90",
                                       "weight: lots\n        auto_fail: true\n        window: {first_s: 90")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(scorecard.ScorecardError, match=r"sections\[0\]\(opening\)\.items\[1\]\(recording_disclosure\)\.weight"):
        scorecards.load(bad)
    bad.write_text(DEFAULT.read_text().replace("kind: absent_phrase", "kind: vibes"))
    with pytest.raises(scorecard.ScorecardError, match=r"items\[1\]\(deflection\)\.kind"):
        scorecards.load(bad)
    bad.write_text(DEFAULT.read_text().replace("restates_min_similarity: 0.4", "restates_min_similarity: 4"))
    with pytest.raises(scorecard.ScorecardError, match=r"items\[0\]\(recap\)\.restates_min_similarity"):
        scorecards.load(bad)
    bad.write_text(DEFAULT.read_text().replace("script: [greeting,", "script: [greting,"))
    with pytest.raises(scorecard.ScorecardError, match="script"):
        scorecards.load(bad)


def test_a_version_written_as_a_number_reads_as_written(tmp_path):
    """`version: 1` is what a QA lead writes (YAML's integer): it loads as "1". `version: 1.10` would read back as
    1.1, so it is refused with the fix (quote it)."""
    path = tmp_path / "card.yaml"
    path.write_text(DEFAULT.read_text().replace('version: "1.0"', "version: 3", 1))
    assert scorecards.load(path).version == "3"
    path.write_text(DEFAULT.read_text().replace('version: "1.0"', "version: 1.10", 1))
    with pytest.raises(scorecard.ScorecardError, match=r'version.*1\.1.*quotes.*version: "1\.10"'):
        scorecards.load(path)


OUTBOUND = Path(__file__).resolve().parent.parent / "scorecards" / "outbound_sales.yaml"


def test_do_not_call_request_must_be_acknowledged_and_is_flagged():
    from callscore.pipeline.result import flags_for

    card = scorecards.load(OUTBOUND)
    opening = [utter("agent", 1, 4, "Hi, it's Sam from Sunny Solar.", greeting=0.9, sales_identity=0.95),
               utter("agent", 4.5, 8, "I'm calling about an offer on panels.", sales_purpose=0.9,
                     product_disclosure=0.8)]
    request = utter("customer", 9, 11, "Please take me off your list.", dnc_request=0.93)
    ignored = make_record(opening + [request, utter("agent", 12, 14, "But the savings are huge.")], duration=20)
    results, _ = run_checks(ignored, card, 5.0)
    assert results["do_not_call"].outcome == "fail"
    assert results["do_not_call"].evidence[0]["text"] == "Please take me off your list."
    assert "do_not_call" in flags_for(card, results, ignored, None, None)
    honoured = make_record(opening + [request, utter("agent", 12, 14, "Of course, I'll remove your number.",
                                                     dnc_acknowledge=0.9)], duration=20)
    results, _ = run_checks(honoured, card, 5.0)
    assert results["do_not_call"].outcome == "pass" and results["sales_identity"].outcome == "pass"
    results, _ = run_checks(make_record(opening, duration=20), card, 5.0)
    assert results["do_not_call"].outcome == "not_applicable"
    assert "do_not_call" not in flags_for(card, results, None, None, None)
