"""A scored call as its callscore.result/1 document (callscore.core.result), and the flags that ask a human to look."""
from __future__ import annotations

from callscore import __version__
from callscore.checks import CheckResult, script_order, talk_metrics
from callscore.checks.base import CallContext
from callscore.core import scorecard as scorecards
from callscore.core.record import CallRecord
from callscore.core.result import ResultDocument, Versions
from callscore.core.scorecard import Scorecard

ROLE_CONFIDENCE_FLOOR = 0.7


def flags_for(card: Scorecard, checks: dict[str, CheckResult], record: CallRecord | None, context, script) -> list[str]:
    """Flags from the unrounded verdicts (a confidence of 0.6496 is below a 0.65 floor though it is written 0.65)."""
    flags = []
    items = {item.id: item for item in card.items}
    for item_id, result in checks.items():
        if result.outcome == "fail" and items[item_id].auto_fail:
            flags.append(f"auto_fail:{item_id}")
    # a not_applicable is as sure as its reason: a call too short is certain, a condition nearly met is not
    if any(r.confidence < card.flag_below_confidence for r in checks.values()):
        flags.append("low_confidence")
    if context is not None and context.dead_air:
        flags.append("dead_air")
    if any(items[i].must_not and r.outcome == "fail" for i, r in checks.items()):
        flags.append("deflection")
    if record is not None and record.roles.confidence < ROLE_CONFIDENCE_FLOOR:
        flags.append("role_uncertain")
    if script and script["order_violations"]:
        flags.append("order_violation")
    if any(r.detail.get("requested") for r in checks.values()):
        flags.append("do_not_call")
    if record is not None and record.audio.get("truncated"):
        flags.append("truncated")  # scored with --allow-partial: the end of the call is missing
    return flags


def build(record: CallRecord, card: Scorecard, checks: dict[str, CheckResult], context: CallContext,
          classifier_version: str) -> ResultDocument:
    script = script_order(card, checks)
    return ResultDocument(
        call_id=record.call_id, audio=record.audio, sha256=record.sha256, language=record.language,
        roles=record.roles.to_json(),
        segments=[t.to_json() for t in record.turns],
        redactions=record.redactions,
        checks={item_id: result.to_json() for item_id, result in checks.items()},
        script=script,
        dead_air=[g.to_json() for g in context.dead_air],
        holds=[h.to_json() for h in context.holds],
        talk=talk_metrics(record) if record.timed else {},  # word counts alone say nothing of talk time
        score=scorecards.score(card, {i: r.outcome for i, r in checks.items()}),
        flags=flags_for(card, checks, record, context, script),
        versions=versions(record.asr_model, classifier_version, card),
        timings={k: round(v, 3) for k, v in record.timings.items()},
    )


def versions(asr_model: str, classifier_version: str, card: Scorecard) -> Versions:
    return Versions(callscore=__version__, asr_model=asr_model, classifier=classifier_version,
                    scorecard=card.version_tag)


def no_speech(audio_meta: dict, sha256: str, card: Scorecard, reason: str, asr_model: str,
              classifier_version: str, call_id: str) -> ResultDocument:
    """A call with nothing to judge: every item not_applicable, flagged for a human."""
    checks = {item.id: CheckResult("not_applicable", 1.0, [], {"reason": reason}) for item in card.items}
    return ResultDocument(
        call_id=call_id, audio=audio_meta, sha256=sha256, language=card.language, roles=None, segments=[],
        checks={i: r.to_json() for i, r in checks.items()}, script=script_order(card, checks),
        dead_air=[], holds=[], talk={},
        score=scorecards.score(card, {i: "not_applicable" for i in checks}),
        flags=["no_speech"] + (["truncated"] if audio_meta.get("truncated") else []),
        versions=versions(asr_model, classifier_version, card),
        timings={},
    )


def summary(result: dict) -> str:
    """The lines `callscore score` prints for one call: the score, its flags and each item's verdict."""
    score = result["score"]
    if score["percent"] is None:  # no item applied: a percentage of 0 points out of 0 means nothing to a reader
        why = "no speech" if "no_speech" in result["flags"] else "every item not applicable"
        headline = f"{result['call_id']}: no score (no applicable items: {why})"
    else:
        headline = f"{result['call_id']}: {score['percent']}% ({score['points']:g}/{score['max_points']:g})"
    lines = [headline
             + ("  AUTO-FAIL" if score["auto_failed"] else "") + (f"  flags: {', '.join(result['flags'])}"
                                                                   if result["flags"] else "")]
    for item, check in result["checks"].items():
        quote = check["evidence"][0] if check["evidence"] else None
        where = f"  [{quote['start']:.1f}s] {quote['text'][:70]}" if quote else ""
        lines.append(f"  {item:<22} {check['outcome']:<15} {check['confidence']:.2f}{where}")
    return "\n".join(lines)
