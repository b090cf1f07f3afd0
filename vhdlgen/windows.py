"""Sliding windows of convolutions and pooling: output sizes, 'same' padding, window taps.

One authority for the geometry, shared by the frontend (Keras padding -> explicit pads), shape
inference, the NumPy reference and the lowering. Conventions are TensorFlow's (what Keras and
QKeras 0.9 compute): 'valid' has no padding; 'same' gives ceil(size / stride) outputs and pads
max((out - 1) * stride + kernel - size, 0) in total, the smaller half before (top/left) and the
extra one after (bottom/right) ("TensorFlow padding", tf.nn.convolution documentation).
Padding is (top, bottom, left, right) in elements.
"""
from __future__ import annotations

import numpy as np

Padding = tuple[int, int, int, int]


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """(before, after) of TensorFlow's 'same' padding along one axis."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def keras_padding(mode: str, shape: tuple[int, ...], kernel: tuple[int, int],
                  strides: tuple[int, int]) -> Padding:
    """Explicit pads of Keras padding `mode` ('valid' or 'same') on an (H, W, C) input."""
    if mode == "valid":
        return (0, 0, 0, 0)
    top, bottom = same_padding(shape[0], kernel[0], strides[0])
    left, right = same_padding(shape[1], kernel[1], strides[1])
    return (top, bottom, left, right)


def output_size(shape: tuple[int, ...], kernel: tuple[int, int], strides: tuple[int, int],
                padding: Padding) -> tuple[int, int]:
    """(OH, OW) of a window sliding over the padded (H, W) plane; 0 when it does not fit."""
    top, bottom, left, right = padding
    oh = (shape[0] + top + bottom - kernel[0]) // strides[0] + 1
    ow = (shape[1] + left + right - kernel[1]) // strides[1] + 1
    return max(oh, 0), max(ow, 0)


def taps(shape: tuple[int, ...], kernel: tuple[int, int], strides: tuple[int, int],
         padding: Padding, oh: int, ow: int) -> list[tuple[int, int, int, int]]:
    """The window of output (oh, ow): (i, j, h, w) for every kernel tap (i, j) that reads input
    position (h, w) inside the (unpadded) plane; taps on the padding are left out."""
    result = []
    for i in range(kernel[0]):
        h = oh * strides[0] + i - padding[0]
        if not 0 <= h < shape[0]:
            continue
        for j in range(kernel[1]):
            w = ow * strides[1] + j - padding[2]
            if 0 <= w < shape[1]:
                result.append((i, j, h, w))
    return result


def counts(shape: tuple[int, ...], kernel: tuple[int, int], strides: tuple[int, int],
           padding: Padding) -> np.ndarray:
    """(OH, OW): how many input positions (not padding) each window covers, as the divisor of
    TensorFlow's average pooling, which leaves 'same' padding out of the average."""
    oh, ow = output_size(shape, kernel, strides, padding)
    return np.array([[len(taps(shape, kernel, strides, padding, r, c)) for c in range(ow)]
                     for r in range(oh)], dtype=np.int64).reshape(oh, ow)


def windows(x: np.ndarray, kernel: tuple[int, int], strides: tuple[int, int], padding: Padding,
            fill: int) -> np.ndarray:
    """(N, H, W, C) -> (N, OH, OW, C, KH, KW): every window of the batch, the padding `fill`."""
    from numpy.lib.stride_tricks import sliding_window_view

    top, bottom, left, right = padding
    padded = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill)
    view = sliding_window_view(padded, kernel, axis=(1, 2))
    oh, ow = output_size(x.shape[1:], kernel, strides, padding)
    return view[:, :oh * strides[0]:strides[0], :ow * strides[1]:strides[1]]
