"""Render contexts of a unit: the statements of each pipeline stage, no text.

The lowering (`lower.py`) decides the arithmetic; this module writes it down as records the
templates print: per stage (last first, the order the clocked process is written in) its adders,
its outputs and the registers that close it. Two forms of the same structure: ranged VHDL
integers (`integer_stages`, templates/layer.vhd.j2), and, for a unit with values beyond 32-bit
integers, numeric_std `signed` vectors of exact widths (`vector_stages` and friends,
templates/layer_signed.vhd.j2), where every width, literal and shift is in the records.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vhdlgen.fixed import Requantizer, signed_width
from vhdlgen.ir import Tensor
from vhdlgen.rtl.adder_graph import Adder, AdderGraph, Const, Output, Register, View
from vhdlgen.rtl.names import register_name

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
    converted from the input bits (`unsigned_value` / `signed_value` of vhdlgen_pkg); the others
    divide it by `divisor` = 2**k, exact because its low bits are zero: wiring in synthesis, one
    integer division in simulation."""

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
    """One line of a stage: `dst := a <op> b` (op '+' or '-'; 'neg': `dst := -a`; 'max': the
    larger of a and b, integer form only; 'ternary_add' / 'ternary_sub': the ternary adder
    a + b + c / a + b - c of `width` bits, a call of vhdlgen_pkg), or a register copy
    `dst := a` (op None). Integer form: a, b and c are names or integer literals; signed form:
    `Fit`s at dst's width."""

    dst: str
    a: "str | Fit"
    op: str | None
    b: "str | Fit | None"
    comment: str = ""
    c: "str | Fit | None" = None
    width: int = 0


@dataclass(frozen=True)
class VectorTie:
    """The early tie of a requantized output in the signed records: `function(a, b[, c],
    shift)` of vhdlgen_pkg on the operands' low shift + 1 bits (`operands`), as integers."""

    function: str
    operands: tuple[Fit, ...]


@dataclass(frozen=True)
class VectorOutput:
    """An output element computed in a stage of a signed-form unit: `dst` (`width` bits) takes
    `value` (a literal, or an accumulator fitted to `width`), or `to_signed(requantize(value,
    *requant), width)` when `requant` = (shift, out_min, out_max), or (shift, tie_bits,
    out_min, out_max) for a requantizer with tie_bits. `tie`: its early tie (the dataflow form
    passes it to requantize; the wide form tests the accumulator's low bits instead)."""

    dst: str
    value: Fit
    requant: tuple[int, ...] | None
    width: int
    is_signal: bool
    tie: VectorTie | None = None


@dataclass(frozen=True)
class OutputStatement:
    """An output element computed in a stage: requantized (call) or passed through."""

    dst: str
    source: str | None
    constant: int | None
    requant: tuple[int, ...] | None  # acc_width, shift, [tie_bits,] out_min, out_max
    is_signal: bool
    tie: tuple[str, ...] | None = None  # the early tie test: function, a, b[, c] (requant only)


@dataclass(frozen=True)
class Stage:
    """The logic of one pipeline stage, then the registers closing it."""

    index: int
    adds: tuple[Statement, ...]
    outputs: tuple[OutputStatement, ...] | tuple[VectorOutput, ...]
    registers: tuple[Statement, ...]
    delay: float


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


def input_views(views: list[View], inputs: tuple[Element, ...]) -> tuple[InputView, ...]:
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


def _stages(graph: AdderGraph, add_statement, output_statement) -> tuple[Stage, ...]:
    """Statements per stage, last stage first (the order the process is written in).

    `add_statement(adder, stage)` writes an adder; `output_statement(output, stage, is_signal,
    from_register)` writes an output computed in that stage (`from_register`: the register
    carrying an output computed earlier into the last stage's output signal)."""
    last = graph.stages - 1
    blocks = []
    for index in range(last, -1, -1):
        adds = tuple(add_statement(adder, index) for adder in graph.adders
                     if adder.stage == index)
        outs = []
        for output, stage in zip(graph.outputs, graph.output_stages):
            if stage == index:
                outs.append(output_statement(output, index, index == last, False))
            elif index == last and stage < index:
                outs.append(output_statement(output, index, True, True))
        registers = tuple(Statement(r.name, r.source, None, None) for r in graph.registers
                          if r.stage == index)
        blocks.append(Stage(index, adds, tuple(outs), registers, graph.stage_delay[index]))
    return tuple(blocks)


TIE_FUNCTIONS = {"sum": "sum_tie", "difference": "difference_tie",  # in vhdlgen_pkg
                 "ternary_add": "ternary_add_tie", "ternary_sub": "ternary_sub_tie"}


def _op(adder: Adder) -> str:
    if adder.maximum:
        return "max"
    if adder.c is not None:
        return "ternary_sub" if adder.c_sign < 0 else "ternary_add"
    return "neg" if adder.b is None else ("+" if adder.sign > 0 else "-")


def _output_name(output: Output, is_signal: bool) -> str:
    return output.name if is_signal else f"{output.name}_q"


