"""vhdlgen/estimate/flow.py: `estimate` on a build (GHDL + yosys synth_xilinx counts and logic
depth on tiny known designs, estimate.json and its stamp) and its refusals, which come before
anything is deleted or run. Needs ghdl and yosys (FAIL without them)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from estimate_runs import adder_run, register_run, tools_present  # noqa: F401 - fixtures
from tools import make_build
from vhdlgen import estimate as est
from vhdlgen.errors import UserError
from vhdlgen.estimate import estimate
from vhdlgen.timing import ULTRASCALE_PLUS_2 as M

KEYS = {"lut", "ff", "carry", "dsp", "bram", "max_logic_levels", "tools", "critical_path_ns",
        "fmax_mhz"}


def test_register_counts(register_run) -> None:
    build, result, _ = register_run
    # 16 data bits + 1 valid bit, synchronous reset on the FDRE R pin: no LUT at all.
    assert (result["ff"], result["lut"], result["carry"], result["dsp"], result["bram"]) == \
        (17, 0, 0, 0, 0)
    assert result["max_logic_levels"] == 0
    assert result["detail"]["cells_by_type"] == {"FDRE": 17}


def test_adder_counts_and_depth(adder_run) -> None:
    _, result = adder_run
    # 2 x 8 input FF + 8 sum FF + 2 valid FF; one propagate LUT2 per sum bit; 8 bits in two
    # 4-bit CARRY4; deepest path LUT2 -> CARRY4 -> CARRY4 (carry-in of the upper nibble).
    assert (result["ff"], result["lut"], result["carry"], result["dsp"], result["bram"]) == \
        (26, 8, 2, 0, 0)
    assert result["max_logic_levels"] == 3
    assert result["logic_path"]["cells"] == ["LUT2", "CARRY4", "CARRY4"]
    # Vivado packs the two CARRY4 of the 8-bit chain into one CARRY8: LUT2 > CARRY8.
    assert result["max_logic_levels_carry8"] == 2
    assert result["detail"]["carry8_equivalent"] == 1
    assert result["logic_path"]["from"].split("[")[0] in {"a_q", "b_q"}
    assert result["logic_path"]["to"].startswith("FDRE ")
    # In ns: FF -> route -> LUT2 -> S of the CARRY8 (carry_in) -> its upper half (free) -> FF.
    timing = result["timing_path"]
    assert timing["cells"] == ["LUT2", "CARRY4", "CARRY4"]
    assert timing["cell_ns"][1:] == [pytest.approx(M.carry_in), 0]
    assert timing["cell_ns"][0] >= M.net + M.lut
    assert result["critical_path_ns"] == pytest.approx(
        M.ff_clk_to_q + sum(timing["cell_ns"]) + M.ff_setup + M.clock_uncertainty, abs=2e-3)
    assert result["fmax_mhz"] == pytest.approx(
        min(1000 / result["critical_path_ns"], M.fmax_ceiling_mhz), abs=0.1)
    assert timing["from_rtl"]["unit"] == "tiny_add" and timing["from_rtl"]["neuron"] in {"a_q",
                                                                                        "b_q"}


def test_carry_flow_keeps_one_carry_chain_per_adder(tmp_path: Path, tools_present) -> None:
    """The default flow maps each RTL adder to its own carry chain: LUTs only where both
    operands vary (4 + 4 + 5 for tiny_tree) and no wide-function muxes; the stock
    synth_xilinx merges the single-use adders into a $macc, mapped as a LUT carry-save tree
    (more LUTs). Both flows are recorded in the result."""
    build = make_build(tmp_path, "tree")
    carry = estimate(build)
    assert carry["flow"] == "carry"
    assert carry["lut"] == 13, carry["detail"]["cells_by_type"]
    assert carry["detail"].get("muxf", 0) == 0
    stock = estimate(build, flow="synth_xilinx")
    assert stock["flow"] == "synth_xilinx"
    assert stock["lut"] > carry["lut"], (stock["detail"]["cells_by_type"], carry["lut"])
    with pytest.raises(UserError, match="accepted carry, synth_xilinx"):
        estimate(build, flow="vivado")
    # an unknown flow is refused before anything is deleted or run
    assert json.loads((build / "estimate.json").read_text())["flow"] == "synth_xilinx"


def test_estimate_json_written(register_run) -> None:
    build, result, _ = register_run
    on_disk = json.loads((build / "estimate.json").read_text())
    assert on_disk == result
    assert KEYS <= set(on_disk)
    assert on_disk["tools"]["ghdl"].startswith("GHDL ")
    assert on_disk["tools"]["yosys"].startswith("Yosys ")
    for log in ("ghdl_synth.log", "yosys.log"):
        assert (build / "estimate" / log).is_file()
    assert (build / "estimate" / "work").is_dir()  # GHDL's work dir is under DIR, not the cwd
    assert "synth_xilinx -family xcup" in (build / "estimate" / "synth.ys").read_text()


def test_estimate_json_names_what_it_measured(register_run) -> None:
    """estimate.json and DIR/estimate/stamp.json carry the stamp: every source's absolute path
    and sha256 (computed here with hashlib), the flow and the tools."""
    build, result, _ = register_run
    stamp = result["stamp"]
    rtl = (build / "rtl").resolve()
    assert stamp["inputs"] == [[str(rtl / name), hashlib.sha256((rtl / name).read_bytes())
                                .hexdigest()] for name in ("tiny_pkg.vhd", "tiny_top.vhd")]
    assert stamp["identity"]["flow"] == result["flow"]
    assert stamp["identity"]["tools"] == result["tools"]
    assert json.loads((build / "estimate" / "stamp.json").read_text()) == stamp
    assert est.estimate_stamp(build, result["flow"]) == stamp


def test_progress_lines(register_run) -> None:
    _, _, lines = register_run
    text = "\n".join(lines)
    assert "ghdl synth" in text and "yosys synth_xilinx" in text and "can take minutes" in text
    assert all(line.startswith("[") and " s] " in line for line in lines)


def test_missing_build_dir(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        estimate(tmp_path / "nope")


def test_missing_manifest(tmp_path: Path) -> None:
    build = make_build(tmp_path, "register")
    (build / "vhdlgen-build.json").unlink()
    with pytest.raises(UserError, match="is not a vhdlgen build .no vhdlgen-build.json"):
        estimate(build)


def _edit_report(build: Path, **changes) -> None:
    manifest = json.loads((build / "vhdlgen-build.json").read_text())
    manifest["report"].update(changes)
    (build / "vhdlgen-build.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("changes, message", [
    ({"top": "a b"}, "'top' is 'a b', expected a VHDL entity name"),
    ({"clock_ns": "fast"}, "'clock_ns' is 'fast', expected the clock period in ns"),
    ({"sources": []}, "'sources' is \\[\\], expected file names"),
])
def test_bad_manifest(tmp_path: Path, changes: dict, message: str) -> None:
    build = make_build(tmp_path, "register")
    _edit_report(build, **changes)
    with pytest.raises(UserError, match=f"vhdlgen-build.json is not a readable vhdlgen build "
                                        f"manifest .ValueError: {message}"):
        estimate(build)
    (build / "vhdlgen-build.json").write_text("{")
    with pytest.raises(UserError, match="vhdlgen-build.json is damaged"):
        estimate(build)


def test_missing_source(tmp_path: Path) -> None:
    build = make_build(tmp_path, "register")
    _edit_report(build, sources=["tiny_pkg.vhd", "ghost.vhd"])
    with pytest.raises(UserError, match="lists ghost.vhd as a source, but .*ghost.vhd does not "
                                        "exist"):
        estimate(build)


def test_ghdl_failure_shows_log(tmp_path: Path, tools_present) -> None:
    build = make_build(tmp_path, "register")
    (build / "estimate.json").write_text('{"stale": true}')
    top = build / "rtl" / "tiny_top.vhd"
    top.write_text(top.read_text().replace("valid_q <= in_valid;", "valid_q <= in_valid"))
    with pytest.raises(UserError) as info:
        estimate(build)
    message = str(info.value)
    assert "ghdl --synth failed" in message and "tiny_top.vhd" in message
    log = build / "estimate" / "ghdl_synth.log"
    assert log.is_file() and str(log) in message
    assert not (build / "estimate.json").exists()  # no stale result left looking current
