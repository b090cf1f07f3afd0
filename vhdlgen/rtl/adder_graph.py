"""The lowered form of one unit: an adder graph with a pipeline schedule, and its interpreter.

A unit computes every output element from its input elements through

- *views*: input element i shifted left by k bits (wiring: the input bits with k zeros);
- *adders*: `dst = a + b`, `a - b` or `-a`, where a and b are views, adders or integer
  constants; an adder may feed many others (a shared subexpression); a ternary adder
  `dst = a + b + c` or `a + b - c` compresses its three operands bitwise first
  (`fixed.compress3`) and then needs one carry chain, like a binary adder;
- *comparators*: `dst = max(a, b)` (max pooling), adders with `maximum` set;
- *outputs*: an adder or view (the accumulator, rounding offset included), then the
  requantizer's lowered form (`fixed.Requantizer.apply_offset`) or nothing; a requantizer in
  the stage of its accumulator's adder tests the tie on that adder's operands (`Tie`,
  `fixed.sum_tie` / `difference_tie`), off the carry chain.

Every value carries its exact code range (from the input ranges and the integer coefficients it
sums), and a pipeline stage: the stage whose logic computes it. A value read in a later stage
passes through one register per stage boundary. The templates render exactly this structure, and
`run_unit` executes it on integer codes: the lowering is checked against the NumPy reference
without a simulator.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from vhdlgen.fixed import (Requantizer, difference_tie, signed_width, sum_tie, ternary_sum,
                           ternary_tie)
from vhdlgen.rtl.names import register_name

if TYPE_CHECKING:
    from vhdlgen.rtl.lut_adder import TernaryPlan


def varying_bits(lo: int, hi: int) -> int:
    """The bits of a register holding codes in [lo, hi] that can change: none for a constant,
    no sign bit for a value that is never negative (synthesis removes constant flip-flops)."""
    if lo == hi:
        return 0
    return signed_width(lo, hi) - int(lo >= 0)


@dataclass(frozen=True)
class View:
    """Input element `element` shifted left by `shift` bits, a wire. Computed in stage 0."""

    name: str
    element: int
    shift: int
    lo: int
    hi: int
    stage: int = 0


@dataclass(frozen=True)
class Const:
    """An integer constant operand (the bias, with the rounding offset folded in)."""

    value: int


@dataclass(frozen=True)
class Adder:
    """`name = a + b` (sign +1), `a - b` (sign -1), or `-a` (b is None); with `c`, the
    ternary `a + b + c` (c_sign +1) or `a + b - c` (c_sign -1). `users` names the outputs
    whose result depends on it (for the comment in the VHDL); `shared` marks a common
    subexpression found by the optimiser."""

    name: str
    a: "Operand"
    b: "Operand | None"
    sign: int
    lo: int
    hi: int
    stage: int
    arrival: float  # when the result is ready within its stage (ns, or adder levels)
    levels: int  # modelled logic levels (LUT, CARRY8) from the stage's registers to its top bit
    depth: int  # adder levels from the inputs
    luts: int  # estimated LUTs: bit positions where both operands vary
    shared: bool = False
    users: tuple[str, ...] = ()
    maximum: bool = False  # max(a, b) instead of a sum (sign unused)
    c: "Operand | None" = None
    c_sign: int = 1

    @property
    def width(self) -> int:
        return signed_width(self.lo, self.hi)

    @property
    def operands(self) -> list["Operand"]:
        return [op for op in (self.a, self.b, self.c) if op is not None]


Value = View | Adder
Operand = View | Adder | Const


@dataclass(frozen=True)
class Register:
    """`name <= source` at the end of stage `stage` (source: the value or its previous
    register). `initial` is its power-up value, consistent with an all-lowest input."""

    name: str
    value: str
    source: str
    stage: int
    lo: int
    hi: int
    initial: int


@dataclass(frozen=True)
class Tie:
    """The early tie test of a requantized output: the low `shift` bits of its accumulator are
    zero iff those of a + b (kind "sum"), a - b ("difference"), a + b + c ("ternary_add") or
    a + b - c ("ternary_sub") are, tested on the operands of the adder that computes the
    accumulator, in parallel with its carry chain."""

    kind: str  # "sum" | "difference" | "ternary_add" | "ternary_sub"
    a: "Operand"
    b: "Operand"
    c: "Operand | None" = None

    @property
    def operands(self) -> list["Operand"]:
        return [op for op in (self.a, self.b, self.c) if op is not None]

    def test(self, values: list[np.ndarray], bits: int) -> np.ndarray:
        """The tie flags of operand values `values` (a, b[, c])."""
        if self.c is not None:
            return ternary_tie(*values, bits, subtract=self.kind == "ternary_sub")
        return (sum_tie if self.kind == "sum" else difference_tie)(*values, bits)


@dataclass(frozen=True)
class Output:
    """One output element: `source` (a value, or None for a constant output) read in the last
    stage through its register chain, then requantized (or passed as is). `early_tie`: the
    requantizer is in the stage of its source adder and tests the tie on that adder's operands
    (`tie`) rather than on the accumulator's low bits, which wait for the carry chain."""

    name: str
    source: Value | None
    constant: int | None
    requantizer: Requantizer | None
    acc_width: int
    lo: int
    hi: int
    initial: int
    early_tie: bool = False

    @property
    def tie(self) -> Tie | None:
        """The operands the early tie test reads (constants folded to the other side)."""
        adder = self.source
        if not self.early_tie or not isinstance(adder, Adder):
            return None
        if adder.c is not None:
            kind = "ternary_sub" if adder.c_sign < 0 else "ternary_add"
            return Tie(kind, adder.a, adder.b, adder.c)
        if adder.b is None:
            return Tie("difference", adder.a, Const(0))  # -a: a's low bits are zero
        if adder.sign < 0:
            return Tie("difference", adder.a, adder.b)
        if isinstance(adder.b, Const):
            return Tie("difference", adder.a, Const(-adder.b.value))
        if isinstance(adder.a, Const):
            return Tie("difference", adder.b, Const(-adder.a.value))
        return Tie("sum", adder.a, adder.b)


