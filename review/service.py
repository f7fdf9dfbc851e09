"""What the review app reads and writes, on top of store/repository.py: the queue, a call's page data,
saving reviews with a full audit trail, calibration sessions, agreement reports and label export.
Plain functions over a Session; the caller owns the transaction."""
from __future__ import annotations

import functools
import json
from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session, defer

from callscore.core import scorecard as scorecards
from callscore.models.scorecards import load as load_scorecard
from callscore.pipeline.transcript_input import is_transcript_file
from callscore.settings import REPO_ROOT
from callscore.store.models import (REVIEW_STATES, Call, ItemResult, Redaction, Result, Review, ReviewEvent,
                                    ReviewItem, User, utcnow)
from callscore.store.repository import current_result, flagged_with, has_flags
from callscore.store.review_models import CalibrationCall, CalibrationRater, CalibrationReview, CalibrationSession
from callscore.review import inputs, stats

OUTCOMES = ("pass", "fail", "not_applicable")
FLAG_NAMES = ("auto_fail", "low_confidence", "dead_air", "deflection", "role_uncertain", "order_violation", "no_speech",
              "do_not_call", "sampled")
QUEUE_LIMIT = 500


class ReviewError(ValueError):
    """A review that cannot be saved as given (message shown to the reviewer)."""


class Forbidden(PermissionError):
    pass


# ---- scorecards ----------------------------------------------------------------------------------

@functools.cache
def _load_card(path: str, mtime: float) -> scorecards.Scorecard | None:
    try:
        return load_scorecard(path)
    except (ValueError, OSError):
        return None


def _cards(default: Path) -> list[tuple[Path, scorecards.Scorecard]]:
    folders = dict.fromkeys([Path(default).parent, REPO_ROOT / "scorecards"])
    paths = dict.fromkeys([Path(default)] + [p for folder in folders if folder.is_dir()
                                            for p in sorted(folder.glob("*.y*ml"))])
    found = []
    for path in paths:
        if path.is_file():
            card = _load_card(str(path), path.stat().st_mtime)
            if card is not None:
                found.append((path, card))
    return found


def card_for(tag: str | None, default: Path) -> scorecards.Scorecard:
    """The scorecard whose version tag (name@version#digest8) the result was scored with; the same
    name@version when the file has been edited since; else the default scorecard."""
    cards = _cards(default)
    if tag:
        for _, card in cards:
            if card.version_tag == tag:
                return card
        for _, card in cards:
            if tag.split("#")[0] == f"{card.name}@{card.version}":
                return card
    for path, card in cards:
        if path == Path(default):
            return card
    return load_scorecard(default)


def card_matches(card: scorecards.Scorecard, tag: str | None) -> bool:
    return bool(tag) and card.version_tag == tag


# ---- the queue -----------------------------------------------------------------------------------

@dataclass
class QueueFilters:
    agent: str = ""
    team: str = ""
    since: str = ""
    until: str = ""
    failed_item: str = ""
    flag: str = ""
    confidence_below: str = ""
    state: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, params) -> "QueueFilters":
        return cls(**{f.name: (params.get(f.name) or "").strip()[:200] for f in fields(cls)})

    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def without(self, name: str) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != name and getattr(self, f.name)}


def visible_calls(query, user: User):
    """Agents see only their own calls."""
    if user.role == "agent":
        return query.where(Call.agent_id == (user.agent_id or "\0no-agent"))
    return query


