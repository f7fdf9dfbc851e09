"""Every route of the review app, found by walking app.routes (so a new route is fuzzed without being listed here),
driven as a logged-in admin with generated bad path, query and form values: each answer is below 500 (a refusal
with a message, never a crash). On SQLite, and on PostgreSQL (stricter types: NUL, column widths, integer ranges)
with CALLSCORE_TEST_PG_URL. Bounded: FUZZ_EXAMPLES per route, about 20 s per store on 2 cores."""
import itertools
import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from callscore.review import demo
from callscore.review.app import create_app
from callscore.settings import Settings
from callscore.store import Store
from conftest import STORE_KINDS, empty_store_url
from review_helpers import csrf_of, walk

AUDIO = Path(__file__).parent / "fixtures" / "stereo_call.ogg"
ADDRESSES = itertools.count(1)
FUZZ_EXAMPLES = int(os.environ.get("CALLSCORE_FUZZ_EXAMPLES", "16"))

# What broke before (issue 18) and its neighbours: out-of-range dates and periods, huge ids, NaN, non-ASCII.
BAD = ["99999999999999999999", "9223372036854775808", "-1", "0", "1e309", "nan", "inf", "-inf", "", " ", "garbage",
       "9999-12-31", "0001-01-01", "1-W1", "0001-01", "9999-W52", "9999-12", "2026-W99", "2026-W00", "2026-13",
       "2026-02-30", "୨026-W1", "2026-11-16T25:00", "2026-11-16T10:00+14:00", "20261116", "é", "%C3%A9", "\x00",
       "\ufeff", "../../etc/passwd", "'; DROP TABLE calls; --", "<script>", "=cmd|' /C calc'!A0", "x" * 5000]
GOOD = ["call-001", "1", "2", "A1", "Blue", "greeting", "2026-W45", "2026-11", "2026-11-02", "week", "month", "day",
        "qa_score", ">=", "upheld", "overturned", "pass", "fail", "submit", "monitor"]
QUERY = ["since", "until", "team", "agent", "scorecard", "queue", "campaign", "period", "at", "session", "saved",
         "next", "failed_item", "flag", "confidence_below", "state", "q"]
FORM = ["username", "password", "next", "action", "outcome__greeting", "reason__greeting", "comments", "name", "call",
        "call_list", "rater", "notes", "metric", "comparator", "threshold", "team", "min_calls", "week",
        "action_taken", "decision", "note", "outcome", "item_id", "reason", "held_on", "items"]

values = st.one_of(st.sampled_from(BAD), st.sampled_from(GOOD), st.text(max_size=30),
                   st.integers(min_value=-2 ** 70, max_value=2 ** 70).map(str),
                   st.dates().map(str), st.from_regex(r"\A-?\d{1,6}-W\d{1,3}\Z"))


