"""`build`: IR graph -> DIR/rtl/*.vhd, sources.f, report.json, report.txt, vivado/, tb/, and
the manifest DIR/vhdlgen-build.json (what the build wrote, so a rebuild replaces only that, and
what the build is, for simulate, estimate and the Vivado writer: `vhdlgen.rtl.manifest`)."""
from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from vhdlgen import __version__
from vhdlgen.errors import UserError
from vhdlgen.ghdl import synth_check
from vhdlgen.ir import Graph
from vhdlgen.rtl.build_report import format_report, make_report
from vhdlgen.rtl.client import BuildClient
from vhdlgen.rtl.lower import Unit, lower
from vhdlgen.rtl.names import check_unique, choose_top, unit_names
from vhdlgen.rtl.outdir import MANIFEST, STAGING_PREFIX, OutDir, check_out_dir, commit
from vhdlgen.rtl.render import STATIC_PRIMITIVES, HeaderInfo, render_files
from vhdlgen.rtl.schedule import Timing
from vhdlgen.rtl.testbench import DEFAULT_TEST_VECTORS, write_testbench
from vhdlgen.vivado import write_vivado
from vhdlgen.timing import CORNERS, DEFAULT_CORNER, DelayModel, corner_model, load_delay_model

__all__ = ["BuildOptions", "MANIFEST", "OutDir", "build", "check_out_dir", "format_report",
           "make_report", "name_units", "top_name"]

DEFAULT_PART = "xcvu13p-fhga2104-2L-e"
DEFAULT_CLOCK_NS = 3.125
DEFAULT_SHARE_DEPTH = 3
DEFAULT_ADDER_INPUTS = 2
DEFAULT_MARGIN_NS = 0.3


@dataclass(frozen=True)
class BuildOptions:
    """What the generated hardware should look like; defaults from the published study.

    Registers go where the UltraScale+ delay model says a stage would exceed `clock_ns` less
    `margin_ns`; `adder_levels_per_stage` overrides that with a fixed count of adder levels."""

    clock_ns: float = DEFAULT_CLOCK_NS
    part: str = DEFAULT_PART
    adder_levels_per_stage: int | None = None
    top: str | None = None  # entity name; default derived from the model file name
    share_depth: int = DEFAULT_SHARE_DEPTH
    adder_inputs: int = DEFAULT_ADDER_INPUTS  # 3: ternary adders in every output's sum
    margin_ns: float = DEFAULT_MARGIN_NS
    max_logic_levels: int | None = None  # cap on LUT + CARRY8 levels per stage; None: the
    #                                      delay model's level_cap of the clock (7 at 3.125 ns)
    register_inputs: bool = False  # a register on in_data/in_valid in the top (+1 cycle)
    register_layers: bool = False  # every layer ends on a register (no open boundaries)
    test_vectors: int = DEFAULT_TEST_VECTORS  # DIR/tb/: testbench + vectors; 0 = no tb/
    timing_corner: str = DEFAULT_CORNER  # the shipped delay model's corner: signoff | typical
    delay_model: str | None = None  # a JSON delay model (`vhdlgen timing --fit`); overrides
    #                                 timing_corner
    client: BuildClient | None = None  # what a client adds (vhdlgen.rtl.client), e.g. the
    #                                    Level-0 chain's vhdlgen.chain.client.ChainOptions

    def validate(self) -> None:
        if self.client is not None:
            self.client.validate()
        if self.timing_corner not in CORNERS:
            raise UserError(f"--timing-corner {self.timing_corner}: accepted "
                            f"{', '.join(CORNERS)}")
        self.delay  # an unreadable --delay-model is refused before the model is read
        if not self.clock_ns > 0:
            raise UserError(f"--clock-ns {self.clock_ns}: must be a positive number of ns")
        if self.adder_levels_per_stage is not None and not 1 <= self.adder_levels_per_stage <= 16:
            raise UserError(
                f"--adder-levels-per-stage {self.adder_levels_per_stage}: accepted 1 to 16"
            )
        if not 0 <= self.share_depth <= 8:
            raise UserError(f"--share-depth {self.share_depth}: accepted 0 (no sharing) to 8")
        if self.adder_inputs not in (2, 3):
            raise UserError(f"--adder-inputs {self.adder_inputs}: accepted 2 (binary adders) "
                            "or 3 (ternary adders)")
        if self.max_logic_levels is not None and not 3 <= self.max_logic_levels <= 64:
            raise UserError(f"--max-logic-levels {self.max_logic_levels}: accepted 3 to 64 "
                            "(an adder alone is a LUT and a CARRY8, the requantizer two LUTs)")
        if not 0 <= self.margin_ns < self.clock_ns:
            raise UserError(f"--margin-ns {self.margin_ns}: accepted 0 to less than the clock "
                            f"period ({self.clock_ns} ns)")

    @property
    def logic_levels(self) -> int | None:
        """The cap on the modelled logic levels of a stage (None with adder levels per stage)."""
        if self.adder_levels_per_stage is not None:
            return None
        if self.max_logic_levels is not None:
            return self.max_logic_levels
        return self.delay.level_cap(self.clock_ns, self.margin_ns)

    @property
    def delay(self) -> DelayModel:
        """The delay model the stages are timed with: `delay_model`'s file, else the shipped
        model of `timing_corner`."""
        if self.delay_model is not None:
            return load_delay_model(self.delay_model)
        return corner_model(self.timing_corner)

    @property
    def timing(self) -> Timing:
        if self.adder_levels_per_stage is not None:
            return Timing.levels(self.adder_levels_per_stage)
        return Timing.model(self.delay, self.clock_ns, self.margin_ns, self.logic_levels)

    def describe(self) -> str:
        stages = (f"{self.adder_levels_per_stage} adder levels per stage"
                  if self.adder_levels_per_stage is not None
                  else f"stages timed by the UltraScale+ delay model ({self.delay.corner} "
                  f"corner), margin {self.margin_ns} ns"
                  f", at most {self.logic_levels} logic levels"
                  + (" (from the clock)" if self.max_logic_levels is None else ""))
        adders = ", ternary adders" if self.adder_inputs == 3 else ""
        inputs = ", registered inputs" if self.register_inputs else ""
        inputs += ", every layer registered" if self.register_layers else ""
        client = self.client.describe() if self.client is not None else ""
        return (f"clock {self.clock_ns} ns, part {self.part}, {stages}, "
                f"subexpression depth {self.share_depth}{adders}{inputs}{client}")


