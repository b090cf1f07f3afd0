"""Keras layers without kernels of their own: pooling, zero padding, reshapes, inference no-ops,
plain batch normalisation.

Each kind has a check (what it accepts; problems are collected with the rest of the model's by
`convert.check_supported`) and a builder (Keras layer -> IR layers). What QKeras 0.9 / Keras
compute, and why vhdlgen's integers equal it:

- MaxPooling2D: the largest element of each window (TensorFlow's 'same' padding takes no part).
  A max is exact in any arithmetic.
- AveragePooling2D: TensorFlow sums each window in float32 and divides the sum by the number
  of input positions it covers ('same' padding is left out of the count) in float32. Every sum
  must be exact in float32 (below 2**24 steps). When every count is a power of two, vhdlgen
  takes sum / count exactly at a finer power-of-two step, which is float32's result. Otherwise
  float32 rounds the quotient, and vhdlgen reproduces it only as rounded by a quantizer right
  after it (a QActivation(quantized_bits | quantized_relu), or QAveragePooling2D's activation):
  integer reciprocals per count, checked against Keras' own float32 division and quantizer on
  every window sum the input range allows (`division_ir`, `frontend.division`); without such a
  quantizer it is refused (`follower_problems`).
- QAveragePooling2D (qkeras/qpooling.py): the Keras average, then, with an average_quantizer,
  times pool_area and times average_quantizer(1 / pool_area), each in float32; exact for
  power-of-two counts with products below 2**24 steps, else part of the checked reciprocals;
  then its activation.
- BatchNormalization (plain, float): x * gamma / sqrt(variance + epsilon) + (beta - mean * that)
  per channel, a float affine; vhdlgen quantizes it as a float layer (a 1x1 diagonal Conv2D or a
  diagonal Dense at --float-weight-bits), with its error bound plus Keras' float32 rounding
  (`batchnorm_affine`); like every float layer, no quantizer may follow it.
- ZeroPadding2D: zeros around the plane; Reshape: the row-major order stays (wiring);
  Dropout and the other regularisation layers: the identity at inference.
"""
from __future__ import annotations

import numpy as np

from vhdlgen.errors import UserError
from vhdlgen.frontend import division
from vhdlgen.frontend import quantizers as q
from vhdlgen.infer import infer
from vhdlgen.ir import Activation, Layer, Pooling2D, Reshape, Tensor, ZeroPadding2D
from vhdlgen import windows
from vhdlgen.windows import keras_padding

NO_OPS = ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
          "GaussianDropout", "GaussianNoise", "AlphaDropout", "ActivityRegularization")
POOLING = ("MaxPooling2D", "AveragePooling2D", "QAveragePooling2D")
EXACT_STEPS = 1 << 24  # float32 holds every integer up to 2**24 exactly


def _layout_problems(layer) -> list[str]:
    fmt = getattr(layer, "data_format", "channels_last")
    return [] if fmt == "channels_last" else [f"data_format {fmt!r}"]


def pooling_problems(layer) -> list[str]:
    """Why a pooling layer is unsupported (empty when it is supported; what must follow an
    average over counts that are not powers of two: `follower_problems`)."""
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
    return problems


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


def zero_padding_problems(layer) -> list[str]:
    return _layout_problems(layer)


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


def pooling_ir(layer, x: Tensor, options) -> list[Layer]:
    """Max or average pooling over power-of-two counts (plus QAveragePooling2D's activation),
    exact."""
    if len(x.shape) != 3:
        raise UserError(f"layer {layer.name!r}: expects (H, W, C) input, got {x.shape}")
    pool, strides = tuple(layer.pool_size), tuple(layer.strides)
    padding = keras_padding(layer.padding, x.shape, pool, strides)
    activation = getattr(layer, "activation", None)
    name = f"{layer.name}_linear" if activation is not None else layer.name
    op = "max" if type(layer).__name__ == "MaxPooling2D" else "average"
    pooled = Pooling2D(name, op, pool, strides, padding, _pool_scale(layer))
    out = infer(pooled, x)
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
    if len(x.shape) != 3:
        raise UserError(f"layer {layer.name!r}: expects (H, W, C) input, got {x.shape}")
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


