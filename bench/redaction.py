"""Redaction recall and false-redaction rate on the labelled sets, each set on its own and side by side.

    python bench/redaction.py [--sets PATH ...] [--show]

Default sets (all under tests/), and what each one is worth as a measurement:
- redaction_set.jsonl       the development set the rules were written against;
- redaction_heldout.jsonl   written after the first version, then used to fix its misses (development too now);
- redaction_heldout2.jsonl  written before the second round of changes and not tuned on, but its miss list was
                            seen once before those changes (a few fixed classes overlap it, see the commit log);
- redaction_heldout3.jsonl  written before the second round of changes; only its aggregate figures were seen
                            until those changes were done; its one remaining miss (exp date 02 / 29) was then
                            fixed in round 4, so it is development data now too;
- redaction_heldout4.jsonl  written before the round-4 changes (more card and security-code forms: halves over
                            turns with backchannels, Amex/13/19 digits, no card word; 161 look-alike lines);
                            measured once before (ALL 0.872) and once after the round-4 changes (0.896);
                            its miss list was then read and general classes of it fixed, so later figures
                            on it are contaminated;
- redaction_heldout5.jsonl  written before the round-5 changes (cards read group by group after the agent's
                            "first four? / next four / last four", Luhn-failing cards in clear card context,
                            security codes split over backchannels, Amex/13/19 digits; 199 look-alike lines);
                            measured once before (ALL 0.828) and once after the round-5 general rules (0.970,
                            clean); its miss list was then read and general classes of it fixed (house names,
                            "nineteen of them", spelled "c v v two"), so later figures on it are contaminated.
                            Its three remaining misses are a card's last four said on their own ("the one
                            ending in 4471"): the earlier sets label that form a look-alike, so the two
                            conventions disagree and the code follows the earlier sets.
- redaction_fresh_dob.jsonl issue 18: written and committed before the date-of-birth and postcode code was read
                            or changed (dates of birth in UK/US/Indian/Filipino orders, in words and digits,
                            answers split over sentences and turns, years alone after "born"; misheard
                            postcodes and US zip codes; other dates and "born" without a date as look-alikes);
                            measured before the changes (ALL 0.840, precision 0.964), then its misses were read and
                            fixed (1.000, 1.000), so it is development data now;
- redaction_fresh_dob2.jsonl written after the issue-18 code but before it was run on it, measured once (ALL 0.818,
                            precision 0.987; 0.591 and 0.906 on the code before): the honest figure. Its misses
                            were left as they are: ordinal day and month alone ("thirteenth. eleventh."), the
                            month and day said after the year ("born 1974, march... the eighteenth"), a holiday
                            ("christmas eve, eighty five"); e04's label takes in "the", unlike the other sets.

Before and after redaction became a registry of recognisers (pipeline/redaction/, issues 15 and 18), every
figure here was the same on every set: the README's *How redaction is built* has the table.

Set format (one JSON object per line):
    {"id": "card003-1", "call": "card003", "turn": 1, "text": "it's four five three two ...",
     "entities": [{"type": "card_number", "start_word": 1, "end_word": 16}]}
- start_word / end_word index text.split(), end inclusive; "type" is one of redact.TYPES.
- the turns of one "call" are redacted together as one word stream in "turn" order, so a card number
  read over two turns (two lines with the same call and consecutive turns, each holding its part as
  an entity of the same type) is judged as it would be in a real call.
- a line with no entities is a look-alike (order numbers, prices, times, ticket ids, the agent's own
  questions...): none of its words may be masked.

Per type: entities, caught (all words of the entity masked, whatever mask type), recall, type_ok
(share of caught entities masked with the right type). Then the false-redaction rates: share of
look-alike lines with any word masked, share of words outside entities masked; and precision, the share of
masked words that are inside an entity. The scoring is
`callscore.pipeline.redaction.evaluation.evaluate`, the same function the tests assert on.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import table

from callscore.pipeline.redact import TYPES, RedactionConfig
from callscore.pipeline.redaction.evaluation import evaluate

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SETS = [ROOT / "tests" / name for name in
                ("redaction_set.jsonl", "redaction_heldout.jsonl", "redaction_heldout2.jsonl",
                 "redaction_heldout3.jsonl", "redaction_heldout4.jsonl", "redaction_heldout5.jsonl",
                 "redaction_fresh_dob.jsonl", "redaction_fresh_dob2.jsonl")]
TARGETS = {"card_number": 0.99, "security_code": 0.99}  # every other type: 0.95
FALSE_MAX = 0.02


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def targets_met(result: dict) -> bool:
    recall_ok = all(row["recall"] >= TARGETS.get(row["type"], 0.95) for row in result["rows"] if row["type"] != "ALL")
    return recall_ok and result["lookalike_false_rate"] <= FALSE_MAX and result["word_false_rate"] <= FALSE_MAX


def report(path: Path, result: dict, show: bool) -> None:
    for row in result["rows"]:
        row["target"] = TARGETS.get(row["type"], 0.95)
        row["met"] = "yes" if row["recall"] >= row["target"] else "NO"
    print(f"\n== {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(table(result["rows"], ["type", "entities", "caught", "recall", "target", "met", "type_ok"]))
    print(f"look-alike lines: {result['lookalikes']}, with any word masked: {result['lookalike_false_rate']:.3%}  "
          f"| non-entity words masked: {result['word_false_rate']:.3%}  (target <= {FALSE_MAX:.0%})  "
          f"| precision (masked words inside entities): {result['word_precision']:.3f}")
    if show:
        for miss in result["misses"]:
            print("MISS ", *miss)
        for hit in result["false_hits"]:
            print("FALSE", *hit)


def side_by_side(results: dict[str, dict]) -> str:
    """One row per type, one column per set: recall (caught/entities); then the false-redaction rates."""
    rows = []
    for kind in (*TYPES, "ALL"):
        row = {"type": kind}
        for name, result in results.items():
            got = next((r for r in result["rows"] if r["type"] == kind), None)
            row[name] = f"{got['recall']:.3f} ({got['caught']}/{got['entities']})" if got else None
        rows.append(row)
    rows.append({"type": "look-alike lines masked",
                 **{name: f"{r['lookalike_false_rate']:.2%} (of {r['lookalikes']})" for name, r in results.items()}})
    rows.append({"type": "non-entity words masked",
                 **{name: f"{r['word_false_rate']:.2%}" for name, r in results.items()}})
    rows.append({"type": "precision (masked words)",
                 **{name: f"{r['word_precision']:.3f}" for name, r in results.items()}})
    rows.append({"type": "all targets met",
                 **{name: "yes" if targets_met(r) else "NO" for name, r in results.items()}})
    return table(rows, ["type", *results])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", type=Path, nargs="+", default=DEFAULT_SETS)
    parser.add_argument("--show", action="store_true", help="print every miss and false redaction")
    args = parser.parse_args()
    results = {}
    for path in args.sets:
        if not path.exists():
            print(f"\n(skipped, not found: {path})")
            continue
        results[path.stem] = evaluate(load(path), RedactionConfig())
        report(path, results[path.stem], args.show)
    print("\n== side by side: recall per type (caught/entities), false redaction")
    print(side_by_side(results))
    print("\nall targets met" if all(targets_met(r) for r in results.values()) else "\ntargets NOT met")


if __name__ == "__main__":
    main()
