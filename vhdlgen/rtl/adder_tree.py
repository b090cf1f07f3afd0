"""Pipelined shift-and-add trees: the arithmetic structure of one output neuron.

A neuron is bias + sum_i w_i * x_i with constant integer weights. Each weight becomes its
canonical-signed-digit terms +-(x_i << k); zero weights give no term. A shifted input x << k is
wiring (a view of the input bits with k zero bits appended). The terms and the bias are summed by
a balanced tree, one adder level at a time; a node keeps a sign so that mixed-sign pairs become
subtractions. Every node's range is exact (inputs are independent and a weight's digits are
recombined: (x<<2) - x is 3x in [0, 3*max], not [-max, 4*max]), so its width is exact too.
"""
from __future__ import annotations

from dataclasses import dataclass

from vhdlgen.fixed import csd_digits, product_interval, signed_width


@dataclass(frozen=True)
class Source:
    """An input of the neuron: a signal with its code range."""

    signal: str
    lo: int
    hi: int


@dataclass(frozen=True)
class View:
    """`source` shifted left by `shift` bits: a named wire, not logic."""

    source: Source
    shift: int

    @property
    def name(self) -> str:
        return f"{self.source.signal}_s{self.shift}" if self.shift else self.source.signal


@dataclass(frozen=True)
class Node:
    """value = sign * ref, where ref is the variable `signal` or the integer `const` >= 0, and
    ref = offset + sum(coef * x) over `terms` (source, coef); lo/hi is the exact range of ref."""

    signal: str | None
    const: int | None
    sign: int
    terms: tuple[tuple[Source, int], ...]
    offset: int
    lo: int
    hi: int
    base: int  # ref when every input sits at its lowest code: a consistent initial value

    @property
    def width(self) -> int:
        return signed_width(self.lo, self.hi)

    @property
    def zero_lsbs(self) -> int:
        """Low bits that are always 0 (every coefficient and the offset are multiples of 2**n)."""
        values = [abs(c) for _, c in self.terms] + ([abs(self.offset)] if self.offset else [])
        return min(((v & -v).bit_length() - 1 for v in values), default=0)


def _node(signal: str | None, sign: int, terms, offset: int) -> Node:
    lo = offset + sum(product_interval(s.lo, s.hi, c)[0] for s, c in terms)
    hi = offset + sum(product_interval(s.lo, s.hi, c)[1] for s, c in terms)
    base = offset + sum(c * s.lo for s, c in terms)
    const = offset if signal is None else None
    return Node(signal, const, sign, tuple(terms), offset, lo, hi, base)


@dataclass(frozen=True)
class Add:
    """dst := a + b, or a - b (subtract), or -a (negate: b is None). `width` is the adder width
    in bits (the widest of the result and its operands), for cost reports."""

    dst: str
    a: Node
    b: Node | None
    subtract: bool
    result: Node

    @property
    def operands(self) -> list[Node]:
        return [self.a] + ([self.b] if self.b is not None else [])

    @property
    def width(self) -> int:
        """Bits of the adder: the widest of its result and operands."""
        return max([self.result.width] + [n.width for n in self.operands])

    @property
    def active_bits(self) -> int:
        """Bits that need logic: low bits that are 0 in an operand only pass the other one
        through (synthesis turns them into wires). The LUT proxy of cost reports."""
        return max(self.width - max(n.zero_lsbs for n in self.operands), 1)


@dataclass(frozen=True)
class Register:
    """dst <= src on the rising clock edge (a pipeline register); node is its content."""

    dst: str
    src: str
    node: Node


@dataclass(frozen=True)
class Level:
    """One adder level: its adders, then the registers of the stage boundary after it (if any)."""

    adds: tuple[Add, ...]
    registers: tuple[Register, ...]


@dataclass(frozen=True)
class Tree:
    """The levels of one neuron's sum and the root node holding the result."""

    levels: tuple[Level, ...]
    root: Node

    @property
    def stages(self) -> list[list[Level]]:
        """Levels grouped by pipeline stage: each stage ends with its registers (the last
        stage, whose result the unit registers itself, may be empty)."""
        stages: list[list[Level]] = [[]]
        for level in self.levels:
            stages[-1].append(level)
            if level.registers:
                stages.append([])
        return stages


