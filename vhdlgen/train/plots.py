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
    """One colour per model; its bit-exact reference as open markers of the same colour."""
    bases = list(dict.fromkeys(lab.replace(REFERENCE_SUFFIX, "") for lab, _ in curves))
    colour = f"C{bases.index(label.replace(REFERENCE_SUFFIX, '')) % 10}"
    if label.endswith(REFERENCE_SUFFIX):
        return {"color": colour, "marker": "o", "markersize": 5, "linestyle": "none",
                "mfc": "none"}
    return {"color": colour, "marker": ".", "markersize": 4, "linewidth": 1.4}


def turn_on(curves: Curves, ev: dict, threshold: float, plateau: float, path: str) -> None:
    """Efficiency vs true pT for the threshold, one curve per model."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 5.5), dpi=120)
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
    ax.legend(fontsize=8, loc="lower right", ncol=2)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def resolution(curves: Curves, ev: dict, path: str) -> None:
    """Relative pT resolution (robust sigma of (pred - true)/true) vs true pT."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    mu = ev["is_muon"]
    bins = np.arange(3.0, 21.0, 1.0)
    centres = 0.5 * (bins[1:] + bins[:-1])
    for label, pred in curves:
        pt, pr = ev["pt"][mu], pred[mu, 0]
        res = [M.resolution(pt[(pt >= lo) & (pt < hi)], pr[(pt >= lo) & (pt < hi)])[0]
               for lo, hi in zip(bins[:-1], bins[1:])]
        ax.plot(centres, 100 * np.asarray(res), label=label, **_style(label, curves))
    ax.set_xlabel("true muon $p_T$ [GeV]")
    ax.set_ylabel("relative $p_T$ resolution [%] (half 68% interval)")
    ax.set_title("$p_T$ resolution")
    ax.grid(True, alpha=0.4)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def background(curves: Curves, ev: dict, threshold: float, path: str) -> None:
    """Predicted pT of background (noise-only) events, log scale."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    bins = np.linspace(-5, 25, 121)
    for label, pred in curves:
        if "reference" in label:
            continue
        ax.hist(pred[~ev["is_muon"], 0], bins=bins, histtype="step", label=label, linewidth=1.3,
                color=_style(label, curves)["color"])
    ax.axvline(threshold, color="grey", linestyle="--", linewidth=1,
               label=f"threshold {threshold:g} GeV")
    ax.set_yscale("log")
    ax.set_xlabel("predicted $p_T$ of noise-only events [GeV]")
    ax.set_ylabel("events / 0.25 GeV")
    ax.set_title("Background: predicted $p_T$")
    ax.grid(True, alpha=0.4)
    ax.legend(fontsize=8)
    fig.tight_layout()
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
