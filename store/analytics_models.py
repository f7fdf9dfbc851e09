"""Tables the analytics package adds beside the results store (same Base, created by migrations 0003_analytics and
0005_telephony): talk metrics per result as plain columns (so SQL can group them), review samples, QA targets, the
action items a breached target opens, coaching sessions, and the telephony system's call records."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callscore.store.models import Base, utcnow

COMPARATORS = (">=", ">", "<=", "<")
ACTION_STATES = ("open", "resolved")


class CallMetrics(Base):
    """Talk metrics of one stored result, filled when the result is stored (analytics.metrics.record)."""
    __tablename__ = "call_metrics"
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id", ondelete="CASCADE"), primary_key=True)
    handle_s: Mapped[float | None] = mapped_column(Float)
    hold_s: Mapped[float | None] = mapped_column(Float)
    hold_count: Mapped[int | None] = mapped_column(Integer)
    dead_air_share: Mapped[float | None] = mapped_column(Float)
    overtalk_s: Mapped[float | None] = mapped_column(Float)
    agent_talk_share: Mapped[float | None] = mapped_column(Float)
    longest_monologue_s: Mapped[float | None] = mapped_column(Float)


class ReviewSample(Base):
    """A call drawn at random for review in its agent's week (besides the flagged calls)."""
    __tablename__ = "review_samples"
    __table_args__ = (UniqueConstraint("week", "call_id", name="uq_review_samples"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(String(8), index=True)  # ISO week, 2026-W47
    agent_id: Mapped[str] = mapped_column(String(80))
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), index=True)
    seed: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Target(Base):
    """A QA lead's target for a team (team None: the whole centre), judged per ISO week."""
    __tablename__ = "qa_targets"
    id: Mapped[int] = mapped_column(primary_key=True)
    team: Mapped[str | None] = mapped_column(String(80))
    metric: Mapped[str] = mapped_column(String(40))  # one of analytics.targets.METRICS
    comparator: Mapped[str] = mapped_column(String(2))  # one of COMPARATORS: what meeting the target means
    threshold: Mapped[float] = mapped_column(Float)
    min_calls: Mapped[int] = mapped_column(Integer, default=10)  # fewer calls in the week: not judged
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActionItem(Base):
    """Opened when a target is breached in a week; stays open until a lead records the action taken."""
    __tablename__ = "action_items"
    __table_args__ = (UniqueConstraint("target_id", "week", name="uq_action_items"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("qa_targets.id"), index=True)
    week: Mapped[str] = mapped_column(String(8))
    value: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # one of ACTION_STATES
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    action_taken: Mapped[str] = mapped_column(Text, default="")
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column()


class CoachingSession(Base):
    __tablename__ = "coaching_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(80), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    items: Mapped[list] = mapped_column(default=list)  # item ids coached
    notes: Mapped[str] = mapped_column(Text, default="")
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TelephonyCall(Base):
    """One call as the telephony system (ACD) saw it: imported from its CSV export or a recording's sidecar.
    Abandoned calls have no recording, so this is its own table; call_id links the recording when there is one."""
    __tablename__ = "telephony_calls"
    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # the telephony system's call id
    call_id: Mapped[str | None] = mapped_column(String(255), index=True)  # the recording's call_id, if recorded
    started_at: Mapped[datetime] = mapped_column(index=True)  # when the call entered the queue
    agent_id: Mapped[str | None] = mapped_column(String(80), index=True)
    team: Mapped[str | None] = mapped_column(String(80), index=True)
    queue: Mapped[str | None] = mapped_column(String(80))
    campaign: Mapped[str | None] = mapped_column(String(80))
    answered: Mapped[bool] = mapped_column(Boolean)  # False: the caller hung up in the queue (abandoned)
    wait_s: Mapped[float | None] = mapped_column(Float)  # time in the queue, until answered or abandoned
    transfers: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[bool | None] = mapped_column(Boolean)  # first-contact resolution, where the system knows it
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