def leaves(sources: list[Source], weights: list[int], bias: int) -> tuple[list[Node], list[View]]:
    """One node per CSD digit of every nonzero weight (in input order), then the bias; and the
    shifted input views those nodes read."""
    nodes, views = [], []
    for source, weight in zip(sources, weights):
        for shift, sign in csd_digits(int(weight)):
            view = View(source, shift)
            views.append(view)
            nodes.append(_node(view.name, sign, ((source, 1 << shift),), 0))
    if bias:
        nodes.append(_node(None, -1 if bias < 0 else 1, (), abs(int(bias))))
    return nodes, views


def _merge(a: Node, b: Node, b_sign: int) -> tuple[tuple[tuple[Source, int], ...], int]:
    """ref terms and offset of a.ref + b_sign * b.ref."""
    coefs: dict[Source, int] = {}
    for source, coef in a.terms:
        coefs[source] = coefs.get(source, 0) + coef
    for source, coef in b.terms:
        coefs[source] = coefs.get(source, 0) + b_sign * coef
    return tuple((s, c) for s, c in coefs.items() if c), a.offset + b_sign * b.offset


def combine(a: Node, b: Node, dst: str) -> Add:
    """One adder joining two nodes: a + b, or the positive one minus the negative one."""
    if a.sign < 0 < b.sign:
        a, b = b, a
    subtract = a.sign != b.sign
    terms, offset = _merge(a, b, -1 if subtract else 1)
    result = _node(dst, 1 if subtract else a.sign, terms, offset)
    return Add(dst, a, b, subtract, result)


def negate(node: Node, dst: str) -> Add:
    """-node as a positive node (one adder level)."""
    terms = tuple((source, -coef) for source, coef in node.terms)
    return Add(dst, node, None, False, _node(dst, 1, terms, -node.offset))


def _register(nodes: list[Node], name: str, stage: int) -> tuple[list[Node], list[Register]]:
    registered, registers = [], []
    for index, node in enumerate(nodes):
        if node.signal is None:
            registered.append(node)
            continue
        dst = f"{name}_s{stage}_{index}"
        copy = _node(dst, node.sign, node.terms, node.offset)
        registers.append(Register(dst, node.signal, copy))
        registered.append(copy)
    return registered, registers


def _reduce(nodes: list[Node], name: str, level: int) -> tuple[list[Add], list[Node]]:
    """One adder level: pair neighbours; an odd last node passes through; a lone negative
    node is negated."""
    if len(nodes) == 1:
        node = nodes[0]
        if node.sign < 0 and node.signal is not None:
            add = negate(node, f"{name}_l{level}_0")
            return [add], [add.result]
        return [], nodes
    adds = [combine(nodes[i], nodes[i + 1], f"{name}_l{level}_{i // 2}")
            for i in range(0, len(nodes) - 1, 2)]
    next_nodes = [add.result for add in adds]
    if len(nodes) % 2:
        next_nodes.append(nodes[-1])
    return adds, next_nodes


def tree_depth(count: int, all_negative: bool) -> int:
    """Adder levels to reduce `count` nodes to one non-negative root."""
    depth = max(count - 1, 0).bit_length()
    return depth + int(all_negative)


def build_tree(nodes: list[Node], name: str, total_levels: int, boundaries: set[int]) -> Tree:
    """A balanced tree over `nodes`, stretched to `total_levels` levels; after every level in
    `boundaries` all live signals are registered (stage k names them f'{name}_s{k}_{i}').

    Adders are named f'{name}_l{level}_{i}'. An empty neuron is the constant 0.
    """
    nodes = list(nodes) or [_node(None, 1, (), 0)]
    levels, stage = [], 0
    for level in range(1, total_levels + 1):
        adds, nodes = _reduce(nodes, name, level)
        registers: list[Register] = []
        if level in boundaries:
            stage += 1
            nodes, registers = _register(nodes, name, stage)
        levels.append(Level(tuple(adds), tuple(registers)))
    if len(nodes) != 1 or (nodes[0].sign < 0 and nodes[0].signal is not None):
        raise ValueError(f"{name}: {total_levels} levels cannot reduce {len(nodes)} nodes")
    return Tree(tuple(levels), nodes[0])
