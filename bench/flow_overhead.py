"""What the nightly flow costs over `callscore score`: the same calls scored both ways in one process.

    python bench/flow_overhead.py [--folder DIR] [--limit N]

Models are loaded and Prefect's API is started before either is timed, so the comparison is the steady
state a nightly run sees: `score` = score_call in a loop writing JSON (the `callscore score` code path),
`nightly flow` = Prefect tasks, hashing, and one database transaction per call into a fresh SQLite store.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from common import CORPUS, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", type=Path, default=CORPUS / "synthetic", help="recordings to score")
    parser.add_argument("--limit", type=int, help="only the first N recordings")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="callscore-bench-"))
    os.environ["CALLSCORE_HOME"] = str(work / "home")  # fresh store and Prefect state, set before Prefect loads
    os.environ["CALLSCORE_DB_URL"] = f"sqlite:///{work / 'callscore.db'}"

    import soundfile

    from callscore.batch import expand, run_batch
    from callscore.flows.prefect_flows import nightly_scoring
    from callscore.models import scorecards
    from callscore.pipeline.score import score_call, write_json
    from callscore.settings import Settings

    paths = expand([str(args.folder)])[:args.limit]
    if not paths:
        raise SystemExit(f"no recordings in {args.folder}")
    inbox = work / "inbox"  # the flow scores a folder: link exactly these files into one
    inbox.mkdir()
    for path in paths:
        (inbox / path.name).symlink_to(path.resolve())

    settings = Settings.from_env()
    card = scorecards.load(settings.scorecard)
    by_channels = {soundfile.info(str(p)).channels: p for p in reversed(paths)}  # stereo and mono load different models
    for path in by_channels.values():
        score_call(path, settings, card)
    empty = work / "empty"
    empty.mkdir()
    nightly_scoring(str(empty))  # starts Prefect's API and registers the flow

    started = time.perf_counter()
    summary = run_batch(paths, lambda p: write_json(work / "out" / f"{p.stem}.json", score_call(p, settings, card)),
                        "score")
    score_s = time.perf_counter() - started

    started = time.perf_counter()
    flow_summary = nightly_scoring(str(inbox))
    flow_s = time.perf_counter() - started

    rows = [{"path": name, "calls": calls, "seconds": seconds, "calls/hour": 3600 * calls / seconds}
            for name, calls, seconds in (("callscore score", len(summary.done), score_s),
                                         ("nightly flow", flow_summary["scored"], flow_s))]
    print(table(rows, ["path", "calls", "seconds", "calls/hour"]))
    if not (summary.done and flow_summary["scored"]):
        raise SystemExit(f"nothing scored: score failed {summary.failed}, flow failed {flow_summary['failures']}")
    per_call = [row["seconds"] / row["calls"] for row in rows]
    print(f"flow overhead: {100 * (per_call[1] / per_call[0] - 1):+.1f} % per call "
          f"(failed: score {len(summary.failed)}, flow {flow_summary['failed']})")


if __name__ == "__main__":
    main()
