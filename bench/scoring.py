"""Score a corpus subset and report item F1, interval matching, roles, and what checks cost.

    python bench/scoring.py [--subset synthetic] [--out DIR] [--reuse]

Scores every call (or reuses results already in --out with --reuse), then prints the evaluation
table of `callscore evaluate` and the share of total time each stage took (checks_s must stay a
small fraction of total_s).
"""
from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from common import CORPUS, corpus_calls, peak_rss_mb, table

from callscore.models import scorecards
from callscore.pipeline.evaluate import evaluate_folder, render
from callscore.pipeline.score import score_call, write_json
from callscore.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subset", default="synthetic")
    parser.add_argument("--out", type=Path, default=Path("out/bench-scoring"))
    parser.add_argument("--reuse", action="store_true", help="do not rescore calls that already have a result")
    args = parser.parse_args()
    settings = Settings.from_env()
    card = scorecards.load(settings.scorecard)
    stages = defaultdict(float)
    for path, _, _ in corpus_calls(args.subset):
        target = args.out / f"{path.stem}.json"
        if not (args.reuse and target.exists()):
            write_json(target, score_call(path, settings, card))
        for stage, seconds in json.loads(target.read_text())["timings"].items():
            stages[stage] += seconds
    print(render(evaluate_folder(CORPUS / args.subset, args.out)))
    print()
    total = stages.pop("total_s")
    print(table([{"stage": s, "seconds": v, "share_of_total_%": 100 * v / total} for s, v in stages.items()]
                + [{"stage": "total_s", "seconds": total, "share_of_total_%": 100.0}],
                ["stage", "seconds", "share_of_total_%"]))
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
