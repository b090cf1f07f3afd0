"""`simulate` never passes on a stale GHDL library (issue 19, section 1).

DIR/sim holds GHDL's compiled library of a build. GHDL's library names the absolute paths of the
sources it analysed, so a copied build folder used to re-check (and with mcode, re-read) the
ORIGINAL folder's files: `cp -r A B`, an edit in B, and `simulate --build B` passed on A's RTL.
The library is now stamped with the path and sha256 of every source it was compiled from and made
afresh on any difference. These tests build a small model (qmodels.dense_only: 7 VHDL files,
GHDL compiles it in seconds), then copy, move and edit it. An edit negates one output of layer
fc2 (range -7..7, so it stays in range and only the values differ), or adds one to the package's
requantize with a tie (so every layer that rounds differs). The testbench's DIR/tb/ghdl_work/ is
no cache: run_ghdl.sh makes it afresh on every run (checked here on a copied build).
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import qmodels
from tools import require_tool
from vhdlgen.frontend import graph_from_keras
from vhdlgen.rtl.build import BuildOptions, build
from vhdlgen.sim.verify import simulate

pytestmark = pytest.mark.sim

FC2_LINE = "y_0_q := requantize("
PKG_LINE = "return clip(floor_ties_to_even(acc, acc_width, shift, tie), out_min, out_max);"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """dense_only, built once (no compiled simulation); each test copies it."""
    require_tool("ghdl")
    graph = graph_from_keras(qmodels.dense_only(), source="dense_only.h5",
                             source_hash="0" * 64)
    out = tmp_path_factory.mktemp("cache") / "dense_only"
    # binary adders: the tests below edit the integer form's text
    build(graph, out, BuildOptions(test_vectors=40, adder_inputs=2))
    return out


@pytest.fixture
def x() -> np.ndarray:
    return np.random.default_rng(5).uniform(-1, 1, (60, 20))


def fresh_build(built: Path, dest: Path) -> Path:
    """A private copy of the build (it has no compiled DIR/sim yet)."""
    shutil.copytree(built, dest)
    return dest


def edit(path: Path, old: str, new: str, keep_mtime: bool = False) -> None:
    """Replace `old` (present exactly once) by `new`; optionally put the old mtime back, as an
    edit within the file system's timestamp resolution of the compile leaves it."""
    text, before = path.read_text(), path.stat()
    assert text.count(old) == 1, f"{path.name}: {old!r} occurs {text.count(old)} times"
    path.write_text(text.replace(old, new))
    if keep_mtime:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def library_files(build_dir: Path) -> list[Path]:
    """The source files GHDL's library in DIR/sim names (its `file` lines; relative ones, the
    feeder's, are in DIR/sim), resolved."""
    sim = build_dir / "sim"
    text = (sim / "top-obj08.cf").read_text()
    return [(sim / path).resolve() for path in re.findall(r'^file \S+ "([^"]+)"', text, re.M)]


def test_copied_build_with_an_edited_layer_reports_the_mismatch(built, tmp_path, x) -> None:
    a = fresh_build(built, tmp_path / "A")
    assert simulate(a, x).exact
    b = Path(shutil.copytree(a, tmp_path / "B"))
    edit(b / "rtl" / "dense_only_fc2.vhd", FC2_LINE, "y_0_q := -requantize(")
    verdict = simulate(b, x)
    assert verdict.first_mismatch is not None, "B passed on A's RTL (stale DIR/sim)"
    assert verdict.diverging_layer == "fc2"
    assert all(path.is_relative_to(b.resolve()) for path in library_files(b))
    assert simulate(a, x).exact  # A's own library still belongs to A


def test_moved_build_recompiles_and_passes(built, tmp_path, x) -> None:
    a = fresh_build(built, tmp_path / "A")
    assert simulate(a, x).exact
    c = tmp_path / "C"
    a.rename(c)
    verdict = simulate(c, x)
    assert verdict.exact
    assert verdict.compiled.fresh, "the moved library was reused"
    files = library_files(c)
    assert files and all(path.is_relative_to(c.resolve()) for path in files), files


def test_an_edit_to_the_package_recompiles(built, tmp_path, x) -> None:
    a = fresh_build(built, tmp_path / "A")
    assert simulate(a, x).exact
    b = Path(shutil.copytree(a, tmp_path / "B"))
    edit(b / "rtl" / "vhdlgen_pkg.vhd", PKG_LINE, PKG_LINE.replace("tie),", "tie) + 1,"))
    verdict = simulate(b, x)
    assert verdict.first_mismatch is not None, "B passed with A's vhdlgen_pkg.vhd"
    assert verdict.compiled.fresh


