"""The bit-exact reference: a vectorised NumPy int64 interpreter of the IR.

Inputs and outputs are integer codes; `vhdlgen.network.Model` wraps this with float I/O.
int64 is exact here because inference bounds every accumulator (widths are checked < 63 bits).
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from vhdlgen.ir import Activation, Conv2D, Dense, Flatten, Layer


def run_layer(layer: Layer, x: np.ndarray) -> np.ndarray:
    """One layer on a batch of integer codes: (N, ...) int64 -> (N, ...) int64."""
    if isinstance(layer, Conv2D):
        kh, kw = layer.kernel.shape[:2]
        windows = sliding_window_view(x, (kh, kw), axis=(1, 2))  # (N, OH, OW, C, KH, KW)
        return np.einsum("nhwcij,ijco->nhwo", windows, layer.kernel) + layer.bias
    if isinstance(layer, Dense):
        return x @ layer.kernel + layer.bias
    if isinstance(layer, Activation):
        return layer.requantizer.apply(x)
    if isinstance(layer, Flatten):
        return x.reshape(x.shape[0], -1)
    raise TypeError(f"unknown IR layer {type(layer).__name__}")


def run(layers, codes: np.ndarray) -> list[np.ndarray]:
    """Every layer's output codes, in order, for input codes (N, H, W, C)."""
    outputs = []
    x = np.asarray(codes, dtype=np.int64)
    for layer in layers:
        x = run_layer(layer, x)
        outputs.append(x)
    return outputs
