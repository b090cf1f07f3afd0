"""Lowering: IR graph -> hardware units, each an executable adder graph (no text here).

A unit is one VHDL entity: a Conv2D/Dense with the activation that follows it, or a standalone
activation. Flatten and identity activations are wiring. A unit's arithmetic is one adder graph
for the whole layer (`cmvm`: CSD terms, subexpressions shared across outputs, channels and
positions, depth-balanced sums), scheduled into pipeline stages (`schedule`), and executable
(`adder_graph.run_unit`). Data is packed flat: element i of a tensor (row-major over (h, w, c))
sits at bits [i*W, (i+1)*W) of the unit's std_logic_vector.

The RTL computes on VHDL integers with exact ranges (fast in simulation, sized exactly by
synthesis). A unit with any value beyond 32-bit VHDL integers is *wide*: the same structure is
rendered on numeric_std `signed` vectors of exact widths instead (`Unit.wide`; the records of that
form, `Declaration`, `Fit`, `VectorView`, `VectorOutput`, carry every width, literal and shift).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from vhdlgen.errors import UserError
from vhdlgen.fixed import Requantizer, signed_width
from vhdlgen.ir import Activation, Conv2D, Dense, Flatten, Graph, Tensor
from vhdlgen.rtl.adder_graph import (Adder, AdderGraph, Const, Output, Register, View,
                                     register_name, run_unit)
from vhdlgen.rtl.cmvm import optimise
from vhdlgen.rtl.schedule import OutputSpec, Timing, schedule
from vhdlgen.rtl.names import unique_identifiers

INTEGER_LIMIT = (1 << 31) - 1  # VHDL integers are (at least) 32-bit
INT64_LIMIT = (1 << 62) - 1  # the interpreter and the NumPy reference compute on int64


@dataclass(frozen=True)
class Element:
    """One tensor element: its variable/signal name, bit slice and code range."""

    signal: str
    lsb: int
    msb: int
    signed: bool
    lo: int
    hi: int


@dataclass(frozen=True)
class InputView:
    """An input element shifted left by `shift` bits. Per element only the most shifted view is
    converted from the input bits (bits & zeros); the others divide it by `divisor` = 2**k, exact
    because its low bits are zero: wiring in synthesis, one integer division in simulation."""

    name: str
    element: Element
    shift: int
    lo: int
    hi: int
    base: str | None  # the converted view this one divides (None: converted itself)
    divisor: int


@dataclass(frozen=True)
class Fit:
    """An operand of the signed (wide) form, used at `width` bits: a bit-string literal (`text`
    holds the bits), or the signed vector named `text`, taken as is (it has `width` bits),
    sign-extended (`resize`: it is narrower) or cut to its low `width` bits (`slice`: it is
    wider). Cutting is exact: every adder computes modulo 2**width, and its result fits."""

    text: str
    width: int
    how: str  # "as is" | "resize" | "slice" | "literal"

    @property
    def msb(self) -> int:
        return self.width - 1


def fit(name: str, source: int, width: int) -> Fit:
    """The signed vector `name` of `source` bits used at `width` bits."""
    how = "as is" if source == width else ("resize" if source < width else "slice")
    return Fit(name, width, how)


def literal(value: int, width: int) -> Fit:
    """`value` as an exact two's complement bit string of `width` bits (modulo 2**width)."""
    return Fit(format(value & ((1 << width) - 1), f"0{width}b"), width, "literal")


@dataclass(frozen=True)
class Declaration:
    """A `signed(msb downto 0)` variable or signal of the signed form: its exact range (for the
    comment) and its power-up value (a bit-string literal, or None)."""

    name: str
    width: int
    lo: int
    hi: int
    initial: Fit | None = None

    @property
    def msb(self) -> int:
        return self.width - 1


