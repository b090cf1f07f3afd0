"""Training targets: [pT, local eta], scaled to O(1) for training.

- pT target: the true pT in GeV for muons, 0 for background ("no muon"): a background event then
  predicts a pT near 0, far below the 10 GeV threshold, which keeps the fake rate low.
- eta target: the network sees one 32-strip window only, so it can measure eta only *inside* the
  window: the target is the local eta, eta - (lower eta edge of the kept window). The absolute eta
  is local eta + ``vhdlgen.data.window_eta_min(window)``. Background events have no eta: their eta
  loss has weight 0.

Scaled targets: pT / PT_SCALE_GEV and local eta / ETA_SCALE, both ~[0, 1].
"""
from __future__ import annotations

import numpy as np

from vhdlgen.data import fragmentation as frag
from vhdlgen.data import geometry as geo

#: pT scale (GeV): the top of the signal pT range, so scaled pT is in [0, 1].
PT_SCALE_GEV: float = 20.0
#: Eta scale: the eta width of one 32-strip window (0.0875), so scaled local eta is ~[0, 1].
ETA_SCALE: float = frag.WINDOW_STRIPS * geo.STRIP_ETA
#: Folded into the output layer: physical = SCALE * scaled + OFFSET.
SCALE: np.ndarray = np.array([PT_SCALE_GEV, ETA_SCALE], dtype=np.float64)
OFFSET: np.ndarray = np.zeros(2, dtype=np.float64)


def local_eta(events: dict[str, np.ndarray]) -> np.ndarray:
    """True eta relative to the lower edge of the kept window (0 for background)."""
    loc = events["eta"] - frag.window_eta_min(events["window"])
    return np.where(events["is_muon"], loc, 0.0).astype(np.float32)


def targets(events: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Scaled targets (N, 2) and per-component loss weights (N, 2) (eta weight 0 for background)."""
    y = np.stack([events["pt"], local_eta(events)], axis=1) / SCALE
    w = np.ones_like(y)
    w[:, 1] = events["is_muon"]
    return y.astype(np.float32), w.astype(np.float32)


def to_scaled(pred: np.ndarray) -> np.ndarray:
    """Physical outputs [pT GeV, local eta] -> scaled targets."""
    return ((pred - OFFSET) / SCALE).astype(np.float32)
