"""Reading and writing the store. Plain functions over a Session; the caller owns the transaction
(the flows commit once per result, so a killed run loses at most the call it was on)."""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from packaging.version import InvalidVersion, Version
from sqlalchemy import String, and_, cast, delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, defer

from callscore.store.call_info import known_meta
from callscore.store.models import (Call, ItemResult, Quarantine, Redaction, Result, Review, ReviewEvent, ReviewItem,
                                    Run, User, utcnow)

CALL_FIELDS = ("agent_id", "team", "call_time", "queue", "campaign", "meta")  # from sidecar / file name
VERSION_KEYS = ("asr_model", "classifier", "scorecard")  # with call_id + sha256: what makes a result unique


def dialect_insert(session: Session):
    """INSERT with ON CONFLICT for the dialect in use (both spell it the same way)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


# ---- results ---------------------------------------------------------------------------------

def store_result(session: Session, document: dict, source: str, call_info: dict | None = None,
                 run_id: int | None = None) -> int | None:
    """Store one callscore.result/1 document as the call's current result. Returns the new result id,
    or None when this recording was already stored with the same versions (a rerun or a race).
    Never touches reviews; a call nobody has reviewed yet goes to_review when its result has flags.
    The columns analytics groups by are analytics.metrics.store_result's to fill: use that one to store."""
    insert = dialect_insert(session)
    call_id, audio = document["call_id"], document["audio"]
    call_values = {"id": call_id, "source_path": source, "sha256": document["sha256"],
                   "duration_s": audio.get("duration_s"), "channels": audio.get("channels"),
                   "sample_rate": audio.get("sample_rate")}
    call_values |= {k: v for k, v in (call_info or {}).items() if k in CALL_FIELDS and v is not None}
    if "meta" in call_values:  # whoever the caller, only known fields (a sidecar may carry card numbers)
        call_values["meta"] = known_meta(call_values["meta"])
    upsert = insert(Call).values(call_values | {"filed_at": call_values.get("call_time") or utcnow()})
    # Upserting the call row first also locks it (PostgreSQL), so concurrent writers of one call queue here
    # and the is_current update below always sees the other's result.
    session.execute(upsert.on_conflict_do_update(
        index_elements=["id"], set_={k: upsert.excluded[k] for k in call_values if k != "id"}
        | {"updated_at": utcnow(), "filed_at": func.coalesce(upsert.excluded.call_time, Call.filed_at)}))

    score, versions = document["score"], document["versions"]
    new_result = insert(Result).values(
        call_id=call_id, run_id=run_id, sha256=document["sha256"], callscore_version=versions["callscore"],
        **{k: versions[k] for k in VERSION_KEYS}, percent=score["percent"], points=score["points"],
        max_points=score["max_points"], auto_failed=score["auto_failed"], flags=document["flags"],
        document=document, is_current=True)
    result_id = session.execute(new_result.on_conflict_do_nothing(
        index_elements=["call_id", "sha256", *VERSION_KEYS]).returning(Result.id)).scalar()
    if result_id is None:
        return None
    session.execute(insert(ItemResult), [
        {"result_id": result_id, "item_id": item_id, "outcome": check["outcome"],
         "confidence": check["confidence"], "evidence": check["evidence"]}
        for item_id, check in document["checks"].items()])
    session.execute(update(Result).where(Result.call_id == call_id, Result.id != result_id).values(is_current=False))
    session.execute(update(Call).where(Call.id == call_id, Call.review_state.in_(("provisional", "to_review")))
                    .values(review_state="to_review" if document["flags"] else "provisional"))
    session.execute(delete(Quarantine).where(Quarantine.path == source))  # it scores now
    return result_id


def scored_keys(session: Session, versions: dict) -> set[tuple[str, str]]:
    """(call_id, sha256) of every recording already scored with these model/classifier/scorecard versions."""
    query = select(Result.call_id, Result.sha256).where(*(getattr(Result, k) == versions[k] for k in VERSION_KEYS))
    return {(call_id, sha256) for call_id, sha256 in session.execute(query)}


def current_result(session: Session, call_id: str) -> Result | None:
    return session.scalar(select(Result).where(Result.call_id == call_id, Result.is_current))


# ---- quarantine and runs -----------------------------------------------------------------------

def quarantine(session: Session, path: str, sha256: str, reason: str) -> None:
    upsert = dialect_insert(session)(Quarantine).values(path=path, sha256=sha256, reason=reason)
    session.execute(upsert.on_conflict_do_update(index_elements=["path"], set_={
        "sha256": sha256, "reason": reason, "last_seen": utcnow(), "attempts": Quarantine.attempts + 1}))


def quarantined(session: Session) -> dict[str, str]:
    """path -> sha256 of the quarantined content."""
    return {path: sha256 for path, sha256 in session.execute(select(Quarantine.path, Quarantine.sha256))}


