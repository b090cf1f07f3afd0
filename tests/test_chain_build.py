"""`build` with `front_end="rpc"`: the chain's files, names, report and geometry parameters
(ghdl --synth runs inside `build`; the RTL itself is simulated in
rtl_tests/test_chain_stream.py)."""
from __future__ import annotations

import json
import re

import pytest

from chain_events import tiny_graph
from vhdlgen.chain.geometry import StripGeometry
from vhdlgen.errors import UserError

SMALL = StripGeometry(layers=4, strips=96, window_strips=16, pool=2)  # 6 windows, 4x8 image


def _code(text: str) -> str:
    return "\n".join(line.split("--")[0] for line in text.splitlines())


@pytest.mark.parametrize("geometry", [StripGeometry(), SMALL], ids=["dataset", "small"])
def test_build_renders_the_geometry_it_is_given(tmp_path, geometry) -> None:
    from vhdlgen.rtl.build import BuildOptions, build

    report = build(tiny_graph(geometry), tmp_path / "b",
                   BuildOptions(front_end="rpc", strip_geometry=geometry,
                                test_vectors=20))
    fe, cnn = report["front_end"], report["cnn"]
    assert report["top"] == "tiny_trigger_chain" and cnn["top"] == "tiny_trigger"
    assert report["latency_cycles"] == fe["latency_cycles"] + cnn["latency_cycles"] + 1
    assert report["in_data"]["width"] == geometry.layers * geometry.strips
    assert [f["name"] for f in report["out_data"]["fields"]] == ["pt", "eta", "window", "trigger"]
    rtl = tmp_path / "b" / "rtl"
    text = (rtl / "tiny_trigger_fragmentation.vhd").read_text()
    assert re.search(rf"WINDOWS\s+: natural := {geometry.windows};", text)
    assert re.search(rf"WINDOW_STRIPS\s+: natural := {geometry.window_strips};", text)
    for name in ("tiny_trigger_fragmentation.vhd", "tiny_trigger_chain.vhd",
                 "tiny_trigger_chain_pkg.vhd"):
        assert "*" not in _code((rtl / name).read_text()), name
        assert name in report["sources"]
    assert (tmp_path / "b" / "tb" / "tiny_trigger_chain_tb.vhd").is_file()
    assert "tiny_trigger_chain" in (tmp_path / "b" / "vivado" / "build.tcl").read_text()
    saved = json.loads((tmp_path / "b" / "report.json").read_text())
    assert saved["front_end"]["geometry"]["windows"] == geometry.windows


def test_front_end_options_are_checked() -> None:
    from vhdlgen.rtl.build import BuildOptions

    with pytest.raises(UserError, match="--front-end 'cnn': accepted none, rpc"):
        BuildOptions(front_end="cnn").validate()
    with pytest.raises(UserError, match="--threshold-gev inf: accepted a finite number"):
        BuildOptions(front_end="rpc", threshold_gev=float("inf")).validate()
