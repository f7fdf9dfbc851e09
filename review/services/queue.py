"""The review queue: which calls to review, flagged first, filtered as the queue page asks."""
from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session, defer

from callscore.analytics.metrics import SAMPLED
from callscore.core.result import FLAGS
from callscore.review import inputs
from callscore.review.services.calls import visible_calls
from callscore.store.models import REVIEW_STATES, Call, ItemResult, Result, User
from callscore.store.repository import flagged_with, has_flags, latest_submitted

FLAG_NAMES = (*FLAGS, SAMPLED)  # what the pipeline flags, and sampling's own flag
QUEUE_LIMIT = 500


@dataclass
class QueueFilters:
    agent: str = ""
    team: str = ""
    since: str = ""
    until: str = ""
    failed_item: str = ""
    flag: str = ""
    confidence_below: str = ""
    state: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, params) -> "QueueFilters":
        return cls(**{f.name: (params.get(f.name) or "").strip()[:200] for f in fields(cls)})

    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def without(self, name: str) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != name and getattr(self, f.name)}


def load(session: Session, filters: QueueFilters, user: User) -> dict:
    """The calls to review: flagged first, then auto-failed, newest first; counted and ordered in the database, so
    a store of 100,000s of calls loads only the QUEUE_LIMIT rows shown (without their documents)."""
    base = visible_calls(select(Call.id).select_from(Call)
                         .outerjoin(Result, and_(Result.call_id == Call.id, Result.is_current)), user)
    if filters.agent:
        base = base.where(Call.agent_id == filters.agent)
    if filters.team:
        base = base.where(Call.team == filters.team)
    if filters.q:
        base = base.where(Call.id.contains(filters.q, autoescape=True))
    since, until = inputs.day(filters.since, "since"), inputs.day(filters.until, "until", end=True)
    if since:
        base = base.where(Call.filed_at >= since)
    if until:
        base = base.where(Call.filed_at < until)
    if filters.failed_item:
        base = base.where(exists().where(ItemResult.result_id == Result.id, ItemResult.outcome == "fail",
                                         ItemResult.item_id == filters.failed_item))
    if filters.confidence_below:
        below = inputs.number(filters.confidence_below, "confidence_below")
        base = base.where(exists().where(ItemResult.result_id == Result.id, ItemResult.confidence < below))
    if filters.flag:
        base = base.where(flagged_with(filters.flag))
    counts = {state: 0 for state in REVIEW_STATES}
    counts |= dict(session.execute(base.with_only_columns(Call.review_state, func.count()).group_by(Call.review_state)).all())
    flagged = session.scalar(base.with_only_columns(func.count()).where(has_flags()))
    total_before_state = sum(counts.values())
    if filters.state:
        base = base.where(Call.review_state == filters.state)
    matching = counts.get(filters.state, 0) if filters.state else total_before_state
    shown = session.execute(base.with_only_columns(Call, Result).options(defer(Result.document))
                            .order_by(case((has_flags(), 0), else_=1), case((Result.auto_failed, 0), else_=1),
                                      Call.filed_at.desc(), Call.id).limit(QUEUE_LIMIT)).all()
    result_ids = [row.Result.id for row in shown if row.Result is not None]
    item_stats = {rid: (low, fails) for rid, low, fails in session.execute(
        select(ItemResult.result_id,
               func.min(ItemResult.confidence),
               func.count().filter(ItemResult.outcome == "fail"))
        .where(ItemResult.result_id.in_(result_ids)).group_by(ItemResult.result_id))} if result_ids else {}
    human = latest_submitted(session, [row.Call.id for row in shown])
    out = []
    for row in shown:
        call, result = row.Call, row.Result
        low, fails = item_stats.get(result.id, (None, 0)) if result else (None, 0)
        review = human.get(call.id)
        out.append({"call_id": call.id, "call_time": call.call_time, "agent_id": call.agent_id, "team": call.team,
                    "duration_s": call.duration_s, "state": call.review_state,
                    "percent": result.percent if result else None, "auto_failed": result.auto_failed if result else False,
                    "flags": (result.flags or []) if result else [], "lowest_confidence": low, "fails": fails,
                    "human_percent": review.final_percent if review else None, "purged": call.purged_at is not None})
    return {"rows": out, "counts": counts, "flagged": flagged, "total": total_before_state, "matching": matching,
            "truncated": matching > QUEUE_LIMIT}


def choices(session: Session, user: User) -> dict:
    agents = session.scalars(visible_calls(select(Call.agent_id).distinct(), user).where(Call.agent_id.is_not(None))
                             .order_by(Call.agent_id)).all()
    teams = session.scalars(visible_calls(select(Call.team).distinct(), user).where(Call.team.is_not(None))
                            .order_by(Call.team)).all()
    items = session.scalars(select(ItemResult.item_id).distinct().order_by(ItemResult.item_id)).all()
    return {"agents": agents, "teams": teams, "item_ids": items, "flags": FLAG_NAMES, "states": REVIEW_STATES}
