"""Shape, format and interval inference: what every layer output looks like.

Intervals are exact code ranges computed from the actual integer weights, so the formats they
give (and every accumulator width in the RTL) can never overflow.
"""
from __future__ import annotations

import numpy as np

from vhdlgen.fixed import product_interval, type_for_interval
from vhdlgen.errors import UserError
from vhdlgen.ir import Activation, Conv2D, Dense, Flatten, Layer, Tensor


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


def _sum_tensor(kernel: np.ndarray, bias: np.ndarray, shape, x: Tensor, weight_frac: int) -> Tensor:
    bounds = [
        weighted_sum_interval(kernel[..., j], int(bias[j]), x.lo, x.hi) for j in range(bias.size)
    ]
    lo = min(b[0] for b in bounds)
    hi = max(b[1] for b in bounds)
    return Tensor(shape, type_for_interval(lo, hi, x.fmt.frac + weight_frac), lo, hi)


def infer(layer: Layer, x: Tensor) -> Tensor:
    """The output tensor of `layer` given its input tensor; raises UserError on shape mismatch."""
    if isinstance(layer, Conv2D):
        kh, kw, cin, cout = layer.kernel.shape
        if len(x.shape) != 3 or x.shape[2] != cin:
            raise UserError(f"layer {layer.name!r}: expects (H, W, {cin}) input, got {x.shape}")
        oh, ow = x.shape[0] - kh + 1, x.shape[1] - kw + 1
        if oh < 1 or ow < 1:
            raise UserError(f"layer {layer.name!r}: kernel {kh}x{kw} larger than input {x.shape}")
        return _sum_tensor(layer.kernel, layer.bias, (oh, ow, cout), x, layer.weight_frac)
    if isinstance(layer, Dense):
        nin, nout = layer.kernel.shape
        if x.shape != (nin,):
            raise UserError(f"layer {layer.name!r}: expects ({nin},) input, got {x.shape}")
        return _sum_tensor(layer.kernel, layer.bias, (nout,), x, layer.weight_frac)
    if isinstance(layer, Activation):
        rq = layer.requantizer
        if rq.in_frac != x.fmt.frac:
            raise UserError(f"layer {layer.name!r}: input frac {x.fmt.frac} != {rq.in_frac}")
        lo, hi = rq.interval(x.lo, x.hi)
        return Tensor(x.shape, rq.out, lo, hi)
    if isinstance(layer, Flatten):
        return Tensor((int(np.prod(x.shape)),), x.fmt, x.lo, x.hi)
    raise TypeError(f"unknown IR layer {type(layer).__name__}")


def infer_all(layers, x: Tensor) -> tuple[Tensor, ...]:
    """Output tensors of a chain of layers."""
    tensors = []
    for layer in layers:
        x = infer(layer, x)
        tensors.append(x)
    return tuple(tensors)
