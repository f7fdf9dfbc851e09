"""Transcripts for the load bench's nightly inbox, made here (no audio, no corpus): scoring a transcript skips
speech recognition, so two nightly runs and the review app fit on 2 shared cores.

Half the calls are `Agent:/Customer:` text with a sidecar (agent, team, call time), half generic segments JSON
that declares its call id, the two inbox formats of pipeline/transcript_input.py. Each call picks its wording at
random and leaves out some steps, so the verdicts (and the review queue's flags) differ between calls.
"""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

WORD_S = 0.4  # seconds a word, as the text parser assumes
AGENTS = {"A1": "Blue", "A2": "Blue", "A3": "Red", "A4": "Red", "A5": "Green"}
STEPS: list[tuple[str, str, list[str]]] = [  # (speaker, step, wordings); a step may be skipped
    ("agent", "greeting", ["Good morning, thank you for calling Acme Energy, my name is {name}.",
                           "Hello, you're through to Acme Energy, {name} speaking, how can I help?"]),
    ("agent", "disclosure", ["This call may be recorded for quality and training purposes.",
                             "Just so you know, calls are recorded for training."]),
    ("customer", "issue", ["Hi, my bill is much higher than usual this month.",
                           "I've been charged twice for my direct debit.",
                           "My meter reading looks wrong on the last statement."]),
    ("agent", "verify", ["Can you confirm your date of birth and the first line of your address please?",
                         "Before I look, could you confirm your account number and full name?"]),
    ("customer", "answer", ["Yes, it's the one on Mill Lane, and my name is Pat Jones.",
                            "Sure, the account is in my name, Sam Patel."]),
    ("agent", "ownership", ["Leave it with me, I will sort this out and refund the extra charge today.",
                            "I'll take care of that for you now and correct the reading."]),
    ("agent", "recap", ["So to recap, I have refunded the duplicate charge and it will show in five days.",
                        "So just to go over it, I've corrected the reading and your next bill will be lower."]),
    ("agent", "anything_else", ["Is there anything else I can help you with?",
                                "Was there anything else today?"]),
    ("customer", "thanks", ["No, that's all, thank you.", "That's everything, thanks."]),
    ("agent", "closing", ["Thank you for calling, have a lovely day. Goodbye.",
                          "Thanks for calling Acme Energy, take care, bye."]),
]
OPTIONAL = {"disclosure", "verify", "recap", "anything_else"}


def call_lines(rng: random.Random) -> list[tuple[float, str, str]]:
    """(start second, speaker, text) of one call; now and then a long silence an item checks for."""
    lines, clock = [], 0.5
    name = rng.choice(["Sam", "Priya", "Tom", "Aisha"])
    for speaker, step, wordings in STEPS:
        if step in OPTIONAL and rng.random() < 0.2:
            continue
        text = rng.choice(wordings).format(name=name)
        lines.append((round(clock, 2), speaker, text))
        clock += WORD_S * len(text.split()) + (rng.uniform(7, 12) if rng.random() < 0.1 else rng.uniform(0.3, 1.0))
    return lines


def write_inbox(inbox: Path, count: int, seed: int = 18) -> list[str]:
    """`count` transcripts in `inbox`; returns their call ids."""
    rng = random.Random(seed)
    inbox.mkdir(parents=True, exist_ok=True)
    start = datetime(2026, 11, 30, 8, 0)
    call_ids = []
    for index in range(count):
        call_id = f"load-{index:04d}"
        lines = call_lines(rng)
        agent = rng.choice(sorted(AGENTS))
        if index % 2:
            segments = [{"speaker": speaker, "start": at, "end": round(at + WORD_S * len(text.split()), 2),
                         "text": text} for at, speaker, text in lines]
            (inbox / f"{call_id}.json").write_text(json.dumps({"call_id": call_id, "segments": segments}))
        else:
            (inbox / f"{call_id}.txt").write_text(
                "\n".join(f"[{int(at // 60):02d}:{at % 60:05.2f}] {speaker.title()}: {text}"
                          for at, speaker, text in lines) + "\n")
            sidecar = {"agent_id": agent, "team": AGENTS[agent], "call_time": (start + timedelta(minutes=7 * index))
                       .isoformat()}
            (inbox / f"{call_id}.json").write_text(json.dumps(sidecar))
        call_ids.append(call_id)
    return call_ids
