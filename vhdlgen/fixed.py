"""The one arithmetic specification of vhdlgen.

Every fixed-point number is an integer *code* with an implicit scale: value = code * 2**-frac.
The NumPy reference and the RTL lowering both call these functions, so the hardware and the
reference cannot disagree on a width, a shift, a rounding mode or a saturation bound.

Rounding is round-half-to-even (the `tf.round` of QKeras); overflow saturates.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

# The bit-exact reference computes on int64: vhdlgen keeps every code below 2**INT64_BITS in
# magnitude (62 bits plus sign, so that a sum of two codes cannot overflow either).
INT64_BITS = 62
INT64_LIMIT = (1 << INT64_BITS) - 1  # the largest magnitude of any code

_FORMAT = re.compile(r"^\s*(u?)fixed\s*<\s*(\d+)\s*,\s*(-?\d+)\s*>\s*$")


class FormatError(ValueError):
    """A fixed-point format string that cannot be parsed."""


@dataclass(frozen=True)
class FixedType:
    """A two's complement (signed) or plain binary (unsigned) fixed-point format.

    `width` bits in total, `frac` of them behind the binary point (frac may be negative or exceed
    width). Written like HLS types: fixed<width, integer> where integer = width - frac counts the
    sign bit, ufixed<width, integer> for unsigned.
    """

    signed: bool
    width: int
    frac: int

    def __post_init__(self) -> None:
        if self.width < 1:
            raise ValueError(f"fixed-point width must be at least 1 bit, got {self.width}")

    @classmethod
    def parse(cls, text: str) -> "FixedType":
        """Parse 'fixed<W,I>' or 'ufixed<W,I>' (W total bits, I integer bits incl. sign)."""
        match = _FORMAT.match(text)
        if not match:
            raise FormatError(
                f"cannot parse fixed-point format {text!r}; accepted: 'fixed<W,I>' (signed) or "
                "'ufixed<W,I>' (unsigned), W total bits, I integer bits, e.g. 'ufixed<2,1>'"
            )
        unsigned, width, integer = match.groups()
        if int(width) < 1:
            raise FormatError(f"fixed-point format {text!r}: width must be at least 1 bit")
        return cls(signed=not unsigned, width=int(width), frac=int(width) - int(integer))

    @property
    def integer(self) -> int:
        """Integer bits, including the sign bit for signed types."""
        return self.width - self.frac

    @property
    def min_code(self) -> int:
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def max_code(self) -> int:
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    @property
    def step(self) -> float:
        return 2.0 ** -self.frac

    def __str__(self) -> str:
        return f"{'' if self.signed else 'u'}fixed<{self.width},{self.integer}>"


def signed_width(lo: int, hi: int) -> int:
    """Smallest two's complement width holding every integer in [lo, hi]."""
    width = 1
    while lo < -(1 << (width - 1)) or hi > (1 << (width - 1)) - 1:
        width += 1
    return width


def unsigned_width(hi: int) -> int:
    """Smallest unsigned width holding every integer in [0, hi]."""
    return max(1, int(hi).bit_length())


def type_for_interval(lo: int, hi: int, frac: int) -> FixedType:
    """The narrowest format at `frac` holding codes in [lo, hi] (unsigned when lo >= 0)."""
    if lo >= 0:
        return FixedType(False, unsigned_width(hi), frac)
    return FixedType(True, signed_width(lo, hi), frac)


def round_half_even(x: np.ndarray) -> np.ndarray:
    """Round floats to the nearest integer, ties to even (as tf.round and np.rint do)."""
    return np.rint(x)


def quantize(values: np.ndarray, fmt: FixedType) -> np.ndarray:
    """Float values -> int64 codes of `fmt`: scale exactly, round half to even, saturate."""
    scaled = np.asarray(values, dtype=np.float64) * (2.0 ** fmt.frac)
    codes = np.clip(round_half_even(scaled), fmt.min_code, fmt.max_code)
    return codes.astype(np.int64)


def is_representable(values: np.ndarray, fmt: FixedType) -> np.ndarray:
    """Elementwise: the float value is exactly a code of `fmt` (no rounding, no saturation)."""
    scaled = np.asarray(values, dtype=np.float64) * (2.0 ** fmt.frac)
    return (scaled == np.floor(scaled)) & (scaled >= fmt.min_code) & (scaled <= fmt.max_code)


