"""The real phone calls, scored end to end from audio, against items judged by hand.

    python bench/real_calls.py

`bench/data/real_calls_items.json` holds the default scorecard's items judged by hand on the four SpokenWOZ
calls of `CALLSCORE_CORPUS`/real (how, and which verdicts the judge of them found borderline, is in the file).
Each call is scored twice through `callscore score`'s own path: with the roles callscore decides itself
(`--channels auto`), and with the channel map a site would set once for its recorder (the corpus's
`channel_roles`). Prints the verdicts that differ and the verdicts right, borderline ones apart.
These calls are for measuring only: nothing is tuned on them.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from common import CORPUS, table

from callscore.models import scorecards
from callscore.pipeline.score import score_call
from callscore.settings import REPO_ROOT, Settings

LABELS = Path(__file__).resolve().parent / "data" / "real_calls_items.json"


def site_channels(meta: dict) -> str:
    """The corpus's channel roles as the `--channels` map a site would configure."""
    return ",".join(f"{role}={channel}" for channel, role in sorted(meta["channel_roles"].items()))


def main() -> None:
    judged = json.loads(LABELS.read_text())
    card = scorecards.load(REPO_ROOT / "scorecards" / "default.yaml")
    settings = Settings.from_env()
    counts, rows = defaultdict(Counter), []
    for call_id, expected in sorted(judged["labels"].items()):
        audio = CORPUS / "real" / f"{call_id}.flac"
        if not audio.exists():
            raise SystemExit(f"{audio} not found: set CALLSCORE_CORPUS to the corpus folder")
        meta = json.loads(audio.with_suffix(".json").read_text())
        for roles, channels in (("auto roles", "auto"), ("site channel map", site_channels(meta))):
            checks = score_call(audio, settings.model_copy(update={"channels": channels}), card)["checks"]
            for item, outcome in expected.items():
                got, borderline = checks[item]["outcome"], item in judged["borderline"].get(call_id, [])
                counts[roles].update({"verdicts": 1, "right": got == outcome, "clear": not borderline,
                                      "clear right": got == outcome and not borderline})
                if got != outcome:
                    rows.append({"roles": roles, "call": call_id, "item": item, "judged": outcome, "callscore": got,
                                 "borderline": "yes" if borderline else ""})
    print(table(rows, ["roles", "call", "item", "judged", "callscore", "borderline"]))
    for roles, n in counts.items():
        print(f"{roles}: {n['right']} of {n['verdicts']} verdicts right; {n['clear right']} of {n['clear']} not borderline")


if __name__ == "__main__":
    main()
