"""The delay model against Vivado's routed paths: what the model predicts for a recorded path,
and the two corners fitted on the recorded paths (`vhdlgen/timing/calibration.json`).

A path is compared as Vivado checks it: clock-to-Q, then cells and nets, up to the D pin, plus
the endpoint's setup (`vivado_ns`). The model prices the same elements the way the scheduler
prices an adder (`DelayModel.adder`):

- a route between slices (a net into a LUT, a MUXF, or a carry chain not fed by its own LUT):
  `net + net_per_fanout * log2(fanout)`;
- a LUT: `lut`; a MUXF7/8/9: `muxf`;
- the first CARRY8 of a chain, with the slice-local net from its LUT: `carry_in`;
- each further CARRY8, with the CO -> CI hop into it: `carry8`;
- the last net into the flip-flop's D pin and the setup: `ff_setup`; clock-to-Q: `ff_clk_to_q`.

Corners (`fit_model`):

- `typical`: every cell delay is the median of the recorded cells of its kind; the route is the
  least-squares line in log2(fanout) through the routed nets of tight runs (WNS near or below
  zero, `PathRecord.tight`).
- `signoff`: the typical cells; the route line moved up until no routed net of a tight run lies
  above it (the upper envelope at the typical slope), then, if a whole path of a tight run is
  still slower than the model, every route scaled up until none is.

Paths of relaxed runs are upper bounds (Vivado had no reason to shorten their routes):
`residuals` reports them, and neither corner is fitted on them. Cell delays are fitted on every
path, placed or routed, of every speed grade recorded: a -1 part's slower cells make both
corners err on the slow side.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, replace
from typing import Sequence

from vhdlgen.errors import UserError
from vhdlgen.timing.model import CORNERS, DelayModel
from vhdlgen.timing.paths import Element, PathRecord

ROUTE, LUT, MUXF, CARRY_IN, CARRY8, CLOCK_TO_Q, TO_FF, LOCAL, OTHER = (
    "route", "lut", "muxf", "carry_in", "carry8", "clock_to_q", "to_ff", "local", "other")


def _carry_continues(element: Element) -> bool:
    """A CARRY8 entered through CI (the carry of the previous CARRY8 of its chain)."""
    return "_CI_" in element.arc or element.arc.endswith("_CI") or "CIN" in element.arc


def classify(record: PathRecord) -> list[str]:
    """The model's kind of each element of `record`, in order (`other` for a cell the model
    does not know, such as a DSP or a block RAM)."""
    kinds: list[str] = []
    elements = record.elements
    for i, element in enumerate(elements):
        if element.kind == "clock_to_q":
            kinds.append(CLOCK_TO_Q)
        elif element.kind == "net":
            sink = elements[i + 1] if i + 1 < len(elements) else None
            source = elements[i - 1] if i > 0 else None
            if sink is None:
                kinds.append(TO_FF)
            elif sink.cell == "CARRY8" and _carry_continues(sink):
                kinds.append(LOCAL)  # CO -> CI: priced in carry8
            elif (sink.cell == "CARRY8" and source is not None
                  and source.cell.startswith("LUT")):
                kinds.append(LOCAL)  # LUT -> S/DI of its own slice: priced in carry_in
            else:
                kinds.append(ROUTE)
        elif element.cell.startswith("LUT"):
            kinds.append(LUT)
        elif element.cell.startswith("MUXF"):
            kinds.append(MUXF)
        elif element.cell == "CARRY8":
            kinds.append(CARRY8 if _carry_continues(element) else CARRY_IN)
        else:
            kinds.append(OTHER)
    return kinds


def predictable(record: PathRecord) -> bool:
    """Whether every element of the path is one the model prices (no DSP, RAM, ...)."""
    return OTHER not in classify(record)


def vivado_ns(record: PathRecord) -> float:
    """Vivado's register-to-register time of the path: data path delay plus the setup."""
    return record.data_path_ns + (record.setup_ns or 0.0)


def _element_ns(model: DelayModel, kind: str, element: Element) -> float:
    if kind == ROUTE:
        return model.net_delay(max(1, element.fanout or 1))
    return {LUT: model.lut, MUXF: model.muxf, CARRY_IN: model.carry_in, CARRY8: model.carry8,
            CLOCK_TO_Q: model.ff_clk_to_q, TO_FF: model.ff_setup, LOCAL: 0.0}[kind]


