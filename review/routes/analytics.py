"""Analytics pages: overview, team, agent (with coaching), item, script steps, the period report (HTML, JSON,
CSV), targets and action items."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from callscore.analytics import coaching, query, report, script, targets, telephony
from callscore.analytics.charts import FORMATS
from callscore.analytics.query import Filters
from callscore.review import inputs
from callscore.review.deps import CsrfForm, Lead, Reviewer, StoreDep, require_role
from callscore.review.errors import Forbidden
from callscore.review.inputs import BadInput, Id
from callscore.review.pages import render
from callscore.review.roles import LEADS, REVIEWERS
from callscore.store import Store
from callscore.store.models import User

RECENT_DAYS = 28  # pages without dates show the last four weeks: what a lead looks at, and fast on a large store
FILTER_FIELDS = ("since", "until", "team", "agent", "scorecard", "queue", "campaign")
ReviewerOrAgent = Annotated[User, Depends(require_role(*REVIEWERS, "agent"))]

router = APIRouter()


def filters_of(request: Request, **fixed) -> Filters:
    params = {k: (request.query_params.get(k) or "").strip()[:200] or None for k in FILTER_FIELDS}
    params["since"], params["until"] = inputs.day(params["since"], "since"), inputs.day(params["until"], "until", end=True)
    if not params["since"] and not params["until"]:
        params["since"] = datetime.combine(date.today() - timedelta(days=RECENT_DAYS), datetime.min.time())
    return Filters(**(params | fixed))


def period_of(request: Request) -> tuple[str, str]:
    """The report's (period, label) from ?period=day|week|month&at=LABEL; the current one by default."""
    return inputs.period(request.query_params.get("period"), request.query_params.get("at"))


def analytics_page(request: Request, name: str, user: User, status_code: int = 200, **context) -> HTMLResponse:
    return render(request, name, user, status_code=status_code, f=FORMATS, query=dict(request.query_params),
                  **context)


def overview(request: Request, store: Store, user: User, filters: Filters, title: str, tab: str) -> HTMLResponse:
    with store.session() as session:
        by_week = query.summary(session, filters, by="week")
        data = {"s": query.overall(session, filters), "trend": by_week,
                "teams": query.summary(session, filters, by="team") if not filters.team else [],
                "agents": query.summary(session, filters, by="agent"),
                "items": sorted(query.item_rates(session, filters), key=lambda r: -(r["fail_rate"] or 0)),
                "disagreement": query.disagreement(session, filters),
                "telephony": telephony.overall(session, filters),
                "telephony_teams": telephony.kpis(session, filters, by="team") if not filters.team else [],
                "r": {"talk": {m: (rows[0] if rows else None)
                               for m, rows in query.talk_distribution(session, filters).items()}}}
    return analytics_page(request, "analytics_overview.html", user, title=title, tab=tab, filters=filters, **data)


@router.get("/analytics", response_class=HTMLResponse)
def analytics_home(request: Request, user: Reviewer, store: StoreDep) -> Response:
    return overview(request, store, user, filters_of(request), "QA analytics", "overview")


@router.get("/analytics/teams/{team}", response_class=HTMLResponse)
def team_page(request: Request, team: str, user: Reviewer, store: StoreDep) -> Response:
    return overview(request, store, user, filters_of(request, team=team), f"Team {team}", "team")


@router.get("/analytics/agents/{agent}", response_class=HTMLResponse)
def agent_page(request: Request, agent: str, user: ReviewerOrAgent, store: StoreDep) -> Response:
    if user.role == "agent" and user.agent_id != agent:
        raise Forbidden("agents see only their own page")
    filters = filters_of(request, agent=agent)
    with store.session() as session:
        entries = coaching.sessions(session, agent)
        data = {"s": query.overall(session, filters), "trend": query.summary(session, filters, by="week"),
                "team": coaching.team_of(session, agent),
                "coaching": coaching.coaching_items(session, agent, Filters(since=filters.since, until=filters.until)),
                "sessions": [{"entry": e, "effect": coaching.effect(session, e)} for e in entries]}
    return analytics_page(request, "analytics_agent.html", user, agent=agent, tab="agent",
                          today=date.today().isoformat(), **data)


@router.post("/analytics/agents/{agent}/coaching")
def add_coaching(agent: str, user: Lead, form: CsrfForm, store: StoreDep) -> Response:
    held_on = inputs.calendar_day(str(form.get("held_on") or ""), "held_on")
    agent = inputs.name(agent, "agent", required=True)
    items = [str(i) for i in form.getlist("items")]
    with store.session() as session, session.begin():
        coaching.record_session(session, agent, held_on, items, str(form.get("notes") or "")[:4000], user.id)
    return RedirectResponse(f"/analytics/agents/{agent}", status_code=303)


