"""Pooling2D: MaxPooling2D, AveragePooling2D and QAveragePooling2D, any pool size and strides,
'valid' or 'same'. What QKeras 0.9 / Keras compute, and why vhdlgen's integers equal it:

- MaxPooling2D: the largest element of each window (TensorFlow's 'same' padding takes no part).
  A max is exact in any arithmetic. The lowering builds comparator trees (`rtl.comparators`).
- AveragePooling2D: TensorFlow sums each window in float32 and divides the sum by the number
  of input positions it covers ('same' padding is left out of the count) in float32. Every sum
  must be exact in float32 (below 2**24 steps). When every count is a power of two, vhdlgen
  takes sum / count exactly at a finer power-of-two step, which is float32's result. Otherwise
  float32 rounds the quotient, and vhdlgen reproduces it only as rounded by a quantizer right
  after it (a QActivation(quantized_bits | quantized_relu), or QAveragePooling2D's activation):
  integer reciprocals per count, checked against Keras' own float32 division and quantizer on
  every window sum the input range allows (`division_ir`, `layers.division`); without such a
  quantizer it is refused (`follower_problems`).
- QAveragePooling2D (qkeras/qpooling.py): the Keras average, then, with an average_quantizer,
  times pool_area and times average_quantizer(1 / pool_area), each in float32; exact for
  power-of-two counts with products below 2**24 steps, else part of the checked reciprocals;
  then its activation.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from vhdlgen import windows
from vhdlgen.errors import UserError
from vhdlgen.fixed import product_interval, type_for_interval
from vhdlgen.ir import Connections, Layer, Tensor
from vhdlgen.layers import division
from vhdlgen.layers import quantizers as q
from vhdlgen.layers.activation import Activation
from vhdlgen.layers.division import Division
from vhdlgen.layers.planes import check_plane, window_connections, window_output
from vhdlgen.layers.registry import ir_kind, keras
from vhdlgen.windows import Padding, keras_padding

POOLING = ("MaxPooling2D", "AveragePooling2D", "QAveragePooling2D")
EXACT_STEPS = 1 << 24  # float32 holds every integer up to 2**24 exactly
LOWEST = np.iinfo(np.int64).min  # max pooling's padding: below every code


def _ints(values: list) -> tuple[int, ...]:
    return tuple(int(v) for v in values)


@ir_kind
@dataclass(frozen=True)
class Pooling2D(Layer):
    """Max or average pooling of (PH, PW) windows at `strides` over each channel.

    `padding` is Keras 'same' made explicit: padded positions take no part (max ignores them,
    the average divides by the positions it covers, as TensorFlow does). op "max": the largest
    code, same format. op "average": sum / count times `scale` = code * 2**-frac (1 for Keras
    AveragePooling2D; area * quantized(1/area) for QAveragePooling2D with an average_quantizer).
    Without a `division`, exact: every count must be a power of two, and the output frac is
    in frac + scale frac + log2(largest count). With one, its per-count integer reciprocals
    (which include the scale) for the quantizer after it."""

    name: str
    op: str  # "max" | "average"
    pool: tuple[int, int]
    strides: tuple[int, int]
    padding: Padding = (0, 0, 0, 0)
    scale: tuple[int, int] = (1, 0)  # (code, frac), average only
    division: Division | None = None  # average only

    @property
    def linear(self) -> bool:  # an average is a sum of weighted taps; a max is not
        return self.op == "average"

    @property
    def rounds_in_float32(self) -> bool:
        return self.op == "average"

    def average_weights(self, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, int]:
        """Per output position (OH, OW): the integer weight of every tap and the constant
        added to the weighted sum, and the weight frac. Without a `division`: scale / count =
        weight * 2**-frac exactly, constants 0; UserError when a count is not a power of two
        (Keras divides in float32 then, inexactly)."""
        count = windows.counts(shape, self.pool, self.strides, self.padding)
        if self.division is not None:
            return self._divided(count)
        odd = sorted({int(c) for c in count.ravel() if c & (c - 1)})
        if odd:
            raise UserError(
                f"layer {self.name!r}: average pooling over {', '.join(map(str, odd))} elements "
                "per window; Keras divides by that count in float32, which is inexact unless it "
                "is a power of two. Accepted: pool sizes (and, with 'same' padding, the edge "
                "windows) covering 1, 2, 4, 8, ... elements, or a quantizer right after the "
                "average (then vhdlgen reproduces Keras' rounded result)")
        top = int(count.max()).bit_length() - 1
        weights = self.scale[0] * ((1 << top) // count)
        return weights, np.zeros_like(weights), self.scale[1] + top

    def _divided(self, count: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        division = self.division
        missing = sorted({int(c) for c in count.ravel()} - set(division.counts))
        if missing:
            raise UserError(f"layer {self.name!r}: its division has no reciprocal for windows "
                            f"of {', '.join(map(str, missing))} elements")
        index = np.vectorize(division.counts.index, otypes=[np.int64])(count)
        return (np.asarray(division.weights, np.int64)[index],
                np.asarray(division.constants, np.int64)[index], division.frac)

    def infer(self, x: Tensor) -> Tensor:
        """Max: the input's format and range. Average: every window's sum times its weight
        plus its constant (`average_weights`) at the finer frac."""
        oh, ow = window_output(self.name, x, self.pool, self.strides, self.padding)
        shape = (oh, ow, x.shape[2])
        if self.op == "max":
            return Tensor(shape, x.fmt, x.lo, x.hi)
        weights, constants, frac = self.average_weights(x.shape)
        count = windows.counts(x.shape, self.pool, self.strides, self.padding)
        bounds = [product_interval(x.lo * int(n), x.hi * int(n), int(w))
                  for n, w in zip(count.ravel(), weights.ravel())]
        lo = min(b[0] + int(c) for b, c in zip(bounds, constants.ravel()))
        hi = max(b[1] + int(c) for b, c in zip(bounds, constants.ravel()))
        return Tensor(shape, type_for_interval(lo, hi, x.fmt.frac + frac), lo, hi)

    def run(self, x: np.ndarray) -> np.ndarray:
        """Max: the largest code of each window. Average: each window's sum (padding adds 0)
        times its integer weight, plus its constant (`average_weights`)."""
        if self.op == "max":
            taps = windows.windows(x, self.pool, self.strides, self.padding, LOWEST)
            return taps.max(axis=(4, 5))
        taps = windows.windows(x, self.pool, self.strides, self.padding, 0)
        weights, constants, _ = self.average_weights(x.shape[1:])
        return taps.sum(axis=(4, 5)) * weights[None, :, :, None] + constants[None, :, :, None]

    def to_json(self) -> dict:
        data = {"type": "Pooling2D", "name": self.name, "op": self.op,
                "pool": list(self.pool), "strides": list(self.strides),
                "padding": list(self.padding), "scale": list(self.scale)}
        if self.division is not None:
            d = self.division
            data["division"] = {"frac": d.frac, "counts": list(d.counts),
                                "weights": list(d.weights), "constants": list(d.constants)}
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Pooling2D":
        d = data.get("division")  # manifests from before #12's reciprocals have none
        if d is not None:
            d = Division(int(d["frac"]), _ints(d["counts"]), _ints(d["weights"]),
                         _ints(d["constants"]))
        return cls(str(data["name"]), str(data["op"]), _ints(data["pool"]),
                   _ints(data["strides"]), _ints(data["padding"]), _ints(data["scale"]), d)

    def details(self) -> str:
        text = f"{self.op} {self.pool[0]}x{self.pool[1]}, strides {self.strides}"
        if any(self.padding):
            text += f", padding (t, b, l, r) {self.padding}"
        if self.scale != (1, 0):
            text += f", times {self.scale[0]}*2^{-self.scale[1]}"
        if self.division is not None:
            counts = ", ".join(map(str, self.division.counts))
            text += f", integer reciprocals of {counts} for the quantizer after it"
        return text

    def connections(self, shape: tuple[int, ...], zero_pad: Padding) -> Connections:
        """An average: every tap times its window's weight, the window's constant."""
        weights, constants, _ = self.average_weights(shape)
        return window_connections(
            shape, zero_pad, self.pool, self.strides, self.padding, shape[2],
            lambda index, r, c, co, i, j, h, w: [(index(h, w, co), int(weights[r, c]))],
            lambda r, c, co: int(constants[r, c]))

    def sum_frac(self, shape: tuple[int, ...]) -> int:
        return self.average_weights(shape)[2]

    def comparator_windows(self, shape: tuple[int, ...]) -> list[list[int]] | None:
        """Max pooling, per output element (row-major): the input elements of its window
        ('same' padding has none: it takes no part in the max)."""
        if self.op != "max":
            return None
        oh, ow = windows.output_size(shape, self.pool, self.strides, self.padding)
        return [[int(np.ravel_multi_index((h, w, c), shape))
                 for _, _, h, w in windows.taps(shape, self.pool, self.strides, self.padding,
                                                r, q_)]
                for r, q_, c in itertools.product(range(oh), range(ow), range(shape[2]))]


def _layout_problems(layer) -> list[str]:
    fmt = getattr(layer, "data_format", "channels_last")
    return [] if fmt == "channels_last" else [f"data_format {fmt!r}"]


def pooling_problems(layer, follower) -> list[str]:
    """Why a pooling layer is unsupported (empty when it is supported), then what must follow
    an average over counts that are not powers of two (`follower_problems`)."""
    problems = _layout_problems(layer)
    if layer.padding not in ("valid", "same"):
        problems.append(f"padding {layer.padding!r}")
    if type(layer).__name__ == "QAveragePooling2D":
        quantizer = layer.average_quantizer_internal
        if quantizer is not None and type(quantizer).__name__ != "quantized_bits":
            problems.append(f"average_quantizer {q.describe(quantizer)} (accepted: "
                            "quantized_bits)")
        activation = layer.activation
        if activation is not None and not hasattr(activation, "bits"):
            problems.append(f"activation {activation!r} (accepted: a quantizer or none)")
        elif activation is not None:
            problems += q.activation_problems(activation)
    return problems or follower_problems(layer, follower)


def odd_counts(layer) -> list[int]:
    """The element counts of an average pooling's windows that are not powers of two (Keras
    divides by them inexactly); empty for max pooling."""
    if (type(layer).__name__ not in ("AveragePooling2D", "QAveragePooling2D")
            or layer.padding not in ("valid", "same")):
        return []
    shape = tuple(layer.input_shape[1:])
    pool, strides = tuple(layer.pool_size), tuple(layer.strides)
    count = windows.counts(shape, pool, strides, keras_padding(layer.padding, shape, pool, strides))
    return sorted({int(c) for c in count.ravel() if c & (c - 1)})


def own_quantizer(layer) -> object | None:
    """A QAveragePooling2D's activation quantizer (None for other layers, or without one)."""
    activation = getattr(layer, "activation", None)
    return activation if hasattr(activation, "bits") else None


