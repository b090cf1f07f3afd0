"""vhdlgen.fixed, the one arithmetic specification, against obviously-correct slow oracles.

The oracles use exact rationals (`fractions.Fraction`) and spell the tie rule out, so they share
no code (and no NumPy shift trick) with vhdlgen.fixed.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from vhdlgen.fixed import (
    FixedType,
    FormatError,
    Requantizer,
    bits_requantizer,
    csd_digits,
    dequantize,
    is_representable,
    product_interval,
    quantize,
    relu_requantizer,
    signed_width,
    type_for_interval,
    unsigned_width,
)

RNG = np.random.default_rng(20261121)


# ------------------------------------------------------------------------------------ oracles
def round_half_even(v: Fraction) -> int:
    """Nearest integer; on an exact tie (fraction part 1/2) the even one."""
    floor = v.numerator // v.denominator
    rest = v - floor
    if rest > Fraction(1, 2):
        return floor + 1
    if rest < Fraction(1, 2):
        return floor
    return floor if floor % 2 == 0 else floor + 1


def slow_requantize(code: int, in_frac: int, out_frac: int, lo: int, hi: int) -> int:
    value = Fraction(code) * Fraction(2) ** (out_frac - in_frac)
    return min(max(round_half_even(value), lo), hi)


def qkeras_bits(x: Fraction, bits: int, integer: int, symmetric: bool, keep_negative: bool):
    """quantized_bits with alpha None, the VALUE, exactly as QKeras 0.9 code computes it:
    clip(round(x*m/2**integer), keep_negative * (-m + symmetric), m - 1). (The project's
    specification writes the lower bound -m*keep_negative + symmetric, which differs for keep_negative=False,
    symmetric=1: QKeras clips at 0 there, not at 1.)"""
    m = 2 ** (bits - int(keep_negative))
    scale = Fraction(2) ** integer
    code = round_half_even(x * m / scale)
    code = min(max(code, int(keep_negative) * (-m + int(symmetric))), m - 1)
    return scale * code / m


def qkeras_relu(x: Fraction, bits: int, integer: int):
    """quantized_relu as QKeras 0.9 computes it: the VALUE, exactly."""
    step = Fraction(2) ** (integer - bits)
    return min(max(round_half_even(x / step) * step, Fraction(0)), 2**integer - step)


# ------------------------------------------------------------------------------------ FixedType
@pytest.mark.parametrize("text, signed, width, frac, integer", [
    ("fixed<8,3>", True, 8, 5, 3),
    ("ufixed<2,1>", False, 2, 1, 1),
    (" fixed < 4 , -2 > ", True, 4, 6, -2),
    ("ufixed<6,9>", False, 6, -3, 9),
    ("fixed<1,1>", True, 1, 0, 1),
])
def test_fixedtype_parse_and_str(text, signed, width, frac, integer) -> None:
    fmt = FixedType.parse(text)
    assert (fmt.signed, fmt.width, fmt.frac, fmt.integer) == (signed, width, frac, integer)
    assert FixedType.parse(str(fmt)) == fmt
    assert str(fmt) == text.replace(" ", "")


@pytest.mark.parametrize("text", ["", "fixed", "fixed<8>", "sfixed<8,3>", "fixed<8,3", "ufixed<-1,0>",
                                  "fixed<8.0,3>", "fixed<a,b>", "fixed<8,3>x"])
def test_fixedtype_parse_rejects(text) -> None:
    with pytest.raises(FormatError, match="ufixed<2,1>"):
        FixedType.parse(text)


def test_fixedtype_zero_width_rejected() -> None:
    with pytest.raises(ValueError):
        FixedType.parse("fixed<0,0>")


@pytest.mark.parametrize("signed, width", [(True, 1), (True, 2), (True, 8), (False, 1), (False, 5)])
def test_fixedtype_codes(signed, width) -> None:
    fmt = FixedType(signed, width, 3)
    codes = range(-(2 ** (width - 1)), 2 ** (width - 1)) if signed else range(2**width)
    assert (fmt.min_code, fmt.max_code) == (min(codes), max(codes))
    assert fmt.max_code - fmt.min_code + 1 == 2**width
    assert fmt.step == 2.0**-3


# ------------------------------------------------------------------------------------ quantize
def test_quantize_ties_half_to_even() -> None:
    fmt = FixedType(True, 8, 0)
    values = np.array([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 0.49999999, 0.50000001, -0.0])
    assert quantize(values, fmt).tolist() == [0, 2, 2, 4, 0, -2, -2, 0, 1, 0]
    fine = FixedType(False, 4, 2)  # step 1/4: ties at odd multiples of 1/8
    assert quantize(np.array([0.125, 0.375, 0.625, 3.875, 5.0, -1.0]), fine).tolist() == [
        0, 2, 2, 15, 15, 0]


def test_quantize_matches_oracle_on_random_floats() -> None:
    for fmt in (FixedType(True, 6, 3), FixedType(False, 5, 1), FixedType(True, 4, -2)):
        x = np.concatenate([RNG.uniform(-20, 20, 3000),
                            (RNG.integers(-400, 400, 1000) + 0.5) * 2.0**-fmt.frac])  # ties
        got = quantize(x, fmt)
        expected = [slow_requantize_float(v, fmt) for v in x]
        assert got.dtype == np.int64 and got.tolist() == expected
        assert np.array_equal(is_representable(dequantize(got, fmt.frac), fmt),
                              np.ones(len(x), bool))


def slow_requantize_float(v: float, fmt: FixedType) -> int:
    return min(max(round_half_even(Fraction(v) * Fraction(2) ** fmt.frac), fmt.min_code),
               fmt.max_code)


def test_is_representable() -> None:
    fmt = FixedType(False, 2, 1)
    x = np.array([0, 0.5, 1, 1.5, 2.0, -0.5, 0.25, 0.75])
    assert is_representable(x, fmt).tolist() == [True] * 4 + [False] * 4


# ------------------------------------------------------------------------------------ Requantizer
@pytest.mark.parametrize("shift", [-5, -1, 0, 1, 2, 3, 7, 20])
@pytest.mark.parametrize("signed_out", [True, False])
def test_requantizer_matches_oracle(shift, signed_out) -> None:
    out = FixedType(signed_out, 5, 2)
    in_frac = out.frac + shift
    lo, hi = (out.min_code, out.max_code) if signed_out else (0, out.max_code)
    rq = Requantizer(in_frac, out, lo, hi)
    assert rq.shift == shift
    scale = 2 ** max(shift, 0)
    span = 40 * scale if shift >= 0 else max(2, 40 >> -shift)
    codes = np.concatenate([
        RNG.integers(-span, span, 4000),                             # around the clip range
        RNG.integers(-(2**40), 2**40, 500),                          # far beyond: saturation
        (np.arange(-40, 40) * 2 + 1) * (scale // 2) if shift > 0 else np.arange(-40, 40),  # ties
    ])
    got = rq.apply(codes)
    expected = [slow_requantize(int(c), in_frac, out.frac, lo, hi) for c in codes]
    assert got.dtype == np.int64 and got.tolist() == expected
    assert np.any(got == lo) and np.any(got == hi)
    if 2 ** -shift < hi:  # a left shift by 5 jumps straight from 0 to past hi = 31
        assert np.any((got > lo) & (got < hi))


@pytest.mark.parametrize("shift", [-3, 0, 1, 2, 5, 9])
@pytest.mark.parametrize("bounds", [(0, 15), (-7, 7), (-8, 7), (0, 1)])
def test_lowered_requantizer_equals_oracle(shift, bounds) -> None:
    """The hardware's form (offset folded into the accumulator, slice, clear the low bit on a
    tie, saturate) against the exact-rational oracle, exhaustively over a window of codes that
    holds every tie, both saturations and the linear middle."""
    lo, hi = bounds
    out = FixedType(lo < 0, 6, 3)
    rq = Requantizer(out.frac + shift, out, lo, hi)
    span = (abs(lo) + hi + 4) << max(shift, 0)
    codes = np.arange(-span, span + 1)
    got = rq.apply_offset(codes + rq.rounding_offset)
    expected = [slow_requantize(int(c), rq.in_frac, out.frac, lo, hi) for c in codes]
    assert got.tolist() == expected
    assert rq.rounding_offset == (2 ** (shift - 1) if shift > 0 else 0)


def test_requantizer_ties_explicit() -> None:
    rq = Requantizer(2, FixedType(True, 8, 0), -128, 127)  # divide by 4
    # 2/4, 6/4, 10/4, -2/4, -6/4 are ties -> even; 3/4 -> 1, 5/4 -> 1, -3/4 -> -1
    codes = np.array([2, 6, 10, -2, -6, -10, 3, 5, -3, -5])
    assert rq.apply(codes).tolist() == [0, 2, 2, 0, -2, -2, 1, 1, -1, -1]


@pytest.mark.parametrize("bits, integer", [(2, 0), (3, 0), (4, 0), (5, 0), (4, 2), (3, 1), (6, -1)])
@pytest.mark.parametrize("in_frac", [0, 3, 9])
def test_relu_requantizer_is_quantized_relu(bits, integer, in_frac) -> None:
    rq = relu_requantizer(in_frac, bits, integer)
    assert rq.out == FixedType(False, bits, bits - integer) and rq.lo == 0
    codes = RNG.integers(-3 * 2 ** (in_frac + max(integer, 0) + 1), 3 * 2 ** (in_frac + max(integer, 0) + 1), 3000)
    got = dequantize(rq.apply(codes), rq.out.frac)
    expected = [float(qkeras_relu(Fraction(int(c), 2**in_frac), bits, integer)) for c in codes]
    assert got.tolist() == expected
    assert got.max() == 2.0**integer - 2.0 ** (integer - bits)  # saturates
    assert got.min() == 0.0


@pytest.mark.parametrize("bits, integer, symmetric, keep_negative", [
    (2, 1, False, False), (4, 0, False, True), (4, 0, True, True), (5, 2, False, True),
    (3, 0, True, False), (6, -1, True, True), (8, 3, False, True),
])
@pytest.mark.parametrize("in_frac", [0, 4, 10])
def test_bits_requantizer_is_quantized_bits(bits, integer, symmetric, keep_negative, in_frac) -> None:
    rq = bits_requantizer(in_frac, bits, integer, symmetric, keep_negative)
    assert rq.out.signed == keep_negative and rq.out.width == bits
    span = 2 ** (in_frac + max(integer, 0) + 2)
    codes = RNG.integers(-span, span, 3000)
    got = dequantize(rq.apply(codes), rq.out.frac)
    expected = [float(qkeras_bits(Fraction(int(c), 2**in_frac), bits, integer, symmetric,
                                  keep_negative)) for c in codes]
    assert got.tolist() == expected
    assert rq.out.min_code <= rq.lo and rq.hi <= rq.out.max_code


def test_requantizers_equal_qkeras_quantizers() -> None:
    """The requantizers against the real QKeras 0.9 quantizer objects on every tie and more."""
    import tensorflow as tf
    from qkeras import quantized_bits, quantized_relu

    in_frac = 6
    codes = np.arange(-5 * 2**in_frac, 5 * 2**in_frac)
    x = tf.constant(codes * 2.0**-in_frac, dtype=tf.float32)
    cases = [
        (quantized_relu(4), relu_requantizer(in_frac, 4, 0)),
        (quantized_relu(3, 1), relu_requantizer(in_frac, 3, 1)),
        (quantized_bits(4, 0, 1), bits_requantizer(in_frac, 4, 0, True, True)),
        (quantized_bits(5, 2, 0), bits_requantizer(in_frac, 5, 2, False, True)),
        (quantized_bits(2, 1, keep_negative=False), bits_requantizer(in_frac, 2, 1, False, False)),
    ]
    for quantizer, rq in cases:
        keras = np.asarray(quantizer(x), np.float64)
        assert np.array_equal(dequantize(rq.apply(codes), rq.out.frac), keras), str(quantizer)


def test_requantizer_interval() -> None:
    rq = bits_requantizer(5, 4, 1, True, True)
    for lo, hi in [(-1000, 1000), (-3, 17), (0, 0), (40, 41), (-7, -6)]:
        out = rq.apply(np.arange(lo, hi + 1))
        assert rq.interval(lo, hi) == (out.min(), out.max())


# ------------------------------------------------------------------------------------ CSD
def test_csd_reconstructs_and_is_canonical() -> None:
    values = list(range(-2048, 2049)) + [int(v) for v in RNG.integers(-(2**45), 2**45, 2000)]
    for value in values:
        digits = csd_digits(value)
        assert sum(sign * 2**shift for shift, sign in digits) == value
        shifts = [shift for shift, _ in digits]
        assert shifts == sorted(shifts) and all(s in (-1, 1) for _, s in digits)
        assert all(b - a >= 2 for a, b in zip(shifts, shifts[1:])), (value, digits)
        assert len(digits) <= bin(abs(value)).count("1")  # never worse than plain binary
    assert csd_digits(0) == []
    assert csd_digits(7) == [(0, -1), (3, 1)]
    assert csd_digits(-1) == [(0, -1)]


# ------------------------------------------------------------------------------------ widths
def test_signed_width_boundaries() -> None:
    assert signed_width(0, 0) == 1 and signed_width(-1, 0) == 1
    assert signed_width(0, 1) == 2 and signed_width(-2, 1) == 2 and signed_width(-3, 0) == 3
    assert signed_width(-128, 127) == 8 and signed_width(-129, 0) == 9 and signed_width(0, 128) == 9
    for lo in range(-70, 1):
        for hi in range(lo, 70):
            w = signed_width(lo, hi)
            assert -(2 ** (w - 1)) <= lo and hi <= 2 ** (w - 1) - 1
            assert w == 1 or not (-(2 ** (w - 2)) <= lo and hi <= 2 ** (w - 2) - 1)


def test_unsigned_width_boundaries() -> None:
    assert [unsigned_width(h) for h in (0, 1, 2, 3, 4, 255, 256, 2**40 - 1, 2**40)] == [
        1, 1, 2, 2, 3, 8, 9, 40, 41]


def test_type_for_interval() -> None:
    assert type_for_interval(0, 15, 3) == FixedType(False, 4, 3)
    assert type_for_interval(-1, 15, 3) == FixedType(True, 5, 3)
    assert type_for_interval(-16, 15, -2) == FixedType(True, 5, -2)
    assert type_for_interval(0, 0, 0) == FixedType(False, 1, 0)


def test_product_interval() -> None:
    for weight in (-7, -1, 0, 1, 5):
        for lo, hi in [(0, 3), (-8, 7), (-5, -2)]:
            products = [weight * x for x in range(lo, hi + 1)]
            assert product_interval(lo, hi, weight) == (min(products), max(products))


@pytest.mark.parametrize("shift, tie_bits", [(2, 1), (5, 1), (5, 3), (6, 5)])
def test_wider_tie_equals_oracle(shift: int, tie_bits: int) -> None:
    """tie_bits: a code less than 2**tie_bits input steps above a half counts as the half
    (to even); everything else rounds to nearest. apply and the lowered apply_offset both
    equal that rule, spelled out with exact rationals, over every code of a window that
    holds both saturations."""
    lo, hi = -9, 9
    out = FixedType(True, 6, 0)
    rq = Requantizer(shift, out, lo, hi, tie_bits)
    codes = np.arange(-(12 << shift), (12 << shift) + 1)
    expected = []
    for code in codes.tolist():
        value = Fraction(code, 2**shift)
        floor = value.numerator // value.denominator
        above_half = value - floor - Fraction(1, 2)
        if 0 <= above_half < Fraction(2**tie_bits, 2**shift):
            nearest = floor if floor % 2 == 0 else floor + 1
        else:
            nearest = floor + 1 if above_half > 0 else floor
        expected.append(min(max(nearest, lo), hi))
    assert rq.apply(codes).tolist() == expected
    assert rq.apply_offset(codes + rq.rounding_offset).tolist() == expected


def test_wider_tie_needs_a_shift_above_it() -> None:
    with pytest.raises(ValueError, match="tie_bits 3 needs a shift above it"):
        Requantizer(3, FixedType(True, 6, 0), -9, 9, 3)
