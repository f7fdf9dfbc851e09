"""CLI commands for the results store and the Prefect flows (nightly, reprocess, calls, serve, retention)."""
from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

RAW = argparse.RawDescriptionHelpFormatter
STATES = ("provisional", "to_review", "in_review", "confirmed")
NIGHTLY_CRON = "0 2 * * *"


def _describe(text: str) -> str:
    return textwrap.fill(text, 88)  # the raw formatter keeps the examples' line breaks, so wrap by hand


def _workers(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, default=1,
                        help="calls scored at once (default 1: one call already uses two CPU cores)")
    parser.add_argument("--dask", metavar="ADDRESS", help="score on a Dask cluster: 'local' starts one with "
                        "--workers processes on this machine, or give a scheduler address like tcp://host:8786")


def _scorecard_file(value: str) -> str:
    """A path, or the name of a scorecard in the scorecards folder ('v2' -> scorecards/v2.yaml)."""
    from callscore.settings import SCORECARDS

    named = SCORECARDS / f"{value}.yaml"
    return str(named) if not Path(value).exists() and named.exists() else value


def _scorecard(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scorecard", type=_scorecard_file,
                        help="scorecard YAML, or the name of one in scorecards/ (default: default)")


def _store():
    from callscore.store import open_store

    return open_store()


def _print_summary(summary: dict, title: str) -> int:
    from callscore.flows.scoring import render_summary

    print(render_summary(summary, title))
    return 1 if summary["failed"] else 0


def cmd_nightly(args: argparse.Namespace) -> int:
    from callscore.flows.prefect_flows import nightly_scoring, task_runner

    flow = nightly_scoring.with_options(task_runner=task_runner(args.workers, args.dask))
    summary = flow(args.inbox, args.scorecard, args.name_pattern, args.retry_quarantined, kind="manual")
    return _print_summary(summary, f"Scoring of {args.inbox}")


def cmd_reprocess(args: argparse.Namespace) -> int:
    from callscore.flows.prefect_flows import reprocess, task_runner

    selection = {k: getattr(args, k) for k in ("calls", "since", "until", "agent", "failed_item", "scored_with",
                                               "older_than_version")}
    if not any(selection.values()) and not args.all:
        print("error: say which calls to reprocess (see --help), or --all", file=sys.stderr)
        return 2
    flow = reprocess.with_options(task_runner=task_runner(args.workers, args.dask))
    return _print_summary(flow(**selection, scorecard=args.scorecard), "Reprocessing")


def cmd_serve(args: argparse.Namespace) -> int:
    from callscore.flows.prefect_flows import serve

    serve(args.inbox, args.cron, args.scorecard, args.workers, args.dask)
    return 0


def cmd_calls_list(args: argparse.Namespace) -> int:
    from callscore.store.repository import list_calls

    with _store().session() as session:
        rows = list_calls(session, args.flag, args.state, args.agent, args.limit)
    if args.format == "json":
        print(json.dumps(rows, indent=1))
        return 0
    print(f"{'CALL':<24} {'TIME':<19} {'AGENT':<10} {'STATE':<11} {'SCORE':>6}  FLAGS")
    for row in rows:
        score = "-" if row["percent"] is None else f"{row['percent']:.0f}%"
        print(f"{row['call_id']:<24} {(row['call_time'] or '')[:19]:<19} {row['agent_id'] or '':<10} "
              f"{row['state']:<11} {score:>6}  {', '.join(row['flags'])}")
    print(f"{len(rows)} calls", file=sys.stderr)
    return 0


def cmd_calls_show(args: argparse.Namespace) -> int:
    from callscore.pipeline.result import summary
    from callscore.store.repository import call_detail

    with _store().session() as session:
        detail = call_detail(session, args.call_id)
    if detail is None:
        print(f"error: no call {args.call_id!r} in the store", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps(detail, indent=1, default=str))
        return 0
    print(f"{detail['call_id']}  agent {detail['agent_id'] or '?'}  team {detail['team'] or '?'}  "
          f"time {detail['call_time'] or '?'}  state {detail['state']}")
    if detail["result"]:
        print(summary(detail["result"]))
    for version in detail["versions"]:
        print(f"  result {version['result_id']} {version['created_at'][:19]} {version['scorecard']} "
              f"{version['asr_model']} {version['classifier']}{'  (current)' if version['is_current'] else ''}")
    for item, review in detail["reviewed_items"].items():
        newer = f"  (machine now says {review['newest_machine_outcome']})" if review["newest_machine_outcome"] else ""
        print(f"  reviewed {item:<22} {review['human_outcome']:<15} {review['action']}{newer}")
    return 0


def cmd_calls_export(args: argparse.Namespace) -> int:
    from callscore.analytics import csvsafe
    from callscore.store.repository import export_rows

    with _store().session() as session:
        rows = export_rows(session)
    columns = list(dict.fromkeys(key for row in rows for key in row))  # item columns differ between scorecards
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.format == "csv":
        with open(args.out, "w", newline="") as f:
            writer = csvsafe.DictWriter(f, fieldnames=columns, restval="")  # no formulas from sidecar values
            writer.writeheader()
            writer.writerows(rows)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({c: [row.get(c) for row in rows] for c in columns}), args.out)
    print(f"{len(rows)} calls written to {args.out}", file=sys.stderr)
    return 0


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, at least 1, got {value!r}")
    return int(value)


