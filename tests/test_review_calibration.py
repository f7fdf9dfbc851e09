"""Calibration sessions and agreement (routes/calibration.py, services/calibration.py, services/agreement.py):
blind ratings, the report's kappas, machine-vs-human agreement."""
import re

import pytest
from sqlalchemy import select

from callscore.review.errors import ReviewError
from callscore.review.services import agreement, calibration
from callscore.store import repository as repo
from callscore.store.models import Call, User
from review_helpers import DEFAULT_CARD, client_for, csrf_of, save


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

        data = agreement.calibration_report(session, session.get(CalibrationSession, 1), DEFAULT_CARD)
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
            calibration.create_session(session, lead, "x", ["call-001"], [env["users"]["ana"]])
        with pytest.raises(ReviewError, match="unknown calls"):
            calibration.create_session(session, lead, "x", ["nope"], [env["users"]["ana"], env["users"]["ben"]])


def test_machine_vs_human_agreement(env):
    save(env, "ana", {"ownership": ("fail", "x")}, call="call-001")
    save(env, "ben", {}, call="call-003")
    with env["store"].session() as session:
        data = agreement.machine_agreement(session, DEFAULT_CARD)
    rows = {row["item"]: row for row in data["rows"]}
    assert rows["ownership"]["n"] == 2 and rows["ownership"]["agreement"] == 0.5 and rows["ownership"]["fp"] == 1
    assert rows["greeting"]["agreement"] == 1.0
    assert data["overall"]["calls"] == 2
    assert "machine-table" in client_for(env, "ana").get("/agreement").text