def _is_quantizer(layer) -> bool:
    """A QActivation whose quantizer rounds (quantized_bits, quantized_relu)."""
    quantizer = getattr(layer, "quantizer", None)
    return (type(layer).__name__ == "QActivation"
            and type(quantizer).__name__ in ("quantized_bits", "quantized_relu"))


def follower_problems(layer, follower) -> list[str]:
    """An average over counts that are not powers of two needs a quantizer right after it
    (its own activation, or the next layer): vhdlgen reproduces Keras' float32 division only
    as rounded by one."""
    odd = odd_counts(layer)
    if not odd or own_quantizer(layer) is not None or _is_quantizer(follower):
        return []
    after = ("nothing (it is the model's output)" if follower is None
             else f"a {type(follower).__name__} layer")
    return [f"averages over {', '.join(map(str, odd))} elements per window, followed by "
            f"{after}: Keras divides by that count in float32, inexactly, which vhdlgen "
            "reproduces only where a quantizer rounds the average. Accepted: a "
            "QActivation(quantized_bits | quantized_relu) directly after the pooling, or "
            "QAveragePooling2D with activation=quantized_bits/quantized_relu; windows of 1, 2, "
            "4, 8, ... elements need no quantizer"]


def _pool_scale(layer) -> tuple[int, int]:
    """QAveragePooling2D's factor area * average_quantizer(1 / area) as (code, frac), exactly
    (float32 rounds that product only beyond 2**24 steps, `_check_products`); (1, 0) without
    an average_quantizer."""
    quantizer = getattr(layer, "average_quantizer_internal", None)
    if quantizer is None:
        return 1, 0
    area = int(np.prod(layer.pool_size))
    scaled = q.exact_dyadic(np.array([_mult_factor(layer, quantizer) * area]))
    return int(scaled.codes[0]), scaled.frac


