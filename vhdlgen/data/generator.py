"""Toy RPC event generator: muons and noise -> fired strips -> 9x16 network inputs.

Every event is one bunch crossing seen by one barrel sector: a single muon (signal) or nothing
(background), plus random noise strips in both cases. The detector response is:

1. the muon hit eta on each of the 9 layers (``geometry.propagate``), smeared by the strip
   resolution ``SIGMA_STRIP``;
2. each layer fires with probability ``HIT_EFFICIENCY``;
3. a fired layer gives a cluster of 1, 2 or 3 adjacent strips (``CLUSTER_SIZE_PROB``); a 2-strip
   cluster extends towards the side of the true position, a 3-strip cluster to both sides;
4. every strip of every layer fires on its own with probability ``NOISE_PROB``.

Then ``fragmentation.fragment`` cuts the 9x384 image into the 9x16 network input.
The whole chain is vectorised NumPy, processed in chunks of ``CHUNK_EVENTS`` events, each with its
own generator spawned from ``np.random.SeedSequence(seed)``: the same (n_events, seed,
muon_fraction) always gives the same events.
"""
from __future__ import annotations

import numpy as np

from vhdlgen.data import fragmentation as frag
from vhdlgen.data import geometry as geo

#: Signal muons: pT uniform in [PT_MIN_GEV, PT_MAX_GEV] (docs/physics.md section 1).
PT_MIN_GEV: float = 3.0
PT_MAX_GEV: float = 20.0
#: Signal muons: eta uniform in [ETA_GEN_MIN, ETA_GEN_MAX], inside the sector with a margin so that
#: even a 3 GeV track bent towards the edge stays in the 384 strips.
ETA_GEN_MIN: float = 0.05
ETA_GEN_MAX: float = 1.0
#: Gaussian strip resolution (strips, sigma) on top of the digital strip size: timing and
#: charge-sharing effects comparable with the strip size / sqrt(12) = 0.29 strip.
SIGMA_STRIP: float = 0.3
#: Probability that a layer crossed by the muon fires (RPC gap efficiency ~95%).
HIT_EFFICIENCY: float = 0.95
#: Cluster size probabilities for 1, 2, 3 strips (RPC cluster sizes ~70/25/5%).
CLUSTER_SIZE_PROB: tuple[float, float, float] = (0.70, 0.25, 0.05)
#: Probability for any strip to fire at random in an event (noise ~1e-3 per strip), i.e. about
#: 3.5 noise strips per event over the 9 x 384 strips.
NOISE_PROB: float = 1e-3
#: Default fraction of signal events.
MUON_FRACTION: float = 0.5
#: Events per vectorised chunk (bounds the memory: a chunk image is CHUNK_EVENTS * 3456 bytes).
CHUNK_EVENTS: int = 16384

_N_PIX = geo.N_LAYERS * geo.N_STRIPS


def _muon_hits(rng: np.random.Generator, eta: np.ndarray, pt: np.ndarray,
               charge: np.ndarray) -> np.ndarray:
    """Flat pixel indices (event*3456 + layer*384 + strip) fired by the muons (local events)."""
    n = eta.shape[0]
    p = pt * np.cosh(eta)
    kick1 = rng.normal(0.0, 1.0, n) * (geo.MS_THETA0_GEV / p)
    kick2 = rng.normal(0.0, 1.0, n) * (geo.MS_SPECTRO_THETA0_GEV / p)
    pos = geo.eta_to_strip(geo.propagate(eta, p, charge, kick1, kick2))
    pos = pos + rng.normal(0.0, SIGMA_STRIP, pos.shape)
    centre = np.floor(pos)
    side = np.where(pos - centre >= 0.5, 1.0, -1.0)          # neighbour nearer the true position
    u = rng.random(pos.shape)
    size = 1 + (u >= CLUSTER_SIZE_PROB[0]) + (u >= CLUSTER_SIZE_PROB[0] + CLUSTER_SIZE_PROB[1])
    fired = rng.random(pos.shape) < HIT_EFFICIENCY
    fired &= np.isfinite(pos)
    # Up to 3 strips per layer: centre, centre+side (size>=2), centre-side (size 3).
    strips = np.stack([centre, centre + side, centre - side], axis=-1)
    valid = np.stack([fired, fired & (size >= 2), fired & (size == 3)], axis=-1)
    valid &= (strips >= 0) & (strips < geo.N_STRIPS)
    ev = np.broadcast_to(np.arange(n)[:, None, None], strips.shape)
    layer = np.broadcast_to(np.arange(geo.N_LAYERS)[None, :, None], strips.shape)
    flat = ev * _N_PIX + layer * geo.N_STRIPS + np.where(valid, strips, 0).astype(np.int64)
    return flat[valid]


