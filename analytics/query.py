"""Aggregates over the current results, computed in the database (GROUP BY / window functions that SQLite and
PostgreSQL both run): volume, reviewed share, mean QA score with its 95 % interval, auto-fail rate; item fail
rates; machine-vs-human disagreement; talk-metric quartiles; and period-on-period changes tested for noise.

The QA score of a call is the human's where a review was submitted (the newest), else the machine's; item
outcomes likewise. Auto-fail is the machine's verdict. A call's time is its call_time, else when it was stored.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, and_, case, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.orm import Session

from callscore.analytics import stats
from callscore.store.analytics_models import CallMetrics, ReviewSample
from callscore.store.models import Call, ItemResult, Result, Review, ReviewItem

GROUPINGS = ("agent", "team", "day", "week", "month")
TALK_METRICS = ("handle_s", "hold_s", "hold_count", "dead_air_share", "overtalk_s", "agent_talk_share",
                "longest_monologue_s")
WHEN = Call.filed_at  # call_time, else when first stored
LONG_RANGE = timedelta(days=62)


class scanned(FunctionElement):
    """A column SQLite must not use an index for: a date range covering months of calls is read faster by scanning
    from the results than by walking the date index and probing each call (4x on 100,000 calls). Only SQLite
    needs it (its planner has no histograms); elsewhere it is the column itself."""
    inherit_cache = True
    type = DateTime()


@compiles(scanned)
def _scanned(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(scanned, "sqlite")
def _scanned_sqlite(element, compiler, **kw):
    return "+" + compiler.process(element.clauses, **kw)  # unary plus: the same value, no index


@dataclass(frozen=True)
class Columns:
    """Where a table keeps what Filters and groupings look at: scored calls, or the telephony system's records."""
    when: Any
    agent: Any
    team: Any
    queue: Any
    campaign: Any
    scorecard: Any = None  # None: the table knows no scorecard, that filter does not apply


SCORED = Columns(WHEN, Call.agent_id, Call.team, Call.queue, Call.campaign, Result.scorecard)


@dataclass
class Filters:
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    team: str | None = None
    agent: str | None = None
    scorecard: str | None = None  # name, name@version or the full tag: a prefix of results.scorecard
    queue: str | None = None
    campaign: str | None = None

    def conditions(self, on: Columns = SCORED) -> list:
        out = []
        long_range = not (self.since and self.until) or self.until - self.since > LONG_RANGE
        when = scanned(on.when) if long_range else on.when
        if self.since:
            out.append(when >= self.since)
        if self.until:
            out.append(when < self.until)
        for name in ("team", "agent", "queue", "campaign"):
            if getattr(self, name):
                out.append(getattr(on, name) == getattr(self, name))
        if self.scorecard and on.scorecard is not None:
            out.append(on.scorecard.startswith(self.scorecard, autoescape=True))
        return out

    def for_period(self, period: str, label: str) -> Filters:
        since, until = period_bounds(period, label)
        return replace(self, since=since, until=until)

    def for_week(self, week: str) -> Filters:
        return self.for_period("week", week)

    def as_dict(self) -> dict:
        return {f.name: str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)}


# ---- weeks and periods ---------------------------------------------------------------------------

def week_bounds(week: str) -> tuple[datetime, datetime]:
    """'2026-W47' -> [Monday 00:00, next Monday 00:00)."""
    year, _, number = week.upper().partition("-W")
    monday = datetime.combine(date.fromisocalendar(int(year), int(number), 1), datetime.min.time())
    return monday, monday + timedelta(days=7)


def week_of(day: date | datetime) -> str:
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


PERIODS = ("day", "week", "month")
PERIOD_EXAMPLES = {"day": "2026-11-16", "week": "2026-W47", "month": "2026-11"}