def _requantize_arguments(rq: Requantizer) -> tuple[int, ...]:
    """requantize's arguments after the accumulator (and its width): shift, tie_bits when the
    requantizer widens the tie (the overload that takes it), out_min, out_max."""
    ties = (rq.tie_bits,) if rq.tie_bits else ()
    return (rq.shift, *ties, rq.lo, rq.hi)


def integer_stages(graph: AdderGraph) -> tuple[Stage, ...]:
    """The stages of the integer form: operands by name, constants as integer literals."""
    def add(adder: Adder, stage: int) -> Statement:
        b = None if adder.b is None else _operand(graph, adder.b, stage)
        c = None if adder.c is None else _operand(graph, adder.c, stage)
        return Statement(adder.name, _operand(graph, adder.a, stage), _op(adder), b,
                         _shared_comment(adder), c, adder.width)

    def output(out: Output, stage: int, is_signal: bool, from_register: bool) -> OutputStatement:
        if from_register:
            return OutputStatement(out.name, register_name(out.name, stage - 1), None, None,
                                   True)
        source = None if out.source is None else graph.reference(out.source, stage)
        rq = out.requantizer
        call = None if rq is None else (out.acc_width, *_requantize_arguments(rq))
        tie = out.tie
        test = None if tie is None else (TIE_FUNCTIONS[tie.kind],
                                         *(_operand(graph, op, stage) for op in tie.operands))
        return OutputStatement(_output_name(out, is_signal), source, out.constant, call,
                               is_signal, test)

    return _stages(graph, add, output)


# ------------------------------------------------------------------------ the signed form
def width_of(value: "View | Adder | Output | Register") -> int:
    """The exact two's complement width of a value (and of its registers)."""
    return signed_width(value.lo, value.hi)


def vector_views(views: list[View], inputs: tuple[Element, ...]) -> tuple[VectorView, ...]:
    """Every view built from its input bits: sign bit ('0' for unsigned elements), the element's
    bits, `shift` zeros; resized when its range needs fewer bits than that."""
    result = []
    for view in views:
        element = inputs[view.element]
        natural = element.msb - element.lsb + 1 + (not element.signed) + view.shift
        width = width_of(view)
        result.append(VectorView(view.name, element, not element.signed, "0" * view.shift,
                                 None if width == natural else width))
    return tuple(result)


def vector_variables(graph: AdderGraph) -> tuple[Declaration, ...]:
    declared = [Declaration(v.name, width_of(v), v.lo, v.hi) for v in [*graph.views, *graph.adders]]
    declared += [Declaration(f"{o.name}_q", width_of(o), o.lo, o.hi) for o in graph.outputs
                 if o.source is not None]
    declared += [Declaration(r.name, width_of(r), r.lo, r.hi, literal(r.initial, width_of(r)))
                 for r in graph.registers]
    return tuple(declared)


def vector_signals(graph: AdderGraph) -> tuple[Declaration, ...]:
    return tuple(Declaration(o.name, width_of(o), o.lo, o.hi, literal(o.initial, width_of(o)))
                 for o in graph.outputs)


def _vector_operand(graph: AdderGraph, operand: Adder | View | Const, stage: int,
                    width: int) -> Fit:
    if isinstance(operand, Const):
        return literal(operand.value, width)
    return fit(graph.reference(operand, stage), width_of(operand), width)


def _vector_tie(graph: AdderGraph, out: Output, stage: int) -> VectorTie | None:
    """The early tie's operands, each used at its low shift + 1 bits."""
    tie = out.tie
    if tie is None:
        return None
    bits = out.requantizer.shift + 1
    return VectorTie(TIE_FUNCTIONS[tie.kind], tuple(_vector_operand(graph, op, stage, bits)
                                                    for op in tie.operands))


def vector_stages(graph: AdderGraph) -> tuple[Stage, ...]:
    """The stages of the signed form: every operand fitted to its adder's width, constants as
    bit strings of that width, outputs fitted (or requantized) to the output's width."""
    def add(adder: Adder, stage: int) -> Statement:
        width = width_of(adder)
        b = None if adder.b is None else _vector_operand(graph, adder.b, stage, width)
        c = None if adder.c is None else _vector_operand(graph, adder.c, stage, width)
        return Statement(adder.name, _vector_operand(graph, adder.a, stage, width), _op(adder),
                         b, _shared_comment(adder), c, width)

    def output(out: Output, stage: int, is_signal: bool, from_register: bool) -> VectorOutput:
        width = width_of(out)
        if from_register:
            return VectorOutput(out.name, fit(register_name(out.name, stage - 1), width, width),
                                None, width, True)
        dst = _output_name(out, is_signal)
        if out.source is None:
            return VectorOutput(dst, literal(out.constant, width), None, width, is_signal)
        source = graph.reference(out.source, stage)
        rq = out.requantizer
        if rq is None:
            return VectorOutput(dst, fit(source, width_of(out.source), width), None, width,
                                is_signal)
        # at least shift + 2 bits, as the integer form's acc_width: the tie test reads the low
        # `shift` bits, the floor keeps a sign bit and one more
        return VectorOutput(dst, fit(source, width_of(out.source), out.acc_width),
                            _requantize_arguments(rq), width, is_signal,
                            _vector_tie(graph, out, stage))

    return _stages(graph, add, output)
