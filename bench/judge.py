"""The judge measured on sentences: built-in behaviours, items defined in words, leave-one-item-out.

    python bench/judge.py                  # the active judge
    python bench/judge.py --seeds 0 1 2    # also fine-tune candidates with these seeds (the spread)
    python bench/judge.py --loio           # also fine-tune without a fold of behaviours (the eight
                                           # inbound ones; the library's in three folds), then score
                                           # each from its description and four examples alone

Utterance-level F1 at the scorecard threshold (0.5) of the eight inbound behaviours, from the trained
heads, on
  - `ours`: the held-out paraphrase files (models/training/heldout_*.jsonl; written the way the
    training lines were, so optimistic),
  - `judge_heldout`: bench/judge_heldout/sentences.jsonl (written by a separate writer who never saw
    the training data, before any model was measured on it; the honest figure),
  - `corpus`: the shared corpus's agent turns with their tags, as written (when the folder exists;
    whole turns, several sentences each).
and of items the judge was not built for, from their description and examples only
(bench/judge_heldout/new_items.yaml, scored on new_items_sentences.jsonl).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

from callscore.models import judge as judges
from callscore.models import phrases, training
from callscore.models import scorecards

INBOUND = phrases.ITEMS[:8]
HERE = Path(__file__).resolve().parent
HELDOUT = HERE / "judge_heldout"


def f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    tp = int((truth & predicted).sum())
    fp, fn = int((~truth & predicted).sum()), int((truth & ~predicted).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def corpus_turns(folder: Path) -> list[phrases.Example]:
    return [phrases.Example(turn["text"], [t for t in turn["tags"] if t in INBOUND], path.stem)
            for path in sorted(folder.glob("call_*.json"))
            for turn in json.loads(path.read_text())["turns"] if turn["speaker"] == "agent"]


def test_sets(corpus: Path | None) -> dict[str, list[phrases.Example]]:
    sets = {"ours": phrases.deduplicate([ex for examples in training.paraphrase_sets().values() for ex in examples
                                         if set(ex.items) <= set(INBOUND)])}
    if (HELDOUT / "sentences.jsonl").exists():
        sets["judge_heldout"] = [phrases.Example(r["text"], r["items"], r.get("group", ""))
                                 for r in read_jsonl(HELDOUT / "sentences.jsonl")]
    if corpus and corpus.exists():
        sets["corpus"] = corpus_turns(corpus)
    return sets


def head_scores(model, examples, behaviours) -> dict[str, float]:
    features = model.features([ex.text for ex in examples])
    row = {b: f1(np.array([b in ex.items for ex in examples]), model.heads[b].probability(features) >= phrases.THRESHOLD)
           for b in behaviours}
    return row | {"macro": float(np.mean(list(row.values())))}


def words_scores(model, item_heads: dict, examples, behaviours) -> dict[str, float]:
    """F1 of items scored as a QA lead's new item is: a head fitted from its description and examples."""
    features = model.features([ex.text for ex in examples])
    row = {b: f1(np.array([b in ex.items for ex in examples]), item_heads[b].probability(features) >= phrases.THRESHOLD)
           for b in behaviours}
    return row | {"macro": float(np.mean(list(row.values())))}


def new_items(model) -> dict[str, dict[str, float]]:
    """Items written by a separate writer as a QA lead would: each from its description and four
    examples ("from words"), and, where the judge's library has a behaviour of the same id, from that
    behaviour's trained head (what `callscore score` uses for such an item)."""
    card = scorecards.load(HELDOUT / "new_items.yaml")
    items = [i for i in card.items if i.judged]
    examples = [phrases.Example(r["text"], r["items"], "") for r in read_jsonl(HELDOUT / "new_items_sentences.jsonl")
                if r.get("speaker", "agent") == "agent"]
    from_words = {i.id: judges.item_head(model, [i.description], i.examples) for i in items}
    rows = {"from words": words_scores(model, from_words, examples, [i.id for i in items])}
    if any(i.id in model.heads for i in items):
        trained = {i.id: model.heads.get(i.id, from_words[i.id]) for i in items}
        rows["library heads, else words"] = words_scores(model, trained, examples, [i.id for i in items])
    return rows


def fold_judge(train, heldout, behaviours, config, tune: bool = True, keep: Path | None = None):
    """A judge fine-tuned without the behaviours (every sentence realising one of them removed, their
    descriptions too), with the other behaviours' heads and its item scaling, as `callscore` would have it.
    tune=False: the packaged MiniLM as it is (what fine-tuning adds). keep: a folder where fold judges are
    saved, and read back instead of fine-tuning again when one left out the same behaviours."""
    left = set(behaviours)
    descriptions = {b: d for b, d in judges.builtin_descriptions().items() if b not in left}
    without = [ex for ex in train if not left & set(ex.items)]
    heldout_without = [ex for ex in heldout if not left & set(ex.items)]
    model = judges.Judge(_fold_encoder(without, descriptions, behaviours, config, keep) if tune
                         else judges.base_encoder(), config=config)
    phrases.fit_heads_and_scalings(model, without, heldout_without, descriptions)
    return model


