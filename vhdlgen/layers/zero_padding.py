"""ZeroPadding2D: (H, W, C) -> (H + top + bottom, W + left + right, C), the new elements code 0.
The lowering merges it into the linear layer after it (a tap on a zero has no term); before
anything else it is its own unit: wires, and constant-0 outputs."""
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
class ZeroPadding2D(Layer):
    """(H, W, C) -> (H + top + bottom, W + left + right, C), the new elements code 0."""

    name: str
    padding: Padding

    linear = True
    moves_only = True

    def infer(self, x: Tensor) -> Tensor:
        check_plane(self.name, x)
        top, bottom, left, right = self.padding
        shape = (x.shape[0] + top + bottom, x.shape[1] + left + right, x.shape[2])
        return Tensor(shape, x.fmt, min(x.lo, 0), max(x.hi, 0))

    def run(self, x: np.ndarray) -> np.ndarray:
        top, bottom, left, right = self.padding
        return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))

    def to_json(self) -> dict:
        return {"type": "ZeroPadding2D", "name": self.name, "padding": list(self.padding)}

    @classmethod
    def from_json(cls, data: dict) -> "ZeroPadding2D":
        return cls(str(data["name"]), tuple(int(p) for p in data["padding"]))

    def details(self) -> str:
        return f"zeros (t, b, l, r) {self.padding}"

    @property
    def merged_padding(self) -> Padding:
        return self.padding

    def connections(self, shape: tuple[int, ...], zero_pad: Padding) -> Connections:
        """Every output element: its input element, or nothing (a constant 0) on the zeros."""
        index = padded_index(shape, zero_pad)
        result = []
        for h, w, c in itertools.product(*(range(d) for d in shape)):
            element = index(h, w, c)
            result.append(([], [], 0) if element is None else ([element], [1], 0))
        return result


def _problems(layer, follower) -> list[str]:
    fmt = getattr(layer, "data_format", "channels_last")
    return [] if fmt == "channels_last" else [f"data_format {fmt!r}"]


def _build(layer, x: Tensor, options, pending: list) -> list[Layer]:
    (top, bottom), (left, right) = (tuple(p) for p in layer.padding)
    return [ZeroPadding2D(layer.name, (int(top), int(bottom), int(left), int(right)))]


keras(("ZeroPadding2D",), _problems, _build, "ZeroPadding2D", 60)
