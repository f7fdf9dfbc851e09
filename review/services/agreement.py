"""Agreement reports: between a calibration session's raters (percent agreement, Cohen's and Fleiss' kappa),
and between the machine and the humans' submitted reviews."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from callscore.review import stats
from callscore.review.services.calibration import session_calls, session_raters
from callscore.models.scorecards import card_for
from callscore.store.models import Review
from callscore.store.repository import current_result, latest_submitted, usernames
from callscore.store.review_models import CalibrationReview, CalibrationSession


def calibration_report(session: Session, calibration: CalibrationSession, default_card: Path) -> dict:
    links = session.scalars(select(CalibrationReview).where(CalibrationReview.session_id == calibration.id)).all()
    reviews = {r.id: r for r in session.scalars(select(Review).where(Review.id.in_([l.review_id for l in links])))}
    names = usernames(session)
    raters = session_raters(session, calibration)
    calls = [row["call"] for row in session_calls(session, calibration, raters[0] if raters else None)] \
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
