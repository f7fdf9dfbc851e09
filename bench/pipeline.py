"""The transcribe path against faster-whisper alone, on the same calls in one run; DER and roles.

    python bench/pipeline.py [--subset synthetic|real] [--limit N]

For each call: faster-whisper alone (each channel, its own VAD, word timestamps, same model and
beam), then callscore's whole transcribe path (decode, activity, ASR, diarization, roles) with its
per-stage timings. Prints realtime factors, the ratio of the two, DER per call/format (optimal
mapping and with our agent/customer labels as the speakers, collar 0.25 and 0) and role accuracy.
Models are loaded before timing.
"""
from __future__ import annotations

import argparse
import time
from collections import defaultdict

from common import corpus_calls, peak_rss_mb, table

from callscore.models import registry
from callscore.audio.decode import decode
from callscore.pipeline.evaluate import der, role_agreement
from callscore.pipeline.score import transcribe_call
from callscore.languages import whisper_language
from callscore.settings import Settings


def whisper_alone(model, path, settings: Settings) -> float:
    audio = decode(path)
    started = time.perf_counter()
    for channel in audio.samples:
        segments, _ = model.transcribe(channel, language=whisper_language(settings.language),
                                       beam_size=settings.beam_size, word_timestamps=True, vad_filter=True)
        list(segments)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subset", default="synthetic")
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    settings = Settings.from_env()
    calls = corpus_calls(args.subset)[: args.limit]
    model = registry.load_whisper(settings)
    transcribe_call(calls[0][0], settings)  # warm every model up once
    rows, sums = [], defaultdict(lambda: defaultdict(float))
    for path, labels, rttm in calls:
        fw_s = whisper_alone(model, path, settings)
        record = transcribe_call(path, settings)
        segments = [t.to_json() for t in record.turns]
        duration, layout = record.duration_s, "stereo" if record.audio["channels"] == 2 else "mono"
        row = {"call": path.stem, "layout": layout, "format": path.suffix[1:], "audio_s": duration,
               "fw_x": duration / fw_s, "ours_x": duration / record.timings["total_s"],
               "ours/fw": record.timings["total_s"] / fw_s}
        # real recordings name speakers A/B and map them to roles in speaker_roles ("unknown": peers)
        rename = labels.get("speaker_roles")
        known_roles = not rename or set(rename.values()) <= {"agent", "customer"}
        for collar in (0.25, 0.0):
            for identify in (False, True) if known_roles else (False,):
                d = der(rttm, segments, collar, identify, rename if identify else None)
                key = f"{'IER' if identify else 'DER'}_c{collar}"
                row[key] = d["wrong_s"] / d["total_s"]
                for group in (layout, f"{layout}/{row['format']}", "all"):
                    sums[group][key + "_wrong"] += d["wrong_s"]
                    sums[group][key + "_total"] += d["total_s"]
        agreement = role_agreement(labels, {"segments": segments}) if labels.get("turns") else None
        if agreement is None and rename and known_roles:  # no labelled turns: roles right if mostly matching
            agreement = 1 - row["IER_c0.25"]
        row["roles_ok"] = None if agreement is None else agreement >= 0.5
        for group in (layout, f"{layout}/{row['format']}", "all"):
            sums[group]["audio_s"] += duration
            sums[group]["fw_s"] += fw_s
            sums[group]["ours_s"] += record.timings["total_s"]
            sums[group]["calls"] += 1
            sums[group]["roles_ok"] += bool(row["roles_ok"])
            sums[group]["roles_known"] += row["roles_ok"] is not None
            for stage, seconds in record.timings.items():
                sums[group][stage] += seconds
        rows.append(row)
    columns = ["call", "layout", "format", "audio_s", "fw_x", "ours_x", "ours/fw", "DER_c0.25", "DER_c0.0",
               "IER_c0.25", "IER_c0.0", "roles_ok"]
    print(table(rows, columns))
    print()
    summary = []
    for group, s in sorted(sums.items()):
        entry = {"group": group, "calls": int(s["calls"]), "audio_s": s["audio_s"], "fw_x": s["audio_s"] / s["fw_s"],
                 "ours_x": s["audio_s"] / s["ours_s"], "ours/fw": s["ours_s"] / s["fw_s"],
                 "roles_ok": f"{int(s['roles_ok'])}/{int(s['roles_known'])}"}
        for key in ("DER_c0.25", "DER_c0.0", "IER_c0.25", "IER_c0.0"):
            entry[key] = s[key + "_wrong"] / s[key + "_total"] if s[key + "_total"] else None
        for stage in ("decode_s", "activity_s", "transcribe_s", "diarize_s", "roles_s"):
            entry[stage.replace("_s", "%")] = 100 * s[stage] / s["total_s"]
        summary.append(entry)
    print(table(summary, ["group", "calls", "audio_s", "fw_x", "ours_x", "ours/fw", "DER_c0.25", "DER_c0.0",
                          "IER_c0.25", "IER_c0.0", "roles_ok", "decode%", "activity%", "transcribe%", "diarize%",
                          "roles%"]))
    print("fw_x / ours_x: times realtime (faster-whisper alone / callscore transcribe); "
          "DER: optimal speaker mapping; IER: our agent/customer labels as the speakers")
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
