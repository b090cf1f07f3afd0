"""Lowering: IR graph -> hardware units with scheduled adder trees (no text here).

A unit is one VHDL entity: a Conv2D/Dense with the activation that follows it, or a standalone
activation. Flatten and identity activations are wiring. Inside a unit every output neuron is a
shift-and-add tree; all neurons share one schedule of L levels (the deepest tree, plus one level
for round/saturate/ReLU when the unit requantizes), with a register after every N levels and
after the last. Data is packed flat: element i of a tensor (row-major over (h, w, c)) sits at
bits [i*W, (i+1)*W) of the unit's std_logic_vector.

The RTL computes on VHDL integers with exact ranges (fast in simulation, sized exactly by
synthesis), so every value must fit 32-bit VHDL integers; the lowering checks it.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from vhdlgen.errors import UserError
from vhdlgen.fixed import Requantizer, signed_width
from vhdlgen.ir import Activation, Conv2D, Dense, Flatten, Graph, Tensor
from vhdlgen.rtl.adder_tree import Add, Node, Source, Tree, View, build_tree, leaves, tree_depth
from vhdlgen.rtl.names import unique_identifiers

INTEGER_LIMIT = (1 << 31) - 1  # VHDL integers are (at least) 32-bit


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
class Requant:
    """Arguments of vhdlgen_pkg.requantize for one neuron, from its fixed.Requantizer: the
    accumulator width (its exact range, and at least shift + 2 bits), shift and bounds."""

    acc_width: int
    shift: int
    out_min: int
    out_max: int


@dataclass(frozen=True)
class Neuron:
    """One output element: its tree, and how its output register is loaded."""

    tree: Tree
    output: Element
    requant: Requant | None
    constant: int | None  # the output value when the neuron is constant
    initial: int  # power-up value of the output register, consistent with the registers'


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
class Unit:
    """One pipelined layer entity."""

    entity: str
    label: str
    sources: tuple[str, ...]  # IR layer names
    kind: str
    inputs: tuple[Element, ...]
    views: tuple[InputView, ...]
    outputs: tuple[Element, ...]
    neurons: tuple[Neuron, ...]
    in_tensor: Tensor
    out_tensor: Tensor
    levels: int
    latency: int

    @property
    def in_width(self) -> int:
        return self.inputs[-1].msb + 1

    @property
    def out_width(self) -> int:
        return self.outputs[-1].msb + 1

    @property
    def adders(self) -> list[Add]:
        return [a for n in self.neurons for level in n.tree.levels for a in level.adds]

    @property
    def registers(self) -> list:
        return [r for n in self.neurons for level in n.tree.levels for r in level.registers]


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


def _schedule(total: int, per_stage: int) -> set[int]:
    """Register boundaries: after every `per_stage` levels and after the last."""
    return set(range(per_stage, total + 1, per_stage)) | {total}


def _check_integer_range(label: str, nodes) -> None:
    for node in nodes:
        if max(abs(node.lo), abs(node.hi)) > INTEGER_LIMIT:
            raise UserError(
                f"layer {label!r}: an accumulator needs {node.width} bits; the generated RTL "
                "computes on 32-bit VHDL integers (at most 31 bits plus sign). Use fewer "
                "weight or activation bits"
            )


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
               per_stage: int) -> Unit:
    """One unit: an optional weighted layer, then an optional requantizing activation."""
    inputs = elements("x", in_tensor)
    outputs = elements("y", out_tensor)
    sources = [Source(e.signal, e.lo, e.hi) for e in inputs]
    arithmetic = _arithmetic(ir_layers, in_tensor)
    trees_leaves, views = [], {}
    for idx, weights, bias in arithmetic.connections:
        nodes, neuron_views = leaves([sources[i] for i in idx], weights, bias)
        trees_leaves.append(nodes)
        views.update({v.name: v for v in neuron_views})
    depth = max((tree_depth(len(n), bool(n) and all(x.sign < 0 and x.signal for x in n))
                 for n in trees_leaves), default=0)
    requant = arithmetic.requant
    levels = max(depth + int(requant is not None), 1)
    boundaries = _schedule(levels, per_stage)
    tree_levels = levels - 1 if requant is not None else levels
    neurons = []
    for out, nodes in zip(outputs, trees_leaves):
        tree = build_tree(nodes, out.signal, tree_levels, boundaries - {levels})
        _check_integer_range(label, [a.result for lv in tree.levels for a in lv.adds])
        neurons.append(_neuron(out, tree, requant))
    input_views = _input_views(list(views.values()), {e.signal: e for e in inputs})
    return Unit(entity, label, tuple(layer.name for layer in ir_layers),
                "+".join(type(layer).__name__ for layer in ir_layers), inputs, input_views,
                outputs, tuple(neurons), in_tensor, out_tensor, levels, len(boundaries))


def _input_views(views: list[View], elements: dict[str, Element]) -> tuple[InputView, ...]:
    """Every used (element, shift) view, most shifted first per element, in input order."""
    top_shift: dict[str, int] = {}
    for view in views:
        name = view.source.signal
        top_shift[name] = max(top_shift.get(name, 0), view.shift)
    result = []
    order = {name: i for i, name in enumerate(elements)}
    for view in sorted(views, key=lambda v: (order[v.source.signal], -v.shift)):
        element = elements[view.source.signal]
        top = top_shift[element.signal]
        base = None if view.shift == top else View(view.source, top).name
        result.append(InputView(view.name, element, view.shift, element.lo << view.shift,
                                element.hi << view.shift, base, 1 << (top - view.shift)))
    return tuple(result)


def _neuron(out: Element, tree: Tree, spec: Requantizer | None) -> Neuron:
    root: Node = tree.root
    value = root.sign * (root.base if root.signal is not None else root.const)
    if spec is not None:
        value = int(spec.apply(np.array([value]))[0])
    if root.signal is None:
        return Neuron(tree, out, None, value, value)
    call = None
    if spec is not None:
        width = max(signed_width(root.lo, root.hi), spec.shift + 2)
        call = Requant(width, spec.shift, spec.lo, spec.hi)
    return Neuron(tree, out, call, None, value)


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


def lower(graph: Graph, top: str, per_stage: int) -> list[Unit]:
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
        units.append(lower_unit(entity, label, group, in_tensor, graph.tensors[end], per_stage))
    return units
