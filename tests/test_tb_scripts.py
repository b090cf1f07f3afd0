"""DIR/tb/run_xsim.sh and DIR/tb/run_questa.do against stub simulators, and the sources.f recipe.

Neither Vivado nor Questa is installed here, so stub executables `xvhdl`, `xelab`, `xsim`,
`vlib`, `vcom` (shell scripts) and `vsim` (a tclsh script that runs a `-do` file with its
in-session commands as Tcl procs, which call the `vlib`/`vcom` stubs as Questa's do) go first on
PATH. Each logs its name, working directory and argv. The tests check that every source of
DIR/rtl/sources.f is compiled once, in order, before the testbench, with the VHDL-2008 flags,
that every named file exists from the tool's working directory, and that the exit status follows
the testbench's PASS line. The scripts start from an unrelated working directory.
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

import qmodels
from tools import require_tool
from vhdlgen.rtl.build import BuildOptions, build
from vhdlgen.rtl.testbench import QUESTA_SCRIPT, XSIM_SCRIPT, clock_context

SEP = "\x1f"

SHELL_STUB = """#!/bin/sh
{ printf '%s' "$(basename "$0")"; printf '\\037%s' "$PWD" "$@"; printf '\\n'; } >>"$STUB_LOG"
if [ "$(basename "$0")" = xsim ]; then
  printf '%s\\n' "$STUB_XSIM_OUTPUT"
  exit "${STUB_XSIM_STATUS:-0}"
fi
"""

VSIM_STUB = """#!{tclsh}
proc record {{name args}} {{
    set fh [open $::env(STUB_LOG) a]
    puts $fh [join [concat [list $name [pwd]] $args] "\\x1f"]
    close $fh
}}
record vsim {{*}}$argv
set at [lsearch -exact $argv -do]
if {{$at < 0}} {{ exit 0 }}
# Questa's in-session commands; vlib and vcom run the executables, as in Questa
proc vlib {{args}} {{ exec vlib {{*}}$args }}
proc vcom {{args}} {{ exec vcom {{*}}$args }}
foreach cmd {{onerror onbreak run echo}} {{
    proc $cmd {{args}} [format {{record %s {{*}}$args}} $cmd]
}}
proc vsim {{args}} {{ record vsim-load {{*}}$args }}
proc examine {{args}} {{ record examine {{*}}$args; return $::env(STUB_PASSED) }}
proc quit {{args}} {{
    record quit {{*}}$args
    set at [lsearch -exact $args -code]
    exit [expr {{$at >= 0 ? [lindex $args [expr {{$at + 1}}]] : 0}}]
}}
source [lindex $argv [expr {{$at + 1}}]]
record end-of-do
exit 0
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict]:
    from vhdlgen.frontend import graph_from_keras

    graph = graph_from_keras(qmodels.dense_only(n_in=6), source="tiny.h5", source_hash="0" * 64)
    out = tmp_path_factory.mktemp("scripts") / "build dir"  # a space in the path
    return out, build(graph, out, BuildOptions(test_vectors=8)).data


@pytest.fixture()
def stubs(tmp_path) -> dict[str, str]:
    """A PATH with the stubs first; environment for the scripts (STUB_LOG)."""
    folder = tmp_path / "stub bin"
    folder.mkdir()
    for name in ("xvhdl", "xelab", "xsim", "vlib", "vcom"):
        (folder / name).write_text(SHELL_STUB)
    (folder / "vsim").write_text(VSIM_STUB.format(tclsh=require_tool("tclsh")))
    for path in folder.iterdir():
        path.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}",
            "STUB_LOG": str(tmp_path / "calls.log"), "STUB_XSIM_OUTPUT": "PASS: 3 vectors",
            "STUB_PASSED": "TRUE"}


def calls(env: dict[str, str]) -> list[tuple[str, Path, list[str]]]:
    """(tool, working directory, argv) of every stub call, in order."""
    log = Path(env["STUB_LOG"])
    lines = log.read_text().splitlines() if log.exists() else []
    return [(f[0], Path(f[1]), f[2:]) for f in (line.split(SEP) for line in lines)]


def sources_in_order(out: Path, report: dict) -> list[Path]:
    """What must be compiled, in order: sources.f, then the testbench."""
    listed = (out / "rtl" / "sources.f").read_text().split()
    assert listed == report["sources"] and listed[0] == "vhdlgen_pkg.vhd"
    return [(out / "rtl" / f).resolve() for f in listed] + \
        [(out / "tb" / f"{report['top']}_tb.vhd").resolve()]


def run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    cwd.mkdir(exist_ok=True)
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_run_xsim_compiles_every_source_in_order(built, stubs, tmp_path) -> None:
    out, report = built
    proc = run([str(out / "tb" / XSIM_SCRIPT)], stubs, tmp_path / "elsewhere")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    made = calls(stubs)
    assert [c[0] for c in made] == ["xvhdl", "xelab", "xsim"]
    tb = (out / "tb").resolve()
    assert all(cwd.resolve() == tb for _, cwd, _ in made)  # runs where the vector files are
    (_, cwd, xvhdl), (_, _, xelab), (_, _, xsim) = made
    files = [a for a in xvhdl if a.endswith(".vhd")]
    assert [(cwd / f).resolve() for f in files] == sources_in_order(out, report)
    assert all((cwd / f).is_file() for f in files)
    options = xvhdl[:xvhdl.index(files[0])]
    assert "--2008" in options and options[options.index("--work") + 1] == "work"
    snapshot = xelab[xelab.index("--snapshot") + 1]
    tb_entity = f"{report['top']}_tb"
    assert xelab[-1] == f"work.{tb_entity}"
    assert xsim[0] == snapshot and "-R" in xsim
    assert "PASS: 3 vectors" in proc.stdout


