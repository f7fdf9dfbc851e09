"""Script insight: the script steps most often missed or out of order across the centre, and the phrasings agents
actually use for each step, clustered from the evidence quotes of the calls where the step was found.

Clustering uses character n-gram TF-IDF over the newest evidence quotes (a bounded sample), not the sentence
embeddings the classifier uses: it answers a page in milliseconds on 2 cores, and wording variants ("just to recap"
/ "to recap quickly") are what a QA lead wants grouped here, not meaning."""
from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import and_
from sqlalchemy.orm import Session

from callscore.analytics.query import Filters, current_results, item_rates
from callscore.store.models import ItemResult, Result

SAMPLE = 400  # newest passing calls per step whose quotes are clustered
CLUSTERS = 6
EXAMPLES = 3
DISTANCE = 0.8  # cosine distance within which quotes share a cluster (average linkage)


def steps(session: Session, filters: Filters = Filters(), rates: list[dict] | None = None) -> list[dict]:
    """The script steps (items judged as a step on some call), most often missed first. `rates`: the item_rates
    of these filters when the caller has them already."""
    rows = [r for r in (item_rates(session, filters) if rates is None else rates) if r["as_step"]]
    return sorted(rows, key=lambda r: (-(r["fail_rate"] or 0), -(r["out_of_order_rate"] or 0), r["item"]))


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w' ]+", " ", text.lower())).strip()


def _quotes(session: Session, filters: Filters, item: str, sample: int) -> list[tuple[str, str, float]]:
    """(call_id, quote, start) of the newest calls where the step was found; purged evidence has no text."""
    query = (current_results(filters).join(ItemResult, and_(ItemResult.result_id == Result.id, ItemResult.item_id == item,
                                                            ItemResult.outcome == "pass"))
             .with_only_columns(Result.call_id, ItemResult.evidence).order_by(Result.id.desc()).limit(sample))
    out = []
    for call_id, evidence in session.execute(query):
        quote = next((e for e in evidence or [] if (e.get("text") or "").strip()), None)
        if quote:
            out.append((call_id, quote["text"].strip(), float(quote.get("start") or 0.0)))
    return out


def phrasings(session: Session, filters: Filters, item: str, sample: int = SAMPLE, clusters: int = CLUSTERS) -> dict:
    """{'quotes': n, 'clusters': [{'phrase', 'calls', 'share', 'variants', 'examples': [{call_id, start}]}]}, the
    biggest clusters first; 'phrase' is the cluster's most used wording."""
    quotes = _quotes(session, filters, item, sample)
    by_text: dict[str, list[tuple[str, str, float]]] = {}
    for quote in quotes:
        by_text.setdefault(normalised(quote[1]), []).append(quote)
    texts = [t for t in by_text if t]
    labels = _cluster(texts)
    groups: dict[int, list[str]] = {}
    for text, label in zip(texts, labels):
        groups.setdefault(label, []).append(text)
    out = []
    for members in groups.values():
        uses = Counter({t: len(by_text[t]) for t in members})
        top = uses.most_common(1)[0][0]
        calls = sum(uses.values())
        examples = [{"call_id": c, "start": s} for t, _ in uses.most_common() for c, _, s in by_text[t]][:EXAMPLES]
        out.append({"phrase": by_text[top][0][1], "calls": calls, "share": calls / len(quotes),
                    "variants": len(members), "examples": examples})
    out.sort(key=lambda c: (-c["calls"], c["phrase"]))
    return {"quotes": len(quotes), "clusters": out[:clusters]}


def _cluster(texts: list[str]) -> list[int]:
    if len(texts) < 2:
        return [0] * len(texts)
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(texts)
    return AgglomerativeClustering(n_clusters=None, distance_threshold=DISTANCE, metric="cosine",
                                   linkage="average").fit_predict(vectors.toarray()).tolist()


def insight(session: Session, filters: Filters = Filters(), rates: list[dict] | None = None,
            clusters: int = CLUSTERS) -> list[dict]:
    """Each script step with its missed and out-of-order rates and its clustered phrasings (`rates` as in steps)."""
    return [{**row, "phrasings": phrasings(session, filters, row["item"], clusters=clusters)}
            for row in steps(session, filters, rates)]
