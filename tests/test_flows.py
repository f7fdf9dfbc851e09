"""The Prefect flows end to end on real recordings, under prefect_test_harness, into a SQLite store."""
import json
import os
import shutil
import signal
import subprocess  # nosec B404: runs this project's own CLI
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

# Prefect reads PREFECT_HOME when first imported: keep its state out of the user's home.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="callscore-test-prefect-")

from sqlalchemy import func, select  # noqa: E402

from callscore.flows.discover import discover  # noqa: E402
from callscore.settings import Settings  # noqa: E402
from callscore.store import Store  # noqa: E402
from callscore.store import repository as repo  # noqa: E402
from callscore.store.models import Call, Quarantine, Result, Review, ReviewItem, Run  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
DEFAULT_CARD = Path(__file__).parents[1] / "scorecards" / "default.yaml"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def prefect_api():
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield PREFECT_API_URL.value()


def fresh_store(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A new SQLite store that the flows (which read CALLSCORE_* settings) will write to."""
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'callscore.db'}"
    monkeypatch.setenv("CALLSCORE_HOME", str(folder))
    monkeypatch.setenv("CALLSCORE_DB_URL", url)
    return Store(url)


def results_per_call(store: Store) -> dict[str, int]:
    with store.session() as session:
        return dict(session.execute(select(Result.call_id, func.count()).group_by(Result.call_id)).all())


@pytest.fixture(scope="module")
def nightly(prefect_api, tmp_path_factory):
    """One folder of good and bad files scored twice: the first run and an immediate rerun."""
    from callscore.flows.prefect_flows import nightly_scoring

    root = tmp_path_factory.mktemp("nightly")
    inbox = root / "inbox"
    inbox.mkdir()
    shutil.copy(FIXTURES / "stereo_call.ogg", inbox / "A12_20261101T093000.ogg")
    shutil.copy(FIXTURES / "music.ogg", inbox / "hold_music.ogg")
    (inbox / "hold_music.json").write_text(json.dumps({"agent_id": "B7", "team": "blue", "site": "leeds"}))
    (inbox / "empty.wav").write_bytes(b"")
    (inbox / "notes.wav").write_text("not audio, just named like it\n")
    with pytest.MonkeyPatch.context() as monkeypatch:
        store = fresh_store(root / "home", monkeypatch)
        first = nightly_scoring(str(inbox), name_pattern=r"(?P<agent_id>[^_]+)_(?P<call_time>\d{8}T\d{6})")
        second = nightly_scoring(str(inbox))
        yield SimpleNamespace(inbox=inbox, store=store, first=first, second=second)


def test_good_files_scored_bad_ones_quarantined(nightly):
    assert (nightly.first["scored"], nightly.first["failed"], nightly.first["skipped"]) == (2, 2, 0), nightly.first
    failures = {Path(path).name: reason for path, reason in nightly.first["failures"].items()}
    assert failures == {"empty.wav": "empty file (0 bytes)", "notes.wav": "not an audio file (no audio stream found)"}
    with nightly.store.session() as session:
        assert {q.path: q.reason for q in session.scalars(select(Quarantine))} == nightly.first["failures"]
        calls = {call.id: call for call in session.scalars(select(Call))}
        flagged = session.scalar(select(func.count()).select_from(Result).where(Result.flags != []))
    assert nightly.first["flagged"] == flagged == sum(c.review_state == "to_review" for c in calls.values())
    assert calls["hold_music"].review_state == "to_review"  # no speech: a person should listen
    assert (calls["hold_music"].agent_id, calls["hold_music"].meta) == ("B7", {"site": "leeds"})  # from the sidecar
    assert calls["A12_20261101T093000"].agent_id == "A12"  # from the file name
    assert str(calls["A12_20261101T093000"].call_time) == "2026-11-01 09:30:00"


def test_summary_is_a_prefect_artifact(nightly, prefect_api):
    import httpx

    # the REST API directly: Prefect 3.8's client sends nulls this server version rejects in artifact filters
    response = httpx.post(f"{prefect_api}/artifacts/filter", json={
        "artifacts": {"key": {"any_": ["nightly-summary"]}}, "sort": "CREATED_DESC", "limit": 10, "offset": 0})
    summaries = [artifact["data"] for artifact in response.raise_for_status().json()]
    assert any("| 2 | 0 | 2 |" in data for data in summaries)  # the first run: scored, skipped, failed
    assert any("| 0 | 4 | 0 | 0 |" in data for data in summaries)  # the rerun


def test_running_again_scores_nothing_new(nightly):
    assert (nightly.second["scored"], nightly.second["failed"], nightly.second["skipped"]) == (0, 0, 4)
    assert results_per_call(nightly.store) == {"A12_20261101T093000": 1, "hold_music": 1}


def test_calls_commands_show_what_is_stored(nightly, capsys, tmp_path, monkeypatch):
    from callscore.cli import main

    monkeypatch.setenv("CALLSCORE_DB_URL", nightly.store.url)
    assert main(["calls", "list", "--format", "json", "--state", "to_review"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert "hold_music" in {row["call_id"] for row in listed}
    assert all(row["state"] == "to_review" and row["flags"] for row in listed)
    assert main(["calls", "show", "hold_music", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"]["flags"] == ["no_speech"]
    assert main(["calls", "show", "nope"]) == 1
    assert main(["calls", "export", "--format", "csv", "--out", str(tmp_path / "calls.csv")]) == 0
    assert main(["calls", "export", "--format", "parquet", "--out", str(tmp_path / "calls.parquet")]) == 0
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "calls.parquet")
    assert table.num_rows == 2 and "item_greeting" in table.column_names
    assert (tmp_path / "calls.csv").read_text().count("\n") == 3
    assert main(["reprocess"]) == 2  # refuses to guess which calls


def test_only_unreadable_files_are_quarantined(tmp_path, monkeypatch):
    from callscore.flows import scoring

    store = fresh_store(tmp_path, monkeypatch)
    recording = discover(str(FIXTURES / "music.ogg"))[0]

    def broken(*_args):
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr("callscore.pipeline.score.score_call", broken)
    with pytest.raises(RuntimeError):  # reported as failed by the flow and tried again next run
        scoring.score_and_store(recording, Settings.from_env(), None, None)
    with store.session() as session:
        assert repo.quarantined(session) == {}
    assert scoring.is_transient(ConnectionResetError()) and not scoring.is_transient(FileNotFoundError())


def test_reprocessing_with_a_new_scorecard_keeps_every_review(nightly, tmp_path):
    from callscore.flows.prefect_flows import reprocess

    call_id = "A12_20261101T093000"
    with nightly.store.session() as session, session.begin():
        lead = repo.add_user(session, "lee", "hash", "lead")
        first = repo.current_result(session, call_id)
        greeting = next(item.outcome for item in first.items if item.item_id == "greeting")
        flipped = "fail" if greeting == "pass" else "pass"
        repo.save_review(session, call_id, lead.id, {"greeting": (flipped, "checked by ear")}, submit=True)

    def reviews() -> list:
        with nightly.store.session() as session:
            return ([(r.id, r.result_id, r.state, r.comments, r.updated_at) for r in session.scalars(select(Review))]
                    + [(i.item_id, i.human_outcome, i.action) for i in session.scalars(select(ReviewItem))])

    before = reviews()
    card_v2 = tmp_path / "v2.yaml"
    card_v2.write_text(DEFAULT_CARD.read_text().replace('version: "1.0"', 'version: "2.0"'))
    summary = reprocess(calls=[call_id], scorecard=str(card_v2))
    assert (summary["scored"], summary["failed"]) == (1, 0)
    assert reprocess(calls=[call_id], scorecard=str(card_v2))["skipped"] == 1  # same versions: not again

    assert reviews() == before
    with nightly.store.session() as session:
        results = session.scalars(select(Result).where(Result.call_id == call_id).order_by(Result.id)).all()
        assert [("@2.0#" in r.scorecard, r.is_current) for r in results] == [(False, False), (True, True)]
        assert session.get(Call, call_id).review_state == "confirmed"
        assert repo.reviewed_outcomes(session, call_id)["greeting"]["human_outcome"] == flipped


def test_killed_run_rerun_scores_every_call_exactly_once(prefect_api, tmp_path, monkeypatch):
    from callscore.flows.prefect_flows import nightly_scoring

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("a", "b", "c"):
        shutil.copy(FIXTURES / "stereo_call.ogg", inbox / f"{name}.ogg")
    store = fresh_store(tmp_path / "home", monkeypatch)
    env = os.environ | {"PREFECT_API_URL": prefect_api}
    run = subprocess.Popen([sys.executable, "-m", "callscore", "nightly", "--inbox", str(inbox)], env=env,  # nosec
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not results_per_call(store) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    done_before = sum(results_per_call(store).values())
    assert 1 <= done_before < 3  # killed mid-batch

    summary = nightly_scoring(str(inbox))
    assert results_per_call(store) == {"a": 1, "b": 1, "c": 1}
    assert (summary["scored"], summary["skipped"]) == (3 - done_before, done_before)
    with store.session() as session:  # the killed run is marked, not left 'running' for ever
        assert sorted(session.scalars(select(Run.status))) == ["abandoned", "completed"]


def test_dask_two_worker_processes_write_to_one_store(prefect_api, tmp_path, monkeypatch):
    from callscore.flows.prefect_flows import nightly_scoring, task_runner

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("x", "y"):
        shutil.copy(FIXTURES / "stereo_call.ogg", inbox / f"{name}.ogg")
    shutil.copy(FIXTURES / "music.ogg", inbox / "z.ogg")
    store = fresh_store(tmp_path / "home", monkeypatch)
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)  # the worker processes report to the same API
    summary = nightly_scoring.with_options(task_runner=task_runner(workers=2, dask="local"))(str(inbox))
    assert (summary["scored"], summary["failed"]) == (3, 0)
    assert results_per_call(store) == {"x": 1, "y": 1, "z": 1}


def test_discover_reads_fsspec_urls(tmp_path):
    (tmp_path / "c1.wav").write_bytes(b"RIFF")
    (tmp_path / "c1.json").write_text(json.dumps({"call_time": "2026-11-01T10:00:00+01:00", "queue": "cards"}))
    (tmp_path / "readme.txt").write_text("not a recording")
    [recording] = discover(f"file://{tmp_path}")
    assert recording.call_id == "c1"
    assert recording.call_info == {"call_time": datetime(2026, 11, 1, 9), "queue": "cards", "meta": {}}


def test_retrain_flow_compares_with_the_active_model_and_activates(prefect_api, tmp_path, monkeypatch):
    from callscore.flows.retrain import retrain_classifier
    from callscore.models import phrases

    shipped = phrases.active_version(phrases.ARTIFACTS)
    root = tmp_path / "artifacts"
    shutil.copytree(phrases.ARTIFACTS / shipped, root / shipped)
    (root / "ACTIVE").write_text(shipped + "\n")
    (root / "HISTORY").write_text(shipped + "\n")
    fresh_store(tmp_path / "home", monkeypatch)  # no reviews yet: trains on the seed phrases alone
    monkeypatch.setenv("CALLSCORE_CLASSIFIER_DIR", str(root))
    report = retrain_classifier(from_reviews=True)
    assert report["baseline"] == shipped
    assert {row["item"] for row in report["items"]} == set(phrases.ITEMS)
    # the same seed data and seed give the same judge (up to float rounding across CPUs): not worse
    # anywhere, so it is activated
    assert all(abs(row["delta"]) <= 0.02 for row in report["items"])
    assert report["activated"] and phrases.active_version(root) == report["candidate"]


def test_weekly_qa_report_flow_writes_the_report_and_draws_review_samples(prefect_api, tmp_path, monkeypatch):
    from callscore.flows.weekly_report import weekly_qa_report
    from callscore.review import demo

    store = fresh_store(tmp_path / "home", monkeypatch)
    demo.seed(store, FIXTURES / "stereo_call.ogg")  # three calls in 2026-W45, agents A1 and A2
    summary = weekly_qa_report(week="2026-W45")
    assert "2026-W45" in Path(summary["html"]).read_text()
    assert set(summary["sampled"]) == {"A1", "A2"} and all(n >= 1 for n in summary["sampled"].values())
    assert weekly_qa_report(week="2026-W45")["sampled"] == summary["sampled"]  # the draw is reproducible


def test_a_truncated_recording_is_quarantined_with_its_reason_unless_partial_audio_is_allowed(tmp_path, monkeypatch):
    from callscore.flows import scoring
    from callscore.models import scorecards

    import soundfile as sf

    data, rate = sf.read(FIXTURES / "music.ogg")
    sf.write(tmp_path / "cut.wav", data, rate)
    blob = (tmp_path / "cut.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(blob[: len(blob) // 2])  # the header still declares the whole 5 s
    [recording] = discover(str(tmp_path))
    store = fresh_store(tmp_path / "home", monkeypatch)
    card = scorecards.load(DEFAULT_CARD)
    outcome = scoring.score_and_store(recording, Settings.from_env(), card, None)
    assert outcome.status == "failed" and outcome.reason.startswith("truncated recording: header declares 5.0 s")
    with store.session() as session:
        assert repo.quarantined(session) == {recording.url: recording.sha256}
    monkeypatch.setenv("CALLSCORE_ALLOW_PARTIAL", "1")
    outcome = scoring.score_and_store(recording, Settings.from_env(), card, None)
    assert (outcome.status, outcome.flags) == ("scored", ["no_speech", "truncated"])
    with store.session() as session:
        assert repo.quarantined(session) == {}


def test_sidecars_are_checked_when_discovered_and_quarantined_until_they_change(tmp_path, monkeypatch, caplog):
    """Wrong types fail at discovery with one line naming the file and field, never after scoring as an SQL
    error; such a call is not scored (nor retried) until its sidecar changes; unknown keys are dropped."""
    from callscore.flows import scoring

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    sidecars = {"listed": {"agent_id": ["A1"]}, "number": {"call_time": 12345}, "broken": "{not json",
                "extra": {"agent_id": "A1", "call_time": "2026-11-01T09:30:00", "site": "leeds", "wait_s": 12,
                          "customer_card": "4111 1111 1111 1111"}}
    for stem, sidecar in sidecars.items():
        shutil.copy(FIXTURES / "music.ogg", inbox / f"{stem}.ogg")
        (inbox / f"{stem}.json").write_text(sidecar if isinstance(sidecar, str) else json.dumps(sidecar))
    with caplog.at_level("WARNING"):
        found = {Path(r.url).stem: r for r in discover(str(inbox))}
    for stem, words in {"listed": ["listed.json", "agent_id", "valid string"],
                        "number": ["number.json", "call_time", "ISO 8601"], "broken": ["broken.json", "not valid JSON"]}.items():
        error = found[stem].sidecar_error
        assert error and "\n" not in error and all(w in error for w in words), error
    assert found["extra"].sidecar_error is None
    assert found["extra"].call_info == {"agent_id": "A1", "call_time": datetime(2026, 11, 1, 9, 30),
                                        "meta": {"site": "leeds", "wait_s": 12.0}}
    assert "customer_card" in caplog.text and "4111" not in caplog.text

    store = fresh_store(tmp_path / "home", monkeypatch)
    monkeypatch.setattr("callscore.pipeline.score.score_call", lambda *a: pytest.fail("scored a call with a bad sidecar"))
    settings, versions = Settings.from_env(), {"asr_model": "tiny.en", "classifier": "c", "scorecard": "s"}
    outcome = scoring.score_and_store(found["listed"], settings, None, None)
    assert (outcome.status, outcome.reason) == ("failed", found["listed"].sidecar_error)
    with store.session() as session:
        assert session.scalar(select(Quarantine.reason)) == outcome.reason
    assert scoring.plan(settings, [found["listed"]], versions) == ([], 1)  # the same sidecar: not tried again
    (inbox / "listed.json").write_text(json.dumps({"agent_id": "A1"}))
    fixed = [r for r in discover(str(inbox)) if Path(r.url).stem == "listed"]
    assert scoring.plan(settings, fixed, versions) == (fixed, 0)  # the sidecar changed: scored next run


def test_already_scored_is_judged_against_the_judge_scoring_will_use(tmp_path):
    """With CALLSCORE_CLASSIFIER_DIR set, the nightly plan compares stored results with that folder's
    active judge, the one scoring uses (it used to read the default folder's)."""
    from callscore.flows.scoring import expected_versions
    from callscore.models import scorecards

    root = tmp_path / "artifacts"
    root.mkdir()
    (root / "ACTIVE").write_text("judge-site-retrained\n")
    settings = Settings.from_env().model_copy(update={"classifier_dir": root})
    assert expected_versions(settings, scorecards.load(settings.scorecard))["classifier"] == "judge-site-retrained"
