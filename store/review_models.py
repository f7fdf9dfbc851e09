"""Tables the review app adds beside the results store: calibration sessions (a lead picks calls, several
raters score them blind). Same declarative Base as store/models.py, created by migration 0002_review_calibration.

A calibration rating is an ordinary `reviews` row (with its `review_items` and audited `review_events`) whose
state is 'calibration', linked to its session here: it never changes the call's review_state and never
stands as the call's human verdict (repository.reviewed_outcomes only reads state 'submitted').
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callscore.store.models import Base, utcnow

CALIBRATION_STATES = ("open", "closed")


class CalibrationSession(Base):
    __tablename__ = "calibration_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")  # one of CALIBRATION_STATES
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()


class CalibrationCall(Base):
    __tablename__ = "calibration_calls"
    __table_args__ = (UniqueConstraint("session_id", "call_id", name="uq_calibration_calls"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("calibration_sessions.id", ondelete="CASCADE"), index=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)


class CalibrationRater(Base):
    __tablename__ = "calibration_raters"
    __table_args__ = (UniqueConstraint("session_id", "user_id", name="uq_calibration_raters"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("calibration_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class CalibrationReview(Base):
    """One rater's scoring of one call in a session (the review row holds the item outcomes)."""
    __tablename__ = "calibration_reviews"
    __table_args__ = (UniqueConstraint("session_id", "call_id", "reviewer_id", name="uq_calibration_reviews"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("calibration_sessions.id", ondelete="CASCADE"), index=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), unique=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