def zero_padding_ir(layer, x: Tensor, options) -> list[Layer]:
    (top, bottom), (left, right) = (tuple(p) for p in layer.padding)
    return [ZeroPadding2D(layer.name, (int(top), int(bottom), int(left), int(right)))]


def reshape_ir(layer, x: Tensor, options) -> list[Layer]:
    shape = tuple(int(d) for d in layer.output_shape[1:])
    return [Reshape(layer.name, shape)]


def no_op_ir(layer, x: Tensor, options) -> list[Layer]:
    """The identity at inference, as wiring (kept so the trace names every Keras layer)."""
    return [Reshape(layer.name, x.shape)]


def batchnorm_problems(layer) -> list[str]:
    """Plain BatchNormalization: accepted over the channels (last) axis of an (H, W, C) or (N,)
    input, as a float per-channel affine (`batchnorm_affine`)."""
    shape = tuple(layer.input_shape[1:])
    axes = sorted(int(a) % (len(shape) + 1) for a in np.atleast_1d(layer.axis))
    problems = []
    if axes != [len(shape)]:
        problems.append(f"BatchNormalization over axis {list(np.atleast_1d(layer.axis))} of "
                        f"{shape}; accepted: the channels (last) axis, or fold it while training "
                        "(QConv2DBatchnorm)")
    if len(shape) not in (1, 3):
        problems.append(f"BatchNormalization on {shape}; accepted: (H, W, C) or (N,) inputs")
    return problems


#: Keras' float32 BatchNormalization, per element, in units of the float32 unit roundoff: the
#: scale gamma * rsqrt(variance + epsilon) (about 4 roundings; TensorFlow's CPU rsqrt is within a
#: few ulp), then either (x - mean) * scale + beta (the fused 4-D kernel) or x * scale +
#: (beta - mean * scale) (`tf.nn.batch_normalization`), 3 roundings more. 16 covers both with
#: a margin; the term is ~1e-6 relative, far below the weight quantization error.
BATCHNORM_ROUNDINGS = 16


def batchnorm_affine(layer, x_max: float) -> tuple[np.ndarray, np.ndarray, float]:
    """(scale, offset, keras_error) of a BatchNormalization at inference: y = x * scale +
    offset per channel, in float64 from its float32 parameters (scale = gamma / sqrt(moving
    variance + epsilon), offset = beta - moving mean * scale), and a bound on how far Keras'
    own float32 result can be from that exact affine for |x| <= x_max."""
    variance = np.asarray(layer.moving_variance.numpy(), np.float64)
    mean = np.asarray(layer.moving_mean.numpy(), np.float64)
    gamma = np.asarray(layer.gamma.numpy(), np.float64) if layer.scale else np.ones_like(mean)
    beta = np.asarray(layer.beta.numpy(), np.float64) if layer.center else np.zeros_like(mean)
    scale = gamma / np.sqrt(variance + float(np.float32(layer.epsilon)))
    offset = beta - mean * scale
    magnitude = (x_max + np.abs(mean)) * np.abs(scale) + np.abs(beta) + np.abs(mean * scale)
    keras_error = float(np.max(BATCHNORM_ROUNDINGS * 2.0**-24 * magnitude, initial=0.0))
    return scale, offset, keras_error


def raw_weights(layer) -> list[np.ndarray]:
    """The float kernel and bias the layer's quantizers see: for QConv2DBatchnorm the folded
    ones, computed by its own `get_folded_weights` (the float32 operations its inference call
    performs: inv = gamma * rsqrt(moving_variance + epsilon), kernel * inv,
    inv * (bias - moving_mean) + beta)."""
    if type(layer).__name__ == "QConv2DBatchnorm":
        return [np.asarray(w, np.float32) for w in layer.get_folded_weights()]
    return layer.get_weights()
