"""Pareto plots of a sweep (DIR/pareto.png): LUT against plateau efficiency, LUT against pT
resolution, latency (cycles) against pT resolution. Colour: bits; marker: sparsity; filled:
distillation on, hollow: off. Requirement lines are drawn; points meeting every requirement
are ringed; the Pareto front (fewest LUT for a better physics value) is a step line.

LUT is yosys' count when every point has an estimate, else the generator's own LUT estimate
(report.json), and the axis says which."""
from __future__ import annotations

from pathlib import Path

from vhdlgen.train.sweep import store

COLOURS = {2: "tab:blue", 3: "tab:orange", 4: "tab:green", 5: "tab:red"}
MARKERS = ("o", "s", "^", "D", "v", "P")


def _front(points: list[tuple[float, float]], higher_is_better: bool) -> list[tuple[float, float]]:
    """Pareto front of (physics, cost): no other point is better on both."""
    ordered = sorted(points, key=lambda p: (-p[0] if higher_is_better else p[0], p[1]))
    front, best = [], float("inf")
    for x, cost in ordered:
        if cost < best:
            front.append((x, cost))
            best = cost
    return front


def _panel(ax, table: list[dict], x: str, y: str, better_high: bool) -> None:  # noqa: ANN001
    sparsities = sorted({r["sparsity"] for r in table})
    for r in table:
        if r.get(x) is None or r.get(y) is None:
            continue
        colour = COLOURS.get(r["bits"], "black")
        marker = MARKERS[sparsities.index(r["sparsity"]) % len(MARKERS)]
        ax.scatter(r[x], r[y], c=colour if r["distill"] else "none", edgecolors=colour,
                   marker=marker, s=60, linewidths=1.5, zorder=3)
        if store.meets_all(r):
            ax.scatter(r[x], r[y], s=220, facecolors="none", edgecolors="black", zorder=2)
    front = _front([(r[x], r[y]) for r in table if r.get(x) is not None and r.get(y)
                    is not None], better_high)
    if len(front) > 1:
        xs, ys = zip(*sorted(front))
        ax.step(xs, ys, where="post" if better_high else "pre", color="grey", lw=0.8,
                ls=":", zorder=1)


def _limit(ax, limit: float, values: list, label: str) -> None:  # noqa: ANN001
    """A requirement on the y axis: a dashed line where it is within three times the data's
    largest value, else a note above the panel that every point is far below it (so the
    points keep the axis)."""
    values = [v for v in values if v is not None]
    if values and limit > 3 * max(values):
        ax.set_title(f"{label}: every point far below", color="red", fontsize=8)
        return
    ax.axhline(limit, color="red", ls="--", lw=1)
    ax.text(ax.get_xlim()[0], limit, f" {label}", color="red", va="bottom", fontsize=7)


def _legend(ax, table: list[dict]) -> None:  # noqa: ANN001
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], ls="", marker="o", color=COLOURS.get(b, "black"), label=f"{b} bits")
               for b in sorted({r["bits"] for r in table})]
    for i, s in enumerate(sorted({r["sparsity"] for r in table})):
        handles.append(Line2D([], [], ls="", marker=MARKERS[i % len(MARKERS)], color="grey",
                              label=f"sparsity {s:g}"))
    handles += [Line2D([], [], ls="", marker="o", color="grey", label="distillation on"),
                Line2D([], [], ls="", marker="o", mfc="none", color="grey",
                       label="distillation off"),
                Line2D([], [], ls="", marker="o", ms=12, mfc="none", color="black",
                       label="meets every requirement")]
    ax.legend(handles=handles, fontsize=7, loc="best")


def draw(folder: Path, table: list[dict]) -> Path:
    """Write DIR/pareto.png from the store's rows; returns its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = [r for r in table if r["status"] == "done"]
    yosys = bool(done) and all(r.get("lut") is not None for r in done)
    lut = "lut" if yosys else "lut_report"
    lut_label = "LUT (yosys carry flow)" if yosys else "LUT (generator's estimate, no yosys)"
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.2))
    specs = [(axes[0], "plateau_eff", lut, True, "plateau efficiency", lut_label),
             (axes[1], "resolution", lut, False, "pT resolution near threshold", lut_label),
             (axes[2], "resolution", "latency_cycles", False, "pT resolution near threshold",
              "latency (clock cycles)")]
    for ax, x, y, better_high, xl, yl in specs:
        _panel(ax, done, x, y, better_high)
        ax.set_xlabel(xl)
        ax.set_ylabel(yl)
        ax.grid(alpha=0.3)
    axes[0].axvline(store.PLATEAU_TARGET, color="red", ls="--", lw=1,
                    label=f"plateau >= {store.PLATEAU_TARGET:g}")
    for ax in axes[:2]:
        if yosys:
            ax.set_yscale("log")
            _limit(ax, store.XCVU13P_LUT, [r[lut] for r in done],
                   f"xcvu13p: {store.XCVU13P_LUT:,} LUT")
    clocks = {r["clock_ns"] for r in done if r.get("clock_ns")}
    if len(clocks) == 1:
        _limit(axes[2], store.LATENCY_LIMIT_NS / clocks.pop(),
               [r["latency_cycles"] for r in done], f"{store.LATENCY_LIMIT_NS:g} ns")
    _legend(axes[0], done)
    fig.suptitle(f"vhdlgen sweep: {len(done)} points done, "
                 f"{sum(r['status'] == 'failed' for r in table)} failed; fake rate < "
                 f"{store.FAKE_RATE_LIMIT * 1e3:g} per mille required (ringed points meet all)")
    fig.tight_layout()
    path = folder / "pareto.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
