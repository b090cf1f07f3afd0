"""Lowering: IR graph -> hardware units, each an executable adder graph (no text here).

A unit is one VHDL entity: a Conv2D/Dense or average pooling (a constant matrix too) with the
activation that follows it and the ZeroPadding2D before it (padding taps have no term), a
standalone activation or zero padding, or max pooling (comparator trees, `comparators`).
Flatten, Reshape and identity activations are wiring. A unit's arithmetic is one adder graph
for the whole layer (`cmvm`: CSD terms, subexpressions shared across outputs, channels and
positions, depth-balanced sums), scheduled into pipeline stages (`schedule`), and executable
(`adder_graph.run_unit`). Data is packed flat: element i of a tensor (row-major over (h, w, c))
sits at bits [i*W, (i+1)*W) of the unit's std_logic_vector.

The RTL computes on VHDL integers with exact ranges (fast in simulation, sized exactly by
synthesis). A unit with any value beyond 32-bit VHDL integers is *wide*: the same structure is
rendered on numeric_std `signed` vectors of exact widths instead (`Unit.wide`; the records of that
form, `Declaration`, `Fit`, `VectorView`, `VectorOutput`, carry every width, literal and shift).
A unit with ternary adders takes the dataflow form on the same records, its ternary adders built
from LUT6_2 and CARRY8 primitives (`primitive_form`, `lut_adder`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from vhdlgen.errors import UserError
from vhdlgen.fixed import INT64_LIMIT, Requantizer, signed_width
from vhdlgen.ir import Connections, Graph, Layer, Tensor
from vhdlgen.rtl.adder_graph import Adder, AdderGraph, Const, run_unit
from vhdlgen.rtl.lut_adder import plan_graph
from vhdlgen.rtl.primitive_form import PrimitiveStage, primitive_stages
from vhdlgen.rtl.cmvm import Plan, optimise
from vhdlgen.rtl.comparators import max_plan
from vhdlgen.rtl.schedule import Arrival, OutputSpec, Timing, schedule
from vhdlgen.rtl.names import unit_names
from vhdlgen.rtl.pipeline_choice import Goal, choose
from vhdlgen.rtl.statements import (Declaration, Element, Fit, InputView, Stage, VectorView,
                                    elements, fit, input_views, integer_stages, vector_signals,
                                    vector_stages, vector_variables, vector_views, width_of)

INTEGER_LIMIT = (1 << 31) - 1  # VHDL integers are (at least) 32-bit


@dataclass(frozen=True)
class Unit:
    """One pipelined layer entity."""

    entity: str
    label: str
    sources: tuple[str, ...]  # IR layer names
    kind: str
    inputs: tuple[Element, ...]
    views: tuple[InputView, ...]
    outputs: tuple[Element, ...]
    graph: AdderGraph
    stages: tuple[Stage, ...]  # in rendering order: last stage first
    in_tensor: Tensor
    out_tensor: Tensor
    wide: bool = False  # rendered on signed vectors (a value exceeds the VHDL integer range)
    # the signed form only (empty for an integer unit):
    vector_views: tuple[VectorView, ...] = ()
    variables: tuple[Declaration, ...] = ()  # views, adders, outputs' _q, registers
    signals: tuple[Declaration, ...] = ()  # the output elements
    out_bits: tuple[Fit, ...] = ()  # per output element: its signal at the element's width
    # the dataflow form (ternary adders as LUT6_2 + CARRY8 instances; signed records above too):
    primitive_stages: tuple[PrimitiveStage, ...] = ()

    @property
    def latency(self) -> int:
        return self.graph.latency

    @property
    def lut_estimate(self) -> int:
        """LUTs of the adders: bit positions where both operands vary, or for a ternary adder
        built from primitives its LUT6_2 instances."""
        built = {add.dst: len(add.luts) for stage in self.primitive_stages
                 for add in stage.primitives}
        return sum(built.get(adder.name, adder.luts) for adder in self.graph.adders)

    @property
    def primitive_adders(self) -> int:
        """Ternary adders built from primitives (the dataflow form)."""
        return sum(len(stage.primitives) for stage in self.primitive_stages)

    @property
    def open(self) -> bool:
        """Its outputs are combinational: the next unit's first stage ends its last cycle."""
        return self.graph.open_output

    @property
    def clocked_stages(self) -> tuple[Stage, ...]:
        """The stages of the clocked process (all but an open unit's last one)."""
        return self.stages[1:] if self.open else self.stages

    @property
    def tail(self) -> Stage | None:
        """An open unit's last stage: combinational logic (None for a closed unit)."""
        return self.stages[0] if self.open else None

    def in_tail(self, stage: int) -> bool:
        """True for logic of the open last stage."""
        return self.open and stage == self.graph.stages - 1

    def signal_registers(self, stage: int) -> bool:
        """True when the registers closing `stage` are signals: those read by the open last
        stage (the tail is its own process)."""
        return self.open and stage == self.graph.stages - 2

    @property
    def in_width(self) -> int:
        return self.inputs[-1].msb + 1

    @property
    def out_width(self) -> int:
        return self.outputs[-1].msb + 1

    @property
    def adders(self) -> list[Adder]:
        return self.graph.adders

    @property
    def comparators(self) -> int:
        """max(a, b) nodes (max pooling)."""
        return sum(a.maximum for a in self.graph.adders)

    @property
    def shared_adders(self) -> int:
        return sum(a.shared for a in self.graph.adders)

    @property
    def output_ranges(self) -> list[tuple[str, int, int, int]]:
        """(signal, lo, hi, initial) of every output register."""
        return [(o.name, o.lo, o.hi, o.initial) for o in self.graph.outputs]


