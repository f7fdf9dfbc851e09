"""Training labels from the monitors' reviews (the line format `callscore models train --from-reviews` reads)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from callscore.models.scorecards import card_for
from callscore.store.models import Call, Result
from callscore.store.repository import latest_submitted, usernames


def export_labels(session: Session, default_card: Path) -> Iterator[dict]:
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


def label_lines(session: Session, default_card: Path) -> Iterator[str]:
    """export_labels as JSONL lines (the format `callscore models train --from-reviews` reads)."""
    for row in export_labels(session, default_card):
        yield json.dumps(row, ensure_ascii=False) + "\n"


def write_label_file(session: Session, default_card: Path, target: Path) -> int:
    """label_lines into `target`; returns the count."""
    count = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", encoding="utf-8") as f:
        for line in label_lines(session, default_card):
            f.write(line)
            count += 1
    return count
