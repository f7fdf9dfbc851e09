"""Compliance: redacted audio (derived copies, served by the review app) and retention (purge old transcripts,
evidence and derived audio; keep scores, outcomes and reviews; audited). Hand-made result documents in a
tmp store (SQLite, and PostgreSQL when CALLSCORE_TEST_PG_URL is set); no speech models."""
import json
from datetime import datetime, timedelta
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import soundfile as sf
from sqlalchemy import select
from starlette.testclient import TestClient
from review_helpers import client_for, login
from test_store import store_url  # noqa: F401  (fixture: SQLite, and PostgreSQL when configured)

from callscore.flows import retention
from callscore.audio import redacted_copy
from callscore.core.files import file_sha256
from callscore.review import demo
from callscore.review.app import create_app
from callscore.settings import REPO_ROOT, Settings
from callscore.store import Store
from callscore.store import repository as repo
from callscore.store.models import ItemResult, Redaction, Result, Review, ReviewEvent, ReviewItem, User

AUDIO = Path(__file__).parent / "fixtures" / "stereo_call.ogg"  # 8 kHz stereo Vorbis, 72.5 s
SCHEMA = json.loads((REPO_ROOT / "pipeline" / "result.schema.json").read_text())
DOB = {"type": "date_of_birth", "start": 20.0, "end": 22.0}  # inside the customer's "fourth of May, 1980" turn
POSTCODE = {"type": "postcode", "start": 23.5, "end": 24.8}
NOW = datetime(2027, 3, 1)  # 90 days back is 2026-12-01: the demo calls (November 2026) are due


def frames(path: Path) -> tuple[np.ndarray, int]:
    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    return data.T, rate