def queue(session: Session, filters: QueueFilters, user: User) -> dict:
    """The calls to review: flagged first, then auto-failed, newest first; counted and ordered in the database, so
    a store of 100,000s of calls loads only the QUEUE_LIMIT rows shown (without their documents)."""
    base = visible_calls(select(Call.id).select_from(Call)
                         .outerjoin(Result, and_(Result.call_id == Call.id, Result.is_current)), user)
    if filters.agent:
        base = base.where(Call.agent_id == filters.agent)
    if filters.team:
        base = base.where(Call.team == filters.team)
    if filters.q:
        base = base.where(Call.id.contains(filters.q, autoescape=True))
    since, until = inputs.day(filters.since, "since"), inputs.day(filters.until, "until", end=True)
    if since:
        base = base.where(Call.filed_at >= since)
    if until:
        base = base.where(Call.filed_at < until)
    if filters.failed_item:
        base = base.where(exists().where(ItemResult.result_id == Result.id, ItemResult.outcome == "fail",
                                         ItemResult.item_id == filters.failed_item))
    if filters.confidence_below:
        below = inputs.number(filters.confidence_below, "confidence_below")
        base = base.where(exists().where(ItemResult.result_id == Result.id, ItemResult.confidence < below,
                                         ItemResult.outcome != "not_applicable"))
    if filters.flag:
        base = base.where(flagged_with(filters.flag))
    counts = {state: 0 for state in REVIEW_STATES}
    counts |= dict(session.execute(base.with_only_columns(Call.review_state, func.count()).group_by(Call.review_state)).all())
    flagged = session.scalar(base.with_only_columns(func.count()).where(has_flags()))
    total_before_state = sum(counts.values())
    if filters.state:
        base = base.where(Call.review_state == filters.state)
    matching = counts.get(filters.state, 0) if filters.state else total_before_state
    shown = session.execute(base.with_only_columns(Call, Result).options(defer(Result.document))
                            .order_by(case((has_flags(), 0), else_=1), case((Result.auto_failed, 0), else_=1),
                                      Call.filed_at.desc(), Call.id).limit(QUEUE_LIMIT)).all()
    result_ids = [row.Result.id for row in shown if row.Result is not None]
    item_stats = {rid: (low, fails) for rid, low, fails in session.execute(
        select(ItemResult.result_id,
               func.min(ItemResult.confidence).filter(ItemResult.outcome != "not_applicable"),
               func.count().filter(ItemResult.outcome == "fail"))
        .where(ItemResult.result_id.in_(result_ids)).group_by(ItemResult.result_id))} if result_ids else {}
    human = latest_submitted(session, [row.Call.id for row in shown])
    out = []
    for row in shown:
        call, result = row.Call, row.Result
        low, fails = item_stats.get(result.id, (None, 0)) if result else (None, 0)
        review = human.get(call.id)
        out.append({"call_id": call.id, "call_time": call.call_time, "agent_id": call.agent_id, "team": call.team,
                    "duration_s": call.duration_s, "state": call.review_state,
                    "percent": result.percent if result else None, "auto_failed": result.auto_failed if result else False,
                    "flags": (result.flags or []) if result else [], "lowest_confidence": low, "fails": fails,
                    "human_percent": review.final_percent if review else None, "purged": call.purged_at is not None})
    return {"rows": out, "counts": counts, "flagged": flagged, "total": total_before_state, "matching": matching,
            "truncated": matching > QUEUE_LIMIT}


def queue_choices(session: Session, user: User) -> dict:
    agents = session.scalars(visible_calls(select(Call.agent_id).distinct(), user).where(Call.agent_id.is_not(None))
                             .order_by(Call.agent_id)).all()
    teams = session.scalars(visible_calls(select(Call.team).distinct(), user).where(Call.team.is_not(None))
                            .order_by(Call.team)).all()
    items = session.scalars(select(ItemResult.item_id).distinct().order_by(ItemResult.item_id)).all()
    return {"agents": agents, "teams": teams, "item_ids": items, "flags": FLAG_NAMES, "states": REVIEW_STATES}


def latest_submitted(session: Session, call_ids: list[str]) -> dict[str, Review]:
    """call_id -> its newest submitted (production) review."""
    if not call_ids:
        return {}
    reviews = session.scalars(select(Review).where(Review.call_id.in_(call_ids), Review.state == "submitted")
                              .order_by(Review.id)).all()
    return {review.call_id: review for review in reviews}


# ---- one call ------------------------------------------------------------------------------------