def test_an_edit_in_the_same_second_as_the_compile_recompiles(built, tmp_path, x) -> None:
    """No sleep: the edit follows the compile at once, and its mtime is put back, so only the
    content tells the files apart."""
    a = fresh_build(built, tmp_path / "A")
    assert simulate(a, x).exact
    b = Path(shutil.copytree(a, tmp_path / "B"))
    fc2 = b / "rtl" / "dense_only_fc2.vhd"
    edit(fc2, FC2_LINE, "y_0_q := -requantize(", keep_mtime=True)
    verdict = simulate(b, x)
    assert verdict.first_mismatch is not None and verdict.diverging_layer == "fc2"
    edit(fc2, "y_0_q := -requantize(", FC2_LINE, keep_mtime=True)  # in place, same mtime again
    verdict = simulate(b, x)
    assert verdict.exact and verdict.compiled.fresh
    assert not simulate(b, x).compiled.fresh  # nothing changed since: the library is reused


def test_testbench_of_a_copied_build_runs_the_copy(built, tmp_path) -> None:
    """DIR/tb/run_ghdl.sh makes its ghdl_work/ afresh from ../rtl on every run, so a copy that
    carries the original's ghdl_work/ still tests its own (edited) RTL."""
    a = fresh_build(built, tmp_path / "A")
    env = {**os.environ, "GHDL_BACKEND": "mcode"}
    run = subprocess.run([str(a / "tb" / "run_ghdl.sh")], capture_output=True, text=True, env=env)
    # PASS counts the vectors compared: the 40 less those the mid-stream reset drops
    assert run.returncode == 0 and re.search(r"PASS: \d+ vectors", run.stdout), \
        run.stdout + run.stderr
    b = Path(shutil.copytree(a, tmp_path / "B"))
    assert (b / "tb" / "ghdl_work").is_dir()
    edit(b / "rtl" / "dense_only_fc2.vhd", FC2_LINE, "y_0_q := -requantize(", keep_mtime=True)
    run = subprocess.run([str(b / "tb" / "run_ghdl.sh")], capture_output=True, text=True, env=env)
    assert run.returncode != 0 and "FAIL: vector" in run.stdout + run.stderr, run.stdout


def sha12(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def test_simulate_prints_every_compiled_file_with_its_hash(built, tmp_path, x) -> None:
    a = fresh_build(built, tmp_path / "A")
    np.save(tmp_path / "x.npy", x)
    command = [sys.executable, "-m", "vhdlgen", "simulate", "--build", str(a),
               "--input", str(tmp_path / "x.npy"), "--output", str(tmp_path / "y.npy")]
    sources = (a / "rtl" / "sources.f").read_text().split()
    for state in ("compiled", "up to date"):
        run = subprocess.run(command, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        assert f"GHDL library {a.resolve() / 'sim'} {state}" in run.stdout, run.stdout
        for name in sources:
            assert f"rtl/{name}  sha256 {sha12(a / 'rtl' / name)}" in run.stdout, name


def test_the_api_logs_the_compiled_files_and_prints_nothing(tmp_path, x, caplog,
                                                           capsys) -> None:
    """Design.simulate: the files and hashes on logger vhdlgen.sim (INFO), nothing printed;
    verify.simulate's Verdict names them too."""
    import vhdlgen

    design = vhdlgen.convert(qmodels.dense_only(), test_vectors=0)
    a = design.build(tmp_path / "A").build_dir
    capsys.readouterr()
    with caplog.at_level("INFO", logger="vhdlgen.sim"):
        outputs = design.simulate(x)
    assert np.array_equal(outputs, design.predict(x))
    assert capsys.readouterr().out == ""
    logged = "\n".join(record.getMessage() for record in caplog.records
                       if record.name == "vhdlgen.sim")
    names = (a / "rtl" / "sources.f").read_text().split()
    assert f"GHDL library {a / 'sim'} compiled" in logged, logged
    for name in names:
        assert f"rtl/{name}  sha256 {sha12(a / 'rtl' / name)}" in logged
    verdict = simulate(a, x)
    assert [Path(item.path).name for item in verdict.compiled.sources] == names
    assert [item.short for item in verdict.compiled.sources] == [sha12(a / "rtl" / n)
                                                                for n in names]