def predict_path(model: DelayModel, record: PathRecord) -> float:
    """The model's register-to-register time (ns) of the cells and nets of `record` (compare
    with `vivado_ns`); UserError for a path through a cell the model does not price."""
    kinds = classify(record)
    if OTHER in kinds:
        cells = sorted({e.cell for e, k in zip(record.elements, kinds) if k == OTHER})
        raise UserError(f"path {record.startpoint} -> {record.endpoint}: the delay model prices "
                        f"LUT, MUXF, CARRY8 and flip-flops, not {', '.join(cells)}")
    total = sum(_element_ns(model, k, e) for k, e in zip(kinds, record.elements))
    if TO_FF not in kinds:
        total += model.ff_setup
    return total


def _route_split(model: DelayModel, record: PathRecord) -> tuple[float, float]:
    """(the modelled routes, the rest) of `predict_path`."""
    kinds = classify(record)
    routes = sum(_element_ns(model, k, e) for k, e in zip(kinds, record.elements) if k == ROUTE)
    return routes, predict_path(model, record) - routes


def _samples(records: Sequence[PathRecord]) -> dict[str, list[float]]:
    """Recorded delays per model kind: a carry cell with the local net before it, the last
    net with the setup."""
    samples: dict[str, list[float]] = {}
    for record in records:
        kinds = classify(record)
        pending = 0.0
        for kind, element in zip(kinds, record.elements):
            if kind == LOCAL:
                pending += element.delay_ns
                continue
            delay = element.delay_ns + pending
            pending = 0.0
            if kind == TO_FF:
                delay += record.setup_ns or 0.0
            if kind != ROUTE:
                samples.setdefault(kind, []).append(delay)
    return samples


def route_points(records: Sequence[PathRecord]) -> list[tuple[int, float]]:
    """(fanout, delay in ns) of every routed net between slices of the routed `records` (a
    placed design's nets are Vivado's estimates)."""
    return [(max(1, e.fanout or 1), e.delay_ns) for r in records if r.state == "routed"
            for k, e in zip(classify(r), r.elements) if k == ROUTE and e.routing == "routed"]


