"""Agent feedback loop (issue 8): acknowledge, dispute an item, a lead resolves (upheld / overturned).
SQLite stores seeded by review/demo.py, no speech models."""
import pytest
from sqlalchemy import select

from callscore.review import demo
from callscore.review.auth import hash_password
from callscore.store.dispute_models import Acknowledgement, Dispute
from callscore.store.models import Call, Review, ReviewEvent
from callscore.store.repository import add_user
from review_helpers import client_for, csrf_of


@pytest.fixture
def env(env):
    with env["store"].session() as session, session.begin():  # an agent for A2, whose call-002 auto-fails
        add_user(session, "abel", hash_password(demo.DEMO_PASSWORD), "agent", "A2")
    return env


def post(client, url, **data):
    token = csrf_of(client.get("/queue").text)
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)


def events(env, call_id, prefix):
    with env["store"].session() as session:
        return list(session.scalars(select(ReviewEvent).where(ReviewEvent.call_id == call_id,
                                                              ReviewEvent.action.startswith(prefix))))


def dispute_of(env, call_id) -> Dispute:
    with env["store"].session() as session:
        return session.scalar(select(Dispute).where(Dispute.call_id == call_id).order_by(Dispute.id.desc()))


def latest_review(env, call_id) -> Review:
    with env["store"].session() as session:
        review = session.scalar(select(Review).where(Review.call_id == call_id, Review.state == "submitted")
                                .order_by(Review.id.desc()))
        return review, {i.item_id: i.human_outcome for i in review.items}


def test_agent_acknowledges_and_disputes_own_call(env):
    agent = client_for(env, "aggie")  # agent A1: call-001
    page = agent.get("/calls/call-001").text
    assert "Acknowledge scorecard" in page and 'form="dispute-dead_air"' in page
    assert post(agent, "/calls/call-001/acknowledge").status_code == 303
    assert post(agent, "/calls/call-001/acknowledge").status_code == 303  # idempotent
    with env["store"].session() as session:
        acks = list(session.scalars(select(Acknowledgement).where(Acknowledgement.call_id == "call-001")))
    assert len(acks) == 1 and acks[0].acknowledged_at is not None
    assert len(events(env, "call-001", "agent.acknowledge")) == 1
    assert "Scorecard acknowledged" in agent.get("/calls/call-001").text

    r = post(agent, "/calls/call-001/disputes", item_id="dead_air", reason="the silence was the customer's")
    assert r.status_code == 303
    d = dispute_of(env, "call-001")
    assert (d.item_id, d.state, d.reason) == ("dead_air", "open", "the silence was the customer's")
    [ev] = events(env, "call-001", "dispute.open")
    assert ev.before == {"item": "dead_air", "outcome": "fail"} and ev.after["dispute"] == d.id
    assert post(agent, "/calls/call-001/disputes", item_id="dead_air", reason="again").status_code == 400
    assert post(agent, "/calls/call-001/disputes", item_id="greeting", reason="").status_code == 400
    # the lead sees it, linked from the nav
    lead = client_for(env, "lena")
    assert 'href="/disputes"' in lead.get("/queue").text
    assert "the silence was the customer&#39;s" in lead.get("/disputes").text


def test_agent_cannot_act_on_others_calls_nor_resolve(env):
    agent = client_for(env, "aggie")
    assert post(agent, "/calls/call-002/disputes", item_id="recording_disclosure", reason="not me").status_code == 403
    assert post(agent, "/calls/call-002/acknowledge").status_code == 403
    assert post(agent, "/calls/no-such-call/acknowledge").status_code == 403
    assert dispute_of(env, "call-002") is None
    post(agent, "/calls/call-001/disputes", item_id="dead_air", reason="no")
    d = dispute_of(env, "call-001")
    assert post(agent, f"/disputes/{d.id}/resolve", decision="upheld", note="mine").status_code == 403
    assert agent.get("/disputes").status_code == 403
    monitor = client_for(env, "ana")  # monitors neither dispute nor resolve
    assert post(monitor, f"/disputes/{d.id}/resolve", decision="upheld", note="x").status_code == 403
    assert post(monitor, "/calls/call-001/acknowledge").status_code == 403
    assert dispute_of(env, "call-001").state == "open"


