"""Flatten and Reshape: wiring. Row-major order stays (Keras, channels last), so the packed bits
are untouched and the lowering forms no unit. Dropout and the other regularisation layers are
the identity at inference, kept as a Reshape to the same shape so the trace names every Keras
layer."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vhdlgen.errors import UserError
from vhdlgen.ir import Layer, Tensor
from vhdlgen.layers.registry import ir_kind, keras

NO_OPS = ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
          "GaussianDropout", "GaussianNoise", "AlphaDropout", "ActivityRegularization")


class _Wiring(Layer):
    """A kind that moves no bit: wiring in the RTL, exact in QKeras."""

    moves_only = True

    def is_wiring(self, x: Tensor) -> bool:
        return True

    def details(self) -> str:
        return "wiring only"


@ir_kind
@dataclass(frozen=True)
class Flatten(_Wiring):
    """Row-major (H, W, C) -> (H*W*C,), as Keras Flatten does channels-last."""

    name: str

    def infer(self, x: Tensor) -> Tensor:
        return Tensor((int(np.prod(x.shape)),), x.fmt, x.lo, x.hi)

    def run(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(x.shape[0], -1)

    def to_json(self) -> dict:
        return {"type": "Flatten", "name": self.name}

    @classmethod
    def from_json(cls, data: dict) -> "Flatten":
        return cls(str(data["name"]))


@ir_kind
@dataclass(frozen=True)
class Reshape(_Wiring):
    """Row-major reshape to `shape` (Keras Reshape): the elements and their order stay."""

    name: str
    shape: tuple[int, ...]

    def infer(self, x: Tensor) -> Tensor:
        if int(np.prod(self.shape)) != int(np.prod(x.shape)):
            raise UserError(f"layer {self.name!r}: cannot reshape {x.shape} to {self.shape}")
        return Tensor(tuple(self.shape), x.fmt, x.lo, x.hi)

    def run(self, x: np.ndarray) -> np.ndarray:
        return x.reshape((x.shape[0],) + tuple(self.shape))

    def to_json(self) -> dict:
        return {"type": "Reshape", "name": self.name, "shape": list(self.shape)}

    @classmethod
    def from_json(cls, data: dict) -> "Reshape":
        return cls(str(data["name"]), tuple(int(d) for d in data["shape"]))


keras(("Flatten",),
      lambda layer, follower: [] if layer.data_format == "channels_last" else ["channels_first"],
      lambda layer, x, options, pending: [Flatten(layer.name)], "Flatten", 40)
keras(("Reshape",), lambda layer, follower: [],
      lambda layer, x, options, pending: [Reshape(layer.name,
                                                  tuple(int(d) for d in layer.output_shape[1:]))],
      "Reshape", 50)
keras(NO_OPS, lambda layer, follower: [],
      lambda layer, x, options, pending: [Reshape(layer.name, x.shape)],
      "Dropout and the other inference no-ops (" + ", ".join(NO_OPS[1:]) + ")", 80)
