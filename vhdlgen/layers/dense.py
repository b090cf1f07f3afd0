"""Dense: QDense and Dense on an (N,) input; a built-in activation becomes an Activation after
it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vhdlgen.errors import UserError
from vhdlgen.ir import Connections, Layer, Tensor
from vhdlgen.layers.activation import linear_name, then_activation
from vhdlgen.layers.registry import ir_kind, keras
from vhdlgen.layers.weights import (WeightedLayer, codes_array, codes_json, sum_tensor,
                                    weighted_details, weighted_problems, weights)
from vhdlgen.windows import Padding


@ir_kind
@dataclass(frozen=True, eq=False)
class Dense(WeightedLayer):
    """Fully connected: kernel codes (NIN, NOUT) at `weight_frac`, bias codes (NOUT,) at the
    accumulator frac = input frac + weight_frac. Output: exact sums."""

    name: str
    kernel: np.ndarray
    bias: np.ndarray
    weight_frac: int
    error_bound: float | None = None

    def infer(self, x: Tensor) -> Tensor:
        nin, nout = self.kernel.shape
        if x.shape != (nin,):
            raise UserError(f"layer {self.name!r}: expects ({nin},) input, got {x.shape}")
        return sum_tensor(self.kernel, self.bias, (nout,), x, self.weight_frac)

    def run(self, x: np.ndarray) -> np.ndarray:
        return x @ self.kernel + self.bias

    def to_json(self) -> dict:
        return {"type": "Dense", "name": self.name, "kernel": codes_json(self.kernel),
                "bias": codes_json(self.bias), "weight_frac": self.weight_frac,
                "error_bound": self.error_bound}

    @classmethod
    def from_json(cls, data: dict) -> "Dense":
        return cls(str(data["name"]), codes_array(data["kernel"]), codes_array(data["bias"]),
                   int(data["weight_frac"]), data["error_bound"])

    def details(self) -> str:
        return weighted_details(self)

    def connections(self, shape: tuple[int, ...], zero_pad: Padding) -> Connections:
        nin, nout = self.kernel.shape
        return [(list(range(nin)), self.kernel[:, j].tolist(), int(self.bias[j]))
                for j in range(nout)]

    def sum_frac(self, shape: tuple[int, ...]) -> int:
        return self.weight_frac


def _build(layer, x: Tensor, options, pending: list) -> list[Layer]:
    kernel, bias, weight_frac, bound = weights(layer, x, options)
    return then_activation(layer, Dense(linear_name(layer), kernel, bias, weight_frac, bound), x)


keras(("QDense", "Dense"), weighted_problems, _build, "QDense/Dense", 20)
