"""Plain (float) BatchNormalization over the channels (last) axis of an (H, W, C) or (N,)
input: x * gamma / sqrt(variance + epsilon) + (beta - mean * that) per channel, a float affine
that vhdlgen quantizes as a float layer (a diagonal 1x1 Conv2D on (H, W, C), a diagonal Dense
on (N,), at --float-weight-bits), with its error bound plus Keras' own float32 rounding
(`batchnorm_affine`); like every float layer, no quantizer may follow it. It has no IR kind of
its own."""
from __future__ import annotations

import numpy as np

from vhdlgen.ir import Layer, Tensor
from vhdlgen.layers.conv2d import Conv2D
from vhdlgen.layers.dense import Dense
from vhdlgen.layers.registry import keras
from vhdlgen.layers.weights import float_weights

#: Keras' float32 BatchNormalization, per element, in units of the float32 unit roundoff: the
#: scale gamma * rsqrt(variance + epsilon) (about 4 roundings; TensorFlow's CPU rsqrt is within a
#: few ulp), then either (x - mean) * scale + beta (the fused 4-D kernel) or x * scale +
#: (beta - mean * scale) (`tf.nn.batch_normalization`), 3 roundings more. 16 covers both with
#: a margin; the term is ~1e-6 relative, far below the weight quantization error.
BATCHNORM_ROUNDINGS = 16


def batchnorm_problems(layer, follower) -> list[str]:
    """Accepted over the channels (last) axis of an (H, W, C) or (N,) input."""
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


def _build(layer, x: Tensor, options, pending: list) -> list[Layer]:
    """The affine as a float layer; its error bound adds Keras' own float32 rounding."""
    x_max = max(abs(x.lo), abs(x.hi)) * 2.0**-x.fmt.frac
    scale, offset, keras_error = batchnorm_affine(layer, x_max)
    kernel = np.diag(scale)
    if len(x.shape) == 3:
        kernel = kernel.reshape(1, 1, *kernel.shape)
    codes, bias, weight_frac, bound = float_weights(kernel, offset, x, options)
    if len(x.shape) == 3:
        return [Conv2D(layer.name, codes, bias, weight_frac, bound + keras_error)]
    return [Dense(layer.name, codes, bias, weight_frac, bound + keras_error)]


keras(("BatchNormalization",), batchnorm_problems, _build,
      "BatchNormalization (channels axis)", 90)
