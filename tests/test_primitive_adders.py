"""The dataflow form: units whose ternary adders are LUT6_2 + CARRY8 instances (--adder-inputs 3).

- The build writes GHDL's UNISIM files into rtl/unisim/, names them in report.json and not in
  sources.f (Vivado reads that list and has its own UNISIM), and passes `ghdl --synth` with the
  component package alone (black boxes). A build without ternary adders writes none of it.
- GHDL simulates the instances with the shipped models: the RTL equals the reference bit for bit
  (numpy.array_equal) under cocotb (`Design.simulate`, which compiles what the build wrote) and
  in the self-checking testbench (run_ghdl.sh); a corrupted INIT is caught.
- yosys keeps every instance (its LUT6_2 and CARRY8 counts are the plans'), and the estimate's
  logic levels stay within the build's cap.

GHDL and yosys missing are FAILURES, never skips.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

import qmodels
import vhdlgen
from tools import require_tool
from vhdlgen.estimate import estimate
from vhdlgen.rtl.design import make_design
from vhdlgen.rtl.lut_adder import plan_graph
from vhdlgen.rtl.names import UNISIM_FILES

BACKEND = os.environ.get("GHDL_BACKEND") or "mcode"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """dense_only with ternary adders, built with 120 test vectors: (design, build dir)."""
    require_tool("ghdl")
    design = vhdlgen.convert(qmodels.dense_only(), adder_inputs=3, test_vectors=120)
    out = tmp_path_factory.mktemp("primitives") / "dense"
    design.build(out)
    return design, out


def primitive_units(out: Path) -> list[Path]:
    return [p for p in sorted((out / "rtl").glob("*.vhd")) if "LUT6_2 generic map" in p.read_text()]


def test_the_build_ships_the_unisim_files_outside_the_file_list(built) -> None:
    design, out = built
    report = json.loads((out / "report.json").read_text())
    assert tuple(report["unisim_sources"]) == UNISIM_FILES
    for name in UNISIM_FILES:
        assert (out / "rtl" / name).is_file()
        assert name not in (out / "rtl" / "sources.f").read_text()
    manifest = json.loads((out / "vhdlgen-build.json").read_text())
    assert all(f"rtl/{name}" in json.dumps(manifest) for name in UNISIM_FILES)
    assert primitive_units(out), "no unit instantiates LUT6_2"
    assert {layer["arithmetic"] for layer in report["layers"]} <= {
        "integer", "signed, LUT6_2/CARRY8 ternary adders"}
    assert any(layer["arithmetic"].startswith("signed, LUT6_2") for layer in report["layers"])
    plain = vhdlgen.convert(qmodels.dense_only(), test_vectors=0, adder_inputs=2)
    plain.build(out.parent / "plain")
    assert not (out.parent / "plain" / "rtl" / "unisim").exists()
    assert "unisim_sources" not in json.loads((out.parent / "plain" / "report.json").read_text())


def test_rtl_equals_the_reference_under_cocotb_and_the_testbench(built, tmp_path) -> None:
    design, out = built
    x = np.random.default_rng(3).uniform(-1.2, 1.2, size=(400, 20))
    assert np.array_equal(design.simulate(x), design.predict(x))
    proc = subprocess.run([str(out / "tb" / "run_ghdl.sh")], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "GHDL_BACKEND": BACKEND})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert re.search(r"^PASS: \d+ vectors$", proc.stdout, re.M), proc.stdout[-2000:]


def test_a_corrupted_init_is_caught(built, tmp_path) -> None:
    """Flip one INIT bit of a propagate LUT that the test vectors exercise: the testbench fails."""
    _, out = built
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(out), str(copy)], check=True)
    unit = primitive_units(copy)[0]
    text = unit.read_text()
    inits = re.findall(r'INIT => X"([0-9A-F]{16})"', text)
    caught = False
    for init in inits[:8]:  # the first LUTs of the first adder: low bits, always exercised
        wrong = f"{int(init, 16) ^ (1 << 40) ^ (1 << 3):016X}"
        unit.write_text(text.replace(f'X"{init}"', f'X"{wrong}"', 1))
        proc = subprocess.run([str(copy / "tb" / "run_ghdl.sh")], cwd=tmp_path,
                              capture_output=True, text=True, timeout=600,
                              env={**os.environ, "GHDL_BACKEND": BACKEND})
        if proc.returncode != 0 and "FAIL: " in proc.stdout + proc.stderr:
            caught = True
            break
    unit.write_text(text)
    assert caught, "no corrupted INIT among the first eight was caught"


def test_yosys_keeps_every_instance_within_the_level_cap(built) -> None:
    """The instances reach the netlist as built (ABC never sees them): at most the planned
    counts, and at least 95% of them; yosys only drops instances nothing reads (neurons whose
    outputs no later weight uses) and merges duplicates (opt_merge: the same INIT on the same
    nets, such as the sign-extended top bits of an adder)."""
    require_tool("yosys")
    design, out = built
    result = estimate(out)
    cells = result["detail"]["cells_by_type"]
    hw = make_design(design.network.graph, design.options)
    plans = [p for unit in hw.units for p in plan_graph(unit.graph).values()]
    for cell, planned in (("LUT6_2", sum(len(p.luts) for p in plans)),
                          ("CARRY8", sum(p.carry8s for p in plans))):
        assert 0.95 * planned <= cells.get(cell, 0) <= planned, (cell, planned, cells)
    assert result["max_logic_levels_carry8"] <= result["level_cap"], result["logic_path"]
    assert not result["units_over_cap"]