@pytest.fixture(scope="module", params=STORE_KINDS)
def app(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    store = Store(empty_store_url(request.param, tmp))
    demo.seed(store, AUDIO)
    yield create_app(store, Settings(home=tmp / "home", cache_dir=tmp / "cache"))
    store.engine.dispose()


@pytest.fixture
def admin(app):
    """A fresh admin session per test (the fuzz ends its own by posting to /logout), from an address of its own
    (the fuzz's failed logins count against the address they came from)."""
    client = TestClient(app, follow_redirects=False, client=(f"192.0.2.{next(ADDRESSES)}", 50000))
    token = csrf_of(client.get("/login").text)
    assert client.post("/login", data={"username": "adam", "password": demo.DEMO_PASSWORD,
                                       "csrf_token": token}).status_code == 303
    client.csrf = csrf_of(client.get("/queue").text)
    return client


def routes_of(client) -> list[tuple[str, str]]:
    found = sorted(set(walk(client.app.routes)), key=lambda r: r[1] == "/logout")  # logout last: it ends the session
    assert len(found) > 30 and ("GET", "/audio/{call_id}") in found
    return found


def test_no_openapi_document_is_served(admin):
    for path in ("/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect"):
        assert admin.get(path).status_code == 404, path


def test_every_route_answers_bad_input_below_500(admin):
    for method, template in routes_of(admin):
        names = re.findall(r"{(\w+)}", template)

        @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
        @given(path=st.fixed_dictionaries({n: values for n in names}),
               query=st.dictionaries(st.sampled_from(QUERY), values, max_size=4),
               form=st.dictionaries(st.sampled_from(FORM), st.one_of(values, st.lists(values, max_size=3)),
                                    max_size=6),
               with_csrf=st.booleans())
        def run(path, query, form, with_csrf):
            url = template.format(**{n: quote(v, safe="") for n, v in path.items()})
            note(f"{method} {url} query={query!r} form={form!r}")
            if method == "GET":
                response = admin.get(url, params=query)
            else:
                data = form | ({"csrf_token": admin.csrf} if with_csrf else {})
                response = admin.request(method, url, params=query, data=data)
            assert response.status_code < 500, (method, url, query, form, response.text[:300])
            if response.status_code >= 400:
                assert response.text.strip(), "a refusal says why"

        run()


def test_nul_characters_are_refused_at_the_door(admin):
    """PostgreSQL text cannot hold NUL; SQLite can, so the fuzz on SQLite alone would not notice."""
    assert admin.get("/queue", params={"team": "Blue\x00"}).status_code == 400
    assert admin.get("/calls/call%00-001").status_code == 400
    response = admin.post("/analytics/targets", data={"csrf_token": admin.csrf, "metric": "qa_score",
                                                      "comparator": ">=", "threshold": "80", "team": "Re\x00d"})
    assert response.status_code == 400 and "NUL" in response.text
    long_team = admin.post("/analytics/targets", data={"csrf_token": admin.csrf, "metric": "qa_score",
                                                       "comparator": ">=", "threshold": "80", "team": "x" * 81})
    assert long_team.status_code == 400 and "team" in long_team.text  # the column holds 80 (PostgreSQL enforces it)


BIG = "99999999999999999999"
ISSUE_GETS = [("/queue?until=9999-12-31", "until"), ("/analytics?until=9999-12-31", "until"),
              ("/analytics?since=garbage", "since"), ("/analytics/teams/Blue?since=2026-13-01", "since"),
              *[(f"/analytics/report?period={period}&at={at}", "at") for period, at in (
                  ("day", "0001-01-01"), ("week", "1-W1"), ("month", "0001-01"), ("day", "9999-12-31"),
                  ("week", "9999-W52"), ("month", "9999-12"))],
              ("/analytics/report.csv?period=fortnight", "period"), (f"/calibration/{BIG}", "session_id"),
              (f"/calibration/{BIG}/report", "session_id"), (f"/calls/call-001?session={BIG}", "session")]
ISSUE_POSTS = [(f"/disputes/{BIG}/resolve", {"decision": "upheld", "note": "x"}, "dispute_id"),
               (f"/analytics/actions/{BIG}/resolve", {"action_taken": "x"}, "item_id"),
               (f"/calibration/{BIG}/close", {}, "session_id"),
               ("/calibration", {"name": "x", "call": "call-001", "rater": [BIG, "1"]}, "rater"),
               ("/analytics/evaluate", {"week": "garbage"}, "week"),
               ("/analytics/evaluate", {"week": "2026-W99"}, "week"),
               ("/analytics/targets", {"metric": "qa_score", "comparator": ">=", "threshold": ""}, "threshold"),
               ("/analytics/targets", {"metric": "qa_score", "comparator": ">=", "threshold": "nan"}, "threshold"),
               ("/analytics/agents/A1/coaching", {"held_on": "9999-12-31"}, "held_on")]


def test_the_issue_cases_are_400_naming_the_field(admin):
    """Issue 18's list: each was a 500, or a 403 'Not allowed' for a bad date; now a 400 that names the field."""
    for url, field in ISSUE_GETS:
        response = admin.get(url)
        assert response.status_code == 400 and field in response.text, (url, response.status_code)
    for url, form, field in ISSUE_POSTS:
        response = admin.post(url, data=form | {"csrf_token": admin.csrf})
        assert response.status_code == 400 and field in response.text, (url, form, response.status_code)
    response = TestClient(admin.app).post("/login", content=b"username=adam&password=x&csrf_token=%C3%A9",
                                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 403 and "CSRF" in response.text