def _values(graph: AdderGraph) -> list[tuple[str, int, int]]:
    """(kind, lo, hi) of every value a unit's RTL holds: views, adders, constants, outputs."""
    values = [("input view", v.lo, v.hi) for v in graph.views]
    values += [("adder", a.lo, a.hi) for a in graph.adders]
    values += [("constant", op.value, op.value) for a in graph.adders for op in a.operands
               if isinstance(op, Const)]
    values += [("output", o.lo, o.hi) for o in graph.outputs]
    return values


def _is_wide(graph: AdderGraph) -> bool:
    """True when some value is beyond 32-bit VHDL integers: the unit takes the signed form."""
    return any(max(-lo, hi) > INTEGER_LIMIT for _, lo, hi in _values(graph))


def _check_ranges(label: str, graph: AdderGraph) -> None:
    """What no form of the RTL can take: a value beyond int64 (the interpreter and the NumPy
    reference compute on int64), or a requantized output beyond 32-bit integers (`requantize`
    returns a VHDL integer; its bounds are integers)."""
    for kind, lo, hi in _values(graph):
        if max(-lo, hi) > INT64_LIMIT:
            raise UserError(
                f"layer {label!r}: a value ({kind}) needs {signed_width(lo, hi)} bits; vhdlgen's "
                "bit-exact reference computes on int64 (at most 62 bits plus sign). "
                "Use fewer weight or activation bits")
    for output in graph.outputs:
        if output.requantizer is not None and max(-output.lo, output.hi) > INTEGER_LIMIT:
            raise UserError(
                f"layer {label!r}: its activation's output needs "
                f"{signed_width(output.lo, output.hi)} bits; vhdlgen's requantizer returns a "
                "32-bit VHDL integer (at most 31 bits plus sign). Use a narrower quantizer")


@dataclass(frozen=True)
class _Arithmetic:
    """How a unit's sums are formed: connections, and the extra left shift that makes the
    requantizer's shift non-negative (a finer output than accumulator is exact wiring)."""

    connections: Connections
    acc_frac: int
    requant: Requantizer | None  # with a shift >= 0


