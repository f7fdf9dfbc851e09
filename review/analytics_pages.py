"""Analytics pages in the review app: overview, team, agent (with coaching), item, targets and action items, the
weekly report. Built on the app's own login, CSRF and rendering (passed in by create_app)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from callscore.analytics import coaching, query, report, script, targets, telephony
from callscore.analytics.charts import FORMATS
from callscore.analytics.query import Filters
from callscore.review import inputs
from callscore.review.service import Forbidden
from callscore.review.inputs import BadInput, Id

VIEW, LEAD = ("monitor", "lead", "admin"), ("lead", "admin")
RECENT_DAYS = 28  # pages without dates show the last four weeks: what a lead looks at, and fast on a large store
FILTER_FIELDS = ("since", "until", "team", "agent", "scorecard", "queue", "campaign")


def filters_of(request: Request, **fixed) -> Filters:
    params = {k: (request.query_params.get(k) or "").strip()[:200] or None for k in FILTER_FIELDS}
    params["since"], params["until"] = inputs.day(params["since"], "since"), inputs.day(params["until"], "until", end=True)
    if not params["since"] and not params["until"]:
        params["since"] = datetime.combine(date.today() - timedelta(days=RECENT_DAYS), datetime.min.time())
    return Filters(**(params | fixed))


def period_of(request: Request) -> tuple[str, str]:
    """The report's (period, label) from ?period=day|week|month&at=LABEL; the current one by default."""
    return inputs.period(request.query_params.get("period"), request.query_params.get("at"))


