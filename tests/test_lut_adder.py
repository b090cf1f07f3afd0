"""The LUT6_2 + CARRY8 form of a ternary adder (`vhdlgen.rtl.lut_adder`) is bit-exact.

Its INITs are executed as the primitives do (O6 on I0..I5, O5 = INIT[31:0] on I0..I4, CARRY8
bit by bit) and compared with numpy.array_equal against the integer sum: on every combination of
operand ranges (signed, unsigned, one-signed), constant operands, zero low bits (shifted views)
and both operations, on random values plus each range's ends. A plan that takes the chain's DI
from the O5 of a six-input LUT (the form a LUT6_2 cannot give) must fail. The ternary adders of
whole units run through the same form in test_lowering (interpreter == reference).
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from vhdlgen.fixed import signed_width
from vhdlgen.rtl.lut_adder import Lut6_2, TernaryPlan, constant_bits, known_bits, plan

RANGES = [(0, 1), (0, 3), (0, 15), (0, 255), (-1, 0), (-8, 7), (-20, 3), (5, 40), (-64, -3)]
ZEROS = [(0, 0, 0), (1, 0, 2), (0, 3, 1), (2, 2, 2)]
CONSTANTS = [0, 1, 5, -3, -128, 100]


def operand_values(rng, lo: int, hi: int, zeros: int, n: int) -> tuple[np.ndarray, int, int]:
    """n values in [lo, hi] with `zeros` zero low bits, the range's ends first; the range."""
    lo, hi = -(-lo >> zeros) << zeros, hi >> zeros << zeros
    values = rng.integers(lo >> zeros, (hi >> zeros) + 1, n) << zeros
    values[:2] = lo, hi
    return values, lo, hi


def check(ranges, subtract: bool, zeros=(0, 0, 0), constants=(None, None, None),
          n: int = 600, seed: int = 0) -> TernaryPlan:
    rng = np.random.default_rng(seed)
    values, bounds = [], []
    for (lo, hi), z, const in zip(ranges, zeros, constants):
        if const is not None:
            values.append(np.full(n, const, dtype=np.int64))
            bounds.append((const, const))
        else:
            v, lo, hi = operand_values(rng, lo, hi, z, n)
            values.append(v)
            bounds.append((lo, hi))
    (alo, ahi), (blo, bhi), (clo, chi) = bounds
    lo = alo + blo + (-chi if subtract else clo)
    hi = ahi + bhi + (-clo if subtract else chi)
    width = signed_width(lo, hi)
    ops = [constant_bits(const, width) if const is not None else known_bits(lo_, hi_, z, width)
           for (lo_, hi_), z, const in zip(bounds, zeros, constants)]
    p = plan(ops, width, subtract)
    want = values[0] + values[1] + (-values[2] if subtract else values[2])
    got = p.evaluate(values)
    assert np.array_equal(got, want), (ranges, subtract, zeros, constants, p)
    return p


@pytest.mark.parametrize("subtract", [False, True])
@pytest.mark.parametrize("zeros", ZEROS)
def test_every_range_combination(subtract: bool, zeros) -> None:
    for ranges in itertools.product(RANGES, repeat=3):
        check(ranges, subtract, zeros)


@pytest.mark.parametrize("subtract", [False, True])
@pytest.mark.parametrize("position", [0, 1, 2])
def test_constant_operands(subtract: bool, position: int) -> None:
    for const, zeros, (ra, rb) in itertools.product(CONSTANTS, ZEROS,
                                                    itertools.product(RANGES, repeat=2)):
        ranges = [ra, rb]
        ranges.insert(position, (0, 0))
        constants = [None, None]
        constants.insert(position, const)
        check(ranges, subtract, zeros, tuple(constants))


def test_structure_of_a_full_width_sum() -> None:
    """Three 8-bit unsigned operands, 11 result bits (765 needs 10 and a sign): bit 0 is a LUT
    (no carry enters it), bits 1-10 a chain of two CARRY8; bits 1-8 have a propagate LUT each
    (bit 8 the carry of bit 7's column), bits 9 and 10 know every operand bit (zero), so S and
    DI are tied to '0' and the chain's carry is their sum; columns with six live inputs get a
    DI helper per two bits; no wires (every column adds)."""
    p = check([(0, 255)] * 3, subtract=False)
    assert (p.width, p.start, p.carry_in, p.carry8s) == (11, 1, 0, 2)
    assert [lut.o6 for lut in p.luts if lut.o6[0] == "y"] == [("y", 0)]
    propagate = [lut for lut in p.luts if lut.o6[0] == "s"]
    helpers = [lut for lut in p.luts if lut.o6[0] == "di"]
    assert sorted(lut.o6[1] for lut in propagate) == list(range(1, 9))
    assert sorted(p.tied) == [("di", 9, 0), ("di", 10, 0), ("s", 9, 0), ("s", 10, 0)]
    six = sum(1 for lut in propagate if lut.o5 is None)
    assert len(helpers) == (six + 1) // 2


def test_shifted_operands_start_the_chain_above_their_zeros() -> None:
    """Operands from bits 0, 2 and 4: bits 0-1 are a's wires, bit 2 (a + b, nothing carried
    in) a LUT, the chain starts at bit 3, where the schedule starts it."""
    p = check([(0, 15)] * 3, subtract=False, zeros=(0, 2, 4))
    assert p.low == ((0, 0), (0, 1)) and p.start == 3


def test_a_six_input_lut_cannot_give_the_carry_input_on_o5() -> None:
    """The negative control: DI taken from INIT[31:0] of a LUT whose O6 reads six live inputs
    (O5 is then O6 with I5 = 0, not s) is wrong for some inputs, and the check sees it."""
    p = plan([known_bits(0, 255, 0, 11)] * 3, 11, False)
    luts = []
    for lut in p.luts:
        if lut.o6[0] == "di":
            continue  # drop the helpers
        if lut.o5 is None:
            s_table = sum(1 << i for i in range(32) if bin(i & 7).count("1") % 2)
            lut = Lut6_2(lut.pins, (lut.init >> 32 << 32) | s_table, lut.o6, ("di", lut.o6[1]))
        luts.append(lut)
    naive = TernaryPlan(p.width, p.subtract, p.start, p.carry_in, p.low, tuple(luts), p.tied)
    rng = np.random.default_rng(3)
    values = [rng.integers(0, 256, 2000) for _ in range(3)]
    assert np.array_equal(p.evaluate(values), sum(values))
    assert not np.array_equal(naive.evaluate(values), sum(values))
