"""Constant matrix-vector multiplication: one adder graph for a whole layer.

A weighted layer computes y_j = b_j + sum_i W[i, j] * x_i for every output j (a conv: every
output position and channel, over the absolute input elements it reads). Each weight is written
in canonical signed digits, so every output starts as a signed sum of *terms*: input views
x_i << k. The optimiser then shares work across ALL outputs of the layer (neurons, output
channels and output positions) by greedy common-subexpression elimination on pairs of terms
(Hartley, "Subexpression sharing in filters using canonic signed digit multipliers", IEEE TCAS-II
43(10), 1996; applied to constant matrices as in Aksoy et al., "Design of digit-serial FIR
filters..." and da4ml's CMVM, Sun et al. 2025, arXiv:2507.04535):

1. count, for every pair of same-sign terms {p, q}, the outputs that contain both;
2. take the pair with the largest saving (count - 1) * LUTs(p + q), ties by lower adder depth,
   then by a deterministic order; make it one adder t = p + q; replace p and q by t in every
   output that holds both (pair counts are updated incrementally);
3. repeat while a pair occurs in two or more outputs.

Terms are values at their absolute scale (a view already includes its shift), so the hardware
never shifts a computed value: a shared subexpression is used exactly as computed. `max_depth`
bounds the adder depth of a subexpression, which bounds what sharing adds to the pipeline.

Cost model (measured with yosys `synth_xilinx`, see docs/rtl.md): an adder on a carry chain
needs a LUT only at bit positions where BOTH operands have variable bits; bits above an
unsigned operand's top, constant bits and known-zero low bits are wires. So unsigned values are
kept unsigned: sharing pairs only same-sign terms, and each output sums its positive terms and
its negative terms apart (ReLU activations and their views are unsigned, so both sums stay
narrow) and subtracts the negative sum once, inside the positive tree where its depth puts it.
Each tree always joins a shallowest node with the node of its depth whose variable bits overlap
it least (the cheapest adder), so it is as shallow as Huffman's construction on depth and no
wider than it needs to be.
"""
from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass

from vhdlgen.fixed import csd_digits, product_interval, signed_width

VIEW, ADD, CONST = "view", "add", "const"
# Scale limits (docs/benchmarks.md, bench/bench_scaling.py): sharing counts every pair of terms
# of every output, so its memory grows with the square of an output's terms; a layer with more
# pairs than this is summed without sharing (memory linear in its terms). An output of more
# than LARGE_SUM terms is summed by a heap (n log n) instead of the cheapest-partner search.
MAX_PAIRS = 4_000_000
LARGE_SUM = 256


@dataclass(frozen=True)
class Ref:
    """A reference to a view (index into Plan.views), an adder (index into Plan.adders), or an
    integer constant."""

    kind: str
    index: int  # the constant's value for CONST


@dataclass(frozen=True)
class PlannedAdder:
    """a + sign * b, or -a when b is None; max(a, b) when `maximum` (a comparator and a
    multiplexer, built by `vhdlgen.rtl.comparators` for max pooling). A ternary adder has a
    third operand: a + b + c_sign * c (sign is then +1; `fixed.compress3`)."""

    a: Ref
    b: Ref | None
    sign: int
    shared: bool
    depth: int
    maximum: bool = False
    c: Ref | None = None
    c_sign: int = 1

    @property
    def refs(self) -> list[Ref]:
        """Its operands (a, then b and c when present)."""
        return [r for r in (self.a, self.b, self.c) if r is not None]


@dataclass
class Plan:
    """The unscheduled adder graph of a layer."""

    views: list[tuple[int, int]]  # (input element, shift)
    adders: list[PlannedAdder]
    roots: list[Ref]  # per output: the value holding the accumulator (or a CONST)
    coefficients: list[dict[int, int]]  # per adder: input element -> coefficient
    offsets: list[int]  # per adder: its constant part
    luts: list[int]  # per adder: estimated LUTs (bits where both operands vary)
    intervals: list[tuple[int, int]]  # per adder: exact range of its value
    bases: list[int]  # per adder: its value when every input is at its lowest code


