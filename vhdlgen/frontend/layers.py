"""Keras layers without kernels of their own: pooling, zero padding, reshapes, inference no-ops,
plain batch normalisation.

Each kind has a check (what it accepts; problems are collected with the rest of the model's by
`convert.check_supported`) and a builder (Keras layer -> IR layers). What QKeras 0.9 / Keras
compute, and why vhdlgen's integers equal it:

- MaxPooling2D: the largest element of each window (TensorFlow's 'same' padding takes no part).
  A max is exact in any arithmetic.
- AveragePooling2D: TensorFlow sums each window in float32 and divides by the number of input
  positions it covers ('same' padding is left out of the count). vhdlgen takes sum / count
  exactly at a finer power-of-two step; that equals float32 when every count is a power of two
  and every sum is exact in float32 (below 2**24 steps), and is refused otherwise.
- QAveragePooling2D (qkeras/qpooling.py): the Keras average, then, with an average_quantizer,
  times pool_area and times average_quantizer(1 / pool_area), each in float32; exact under the
  same conditions (area a power of two, products below 2**24 steps); then its activation.
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
    """Why a pooling layer is unsupported (empty when it is supported)."""
    problems = _layout_problems(layer)
    if layer.padding not in ("valid", "same"):
        problems.append(f"padding {layer.padding!r}")
    if type(layer).__name__ != "MaxPooling2D" and layer.padding in ("valid", "same"):
        problems += _count_problems(layer)
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


def _count_problems(layer) -> list[str]:
    """Average windows over a count that is not a power of two (Keras divides inexactly)."""
    shape = tuple(layer.input_shape[1:])
    pool, strides = tuple(layer.pool_size), tuple(layer.strides)
    count = windows.counts(shape, pool, strides, keras_padding(layer.padding, shape, pool, strides))
    odd = sorted({int(c) for c in count.ravel() if c & (c - 1)})
    if not odd:
        return []
    return [f"averages over {', '.join(map(str, odd))} elements per window (Keras divides by "
            "that count in float32, inexact unless it is a power of two; accepted: windows of "
            "1, 2, 4, 8, ... elements, 'same' edge windows included)"]


def zero_padding_problems(layer) -> list[str]:
    return _layout_problems(layer)


def _pool_scale(layer, name: str) -> tuple[int, int]:
    """QAveragePooling2D's factor area * average_quantizer(1 / area) as (code, frac), exactly
    as float32 computes it; (1, 0) without an average_quantizer."""
    quantizer = getattr(layer, "average_quantizer_internal", None)
    if quantizer is None:
        return 1, 0
    import tensorflow as tf

    area = int(np.prod(layer.pool_size))
    if area & (area - 1):
        raise UserError(f"layer {name!r}: QAveragePooling2D over {area} elements with an "
                        "average_quantizer; QKeras multiplies Keras' float32 average by the area "
                        "again, exact only for power-of-two areas (1, 2, 4, 8, ...)")
    factor = float(np.asarray(quantizer(tf.constant(1.0 / area, tf.float32)), np.float64))
    scaled = q.exact_dyadic(np.array([factor * area]))  # times a power of two: exact
    return int(scaled.codes[0]), scaled.frac


def pooling_ir(layer, x: Tensor, options) -> list[Layer]:
    """Max or average pooling (plus QAveragePooling2D's activation)."""
    if len(x.shape) != 3:
        raise UserError(f"layer {layer.name!r}: expects (H, W, C) input, got {x.shape}")
    pool, strides = tuple(layer.pool_size), tuple(layer.strides)
    padding = keras_padding(layer.padding, x.shape, pool, strides)
    activation = getattr(layer, "activation", None)
    name = f"{layer.name}_linear" if activation is not None else layer.name
    op = "max" if type(layer).__name__ == "MaxPooling2D" else "average"
    pooled = Pooling2D(name, op, pool, strides, padding, _pool_scale(layer, layer.name))
    out = infer(pooled, x)
    if op == "average":
        _check_float32(layer.name, pooled, x, out)
    if activation is None:
        return [pooled]
    return [pooled, Activation(layer.name, q.activation_requantizer(activation, out.fmt.frac),
                               str(activation))]


def _check_float32(name: str, layer: Pooling2D, x: Tensor, out: Tensor) -> None:
    """Refuse an average whose float32 window sum (or QAveragePooling2D's products) could
    round: then Keras' result is not the exact one vhdlgen computes."""
    weights, frac = layer.average_weights(x.shape)
    grid = 1 << min(((int(w) & -int(w)).bit_length() - 1 for w in weights.ravel()), default=0)
    largest = max(abs(x.lo), abs(x.hi)) * int(np.prod(layer.pool))
    steps = max(abs(out.lo), abs(out.hi)) // grid
    if largest >= EXACT_STEPS or steps >= EXACT_STEPS:
        raise UserError(f"layer {name!r}: its window sums reach {max(largest, steps)} steps, "
                        "beyond the 2**24 that float32 holds exactly, so Keras rounds them; "
                        "quantize its input more coarsely")


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
