"""Talk metrics: reported on every call, not scored by default."""
from __future__ import annotations

from callscore.core.intervals import Interval
from callscore.core.record import CallRecord


def _total(intervals: list[Interval]) -> float:
    return sum(i.duration for i in intervals)


def _overlaps(a: list[Interval], b: list[Interval]) -> list[Interval]:
    out = []
    for x in a:
        for y in b:
            start, end = max(x.start, y.start), min(x.end, y.end)
            if end > start:
                out.append(Interval(start, end))
    return out


def talk_metrics(record: CallRecord, min_overtalk_s: float = 0.3) -> dict:
    agent, customer = record.activity.get("agent", []), record.activity.get("customer", [])
    agent_s, customer_s = _total(agent), _total(customer)
    overtalk = [i for i in _overlaps(agent, customer) if i.duration >= min_overtalk_s]
    speech = sorted((i for spans in record.activity.values() for i in spans), key=lambda i: i.start)
    covered, reach = 0.0, 0.0
    for span in speech:
        covered += max(0.0, span.end - max(span.start, reach))
        reach = max(reach, span.end)
    monologue = _longest_monologue(record)
    agent_words = sum(len(t.words) for t in record.turns_of("agent"))
    duration = record.duration_s or 1.0
    return {
        "agent_talk_s": round(agent_s, 2), "customer_talk_s": round(customer_s, 2),
        "talk_listen_ratio": round(agent_s / customer_s, 2) if customer_s else None,
        "agent_talk_share": round(agent_s / (agent_s + customer_s), 3) if agent_s + customer_s else None,
        "overtalk_count": len(overtalk), "overtalk_s": round(_total(overtalk), 2),
        "longest_monologue_s": round(monologue[1], 2), "longest_monologue_speaker": monologue[0],
        "agent_words_per_minute": round(60 * agent_words / agent_s, 1) if agent_s else None,
        "silence_share": round(max(0.0, 1 - covered / duration), 3),
    }


def _longest_monologue(record: CallRecord) -> tuple[str | None, float]:
    """Longest stretch one party holds the floor: consecutive turns of one role, other party silent."""
    best: tuple[str | None, float] = (None, 0.0)
    start = last = None
    for turn in sorted(record.turns, key=lambda t: t.start):
        if last is not None and turn.speaker == last.speaker:
            last = turn
        else:
            start = last = turn
        if last.end - start.start > best[1]:
            best = (turn.speaker, last.end - start.start)
    return best