def _arithmetic(ir_layers: list[Layer], in_tensor: Tensor) -> _Arithmetic:
    """The layer kinds' hooks: a ZeroPadding2D merged into the linear layer after it
    (`merged_padding`), the sums (`connections`, `sum_frac`), the activation (`elementwise`)."""
    zero_pad = (0, 0, 0, 0)
    if ir_layers[0].merged_padding is not None:
        zero_pad = ir_layers[0].merged_padding
        if len(ir_layers) > 1 and ir_layers[1].linear:
            ir_layers = ir_layers[1:]  # merged: the padding's zeros are taps without a term
    weighted = ir_layers[0] if ir_layers[0].linear else None
    rq = ir_layers[-1].elementwise
    if weighted is not None:
        top, bottom, left, right = zero_pad
        shape = in_tensor.shape if zero_pad == (0, 0, 0, 0) else (
            in_tensor.shape[0] + top + bottom, in_tensor.shape[1] + left + right,
            in_tensor.shape[2])
        connections = weighted.connections(shape, zero_pad)
        acc_frac = in_tensor.fmt.frac + weighted.sum_frac(shape)
    else:
        connections = [([i], [1], 0) for i in range(int(np.prod(in_tensor.shape)))]
        acc_frac = in_tensor.fmt.frac
    if rq is None:
        return _Arithmetic(connections, acc_frac, None)
    extra = max(-rq.shift, 0)
    if extra:
        connections = [(idx, [w << extra for w in ws], b << extra) for idx, ws, b in connections]
    return _Arithmetic(connections, acc_frac + extra, replace(rq, in_frac=rq.in_frac + extra))


@dataclass(frozen=True)
class _Planned:
    """A unit's optimised arithmetic, before it is scheduled."""

    entity: str
    label: str
    ir_layers: list
    in_tensor: Tensor
    out_tensor: Tensor
    plan: Plan
    view_names: list[str]
    view_ranges: list[tuple[int, int]]
    specs: list[OutputSpec]

    def schedule(self, timing: Timing, inputs: Arrival, open_output: bool) -> AdderGraph:
        graph = schedule(self.plan, self.view_names, self.view_ranges, self.specs, timing,
                         inputs, open_output)
        _check_ranges(self.label, graph)
        return graph


def _plan_unit(entity: str, label: str, ir_layers: list, in_tensor: Tensor,
               out_tensor: Tensor, share_depth: int, adder_inputs: int) -> _Planned:
    """One unit's adder graph: an optional weighted layer, then an optional requantizing
    activation."""
    inputs = elements("x", in_tensor)
    windows = ir_layers[0].comparator_windows(in_tensor.shape)
    if windows is not None:
        plan = max_plan(windows, [(e.lo, e.hi) for e in inputs])
        specs = [OutputSpec(o.signal, None, o.lo, o.hi) for o in elements("y", out_tensor)]
        return _Planned(entity, label, ir_layers, in_tensor, out_tensor, plan,
                        [inputs[e].signal for e, _ in plan.views],
                        [(inputs[e].lo, inputs[e].hi) for e, _ in plan.views], specs)
    arithmetic = _arithmetic(ir_layers, in_tensor)
    rq = arithmetic.requant
    offset = rq.rounding_offset if rq is not None else 0
    weights = [{i: w for i, w in zip(idx, ws) if w} for idx, ws, _ in arithmetic.connections]
    constants = [bias + offset for _, _, bias in arithmetic.connections]
    ranges = [(e.lo, e.hi) for e in inputs]
    plan = optimise(weights, constants, ranges, share_depth, adder_inputs)
    view_names = [inputs[e].signal + (f"_s{k}" if k else "") for e, k in plan.views]
    view_ranges = [(inputs[e].lo << k, inputs[e].hi << k) for e, k in plan.views]
    specs = [OutputSpec(o.signal, rq, o.lo, o.hi) for o in elements("y", out_tensor)]
    return _Planned(entity, label, ir_layers, in_tensor, out_tensor, plan, view_names,
                    view_ranges, specs)


def _unit(planned: _Planned, graph: AdderGraph) -> Unit:
    """The unit record the templates render, in the integer or the signed form."""
    inputs = elements("x", planned.in_tensor)
    outputs = elements("y", planned.out_tensor)
    common = (planned.entity, planned.label, tuple(layer.name for layer in planned.ir_layers),
              "+".join(type(layer).__name__ for layer in planned.ir_layers), inputs,
              input_views(graph.views, inputs), outputs, graph)
    has_ternary = any(adder.c is not None for adder in graph.adders)
    if not _is_wide(graph) and not has_ternary:
        return Unit(*common, integer_stages(graph), planned.in_tensor, planned.out_tensor)
    wide = _is_wide(graph)
    if wide and any(adder.maximum for adder in graph.adders):
        raise UserError(f"layer {planned.label!r}: max pooling of values beyond 32 bits is not "
                        "supported; quantize its input (e.g. a QActivation before it)")
    return Unit(*common, vector_stages(graph), planned.in_tensor, planned.out_tensor, wide=wide,
                vector_views=vector_views(graph.views, inputs),
                variables=vector_variables(graph), signals=vector_signals(graph),
                out_bits=tuple(fit(o.name, width_of(o), e.msb - e.lsb + 1)
                               for o, e in zip(graph.outputs, outputs)),
                primitive_stages=primitive_stages(graph) if has_ternary else ())


