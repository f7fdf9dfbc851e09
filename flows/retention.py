"""Retention: after `retention_days`, remove what holds the callers' words and keep what QA needs.

A call is due once its call time (or, if unknown, when it was first stored) is older than the limit. For each
due call, in its own transaction: every result document not yet purged is cut down to `purged_document`
(score, item outcomes and confidences, flags, versions, timing intervals and the redaction intervals, which
keep served audio covered; no transcript, no evidence quotes, no check details), item rows lose their
evidence quotes, results.purged_at is set, the call's derived (redacted) audio is deleted and a review_events
row (action 'retention.purge', no user) records what was removed. Reviews, review items, scores and item
outcomes are left as they are. Source recordings are the site's to keep or delete; this does not touch them.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from prefect import flow
from sqlalchemy import select, update

from callscore.core.result import ResultDocument
from callscore.audio.redacted_copy import delete_derived, derived_files
from callscore.settings import Settings
from callscore.store import Store, open_store
from callscore.store.models import Call, ItemResult, Result, ReviewEvent, utcnow

REMOVED = ["transcript", "evidence_text", "check_details", "derived_audio"]


def purged_document(document: dict, at: datetime) -> dict:
    """The document without words: no segments, roles, evidence quotes, check details or timings. Scores,
    outcomes and confidences, flags, versions, the script's steps and every interval stay (the redactions'
    keep served audio covered)."""
    result = ResultDocument.model_validate(document)
    checks = {item: check.model_copy(update={"evidence": [], "detail": {}}) for item, check in result.checks.items()}
    return result.model_copy(update={"roles": None, "segments": [], "checks": checks, "timings": {},
                                     "purged_at": at.isoformat()}).to_json()


def due_calls(session, cutoff: datetime) -> list[tuple[str, list[int]]]:
    """(call id, ids of its results not yet purged) for every call older than the cutoff."""
    when = Call.filed_at  # call_time, else when first stored
    pending: dict[str, list[int]] = {}
    for call_id, result_id in session.execute(
            select(Result.call_id, Result.id).join(Call, Call.id == Result.call_id)
            .where(when < cutoff, Result.purged_at.is_(None)).order_by(Result.id)):
        pending.setdefault(call_id, []).append(result_id)
    calls = session.scalars(select(Call.id).where(when < cutoff).order_by(Call.id))
    return [(call_id, pending.get(call_id, [])) for call_id in calls]


def purge(store: Store, settings: Settings, days: int | None = None, dry_run: bool = False,
          now: datetime | None = None) -> dict:
    """Apply the retention policy (or, with dry_run, only report what it would remove). Returns a summary."""
    days = days or settings.retention_days
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    summary = {"days": days, "cutoff": cutoff.isoformat(), "dry_run": dry_run, "calls": [], "results": 0,
               "derived_files": 0}
    with store.session() as session:
        due = due_calls(session, cutoff)
    for call_id, result_ids in due:
        files = len(derived_files(settings.home, call_id))
        if not result_ids and not files:
            continue  # purged before, nothing new since
        summary["calls"].append(call_id)
        summary["results"] += len(result_ids)
        summary["derived_files"] += files
        if dry_run:
            continue
        with store.session() as session, session.begin():
            _purge_results(session, result_ids, now)
            session.add(ReviewEvent(call_id=call_id, action="retention.purge", before={"result_ids": result_ids},
                                    after={"removed": REMOVED, "derived_files": files, "retention_days": days,
                                           "cutoff": cutoff.isoformat()}))
            delete_derived(settings.home, call_id)  # last: if the commit fails it is made again on demand
    return summary


def _purge_results(session, result_ids: list[int], now: datetime) -> None:
    for result in session.scalars(select(Result).where(Result.id.in_(result_ids))):
        result.document = purged_document(result.document, now) if result.document else None
        result.purged_at = now
    session.execute(update(ItemResult).where(ItemResult.result_id.in_(result_ids)).values(evidence=[]))


def render(summary: dict) -> str:
    verb = "would purge" if summary["dry_run"] else "purged"
    lines = [f"retention {summary['days']} days (calls before {summary['cutoff'][:19]}): {verb} "
             f"{summary['results']} results and {summary['derived_files']} derived audio files "
             f"of {len(summary['calls'])} calls"]
    return "\n".join(lines + [f"  {call_id}" for call_id in summary["calls"]])


@flow(name="retention")
def retention(days: int | None = None, dry_run: bool = False) -> dict:
    """Remove transcripts, evidence text and derived audio of calls older than `days` (default: the
    retention_days setting); scores, item outcomes and reviews stay. dry_run only reports."""
    settings = Settings.from_env()
    return purge(open_store(settings), settings, days, dry_run)