def period_bounds(period: str, label: str) -> tuple[datetime, datetime]:
    """('day', '2026-11-16') / ('week', '2026-W47') / ('month', '2026-11') -> [start, end). ValueError if malformed."""
    if period == "week":
        return week_bounds(label)
    if period == "day":
        start = datetime.combine(date.fromisoformat(label), datetime.min.time())
        return start, start + timedelta(days=1)
    if period == "month":
        start = datetime.strptime(label, "%Y-%m")
        return start, (start + timedelta(days=32)).replace(day=1)
    raise ValueError(f"period is one of {', '.join(PERIODS)}")


def period_of(period: str, day: date | datetime) -> str:
    if period == "week":
        return week_of(day)
    return day.strftime("%Y-%m-%d" if period == "day" else "%Y-%m")


def previous_period(period: str, label: str) -> str:
    return period_of(period, period_bounds(period, label)[0] - timedelta(days=1))


def group_key(session: Session, by: str | None, on: Columns = SCORED):
    if by is None:
        return None
    if by in ("agent", "team"):
        return getattr(on, by)
    if by not in GROUPINGS:
        raise ValueError(f"group by one of {', '.join(GROUPINGS)}")
    if session.get_bind().dialect.name == "postgresql":
        if by == "week":
            return func.to_char(func.date_trunc("week", on.when), "YYYY-MM-DD")
        return func.to_char(on.when, "YYYY-MM-DD" if by == "day" else "YYYY-MM")
    if by == "week":  # the Monday: forward to Sunday (same day if Sunday), back six days
        return func.date(on.when, "weekday 0", "-6 days")
    return func.strftime("%Y-%m-%d" if by == "day" else "%Y-%m", on.when)


def _label(by: str | None, key) -> str | None:
    if by is None:
        return "all"
    if by == "week" and key:
        return week_of(date.fromisoformat(key))
    return key


def grouped(session: Session, by: str | None, columns: list, base, extra_keys: list = (), on: Columns = SCORED):
    """Run `base` (a select of `columns`' FROM/WHERE) grouped by `by` (and extra keys); rows as dicts."""
    key = group_key(session, by, on)
    keys = ([key.label("key")] if key is not None else []) + list(extra_keys)
    query = base.with_only_columns(*keys, *columns)
    if keys:
        query = query.group_by(*keys).order_by(*keys)
    rows = [dict(row._mapping) for row in session.execute(query)]
    for row in rows:
        row["key"] = _label(by, row.get("key"))
    return rows


def _latest_review():
    """call_id -> id of its newest submitted review."""
    return (select(Review.call_id, func.max(Review.id).label("review_id"))
            .where(Review.state == "submitted").group_by(Review.call_id).subquery("latest_review"))


def current_results(filters: Filters, latest=None):
    query = select(Result.id).select_from(Result).join(Call, Call.id == Result.call_id).where(Result.is_current, *filters.conditions())
    if latest is not None:
        query = query.outerjoin(latest, latest.c.call_id == Result.call_id)
    return query


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


# ---- calls: volume, reviewed share, QA score, auto-fail ------------------------------------------

def summary(session: Session, filters: Filters = Filters(), by: str | None = None) -> list[dict]:
    """Per group: calls, reviewed (share), QA score mean with 95 % CI and the n it rests on, auto-fail rate."""
    latest = _latest_review()
    reviewed = Review.__table__.alias("reviewed")
    score = func.coalesce(reviewed.c.final_percent, Result.percent)
    base = current_results(filters, latest).outerjoin(reviewed, reviewed.c.id == latest.c.review_id)
    rows = grouped(session, by, [func.count(Result.id).label("calls"), func.count(latest.c.review_id).label("reviewed"),
                                  func.count(score).label("n"), func.sum(score).label("total"),
                                  func.sum(score * score).label("total_sq"),
                                  _count_if(Result.auto_failed).label("auto_fails")], base)
    return [_summary_row(row) for row in rows]


