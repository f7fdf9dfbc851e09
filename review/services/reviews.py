"""Reviews of a call's current result: the reviewer's own, the newest submitted one, and saving one with a
full audit trail (who, when, before, after) and the scorecard's scoring rules."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from callscore.core import scorecard as scorecards
from callscore.review.errors import Forbidden, ReviewError
from callscore.review.roles import REVIEWERS
from callscore.review.services.calibration import check_rater
from callscore.models.scorecards import card_for
from callscore.store.models import Call, Result, Review, ReviewEvent, ReviewItem, User, utcnow
from callscore.store.repository import current_result
from callscore.store.review_models import CalibrationReview, CalibrationSession

OUTCOMES = ("pass", "fail", "not_applicable")


def review_initial(review: Review | None) -> dict[str, dict]:
    if review is None:
        return {}
    return {item.item_id: {"outcome": item.human_outcome, "reason": item.reason} for item in review.items}


def my_review(session: Session, call_id: str, user: User, result: Result | None,
              calibration: CalibrationSession | None = None) -> Review | None:
    if calibration is not None:
        link = session.scalar(select(CalibrationReview).where(
            CalibrationReview.session_id == calibration.id, CalibrationReview.call_id == call_id,
            CalibrationReview.reviewer_id == user.id))
        return session.get(Review, link.review_id) if link else None
    if result is None:
        return None
    return session.scalar(select(Review).where(
        Review.call_id == call_id, Review.reviewer_id == user.id, Review.result_id == result.id,
        Review.state.in_(("draft", "submitted"))).order_by(Review.id.desc()).limit(1))


def save_review(session: Session, call_id: str, user: User, decisions: dict[str, tuple[str, str]], comments: str,
                submit: bool, default_card: Path, calibration: CalibrationSession | None = None) -> Review:
    """Create or update this reviewer's review of the call's current result. decisions: item -> (human
    outcome, reason); an outcome differing from the machine's is an override and needs a reason. Each
    change is audited (who, when, before, after). Submitting a production review confirms the call;
    a calibration rating changes nothing on the call."""
    if user.role not in REVIEWERS:
        raise Forbidden("only monitors, leads and admins review calls")
    call = session.get(Call, call_id)
    result = current_result(session, call_id) if call else None
    if call is None or result is None:
        raise ReviewError("this call has no result to review")
    if calibration is not None:
        check_rater(session, calibration, user, call_id, writing=True)
    card = card_for(result.scorecard, default_card)
    machine = {item.item_id: item for item in result.items}
    problems = []
    chosen: dict[str, tuple[str, str]] = {}
    for item_id, item in machine.items():
        outcome, reason = decisions.get(item_id, (item.outcome, ""))
        reason = (reason or "").strip()[:2000]
        if outcome not in OUTCOMES:
            problems.append(f"{item_id}: unknown outcome {outcome!r}")
            continue
        if outcome != item.outcome and not reason:
            problems.append(f"{item_id}: give a reason for the override")
        chosen[item_id] = (outcome, reason)
    if problems:
        raise ReviewError("; ".join(problems))
    final = scorecards.score(card, {item_id: outcome for item_id, (outcome, _) in chosen.items()})
    comments = (comments or "").strip()[:10000]

    review = my_review(session, call_id, user, result, calibration)
    now = utcnow()
    events: list[ReviewEvent] = []

    def event(action: str, before, after):
        events.append(ReviewEvent(call_id=call_id, user_id=user.id, at=now, action=action, before=before, after=after))

    target_state = "calibration" if calibration is not None else ("submitted" if submit else "draft")
    if review is None:
        review = Review(call_id=call_id, result_id=result.id, reviewer_id=user.id, comments="", state="draft",
                        final_percent=None)
        session.add(review)
        session.flush()
        event("calibration.rate" if calibration is not None else "review.create", None,
              {"result_id": result.id, "scorecard": card.version_tag,
               "machine_percent": result.percent, **({"calibration_session": calibration.id} if calibration else {})})
        existing = {}
    else:
        existing = {item.item_id: item for item in review.items}
    for item_id, (outcome, reason) in chosen.items():
        action = "confirm" if outcome == machine[item_id].outcome else "override"
        old = existing.get(item_id)
        after = {"item": item_id, "outcome": outcome, "action": action, "reason": reason,
                 "machine_outcome": machine[item_id].outcome}
        if old is None:
            review.items.append(ReviewItem(item_id=item_id, machine_outcome=machine[item_id].outcome,
                                           human_outcome=outcome, action=action, reason=reason))
            if action == "override":
                event("item.override", {"item": item_id, "outcome": machine[item_id].outcome, "by": "machine"}, after)
        elif (old.human_outcome, old.reason) != (outcome, reason):
            event(f"item.{action}", {"item": item_id, "outcome": old.human_outcome, "action": old.action,
                                     "reason": old.reason}, after)
            old.human_outcome, old.action, old.reason = outcome, action, reason
    if comments != (review.comments or ""):
        event("review.comment", {"comments": review.comments or ""}, {"comments": comments})
        review.comments = comments
    before = {"state": review.state, "final_percent": review.final_percent}
    review.final_percent = final["percent"]
    review.state = target_state if not (review.state == "submitted" and target_state == "draft") else "submitted"
    review.updated_at = now
    after = {"state": review.state, "final_percent": review.final_percent, "auto_failed": final["auto_failed"],
             "items": {item_id: outcome for item_id, (outcome, _) in chosen.items()}}
    if calibration is not None:
        if before != {"state": review.state, "final_percent": review.final_percent} or events:
            event("calibration.submit", before, after)
        link = session.scalar(select(CalibrationReview).where(CalibrationReview.review_id == review.id))
        if link is None:
            session.add(CalibrationReview(session_id=calibration.id, call_id=call_id, reviewer_id=user.id,
                                          review_id=review.id, submitted_at=now))
        else:
            link.submitted_at = now
    else:
        if submit:
            event("review.submit", before, after)
        elif before != {"state": review.state, "final_percent": review.final_percent}:
            event("review.save", before, after)
        new_state = "confirmed" if review.state == "submitted" else (
            "in_review" if call.review_state in ("provisional", "to_review") else call.review_state)
        if new_state != call.review_state:
            event("call.state", {"review_state": call.review_state}, {"review_state": new_state})
            call.review_state = new_state
    for e in events:
        e.review_id = review.id
        session.add(e)
    session.flush()
    return review
