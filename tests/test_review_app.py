"""Review app logic: queue filters, reviews with audit trail and scorecard rules, calibration and kappa,
label export, CLI. Stores are tmp SQLite files filled with hand-made result documents (no speech models)."""
import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from callscore.review import demo, service, stats
from callscore.review.app import create_app
from callscore.review.inputs import BadInput
from callscore.review.service import QueueFilters, ReviewError
from callscore.settings import REPO_ROOT, Settings
from callscore.store import Store
from callscore.store import repository as repo
from callscore.store.models import Call, Review, ReviewEvent, User

AUDIO = Path(__file__).parent / "fixtures" / "stereo_call.ogg"
DEFAULT_CARD = REPO_ROOT / "scorecards" / "default.yaml"


@pytest.fixture
def env(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    seeded = demo.seed(store, AUDIO)
    yield {"store": store, "tmp": tmp_path, **seeded}
    store.engine.dispose()


def user(env, name) -> User:
    with env["store"].session() as session:
        return session.scalar(select(User).where(User.username == name))


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def client_for(env, name) -> TestClient:
    app = create_app(env["store"], Settings(home=env["tmp"] / "home", cache_dir=env["tmp"] / "cache"))
    client = TestClient(app)
    token = csrf_of(client.get("/login").text)
    client.post("/login", data={"username": name, "password": demo.DEMO_PASSWORD, "csrf_token": token})
    return client


# ---- statistics --------------------------------------------------------------------------------

def test_cohen_kappa_matches_scikit_learn():
    from sklearn.metrics import cohen_kappa_score

    a = ["pass", "pass", "fail", "pass", "fail", "not_applicable", "pass", "fail", "pass", "pass"]
    b = ["pass", "fail", "fail", "pass", "fail", "not_applicable", "pass", "pass", "pass", "fail"]
    assert stats.cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))
    assert stats.cohen_kappa(["pass"] * 4, ["pass"] * 4) is None  # no variance: undefined
    assert stats.cohen_kappa(["pass", "fail"], ["pass", "fail"]) == pytest.approx(1.0)