def _summary_row(row: dict) -> dict:
    mean = stats.mean_ci(int(row["n"] or 0), as_float(row["total"]), as_float(row["total_sq"]))
    calls = int(row["calls"])
    return {"key": row["key"], "calls": calls, "reviewed": int(row["reviewed"]),
            "reviewed_share": row["reviewed"] / calls if calls else None,
            "n": mean.n, "mean_score": mean.mean, "sd": mean.sd, "ci_low": mean.low, "ci_high": mean.high,
            "auto_fails": int(row["auto_fails"] or 0),
            "auto_fail_rate": (row["auto_fails"] or 0) / calls if calls else None}


def as_float(value) -> float | None:
    return None if value is None else float(value)


# ---- items: fail rate, machine vs human ----------------------------------------------------------

def item_rates(session: Session, filters: Filters = Filters(), by: str | None = None, item: str | None = None) -> list[dict]:
    """Per item (and group): applicable calls, fails, fail rate, using the reviewer's outcome where reviewed; for
    script steps also how many calls had it as a step (as_step) and in how many it was out of order. `item`: only
    that item."""
    latest = _latest_review()
    outcome = func.coalesce(ReviewItem.human_outcome, ItemResult.outcome)
    join_on = and_(ItemResult.result_id == Result.id, *([ItemResult.item_id == item] if item else []))
    base = (current_results(filters, latest).join(ItemResult, join_on)
            .outerjoin(ReviewItem, and_(ReviewItem.review_id == latest.c.review_id, ReviewItem.item_id == ItemResult.item_id)))
    rows = grouped(session, by, [_count_if(outcome.in_(("pass", "fail"))).label("applicable"),
                                  _count_if(outcome == "fail").label("fails"),
                                  func.count(ItemResult.out_of_order).label("as_step"),
                                  _count_if(ItemResult.out_of_order).label("out_of_order")],
                    base, [ItemResult.item_id.label("item")])
    return [_rate_row(_rate_row(row, "fails", "applicable", "fail_rate"), "out_of_order", "as_step", "out_of_order_rate")
            for row in rows]


def _rate_row(row: dict, part: str, whole: str, name: str) -> dict:
    row = row | {part: int(row[part] or 0), whole: int(row[whole] or 0)}
    return row | {name: row[part] / row[whole] if row[whole] else None}


def disagreement(session: Session, filters: Filters = Filters(), by: str | None = None,
                 sampled_only: bool = False) -> list[dict]:
    """Per item, over calls with a submitted review (the newest): how often the reviewer changed the machine's
    outcome. sampled_only: only calls drawn by review sampling (an unbiased estimate)."""
    latest = _latest_review()
    base = (select(Review.id).select_from(Review).join(latest, latest.c.review_id == Review.id).join(Result, Result.id == Review.result_id)
            .join(Call, Call.id == Review.call_id).join(ReviewItem, ReviewItem.review_id == Review.id)
            .where(*filters.conditions()))
    if sampled_only:
        base = base.where(Review.call_id.in_(select(ReviewSample.call_id)))
    rows = grouped(session, by, [func.count().label("reviewed"),
                                  _count_if(ReviewItem.machine_outcome != ReviewItem.human_outcome).label("changed")],
                    base, [ReviewItem.item_id.label("item")])
    return [_rate_row(row, "changed", "reviewed", "disagreement") for row in rows]


# ---- talk metrics --------------------------------------------------------------------------------