@dataclass
class AdderGraph:
    """A unit's arithmetic: views, adders (topological order), outputs and the schedule."""

    views: list[View]
    adders: list[Adder]
    outputs: list[Output]
    stages: int  # pipeline stages
    output_stages: list[int]  # the stage requantizing each output
    stage_delay: list[float]  # per stage: its longest path (from the last clock edge)
    registers: list[Register]
    # An open unit's last stage ends in no register: its outputs are combinational and the next
    # unit's first stage continues the same clock cycle (from `output_time`, `output_levels`).
    open_output: bool = False
    output_time: float = 0.0
    output_levels: int = 0
    stage_levels: list[int] = field(default_factory=list)  # per stage: its deepest modelled
    #                                                         logic levels (LUT, CARRY8, MUXF)

    @property
    def latency(self) -> int:
        """Clock cycles from input to output: one register per stage, but none after an open
        unit's last stage."""
        return self.stages - int(self.open_output)

    @property
    def register_bits(self) -> int:
        """Flip-flops of the data path that can change: the stage registers (an input
        element's bits once per stage, whichever shifted views of it cross), and the output
        registers of a closed unit."""
        views = {view.name: view for view in self.views}
        crossing = {}
        for r in self.registers:
            view = views.get(r.value)
            if view is None:
                crossing[r.name] = varying_bits(r.lo, r.hi)
            else:
                crossing[(view.element, r.stage)] = varying_bits(view.lo >> view.shift,
                                                                 view.hi >> view.shift)
        bits = sum(crossing.values())
        if not self.open_output:
            bits += sum(varying_bits(o.lo, o.hi) for o in self.outputs)
        return bits

    def reference(self, value: Value, stage: int) -> str:
        """The VHDL name that holds `value` when read by logic of `stage`."""
        if value.stage >= stage:
            return value.name
        return register_name(value.name, stage - 1)


# --------------------------------------------------------------------------- interpreter
def _evaluate(operand: Operand, values: dict[str, np.ndarray], batch: int) -> np.ndarray:
    if isinstance(operand, Const):
        return np.full(batch, operand.value, dtype=np.int64)
    return values[operand.name]


def run_unit(graph: AdderGraph, codes: np.ndarray,
             primitives: "dict[str, TernaryPlan] | None" = None) -> np.ndarray:
    """Execute the lowered unit on input codes (N, elements): (N, outputs) int64.

    Every value is checked against its declared range, as GHDL checks the VHDL ranges: a value
    outside its range raises AssertionError naming it (an interval-analysis bug). `primitives`
    (`lut_adder.plan_graph`): the ternary adders run as their LUT6_2 + CARRY8 form."""
    codes = np.asarray(codes, dtype=np.int64).reshape(len(codes), -1)
    batch = len(codes)
    values: dict[str, np.ndarray] = {}

    def store(name: str, result: np.ndarray, lo: int, hi: int) -> None:
        if batch and (result.min() < lo or result.max() > hi):
            raise AssertionError(f"{name}: value outside its range [{lo}, {hi}]")
        values[name] = result

    for view in graph.views:
        store(view.name, codes[:, view.element] << view.shift, view.lo, view.hi)
    for adder in graph.adders:
        a = _evaluate(adder.a, values, batch)
        if adder.maximum:
            result = np.maximum(a, _evaluate(adder.b, values, batch))
        elif primitives and adder.name in primitives:
            result = primitives[adder.name].evaluate(
                [_evaluate(op, values, batch) for op in adder.operands])
        elif adder.c is not None:
            result = ternary_sum(a, _evaluate(adder.b, values, batch),
                                 _evaluate(adder.c, values, batch), subtract=adder.c_sign < 0)
        else:
            result = -a if adder.b is None else a + adder.sign * _evaluate(adder.b, values, batch)
        store(adder.name, result, adder.lo, adder.hi)
    out = np.empty((batch, len(graph.outputs)), dtype=np.int64)
    for j, output in enumerate(graph.outputs):
        if output.source is None:
            out[:, j] = output.constant
            continue
        acc = values[output.source.name]
        rq, tie = output.requantizer, output.tie
        if rq is None:
            out[:, j] = acc
        elif tie is None or rq.shift <= 0:
            out[:, j] = rq.apply_offset(acc)
        else:
            flags = tie.test([_evaluate(op, values, batch) for op in tie.operands], rq.shift)
            out[:, j] = rq.apply_tie(acc, flags)
    return out
