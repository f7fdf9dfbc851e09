"""The results store on SQLite and PostgreSQL: versions, idempotent writes, reviews kept, concurrent writers."""
import multiprocessing
from datetime import datetime

import pytest
from sqlalchemy import func, select, text

from callscore.store import Store
from callscore.store import repository as repo
from callscore.store.models import Call, Quarantine, Result, Review, ReviewEvent, ReviewItem
from conftest import STORE_KINDS, empty_store_url

CARD_V1, CARD_V2 = "Inbound@1.0#aaaaaaaa", "Inbound@1.1#bbbbbbbb"


@pytest.fixture(params=STORE_KINDS)
def store_url(request, tmp_path) -> str:
    return empty_store_url(request.param, tmp_path)  # every test starts from an empty database


@pytest.fixture
def store(store_url):
    store = Store(store_url)
    yield store
    store.engine.dispose()


def document(call_id: str, scorecard: str = CARD_V1, outcomes: dict | None = None, flags=(), sha: str = "a" * 64,
             callscore: str = "0.1.0") -> dict:
    """A callscore.result/1 document with just what the store reads."""
    outcomes = outcomes or {"greeting": "pass", "verify_identity": "fail"}
    return {"schema": "callscore.result/1", "call_id": call_id, "sha256": sha,
            "audio": {"path": f"/inbox/{call_id}.wav", "duration_s": 60.0, "sample_rate": 8000, "channels": 2},
            "checks": {item: {"outcome": outcome, "confidence": 0.9, "detail": {},
                              "evidence": [{"start": 1.0, "end": 2.0, "speaker": "agent", "text": "hello"}]}
                       for item, outcome in outcomes.items()},
            "score": {"points": 10.0, "max_points": 25.0, "percent": 40.0, "auto_failed": False},
            "flags": list(flags),
            "versions": {"callscore": callscore, "asr_model": "tiny.en", "classifier": "phrases-1", "scorecard": scorecard}}


def put(store: Store, doc: dict, call_info: dict | None = None) -> int | None:
    with store.session() as session, session.begin():
        return repo.store_result(session, doc, doc["audio"]["path"], call_info)


