"""The phrase classifier: which scorecard behaviours an agent sentence realises.

Features are a sentence embedding (all-MiniLM-L6-v2: robust to paraphrase and to ASR slips) joined
with TF-IDF over spaCy lemmas (keeps exact cue words such as "recorded"). One calibrated logistic
regression per item, so a sentence can realise several items and every probability is usable as
a confidence. Artifacts are skops files whose sha256 is checked against their manifest before
loading, and only scikit-learn types are trusted.
"""
from __future__ import annotations

import functools
import hashlib
import json
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from callscore.models import registry

ITEMS = ("greeting", "recording_disclosure", "verify_identity", "ownership", "deflection", "recap",
         "anything_else", "closing", "hold_start", "hold_end",
         # outbound sales (scorecards/outbound_sales.yaml): disclosures and the do-not-call request
         "sales_identity", "sales_purpose", "product_disclosure", "dnc_request", "dnc_acknowledge")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TRAINING = Path(__file__).resolve().parent / "training"
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.")


@dataclass
class Example:
    text: str
    items: list[str]
    group: str
    source: str = "seed"


@dataclass
class TrainingConfig:
    seed: int = 0
    C: float = 16.0
    tfidf_weight: float = 1.0
    calibration_folds: int = 3
    threshold: float = 0.3


