"""PNG plots of the trigger performance (matplotlib, non-interactive Agg backend)."""
from __future__ import annotations

import numpy as np

from vhdlgen.train import metrics as M

Curves = list[tuple[str, np.ndarray]]


def _pyplot():  # noqa: ANN202
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


REFERENCE_SUFFIX = " (bit-exact reference)"


def _style(label: str, curves: Curves) -> dict:
    """One colour per model; its bit-exact reference as large open markers of the same colour
    drawn on top, so they stay visible where they sit on the Keras curve."""
    bases = list(dict.fromkeys(lab.replace(REFERENCE_SUFFIX, "") for lab, _ in curves))
    colour = f"C{bases.index(label.replace(REFERENCE_SUFFIX, '')) % 10}"
    if label.endswith(REFERENCE_SUFFIX):
        return {"color": colour, "marker": "o", "markersize": 7, "linestyle": "none",
                "mfc": "none", "mew": 1.3, "zorder": 3}
    return {"color": colour, "marker": ".", "markersize": 4, "linewidth": 1.4, "zorder": 2}


def _legend_outside(fig, ax) -> None:  # noqa: ANN001
    """The legend right of the axes: it never hides a point."""
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()


def turn_on(curves: Curves, ev: dict, threshold: float, plateau: float, path: str) -> None:
    """Efficiency vs true pT for the threshold, one curve per model."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10.5, 5.5), dpi=120)
    mu = ev["is_muon"]
    for label, pred in curves:
        x, eff, err = M.turn_on(ev["pt"][mu], pred[mu, 0], threshold)
        ax.errorbar(x, eff, yerr=err, label=label, capsize=0, **_style(label, curves))
    ax.axvline(threshold, color="grey", linestyle="--", linewidth=1,
               label=f"threshold {threshold:g} GeV")
    ax.axvspan(plateau, M.PT_BINS[-1], color="green", alpha=0.06,
               label=f"plateau (pT >= {plateau:g} GeV)")
    ax.axhline(0.9, color="green", linestyle=":", linewidth=1, label="90% efficiency")
    ax.set_xlabel("true muon $p_T$ [GeV]")
    ax.set_ylabel(f"efficiency (predicted $p_T \\geq$ {threshold:g} GeV)")
    ax.set_title("Trigger turn-on, toy RPC sample")
    ax.set_xlim(M.PT_BINS[0], M.PT_BINS[-1])
    ax.set_ylim(-0.02, 1.05)
    ax.grid(True, alpha=0.4)
    _legend_outside(fig, ax)
    fig.savefig(path)
    plt.close(fig)


def resolution(curves: Curves, ev: dict, path: str) -> None:
    """Relative pT resolution (robust sigma of (pred - true)/true) and bias (its median) vs
    true pT, with bootstrap errors."""
    plt = _pyplot()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10.5, 7), dpi=120, sharex=True,
                                      gridspec_kw={"height_ratios": [3, 2]})
    mu = ev["is_muon"]
    bins = np.arange(3.0, 21.0, 1.0)
    centres = 0.5 * (bins[1:] + bins[:-1])
    for label, pred in curves:
        pt, pr = ev["pt"][mu], pred[mu, 0]
        cells = [(pt[(pt >= lo) & (pt < hi)], pr[(pt >= lo) & (pt < hi)])
                 for lo, hi in zip(bins[:-1], bins[1:])]
        value = 100 * np.array([M.resolution(t, p) for t, p in cells])
        error = 100 * np.array([M.resolution_errors(t, p) for t, p in cells])
        style = _style(label, curves)
        top.errorbar(centres, value[:, 0], yerr=error[:, 0], label=label, capsize=2, **style)
        bottom.errorbar(centres, value[:, 1], yerr=error[:, 1], capsize=2, **style)
    top.set_ylabel("resolution [%]\n(half 68% interval)")
    top.set_title("$p_T$ resolution and bias, $(p_T^{pred} - p_T^{true}) / p_T^{true}$")
    bottom.axhline(0, color="grey", linewidth=1)
    bottom.set_ylabel("bias [%] (median)")
    bottom.set_xlabel("true muon $p_T$ [GeV]")
    for ax in (top, bottom):
        ax.grid(True, alpha=0.4)
    _legend_outside(fig, top)
    fig.savefig(path)
    plt.close(fig)


def background(curves: Curves, ev: dict, threshold: float, path: str) -> None:
    """Predicted pT of background (noise-only) events, log scale."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10.5, 5), dpi=120)
    bins = np.linspace(-5, 25, 121)
    for label, pred in curves:
        reference = label.endswith(REFERENCE_SUFFIX)
        ax.hist(pred[~ev["is_muon"], 0], bins=bins, histtype="step", label=label,
                linewidth=2.2 if reference else 1.3, linestyle=":" if reference else "-",
                color=_style(label, curves)["color"])
    ax.axvline(threshold, color="grey", linestyle="--", linewidth=1,
               label=f"threshold {threshold:g} GeV")
    ax.set_yscale("log")
    ax.set_xlabel("predicted $p_T$ of noise-only events [GeV]")
    ax.set_ylabel("events / 0.25 GeV")
    ax.set_title("Background: predicted $p_T$")
    ax.grid(True, alpha=0.4)
    _legend_outside(fig, ax)
    fig.savefig(path)
    plt.close(fig)


def event_display(ev: dict, indices: list[int], path: str) -> None:
    """Full 9x384 strip images (needs ``image``) and the kept 9x16 inputs of a few events."""
    from vhdlgen.data.fragmentation import WINDOW_STRIPS

    plt = _pyplot()
    fig, axes = plt.subplots(len(indices), 2, figsize=(11, 1.9 * len(indices)), dpi=120,
                             gridspec_kw={"width_ratios": [4, 1]}, squeeze=False)
    for row, i in zip(axes, indices):
        w = int(ev["window"][i])
        row[0].imshow(ev["image"][i], aspect="auto", cmap="Greys", interpolation="nearest")
        row[0].axvspan(w * WINDOW_STRIPS - 0.5, (w + 1) * WINDOW_STRIPS - 0.5, color="C1",
                       alpha=0.25)
        what = (f"muon pT {ev['pt'][i]:.1f} GeV, eta {ev['eta'][i]:.3f}, q {ev['charge'][i]:+d}"
                if ev["is_muon"][i] else "background (noise only)")
        row[0].set_title(f"{what}; kept window {w}", fontsize=9)
        row[0].set_ylabel("layer")
        row[0].set_yticks(range(0, 9, 2))
        row[1].set_yticks(range(0, 9, 2))
        row[1].imshow(ev["x"][i, :, :, 0], aspect="auto", cmap="Greys", vmin=0, vmax=1,
                      interpolation="nearest")
        row[1].set_title("9x16 input", fontsize=9)
    axes[-1][0].set_xlabel("strip (eta)")
    axes[-1][1].set_xlabel("pooled strip")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
