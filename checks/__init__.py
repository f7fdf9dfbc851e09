"""Run a scorecard's checks over a call record. Importing this package registers every check kind."""
from __future__ import annotations

from callscore.checks import phrases, silence  # noqa: F401  (registers the check kinds)
from callscore.checks.base import CHECKS, CallContext, CheckResult, not_applicable
from callscore.checks.silence import find_dead_air, find_holds
from callscore.checks.talk import talk_metrics
from callscore.core.record import CallRecord
from callscore.core.scorecard import Item, Scorecard

__all__ = ["CHECKS", "CallContext", "CheckResult", "run_checks", "script_order", "talk_metrics"]


def _not_applicable(record: CallRecord, item: Item) -> CheckResult | None:
    if item.kind == "dead_air" and not record.timed:
        return not_applicable("the transcript has no times")
    rule = item.not_applicable_if
    if rule is None:
        return None
    if rule.shorter_than_s and record.duration_s < rule.shorter_than_s:
        return not_applicable(f"call shorter than {rule.shorter_than_s:g} s")
    if rule.no_customer_speech and not any(u.speaker == "customer" and u.text for u in record.utterances):
        return not_applicable("the customer never spoke")
    return None


def run_checks(record: CallRecord, card: Scorecard, min_silence_s: float) -> tuple[dict[str, CheckResult], CallContext]:
    dead_air_items = [i for i in card.items if i.kind == "dead_air" and i.min_silence_s]
    threshold = dead_air_items[0].min_silence_s if dead_air_items else min_silence_s
    holds = find_holds(record)
    context = CallContext(dead_air=find_dead_air(record, holds, threshold), holds=holds)
    results = {item.id: _not_applicable(record, item) or CHECKS[item.kind](record, item, context)
               for item in card.items}
    return results, context


def script_order(card: Scorecard, results: dict[str, CheckResult]) -> dict:
    """Each script step found or missing, and pairs [X, Y] where X came first though Y should."""
    steps, when = [], {}
    for step in card.script:
        result = results[step]
        found = result.outcome == "pass" and bool(result.evidence)
        if found:
            when[step] = min(e["start"] for e in result.evidence)
        steps.append({"item": step, "found": found, "start": when.get(step)})
    found_steps = [s for s in card.script if s in when]
    violations = [[later, earlier] for i, earlier in enumerate(found_steps) for later in found_steps[i + 1:]
                  if when[later] < when[earlier]]
    return {"steps": steps, "order_violations": violations}
