"""Agreement statistics for calibration: percent agreement, Cohen's kappa (two raters), Fleiss' kappa
(any number of raters per subject, at least two). A kappa is None when it is undefined (every rating
in one category: chance agreement is 1)."""
from __future__ import annotations

from collections import Counter
from itertools import combinations


def cohen_kappa(a: list[str], b: list[str]) -> float | None:
    """Two raters' labels for the same subjects, in the same order."""
    if len(a) != len(b):
        raise ValueError("both raters must label the same subjects")
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b)) / n
    count_a, count_b = Counter(a), Counter(b)
    expected = sum(count_a[c] * count_b[c] for c in set(a) | set(b)) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1 - expected)


def fleiss_kappa(subjects: list[list[str]]) -> float | None:
    """Each subject's labels from its raters (subjects with fewer than two ratings are ignored). Uses the
    per-subject agreement (sum n_ij^2 - n_i) / (n_i (n_i - 1)), which allows the rater count to vary."""
    rated = [labels for labels in subjects if len(labels) >= 2]
    if not rated:
        return None
    totals: Counter = Counter()
    agreement = 0.0
    for labels in rated:
        counts = Counter(labels)
        totals.update(counts)
        k = len(labels)
        agreement += (sum(c * c for c in counts.values()) - k) / (k * (k - 1))
    observed = agreement / len(rated)
    all_ratings = sum(totals.values())
    expected = sum((c / all_ratings) ** 2 for c in totals.values())
    if expected >= 1.0:
        return None
    return (observed - expected) / (1 - expected)


def pairwise_agreement(subjects: list[list[str]]) -> float | None:
    """Share of rater pairs, over all subjects, that gave the same label."""
    agree = pairs = 0
    for labels in subjects:
        for x, y in combinations(labels, 2):
            pairs += 1
            agree += x == y
    return agree / pairs if pairs else None


def kappa_label(kappa: float | None) -> str:
    """Landis & Koch's words for a kappa."""
    if kappa is None:
        return "undefined"
    for bound, word in ((0.0, "poor"), (0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial")):
        if kappa <= bound:
            return word
    return "almost perfect"
