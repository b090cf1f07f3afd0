"""`estimate`: GHDL + yosys on a build, counted and timed, into DIR/estimate.json; and the stamp
that says what an estimate was computed from (`estimate_stamp`, vhdlgen.cache)."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import vhdlgen.estimate
import vhdlgen.timing
from vhdlgen import cache, ghdl
from vhdlgen.errors import UserError
from vhdlgen.estimate.names import RtlNames
from vhdlgen.estimate.netlist import carry4_positions, count_resources
from vhdlgen.estimate.paths import logic_levels
from vhdlgen.estimate.tools import (ADD_TO_ALU, DEFAULT_FLOW, FAMILY, FLOWS, Progress,
                                    drop_black_box_modules, run_tool, tool_versions, yosys,
                                    yosys_script)
from vhdlgen.report import BuildReport, TimingReport
from vhdlgen.rtl.manifest import Build, read_build
from vhdlgen.rtl.names import UNISIM_COMPONENTS
from vhdlgen.timing import DelayModel, corner_model

TIMING_MODEL_NOTE = ("the build's UltraScale+ -2 delay model (vhdlgen.timing, its corner fitted "
                     "on routed Vivado paths) applied to the yosys netlist; a model, not Vivado "
                     "timing")
ESTIMATE_FILES = ("ghdl_synth.log", "yosys.log", "synth.ys", "work")  # in DIR/estimate: ours


def check_flow(flow: object) -> None:
    """UserError unless `flow` is one of FLOWS."""
    if flow not in FLOWS:
        raise UserError(f"yosys flow {flow!r}: accepted {', '.join(FLOWS)}")


class _Clock:
    """Elapsed time of a run, and its stage lines for `progress`."""

    def __init__(self, progress: Progress | None) -> None:
        self.say: Progress = progress or (lambda line: None)
        self.start = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def stage(self, text: str) -> None:
        self.say(f"[{self.elapsed():7.1f} s] {text}")


def estimate(build_dir: Path, progress: Progress | None = None, *,
             keep_netlist: bool = False, flow: str = DEFAULT_FLOW) -> dict:
    """Run GHDL + yosys on a build; write and return `DIR/estimate.json` (see module doc).

    `progress(line)` receives stage lines with elapsed seconds (None: silent). The yosys JSON
    netlist (tens of MB for a full network) is deleted after use unless `keep_netlist`. The
    options are checked, and the tools found, before anything is deleted or run.
    """
    check_flow(flow)
    build_dir = Path(build_dir).resolve()  # tools run in sub-folders of the build
    build = read_build(build_dir)
    tools = (ghdl.ghdl(), yosys())
    stamp = _stamp(build, flow)  # hashed before use: an edit during the run cannot hide

    result_path = build_dir / "estimate.json"
    result_path.unlink(missing_ok=True)  # a failed run must not leave an old result looking new
    work = build_dir / "estimate"
    cache.clear(work, ESTIMATE_FILES)
    (work / "work").mkdir(parents=True)
    clock = _Clock(progress)
    seconds = _synthesize(build, work, flow, tools, clock)
    clock.stage("counting cells and logic levels...")
    stat, module = _read_outputs(work, build.top, keep_netlist)
    result = _result(build, work, flow, stat, module, stamp)
    seconds["total"] = round(clock.elapsed(), 2)
    result["seconds"] = seconds
    result["note"] = "yosys synth_xilinx proxy, not Vivado: compare designs, do not sign off"
    result["stamp"] = stamp
    cache.write_stamp(work, stamp)
    tmp = result_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, result_path)
    clock.stage(f"done: {result_path}")
    return result


def _synthesize(build: Build, work: Path, flow: str, tools: tuple[str, str],
                clock: _Clock) -> dict[str, float]:
    """ghdl --synth to Verilog, then the yosys script of `flow`, in `work`; their seconds."""
    ghdl_path, yosys_path = tools
    top, sources = build.top, build.source_paths
    module = top.lower()  # GHDL writes VHDL names in lower case
    verilog = work / f"{module}.v"
    # `--synth` with the files analyses them in memory, in order, then elaborates the top. A
    # separate `ghdl -a` would also generate machine code (llvm/gcc backends), which takes
    # minutes on a large generated file and is not needed for synthesis.
    clock.stage(f"ghdl synth {top} ({len(sources)} file{'s' if len(sources) != 1 else ''})...")
    library = work / "work"
    black_boxes = [build.rtl_dir / UNISIM_COMPONENTS] if build.unisim_sources else []
    ghdl.compile_unisim(black_boxes, library)  # the component package alone: black boxes
    quiet = ["-Wno-binding"] if build.unisim_sources else []  # the primitives' black boxes
    run_tool([ghdl_path, "--synth", "--std=08", f"--workdir={library}", f"-P{library}", *quiet,
              "--out=verilog", *map(str, sources), "-e", top],
             log=work / "ghdl_synth.log", cwd=work, what="ghdl --synth", progress=clock.say,
             start=clock.start, stdout=verilog)
    if build.unisim_sources:  # GHDL's empty modules of the primitives: yosys has the cells
        verilog.write_text(drop_black_box_modules(verilog.read_text(encoding="utf-8")),
                           encoding="utf-8")
    t_ghdl = clock.elapsed()
    script = work / "synth.ys"
    (work / "add_to_alu.v").write_text(ADD_TO_ALU, encoding="utf-8")
    script.write_text(yosys_script(verilog, module, flow), encoding="utf-8")
    clock.stage(f"yosys synth_xilinx -family {FAMILY}... (this can take minutes)")
    run_tool([yosys_path, "-s", script.name], log=work / "yosys.log", cwd=work,
             what="yosys synth_xilinx", progress=clock.say, start=clock.start)
    return {"ghdl": round(t_ghdl, 2), "yosys": round(clock.elapsed() - t_ghdl, 2)}


def _read_outputs(work: Path, top: str, keep_netlist: bool) -> tuple[dict, dict]:
    """(yosys' stat of the design, the top's module of the mapped JSON netlist)."""
    module = top.lower()
    try:
        stat = json.loads((work / "stat.json").read_text(encoding="utf-8"))
        netlist = json.loads((work / "netlist.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"yosys finished but its output is unreadable ({exc}); see "
                        f"{work / 'yosys.log'}") from None
    design = stat.get("design") or next(iter(stat["modules"].values()))
    mod = netlist["modules"].get(module) or netlist["modules"].get(top)
    if mod is None:
        raise UserError(f"yosys netlist has no module {module!r}; see {work / 'yosys.log'}")
    if not keep_netlist:
        (work / "netlist.json").unlink()
    return design, mod


def _result(build: Build, work: Path, flow: str, design: dict, mod: dict, stamp: dict) -> dict:
    """estimate.json's counts, paths and notes (without seconds, note and stamp)."""
    module = build.top.lower()
    counts = count_resources(design.get("num_cells_by_type", {}))
    model = build_delay_model(build.typed)
    path = logic_levels(mod, model=model,
                        rtl=_rtl_names(module, work / f"{module}.v", build.source_paths))
    timing = path.pop("timing")
    positions = carry4_positions(mod.get("cells", {}))
    counts["detail"]["carry8_equivalent"] = (
        sum(1 for p in positions.values() if p % 2 == 0)
        + counts["detail"]["cells_by_type"].get("CARRY8", 0))
    return {
        "top": build.top, "family": FAMILY, "flow": flow,
        "lut": counts["lut"], "ff": counts["ff"], "carry": counts["carry"],
        "dsp": counts["dsp"], "bram": counts["bram"],
        "max_logic_levels": path["levels"], "max_logic_levels_carry8": path["levels_carry8"],
        "critical_path_ns": timing["ns"], "fmax_mhz": timing["fmax_mhz"],
        "logic_path": path, "timing_path": timing, **_level_cap(build.typed, path),
        "timing_model": TIMING_MODEL_NOTE, "timing_corner": model.describe(),
        "detail": counts["detail"], "tools": stamp["identity"]["tools"],
    }


