"""The QA report for a day, week or month: the centre, each team and agent against the period before (changes
flagged only beyond their noise), item fail rates, script steps missed and how agents phrase them, talk metrics,
telephony KPIs, machine-vs-human disagreement on the random sample, open action items. As JSON, CSV (a row per
centre/team/agent) or one HTML file."""
from __future__ import annotations

import io
from dataclasses import asdict, replace
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.orm import Session

from callscore.analytics import csvsafe, query, script, targets, telephony
from callscore.analytics.query import Filters
from callscore.store.analytics_models import ReviewSample
from callscore.store.models import Result

TREND_PERIODS = {"day": 14, "week": 8, "month": 6}
TEMPLATES = Path(__file__).resolve().parent.parent / "review" / "templates"
CSV_SUMMARY = ("calls", "reviewed", "reviewed_share", "n", "mean_score", "ci_low", "ci_high", "auto_fail_rate")
CSV_TELEPHONY = ("offered", "abandon_rate", "asa_s", "queue_wait_s", "transfer_rate", "fcr_rate")


def build(session: Session, label: str, filters: Filters = Filters(), period: str = "week",
          per_group_items: bool = False) -> dict:
    """The report of one period (label like 2026-W47, 2026-11-16 or 2026-11); ValueError if malformed.
    per_group_items: each team's and agent's item fail rates too (the CSV's columns)."""
    before = query.previous_period(period, label)
    this, last = filters.for_period(period, label), filters.for_period(period, before)
    centre, centre_before = query.overall(session, this), query.overall(session, last)
    teams_before = {row["key"]: row for row in query.summary(session, last, by="team")}
    teams = [{**row, "changes": [asdict(c) for c in query.compare(teams_before.get(row["key"], dict(query.EMPTY)), row)]}
             for row in query.summary(session, this, by="team")]
    rates = query.item_rates(session, this)
    items = query.compare_items(query.item_rates(session, last), rates)
    sampled = session.scalar(query.current_results(this).join(ReviewSample, ReviewSample.call_id == Result.call_id)
                             .with_only_columns(func.count(func.distinct(ReviewSample.call_id))))
    trend_since = this.since - (this.until - this.since) * (TREND_PERIODS[period] - 1)
    return {"period": period, "label": label, "previous": before,
            "filters": replace(filters, since=None, until=None).as_dict(),  # the period sets the dates
            "centre": centre, "changes": [asdict(c) for c in query.compare(centre_before, centre)],
            "teams": teams, "agents": query.summary(session, this, by="agent"),
            "items": sorted(items, key=lambda r: -(r["after"] or 0)),
            "item_rates": {by: query.item_rates(session, this, by=by) for by in ("team", "agent")} if per_group_items else {},
            "script": script.insight(session, this, rates, clusters=3),
            "talk": {metric: rows[0] if rows else None for metric, rows in query.talk_distribution(session, this).items()},
            "telephony": {"centre": telephony.overall(session, this), "before": telephony.overall(session, last),
                          "teams": telephony.kpis(session, this, by="team"),
                          "agents": telephony.kpis(session, this, by="agent")},
            "sample": {"calls": sampled or 0, "disagreement": query.disagreement(session, this, sampled_only=True)},
            "trend": query.summary(session, replace(filters, since=trend_since, until=this.until),
                                   by=period),
            "action_items": targets.action_items(session)}


def render_html(report: dict) -> str:
    """The report as one HTML file (the review app's stylesheet inlined)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from callscore.analytics.charts import FORMATS

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    css = (TEMPLATES.parent / "static" / "app.css").read_text()
    return env.get_template("analytics_report_file.html").render(r=report, f=FORMATS, css=css)


def render_csv(report: dict) -> str:
    """One row per centre, team and agent: QA figures, each item's fail rate, telephony KPIs. Needs a report
    built with per_group_items."""
    item_ids = sorted({row["item"] for row in report["items"]})
    rates = {(by, row["key"], row["item"]): row["fail_rate"] for by, rows in report["item_rates"].items() for row in rows}
    phone = {("team", r["key"]): r for r in report["telephony"]["teams"]} | {("agent", r["key"]): r for r in report["telephony"]["agents"]}
    centre_rates = {row["item"]: row["after"] for row in report["items"]}
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(["period", "level", "key", *CSV_SUMMARY, *(f"fail_rate:{i}" for i in item_ids), *CSV_TELEPHONY])

    def write(level: str, row: dict, item_rate, kpis: dict) -> None:
        writer.writerow([report["label"], level, row["key"] or "", *(_cell(row.get(k)) for k in CSV_SUMMARY),
                         *(_cell(item_rate(i)) for i in item_ids), *(_cell(kpis.get(k)) for k in CSV_TELEPHONY)])

    write("centre", {**report["centre"], "key": "all"}, centre_rates.get, report["telephony"]["centre"])
    for level, rows in (("team", report["teams"]), ("agent", report["agents"])):
        for row in rows:
            write(level, row, lambda item, key=row["key"], level=level: rates.get((level, key, item)),
                  phone.get((level, row["key"]), {}))
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    return f"{value:.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