class _Builder:
    """Values (views and adders) with their exact linear form over the input elements."""

    def __init__(self, ranges: list[tuple[int, int]], adder_inputs: int = 2) -> None:
        self.ranges = ranges
        self.adder_inputs = adder_inputs  # 2: binary adders; 3: ternary ones in the sums
        self.view_index: dict[tuple[int, int], int] = {}
        self.plan = Plan([], [], [], [], [], [], [], [])
        self.linear: list[tuple[dict[int, int], int]] = []  # per value id
        self.depth: list[int] = []
        self.refs: list[Ref] = []
        self._intervals: dict[int, tuple[int, int]] = {}
        self._widths: dict[int, int] = {}  # caches: a value's form never changes
        self._zeros: dict[int, int] = {}

    def view(self, element: int, shift: int) -> int:
        key = (element, shift)
        if key not in self.view_index:
            self.view_index[key] = len(self.refs)
            self.refs.append(Ref(VIEW, len(self.plan.views)))
            self.plan.views.append(key)
            self.linear.append(({element: 1 << shift}, 0))
            self.depth.append(0)
        return self.view_index[key]

    def const(self, value: int) -> int:
        self.refs.append(Ref(CONST, value))
        self.linear.append(({}, value))
        self.depth.append(0)
        return len(self.refs) - 1

    def add(self, a: int, b: int | None, sign: int, shared: bool, c: int | None = None,
            c_sign: int = 1) -> int:
        """The adder a + sign * b (-a when b is None), or the ternary a + b + c_sign * c."""
        if b is None:
            terms = [(a, -1)]
        else:
            terms = [(a, 1), (b, sign)] + ([] if c is None else [(c, c_sign)])
        coefs: dict[int, int] = {}
        offset = 0
        for value, value_sign in terms:
            coefs_v, off_v = self.linear[value]
            for element, coef in coefs_v.items():
                coefs[element] = coefs.get(element, 0) + value_sign * coef
            offset += value_sign * off_v
        coefs = {e: k for e, k in coefs.items() if k}
        depth = max(self.depth[v] for v, _ in terms) + 1
        self.plan.luts.append(self.width(a) if b is None else self._luts(terms))
        planned = PlannedAdder(self.refs[a], None if b is None else self.refs[b], sign, shared,
                               depth, c=None if c is None else self.refs[c], c_sign=c_sign)
        self.refs.append(Ref(ADD, len(self.plan.adders)))
        self.plan.adders.append(planned)
        self.plan.coefficients.append(coefs)
        self.plan.offsets.append(offset)
        self.linear.append((coefs, offset))
        self.depth.append(depth)
        value = len(self.refs) - 1
        self.plan.intervals.append(self.interval(value))
        self.plan.bases.append(offset + sum(c * self.ranges[e][0] for e, c in coefs.items()))
        return value

    def width(self, value: int) -> int:
        if value not in self._widths:
            self._widths[value] = signed_width(*self.interval(value))
        return self._widths[value]

    def interval(self, value: int) -> tuple[int, int]:
        if value not in self._intervals:
            self._intervals[value] = self._exact_interval(value)
        return self._intervals[value]

    def _exact_interval(self, value: int) -> tuple[int, int]:
        coefs, offset = self.linear[value]
        lo = hi = offset
        for element, coef in coefs.items():
            p_lo, p_hi = product_interval(*self.ranges[element], coef)
            lo, hi = lo + p_lo, hi + p_hi
        return lo, hi

    def zero_lsbs(self, value: int) -> int:
        if value not in self._zeros:
            coefs, offset = self.linear[value]
            parts = [abs(c) for c in coefs.values()] + ([abs(offset)] if offset else [])
            self._zeros[value] = min(((v & -v).bit_length() - 1 for v in parts), default=0)
        return self._zeros[value]

    def shape(self, value: int) -> "_Shape":
        lo, hi = self.interval(value)
        coefs, offset = self.linear[value]
        return _Shape(lo, hi, self.zero_lsbs(value), None if coefs else offset)

    def overlap(self, a: int, b: int, sign: int = 1) -> int:
        """LUTs of a +- b on one carry chain, as yosys maps it (`_overlap`)."""
        return _overlap(self.shape(a), self.shape(b), sign)

    def _luts(self, terms: list[tuple[int, int]]) -> int:
        """LUTs of an adder over `terms` ((value, sign), the first added): a ternary adder as
        yosys maps it costs about what its two binary adders would (measured: a LUT for each
        carry-chain bit's s ^ k and one for its carry input, where two adders have a LUT for
        each of their chains' bits)."""
        total, shape = 0, self.shape(terms[0][0])
        for value, value_sign in terms[1:]:
            other = self.shape(value)
            total += _overlap(shape, other, value_sign)
            shape = shape.plus(other, value_sign)
        return total


