"""Edge cases of the bench and the verdict, on the small dense_only design.

- A high in_valid gap probability still drives every input (the schedule must not run out of
  random draws and drop the tail of the inputs).
- A design whose out_valid never rises gets a verdict (mismatch at vector 0) and the CLI exits
  non-zero with a message, not a Python traceback.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchlib import copy_build, sampled_edges

pytestmark = pytest.mark.sim

ROOT = Path(__file__).resolve().parents[1]


def test_high_gap_probability_drives_every_input(designs) -> None:
    design = designs("dense_only")
    codes = design.codes[:200]
    result = design.stream(codes, gap_probability=0.85, seed=1)
    driven = np.unique(result.sampled[result.sampled[:, 0] >= 0, 0])
    assert len(driven) == len(codes), (
        f"gap_probability=0.85: only {len(driven)} of {len(codes)} inputs were ever driven "
        "(vhdlgen/sim/bench.py _schedule draws count*4+16 gaps, then pads with idle cycles "
        "instead of the remaining inputs)")
    assert np.array_equal(result.outputs, design.network.predict_codes(codes))
    assert np.array_equal(result.out_edges, sampled_edges(result.sampled) + design.latency)


def test_dead_out_valid_gives_a_verdict_not_a_crash(designs, tmp_path) -> None:
    from vhdlgen.sim.verify import simulate

    design = designs("dense_only")
    build = copy_build(design.build_dir, tmp_path / "dead")
    top = build / "rtl" / f"{design.report['top']}.vhd"
    text, count = re.subn(r"^(\s*out_valid\s*<=\s*)\w+;", r"\1'0';", top.read_text(), flags=re.M)
    assert count == 1, "expected one `out_valid <= ...;` in the top"
    top.write_text(text)
    x = np.zeros((5, *design.network.input_shape), dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    proc = subprocess.run(
        [sys.executable, "-m", "vhdlgen", "simulate", "--build", str(build),
         "--input", str(tmp_path / "x.npy"), "--output", str(tmp_path / "y.npy")],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    verdict = simulate(build, x)
    assert not verdict.exact and verdict.first_mismatch == 0 and len(verdict.rtl_codes) == 0
