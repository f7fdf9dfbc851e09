"""Small hand-made callscore.result/1 documents (no speech models) for tests and demos of the review app."""
from __future__ import annotations

import hashlib
from pathlib import Path

from callscore.checks import CallContext, CheckResult, script_order
from callscore.core import scorecard as scorecards
from callscore.core.result import ResultDocument
from callscore.models.scorecards import load as load_scorecard
from callscore.pipeline.result import flags_for

# The stereo test call's script (tests/fixtures/stereo_call.ogg), with its turn times.
STEREO_TURNS = [
    ("agent", 0.5, 4.669, "Good morning, thank you for calling Acme Energy, my name is Sam."),
    ("agent", 5.069, 8.973, "This call may be recorded for quality and training purposes."),
    ("customer", 9.573, 13.209, "Hello, my bill is much higher than usual this month."),
    ("agent", 13.709, 18.915, "I am sorry to hear that. Can you confirm your date of birth and postcode please?"),
    ("customer", 19.415, 24.853, "Yes, it is the fourth of May, nineteen eighty, and the postcode is L S one."),
    ("agent", 25.453, 30.131, "Thank you. Let me put you on hold for a moment while I check your account."),
    ("agent", 39.131, 42.885, "Thanks for holding. I can see we charged you twice."),
    ("agent", 43.385, 48.068, "Leave it with me, I will sort this out and refund the extra charge today."),
    ("customer", 48.568, 50.014, "Okay, great."),
    ("agent", 56.514, 61.786, "So to recap, I have refunded the duplicate charge and it will show in five days."),
    ("agent", 62.186, 64.696, "Is there anything else I can help you with?"),
    ("customer", 65.196, 67.727, "No, that is all, thank you."),
    ("agent", 68.127, 71.734, "Thank you for calling, have a lovely day. Goodbye."),
]
# item -> (outcome, confidence, index of the turn quoted as evidence or None)
STEREO_CHECKS = {
    "greeting": ("pass", 0.97, 0), "recording_disclosure": ("pass", 0.93, 1), "verify_identity": ("pass", 0.88, 3),
    "ownership": ("pass", 0.58, 7), "deflection": ("pass", 0.91, None), "recap": ("pass", 0.86, 9),
    "anything_else": ("pass", 0.95, 10), "closing": ("pass", 0.9, 12), "dead_air": ("fail", 0.99, None),
}


def segments(turns=STEREO_TURNS) -> list[dict]:
    """Turns with word times spread evenly over each turn."""
    out = []
    for speaker, start, end, text in turns:
        tokens = text.split()
        step = (end - start) / len(tokens)
        words = [{"start": round(start + i * step, 3), "end": round(start + (i + 1) * step - 0.02, 3),
                  "text": " " + token, "prob": 0.9} for i, token in enumerate(tokens)]
        out.append({"speaker": speaker, "start": start, "end": end, "text": text, "words": words})
    return out


def _sha256_of(audio_path: str) -> str | None:
    """A local recording's real hash: the review app serves a recording only when it matches the stored one."""
    from callscore.core.files import file_sha256

    return file_sha256(Path(audio_path)) if audio_path and Path(audio_path).is_file() else None


def document(call_id: str, card: scorecards.Scorecard, checks: dict | None = None, turns=STEREO_TURNS,
             audio_path: str = "", sha256: str | None = None, duration_s: float = 72.53,
             dead_air: list | None = None, holds: list | None = None) -> dict:
    """A callscore.result/1 document scored by the scorecard's own rules, flagged by the pipeline's."""
    checks = checks or STEREO_CHECKS
    segs = segments(turns)
    doc_checks = {}
    for item in card.items:
        outcome, confidence, turn = checks.get(item.id, ("not_applicable", 1.0, None))
        evidence = []
        if turn is not None:
            seg = segs[turn]
            evidence = [{"start": seg["start"], "end": seg["end"], "speaker": seg["speaker"], "text": seg["text"],
                         "prob": confidence}]
        doc_checks[item.id] = {"outcome": outcome, "confidence": confidence, "evidence": evidence, "detail": {}}
    results = {k: CheckResult(**v) for k, v in doc_checks.items()}
    script = script_order(card, results)
    dead_air = [{"start": 50.014, "end": 56.514}] if dead_air is None else dead_air
    holds = [{"start": 30.131, "end": 39.131}] if holds is None else holds
    return ResultDocument(
        call_id=call_id,
        sha256=sha256 or _sha256_of(audio_path) or hashlib.sha256(call_id.encode()).hexdigest(),
        audio={"path": audio_path, "duration_s": duration_s, "sample_rate": 8000, "channels": 2},
        language="en", roles=None, segments=segs, checks=doc_checks, script=script,
        dead_air=dead_air, holds=holds, talk={},
        score=scorecards.score(card, {k: v["outcome"] for k, v in doc_checks.items()}),
        flags=flags_for(card, results, None, CallContext(dead_air=dead_air, holds=holds), script),
        versions={"callscore": "0.1.0", "asr_model": "tiny.en", "classifier": "demo", "scorecard": card.version_tag},
        timings={},
    ).to_json()


def default_card() -> scorecards.Scorecard:
    from callscore.settings import SCORECARDS

    return load_scorecard(SCORECARDS / "default.yaml")


DEMO_PASSWORD = "correct horse battery"  # nosec B105: demo/test accounts only
DEMO_USERS = (("ana", "monitor", None), ("ben", "monitor", None), ("cleo", "monitor", None), ("lena", "lead", None),
              ("adam", "admin", None), ("aggie", "agent", "A1"))


def seed(store, audio_path: str | Path, password: str = DEMO_PASSWORD) -> dict:
    """Users and four scored calls in a store (for tests and a local demo). Returns {'calls': [...], 'users': {...}}."""
    from datetime import datetime

    from callscore.review.auth import hash_password
    from callscore.analytics.metrics import store_result
    from callscore.store.repository import add_user

    card = default_card()
    audio = str(audio_path)
    clean = {k: (v[0], max(v[1], 0.9), v[2]) for k, v in STEREO_CHECKS.items()} | {"dead_air": ("pass", 0.99, None)}
    autofail = dict(STEREO_CHECKS) | {"recording_disclosure": ("fail", 0.71, None)}
    calls = [
        ("call-001", STEREO_CHECKS, {"agent_id": "A1", "team": "Blue", "call_time": datetime(2026, 11, 2, 9, 15)}, audio),
        ("call-002", autofail, {"agent_id": "A2", "team": "Red", "call_time": datetime(2026, 11, 3, 14, 2)}, audio),
        ("call-003", clean, {"agent_id": "A1", "team": "Blue", "call_time": datetime(2026, 11, 4, 11, 40)}, audio),
        ("call-004", clean, {"agent_id": "A2", "team": "Red", "call_time": datetime(2026, 11, 1, 16, 5)},
         "s3://recordings/call-004.wav"),
    ]
    hashed = hash_password(password)
    users = {}
    with store.session() as session, session.begin():
        for name, role, agent in DEMO_USERS:
            users[name] = add_user(session, name, hashed, role, agent).id
        for call_id, checks, info, source in calls:
            doc = document(call_id, card, checks, audio_path=source,
                           dead_air=[] if checks.get("dead_air", ("",))[0] == "pass" else None)
            store_result(session, doc, source, info)
    return {"calls": [c[0] for c in calls], "users": users, "card": card}