@dataclass(frozen=True)
class VectorView:
    """Signed form: an input element's bits, as signed (signed elements) or behind a '0' bit
    (unsigned ones, `zero_extend`), then `zeros` appended (the shift); resized to `resize` bits
    when its exact width is narrower than that concatenation (None: it is exact)."""

    name: str
    element: Element
    zero_extend: bool
    zeros: str
    resize: int | None


@dataclass(frozen=True)
class Statement:
    """One line of a stage: `dst := a <op> b` (op '+' or '-'; 'neg': `dst := -a`), or a register
    copy `dst := a` (op None). Integer form: a and b are names or integer literals; signed form:
    `Fit`s at dst's width."""

    dst: str
    a: "str | Fit"
    op: str | None
    b: "str | Fit | None"
    comment: str = ""


@dataclass(frozen=True)
class VectorOutput:
    """An output element computed in a stage of a signed-form unit: `dst` (`width` bits) takes
    `value` (a literal, or an accumulator fitted to `width`), or `to_signed(requantize(value,
    shift, out_min, out_max), width)` when `requant` = (shift, out_min, out_max)."""

    dst: str
    value: Fit
    requant: tuple[int, int, int] | None
    width: int
    is_signal: bool


@dataclass(frozen=True)
class OutputStatement:
    """An output element computed in a stage: requantized (call) or passed through."""

    dst: str
    source: str | None
    constant: int | None
    requant: tuple[int, int, int, int] | None  # acc_width, shift, out_min, out_max
    is_signal: bool


@dataclass(frozen=True)
class Stage:
    """The logic of one pipeline stage, then the registers closing it."""

    index: int
    adds: tuple[Statement, ...]
    outputs: tuple[OutputStatement, ...] | tuple[VectorOutput, ...]
    registers: tuple[Statement, ...]
    delay: float


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

    @property
    def latency(self) -> int:
        return self.graph.stages

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
    def shared_adders(self) -> int:
        return sum(a.shared for a in self.graph.adders)

    @property
    def output_ranges(self) -> list[tuple[str, int, int, int]]:
        """(signal, lo, hi, initial) of every output register."""
        return [(o.name, o.lo, o.hi, o.initial) for o in self.graph.outputs]


def element_name(prefix: str, shape: tuple[int, ...], index: int) -> str:
    """x_h1_w2_c0 for (H, W, C) tensors, x_12 for vectors."""
    if len(shape) == 3:
        h, w, c = np.unravel_index(index, shape)
        return f"{prefix}_h{h}_w{w}_c{c}"
    return f"{prefix}_{index}"


def elements(prefix: str, tensor: Tensor) -> tuple[Element, ...]:
    fmt = tensor.fmt
    return tuple(
        Element(element_name(prefix, tensor.shape, i), i * fmt.width, (i + 1) * fmt.width - 1,
                fmt.signed, tensor.lo, tensor.hi)
        for i in range(int(np.prod(tensor.shape)))
    )


def _connections(layer, shape: tuple[int, ...]) -> list[tuple[list[int], list[int], int]]:
    """Per output neuron: (input element indices, integer weights, bias code)."""
    if isinstance(layer, Dense):
        nin, nout = layer.kernel.shape
        return [(list(range(nin)), layer.kernel[:, j].tolist(), int(layer.bias[j]))
                for j in range(nout)]
    kh, kw, cin, cout = layer.kernel.shape
    h, w, _ = shape
    result = []
    for oh, ow, co in itertools.product(range(h - kh + 1), range(w - kw + 1), range(cout)):
        indices, weights = [], []
        for i, j, ci in itertools.product(range(kh), range(kw), range(cin)):
            indices.append(int(np.ravel_multi_index((oh + i, ow + j, ci), shape)))
            weights.append(int(layer.kernel[i, j, ci, co]))
        result.append((indices, weights, int(layer.bias[co])))
    return result


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

    connections: list[tuple[list[int], list[int], int]]
    acc_frac: int
    requant: Requantizer | None  # with a shift >= 0


