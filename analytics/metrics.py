"""Columns analytics groups by, filled when a result is stored (store_result: the store's write, then
on_result_stored): talk metrics (call_metrics), script-step order (item_results.out_of_order) and the
recording's telephony record from its sidecar.
`backfill` fills them for results stored before those columns existed."""
from __future__ import annotations

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from callscore.analytics import telephony
from callscore.store import repository
from callscore.store.analytics_models import CallMetrics, ReviewSample
from callscore.store.models import Call, ItemResult, Result

SAMPLED = "sampled"  # the flag a sampled call's current result carries, so the queue can filter on it


def metrics_of(document: dict) -> dict:
    duration = (document.get("audio") or {}).get("duration_s")
    holds, talk = document.get("holds") or [], document.get("talk") or {}
    dead_air = sum(gap["end"] - gap["start"] for gap in document.get("dead_air") or [])
    return {"handle_s": duration, "hold_s": sum(h["end"] - h["start"] for h in holds), "hold_count": len(holds),
            "dead_air_share": dead_air / duration if duration else None,
            "overtalk_s": talk.get("overtalk_s"), "agent_talk_share": talk.get("agent_talk_share"),
            "longest_monologue_s": talk.get("longest_monologue_s")}


def out_of_order_steps(document: dict) -> dict[str, bool]:
    """Script step -> whether it took part in an order violation (either side of a pair)."""
    script = document.get("script") or {}
    involved = {step for pair in script.get("order_violations") or [] for step in pair}
    return {step["item"]: step["item"] in involved for step in script.get("steps") or []}


def record_script_order(session: Session, result_id: int, document: dict) -> None:
    order = out_of_order_steps(document)
    for flag in (True, False):
        steps = [step for step, out in order.items() if out is flag]
        if steps:
            session.execute(update(ItemResult).where(ItemResult.result_id == result_id, ItemResult.item_id.in_(steps))
                            .values(out_of_order=flag))


def store_result(session: Session, document: dict, source: str, call_info: dict | None = None,
                 run_id: int | None = None) -> int | None:
    """Store a scored call (store.repository.store_result: the result id, or None when already stored) with
    the columns analytics groups by; every app stores results this way."""
    result_id = repository.store_result(session, document, source, call_info, run_id)
    if result_id is not None:
        on_result_stored(session, result_id, document)
    return result_id


def on_result_stored(session: Session, result_id: int, document: dict) -> None:
    """Record the talk metrics and script order; a call drawn for review keeps its `sampled` flag and stays in the
    queue; a sidecar's telephony fields become the call's telephony record."""
    session.add(CallMetrics(result_id=result_id, **metrics_of(document)))
    record_script_order(session, result_id, document)
    telephony.from_sidecar(session, session.get(Call, document["call_id"], populate_existing=True))
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
    """Talk metrics and script order for current results stored before migrations 0003 / 0005 added them.
    Returns how many results got talk metrics."""
    current = select(Result.id, Result.document).where(Result.is_current, Result.document.is_not(None))
    missing = session.execute(current.outerjoin(CallMetrics, CallMetrics.result_id == Result.id)
                              .where(CallMetrics.result_id.is_(None))).all()
    session.add_all(CallMetrics(result_id=rid, **metrics_of(doc)) for rid, doc in missing)
    unordered = current.where(~exists().where(ItemResult.result_id == Result.id, ItemResult.out_of_order.is_not(None)))
    for rid, doc in session.execute(unordered).all():
        record_script_order(session, rid, doc)
    session.flush()
    return len(missing)
