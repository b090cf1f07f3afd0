"""The Vivado handoff: generated Tcl runs under tclsh with every Vivado command stubbed.

The stubs define only real Vivado commands and record each call; an unknown or misspelt command
makes tclsh fail. The build directory is moved before running, and tclsh runs in an unrelated
working directory, to prove the scripts find their sources relative to their own location.
"""
from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tools import make_build, require_tool, sources
from vhdlgen import vivado
from vhdlgen.errors import UserError
from vhdlgen.vivado import DEFAULT_CLOCK_NS, DEFAULT_PART, write_vivado

SEP = "\x1f"

STUBS = r"""
set ::calls_fh [open $::env(VHDLGEN_CALLS) w]
fconfigure $::calls_fh -encoding utf-8
proc record {name arglist} {
    puts $::calls_fh [join [concat [list $name] $arglist] "\x1f"]
    flush $::calls_fh
}
namespace eval ipx {}
# Vivado commands whose result the scripts do not use.
foreach cmd {
    read_vhdl read_xdc synth_design opt_design place_design phys_opt_design route_design
    write_checkpoint report_utilization report_timing_summary report_design_analysis report_timing
    create_project add_files update_compile_order close_project set_property
    create_clock set_input_delay set_output_delay
    ipx::package_project ipx::create_xgui_files ipx::update_checksums ipx::check_integrity
    ipx::save_core
} {
    proc $cmd {args} [format {record %s $args; return {}} $cmd]
}
proc get_ports {args}       { record get_ports $args; return [lindex $args end] }
proc get_clocks {args}      { record get_clocks $args; return [lindex $args end] }
proc all_outputs {args}     { record all_outputs $args; return {out_valid out_data} }
proc get_files {args}       { record get_files $args; return [lindex $args end] }
proc current_fileset {args} { record current_fileset $args; return sources_1 }
proc current_project {args} { record current_project $args; return project_1 }
proc get_timing_paths {args} {
    record get_timing_paths $args
    if {$::env(VHDLGEN_SLACK) eq "none"} { return {} }
    return {path_0}
}
proc get_property {args} {
    record get_property $args
    if {[lindex $args 0] eq "SLACK"} { return $::env(VHDLGEN_SLACK) }
    return {}
}
proc ipx::current_core {args}         { record ipx::current_core $args; return core_0 }
proc ipx::get_bus_interfaces {args}   {
    record ipx::get_bus_interfaces $args
    set name [lindex $args 0]
    if {$name in {clk rst}} { return "bus_$name" }
    return {}
}
proc ipx::get_bus_parameters {args}   { record ipx::get_bus_parameters $args; return {} }
proc ipx::add_bus_parameter {args}    {
    record ipx::add_bus_parameter $args
    return "param_[lindex $args 0]"
}
set argv $::env(VHDLGEN_ARGV)
set argc [llength $argv]
source $::env(VHDLGEN_SCRIPT)
close $::calls_fh
"""


def run_tcl(script: Path, tmp: Path, *, slack: str = "0.125", argv: str = "") -> list[list[str]]:
    """Source `script` in tclsh with the stubs, from an unrelated cwd; return the calls made."""
    done, calls = run_tcl_status(script, tmp, slack=slack, argv=argv)
    assert done.returncode == 0, f"tclsh failed on {script.name}:\n{done.stdout}\n{done.stderr}"
    return calls


