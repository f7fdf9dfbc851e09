"""`callscore analytics ...`: the weekly report, review sampling, target evaluation, metric backfill."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from callscore.analytics.query import Filters, week_of

DB_HELP = "results store URL (default: CALLSCORE_DB_URL, else SQLite under CALLSCORE_HOME)"


def _store(args):
    from callscore.settings import Settings
    from callscore.store import Store, open_store

    return Store(args.db) if args.db else open_store(Settings.from_env())


def cmd_report(args) -> int:
    from callscore.analytics.report import render_html, weekly

    with _store(args).session() as session:
        report = weekly(session, args.week, Filters(team=args.team, scorecard=args.scorecard))
    text = render_html(report) if args.format == "html" else json.dumps(report, indent=2, default=str)
    if args.out:
        args.out.write_text(text)
    else:
        sys.stdout.write(text + "\n")
    return 0


def cmd_sample(args) -> int:
    from callscore.analytics.sampling import sample_week

    with _store(args).session() as session, session.begin():
        drawn = sample_week(session, args.week, (args.min, args.max), args.seed, Filters(team=args.team))
    for agent, calls in drawn.items():
        print(f"{agent:<12} {len(calls):>2}  {' '.join(calls)}")
    return 0


def cmd_evaluate(args) -> int:
    from callscore.analytics.targets import action_items, evaluate

    with _store(args).session() as session, session.begin():
        opened = {item.id for item in evaluate(session, args.week)}
        for row in action_items(session):
            print(f"{'NEW ' if row['id'] in opened else 'open'} #{row['id']} {row['week']} {row['target']}: {row['value']:.1f}{row['unit']}")
    return 0


def cmd_backfill(args) -> int:
    from callscore.analytics.metrics import backfill

    with _store(args).session() as session, session.begin():
        print(f"talk metrics stored for {backfill(session)} results")
    return 0


def add_parsers(commands) -> None:
    """Register `callscore analytics` on the main parser's subcommands."""
    this_week = week_of(date.today())
    actions = commands.add_parser(
        "analytics", help="QA analytics: weekly report, review sampling, targets, metric backfill",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  callscore analytics report --week 2026-W47 --format html --out report.html\n"
               "  callscore analytics sample --week 2026-W47 --min 4 --max 8\n"
               "  callscore analytics evaluate --week 2026-W47").add_subparsers(
        dest="analytics_command", required=True, metavar="ACTION")
    p = actions.add_parser("report", help="the weekly QA report as JSON or one HTML file")
    p.add_argument("--week", default=this_week, help=f"ISO week, e.g. 2026-W47 (default this week, {this_week})")
    p.add_argument("--format", choices=("json", "html"), default="json")
    p.add_argument("--team", help="only this team")
    p.add_argument("--scorecard", help="only results of this scorecard (name or name@version)")
    p.add_argument("--out", type=Path, help="file to write (default stdout)")
    p.set_defaults(run=cmd_report)
    p = actions.add_parser("sample", help="draw each agent's random review sample for a week (seeded, idempotent)")
    p.add_argument("--week", default=this_week)
    p.add_argument("--min", type=int, default=4, help="fewest calls per agent (default 4)")
    p.add_argument("--max", type=int, default=8, help="most calls per agent (default 8)")
    p.add_argument("--seed", default="callscore", help="the same seed draws the same calls")
    p.add_argument("--team", help="only this team's agents")
    p.set_defaults(run=cmd_sample)
    p = actions.add_parser("evaluate", help="judge the targets on a week; breaches open action items")
    p.add_argument("--week", default=this_week)
    p.set_defaults(run=cmd_evaluate)
    p = actions.add_parser("backfill", help="talk metrics for results stored before the analytics tables")
    p.set_defaults(run=cmd_backfill)
    for sub in actions.choices.values():
        sub.add_argument("--db", help=DB_HELP)
