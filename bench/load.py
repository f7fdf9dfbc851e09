"""Under load and faults (issue 18): two `callscore nightly` runs and the review app on one store, one run killed
with SIGKILL mid-way, then 50 monitors at once; on SQLite and on PostgreSQL.

    .venv/bin/python bench/load.py                          # SQLite, and PostgreSQL at --pg-url when it answers
    .venv/bin/python bench/load.py --stores sqlite --calls 40 --monitors 20

Per store, in a fresh database:
1. Faults. The inbox holds --calls transcripts made by bench/load_calls.py (no audio: scoring a transcript skips
   speech recognition). Nightly runs A and B start together on it while the review app serves the store,
   --reviewers monitors submit reviews on the calls stored so far (until B ends) and one session polls the
   queue every --poll-every seconds. When a third of the calls are stored, A gets SIGKILL; B runs to its end,
   then run C (the rerun after a crash). Checked:
   every call has exactly one result, every review the app accepted (303) is in the store as submitted, the app
   answered every poll, B and C exited 0 and C scored nothing, A's run is marked abandoned.
2. Load. --monitors sessions log in and each does --rounds rounds of queue, call page, submitted review and
   analytics overview (a pause of --think seconds between pages, as a person reads), all at once on loopback
   against the one app process. Reported: p95 seconds per page and errors (5xx, wrong status, timeouts).

PostgreSQL: the database at --pg-url is emptied first (DROP SCHEMA public), so give one of its own (`.ci/run`
shows how the cluster starts; `createdb -O callscore callscore_bench`). Exit status 1 when a check fails.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import socket
import subprocess  # nosec B404: runs this project's own CLI
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import table  # noqa: E402
from load_calls import write_inbox  # noqa: E402
from load_monitors import Timings, p95, poll, run_monitors  # noqa: E402

from callscore.review.auth import hash_password  # noqa: E402
from callscore.store import Store  # noqa: E402
from callscore.store.models import Result, Review, Run, User  # noqa: E402
from callscore.store.repository import add_user  # noqa: E402

PG_URL = "postgresql+psycopg://callscore:callscore-ci@127.0.0.1:5432/callscore_bench"
CLI = [sys.executable, "-m", "callscore"]
PAGES = ("login", "queue", "call", "review", "analytics")
MAX_REVIEW_ROUNDS = 200  # a bound for the reviewers of the faults part, who stop when the nightly runs end


@dataclass
class FaultReport:
    calls: int = 0
    scored_once: int = 0
    missing: list[str] = field(default_factory=list)
    scored_twice: list[str] = field(default_factory=list)
    stored_at_kill: int = 0
    reviews_accepted: int = 0
    reviews_lost: list[tuple[str, str]] = field(default_factory=list)
    polls: int = 0
    poll_errors: list[str] = field(default_factory=list)
    slowest_poll_s: float = 0.0
    review_errors: list[str] = field(default_factory=list)
    exits: dict[str, int | None] = field(default_factory=dict)
    runs: list[tuple[int, str, int, int]] = field(default_factory=list)  # (run id, status, scored, skipped)
    orphans_killed: bool = False  # processes of the killed run outlived it (its Prefect server)
    seconds: float = 0.0

    def problems(self) -> list[str]:
        statuses = [status for _, status, _, _ in self.runs]
        return [text for bad, text in (
            (self.missing, f"calls never scored: {self.missing}"),
            (self.scored_twice, f"calls scored more than once: {self.scored_twice}"),
            (self.reviews_lost, f"reviews accepted by the app but not stored: {self.reviews_lost}"),
            (self.poll_errors, f"the app failed polls: {self.poll_errors[:3]}"),
            (self.review_errors, f"review pages failed during the nightly runs: {self.review_errors[:3]}"),
            (self.exits.get("B") != 0 or self.exits.get("C") != 0, f"nightly exit codes {self.exits}"),
            (statuses.count("abandoned") != 1, f"runs {self.runs}: the killed one should be 'abandoned'"),
            (self.runs and self.runs[-1][2] != 0, f"the rerun scored again: {self.runs[-1:]}"),
        ) if bad]


def fresh_store(kind: str, folder: Path, pg_url: str) -> str:
    if kind == "sqlite":
        (folder / "home").mkdir(mode=0o700)
        return f"sqlite:///{folder / 'home' / 'callscore.db'}"
    engine = create_engine(pg_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return pg_url


def add_monitors(url: str, names: list[str]) -> list[tuple[str, str]]:
    """Monitor accounts sharing one random password (one scrypt hash: hashing 50 would cost seconds of CPU)."""
    password = secrets.token_urlsafe(16)
    hashed = hash_password(password)
    store = Store(url)
    with store.session() as session, session.begin():
        for name in names:
            add_user(session, name, hashed, "monitor")
    store.engine.dispose()
    return [(name, password) for name in names]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    """In a process group of its own, so whatever it starts (a Prefect server) can be stopped with it."""
    with open(log, "ab") as out:
        return subprocess.Popen(CLI + args, env=env, stdout=out, stderr=subprocess.STDOUT,  # nosec B603
                                start_new_session=True)


def stop_group(process: subprocess.Popen) -> bool:
    """SIGKILL what is left of the process's group; True when something was left."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