def covered(rate: int, redactions: list[dict], n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    for start, end in redacted_copy.padded_intervals(redactions):
        mask[int(start * rate):int(np.ceil(end * rate))] = True
    return mask


def assert_tone_exactly_on(derived: Path, redactions: list[dict]) -> None:
    source, rate = frames(AUDIO)
    out, out_rate = frames(derived)
    assert (out_rate, out.shape) == (rate, source.shape)
    mask = covered(rate, redactions, source.shape[1])
    assert np.abs(out[:, ~mask] - source[:, ~mask]).max() <= 2 / 32768  # outside: the source, to 16-bit precision
    inside = out[:, mask]
    assert np.sqrt(np.mean(inside ** 2)) == pytest.approx(redacted_copy.TONE_PEAK / np.sqrt(2), rel=0.02)
    spectrum = np.abs(np.fft.rfft(inside[0, : rate // 2]))  # first half second of the first covered stretch
    assert np.fft.rfftfreq(rate // 2, 1 / rate)[spectrum.argmax()] == pytest.approx(redacted_copy.TONE_HZ, abs=4)
    assert np.sqrt(np.mean(source[:, mask] ** 2)) > 0.01  # there was speech to cover


# ---- audio redaction ---------------------------------------------------------------------------

def test_audio_redaction_covers_exactly_the_padded_intervals_and_keeps_the_source(tmp_path):
    before = file_sha256(AUDIO)
    derived = redacted_copy.redacted_audio(AUDIO, [POSTCODE, DOB], tmp_path, "call-1")
    assert derived.parent.parent == tmp_path / "derived_audio" and derived.suffix == ".wav"
    assert_tone_exactly_on(derived, [DOB, POSTCODE])
    assert file_sha256(AUDIO) == before
    assert redacted_copy.padded_intervals([DOB, POSTCODE]) == [(19.85, 22.15), (23.35, 24.95)]

    # cached: the same inputs give the same file, untouched
    stamp = derived.stat().st_mtime_ns
    assert redacted_copy.redacted_audio(AUDIO, [DOB, POSTCODE], tmp_path, "call-1") == derived
    assert derived.stat().st_mtime_ns == stamp

    # silence, and changed redactions: a new file replaces the old one
    silent = redacted_copy.redacted_audio(AUDIO, [DOB], tmp_path, "call-1", fill="silence")
    assert silent != derived and not derived.exists()
    out, rate = frames(silent)
    assert not out[:, covered(rate, [DOB], out.shape[1])].any()
    assert redacted_copy.derived_files(tmp_path, "call-1") == [silent]
    assert redacted_copy.delete_derived(tmp_path, "call-1") == 1 and not silent.exists()


def test_derived_audio_folder_is_safe_for_any_call_id(tmp_path):
    for call_id in ("..", "../../etc", "a/b", "x" * 300):
        folder = redacted_copy.call_dir(tmp_path, call_id)
        assert folder.parent == tmp_path / "derived_audio" and folder.name not in (".", "..")
    assert redacted_copy.call_dir(tmp_path, "a/b") != redacted_copy.call_dir(tmp_path, "a_b")


# ---- the review app serves redacted audio -----------------------------------------------------

@pytest.fixture
def env(env):
    with env["store"].session() as session, session.begin():
        doc = demo.document("call-005", env["card"], audio_path=str(AUDIO)) | {"redactions": [DOB, POSTCODE]}
        repo.store_result(session, doc, str(AUDIO), {"agent_id": "A1", "call_time": datetime(2026, 11, 5, 10)})
    return env


def test_review_app_serves_redacted_audio_for_calls_with_redactions(env):
    client = client_for(env, "ana")
    served = client.get("/audio/call-005")
    assert served.status_code == 200 and served.content[:4] == b"RIFF"
    derived = redacted_copy.derived_files(env["home"], "call-005")
    assert len(derived) == 1 and served.content == derived[0].read_bytes()
    assert_tone_exactly_on(derived[0], [DOB, POSTCODE])
    ranged = client.get("/audio/call-005", headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and ranged.content == served.content[:100]

    assert client.get("/audio/call-001").content == AUDIO.read_bytes()  # nothing redacted: the recording itself
    with env["store"].session() as session, session.begin():  # a stretch hidden by hand counts too
        session.add(Redaction(call_id="call-001", start_s=DOB["start"], end_s=DOB["end"], kind="date_of_birth"))
    assert client.get("/audio/call-001").content[:4] == b"RIFF"
    assert client.get("/audio/no-such-call").status_code == 404
    assert client.get("/audio/call-004").status_code == 404  # remote recording: never streamed
    assert TestClient(client.app).get("/audio/call-005").status_code == 401


def test_served_audio_fails_closed_when_it_cannot_be_redacted(env, monkeypatch):
    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(redacted_copy, "redacted_audio", broken)
    response = client_for(env, "ana").get("/audio/call-005")
    assert response.status_code == 500 and response.content != AUDIO.read_bytes()


# ---- retention ---------------------------------------------------------------------------------

@pytest.fixture
def aged(store_url, tmp_path):  # noqa: F811
    """The demo calls (old), call-005 with redactions (old), call-new (recent), a submitted review of
    call-001, and derived audio for call-005 and call-new."""
    store = Store(store_url)
    seeded = demo.seed(store, AUDIO)
    settings = Settings(home=tmp_path / "home", cache_dir=tmp_path / "cache", db_url=store_url)
    with store.session() as session, session.begin():
        for call_id, when in (("call-005", datetime(2026, 11, 5, 10)), ("call-new", NOW - timedelta(days=10))):
            doc = demo.document(call_id, seeded["card"], audio_path=str(AUDIO)) | {"redactions": [DOB]}
            repo.store_result(session, doc, str(AUDIO), {"agent_id": "A1", "call_time": when})
        repo.save_review(session, "call-001", seeded["users"]["lena"], {"greeting": ("fail", "no name given")},
                         comments="checked", submit=True, final_percent=80.0)
    for call_id in ("call-005", "call-new"):
        redacted_copy.redacted_audio(AUDIO, [DOB], settings.home, call_id)
    yield store, settings
    store.engine.dispose()


def snapshot(store: Store) -> dict:
    with store.session() as session:
        return {
            "results": {r.id: (r.call_id, r.percent, r.points, r.auto_failed, r.flags, r.document, r.purged_at)
                        for r in session.scalars(select(Result))},
            "items": {(i.result_id, i.item_id): (i.outcome, i.confidence, i.evidence)
                      for i in session.scalars(select(ItemResult))},
            "reviews": [(r.id, r.call_id, r.result_id, r.state, r.final_percent, r.comments)
                        for r in session.scalars(select(Review))],
            "review_items": [(i.review_id, i.item_id, i.human_outcome, i.action, i.reason)
                             for i in session.scalars(select(ReviewItem))],
            "events": [(e.call_id, e.action) for e in session.scalars(select(ReviewEvent).order_by(ReviewEvent.id))],
        }


def test_retention_dry_run_changes_nothing(aged):
    store, settings = aged
    before = snapshot(store)
    summary = retention.purge(store, settings, dry_run=True, now=NOW)
    assert summary["calls"] == ["call-001", "call-002", "call-003", "call-004", "call-005"]
    assert (summary["results"], summary["derived_files"]) == (5, 1)
    assert snapshot(store) == before
    assert len(redacted_copy.derived_files(settings.home, "call-005")) == 1


def test_retention_purges_old_transcripts_evidence_and_derived_audio_and_keeps_scores_and_reviews(aged):
    store, settings = aged
    before = snapshot(store)
    summary = retention.purge(store, settings, now=NOW)
    after = snapshot(store)
    assert summary["days"] == 90 and summary["calls"] == ["call-001", "call-002", "call-003", "call-004", "call-005"]

    old = {rid for rid, row in before["results"].items() if row[0] != "call-new"}
    for rid, (call_id, *scores, document, purged_at) in after["results"].items():
        if rid not in old:  # recent: untouched
            assert (call_id, *scores, document, purged_at) == before["results"][rid]
            continue
        assert scores == list(before["results"][rid][1:5]) and purged_at == NOW
        jsonschema.validate(document, SCHEMA)
        original = before["results"][rid][5]
        assert document["segments"] == [] and document["score"] == original["score"]
        assert document.get("redactions") == original.get("redactions")  # served audio stays covered
        assert {k: (c["outcome"], c["confidence"]) for k, c in document["checks"].items()} == \
            {k: (c["outcome"], c["confidence"]) for k, c in original["checks"].items()}
        stored = json.dumps(document)
        assert all(turn[3] not in stored for turn in demo.STEREO_TURNS)  # no transcript or evidence text left
    for key, (outcome, confidence, evidence) in after["items"].items():
        assert (outcome, confidence) == before["items"][key][:2]
        assert evidence == ([] if key[0] in old else before["items"][key][2])
    assert any(before["items"][key][2] for key in before["items"] if key[0] in old)  # there was evidence to clear
    assert (after["reviews"], after["review_items"]) == (before["reviews"], before["review_items"])

    assert redacted_copy.derived_files(settings.home, "call-005") == []
    assert len(redacted_copy.derived_files(settings.home, "call-new")) == 1
    purges = after["events"][len(before["events"]):]
    assert purges == [(call_id, "retention.purge") for call_id in summary["calls"]]
    with store.session() as session:
        event = session.scalar(select(ReviewEvent).where(ReviewEvent.call_id == "call-005",
                                                         ReviewEvent.action == "retention.purge"))
        assert event.user_id is None and event.after["derived_files"] == 1 and len(event.before["result_ids"]) == 1

    # nothing left to do: a second run changes nothing and writes no audit record
    assert retention.purge(store, settings, now=NOW)["calls"] == []
    assert snapshot(store) == after


def test_purged_call_still_shows_in_the_review_app_with_redacted_audio(aged):
    store, settings = aged
    retention.purge(store, settings, now=NOW)
    client = login(create_app(store, settings), "lena")
    page = client.get("/calls/call-001")
    assert page.status_code == 200 and "removed under the retention policy" in page.text
    assert "fourth of May" not in page.text
    assert client.get("/audio/call-005").content[:4] == b"RIFF"  # made again from the kept intervals


def test_retention_cli(aged, monkeypatch, capsys):
    from callscore.cli import main

    store, settings = aged
    monkeypatch.setenv("CALLSCORE_HOME", str(settings.home))
    monkeypatch.setenv("CALLSCORE_DB_URL", settings.db_url)
    monkeypatch.setenv("CALLSCORE_RETENTION_DAYS", "100000")
    monkeypatch.setattr(retention, "retention", retention.retention.fn)  # the flow's body, without a Prefect server
    assert main(["retention", "run", "--dry-run"]) == 0
    assert "would purge 0 results" in capsys.readouterr().out
    assert main(["retention", "run", "--days", "1", "--dry-run"]) == 0  # the real clock: the November calls
    out = capsys.readouterr().out
    assert "would purge 5 results" in out and "call-005" in out and "call-new" not in out
    with store.session() as session:
        assert session.scalar(select(User).where(User.username == "lena")) is not None
        assert not session.scalars(select(Result).where(Result.purged_at.is_not(None))).all()
