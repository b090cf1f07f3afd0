"""vhdlgen.train.plots on a small constructed sample: what each plot drew (intervals, the fake
rate requirement, axis ranges that fit the data, the sample named in the title)."""
from __future__ import annotations

import numpy as np
import pytest

from vhdlgen.train import metrics as M
from vhdlgen.train import plots

NOISE_PT = [0.0, 0.0, 1.0, 1.0, 5.0, 12.4]  # predicted pT of the 6 noise-only events (GeV)
TAIL = (1 - M.ONE_SIGMA_CL) / 2


def sample() -> tuple[dict, list[tuple[str, np.ndarray]]]:
    """40 muons at 4.2 GeV predicted 3 (never pass), 40 at 16.1 predicted 16 (all pass), 10 at
    9.8 GeV of which 5 pass; then the noise-only events."""
    true = [4.2] * 40 + [16.1] * 40 + [9.8] * 10 + [0.0] * 6
    pred = [3.0] * 40 + [16.0] * 40 + [12.0] * 5 + [8.0] * 5 + NOISE_PT
    ev = {"pt": np.array(true), "is_muon": np.arange(96) < 90}
    return ev, [("model", np.stack([np.array(pred), np.zeros(96)], axis=1))]


def test_fake_rate_curve_draws_the_requirement_and_fits_the_data(tmp_path) -> None:
    ev, curves = sample()
    drawn = plots.fake_rate(curves, ev, 10.0, str(tmp_path / "f.png"), seed=5)
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert drawn["requirement_per_mille"] == 2.0  # 2 per mille
    assert "96 toy events, seed 5: 90 muons, 6 noise-only" in drawn["title"]
    scan = list(drawn["thresholds"])
    assert scan[0] == 0.0 and 12.4 < scan[-1] <= 13.4  # to just past the highest noise pT
    assert drawn["xlim"][0] < 0.0 and 12.4 < drawn["xlim"][1] < 13.5
    passing = dict(zip(scan, drawn["curves"]["model"]["passing"]))
    assert [passing[t] for t in (0.0, 1.0, 1.25, 5.0, 12.5)] == [6, 4, 2, 2, 0]
    upper = dict(zip(scan, drawn["curves"]["model"]["upper"]))
    assert upper[12.5] == pytest.approx(1 - TAIL ** (1 / 6))  # no event passes: still a bar
    assert drawn["ylim"][1] > 1e3 and drawn["ylim"][0] < 1e3 * drawn["upper_limit"]


def test_turn_on_intervals_are_clopper_pearson_and_never_collapse(tmp_path) -> None:
    ev, curves = sample()
    drawn = plots.turn_on(curves, ev, 10.0, 15.0, str(tmp_path / "t.png"), seed=5)
    curve = drawn["curves"]["model"]
    by_x = {round(float(x), 2): i for i, x in enumerate(curve["x"])}
    low, high, mid = by_x[4.25], by_x[16.25], by_x[9.75]
    assert list(curve["n"]) == [40, 10, 40] and list(curve["efficiency"]) == [0.0, 0.5, 1.0]
    assert curve["lower"][low] == 0 and curve["upper"][low] == pytest.approx(1 - TAIL ** (1 / 40))
    assert curve["upper"][high] == 1 and curve["lower"][high] == pytest.approx(TAIL ** (1 / 40))
    assert curve["lower"][mid] < 0.5 < curve["upper"][mid]
    assert drawn["xlim"] == (3.0, 20.0) and "seed 5" in drawn["title"]


def test_background_range_ends_where_the_data_end(tmp_path) -> None:
    ev, curves = sample()
    drawn = plots.background(curves, ev, 10.0, str(tmp_path / "b.png"), seed=5)
    assert -1.0 < drawn["xlim"][0] < 0.0 and 12.4 < drawn["xlim"][1] < 13.5
    assert drawn["counts"]["model"].sum() == len(NOISE_PT)
    assert "6 noise-only" in drawn["title"]
