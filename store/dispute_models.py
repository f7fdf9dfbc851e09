"""Agent feedback tables (issue 8): an agent acknowledges a scored call, or disputes one item of it; a lead
or admin resolves a dispute as upheld (the item's outcome changes in the lead's submitted review) or
overturned (the outcome stays). Same declarative Base as store/models.py, created by migration 0004_disputes.
Every action is also audited in review_events."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callscore.store.models import Base, utcnow

DISPUTE_STATES = ("open", "upheld", "overturned")


class Dispute(Base):
    __tablename__ = "disputes"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), index=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id"))  # the machine verdict disputed
    item_id: Mapped[str] = mapped_column(String(80))
    agent_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)  # one of DISPUTE_STATES
    resolver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column()


class Acknowledgement(Base):
    """An agent's acknowledgement of a call's scorecard (one per call and result)."""
    __tablename__ = "acknowledgements"
    __table_args__ = (UniqueConstraint("call_id", "result_id", name="uq_acknowledgements"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), index=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id"))
    acknowledged_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime] = mapped_column(default=utcnow)
