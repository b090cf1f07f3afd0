"""A ternary adder as UltraScale+ primitives: one LUT6_2 per carry-chain bit and CARRY8s.

`a + b + c` (or `a + b - c`) of `width` bits, the 3:2 compressor folded into the propagate LUT
of one carry chain (Xilinx, US patent 7,274,211; Kumm and Zipf, "Efficient high speed
compression trees on Xilinx FPGAs", MBMV 2014). With c' = c, or ~c and a carry-in of 1 to
subtract, column j holds the bits a_j, b_j, c'_j; its compressor gives the sum bit
s_j = a_j ^ b_j ^ c'_j and the majority m_j, which moves one column up. The chain adds s and
m << 1: bit j propagates p_j = s_j ^ m_(j-1), a function of the six bits of columns j and j-1
(one LUT level), and where p_j is 0 the carry it generates is s_j (= m_(j-1)).

The generate input DI_j is the catch: a LUT6_2's O5 is its O6 with I5 = 0 (INIT[31:0] on
I0..I4, UG974), so a LUT whose O6 reads six live inputs has no free O5 for DI_j. There a
helper LUT6_2 on column j gives O6 = s_j (DI_j) and O5 = m_j, which is DI_(j+1) when column j+1
needs a helper too: one helper per two such bits, beside the chain, not in front of it. A LUT
with at most five live inputs gives DI_j = s_j on its own O5 (I5 tied high).

Constant operand bits (a constant operand, the zeros below a shifted value, the sign bits of a
value that cannot be negative) are folded into the INITs. The low columns that cannot carry and
hold at most one live bit are wires; the first column that adds, when no carry enters it, is a
LUT of its sum bit, and the chain starts one column up.
Everything here is data: `plan` decides, `evaluate` executes the primitives on integer codes
(the lowered form's interpreter), and the renderer only prints pins and INITs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vhdlgen.fixed import signed_width
from vhdlgen.rtl.adder_graph import AdderGraph, Const, View

ONE, ZERO = 1, 0

# Truth tables of the six LUT pins over the 64 input patterns, as 64-bit integers.
_PIN_TABLE = [sum(1 << i for i in range(64) if i >> k & 1) for k in range(6)]
_ALL64 = (1 << 64) - 1


@dataclass(frozen=True)
class Lut6_2:
    """One LUT6_2: pins I0..I5, INIT, and what its O6 and O5 drive: `o6` a chain position's
    propagate (S), on a helper its DI, or a result bit below the chain; `o5` a DI or None."""

    pins: tuple
    init: int
    o6: tuple[str, int]  # ("s", j) or ("di", j) of the chain, or ("y", j): result bit j
    o5: tuple[str, int] | None


@dataclass(frozen=True)
class Operand:
    """What is known of an operand at the adder's width: `known[j]` is 0 or 1 for a constant
    bit, None for a live one. Live bits above `sign` repeat bit `sign` (sign extension): the
    LUTs read that one bit."""

    known: tuple
    sign: int


def _is_live(pin) -> bool:
    return isinstance(pin, tuple)


def _bit(pin, operands: list[np.ndarray], batch: int) -> np.ndarray:
    if _is_live(pin):
        return (operands[pin[0]] >> pin[1]) & 1
    return np.full(batch, pin, dtype=np.int64)


@dataclass(frozen=True)
class TernaryPlan:
    """The primitives of one ternary adder. Result bits below len(low) are wires (`low[j]`: a
    pin or a constant); where no carry enters the first column that adds, its bit is a LUT's
    O6 (`("y", j)`) and the chain starts one up. Chain position j (>= start) has S from a LUT's
    O6 and DI from an O5 or a helper's O6, or both are tied to constants (`tied`: columns
    where every operand bit is known); the chain's carry input is `carry_in`. Result bit
    j >= start is the chain's O output."""

    width: int
    subtract: bool
    start: int
    carry_in: int
    low: tuple
    luts: tuple[Lut6_2, ...]
    tied: tuple[tuple[str, int, int], ...] = ()  # ("s" or "di", position, constant 0/1)

    @property
    def carry8s(self) -> int:
        return -(-(self.width - self.start) // 8)

    @property
    def chain(self) -> int:
        """Bits of the carry chain (0: the adder is LUTs and wires)."""
        return self.width - self.start

    def evaluate(self, operands: list[np.ndarray]) -> np.ndarray:
        """The primitives on integer operand codes: LUTs looked up in their INITs (O5 on I0..I4),
        CARRY8 chains bit by bit. Returns the result as a signed `width`-bit integer."""
        operands = [np.asarray(v, dtype=np.int64) for v in operands]
        batch = len(operands[0])
        s, di, y = {}, {}, {}
        for kind, j, value in self.tied:
            {"s": s, "di": di}[kind][j] = np.full(batch, value, dtype=np.int64)
        for lut in self.luts:
            index = sum(_bit(pin, operands, batch) << k for k, pin in enumerate(lut.pins))
            table = np.array([lut.init >> i & 1 for i in range(64)], dtype=np.int64)
            outputs = {"s": s, "di": di, "y": y}
            outputs[lut.o6[0]][lut.o6[1]] = table[index]
            if lut.o5 is not None:
                outputs[lut.o5[0]][lut.o5[1]] = table[index & 31]
        result = np.zeros(batch, dtype=np.int64)
        for j, pin in enumerate(self.low):
            result |= _bit(pin, operands, batch) << j
        for j, bit in y.items():
            result |= bit << j
        carry = np.full(batch, self.carry_in, dtype=np.int64)
        for j in range(self.start, self.width):
            result |= (s[j] ^ carry) << j
            carry = np.where(s[j] == 1, carry, di[j])
        sign = 1 << (self.width - 1)
        return (result ^ sign) - sign


def known_bits(lo: int, hi: int, low_zeros: int, width: int) -> Operand:
    """A value in [lo, hi] whose `low_zeros` low bits are zero, at `width` bits: bits from its
    sign bit up are constant unless the range holds both signs."""
    sign = signed_width(lo, hi) - 1
    top = 0 if lo >= 0 else (1 if hi < 0 else None)
    known = tuple(0 if j < low_zeros else (top if j >= sign else None) for j in range(width))
    return Operand(known, sign)


def constant_bits(value: int, width: int) -> Operand:
    return Operand(tuple(value >> j & 1 for j in range(width)), width - 1)


def _column(ops: list[Operand], subtract: bool, j: int) -> list:
    """Column j: per operand its pin (operand, j) when live, else its constant bit (c' = ~c)."""
    column = []
    for index, op in enumerate(ops):
        bit = op.known[j]
        if bit is None:
            column.append((index, min(j, op.sign)))
        else:
            column.append(bit ^ (subtract and index == 2))
    return column


def _tables(column: list, pins: list, subtract: bool, mask: int) -> tuple[int, int]:
    """Truth tables (over the LUT input patterns, `mask` wide) of column's s and m, given the
    pins' positions in `pins`. c' = ~c for a live c when subtracting."""
    t = []
    for pin in column:
        if not _is_live(pin):
            t.append(mask if pin else 0)
            continue
        if pin not in pins:  # a bit the wanted function ignores (`_read_by_majority`)
            t.append(0)
            continue
        table = _PIN_TABLE[pins.index(pin)] & mask
        t.append(table ^ mask if subtract and pin[0] == 2 else table)
    a, b, c = t
    return a ^ b ^ c, (a & b) | (a & c) | (b & c)


def _constant_column(column: list, carry: int, subtract: bool) -> tuple[bool, object, int]:
    """Whether a column with a known carry into it is a wire (at most one live bit, not an
    inverted one, and an even constant sum), and then its result bit (pin or constant) and its
    known carry out."""
    live = [p for p in column if _is_live(p)]
    ones = sum(p for p in column if not _is_live(p)) + carry
    if not live:
        return True, ones & 1, ones >> 1
    if len(live) == 1 and ones % 2 == 0 and not (subtract and live[0][0] == 2):
        return True, live[0], ones >> 1
    return False, None, 0


def plan(ops: list[Operand], width: int, subtract: bool) -> TernaryPlan:
    """The LUT6_2 + CARRY8 form of ops[0] + ops[1] +/- ops[2] at `width` bits."""
    columns = [_column(ops, subtract, j) for j in range(width)]
    carry, low = int(subtract), []
    while len(low) < width:
        wire, bit, carry_out = _constant_column(columns[len(low)], carry, subtract)
        if not wire:
            break
        low.append(bit)
        carry = carry_out
    first = len(low)  # the first column that adds
    luts: list[Lut6_2] = []
    if carry == 0 and first < width:
        # no carry enters it: its sum bit is s, a LUT beside the chain, which starts one up
        # (the schedule's chain start: `schedule._chain_start`)
        here = [p for p in columns[first] if _is_live(p)]
        s, _ = _tables(columns[first], here, subtract, (1 << 32) - 1)
        luts.append(Lut6_2(_pad(here), (s << 32) | s, ("y", first), None))
    start = first + 1 if luts else first
    helper_majority: dict[int, int] = {}  # column -> index of the helper whose O5 is its m
    tied: list[tuple[str, int, int]] = []
    for j in range(start, width):
        has_below = j > first  # column j-1 adds: its majority enters column j
        here = [p for p in columns[j] if _is_live(p)]
        below = [p for p in columns[j - 1] if _is_live(p)] if has_below else []
        below = _read_by_majority(columns[j - 1], below, subtract)
        pins = here + [p for p in below if p not in here]
        if len(pins) <= 5:
            mask = (1 << 32) - 1
            s, _ = _tables(columns[j], pins, subtract, mask)
            m_below = _tables(columns[j - 1], pins, subtract, mask)[1] if has_below else 0
            if not pins:  # every bit known (above the operands' tops): S and DI are constants
                tied += [("s", j, (s ^ m_below) & 1), ("di", j, s & 1)]
                continue
            init = ((s ^ m_below) << 32) | s
            luts.append(Lut6_2(_pad(pins), init, ("s", j), ("di", j)))
            continue
        s, _ = _tables(columns[j], pins, subtract, _ALL64)
        m_below = _tables(columns[j - 1], pins, subtract, _ALL64)[1]
        luts.append(Lut6_2(tuple(pins), s ^ m_below, ("s", j), None))
        if j - 1 in helper_majority:  # DI_j = m_(j-1), the O5 of column j-1's helper
            k = helper_majority.pop(j - 1)
            luts[k] = Lut6_2(luts[k].pins, luts[k].init, luts[k].o6, ("di", j))
            continue
        hs, hm = _tables(columns[j], here, subtract, (1 << 32) - 1)
        helper_majority[j] = len(luts)
        luts.append(Lut6_2(_pad(here), (hs << 32) | hm, ("di", j), None))
    return TernaryPlan(width, subtract, start, carry, tuple(low), tuple(luts), tuple(tied))


def _read_by_majority(column: list, live: list, subtract: bool) -> list:
    """The live bits of `column` its majority depends on (with constant bits it may not: the
    majority of x, 0, 0 is 0), so that a LUT reads no pin it ignores."""
    if not live:
        return live
    _, majority = _tables(column, live, subtract, _ALL64)
    return [pin for k, pin in enumerate(live)
            if any(majority >> i & 1 != majority >> (i | 1 << k) & 1
                   for i in range(64) if not i >> k & 1)]


def _pad(pins: list) -> tuple:
    """Pins on I0..I4, unused ones tied low, I5 tied high: O6 = INIT[63:32] on I0..I4, and O5 =
    INIT[31:0] on the same pins, a second function of them."""
    return tuple(pins) + (ZERO,) * (5 - len(pins)) + (ONE,)


# --------------------------------------------------------------------------- a unit's adders
def _low_zeros(operand, cache: dict[str, int]) -> int:
    """Bits known zero at the bottom of a view (its shift), a constant, or an adder (the fewest
    of its operands': a sum of multiples of 2**k is one)."""
    if isinstance(operand, Const):
        value = operand.value
        return (value & -value).bit_length() - 1 if value else 64
    if isinstance(operand, View):
        return operand.shift
    if operand.name not in cache:
        cache[operand.name] = min(_low_zeros(op, cache) for op in operand.operands)
    return cache[operand.name]


def _operand(operand, width: int, cache: dict[str, int]) -> Operand:
    if isinstance(operand, Const):
        return constant_bits(operand.value, width)
    return known_bits(operand.lo, operand.hi, min(_low_zeros(operand, cache), width), width)


def plan_graph(graph: AdderGraph) -> dict[str, TernaryPlan]:
    """The primitive form of every ternary adder of a unit, by adder name."""
    cache: dict[str, int] = {}
    plans = {}
    for adder in graph.adders:
        if adder.c is None:
            continue
        width = adder.width
        ops = [_operand(op, width, cache) for op in (adder.a, adder.b, adder.c)]
        plans[adder.name] = plan(ops, width, adder.c_sign < 0)
    return plans