def get_call(session: Session, call_id: str, user: User) -> Call | None:
    call = session.get(Call, call_id)
    if call is None or (user.role == "agent" and (not user.agent_id or call.agent_id != user.agent_id)):
        return None
    return call


def audio_path(session: Session, call_id: str, user: User) -> tuple[Path, str] | None:
    """(path, sha256) of the recording the store holds for this call (never a path from the request), if local.
    The path is only where to look: recordings.open_checked serves it only if its content is that hash."""
    call = get_call(session, call_id, user)
    if call is None or call.purged_at is not None or not call.source_path:
        return None
    source = call.source_path
    if source.startswith("file://"):
        source = source[len("file://"):]
    elif "://" in source:
        return None  # remote (fsspec) recordings are not streamed by the review app
    if is_transcript_file(source):
        return None  # scored from a transcript: no recording, and the unredacted file must never be served
    return Path(source), call.sha256


def transcript(document: dict | None, redactions: list[Redaction]) -> list[dict]:
    """Segments with words for the page; words inside a redacted stretch are masked."""
    if not document:
        return []
    spans = [(r.start_s, r.end_s, r.kind) for r in redactions]

    def masked(start, end):
        return next((kind for s, e, kind in spans if start < e and end > s), None)

    segments = []
    for index, segment in enumerate(document.get("segments") or []):
        words = segment.get("words") or []
        if not words:  # no word times: the segment is one clickable unit
            words = [{"start": segment["start"], "end": segment["end"], "text": segment.get("text", "")}]
        shown = []
        for word in words:
            kind = masked(word["start"], word["end"])
            shown.append({"start": word["start"], "end": word["end"],
                          "text": f"[{kind}]" if kind else word["text"].strip(), "redacted": bool(kind)})
        segments.append({"index": index, "speaker": segment.get("speaker", "unknown"), "start": segment["start"],
                         "end": segment["end"], "words": shown})
    return segments


def item_rows(card: scorecards.Scorecard, result: Result | None, initial: dict[str, dict]) -> list[dict]:
    """The scorecard's items with the machine verdict and the form's starting values."""
    checks = (result.document or {}).get("checks", {}) if result is not None else {}
    machine = {item.item_id: item for item in result.items} if result is not None else {}
    rows, seen = [], set()
    silences = [{"start": i["start"], "end": i["end"], "speaker": "silence",
                 "text": f"{i['end'] - i['start']:.1f} s of silence"}
                for i in ((result.document or {}).get("dead_air") or [] if result is not None else [])]
    for section in card.sections:
        for item in section.items:
            seen.add(item.id)
            row = _item_row(item.id, item.title, section.title, item.weight, item.auto_fail, item.kind,
                            machine.get(item.id), checks.get(item.id, {}), initial.get(item.id))
            if item.kind == "dead_air" and not row["evidence"]:
                row["evidence"] = silences  # the intervals are the evidence: click to listen
            rows.append(row)
    for item_id, item in machine.items():  # scored with items the scorecard no longer has
        if item_id not in seen:
            rows.append(_item_row(item_id, item_id, "Not on this scorecard", 0.0, False, "phrase", item,
                                  checks.get(item_id, {}), initial.get(item_id)))
    return rows


def _item_row(item_id, title, section, weight, auto_fail, kind, machine: ItemResult | None, check: dict,
              initial: dict | None) -> dict:
    outcome = machine.outcome if machine else "not_applicable"
    initial = initial or {"outcome": outcome, "reason": ""}
    return {"id": item_id, "title": title, "section": section, "weight": weight, "auto_fail": auto_fail,
            "kind": kind, "machine_outcome": outcome, "confidence": machine.confidence if machine else None,
            "evidence": (machine.evidence if machine else []) or [], "detail": check.get("detail") or {},
            "human_outcome": initial["outcome"], "reason": initial.get("reason", ""),
            "overridden": initial["outcome"] != outcome}


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


