"""The UltraScale+ (-2 speed grade) delay model of vhdlgen and its two corners. Every value is in ns.

The pipelining of the lowering and the critical-path estimate of `vhdlgen.estimate` both use
the build's `DelayModel`, so they cannot disagree about what fits in a clock period. It is a
model fitted on routed Vivado paths, not Vivado: it knows no placement, congestion or skew.

Corners (`corner_model`, shipped in `ultrascale_plus_2.json`, fitted by
`bench/fit_delay_model.py` with `vhdlgen.timing.fit` on the public paths recorded, each with
its source, in `calibration.json`):

- `signoff` (the default): no recorded path of a tight run (WNS near or below zero) is slower
  than it predicts, and no routed net of such a run is slower than its route line;
- `typical`: the best fit (median cells, least-squares routes of the tight runs).

Each carries its stated error on the tight paths it was fitted on (`error_low`, `error_high`:
(model - Vivado) / Vivado) and says what it was fitted on (`fitted_on`); `describe()` is the line
that reports print. Paths of runs with a relaxed target (da4ml's 5 ns examples on xcvu13p -2,
routes of 0.5-1.3 ns) are upper bounds, reported in docs/rtl.md, not fitted. JEDI-linear's
twenty da4ml designs (calad0i/JEDI-linear, official_result_reports.tar.gz) all targeted 2.0 ns
and failed (target - WNS = 2.59-5.0 ns); their reports hold no paths, so they are recorded as
design summaries (`calibration.json` "designs") and quoted, not fitted.

How a path is priced (`vhdlgen.timing.fit.predict_path`, the same sums as `adder`):

- a route between slices: `net + net_per_fanout * log2(fanout)`;
- a LUT: `lut`; a MUXF7/8/9 fed inside its slice: `muxf`;
- the first CARRY8 of a chain with the slice-local net from its LUT: `carry_in`; every further
  CARRY8 with the CO -> CI hop into it: `carry8`;
- clock-to-Q: `ff_clk_to_q`; the last net into D plus the setup: `ff_setup`;
- `clock_uncertainty` = 0.035: what Vivado derives from the default 0.071 ns system jitter of a
  `create_clock` on a port (the out-of-context flow of `DIR/vivado/`), as in every recorded
  report without a user uncertainty.

`level_cap` turns the corner into the default cap on logic levels per stage: 6 at 3.125 ns for
the signoff corner (the budget over a routed LUT), 9 for the typical one.
"""
from __future__ import annotations

import functools
import json
import math
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path

from vhdlgen.errors import UserError