def dequantize(codes: np.ndarray, frac: int) -> np.ndarray:
    """Integer codes -> exact float64 values (exact while |code| < 2**53)."""
    return np.asarray(codes, dtype=np.float64) * (2.0 ** -frac)


@dataclass(frozen=True)
class Requantizer:
    """Move a code from `in_frac` to the format `out`: round half to even, then saturate.

    `lo`/`hi` are the saturation bounds in output codes (a ReLU has lo = 0). This is the
    specification of both the reference and the RTL `requantize` primitive.

    `tie_bits` widens the tie: a code up to 2**tie_bits - 1 input steps above a half counts as
    that half (rounds to even). 0, the default, is the exact round half to even. Average
    pooling over windows whose element count is not a power of two (`layers.division`)
    approximates the quotient from above by an integer reciprocal; its exact ties land in that
    band and nothing else does. Requires tie_bits < shift when tie_bits > 0.
    """

    in_frac: int
    out: FixedType
    lo: int
    hi: int
    tie_bits: int = 0

    def __post_init__(self) -> None:
        if self.tie_bits and not 0 < self.tie_bits < self.shift:
            raise ValueError(f"tie_bits {self.tie_bits} needs a shift above it, got {self.shift}")

    @property
    def shift(self) -> int:
        """Right shift from input to output codes (negative: a left shift, exact)."""
        return self.in_frac - self.out.frac

    def apply(self, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes, dtype=np.int64)
        if self.shift <= 0:
            rounded = codes << -self.shift
        else:
            floor = codes >> self.shift
            remainder = codes - (floor << self.shift)
            half = 1 << (self.shift - 1)
            tie = (remainder >= half) & (remainder < half + (1 << self.tie_bits))
            round_up = (remainder >= half + (1 << self.tie_bits)) | (tie & (floor & 1 == 1))
            rounded = floor + round_up
        return np.clip(rounded, self.lo, self.hi)

    @property
    def rounding_offset(self) -> int:
        """The half step 2**(shift-1) that the hardware adds to the accumulator up front (it
        joins the bias constant), so that rounding needs no adder of its own; 0 when shift <= 0."""
        return 1 << (self.shift - 1) if self.shift > 0 else 0

    def apply_offset(self, offset_codes: np.ndarray) -> np.ndarray:
        """The lowered form the RTL computes, on accumulators that already hold
        `rounding_offset`: q = floor(v / 2**shift); on a tie (the low `shift` bits of v are
        all zero above the lowest `tie_bits`, i.e. the input was a half, or just above one when
        tie_bits > 0) clear q's lowest bit, which picks the even neighbour; then saturate.
        Equals `apply(v - rounding_offset)` for every v."""
        codes = np.asarray(offset_codes, dtype=np.int64)
        if self.shift <= 0:
            return self.apply(codes)
        return self.apply_tie(codes, (codes & ((1 << self.shift) - 1)) >> self.tie_bits == 0)

    def apply_tie(self, offset_codes: np.ndarray, tie: np.ndarray) -> np.ndarray:
        """`apply_offset` with the tie flags given (true where the low `shift` bits of the
        accumulator are zero above the lowest `tie_bits`), as the RTL computes them early from
        the last adder's operands when tie_bits is 0 (`sum_tie`, `difference_tie`)."""
        floor = np.asarray(offset_codes, dtype=np.int64) >> self.shift
        return np.clip(np.where(tie, floor & ~1, floor), self.lo, self.hi)

    def interval(self, lo: int, hi: int) -> tuple[int, int]:
        """Output code range for input codes in [lo, hi] (monotonic, so the ends suffice)."""
        out = self.apply(np.array([lo, hi], dtype=np.int64))
        return int(out[0]), int(out[1])


