"""`callscore report` (the QA report of a day, week or month) and `callscore analytics ...`: review sampling,
target evaluation, telephony import, metric backfill."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from callscore.analytics.query import PERIOD_EXAMPLES, PERIODS, Filters, period_bounds, period_of, week_of

DB_HELP = "results store URL (default: CALLSCORE_DB_URL, else SQLite under CALLSCORE_HOME)"


def _store(args):
    from callscore.settings import Settings
    from callscore.store import Store, open_store

    return Store(args.db) if args.db else open_store(Settings.from_env())


def cmd_report(args) -> int:
    from callscore.analytics.report import build, render_csv, render_html

    label = args.at or period_of(args.period, date.today())
    try:
        period_bounds(args.period, label)
    except ValueError:
        print(f"callscore report: --at {label!r}: a {args.period} is written like {PERIOD_EXAMPLES[args.period]}",
              file=sys.stderr)
        return 2
    filters = Filters(team=args.team, agent=args.agent, scorecard=args.scorecard, queue=args.queue, campaign=args.campaign)
    with _store(args).session() as session:
        report = build(session, label, filters, args.period, per_group_items=args.format == "csv")
    render = {"html": render_html, "csv": render_csv,
              "json": lambda r: json.dumps(r, indent=2, default=str) + "\n"}[args.format]
    text = render(report)
    if args.out:
        args.out.write_text(text)
        print(f"{args.format.upper()} report for {label} written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_import_telephony(args) -> int:
    from callscore.analytics.telephony import TelephonyError, import_csv

    failed = 0
    with _store(args).session() as session:
        for path in args.files:
            try:
                with session.begin():
                    report = import_csv(session, path)
            except (OSError, UnicodeDecodeError, TelephonyError) as exc:
                print(f"{path}: {exc}", file=sys.stderr)
                failed += 1
                continue
            for error in report.errors:
                print(error, file=sys.stderr)
            print(f"{path}: {report.imported} records imported, {len(report.errors)} rows skipped")
            failed += bool(report.errors)
    return 1 if failed else 0


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
    """Register `callscore report` and `callscore analytics` on the main parser's subcommands."""
    this_week = week_of(date.today())
    p = commands.add_parser(
        "report", help="the QA report of a day, week or month: HTML, CSV or JSON",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Scores, item fail rates, script steps, talk metrics, telephony KPIs and open action items of "
                    "one period, against the period before (changes marked only beyond their noise).",
        epilog="examples:\n  callscore report --period week --team Blue --format html --out blue.html\n"
               "  callscore report --period month --at 2026-10 --format csv --out october.csv\n"
               "  callscore report --period day --at 2026-11-16 --format json")
    p.add_argument("--period", choices=PERIODS, default="week", help="length of the period (default week)")
    p.add_argument("--at", metavar="LABEL", help="which one: 2026-11-16, 2026-W47 or 2026-11 (default the current one)")
    p.add_argument("--format", choices=("html", "csv", "json"), default="json",
                   help="html: one file to open or mail; csv: a row per centre, team and agent; json (default)")
    p.add_argument("--out", type=Path, help="file to write (default stdout)")
    for name, what in (("team", "team"), ("agent", "agent id"), ("queue", "queue"), ("campaign", "campaign")):
        p.add_argument(f"--{name}", help=f"only this {what}")
    p.add_argument("--scorecard", help="only results of this scorecard (name or name@version)")
    p.add_argument("--db", help=DB_HELP)
    p.set_defaults(run=cmd_report)

    actions = commands.add_parser(
        "analytics", help="QA analytics: review sampling, targets, telephony import, metric backfill",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  callscore analytics sample --week 2026-W47 --min 4 --max 8\n"
               "  callscore analytics evaluate --week 2026-W47\n"
               "  callscore analytics import-telephony acd-export-2026-11.csv").add_subparsers(
        dest="analytics_command", required=True, metavar="ACTION")
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
    p = actions.add_parser("import-telephony", help="import the telephony system's call records (CSV) for the KPIs",
                           description="Columns: id, started_at, answered or abandoned, wait_s; optional call_id "
                                       "(the recording), agent, team, queue, campaign, transfers, resolved. "
                                       "A re-import updates records; a bad row is reported and skipped.")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE.csv")
    p.set_defaults(run=cmd_import_telephony)
    p = actions.add_parser("backfill", help="talk metrics and script order for results stored before those tables")
    p.set_defaults(run=cmd_backfill)
    for sub in actions.choices.values():
        sub.add_argument("--db", help=DB_HELP)
