"""The weekly QA report: the centre and each team this week against last week (changes flagged only beyond their
noise), item fail rates, talk metrics, machine-vs-human disagreement on the random sample, open action items."""
from __future__ import annotations

from dataclasses import asdict, replace
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callscore.analytics import query, targets
from callscore.analytics.query import Filters
from callscore.store.analytics_models import ReviewSample

TREND_WEEKS = 8
TEMPLATES = Path(__file__).resolve().parent.parent / "review" / "templates"


def weekly(session: Session, week: str, filters: Filters = Filters()) -> dict:
    query.week_bounds(week)  # validates
    before = query.previous_week(week)
    this, last = filters.for_week(week), filters.for_week(before)
    centre, centre_before = query.overall(session, this), query.overall(session, last)
    teams_before = {row["key"]: row for row in query.summary(session, last, by="team")}
    teams = [{**row, "changes": [asdict(c) for c in query.compare(teams_before.get(row["key"], dict(query.EMPTY)), row)]}
             for row in query.summary(session, this, by="team")]
    items = query.compare_items(query.item_rates(session, last), query.item_rates(session, this))
    sampled = session.scalar(select(func.count()).select_from(ReviewSample).where(ReviewSample.week == week))
    return {"week": week, "previous_week": before, "filters": filters.as_dict(),
            "centre": centre, "changes": [asdict(c) for c in query.compare(centre_before, centre)],
            "teams": teams, "items": sorted(items, key=lambda r: -(r["after"] or 0)),
            "talk": {metric: rows[0] if rows else None for metric, rows in query.talk_distribution(session, this).items()},
            "sample": {"calls": sampled, "disagreement": query.disagreement(session, this, sampled_only=True)},
            "trend": query.summary(session, replace(filters, since=this.since - timedelta(weeks=TREND_WEEKS - 1),
                                                    until=this.until), by="week"),
            "action_items": targets.action_items(session)}


def render_html(report: dict, standalone: bool = True) -> str:
    """The report as one HTML file (the review app's stylesheet inlined)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from callscore.analytics.charts import FORMATS

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    css = (TEMPLATES.parent / "static" / "app.css").read_text()
    return env.get_template("analytics_report_file.html").render(r=report, f=FORMATS, css=css)