@dataclass(frozen=True)
class DelayModel:
    """Delays of a Xilinx UltraScale+ fabric, all in ns (see the module doc for the sources)."""

    lut: float             # LUT6 logic delay (any input -> O), ns
    net: float             # route from a LUT/FF output to a LUT input elsewhere, fanout 1, ns
    net_per_fanout: float  # extra route delay per doubling of the fanout, ns:
    #                        net_delay(fo) = net + net_per_fanout * log2(fo)
    carry8: float          # one further CARRY8 of a chain: CO -> CI hop + CI -> O/CO, ns
    carry_in: float        # LUT O -> S (slice-local) -> first CARRY8 output (CO or O), ns
    ff_clk_to_q: float     # flip-flop clock -> Q, ns
    ff_setup: float        # flip-flop setup, plus the slice-local route into D, ns
    clock_uncertainty: float  # jitter Vivado subtracts from every register-to-register period, ns
    muxf: float = 0.08     # MUXF7/8/9 data input -> O (fed inside the slice, no route), ns
    fmax_ceiling_mhz: float = 775.0  # clock-tree (BUFG) limit of the speed grade, MHz
    corner: str = "custom"  # "typical", "signoff", or "custom" (a user's fit or hand values)
    error_low: float = 0.0   # (model - Vivado) / Vivado over the paths it was checked on:
    error_high: float = 0.0  # the lowest and the highest relative error, e.g. -0.1 and 0.2
    fitted_on: str = ""      # what the values were fitted on (paths, designs, parts)

    def describe(self) -> str:
        """One line: the corner and its stated error on the paths it was fitted on."""
        return (f"{self.corner} corner, {self.error_low:+.0%} to {self.error_high:+.0%} against "
                f"Vivado on {self.fitted_on or 'no recorded paths'}")

    def to_json(self) -> dict[str, object]:
        """The fields as a JSON-ready dict (`from_json` reads it back)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, object], where: str = "delay model") -> "DelayModel":
        """A model from `to_json`'s dict; UserError naming a missing, unknown or non-numeric
        field."""
        if not isinstance(data, dict):
            raise UserError(f"{where}: expected a JSON object with the fields "
                            f"{', '.join(f.name for f in fields(cls))}")
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        required = [f.name for f in fields(cls) if f.default is MISSING]
        missing = sorted(set(required) - set(data))
        if unknown or missing:
            raise UserError(f"{where}: " + "; ".join(
                ([f"unknown field(s) {', '.join(unknown)}"] if unknown else [])
                + ([f"missing field(s) {', '.join(missing)}"] if missing else []))
                + f"; accepted: {', '.join(known)}")
        for name, value in data.items():
            numeric = known[name].type in ("float", "int")
            if numeric and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise UserError(f"{where}: field {name} = {value!r}, expected a number (ns)")
            if not numeric and not isinstance(value, str):
                raise UserError(f"{where}: field {name} = {value!r}, expected a string")
        return cls(**data)

    def net_delay(self, fanout: int = 1) -> float:
        """Route delay (ns) of a net driving `fanout` sinks: net + net_per_fanout * log2(fanout)."""
        if fanout < 1:
            raise ValueError(f"fanout must be at least 1, got {fanout}")
        return self.net + self.net_per_fanout * math.log2(fanout)

    def adder(self, width: int, fanout: int = 1) -> float:
        """Operands at the LUT inputs -> MSB of a ripple-carry adder of `width` bits (route + LUT
        + carry chain over ceil(width/8) CARRY8).

        In ns: net_delay(fanout) + lut + carry_in + (ceil(width / 8) - 1) * carry8. `fanout` is
        that of the operand nets (the register or adder output feeding this adder).
        """
        if width < 1:
            raise ValueError(f"adder width must be at least 1 bit, got {width}")
        return (self.net_delay(fanout) + self.lut + self.carry_in
                + (math.ceil(width / 8) - 1) * self.carry8)

    def lut_levels(self, levels: int, fanout: int = 1) -> float:
        """`levels` LUTs in series with their routes, ns: levels * (net_delay(fanout) + lut).

        Every one of the `levels` input nets is taken to have the given fanout.
        """
        if levels < 0:
            raise ValueError(f"levels must not be negative, got {levels}")
        return levels * (self.net_delay(fanout) + self.lut)

    def budget(self, clock_ns: float, margin_ns: float = 0.0) -> float:
        """Logic delay available between two registers: clock - clk_to_q - setup - uncertainty -
        margin.

        In ns; negative when not even a register-to-register wire fits. `margin_ns` is what the
        caller keeps back, e.g. for routing congestion of a large design that the model ignores.
        """
        return (clock_ns - self.ff_clk_to_q - self.ff_setup - self.clock_uncertainty
                - margin_ns)

    def level_cap(self, clock_ns: float, margin_ns: float = 0.0) -> int:
        """The logic levels a stage may hold by default: the budget divided by a LUT with its
        route (lut + net, ns), rounded down, at least 3 (an adder and a LUT).

        Every level is taken to be as slow as a routed LUT: a carry chain, which the delay
        model counts as fast, still has to be placed and reached through the fabric, and the
        levels of a path are what Vivado's timing report lists. 6 levels at 3.125 ns for the
        signoff corner."""
        return max(3, math.floor(self.budget(clock_ns, margin_ns) / (self.lut + self.net)))

    def fmax_mhz(self, period_ns: float) -> float:
        """Highest clock (MHz) for a register-to-register period in ns, capped at the clock tree."""
        if period_ns <= 0:
            return self.fmax_ceiling_mhz
        return min(1000.0 / period_ns, self.fmax_ceiling_mhz)


CORNERS = ("typical", "signoff")
DEFAULT_CORNER = "signoff"
CORNER_FILE = Path(__file__).with_name("ultrascale_plus_2.json")  # both corners, fitted


@functools.cache  # the shipped file: read once per process, not at every BuildOptions.delay
def corner_model(corner: str = DEFAULT_CORNER) -> DelayModel:
    """The shipped UltraScale+ -2 model of `corner` ('typical' or 'signoff'), fitted on the
    recorded Vivado paths of `calibration.json` (`vhdlgen.timing.fit`)."""
    if corner not in CORNERS:
        raise UserError(f"--timing-corner {corner}: accepted {', '.join(CORNERS)}")
    data = json.loads(CORNER_FILE.read_text(encoding="utf-8"))
    return DelayModel.from_json(data[corner], f"{CORNER_FILE.name} [{corner}]")


def load_delay_model(path: str | Path) -> DelayModel:
    """A delay model from a JSON file (`vhdlgen timing --fit OUT.json` writes one);
    UserError naming the file and what is wrong with it."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UserError(f"--delay-model {path}: cannot read it ({error.strerror}); expected a "
                        "JSON file written by `vhdlgen timing --fit`") from None
    except ValueError as error:
        raise UserError(f"--delay-model {path}: not JSON ({error}); expected a file written "
                        "by `vhdlgen timing --fit`") from None
    return DelayModel.from_json(data, f"--delay-model {path}")


#: Virtex/Kintex UltraScale+, -2 speed grade (xcvu13p-...-2, the project's default part), at
#: the default (signoff) corner.
ULTRASCALE_PLUS_2 = corner_model(DEFAULT_CORNER)
