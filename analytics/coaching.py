"""Coaching: the items an agent fails most relative to the rest of their team (with example moments and a weekly
trend), coaching sessions a lead records, and whether the coached items improved after the session."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from callscore.analytics import stats
from callscore.analytics.query import Filters, current_results, item_rates
from callscore.store.analytics_models import CoachingSession
from callscore.store.models import Call, ItemResult, Result

EXAMPLES = 3
EFFECT_WINDOW_DAYS = 28


def team_of(session: Session, agent: str) -> str | None:
    return session.scalar(select(Call.team).where(Call.agent_id == agent, Call.team.is_not(None))
                          .order_by(Call.call_time.desc()).limit(1))


def coaching_items(session: Session, agent: str, filters: Filters = Filters(), limit: int = 5) -> list[dict]:
    """Items the agent fails more often than the rest of their team, worst gap first. Each with the agent's and
    the team's rates, the test p (two-proportion), example moments and the agent's weekly trend."""
    team = team_of(session, agent)
    scope = Filters(**{**filters.__dict__, "team": team, "agent": None})
    rows = item_rates(session, scope, by="agent")
    mine = {r["item"]: r for r in rows if r["key"] == agent}
    rest: dict[str, dict] = {}
    for r in rows:
        if r["key"] != agent:
            acc = rest.setdefault(r["item"], {"fails": 0, "applicable": 0})
            acc["fails"] += r["fails"]
            acc["applicable"] += r["applicable"]
    out = []
    for item, r in mine.items():
        other = rest.get(item, {"fails": 0, "applicable": 0})
        team_rate = other["fails"] / other["applicable"] if other["applicable"] else 0.0
        if not r["fails"] or r["fail_rate"] <= team_rate:
            continue
        out.append({"item": item, "fails": r["fails"], "applicable": r["applicable"], "fail_rate": r["fail_rate"],
                    "team_rate": team_rate, "gap": r["fail_rate"] - team_rate,
                    "p": stats.two_proportion_p(r["fails"], r["applicable"], other["fails"], other["applicable"])})
    out.sort(key=lambda row: (-row["gap"], row["item"]))
    out = out[:limit]
    agent_filters = Filters(**{**filters.__dict__, "agent": agent})
    trend = item_rates(session, agent_filters, by="week")
    for row in out:
        row["examples"] = examples(session, agent_filters, row["item"])
        row["trend"] = [{"week": t["key"], "fail_rate": t["fail_rate"], "applicable": t["applicable"]}
                        for t in trend if t["item"] == row["item"]]
    return out


def examples(session: Session, filters: Filters, item: str, limit: int = EXAMPLES) -> list[dict]:
    """The newest calls where the machine failed the item, with the evidence time for the call page (#t=)."""
    query = (current_results(filters).join(ItemResult, and_(ItemResult.result_id == Result.id, ItemResult.item_id == item,
                                                            ItemResult.outcome == "fail"))
             .with_only_columns(Call.id, ItemResult.evidence).order_by(Call.call_time.desc(), Call.id).limit(limit))
    out = []
    for call_id, evidence in session.execute(query):
        at = float(evidence[0]["start"]) if evidence else 0.0
        out.append({"call_id": call_id, "t": at, "url": f"/calls/{call_id}#t={at:g}"})
    return out


def record_session(session: Session, agent: str, held_on: date, items: list[str], notes: str = "",
                   coach_id: int | None = None) -> CoachingSession:
    entry = CoachingSession(agent_id=agent, held_on=held_on, items=list(items), notes=notes, coach_id=coach_id)
    session.add(entry)
    session.flush()
    return entry


def sessions(session: Session, agent: str) -> list[CoachingSession]:
    return list(session.scalars(select(CoachingSession).where(CoachingSession.agent_id == agent)
                                .order_by(CoachingSession.held_on.desc(), CoachingSession.id.desc())))


def effect(session: Session, entry: CoachingSession, window_days: int = EFFECT_WINDOW_DAYS) -> list[dict]:
    """Per coached item: the agent's fail rate in the window before the session and after it, and whether it
    improved beyond noise (two-proportion test, p < 0.05)."""
    held = datetime.combine(entry.held_on, datetime.min.time())
    window = timedelta(days=window_days)
    periods = [Filters(agent=entry.agent_id, since=held - window, until=held),
               Filters(agent=entry.agent_id, since=held, until=held + window)]
    before, after = ({r["item"]: r for r in item_rates(session, f)} for f in periods)
    empty = {"fails": 0, "applicable": 0, "fail_rate": None}
    out = []
    for item in entry.items:
        b, a = before.get(item, empty), after.get(item, empty)
        p = stats.two_proportion_p(b["fails"], b["applicable"], a["fails"], a["applicable"])
        improved = p is not None and p < stats.ALPHA and a["fail_rate"] < b["fail_rate"]
        out.append({"item": item, "before": b["fail_rate"], "before_n": b["applicable"], "after": a["fail_rate"],
                    "after_n": a["applicable"], "p": p, "improved": improved})
    return out
