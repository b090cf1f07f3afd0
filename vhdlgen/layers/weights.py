"""What Conv2D and Dense (and plain BatchNormalization, computed as one of them) share: their
weights read exactly from Keras, their checks, and the range of their sums.

A quantized kernel is taken exactly from its quantizer; the bias, quantized or left float (no
bias_quantizer), exactly as the float32 that QKeras adds, at the finest step it needs
(`quantizers.exact_dyadic`). Unquantized kernels are quantized by vhdlgen (`float_weights`).
"""
from __future__ import annotations

import numpy as np

from vhdlgen.errors import UserError
from vhdlgen.fixed import INT64_BITS, product_interval, type_for_interval
from vhdlgen.ir import Layer, Tensor, frozen_array
from vhdlgen.layers import quantizers as q
from vhdlgen.layers.activation import activation_problems

MAX_WIDTH = INT64_BITS  # int64 reference; every tensor must fit


def weighted_sum_interval(
    weights: np.ndarray, bias: int, lo: int, hi: int
) -> tuple[int, int]:
    """Range of bias + sum(w * x) for every x independently in [lo, hi]."""
    total_lo = total_hi = int(bias)
    for weight in weights.ravel():
        p_lo, p_hi = product_interval(lo, hi, int(weight))
        total_lo += p_lo
        total_hi += p_hi
    return total_lo, total_hi


def sum_tensor(kernel: np.ndarray, bias: np.ndarray, shape, x: Tensor, weight_frac: int) -> Tensor:
    """The output of sums bias[j] + kernel[..., j] . x: exact range, format at the
    accumulator frac."""
    bounds = [
        weighted_sum_interval(kernel[..., j], int(bias[j]), x.lo, x.hi) for j in range(bias.size)
    ]
    lo = min(b[0] for b in bounds)
    hi = max(b[1] for b in bounds)
    return Tensor(shape, type_for_interval(lo, hi, x.fmt.frac + weight_frac), lo, hi)


def weighted_problems(layer, follower) -> list[str]:
    """Why a Keras Conv2D/Dense is unsupported (empty when it is supported)."""
    problems = []
    if type(layer).__name__ in ("QConv2D", "Conv2D", "QConv2DBatchnorm"):
        if layer.padding not in ("valid", "same"):
            problems.append(f"padding {layer.padding!r} (accepted: 'valid', 'same')")
        if tuple(layer.dilation_rate) != (1, 1):
            problems.append(f"dilation_rate {tuple(layer.dilation_rate)}")
        if getattr(layer, "groups", 1) != 1:
            problems.append(f"groups={layer.groups}")
        if layer.data_format != "channels_last":
            problems.append(f"data_format {layer.data_format!r}")
    for quantizer in _weight_quantizers(layer):
        if quantizer is not None:
            problems += q.weight_problems(quantizer)
    return problems + activation_problems(layer.activation)


def _weight_quantizers(layer) -> list[object]:
    """[kernel quantizer, bias quantizer] (None where the weights are float)."""
    if hasattr(layer, "get_quantizers"):
        quantizers = list(layer.get_quantizers()) + [None, None]
        return quantizers[:2]
    return [None, None]


def raw_weights(layer) -> list[np.ndarray]:
    """The float kernel and bias the layer's quantizers see: for QConv2DBatchnorm the folded
    ones, computed by its own `get_folded_weights` (the float32 operations its inference call
    performs: inv = gamma * rsqrt(moving_variance + epsilon), kernel * inv,
    inv * (bias - moving_mean) + beta)."""
    if type(layer).__name__ == "QConv2DBatchnorm":
        return [np.asarray(w, np.float32) for w in layer.get_folded_weights()]
    return layer.get_weights()


def _quantized(quantizer, values: np.ndarray) -> np.ndarray:
    import tensorflow as tf

    return np.asarray(quantizer(tf.constant(values, dtype=tf.float32)), dtype=np.float64)


