"""CSV formula injection (issue 18): values from sidecars come out of every CSV callscore writes as text, never as a
spreadsheet formula."""
import csv
import io
import re
from datetime import datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from callscore.analytics.csvsafe import safe_cell
from callscore.review import demo
from callscore.review.app import create_app
from callscore.settings import Settings
from callscore.store import Store
from callscore.store.repository import store_result

AUDIO = Path(__file__).parent / "fixtures" / "stereo_call.ogg"
HOSTILE = {"team": "=cmd|' /C calc'!A0", "agent_id": "@SUM(1+1)*cmd|' /C calc'!A0", "campaign": "+HYPERLINK(\"x\")",
           "queue": "-2+3+cmd|' /C calc'!A0"}


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    seeded = demo.seed(store, AUDIO)
    with store.session() as session, session.begin():  # a call whose sidecar carries formulas
        store_result(session, demo.document("call-evil", seeded["card"], audio_path=str(AUDIO)), str(AUDIO),
                     HOSTILE | {"call_time": datetime(2026, 11, 5, 10)})
    yield store
    store.engine.dispose()


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_no_formula(text: str) -> None:
    found = cells(text)
    assert "'" + HOSTILE["team"] in found  # the value is kept, as text
    assert not [c for c in found if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert not [c for c in found if c.startswith("-") and not re.fullmatch(r"-[\d.]+", c)]


def test_safe_cell():
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("\t=1") == "'\t=1" and safe_cell("\r@x") == "'\r@x"
    assert safe_cell("-0.25") == "-0.25" and safe_cell(-3) == -3
    assert safe_cell("Blue") == "Blue" and safe_cell(None) is None


def test_the_report_csv_has_no_formulas(store, tmp_path):
    app = create_app(store, Settings(home=tmp_path / "home", cache_dir=tmp_path / "cache"))
    client = TestClient(app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "lena", "password": demo.DEMO_PASSWORD, "csrf_token": token})
    response = client.get("/analytics/report.csv", params={"period": "month", "at": "2026-11"})
    assert response.status_code == 200
    assert_no_formula(response.text)


def test_calls_export_csv_has_no_formulas(store, tmp_path, monkeypatch):
    from callscore.cli import main

    monkeypatch.setenv("CALLSCORE_DB_URL", store.url)
    out = tmp_path / "calls.csv"
    assert main(["calls", "export", "--format", "csv", "--out", str(out)]) == 0
    text = out.read_text()
    assert_no_formula(text)
    assert "'" + HOSTILE["agent_id"] in cells(text) and "'" + HOSTILE["campaign"] in cells(text)
