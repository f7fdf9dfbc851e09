"""Calibration sessions: several raters rate the same calls blind; who rates what, and the sessions' lists."""
from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from callscore.review.errors import Forbidden, ReviewError
from callscore.review.roles import LEADS, REVIEWERS
from callscore.store.models import Call, ReviewEvent, User, utcnow
from callscore.store.review_models import CalibrationCall, CalibrationRater, CalibrationReview, CalibrationSession


def find_session(session: Session, session_id: int) -> CalibrationSession:
    calibration = session.get(CalibrationSession, session_id)
    if calibration is None:
        raise Forbidden("no such calibration session")
    return calibration


def session_for(session: Session, session_id: int, user: User) -> CalibrationSession:
    """The session, if this user leads (any session) or rates in it."""
    calibration = find_session(session, session_id)
    if user.role not in LEADS:
        check_rater(session, calibration, user)
    return calibration


def check_rater(session: Session, calibration: CalibrationSession, user: User, call_id: str | None = None,
                writing: bool = False) -> None:
    is_rater = session.scalar(select(CalibrationRater.id).where(CalibrationRater.session_id == calibration.id,
                                                                CalibrationRater.user_id == user.id)) is not None
    if not is_rater:
        raise Forbidden("you are not a rater in this calibration session")
    if call_id is not None and session.scalar(select(CalibrationCall.id).where(
            CalibrationCall.session_id == calibration.id, CalibrationCall.call_id == call_id)) is None:
        raise Forbidden("this call is not in the calibration session")
    if writing and calibration.status != "open":
        raise ReviewError("this calibration session is closed")


def create_session(session: Session, user: User, name: str, call_ids: list[str], rater_ids: list[int],
                       notes: str = "") -> CalibrationSession:
    if user.role not in LEADS:
        raise Forbidden("only leads and admins create calibration sessions")
    name = (name or "").strip()[:120]
    call_ids = list(dict.fromkeys(c for c in call_ids if c))
    rater_ids = list(dict.fromkeys(rater_ids))
    if not name:
        raise ReviewError("give the session a name")
    if not call_ids:
        raise ReviewError("pick at least one call")
    if len(rater_ids) < 2:
        raise ReviewError("pick at least two raters")
    known = set(session.scalars(select(Call.id).where(Call.id.in_(call_ids))))
    if missing := [c for c in call_ids if c not in known]:
        raise ReviewError(f"unknown calls: {', '.join(missing[:5])}")
    raters = set(session.scalars(select(User.id).where(User.id.in_(rater_ids), User.active,
                                                      User.role.in_(REVIEWERS))))
    if len(raters) < 2:
        raise ReviewError("pick at least two raters (monitors, leads or admins)")
    calibration = CalibrationSession(name=name, notes=(notes or "").strip()[:5000], created_by=user.id)
    session.add(calibration)
    session.flush()
    for position, call_id in enumerate(call_ids):
        session.add(CalibrationCall(session_id=calibration.id, call_id=call_id, position=position))
    for rater in rater_ids:
        if rater in raters:
            session.add(CalibrationRater(session_id=calibration.id, user_id=rater))
    session.add(ReviewEvent(call_id=None, user_id=user.id, action="calibration.create", before=None,
                            after={"session": calibration.id, "name": name, "calls": call_ids,
                                   "raters": sorted(raters)}))
    session.flush()
    return calibration


def list_sessions(session: Session, user: User) -> list[dict]:
    query = select(CalibrationSession).order_by(CalibrationSession.id.desc())
    if user.role not in LEADS:
        query = query.where(exists().where(CalibrationRater.session_id == CalibrationSession.id,
                                           CalibrationRater.user_id == user.id))
    out = []
    for calibration in session.scalars(query):
        calls = session.scalar(select(func.count()).where(CalibrationCall.session_id == calibration.id))
        raters = session.scalar(select(func.count()).where(CalibrationRater.session_id == calibration.id))
        done = session.scalar(select(func.count()).where(CalibrationReview.session_id == calibration.id))
        mine = session.scalar(select(func.count()).where(CalibrationReview.session_id == calibration.id,
                                                         CalibrationReview.reviewer_id == user.id))
        out.append({"session": calibration, "calls": calls, "raters": raters, "ratings": done,
                    "expected": calls * raters, "mine": mine})
    return out


def session_calls(session: Session, calibration: CalibrationSession, user: User) -> list[dict]:
    rows = session.execute(select(CalibrationCall, Call).join(Call, Call.id == CalibrationCall.call_id)
                           .where(CalibrationCall.session_id == calibration.id).order_by(CalibrationCall.position))
    mine = {link.call_id: link for link in session.scalars(select(CalibrationReview).where(
        CalibrationReview.session_id == calibration.id, CalibrationReview.reviewer_id == user.id))}
    counts = dict(session.execute(select(CalibrationReview.call_id, func.count()).where(
        CalibrationReview.session_id == calibration.id).group_by(CalibrationReview.call_id)).all())
    return [{"call": call, "rated": call.id in mine, "ratings": counts.get(call.id, 0)} for _, call in rows]


def session_raters(session: Session, calibration: CalibrationSession) -> list[User]:
    return list(session.scalars(select(User).join(CalibrationRater, CalibrationRater.user_id == User.id)
                                .where(CalibrationRater.session_id == calibration.id).order_by(User.username)))


def close_or_reopen(session: Session, calibration: CalibrationSession, user: User) -> None:
    reopen = calibration.status == "closed"
    calibration.status = "open" if reopen else "closed"
    calibration.closed_at = None if reopen else utcnow()
    session.add(ReviewEvent(user_id=user.id, action="calibration.reopen" if reopen else "calibration.close",
                            before={"session": calibration.id}, after={"status": calibration.status}))
