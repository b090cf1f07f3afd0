"""Trigger physics metrics from predicted and true pT (GeV).

A muon *passes* the trigger when its predicted pT >= threshold. Efficiency is the passing fraction
of true muons; the fake rate is the passing fraction of background (noise-only) events.
Uncertainties are binomial, sqrt(p (1 - p) / n); for zero passing events the 95% CL upper limit
3/n is given instead.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

#: Near-threshold region (GeV) for the pT resolution: threshold +- this half-width.
RESOLUTION_HALF_WIDTH_GEV: float = 2.0
#: Low-pT region (GeV): muons below it should rarely pass (they dominate the trigger rate).
LOW_PT_GEV: float = 6.0
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


def _rate(passed: np.ndarray) -> tuple[float, float]:
    n = max(len(passed), 1)
    p = float(np.mean(passed)) if len(passed) else 0.0
    err = float(np.sqrt(p * (1 - p) / n)) if p > 0 else 3.0 / n
    return p, err


def turn_on(pt_true: np.ndarray, pt_pred: np.ndarray, threshold: float,
            bins: np.ndarray = PT_BINS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Efficiency vs true pT for muons: (bin centres, efficiency, binomial error)."""
    idx = np.digitize(pt_true, bins) - 1
    n = np.bincount(idx, minlength=len(bins))[: len(bins) - 1].astype(float)
    k = np.bincount(idx, weights=(pt_pred >= threshold), minlength=len(bins))[: len(bins) - 1]
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
