"""PNG plots of the trigger performance (matplotlib, non-interactive Agg backend).

Every plot names its sample (events, muons, noise-only events, seed) and returns what it drew
(the points, intervals and axis ranges), so that a test can check the picture's content.
A curve is (label, predictions): columns [pT GeV, eta, ...]; a 4-column chain output
[pT, absolute eta, window, trigger bit] passes the threshold by its trigger bit.
"""
from __future__ import annotations

import math
import os

import numpy as np

from vhdlgen.train import metrics as M

Curves = list[tuple[str, np.ndarray]]

REFERENCE_SUFFIX = " (bit-exact reference)"
CHAIN_SUFFIX = " (chain)"
NINE_SUFFIX = " (9x16)"
#: Curves drawn as open markers / dotted lines over the curve of the same model.
_OVERLAYS = (REFERENCE_SUFFIX, CHAIN_SUFFIX)
#: Step of the threshold scan and width of the background histogram's bins (GeV).
PT_STEP_GEV = 0.25


def _pyplot():  # noqa: ANN202
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def describe_sample(ev: dict, seed: int) -> str:
    """'200,000 toy events, seed 20261121: 100,178 muons, 99,822 noise-only'."""
    n_mu = int(ev["is_muon"].sum())
    n = len(ev["is_muon"])
    return f"{n:,} toy events, seed {seed}: {n_mu:,} muons, {n - n_mu:,} noise-only"


def _base(label: str) -> str:
    for suffix in (*_OVERLAYS, NINE_SUFFIX):
        label = label.removesuffix(suffix)
    return label


def _style(label: str, curves: Curves) -> dict:
    """One colour per model; its bit-exact reference or chain as large open markers of the same
    colour drawn on top, so they stay visible where they sit on the model's curve."""
    bases = list(dict.fromkeys(_base(lab) for lab, _ in curves))
    colour = f"C{bases.index(_base(label)) % 10}"
    if label.endswith(_OVERLAYS):
        return {"color": colour, "marker": "o", "markersize": 7, "linestyle": "none",
                "mfc": "none", "mew": 1.3, "zorder": 3}
    return {"color": colour, "marker": ".", "markersize": 4, "linewidth": 1.4, "zorder": 2}


def _passed(pred: np.ndarray, threshold: float) -> np.ndarray:
    """The trigger decision: the chain's trigger bit, else predicted pT >= threshold."""
    return pred[:, 3] == 1 if pred.shape[1] == 4 else pred[:, 0] >= threshold


def _finish(fig, ax, title: str, ev: dict, seed: int, path: str) -> str:  # noqa: ANN001
    """Title with the sample, grid, the legend right of the axes (it never hides a point);
    returns the title."""
    ax.set_title(f"{title}\n{describe_sample(ev, seed)}", fontsize=10)
    ax.grid(True, alpha=0.4)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    fig.savefig(path)
    return ax.get_title()


