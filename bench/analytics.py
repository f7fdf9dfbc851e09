"""Analytics pages and reports on a large synthetic store: each page of the review app's analytics and each
`callscore report` format, timed on a store of N scored calls (default 100,000), against the 2 s target.

    python bench/analytics.py [--calls 100000] [--db URL] [--turns 60] [--repeat 3]

The store is built under /tmp (or in --db, which is emptied first) unless it already holds --calls calls, with bulk inserts:
300 agents in 20 teams over 26 weeks, nine item results per call, talk metrics, script order, 6 % of calls
reviewed (some drawn at random), telephony records with 4 % abandoned calls. Result documents carry `--turns`
transcript turns with word times (about 30 kB at 60 turns, what a five-minute call stores), because their size
is what makes table scans slow. Pages are asked through the app (HTTP, logged in as a lead); each figure is the
median of --repeat requests after one warm-up. Pages without dates show the last four weeks (the default a lead
sees); the "all 26 weeks" rows ask for the whole store.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from common import table

TEAMS, AGENTS_PER_TEAM, WEEKS = 20, 15, 26
TEAM_NAMES = ("Harbour", "Summit", "Meadow", "Beacon", "Orchard", "Granite", "Willow", "Falcon", "Juniper", "Cobalt")
FIRST_DAY = date(2026, 5, 25)  # a Monday; 26 weeks end 2026-11-22
CHUNK = 5000
LIMIT_S = 2.0


def build(url: str, calls: int, turns: int, seed: int = 5, teams: int = TEAMS, agents_per_team: int = AGENTS_PER_TEAM) -> None:
    from sqlalchemy import insert

    from callscore.analytics.metrics import metrics_of, out_of_order_steps
    from callscore.review import demo
    from callscore.review.auth import hash_password
    from callscore.store import Store
    from callscore.store.analytics_models import CallMetrics, ReviewSample, TelephonyCall
    from callscore.store.models import Call, ItemResult, Result, Review, ReviewItem, User

    rng = random.Random(seed)
    card = demo.default_card()
    items = [item.id for item in card.items]
    base_turns = [(s, a + 75 * k, b + 75 * k, t) for k in range(turns // len(demo.STEREO_TURNS) + 1)
                  for s, a, b, t in demo.STEREO_TURNS][:turns]
    store = Store(url)
    with store.session() as session, session.begin():
        session.execute(insert(User), [{"username": "lead", "password_hash": hash_password("bench-lead"), "role": "lead"}])
    agents = [(f"T{t:02d}-A{a:02d}", f"{TEAM_NAMES[t % len(TEAM_NAMES)]}{'' if t < len(TEAM_NAMES) else ' 2'}")
              for t in range(teams) for a in range(agents_per_team)]
    weakness = {agent: rng.choice(items[:8]) for agent, _ in agents}
    transcript = demo.segments(base_turns)  # shared by every document: building word lists per call is slow
    started = time.perf_counter()
    for first in range(0, calls, CHUNK):
        rows: dict[str, list] = {name: [] for name in ("calls", "results", "items", "metrics", "phone", "reviews",
                                                         "review_items", "samples")}
        for n in range(first, min(calls, first + CHUNK)):
            call_id, result_id = f"c{n:07d}", n + 1
            agent, team = agents[n % len(agents)]
            when = datetime.combine(FIRST_DAY, datetime.min.time()) + timedelta(seconds=rng.randrange(WEEKS * 7 * 86400))
            outcomes = {item: "fail" if rng.random() < (0.35 if item == weakness[agent] else 0.08) else "pass"
                        for item in items}
            checks = {item: (outcome, 0.9, demo.STEREO_CHECKS[item][2]) for item, outcome in outcomes.items()}
            hold = rng.uniform(20, 40)
            doc = demo.document(call_id, card, checks, duration_s=rng.uniform(90, 900), dead_air=[],
                                holds=[{"start": hold, "end": hold + rng.uniform(10, 120)}] if rng.random() < 0.3 else [])
            doc["segments"] = transcript
            doc["talk"] = {"overtalk_s": round(rng.uniform(0, 9), 2), "agent_talk_share": round(rng.uniform(0.3, 0.8), 3),
                           "longest_monologue_s": round(rng.uniform(5, 90), 1)}
            order = out_of_order_steps(doc)
            rows["calls"].append({"id": call_id, "source_path": f"/rec/{call_id}.wav", "sha256": doc["sha256"],
                                  "duration_s": doc["audio"]["duration_s"], "channels": 2, "sample_rate": 8000,
                                  "agent_id": agent, "team": team, "call_time": when, "filed_at": when, "meta": {},
                                  "review_state": "provisional"})
            rows["results"].append({"id": result_id, "call_id": call_id, "sha256": doc["sha256"], "callscore_version": "0.1.0",
                                    "asr_model": "tiny.en", "classifier": "bench", "scorecard": card.version_tag,
                                    "percent": doc["score"]["percent"], "points": doc["score"]["points"],
                                    "max_points": doc["score"]["max_points"], "auto_failed": doc["score"]["auto_failed"],
                                    "flags": doc["flags"], "document": doc, "is_current": True})
            rows["items"] += [{"result_id": result_id, "item_id": item, "outcome": check["outcome"],
                               "confidence": check["confidence"], "evidence": check["evidence"], "out_of_order": order.get(item)}
                              for item, check in doc["checks"].items()]
            rows["metrics"].append({"result_id": result_id, **metrics_of(doc)})
            rows["phone"].append({"id": f"acd-{call_id}", "call_id": call_id, "started_at": when - timedelta(seconds=40),
                                  "agent_id": agent, "team": team, "answered": True, "wait_s": rng.uniform(0, 120),
                                  "transfers": rng.choice((0, 0, 0, 1)), "resolved": rng.random() < 0.8})
            if rng.random() < 0.04:
                rows["phone"].append({"id": f"acd-ab-{n}", "started_at": when, "team": team, "answered": False,
                                      "wait_s": rng.uniform(10, 300), "transfers": 0})
            if rng.random() < 0.06:
                review_id = len(rows["reviews"]) + first + 1
                human = {item: ("pass" if outcome == "fail" and rng.random() < 0.3 else outcome) for item, outcome in outcomes.items()}
                rows["reviews"].append({"id": review_id, "call_id": call_id, "result_id": result_id, "reviewer_id": 1,
                                        "state": "submitted", "final_percent": doc["score"]["percent"], "comments": ""})
                rows["review_items"] += [{"review_id": review_id, "item_id": item, "machine_outcome": outcomes[item],
                                          "human_outcome": human[item], "action": "confirm" if human[item] == outcomes[item]
                                          else "override", "reason": ""} for item in items]
                if rng.random() < 0.5:
                    year, week, _ = when.isocalendar()
                    rows["samples"].append({"week": f"{year}-W{week:02d}", "agent_id": agent, "call_id": call_id,
                                            "seed": "bench"})
        with store.session() as session, session.begin():
            for name, table_ in (("calls", Call), ("results", Result), ("items", ItemResult), ("metrics", CallMetrics),
                                 ("phone", TelephonyCall), ("reviews", Review), ("review_items", ReviewItem),
                                 ("samples", ReviewSample)):
                if rows[name]:
                    session.execute(insert(table_), rows[name])
        done = min(calls, first + CHUNK)
        print(f"\rbuilding the store: {done:,}/{calls:,} calls ({time.perf_counter() - started:.0f} s)",
              end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    store.engine.dispose()


def stored_calls(url: str) -> int:
    """How many calls a store built earlier holds (0 if none): the same size is reused, not built again."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return 0
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM calls")).scalar()
    except SQLAlchemyError:
        return 0
    finally:
        engine.dispose()


