"""Migrations that change stored data, run on a store left at the revision before them (SQLite, and PostgreSQL
with CALLSCORE_TEST_PG_URL)."""
import pytest
from sqlalchemy import create_engine, insert, select

from callscore.store import Store
from callscore.store.db import upgrade
from callscore.store.models import Call
from conftest import STORE_KINDS, empty_store_url


@pytest.fixture(params=STORE_KINDS)
def store_url(request, tmp_path) -> str:
    return empty_store_url(request.param, tmp_path)


def test_call_meta_stored_before_sidecars_were_checked_keeps_only_known_fields(store_url):
    old_meta = {"dirty": {"site": "Leeds", "wait_s": 12.5, "customer_card": "4111 1111 1111 1111",
                          "address": {"street": "1 High St"}},
                "clean": {"site": "York", "language": "ms"},
                "empty": {}}
    engine = create_engine(store_url)
    with engine.begin() as connection:
        upgrade(connection, "0006_session_generation")
        connection.execute(insert(Call), [{"id": call_id, "source_path": f"/inbox/{call_id}.wav", "sha256": "a" * 64,
                                           "meta": meta} for call_id, meta in old_meta.items()])
    engine.dispose()

    store = Store(store_url)  # opening the store migrates it to the newest revision
    with store.session() as session:
        stored = dict(session.execute(select(Call.id, Call.meta)).all())
    store.engine.dispose()
    assert stored == {"dirty": {"site": "Leeds", "wait_s": 12.5}, "clean": {"site": "York", "language": "ms"},
                      "empty": {}}
