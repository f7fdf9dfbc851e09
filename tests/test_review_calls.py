"""A call's page and saving reviews (routes/calls.py, services/reviews.py, services/call_page.py): overrides
need reasons, scores recompute with auto-fail, every change is audited; the scorecard of a result is found."""
import json
import re

import pytest
from sqlalchemy import select

from callscore.review.errors import ReviewError
from callscore.models.scorecards import card_for
from callscore.store import repository as repo
from callscore.store.models import Call, Review, ReviewEvent
from review_helpers import DEFAULT_CARD, client_for, csrf_of, save, user


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


def test_call_page_says_when_an_item_was_judged_with_a_built_in_behaviours_trained_head(env):
    from callscore.store.models import Result

    with env["store"].session() as session, session.begin():
        result = session.scalars(select(Result).where(Result.call_id == "call-001")).first()
        document = json.loads(json.dumps(result.document))
        document["checks"]["closing"]["detail"]["trained_head"] = "apologises"
        result.document = document
    html = client_for(env, "ana").get("/calls/call-001").text
    note = re.search(r'<div class="small muted trained-head">.*?</div>', html, re.S).group(0)
    assert "apologises" in note
    assert html.count('class="small muted trained-head"') == 1


def test_call_page_gives_the_score_an_item_was_judged_by_against_its_bar(env):
    """A pass at 0.35 reads as a pass only beside the bar it cleared (0.3 on a call e5 judged)."""
    from callscore.store.models import Result

    with env["store"].session() as session, session.begin():
        result = session.scalars(select(Result).where(Result.call_id == "call-001")).first()
        document = json.loads(json.dumps(result.document))
        document["checks"]["ownership"]["detail"] = {"best_score": 0.352, "bar": 0.3, "said": True}
        result.document = document
    html = client_for(env, "ana").get("/calls/call-001").text
    bars = re.findall(r'<div class="small muted bar">(.*?)</div>', html, re.S)
    assert "strongest sentence scored 0.35; a sentence counts from 0.30" in bars


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
    from callscore.models import scorecards

    v2 = scorecards.load(other)
    card = card_for(v2.version_tag, other.parent / "default.yaml")
    assert card.version == "2.0"
    assert card_for("Nope@9#00000000", DEFAULT_CARD).version == "1.0"