def build_router(store, render, require_user, checked_form) -> APIRouter:
    router = APIRouter()

    def page(request: Request, name: str, user, **context):
        return render(request, name, user, f=FORMATS, query=dict(request.query_params), **context)

    def overview(request: Request, user, filters: Filters, title: str, tab: str):
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
        return page(request, "analytics_overview.html", user, title=title, tab=tab, filters=filters, **data)

    @router.get("/analytics", response_class=HTMLResponse)
    def analytics_home(request: Request):
        user = require_user(request, VIEW)
        return overview(request, user, filters_of(request), "QA analytics", "overview")

    @router.get("/analytics/teams/{team}", response_class=HTMLResponse)
    def team_page(request: Request, team: str):
        user = require_user(request, VIEW)
        return overview(request, user, filters_of(request, team=team), f"Team {team}", "team")

    @router.get("/analytics/agents/{agent}", response_class=HTMLResponse)
    def agent_page(request: Request, agent: str):
        user = require_user(request, VIEW + ("agent",))
        if user.role == "agent" and user.agent_id != agent:
            raise Forbidden("agents see only their own page")
        filters = filters_of(request, agent=agent)
        with store.session() as session:
            entries = coaching.sessions(session, agent)
            data = {"s": query.overall(session, filters), "trend": query.summary(session, filters, by="week"),
                    "team": coaching.team_of(session, agent),
                    "coaching": coaching.coaching_items(session, agent, Filters(since=filters.since, until=filters.until)),
                    "sessions": [{"entry": e, "effect": coaching.effect(session, e)} for e in entries]}
        return page(request, "analytics_agent.html", user, agent=agent, tab="agent", today=date.today().isoformat(), **data)

    @router.post("/analytics/agents/{agent}/coaching")
    async def add_coaching(request: Request, agent: str):
        user = require_user(request, LEAD)
        form = await checked_form(request)
        held_on = inputs.calendar_day(str(form.get("held_on") or ""), "held_on")
        agent = inputs.name(agent, "agent", required=True)
        items = [str(i) for i in form.getlist("items")]
        with store.session() as session, session.begin():
            coaching.record_session(session, agent, held_on, items, str(form.get("notes") or "")[:4000], user.id)
        return RedirectResponse(f"/analytics/agents/{agent}", status_code=303)

    @router.get("/analytics/items/{item}", response_class=HTMLResponse)
    def item_page(request: Request, item: str):
        user = require_user(request, VIEW)
        filters = filters_of(request)
        with store.session() as session:
            data = {by_name: query.item_rates(session, filters, by=by, item=item)
                    for by_name, by in (("by_team", "team"), ("by_agent", "agent"), ("by_week", "week"))}
            data["disagreement"] = [r for r in query.disagreement(session, filters) if r["item"] == item]
        return page(request, "analytics_item.html", user, item=item, tab="item", **data)

    @router.get("/analytics/script", response_class=HTMLResponse)
    def script_page(request: Request):
        user = require_user(request, VIEW)
        filters = filters_of(request)
        with store.session() as session:
            steps = script.insight(session, filters)
        return page(request, "analytics_script_page.html", user, r={"script": steps}, tab="script", links=True,
                    filters=filters)

    def built_report(request: Request, per_group_items: bool = False) -> dict:
        period, label = period_of(request)
        with store.session() as session:
            return report.build(session, label, filters_of(request), period, per_group_items)

    @router.get("/analytics/report", response_class=HTMLResponse)
    def report_page(request: Request):
        user = require_user(request, VIEW)
        return page(request, "analytics_report.html", user, r=built_report(request), tab="report", links=True,
                    resolvable=user.role in LEAD, periods=query.PERIODS)

    @router.get("/analytics/report.json")
    def report_json(request: Request):
        require_user(request, VIEW)
        return JSONResponse(report_jsonable(built_report(request)))

    @router.get("/analytics/report.csv")
    def report_csv(request: Request):
        require_user(request, VIEW)
        r = built_report(request, per_group_items=True)
        return Response(report.render_csv(r), media_type="text/csv", headers={
            "Content-Disposition": f'attachment; filename="qa-report-{r["label"]}.csv"'})

    @router.get("/analytics/targets", response_class=HTMLResponse)
    def targets_page(request: Request):
        return targets_with(request)

    def targets_with(request: Request, error: str | None = None):
        """The targets page; with the error of a refused form, answered 400."""
        user = require_user(request, VIEW)
        with store.session() as session:
            data = {"targets": targets.targets(session), "r": {"action_items": targets.action_items(session)},
                    "resolved": targets.action_items(session, status="resolved")[:20]}
        return page(request, "analytics_targets.html", user, tab="targets", metrics=targets.METRICS, error=error,
                    comparators=targets.COMPARATORS, resolvable=user.role in LEAD,
                    week=query.week_of(date.today()), status_code=400 if error else 200, **data)

    @router.post("/analytics/targets")
    async def add_target(request: Request):
        user = require_user(request, LEAD)
        form = await checked_form(request)
        try:
            with store.session() as session, session.begin():
                targets.add_target(session, str(form.get("metric")), str(form.get("comparator")),
                                   inputs.number(str(form.get("threshold") or ""), "threshold"),
                                   inputs.name(str(form.get("team") or ""), "team"),
                                   inputs.whole(str(form.get("min_calls") or ""), "min_calls", default=10), user.id)
        except (BadInput, targets.TargetError) as exc:
            return targets_with(request, error=str(exc))
        return RedirectResponse("/analytics/targets", status_code=303)

    @router.post("/analytics/evaluate")
    async def evaluate(request: Request):
        require_user(request, LEAD)
        form = await checked_form(request)
        with store.session() as session, session.begin():
            targets.evaluate(session, inputs.week(str(form.get("week") or "")))
        return RedirectResponse("/analytics/targets", status_code=303)

    @router.post("/analytics/actions/{item_id}/resolve")
    async def resolve(request: Request, item_id: Id):
        user = require_user(request, LEAD)
        form = await checked_form(request)
        try:
            with store.session() as session, session.begin():
                targets.resolve(session, item_id, user.id, str(form.get("action_taken") or "")[:4000])
        except targets.TargetError as exc:
            return targets_with(request, error=str(exc))
        return RedirectResponse("/analytics/targets", status_code=303)

    return router


def report_jsonable(r: dict) -> dict:
    import json

    return json.loads(json.dumps(r, default=str))
