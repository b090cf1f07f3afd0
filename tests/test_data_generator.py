"""Toy RPC generator: determinism, formats and physics sanity."""
from __future__ import annotations

import numpy as np
import pytest

from vhdlgen.data import generate_events, generator as gen, geometry as geo
from vhdlgen.data.fragmentation import window_eta_min


@pytest.fixture(scope="module")
def sample() -> dict:
    return generate_events(20_000, seed=7, full_image=True)


def test_deterministic_and_seed_dependent() -> None:
    a, b = generate_events(3000, seed=11), generate_events(3000, seed=11)
    for key in a:
        assert np.array_equal(a[key], b[key]), key
    c = generate_events(3000, seed=12)
    assert not np.array_equal(a["x"], c["x"])


def test_formats(sample: dict) -> None:
    n = 20_000
    assert sample["x"].shape == (n, 9, 16, 1) and sample["x"].dtype == np.float32
    assert set(np.unique(sample["x"])) <= {0.0, 0.5, 1.0}
    assert sample["image"].shape == (n, 9, 384) and sample["image"].dtype == np.uint8
    assert sample["is_muon"].dtype == bool
    assert 0.48 < sample["is_muon"].mean() < 0.52
    mu = sample["is_muon"]
    assert np.all(sample["pt"][~mu] == 0) and np.all(sample["charge"][~mu] == 0)
    assert sample["pt"][mu].min() >= gen.PT_MIN_GEV and sample["pt"][mu].max() <= gen.PT_MAX_GEV
    assert set(np.unique(sample["charge"][mu])) == {-1, 1}
    assert sample["window"].min() >= 0 and sample["window"].max() <= 11


def test_muon_fraction_extremes() -> None:
    assert generate_events(500, 1, muon_fraction=0.0)["is_muon"].sum() == 0
    assert generate_events(500, 1, muon_fraction=1.0)["is_muon"].all()
    with pytest.raises(ValueError):
        generate_events(10, 1, muon_fraction=1.5)


def _span(pt: float, eta: float) -> float:
    e, p = np.array([eta]), np.array([pt * np.cosh(eta)])
    s = geo.eta_to_strip(geo.propagate(e, p, np.ones(1), np.zeros(1), np.zeros(1)))[0]
    return float(abs(s[-1] - s[0]))


def test_track_span_vs_pt() -> None:
    # Low-pT tracks span up to ~30 strips, high-pT tracks are nearly straight.
    assert 25 <= _span(3.0, 0.95) <= 34
    assert 12 <= _span(3.0, 0.05) <= 25
    assert _span(20.0, 0.5) < 4
    spans = [_span(pt, 0.5) for pt in (3, 5, 10, 15, 20)]
    assert all(a > b for a, b in zip(spans, spans[1:]))
    # Bending ~ 1/p: doubling pT halves the span (within 10%).
    assert _span(5.0, 0.5) / _span(10.0, 0.5) == pytest.approx(2.0, rel=0.1)


def test_charge_bends_opposite_ways() -> None:
    e, p = np.array([0.5, 0.5]), np.array([5.0, 5.0])
    h = geo.propagate(e, p, np.array([1.0, -1.0]), np.zeros(2), np.zeros(2))
    assert np.allclose(h[:, :3], 0.5, atol=1e-9)          # straight before the field
    assert (h[0, -1] - 0.5) * (h[1, -1] - 0.5) < 0


def test_efficiency_and_cluster_sizes() -> None:
    rng = np.random.default_rng(3)
    n = 20_000
    eta = rng.uniform(0.3, 0.7, n)                         # far from the sector edges
    hits = gen._muon_hits(rng, eta, rng.uniform(3, 20, n), rng.choice([-1.0, 1.0], n))
    per_layer = np.bincount(hits // geo.N_STRIPS, minlength=n * geo.N_LAYERS)
    eff = np.mean(per_layer > 0)
    assert eff == pytest.approx(gen.HIT_EFFICIENCY, abs=0.005)
    sizes = np.bincount(per_layer[per_layer > 0], minlength=4)[1:4] / np.sum(per_layer > 0)
    assert sizes == pytest.approx(gen.CLUSTER_SIZE_PROB, abs=0.01)


def test_noise_rate(sample: dict) -> None:
    bkg = sample["image"][~sample["is_muon"]]
    rate = bkg.mean()                                      # fired strips per strip per event
    assert rate == pytest.approx(gen.NOISE_PROB, rel=0.05)


def test_muon_window_contains_track(sample: dict) -> None:
    mu = sample["is_muon"]
    hits = sample["x"][mu].sum(axis=(1, 2, 3)) * 2        # fired strips in the kept window
    assert np.median(hits) >= 9                            # ~9 layers x 1.35 strips, minus edges
    # The muon eta is in (or next to) the kept window for almost every muon.
    lo = window_eta_min(sample["window"][mu])
    inside = (sample["eta"][mu] >= lo - 0.02) & (sample["eta"][mu] < lo + 32 * geo.STRIP_ETA + 0.02)
    assert inside.mean() > 0.95


def test_speed_is_reasonable() -> None:
    import time

    t0 = time.perf_counter()
    generate_events(50_000, seed=5)
    assert 50_000 / (time.perf_counter() - t0) > 20_000     # ~190k events/s measured, no load
