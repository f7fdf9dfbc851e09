"""Calls in Malay, Indonesian, Chinese, Urdu and Ukrainian scored from their transcripts: item verdicts and
announced holds against labels written with the calls (issue 16).

    python bench/languages_judge.py [--calls bench/languages_heldout] [--languages ms id]

Each `<lang>/call_NN.txt` (`[mm:ss] Agent: ...` lines, written by a separate writer who never saw the judge's
data or the translated scorecards) is scored through `callscore score`'s own path (bench/judge_calls.py's),
its language given as a sidecar would give it, twice: with the default scorecard (English descriptions and
examples only, not a word of the call's language) and with that language's translated scorecard
(scorecards/default.<lang>.yaml). Prints per item the verdicts right over the calls and macro F1 (over the
outcomes the labels use) with the wrong verdicts by kind (`pass->fail`: labelled pass, judged fail),
`hold_announced` (did the result find an announced hold), and the judging time
per sentence against the calls' length.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from judge_calls import macro_f1

from callscore.models import multilingual
from callscore.models import scorecards as scorecard
from callscore.pipeline.score import score_call
from callscore.settings import REPO_ROOT, Settings

HERE = Path(__file__).resolve().parent
HOLD = "hold_announced"


def verdicts(calls: Path, language: str, card, settings: Settings) -> tuple[dict, dict, float, float]:
    """(truth, predicted) per label over the calls, the seconds spent judging and the calls' seconds."""
    labels = json.loads((calls / "labels.json").read_text())
    truth: dict[str, list[str]] = {}
    predicted: dict[str, list[str]] = {}
    judging_s = call_s = 0.0
    for call_id, expected in sorted(labels.items()):
        document = score_call(calls / f"{call_id}.txt", settings, card, sidecar_language=language)
        judging_s += document["timings"].get("checks_s", 0.0)
        call_s += document["audio"]["duration_s"] or 0.0
        outcomes = {item: check["outcome"] for item, check in document["checks"].items()}
        outcomes[HOLD] = str(bool(document["holds"]))
        for item, outcome in expected.items():
            truth.setdefault(item, []).append(str(outcome))
            predicted.setdefault(item, []).append(outcomes.get(item, "missing"))
    return truth, predicted, judging_s, call_s


def report(name: str, truth: dict, predicted: dict) -> float:
    print(f"\n{name}")
    rows = {item: macro_f1(truth[item], predicted[item]) for item in truth}
    for item, f1 in rows.items():
        right = sum(t == p for t, p in zip(truth[item], predicted[item]))
        wrong = Counter(f"{t}->{p}" for t, p in zip(truth[item], predicted[item]) if t != p)
        print(f"  {item:<22} right {100 * right / len(truth[item]):5.1f} %   F1 {f1:.2f}   "
              + "  ".join(f"{k} {n}" for k, n in sorted(wrong.items())))
    macro = float(np.mean(list(rows.values())))
    print(f"  {'macro F1':<22} {macro:.3f}")
    return macro


def sentences_per_second() -> float:
    """The encoder alone on a batch of call-length sentences (what judging a call costs beyond the heads)."""
    texts = ["Sila tunggu sebentar, saya semak akaun encik dalam sistem kami."] * 64
    multilingual.encode(texts[:2])  # loads the model
    started = time.perf_counter()
    multilingual.encode(texts)
    return len(texts) / (time.perf_counter() - started)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=Path, default=HERE / "languages_heldout")
    parser.add_argument("--languages", nargs="*", default=["ms", "id", "zh", "ur", "uk"])
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    default = scorecard.load(REPO_ROOT / "scorecards" / "default.yaml")
    summary = []
    for language in args.languages:
        calls = args.calls / language
        if not (calls / "labels.json").is_file():
            print(f"\n{language}: no labelled calls under {calls}")
            continue
        cards = {"default scorecard (English only)": default,
                 "translated scorecard": scorecard.load(REPO_ROOT / "scorecards" / f"default.{language}.yaml")}
        for name, card in cards.items():
            multilingual.heads(multilingual.wording(card.items))  # fitted once per wording, not a call's cost
            started = time.perf_counter()
            truth, predicted, judging_s, call_s = verdicts(calls, language, card, settings)
            macro = report(f"{language}, {name} ({len(next(iter(truth.values())))} calls, "
                           f"{time.perf_counter() - started:.0f} s)", truth, predicted)
            print(f"  judging and checks {judging_s:.1f} s for {call_s:.0f} s of calls "
                  f"({100 * judging_s / max(call_s, 1e-9):.1f} %)")
            summary.append((language, name, macro))
    print(f"\nencoder: {1000 / sentences_per_second():.0f} ms a sentence")
    for language, name, macro in summary:
        print(f"  {language}  {name:<36} macro F1 {macro:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
