"""Phrase items: did the agent realise a behaviour (greeting, disclosure, recap...), where, how sure."""
from __future__ import annotations

from callscore.checks.base import CallContext, CheckResult, check, not_applicable
from callscore.pipeline.record import CallRecord, Utterance
from callscore.pipeline.scorecard import Item, Window

EVIDENCE_LIMIT = 3


def in_window(record: CallRecord, window: Window | None, speaker: str = "agent") -> list[Utterance]:
    """The speaker's utterances inside the window; paired sentences count when both halves are inside."""
    spoken = sorted((u for u in record.utterances if u.speaker == speaker and u.text), key=lambda u: u.start)
    if window is None:
        return spoken
    agent = [u for u in spoken if not u.combined]
    chosen: set[int] = set()
    if agent and (window.first_s is not None or window.first_agent_utterances is not None):
        for index, u in enumerate(agent):
            if (window.first_s is not None and u.start - agent[0].start <= window.first_s) or \
                    (window.first_agent_utterances is not None and index < window.first_agent_utterances):
                chosen.add(index)
    if agent and (window.last_s is not None or window.last_agent_utterances is not None):
        for index, u in enumerate(agent):
            if (window.last_s is not None and agent[-1].end - u.end <= window.last_s) or \
                    (window.last_agent_utterances is not None and index >= len(agent) - window.last_agent_utterances):
                chosen.add(index)
    inside = [agent[i] for i in sorted(chosen)]
    spans = {(u.start, u.end) for u in inside}
    starts, ends = {s for s, _ in spans}, {e for _, e in spans}
    return inside + [u for u in spoken if u.combined and u.start in starts and u.end in ends]


def _strongest(utterances: list[Utterance], behaviour: str) -> list[Utterance]:
    return sorted(utterances, key=lambda u: u.scores.get(behaviour, 0.0), reverse=True)


def _found(record: CallRecord, item: Item) -> tuple[float, list[Utterance]]:
    behaviour = item.behaviour or item.id
    candidates = _strongest(in_window(record, item.window), behaviour)
    best = candidates[0].scores.get(behaviour, 0.0) if candidates else 0.0
    hits = [u for u in candidates if u.scores.get(behaviour, 0.0) >= item.threshold][:EVIDENCE_LIMIT]
    return best, hits or candidates[:1]


def _no_agent_speech(record: CallRecord) -> bool:
    return not any(u.speaker == "agent" and u.text for u in record.utterances)


def _judge(record: CallRecord, item: Item, wanted: bool) -> CheckResult:
    if _no_agent_speech(record):
        return not_applicable("no agent speech")
    behaviour = item.behaviour or item.id
    best, evidence = _found(record, item)
    said = best >= item.threshold
    detail = {"best_score": round(best, 3), "said": said}
    if not said and evidence:
        detail["closest"] = evidence[0].evidence()
    quotes = [u.evidence() | {"score": round(u.scores.get(behaviour, 0.0), 3)} for u in evidence] if said else []
    return CheckResult("pass" if said == wanted else "fail", best if said else 1 - best, quotes, detail)


@check("phrase")
def phrase_present(record: CallRecord, item: Item, context: CallContext) -> CheckResult:
    """pass = the agent said something that realises the behaviour (in the item's window)."""
    return _judge(record, item, wanted=True)


@check("absent_phrase")
def phrase_absent(record: CallRecord, item: Item, context: CallContext) -> CheckResult:
    """pass = the agent never did it (deflection); evidence shows each time they did."""
    return _judge(record, item, wanted=False)


DNC_REQUEST, DNC_ACKNOWLEDGE = "dnc_request", "dnc_acknowledge"


@check("do_not_call")
def do_not_call(record: CallRecord, item: Item, context: CallContext) -> CheckResult:
    """When the customer asks not to be called again, the agent must acknowledge it afterwards.
    not_applicable when nobody asked; the detail says requested=True so the number can be suppressed."""
    requests = [u for u in _strongest(in_window(record, None, "customer"), DNC_REQUEST)
                if u.scores.get(DNC_REQUEST, 0.0) >= item.threshold]
    if not requests:
        return CheckResult("not_applicable", 1.0, [], {"requested": False})
    asked = min(requests, key=lambda u: u.start)
    replies = [u for u in _strongest(in_window(record, None), DNC_ACKNOWLEDGE) if u.start >= asked.start]
    best = replies[0].scores.get(DNC_ACKNOWLEDGE, 0.0) if replies else 0.0
    acknowledged = best >= item.threshold
    evidence = [asked.evidence()] + ([replies[0].evidence()] if acknowledged else [])
    return CheckResult("pass" if acknowledged else "fail", best if acknowledged else 1 - best, evidence,
                       {"requested": True, "acknowledged": acknowledged})
