"""Redaction recall and false-redaction rate on the labelled sets.

    python bench/redaction.py [--set tests/redaction_set.jsonl] [--heldout tests/redaction_heldout.jsonl] [--show]

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
look-alike lines with any word masked, share of words outside entities masked. The scoring is
`callscore.pipeline.redact.evaluate`, the same function the tests assert on.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import table

from callscore.pipeline.redact import RedactionConfig, evaluate

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"card_number": 0.99, "security_code": 0.99}  # every other type: 0.95
FALSE_MAX = 0.02


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def report(name: str, path: Path, show: bool) -> bool:
    result = evaluate(load(path), RedactionConfig())
    ok = True
    for row in result["rows"]:
        target = TARGETS.get(row["type"], 0.95)
        row["target"] = target
        row["met"] = "yes" if row["recall"] >= target else "NO"
        ok &= row["type"] == "ALL" or row["recall"] >= target
    print(f"\n== {name}: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(table(result["rows"], ["type", "entities", "caught", "recall", "target", "met", "type_ok"]))
    print(f"look-alike lines: {result['lookalikes']}, with any word masked: {result['lookalike_false_rate']:.3%}  "
          f"| non-entity words masked: {result['word_false_rate']:.3%}  (target <= {FALSE_MAX:.0%})")
    ok &= result["lookalike_false_rate"] <= FALSE_MAX and result["word_false_rate"] <= FALSE_MAX
    if show:
        for miss in result["misses"]:
            print("MISS ", *miss)
        for hit in result["false_hits"]:
            print("FALSE", *hit)
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", type=Path, default=ROOT / "tests" / "redaction_set.jsonl")
    parser.add_argument("--heldout", type=Path, default=ROOT / "tests" / "redaction_heldout.jsonl")
    parser.add_argument("--show", action="store_true", help="print every miss and false redaction")
    args = parser.parse_args()
    ok = report("labelled set", args.set, args.show)
    if args.heldout.exists():
        ok = report("held-out set", args.heldout, args.show) and ok
    print("\nall targets met" if ok else "\ntargets NOT met")


if __name__ == "__main__":
    main()
