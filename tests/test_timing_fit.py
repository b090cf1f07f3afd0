"""vhdlgen.timing.fit and the shipped corners against the recorded Vivado paths.

The paths are facts read off public reports (vhdlgen/timing/calibration.json, each with its
source); the corners are what bench/fit_delay_model.py fitted on them. Nothing below copies a
model value: every check recomputes from the recorded paths.
"""
from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from vhdlgen.errors import UserError
from vhdlgen.timing import CORNERS, DelayModel, corner_model, load_delay_model
from vhdlgen.timing.fit import (classify, fit_corners, fit_model, predict_path, predictable,
                                residual_table, residuals, route_points, vivado_ns)
from vhdlgen.timing.model import CORNER_FILE
from vhdlgen.timing.paths import load_calibration

RECORDS = tuple(load_calibration())
TIGHT = [r for r in RECORDS if r.tight and r.state == "routed" and predictable(r)]
RELAXED = [r for r in RECORDS if not r.tight and predictable(r)]
TRIGGER_CLOCK_NS = 3.125


def test_calibration_has_tight_and_relaxed_paths() -> None:
    assert TIGHT, "no routed path of a tight run: nothing to fit the corners on"
    assert RELAXED
    assert all(r.source for r in RECORDS)
    # Vivado's own sum: data path = logic + route (to the picosecond it prints)
    for r in RECORDS:
        assert r.data_path_ns == pytest.approx(r.logic_ns + r.route_ns, abs=0.0015)
        assert math.isclose(sum(e.delay_ns for e in r.elements), r.data_path_ns, abs_tol=0.01)


def test_shipped_corners_are_the_fit_of_the_recorded_paths() -> None:
    shipped = json.loads(Path(CORNER_FILE).read_text(encoding="utf-8"))
    fitted = fit_corners(RECORDS)
    assert set(shipped) == set(CORNERS)
    for corner in CORNERS:
        assert DelayModel.from_json(shipped[corner]) == fitted[corner]
        assert corner_model(corner) == fitted[corner]


@pytest.mark.parametrize("corner", CORNERS)
def test_every_tight_path_within_the_stated_error(corner: str) -> None:
    model = corner_model(corner)
    assert model.error_low <= model.error_high
    for res in residuals(model, TIGHT):
        assert model.error_low - 1e-3 <= res.error <= model.error_high + 1e-3, res.record.design


def test_signoff_never_under_predicts_a_tight_path() -> None:
    signoff = corner_model("signoff")
    for r in TIGHT:
        assert predict_path(signoff, r) >= vivado_ns(r), r.design
    assert signoff.error_low >= 0


def test_signoff_route_covers_every_tight_net() -> None:
    signoff = corner_model("signoff")
    for fanout, delay in route_points(TIGHT):
        assert signoff.net_delay(fanout) >= delay - 1e-9


def test_signoff_is_slower_than_typical() -> None:
    typical, signoff = corner_model("typical"), corner_model("signoff")
    assert signoff.net_delay(4) >= typical.net_delay(4)
    assert signoff.adder(16, 4) >= typical.adder(16, 4)
    assert signoff.level_cap(TRIGGER_CLOCK_NS) <= typical.level_cap(TRIGGER_CLOCK_NS)


def test_signoff_holds_five_to_six_levels_at_the_trigger_clock() -> None:
    # the reading of the routed reports: 5-6 levels per 3.125 ns stage are established
    assert corner_model("signoff").level_cap(TRIGGER_CLOCK_NS) in (5, 6)
    assert corner_model("signoff").level_cap(TRIGGER_CLOCK_NS, 0.3) in (5, 6)


def test_relaxed_paths_are_reported_not_fitted() -> None:
    # Tripling a relaxed path's routes between slices changes neither corner (its cells do
    # count: cell delays are fitted on every path).
    slower = [replace(r, elements=tuple(replace(e, delay_ns=e.delay_ns * 3) if k == "route"
                                        else e for k, e in zip(classify(r), r.elements)))
              for r in RELAXED]
    assert fit_corners(TIGHT + slower) == fit_corners(TIGHT + RELAXED)
    table = residual_table(fit_corners(RECORDS), RECORDS)
    assert len(table.splitlines()) == 2 + sum(predictable(r) for r in RECORDS)
    assert "**tight**" in table


def test_classify_a_recorded_adder_path() -> None:
    kinds = [classify(r) for r in TIGHT]
    assert any("carry_in" in k and "carry8" in k and "route" in k for k in kinds)
    for k in kinds:
        assert k[0] == "clock_to_q" and k[-1] == "to_ff"


def test_fit_refuses_without_tight_paths() -> None:
    with pytest.raises(UserError, match="tight run"):
        fit_model(RELAXED, "signoff")
    with pytest.raises(UserError, match="accepted typical, signoff"):
        fit_model(TIGHT, "fast")


def test_delay_model_json_round_trip(tmp_path: Path) -> None:
    model = corner_model("typical")
    path = tmp_path / "m.json"
    path.write_text(json.dumps(model.to_json()), encoding="utf-8")
    assert load_delay_model(path) == model


@pytest.mark.parametrize("text, message", [
    ("{", "not JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"lut": 0.1}', "missing field"),
    ('{"lut": "fast", "net": 0.1, "net_per_fanout": 0, "carry8": 0, "carry_in": 0, '
     '"ff_clk_to_q": 0, "ff_setup": 0, "clock_uncertainty": 0}', "expected a number"),
    ('{"lut": 0.1, "bogus": 1}', "unknown field"),
])
def test_delay_model_file_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "m.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=message):
        load_delay_model(path)
    with pytest.raises(UserError, match="cannot read"):
        load_delay_model(tmp_path / "absent.json")
