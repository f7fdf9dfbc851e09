"""Compare callscore results with labelled calls (callscore.labels/1): items, intervals, roles, DER."""
from __future__ import annotations

import json
from pathlib import Path

from callscore.core.metrics import precision_recall_f1

ITEMS = ("greeting", "recording_disclosure", "verify_identity", "ownership", "deflection", "recap",
         "anything_else", "closing", "dead_air")


def item_scores(pairs: list[tuple[str, str]]) -> dict:
    """(truth, predicted) outcomes -> per-class P/R/F1 and their mean (the headline F1)."""
    out = {}
    for cls in ("pass", "fail"):
        tp = sum(t == cls and p == cls for t, p in pairs)
        fp = sum(t != cls and p == cls for t, p in pairs)
        fn = sum(t == cls and p != cls for t, p in pairs)
        out[cls] = dict(zip(("precision", "recall", "f1"), (round(x, 3) for x in precision_recall_f1(tp, fp, fn))))
    out["f1"] = round((out["pass"]["f1"] + out["fail"]["f1"]) / 2, 3)
    out["accuracy"] = round(sum(t == p for t, p in pairs) / len(pairs), 3) if pairs else 0.0
    out["n"] = len(pairs)
    return out


def iou(a: dict, b: dict) -> float:
    inter = max(0.0, min(a["end"], b["end"]) - max(a["start"], b["start"]))
    union = max(a["end"], b["end"]) - min(a["start"], b["start"])
    return inter / union if union > 0 else 0.0


def interval_match(truth: list[dict], found: list[dict], threshold: float = 0.5) -> dict:
    matched_truth = sum(any(iou(t, f) >= threshold for f in found) for t in truth)
    matched_found = sum(any(iou(t, f) >= threshold for t in truth) for f in found)
    return {"truth": len(truth), "found": len(found), "matched_truth": matched_truth, "matched_found": matched_found}


def role_agreement(label: dict, result: dict) -> float | None:
    """Share of labelled speech time whose role the result gives right (by time overlap)."""
    same = total = 0.0
    for turn in label["turns"]:
        for seg in result.get("segments", []):
            overlap = min(turn["end"], seg["end"]) - max(turn["start"], seg["start"])
            if overlap > 0:
                total += overlap
                same += overlap if seg["speaker"] == turn["speaker"] else 0.0
    return same / total if total else None


def evaluate_folder(labels_dir: Path, results_dir: Path) -> dict:
    pairs = {item: [] for item in ITEMS}
    dead, holds = [], []
    roles, violations, missing = [], [], []
    for label_path in sorted(Path(labels_dir).glob("*.json")):
        label = json.loads(label_path.read_text())
        if label.get("schema") != "callscore.labels/1":
            continue
        result_path = Path(results_dir) / f"{label_path.stem}.json"
        if not result_path.exists():
            missing.append(label_path.stem)
            continue
        result = json.loads(result_path.read_text())
        for item in ITEMS:
            if item in label["items"] and item in result["checks"]:
                pairs[item].append((label["items"][item], result["checks"][item]["outcome"]))
        dead.append(interval_match(label.get("dead_air", []), result.get("dead_air", [])))
        holds.append(interval_match(label.get("holds", []), result.get("holds", [])))
        agreement = role_agreement(label, result)
        roles.append({"call_id": label_path.stem, "agreement": agreement,
                      "correct": agreement is not None and agreement >= 0.5})
        truth_v = {tuple(v) for v in label.get("order_violations", [])}
        found_v = {tuple(v) for v in result.get("script", {}).get("order_violations", [])}
        violations.append((truth_v, found_v))
    items = {item: item_scores(p) for item, p in pairs.items() if p}
    def pooled(rows: list[dict]) -> dict:
        totals = {k: sum(r[k] for r in rows) for k in ("truth", "found", "matched_truth", "matched_found")}
        totals["recall"] = round(totals["matched_truth"] / totals["truth"], 3) if totals["truth"] else None
        totals["precision"] = round(totals["matched_found"] / totals["found"], 3) if totals["found"] else None
        return totals

    tp = sum(len(t & f) for t, f in violations)
    return {
        "calls": len(roles), "missing_results": missing, "items": items,
        "macro_f1": round(sum(s["f1"] for s in items.values()) / len(items), 3) if items else 0.0,
        "dead_air": pooled(dead), "holds": pooled(holds),
        "order_violations": dict(zip(("precision", "recall", "f1"), (round(x, 3) for x in precision_recall_f1(
            tp, sum(len(f - t) for t, f in violations), sum(len(t - f) for t, f in violations))))),
        "role_accuracy": round(sum(r["correct"] for r in roles) / len(roles), 3) if roles else None,
        "role_errors": [r["call_id"] for r in roles if not r["correct"]],
    }


def render(report: dict) -> str:
    lines = [f"{report['calls']} calls" + (f", missing results: {report['missing_results']}"
                                           if report["missing_results"] else ""),
             f"{'item':<22}{'F1':>6}{'acc':>7}{'fail P':>8}{'fail R':>8}{'n':>5}"]
    for item, s in report["items"].items():
        lines.append(f"{item:<22}{s['f1']:>6.2f}{s['accuracy']:>7.2f}{s['fail']['precision']:>8.2f}"
                     f"{s['fail']['recall']:>8.2f}{s['n']:>5}")
    lines.append(f"{'macro F1':<22}{report['macro_f1']:>6.3f}")
    for name in ("dead_air", "holds"):
        d = report[name]
        lines.append(f"{name}: {d['matched_truth']}/{d['truth']} labelled intervals matched (IoU>=0.5), "
                     f"{d['matched_found']}/{d['found']} found intervals correct")
    lines.append(f"order violations P/R/F1: {report['order_violations']}")
    lines.append(f"role accuracy: {report['role_accuracy']}  errors: {report['role_errors']}")
    return "\n".join(lines)


def der(reference_rttm: Path, segments: list[dict], collar: float, identify: bool,
        rename: dict[str, str] | None = None) -> dict:
    """DER (optimal speaker mapping) or, with identify, the error with our role labels taken as the
    speaker names (agent/customer must match the reference's names, after `rename`). Overlap is scored."""
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate
    from pyannote.metrics.identification import IdentificationErrorRate

    reference = Annotation()
    for line in Path(reference_rttm).read_text().splitlines():
        f = line.split()
        if f and f[0] == "SPEAKER":
            reference[Segment(float(f[3]), float(f[3]) + float(f[4])), len(reference)] = (rename or {}).get(f[7], f[7])
    hypothesis = Annotation()
    for k, seg in enumerate(segments):
        hypothesis[Segment(seg["start"], seg["end"]), k] = seg["speaker"]
    metric = (IdentificationErrorRate if identify else DiarizationErrorRate)(collar=collar, skip_overlap=False)
    parts = metric(reference, hypothesis, detailed=True)
    wrong = parts["confusion"] + parts["missed detection"] + parts["false alarm"]
    return {"wrong_s": wrong, "total_s": parts["total"]}