def _mult_factor(layer, quantizer) -> float:
    """average_quantizer(1 / area) as QKeras computes it, a float32."""
    import tensorflow as tf

    area = int(np.prod(layer.pool_size))
    return float(np.asarray(quantizer(tf.constant(1.0 / area, tf.float32)), np.float32))


def pooling_ir(layer, x: Tensor, options, pending: list) -> list[Layer]:
    """Max or average pooling over power-of-two counts (plus QAveragePooling2D's activation),
    exact. An average over other counts takes the QActivation after it along (off `pending`),
    unless it has its own (`division_ir`)."""
    if odd_counts(layer):
        follower = None if own_quantizer(layer) is not None else pending.pop(0)
        return division_ir(layer, follower, x)
    check_plane(layer.name, x)
    pool, strides = tuple(layer.pool_size), tuple(layer.strides)
    padding = keras_padding(layer.padding, x.shape, pool, strides)
    activation = getattr(layer, "activation", None)
    name = f"{layer.name}_linear" if activation is not None else layer.name
    op = "max" if type(layer).__name__ == "MaxPooling2D" else "average"
    pooled = Pooling2D(name, op, pool, strides, padding, _pool_scale(layer))
    out = pooled.infer(x)
    if op == "average":
        _check_sums(layer.name, pooled, x)
        _check_products(layer.name, pooled, x, out)
    if activation is None:
        return [pooled]
    return [pooled, Activation(layer.name, q.activation_requantizer(activation, out.fmt.frac),
                               str(activation))]