def sum_tie(a: np.ndarray, b: np.ndarray, bits: int) -> np.ndarray:
    """Whether the low `bits` bits of a + b are all zero, without the carry chain of the sum.

    Every sum bit below i being zero forces the carry into bit i to be a[i-1] | b[i-1], so
    a + b = 0 (mod 2**bits) iff bit 0 of a ^ b is zero and, above it, bit i of a ^ b equals
    a[i-1] | b[i-1] (Cortadella and Llaberia, "Evaluation of A + B = K conditions without carry
    propagation", IEEE Trans. Computers 41(11), 1992): one LUT level, in parallel with the
    adder, where testing the sum's low bits waits for its carry chain."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    return (((a ^ b) ^ ((a | b) << 1)) & ((1 << bits) - 1)) == 0


def difference_tie(a: np.ndarray, b: np.ndarray, bits: int) -> np.ndarray:
    """Whether the low `bits` bits of a - b are all zero: a and b agree on them."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    return ((a ^ b) & ((1 << bits) - 1)) == 0


def compress3(a: np.ndarray, b: np.ndarray, c: np.ndarray, subtract: bool = False
              ) -> tuple[np.ndarray, np.ndarray]:
    """The 3:2 compressor of a ternary adder: a + b + c (a + b - c when `subtract`) as s + k,
    where s is the bitwise sum a ^ b ^ c' and k the bitwise majority of a, b, c' moved up one
    bit, c' = c or, to subtract, ~c with the + 1 in k's free lowest bit. Every bit of s and k
    is a function of three operand bits, so the LUT in front of each carry-chain bit computes
    s[i] ^ k[i] from six: one LUT level and one carry chain add three operands (Kumm and Zipf,
    "Efficient High Speed Compression Trees on Xilinx FPGAs", MBMV 2014)."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    c = np.asarray(c, dtype=np.int64)
    if subtract:
        c = ~c
    s = a ^ b ^ c
    k = (((a & b) | (a & c) | (b & c)) << 1) | int(subtract)
    return s, k


def ternary_sum(a: np.ndarray, b: np.ndarray, c: np.ndarray, subtract: bool = False
                ) -> np.ndarray:
    """a + b + c (or a + b - c) through the 3:2 compressor: s + k, added as (s & k) + (s | k).
    The RTL's LUT6_2 + CARRY8 form (vhdlgen.rtl.lut_adder: per bit the propagate s ^ k from six
    operand bits) computes the same sum; the interpreter checks it against this one."""
    s, k = compress3(a, b, c, subtract)
    return (s & k) + (s | k)


def ternary_tie(a: np.ndarray, b: np.ndarray, c: np.ndarray, bits: int,
                subtract: bool = False) -> np.ndarray:
    """Whether the low `bits` bits of a + b + c (a + b - c) are all zero, without the carry
    chain: `sum_tie` on the compressor's outputs."""
    s, k = compress3(a, b, c, subtract)
    return sum_tie(s & k, s | k, bits)


def relu_requantizer(in_frac: int, bits: int, integer: int) -> Requantizer:
    """QKeras quantized_relu(bits, integer): unsigned, step 2**(integer-bits), clip at 0."""
    out = FixedType(False, bits, bits - integer)
    return Requantizer(in_frac, out, 0, out.max_code)


def bits_requantizer(
    in_frac: int, bits: int, integer: int, symmetric: bool, keep_negative: bool
) -> Requantizer:
    """QKeras quantized_bits(bits, integer, symmetric, keep_negative) with alpha None or 1."""
    unsigned_bits = bits - int(keep_negative)
    m = 1 << unsigned_bits
    out = FixedType(keep_negative, bits, unsigned_bits - integer)
    lo = (-m + int(symmetric)) if keep_negative else 0
    return Requantizer(in_frac, out, lo, m - 1)


def csd_digits(value: int) -> list[tuple[int, int]]:
    """Canonical signed digit form: value == sum(sign * 2**shift); no two adjacent nonzero digits.

    Returns (shift, sign) pairs, least significant first; empty for zero.
    """
    digits = []
    shift = 0
    while value != 0:
        if value & 1:
            digit = 2 - (value & 3)  # +1 when value % 4 == 1, -1 when value % 4 == 3
            digits.append((shift, digit))
            value -= digit
        value >>= 1
        shift += 1
    return digits


def product_interval(lo: int, hi: int, weight: int) -> tuple[int, int]:
    """Range of weight * x for integer x in [lo, hi]."""
    a, b = weight * lo, weight * hi
    return min(a, b), max(a, b)
