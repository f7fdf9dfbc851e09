"""The results store's tables. Migrations in store/migrations must match these (alembic check).

Times are naive UTC (call_time is as the recording system gave it). Results are append-only per
version set: reprocessing adds rows, `is_current` marks the newest; reviews point at the result
they were made against and nothing but the review app writes them.
"""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

Json = JSON().with_variant(JSONB(), "postgresql")

REVIEW_STATES = ("provisional", "to_review", "in_review", "confirmed")  # calls.review_state
ROLES = ("monitor", "lead", "admin", "agent")
RUN_KINDS = ("nightly", "reprocess", "manual")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict: Json, list: Json, datetime: DateTime()}


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # one of ROLES
    agent_id: Mapped[str | None] = mapped_column(String(80))  # for role 'agent': whose calls they may see
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # In every session cookie; logout and a password change raise it, which ends all the user's sessions.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Call(Base):
    __tablename__ = "calls"
    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # call_id: the recording's file stem
    source_path: Mapped[str] = mapped_column(Text)  # local path or fsspec URL
    sha256: Mapped[str] = mapped_column(String(64))  # content of the newest scored recording
    duration_s: Mapped[float | None] = mapped_column(Float)
    channels: Mapped[int | None] = mapped_column(Integer)
    sample_rate: Mapped[int | None] = mapped_column(Integer)
    agent_id: Mapped[str | None] = mapped_column(String(80), index=True)
    team: Mapped[str | None] = mapped_column(String(80), index=True)
    call_time: Mapped[datetime | None] = mapped_column(index=True)
    queue: Mapped[str | None] = mapped_column(String(80))
    campaign: Mapped[str | None] = mapped_column(String(80))
    meta: Mapped[dict] = mapped_column(default=dict)  # any other sidecar fields
    review_state: Mapped[str] = mapped_column(String(16), default="provisional", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    purged_at: Mapped[datetime | None] = mapped_column()  # audio deleted under retention
    # When analytics files the call: call_time, else when it was first stored. A plain indexed column so period
    # filters on 100,000s of calls are index range scans (store_result keeps it up to date).
    filed_at: Mapped[datetime | None] = mapped_column(index=True)

    results: Mapped[list[Result]] = relationship(back_populates="call", order_by="Result.id")


class Run(Base):
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # one of RUN_KINDS
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | completed | failed | abandoned (its process died)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    parameters: Mapped[dict] = mapped_column(default=dict)
    scored: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    flagged: Mapped[int] = mapped_column(default=0)
    flow_run_id: Mapped[str | None] = mapped_column(String(64))  # Prefect's id, to find its logs


class Result(Base):
    __tablename__ = "results"
    __table_args__ = (
        # The same recording is never scored twice with the same versions: a rerun's insert is a no-op.
        UniqueConstraint("call_id", "sha256", "asr_model", "classifier", "scorecard", name="uq_results_versions"),
        Index("ix_results_call_current", "call_id", "is_current"),
        # Covering indexes for analytics: aggregates over many results never read the (large) document row.
        Index("ix_results_current_scores", "call_id", "is_current", "percent", "auto_failed", "scorecard"),
        Index("ix_results_id_current", "id", "is_current", "call_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    callscore_version: Mapped[str] = mapped_column(String(32))
    asr_model: Mapped[str] = mapped_column(String(255))
    classifier: Mapped[str] = mapped_column(String(255))
    scorecard: Mapped[str] = mapped_column(String(255))  # name@version#digest
    percent: Mapped[float | None] = mapped_column(Float)  # None when no item applied
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    auto_failed: Mapped[bool] = mapped_column(Boolean)
    flags: Mapped[list] = mapped_column(default=list)
    document: Mapped[dict | None] = mapped_column()  # the callscore.result/1 JSON; None once purged
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    purged_at: Mapped[datetime | None] = mapped_column()  # transcript/evidence removed under retention

    call: Mapped[Call] = relationship(back_populates="results")
    items: Mapped[list[ItemResult]] = relationship(back_populates="result", cascade="all, delete-orphan",
                                                   order_by="ItemResult.id")


class ItemResult(Base):
    __tablename__ = "item_results"
    # No index leading with item_id: SQLite would walk it to group by item, probing every result instead of
    # starting from the (date-filtered) calls, which made item fail rates 20x slower on 100,000 calls.
    __table_args__ = (UniqueConstraint("result_id", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(16))  # pass | fail | not_applicable
    confidence: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list] = mapped_column(default=list)
    # Script steps only (None for other items): True when the step came before a step the script puts first.
    out_of_order: Mapped[bool | None] = mapped_column(Boolean)

    result: Mapped[Result] = relationship(back_populates="items")


class Review(Base):
    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), index=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id"))  # the machine verdict it was made against
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="draft")  # draft | submitted
    final_percent: Mapped[float | None] = mapped_column(Float)
    comments: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    items: Mapped[list[ReviewItem]] = relationship(back_populates="review", cascade="all, delete-orphan",
                                                   order_by="ReviewItem.id")


class ReviewItem(Base):
    __tablename__ = "review_items"
    __table_args__ = (UniqueConstraint("review_id", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(80))
    machine_outcome: Mapped[str] = mapped_column(String(16))
    human_outcome: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))  # confirm | override
    reason: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[Review] = relationship(back_populates="items")


class ReviewEvent(Base):
    """Audit trail: every change a person makes, with the state before and after."""
    __tablename__ = "review_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"), index=True)
    call_id: Mapped[str | None] = mapped_column(String(255), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(40))  # e.g. review.create, item.override, review.submit
    before: Mapped[dict | None] = mapped_column()
    after: Mapped[dict | None] = mapped_column()


class Quarantine(Base):
    """Recordings that could not be scored; the nightly run skips them until their content changes."""
    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(Text, unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=1)


class Redaction(Base):
    """A stretch of a call hidden from transcripts/audio (PII); applied when rendering or purging."""
    __tablename__ = "redactions"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), index=True)
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(40))  # e.g. card_number, date_of_birth
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
