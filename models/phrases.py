"""Phrase judging's data and versions: the training pool, training and evaluating a judge
(models/judge.py), its artifacts, and which version is active.

Artifacts are a folder per version: the fine-tuned layers (safetensors: tensors only, no code), the
heads' scalings as numbers in meta.json, and the sha256 of the layers checked before loading.
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from callscore.core.metrics import precision_recall_f1
from callscore.models import judge, registry

ITEMS = judge.BUILTIN_BEHAVIOURS
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TRAINING = Path(__file__).resolve().parent / "training"
TrainingConfig = judge.JudgeConfig
Judge = judge.Judge
# a probability from a head or a calibrated similarity: more likely realised than not
THRESHOLD = 0.5


@dataclass
class Example:
    text: str
    items: list[str]
    group: str
    source: str = "seed"


def score_utterances(utterances, model: Judge) -> None:
    """Each utterance's sentence vector and its probability of realising each built-in behaviour
    (one batched encoding per call; roles and holds read these, the scorecard's items add theirs)."""
    if not utterances:
        return
    vectors = model.encode([u.text for u in utterances])
    for utterance, vector in zip(utterances, vectors):
        utterance.embedding = vector
    features = model.features([u.text for u in utterances], vectors)
    for behaviour, head in model.heads.items():
        for utterance, probability in zip(utterances, head.probability(features)):
            utterance.scores[behaviour] = float(probability)


def load_examples(path: Path, source: str = "seed", known: tuple[str, ...] = ITEMS) -> list[Example]:
    examples = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        unknown = set(row["items"]) - set(known)
        if unknown:
            raise ValueError(f"{path}:{number}: items: unknown {sorted(unknown)} (an item defined in a scorecard: "
                             "pass that scorecard with --scorecard)")
        examples.append(Example(row["text"], row["items"], row.get("group", path.stem), row.get("source", source)))
    return examples


def deduplicate(examples: list[Example]) -> list[Example]:
    """One example per normalised text; labels of duplicates are merged."""
    merged: dict[str, Example] = {}
    for ex in examples:
        key = " ".join(ex.text.lower().split())
        if key in merged:
            merged[key].items = sorted(set(merged[key].items) | set(ex.items))
        else:
            merged[key] = Example(ex.text, sorted(ex.items), ex.group, ex.source)
    return list(merged.values())


def train(train_examples: list[Example], heldout_examples: list[Example], config: TrainingConfig,
          new_items: dict[str, list[str]] | None = None, progress=None) -> Judge:
    """Fine-tune the judge on the training groups; the heads' and new items' Platt scalings are fitted
    on held-out groups, so the probabilities they give mean what they say on sentences not trained on.
    new_items (item id -> its description) are items defined in words whose reviews are in the data:
    they train like built-in behaviours and get a head of their own once they have examples.
    `progress`: called after each batch, as judge.fine_tune calls it."""
    descriptions = judge.builtin_descriptions() | (new_items or {})
    trained_conditions, heldout_conditions = judge.conditions().split()
    model = judge.Judge(judge.fine_tuned_minilm(train_examples + condition_examples(trained_conditions),
                                                descriptions | condition_descriptions(trained_conditions), config,
                                                progress),
                        config=config)
    fit_heads_and_scalings(model, train_examples, heldout_examples, descriptions)
    model.applies_platt = judge.fit_applies_scaling(model.encode, heldout_conditions)
    return model


def fit_heads_and_scalings(model: Judge, train_examples: list[Example], heldout_examples: list[Example],
                           descriptions: dict[str, list[str]]) -> None:
    """On a fine-tuned encoder: the behaviours' heads, the scaling of items defined in words, and the pool's
    features those items are told apart from (each sentence encoded once)."""
    train_vectors = model.encode([ex.text for ex in train_examples])
    heldout_vectors = model.encode([ex.text for ex in heldout_examples])
    features = (model.features([ex.text for ex in train_examples], train_vectors),
                model.features([ex.text for ex in heldout_examples], heldout_vectors))
    model.heads = judge.fit_heads(model, train_examples, heldout_examples, list(descriptions), vectors=features)
    model.item_platt, model.must_not_platt = judge.fit_item_platt(model, train_examples, heldout_examples,
                                                                  descriptions, seed=model.config.seed,
                                                                  features=features)
    model.negatives = features[0]


def condition_examples(conditions: judge.Conditions) -> list[Example]:
    """The customer's lines that meet a condition, as examples of it (and neutral lines as examples of none),
    so the judge also learns to read a condition a QA lead writes in `applies_if`."""
    return ([Example(line, [judge.CONDITION_PREFIX + condition], judge.CONDITION_PREFIX + condition,
                     judge.CONDITION_SOURCE) for condition, said in conditions.said.items() for line in said]
            + [Example(line, [], "neutral", judge.CONDITION_SOURCE) for line in conditions.neutral])


def condition_descriptions(conditions: judge.Conditions) -> dict[str, list[str]]:
    return {judge.CONDITION_PREFIX + condition: [condition] for condition in conditions.said}


def evaluate(model: Judge, examples: list[Example]) -> dict:
    """Per-item precision/recall/F1 at THRESHOLD, plus macro F1 and Brier score. A behaviour no sentence of the
    set realises is not measured there: its precision, recall and F1 are None, not a 0.0 that reads as a failure."""
    features = model.features([ex.text for ex in examples])
    report = {}
    for item in model.heads:
        known = judge.labelled_mask(examples, item)
        probabilities = model.heads[item].probability(features[known])
        truth = np.array([item in ex.items for ex in examples], dtype=bool)[known]
        pred = probabilities >= THRESHOLD
        tp, fp, fn = int((pred & truth).sum()), int((pred & ~truth).sum()), int((~pred & truth).sum())
        precision, recall, f1 = (round(v, 3) for v in precision_recall_f1(tp, fp, fn)) if truth.any() else (None,) * 3
        # no sentence of the set says either way (a library behaviour on an inbound set): no Brier score, and
        # None where NaN would make the model's meta.json unreadable to strict JSON readers (jq, browsers)
        brier = round(float(np.mean((probabilities - truth) ** 2)), 4) if known.any() else None
        report[item] = {"precision": precision, "recall": recall, "f1": f1, "support": int(truth.sum()), "brier": brier}
    # macro over the items the data has examples of (a set of inbound sentences says nothing about
    # the outbound items' F1)
    present = [i for i in report if report[i]["support"]]
    report["macro_f1"] = round(float(np.mean([report[i]["f1"] for i in present])), 3) if present else None
    return report


def data_hash(examples: list[Example]) -> str:
    blob = json.dumps(sorted((ex.text, ex.items) for ex in examples)).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def save(model: Judge, metrics: dict, training_hash: str, root: Path = ARTIFACTS) -> Path:
    return judge.save(model, metrics, training_hash, root)


def load(path: Path) -> Judge:
    return judge.load(path)


def active_version(root: Path = ARTIFACTS) -> str:
    marker = root / "ACTIVE"
    if not marker.exists():
        raise registry.ModelNotFound(f"no active judge in {root}: run `callscore models build` (install.sh does)")
    return marker.read_text().strip()


def activate(version: str, root: Path = ARTIFACTS) -> None:
    if not (root / version / "meta.json").exists():
        raise ValueError(f"unknown classifier version {version!r} in {root}")
    (root / "ACTIVE").write_text(version + "\n")


@functools.cache
def load_cached(path: Path) -> Judge:
    return load(path)


def active(root: Path = ARTIFACTS) -> Judge:
    return load_cached(root / active_version(root))