def run_tcl_status(script: Path, tmp: Path, *, slack: str = "0.125", argv: str = ""
                   ) -> tuple[subprocess.CompletedProcess, list[list[str]]]:
    """`run_tcl` that returns the finished tclsh (exit status, stdout, stderr) too."""
    tclsh = require_tool("tclsh")
    driver = tmp / "stub_driver.tcl"
    driver.write_text(STUBS)
    calls = tmp / f"calls_{script.stem}.txt"
    cwd = tmp / "somewhere_else"
    cwd.mkdir(exist_ok=True)
    env = {"VHDLGEN_CALLS": str(calls), "VHDLGEN_SCRIPT": str(script),
           "VHDLGEN_SLACK": slack, "VHDLGEN_ARGV": argv, "PATH": "/usr/bin:/bin"}
    done = subprocess.run([tclsh, str(driver)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)
    return done, [line.split(SEP) for line in calls.read_text(encoding="utf-8").splitlines()]


def calls_of(calls: list[list[str]], name: str) -> list[list[str]]:
    return [c[1:] for c in calls if c[0] == name]


def option(args: list[str], flag: str) -> str:
    assert flag in args, f"{flag} missing from {args}"
    return args[args.index(flag) + 1]


@pytest.fixture()
def build(tmp_path: Path) -> Path:
    return make_build(tmp_path / "gen", "register")


def write(build: Path, clock_ns: float = DEFAULT_CLOCK_NS, part: str = DEFAULT_PART,
          **kw) -> list[Path]:
    return write_vivado(build, "tiny_top", sources(build), clock_ns, part, **kw)


def moved(build: Path, tmp_path: Path) -> Path:
    """Copy the build directory elsewhere (to a path with a space) and delete the original."""
    target = tmp_path / "moved here" / "build"
    shutil.copytree(build, target)
    shutil.rmtree(build)
    return target


# --------------------------------------------------------------------------- the files
def test_writes_the_vivado_folder(build: Path) -> None:
    paths = write(build)
    names = sorted(p.name for p in paths)
    assert names == ["build.tcl", "constraints.xdc", "package_ip.tcl", "sources.f"]
    assert all(p.is_file() and p.parent == build / "vivado" for p in paths)
    assert sorted(p.name for p in (build / "vivado").iterdir()) == names
    assert not [p for p in build.iterdir() if p.name.startswith(".vivado")]
    listed = (build / "vivado" / "sources.f").read_text().splitlines()
    assert listed == [f"../rtl/{f}" for f in sources(build)]
    assert all((build / "vivado" / f).is_file() for f in listed)


@pytest.mark.parametrize("clock_ns", [3.125, 2.5, 1000 / 350, 10, 1000 / 300])
def test_xdc_period_equals_clock(build: Path, clock_ns: float) -> None:
    write(build, clock_ns=clock_ns)
    xdc = (build / "vivado" / "constraints.xdc").read_text()
    clocks = re.findall(r"^create_clock\s.*-period\s+(\S+)\s+\[get_ports clk\]", xdc, re.M)
    assert len(clocks) == 1 and float(clocks[0]) == float(clock_ns)


def test_xdc_runs_and_constrains_clk(build: Path, tmp_path: Path) -> None:
    write(build)
    calls = run_tcl(build / "vivado" / "constraints.xdc", tmp_path)
    (clock,) = calls_of(calls, "create_clock")
    assert float(option(clock, "-period")) == DEFAULT_CLOCK_NS and clock[-1] == "clk"
    assert ["clk"] in calls_of(calls, "get_ports")
    assert len(calls_of(calls, "set_input_delay")) == 1
    assert len(calls_of(calls, "set_output_delay")) == 1


def test_output_is_deterministic(build: Path) -> None:
    first = {p.name: p.read_bytes() for p in write(build)}
    second = {p.name: p.read_bytes() for p in write(build)}
    assert first == second


# --------------------------------------------------------------------------- build.tcl
def test_build_tcl_runs_from_anywhere(build: Path, tmp_path: Path) -> None:
    write(build)
    files = sources(build)
    build = moved(build, tmp_path)  # the same, unchanged Tcl, in another place
    calls = run_tcl(build / "vivado" / "build.tcl", tmp_path)

    reads = calls_of(calls, "read_vhdl")
    assert [r[0] for r in reads] == ["-vhdl2008"] * len(files)
    assert [Path(r[1]) for r in reads] == [(build / "rtl" / f).resolve() for f in files]
    assert all(Path(r[1]).is_file() for r in reads)
    (xdc,) = calls_of(calls, "read_xdc")
    assert Path(xdc[0]) == (build / "vivado" / "constraints.xdc").resolve()

    (synth,) = calls_of(calls, "synth_design")
    assert option(synth, "-top") == "tiny_top"
    assert option(synth, "-part") == DEFAULT_PART
    assert option(synth, "-mode") == "out_of_context"

    order = [c[0] for c in calls]
    steps = ["read_xdc", "synth_design", "opt_design", "place_design", "route_design"]
    assert [order.index(s) for s in steps] == sorted(order.index(s) for s in steps)
    assert order.index("read_vhdl") < order.index("synth_design")

    reports = build / "vivado_out" / "reports"
    assert reports.is_dir()
    assert "-retiming" not in synth  # only with -tclargs retiming
    written = {Path(option(c, "-file")).name: c for name in (
        "report_utilization", "report_timing_summary", "report_timing", "report_design_analysis")
        for c in calls_of(calls, name)}
    assert all(Path(option(c, "-file")).parent == reports.resolve() for c in written.values())
    # the names `vhdlgen timing --vivado-report` reads (docs/vivado.md), with their options
    summary = written["post_route_timing_summary.rpt"]
    assert option(summary, "-max_paths") == "100" and "-report_unconstrained" in summary
    paths = written["post_route_timing_paths.rpt"]
    assert (option(paths, "-max_paths"), option(paths, "-nworst"), option(paths, "-delay_type"),
            option(paths, "-path_type")) == ("100", "1", "max", "full")
    assert "-logic_level_distribution" in written["post_route_design_analysis.rpt"]
    assert "-hierarchical" not in written["post_route_utilization.rpt"]
    assert "-hierarchical" in written["post_route_utilization_hier.rpt"]
    # every post-route report comes after route_design
    after_route = [i for i, c in enumerate(calls) if c[0].startswith("report_")
                   and Path(option(c[1:], "-file")).name.startswith("post_route")]
    assert len(after_route) == 5 and min(after_route) > order.index("route_design")


def test_fmax_summary_from_wns(build: Path, tmp_path: Path) -> None:
    write(build)
    run_tcl(build / "vivado" / "build.tcl", tmp_path, slack="0.125")
    line = (build / "vivado_out" / "reports" / "fmax.txt").read_text().strip()
    fields = dict(f.split("=", 1) for f in line.split())
    assert fields["top"] == "tiny_top" and fields["part"] == DEFAULT_PART
    assert float(fields["clock_ns"]) == DEFAULT_CLOCK_NS
    assert float(fields["wns_ns"]) == 0.125
    assert math.isclose(float(fields["fmax_mhz"]), 1000 / (3.125 - 0.125), abs_tol=0.05)

    # failing timing: the summary is still written, with continue_on_violation the run ends well
    run_tcl(build / "vivado" / "build.tcl", tmp_path, slack="-0.375",
            argv="continue_on_violation")
    fields = dict(f.split("=", 1) for f in
                  (build / "vivado_out" / "reports" / "fmax.txt").read_text().split()[:5])
    assert math.isclose(float(fields["fmax_mhz"]), 1000 / 3.5, abs_tol=0.05)

    for slack in ("none", "inf", "NaN"):  # nothing constrained
        run_tcl(build / "vivado" / "build.tcl", tmp_path, slack=slack)
        assert "fmax_mhz=NA" in (build / "vivado_out" / "reports" / "fmax.txt").read_text()


@pytest.mark.parametrize("slack, argv, status", [
    ("-0.375", "", 1), ("-0.001", "", 1), ("-0.375", "continue_on_violation", 0),
    ("0.0", "", 0), ("0.125", "", 0), ("none", "", 0), ("inf", "", 0)])
def test_negative_wns_exits_with_one_line(build: Path, tmp_path: Path, slack: str, argv: str,
                                          status: int) -> None:
    write(build)
    done, calls = run_tcl_status(build / "vivado" / "build.tcl", tmp_path, slack=slack, argv=argv)
    assert done.returncode == status, done.stdout + done.stderr
    reports = build / "vivado_out" / "reports"
    assert (reports / "fmax.txt").is_file()  # written before the verdict: the reports are there
    assert "report_timing" in [c[0] for c in calls]
    if status:
        (line,) = done.stderr.splitlines()
        assert line.startswith(f"vhdlgen: timing NOT met: WNS = {float(slack):.3f} ns at clock "
                               f"{DEFAULT_CLOCK_NS} ns (tiny_top)"), line
        assert "continue_on_violation" in line and "post_route_timing_paths.rpt" in line
    else:
        assert done.stderr == ""
        assert ("NOT met" in done.stdout) == (argv == "continue_on_violation")


def test_build_tcl_retiming_and_arguments(build: Path, tmp_path: Path) -> None:
    write(build)
    script = build / "vivado" / "build.tcl"
    out = tmp_path / "out dir"
    calls = run_tcl(script, tmp_path, argv=f"retiming {{{out}}} continue_on_violation",
                    slack="-1.5")
    (synth,) = calls_of(calls, "synth_design")
    assert synth.count("-retiming") == 1 and option(synth, "-top") == "tiny_top"
    assert not [c for c in calls_of(calls, "phys_opt_design") if c]  # plain phys_opt_design
    assert (out / "reports" / "fmax.txt").is_file()
    assert not (build / "vivado_out").exists()
    for argv, bad in (("retime", "retime"), ("-retiming", "-retiming"),
                      ("./a ./b", "./b"), ("continue", "continue")):
        done, calls = run_tcl_status(script, tmp_path, argv=argv)
        assert done.returncode == 2
        (line,) = done.stderr.splitlines()
        assert line == (f"vhdlgen build.tcl: unknown argument '{bad}'; accepted: an output "
                        "folder path (with a '/' or starting with '.', at most one), "
                        "continue_on_violation, retiming"), line
        assert not calls_of(calls, "synth_design")  # refused before any work


def test_build_tcl_output_dir_argument(build: Path, tmp_path: Path) -> None:
    write(build)
    out = tmp_path / "my out"
    calls = run_tcl(build / "vivado" / "build.tcl", tmp_path, argv=f"{{{out}}}")
    assert (out / "reports" / "fmax.txt").is_file()
    (ckpt, *_) = calls_of(calls, "write_checkpoint")
    assert Path(ckpt[-1]).parent == out.resolve()


# --------------------------------------------------------------------------- package_ip.tcl
def test_package_ip_tcl_runs(build: Path, tmp_path: Path) -> None:
    write(build)
    files = sources(build)
    build = moved(build, tmp_path)
    calls = run_tcl(build / "vivado" / "package_ip.tcl", tmp_path)

    (project,) = calls_of(calls, "create_project")
    assert option(project, "-part") == DEFAULT_PART
    added = [Path(c[-1]) for c in calls_of(calls, "add_files")]
    assert added == [(build / "rtl" / f).resolve() for f in files]
    file_types = [c for c in calls_of(calls, "set_property") if c[0] == "FILE_TYPE"]
    assert len(file_types) == len(files) and all(c[1] == "VHDL 2008" for c in file_types)
    assert ["top", "tiny_top", "sources_1"] in calls_of(calls, "set_property")

    (package,) = calls_of(calls, "ipx::package_project")
    assert Path(option(package, "-root_dir")) == (build / "vivado_out" / "ip").resolve()
    assert "-import_files" in package
    polarity = [c for c in calls_of(calls, "set_property") if c[1:] == ["ACTIVE_HIGH",
                                                                         "param_POLARITY"]]
    assert polarity and ["value", "320000000", "param_FREQ_HZ"] in calls_of(calls, "set_property")
    order = [c[0] for c in calls]
    assert order.index("ipx::package_project") < order.index("ipx::save_core")


def test_package_ip_refuses_foreign_folder(build: Path, tmp_path: Path) -> None:
    write(build)
    foreign = tmp_path / "precious"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    with pytest.raises(AssertionError, match="holds no component.xml"):
        run_tcl(build / "vivado" / "package_ip.tcl", tmp_path, argv=str(foreign))
    assert (foreign / "keep.txt").read_text() == "mine"


# --------------------------------------------------------------------------- errors, atomicity
@pytest.mark.parametrize("clock_ns", [0, -3.125, float("nan"), float("inf"), "3.125", True, 0.1,
                                      5000])
def test_bad_clock(build: Path, clock_ns: object) -> None:
    with pytest.raises(UserError, match="clock period"):
        write(build, clock_ns=clock_ns)  # type: ignore[arg-type]
    assert not (build / "vivado").exists()


@pytest.mark.parametrize("part", ["", "vu13p", "xcvu13p", "xcvu13p fhga2104", "xc7a35t;exit",
                                  "[exec rm]-1", 42])
def test_bad_part(build: Path, part: object) -> None:
    with pytest.raises(UserError, match="part .* accepted"):
        write(build, part=part)  # type: ignore[arg-type]


@pytest.mark.parametrize("part", [DEFAULT_PART, "xc7a35tcpg236-1", "xczu9eg-ffvb1156-2-e",
                                  "xcku040-ffva1156-2-e", "xcvc1902-vsva2197-2MP-e-S"])
def test_good_parts(build: Path, part: str) -> None:
    write(build, part=part)
    assert f"set part     {part}\n" in (build / "vivado" / "build.tcl").read_text()


@pytest.mark.parametrize("files, message", [
    ([], "no RTL source files"),
    (["missing.vhd"], "does not exist"),
    (["../report.json"], "cannot be used"),
    (["/etc/passwd.vhd"], "cannot be used"),
    (["tiny pkg.vhd"], "cannot be used"),
    (["tiny_pkg.vhd", "tiny_pkg.vhd"], "listed twice"),
])
def test_bad_files(build: Path, files: list[str], message: str) -> None:
    with pytest.raises(UserError, match=message):
        write_vivado(build, "tiny_top", files, 3.125, DEFAULT_PART)


def test_bad_top_and_build_dir(build: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="top entity name"):
        write_vivado(build, "tiny top", sources(build), 3.125, DEFAULT_PART)
    with pytest.raises(UserError, match="does not exist"):
        write_vivado(tmp_path / "nowhere", "tiny_top", ["a.vhd"], 3.125, DEFAULT_PART)


def test_failure_leaves_no_half_written_folder(build: Path, monkeypatch) -> None:
    write(build)
    (build / "vivado" / "stale.txt").write_text("from an older version")
    before = {p.name: p.read_bytes() for p in (build / "vivado").iterdir()}

    real_render = vivado.render
    seen: list[str] = []

    def flaky(template: str, **context: object) -> str:
        seen.append(template)
        if len(seen) == 3:
            raise RuntimeError("disk full")
        return real_render(template, **context)

    monkeypatch.setattr(vivado, "render", flaky)
    with pytest.raises(RuntimeError, match="disk full"):
        write(build, clock_ns=2.5)
    assert {p.name: p.read_bytes() for p in (build / "vivado").iterdir()} == before
    assert not [p for p in build.iterdir() if p.name.startswith(".vivado")]

    def failing_write(self: Path, *args: object, **kw: object) -> int:
        raise OSError("no space left on device")

    monkeypatch.setattr(vivado, "render", real_render)
    monkeypatch.setattr(Path, "write_text", failing_write)
    with pytest.raises(OSError, match="no space"):
        write(build, clock_ns=2.5)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in (build / "vivado").iterdir()} == before
    assert not [p for p in build.iterdir() if p.name.startswith(".vivado")]

    real_replace = vivado.os.replace
    calls: list[object] = []

    def failing_swap(src: object, dst: object) -> None:
        calls.append(src)
        if len(calls) == 2:  # the old folder is moved aside, then the swap fails
            raise OSError("rename failed")
        real_replace(src, dst)

    monkeypatch.setattr(vivado.os, "replace", failing_swap)
    with pytest.raises(OSError, match="rename failed"):
        write(build, clock_ns=2.5)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in (build / "vivado").iterdir()} == before
    assert not [p for p in build.iterdir() if p.name.startswith(".vivado")]

    write(build)  # a successful rewrite replaces the folder as a whole
    assert not (build / "vivado" / "stale.txt").exists()
    assert not [p for p in build.iterdir() if p.name.startswith(".vivado")]