def top_name(graph: Graph, options: BuildOptions, model_name: str | None = None
             ) -> tuple[str, str | None]:
    """(top entity name, how it was renamed or None): `options.top`, else the model's name
    (`model_name`, else the model file's stem), made safe by `names.choose_top`."""
    stem = Path(graph.source).stem if graph.source else "network"
    return choose_top(options.top, model_name or stem)


def name_units(units: list[Unit], top: str) -> list[Unit]:
    """The units with the labels and entity names of `names.unit_names` (collision-free)."""
    named = unit_names(top, [unit.sources[0] for unit in units])
    return [replace(unit, label=label, entity=entity) for unit, (label, entity) in zip(units, named)]


def _write_new(path: Path, text: str) -> None:
    """Write a file that must not exist yet: a generated file never replaces another one."""
    with open(path, "x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def _write_tree(staging: Path, graph: Graph, units: list[Unit], top: str,
                options: BuildOptions, renamed: list[str]) -> dict:
    rtl = staging / "rtl"
    rtl.mkdir(parents=True)
    info = HeaderInfo(__version__, Path(graph.source).name if graph.source else "(in memory)",
                      graph.source_hash or "-", options.describe())
    expected = [*STATIC_PRIMITIVES, f"{top}_pkg.vhd", *(f"{u.entity}.vhd" for u in units),
                f"{top}.vhd"]
    check_unique([*expected, "sources.f"])
    files = render_files(graph, units, top, info, options.register_inputs)
    if list(files) != expected:  # render_files names files as listed above
        raise RuntimeError(f"render_files wrote {list(files)}, expected {expected}")
    client, wrapper = options.client, None
    if client is not None:  # a client's files around the network's (vhdlgen.rtl.client)
        latency = sum(u.latency for u in units) + int(options.register_inputs)
        wrapper = client.wrap(graph, top, latency, list(files), info, options)
    if wrapper is not None:
        check_unique([*files, *wrapper.files, "sources.f"])
        files.update(wrapper.files)
    for name, text in files.items():
        _write_new(rtl / name, text)
    _write_new(rtl / "sources.f", "".join(f"{name}\n" for name in files))
    synth_check(rtl, list(files), wrapper.top if wrapper else top, staging / "ghdl")
    shutil.rmtree(staging / "ghdl")
    report = make_report(graph, units, top, options, list(files), renamed)
    if wrapper is not None:
        report = wrapper.report(report)
    _write_new(staging / "report.json", json.dumps(report, indent=2) + "\n")
    _write_new(staging / "report.txt", format_report(report) + "\n")
    write_vivado(staging, report["top"], list(files), options.clock_ns, options.part)
    vectors = wrapper.vectors(options.test_vectors) if wrapper else None
    write_testbench(staging, graph, report, options.test_vectors, info, vectors,
                    client.test_inputs if client is not None else None)
    return report


def build(graph: Graph, out_dir: Path, options: BuildOptions = BuildOptions(),
          force: bool = False, model_name: str | None = None) -> dict:
    """Generate the design into `out_dir`, never deleting what vhdlgen did not write.

    `out_dir` may be missing (created), empty, or a previous build (only the files its manifest
    lists are replaced); any other folder only with `force` (nothing in it is deleted, and a
    file vhdlgen would overwrite is refused). Everything is written to DIR/.vhdlgen-partial-*
    first and moved in once complete; a failure or an interrupt restores the old state.
    The top entity is `options.top`, else `model_name`, else the model file's stem."""
    options.validate()
    target = check_out_dir(out_dir, force)
    started = time.perf_counter()
    top, renamed = top_name(graph, options, model_name)
    units = name_units(lower(graph, top, options.timing, options.share_depth,
                             options.adder_inputs,
                             open_boundaries=not options.register_layers), top)
    created = []
    if target.kind == "new":
        missing = target.path
        while not missing.exists():
            created.append(missing)
            missing = missing.parent
        target.path.mkdir(parents=True)  # normal permissions (umask), unlike mkdtemp's 0700
    else:
        for leftover in target.path.glob(f"{STAGING_PREFIX}*"):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)  # from a killed build
    staging = None
    try:
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=target.path))
        report = _write_tree(staging / "tree", graph, units, top, options,
                             [renamed] if renamed else [])
        commit(target, staging, staging / "tree", report, graph)
    except BaseException:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        for folder in created:  # innermost first; only the ones this build made, only if empty
            try:
                folder.rmdir()
            except OSError:
                break
        raise
    shutil.rmtree(staging, ignore_errors=True)
    report["build_seconds"] = round(time.perf_counter() - started, 3)
    return report
