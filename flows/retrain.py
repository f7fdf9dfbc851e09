"""The data scientists' loop as a flow: export confirmed review labels, train a candidate classifier,
compare it with the active one on the same gold data, activate it only if no item got worse."""
from __future__ import annotations

import tempfile
from pathlib import Path

from prefect import flow
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from callscore.models import training
from callscore.models.phrases import TrainingConfig
from callscore.settings import Settings
from callscore.store import open_store

BAR_WIDTH = 30


def comparison_chart(report: dict) -> str:
    """Per-item F1 of both models as text bars: readable in the Prefect UI without an image."""
    lines = [f"### {report['candidate']} vs {report['baseline']}", "```",
             f"{'item':<20} baseline / candidate F1"]
    for row in report["items"]:
        for label, key in (("base", "baseline_f1"), ("cand", "candidate_f1")):
            if row[key] is None:  # a behaviour the baseline had no head for, or the data does not measure
                continue
            bar = "#" * round(row[key] * BAR_WIDTH)
            lines.append(f"{row['item'] if label == 'base' else '':<20} {label} {bar:<{BAR_WIDTH}} {row[key]:.2f}")
    verdict = "activated" if report["activated"] else f"refused: worse on {', '.join(report['worse_items'])}"
    return "\n".join(lines + ["```", f"**{verdict}** (largest allowed drop per item: {report['margin']})"])


def _export_review_labels(settings: Settings, target: Path) -> int:
    from callscore.store.review_labels import write_label_file

    with open_store(settings).session() as session:
        return write_label_file(session, Path(settings.scorecard), target)


@flow(name="retrain-classifier")
def retrain_classifier(from_reviews: bool = True, margin: float = 0.02, seed: int | None = None) -> dict:
    settings = Settings.from_env()
    with tempfile.TemporaryDirectory() as work:
        labels = Path(work) / "review_labels.jsonl"
        use_reviews = from_reviews and _export_review_labels(settings, labels) > 0
        seed = training.active_seed(settings.classifier_dir) if seed is None else seed  # the active judge's recipe
        report = training.retrain(labels if use_reviews else None, settings.scorecard, TrainingConfig(seed=seed),
                                  margin, settings.classifier_dir)
    if report["baseline"]:
        create_table_artifact(report["items"], key="retrain-comparison",
                              description=f"{report['candidate']} vs {report['baseline']}")
        create_markdown_artifact(comparison_chart(report), key="retrain-chart", description="per-item F1")
    return report