def _groups(graph: Graph) -> list[tuple[list, int]]:
    """IR layers grouped into units (with the index of each group's last layer): a ZeroPadding2D
    with the Conv2D or average pooling after it, a weighted layer with the activation after it,
    max pooling alone. Flatten, Reshape and identity activations are wiring and form no unit."""
    groups: list[tuple[list, int]] = []
    layers = graph.layers
    index = 0
    while index < len(layers):
        layer = layers[index]
        if layer.is_wiring(graph.layer_input(index)):
            index += 1
            continue
        group = [layer]
        if (layer.merged_padding is not None and index + 1 < len(layers)
                and layers[index + 1].linear):
            index += 1
            group.append(layers[index])
        follower = layers[index + 1] if index + 1 < len(layers) else None
        if (group[-1].linear and follower is not None and follower.elementwise is not None
                and not follower.is_wiring(graph.tensors[index])):
            group.append(follower)
            index += 1
        groups.append((group, index))
        index += 1
    return groups


def lower(graph: Graph, top: str, timing: Timing, share_depth: int,
          adder_inputs: int | str = "auto", open_boundaries: bool = True,
          goal: Goal = Goal()) -> list[Unit]:
    """Every unit of the graph, in order, named by `names.unit_names` (label: its first layer's
    name, entity '<top>_<label>', collision-free). `adder_inputs` 2 or 3: binary or ternary
    adders in every unit; "auto": per unit, whichever `goal` prefers (`pipeline_choice`).
    `open_boundaries=False` registers every unit's outputs (no stage spans two units)."""
    groups = _groups(graph)
    if not groups:
        raise UserError("the model has no layer that computes anything; nothing to generate")
    planned = []
    named = unit_names(top, [group[0].name for group, _ in groups])
    for (group, end), (label, entity) in zip(groups, named):
        # wiring (Flatten, identities) before a unit keeps the packed bits: only the shape changes
        in_tensor = graph.layer_input(end - len(group) + 1)
        planned.append(_forms(entity, label, group, in_tensor, graph.tensors[end],
                              share_depth, adder_inputs))
    chosen = choose(planned, timing, open_boundaries, goal,
                    can_open=lambda unit: not _is_wide(unit))
    return [_unit(p, g) for p, g in chosen]


def _forms(entity: str, label: str, ir_layers: list, in_tensor: Tensor, out_tensor: Tensor,
           share_depth: int, adder_inputs: int | str) -> list[_Planned]:
    """The unit planned with binary adders, ternary ones, or both ("auto"; once when the
    ternary plan has no ternary adder, as for max pooling)."""
    if adder_inputs != "auto":
        return [_plan_unit(entity, label, ir_layers, in_tensor, out_tensor, share_depth,
                           int(adder_inputs))]
    forms = [_plan_unit(entity, label, ir_layers, in_tensor, out_tensor, share_depth, inputs)
             for inputs in (2, 3)]
    return forms if any(a.c is not None for a in forms[1].plan.adders) else forms[:1]


def run_units(units: list[Unit], codes: np.ndarray, primitives: bool = False
              ) -> list[np.ndarray]:
    """Execute the lowered design on input codes (N, ...): every unit's output codes (N, n),
    in unit order. The same integers the RTL computes, without a simulator. `primitives`: the
    ternary adders as their LUT6_2 + CARRY8 form (`lut_adder`), INITs looked up bit by bit."""
    x = np.asarray(codes, dtype=np.int64).reshape(len(codes), -1)
    outputs = []
    for unit in units:
        x = run_unit(unit.graph, x, plan_graph(unit.graph) if primitives else None)
        outputs.append(x)
    return outputs
