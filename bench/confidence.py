"""Does a verdict's confidence say when to look? Confidence against rightness over labelled transcript sets.

    python bench/confidence.py bench/judge_heldout_m bench/languages_heldout ...

Each folder is an English blind set (`calls/labels.json`; scored with the default scorecard and, where the
set has one, its `new_items.yaml`) or a language set (`ms/labels.json`, `id/...`; the default scorecard,
the language given as a sidecar gives it), scored through `callscore score`'s own path. Prints, per
scorecard family: how often a verdict is right at each confidence, how many of the wrong verdicts fall
under the scorecard's `flag_below_confidence` (where `low_confidence` asks a human to look), and, per call,
how many calls with a wrong verdict carry that flag: what a QA team catches by reviewing the flagged calls.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from callscore.core.scorecard import Scorecard
from callscore.models import scorecards
from callscore.pipeline.score import score_call
from callscore.settings import REPO_ROOT, Settings

LANGUAGES = ("ms", "id", "zh", "ur", "uk")
BINS = (0.0, 0.5, 0.65, 0.8, 0.9, 0.97, 1.01)  # a pass on a call e5 judged may clear a bar under 0.5
SURE = 0.9


def scored_calls(folder: Path, default: Scorecard):
    """(family, scorecard, transcript, language, labels) for every labelled call under a set's folder."""
    if (folder / "calls" / "labels.json").exists():
        cards = [("English, default scorecard", default)]
        if (folder / "new_items.yaml").exists():
            cards.append(("English, items in words", scorecards.load(folder / "new_items.yaml")))
        labels = json.loads((folder / "calls" / "labels.json").read_text())
        for family, card in cards:
            for call_id, expected in sorted(labels.items()):
                yield family, card, folder / "calls" / f"{call_id}.txt", None, expected
    for language in LANGUAGES:
        if (folder / language / "labels.json").exists():
            labels = json.loads((folder / language / "labels.json").read_text())
            for call_id, expected in sorted(labels.items()):
                yield "languages, default scorecard", default, folder / language / f"{call_id}.txt", language, expected


def report(family: str, verdicts: list[tuple[float, bool, bool, str]], calls: list[tuple[bool, bool]]) -> None:
    """verdicts: (confidence, right, under the scorecard's flag floor, labelled->judged); calls: (flagged
    low_confidence, a verdict wrong)."""
    right = sum(ok for _, ok, _, _ in verdicts)
    print(f"\n{family}: {len(calls)} calls, {len(verdicts)} verdicts, {right} right "
          f"({100 * right / len(verdicts):.1f} %)")
    print("  confidence    verdicts   right")
    for low, high in zip(BINS, BINS[1:]):
        inside = [ok for confidence, ok, _, _ in verdicts if low <= confidence < high]
        if inside:
            print(f"  {low:.2f}-{min(high, 1.0):.2f}  {len(inside):9d}  {100 * sum(inside) / len(inside):5.1f} %")
    under = [ok for _, ok, flagged, _ in verdicts if flagged]
    wrong = len(verdicts) - right
    print(f"  under the scorecard's flag floor: {len(under)} verdicts ({100 * len(under) / len(verdicts):.1f} %), "
          f"holding {len(under) - sum(under)} of the {wrong} wrong ones")
    sure_and_wrong = Counter(kind for confidence, ok, _, kind in verdicts if not ok and confidence >= SURE)
    print(f"  wrong at a confidence of {SURE} or more, labelled->judged: "
          + ", ".join(f"{kind} {n}" for kind, n in sure_and_wrong.most_common()))
    flagged = [wrong_call for is_flagged, wrong_call in calls if is_flagged]
    with_wrong = sum(wrong_call for _, wrong_call in calls)
    print(f"  calls flagged low_confidence: {len(flagged)} of {len(calls)}; calls with a wrong verdict: {with_wrong}, "
          f"of them flagged: {sum(flagged)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", type=Path, nargs="+", help="English blind sets and language sets (folders)")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    default = scorecards.load(REPO_ROOT / "scorecards" / "default.yaml")
    verdicts: dict[str, list[tuple[float, bool, bool, str]]] = defaultdict(list)
    calls: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for folder in args.sets:
        for family, card, transcript, language, expected in scored_calls(folder, default):
            document = score_call(transcript, settings, card, sidecar_language=language)
            judged = [(check["confidence"], check["outcome"] == str(expected[item_id]),
                       check["confidence"] < card.flag_below_confidence,
                       f"{expected[item_id]}->{check['outcome']}")
                      for item_id, check in document["checks"].items() if item_id in expected]
            verdicts[family] += judged
            calls[family].append(("low_confidence" in document["flags"], not all(ok for _, ok, _, _ in judged)))
        print("scored", folder, file=sys.stderr, flush=True)
    for family in verdicts:
        report(family, verdicts[family], calls[family])
    return 0


if __name__ == "__main__":
    sys.exit(main())
