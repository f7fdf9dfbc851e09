"""Small statistics on aggregates the database returns: a mean's 95 % interval from (n, sum, sum of squares),
Welch's t-test from summary figures, a two-proportion z-test, quartiles from the few ranked values needed."""
from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats as sp

ALPHA = 0.05


@dataclass
class Mean:
    n: int
    mean: float | None
    sd: float | None
    low: float | None  # 95 % confidence interval (Student t); None below two values
    high: float | None


def mean_ci(n: int, total: float | None, total_sq: float | None) -> Mean:
    if not n:
        return Mean(0, None, None, None, None)
    mean = total / n
    if n < 2:
        return Mean(n, mean, None, None, None)
    sd = math.sqrt(max(0.0, (total_sq - n * mean * mean) / (n - 1)))
    half = sp.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    return Mean(n, mean, sd, mean - half, mean + half)


def welch_p(a: Mean, b: Mean) -> float | None:
    """Two-sided p of Welch's t-test that two means differ; None when either side has under two values."""
    if a.sd is None or b.sd is None:
        return None
    if a.sd == 0 and b.sd == 0:
        return 1.0 if a.mean == b.mean else 0.0
    return float(sp.ttest_ind_from_stats(a.mean, a.sd, a.n, b.mean, b.sd, b.n, equal_var=False).pvalue)


def two_proportion_p(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """Two-sided p of the pooled two-proportion z-test; None when a side is empty."""
    if not n1 or not n2:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (x1 / n1 - x2 / n2) / se
    return math.erfc(abs(z) / math.sqrt(2))


def quartile_positions(n: int) -> list[tuple[int, int, float]]:
    """For min, q1, median, q3, max of n sorted values: (lower index, upper index, weight of the upper),
    linear interpolation as numpy's default and PostgreSQL's percentile_cont."""
    out = []
    for k in range(5):
        lo, rest = divmod((n - 1) * k, 4)
        out.append((lo, min(lo + 1, n - 1), rest / 4))
    return out


def quartiles(n: int, ranked: dict[int, float]) -> list[float]:
    """ranked: 0-based rank -> value for (at least) the ranks quartile_positions names."""
    return [ranked[lo] + (ranked[hi] - ranked[lo]) * w for lo, hi, w in quartile_positions(n)]