def test_posts_without_csrf_are_refused(env):
    agent = client_for(env, "aggie")
    assert agent.post("/calls/call-001/acknowledge", data={}).status_code == 403
    assert agent.post("/calls/call-001/disputes", data={"item_id": "dead_air", "reason": "x"}).status_code == 403
    assert agent.post("/calls/call-001/disputes",
                      data={"item_id": "dead_air", "reason": "x", "csrf_token": "forged"}).status_code == 403
    assert dispute_of(env, "call-001") is None
    post(agent, "/calls/call-001/disputes", item_id="dead_air", reason="x")
    lead = client_for(env, "lena")
    d = dispute_of(env, "call-001")
    assert lead.post(f"/disputes/{d.id}/resolve", data={"decision": "upheld", "note": "x"}).status_code == 403
    assert dispute_of(env, "call-001").state == "open"


def test_lead_upholds_auto_fail_dispute_and_score_is_recomputed(env):
    agent = client_for(env, "abel")  # agent A2: call-002 fails recording_disclosure (auto-fail) -> 0 %
    with env["store"].session() as session:
        assert session.get(Call, "call-002").results[-1].percent == 0
    post(agent, "/calls/call-002/disputes", item_id="recording_disclosure", reason="I read the disclosure at 0:05")
    lead = client_for(env, "lena")
    d = dispute_of(env, "call-002")
    assert post(lead, f"/disputes/{d.id}/resolve", decision="upheld", note="").status_code == 400  # note required
    r = post(lead, f"/disputes/{d.id}/resolve", decision="upheld", note="disclosure is there at 0:05")
    assert r.status_code == 303
    d = dispute_of(env, "call-002")
    assert (d.state, d.resolution_note, d.resolved_at is not None) == ("upheld", "disclosure is there at 0:05", True)
    review, outcomes = latest_review(env, "call-002")
    assert outcomes["recording_disclosure"] == "pass" and review.final_percent > 0
    [ev] = events(env, "call-002", "dispute.upheld")
    assert ev.after["outcome"] == "pass" and ev.after["final_percent"] == review.final_percent
    assert events(env, "call-002", "review.submit") and events(env, "call-002", "item.override")
    with env["store"].session() as session:
        assert session.get(Call, "call-002").review_state == "confirmed"
    assert post(lead, f"/disputes/{d.id}/resolve", decision="overturned", note="again").status_code == 400

    # and back: a second dispute, upheld to fail, takes the score to 0 again
    post(agent, "/calls/call-002/disputes", item_id="recording_disclosure", reason="actually I skipped it")
    d2 = dispute_of(env, "call-002")
    assert d2.id != d.id
    post(lead, f"/disputes/{d2.id}/resolve", decision="upheld", note="agent agrees", outcome="fail")
    review2, outcomes2 = latest_review(env, "call-002")
    assert review2.id == review.id  # the lead's review is updated
    assert outcomes2["recording_disclosure"] == "fail" and review2.final_percent == 0


def test_lead_overturns_dispute_outcome_unchanged(env):
    agent = client_for(env, "aggie")
    post(agent, "/calls/call-001/disputes", item_id="dead_air", reason="not that long")
    admin = client_for(env, "adam")
    d = dispute_of(env, "call-001")
    r = post(admin, f"/disputes/{d.id}/resolve", decision="overturned", note="6.5 s of silence is over the limit")
    assert r.status_code == 303
    d = dispute_of(env, "call-001")
    assert (d.state, d.resolution_note) == ("overturned", "6.5 s of silence is over the limit")
    with env["store"].session() as session:
        assert session.scalar(select(Review).where(Review.call_id == "call-001")) is None
        result = session.get(Call, "call-001").results[-1]
        assert {i.item_id: i.outcome for i in result.items}["dead_air"] == "fail"
    [ev] = events(env, "call-001", "dispute.overturned")
    assert ev.after["note"] == "6.5 s of silence is over the limit" and ev.before["outcome"] == "fail"
    assert "No open disputes" in admin.get("/disputes").text
    page = agent.get("/calls/call-001").text
    assert "overturned" in page and "6.5 s of silence is over the limit" in page
