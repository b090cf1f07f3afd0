"""Clopper-Pearson intervals of vhdlgen.train.metrics, checked against exact binomial sums
(math.comb over Fractions: independent of the incomplete beta function the code uses) and the
closed forms at k = 0 and k = n."""
from __future__ import annotations

import math
from fractions import Fraction

import pytest

from vhdlgen.train import metrics as M


def binomial_tail(k: int, n: int, p: float, upper: bool) -> float:
    """P(X >= k) (upper) or P(X <= k) for X ~ Binomial(n, p), summed exactly."""
    q = Fraction(p)
    terms = range(k, n + 1) if upper else range(0, k + 1)
    return float(sum(math.comb(n, j) * q**j * (1 - q)**(n - j) for j in terms))


@pytest.mark.parametrize("k,n", [(1, 1), (3, 10), (17, 50), (1, 200), (100, 200), (199, 200)])
@pytest.mark.parametrize("cl", [M.ONE_SIGMA_CL, 0.95])
def test_bounds_leave_the_stated_tail_in_exact_binomial_sums(k, n, cl) -> None:
    lower, upper = M.clopper_pearson(k, n, cl)
    tail = (1 - cl) / 2
    assert 0 < lower < k / n < upper or (k == n and upper == 1.0)
    assert binomial_tail(k, n, lower, upper=True) == pytest.approx(tail, rel=1e-9)
    if k < n:
        assert binomial_tail(k, n, upper, upper=False) == pytest.approx(tail, rel=1e-9)


@pytest.mark.parametrize("n", [1, 7, 1000, 100_000])
def test_intervals_do_not_collapse_at_zero_or_one(n) -> None:
    tail = (1 - M.ONE_SIGMA_CL) / 2
    lower, upper = M.clopper_pearson(0, n)
    assert lower == 0.0 and upper == pytest.approx(1 - tail ** (1 / n), rel=1e-9) and upper > 0
    lower, upper = M.clopper_pearson(n, n)
    assert upper == 1.0 and lower == pytest.approx(tail ** (1 / n), rel=1e-9) and lower < 1


def test_beta_cdf_is_the_binomial_tail() -> None:
    """I_p(k, n - k + 1) = P(X >= k) for X ~ Binomial(n, p)."""
    for k, n, p in [(1, 5, 0.3), (4, 9, 0.5), (30, 40, 0.8), (2, 300, 0.004)]:
        assert M.beta_cdf(p, k, n - k + 1) == pytest.approx(
            binomial_tail(k, n, p, upper=True), rel=1e-10)


def test_upper_limit_is_about_three_over_n_and_bad_counts_are_refused() -> None:
    assert M.upper_limit(99_822) == pytest.approx(1 - 0.05 ** (1 / 99_822))
    assert 2.99 / 99_822 < M.upper_limit(99_822) < 3.0 / 99_822
    for k, n in [(-1, 5), (6, 5), (0, 0)]:
        with pytest.raises(ValueError, match="accepted 0 <= k <= n"):
            M.clopper_pearson(k, n)
