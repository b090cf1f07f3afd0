"""`build` with the chain as its client (`ChainOptions(front_end="rpc")`): the chain's files, names, report and geometry parameters
(ghdl --synth runs inside `build`; the RTL itself is simulated in
rtl_tests/test_chain_stream.py)."""
from __future__ import annotations

import json
import re

import pytest

from chain_events import tiny_graph
from vhdlgen.chain.client import ChainOptions
from vhdlgen.chain.geometry import StripGeometry
from vhdlgen.errors import UserError

SMALL = StripGeometry(layers=4, strips=96, window_strips=16, pool=2)  # 6 windows, 4x8 image


def _code(text: str) -> str:
    return "\n".join(line.split("--")[0] for line in text.splitlines())


@pytest.mark.parametrize("geometry", [StripGeometry(), SMALL], ids=["dataset", "small"])
def test_build_renders_the_geometry_it_is_given(tmp_path, geometry) -> None:
    from vhdlgen.rtl.build import BuildOptions, build

    report = build(tiny_graph(geometry), tmp_path / "b",
                   BuildOptions(test_vectors=20, client=ChainOptions(
                       front_end="rpc", strip_geometry=geometry))).data
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
    """Through the build's client (BuildOptions.validate) and through the options' resolve."""
    from vhdlgen.api import OPTIONS
    from vhdlgen.options import resolve
    from vhdlgen.rtl.build import BuildOptions

    with pytest.raises(UserError, match="--front-end 'cnn': accepted none, rpc"):
        BuildOptions(client=ChainOptions(front_end="cnn")).validate()
    with pytest.raises(UserError, match="--threshold-gev inf: accepted a finite number"):
        BuildOptions(client=ChainOptions(front_end="rpc", threshold_gev=float("inf"))).validate()
    with pytest.raises(UserError, match="--front-end 'cnn': accepted none, rpc"):
        resolve({"front_end": "cnn"}, OPTIONS)
    assert resolve({"front_end": "rpc", "threshold_gev": 15}, OPTIONS)[1].client == ChainOptions(
        front_end="rpc", threshold_gev=15.0)


def test_report_has_the_chain_blocks_as_unit_rows_and_whole_chain_totals(tmp_path) -> None:
    """report.txt / report.json: the fragmentation before the CNN's units, the output stage
    after them, and a total over all three. Expected LUTs worked out by hand for SMALL (4 layers
    x 96 strips, 6 windows of 16, pool 2: 64 bits per window):
    - ones: groups 6x10 + 4, 3 count bits each: 33 LUTs per window -> 198;
    - sums: [6]*10+[4] -> 5 adders of 12 (4 bits) -> [12]*5+[4] -> 24, 24, 16 (5 bits each) ->
      48 (6 bits), 16 passed -> 64 (7 bits): 20 + 15 + 6 + 7 = 48 per window -> 288, 10 adders
      per window -> 60;
    - select: 15 pairs x 7-bit comparators = 105, per window an AND of 5 = 1 LUT -> 111;
    - mux: 64 bits x AND-OR of 12 signals (3 LUT6) = 192, index bits over windows {1,3,5},
      {2,3}, {4,5}: 1 LUT each -> 195;
    - pool: 32 inputs x 2 code bits (codes 0, 1, 2) = 64. Fragmentation: 856.
    Output stage: eta offsets 0, 1, 3, 4, 6, 7 vary in 3 bits (3 LUTs), a 10-bit eta adder,
    pT >= 80 = 0b1010000 compares the 10 - 4 upper bits: 19."""
    from vhdlgen.rtl.build import BuildOptions, build

    report = build(tiny_graph(SMALL), tmp_path / "b",
                   BuildOptions(test_vectors=0,
                                client=ChainOptions(front_end="rpc", strip_geometry=SMALL))).data
    first, last = report["extra_units"]
    assert (first["name"], first["lut_estimate"], first["adders"]) == ("fragmentation", 856, 60)
    assert first["lut_parts"] == {"ones": 198, "sums": 288, "select": 111, "mux": 195,
                                  "pool": 64}
    assert (last["name"], last["lut_estimate"], last["latency_cycles"]) == ("output_stage", 19, 1)
    front = report["front_end"]["latency_cycles"]  # the delay model's stages: its own test
    assert first["latency_cycles"] == front >= 1
    cycles = [first["latency_cycles"], *(u["latency_cycles"] for u in report["layers"]),
              last["latency_cycles"]]
    total = report["total"]
    assert total["latency_cycles"] == sum(cycles) == report["latency_cycles"]
    assert total["latency_ns"] == total["latency_cycles"] * 3.125
    assert total["lut_estimate"] == 856 + report["cnn"]["lut_estimate"] + 19
    assert last["first_cycle"] == front + report["cnn"]["latency_cycles"]
    text = (tmp_path / "b" / "report.txt").read_text().splitlines()
    table = text[text.index(next(l for l in text if l.startswith("unit "))) + 1:]
    names = [line.split()[0] for line in table[:table.index("")]]
    assert names[:3] == ["fragmentation", "out_n", "output_stage"]
    row = next(line.split() for line in text if line.startswith("fragmentation "))
    assert row[2:6] == [str(front), "60", "0", "856"]
    assert row[6:8] == [f"{max(first['stage_delays']):.2f}", "ns"]
    cycles = total["latency_cycles"]
    assert f"total: {cycles} cycles = {cycles * 3.125:g} ns, about {total['lut_estimate']} LUTs " \
           f"(fragmentation 856 + layers {report['cnn']['lut_estimate']} + output_stage 19)" \
           in text
    saved = json.loads((tmp_path / "b" / "report.json").read_text())
    assert saved["total"] == total and saved["extra_units"] == report["extra_units"]


def test_cnn_only_report_has_no_chain_rows(tmp_path) -> None:
    from vhdlgen.rtl.build import BuildOptions, build

    report = build(tiny_graph(SMALL), tmp_path / "b", BuildOptions(test_vectors=0)).data
    assert "extra_units" not in report and "total" not in report
    text = (tmp_path / "b" / "report.txt").read_text()
    assert "fragmentation" not in text and re.search(r"^total: \d+ adders", text, re.M)


def test_fragmentation_lut_estimate_of_the_dataset_geometry() -> None:
    """The numbers docs/frontend.md quotes, by hand: 12 windows of 288 strips; 48 groups of 6
    (3 count bits); adder levels 24 x 4 + 12 x 5 + 6 x 6 + 3 x 7 + 1 x 8 (96 + 96; 96 passed)
    + 1 x 9 (192 + 96) = 230 bits per window; 66 window pairs x 9-bit comparators + 12 ANDs of
    11 (2 LUT6 each); 288 AND-ORs of 24 signals (5 LUT6 each) + 4 index ORs of 6, 6, 4, 4
    windows (1 each); 144 codes x 2 bits."""
    import numpy as np

    from vhdlgen.chain.cost import fragmentation_luts, lut_tree, tree_adders

    assert fragmentation_luts(StripGeometry(), np.array([0, 1, 2])) == {
        "ones": 12 * 48 * 3, "sums": 12 * 230, "select": 66 * 9 + 12 * 2,
        "mux": 288 * 5 + 4, "pool": 144 * 2}
    assert tree_adders(StripGeometry()) == 12 * (24 + 12 + 6 + 3 + 1 + 1)
    assert [lut_tree(n) for n in (1, 2, 6, 7, 11, 12, 24)] == [0, 1, 1, 2, 2, 3, 5]
