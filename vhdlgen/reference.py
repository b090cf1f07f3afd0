"""The bit-exact reference: a vectorised NumPy int64 interpreter of the IR.

Inputs and outputs are integer codes; `vhdlgen.network.Model` wraps this with float I/O.
int64 is exact here because inference bounds every accumulator (widths are checked < 63 bits).
"""
from __future__ import annotations

import numpy as np

from vhdlgen import windows
from vhdlgen.ir import (Activation, Conv2D, Dense, Flatten, Layer, Pooling2D, Reshape,
                        ZeroPadding2D)

LOWEST = np.iinfo(np.int64).min  # max pooling's padding: below every code


def run_layer(layer: Layer, x: np.ndarray) -> np.ndarray:
    """One layer on a batch of integer codes: (N, ...) int64 -> (N, ...) int64."""
    if isinstance(layer, Conv2D):
        kernel = layer.kernel.shape[:2]
        taps = windows.windows(x, kernel, layer.strides, layer.padding, 0)
        return np.einsum("nhwcij,ijco->nhwo", taps, layer.kernel) + layer.bias
    if isinstance(layer, Pooling2D):
        return _pooling(layer, x)
    if isinstance(layer, ZeroPadding2D):
        top, bottom, left, right = layer.padding
        return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    if isinstance(layer, Reshape):
        return x.reshape((x.shape[0],) + tuple(layer.shape))
    if isinstance(layer, Dense):
        return x @ layer.kernel + layer.bias
    if isinstance(layer, Activation):
        return layer.requantizer.apply(x)
    if isinstance(layer, Flatten):
        return x.reshape(x.shape[0], -1)
    raise TypeError(f"unknown IR layer {type(layer).__name__}")


def _pooling(layer: Pooling2D, x: np.ndarray) -> np.ndarray:
    """Max: the largest code of each window. Average: each window's sum (padding adds 0)
    times its integer weight, plus its constant (`Pooling2D.average_weights`)."""
    if layer.op == "max":
        taps = windows.windows(x, layer.pool, layer.strides, layer.padding, LOWEST)
        return taps.max(axis=(4, 5))
    taps = windows.windows(x, layer.pool, layer.strides, layer.padding, 0)
    weights, constants, _ = layer.average_weights(x.shape[1:])
    return taps.sum(axis=(4, 5)) * weights[None, :, :, None] + constants[None, :, :, None]


def run(layers, codes: np.ndarray) -> list[np.ndarray]:
    """Every layer's output codes, in order, for input codes (N, H, W, C)."""
    outputs = []
    x = np.asarray(codes, dtype=np.int64)
    for layer in layers:
        x = run_layer(layer, x)
        outputs.append(x)
    return outputs