async def wait_for_app(base_url: str, app: subprocess.Popen) -> None:
    import httpx

    async with httpx.AsyncClient() as client:
        for _ in range(240):
            if app.poll() is not None:
                raise RuntimeError(f"the review app exited with {app.returncode}")
            try:
                if (await client.get(f"{base_url}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError("the review app did not start in 120 s")


def results_per_call(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        counts = dict(connection.execute(select(Result.call_id, func.count()).group_by(Result.call_id)).all())
    engine.dispose()
    return counts


def stored_reviews(url: str) -> set[tuple[str, str]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(select(Review.call_id, User.username).join(User, User.id == Review.reviewer_id)
                                  .where(Review.state == "submitted")).all()
    engine.dispose()
    return {(call_id, username) for call_id, username in rows}


def runs_of(url: str) -> list[tuple[int, str, int, int]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(select(Run.id, Run.status, Run.scored, Run.skipped).order_by(Run.id)).all()
    engine.dispose()
    return [tuple(row) for row in rows]


async def kill_when_stored(url: str, victim: subprocess.Popen, at_least: int) -> int:
    """SIGKILL `victim` once `at_least` calls are stored (or it ends first); the count when it was killed."""
    while victim.poll() is None:
        stored = len(await asyncio.to_thread(results_per_call, url))
        if stored >= at_least:
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            return stored
        await asyncio.sleep(0.3)
    return -1  # it finished before the kill: the run proves nothing, and says so


async def faults(url: str, folder: Path, env: dict, base_url: str, args) -> FaultReport:
    """Nightly runs A and B at once, A killed, then C; reviews and polls through the app meanwhile."""
    report = FaultReport(calls=args.calls)
    inbox = folder / "inbox"
    call_ids = write_inbox(inbox, args.calls)
    reviewers = add_monitors(url, [f"reviewer{i:02d}" for i in range(args.reviewers)] + ["poller"])
    started = time.perf_counter()
    nightly = ["nightly", "--inbox", str(inbox)]
    a, b = start(nightly, env, folder / "nightly_a.log"), start(nightly, env, folder / "nightly_b.log")
    c = None
    try:
        stop = asyncio.Event()  # set when B ends: the reviewers and the poller work as long as the nightly runs do
        polling = asyncio.create_task(poll(base_url, reviewers[-1], args.poll_every, stop))
        reviewing = asyncio.create_task(run_monitors(base_url, reviewers[:-1], MAX_REVIEW_ROUNDS, (1.0, 3.0), stop))
        report.stored_at_kill = await kill_when_stored(url, a, args.calls // 3)
        while b.poll() is None:
            await asyncio.sleep(0.5)
        stop.set()
        review_timings: Timings = await reviewing
        poll_timings: Timings = await polling
        report.orphans_killed = stop_group(a)
        c = start(nightly, env, folder / "nightly_c.log")
        report.exits = {"A": a.returncode, "B": b.returncode, "C": await asyncio.to_thread(c.wait)}
    finally:  # nothing of the runs outlives the bench, whatever happened
        for process in (a, b, c):
            if process is not None:
                stop_group(process)
    report.seconds = time.perf_counter() - started

    counts = results_per_call(url)
    report.missing = [call_id for call_id in call_ids if call_id not in counts]
    report.scored_twice = [call_id for call_id, n in counts.items() if n > 1]
    report.scored_once = sum(n == 1 for n in counts.values())
    report.reviews_accepted = len(review_timings.submitted)
    report.reviews_lost = sorted(review_timings.submitted - stored_reviews(url))
    report.polls = len(poll_timings.seconds.get("queue", []))
    report.poll_errors = [e for errors in poll_timings.errors.values() for e in errors]
    report.slowest_poll_s = max(poll_timings.seconds.get("queue", [0.0]))
    report.review_errors = [e for errors in review_timings.errors.values() for e in errors]
    report.runs = runs_of(url)
    return report


async def one_store(kind: str, args) -> tuple[FaultReport, Timings]:
    """Both parts on a fresh store of this kind; the processes' logs are printed when anything failed."""
    with tempfile.TemporaryDirectory(prefix=f"callscore-load-{kind}-") as tmp:
        folder, failed = Path(tmp), True
        try:
            fault_report, load = await measure(kind, folder, args)
            failed = bool(fault_report.problems() or load.error_count())
            return fault_report, load
        finally:
            if failed:
                print(f"logs of the {kind} run:", *(f"--- {log.name}\n{log.read_text()[-3000:]}"
                                                    for log in sorted(folder.glob("*.log"))), sep="\n", file=sys.stderr)


async def measure(kind: str, folder: Path, args) -> tuple[FaultReport, Timings]:
    url = fresh_store(kind, folder, args.pg_url)
    # every process on this store; Prefect's own state apart from the user's (~/.prefect)
    env = os.environ | {"CALLSCORE_HOME": str(folder / "home"), "CALLSCORE_DB_URL": url,
                        "PREFECT_HOME": str(folder / "prefect"), "CALLSCORE_SECRET_KEY": secrets.token_hex(32),
                        "OMP_NUM_THREADS": "1"}  # one math thread a process: the load stays bounded
    Store(url).engine.dispose()  # migrated once here, not by the three processes racing to do it
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    app = start(["review", "--port", str(port)], env, folder / "app.log")
    try:
        await wait_for_app(base_url, app)
        fault_report = await faults(url, folder, env, base_url, args)
        monitors = add_monitors(url, [f"monitor{i:02d}" for i in range(args.monitors)])
        return fault_report, await run_monitors(base_url, monitors, args.rounds, (0.0, args.think))
    finally:
        app.terminate()
        app.wait(30)
        stop_group(app)


def fault_row(kind: str, r: FaultReport) -> dict:
    return {"store": kind, "calls": r.calls, "scored once": r.scored_once, "twice": len(r.scored_twice),
            "missing": len(r.missing), "stored at kill": r.stored_at_kill, "reviews": r.reviews_accepted,
            "lost": len(r.reviews_lost), "polls": r.polls, "poll errors": len(r.poll_errors),
            "slowest poll s": r.slowest_poll_s, "runs (status scored/skipped)": " ".join(
                f"{status}:{scored}/{skipped}" for _, status, scored, skipped in r.runs),
            "orphans": r.orphans_killed, "seconds": r.seconds}


def load_rows(kind: str, t: Timings) -> list[dict]:
    return [{"store": kind, "page": page, "requests": len(t.seconds.get(page, [])),
             "p95 s": p95(t.seconds.get(page, [])), "max s": max(t.seconds.get(page, [float("nan")])),
             "errors": len(t.errors.get(page, []))} for page in PAGES]


def pg_answers(url: str) -> bool:
    try:
        create_engine(url).connect().close()
    except Exception:  # any reason the server is not there: the PostgreSQL part is skipped, and says so
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument("--pg-url", default=os.environ.get("CALLSCORE_BENCH_PG_URL", PG_URL),
                        help="a PostgreSQL database of the bench's own: it is emptied (default %(default)s)")
    parser.add_argument("--calls", type=int, default=60, help="transcripts in the nightly inbox")
    parser.add_argument("--reviewers", type=int, default=4, help="monitors reviewing during the nightly runs")
    parser.add_argument("--poll-every", type=float, default=0.5, help="seconds between the poller's queue pages")
    parser.add_argument("--monitors", type=int, default=50, help="concurrent monitors in the load part")
    parser.add_argument("--rounds", type=int, default=4, help="rounds (queue, call, review, analytics) per monitor")
    parser.add_argument("--think", type=float, default=1.0, help="at most this many seconds between pages")
    args = parser.parse_args()

    problems = []
    for kind in args.stores.split(","):
        if kind == "postgres" and not pg_answers(args.pg_url):
            print(f"skipped postgres: nothing answers at {args.pg_url}", file=sys.stderr)
            continue
        try:
            report, load = asyncio.run(one_store(kind, args))
        except Exception as error:  # this store's figures are lost; the other store's are still measured
            problems.append(f"{kind}: the bench stopped: {type(error).__name__}: {error}")
            continue
        print(f"{kind}. Faults: nightly A and B at once, A killed (SIGKILL), then rerun C; the app polled and "
              "reviewed throughout")
        print(table([fault_row(kind, report)], list(fault_row(kind, report))))
        print(f"{kind}. Load: {args.monitors} monitors x {args.rounds} rounds, up to {args.think} s between pages")
        print(table(load_rows(kind, load), list(load_rows(kind, load)[0])), "\n", flush=True)
        problems += [f"{kind}: {p}" for p in report.problems()]
        if load.error_count():
            problems.append(f"{kind}: {load.error_count()} page errors, e.g. {next(iter(load.errors.values()))[:2]}")
        if report.stored_at_kill < 0:
            problems.append(f"{kind}: A ended before it could be killed; use more --calls")
    print("\n".join(problems) if problems else "all checks held")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
