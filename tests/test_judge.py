"""The judge: scorecard items a QA lead defines in words score with no code change and no training
step; `applies_if` makes an item not_applicable when nothing in the call matches it."""
import textwrap

import numpy as np
import pytest

from callscore.models import judge, multilingual, phrases
from callscore.core import scorecard
from callscore.models import scorecards
from callscore.pipeline.score import read_call, score_call
from callscore.settings import SCORECARDS

CARD = """
name: Words only
version: "1"
sections:
  - id: care
    title: Care
    items:
      - id: explains_charges
        title: Explains what a charge is for
        kind: phrase
        description: The agent explains to the customer what a charge on their bill is for.
        examples:
          - That extra nine pounds is the fee for the paper bill we post to you.
          - The amount on the fifth is your annual membership renewal.
          - This line here is the cost of the calls you made abroad in June.
      - id: apologises_for_error
        title: Apologises when the company got something wrong
        kind: phrase
        description: The agent apologises to the customer for a mistake the company made.
        applies_if: The customer reports a mistake or failure by the company.
        examples:
          - I'm really sorry, that was our mistake.
          - Apologies, we should never have sent that letter.
          - I do apologise, the engineer should have turned up yesterday.
"""

OPENING = """\
    [00:00] Agent: Hello, thanks for calling Lakeside Telecom, you're speaking with Dana.
    [00:05] Customer: Hi, I'm looking at my latest bill and I've got a question about it.
"""


@pytest.fixture(scope="module")
def card(tmp_path_factory):
    path = tmp_path_factory.mktemp("card") / "words.yaml"
    path.write_text(CARD)
    return scorecards.load(path)


def score_text(tmp_path, settings, card, name: str, body: str) -> dict:
    path = tmp_path / f"{name}.txt"
    path.write_text(textwrap.dedent(OPENING + body))
    return score_call(path, settings, card)["checks"]


def test_an_item_defined_in_words_passes_on_a_paraphrase_and_fails_without_it(tmp_path, settings, card):
    explained = score_text(tmp_path, settings, card, "explained", """\
    [00:10] Customer: What is this twelve pound thing in the middle of the page?
    [00:15] Agent: Right, so those twelve pounds are what we charge for the router you rent from us each month.
    [00:22] Customer: Okay, thanks.
    """)
    silent = score_text(tmp_path, settings, card, "unexplained", """\
    [00:10] Customer: What is this twelve pound thing in the middle of the page?
    [00:15] Agent: Let me see. Can you tell me the account number on the top right?
    [00:22] Customer: Okay, it is in the post anyway.
    """)
    assert explained["explains_charges"]["outcome"] == "pass"
    assert "router" in explained["explains_charges"]["evidence"][0]["text"]
    assert silent["explains_charges"]["outcome"] == "fail"
    assert silent["explains_charges"]["detail"]["bar"] == judge.PLAIN_ITEM_BAR  # the bar it was judged by


def test_only_items_in_words_to_be_said_without_a_condition_or_own_bar_get_the_plain_item_bar(tmp_path, card):
    """A conditional item, a must-not, the built-in items and an item whose scorecard sets its bar keep theirs."""
    model = phrases.active()

    def as_judged(scorecard):
        return judge.in_words_bars(scorecard, judge.in_words(scorecard.items, model))

    assert {item.id: item.threshold for item in as_judged(card).items} == {
        "explains_charges": judge.PLAIN_ITEM_BAR, "apologises_for_error": 0.5}
    own_bar = tmp_path / "own_bar.yaml"
    own_bar.write_text(CARD.replace("        kind: phrase\n        description: The agent explains",
                                    "        kind: phrase\n        threshold: 0.6\n        description: The agent explains"))
    assert as_judged(scorecards.load(own_bar)).items[0].threshold == 0.6
    must_not = tmp_path / "must_not.yaml"
    must_not.write_text(MUST_NOT_CARD)
    assert as_judged(scorecards.load(must_not)).items[0].threshold == 0.5
    default = scorecards.load(SCORECARDS / "default.yaml")
    assert as_judged(default) is default


