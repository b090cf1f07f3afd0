"""Fragmentation: a 9x384 strip image -> the 9x16 network input.

The 384 strips are cut into ``N_WINDOWS`` = 12 fixed, non-overlapping windows of
``WINDOW_STRIPS`` = 32 strips. The window with the most fired pixels (summed over the 9 layers) is
kept; ties go to the lowest window index (so an empty event keeps window 0). The kept 9x32 window
is average-pooled over pairs of adjacent strips, (1, 2) pooling, giving 9x16 values in
{0, 0.5, 1}: exactly representable in the ufixed<2,1> input format of the students.
"""
from __future__ import annotations

import numpy as np

from vhdlgen.data import geometry as geo

WINDOW_STRIPS: int = 32
N_WINDOWS: int = geo.N_STRIPS // WINDOW_STRIPS
POOL: int = 2
OUT_WIDTH: int = WINDOW_STRIPS // POOL


def window_counts(image: np.ndarray) -> np.ndarray:
    """Fired pixels per window, (N, 12) int32, for a (N, 9, 384) 0/1 image."""
    return _counts(image.shape[0], np.flatnonzero(image.reshape(-1)))


def _counts(n: int, fired: np.ndarray) -> np.ndarray:
    event = fired // (geo.N_LAYERS * geo.N_STRIPS)
    window = (fired % geo.N_STRIPS) // WINDOW_STRIPS
    counts = np.bincount(event * N_WINDOWS + window, minlength=n * N_WINDOWS)
    return counts.reshape(n, N_WINDOWS).astype(np.int32)


def fragment(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cut (N, 9, 384) 0/1 images into ((N, 9, 16, 1) float32 inputs, (N,) int16 window index)."""
    if image.ndim != 3 or image.shape[1:] != (geo.N_LAYERS, geo.N_STRIPS):
        raise ValueError(f"image must be (N, {geo.N_LAYERS}, {geo.N_STRIPS}), got {image.shape}")
    n = image.shape[0]
    fired = np.flatnonzero(image.reshape(-1))
    window = np.argmax(_counts(n, fired), axis=1).astype(np.int16)
    event = fired // (geo.N_LAYERS * geo.N_STRIPS)
    layer = (fired // geo.N_STRIPS) % geo.N_LAYERS
    strip = fired % geo.N_STRIPS
    keep = strip // WINDOW_STRIPS == window[event]
    col = (strip[keep] % WINDOW_STRIPS) // POOL
    idx = (event[keep] * geo.N_LAYERS + layer[keep]) * OUT_WIDTH + col
    x = np.bincount(idx, minlength=n * geo.N_LAYERS * OUT_WIDTH) / POOL
    return x.reshape(n, geo.N_LAYERS, OUT_WIDTH, 1).astype(np.float32), window


def window_eta_min(window: np.ndarray) -> np.ndarray:
    """Lower eta edge of each window (the eta of strip 32 * window)."""
    return geo.ETA_MIN + np.asarray(window, dtype=np.float64) * WINDOW_STRIPS * geo.STRIP_ETA
