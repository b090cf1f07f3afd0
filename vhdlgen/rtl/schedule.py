"""Pipeline schedule: which stage computes each adder and output, and the registers between.

Values are placed as soon as possible (in topological order). A value joins the latest stage
of its operands while its estimated arrival time still fits the stage budget; otherwise it starts
the next stage, reading its operands from registers. Two ways to measure time:

- timing-driven (the default): the UltraScale+ delay model of `vhdlgen.timing`; the budget is the
  clock period less clock-to-out, setup, uncertainty and a margin, and an adder costs route
  (with its operands' fan-out) + LUT + its carry chain; the logic levels (LUT, CARRY8, MUXF)
  of every path are capped too, modelled per bit (`Arrival.bits`, `adder_arrival`);
- `--adder-levels-per-stage N`: every adder and every requantizer counts one level, N a stage.

An output is requantized in the stage of its accumulator when it fits (so the narrow result is
what the registers carry onward); there its tie is tested on the last adder's operands
(`adder_graph.Tie`), beside the carry chain. A closed unit registers every output at the end of its last
stage. An open unit does not: its last stage runs on into the next unit's first stage in the same
clock cycle, whose inputs then arrive late (`inputs`: the open unit's output arrival). Layer
boundaries then cost no half-empty stage.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from typing import Callable

from vhdlgen.fixed import Requantizer, signed_width
from vhdlgen.rtl.adder_graph import Adder, AdderGraph, Const, Output, Register, View
from vhdlgen.rtl.cmvm import ADD, CONST, VIEW, Plan, Ref
from vhdlgen.rtl.names import adder_name, register_name, shared_name
from vhdlgen.timing.model import DelayModel

REQUANTIZER_LUT_LEVELS = 2  # delay: tie detection + saturation, two LUT levels, no carry chain


def function_levels(inputs: int) -> int:
    """Logic levels of one output bit of a function of `inputs` bits as yosys' ABC maps it
    where it may share logic between the output bits (area recovery off the LUT-only critical
    path, which does not see the carry chains): one LUT up to three inputs; two levels up to
    seven (a shared LUT4 > LUT3, measured on the 3-bit student's shift-0 requantizer of six
    inputs; LUT6 > MUXF7 for seven); then one level per input, LUT > MUXF7 > MUXF8 for eight
    (measured: the 3-bit student's conv2 requantizer with its early tie merged in), at most
    four (MUXF9; wider ones measured four too, docs/benchmarks.md)."""
    if inputs <= 3:
        return 1
    return 2 if inputs <= 7 else min(inputs - 5, 4)


def requantizer_levels(acc_width: int, rq: Requantizer) -> int:
    """Logic levels of a requantizer after its accumulator: its widest output bit, the lowest,
    reads the dropped bits (the tie) and the quotient bits it depends on (`_quotient_inputs`)."""
    return function_levels(max(rq.shift, 0) + _quotient_inputs(acc_width, rq))


def early_tie_levels(acc_width: int, rq: Requantizer, tie_inputs: int) -> int:
    """Logic levels of a requantizer whose tie is tested on its last adder's operands
    (`adder_graph.Tie`), after the later of the accumulator and those operand bits: ABC merges
    the tie test into the lowest bit's function, which reads the `tie_inputs` operand bits
    beside the quotient bits it depends on."""
    return function_levels(tie_inputs + _quotient_inputs(acc_width, rq))


def _quotient_inputs(acc_width: int, rq: Requantizer) -> int:
    """The bits of the quotient (the accumulator above the dropped bits) that the result's
    lowest bit depends on: itself and the sign and overflow bits when the bounds are the ends
    of the output's code range (0 or -2**k, and 2**k - 1); every quotient bit otherwise, since
    the saturation then compares the code bits too (a symmetric -7..7 output: the 3-input
    detection of -8 beside the rest; measured as LUT4 > MUXF7 > MUXF8 > MUXF9 on a 9-bit
    accumulator, tests/test_api.py's tiny model)."""
    code = _code_bits(rq)
    quotient = acc_width - max(rq.shift, 0)
    natural = rq.hi == 2 ** code - 1 and rq.lo in (0, -2 ** code)
    return quotient - code + 1 if natural else quotient


def _code_bits(rq: Requantizer) -> int:
    """The output's code bits without a sign bit."""
    return rq.hi.bit_length() if rq.lo >= 0 else signed_width(rq.lo, rq.hi) - 1


@dataclass(frozen=True)
class Timing:
    """How long things take and how much fits in a stage (ns, or adder levels)."""

    adder: Callable[[int, int], float]  # (width, operand fan-out) -> delay
    requantizer: float
    budget: float
    max_levels: int | None = None  # logic levels (LUT, CARRY8) allowed on a stage's paths
    mux: float = 0.0  # a comparator's multiplexer after its carry chain (one LUT)
    route: float = 0.0  # one routed net (a ternary adder's DI from its helper LUT)

    @classmethod
    def levels(cls, per_stage: int) -> "Timing":
        return cls(lambda width, fanout: 1.0, 1.0, float(per_stage))

    @classmethod
    def model(cls, model: DelayModel, clock_ns: float, margin_ns: float,
              max_levels: int | None = None) -> "Timing":
        """The stages of `model` (a delay model corner) at `clock_ns` less `margin_ns`."""
        return cls(model.adder, model.lut_levels(REQUANTIZER_LUT_LEVELS),
                   model.budget(clock_ns, margin_ns), max_levels, model.lut_levels(1),
                   model.net_delay(1))

    def fits(self, time: float, levels: int) -> bool:
        return time <= self.budget and (self.max_levels is None or levels <= self.max_levels)


CONSTANT = -1  # the level of a constant bit: no logic path ends there


@dataclass(frozen=True)
class Arrival:
    """When a value is ready: its stage, the time within it, and the logic levels (LUT, CARRY8
    and MUXF cells) on the paths to each of its bits, lowest first (`CONSTANT` for a bit that
    is constant, such as a view's low zeros; `()`: every bit at 0, a register's outputs)."""

    stage: int
    time: float = 0.0
    bits: tuple[int, ...] = ()

    @property
    def high_levels(self) -> int:
        """The deepest bit's levels."""
        return max(self.bits, default=0)

    def fresh(self, stage: int) -> "Arrival":
        """Read by logic of `stage`: from a register (every variable bit at 0) when computed
        earlier."""
        if self.stage == stage:
            return self
        return Arrival(stage, 0.0, tuple(CONSTANT if b == CONSTANT else 0 for b in self.bits))

    def level(self, bit: int, signed: bool) -> int:
        """The level of `bit`; beyond the top, a signed value's sign bit (sign extension)."""
        if bit < len(self.bits):
            return self.bits[bit]
        return self.bits[-1] if signed and self.bits else CONSTANT


def _lowest(bits: tuple[int, ...]) -> int:
    """The lowest bit that is not constant (len(bits) when none is)."""
    return next((i for i, b in enumerate(bits) if b != CONSTANT), len(bits))


def adder_arrival(operands: list[tuple[Arrival, bool]], stage: int, delay: float, width: int,
                  chain_start: int, extra_levels: int = 0, ternary: bool = False) -> Arrival:
    """A ripple-carry adder of `width` bits reading `operands` ((arrival in `stage`, signed))
    in `stage`. Below `chain_start` one operand is zero and the sum bits are wires. Above, the
    carry chain runs in CARRY8 cells of 8 bits from `chain_start` (where yosys starts the chain
    and the estimate packs CARRY4 pairs): sum bit i waits for every operand bit j <= i through
    its LUT and the CARRY8 cells from j's to i's. Then `extra_levels` LUTs on every bit (a
    comparator's multiplexer, after the comparison's top bit).

    `ternary`: a ternary adder (`fixed.compress3`; constants are among its three operands
    but not in `operands`). Below the chain, a bit where two or
    three operands vary is their XOR, a LUT; the chain's first LUT also reads the bits below
    it (their majority is its carry input)."""
    bits = []
    best = None  # max over the chain's operand bits j <= i of level(j) - cell(j)
    for i in range(width):
        levels = [a.level(i, signed) for a, signed in operands]
        present = [level for level in levels if level != CONSTANT]
        if i < chain_start:
            lut = int(ternary and len(present) >= 2)
            bits.append(max(present) + lut if present else CONSTANT)
            continue
        if ternary and i == chain_start and i > 0:
            present += [level for level in (a.level(i - 1, s) for a, s in operands)
                        if level != CONSTANT]
        cell = (i - chain_start) // 8
        if present:
            best = max(present) - cell if best is None else max(best, max(present) - cell)
        bits.append(CONSTANT if best is None else best + cell + 2)
    if extra_levels:
        top = max(bits, default=0) + extra_levels
        bits = [top] * width  # every result bit waits for the comparison
    return Arrival(stage, max((a.time for a, _ in operands), default=0.0) + delay, tuple(bits))


@dataclass(frozen=True)
class OutputSpec:
    """What the lowering asks of one output: its name, requantizer, and code range."""

    name: str
    requantizer: Requantizer | None
    lo: int
    hi: int


def _fanouts(plan: Plan) -> dict[Ref, int]:
    """Per value: the LUT inputs each of its bits drives, about (a ternary adder's operand
    bit drives two LUTs: its own bit's and the next one's, whose carry input it decides)."""
    count: dict[Ref, int] = {}
    for adder in plan.adders:
        weight = 2 if adder.c is not None else 1
        for ref in adder.refs:
            if ref.kind != CONST:
                count[ref] = count.get(ref, 0) + weight
    for root in plan.roots:
        if root.kind != CONST:
            count[root] = count.get(root, 0) + 1
    return count


def _users(plan: Plan, names: list[str]) -> list[set[str]]:
    """Per adder: the outputs whose accumulator depends on it."""
    users: list[set[str]] = [set() for _ in plan.adders]
    for name, root in zip(names, plan.roots):
        stack = [root]
        while stack:
            ref = stack.pop()
            if ref.kind != ADD or name in users[ref.index]:
                continue
            users[ref.index].add(name)
            planned = plan.adders[ref.index]
            stack += planned.refs
    return users


def schedule(plan: Plan, view_names: list[str], view_ranges: list[tuple[int, int]],
             outputs: list[OutputSpec], timing: Timing, inputs: Arrival = Arrival(0),
             open_output: bool = False) -> AdderGraph:
    """Place every adder and output in a stage and add the registers between stages.

    `inputs`: when the input elements are ready in stage 0 (late when the previous unit is
    open); `open_output`: end the last stage without output registers."""
    fanout = _fanouts(plan)
    views = [View(name, element, shift, lo, hi) for name, (element, shift), (lo, hi)
             in zip(view_names, plan.views, view_ranges)]
    arrival: dict[Ref, Arrival] = {Ref(VIEW, i): _view_arrival(view, inputs)
                                   for i, view in enumerate(views)}
    values: dict[Ref, View | Adder] = {Ref(VIEW, i): v for i, v in enumerate(views)}
    users = _users(plan, [o.name for o in outputs])
    owned: dict[str, int] = {}
    adders = []
    for index, planned in enumerate(plan.adders):
        lo, hi = plan.intervals[index]
        refs = [r for r in planned.refs if r.kind != CONST]
        stage = max((arrival[r].stage for r in refs), default=0)
        width = signed_width(lo, hi)
        delay = timing.adder(width, max((fanout.get(r, 1) for r in refs), default=1))
        mux = int(planned.maximum)  # a comparator: the carry chain compares, a LUT selects
        delay += mux * timing.mux
        if planned.c is not None and len(refs) == 3:
            # three live operands: where a bit's LUT reads six, its DI comes from a helper
            # LUT6_2 through the slice's bypass input, one route more (`lut_adder`)
            delay += timing.route
        start = _chain_start(planned, arrival)

        def ready_in(stage: int) -> Arrival:
            operands = [(arrival[r].fresh(stage), values[r].lo < 0) for r in refs]
            return adder_arrival(operands, stage, delay, width, start, mux,
                                 planned.c is not None)

        ready = ready_in(stage)
        if not timing.fits(ready.time, ready.high_levels) and any(
                arrival[r].fresh(stage).time > 0 for r in refs):
            stage += 1
            ready = ready_in(stage)
        arrival[Ref(ADD, index)] = ready
        who = tuple(sorted(users[index]))
        if planned.shared:
            name = shared_name(index)
        else:
            owner = who[0] if who else "unused"
            owned[owner] = owned.get(owner, 0) + 1
            name = adder_name(owner, owned[owner], planned.maximum)
        adder = Adder(name, _operand(planned.a, values), _operand(planned.b, values),
                      planned.sign, lo, hi, stage, ready.time, ready.high_levels, planned.depth,
                      plan.luts[index], planned.shared, who, planned.maximum,
                      _operand(planned.c, values), planned.c_sign)
        values[Ref(ADD, index)] = adder
        adders.append(adder)
    placed = [_place_output(spec, root, arrival, values, plan, timing)
              for spec, root in zip(outputs, plan.roots)]
    stages = max([ready.stage + 1 for _, ready in placed] + [1])
    outs = [o for o, _ in placed]
    out_stages = [stages - 1 if o.source is None else ready.stage for o, ready in placed]
    last = [ready for _, ready in placed if ready.stage == stages - 1]
    delays, levels = _stage_maxima(adders, placed, stages)
    registers = _registers(views, adders, outs, out_stages, stages, plan)
    if any(r.stage == 0 and r.value in {v.name for v in views} for r in registers):
        # inputs registered as they are: the path from the previous (open) unit ends there
        delays[0], levels[0] = max(delays[0], inputs.time), max(levels[0], inputs.high_levels)
    return AdderGraph(views, adders, outs, stages, out_stages, delays, registers,
                      open_output, max((r.time for r in last), default=0.0),
                      max((r.high_levels for r in last), default=0), levels)


def _view_arrival(view: View, inputs: Arrival) -> Arrival:
    """An input element shifted left: its low `shift` bits constant zero, an unsigned
    element's sign bit constant too, the others at the inputs' level."""
    width = signed_width(view.lo, view.hi)
    level = inputs.high_levels
    bits = tuple(CONSTANT if i < view.shift or (view.lo >= 0 and i == width - 1) else level
                 for i in range(width))
    return Arrival(0, inputs.time, bits)


def _chain_start(planned, arrival: dict[Ref, Arrival]) -> int:
    """The lowest bit where both operands may be nonzero: below it the sum is the other
    operand's bits, and yosys starts the carry chain there. A subtraction or a negation starts
    at bit 0, where its + 1 enters as the carry (yosys keeps the whole chain even where the
    subtrahend's low bits are zero: the 5-bit student's conv1 `a9 = a8_r0 - a3` crossed a CARRY8
    boundary the model had put a bit higher). A ternary adder adds the compressor's sum and its
    majority one place up: the chain starts above the second lowest operand's lowest bit, or at
    bit 0 when it subtracts (its + 1 is the majority's bit 0)."""
    if planned.c is None and (planned.b is None or planned.sign < 0):
        return 0
    starts = []
    for ref in planned.refs:
        if ref.kind == CONST:
            value = ref.index
            starts.append((value & -value).bit_length() - 1 if value else 64)
        else:
            starts.append(_lowest(arrival[ref].bits))
    if planned.c is None:
        return max(starts)
    return 0 if planned.c_sign < 0 else sorted(starts)[1] + 1


def output_arrival(graph: AdderGraph) -> Arrival:
    """When the next unit's inputs are ready: late in its stage 0 after an open unit, at the
    clock edge after a closed one."""
    if not graph.open_output:
        return Arrival(0)
    return Arrival(0, graph.output_time, (graph.output_levels,))


def _place_output(spec: OutputSpec, root: Ref, arrival: dict[Ref, Arrival], values,
                  plan: Plan, timing: Timing) -> tuple[Output, Arrival]:
    """The output, and its arrival (stage, time, levels) in the stage that requantizes it."""
    if root.kind == CONST:
        value = root.index if spec.requantizer is None else int(
            spec.requantizer.apply_offset(np.array([root.index]))[0])
        return Output(spec.name, None, value, None, 1, value, value, value), Arrival(0)
    ready, source, rq = arrival[root], values[root], spec.requantizer
    stage, time, levels = ready.stage, ready.time, ready.high_levels
    base = source.lo if root.kind == VIEW else plan.bases[root.index]
    width = signed_width(source.lo, source.hi)
    early = False
    if rq is not None:
        base = int(rq.apply_offset(np.array([base]))[0])
        width = max(width, rq.shift + 2)
        plain = levels + requantizer_levels(width, rq)
        early = (root.kind == ADD and rq.shift > 0 and not rq.tie_bits
                 and not plan.adders[root.index].maximum)  # a widened tie: on the acc
        if early:  # the tie on the last adder's operands, unless that maps deeper
            levels = _early_tie_arrival(plan.adders[root.index], arrival, width, rq, ready)
            early = levels <= plain
        if not early:
            levels = plain
        time += timing.requantizer
        if ready.time > 0 and not timing.fits(time, levels):
            early = False  # read from the accumulator's register: the tie on its low bits
            stage, time, levels = stage + 1, timing.requantizer, requantizer_levels(width, rq)
    output = Output(spec.name, source, None, rq, width, spec.lo, spec.hi, base, early)
    return output, Arrival(stage, time, (levels,))


def _early_tie_arrival(adder, arrival: dict[Ref, Arrival], acc_width: int, rq: Requantizer,
                       ready: Arrival) -> int:
    """Levels at a requantizer with the early tie: after the accumulator's top bit or its
    operands' low bits, whichever is later."""
    operands = [r for r in adder.refs if r.kind != CONST]
    low = max((level for r in operands
               for level in arrival[r].fresh(ready.stage).bits[:rq.shift]), default=0)
    return (max(ready.high_levels, low)
            + early_tie_levels(acc_width, rq, rq.shift * len(operands)))


def _stage_maxima(adders: list[Adder], placed, stages: int) -> tuple[list[float], list[int]]:
    """Per stage: its longest path (time) and its deepest modelled logic levels."""
    delays, levels = [0.0] * stages, [0] * stages
    ends = [(a.stage, a.arrival, a.levels) for a in adders]
    ends += [(ready.stage, ready.time, ready.high_levels) for _, ready in placed]
    for stage, time, depth in ends:
        delays[stage] = max(delays[stage], time)
        levels[stage] = max(levels[stage], depth)
    return delays, levels


def _registers(views: list[View], adders: list[Adder], outputs: list[Output],
               output_stages: list[int], stages: int, plan: Plan) -> list[Register]:
    """One register per stage boundary that a value crosses to reach its last reader."""
    last_read: dict[str, int] = {}
    for adder in adders:
        for operand in adder.operands:
            if not isinstance(operand, Const):
                last_read[operand.name] = max(last_read.get(operand.name, 0), adder.stage)
    for output, stage in zip(outputs, output_stages):
        if output.source is not None:
            last_read[output.source.name] = max(last_read.get(output.source.name, 0), stage)
    bases = {v.name: v.lo for v in views}
    bases.update({a.name: plan.bases[i] for i, a in enumerate(adders)})
    registers = []
    for value in [*views, *adders]:
        for stage in range(value.stage, last_read.get(value.name, 0)):
            source = value.name if stage == value.stage else register_name(value.name, stage - 1)
            registers.append(Register(register_name(value.name, stage), value.name, source, stage,
                                      value.lo, value.hi, bases[value.name]))
    for output, stage in zip(outputs, output_stages):
        for k in range(stage, stages - 1):
            source = output.name + "_q" if k == stage else register_name(output.name, k - 1)
            registers.append(Register(register_name(output.name, k), output.name, source, k,
                                      output.lo, output.hi, output.initial))
    return registers


def _operand(ref: Ref | None, values: dict) -> View | Adder | Const | None:
    if ref is None:
        return None
    return Const(ref.index) if ref.kind == CONST else values[ref]