def _scheduled_timing(report: BuildReport | None) -> TimingReport | None:
    """report.json's timing section: None for a build with a fixed adder-level pipeline, or
    for RTL vhdlgen did not generate (`report` None)."""
    return report.timing if report is not None else None


def _level_cap(report: BuildReport | None, path: dict) -> dict:
    """The build's cap on logic levels per stage and the units whose netlist is deeper (CARRY8
    levels, {unit: levels}): where the schedule under-counts. Empty for a build without one."""
    timing = _scheduled_timing(report)
    if timing is None:
        return {}
    cap = timing.max_logic_levels
    return {"level_cap": cap, "units_over_cap": {
        unit: levels for unit, levels in path["units_carry8"].items() if levels > cap}}


def build_delay_model(report: BuildReport | None) -> DelayModel:
    """The delay model a build was scheduled with (report.json's timing.delay_model), else the
    shipped default corner (a build with a fixed adder-level pipeline, or RTL vhdlgen did not
    generate: `report` None)."""
    timing = _scheduled_timing(report)
    if timing is None:
        return corner_model()
    return DelayModel.from_json(timing.delay_model, "report.json timing.delay_model")


def estimate_stamp(build_dir: Path, flow: str = DEFAULT_FLOW) -> dict:
    """What an estimate of a build is computed from (vhdlgen.cache): every source (absolute
    path, sha256) in compile order, the top, family and yosys flow, GHDL's and yosys' versions,
    and the estimator's own code (this package and the delay model). Stored in estimate.json
    and DIR/estimate/stamp.json; a result is a build's only while this stamp still matches."""
    check_flow(flow)
    return _stamp(read_build(Path(build_dir).resolve()), flow)


def _stamp(build: Build, flow: str) -> dict:
    """estimate_stamp of a build already read."""
    return cache.make_stamp(cache.hash_files([*build.unisim_paths, *build.source_paths]), {
        "top": build.top, "family": FAMILY, "flow": flow, "tools": tool_versions(),
        "estimator": cache.code_digest([vhdlgen.estimate, vhdlgen.timing])})


def _rtl_names(top: str, verilog: Path, sources: list[Path]) -> RtlNames:
    """RtlNames of a build (instances from GHDL's Verilog, labels from the VHDL); a bare one
    if the files cannot be read: naming is a convenience, never a reason to fail."""
    try:
        return RtlNames.from_sources(
            top, verilog.read_text(encoding="utf-8", errors="replace"),
            [src.read_text(encoding="utf-8", errors="replace") for src in sources])
    except OSError:
        return RtlNames(top=top)