@pytest.mark.parametrize("output, status", [
    ("FAIL: vector 2: expected 01, got 02", 0), ("", 0), ("PASS: 3 vectors", 3)])
def test_run_xsim_fails_without_pass(built, stubs, tmp_path, output, status) -> None:
    out, _ = built
    env = {**stubs, "STUB_XSIM_OUTPUT": output, "STUB_XSIM_STATUS": str(status)}
    proc = run([str(out / "tb" / XSIM_SCRIPT)], env, tmp_path)
    assert proc.returncode != 0
    assert proc.stderr.startswith("FAILED: ")


def test_run_questa_do_compiles_every_source_in_order(built, stubs, tmp_path) -> None:
    out, report = built
    script = out / "tb" / QUESTA_SCRIPT
    proc = run(["vsim", "-c", "-do", str(script)], stubs, tmp_path / "elsewhere")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    made = calls(stubs)
    names = [c[0] for c in made]
    assert names[0] == "vsim" and made[0][2] == ["-c", "-do", str(script)]
    assert names[1:3] == ["onerror", "onbreak"]  # before anything can fail
    assert [made[3][0], made[3][2]] == ["vlib", ["work"]]
    compiles = [c for c in made if c[0] == "vcom"]
    assert names[4:4 + len(compiles)] == ["vcom"] * len(compiles)
    tb = (out / "tb").resolve()
    assert all(cwd.resolve() == tb for _, cwd, _ in made[3:])  # from vlib on: in DIR/tb
    assert [(cwd / args[-1]).resolve() for _, cwd, args in compiles] == \
        sources_in_order(out, report)
    assert all(args[:-1] == ["-2008", "-work", "work"] for _, _, args in compiles)
    load, simulate = made[4 + len(compiles):6 + len(compiles)]
    assert load[0] == "vsim-load" and load[2][-1] == f"work.{report['top']}_tb"
    assert load[2][load[2].index("-t") + 1] == "ps"  # the clock is in ps
    assert simulate[0] == "run" and simulate[2] == ["-all"]
    assert made[-1][0] == "quit" and made[-1][2][-2:] == ["-code", "0"]


def test_run_questa_do_fails_without_pass(built, stubs, tmp_path) -> None:
    out, _ = built
    env = {**stubs, "STUB_PASSED": "false"}
    proc = run(["vsim", "-c", "-do", str(out / "tb" / QUESTA_SCRIPT)], env, tmp_path)
    assert proc.returncode == 1
    made = calls(env)
    assert ["echo", ["FAILED: the testbench did not print its PASS line"]] in \
        [[c[0], c[2]] for c in made]
    assert made[-1][0] == "quit" and made[-1][2][-2:] == ["-code", "1"]


def test_testbench_sets_passed_with_its_pass_line(built) -> None:
    """run_questa.do asks the testbench's `passed` signal: set exactly where PASS is printed."""
    out, report = built
    text = (out / "tb" / f"{report['top']}_tb.vhd").read_text()
    assert re.search(r'string\'\("PASS: "\).*\n\s*writeline\(output, result_line\);\n'
                     r'\s*passed <= true;', text)
    do = (out / "tb" / QUESTA_SCRIPT).read_text()
    assert f"examine /{report['top']}_tb/passed" in do


@pytest.mark.parametrize("clock_ns, picoseconds", [(3.125, "3125"), (2.5, "2500"),
                                                   (1000 / 350, "2857"), (10, "10000")])
def test_testbench_clock_is_the_builds(clock_ns, picoseconds) -> None:
    """CLK_PERIOD of the testbench: the build's clock in whole ps (tests/test_testbench.py runs
    one at 4.2 ns and measures its edges)."""
    assert clock_context(clock_ns) == {"clock_ns": repr(float(clock_ns)),
                                       "clock_ps": picoseconds}


# ------------------------------------------------------------------ sources.f from any cwd
def _docs_recipe() -> str:
    """The shell block of docs/vivado.md that makes absolute paths of DIR/rtl/sources.f."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "vivado.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    (recipe,) = [b for b in blocks if "sources_abs.f" in b]
    return recipe


def test_sources_recipe_from_another_cwd(built, tmp_path) -> None:
    """docs/vivado.md's recipe, run from an unrelated folder with RTL set as documented, lists
    every source once, in order, as an absolute path that exists."""
    out, report = built
    cwd = tmp_path / "somewhere"
    cwd.mkdir()
    env = {**os.environ, "DIR": str(out)}
    proc = subprocess.run(["sh", "-eu", "-c", _docs_recipe()], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    listed = (cwd / "sources_abs.f").read_text().splitlines()
    assert listed == [str((out / "rtl" / f).resolve()) for f in report["sources"]]
    assert all(Path(p).is_absolute() and Path(p).is_file() for p in listed)
