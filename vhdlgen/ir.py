"""The intermediate representation: a validated chain of layers with integer weights.

Every tensor carries a FixedType; every weight is an exact integer code. Layers map one to one
onto the source Keras layers (same names), so the reference can be compared layer by layer.
Shapes exclude the batch dimension and are channels-last: (H, W, C) or (N,).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vhdlgen.fixed import FixedType, Requantizer


def _frozen_array(values: np.ndarray) -> np.ndarray:
    array = np.array(values, dtype=np.int64)
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class Input:
    """The network input: codes of `fmt` in [lo, hi], shape (H, W, C) or (N,).

    Float inputs become codes by clip(round_half_even(x * 2**fmt.frac), lo, hi) when the model
    has an input quantizer (`quantizer` names that Keras layer); otherwise they must already be
    exactly representable in `fmt`.
    """

    name: str
    shape: tuple[int, ...]
    fmt: FixedType
    lo: int
    hi: int
    quantizer: str | None = None


@dataclass(frozen=True, eq=False)
class Conv2D:
    """'valid' stride-1 convolution: kernel codes (KH, KW, CIN, COUT) at `weight_frac`,
    bias codes (COUT,) at the accumulator frac = input frac + weight_frac. Output: exact sums."""

    name: str
    kernel: np.ndarray
    bias: np.ndarray
    weight_frac: int
    error_bound: float | None = None  # float layer quantized by vhdlgen: max |output error|

    def __post_init__(self) -> None:
        object.__setattr__(self, "kernel", _frozen_array(self.kernel))
        object.__setattr__(self, "bias", _frozen_array(self.bias))


@dataclass(frozen=True, eq=False)
class Dense:
    """Fully connected: kernel codes (NIN, NOUT) at `weight_frac`, bias codes (NOUT,) at the
    accumulator frac = input frac + weight_frac. Output: exact sums."""

    name: str
    kernel: np.ndarray
    bias: np.ndarray
    weight_frac: int
    error_bound: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kernel", _frozen_array(self.kernel))
        object.__setattr__(self, "bias", _frozen_array(self.bias))


@dataclass(frozen=True)
class Activation:
    """Elementwise requantization: round half to even, saturate (a ReLU saturates at 0)."""

    name: str
    requantizer: Requantizer
    kind: str  # the source activation, e.g. "quantized_relu(4,0)" or "relu"


@dataclass(frozen=True)
class Flatten:
    """Row-major (H, W, C) -> (H*W*C,), as Keras Flatten does channels-last."""

    name: str


Layer = Conv2D | Dense | Activation | Flatten


@dataclass(frozen=True)
class Tensor:
    """A layer output: shape and format, plus the exact code range that can occur there."""

    shape: tuple[int, ...]
    fmt: FixedType
    lo: int
    hi: int


@dataclass(frozen=True)
class Graph:
    """A validated chain: input -> layers. `tensors[i]` is the output of `layers[i]`."""

    input: Input
    layers: tuple[Layer, ...]
    tensors: tuple[Tensor, ...] = field(default=())
    source: str = ""
    source_hash: str = ""

    @property
    def output(self) -> Tensor:
        return self.tensors[-1] if self.tensors else self.input_tensor

    @property
    def input_tensor(self) -> Tensor:
        return Tensor(self.input.shape, self.input.fmt, self.input.lo, self.input.hi)

    def layer_input(self, index: int) -> Tensor:
        return self.tensors[index - 1] if index > 0 else self.input_tensor

    @property
    def parameter_count(self) -> int:
        return sum(
            layer.kernel.size + layer.bias.size
            for layer in self.layers
            if isinstance(layer, (Conv2D, Dense))
        )