def division_ir(layer, follower, x: Tensor) -> list[Layer]:
    """An average over counts that are not all powers of two, and the quantizer after it (its
    own activation, or the QActivation `follower`): integer reciprocals whose requantized
    results equal Keras' for every window sum (`division`)."""
    check_plane(layer.name, x)
    pool, strides = tuple(layer.pool_size), tuple(layer.strides)
    padding = keras_padding(layer.padding, x.shape, pool, strides)
    quantizer = own_quantizer(layer)
    name, quantizer_name = (f"{layer.name}_linear", layer.name) if quantizer is not None else (
        layer.name, follower.name)
    quantizer = quantizer if quantizer is not None else follower.quantizer
    scale = _pool_scale(layer)
    _check_sums(layer.name, Pooling2D(name, "average", pool, strides, padding), x)
    rq = q.activation_requantizer(quantizer, 0)
    counts = sorted({int(c) for c in windows.counts(x.shape, pool, strides, padding).ravel()})
    sums = [np.arange(n * x.lo, n * x.hi + 1, dtype=np.int64) for n in counts]
    fractions = [_quotient(scale, n, x.fmt.frac, rq.out.frac) for n in counts]
    keras = [np.clip(_keras_codes(layer, quantizer, s, n, x.fmt.frac, rq.out.frac), rq.lo, rq.hi)
             for n, s in zip(counts, sums)]
    reciprocals, divided = division.reciprocals(layer.name, counts, fractions, sums, keras, rq,
                                                x.fmt.frac)
    pooled = Pooling2D(name, "average", pool, strides, padding, scale, reciprocals)
    return [pooled, Activation(quantizer_name, divided, str(quantizer))]