def talk_distribution(session: Session, filters: Filters = Filters(), by: str | None = None,
                      metrics: tuple[str, ...] = TALK_METRICS) -> dict[str, list[dict]]:
    """metric -> per group: n, mean, [min, q1, median, q3, max]. Only the ranked values the quartiles need
    leave the database (window functions; the same interpolation as percentile_cont). One pass over the joined
    rows ranks every metric at once: on 100,000 calls the join, not the sorting, is what costs."""
    key = group_key(session, by)
    partition = {"partition_by": key} if key is not None else {}
    columns = [key.label("key")] if key is not None else []
    for i, metric in enumerate(metrics):
        value = getattr(CallMetrics, metric)
        columns += [value.label(f"v{i}"), func.row_number().over(order_by=(value.is_(None), value), **partition).label(f"rn{i}"),
                    func.count(value).over(**partition).label(f"n{i}"), func.avg(value).over(**partition).label(f"mean{i}")]
    ranked = current_results(filters).join(CallMetrics, CallMetrics.result_id == Result.id).with_only_columns(*columns).subquery()
    wanted = or_(*(and_(ranked.c[f"rn{i}"] <= ranked.c[f"n{i}"],
                        or_(*(ranked.c[f"rn{i}"] - 1 == ((ranked.c[f"n{i}"] - 1) * k) // 4 + step
                              for k in range(5) for step in (0, 1))))
                   for i in range(len(metrics))))
    groups: dict = {}
    for row in session.execute(select(ranked).where(wanted)).mappings():
        group_id = row["key"] if key is not None else None
        for i, metric in enumerate(metrics):
            if row[f"n{i}"] and row[f"rn{i}"] <= row[f"n{i}"]:
                group = groups.setdefault(metric, {}).setdefault(
                    group_id, {"n": row[f"n{i}"], "mean": float(row[f"mean{i}"]), "ranked": {}})
                group["ranked"][row[f"rn{i}"] - 1] = float(row[f"v{i}"])
    return {metric: [{"key": _label(by, k), "n": g["n"], "mean": g["mean"], "quartiles": stats.quartiles(g["n"], g["ranked"])}
                     for k, g in sorted(groups.get(metric, {}).items(), key=lambda kv: (kv[0] is None, kv[0] or ""))]
            for metric in metrics}


# ---- trends ---------------------------------------------------------------------------------------

@dataclass
class Change:
    metric: str
    before: float | None
    after: float | None
    p: float | None
    significant: bool = field(init=False)

    def __post_init__(self):
        self.significant = self.p is not None and self.p < stats.ALPHA

    @property
    def delta(self) -> float | None:
        return None if self.before is None or self.after is None else self.after - self.before


def compare(before: dict, after: dict) -> list[Change]:
    """Two summary rows (periods): a change is significant only when it exceeds its noise (p < 0.05): Welch's
    t-test for the mean score, a two-proportion z-test for the auto-fail rate and the reviewed share."""
    means = [stats.Mean(row["n"], row["mean_score"], row["sd"], row["ci_low"], row["ci_high"]) for row in (before, after)]
    return [Change("mean_score", before["mean_score"], after["mean_score"], stats.welch_p(*means)),
            *(Change(rate, before[rate], after[rate], stats.two_proportion_p(before[part], before["calls"],
                                                                             after[part], after["calls"]))
              for rate, part in (("auto_fail_rate", "auto_fails"), ("reviewed_share", "reviewed")))]


def compare_items(before: list[dict], after: list[dict]) -> list[dict]:
    """Item fail rates of two periods, with the two-proportion test per item."""
    old = {row["item"]: row for row in before}
    out = []
    for row in after:
        prev = old.get(row["item"], {"fails": 0, "applicable": 0, "fail_rate": None})
        change = Change(row["item"], prev["fail_rate"], row["fail_rate"],
                        stats.two_proportion_p(prev["fails"], prev["applicable"], row["fails"], row["applicable"]))
        out.append({"item": row["item"], "before": change.before, "after": change.after, "delta": change.delta,
                    "p": change.p, "significant": change.significant})
    return out


EMPTY = {"key": None, "calls": 0, "reviewed": 0, "reviewed_share": None, "n": 0, "mean_score": None, "sd": None,
         "ci_low": None, "ci_high": None, "auto_fails": 0, "auto_fail_rate": None}


def overall(session: Session, filters: Filters) -> dict:
    rows = summary(session, filters)
    return rows[0] if rows and rows[0]["calls"] else dict(EMPTY, key="all")


def trend(session: Session, filters: Filters, before: str, after: str) -> list[Change]:
    """Compare two ISO weeks under the same filters."""
    return compare(overall(session, filters.for_week(before)), overall(session, filters.for_week(after)))
