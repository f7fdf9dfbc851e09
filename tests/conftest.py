import json
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from callscore.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
TRUTH = json.loads((FIXTURES / "truth.json").read_text())
PG_URL = os.environ.get("CALLSCORE_TEST_PG_URL")
STORE_KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]  # params of a store fixture


def empty_store_url(kind: str, folder: Path) -> str:
    """A new SQLite file in `folder`, or the test PostgreSQL database emptied (skipped without
    CALLSCORE_TEST_PG_URL)."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'store.db'}"
    if not PG_URL:
        pytest.skip("CALLSCORE_TEST_PG_URL is not set")
    engine = create_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return PG_URL


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    return Settings(cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def stereo_record(settings):
    from callscore.pipeline.score import transcribe_call

    return transcribe_call(FIXTURES / "stereo_call.ogg", settings)


@pytest.fixture(scope="session")
def mono_record(settings):
    from callscore.pipeline.score import transcribe_call

    return transcribe_call(FIXTURES / "mono_call.ogg", settings)


@pytest.fixture
def env(tmp_path, monkeypatch) -> dict:
    """A review store seeded by review/demo.py (four calls of the stereo fixture, a user of each role; no speech
    models) and the review app over it: store, app, home, tmp, users, card. A test file that needs more in the
    store overrides it as `def env(env)`."""
    from callscore.review import demo
    from callscore.review.app import create_app
    from callscore.store import Store

    monkeypatch.delenv("CALLSCORE_SECRET_KEY", raising=False)  # the key is made in home, as in production
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    seeded = demo.seed(store, FIXTURES / "stereo_call.ogg")
    app_settings = Settings(home=tmp_path / "home", cache_dir=tmp_path / "cache")
    yield {"store": store, "app": create_app(store, app_settings), "home": app_settings.home, "tmp": tmp_path,
           **seeded}
    store.engine.dispose()


def overlap(a_start, a_end, b_start, b_end) -> float:
    return max(0.0, min(a_end, b_end) - max(a_start, b_start))