def calibration_review_ids(session: Session) -> set[int]:
    return set(session.scalars(select(CalibrationReview.review_id)))


def audit_trail(session: Session, call_id: str, user: User) -> list[dict]:
    """Every change people made to this call's reviews, newest first. Calibration ratings are shown only
    to leads and admins (monitors rate blind)."""
    calibration_ids = calibration_review_ids(session)
    hidden = set() if user.role in ("lead", "admin") else calibration_ids
    names = dict(session.execute(select(User.id, User.username)).all())
    events = session.scalars(select(ReviewEvent).where(ReviewEvent.call_id == call_id)
                             .order_by(ReviewEvent.at.desc(), ReviewEvent.id.desc())).all()
    return [{"at": e.at, "who": names.get(e.user_id, "?"), "action": e.action, "before": e.before, "after": e.after,
             "review_id": e.review_id, "calibration": e.review_id in calibration_ids}
            for e in events if e.review_id not in hidden]


def usernames(session: Session) -> dict[int, str]:
    return dict(session.execute(select(User.id, User.username)).all())


# ---- saving a review -----------------------------------------------------------------------------

def score_outcomes(card: scorecards.Scorecard, outcomes: dict[str, str]) -> dict:
    return scorecards.score(card, outcomes)


def save_review(session: Session, call_id: str, user: User, decisions: dict[str, tuple[str, str]], comments: str,
                submit: bool, default_card: Path, calibration: CalibrationSession | None = None) -> Review:
    """Create or update this reviewer's review of the call's current result. decisions: item -> (human
    outcome, reason); an outcome differing from the machine's is an override and needs a reason. Each
    change is audited (who, when, before, after). Submitting a production review confirms the call;
    a calibration rating changes nothing on the call."""
    if user.role not in ("monitor", "lead", "admin"):
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
    final = score_outcomes(card, {item_id: outcome for item_id, (outcome, _) in chosen.items()})
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


# ---- calibration ---------------------------------------------------------------------------------

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


def create_calibration(session: Session, user: User, name: str, call_ids: list[str], rater_ids: list[int],
                       notes: str = "") -> CalibrationSession:
    if user.role not in ("lead", "admin"):
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
                                                      User.role.in_(("monitor", "lead", "admin")))))
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


def calibration_sessions(session: Session, user: User) -> list[dict]:
    query = select(CalibrationSession).order_by(CalibrationSession.id.desc())
    if user.role not in ("lead", "admin"):
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


def calibration_calls(session: Session, calibration: CalibrationSession, user: User) -> list[dict]:
    rows = session.execute(select(CalibrationCall, Call).join(Call, Call.id == CalibrationCall.call_id)
                           .where(CalibrationCall.session_id == calibration.id).order_by(CalibrationCall.position))
    mine = {link.call_id: link for link in session.scalars(select(CalibrationReview).where(
        CalibrationReview.session_id == calibration.id, CalibrationReview.reviewer_id == user.id))}
    counts = dict(session.execute(select(CalibrationReview.call_id, func.count()).where(
        CalibrationReview.session_id == calibration.id).group_by(CalibrationReview.call_id)).all())
    return [{"call": call, "rated": call.id in mine, "ratings": counts.get(call.id, 0)} for _, call in rows]


def calibration_raters(session: Session, calibration: CalibrationSession) -> list[User]:
    return list(session.scalars(select(User).join(CalibrationRater, CalibrationRater.user_id == User.id)
                                .where(CalibrationRater.session_id == calibration.id).order_by(User.username)))


