"""Dead air and holds, from voice activity on every channel (not from ASR timestamps)."""
from __future__ import annotations

from callscore.checks.base import CallContext, CheckResult, check
from callscore.core.intervals import Interval, merge
from callscore.core.record import CallRecord, Utterance
from callscore.core.scorecard import Item

HOLD_THRESHOLD = 0.5
HOLD_REACH_S = 4.0  # a silence starting this soon after "let me put you on hold" is that hold
MIN_HOLD_S = 2.0


def silent_gaps(record: CallRecord, min_s: float) -> list[Interval]:
    """Gaps of at least min_s where no party's voice is active (leading/trailing silence excluded)."""
    spans = sorted((i for intervals in record.activity.values() for i in intervals), key=lambda i: i.start)
    gaps, reach = [], None
    for span in spans:
        if reach is not None and span.start - reach >= min_s:
            gaps.append(Interval(round(reach, 3), round(span.start, 3)))
        reach = span.end if reach is None else max(reach, span.end)
    return gaps


def _agent_cues(record: CallRecord, item: str) -> list[Utterance]:
    return [u for u in record.utterances if u.speaker == "agent" and u.scores.get(item, 0) >= HOLD_THRESHOLD]


def find_holds(record: CallRecord) -> list[Interval]:
    """Announced holds: from the end of "let me put you on hold" to "thanks for holding".

    Without a return phrase, the first silence after the announcement is the hold; without an
    announcement, a silence right before "thanks for holding" is. A return phrase that starts where the
    announcement ends still closes a hold, of no measurable length: a text transcript with only start times
    ends a line where the next one starts, so its times cannot show the silence between the two.
    """
    starts, ends = _agent_cues(record, "hold_start"), _agent_cues(record, "hold_end")
    gaps = silent_gaps(record, MIN_HOLD_S)
    holds: list[Interval] = []
    for cue in starts:
        back = next((u for u in ends if u.start >= cue.end), None)
        following = next((g for g in gaps if cue.end - 1.0 <= g.start <= cue.end + HOLD_REACH_S), None)
        if back and (following is None or back.start <= following.end + HOLD_REACH_S):
            holds.append(Interval(round(cue.end, 3), round(back.start, 3)))
        elif following:
            holds.append(following)
    for cue in ends:
        before = next((g for g in reversed(gaps) if cue.start - HOLD_REACH_S <= g.end <= cue.start + 1.0), None)
        if before and not any(h.start <= before.start + 0.5 and before.end <= h.end + 0.5 for h in holds):
            holds.append(before)
    return merge(holds)


def find_dead_air(record: CallRecord, holds: list[Interval], min_silence_s: float) -> list[Interval]:
    def inside_hold(gap: Interval) -> bool:
        return any(min(gap.end, h.end) - max(gap.start, h.start) > 0.5 * gap.duration for h in holds)

    return [gap for gap in silent_gaps(record, min_silence_s) if not inside_hold(gap)]


@check("dead_air")
def dead_air(record: CallRecord, item: Item, context: CallContext) -> CheckResult:
    """pass = no unannounced silence of min_silence_s or more."""
    found = context.dead_air
    evidence = [{"start": g.start, "end": g.end, "speaker": "none", "text": f"{g.duration:.1f} s of silence"}
                for g in found]
    detail = {"intervals": [g.to_json() for g in found], "total_s": round(sum(g.duration for g in found), 2),
              "holds": [h.to_json() for h in context.holds]}
    # Voice activity is measured, not guessed: confident unless a gap is within 1 s of the threshold.
    limit = item.min_silence_s or 5.0
    borderline = [g for g in silent_gaps(record, max(0.1, limit - 1.0)) if abs(g.duration - limit) < 1.0]
    confidence = 0.7 if borderline else 0.95
    return CheckResult("fail" if found else "pass", confidence, evidence, detail)