def _noise_hits(rng: np.random.Generator, n: int) -> np.ndarray:
    """Flat pixel indices of random noise strips for n events (duplicates allowed)."""
    counts = rng.binomial(_N_PIX, NOISE_PROB, n)
    ev = np.repeat(np.arange(n, dtype=np.int64), counts)
    return ev * _N_PIX + rng.integers(0, _N_PIX, ev.shape[0])


def _chunk(rng: np.random.Generator, n: int, muon_fraction: float,
           full_image: bool) -> dict[str, np.ndarray]:
    """Generate one chunk of n events (see ``generate_events``)."""
    is_muon = rng.random(n) < muon_fraction
    n_mu = int(is_muon.sum())
    pt_mu = rng.uniform(PT_MIN_GEV, PT_MAX_GEV, n_mu)
    eta_mu = rng.uniform(ETA_GEN_MIN, ETA_GEN_MAX, n_mu)
    q_mu = rng.choice(np.array([-1.0, 1.0]), n_mu)
    mu_index = np.flatnonzero(is_muon)
    hits_local = _muon_hits(rng, eta_mu, pt_mu, q_mu)
    hits = mu_index[hits_local // _N_PIX] * _N_PIX + hits_local % _N_PIX
    image = np.zeros((n, geo.N_LAYERS, geo.N_STRIPS), dtype=bool)
    flat = image.reshape(-1)
    flat[hits] = True
    flat[_noise_hits(rng, n)] = True
    x, window = frag.fragment(image)
    pt = np.zeros(n, np.float32)
    eta = np.zeros(n, np.float32)
    charge = np.zeros(n, np.int8)
    pt[is_muon], eta[is_muon], charge[is_muon] = pt_mu, eta_mu, q_mu
    out = {"x": x, "pt": pt, "eta": eta, "charge": charge, "is_muon": is_muon, "window": window}
    if full_image:
        out["image"] = image.astype(np.uint8)
    return out


def generate_events(n_events: int, seed: int, muon_fraction: float = MUON_FRACTION,
                    full_image: bool = False) -> dict[str, np.ndarray]:
    """Generate ``n_events`` toy RPC events, deterministically from ``seed``.

    Returns a dict of arrays, one row per event:
      - ``x``: (N, 9, 16, 1) float32 network input, values in {0, 0.5, 1} (see fragmentation.py);
      - ``pt``: (N,) float32 true muon pT in GeV, 0 for background;
      - ``eta``: (N,) float32 true muon eta (direction at the interaction point), 0 for background;
      - ``charge``: (N,) int8 muon charge +-1, 0 for background;
      - ``is_muon``: (N,) bool, True for signal;
      - ``window``: (N,) int16 index 0..11 of the kept 32-strip window;
      - ``image``: (N, 9, 384) uint8 fired strips (0/1), only if ``full_image``.
    """
    if n_events < 0:
        raise ValueError(f"n_events must be >= 0, got {n_events}")
    if not 0.0 <= muon_fraction <= 1.0:
        raise ValueError(f"muon_fraction must be in [0, 1], got {muon_fraction}")
    n_chunks = max(1, -(-n_events // CHUNK_EVENTS))
    seeds = np.random.SeedSequence(seed).spawn(n_chunks)
    parts = []
    for i, ss in enumerate(seeds):
        n = min(CHUNK_EVENTS, n_events - i * CHUNK_EVENTS)
        parts.append(_chunk(np.random.default_rng(ss), n, muon_fraction, full_image))
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def save_npz(path: str, events: dict[str, np.ndarray], compressed: bool = True) -> None:
    """Write events (as returned by ``generate_events``) to an .npz file."""
    (np.savez_compressed if compressed else np.savez)(path, **events)


def load_npz(path: str) -> dict[str, np.ndarray]:
    """Read an .npz written by ``save_npz`` back into a dict of arrays."""
    with np.load(path) as data:
        return {k: data[k] for k in data.files}