def start_run(session: Session, kind: str, parameters: dict, flow_run_id: str | None = None) -> int:
    """A new run, recorded with this host and process so that a later run can tell it was killed."""
    abandon_dead_runs(session)
    owner = {"host": socket.gethostname(), "pid": os.getpid()}
    run = Run(kind=kind, parameters=parameters | {"owner": owner}, flow_run_id=flow_run_id)
    session.add(run)
    session.flush()
    return run.id


def abandon_dead_runs(session: Session) -> list[int]:
    """Runs still 'running' whose process on this host is gone (killed, crashed) become 'abandoned'."""
    dead = []
    for run in session.scalars(select(Run).where(Run.status == "running")):
        owner = (run.parameters or {}).get("owner") or {}
        if owner.get("host") == socket.gethostname() and owner.get("pid") and not _alive(owner["pid"]):
            dead.append(run.id)
    if dead:
        session.execute(update(Run).where(Run.id.in_(dead)).values(status="abandoned", finished_at=utcnow()))
    return dead


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def finish_run(session: Session, run_id: int, counts: dict, status: str = "completed") -> None:
    session.execute(update(Run).where(Run.id == run_id).values(
        status=status, finished_at=utcnow(), **{k: counts[k] for k in ("scored", "skipped", "failed", "flagged")}))


# ---- selecting calls (reprocess, list, export) -------------------------------------------------

@dataclass
class Selection:
    """Which stored calls to reprocess; every given criterion must hold."""
    calls: list[str] | None = None
    since: datetime | None = None  # on call_time, or when the call was first stored if unknown
    until: datetime | None = None  # exclusive
    agent: str | None = None
    failed_item: str | None = None  # the current result failed this item
    scored_with: str | None = None  # the current result used this ASR model, classifier or scorecard (prefix)
    older_than_version: str | None = None  # the current result came from a callscore release before this