def turn_on(curves: Curves, ev: dict, threshold: float, plateau: float, path: str,
            seed: int) -> dict:
    """Efficiency vs true pT for the threshold, one curve per model, Clopper-Pearson 68.3%
    intervals (non-zero at efficiency 0 and 1)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10.5, 5.5), dpi=120)
    mu = ev["is_muon"]
    centres = 0.5 * (M.PT_BINS[1:] + M.PT_BINS[:-1])
    drawn = {}
    for label, pred in curves:
        k, n = M.binned_counts(ev["pt"][mu], _passed(pred[mu], threshold))
        keep = n > 0
        eff = k[keep] / n[keep]
        bounds = np.array([M.clopper_pearson(int(a), int(b)) for a, b in zip(k[keep], n[keep])])
        ax.errorbar(centres[keep], eff, yerr=[eff - bounds[:, 0], bounds[:, 1] - eff],
                    label=label, capsize=0, **_style(label, curves))
        drawn[label] = {"x": centres[keep], "efficiency": eff, "lower": bounds[:, 0],
                        "upper": bounds[:, 1], "n": n[keep]}
    ax.axvline(threshold, color="grey", linestyle="--", linewidth=1,
               label=f"threshold {threshold:g} GeV")
    ax.axvspan(plateau, M.PT_BINS[-1], color="green", alpha=0.06,
               label=f"plateau (pT >= {plateau:g} GeV)")
    ax.axhline(0.9, color="green", linestyle=":", linewidth=1, label="90% efficiency")
    ax.set_xlabel("true muon $p_T$ [GeV]")
    ax.set_ylabel(f"efficiency (trigger: $p_T \\geq$ {threshold:g} GeV)")
    ax.set_xlim(M.PT_BINS[0], M.PT_BINS[-1])
    ax.set_ylim(-0.02, 1.05)
    ax.plot([], [], " ", label=f"bars: Clopper-Pearson {100 * M.ONE_SIGMA_CL:.1f}%\n"
            f"bins of {M.PT_BINS[1] - M.PT_BINS[0]:g} GeV")
    title = _finish(fig, ax, "Trigger turn-on", ev, seed, path)
    plt.close(fig)
    return {"title": title, "curves": drawn, "xlim": ax.get_xlim(), "ylim": ax.get_ylim()}


def resolution(curves: Curves, ev: dict, path: str, seed: int) -> dict:
    """Relative pT resolution (robust sigma of (pred - true)/true) and bias (its median) vs
    true pT, with bootstrap errors."""
    plt = _pyplot()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10.5, 7), dpi=120, sharex=True,
                                      gridspec_kw={"height_ratios": [3, 2]})
    mu = ev["is_muon"]
    bins = np.arange(M.PT_BINS[0], M.PT_BINS[-1] + 0.5, 1.0)
    centres = 0.5 * (bins[1:] + bins[:-1])
    drawn = {}
    for label, pred in curves:
        pt, pr = ev["pt"][mu], pred[mu, 0]
        cells = [(pt[(pt >= lo) & (pt < hi)], pr[(pt >= lo) & (pt < hi)])
                 for lo, hi in zip(bins[:-1], bins[1:])]
        value = 100 * np.array([M.resolution(t, p) for t, p in cells])
        error = 100 * np.array([M.resolution_errors(t, p) for t, p in cells])
        style = _style(label, curves)
        top.errorbar(centres, value[:, 0], yerr=error[:, 0], label=label, capsize=2, **style)
        bottom.errorbar(centres, value[:, 1], yerr=error[:, 1], capsize=2, **style)
        drawn[label] = {"x": centres, "resolution": value[:, 0], "bias": value[:, 1]}
    top.set_ylabel("resolution [%]\n(half 68% interval)")
    bottom.axhline(0, color="grey", linewidth=1)
    bottom.set_ylabel("bias [%] (median)")
    bottom.set_xlabel("true muon $p_T$ [GeV] (bins of 1 GeV; bars: bootstrap, 200 resamples)")
    bottom.set_xlim(bins[0], bins[-1])
    bottom.grid(True, alpha=0.4)
    title = _finish(fig, top, "$p_T$ resolution and bias, "
                    "$(p_T^{pred} - p_T^{true}) / p_T^{true}$", ev, seed, path)
    plt.close(fig)
    return {"title": title, "curves": drawn, "xlim": bottom.get_xlim()}


def _pt_range(values: list[np.ndarray], threshold: float) -> tuple[float, float]:
    """Edges (multiples of PT_STEP_GEV) around every value and the threshold, a step spare."""
    lo = min([threshold] + [float(v.min()) for v in values if len(v)])
    hi = max([threshold] + [float(v.max()) for v in values if len(v)])
    return (PT_STEP_GEV * (math.floor(lo / PT_STEP_GEV) - 1),
            PT_STEP_GEV * (math.floor(hi / PT_STEP_GEV) + 2))


def background(curves: Curves, ev: dict, threshold: float, path: str, seed: int) -> dict:
    """Predicted pT of background (noise-only) events, log scale, over the range they cover."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10.5, 5), dpi=120)
    values = [pred[~ev["is_muon"], 0] for _, pred in curves]
    lo, hi = _pt_range(values, threshold)
    bins = np.arange(round((hi - lo) / PT_STEP_GEV) + 1) * PT_STEP_GEV + lo
    drawn = {}
    for (label, _), value in zip(curves, values):
        overlay = label.endswith(_OVERLAYS)
        above = f"{int((value >= threshold).sum()):,} of {len(value):,} >= {threshold:g} GeV"
        counts, _, _ = ax.hist(value, bins=bins, histtype="step", label=f"{label}: {above}",
                               linewidth=2.2 if overlay else 1.3,
                               linestyle=":" if overlay else "-",
                               color=_style(label, curves)["color"])
        drawn[label] = counts
    ax.axvline(threshold, color="grey", linestyle="--", linewidth=1,
               label=f"threshold {threshold:g} GeV")
    ax.set_yscale("log")
    ax.set_ylim(bottom=0.5)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("predicted $p_T$ of noise-only events [GeV]")
    ax.set_ylabel(f"events / {PT_STEP_GEV:g} GeV")
    title = _finish(fig, ax, "Background: predicted $p_T$", ev, seed, path)
    plt.close(fig)
    return {"title": title, "bins": bins, "counts": drawn, "xlim": ax.get_xlim()}


