"""Talk metrics as columns (call_metrics), filled when a result is stored: store_result calls on_result_stored.
`backfill` fills them for results stored before this table existed."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from callscore.store.analytics_models import CallMetrics, ReviewSample
from callscore.store.models import Call, Result

SAMPLED = "sampled"  # the flag a sampled call's current result carries, so the queue can filter on it


def metrics_of(document: dict) -> dict:
    duration = (document.get("audio") or {}).get("duration_s")
    holds, talk = document.get("holds") or [], document.get("talk") or {}
    dead_air = sum(gap["end"] - gap["start"] for gap in document.get("dead_air") or [])
    return {"handle_s": duration, "hold_s": sum(h["end"] - h["start"] for h in holds), "hold_count": len(holds),
            "dead_air_share": dead_air / duration if duration else None,
            "overtalk_s": talk.get("overtalk_s"), "agent_talk_share": talk.get("agent_talk_share"),
            "longest_monologue_s": talk.get("longest_monologue_s")}


def on_result_stored(session: Session, result_id: int, document: dict) -> None:
    """Record the talk metrics; a call drawn for review keeps its `sampled` flag and stays in the queue."""
    session.add(CallMetrics(result_id=result_id, **metrics_of(document)))
    if session.scalar(select(ReviewSample.id).where(ReviewSample.call_id == document["call_id"]).limit(1)):
        mark_sampled(session, document["call_id"])


def mark_sampled(session: Session, call_id: str) -> None:
    result = session.scalar(select(Result).where(Result.call_id == call_id, Result.is_current))
    if result is not None and SAMPLED not in (result.flags or []):
        result.flags = [*(result.flags or []), SAMPLED]
    call = session.get(Call, call_id)
    if call.review_state == "provisional":
        call.review_state = "to_review"
    session.flush()


def backfill(session: Session) -> int:
    """Metrics for current results that have none (stored before migration 0003). Returns how many."""
    missing = session.execute(select(Result.id, Result.document).outerjoin(CallMetrics, CallMetrics.result_id == Result.id)
                              .where(Result.is_current, CallMetrics.result_id.is_(None), Result.document.is_not(None))).all()
    session.add_all(CallMetrics(result_id=rid, **metrics_of(doc)) for rid, doc in missing)
    session.flush()
    return len(missing)
