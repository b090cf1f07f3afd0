"""Shape, format and interval inference: what every layer output looks like.

Intervals are exact code ranges computed from the actual integer weights, so the formats they
give (and every accumulator width in the RTL) can never overflow.
"""
from __future__ import annotations

import numpy as np

from vhdlgen.fixed import product_interval, type_for_interval
from vhdlgen.errors import UserError
from vhdlgen import windows
from vhdlgen.ir import (Activation, Conv2D, Dense, Flatten, Layer, Pooling2D, Reshape, Tensor,
                        ZeroPadding2D)


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
        oh, ow = _window_output(layer.name, x, (kh, kw), layer.strides, layer.padding)
        return _sum_tensor(layer.kernel, layer.bias, (oh, ow, cout), x, layer.weight_frac)
    if isinstance(layer, Pooling2D):
        return _pooling(layer, x)
    if isinstance(layer, ZeroPadding2D):
        if len(x.shape) != 3:
            raise UserError(f"layer {layer.name!r}: expects (H, W, C) input, got {x.shape}")
        top, bottom, left, right = layer.padding
        shape = (x.shape[0] + top + bottom, x.shape[1] + left + right, x.shape[2])
        return Tensor(shape, x.fmt, min(x.lo, 0), max(x.hi, 0))
    if isinstance(layer, Reshape):
        if int(np.prod(layer.shape)) != int(np.prod(x.shape)):
            raise UserError(f"layer {layer.name!r}: cannot reshape {x.shape} to {layer.shape}")
        return Tensor(tuple(layer.shape), x.fmt, x.lo, x.hi)
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


def _window_output(name: str, x: Tensor, kernel: tuple[int, int], strides: tuple[int, int],
                   padding: tuple[int, int, int, int]) -> tuple[int, int]:
    if len(x.shape) != 3:
        raise UserError(f"layer {name!r}: expects (H, W, C) input, got {x.shape}")
    oh, ow = windows.output_size(x.shape, kernel, strides, padding)
    if oh < 1 or ow < 1:
        raise UserError(f"layer {name!r}: window {kernel[0]}x{kernel[1]} larger than the "
                        f"padded input {x.shape}")
    return oh, ow


def _pooling(layer: Pooling2D, x: Tensor) -> Tensor:
    """Max: the input's format and range. Average: every window's sum times its weight plus
    its constant (`Pooling2D.average_weights`) at the finer frac."""
    oh, ow = _window_output(layer.name, x, layer.pool, layer.strides, layer.padding)
    shape = (oh, ow, x.shape[2])
    if layer.op == "max":
        return Tensor(shape, x.fmt, x.lo, x.hi)
    weights, constants, frac = layer.average_weights(x.shape)
    count = windows.counts(x.shape, layer.pool, layer.strides, layer.padding)
    bounds = [product_interval(x.lo * int(n), x.hi * int(n), int(w))
              for n, w in zip(count.ravel(), weights.ravel())]
    lo = min(b[0] + int(c) for b, c in zip(bounds, constants.ravel()))
    hi = max(b[1] + int(c) for b, c in zip(bounds, constants.ravel()))
    return Tensor(shape, type_for_interval(lo, hi, x.fmt.frac + frac), lo, hi)


def infer_all(layers, x: Tensor) -> tuple[Tensor, ...]:
    """Output tensors of a chain of layers."""
    tensors = []
    for layer in layers:
        x = infer(layer, x)
        tensors.append(x)
    return tuple(tensors)
