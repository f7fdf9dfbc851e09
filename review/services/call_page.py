"""What a call's page shows: the machine's and the human verdicts per scorecard item, the transcript with
redactions masked, scores, the audit trail, and where a calibration rater goes next."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from callscore.core import scorecard as scorecards
from callscore.review.roles import LEADS, REVIEWERS
from callscore.review.services import disputes
from callscore.review.services.calibration import check_rater, session_calls
from callscore.review.services.calls import get_call
from callscore.review.services.reviews import my_review, review_initial
from callscore.models.scorecards import card_for, card_matches
from callscore.store.models import ItemResult, Redaction, Result, ReviewEvent, User
from callscore.store.repository import current_result, latest_submitted, usernames
from callscore.store.review_models import CalibrationReview, CalibrationSession


def call_page(session: Session, call_id: str, user: User, calibration: CalibrationSession | None,
              default_card: Path) -> dict | None:
    """The call page's context, or None when the store has no such call or this user may not see it."""
    call = get_call(session, call_id, user)
    if call is None:
        return None
    if calibration is not None:
        check_rater(session, calibration, user, call_id)
    result = current_result(session, call_id)
    card = card_for(result.scorecard if result else None, default_card)
    document = result.document if result is not None else None
    mine = my_review(session, call_id, user, result, calibration) if user.role != "agent" else None
    latest = latest_submitted(session, [call_id]).get(call_id) if calibration is None else None
    start_from = mine or latest
    items = item_rows(card, result, review_initial(start_from))
    human_score = scorecards.score(card, {i["id"]: i["human_outcome"] for i in items}) \
        if start_from is not None else None
    machine_score = (document or {}).get("score") or ({"percent": result.percent, "points": result.points,
                                                       "max_points": result.max_points,
                                                       "auto_failed": result.auto_failed} if result else None)
    redactions = list(session.scalars(select(Redaction).where(Redaction.call_id == call_id)))
    names = usernames(session)
    duration = call.duration_s or ((document or {}).get("audio") or {}).get("duration_s") or 0
    transcript_file = ((document or {}).get("audio") or {}).get("transcript")  # {format, timed} or None
    if calibration is not None:
        neighbours = [row["call"].id for row in session_calls(session, calibration, user)]
    else:
        neighbours = []
    return {"call": call, "result": result, "document": document, "card": card,
            "card_exact": card_matches(card, result.scorecard if result else None),
            "items": items, "segments": transcript(document, redactions),
            "dead_air": (document or {}).get("dead_air") or [], "holds": (document or {}).get("holds") or [],
            "duration": duration, "machine_score": machine_score, "human_score": human_score,
            "my_review": mine, "latest": latest, "latest_by": names.get(latest.reviewer_id) if latest else None,
            "audit": [] if calibration is not None else audit_trail(session, call_id, user),
            "calibration": calibration, "can_review": user.role in REVIEWERS and result is not None
            and (calibration is None or calibration.status == "open"),
            "weights": {i.id: {"w": i.weight, "af": i.auto_fail} for i in card.items},
            # a call scored from a transcript file has nothing to play
            "has_audio": call.purged_at is None and not transcript_file, "transcript": transcript_file,
            "talk": (document or {}).get("talk") or {},
            "next_call": _next_of(neighbours, call_id), **disputes.call_extras(session, call_id, user)}


def keep_entered(context: dict, decisions: dict[str, tuple[str, str]]) -> None:
    """A refused form shows again with what the reviewer entered, not the saved verdicts."""
    for item in context["items"]:
        if item["id"] in decisions:
            item["human_outcome"], item["reason"] = decisions[item["id"]]
            item["overridden"] = item["human_outcome"] != item["machine_outcome"]


def _next_of(ids: list[str], current: str) -> str | None:
    if current in ids and ids.index(current) + 1 < len(ids):
        return ids[ids.index(current) + 1]
    return None


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


def _calibration_review_ids(session: Session) -> set[int]:
    return set(session.scalars(select(CalibrationReview.review_id)))


def audit_trail(session: Session, call_id: str, user: User) -> list[dict]:
    """Every change people made to this call's reviews, newest first. Calibration ratings are shown only
    to leads and admins (monitors rate blind)."""
    calibration_ids = _calibration_review_ids(session)
    hidden = set() if user.role in LEADS else calibration_ids
    names = usernames(session)
    events = session.scalars(select(ReviewEvent).where(ReviewEvent.call_id == call_id)
                             .order_by(ReviewEvent.at.desc(), ReviewEvent.id.desc())).all()
    return [{"at": e.at, "who": names.get(e.user_id, "?"), "action": e.action, "before": e.before, "after": e.after,
             "review_id": e.review_id, "calibration": e.review_id in calibration_ids}
            for e in events if e.review_id not in hidden]


