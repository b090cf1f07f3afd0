"""Average pooling over windows of n elements, n not a power of two, with a quantizer after it:
Keras' float32 quotient as integer reciprocals, proven equal by enumerating every window sum.

Keras divides each window's exact float32 sum by n in float32 (`pooling_keras`), and the quantizer
rounds half to even and clips. For a window sum of S input codes, the exact quotient in output
steps is y = S * num / den (num, den positive integers: the input and output steps, the count
and QAveragePooling2D's scale). Where float32 does not change the quantized result (checked
for every reachable S), Keras gives round_half_even(y), clipped.

vhdlgen computes it with a multiplication by a rounded-up reciprocal, the way compilers divide
by a constant (Granlund and Montgomery, "Division by invariant integers using multiplication",
1994), and detects the ties by the remainder that the same product leaves in its low bits.
With X = 2*num*S + den and Q = 2*den, y + 1/2 = X / Q, so round_half_even(y) is floor(X / Q),
one less when X / Q is an odd integer. Take R = ceil(2**s / Q) and e = R*Q - 2**s (0 <= e < Q),
and j >= 0 with X + j*Q >= 0 for every S. Write X + j*Q = q*Q + r (0 <= r < Q): then
    (X + j*Q) * R = q * 2**s + (q*e + r*R).
When (X + j*Q) * e < 2**s, the low part q*e + r*R is below 2**s, so floor((X*R + j*e) / 2**s)
= q - j = floor(X / Q), and its low s bits are q*e + r*R: an exact quotient (r = 0) leaves q*e,
any other r at least R. So when every tie's q*e < 2**t <= R, "the low s bits, above the lowest
t, are zero" is the tie test: exactly `fixed.Requantizer` with shift s and tie_bits t, applied to
    v = S * (2*num*R) + (den*R + j*e - 2**(s-1)),
the average (from above) on a grid of 2**-s output steps; the requantizer adds the 2**(s-1)
back. Both conditions hold once s is large enough (q*e stays below the range of X while R
grows like 2**s). One s and t serve every count of the layer: t from the smallest R, and
`reciprocals` takes the smallest s whose results equal Keras' for every window sum of every
count, checking them all rather than trusting the bounds.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import gcd

import numpy as np

from vhdlgen.errors import UserError
from vhdlgen.fixed import INT64_BITS, Requantizer

MAX_BITS = INT64_BITS  # the int64 reference: every average code must stay below 2**62


@dataclass(frozen=True)
class Division:
    """Average pooling's division by window counts that are not all powers of two, for the
    requantizer that follows it: a window of `counts[i]` elements with code sum S gives
    S * weights[i] + constants[i] at 2**-(input frac + frac). That is the average (times the
    pooling scale) approximated from above, exact only as the input of the following
    Activation, whose `Requantizer.tie_bits` absorbs the approximation."""

    frac: int
    counts: tuple[int, ...]
    weights: tuple[int, ...]
    constants: tuple[int, ...]


def quotient(num: int, den: int) -> tuple[int, int]:
    """num / den in lowest terms."""
    common = gcd(num, den)
    return num // common, den // common


def rounded_quotients(sums: np.ndarray, num: int, den: int) -> np.ndarray:
    """round_half_even(S * num / den) for integer sums S, exactly (integers only)."""
    x = 2 * num * np.asarray(sums, np.int64) + den
    q = x // (2 * den)
    return q - ((x % (2 * den) == 0) & (q % 2 == 1))


def _terms(s: int, num: int, den: int, low: int) -> tuple[int, int, int]:
    """(weight, constant, R) of the reciprocal at shift s for sums from `low` (module doc)."""
    q = 2 * den
    reciprocal = -(-(1 << s) // q)
    excess = reciprocal * q - (1 << s)
    lift = max(0, -((2 * num * low + den) // q))  # j: X + j*Q >= 0 for every sum
    return 2 * num * reciprocal, den * reciprocal + lift * excess - (1 << (s - 1)), reciprocal


def reciprocals(name: str, counts: list[int], fractions: list[tuple[int, int]],
                sums: list[np.ndarray], keras: list[np.ndarray], rq: Requantizer,
                in_frac: int) -> tuple[Division, Requantizer]:
    """The smallest-shift integer reciprocals for windows of `counts` elements (exact quotient
    in output steps S * num / den per count, `fractions`) whose requantized results equal
    Keras' codes `keras` for every window sum in `sums`; and the requantizer (rq's output
    format and bounds, at the division's frac, with its tie_bits). UserError when Keras'
    float32 result is not the rounded exact quotient, or no shift within 62 bits works."""
    for n, (num, den), s_all, k in zip(counts, fractions, sums, keras):
        exact = np.clip(rounded_quotients(s_all, num, den), rq.lo, rq.hi)
        if not np.array_equal(exact, k):
            bad = int(np.argmax(exact != k))
            raise UserError(
                f"layer {name!r}: for a window of {n} elements summing to {int(s_all[bad])} "
                f"input steps, Keras' float32 division and quantizer give code {int(k[bad])}, "
                f"the exact average rounds to {int(exact[bad])}: float32 rounds the quotient "
                "onto or across a rounding tie, which vhdlgen does not reproduce. Quantize the "
                "pooling input to fewer bits")
    largest = max(max(abs(int(s.min())), abs(int(s.max()))) for s in sums)
    for s in range(2, MAX_BITS):
        terms = [_terms(s, num, den, int(s_all.min())) for (num, den), s_all in
                 zip(fractions, sums)]
        if max(largest * abs(w) + abs(c) for w, c, _ in terms) >= 1 << MAX_BITS:
            break
        tie_bits = min(min(r for _, _, r in terms).bit_length() - 1, s - 1)
        divided = Requantizer(rq.out.frac + s, rq.out, rq.lo, rq.hi, tie_bits)
        if all(np.array_equal(divided.apply(s_all * w + c), k)
               for (w, c, _), s_all, k in zip(terms, sums, keras)):
            division = Division(divided.in_frac - in_frac, tuple(counts),
                                tuple(w for w, _, _ in terms), tuple(c for _, c, _ in terms))
            return division, divided
    raise UserError(f"layer {name!r}: no integer reciprocal within {MAX_BITS} bits reproduces "
                    "Keras' rounded averages; quantize the pooling input to fewer bits")
