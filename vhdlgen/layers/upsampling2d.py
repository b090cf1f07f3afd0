"""UpSampling2D with interpolation 'nearest' and integer sizes (SH, SW): (H, W, C) ->
(H*SH, W*SW, C), every element repeated SH times down and SW times across, as Keras' nearest
resize does for integer factors (output (h, w) reads input (h // SH, w // SW)). A copy of codes:
exact in QKeras' float32 and here; in the RTL a unit of wires (each output element one input
element), into which a ZeroPadding2D before it merges and which the activation after it joins.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from vhdlgen.ir import Connections, Layer, Tensor
from vhdlgen.layers.planes import check_plane, padded_index
from vhdlgen.layers.registry import ir_kind, keras
from vhdlgen.windows import Padding


@ir_kind
@dataclass(frozen=True)
class UpSampling2D(Layer):
    """Nearest-neighbour upsampling by integer factors `size` (SH, SW)."""

    name: str
    size: tuple[int, int]

    linear = True
    moves_only = True

    def infer(self, x: Tensor) -> Tensor:
        check_plane(self.name, x)
        shape = (x.shape[0] * self.size[0], x.shape[1] * self.size[1], x.shape[2])
        return Tensor(shape, x.fmt, x.lo, x.hi)

    def run(self, x: np.ndarray) -> np.ndarray:
        return np.repeat(np.repeat(x, self.size[0], axis=1), self.size[1], axis=2)

    def to_json(self) -> dict:
        return {"type": "UpSampling2D", "name": self.name, "size": list(self.size)}

    @classmethod
    def from_json(cls, data: dict) -> "UpSampling2D":
        return cls(str(data["name"]), tuple(int(s) for s in data["size"]))

    def details(self) -> str:
        return f"nearest, size {self.size}"

    def connections(self, shape: tuple[int, ...], zero_pad: Padding) -> Connections:
        """Every output element: the input element it repeats (nothing, a constant 0, where
        that is a zero of a merged ZeroPadding2D)."""
        index = padded_index(shape, zero_pad)
        out = (shape[0] * self.size[0], shape[1] * self.size[1], shape[2])
        result = []
        for h, w, c in itertools.product(*(range(d) for d in out)):
            element = index(h // self.size[0], w // self.size[1], c)
            result.append(([], [], 0) if element is None else ([element], [1], 0))
        return result


def _problems(layer, follower) -> list[str]:
    problems = []
    if layer.data_format != "channels_last":
        problems.append(f"data_format {layer.data_format!r}")
    if layer.interpolation != "nearest":
        problems.append(f"interpolation {layer.interpolation!r} (accepted: 'nearest')")
    return problems


def _build(layer, x: Tensor, options, pending: list) -> list[Layer]:
    return [UpSampling2D(layer.name, tuple(int(s) for s in layer.size))]


keras(("UpSampling2D",), _problems, _build, "UpSampling2D (interpolation 'nearest')", 65)