def test_applies_if_makes_an_item_not_applicable_when_nothing_matches(tmp_path, settings, card):
    nothing_wrong = score_text(tmp_path, settings, card, "question", """\
    [00:10] Customer: I just wanted to know when the next payment is due.
    [00:15] Agent: It goes out on the first of next month.
    """)
    apology = score_text(tmp_path, settings, card, "apology", """\
    [00:10] Customer: You charged me twice for the same month, that's your mistake.
    [00:15] Agent: Oh no, I'm so sorry about that, that should never have happened on our side.
    """)
    no_apology = score_text(tmp_path, settings, card, "no_apology", """\
    [00:10] Customer: You charged me twice for the same month, that's your mistake.
    [00:15] Agent: Okay. Can you read me the date of the second payment?
    """)
    assert nothing_wrong["apologises_for_error"]["outcome"] == "not_applicable"
    assert apology["apologises_for_error"]["outcome"] == "pass"
    assert "twice" in apology["apologises_for_error"]["detail"]["applies"]["text"]
    assert no_apology["apologises_for_error"]["outcome"] == "fail"


def test_a_new_item_without_a_description_names_what_is_missing(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(CARD.replace("        description: The agent explains to the customer what a charge on their bill is for.\n", ""))
    with pytest.raises(scorecard.ScorecardError, match="explains_charges.*description"):
        scorecards.load(path)


def test_built_in_probabilities_are_calibrated_on_sentences_never_trained():
    """Of the held-out paraphrase sentences given 0.5 or more for a behaviour, most realise it, and
    most given less do not: the scores mean what they say, so the uncertain ones go to a human."""
    model = phrases.active()
    examples = phrases.deduplicate(phrases.load_examples(phrases.TRAINING / "heldout_fresh.jsonl"))
    features = model.features([ex.text for ex in examples])
    probabilities = np.concatenate([model.heads[b].probability(features) for b in phrases.ITEMS[:8]])
    truth = np.concatenate([[b in ex.items for ex in examples] for b in phrases.ITEMS[:8]])
    confident = probabilities >= 0.9
    assert truth[confident].mean() >= 0.85
    assert (~truth[probabilities < 0.1]).mean() >= 0.95


def test_the_judge_artifact_holds_heads_for_every_built_in_behaviour():
    model = phrases.active()
    assert set(model.heads) == set(judge.BUILTIN_BEHAVIOURS)
    assert model.meta["kind"] == "judge"


def test_pool_lines_written_before_the_library_are_not_negatives_of_its_behaviours():
    """The older pool files never said whether a line apologises or uses a name: such a line is unknown
    for the library's behaviours (neither trained nor scored as a negative), while a library line is
    labelled for every behaviour."""
    older = phrases.Example("Sorry about the wait, Mr Ansah, thanks for holding.", ["hold_end"], "g", "seed")
    library = phrases.Example("Right, let me pull that up.", [], "library-none-a", judge.LIBRARY_SOURCE)
    assert {"apologises", "uses_customer_name"} <= set(judge.LIBRARY_BEHAVIOURS)
    assert not judge.labelled(older, "apologises") and not judge.labelled(older, "uses_customer_name")
    assert judge.labelled(older, "hold_end") and judge.labelled(older, "greeting")
    assert judge.labelled(library, "apologises") and judge.labelled(library, "greeting")


def test_a_head_with_too_few_held_out_sentences_is_scaled_on_its_training_groups():
    """A Platt scaling fitted on one held-out sentence of a behaviour can put all of its sentences under
    0.01 (hold_end did, once a pool file had one "thank you for holding"): below MIN_PLATT_POSITIVES the
    head is scaled on the training groups, whatever that one held-out sentence is; with enough held-out
    sentences, on those."""
    rng = np.random.default_rng(0)
    direction = np.eye(8)[0]

    def pool(positives: int, negatives: int, group: str):
        vectors = np.vstack([direction * 2 + rng.normal(0, 0.3, (positives, 8)), rng.normal(0, 0.3, (negatives, 8))])
        examples = [phrases.Example(f"{group} {i}", ["hold_end"] if i < positives else [], group)
                    for i in range(positives + negatives)]
        return examples, vectors

    train, train_vectors = pool(40, 200, "train")
    scalings = []
    for held_positives in (1, 1, judge.MIN_PLATT_POSITIVES):
        heldout, heldout_vectors = pool(held_positives, 60, f"heldout{len(scalings)}")
        head = judge.fit_heads(None, train, heldout, ["hold_end"], vectors=(train_vectors, heldout_vectors))["hold_end"]
        scalings.append((head.platt_scale, head.platt_bias))
        assert head.probability(heldout_vectors[:held_positives]).min() >= 0.5
        assert head.probability(heldout_vectors[held_positives:]).max() < 0.5
    assert scalings[0] == scalings[1] != scalings[2]


def test_content_flags_see_names_numbers_and_times_even_in_lower_case_asr_text():
    flags = judge.content_flags(["Thank you, Mr Whitlock, I can see it.", "thanks mrs patel one moment",
                                 "Thank you, sir, one moment.", "Your reference is 4 4 1 2 9.",
                                 "It will be with you by Friday afternoon."])
    person, number, time = flags.T
    assert list(person) == [1, 1, 0, 0, 0]
    assert number[3] == 1 and time[4] == 1 and time[0] == 0


def test_an_item_in_words_about_the_customers_name_wants_a_name_not_only_politeness():
    """Sentence vectors put "thanks, Graham" next to "thanks for that"; the content flags let a head fitted
    from four examples that all carry a name tell them apart."""
    model = phrases.active()
    head = judge.item_head(model, ["The agent addresses the customer by their name."],
                           ["Thanks for bearing with me, Mrs Adeyemi.", "Right then Tom, let's get this sorted.",
                            "I completely understand, Mr Chen.", "Okay Fatima, I've updated that for you."])
    with_name, without = head.probability(model.features(["Lovely, thank you Graham, that's all done now.",
                                                           "Lovely, thank you, that's all done now."]))
    assert with_name >= 0.5 > without


def test_the_conditions_the_applies_scaling_is_fitted_on_are_never_trained_on():
    trained, heldout = judge.conditions().split()
    assert trained.said and heldout.said and not set(trained.said) & set(heldout.said)
    assert not set(trained.neutral) & set(heldout.neutral)
    assert 0.2 < len(heldout.said) / (len(trained.said) + len(heldout.said)) < 0.45
    lines = phrases.condition_examples(trained)
    assert all(judge.labelled(ex, judge.CONDITION_PREFIX + next(iter(trained.said))) for ex in lines)
    pool_line = phrases.Example("Thanks for calling, how can I help?", ["greeting"], "g", "seed")
    assert not judge.labelled(pool_line, judge.CONDITION_PREFIX + next(iter(trained.said)))


MUST_NOT_CARD = """
name: Must not
version: "1"
sections:
  - id: promises
    title: Promises
    items:
      - id: no_overpromise
        title: Does not guarantee what they cannot control
        kind: absent_phrase
        description: The agent guarantees an outcome that is not in their control, such as a claim being accepted.
        examples:
          - I can promise you the claim will be approved, no question.
          - Don't worry, it's guaranteed the refund goes through this week.
          - I guarantee the insurer will pay out in full.
"""


def test_a_must_not_item_in_words_fails_a_guarantee_and_passes_a_plain_commitment(tmp_path, settings):
    path = tmp_path / "must_not.yaml"
    path.write_text(MUST_NOT_CARD)
    must_not = scorecards.load(path)
    committed = score_text(tmp_path, settings, must_not, "committed", """\
    [00:10] Customer: So what happens with my claim now?
    [00:15] Agent: I'll send the photos to the assessor today and I'll ring you on Friday with their answer.
    """)
    guaranteed = score_text(tmp_path, settings, must_not, "guaranteed", """\
    [00:10] Customer: So what happens with my claim now?
    [00:15] Agent: Honestly, you've nothing to worry about, your claim will definitely be paid, I promise you that.
    """)
    assert committed["no_overpromise"]["outcome"] == "pass"
    assert guaranteed["no_overpromise"]["outcome"] == "fail"
    assert "definitely" in guaranteed["no_overpromise"]["evidence"][0]["text"]


def test_a_must_not_item_gets_a_higher_call_bar_than_an_item_to_be_said():
    """One loose sentence fails a whole call on a must-not item, and what it forbids is done in a minority of
    calls: its bar is set for behaviours said in MUST_NOT_SHARE of calls, so it sits higher."""
    rng = np.random.default_rng(0)
    owners = np.repeat(["a", "b", "c"], 400)
    truth = np.tile(np.r_[np.ones(40, bool), np.zeros(360, bool)], 3)
    logits = np.where(truth, rng.normal(1.0, 1.5, truth.size), rng.normal(-4.0, 1.5, truth.size))
    said = judge._best_call_bar_shift(logits, truth, owners)
    must_not = judge._best_call_bar_shift(logits, truth, owners, share=judge.MUST_NOT_SHARE)
    assert must_not < said
    model = phrases.active()
    assert model.must_not_platt[0] == model.item_platt[0] and model.must_not_platt[1] < model.item_platt[1]


def test_an_item_in_words_borrows_the_trained_head_of_a_behaviour_that_recognises_its_examples(tmp_path, settings,
                                                                                                  card):
    """Said in the QA lead's words, "apologises when the company got something wrong" is the library's `apologises`:
    the item is scored with that behaviour's trained head beside its own, and its result says so. Small talk about
    the weather is no built-in behaviour."""
    model = phrases.active()
    weather = ("Lovely sunny day out there today, isn't it?", "I hear it's meant to rain all weekend.",
               "The snow's been terrible up here this week.", "Bit windy where you are?")
    assert judge.claiming_behaviour(model, weather) is None
    item = next(item for item in card.items if item.id == "apologises_for_error")
    assert judge.claiming_behaviour(model, tuple(item.examples)) == "apologises"
    features = model.features(["I'm really sorry we let you down there.", "Your parcel arrives on Tuesday."])
    own = judge._item_head(model, item.description, tuple(item.examples), False).probability(features)
    trained = model.heads["apologises"].probability(features)
    assert np.allclose(judge.item_probability(model, item, features), (own + trained) / 2)
    # the customer says whose mistake it is: "You charged me twice" alone meets the condition for MiniLM (0.84) but
    # not for e5 (0.12), whose half of the probability (second_opinion) keeps it just under the bar
    checks = score_text(tmp_path, settings, card, "apology", """\
    [00:10] Customer: You charged me twice for the same month, that's your mistake.
    [00:15] Agent: Oh no, I'm so sorry about that, it's our error and I'll refund the second payment now.
    """)
    assert checks["apologises_for_error"]["outcome"] == "pass"
    assert checks["apologises_for_error"]["detail"]["trained_head"] == "apologises"


def test_items_in_words_and_their_conditions_are_read_by_both_encoders(tmp_path, settings, card):
    """An English call's item in words and its `applies_if` are each the mean of the fine-tuned judge's
    probability and e5's (multilingual.second_opinion), and e5's half is not a no-op."""
    path = tmp_path / "both.txt"
    path.write_text(textwrap.dedent(OPENING + """\
    [00:10] Customer: You charged me twice for the same month, that's your mistake.
    [00:15] Agent: Those twelve pounds are what we charge for the router you rent from us.
    """))
    record = read_call(path, settings.model_copy(update={"language": "en"}))
    classifier = phrases.active(settings.classifier_dir)
    items_in_words = judge.in_words(card.items, classifier)
    judge.score_items(record.utterances, card.items, classifier, items_in_words)
    english = [dict(u.scores) for u in record.utterances]
    multilingual.second_opinion(record.utterances, card.items, items_in_words)
    vectors = multilingual.encode([u.text for u in record.utterances])
    item = multilingual.item_heads(multilingual.wording(card.items))["explains_charges"].probability(vectors)
    condition = multilingual.applies_probability(multilingual.meaning(vectors, multilingual.pool().centre),
                                                 "The customer reports a mistake or failure by the company.")
    for key, e5 in {"explains_charges": item, judge.applies_key("apologises_for_error"): condition}.items():
        blended = np.array([u.scores[key] for u in record.utterances])
        alone = np.array([scores[key] for scores in english])
        assert np.allclose(blended, (alone + e5) / 2, atol=1e-6)
        assert np.abs(blended - alone).max() > 0.01
    assert score_call(path, settings, card)["versions"]["sentence_encoder"] == multilingual.encoder_version()
