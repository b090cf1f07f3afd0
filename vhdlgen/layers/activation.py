"""Activation: elementwise requantization (`fixed.Requantizer`: round half to even, saturate;
a ReLU saturates at 0). From Keras: QActivation(quantized_relu | quantized_bits | 'relu' |
'linear'), Activation('relu' | 'linear'), and the activation built into a Conv2D, Dense or
QAveragePooling2D (`then_activation`). 'linear' is kept as an identity so the trace names every
Keras layer; the lowering treats an identity as wiring and fuses any other activation into the
sum before it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vhdlgen.fixed import FixedType, Requantizer, unsigned_width
from vhdlgen.errors import UserError
from vhdlgen.ir import Layer, Tensor
from vhdlgen.layers import quantizers as q
from vhdlgen.layers.registry import ir_kind, keras

PASS_THROUGH = ("relu", "linear")  # activations without rounding: an error passes unchanged


@ir_kind
@dataclass(frozen=True)
class Activation(Layer):
    """Elementwise requantization: round half to even, saturate (a ReLU saturates at 0)."""

    name: str
    requantizer: Requantizer
    kind: str  # the source activation, e.g. "quantized_relu(4,0)" or "relu"

    def infer(self, x: Tensor) -> Tensor:
        rq = self.requantizer
        if rq.in_frac != x.fmt.frac:
            raise UserError(f"layer {self.name!r}: input frac {x.fmt.frac} != {rq.in_frac}")
        lo, hi = rq.interval(x.lo, x.hi)
        return Tensor(x.shape, rq.out, lo, hi)

    def run(self, x: np.ndarray) -> np.ndarray:
        return self.requantizer.apply(x)

    def to_json(self) -> dict:
        rq = self.requantizer
        return {"type": "Activation", "name": self.name, "kind": self.kind,
                "in_frac": rq.in_frac, "out": str(rq.out), "lo": rq.lo, "hi": rq.hi,
                "tie_bits": rq.tie_bits}

    @classmethod
    def from_json(cls, data: dict) -> "Activation":
        rq = Requantizer(int(data["in_frac"]), FixedType.parse(data["out"]), int(data["lo"]),
                         int(data["hi"]), int(data.get("tie_bits", 0)))
        return cls(str(data["name"]), rq, str(data["kind"]))

    @property
    def elementwise(self) -> Requantizer:
        return self.requantizer

    @property
    def rounds_in_float32(self) -> bool:
        return self.kind not in PASS_THROUGH

    def details(self) -> str:
        return f"{self.kind}, shift {self.requantizer.shift}"

    def is_wiring(self, x: Tensor) -> bool:
        """An identity on `x`: no shift, the same format, nothing saturated."""
        rq = self.requantizer
        return rq.shift == 0 and rq.out == x.fmt and rq.lo <= x.lo and rq.hi >= x.hi


def activation_name(activation: object) -> str:
    """'linear', 'relu', 'quantizer' (a QKeras quantizer) or the function's name."""
    if activation is None:
        return "linear"
    if hasattr(activation, "bits"):
        return "quantizer"
    return getattr(activation, "__name__", type(activation).__name__)


def activation_problems(activation: object) -> list[str]:
    """Why a Keras activation function or quantizer is unsupported (empty when it is)."""
    kind = activation_name(activation)
    if kind == "quantizer":
        return q.activation_problems(activation)
    if kind in ("linear", "relu"):
        return []
    return [f"activation {kind!r} is not supported"]


def activation_ir(name: str, activation: object, x: Tensor) -> Activation | None:
    """The IR activation for a Keras activation function or quantizer (None for linear)."""
    kind = activation_name(activation)
    if kind == "quantizer":
        return Activation(name, q.activation_requantizer(activation, x.fmt.frac), str(activation))
    if kind == "relu":
        hi = max(x.hi, 0)
        out = FixedType(False, unsigned_width(hi), x.fmt.frac)
        return Activation(name, Requantizer(x.fmt.frac, out, 0, hi), "relu")
    return None


def linear_name(layer) -> str:
    """The IR name of a Keras layer's own computation: '<name>_linear' when an activation
    built into it takes the Keras name."""
    has_activation = activation_name(layer.activation) != "linear"
    return f"{layer.name}_linear" if has_activation else layer.name


def then_activation(layer, ir_layer: Layer, x: Tensor) -> list[Layer]:
    """`ir_layer` (the computation of Keras `layer` on `x`), then the activation built into
    `layer`, if any."""
    if activation_name(layer.activation) == "linear":
        return [ir_layer]
    return [ir_layer, activation_ir(layer.name, layer.activation, ir_layer.infer(x))]


def _layer_activation(layer) -> object:
    return getattr(layer, "quantizer", None) or layer.activation


def _problems(layer, follower) -> list[str]:
    return activation_problems(_layer_activation(layer))


def _build(layer, x: Tensor, options, pending: list) -> list[Layer]:
    ir_layer = activation_ir(layer.name, _layer_activation(layer), x)
    if ir_layer is None:  # linear: the identity, kept so the trace names every Keras layer
        ir_layer = Activation(layer.name, Requantizer(x.fmt.frac, x.fmt, x.lo, x.hi), "linear")
    return [ir_layer]


keras(("QActivation", "Activation"), _problems, _build,
      "QActivation(quantized_relu | quantized_bits | 'relu' | 'linear'); "
      "Activation('relu' | 'linear')", 30)
