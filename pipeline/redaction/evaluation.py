"""Redaction scored on a labelled set: recall per type, false redactions on look-alikes, word precision.
The bench (bench/redaction.py) and the tests assert on the same function."""
from __future__ import annotations

from collections import defaultdict

from callscore.pipeline.redact import TYPES, RedactionConfig, redact_words


def evaluate(items: list[dict], config: RedactionConfig | None = None) -> dict:
    """Score redaction on a labelled set.

    items: {"id", "call", "turn", "text", "entities": [{"type", "start_word", "end_word"}]}; the turns
    of one call are redacted as one word stream in turn order (so a card number read over two turns
    is seen whole). An entity is caught when all of its words are masked (whatever type was given).
    Look-alike utterances are those with no entities. Returns per-type rows and overall rates (word_precision:
    the share of masked words that are inside an entity).
    """
    config = config or RedactionConfig()
    calls: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        calls[item.get("call") or item["id"]].append(item)
    per_type: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # entities, caught, type right
    lookalike_utts = lookalike_hit = 0
    other_words = other_masked = entity_masked = 0
    misses, false_hits = [], []
    for call_items in calls.values():
        call_items.sort(key=lambda x: x.get("turn", 0))
        stream, spans = [], []
        for item in call_items:
            ws = item["text"].split()
            spans.append((item, len(stream), len(ws)))
            stream += [(float(len(stream) + k), float(len(stream) + k) + 0.5, w) for k, w in enumerate(ws)]
        masked, redactions = redact_words(stream, config)
        kinds: dict[int, str] = {}
        for r in redactions:
            for w in range(int(r.start), int(r.end) + 1):
                kinds[w] = r.type
        for item, base, count in spans:
            entity_words: set[int] = set()
            for ent in item.get("entities", []):
                ws = range(base + ent["start_word"], base + ent["end_word"] + 1)
                entity_words.update(ws)
                row = per_type[ent["type"]]
                row[0] += 1
                if all(masked[w] != stream[w][2] for w in ws):
                    row[1] += 1
                    row[2] += all(kinds.get(w) == ent["type"] for w in ws)
                else:
                    misses.append((item["id"], ent["type"], " ".join(masked[base:base + count])))
            hit_any = False
            for w in range(base, base + count):
                if w in entity_words:
                    entity_masked += masked[w] != stream[w][2]
                    continue
                other_words += 1
                if masked[w] != stream[w][2]:
                    other_masked += 1
                    hit_any = True
            if not item.get("entities"):
                lookalike_utts += 1
                lookalike_hit += any(masked[w] != stream[w][2] for w in range(base, base + count))
            if hit_any:
                false_hits.append((item["id"], " ".join(masked[base:base + count])))
    rows = []
    for kind in TYPES:
        if kind in per_type:
            n, caught, right = per_type[kind]
            rows.append({"type": kind, "entities": n, "caught": caught, "recall": caught / n,
                         "type_ok": right / max(caught, 1)})
    n_all = sum(r["entities"] for r in rows)
    rows.append({"type": "ALL", "entities": n_all, "caught": sum(r["caught"] for r in rows),
                 "recall": sum(r["caught"] for r in rows) / max(n_all, 1),
                 "type_ok": sum(per_type[k][2] for k in per_type) / max(sum(r["caught"] for r in rows), 1)})
    return {"rows": rows, "lookalikes": lookalike_utts,
            "lookalike_false_rate": lookalike_hit / max(lookalike_utts, 1),
            "word_false_rate": other_masked / max(other_words, 1),
            "word_precision": entity_masked / max(entity_masked + other_masked, 1),
            "misses": misses, "false_hits": false_hits}