def _fold_encoder(without, descriptions, behaviours, config, keep: Path | None):
    """MiniLM fine-tuned on `without`: read back from `keep` when a fold judge left out the same behaviours
    (only its encoder: the heads and scalings are fitted again by today's code), else fine-tuned (and kept)."""
    for folder in sorted(keep.glob("judge-*")) if keep else []:
        if json.loads((folder / "meta.json").read_text())["metrics"].get("left_out") == list(behaviours):
            return judges.load(folder).encoder
    model = judges.Judge(judges.fine_tuned_minilm(without, descriptions, config), config=config)
    if keep:
        judges.save(model, {"left_out": list(behaviours)}, phrases.data_hash(without), keep)
    return model.encoder


def left_out(model, train, behaviours, sets, seed: int = 0) -> dict[str, dict[str, float]]:
    """Each left-out behaviour scored from one description and four of its sentences, as a QA lead's new
    item is. `sets` maps a name to the examples to score on (the four shown are taken out of them)."""
    rng = random.Random(seed)
    shown = {b: rng.sample([ex.text for ex in train if b in ex.items], 4) for b in behaviours}
    heads = {b: judges.item_head(model, judges.builtin_descriptions()[b][:1], shown[b]) for b in behaviours}
    hidden = {text for texts in shown.values() for text in texts}
    return {name: words_scores(model, heads, [ex for ex in examples if ex.text not in hidden], behaviours)
            for name, examples in sets.items()}


def loio_folds(train, heldout, sets) -> list[tuple[list[str], dict]]:
    """The eight inbound behaviours left out together (scored on the sentence sets above), then the
    library's behaviours in three folds of eight, each scored on the library's sentences of that fold
    and the library's held-out groups (one writer wrote a behaviour's examples and its test lines:
    optimistic beside bench/judge_heldout)."""
    library = sorted(judges.LIBRARY_BEHAVIOURS)
    folds = [(list(INBOUND), sets)]
    held = {id(ex) for ex in heldout}
    for k in range(3):
        fold = library[k::3]
        lines = [ex for ex in train + heldout if ex.source == judges.LIBRARY_SOURCE
                 and (set(fold) & set(ex.items) or id(ex) in held)]
        folds.append((fold, {"library": lines}))
    return folds


def table(rows: dict[str, dict[str, float]]) -> str:
    columns = list(next(iter(rows.values())))
    lines = [f"{'':<36}" + "".join(f"{c[:10]:>11}" for c in columns)]
    lines += [f"{name:<36}" + "".join(f"{row[c]:>11.3f}" for c in columns) for name, row in rows.items()]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", help="a judge version in models/artifacts (default: the active one)")
    parser.add_argument("--seeds", type=int, nargs="*", default=[])
    parser.add_argument("--loio", action="store_true")
    parser.add_argument("--keep", type=Path, help="with --loio: keep each fold's fine-tuned judge in this folder (and reuse it)")
    parser.add_argument("--corpus", type=Path, default=HERE.parent.parent / "shared" / "corpus" / "synthetic")
    args = parser.parse_args(argv)
    sets = test_sets(args.corpus)
    models = {args.version or phrases.active_version(): phrases.load(phrases.ARTIFACTS / (args.version or
                                                                                         phrases.active_version()))}
    train, heldout, _ = training.dataset(None, None)
    for seed in args.seeds:
        started = time.perf_counter()
        models[f"candidate seed {seed}"] = phrases.train(train, heldout, phrases.TrainingConfig(seed=seed))
        print(f"seed {seed}: fine-tuned in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    rows, novel = {}, {}
    for name, model in models.items():
        for set_name, examples in sets.items():
            rows[f"{name[:24]} {set_name}"] = head_scores(model, examples, INBOUND)
        if (HELDOUT / "new_items.yaml").exists():
            novel |= {f"{name[:24]} {how}": row for how, row in new_items(model).items()}
    print("built-in behaviours, trained heads\n" + table(rows))
    if novel:
        print("\nitems defined in words (bench/judge_heldout/new_items.yaml), description + 4 examples\n" + table(novel))
    if args.loio:
        config = phrases.TrainingConfig(seed=0)
        for behaviours, fold_sets in loio_folds(train, heldout, sets):
            for tuned in (False, True):
                started = time.perf_counter()
                model = fold_judge(train, heldout, behaviours, config, tune=tuned, keep=args.keep)
                scores = left_out(model, train, behaviours, fold_sets, config.seed)
                how = "fine-tuned without them" if tuned else "MiniLM as packaged"
                print(f"\nleft out, scored from description + 4 examples ({how}, "
                      f"{time.perf_counter() - started:.0f} s)\n" + table(scores), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
