"""Trigger physics metrics from predicted and true pT (GeV).

A muon *passes* the trigger when its predicted pT >= threshold. Efficiency is the passing fraction
of true muons; the fake rate is the passing fraction of background (noise-only) events.
The summary uncertainties are binomial, sqrt(p (1 - p) / n); for zero passing events the 95% CL
upper limit 3/n is given instead. The plots use Clopper-Pearson intervals (`clopper_pearson`),
which stay inside [0, 1] and keep a non-zero width at 0 and 1 passing fractions.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

#: Near-threshold region (GeV) for the pT resolution: threshold +- this half-width.
RESOLUTION_HALF_WIDTH_GEV: float = 2.0
#: Low-pT region (GeV): muons below it should rarely pass (they dominate the trigger rate).
LOW_PT_GEV: float = 6.0
#: Requirement on the fake rate (fraction of background events passing the threshold).
FAKE_RATE_LIMIT: float = 2e-3
#: Bin edges of true pT (GeV) for the turn-on curves.
PT_BINS: np.ndarray = np.arange(3.0, 20.5, 0.5)


@dataclass
class Metrics:
    """Summary metrics of one model on one sample (rates as fractions, pT in GeV)."""

    plateau_efficiency: float
    plateau_efficiency_err: float
    low_pt_efficiency: float
    fake_rate: float
    fake_rate_err: float
    fake_count: int
    n_background: int
    resolution_near_threshold: float
    bias_near_threshold: float
    eta_resolution: float
    threshold: float
    plateau: float

    def as_dict(self) -> dict:
        """Plain dict (for JSON)."""
        return asdict(self)


#: Coverage of the plotted intervals: one Gaussian standard deviation, 68.27%.
ONE_SIGMA_CL: float = math.erf(1 / math.sqrt(2))


def _nonzero(value: float) -> float:
    """`value`, or a tiny number in its place (Lentz's guard against dividing by zero)."""
    return value if abs(value) > 1e-300 else 1e-300


def _beta_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function, evaluated by the modified Lentz
    method (Press, Teukolsky, Vetterling, Flannery, Numerical Recipes, 3rd ed., 2007, sec. 6.4,
    eq. 6.4.5; Lentz, Applied Optics 15 (1976) 668)."""
    c, d = 1.0, 1.0 / _nonzero(1.0 - (a + b) * x / (a + 1.0))
    result = d
    for m in range(1, 20_000):
        even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        for coefficient in (even, odd):
            d = 1.0 / _nonzero(1.0 + coefficient * d)
            c = _nonzero(1.0 + coefficient / c)
            result *= c * d
        if abs(c * d - 1.0) < 1e-15:
            return result
    raise ArithmeticError(f"incomplete beta: no convergence for a={a}, b={b}, x={x}")


def beta_cdf(x: float, a: float, b: float) -> float:
    """The regularized incomplete beta function I_x(a, b) (the Beta(a, b) distribution's CDF),
    a, b > 0, from `_beta_fraction` on the side where it converges fast (Numerical Recipes
    sec. 6.4, eq. 6.4.9)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def beta_quantile(q: float, a: float, b: float) -> float:
    """x with I_x(a, b) = q, by bisection on [0, 1] (the CDF is increasing): 60 halvings,
    below 1e-17 of the interval."""
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if beta_cdf(mid, a, b) < q:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def clopper_pearson(k: int, n: int, cl: float = ONE_SIGMA_CL) -> tuple[float, float]:
    """Central Clopper-Pearson interval of a binomial fraction, k passing of n (Clopper and
    Pearson, Biometrika 26 (1934) 404): lower = Beta quantile (1 - cl)/2 of (k, n - k + 1), 0 for
    k = 0; upper = quantile (1 + cl)/2 of (k + 1, n - k), 1 for k = n. Each side misses with
    probability at most (1 - cl)/2, so the interval has a width > 0 at k = 0 and at k = n."""
    if not 0 <= k <= n or n < 1:
        raise ValueError(f"clopper_pearson: k={k}, n={n}; accepted 0 <= k <= n, n >= 1")
    tail = 0.5 * (1.0 - cl)
    lower = 0.0 if k == 0 else beta_quantile(tail, k, n - k + 1)
    upper = 1.0 if k == n else beta_quantile(1.0 - tail, k + 1, n - k)
    return lower, upper


def upper_limit(n: int, cl: float = 0.95) -> float:
    """One-sided upper limit on a fraction with none of n passing: 1 - (1 - cl)**(1/n)
    (the Clopper-Pearson bound at k = 0; about 3/n at 95%)."""
    return 1.0 - (1.0 - cl) ** (1.0 / n)


def _rate(passed: np.ndarray) -> tuple[float, float]:
    n = max(len(passed), 1)
    p = float(np.mean(passed)) if len(passed) else 0.0
    err = float(np.sqrt(p * (1 - p) / n)) if p > 0 else 3.0 / n
    return p, err


def binned_counts(pt_true: np.ndarray, passed: np.ndarray,
                  bins: np.ndarray = PT_BINS) -> tuple[np.ndarray, np.ndarray]:
    """(passing k, all n) per bin of true pT (integers; pT outside the bins is left out)."""
    inside = (pt_true >= bins[0]) & (pt_true < bins[-1])
    idx = np.digitize(pt_true[inside], bins) - 1
    n = np.bincount(idx, minlength=len(bins) - 1)
    k = np.bincount(idx[passed[inside]], minlength=len(bins) - 1)
    return k, n


def turn_on(pt_true: np.ndarray, pt_pred: np.ndarray, threshold: float,
            bins: np.ndarray = PT_BINS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Efficiency vs true pT for muons: (bin centres, efficiency, binomial error)."""
    k, n = (c.astype(float) for c in binned_counts(pt_true, pt_pred >= threshold, bins))
    eff = np.divide(k, n, out=np.zeros_like(k), where=n > 0)
    err = np.sqrt(np.divide(eff * (1 - eff), n, out=np.zeros_like(k), where=n > 0))
    return 0.5 * (bins[1:] + bins[:-1]), eff, err


def resolution(pt_true: np.ndarray, pt_pred: np.ndarray) -> tuple[float, float]:
    """Relative pT resolution and bias: robust sigma (half the 16-84% interval) and median of
    (pred - true) / true."""
    if len(pt_true) == 0:
        return float("nan"), float("nan")
    r = (pt_pred - pt_true) / pt_true
    lo, med, hi = np.percentile(r, [15.865, 50.0, 84.135])
    return float(0.5 * (hi - lo)), float(med)


def resolution_errors(pt_true: np.ndarray, pt_pred: np.ndarray, resamples: int = 200,
                      seed: int = 0) -> tuple[float, float]:
    """Statistical errors of `resolution` (sigma, bias): the standard deviation over bootstrap
    resamples of the events (a fixed seed: the same plot every run)."""
    if len(pt_true) < 2:
        return float("nan"), float("nan")
    r = (pt_pred - pt_true) / pt_true
    picks = np.random.default_rng(seed).integers(0, len(r), size=(resamples, len(r)))
    lo, med, hi = np.percentile(r[picks], [15.865, 50.0, 84.135], axis=1)
    return float(np.std(0.5 * (hi - lo))), float(np.std(med))


def compute(pred: np.ndarray, events: dict[str, np.ndarray], threshold: float = 10.0,
            plateau: float = 15.0) -> Metrics:
    """All summary metrics for predictions pred (N, 2) = [pT GeV, local eta] on ``events``."""
    from vhdlgen.train.labels import local_eta

    mu = events["is_muon"]
    pt_true, pt_pred = events["pt"][mu], pred[mu, 0]
    eff, eff_err = _rate(pt_pred[pt_true >= plateau] >= threshold)
    low, _ = _rate(pt_pred[pt_true < LOW_PT_GEV] >= threshold)
    bkg = pred[~mu, 0] >= threshold
    fake, fake_err = _rate(bkg)
    near = np.abs(pt_true - threshold) <= RESOLUTION_HALF_WIDTH_GEV
    res, bias = resolution(pt_true[near], pt_pred[near])
    d_eta = pred[mu, 1] - local_eta(events)[mu]
    lo, hi = np.percentile(d_eta, [15.865, 84.135]) if len(d_eta) else (np.nan, np.nan)
    return Metrics(plateau_efficiency=eff, plateau_efficiency_err=eff_err, low_pt_efficiency=low,
                   fake_rate=fake,
                   fake_rate_err=fake_err, fake_count=int(bkg.sum()), n_background=int(len(bkg)),
                   resolution_near_threshold=res, bias_near_threshold=bias,
                   eta_resolution=float(0.5 * (hi - lo)), threshold=threshold, plateau=plateau)