@router.get("/analytics/items/{item}", response_class=HTMLResponse)
def item_page(request: Request, item: str, user: Reviewer, store: StoreDep) -> Response:
    filters = filters_of(request)
    with store.session() as session:
        data = {by_name: query.item_rates(session, filters, by=by, item=item)
                for by_name, by in (("by_team", "team"), ("by_agent", "agent"), ("by_week", "week"))}
        data["disagreement"] = [r for r in query.disagreement(session, filters) if r["item"] == item]
    return analytics_page(request, "analytics_item.html", user, item=item, tab="item", **data)


@router.get("/analytics/script", response_class=HTMLResponse)
def script_page(request: Request, user: Reviewer, store: StoreDep) -> Response:
    filters = filters_of(request)
    with store.session() as session:
        steps = script.insight(session, filters)
    return analytics_page(request, "analytics_script_page.html", user, r={"script": steps}, tab="script", links=True,
                          filters=filters)


def built_report(request: Request, store: Store, per_group_items: bool = False) -> dict:
    period, label = period_of(request)
    with store.session() as session:
        return report.build(session, label, filters_of(request), period, per_group_items)


@router.get("/analytics/report", response_class=HTMLResponse)
def report_page(request: Request, user: Reviewer, store: StoreDep) -> Response:
    return analytics_page(request, "analytics_report.html", user, r=built_report(request, store), tab="report",
                          links=True, resolvable=user.role in LEADS, periods=query.PERIODS)


@router.get("/analytics/report.json")
def report_json(request: Request, _user: Reviewer, store: StoreDep) -> Response:
    return JSONResponse(json.loads(json.dumps(built_report(request, store), default=str)))


@router.get("/analytics/report.csv")
def report_csv(request: Request, _user: Reviewer, store: StoreDep) -> Response:
    r = built_report(request, store, per_group_items=True)
    return Response(report.render_csv(r), media_type="text/csv", headers={
        "Content-Disposition": f'attachment; filename="qa-report-{r["label"]}.csv"'})


def targets_page_with(request: Request, store: Store, user: User, error: str | None = None) -> HTMLResponse:
    """The targets page; with the error of a refused form, answered 400."""
    with store.session() as session:
        data = {"targets": targets.targets(session), "r": {"action_items": targets.action_items(session)},
                "resolved": targets.action_items(session, status="resolved")[:20]}
    return analytics_page(request, "analytics_targets.html", user, tab="targets", metrics=targets.METRICS, error=error,
                          comparators=targets.COMPARATORS, resolvable=user.role in LEADS,
                          week=query.week_of(date.today()), status_code=400 if error else 200, **data)


@router.get("/analytics/targets", response_class=HTMLResponse)
def targets_page(request: Request, user: Reviewer, store: StoreDep) -> Response:
    return targets_page_with(request, store, user)


@router.post("/analytics/targets")
def add_target(request: Request, user: Lead, form: CsrfForm, store: StoreDep) -> Response:
    try:
        with store.session() as session, session.begin():
            targets.add_target(session, str(form.get("metric")), str(form.get("comparator")),
                               inputs.number(str(form.get("threshold") or ""), "threshold"),
                               inputs.name(str(form.get("team") or ""), "team"),
                               inputs.whole(str(form.get("min_calls") or ""), "min_calls", default=10), user.id)
    except (BadInput, targets.TargetError) as exc:
        return targets_page_with(request, store, user, error=str(exc))
    return RedirectResponse("/analytics/targets", status_code=303)


@router.post("/analytics/evaluate")
def evaluate(_user: Lead, form: CsrfForm, store: StoreDep) -> Response:
    with store.session() as session, session.begin():
        targets.evaluate(session, inputs.week(str(form.get("week") or "")))
    return RedirectResponse("/analytics/targets", status_code=303)


@router.post("/analytics/actions/{item_id}/resolve")
def resolve_action_item(request: Request, item_id: Id, user: Lead, form: CsrfForm, store: StoreDep) -> Response:
    try:
        with store.session() as session, session.begin():
            targets.resolve(session, item_id, user.id, str(form.get("action_taken") or "")[:4000])
    except targets.TargetError as exc:
        return targets_page_with(request, store, user, error=str(exc))
    return RedirectResponse("/analytics/targets", status_code=303)
