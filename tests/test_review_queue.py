"""The review queue (routes/queue.py, services/queue.py): flagged first, filters, agents see their own calls."""
import re

import pytest

from callscore.review.inputs import BadInput
from callscore.review.services import queue
from callscore.review.services.queue import QueueFilters
from review_helpers import client_for, user


def ids(env, name="ana", **filters):
    with env["store"].session() as session:
        return [row["call_id"] for row in queue.load(session, QueueFilters(**filters), user(env, name))["rows"]]


def test_queue_puts_flagged_calls_first_and_filters(env):
    assert ids(env) == ["call-002", "call-001", "call-003", "call-004"]  # auto-fail, flagged, then newest
    assert ids(env, agent="A1") == ["call-001", "call-003"]
    assert ids(env, team="Red") == ["call-002", "call-004"]
    assert ids(env, flag="auto_fail") == ["call-002"]
    assert ids(env, flag="dead_air") == ["call-002", "call-001"]
    assert ids(env, failed_item="recording_disclosure") == ["call-002"]
    assert ids(env, confidence_below="0.65") == ["call-001", "call-002"] or \
        set(ids(env, confidence_below="0.65")) == {"call-001", "call-002"}
    assert ids(env, since="2026-11-03", until="2026-11-03") == ["call-002"]
    assert ids(env, state="provisional") == ["call-003", "call-004"]
    assert ids(env, q="003") == ["call-003"]
    assert ids(env, "aggie") == ["call-001", "call-003"]  # agent role: own calls only
    with env["store"].session() as session:
        data = queue.load(session, QueueFilters(state="to_review"), user(env, "ana"))
    assert data["counts"] == {"provisional": 2, "to_review": 2, "in_review": 0, "confirmed": 0}
    assert data["flagged"] == 2 and data["matching"] == 2
    with pytest.raises(BadInput, match="confidence_below"):
        ids(env, confidence_below="low")


def test_queue_page_renders_counts_and_filters(env):
    page = client_for(env, "ana").get("/queue", params={"agent": "A1"}).text
    assert "call-001" in page and "call-002" not in page
    assert re.search(r"<b>1</b> flagged", page)