@dataclass(frozen=True)
class _Shape:
    """What the LUT estimate needs of a value: its range, its known-zero low bits, and its
    value when it is a constant (None otherwise)."""

    lo: int
    hi: int
    zeros: int
    constant: int | None

    def plus(self, other: "_Shape", sign: int) -> "_Shape":
        lo, hi = ((self.lo + other.lo, self.hi + other.hi) if sign > 0
                  else (self.lo - other.hi, self.hi - other.lo))
        constant = (None if self.constant is None or other.constant is None
                    else self.constant + sign * other.constant)
        return _Shape(lo, hi, min(self.zeros, other.zeros), constant)

    def variable_bits(self, top: int) -> tuple[int, int]:
        """The bit positions [low, high] where the value can vary, in a result of top bit
        `top`: from its known-zero low bits up to its own top (unsigned) or to `top` (a signed
        value's sign extension varies)."""
        if self.lo == self.hi:
            return 0, -1  # it cannot vary (e.g. an input whose range is one code): no bit does
        high = top if self.lo < 0 else max(self.hi, 1).bit_length() - 1
        return self.zeros, high


def _overlap(a: _Shape, b: _Shape, sign: int = 1) -> int:
    """LUTs of a +- b on one carry chain, as yosys maps it (measured, docs/rtl.md).

    a + b: one LUT per bit position where both operands vary; a constant bit, or a bit
    above an unsigned operand's top, is a wire. a - b inverts b: every position where b
    varies needs a LUT, and so does every position where a varies above b (b's inverted
    zero extension is a constant 1 there). A constant operand c costs the positions where
    the other varies and c has a 1 bit (an inverter each)."""
    result = a.plus(b, sign)
    top = signed_width(result.lo, result.hi) - 1
    if a.constant is not None and b.constant is not None:
        return 0
    if a.constant is not None or b.constant is not None:
        var = b if a.constant is not None else a
        value = a.constant if a.constant is not None else b.constant * sign
        low, high = var.variable_bits(top)
        if high < low:
            return 0
        bits = value & ((1 << (top + 1)) - 1)  # two's complement over the result width
        return bin((bits >> low) & ((1 << (high - low + 1)) - 1)).count("1")
    low_a, high_a = a.variable_bits(top)
    low_b, high_b = b.variable_bits(top)
    if sign < 0:
        return max(high_a, high_b) - min(low_a, low_b) + 1
    return max(0, min(high_a, high_b) - max(low_a, low_b) + 1)


def _key(a: int, sign_a: int, b: int, sign_b: int) -> tuple[int, int, int]:
    return (a, b, sign_a * sign_b) if a < b else (b, a, sign_a * sign_b)


