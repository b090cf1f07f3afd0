"""The intermediate representation: a validated chain of layers with integer weights.

Every tensor carries a FixedType; every weight is an exact integer code. Layers map one to one
onto the source Keras layers (same names), so the reference can be compared layer by layer.
Shapes exclude the batch dimension and are channels-last: (H, W, C) or (N,).

The layer kinds themselves live in `vhdlgen.layers`, one module each; `Layer` here is the
interface they implement and the defaults of a kind that computes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from vhdlgen.fixed import FixedType, Requantizer
from vhdlgen.windows import Padding

#: Per output neuron of a unit computed as sums: (input element indices, integer weights,
#: bias code; an average's constant is its bias).
Connections = list[tuple[list[int], list[int], int]]


def frozen_array(values: np.ndarray) -> np.ndarray:
    """An int64 copy of `values` that cannot be written (a layer's weights)."""
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


@dataclass(frozen=True)
class Tensor:
    """A layer output: shape and format, plus the exact code range that can occur there."""

    shape: tuple[int, ...]
    fmt: FixedType
    lo: int
    hi: int


class Layer:
    """One IR layer kind (a frozen dataclass with a `name`, in `vhdlgen.layers`): its shape and
    type inference, its reference execution, its JSON form, and the hooks through which the
    lowering (`rtl.lower`), `inspect` and the float32 analysis (`frontend.float32`) see it.
    The defaults describe a layer that computes nothing; its JSON "type" is its class name."""

    name: str
    #: computed as sums of weighted inputs (`connections`, `sum_frac`)
    linear: ClassVar[bool] = False
    #: has a kernel, a bias and a weight_frac (Conv2D, Dense)
    weighted: ClassVar[bool] = False
    #: moves values without arithmetic (QKeras computes it exactly, whatever the values)
    moves_only: ClassVar[bool] = False

    def infer(self, x: Tensor) -> Tensor:
        """The output tensor for input `x`; UserError when the shapes do not fit."""
        raise NotImplementedError

    def run(self, x: np.ndarray) -> np.ndarray:
        """The layer on a batch of integer codes: (N, ...) int64 -> (N, ...) int64."""
        raise NotImplementedError

    def to_json(self) -> dict:
        """JSON-ready data ("type" and "name" first); `from_json` reads it back."""
        raise NotImplementedError

    @classmethod
    def from_json(cls, data: dict) -> "Layer":
        raise NotImplementedError

    @property
    def parameter_count(self) -> int:
        return 0

    @property
    def elementwise(self) -> Requantizer | None:
        """The requantizer of an elementwise layer (an activation), which the lowering fuses
        after the sums before it; None for other kinds."""
        return None

    @property
    def is_float(self) -> bool:
        """A float (unquantized) layer quantized by vhdlgen, with an error bound."""
        return False

    @property
    def rounds_in_float32(self) -> bool:
        """QKeras rounds its result in float32 (a quantizer, an average)."""
        return False

    def details(self) -> str:
        """`inspect`'s notes column."""
        return ""

    def is_wiring(self, x: Tensor) -> bool:
        """Forms no unit: the packed bits of input `x` stay as they are."""
        return False

    @property
    def merged_padding(self) -> Padding | None:
        """Zeros a linear layer after it may take in as taps without a term (ZeroPadding2D)."""
        return None

    def connections(self, shape: tuple[int, ...], zero_pad: Padding) -> Connections:
        """A linear layer's sums on input `shape` (padded by `zero_pad`, merged in front; a tap
        on those zeros has no term)."""
        raise NotImplementedError

    def sum_frac(self, shape: tuple[int, ...]) -> int:
        """The frac a linear layer's weights add to its input's."""
        return 0

    def comparator_windows(self, shape: tuple[int, ...]) -> list[list[int]] | None:
        """Per output element, the input elements it is the largest of (max pooling; None:
        not a comparator layer)."""
        return None


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
        return sum(layer.parameter_count for layer in self.layers)
