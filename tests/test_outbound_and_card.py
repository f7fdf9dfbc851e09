"""Real audio fixtures through the whole system: the outbound-sales scorecard on calls with and without
each disclosure and do-not-call handling, and a spoken card number that must leave no trace anywhere:
stored JSON, every database table, the CSV/Parquet export, the web page and the served audio."""
import json
import re
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
from sqlalchemy import inspect, text
from starlette.testclient import TestClient

from callscore.models import scorecards
from callscore.pipeline.score import score_call
from callscore.settings import REPO_ROOT, Settings
from callscore.store import Store
from conftest import FIXTURES
from review_helpers import csrf_of
from run_names import without_run_names

OUTBOUND = REPO_ROOT / "scorecards" / "outbound_sales.yaml"
# every way the card number and code could survive: digits (any grouping) or spoken digits
CARD_TRACES = [r"4\D?5\D?3\D?2", r"0\D?1\D?5\D?1", r"1\D?2\D?8\D?3", r"0\D?3\D?6\D?6", r"\b371\b",
               r"five three two", r"one two eight three", r"three six six", r"three seven one"]


@pytest.fixture(scope="module")
def outbound(settings):
    card = scorecards.load(OUTBOUND)
    return {name: score_call(FIXTURES / f"{name}.ogg", settings, card) for name in ("outbound_honoured", "outbound_ignored")}


def test_outbound_call_with_every_disclosure_and_an_honoured_opt_out(outbound):
    result = outbound["outbound_honoured"]
    outcomes = {item: check["outcome"] for item, check in result["checks"].items()}
    assert {k: outcomes[k] for k in ("sales_identity", "sales_purpose", "product_disclosure", "do_not_call")} == {
        "sales_identity": "pass", "sales_purpose": "pass", "product_disclosure": "pass", "do_not_call": "pass"}
    assert not result["score"]["auto_failed"]
    assert "do_not_call" in result["flags"]  # the number must still be suppressed


def test_outbound_call_missing_disclosures_and_ignoring_the_opt_out(outbound):
    result = outbound["outbound_ignored"]
    outcomes = {item: check["outcome"] for item, check in result["checks"].items()}
    assert outcomes["sales_identity"] == "pass"
    assert outcomes["sales_purpose"] == "fail" and outcomes["product_disclosure"] == "fail"
    assert outcomes["do_not_call"] == "fail"
    assert result["score"]["auto_failed"] and result["score"]["percent"] == 0
    assert "do_not_call" in result["flags"] and "auto_fail:do_not_call" in result["flags"]


# a measured value standing alone as a field (a JSON/CSV/row value or an HTML attribute: a word time such
# as 20.366, a probability, a timing); a number inside transcript text sits between spaces and words
MEASURED = re.compile(r'(?<=[:,\[(="])(\s?)-?\d+\.\d{1,6}(?=\s?[,\]})"]|$)', re.MULTILINE)


def _traces(blob: str) -> list[str]:
    """Card digits anywhere in the blob; timestamps (when a row was stored), the judge's version and measured values
    are not card data and could match a digit run such as 4:53.2 or 0.366 by chance."""
    blob = MEASURED.sub(r"\1<value>", without_run_names(blob))
    return [pattern for pattern in CARD_TRACES if re.search(pattern, blob, re.IGNORECASE)]


def test_a_spoken_card_number_leaves_no_trace(tmp_path, monkeypatch):
    from callscore.review.auth import hash_password
    from callscore.review.app import create_app
    from callscore.store.repository import add_user, store_result

    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("CALLSCORE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CALLSCORE_DB_URL", url)
    settings = Settings.from_env(cache_dir=tmp_path / "cache")
    source = FIXTURES / "card_call.ogg"
    result = score_call(source, settings, scorecards.load(settings.scorecard))
    assert {r["type"] for r in result["redactions"]} >= {"card_number", "security_code"}
    assert _traces(json.dumps(result)) == []

    store = Store(url)
    with store.session() as session, session.begin():
        store_result(session, result, str(source), {})
        add_user(session, "ana", hash_password("s3cret-pass"), "monitor", None)
    with store.engine.connect() as db:  # every row of every table, as text
        for table in inspect(store.engine).get_table_names():
            rows = db.execute(text(f'SELECT * FROM "{table}"')).fetchall()  # nosec B608: names from the schema
            assert _traces(repr(rows)) == [], table

    for fmt in ("csv", "parquet"):
        out = tmp_path / f"export.{fmt}"
        run = subprocess.run([sys.executable, "-m", "callscore", "calls", "export", "--format", fmt, "--out", str(out)],
                             capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        content = out.read_text() if fmt == "csv" else repr(__import__("pyarrow.parquet").parquet.read_table(out).to_pylist())
        assert "card_call" in content and _traces(content) == []

    client = TestClient(create_app(store, settings))
    token = csrf_of(client.get("/login").text)
    client.post("/login", data={"username": "ana", "password": "s3cret-pass", "csrf_token": token})
    page = client.get("/calls/card_call")
    assert page.status_code == 200 and "CARD_NUMBER" in page.text and _traces(page.text) == []

    served = client.get("/audio/card_call")
    assert served.status_code == 200
    audio_path = tmp_path / "served.wav"
    audio_path.write_bytes(served.content)
    heard, rate = sf.read(audio_path, always_2d=True)
    original, _ = sf.read(source, always_2d=True)
    for span in (r for r in result["redactions"] if r["type"] == "card_number"):
        a, b = int(span["start"] * rate), int(span["end"] * rate)
        covered, spoken = heard[a:b].mean(axis=1), original[a:b].mean(axis=1)
        # the spoken digits are gone: what is served there is a steady 1 kHz tone, unrelated to the speech
        spectrum = np.abs(np.fft.rfft(covered))
        assert abs(np.argmax(spectrum) * rate / len(covered) - 1000) < 20
        assert abs(np.corrcoef(covered, spoken)[0, 1]) < 0.1
