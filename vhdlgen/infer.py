"""Shape, format and interval inference: what every layer output looks like.

Intervals are exact code ranges computed from the actual integer weights, so the formats they
give (and every accumulator width in the RTL) can never overflow. Each layer kind infers its
own output (`ir.Layer.infer`, in `vhdlgen.layers`).
"""
from __future__ import annotations

from vhdlgen.ir import Layer, Tensor


def infer_all(layers: tuple[Layer, ...] | list[Layer], x: Tensor) -> tuple[Tensor, ...]:
    """Output tensors of a chain of layers."""
    tensors = []
    for layer in layers:
        x = layer.infer(x)
        tensors.append(x)
    return tuple(tensors)
