"""Where the fragmentation stage puts its registers: the UltraScale+ delay model of
`vhdlgen.timing` (the build's corner) over the logic of each step, packed greedily into clock stages.

Steps, in order (every one of them runs for all windows in parallel):

- `ones`: the window's strips in groups of 6, each counted by one LUT6 level (6 -> 3 bits);
- `sum1` .. `sumD`: a balanced adder tree over the group counts (fired strips per window);
- `select`: every pair of window counts compared at once (a carry chain each), then per window
  an AND over the other windows' results (window i wins if it beats every lower window and at
  least ties every higher one): a one-hot vector;
- `mux`: the one-hot vector ANDs every window's strips, an OR over the windows keeps the
  selected one (LUT levels over 2 x windows inputs), and the pool sums become input codes
  (one LUT level).

A step goes into the current stage while the stage's modelled delay stays within the budget
(the clock less clock-to-out, setup, uncertainty and the margin), else it opens the next stage.
The output stage of the chain (window -> eta offset ROM, the eta adder, the trigger comparator)
is one more stage, checked against the same budget.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from vhdlgen.chain.geometry import StripGeometry
from vhdlgen.errors import UserError
from vhdlgen.timing import ULTRASCALE_PLUS_2, DelayModel

GROUP = 6  # strips counted by one LUT6 level


@dataclass(frozen=True)
class Step:
    """One step of the fragmentation logic: its name, values per window and their range."""

    name: str
    kind: str  # "ones", "sum", "select" or "mux"
    count: int  # values per window (ones / sums), 0 otherwise
    hi: int  # largest value (ones / sums), 0 otherwise
    delay_ns: float


@dataclass(frozen=True)
class Plan:
    """The steps grouped into stages (each ends on a register), with their modelled delays."""

    stages: tuple[tuple[Step, ...], ...]
    output_stage_ns: float
    budget_ns: float

    @property
    def latency(self) -> int:
        return len(self.stages)

    @property
    def stage_delays(self) -> list[float]:
        return [round(sum(s.delay_ns for s in stage), 3) for stage in self.stages]

    @property
    def steps(self) -> list[Step]:
        return [step for stage in self.stages for step in stage]

    def as_json(self) -> dict:
        return {"latency_cycles": self.latency, "budget_ns": round(self.budget_ns, 3),
                "stages": [[s.name for s in stage] for stage in self.stages],
                "stage_delays_ns": self.stage_delays,
                "output_stage_ns": round(self.output_stage_ns, 3),
                "model": "UltraScale+ -2 delay model (vhdlgen/timing); an estimate, not Vivado"}


def _lut_depth(inputs: int) -> int:
    """LUT6 levels of a tree reducing `inputs` signals to one."""
    return max(1, math.ceil(math.log(inputs, GROUP))) if inputs > 1 else 1


def count_tree(bits: int) -> list[list[int]]:
    """The largest value of every partial count of one window's `bits` strips, per level: the
    group counts (level 0), then each level of the balanced adder tree (neighbours added in
    pairs, an odd last one passed on), down to the window's one count."""
    levels = [[min(GROUP, bits - start) for start in range(0, bits, GROUP)]]
    while len(levels[-1]) > 1:
        sizes = levels[-1]
        levels.append([sum(sizes[i:i + 2]) for i in range(0, len(sizes), 2)])
    return levels


def steps(geometry: StripGeometry, model: DelayModel = ULTRASCALE_PLUS_2) -> list[Step]:
    """The fragmentation logic as a sequence of steps with their delays (ns)."""
    bits, windows = geometry.window_bits, geometry.windows
    tree = count_tree(bits)
    # a strip drives its group's three LUTs and the data register
    result = [Step("ones", "ones", len(tree[0]), max(tree[0]), model.net_delay(4) + model.lut)]
    for level, sizes in enumerate(tree[1:], start=1):
        width = max(sizes).bit_length()
        result.append(Step(f"sum{level}", "sum", len(sizes), max(sizes), model.adder(width)))
    count_width = bits.bit_length()
    select = (model.adder(count_width, fanout=windows - 1)
              + model.lut_levels(_lut_depth(windows - 1)))
    result.append(Step("hot", "select", 0, 0, select))
    # the one-hot bit of a window drives all its strips; AND-OR over the windows; pool -> code
    mux_levels = 1 + _lut_depth(math.ceil(windows / 3))
    mux = (model.net_delay(bits) + model.lut + model.lut_levels(mux_levels - 1)
           + model.lut_levels(_lut_depth(geometry.pool)))
    result.append(Step("mux", "mux", 0, 0, mux))
    return result


def plan(geometry: StripGeometry, clock_ns: float, margin_ns: float, eta_width: int,
         model: DelayModel = ULTRASCALE_PLUS_2) -> Plan:
    """Pack the steps into stages within the budget; UserError when one step alone exceeds it."""
    budget = model.budget(clock_ns, margin_ns)
    stages: list[list[Step]] = [[]]
    used = 0.0
    for step in steps(geometry, model):
        if step.delay_ns > budget:
            raise UserError(f"--clock-ns {clock_ns}: the fragmentation step '{step.name}' needs "
                            f"{step.delay_ns:.2f} ns in the delay model, more than the "
                            f"{budget:.2f} ns a stage has (clock less margin {margin_ns} ns and "
                            "register overheads); accepted a longer clock or a smaller margin")
        if stages[-1] and used + step.delay_ns > budget:
            stages.append([])
            used = 0.0
        stages[-1].append(step)
        used += step.delay_ns
    # output stage: the window register drives one ROM LUT per eta offset bit, then the eta adder
    output = model.net_delay(eta_width) + model.lut + model.adder(eta_width)
    if output > budget:
        raise UserError(f"--clock-ns {clock_ns}: the output stage needs {output:.2f} ns in the "
                        f"delay model, more than the {budget:.2f} ns a stage has; accepted a "
                        "longer clock or a smaller margin")
    return Plan(tuple(tuple(s) for s in stages), output, budget)
