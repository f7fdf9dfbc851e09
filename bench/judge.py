"""The judge measured on sentences: built-in behaviours, items defined in words, leave-one-item-out.

    python bench/judge.py                  # the active judge
    python bench/judge.py --seeds 0 1 2    # also fine-tune candidates with these seeds (the spread)
    python bench/judge.py --loio           # also fine-tune without each inbound behaviour, then score
                                           # it from its description and four examples alone

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
    vectors = model.encode([ex.text for ex in examples])
    row = {b: f1(np.array([b in ex.items for ex in examples]), model.heads[b].probability(vectors) >= phrases.THRESHOLD)
           for b in behaviours}
    return row | {"macro": float(np.mean(list(row.values())))}


def words_scores(model, item_heads: dict, examples, behaviours) -> dict[str, float]:
    """F1 of items scored as a QA lead's new item is: a head fitted from its description and examples."""
    vectors = model.encode([ex.text for ex in examples])
    row = {b: f1(np.array([b in ex.items for ex in examples]), item_heads[b].probability(vectors) >= phrases.THRESHOLD)
           for b in behaviours}
    return row | {"macro": float(np.mean(list(row.values())))}


def new_items(model) -> dict[str, dict[str, float]]:
    """Items written by a separate writer as a QA lead would: each from its description and four
    examples ("from words"), and, where the judge's library has a behaviour of the same id, from that
    behaviour's trained head (what `callscore score` uses for such an item)."""
    card = scorecards.load(HELDOUT / "new_items.yaml")
    items = [i for i in card.items if i.kind in ("phrase", "absent_phrase")]
    examples = [phrases.Example(r["text"], r["items"], "") for r in read_jsonl(HELDOUT / "new_items_sentences.jsonl")
                if r.get("speaker", "agent") == "agent"]
    from_words = {i.id: judges.item_head(model, [i.description], i.examples) for i in items}
    rows = {"from words": words_scores(model, from_words, examples, [i.id for i in items])}
    if any(i.id in model.heads for i in items):
        trained = {i.id: model.heads.get(i.id, from_words[i.id]) for i in items}
        rows["library heads, else words"] = words_scores(model, trained, examples, [i.id for i in items])
    return rows


def left_out(train, heldout, behaviour, config, sets) -> dict[str, float]:
    """Fine-tune without the behaviour (its sentences removed), score it from one description and four
    training sentences, as a QA lead's new item would be."""
    descriptions = {b: d for b, d in judges.builtin_descriptions().items() if b != behaviour}
    without = [ex for ex in train if behaviour not in ex.items]
    heldout_without = [ex for ex in heldout if behaviour not in ex.items]
    model = judges.Judge(judges.fine_tune(without, descriptions, config), config=config)
    model.item_platt = judges.fit_item_platt(model, without, heldout_without, descriptions, seed=config.seed)
    model.negatives = model.encode([ex.text for ex in without])
    shown = random.Random(config.seed).sample([ex.text for ex in train if behaviour in ex.items], 4)
    heads = {behaviour: judges.item_head(model, judges.builtin_descriptions()[behaviour][:1], shown)}
    return {name: words_scores(model, heads, examples, [behaviour])[behaviour] for name, examples in sets.items()}


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
        scores = {b: left_out(train, heldout, b, config, sets) for b in INBOUND}
        print("\nleft-out behaviour, scored from its description + 4 examples\n" + table(
            {name: {b: scores[b][name] for b in INBOUND} | {"macro": float(np.mean([scores[b][name] for b in INBOUND]))}
             for name in sets}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
