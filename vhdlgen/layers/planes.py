"""What the kinds that work on (H, W, C) planes share: checking their input, the size of a
sliding window's output, and a tap's packed input element when a ZeroPadding2D is merged in
front of the unit (`ir.Layer.connections`)."""
from __future__ import annotations

import itertools
from typing import Callable

import numpy as np

from vhdlgen import windows
from vhdlgen.errors import UserError
from vhdlgen.ir import Connections, Tensor
from vhdlgen.windows import Padding

#: (h, w, c) in the padded plane -> the packed input element, None on a merged zero
Index = Callable[[int, int, int], "int | None"]
#: (index, output r, c, channel co, kernel tap i, j at input h, w) -> (element or None,
#: weight) terms
Terms = Callable[[Index, int, int, int, int, int, int, int], list[tuple["int | None", int]]]


def check_plane(name: str, x: Tensor) -> None:
    """UserError unless `x` is an (H, W, C) tensor."""
    if len(x.shape) != 3:
        raise UserError(f"layer {name!r}: expects (H, W, C) input, got {x.shape}")


def window_output(name: str, x: Tensor, kernel: tuple[int, int], strides: tuple[int, int],
                  padding: Padding) -> tuple[int, int]:
    """(OH, OW) of a window sliding over `x`; UserError when it does not fit."""
    check_plane(name, x)
    oh, ow = windows.output_size(x.shape, kernel, strides, padding)
    if oh < 1 or ow < 1:
        raise UserError(f"layer {name!r}: window {kernel[0]}x{kernel[1]} larger than the "
                        f"padded input {x.shape}")
    return oh, ow


def padded_index(shape: tuple[int, ...], zero_pad: Padding) -> Index:
    """The packed element of (h, w, c) in the `shape` plane when its outer `zero_pad` rows and
    columns are a merged ZeroPadding2D (the unit's input is the unpadded plane): None there."""
    top, bottom, left, right = zero_pad
    source = (shape[0] - top - bottom, shape[1] - left - right, shape[2])

    def index(h: int, w: int, c: int) -> int | None:
        h, w = h - top, w - left
        if 0 <= h < source[0] and 0 <= w < source[1]:
            return int(np.ravel_multi_index((h, w, c), source))
        return None

    return index


def window_connections(shape: tuple[int, ...], zero_pad: Padding, kernel: tuple[int, int],
                       strides: tuple[int, int], padding: Padding, cout: int, terms: Terms,
                       bias: Callable[[int, int, int], int]) -> Connections:
    """The sums of a sliding window, per output (r, c, co) in row-major order: the `terms` of
    every tap inside the plane that do not fall on a merged zero, and `bias(r, c, co)`."""
    index = padded_index(shape, zero_pad)
    oh, ow = windows.output_size(shape, kernel, strides, padding)
    result = []
    for r, c, co in itertools.product(range(oh), range(ow), range(cout)):
        indices, coefficients = [], []
        for i, j, h, w in windows.taps(shape, kernel, strides, padding, r, c):
            for element, weight in terms(index, r, c, co, i, j, h, w):
                if element is not None:
                    indices.append(element)
                    coefficients.append(weight)
        result.append((indices, coefficients, bias(r, c, co)))
    return result