def _arithmetic(ir_layers: list, in_tensor: Tensor) -> _Arithmetic:
    weighted = ir_layers[0] if isinstance(ir_layers[0], (Conv2D, Dense)) else None
    activation = ir_layers[-1] if isinstance(ir_layers[-1], Activation) else None
    if weighted is not None:
        connections = _connections(weighted, in_tensor.shape)
        acc_frac = in_tensor.fmt.frac + weighted.weight_frac
    else:
        connections = [([i], [1], 0) for i in range(int(np.prod(in_tensor.shape)))]
        acc_frac = in_tensor.fmt.frac
    if activation is None:
        return _Arithmetic(connections, acc_frac, None)
    rq = activation.requantizer
    extra = max(-rq.shift, 0)
    if extra:
        connections = [(idx, [w << extra for w in ws], b << extra) for idx, ws, b in connections]
    return _Arithmetic(connections, acc_frac + extra,
                       Requantizer(rq.in_frac + extra, rq.out, rq.lo, rq.hi))


def lower_unit(entity: str, label: str, ir_layers: list, in_tensor: Tensor, out_tensor: Tensor,
               timing: Timing, share_depth: int) -> Unit:
    """One unit: an optional weighted layer, then an optional requantizing activation."""
    inputs = elements("x", in_tensor)
    outputs = elements("y", out_tensor)
    arithmetic = _arithmetic(ir_layers, in_tensor)
    rq = arithmetic.requant
    offset = rq.rounding_offset if rq is not None else 0
    weights = [{i: w for i, w in zip(idx, ws) if w} for idx, ws, _ in arithmetic.connections]
    constants = [bias + offset for _, _, bias in arithmetic.connections]
    ranges = [(e.lo, e.hi) for e in inputs]
    plan = optimise(weights, constants, ranges, share_depth)
    view_names = [inputs[e].signal + (f"_s{k}" if k else "") for e, k in plan.views]
    view_ranges = [(inputs[e].lo << k, inputs[e].hi << k) for e, k in plan.views]
    specs = [OutputSpec(o.signal, rq, o.lo, o.hi) for o in outputs]
    graph = schedule(plan, view_names, view_ranges, specs, timing)
    _check_ranges(label, graph)
    common = (entity, label, tuple(layer.name for layer in ir_layers),
              "+".join(type(layer).__name__ for layer in ir_layers), inputs,
              _input_views(graph.views, inputs), outputs, graph)
    if not _is_wide(graph):
        return Unit(*common, _stages(graph), in_tensor, out_tensor)
    return Unit(*common, _vector_stages(graph), in_tensor, out_tensor, wide=True,
                vector_views=_vector_views(graph.views, inputs),
                variables=_vector_variables(graph), signals=_vector_signals(graph),
                out_bits=tuple(fit(o.name, _width(o), e.msb - e.lsb + 1)
                               for o, e in zip(graph.outputs, outputs)))


def _input_views(views: list[View], inputs: tuple[Element, ...]) -> tuple[InputView, ...]:
    """Every used view, most shifted first per element, in input order."""
    top_shift: dict[int, int] = {}
    for view in views:
        top_shift[view.element] = max(top_shift.get(view.element, 0), view.shift)
    names = {(v.element, v.shift): v.name for v in views}
    result = []
    for view in sorted(views, key=lambda v: (v.element, -v.shift)):
        top = top_shift[view.element]
        base = None if view.shift == top else names[(view.element, top)]
        result.append(InputView(view.name, inputs[view.element], view.shift, view.lo, view.hi,
                                base, 1 << (top - view.shift)))
    return tuple(result)


def _operand(graph: AdderGraph, operand: Adder | View | Const, stage: int) -> str:
    if isinstance(operand, Const):
        return str(operand.value)
    return graph.reference(operand, stage)


