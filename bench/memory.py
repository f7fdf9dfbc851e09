"""Does memory stay flat over a batch? Scores N calls and 4N calls, each batch with `callscore score` in a
fresh process, and prints the peak RSS of both and their ratio (target: at most 1.10).

    .venv/bin/python bench/memory.py                 # 2 and 8 copies of tests/fixtures/mono_call.ogg
    .venv/bin/python bench/memory.py --n 1 --repeat 3    # 1 and 4 copies, each 3 times as long (~110 s)
    .venv/bin/python bench/memory.py --n 5 --calls /work/shared/corpus/synthetic --mono

The copies of the fixture are each a little shorter than the one before (0.37 s): real batches are calls of
different lengths, and identical copies would hide anything kept per input shape. With --calls, the 4N batch
is the N batch plus the next 3N files of the folder (sorted). Exit status 1 when the ratio is above target.

Measured (2 shared cores), before and after callscore/native_memory.py:
    --repeat 2 (2 and 8 calls of ~75 s):  1563 -> 2037 MB, ratio 1.30;  after: 1479 -> 1494 MB, ratio 1.01
    default (2 and 8 calls of ~37 s):     1392 -> 1546 MB, ratio 1.11;  after: 1299 -> 1333 MB, ratio 1.03
"""
from __future__ import annotations

import argparse
import os
import subprocess  # nosec B404: runs this project's own CLI
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "mono_call.ogg"
TARGET = 1.10


def fixture_copies(folder: Path, count: int, repeat: int = 1) -> list[Path]:
    import numpy as np
    import soundfile as sf

    data, rate = sf.read(FIXTURE, dtype="float32")
    data = np.tile(data, repeat)
    paths = []
    for i in range(count):
        path = folder / f"copy_{i:03d}.ogg"
        sf.write(path, data[: len(data) - int(rate * 0.37 * i)], rate)
        paths.append(path)
    return paths


def peak_rss_mb(calls: list[Path], extra: list[str]) -> tuple[float, float, float]:
    """(peak RSS in MB, seconds, CPU seconds) of one `callscore score` process over the calls. CPU time is
    the fairer speed figure on a shared machine."""
    with tempfile.TemporaryDirectory(prefix="callscore-memory-") as out:
        started = time.perf_counter()
        process = subprocess.Popen(  # nosec B603
            [sys.executable, "-m", "callscore", "score", *map(str, calls), "--out", out, *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        stderr = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)  # this child's own peak, not the maximum over all children
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode not in (0, 1):  # 1: some call failed, reported below; the peak still counts
            sys.exit(f"callscore score failed:\n{stderr.decode(errors='replace')[-2000:]}")
        return usage.ru_maxrss / 1024, time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2, help="calls in the small batch (the large one has 4N)")
    parser.add_argument("--calls", type=Path, help="folder of recordings (default: copies of the mono fixture)")
    parser.add_argument("--repeat", type=int, default=1, help="each copy is the fixture this many times over "
                        "(3: about 110 s, as long as the corpus calls)")
    parser.add_argument("--mono", action="store_true", help="pass --mono to callscore score")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="callscore-memory-calls-") as tmp:
        if args.calls:
            from callscore.batch import expand

            pool = expand([str(args.calls)])
            if len(pool) < 4 * args.n:
                sys.exit(f"{args.calls} holds {len(pool)} recordings; 4N = {4 * args.n} are needed")
        else:
            pool = fixture_copies(Path(tmp), 4 * args.n, args.repeat)
        extra = ["--mono"] if args.mono else []
        rows = [(count, *peak_rss_mb(pool[:count], extra)) for count in (args.n, 4 * args.n)]
    print(f"{'calls':>5}  {'peak RSS MB':>11}  {'seconds':>7}  {'CPU s':>5}")
    for count, peak, seconds, cpu in rows:
        print(f"{count:>5}  {peak:>11.0f}  {seconds:>7.0f}  {cpu:>5.0f}")
    ratio = rows[1][1] / rows[0][1]
    print(f"ratio {ratio:.2f} (target <= {TARGET:.2f})")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