def test_fleiss_kappa_on_the_textbook_example():
    # Fleiss (1971) as on Wikipedia: 10 subjects, 14 raters, 5 categories -> kappa 0.210
    table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
             [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    subjects = [[str(c) for c, n in enumerate(row) for _ in range(n)] for row in table]
    assert stats.fleiss_kappa(subjects) == pytest.approx(0.210, abs=0.001)
    assert stats.pairwise_agreement([["a", "a"], ["a", "b"]]) == 0.5
    assert stats.fleiss_kappa([["a"]]) is None


def test_fleiss_equals_scotts_pi_for_two_raters():
    a = ["pass", "pass", "fail", "fail", "pass", "pass"]
    b = ["pass", "fail", "fail", "fail", "pass", "pass"]
    kappa = stats.fleiss_kappa([[x, y] for x, y in zip(a, b)])
    p_o = 5 / 6
    p_pass = 7 / 12
    p_e = p_pass ** 2 + (1 - p_pass) ** 2
    assert kappa == pytest.approx((p_o - p_e) / (1 - p_e))


# ---- queue -------------------------------------------------------------------------------------

def ids(env, name="ana", **filters):
    with env["store"].session() as session:
        return [row["call_id"] for row in service.queue(session, QueueFilters(**filters), user(env, name))["rows"]]


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
        data = service.queue(session, QueueFilters(state="to_review"), user(env, "ana"))
    assert data["counts"] == {"provisional": 2, "to_review": 2, "in_review": 0, "confirmed": 0}
    assert data["flagged"] == 2 and data["matching"] == 2
    with pytest.raises(BadInput, match="confidence_below"):
        ids(env, confidence_below="low")


def test_queue_page_renders_counts_and_filters(env):
    page = client_for(env, "ana").get("/queue", params={"agent": "A1"}).text
    assert "call-001" in page and "call-002" not in page
    assert re.search(r"<b>1</b> flagged", page)


# ---- reviews -----------------------------------------------------------------------------------

def save(env, name, decisions, submit=True, comments="", call="call-001"):
    with env["store"].session() as session, session.begin():
        return service.save_review(session, call, user(env, name), decisions, comments, submit, DEFAULT_CARD).id


def test_override_needs_a_reason_and_unknown_outcomes_are_refused(env):
    with pytest.raises(ReviewError, match="reason"):
        save(env, "ana", {"greeting": ("fail", "")})
    with pytest.raises(ReviewError, match="unknown outcome"):
        save(env, "ana", {"greeting": ("maybe", "x")})
    with env["store"].session() as session:
        assert session.scalar(select(Review.id)) is None


def test_submit_recomputes_with_auto_fail_confirms_and_audits(env):
    review_id = save(env, "ana", {"recording_disclosure": ("fail", "disclosure was after the ID check")},
                     comments="coach on the opening")
    ana_id = user(env, "ana").id
    with env["store"].session() as session:
        review = session.get(Review, review_id)
        assert review.state == "submitted" and review.final_percent == 0.0  # auto-fail item failed
        assert session.get(Call, "call-001").review_state == "confirmed"
        events = session.scalars(select(ReviewEvent).where(ReviewEvent.call_id == "call-001")
                                 .order_by(ReviewEvent.id)).all()
        actions = [e.action for e in events]
        assert actions == ["review.create", "item.override", "review.comment", "review.submit", "call.state"]
        override = events[1]
        assert override.before["outcome"] == "pass" and override.after["outcome"] == "fail"
        assert override.after["reason"] == "disclosure was after the ID check"
        assert all(e.user_id == ana_id and e.at for e in events)
        assert events[-1].before == {"review_state": "to_review"} and events[-1].after == {"review_state": "confirmed"}
        # the store's own view: the human verdict stands, the machine's stays beside it
        outcomes = repo.reviewed_outcomes(session, "call-001")
        assert outcomes["recording_disclosure"]["human_outcome"] == "fail"
        assert outcomes["recording_disclosure"]["machine_outcome_at_review"] == "pass"
        assert repo.current_result(session, "call-001").percent == 90.0


def test_changing_a_review_keeps_before_and_after(env):
    save(env, "ana", {"ownership": ("fail", "no ownership")}, submit=False)
    with env["store"].session() as session:
        assert session.get(Call, "call-001").review_state == "in_review"
    save(env, "ana", {"ownership": ("pass", "")}, submit=True)
    with env["store"].session() as session:
        assert session.scalar(select(Review.final_percent)) == 90.0
        assert len(session.scalars(select(Review)).all()) == 1  # the same review, updated
        change = session.scalar(select(ReviewEvent).where(ReviewEvent.action == "item.confirm"))
        assert change.before == {"item": "ownership", "outcome": "fail", "action": "override", "reason": "no ownership"}
        assert change.after["outcome"] == "pass" and change.after["action"] == "confirm"


def test_call_page_shows_machine_and_human_verdicts_and_the_trail(env):
    client = client_for(env, "ana")
    page = client.get("/calls/call-001")
    assert page.status_code == 200
    token = csrf_of(page.text)
    response = client.post("/calls/call-001/review", data={
        "csrf_token": token, "action": "submit", "outcome__ownership": "fail", "reason__ownership": "passed it on",
        "comments": "ok"})
    assert response.status_code == 200 and "saved=submitted" in str(response.url)
    html = response.text
    assert re.search(r'id="machine-score">90%<', html)
    assert re.search(r'id="human-score">75%<', html)  # 90 - 15 points of ownership
    assert "item.override" in html and "passed it on" in html and "confirmed" in html
    missing_reason = client.post("/calls/call-001/review", data={
        "csrf_token": token, "action": "submit", "outcome__closing": "fail"})
    assert missing_reason.status_code == 400 and "give a reason" in missing_reason.text


def test_transcript_words_are_clickable_and_redactions_masked(env):
    from callscore.store.models import Redaction

    with env["store"].session() as session, session.begin():
        session.add(Redaction(call_id="call-001", start_s=19.5, end_s=24.8, kind="date_of_birth"))
    html = client_for(env, "ana").get("/calls/call-001").text
    assert re.search(r'<span class="w" data-s="5.069" data-e="[\d.]+">This</span>', html)
    assert "[date_of_birth]" in html and "nineteen" not in html
    assert 'class="tl-dead"' in html and 'class="tl-hold"' in html


def test_call_page_shows_what_a_recap_restates_and_the_closest_miss(env):
    from callscore.store.models import Result

    with env["store"].session() as session, session.begin():
        result = session.scalars(select(Result).where(Result.call_id == "call-001")).first()
        document = json.loads(json.dumps(result.document))
        document["checks"]["recap"]["detail"] = {"restates": [
            {"text": "I've cancelled the old card.", "start": 31.5, "similarity": 0.71}]}
        document["checks"]["closing"]["detail"] = {"closest": {
            "start": 60.0, "end": 62.0, "speaker": "agent", "text": "Right, that's the note added."},
            "closest_restates_similarity": 0.12}
        result.document = document
    html = client_for(env, "ana").get("/calls/call-001").text
    restates = re.search(r'<div class="small muted restates">.*?</div>', html, re.S).group(0)
    assert 'data-s="31.5"' in restates and "I&#39;ve cancelled the old card." in restates
    closest = re.search(r'<div class="small muted closest">.*?</div>', html, re.S).group(0)
    assert 'data-s="60.0"' in closest and "restates nothing said earlier" in closest


def test_scorecard_is_found_by_its_version_tag(env, tmp_path):
    text = DEFAULT_CARD.read_text().replace('version: "1.0"', 'version: "2.0"').replace("weight: 15\n        auto_fail: true\n        window: {first_s: 90",
                                                                                      "weight: 15\n        window: {first_s: 90")
    other = tmp_path / "cards" / "v2.yaml"
    other.parent.mkdir()
    other.write_text(text)
    from callscore.pipeline import scorecard

    v2 = scorecard.load(other)
    card = service.card_for(v2.version_tag, other.parent / "default.yaml")
    assert card.version == "2.0"
    assert service.card_for("Nope@9#00000000", DEFAULT_CARD).version == "1.0"


# ---- calibration -------------------------------------------------------------------------------

def test_calibration_blind_ratings_and_report(env):
    lead = client_for(env, "lena")
    token = csrf_of(lead.get("/calibration/new").text)
    response = lead.post("/calibration", data={"csrf_token": token, "name": "Week 45", "call": ["call-001", "call-002"],
                                               "rater": [str(env["users"][n]) for n in ("ana", "ben", "cleo")]})
    assert response.status_code == 200 and "/calibration/1" in str(response.url)
    ratings = {"ana": {"call-001": {"ownership": ("fail", "vague")}, "call-002": {}},
               "ben": {"call-001": {"ownership": ("fail", "no")}, "call-002": {"greeting": ("fail", "no name")}},
               "cleo": {"call-001": {}, "call-002": {"recording_disclosure": ("pass", "said it late")}}}
    for name, calls in ratings.items():
        client = client_for(env, name)
        for call_id, decisions in calls.items():
            page = client.get(f"/calls/{call_id}?session=1")
            assert page.status_code == 200 and "blind rating" in page.text
            if name == "ben" and call_id == "call-001":  # ana rated first: ben must not see her override
                assert re.search(r'name="outcome__ownership" value="pass" checked', page.text)
                assert "vague" not in page.text
            data = {"csrf_token": csrf_of(page.text), "action": "submit"}
            for item, (outcome, reason) in decisions.items():
                data |= {f"outcome__{item}": outcome, f"reason__{item}": reason}
            assert client.post(f"/calls/{call_id}/review?session=1", data=data).status_code == 200
    with env["store"].session() as session:  # calibration never confirms calls
        assert session.get(Call, "call-001").review_state == "to_review"
        assert repo.reviewed_outcomes(session, "call-001") == {}
    monitor = client_for(env, "ana")
    assert monitor.get("/calibration/1/report").status_code == 403  # blind until closed
    assert "vague" not in monitor.get("/calls/call-001").text  # nor via the audit trail
    report = lead.get("/calibration/1/report").text
    fleiss = float(re.search(r'id="fleiss-kappa">([-\d.]+)<', report).group(1))
    with env["store"].session() as session:
        from callscore.store.review_models import CalibrationSession

        data = service.calibration_report(session, session.get(CalibrationSession, 1), DEFAULT_CARD)
    assert data["ratings"] == 6 and data["expected"] == 6
    assert fleiss == pytest.approx(data["overall"]["fleiss"], abs=0.005)
    rows = {row["item"]: row for row in data["per_item"]}
    assert rows["greeting"]["agreement"] == pytest.approx((1 + 1 / 3) / 2)
    assert rows["closing"]["agreement"] == 1.0 and rows["closing"]["fleiss"] is None
    assert len(data["pairs"]) == 3
    assert 'id="agreement-chart"' in report
    # closing opens the report to raters
    token = csrf_of(lead.get("/calibration/1").text)
    lead.post("/calibration/1/close", data={"csrf_token": token})
    assert monitor.get("/calibration/1/report").status_code == 200
    closed = monitor.get("/calls/call-001?session=1")
    assert 'id="submit-review"' not in closed.text


def test_calibration_needs_two_raters_and_known_calls(env):
    with env["store"].session() as session:
        lead = session.scalar(select(User).where(User.username == "lena"))
        with pytest.raises(ReviewError, match="two raters"):
            service.create_calibration(session, lead, "x", ["call-001"], [env["users"]["ana"]])
        with pytest.raises(ReviewError, match="unknown calls"):
            service.create_calibration(session, lead, "x", ["nope"], [env["users"]["ana"], env["users"]["ben"]])


def test_machine_vs_human_agreement(env):
    save(env, "ana", {"ownership": ("fail", "x")}, call="call-001")
    save(env, "ben", {}, call="call-003")
    with env["store"].session() as session:
        data = service.machine_agreement(session, DEFAULT_CARD)
    rows = {row["item"]: row for row in data["rows"]}
    assert rows["ownership"]["n"] == 2 and rows["ownership"]["agreement"] == 0.5 and rows["ownership"]["fp"] == 1
    assert rows["greeting"]["agreement"] == 1.0
    assert data["overall"]["calls"] == 2
    assert "machine-table" in client_for(env, "ana").get("/agreement").text


# ---- export ------------------------------------------------------------------------------------

def test_export_labels_for_retraining(env, tmp_path):
    save(env, "ana", {"ownership": ("fail", "not ownership"), "recap": ("not_applicable", "too short")})
    save(env, "ben", {}, submit=False, call="call-003")  # a draft: not exported
    response = client_for(env, "lena").get("/export/labels.jsonl")
    assert response.status_code == 200
    lines = [json.loads(line) for line in response.text.splitlines()]
    by_item = {line["item"]: line for line in lines}
    assert set(by_item) == {"greeting", "recording_disclosure", "verify_identity", "ownership", "anything_else", "closing"}
    assert by_item["ownership"] == {"text": "Leave it with me, I will sort this out and refund the extra charge today.",
                                    "items": [], "group": "call-001", "source": "review", "reviewer": "ana",
                                    "item": "ownership", "label": "fail"}
    assert by_item["greeting"]["items"] == ["greeting"] and by_item["greeting"]["label"] == "pass"
    from callscore.models.phrases import Example

    Example(**{k: by_item["greeting"][k] for k in ("text", "items", "group", "source")})  # what training reads

    from callscore.review import cli

    out = tmp_path / "labels.jsonl"
    parser = build_parser()
    args = parser.parse_args(["review", "--db", str(env["store"].url), "export-labels", "--out", str(out)])
    assert args.run(args) == 0
    assert [json.loads(line) for line in out.read_text().splitlines()] == lines


# ---- CLI ---------------------------------------------------------------------------------------

def build_parser():
    import argparse

    from callscore.review.cli import add_parsers

    parser = argparse.ArgumentParser(prog="callscore")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    return parser


def test_cli_parses_and_adds_users(tmp_path, monkeypatch):
    parser = build_parser()
    args = parser.parse_args(["review", "--port", "9001", "--db", "sqlite:///x.db"])
    assert (args.host, args.port, args.db, args.review_command) == ("127.0.0.1", 9001, "sqlite:///x.db", None)
    url = f"sqlite:///{tmp_path / 'users.db'}"
    monkeypatch.setattr("sys.stdin", io.StringIO("a long secret\n"))
    args = parser.parse_args(["users", "add", "mona", "--role", "monitor", "--password-stdin", "--db", url])
    assert args.run(args) == 0
    store = Store(url)
    with store.session() as session:
        mona = session.scalar(select(User).where(User.username == "mona"))
    assert mona.role == "monitor" and "a long secret" not in mona.password_hash
    from callscore.review.auth import verify_password

    assert verify_password("a long secret", mona.password_hash)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long secret\n"))
    with pytest.raises(ValueError, match="exists"):
        args.run(args)
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    args = parser.parse_args(["users", "add", "tom", "--role", "lead", "--password-stdin", "--db", url])
    with pytest.raises(ValueError, match="8 characters"):
        args.run(args)
    with pytest.raises(SystemExit):
        parser.parse_args(["users", "add", "tom", "--role", "superuser"])
    store.engine.dispose()


def test_migration_matches_the_models(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from callscore.store.models import Base

    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        assert "calibration_sessions" in Base.metadata.tables
    store.engine.dispose()
