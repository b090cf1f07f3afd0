"""The one UltraScale+ (-2 speed grade) delay model of vhdlgen. Every value is in ns.

The pipelining of the lowering and the critical-path estimate of `vhdlgen.estimate` both use
`ULTRASCALE_PLUS_2`, so they cannot disagree about what fits in a clock period. It is a model
built from published numbers, not Vivado: it knows no placement, congestion or clock skew.

Sources
-------
[F] FloPoCo (https://flopoco.org), target VirtexUltrascalePlus (xcvu3p-2-FFVC1517, -2 speed
    grade; constants "copypasted from Vivado timing reports"), file
    src/Targets/VirtexUltrascalePlus.hpp as read from the mirror
    https://github.com/OreganeD/flopoco-mpt-ilp (commit f5d7e29d03e0):
    lut6Delay_ 0.148, ffDelay_ 0.150, typicalLocalRoutingDelay_ 0.180, lut_to_carry_net 0.011,
    initCarryDelay_ (S -> CO[7]) 0.115, carry8Delay_ (CI -> CO) 0.015, finalCarryDelay_
    (CI -> O) 0.116, interCarryNetDelay_ (CO -> CI of the next slice) 0.026,
    fanoutConstant_ 1/65 ns per sink, maxFrequencyMHz_ 775 (BUFG limit of the -2 grade).
[R] Vivado 2020.1 `report_timing` of a routed design on xcvu3p-ffvc1517 -2, printed in
    https://www.rapidwright.io/docs/ReportTimingExample.html : data path delay 1.846 ns, 7 logic
    levels (CARRY8=4 LUT2 LUT4 LUT6) = FDRE -> route -> LUT6 -> CARRY8 S->CO -> CARRY8 CI->CO ->
    route -> LUT4 -> CARRY8 S->CO -> CARRY8 CI->CO -> route (fanout 324, 0.472 ns) -> LUT2 ->
    route -> FDRE; clock-to-out 0.081, clock uncertainty 0.035, setup -0.061.
[J] JEDI-linear (Que, Sun et al., arXiv:2508.15468, 2025), as summarised in the project's design
    notes (section 9): da4ml designs of 36k-71k LUT with 2 adder levels per pipeline stage met
    timing at 2.59-3.05 ns on xcvu13p -2. A design that met timing at period T has no path
    longer than T: an upper bound the model respects (see tests/test_timing.py).
[L] Vivado 2021.2 routed report on xczu3eg -1, github.com/gussmith23/lakeroad-evaluation,
    runs/2022-07-06-1704-full/vivado-eval/xilinx-ultrascale-plus-vivado-eval/
    vivado-synth-opt-place-route/invoke-memory.futil-vanilla-timing-route.v: MUXF7 I1 -> O
    0.082 ns (a slower grade than -2), fed by the LUT of its own slice over 0.009 ns.

How the fields were chosen
--------------------------
- lut, net, ff_clk_to_q: [F] as published (LUT6 0.148; local route 0.180; FF 0.150, which is
  above the 0.081 clock-to-out of [R], so it errs on the slow side).
- carry_in = lut_to_carry_net + initCarryDelay_ = 0.011 + 0.115 ([F]); [R] measured 0.165-0.173.
- carry8 = interCarryNetDelay_ + finalCarryDelay_ = 0.026 + 0.116 ([F]): each further CARRY8
  costs the hop from the previous slice plus CI -> O of the cell where the sum leaves. That is
  the right cost for the last cell of an adder and an upper bound for a cell the carry only
  passes through (CI -> CO 0.015 in [F], 0.04-0.10 in [R]).
- net_per_fanout: routed delay grows with the logarithm of the fanout. Fitted on the only
  routed high-fanout net with a known fanout in [R]: (0.472 - 0.180) / log2(324) = 0.035 ns per
  doubling. FloPoCo's linear 1/65 ns per sink ([F]) would give 5 ns at that fanout.
- ff_setup = 0.05: Vivado reports a small, even negative, setup for UltraScale+ slice flip-flops
  (-0.061 in [R]); the model keeps 0.05 for the setup plus the slice-local route from the
  driving LUT/CARRY output into D, which no other term counts.
- clock_uncertainty = 0.035: what Vivado derives from the default 0.071 ns system jitter of a
  `create_clock` on a port ([R], and [L]), the out-of-context flow of `DIR/vivado/`.
- muxf = 0.08 ([L], rounded down for the faster grade): MUXF7/8/9 data input to output, fed by
  the LUTs of its own slice with no route.

Checked (tests/test_timing.py): the 7-level path of [R] is reproduced within 15% (model 1.96 ns
for 1.846 ns measured); 2-adder-level stages of 8-32-bit adders at input fanout 1-64 stay under
the fastest closure of [J]; a 3.125 ns stage holds 5-7 LUT levels at fanout 2-64.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


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
        levels of a path are what Vivado's timing report lists. 7 levels at 3.125 ns."""
        return max(3, math.floor(self.budget(clock_ns, margin_ns) / (self.lut + self.net)))

    def fmax_mhz(self, period_ns: float) -> float:
        """Highest clock (MHz) for a register-to-register period in ns, capped at the clock tree."""
        if period_ns <= 0:
            return self.fmax_ceiling_mhz
        return min(1000.0 / period_ns, self.fmax_ceiling_mhz)


#: Virtex/Kintex UltraScale+, -2 speed grade (xcvu13p-...-2, the project's default part).
ULTRASCALE_PLUS_2 = DelayModel(
    lut=0.148,
    net=0.180,
    net_per_fanout=0.035,
    carry8=0.142,    # 0.026 CO -> CI hop + 0.116 CI -> O
    carry_in=0.126,  # 0.011 LUT -> S + 0.115 S -> CO[7]
    ff_clk_to_q=0.150,
    ff_setup=0.05,
    clock_uncertainty=0.035,
    muxf=0.08,
    fmax_ceiling_mhz=775.0,
)
