"""Mono diarization alone: DER (optimal mapping, collar 0.25 and 0) and speed per call.

    python bench/diarization.py [--subset synthetic|real] [--downmix]

Mono calls of the subset are diarized as they are; with --downmix the stereo calls are mixed
down first (the harder test: the voices then share one channel).
"""
from __future__ import annotations

import argparse
import time

from common import corpus_calls, peak_rss_mb, table

from callscore.diarization import mono
from callscore.diarization.assign import turns_from_masks
from callscore.audio.decode import decode
from callscore.pipeline.evaluate import der


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subset", default="synthetic")
    parser.add_argument("--downmix", action="store_true")
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    mono.diarize(decode(corpus_calls(args.subset)[0][0], mono=True).samples[0][:16000 * 12])  # load models once
    rows, totals = [], {0.25: [0, 0], 0.0: [0, 0]}
    audio_s = work_s = 0.0
    for path, labels, rttm in corpus_calls(args.subset):
        if (labels.get("channels", 1) == 2) != args.downmix:
            continue
        if args.limit and len(rows) >= args.limit:
            break
        audio = decode(path, mono=True)
        started = time.perf_counter()
        masks = mono.diarize(audio.samples[0], 2, 2)
        elapsed = time.perf_counter() - started
        segments = [{"start": t.start, "end": t.end, "speaker": t.label} for t in turns_from_masks(masks)]
        row = {"call": path.stem, "audio_s": audio.duration_s, "x_realtime": audio.duration_s / elapsed}
        for collar in (0.25, 0.0):
            d = der(rttm, segments, collar, identify=False)
            totals[collar][0] += d["wrong_s"]
            totals[collar][1] += d["total_s"]
            row[f"DER_c{collar}"] = d["wrong_s"] / d["total_s"]
        rows.append(row)
        audio_s += audio.duration_s
        work_s += elapsed
    rows.append({"call": "ALL", "audio_s": audio_s, "x_realtime": audio_s / work_s,
                 "DER_c0.25": totals[0.25][0] / totals[0.25][1], "DER_c0.0": totals[0.0][0] / totals[0.0][1]})
    print(table(rows, ["call", "audio_s", "DER_c0.25", "DER_c0.0", "x_realtime"]))
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
