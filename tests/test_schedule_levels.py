"""The schedule's logic levels of a requantizer against what yosys made of the shipped students
(the carry flow of `vhdlgen estimate`, deepest CARRY8 paths; docs/rtl.md), and the choice
between the early tie and the tie on the accumulator."""
from __future__ import annotations

from vhdlgen.fixed import FixedType, Requantizer, signed_width
from vhdlgen.rtl.adder_graph import varying_bits
from vhdlgen.rtl.cmvm import optimise
from vhdlgen.rtl.schedule import (OutputSpec, Timing, early_tie_levels,
                                  function_levels, requantizer_levels, schedule)

RELU3 = FixedType(False, 3, 3)  # ufixed<3,0>: the 3-bit student's activations


def test_function_levels_grow_with_inputs() -> None:
    levels = [function_levels(n) for n in range(1, 12)]
    assert levels == sorted(levels) and levels[0] == 1 and levels[-1] == 4


def test_requantizer_levels_cover_the_measured_netlists() -> None:
    # 3-bit student, conv1: requantize(a8, 8, 0, 0, 7), an 8-bit accumulator clamped to 0..7
    # with no shift, mapped by ABC as LUT4 > LUT3 (the overflow test shared by the 3 bits).
    assert requantizer_levels(8, Requantizer(3, RELU3, 0, 7)) >= 2
    # 3-bit student, conv2: requantize(a10, 8, 2, 0, 7, difference_tie(a9_r0, a3_r0, 2)), the
    # tie test merged into the lowest bit: LUT2 > MUXF7 > MUXF8 after the accumulator.
    assert early_tie_levels(8, Requantizer(5, RELU3, 0, 7), tie_inputs=2 * 2) >= 3
    # tests/test_api.py's tiny model, fc2: requantize(acc, 9, 4, -7, 7), a symmetric signed
    # output whose -8 -> -7 saturation reads every quotient bit: LUT4 > MUXF7 > MUXF8 > MUXF9.
    symmetric = Requantizer(4 + 3, FixedType(True, 4, 3), -7, 7)
    assert requantizer_levels(9, symmetric) >= 4
    assert requantizer_levels(9, Requantizer(4 + 3, FixedType(True, 4, 3), -8, 7)) == 2


def _sum_of_two(shift: int, width: int):
    """y = x0 + x1 of two `width`-bit unsigned inputs, requantized by `shift` to 0..7."""
    ranges = [(0, 2 ** width - 1)] * 2
    plan = optimise([{0: 1, 1: 1}], [0], ranges, max_depth=0)
    outputs = [OutputSpec("y", Requantizer(3 + shift, RELU3, 0, 7), 0, 7)]
    return schedule(plan, ["x0", "x1"], ranges, outputs, Timing.levels(64))


def test_the_tie_goes_where_it_maps_shallower() -> None:
    # Two operands of 7 bits, shift 4 (a 9-bit accumulator, 2 saturation bits): the early tie
    # reads 8 operand bits beside the floor bit and the saturation bits (11 inputs, 4 levels);
    # on the accumulator the lowest bit reads 9 - 3 + 1 = 7 (2 levels): the tie goes there.
    assert not _sum_of_two(shift=4, width=7).outputs[0].early_tie
    # Two operands of 5 bits, shift 1 (a 7-bit accumulator, 3 saturation bits): 2 operand bits
    # + floor + 3 saturation bits = 6 inputs for the early tie, 7 - 3 + 1 = 5 on the
    # accumulator, two levels either way: the early tie stays (it saved LUTs, docs/rtl.md).
    assert _sum_of_two(shift=1, width=5).outputs[0].early_tie


def _levels(weights: dict[int, int]) -> int:
    """Logic levels of the one adder of y = sum of weights[i] * x_i over two 6-bit inputs."""
    ranges = [(0, 63)] * 2
    plan = optimise([weights], [0], ranges, max_depth=0)
    graph = schedule(plan, ["x0", "x1"], ranges, [OutputSpec("y", None, -252, 315)],
                     Timing.levels(64))
    (adder,) = graph.adders
    return adder.levels


def test_a_subtraction_chain_starts_at_bit_0() -> None:
    # x0 + 4 x1: x1's view has two zero low bits, so yosys starts the chain at bit 2 and the
    # 10-bit sum stays in one CARRY8 (LUT, CARRY8). x0 - 4 x1 = x0 + ~(4 x1) + 1: the + 1 is
    # the carry into bit 0, and yosys keeps the chain from there, so bit 8 of the 9-bit
    # difference is in a second CARRY8 (as in the 5-bit student's conv1, docs/rtl.md).
    assert _levels({0: 1, 1: 4}) == 2
    assert _levels({0: 1, 1: -4}) == 3


def test_register_bits_count_only_bits_that_can_vary() -> None:
    # Every value here is nonnegative: no sign flip-flop. x1 and x2 are read shifted and
    # plain, late: each element's bits cross a boundary once, whatever views read them.
    assert varying_bits(0, 123) == 7 and varying_bits(-4, 3) == 3 and varying_bits(5, 5) == 0
    ranges = [(0, 63), (0, 15), (0, 15)]
    plan = optimise([{0: 1, 1: 4, 2: 1}, {1: 1, 2: 2}], [0, 0], ranges, max_depth=0)
    names = [f"x{e}" + (f"_s{k}" if k else "") for e, k in plan.views]
    view_ranges = [(ranges[e][0] << k, ranges[e][1] << k) for e, k in plan.views]
    graph = schedule(plan, names, view_ranges,
                     [OutputSpec("y0", None, 0, 138), OutputSpec("y1", None, 0, 45)],
                     Timing.levels(1))
    assert graph.stages == 2
    crossing: dict = {}
    for register in graph.registers:
        view = next((v for v in graph.views if v.name == register.value), None)
        if view is not None:
            crossing[(view.element, register.stage)] = ranges[view.element][1].bit_length()
        else:
            crossing[register.name] = register.hi.bit_length()
    assert any(isinstance(key, tuple) for key in crossing)
    outputs = 8 + 6  # y0 in 0..138, y1 in 0..45
    assert graph.register_bits == sum(crossing.values()) + outputs
    signed = sum(signed_width(r.lo, r.hi) for r in graph.registers) + 9 + 7
    assert graph.register_bits < signed