def fake_rate(curves: Curves, ev: dict, threshold: float, path: str, seed: int) -> dict:
    """Fake rate (noise-only events with predicted pT >= t) vs threshold t, per mille, log
    scale, Clopper-Pearson 68.3% intervals; where no event passes, the 95% CL upper limit. The
    requirement (below 2 per mille) is drawn as a line."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10.5, 5.5), dpi=120)
    values = [pred[~ev["is_muon"], 0] for _, pred in curves]
    n = len(values[0]) if values else 0
    if n == 0:
        raise ValueError("fake_rate: the sample has no noise-only events")
    start, stop = _pt_range(values, threshold)
    steps = np.arange(max(0, round(start / PT_STEP_GEV)), round(stop / PT_STEP_GEV) + 1)
    scan = steps * PT_STEP_GEV
    limit = M.upper_limit(n)
    drawn = {}
    for (label, _), value in zip(curves, values):
        k = np.array([int((value >= t).sum()) for t in scan])
        bounds = np.array([M.clopper_pearson(int(c), n) for c in k])
        rate, some = k / n, k > 0
        style = _style(label, curves)
        ax.errorbar(scan[some], 1e3 * rate[some], label=label, capsize=0,
                    yerr=[1e3 * (rate - bounds[:, 0])[some], 1e3 * (bounds[:, 1] - rate)[some]],
                    **style)
        ax.plot(scan[~some], np.full((~some).sum(), 1e3 * limit), linestyle="none",
                marker="v", color=style["color"], mfc="none", markersize=6)
        drawn[label] = {"passing": k, "rate": rate, "lower": bounds[:, 0], "upper": bounds[:, 1]}
    ax.plot([], [], linestyle="none", marker="v", color="grey", mfc="none",
            label=f"none of {n:,} pass:\n95% CL upper limit")
    line = ax.axhline(1e3 * M.FAKE_RATE_LIMIT, color="red", linestyle="--", linewidth=1.2,
                      label=f"requirement: < {1e3 * M.FAKE_RATE_LIMIT:g} per mille")
    ax.axvline(threshold, color="grey", linestyle="--", linewidth=1,
               label=f"threshold {threshold:g} GeV")
    ax.set_yscale("log")
    ax.set_xlim(scan[0] - PT_STEP_GEV, scan[-1] + PT_STEP_GEV)
    lowest = min([limit] + [float(d["lower"][d["passing"] > 0].min()) for d in drawn.values()
                            if (d["passing"] > 0).any()])
    ax.set_ylim(0.5e3 * lowest, 2e3)
    ax.set_xlabel(f"threshold on predicted $p_T$ [GeV] (steps of {PT_STEP_GEV:g} GeV)")
    ax.set_ylabel("fake rate [per mille]\n(noise-only events passing)")
    ax.plot([], [], " ", label=f"bars: Clopper-Pearson {100 * M.ONE_SIGMA_CL:.1f}%")
    title = _finish(fig, ax, "Fake rate vs threshold", ev, seed, path)
    plt.close(fig)
    return {"title": title, "thresholds": scan, "events": n, "curves": drawn,
            "upper_limit": limit,
            "requirement_per_mille": float(line.get_ydata()[0]), "xlim": ax.get_xlim(),
            "ylim": ax.get_ylim()}


def write_all(curves: Curves, ev: dict, seed: int, threshold: float, plateau: float,
              out: str) -> dict[str, dict]:
    """The four plots into folder `out`: file name -> what the plot drew."""
    return {
        "turn_on.png": turn_on(curves, ev, threshold, plateau, os.path.join(out, "turn_on.png"),
                               seed),
        "pt_resolution.png": resolution(curves, ev, os.path.join(out, "pt_resolution.png"), seed),
        "background_pt.png": background(curves, ev, threshold,
                                        os.path.join(out, "background_pt.png"), seed),
        "fake_rate.png": fake_rate(curves, ev, threshold, os.path.join(out, "fake_rate.png"),
                                   seed),
    }