def _route_line(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least squares delay = a + b * log2(fanout), b >= 0 (a flat mean when all fanouts agree
    or the slope comes out negative)."""
    xs = [math.log2(f) for f, _ in points]
    ys = [d for _, d in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = (sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread
             if spread > 0 else 0.0)
    if slope < 0:
        return mean_y, 0.0
    return mean_y - slope * mean_x, slope


@dataclass(frozen=True)
class Residual:
    """One recorded path against a model: Vivado's time, the model's, and whether the run's
    target was tight (fitted) or relaxed (an upper bound, reported only)."""

    record: PathRecord
    vivado_ns: float
    model_ns: float

    @property
    def error(self) -> float:
        """(model - Vivado) / Vivado."""
        return (self.model_ns - self.vivado_ns) / self.vivado_ns


def residuals(model: DelayModel, records: Sequence[PathRecord]) -> list[Residual]:
    """The model against every predictable path of `records`."""
    return [Residual(r, vivado_ns(r), predict_path(model, r)) for r in records if predictable(r)]


def _fitted_on(records: Sequence[PathRecord]) -> str:
    designs = sorted({r.design for r in records})
    parts = sorted({f"{r.part} {r.speed_grade}".strip() for r in records})
    return (f"{len(records)} paths of tight runs in {len(designs)} designs "
            f"({', '.join(parts)})")


def fit_model(records: Sequence[PathRecord], corner: str,
              base: DelayModel | None = None) -> DelayModel:
    """The `corner` ('typical' or 'signoff') model fitted on `records` (see the module doc).
    Fields the paths do not show (clock uncertainty, the clock-tree ceiling) come from `base`.
    UserError when no path of a tight run can be priced."""
    if corner not in CORNERS:
        raise UserError(f"timing corner {corner!r}: accepted {', '.join(CORNERS)}")
    usable = [r for r in records if predictable(r)]
    tight = [r for r in usable if r.tight and r.state == "routed"]
    if not tight or not route_points(tight):
        raise UserError(f"no routed path of a tight run (WNS within 10% of the target) with a "
                        "route "
                        f"between slices among {len(records)} paths ({len(usable)} of only "
                        "LUT, MUXF, CARRY8 and flip-flops): nothing to fit a delay model on; "
                        "report_timing of a run whose target was tight is needed")
    base = base or DelayModel(0, 0, 0, 0, 0, 0, 0, 0.035)
    cells = {kind: statistics.median(values) for kind, values in _samples(usable).items()}
    net, per_fanout = _route_line(route_points(tight))
    model = replace(base, lut=cells.get(LUT, base.lut), muxf=cells.get(MUXF, base.muxf),
                    carry_in=cells.get(CARRY_IN, base.carry_in),
                    carry8=cells.get(CARRY8, base.carry8),
                    ff_clk_to_q=cells.get(CLOCK_TO_Q, base.ff_clk_to_q),
                    ff_setup=cells.get(TO_FF, base.ff_setup), net=net,
                    net_per_fanout=per_fanout, corner=corner, fitted_on=_fitted_on(tight))
    if corner == "signoff":
        envelope = max(d - per_fanout * math.log2(f) for f, d in route_points(tight))
        model = replace(model, net=max(net, envelope))
        scale = max([1.0] + [(vivado_ns(r) - rest) / routes for r in tight
                             for routes, rest in [_route_split(model, r)] if routes > 0])
        model = replace(model, net=model.net * scale, net_per_fanout=per_fanout * scale)
    model = _rounded(model)
    errors = [res.error for res in residuals(model, tight)]
    return replace(model, error_low=round(min(errors), 3), error_high=round(max(errors), 3))


def _rounded(model: DelayModel) -> DelayModel:
    """Delays rounded up to the picosecond (up: rounding must not make signoff optimistic)."""
    names = ("lut", "net", "net_per_fanout", "carry8", "carry_in", "ff_clk_to_q", "ff_setup",
             "muxf")
    return replace(model, **{n: math.ceil(getattr(model, n) * 1000 - 1e-9) / 1000 for n in names})


#: What the recorded paths do not show: the jitter Vivado derives for a `create_clock` on a port
#: (0.071 ns system jitter -> 0.035 ns uncertainty) and the -2 grade's clock-tree limit.
UNSEEN = DelayModel(lut=0, net=0, net_per_fanout=0, carry8=0, carry_in=0, ff_clk_to_q=0,
                    ff_setup=0, clock_uncertainty=0.035, muxf=0.08, fmax_ceiling_mhz=775.0)


def fit_corners(records: Sequence[PathRecord]) -> dict[str, DelayModel]:
    """Both corners fitted on `records` (what bench/fit_delay_model.py ships)."""
    return {corner: fit_model(records, corner, UNSEEN) for corner in CORNERS}


def residual_table(models: dict[str, DelayModel], records: Sequence[PathRecord]) -> str:
    """A markdown table: every predictable path, Vivado's time and each model's, with the
    relative error; tight runs first."""
    rows = sorted((r for r in records if predictable(r)),
                  key=lambda r: (not r.tight, r.design, r.state))
    names = list(models)
    lines = ["| design | part | state | target ns | WNS ns | levels | Vivado ns | "
             + " | ".join(f"{n} ns (error)" for n in names) + " |",
             "|---|---|---|--:|--:|--:|--:|" + "--:|" * len(names)]
    for r in rows:
        cells = []
        for name in names:
            model_ns = predict_path(models[name], r)
            cells.append(f"{model_ns:.3f} ({(model_ns - vivado_ns(r)) / vivado_ns(r):+.0%})")
        wns = r.design_wns_ns if r.design_wns_ns is not None else r.slack_ns
        tight = " **tight**" if r.tight and r.state == "routed" else ""
        lines.append(f"| {r.design}{tight} | {r.part} {r.speed_grade} | {r.state} | "
                     f"{r.target_ns:g} | {wns:.3f} | {r.logic_levels} | {vivado_ns(r):.3f} | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines)
