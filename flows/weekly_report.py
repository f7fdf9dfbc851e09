"""The weekly QA report as a flow: judge the targets (opening action items), draw each agent's random
review sample, and write the report as an HTML file and a Prefect artifact."""
from __future__ import annotations

from datetime import date, timedelta

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from callscore.settings import Settings
from callscore.store import open_store


@flow(name="weekly-qa-report")
def weekly_qa_report(week: str | None = None, sample_min: int = 4, sample_max: int = 8) -> dict:
    """`week` like 2026-W47; by default the week that ended most recently."""
    from callscore.analytics.query import week_of
    from callscore.analytics.report import build, render_html
    from callscore.analytics.sampling import sample_week
    from callscore.analytics.targets import evaluate

    settings = Settings.from_env()
    week = week or week_of(date.today() - timedelta(days=7))
    with open_store(settings).session() as session, session.begin():
        opened = evaluate(session, week)
        drawn = sample_week(session, week, (sample_min, sample_max))
        report = build(session, week)
    target = settings.home / "reports" / f"qa-{week}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(report))
    centre = report["centre"]
    create_markdown_artifact(
        f"## QA report {week}\n\n| calls | mean score | action items opened | calls sampled for review |\n"
        f"|---|---|---|---|\n| {centre.get('calls', 0)} | {centre.get('mean_score')} | {len(opened)} | "
        f"{sum(len(calls) for calls in drawn.values())} |\n\nFull report: `{target}`",
        key="weekly-qa-report", description=f"QA report {week}")
    return {"week": week, "html": str(target), "action_items_opened": len(opened),
            "sampled": {agent: len(calls) for agent, calls in drawn.items()}}