def cmd_retention_run(args: argparse.Namespace) -> int:
    from callscore.flows.retention import render, retention

    print(render(retention(args.days, args.dry_run)))
    return 0


def add_parsers(commands) -> None:
    """Register the store/flow subcommands on the main `callscore` parser."""
    p = commands.add_parser(
        "nightly", help="score new recordings in an inbox into the results store, now",
        formatter_class=RAW, description=_describe("Run the nightly scoring once, now: score every recording in the inbox "
        "that is not yet in the store with the current models and scorecard, store the results, and mark calls "
        "with flags for review. Files that cannot be scored are quarantined (reason in the summary) and the run "
        "goes on; exit status 1 if any file failed."),
        epilog="examples:\n  callscore nightly --inbox /recordings/today\n"
               "  callscore nightly --inbox s3://calls/inbox --name-pattern '(?P<agent_id>[^_]+)_(?P<call_time>\\d{8}T\\d{6})'")
    p.add_argument("--inbox", required=True, help="folder of recordings, or an fsspec URL (s3://..., sftp://...)")
    _scorecard(p)
    p.add_argument("--name-pattern", dest="name_pattern", metavar="REGEX",
                   help="read agent_id, team, call_time, queue, campaign from file names with named groups "
                        "(a <name>.json sidecar next to the recording takes precedence)")
    p.add_argument("--retry-quarantined", action="store_true", help="try quarantined files again")
    _workers(p)
    p.set_defaults(run=cmd_nightly)

    p = commands.add_parser(
        "reprocess", help="score stored calls again (new model or scorecard); reviews are kept",
        formatter_class=RAW, description=_describe("Score selected calls again. The new result is stored beside the old "
        "one and becomes current; human reviews are never changed (where the new machine verdict differs from "
        "a reviewer's, `calls show` shows both). Calls already scored with the same versions are skipped."),
        epilog="examples:\n  callscore reprocess --since 2026-11-01 --scorecard scorecards/v2.yaml\n"
               "  callscore reprocess --failed-item verify_identity\n"
               "  callscore reprocess --scored-with 'Inbound customer service@1.0'")
    p.add_argument("--calls", nargs="+", metavar="CALL_ID", help="these calls")
    p.add_argument("--since", metavar="DATE", help="calls on or after this date (call time, or when stored)")
    p.add_argument("--until", metavar="DATE", help="calls up to and including this date")
    p.add_argument("--agent", metavar="ID", help="calls of this agent")
    p.add_argument("--failed-item", dest="failed_item", metavar="ITEM", help="calls that currently fail this item")
    p.add_argument("--scored-with", dest="scored_with", metavar="VERSION",
                   help="calls currently scored with this speech model, classifier or scorecard (name@version)")
    p.add_argument("--older-than-version", dest="older_than_version", metavar="VERSION",
                   help="calls currently scored by a callscore release older than this")
    p.add_argument("--all", action="store_true", help="every stored call")
    _scorecard(p)
    _workers(p)
    p.set_defaults(run=cmd_reprocess)

    p = commands.add_parser(
        "serve", help="run the nightly schedule and allow reprocessing from the Prefect UI",
        formatter_class=RAW, description=_describe("Serve the Prefect deployments 'nightly-scoring/nightly' (on a cron "
        "schedule) and 'reprocess/reprocess' (run from the Prefect UI or `prefect deployment run`). Runs until "
        "stopped. Point PREFECT_API_URL at a Prefect server to see runs in its UI."))
    p.add_argument("--inbox", required=True, help="folder or fsspec URL the nightly run scores")
    p.add_argument("--cron", default=NIGHTLY_CRON, help=f"when the nightly run starts (cron; default '{NIGHTLY_CRON}', 02:00)")
    _scorecard(p)
    _workers(p)
    p.set_defaults(run=cmd_serve)

    calls = commands.add_parser("calls", help="look at stored calls and results; export them").add_subparsers(
        dest="calls_command", required=True, metavar="ACTION")
    p = calls.add_parser("list", help="stored calls with score, state and flags (newest first)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--flag", help="only calls with this flag (auto_fail, low_confidence, dead_air, no_speech, ...)")
    p.add_argument("--state", choices=STATES, help="only calls in this review state")
    p.add_argument("--agent", metavar="ID", help="only this agent's calls")
    p.add_argument("--limit", type=int, help="at most this many")
    p.set_defaults(run=cmd_calls_list)

    p = calls.add_parser("show", help="one call: current result, every result version, the review")
    p.add_argument("call_id", metavar="CALL_ID")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=cmd_calls_show)

    p = calls.add_parser("export", help="current results as CSV or Parquet, one row per call (for analysts)")
    p.add_argument("--format", choices=("csv", "parquet"), required=True)
    p.add_argument("--out", required=True, type=Path, help="file to write")
    p.set_defaults(run=cmd_calls_export)

    retention = commands.add_parser("retention", help="apply the retention policy").add_subparsers(
        dest="retention_command", required=True, metavar="ACTION")
    p = retention.add_parser("run", help="remove transcripts, evidence text and derived audio of old calls; "
                             "scores, item outcomes and reviews stay (audited)")
    p.add_argument("--days", type=_positive, metavar="N",
                   help="calls older than N days (default: the retention_days setting, 90)")
    p.add_argument("--dry-run", dest="dry_run", action="store_true", help="only list what would be removed")
    p.set_defaults(run=cmd_retention_run)