def _shared_comment(adder: Adder) -> str:
    if not adder.shared:
        return ""
    shown = ", ".join(adder.users[:4]) + (", ..." if len(adder.users) > 4 else "")
    return f"shared by {len(adder.users)} outputs: {shown}"


def _stages(graph: AdderGraph) -> tuple[Stage, ...]:
    """Statements per stage, last stage first (the order the process is written in)."""
    last = graph.stages - 1
    blocks = []
    for index in range(last, -1, -1):
        adds = []
        for adder in graph.adders:
            if adder.stage != index:
                continue
            a = _operand(graph, adder.a, index)
            b = None if adder.b is None else _operand(graph, adder.b, index)
            op = None if adder.b is None else ("+" if adder.sign > 0 else "-")
            adds.append(Statement(adder.name, a, op if b is not None else "neg", b,
                                  _shared_comment(adder)))
        outs = []
        for output, stage in zip(graph.outputs, graph.output_stages):
            is_signal = index == last
            if stage == index:
                source = None if output.source is None else graph.reference(output.source, index)
                rq = output.requantizer
                call = None if rq is None else (output.acc_width, rq.shift, rq.lo, rq.hi)
                dst = output.name if is_signal else f"{output.name}_q"
                outs.append(OutputStatement(dst, source, output.constant, call, is_signal))
            elif is_signal and stage < index:
                outs.append(OutputStatement(output.name, register_name(output.name, index - 1),
                                            None, None, True))
        registers = tuple(Statement(r.name, r.source, None, None) for r in graph.registers
                          if r.stage == index)
        delay = graph.stage_delay[index] if index < len(graph.stage_delay) else 0.0
        blocks.append(Stage(index, tuple(adds), tuple(outs), registers, delay))
    return tuple(blocks)


# ------------------------------------------------------------------------ the signed form
def _width(value: "View | Adder | Output | Register") -> int:
    """The exact two's complement width of a value (and of its registers)."""
    return signed_width(value.lo, value.hi)


def _vector_views(views: list[View], inputs: tuple[Element, ...]) -> tuple[VectorView, ...]:
    """Every view built from its input bits: sign bit ('0' for unsigned elements), the element's
    bits, `shift` zeros; resized when its range needs fewer bits than that."""
    result = []
    for view in views:
        element = inputs[view.element]
        natural = element.msb - element.lsb + 1 + (not element.signed) + view.shift
        width = _width(view)
        result.append(VectorView(view.name, element, not element.signed, "0" * view.shift,
                                 None if width == natural else width))
    return tuple(result)


def _vector_variables(graph: AdderGraph) -> tuple[Declaration, ...]:
    declared = [Declaration(v.name, _width(v), v.lo, v.hi) for v in [*graph.views, *graph.adders]]
    declared += [Declaration(f"{o.name}_q", _width(o), o.lo, o.hi) for o in graph.outputs
                 if o.source is not None]
    declared += [Declaration(r.name, _width(r), r.lo, r.hi, literal(r.initial, _width(r)))
                 for r in graph.registers]
    return tuple(declared)


def _vector_signals(graph: AdderGraph) -> tuple[Declaration, ...]:
    return tuple(Declaration(o.name, _width(o), o.lo, o.hi, literal(o.initial, _width(o)))
                 for o in graph.outputs)


def _vector_operand(graph: AdderGraph, operand: Adder | View | Const, stage: int,
                    width: int) -> Fit:
    if isinstance(operand, Const):
        return literal(operand.value, width)
    return fit(graph.reference(operand, stage), _width(operand), width)


