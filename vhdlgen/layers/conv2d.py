"""Conv2D: QConv2D, Conv2D and QConv2DBatchnorm (folded by QKeras' own `get_folded_weights`),
any strides, padding 'valid' or 'same' (TensorFlow's, made explicit: `windows`), channels
last, no dilation, groups 1; a built-in activation becomes an Activation after it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vhdlgen import windows
from vhdlgen.errors import UserError
from vhdlgen.ir import Connections, Layer, Tensor
from vhdlgen.layers.activation import linear_name, then_activation
from vhdlgen.layers.planes import window_connections, window_output
from vhdlgen.layers.registry import ir_kind, keras
from vhdlgen.layers.weights import (WeightedLayer, codes_array, codes_json, sum_tensor,
                                    weighted_details, weighted_problems, weights)
from vhdlgen.windows import Padding, keras_padding


def _ints(values: list) -> tuple[int, ...]:
    return tuple(int(v) for v in values)


@ir_kind
@dataclass(frozen=True, eq=False)
class Conv2D(WeightedLayer):
    """Convolution: kernel codes (KH, KW, CIN, COUT) at `weight_frac`, bias codes (COUT,) at
    the accumulator frac = input frac + weight_frac, `strides` (SH, SW), zero `padding` (top,
    bottom, left, right; Keras 'same' made explicit). Output: exact sums."""

    name: str
    kernel: np.ndarray
    bias: np.ndarray
    weight_frac: int
    error_bound: float | None = None  # float layer quantized by vhdlgen: max |output error|
    strides: tuple[int, int] = (1, 1)
    padding: Padding = (0, 0, 0, 0)

    def infer(self, x: Tensor) -> Tensor:
        kh, kw, cin, cout = self.kernel.shape
        if len(x.shape) != 3 or x.shape[2] != cin:
            raise UserError(f"layer {self.name!r}: expects (H, W, {cin}) input, got {x.shape}")
        oh, ow = window_output(self.name, x, (kh, kw), self.strides, self.padding)
        return sum_tensor(self.kernel, self.bias, (oh, ow, cout), x, self.weight_frac)

    def run(self, x: np.ndarray) -> np.ndarray:
        taps = windows.windows(x, self.kernel.shape[:2], self.strides, self.padding, 0)
        return np.einsum("nhwcij,ijco->nhwo", taps, self.kernel) + self.bias

    def to_json(self) -> dict:
        return {"type": "Conv2D", "name": self.name, "kernel": codes_json(self.kernel),
                "bias": codes_json(self.bias), "weight_frac": self.weight_frac,
                "error_bound": self.error_bound, "strides": list(self.strides),
                "padding": list(self.padding)}

    @classmethod
    def from_json(cls, data: dict) -> "Conv2D":
        # manifests from before strides and padding are stride 1, 'valid'
        return cls(str(data["name"]), codes_array(data["kernel"]), codes_array(data["bias"]),
                   int(data["weight_frac"]), data["error_bound"],
                   _ints(data.get("strides", [1, 1])), _ints(data.get("padding", [0] * 4)))

    def details(self) -> str:
        text = weighted_details(self)
        if self.strides != (1, 1) or any(self.padding):
            text += f", strides {self.strides}, padding (t, b, l, r) {self.padding}"
        return text

    def connections(self, shape: tuple[int, ...], zero_pad: Padding) -> Connections:
        return window_connections(
            shape, zero_pad, self.kernel.shape[:2], self.strides, self.padding,
            self.kernel.shape[3],
            lambda index, r, c, co, i, j, h, w: [
                (index(h, w, ci), int(self.kernel[i, j, ci, co])) for ci in range(shape[2])],
            lambda r, c, co: int(self.bias[co]))

    def sum_frac(self, shape: tuple[int, ...]) -> int:
        return self.weight_frac


def _build(layer, x: Tensor, options, pending: list) -> list[Layer]:
    kernel, bias, weight_frac, bound = weights(layer, x, options)
    strides = tuple(int(s) for s in layer.strides)
    padding = keras_padding(layer.padding, x.shape, kernel.shape[:2], strides)
    conv = Conv2D(linear_name(layer), kernel, bias, weight_frac, bound, strides, padding)
    return then_activation(layer, conv, x)


keras(("QConv2D", "Conv2D", "QConv2DBatchnorm"), weighted_problems, _build,
      "QConv2D/Conv2D/QConv2DBatchnorm (any strides, padding 'valid' or 'same', "
      "channels_last, no dilation, groups 1)", 10)
