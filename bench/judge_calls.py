"""Whole calls scored from their transcripts: item verdicts against labels written with the calls.

    python bench/judge_calls.py [--calls bench/judge_heldout/calls]

The calls (`call_NN.txt`, `[mm:ss] Agent: ...` lines) and `labels.json` were written by a separate
writer who never saw the training data, before any model was measured on them. Each call is scored with
the default scorecard (the eight built-in items and dead air) and with `new_items.yaml` (items the
judge was not built for, each from its description and four examples), through `callscore score`'s own
path (transcript input, roles from the file, the judge, the checks). Prints per-item macro F1 over
pass/fail (not_applicable counted as its own class where the labels use it) and the verdicts right;
`--totals` prints only each scorecard's macro F1 and verdicts right, the way a blind set is read.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from callscore.models import scorecards
from callscore.pipeline.score import score_call
from callscore.settings import REPO_ROOT, Settings

HERE = Path(__file__).resolve().parent


def macro_f1(truth: list[str], predicted: list[str]) -> float:
    """F1 averaged over the outcomes the labels use (pass/fail, and not_applicable where labelled)."""
    scores = []
    for outcome in sorted(set(truth)):
        tp = sum(t == p == outcome for t, p in zip(truth, predicted))
        fp = sum(p == outcome != t for t, p in zip(truth, predicted))
        fn = sum(t == outcome != p for t, p in zip(truth, predicted))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0)
    return float(np.mean(scores))


def print_items(rows: dict[str, float], truth: dict[str, list[str]], predicted: dict[str, list[str]]) -> None:
    for item_id, f1 in rows.items():
        correct = sum(t == p for t, p in zip(truth[item_id], predicted[item_id]))
        wrong = Counter(f"{t}->{p}" for t, p in zip(truth[item_id], predicted[item_id]) if t != p)
        print(f"  {item_id:<26} F1 {f1:.2f}   right {correct}/{len(truth[item_id])}   "
              + ", ".join(f"{pair} {n}" for pair, n in wrong.most_common()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=Path, default=HERE / "judge_heldout" / "calls")
    parser.add_argument("--totals", action="store_true",
                        help="only the macro F1 and verdicts right per scorecard, not per item (for blind sets)")
    args = parser.parse_args(argv)
    labels = json.loads((args.calls / "labels.json").read_text())
    settings = Settings.from_env()
    cards = {"default": scorecards.load(REPO_ROOT / "scorecards" / "default.yaml"),
             "in words": scorecards.load(args.calls.parent / "new_items.yaml")}
    for name, card in cards.items():
        ids = [item.id for item in card.items]
        truth = {i: [] for i in ids}
        predicted = {i: [] for i in ids}
        for call_id, expected in sorted(labels.items()):
            checks = score_call(args.calls / f"{call_id}.txt", settings, card)["checks"]
            for item_id in ids:
                if item_id in expected:
                    truth[item_id].append(expected[item_id])
                    predicted[item_id].append(checks[item_id]["outcome"])
        print(f"\n{name} scorecard ({len(labels)} calls)")
        rows = {i: macro_f1(truth[i], predicted[i]) for i in ids if truth[i]}
        right = sum(t == p for i in rows for t, p in zip(truth[i], predicted[i]))
        total = sum(len(truth[i]) for i in rows)
        if not args.totals:
            print_items(rows, truth, predicted)
        print(f"  {'macro':<26} F1 {np.mean(list(rows.values())):.3f}   verdicts right {right}/{total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