def _quotient(scale: tuple[int, int], count: int, in_frac: int, out_frac: int) -> tuple[int, int]:
    """The exact average of a window of `count` elements, in output steps per input step of its
    sum, times the pooling scale: (num, den) in lowest terms."""
    exponent = in_frac + scale[1] - out_frac
    return division.quotient(scale[0] << max(-exponent, 0), count << max(exponent, 0))


def _keras_codes(layer, quantizer, sums: np.ndarray, count: int, in_frac: int,
                 out_frac: int) -> np.ndarray:
    """What QKeras outputs, in codes of the quantizer, for windows of `count` elements whose
    codes sum to `sums`: TensorFlow's AvgPool divides the float32 sum by the count (a float32
    division, tests/test_average_division.py checks the kernel); QAveragePooling2D with an
    average_quantizer then multiplies by the area and by average_quantizer(1 / area) in float32
    (qkeras/qpooling.py); then the quantizer itself, run here."""
    import tensorflow as tf

    average = tf.constant((sums * 2.0**-in_frac).astype(np.float32)) / tf.constant(
        float(count), tf.float32)  # the sums are below 2**24 steps: exact in float32
    average_quantizer = getattr(layer, "average_quantizer_internal", None)
    if average_quantizer is not None:
        average = average * tf.constant(float(np.prod(layer.pool_size)), tf.float32)
        average = average * tf.constant(_mult_factor(layer, average_quantizer), tf.float32)
    codes = np.asarray(quantizer(average), np.float64) * 2.0**out_frac
    if not np.array_equal(codes, np.rint(codes)):
        raise UserError(f"layer {layer.name!r}: its quantizer {q.describe(quantizer)} gives "
                        "values off its own grid; accepted: quantized_bits, quantized_relu")
    return codes.astype(np.int64)


def _check_sums(name: str, layer: Pooling2D, x: Tensor) -> None:
    """Refuse an average whose float32 window sums could round: then Keras' average is not the
    exact quotient vhdlgen starts from."""
    largest = max(abs(x.lo), abs(x.hi)) * int(np.prod(layer.pool))
    if largest >= EXACT_STEPS:
        raise UserError(f"layer {name!r}: its window sums reach {largest} steps, beyond the "
                        "2**24 that float32 holds exactly, so Keras rounds them; quantize its "
                        "input more coarsely")


def _check_products(name: str, layer: Pooling2D, x: Tensor, out: Tensor) -> None:
    """Refuse an exact (power-of-two) average whose QAveragePooling2D products could round in
    float32."""
    weights, _, _ = layer.average_weights(x.shape)
    grid = 1 << min(((int(w) & -int(w)).bit_length() - 1 for w in weights.ravel()), default=0)
    steps = max(abs(out.lo), abs(out.hi)) // grid
    if steps >= EXACT_STEPS:
        raise UserError(f"layer {name!r}: its window sums reach {steps} steps, beyond the "
                        "2**24 that float32 holds exactly, so Keras rounds them; quantize its "
                        "input more coarsely")


keras(POOLING, pooling_problems, pooling_ir,
      "MaxPooling2D, AveragePooling2D, QAveragePooling2D (any pool size and strides, "
      "'valid' or 'same'; averages over other than 1, 2, 4, 8, ... elements need a quantizer "
      "right after them)", 70)