def calibration_report(session: Session, calibration: CalibrationSession, default_card: Path) -> dict:
    links = session.scalars(select(CalibrationReview).where(CalibrationReview.session_id == calibration.id)).all()
    reviews = {r.id: r for r in session.scalars(select(Review).where(Review.id.in_([l.review_id for l in links])))}
    names = usernames(session)
    raters = calibration_raters(session, calibration)
    calls = [row["call"] for row in calibration_calls(session, calibration, raters[0] if raters else None)] \
        if raters else []
    # labels[item][call][rater] = outcome
    labels: dict[str, dict[str, dict[int, str]]] = defaultdict(lambda: defaultdict(dict))
    machine: dict[str, dict[str, str]] = defaultdict(dict)
    percents: dict[str, dict[int, float | None]] = defaultdict(dict)
    for link in links:
        review = reviews[link.review_id]
        percents[link.call_id][link.reviewer_id] = review.final_percent
        for item in review.items:
            labels[item.item_id][link.call_id][link.reviewer_id] = item.human_outcome
            machine[item.item_id][link.call_id] = item.machine_outcome
    card = None
    if calls:
        result = current_result(session, calls[0].id)
        card = card_for(result.scorecard if result else None, default_card)
    order = [item.id for item in card.items] if card else []
    titles = {item.id: item.title for item in card.items} if card else {}
    item_ids = [i for i in order if i in labels] + sorted(i for i in labels if i not in order)
    rater_ids = [r.id for r in raters]
    per_item, pooled = [], []
    for item_id in item_ids:
        subjects = [list(by_rater.values()) for by_rater in labels[item_id].values()]
        pooled.extend(subjects)
        per_item.append({"item": item_id, "title": titles.get(item_id, item_id),
                         "subjects": sum(1 for s in subjects if len(s) >= 2),
                         "agreement": stats.pairwise_agreement(subjects),
                         "fleiss": stats.fleiss_kappa(subjects),
                         "cohen": _mean_cohen(labels[item_id], rater_ids),
                         "unanimous": sum(1 for s in subjects if len(s) >= 2 and len(set(s)) == 1)})
    overall = {"agreement": stats.pairwise_agreement(pooled), "fleiss": stats.fleiss_kappa(pooled),
               "cohen": _mean_cohen({f"{c}|{i}": labels[i][c] for i in labels for c in labels[i]}, rater_ids),
               "subjects": sum(1 for s in pooled if len(s) >= 2)}
    overall["label"] = stats.kappa_label(overall["cohen"] if len(rater_ids) == 2 else overall["fleiss"])
    pairs = []
    pooled_by_subject = {f"{c}|{i}": labels[i][c] for i in labels for c in labels[i]}
    for index, a in enumerate(rater_ids):
        for b in rater_ids[index + 1:]:
            both = [s for s in pooled_by_subject.values() if a in s and b in s]
            pairs.append({"a": names.get(a), "b": names.get(b), "n": len(both),
                          "kappa": stats.cohen_kappa([s[a] for s in both], [s[b] for s in both]) if both else None,
                          "agreement": (sum(s[a] == s[b] for s in both) / len(both)) if both else None})
    rater_rows = []
    for rater in raters:
        mine = [(i, c, s[rater.id]) for i in labels for c, s in labels[i].items() if rater.id in s]
        agree_machine = [outcome == machine[i][c] for i, c, outcome in mine]
        rater_rows.append({"name": rater.username, "calls": sum(1 for c in percents if rater.id in percents[c]),
                           "machine_agreement": (sum(agree_machine) / len(agree_machine)) if agree_machine else None})
    score_rows = [{"call": call, "percents": [percents.get(call.id, {}).get(r) for r in rater_ids],
                   "rated": [r in percents.get(call.id, {}) for r in rater_ids]} for call in calls]
    for row in score_rows:
        values = [p for p, rated in zip(row["percents"], row["rated"]) if rated and p is not None]
        row["spread"] = (max(values) - min(values)) if len(values) >= 2 else None
    return {"per_item": per_item, "overall": overall, "pairs": pairs, "raters": rater_rows,
            "rater_names": [r.username for r in raters], "scores": score_rows, "ratings": len(links),
            "expected": len(calls) * len(raters)}


