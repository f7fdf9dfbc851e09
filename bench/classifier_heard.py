"""The phrase classifier on held-out paraphrases as written and as the speech model hears them.

    python bench/classifier_heard.py [--version VERSION] [--sets heldout_fresh2 heldout_recap ...]

Each never-trained `models/training/heldout_*.jsonl` line is spoken by espeak-ng through an 8 kHz
phone band and transcribed by tiny.en (`models/asr_augment.py`), then both versions are scored
by the same classifier in one run: the gap is what ASR costs the checks. Transcripts are cached in
out/bench-heard/ so a second classifier version compares on the same heard text.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import table

from callscore.models import asr_augment, phrases, registry, training
from callscore.models.phrases import ARTIFACTS, Example
from callscore.settings import Settings

INBOUND = ("greeting", "recording_disclosure", "verify_identity", "ownership", "deflection", "recap",
           "anything_else", "closing")


def heard_versions(name: str, examples: list[Example], cache: Path) -> list[Example]:
    target = cache / f"{name}.json"
    known = json.loads(target.read_text()) if target.exists() else {}
    missing = [ex.text for ex in examples if ex.text not in known]
    if missing:
        model = registry.load_whisper(Settings.from_env())
        known |= {text: asr_augment.heard(model, text) for text in missing}
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(known, indent=1))
    return [Example(known[ex.text], ex.items, ex.group, "heard") for ex in examples]


def _macro(report: dict, items: list[str]) -> float:
    return sum(report[i]["f1"] for i in items) / len(items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", help="classifier version (default: the active one)")
    parser.add_argument("--sets", nargs="*", help="held-out set names (default: every heldout_* file)")
    parser.add_argument("--cache", type=Path, default=Path("out/bench-heard"))
    args = parser.parse_args()
    model = phrases.load(ARTIFACTS / (args.version or phrases.active_version()))
    sets = {name: ex for name, ex in training.paraphrase_sets().items() if not args.sets or name in args.sets}
    rows = []
    for name, examples in sets.items():
        written = phrases.evaluate(model, examples)
        heard = phrases.evaluate(model, heard_versions(name, examples, args.cache))
        items = [i for i in INBOUND if written[i]["support"]]
        if not items:
            continue
        rows.append({"set": name, "lines": len(examples), "written_macro_F1": _macro(written, items),
                     "heard_macro_F1": _macro(heard, items), "written_recap_F1": written["recap"]["f1"] if "recap" in items else None,
                     "heard_recap_F1": heard["recap"]["f1"] if "recap" in items else None})
    print(f"classifier {model.version}; macro over the inbound items each set has")
    print(table(rows, ["set", "lines", "written_macro_F1", "heard_macro_F1", "written_recap_F1", "heard_recap_F1"]))


if __name__ == "__main__":
    main()