def parse_day(text: str | None, end: bool = False) -> datetime | None:
    """'2026-11-01' or an ISO time; a bare date as `end` means up to the end of that day."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment + timedelta(days=1) if end and len(text) <= 10 else moment


def select_calls(session: Session, selection: Selection) -> list[Call]:
    query = (select(Call, Result.callscore_version)
             .outerjoin(Result, and_(Result.call_id == Call.id, Result.is_current))
             .where(Call.purged_at.is_(None)).order_by(Call.id))
    when = Call.filed_at
    if selection.calls:
        query = query.where(Call.id.in_(selection.calls))
    if selection.since:
        query = query.where(when >= selection.since)
    if selection.until:
        query = query.where(when < selection.until)
    if selection.agent:
        query = query.where(Call.agent_id == selection.agent)
    if selection.failed_item:
        query = query.where(exists().where(ItemResult.result_id == Result.id, ItemResult.outcome == "fail",
                                           ItemResult.item_id == selection.failed_item))
    if selection.scored_with:
        value = selection.scored_with
        query = query.where(or_(Result.asr_model == value, Result.classifier == value,
                                Result.scorecard.startswith(value, autoescape=True)))
    rows = session.execute(query).all()
    if selection.older_than_version:  # version order is not string order, so compare here
        limit = Version(selection.older_than_version)
        rows = [row for row in rows if row.callscore_version and _older(row.callscore_version, limit)]
    return [row.Call for row in rows]


def _older(version: str, limit: Version) -> bool:
    try:
        return Version(version) < limit
    except InvalidVersion:
        return True


def flagged_with(wanted: str):
    """SQL: the result carries the flag; 'auto_fail' matches 'auto_fail:recording_disclosure'. Flags are a JSON list
    of strings, so the quoted name (followed by its closing quote or a colon) appears in the JSON text."""
    text = cast(Result.flags, String)
    return or_(text.contains(f'"{wanted}"', autoescape=True), text.contains(f'"{wanted}:', autoescape=True))


def has_flags():
    """SQL: the result carries any flag."""
    return and_(Result.id.is_not(None), cast(Result.flags, String).not_in(("[]", "null")))


def list_calls(session: Session, flag: str | None = None, state: str | None = None, agent: str | None = None,
               limit: int | None = None) -> list[dict]:
    """One row per call with its current score, newest first."""
    query = (select(Call, Result).outerjoin(Result, and_(Result.call_id == Call.id, Result.is_current))
             .options(defer(Result.document)).order_by(Call.filed_at.desc(), Call.id).limit(limit))
    if state:
        query = query.where(Call.review_state == state)
    if agent:
        query = query.where(Call.agent_id == agent)
    if flag:
        query = query.where(flagged_with(flag))
    return [_call_row(call, result) for call, result in session.execute(query)]


def _call_row(call: Call, result: Result | None) -> dict:
    return {"call_id": call.id, "call_time": call.call_time.isoformat() if call.call_time else None,
            "agent_id": call.agent_id, "team": call.team, "queue": call.queue, "campaign": call.campaign,
            "duration_s": call.duration_s, "state": call.review_state,
            "percent": result.percent if result else None,
            "auto_failed": result.auto_failed if result else None,
            "flags": result.flags if result else [],
            "scorecard": result.scorecard if result else None,
            "scored_at": result.created_at.isoformat() if result else None,
            "source_path": call.source_path}


def call_detail(session: Session, call_id: str) -> dict | None:
    """The call, its current result document, every result version and the human reviews."""
    call = session.get(Call, call_id)
    if call is None:
        return None
    current = current_result(session, call_id)
    versions = [{"result_id": r.id, "created_at": r.created_at.isoformat(), "is_current": r.is_current,
                 "percent": r.percent, "callscore": r.callscore_version,
                 **{k: getattr(r, k) for k in VERSION_KEYS}} for r in call.results]
    reviews = session.scalars(select(Review).where(Review.call_id == call_id).order_by(Review.id)).all()
    return _call_row(call, current) | {
        "sha256": call.sha256, "meta": call.meta, "result": current.document if current else None,
        "versions": versions,
        "reviews": [{"review_id": r.id, "result_id": r.result_id, "reviewer_id": r.reviewer_id, "state": r.state,
                     "final_percent": r.final_percent, "comments": r.comments} for r in reviews],
        "reviewed_items": reviewed_outcomes(session, call_id)}


def export_rows(session: Session) -> list[dict]:
    """Flat rows for analysts: one per call, its current score, and one `item_<id>` column per item."""
    rows = {row["call_id"]: row | {"flags": ",".join(row["flags"])} for row in list_calls(session)}
    items = session.execute(select(Result.call_id, ItemResult.item_id, ItemResult.outcome)
                            .join(ItemResult, ItemResult.result_id == Result.id).where(Result.is_current))
    for call_id, item_id, outcome in items:
        rows[call_id][f"item_{item_id}"] = outcome
    return list(rows.values())


# ---- users and reviews (the review app builds on these) ----------------------------------------

def add_user(session: Session, username: str, password_hash: str, role: str, agent_id: str | None = None) -> User:
    user = User(username=username, password_hash=password_hash, role=role, agent_id=agent_id)
    session.add(user)
    session.flush()
    return user


def save_review(session: Session, call_id: str, reviewer_id: int, decisions: dict[str, tuple[str, str]],
                comments: str = "", submit: bool = False, final_percent: float | None = None) -> Review:
    """A review of the call's current result: decisions maps item -> (human outcome, reason); items not
    in it are confirmed as the machine had them. Audited; moves the call to in_review / confirmed."""
    result = current_result(session, call_id)
    review = Review(call_id=call_id, result_id=result.id, reviewer_id=reviewer_id, comments=comments,
                    state="submitted" if submit else "draft", final_percent=final_percent)
    for item in result.items:
        human, reason = decisions.get(item.item_id, (item.outcome, ""))
        review.items.append(ReviewItem(item_id=item.item_id, machine_outcome=item.outcome, human_outcome=human,
                                       action="confirm" if human == item.outcome else "override", reason=reason))
    session.add(review)
    session.flush()
    session.add(ReviewEvent(review_id=review.id, call_id=call_id, user_id=reviewer_id,
                            action="review.submit" if submit else "review.create", before=None,
                            after={"state": review.state, "final_percent": final_percent,
                                   "items": {i.item_id: i.human_outcome for i in review.items}}))
    session.execute(update(Call).where(Call.id == call_id).values(review_state="confirmed" if submit else "in_review"))
    return review


def reviewed_outcomes(session: Session, call_id: str) -> dict[str, dict]:
    """For a call with a submitted review: per item what the reviewer decided (it stands), and the newest
    machine outcome beside it where that differs from the human one (None where they agree)."""
    review = session.scalar(select(Review).where(Review.call_id == call_id, Review.state == "submitted")
                            .order_by(Review.id.desc()).limit(1))
    if review is None:
        return {}
    current = current_result(session, call_id)
    newest = {item.item_id: item.outcome for item in current.items} if current else {}
    return {item.item_id: {
        "human_outcome": item.human_outcome, "action": item.action, "reason": item.reason,
        "machine_outcome_at_review": item.machine_outcome,
        "newest_machine_outcome": newest.get(item.item_id) if newest.get(item.item_id) != item.human_outcome else None,
        "newest_result_id": current.id if current else None,
    } for item in review.items}


def stored_redactions(session: Session, call_id: str) -> list[dict]:
    """What to cover in a stored call's audio: the current result's redactions and any added by hand."""
    result = current_result(session, call_id)
    found = list(((result.document or {}).get("redactions") or []) if result is not None else [])
    return found + [{"type": r.kind, "start": r.start_s, "end": r.end_s}
                    for r in session.scalars(select(Redaction).where(Redaction.call_id == call_id))]


def latest_submitted(session: Session, call_ids: list[str]) -> dict[str, Review]:
    """call_id -> its newest submitted (production) review."""
    if not call_ids:
        return {}
    reviews = session.scalars(select(Review).where(Review.call_id.in_(call_ids), Review.state == "submitted")
                              .order_by(Review.id)).all()
    return {review.call_id: review for review in reviews}


def usernames(session: Session) -> dict[int, str]:
    return dict(session.execute(select(User.id, User.username)).all())