def count(store: Store, model, *where) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_opening_twice_migrates_once_and_matches_the_models(store_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from callscore.store.models import Base

    first, second = Store(store_url), Store(store_url)
    with second.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        assert connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1
    first.engine.dispose()
    second.engine.dispose()


def test_same_versions_are_stored_once_new_versions_beside(store):
    assert put(store, document("c1")) is not None
    assert put(store, document("c1")) is None  # a rerun: nothing new
    assert put(store, document("c1", CARD_V2)) is not None
    with store.session() as session:
        results = session.scalars(select(Result).where(Result.call_id == "c1").order_by(Result.id)).all()
        assert [(r.scorecard, r.is_current) for r in results] == [(CARD_V1, False), (CARD_V2, True)]
        assert [(i.item_id, i.outcome) for i in results[1].items] == [("greeting", "pass"), ("verify_identity", "fail")]
        versions = {"asr_model": "tiny.en", "classifier": "phrases-1", "scorecard": CARD_V1}
        assert repo.scored_keys(session, versions) == {("c1", "a" * 64)}


def test_flagged_calls_go_to_review(store):
    put(store, document("quiet", flags=["no_speech"]))
    put(store, document("fine"))
    with store.session() as session:
        assert [r["call_id"] for r in repo.list_calls(session, state="to_review")] == ["quiet"]
        assert [r["call_id"] for r in repo.list_calls(session, flag="no_speech")] == ["quiet"]


def test_reprocessing_never_changes_a_review(store):
    put(store, document("c1", outcomes={"greeting": "fail", "verify_identity": "fail"}, flags=["auto_fail:x"]))
    with store.session() as session, session.begin():
        monitor = repo.add_user(session, "mona", "hash", "monitor")
        repo.save_review(session, "c1", monitor.id, {"greeting": ("pass", "said hi at 0:02")}, "ok", submit=True,
                         final_percent=60.0)

    def reviews() -> list:
        with store.session() as session:
            return [[(r.id, r.result_id, r.state, r.final_percent, r.comments, r.updated_at) for r in
                     session.scalars(select(Review))],
                    [(i.item_id, i.machine_outcome, i.human_outcome, i.action, i.reason) for i in
                     session.scalars(select(ReviewItem))],
                    [(e.action, e.after) for e in session.scalars(select(ReviewEvent))]]

    before = reviews()
    put(store, document("c1", CARD_V2, outcomes={"greeting": "fail", "verify_identity": "pass"}, flags=["dead_air"]))
    assert reviews() == before
    with store.session() as session:
        assert session.get(Call, "c1").review_state == "confirmed"
        outcomes = repo.reviewed_outcomes(session, "c1")
    assert outcomes["greeting"]["human_outcome"] == "pass"  # the reviewer's override stands
    assert outcomes["greeting"]["newest_machine_outcome"] == "fail"  # shown beside it: they differ
    assert outcomes["verify_identity"]["human_outcome"] == "fail"
    assert outcomes["verify_identity"]["newest_machine_outcome"] == "pass"


def test_call_metadata_and_reprocess_selection(store):
    put(store, document("old", callscore="0.0.9"), {"agent_id": "A1", "call_time": datetime(2026, 10, 30, 9)})
    put(store, document("new", outcomes={"greeting": "pass", "verify_identity": "pass"}),
        {"agent_id": "A2", "team": "blue", "call_time": datetime(2026, 11, 2, 23, 59), "meta": {"site": "leeds"}})
    put(store, document("v2", CARD_V2), {"agent_id": "A2", "call_time": datetime(2026, 11, 3, 8)})

    def selected(**criteria) -> list[str]:
        with store.session() as session:
            return [call.id for call in repo.select_calls(session, repo.Selection(**criteria))]

    assert selected() == ["new", "old", "v2"]
    assert selected(calls=["v2", "old"]) == ["old", "v2"]
    assert selected(since=repo.parse_day("2026-11-01"), until=repo.parse_day("2026-11-02", end=True)) == ["new"]
    assert selected(agent="A2") == ["new", "v2"]
    assert selected(failed_item="verify_identity") == ["old", "v2"]
    assert selected(scored_with="Inbound@1.0") == ["new", "old"]
    assert selected(older_than_version="0.1.0") == ["old"]
    with store.session() as session:
        call = session.get(Call, "new")
        assert (call.team, call.meta, call.duration_s) == ("blue", {"site": "leeds"}, 60.0)


def test_quarantine_counts_attempts_and_clears_when_scored(store):
    for reason in ("empty file (0 bytes)", "still empty"):
        with store.session() as session, session.begin():
            repo.quarantine(session, "/inbox/c1.wav", "e" * 64, reason)
    with store.session() as session:
        entry = session.scalar(select(Quarantine))
        assert (entry.reason, entry.attempts) == ("still empty", 2)
        assert repo.quarantined(session) == {"/inbox/c1.wav": "e" * 64}
    put(store, document("c1"))
    assert count(store, Quarantine) == 0


def test_call_detail_and_export(store):
    put(store, document("c1"), {"agent_id": "A1"})
    put(store, document("c1", CARD_V2, outcomes={"greeting": "pass", "verify_identity": "pass"}))
    with store.session() as session:
        detail = repo.call_detail(session, "c1")
        rows = repo.export_rows(session)
        assert repo.call_detail(session, "nope") is None
    assert [v["is_current"] for v in detail["versions"]] == [False, True]
    assert detail["result"]["versions"]["scorecard"] == CARD_V2
    assert rows == [rows[0]] and rows[0]["item_verify_identity"] == "pass" and rows[0]["agent_id"] == "A1"


def write_results(url: str, writer: str, calls: int) -> int:
    """One writer process: its own results for every call, plus the same shared result the other also writes,
    each in its own transaction as the flows do."""
    store = Store(url)
    stored = 0
    for n in range(calls):
        stored += put(store, document(f"call{n}", f"Inbound@{writer}#cccccccc")) is not None
        stored += put(store, document(f"call{n}", "Inbound@shared#dddddddd")) is not None
    store.engine.dispose()
    return stored


def test_two_processes_writing_at_once_lose_nothing(store):
    calls = 30
    with multiprocessing.get_context("spawn").Pool(2) as pool:  # raises here if a writer hit a lock error
        stored = pool.starmap(write_results, [(store.url, "a", calls), (store.url, "b", calls)])
    assert sum(stored) == 3 * calls  # each writer's own results, and each shared one exactly once
    assert count(store, Result) == 3 * calls
    assert count(store, Result, Result.is_current) == calls  # exactly one current result per call


def test_only_known_sidecar_fields_reach_calls_meta(store):
    """A sidecar is another system's file: whatever it carries beyond the known fields is never stored."""
    card = "4111 1111 1111 1111"
    put(store, document("c9"), {"agent_id": "A9", "meta": {"site": "leeds", "wait_s": 12.0, "customer_card": card}})
    with store.session() as session:
        assert session.get(Call, "c9").meta == {"site": "leeds", "wait_s": 12.0}
        assert card not in str(repo.call_detail(session, "c9"))


def test_sidecar_values_are_checked_by_field():
    from callscore.store.call_info import SidecarError, from_sidecar

    assert from_sidecar({"agent_id": 1234, "resolved": "yes", "transfers": "2"}, "c.json") == (
        {"agent_id": "1234", "meta": {"resolved": True, "transfers": 2}}, [])  # a numeric id is an id
    for bad, field in [({"agent_id": ["A1"]}, "agent_id"), ({"call_time": 12345}, "call_time"),
                       ({"team": True}, "team"), ({"wait_s": -3}, "wait_s"), ({"agent_id": "x" * 81}, "agent_id")]:
        with pytest.raises(SidecarError) as error:
            from_sidecar(bad, "inbox/c.json")
        assert str(error.value).startswith(f"sidecar inbox/c.json: {field}: ") and "\n" not in str(error.value)
