"""Targets per team or centre and the action items a breach opens. `evaluate(week)` judges every active target on
that ISO week; a breach opens one action item (per target and week) with its evidence, which stays open until a
lead records the action taken — even if a later week meets the target again."""
from __future__ import annotations

import operator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from callscore.analytics import telephony
from callscore.analytics.query import Filters, item_rates, overall, summary
from callscore.store.analytics_models import COMPARATORS, ActionItem, Target
from callscore.store.models import utcnow


@dataclass(frozen=True)
class Metric:
    field: str  # in a summary row (query.summary) or, for telephony metrics, a KPI row (telephony.kpis)
    scale: float  # to the unit a lead types
    unit: str
    telephony: bool = False


METRICS = {"qa_score": Metric("mean_score", 1.0, "%"), "auto_fail_rate": Metric("auto_fail_rate", 100.0, "%"),
           "reviewed_share": Metric("reviewed_share", 100.0, "%"), "calls": Metric("calls", 1.0, ""),
           "abandon_rate": Metric("abandon_rate", 100.0, "%", True), "fcr_rate": Metric("fcr_rate", 100.0, "%", True),
           "asa_s": Metric("asa_s", 1.0, " s", True), "transfer_rate": Metric("transfer_rate", 100.0, "%", True)}
OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
EVIDENCE_ROWS = 5


class TargetError(ValueError):
    pass


def add_target(session: Session, metric: str, comparator: str, threshold: float, team: str | None = None,
               min_calls: int = 10, created_by: int | None = None) -> Target:
    if metric not in METRICS:
        raise TargetError(f"metric: one of {', '.join(METRICS)}")
    if comparator not in COMPARATORS:
        raise TargetError(f"comparator: one of {' '.join(COMPARATORS)}")
    target = Target(team=team or None, metric=metric, comparator=comparator, threshold=float(threshold),
                    min_calls=int(min_calls), created_by=created_by)
    session.add(target)
    session.flush()
    return target


def metric_value(row: dict, metric: str) -> float | None:
    spec = METRICS[metric]
    return None if row[spec.field] is None else row[spec.field] * spec.scale


def describe(target: Target) -> str:
    unit = METRICS[target.metric].unit
    return f"{target.team or 'Centre'}: {target.metric.replace('_', ' ')} {target.comparator} {target.threshold:g}{unit}"


def evaluate(session: Session, week: str) -> list[ActionItem]:
    """Judge every active target on `week`; returns the action items this opened."""
    opened = []
    for target in session.scalars(select(Target).where(Target.active).order_by(Target.id)):
        filters = Filters(team=target.team).for_week(week)
        spec = METRICS[target.metric]
        row = (telephony.overall if spec.telephony else overall)(session, filters)
        value = metric_value(row, target.metric)
        volume = row["offered"] if spec.telephony else row["calls"]
        if volume < target.min_calls or value is None or OPS[target.comparator](value, target.threshold):
            continue
        if session.scalar(select(ActionItem.id).where(ActionItem.target_id == target.id, ActionItem.week == week)):
            continue
        item = ActionItem(target_id=target.id, week=week, value=value, evidence=_evidence(session, target, filters, row))
        session.add(item)
        opened.append(item)
    session.flush()
    return opened


def _evidence(session: Session, target: Target, filters: Filters, row: dict) -> dict:
    """The figure, the interval it rests on, the agents furthest from the target, the items failed most."""
    if METRICS[target.metric].telephony:
        return _telephony_evidence(session, target, filters, row)
    agents = _furthest_agents(target, summary(session, filters, by="agent"))
    items = sorted((r for r in item_rates(session, filters) if r["fail_rate"]), key=lambda r: -r["fail_rate"])
    return {"target": describe(target), "calls": row["calls"], "n": row["n"],
            "mean_score": row["mean_score"], "ci": [row["ci_low"], row["ci_high"]],
            "agents": [{"agent": r["key"], "value": metric_value(r, target.metric), "calls": r["calls"]} for r in agents],
            "items": [{"item": r["item"], "fail_rate": r["fail_rate"], "fails": r["fails"], "applicable": r["applicable"]}
                      for r in items[:EVIDENCE_ROWS]]}


def _telephony_evidence(session: Session, target: Target, filters: Filters, row: dict) -> dict:
    agents = _furthest_agents(target, telephony.kpis(session, filters, by="agent"))
    return {"target": describe(target), "calls": row["offered"], "answered": row["answered"],
            "abandoned": row["abandoned"],
            "agents": [{"agent": r["key"], "value": metric_value(r, target.metric), "calls": r["offered"]} for r in agents]}


def _furthest_agents(target: Target, rows: list[dict]) -> list[dict]:
    """The agents (with a value) furthest on the wrong side of the target first."""
    rows = [r for r in rows if r["key"] is not None and metric_value(r, target.metric) is not None]
    rows.sort(key=lambda r: metric_value(r, target.metric), reverse=target.comparator.startswith("<"))
    return rows[:EVIDENCE_ROWS]


def resolve(session: Session, item_id: int, user_id: int | None, action_taken: str) -> ActionItem:
    text = (action_taken or "").strip()
    if not text:
        raise TargetError("record the action taken")
    item = session.get(ActionItem, item_id)
    if item is None:
        raise TargetError("no such action item")
    item.status, item.action_taken, item.resolved_by, item.resolved_at = "resolved", text, user_id, utcnow()
    session.flush()
    return item


def action_items(session: Session, status: str | None = "open") -> list[dict]:
    query = select(ActionItem, Target).join(Target, Target.id == ActionItem.target_id).order_by(ActionItem.id.desc())
    if status:
        query = query.where(ActionItem.status == status)
    return [{"id": item.id, "week": item.week, "target": describe(target), "team": target.team, "value": item.value,
             "unit": METRICS[target.metric].unit, "evidence": item.evidence, "status": item.status,
             "opened_at": item.opened_at, "action_taken": item.action_taken, "resolved_at": item.resolved_at}
            for item, target in session.execute(query)]


def targets(session: Session) -> list[dict]:
    return [{"id": t.id, "text": describe(t), "team": t.team, "metric": t.metric, "active": t.active}
            for t in session.scalars(select(Target).order_by(Target.id))]
