"""Agent feedback loop (issue 8): on their own call page an agent acknowledges the scorecard or disputes one
item with a reason; leads and admins resolve each dispute as upheld (the item's outcome changes in the lead's
submitted review, scored by reviews.save_review) or overturned (the outcome stays), with a note. Every action is
audited in review_events."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from callscore.review.errors import Forbidden, ReviewError
from callscore.review.roles import LEADS
from callscore.review.services.calls import get_call
from callscore.review.services.reviews import OUTCOMES, my_review, review_initial, save_review
from callscore.store.dispute_models import Acknowledgement, Dispute
from callscore.store.models import Call, ReviewEvent, User, utcnow
from callscore.store.repository import current_result, latest_submitted, usernames

FLIP = {"pass": "fail", "fail": "pass"}


def _own_call(session: Session, call_id: str, user: User) -> Call:
    """The call, if this user is its agent; Forbidden otherwise (whatever the reason)."""
    if user.role != "agent":
        raise Forbidden("only the call's agent can acknowledge or dispute it")
    call = get_call(session, call_id, user)
    if call is None or call.agent_id != user.agent_id:
        raise Forbidden("agents act only on their own calls")
    return call


def _audit(session: Session, call_id: str, user: User, action: str, before, after) -> None:
    session.add(ReviewEvent(call_id=call_id, user_id=user.id, at=utcnow(), action=action, before=before, after=after))


def acknowledge(session: Session, call_id: str, user: User) -> Acknowledgement:
    _own_call(session, call_id, user)
    result = current_result(session, call_id)
    if result is None:
        raise ReviewError("this call has no scorecard to acknowledge")
    ack = session.scalar(select(Acknowledgement).where(Acknowledgement.call_id == call_id,
                                                       Acknowledgement.result_id == result.id))
    if ack is not None:
        return ack
    ack = Acknowledgement(call_id=call_id, result_id=result.id, acknowledged_by=user.id, acknowledged_at=utcnow())
    session.add(ack)
    _audit(session, call_id, user, "agent.acknowledge", None,
           {"result_id": result.id, "acknowledged_at": ack.acknowledged_at.isoformat()})
    session.flush()
    return ack


def current_outcomes(session: Session, call_id: str) -> dict[str, tuple[str, str]]:
    """item -> (outcome, reason) as the call stands: the latest submitted review, else the machine's verdict."""
    result = current_result(session, call_id)
    machine = {item.item_id: (item.outcome, "") for item in result.items} if result else {}
    latest = latest_submitted(session, [call_id]).get(call_id)
    if latest is not None and latest.result_id == (result.id if result else None):
        return machine | {k: (v["outcome"], v["reason"]) for k, v in review_initial(latest).items()}
    return machine


def open_dispute(session: Session, call_id: str, user: User, item_id: str, reason: str) -> Dispute:
    _own_call(session, call_id, user)
    result = current_result(session, call_id)
    if result is None or item_id not in {item.item_id for item in result.items}:
        raise ReviewError("no such scorecard item on this call")
    reason = (reason or "").strip()[:2000]
    if not reason:
        raise ReviewError("give a reason for the dispute")
    if session.scalar(select(Dispute.id).where(Dispute.call_id == call_id, Dispute.item_id == item_id,
                                               Dispute.state == "open")):
        raise ReviewError("this item already has an open dispute")
    outcome = current_outcomes(session, call_id)[item_id][0]
    dispute = Dispute(call_id=call_id, result_id=result.id, item_id=item_id, agent_user_id=user.id, reason=reason,
                      state="open", resolution_note="", created_at=utcnow())
    session.add(dispute)
    session.flush()
    _audit(session, call_id, user, "dispute.open", {"item": item_id, "outcome": outcome},
           {"dispute": dispute.id, "item": item_id, "reason": reason})
    session.flush()
    return dispute


def resolve(session: Session, dispute_id: int, user: User, decision: str, note: str, default_card: Path,
            outcome: str | None = None) -> Dispute:
    """Upheld: the disputed item takes `outcome` (default: pass <-> fail) in this lead's submitted review,
    every other item as the call stands; scored by reviews.save_review. Overturned: nothing changes."""
    if user.role not in LEADS:
        raise Forbidden("only leads and admins resolve disputes")
    dispute = session.get(Dispute, dispute_id)
    if dispute is None:
        raise ReviewError("no such dispute")
    if dispute.state != "open":
        raise ReviewError("this dispute is already resolved")
    if decision not in ("upheld", "overturned"):
        raise ReviewError("resolve as upheld or overturned")
    note = (note or "").strip()[:2000]
    if not note:
        raise ReviewError("give a resolution note")
    decisions = current_outcomes(session, dispute.call_id)
    before_outcome = decisions.get(dispute.item_id, ("", ""))[0]
    after = {"dispute": dispute.id, "item": dispute.item_id, "state": decision, "note": note}
    if decision == "upheld":
        new = outcome or FLIP.get(before_outcome)
        if new not in OUTCOMES or new == before_outcome:
            raise ReviewError("choose the item's new outcome")
        decisions[dispute.item_id] = (new, f"dispute #{dispute.id} upheld: {note}")
        mine = my_review(session, dispute.call_id, user, current_result(session, dispute.call_id))
        review = save_review(session, dispute.call_id, user, decisions, mine.comments if mine else "", True,
                             default_card)
        after |= {"outcome": new, "review_id": review.id, "final_percent": review.final_percent}
    dispute.state, dispute.resolver_id, dispute.resolution_note, dispute.resolved_at = decision, user.id, note, utcnow()
    _audit(session, dispute.call_id, user, f"dispute.{decision}", {"item": dispute.item_id, "outcome": before_outcome,
                                                                   "state": "open"}, after)
    session.flush()
    return dispute


def call_extras(session: Session, call_id: str, user: User) -> dict:
    """What the call page shows of acknowledgement and disputes."""
    result = current_result(session, call_id)
    ack = session.scalar(select(Acknowledgement).where(Acknowledgement.call_id == call_id,
                                                       Acknowledgement.result_id == (result.id if result else None)))
    disputes = list(session.scalars(select(Dispute).where(Dispute.call_id == call_id).order_by(Dispute.id)))
    return {"acknowledgement": ack, "disputes": disputes,
            "open_disputes": {d.item_id: d for d in disputes if d.state == "open"},
            "can_dispute": user.role == "agent" and result is not None}


def open_disputes(session: Session) -> list[dict]:
    names = usernames(session)
    rows = session.execute(select(Dispute, Call).join(Call, Call.id == Dispute.call_id)
                           .where(Dispute.state == "open").order_by(Dispute.created_at, Dispute.id)).all()
    return [{"d": d, "call": c, "agent": names.get(d.agent_user_id, "?"),
             "outcome": current_outcomes(session, d.call_id).get(d.item_id, ("?", ""))[0]} for d, c in rows]


def recent_resolved(session: Session, limit: int = 20) -> list[dict]:
    names = usernames(session)
    rows = session.scalars(select(Dispute).where(Dispute.state != "open")
                           .order_by(Dispute.resolved_at.desc(), Dispute.id.desc()).limit(limit))
    return [{"d": d, "agent": names.get(d.agent_user_id, "?"), "resolver": names.get(d.resolver_id, "?")} for d in rows]
