"""Agreement statistics of calibration (review/stats.py) against scikit-learn and the textbook."""
import pytest

from callscore.review import stats


def test_cohen_kappa_matches_scikit_learn():
    from sklearn.metrics import cohen_kappa_score

    a = ["pass", "pass", "fail", "pass", "fail", "not_applicable", "pass", "fail", "pass", "pass"]
    b = ["pass", "fail", "fail", "pass", "fail", "not_applicable", "pass", "pass", "pass", "fail"]
    assert stats.cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))
    assert stats.cohen_kappa(["pass"] * 4, ["pass"] * 4) is None  # no variance: undefined
    assert stats.cohen_kappa(["pass", "fail"], ["pass", "fail"]) == pytest.approx(1.0)


def test_fleiss_kappa_on_the_textbook_example():
    # Fleiss (1971) as on Wikipedia: 10 subjects, 14 raters, 5 categories -> kappa 0.210
    table = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
             [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]
    subjects = [[str(c) for c, n in enumerate(row) for _ in range(n)] for row in table]
    assert stats.fleiss_kappa(subjects) == pytest.approx(0.210, abs=0.001)
    assert stats.pairwise_agreement([["a", "a"], ["a", "b"]]) == 0.5
    assert stats.fleiss_kappa([["a"]]) is None


def test_fleiss_equals_scotts_pi_for_two_raters():
    a = ["pass", "pass", "fail", "fail", "pass", "pass"]
    b = ["pass", "fail", "fail", "fail", "pass", "pass"]
    kappa = stats.fleiss_kappa([[x, y] for x, y in zip(a, b)])
    p_o = 5 / 6
    p_pass = 7 / 12
    p_e = p_pass ** 2 + (1 - p_pass) ** 2
    assert kappa == pytest.approx((p_o - p_e) / (1 - p_e))
