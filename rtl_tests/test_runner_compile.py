"""The simulation runner compiles a build once, then reuses it.

`vhdlgen.sim.runner.compile_design` promises to "analyse and elaborate the RTL for simulation
once", and every `stream`/`probe` calls it. With the llvm backend each analysis is LLVM code
generation of the layer files: ~1 minute for a student, minutes for wide_conv on a busy 2-core
machine, so `vhdlgen simulate` (a stream, then a probe on a mismatch) must not redo it. This runs
a small design (dense_only) on the llvm backend in its own copy of the build.
"""
from __future__ import annotations

import shutil

import pytest

from benchlib import copy_build

pytestmark = pytest.mark.sim


def test_second_compile_analyses_nothing(designs, tmp_path, monkeypatch) -> None:
    from vhdlgen.sim.runner import compile_design

    if not shutil.which("ghdl-llvm"):
        pytest.fail("this test needs GHDL's llvm backend: apt-get install ghdl-llvm",
                    pytrace=False)
    design = designs("dense_only")
    build = copy_build(design.build_dir, tmp_path / "dense_only")
    monkeypatch.setenv("GHDL_BACKEND", "llvm")
    sim = compile_design(build, design.report).sim_dir
    first = (sim / "build.log").read_text()
    assert "analyze" in first and "elaborate" in first
    objects = {p.name: p.stat().st_mtime_ns for p in sim.iterdir() if p.suffix == ".o"}
    assert objects, "llvm analysis writes one .o per unit"
    (sim / "build.log").unlink()
    compile_design(build, design.report)
    log = sim / "build.log"
    again = [line for line in (log.read_text().splitlines() if log.exists() else [])
             if line.startswith("analyze")]
    touched = sorted(name for name, mtime in objects.items()
                     if (sim / name).stat().st_mtime_ns != mtime)
    assert not again and not touched, (
        "compile_design re-analysed unchanged sources on its second call (cocotb's GHDL build "
        "always runs `ghdl -i`, which invalidates the library, then `ghdl -m` re-analyses "
        f"everything): {len(again)} files analysed, objects rewritten: {touched}")
