"""The bit-exact reference: a vectorised NumPy int64 interpreter of the IR.

Inputs and outputs are integer codes; `vhdlgen.network.Model` wraps this with float I/O.
int64 is exact here because inference bounds every accumulator (widths are checked < 63 bits).
Each layer kind executes itself (`ir.Layer.run`, in `vhdlgen.layers`).
"""
from __future__ import annotations

import numpy as np

from vhdlgen.ir import Layer


def run_layer(layer: Layer, x: np.ndarray) -> np.ndarray:
    """One layer on a batch of integer codes: (N, ...) int64 -> (N, ...) int64."""
    return layer.run(x)


def run(layers, codes: np.ndarray) -> list[np.ndarray]:
    """Every layer's output codes, in order, for input codes (N, H, W, C)."""
    outputs = []
    x = np.asarray(codes, dtype=np.int64)
    for layer in layers:
        x = run_layer(layer, x)
        outputs.append(x)
    return outputs