def pair_count(terms: list[dict[int, int]]) -> int:
    """How many term pairs `_share` would count: its memory and time grow with this."""
    return sum(len(output) * (len(output) - 1) // 2 for output in terms)


def _share(builder: _Builder, terms: list[dict[int, int]], max_depth: int) -> None:
    """Greedy pairwise common-subexpression elimination over every output's terms (in place)."""
    counts: dict[tuple[int, int, int], int] = defaultdict(int)
    for output in terms:
        items = sorted(output.items())
        for i, (a, sa) in enumerate(items):
            for b, sb in items[i + 1:]:
                counts[(a, b, sa * sb)] += 1
    holders: dict[int, set[int]] = defaultdict(set)
    for j, output in enumerate(terms):
        for value in output:
            holders[value].add(j)

    def score(key: tuple[int, int, int], count: int) -> tuple:
        p, q, sign = key
        return (-(count - 1) * max(builder.overlap(p, q, sign), 1),
                max(builder.depth[p], builder.depth[q]), key)

    def eligible(key: tuple[int, int, int]) -> bool:
        if key[2] < 0:
            return False  # p - q would put a signed value into the unsigned sums
        return max(builder.depth[key[0]], builder.depth[key[1]]) + 1 <= max_depth

    heap = [score(k, c) for k, c in counts.items() if c >= 2 and eligible(k)]
    heapq.heapify(heap)

    def bump(key: tuple[int, int, int], delta: int) -> None:
        counts[key] += delta
        if delta > 0 and counts[key] >= 2 and eligible(key):
            heapq.heappush(heap, score(key, counts[key]))

    while heap:
        entry = heapq.heappop(heap)
        key = entry[2]
        p, q, sign = key
        if entry != score(key, counts[key]) or counts[key] < 2:
            continue  # stale: its count changed since it was pushed
        users = sorted(j for j in holders[p] & holders[q] if terms[j][q] == sign * terms[j][p])
        if len(users) < 2:
            continue
        new = builder.add(p, q, sign, shared=True)
        for j in users:
            output = terms[j]
            sign_p = output.pop(p)
            sign_q = output.pop(q)
            holders[p].discard(j)
            holders[q].discard(j)
            counts[key] -= 1
            for other, sign_o in output.items():
                counts[_key(p, sign_p, other, sign_o)] -= 1
                counts[_key(q, sign_q, other, sign_o)] -= 1
                bump(_key(new, sign_p, other, sign_o), +1)
            output[new] = sign_p
            holders[new].add(j)


def _join(builder: _Builder, group: list[int], subtrahend: int | None) -> int:
    """The sum of `group` (two or three values), `subtrahend` subtracted when it is among them;
    constants last."""
    plus = sorted((v for v in group if v != subtrahend),
                  key=lambda v: builder.refs[v].kind == CONST)
    if subtrahend in group:
        if len(plus) == 1:
            return builder.add(plus[0], subtrahend, -1, shared=False)
        return builder.add(plus[0], plus[1], +1, shared=False, c=subtrahend, c_sign=-1)
    return builder.add(plus[0], plus[1], +1, shared=False,
                       c=plus[2] if len(plus) == 3 else None)


def _partners(adder_inputs: int, nodes: int) -> int:
    """How many nodes the next adder of a tree over `nodes` joins to the shallowest one.
    Ternary adders join three, but two while the count is even: a tree of ternary adders
    reduces an odd count to one, so one binary adder, at the bottom where values are narrow,
    takes the place of a missing leaf (the minimax tree of Golumbic, IEEE Trans. Computers
    25(11), 1976)."""
    return 2 if adder_inputs == 3 and nodes % 2 == 1 and nodes >= 3 else 1


def _huffman_sum(builder: _Builder, values: list[int], subtrahend: int | None) -> int:
    """`_balanced_sum` for many values: always join the shallowest (then narrowest) nodes, a
    heap instead of `_balanced_sum`'s search for the cheapest partners (that search is
    quadratic in the terms of an output; this is n log n). Same depth as `_balanced_sum`."""
    heap = [(builder.depth[v], builder.width(v), i, v) for i, v in enumerate(values)]
    heapq.heapify(heap)
    count = len(heap)
    while len(heap) > 1:
        group = [heapq.heappop(heap)[3]
                 for _ in range(_partners(builder.adder_inputs, len(heap)) + 1)]
        new = _join(builder, group, subtrahend)
        heapq.heappush(heap, (builder.depth[new], builder.width(new), count, new))
        count += 1
    return heap[0][3]


def _balanced_sum(builder: _Builder, values: list[int], subtrahend: int | None = None
                  ) -> int | None:
    """The sum of `values` (all added, except `subtrahend`, which is subtracted): a tree that
    always takes the shallowest (then narrowest) node and joins it with the nodes of the same
    depth that share the fewest variable bit positions with it (the cheapest adder), or with
    the next shallowest nodes when too few have its depth. Merging the shallowest nodes each
    time keeps the tree as shallow as Huffman's construction. Beyond LARGE_SUM terms:
    `_huffman_sum`."""
    nodes = list(values)
    if not nodes:
        return None
    if len(nodes) > LARGE_SUM:
        return _huffman_sum(builder, nodes, subtrahend)
    while len(nodes) > 1:
        nodes.sort(key=lambda v: (builder.depth[v], builder.width(v)))
        partners = _partners(builder.adder_inputs, len(nodes))
        a = nodes.pop(0)
        peers = [i for i, v in enumerate(nodes) if builder.depth[v] <= builder.depth[a]]
        if len(peers) < partners:
            peers = list(range(partners))
        chosen = sorted(peers, key=lambda i: (builder.overlap(a, nodes[i]),
                                              builder.width(nodes[i]), i))[:partners]
        group = [a] + [nodes[i] for i in chosen]
        for i in sorted(chosen, reverse=True):
            nodes.pop(i)
        nodes.append(_join(builder, group, subtrahend))
    return nodes[0]


def _sum_tree(builder: _Builder, terms: dict[int, int], constant: int) -> int:
    """The value holding constant + sum(sign * term): the negative terms summed by a balanced
    tree (unsigned sums of unsigned terms stay narrow), then the positive terms and that sum
    by another, which subtracts it as soon as it is among the shallowest nodes (so a shallow
    negative sum costs no adder level of its own at the end)."""
    positive = [v for v, s in sorted(terms.items()) if s > 0]
    negative = [v for v, s in sorted(terms.items()) if s < 0]
    if constant > 0:
        positive.append(builder.const(constant))
    elif constant < 0:
        negative.append(builder.const(-constant))
    minus = _balanced_sum(builder, negative)
    if minus is None:
        plus = _balanced_sum(builder, positive)
        return plus if plus is not None else builder.const(0)
    if not positive:
        if builder.refs[minus].kind == CONST:
            return builder.const(-builder.refs[minus].index)
        return builder.add(minus, None, 1, shared=False)
    return _balanced_sum(builder, positive + [minus], minus)


def optimise(weights: list[dict[int, int]], constants: list[int],
             ranges: list[tuple[int, int]], max_depth: int, adder_inputs: int = 2) -> Plan:
    """The adder graph of y_j = constants[j] + sum_i weights[j][i] * x_i, x_i in ranges[i].

    `max_depth` bounds the adder depth of shared subexpressions (0: no sharing);
    `adder_inputs` 3 sums each output's terms with ternary adders (shared ones stay binary)."""
    builder = _Builder(ranges, adder_inputs)
    terms: list[dict[int, int]] = []
    for row in weights:
        output: dict[int, int] = {}
        for element, weight in sorted(row.items()):
            for shift, sign in csd_digits(int(weight)):
                output[builder.view(element, shift)] = sign
        terms.append(output)
    if max_depth > 0 and pair_count(terms) <= MAX_PAIRS:
        _share(builder, terms, max_depth)
    builder.plan.roots = [builder.refs[_sum_tree(builder, output, int(constant))]
                          for output, constant in zip(terms, constants)]
    return builder.plan