def empty(url: str) -> None:
    from sqlalchemy import create_engine, text

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def lead_client(url: str):
    from starlette.testclient import TestClient

    from callscore.review.app import create_app
    from callscore.settings import Settings
    from callscore.store import Store

    home = Path(tempfile.mkdtemp(prefix="callscore-bench-"))
    client = TestClient(create_app(Store(url), Settings(home=home / "home", cache_dir=home / "cache")))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "lead", "password": "bench-lead", "csrf_token": token})
    return client


def timed(run, repeat: int) -> float:
    run()  # warm-up: templates compiled, database pages cached
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--turns", type=int, default=60, help="transcript turns per stored result (default 60)")
    parser.add_argument("--db", help="a PostgreSQL URL to build the store in (emptied first); default SQLite under /tmp")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="build the store again even if it has --calls calls")
    args = parser.parse_args()

    url = args.db or f"sqlite:///{Path(tempfile.gettempdir()) / f'callscore-bench-analytics-{args.calls}-{args.turns}.db'}"
    if stored_calls(url) != args.calls or args.rebuild:
        empty(url)
        build(url, args.calls, args.turns)

    from callscore.analytics import report
    from callscore.analytics.query import Filters
    from callscore.store import Store

    client = lead_client(url)
    all_time = "since=2026-05-25&until=2026-11-22"
    pages = [("review queue (the landing page)", "/queue"), ("overview (default: last 4 weeks)", "/analytics"), ("team page", "/analytics/teams/Beacon"),
             ("agent page (coaching)", "/analytics/agents/T03-A07"), ("item page", "/analytics/items/recap"),
             ("script insight", "/analytics/script"), ("report page (week)", "/analytics/report?period=week&at=2026-W47"),
             ("report page (month)", "/analytics/report?period=month&at=2026-10"),
             ("report CSV (week)", "/analytics/report.csv?period=week&at=2026-W47"),
             ("targets and actions", "/analytics/targets"),
             ("overview, all 26 weeks", f"/analytics?{all_time}"), ("team page, all 26 weeks", f"/analytics/teams/Beacon?{all_time}"),
             ("item page, all 26 weeks", f"/analytics/items/recap?{all_time}"), ("script insight, all 26 weeks", f"/analytics/script?{all_time}")]
    rows = []
    for name, path in pages:
        def ask(path=path):
            response = client.get(path)
            assert response.status_code == 200, f"{path}: {response.status_code}"
        seconds = timed(ask, args.repeat)
        rows.append({"what": name, "seconds": seconds, "under 2 s": "yes" if seconds < LIMIT_S else "NO"})
    store = Store(url)
    for fmt, render in (("html", report.render_html), ("csv", report.render_csv),
                        ("json", lambda r: json.dumps(r, default=str))):
        def cli(render=render, fmt=fmt):
            with store.session() as session:
                render(report.build(session, "2026-W47", Filters(team="Beacon"), "week", per_group_items=fmt == "csv"))
        seconds = timed(cli, args.repeat)
        rows.append({"what": f"callscore report --period week --team Beacon --format {fmt}", "seconds": seconds,
                     "under 2 s": "yes" if seconds < LIMIT_S else "NO"})
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"\n{args.calls:,} calls, {args.turns} turns per document, {backend}, median of {args.repeat}\n")
    print(table(rows, ["what", "seconds", "under 2 s"]))


if __name__ == "__main__":
    main()
