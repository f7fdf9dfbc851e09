"""Recap on whole calls we wrote ourselves (bench/data/recap_calls.jsonl), never tuned on: the
default scorecard's recap item as shipped, side by side with the same item without the restatement
rule and with the earlier 120 s window, so what each part buys is measured in one run.

    python bench/recap_calls.py [--heard]

Half the calls recap what was done; the other half do not, but carry what a sentence classifier
mistakes for one (a note on the account, a confirmation by text or email, a new action near the
end, a double check of contact details). --heard speaks every line with espeak-ng at 8 kHz and
transcribes it with tiny.en first (as `callscore models augment` does), so the calls read as ASR.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import table

from callscore.checks import run_checks
from callscore.models import phrases
from callscore.models import scorecards
from callscore.pipeline.evaluate import item_scores
from callscore.core.record import CallRecord, Roles, Turn, Word
from callscore.core.scorecard import Window
from callscore.pipeline.utterances import split_turns
from callscore.settings import Settings

CALLS = Path(__file__).resolve().parent / "data" / "recap_calls.jsonl"
WORD_S, GAP_S = 0.35, 0.6
ROLE = {"a": "agent", "c": "customer"}


def build_record(call: dict, texts: list[str]) -> CallRecord:
    """Turns one after another at a steady speaking rate; each line is one turn."""
    turns, clock = [], 0.5
    for (speaker, _), text in zip(call["lines"], texts):
        words = []
        for token in text.split():
            words.append(Word(clock, clock + WORD_S, token, 1.0, ROLE[speaker]))
            clock += WORD_S
        turns.append(Turn(ROLE[speaker], words[0].start if words else clock, clock, words, ROLE[speaker]))
        clock += GAP_S
    utterances = split_turns(turns)
    phrases.score_utterances(utterances, phrases.active())
    return CallRecord(call["call"], {"path": call["call"], "duration_s": clock, "sample_rate": 16000, "channels": 2},
                      "", "en", turns, {"agent": [], "customer": []},
                      Roles({"agent": "agent", "customer": "customer"}, 1.0, "written"), "written", utterances)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--heard", action="store_true", help="run every line through espeak-ng and tiny.en first")
    args = parser.parse_args()
    settings = Settings.from_env()
    card = scorecards.load(settings.scorecard)
    shipped = next(i for i in card.items if i.id == "recap")
    variants = {"shipped": shipped,
                "no restatement rule": shipped.model_copy(update={"restates_min_similarity": None}),
                "no rule, last 120 s": shipped.model_copy(update={"restates_min_similarity": None,
                                                                  "window": Window(last_s=120)})}
    calls = [json.loads(line) for line in CALLS.read_text().splitlines() if line.strip()]
    if args.heard:
        from callscore.models import asr_augment, registry

        model = registry.load_whisper(settings)
        texts = [[asr_augment.heard(model, text) for _, text in call["lines"]] for call in calls]
    else:
        texts = [[text for _, text in call["lines"]] for call in calls]
    records = [build_record(call, lines) for call, lines in zip(calls, texts)]
    # a one-item scorecard per variant, so run_checks judges only the recap
    cards = {name: card.model_copy(update={"sections": [card.sections[0].model_copy(update={"items": [item]})]})
             for name, item in variants.items()}
    pairs = {name: [] for name in variants}
    rows = []
    for call, record in zip(calls, records):
        truth = "pass" if call["recap"] else "fail"
        row = {"call": call["call"], "truth": truth}
        for name, one in cards.items():
            result = run_checks(record, one, 5.0)[0]["recap"]
            pairs[name].append((truth, result.outcome))
            row[name] = result.outcome + ("" if result.outcome == truth else " (wrong)")
        rows.append(row)
    print(table(rows, ["call", "truth", *variants]))
    print()
    print(table([{"variant": name, "recap F1": item_scores(p)["f1"], "accuracy": item_scores(p)["accuracy"]}
                 for name, p in pairs.items()], ["variant", "recap F1", "accuracy"]))


if __name__ == "__main__":
    main()
