"""The intermediate representation: a validated chain of layers with integer weights.

Every tensor carries a FixedType; every weight is an exact integer code. Layers map one to one
onto the source Keras layers (same names), so the reference can be compared layer by layer.
Shapes exclude the batch dimension and are channels-last: (H, W, C) or (N,).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vhdlgen import windows
from vhdlgen.errors import UserError
from vhdlgen.fixed import FixedType, Requantizer
from vhdlgen.windows import Padding


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


@dataclass(frozen=True)
class Reshape:
    """Row-major reshape to `shape` (Keras Reshape): the elements and their order stay."""

    name: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class ZeroPadding2D:
    """(H, W, C) -> (H + top + bottom, W + left + right, C), the new elements code 0."""

    name: str
    padding: Padding


@dataclass(frozen=True)
class Division:
    """Average pooling's division by window counts that are not all powers of two, for the
    requantizer that follows it (`frontend.division`): a window of `counts[i]` elements with
    code sum S gives S * weights[i] + constants[i] at 2**-(input frac + frac). That is the
    average (times the pooling scale) approximated from above, exact only as the input of the
    following Activation, whose `Requantizer.tie_bits` absorbs the approximation."""

    frac: int
    counts: tuple[int, ...]
    weights: tuple[int, ...]
    constants: tuple[int, ...]


@dataclass(frozen=True)
class Pooling2D:
    """Max or average pooling of (PH, PW) windows at `strides` over each channel.

    `padding` is Keras 'same' made explicit: padded positions take no part (max ignores them,
    the average divides by the positions it covers, as TensorFlow does). op "max": the largest
    code, same format. op "average": sum / count times `scale` = code * 2**-frac (1 for Keras
    AveragePooling2D; area * quantized(1/area) for QAveragePooling2D with an average_quantizer).
    Without a `division`, exact: every count must be a power of two, and the output frac is
    in frac + scale frac + log2(largest count). With one, its per-count integer reciprocals
    (which include the scale) for the quantizer after it."""

    name: str
    op: str  # "max" | "average"
    pool: tuple[int, int]
    strides: tuple[int, int]
    padding: Padding = (0, 0, 0, 0)
    scale: tuple[int, int] = (1, 0)  # (code, frac), average only
    division: Division | None = None  # average only

    def average_weights(self, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, int]:
        """Per output position (OH, OW): the integer weight of every tap and the constant
        added to the weighted sum, and the weight frac. Without a `division`: scale / count =
        weight * 2**-frac exactly, constants 0; UserError when a count is not a power of two
        (Keras divides in float32 then, inexactly)."""
        count = windows.counts(shape, self.pool, self.strides, self.padding)
        if self.division is not None:
            return self._divided(count)
        odd = sorted({int(c) for c in count.ravel() if c & (c - 1)})
        if odd:
            raise UserError(
                f"layer {self.name!r}: average pooling over {', '.join(map(str, odd))} elements "
                "per window; Keras divides by that count in float32, which is inexact unless it "
                "is a power of two. Accepted: pool sizes (and, with 'same' padding, the edge "
                "windows) covering 1, 2, 4, 8, ... elements, or a quantizer right after the "
                "average (then vhdlgen reproduces Keras' rounded result)")
        top = int(count.max()).bit_length() - 1
        weights = self.scale[0] * ((1 << top) // count)
        return weights, np.zeros_like(weights), self.scale[1] + top

    def _divided(self, count: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        division = self.division
        missing = sorted({int(c) for c in count.ravel()} - set(division.counts))
        if missing:
            raise UserError(f"layer {self.name!r}: its division has no reciprocal for windows "
                            f"of {', '.join(map(str, missing))} elements")
        index = np.vectorize(division.counts.index, otypes=[np.int64])(count)
        return (np.asarray(division.weights, np.int64)[index],
                np.asarray(division.constants, np.int64)[index], division.frac)


Layer = Conv2D | Dense | Activation | Flatten | Reshape | ZeroPadding2D | Pooling2D


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