def _vector_stages(graph: AdderGraph) -> tuple[Stage, ...]:
    """`_stages` for the signed form: every operand fitted to its adder's width, constants as
    bit strings of that width, outputs fitted (or requantized) to the output's width."""
    last = graph.stages - 1
    blocks = []
    for index in range(last, -1, -1):
        adds = []
        for adder in graph.adders:
            if adder.stage != index:
                continue
            width = _width(adder)
            a = _vector_operand(graph, adder.a, index, width)
            b = None if adder.b is None else _vector_operand(graph, adder.b, index, width)
            op = "neg" if adder.b is None else ("+" if adder.sign > 0 else "-")
            adds.append(Statement(adder.name, a, op, b, _shared_comment(adder)))
        outs = []
        for output, stage in zip(graph.outputs, graph.output_stages):
            is_signal = index == last
            width = _width(output)
            dst = output.name if is_signal else f"{output.name}_q"
            if stage == index and output.source is None:
                outs.append(VectorOutput(dst, literal(output.constant, width), None, width,
                                         is_signal))
            elif stage == index:
                source = graph.reference(output.source, index)
                rq = output.requantizer
                if rq is None:
                    value, call = fit(source, _width(output.source), width), None
                else:
                    # at least shift + 2 bits, as the integer form's acc_width: the tie test
                    # reads the low `shift` bits, the floor keeps a sign bit and one more
                    value = fit(source, _width(output.source), output.acc_width)
                    call = (rq.shift, rq.lo, rq.hi)
                outs.append(VectorOutput(dst, value, call, width, is_signal))
            elif is_signal and stage < index:
                outs.append(VectorOutput(output.name, fit(register_name(output.name, index - 1),
                                                          width, width), None, width, True))
        registers = tuple(Statement(r.name, r.source, None, None) for r in graph.registers
                          if r.stage == index)
        delay = graph.stage_delay[index] if index < len(graph.stage_delay) else 0.0
        blocks.append(Stage(index, tuple(adds), tuple(outs), registers, delay))
    return tuple(blocks)


def _is_identity(layer, x: Tensor) -> bool:
    if not isinstance(layer, Activation):
        return False
    rq = layer.requantizer
    return rq.shift == 0 and rq.out == x.fmt and rq.lo <= x.lo and rq.hi >= x.hi


def _groups(graph: Graph) -> list[tuple[list, int]]:
    """IR layers grouped into units (with the index of each group's last layer); Flatten and
    identity activations are wiring and form no unit."""
    groups: list[tuple[list, int]] = []
    layers = graph.layers
    index = 0
    while index < len(layers):
        layer = layers[index]
        if isinstance(layer, Flatten) or _is_identity(layer, graph.layer_input(index)):
            index += 1
            continue
        group = [layer]
        follower = layers[index + 1] if index + 1 < len(layers) else None
        if (isinstance(layer, (Conv2D, Dense)) and isinstance(follower, Activation)
                and not _is_identity(follower, graph.tensors[index])):
            group.append(follower)
            index += 1
        groups.append((group, index))
        index += 1
    return groups


def lower(graph: Graph, top: str, timing: Timing, share_depth: int) -> list[Unit]:
    """Every unit of the graph, in order, with entity names '<top>_<first layer>'."""
    groups = _groups(graph)
    if not groups:
        raise UserError("the model has no layer that computes anything; nothing to generate")
    labels = unique_identifiers([group[0].name for group, _ in groups])
    entities = unique_identifiers([f"{top}_{label}" for label in labels])
    units = []
    for (group, end), label, entity in zip(groups, labels, entities):
        # wiring (Flatten, identities) before a unit keeps the packed bits: only the shape changes
        in_tensor = graph.layer_input(end - len(group) + 1)
        units.append(lower_unit(entity, label, group, in_tensor, graph.tensors[end], timing,
                                share_depth))
    return units


def run_units(units: list[Unit], codes: np.ndarray) -> list[np.ndarray]:
    """Execute the lowered design on input codes (N, ...): every unit's output codes (N, n),
    in unit order. The same integers the RTL computes, without a simulator."""
    x = np.asarray(codes, dtype=np.int64).reshape(len(codes), -1)
    outputs = []
    for unit in units:
        x = run_unit(unit.graph, x)
        outputs.append(x)
    return outputs