def _mean_cohen(by_subject: dict[str, dict[int, str]], rater_ids: list[int]) -> float | None:
    """Cohen's kappa for two raters; the mean over rater pairs (Light's kappa) for more."""
    kappas = []
    for index, a in enumerate(rater_ids):
        for b in rater_ids[index + 1:]:
            both = [s for s in by_subject.values() if a in s and b in s]
            if both:
                kappa = stats.cohen_kappa([s[a] for s in both], [s[b] for s in both])
                if kappa is not None:
                    kappas.append(kappa)
    return sum(kappas) / len(kappas) if kappas else None


def machine_agreement(session: Session, default_card: Path) -> dict:
    """Per item, over every call's newest submitted review: how often the human kept the machine's outcome,
    and Cohen's kappa between machine and human."""
    reviews = latest_submitted(session, list(session.scalars(select(Review.call_id).where(
        Review.state == "submitted").distinct())))
    pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for review in reviews.values():
        for item in review.items:
            pairs[item.item_id].append((item.machine_outcome, item.human_outcome))
    card = card_for(None, default_card)
    order = [item.id for item in card.items]
    titles = {item.id: item.title for item in card.items}
    rows = []
    for item_id in [i for i in order if i in pairs] + sorted(i for i in pairs if i not in order):
        both = pairs[item_id]
        rows.append({"item": item_id, "title": titles.get(item_id, item_id), "n": len(both),
                     "agreement": sum(m == h for m, h in both) / len(both),
                     "overrides": sum(m != h for m, h in both),
                     "kappa": stats.cohen_kappa([m for m, _ in both], [h for _, h in both]),
                     "fp": sum(m == "pass" and h == "fail" for m, h in both),
                     "fn": sum(m == "fail" and h == "pass" for m, h in both)})
    everything = [pair for item_pairs in pairs.values() for pair in item_pairs]
    overall = {"n": len(everything), "calls": len(reviews),
               "agreement": (sum(m == h for m, h in everything) / len(everything)) if everything else None,
               "kappa": stats.cohen_kappa([m for m, _ in everything], [h for _, h in everything]) if everything else None}
    return {"rows": rows, "overall": overall}


# ---- label export --------------------------------------------------------------------------------

def export_labels(session: Session, default_card: Path):
    """Training lines from confirmed calls' newest submitted reviews: one per evidence quote of each
    phrase item the reviewer judged. `items` holds the behaviour when the human says it happened (a
    passed phrase item, a failed absent_phrase item). Items without a quote (nothing to learn from),
    not_applicable ones and dead-air items are left out."""
    confirmed = list(session.scalars(select(Call.id).where(Call.review_state == "confirmed").order_by(Call.id)))
    reviews = latest_submitted(session, confirmed)
    names = usernames(session)
    for call_id in confirmed:
        review = reviews.get(call_id)
        if review is None:
            continue
        result = session.get(Result, review.result_id)
        if result is None or result.purged_at is not None:
            continue
        card = card_for(result.scorecard, default_card)
        kinds = {item.id: item for item in card.items}
        evidence = {item.item_id: item.evidence or [] for item in result.items}
        for item in review.items:
            spec = kinds.get(item.item_id)
            if spec is None or spec.kind == "dead_air" or item.human_outcome == "not_applicable":
                continue
            happened = item.human_outcome == ("pass" if spec.kind == "phrase" else "fail")
            behaviour = spec.behaviour or spec.id
            seen = set()
            for quote in evidence.get(item.item_id, []):
                text = (quote.get("text") or "").strip()
                if not text or text in seen:
                    continue
                seen.add(text)
                yield {"text": text, "items": [behaviour] if happened else [], "group": call_id, "source": "review",
                       "reviewer": names.get(review.reviewer_id, "?"), "item": item.item_id,
                       "label": item.human_outcome}


def write_label_file(session: Session, default_card: Path, target: Path) -> int:
    """export_labels as JSONL (the line format `callscore models train --from-reviews` reads); returns the count."""
    count = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", encoding="utf-8") as f:
        for row in export_labels(session, default_card):
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(User.active).order_by(User.username)))


def parse_when(value) -> datetime | None:
    return value if isinstance(value, datetime) else None