def weights(layer, x: Tensor, options) -> tuple[np.ndarray, np.ndarray, int, float | None]:
    """(kernel codes, bias codes at the accumulator frac, weight frac, error bound or None)
    of a Keras Conv2D/Dense on input `x` (module doc)."""
    kernel, *rest = raw_weights(layer)
    bias = rest[0] if rest else np.zeros(kernel.shape[-1], dtype=np.float32)
    kernel_q, bias_q = _weight_quantizers(layer)
    if kernel_q is None:
        return float_weights(kernel, bias, x, options)
    try:
        k = q.factor(_quantized(kernel_q, kernel), int(kernel_q.bits))
        b = q.exact_dyadic(_quantized(bias_q, bias) if bias_q is not None and rest else bias)
    except q.FactoringError as error:
        raise UserError(
            f"layer {layer.name!r}: {error}; vhdlgen needs weights that are exact integers times a "
            "power of two per output channel (quantized_bits with alpha None, 1 or 'auto_po2')"
        ) from error
    weight_frac = max(k.frac, b.frac - x.fmt.frac)
    acc_frac = x.fmt.frac + weight_frac
    kernel_bits = _shifted_bits(k.codes, weight_frac - k.frac)
    bias_bits = _shifted_bits(b.codes, acc_frac - b.frac)
    if max(kernel_bits, bias_bits) > MAX_WIDTH:
        raise UserError(
            f"layer {layer.name!r}: its bias needs steps of 2**-{b.frac}, so its weights would "
            f"need {max(kernel_bits, bias_bits)} bits, more than the {MAX_WIDTH} vhdlgen supports; "
            "give the layer a bias_quantizer, e.g. quantized_bits(8, 0)"
        )
    return k.codes << (weight_frac - k.frac), b.codes << (acc_frac - b.frac), weight_frac, None


def _shifted_bits(codes: np.ndarray, shift: int) -> int:
    """Bits of the largest |code| << shift (0 for all-zero codes, whatever their frac)."""
    largest = int(np.max(np.abs(codes), initial=0))
    return largest.bit_length() + shift if largest else 0


def float_weights(kernel: np.ndarray, bias: np.ndarray, x: Tensor,
                  options) -> tuple[np.ndarray, np.ndarray, int, float]:
    """An unquantized layer: vhdlgen's --float-weight-bits codes, the bias rounded to the
    accumulator step, and the bound max_j(x_max * sum_i |w_ij - q_ij| + |b_j - qb_j|) on the
    output error for an exact input."""
    k = q.quantize_float_weights(kernel, options.float_weight_bits)
    acc_frac = x.fmt.frac + k.frac
    bias_codes = np.rint(np.asarray(bias, np.float64) * 2.0**acc_frac).astype(np.int64)
    x_max = max(abs(x.lo), abs(x.hi)) * 2.0**-x.fmt.frac
    kernel_err = np.abs(kernel - k.codes * 2.0**-k.frac).reshape(-1, kernel.shape[-1])
    bias_err = np.abs(bias - bias_codes * 2.0**-acc_frac)
    bound = float(np.max(x_max * kernel_err.sum(axis=0) + bias_err))
    return k.codes, bias_codes, k.frac, bound


class WeightedLayer(Layer):
    """What a Conv2D and a Dense share: kernel and bias codes (frozen), `weight_frac`, and a
    float layer's `error_bound` (None when the kernel was quantized in Keras)."""

    kernel: np.ndarray
    bias: np.ndarray
    error_bound: float | None

    linear = True
    weighted = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "kernel", frozen_array(self.kernel))
        object.__setattr__(self, "bias", frozen_array(self.bias))

    @property
    def parameter_count(self) -> int:
        return self.kernel.size + self.bias.size

    @property
    def is_float(self) -> bool:
        return self.error_bound is not None


def weighted_details(layer) -> str:
    """`inspect`'s notes of a Conv2D/Dense: weight step, zeros, a float layer's bound."""
    zeros = float(np.mean(layer.kernel == 0)) if layer.kernel.size else 0.0
    text = f"weights 2^{-layer.weight_frac} steps, {zeros:.0%} zero"
    if layer.error_bound is not None:
        text += f", float layer quantized by vhdlgen (|error| <= {layer.error_bound:.3g})"
    return text


def codes_json(values: np.ndarray) -> dict:
    """Weight codes as JSON data: shape and the codes in row-major order."""
    return {"shape": list(values.shape), "codes": [int(v) for v in values.ravel()]}


def codes_array(data: dict) -> np.ndarray:
    """Weight codes written by `to_json` (JSON integers of any size) as an array."""
    shape = tuple(int(d) for d in data["shape"])
    codes = data["codes"]
    if not isinstance(codes, list) or not all(isinstance(c, int) and not isinstance(c, bool)
                                              for c in codes):
        raise ValueError("weight codes must be a list of integers")
    return np.array(codes, dtype=np.int64).reshape(shape)
