"""Training labels from confirmed reviews, for leads (what `callscore models train --from-reviews` reads)."""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from callscore.review.deps import DefaultCard, Lead, StoreDep
from callscore.store.review_labels import label_lines

router = APIRouter()


@router.get("/export/labels.jsonl")
def export_label_file(_lead: Lead, store: StoreDep, default_card: DefaultCard) -> Response:
    with store.session() as session:
        body = "".join(label_lines(session, default_card))
    return Response(body, media_type="application/x-ndjson",
                    headers={"Content-Disposition": 'attachment; filename="review_labels.jsonl"'})