@dataclass
class PhraseClassifier:
    vectorizer: object  # TfidfVectorizer over lemmas
    classifiers: dict[str, object]  # item -> calibrated binary classifier
    config: TrainingConfig
    meta: dict = field(default_factory=dict)

    @property
    def version(self) -> str:
        return self.meta.get("version", "unsaved")

    def predict_proba(self, texts: list[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """[len(texts), len(ITEMS)] probabilities (embeddings: `encode(texts)`, when already at hand)."""
        if not texts:
            return np.zeros((0, len(ITEMS)))
        features = featurize(texts, self.vectorizer, self.config.tfidf_weight, embeddings)
        return np.column_stack([self.classifiers[item].predict_proba(features)[:, 1] for item in ITEMS])


def score_utterances(utterances, model: PhraseClassifier) -> None:
    """Fill each utterance's item probabilities and sentence embedding in place (one batched call
    per call record; the checks compare embeddings to find what a sentence restates)."""
    if not utterances:
        return
    texts = [u.text for u in utterances]
    embeddings = encode(texts)
    for utterance, row, embedding in zip(utterances, model.predict_proba(texts, embeddings), embeddings):
        utterance.scores = dict(zip(ITEMS, row.tolist()))
        utterance.embedding = embedding


def lemmatize(texts: list[str]) -> list[str]:
    nlp = registry.spacy_english()
    return [" ".join(t.lemma_.lower() for t in doc if not t.is_punct) for doc in nlp.pipe(texts, batch_size=256)]


def encode(texts: list[str]) -> np.ndarray:
    """Unit-length sentence embeddings: their dot product is the cosine similarity."""
    return registry.sentence_encoder().encode(texts, batch_size=64, normalize_embeddings=True)


def featurize(texts: list[str], vectorizer, tfidf_weight: float, embeddings: np.ndarray | None = None):
    from scipy import sparse

    embeddings = encode(texts) if embeddings is None else embeddings
    lexical = vectorizer.transform(lemmatize(texts)) * tfidf_weight
    return sparse.hstack([sparse.csr_matrix(embeddings), lexical]).tocsr()


def load_examples(path: Path, source: str = "seed") -> list[Example]:
    examples = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        unknown = set(row["items"]) - set(ITEMS)
        if unknown:
            raise ValueError(f"{path}:{number}: items: unknown {sorted(unknown)}")
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


def train(examples: list[Example], config: TrainingConfig) -> PhraseClassifier:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [ex.text for ex in examples]
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit(lemmatize(texts))
    features = featurize(texts, vectorizer, config.tfidf_weight)
    classifiers = {}
    for item in ITEMS:
        labels = np.array([item in ex.items for ex in examples], dtype=int)
        if labels.sum() < config.calibration_folds:
            raise ValueError(f"items.{item}: only {labels.sum()} positive examples; need {config.calibration_folds}")
        base = LogisticRegression(C=config.C, class_weight="balanced", max_iter=2000, random_state=config.seed)
        classifiers[item] = CalibratedClassifierCV(base, method="sigmoid", cv=config.calibration_folds).fit(
            features, labels)
    return PhraseClassifier(vectorizer, classifiers, config)


def evaluate(model: PhraseClassifier, examples: list[Example]) -> dict:
    """Per-item precision/recall/F1 at the model's threshold, plus macro F1 and Brier score."""
    probs = model.predict_proba([ex.text for ex in examples])
    report = {}
    for k, item in enumerate(ITEMS):
        truth = np.array([item in ex.items for ex in examples])
        pred = probs[:, k] >= model.config.threshold
        tp, fp, fn = int((pred & truth).sum()), int((pred & ~truth).sum()), int((~pred & truth).sum())
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report[item] = {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
                        "support": int(truth.sum()), "brier": round(float(np.mean((probs[:, k] - truth) ** 2)), 4)}
    # macro over the items the data has examples of (a set of inbound sentences says nothing about
    # the outbound items' F1)
    present = [i for i in ITEMS if report[i]["support"]] or list(ITEMS)
    report["macro_f1"] = round(float(np.mean([report[i]["f1"] for i in present])), 3)
    return report


def data_hash(examples: list[Example]) -> str:
    blob = json.dumps(sorted((ex.text, ex.items) for ex in examples)).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def save(model: PhraseClassifier, metrics: dict, training_hash: str, root: Path = ARTIFACTS) -> Path:
    import skops.io as sio

    from callscore import __version__

    version = f"phrases-{time.strftime('%Y%m%d-%H%M%S')}-{training_hash[:8]}"
    target = root / version
    target.mkdir(parents=True, exist_ok=False)
    # deflated: the per-fold coefficients over the TF-IDF vocabulary are mostly zeros (7 MB -> 2 MB)
    blob = sio.dumps({"vectorizer": model.vectorizer, "classifiers": model.classifiers},
                     compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    (target / "model.skops").write_bytes(blob)
    meta = {"version": version, "sha256": hashlib.sha256(blob).hexdigest(), "items": list(ITEMS),
            "config": asdict(model.config), "data_hash": training_hash, "code_version": __version__,
            "metrics": metrics, "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
    (target / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    model.meta = meta
    return target


def load(path: Path) -> PhraseClassifier:
    import skops.io as sio

    meta = json.loads((path / "meta.json").read_text())
    blob = (path / "model.skops").read_bytes()
    if hashlib.sha256(blob).hexdigest() != meta["sha256"]:
        raise ValueError(f"{path}: model.skops does not match the sha256 in meta.json; refusing to load it")
    untrusted = sio.get_untrusted_types(data=blob)
    unexpected = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
    if unexpected:
        raise ValueError(f"{path}: model.skops holds types outside scikit-learn: {unexpected}")
    state = sio.loads(blob, trusted=untrusted)
    return PhraseClassifier(state["vectorizer"], state["classifiers"], TrainingConfig(**meta["config"]), meta)


def active_version(root: Path = ARTIFACTS) -> str:
    marker = root / "ACTIVE"
    if not marker.exists():
        raise registry.ModelNotFound(f"no active phrase classifier in {root}: run `callscore models train`")
    return marker.read_text().strip()


def activate(version: str, root: Path = ARTIFACTS) -> None:
    if not (root / version / "meta.json").exists():
        raise ValueError(f"unknown classifier version {version!r} in {root}")
    (root / "ACTIVE").write_text(version + "\n")


@functools.cache
def load_cached(path: Path) -> PhraseClassifier:
    return load(path)


def active(root: Path = ARTIFACTS) -> PhraseClassifier:
    return load_cached(root / active_version(root))
