"""`build`: IR graph -> DIR/rtl/*.vhd, sources.f, report.json, report.txt, vivado/, tb/, and
the manifest DIR/vhdlgen-build.json (what the build wrote, so a rebuild replaces only that, and
what the build is, for simulate, estimate and the Vivado writer: `vhdlgen.rtl.manifest`)."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from vhdlgen import __version__
from vhdlgen.chain import DEFAULT_THRESHOLD_GEV, check_front_end
from vhdlgen.timing import CORNERS, DEFAULT_CORNER, DelayModel, corner_model, load_delay_model
from vhdlgen.chain.geometry import StripGeometry
from vhdlgen.errors import UserError
from vhdlgen.ir import Graph
from vhdlgen.rtl.ghdl import synth_check
from vhdlgen.rtl.lower import Unit, lower
from vhdlgen.rtl.manifest import MANIFEST, manifest_text, read_listing, relative
from vhdlgen.rtl.names import check_unique, choose_top, top_names, unit_names
from vhdlgen.rtl.output_unit import output_unit, unit_rows
from vhdlgen.rtl.port_table import port_lines, port_summary
from vhdlgen.rtl.render import STATIC_PRIMITIVES, HeaderInfo, Port, render_files
from vhdlgen.rtl.schedule import Timing
from vhdlgen.rtl.testbench import DEFAULT_TEST_VECTORS, write_testbench
from vhdlgen.vivado import write_vivado

DEFAULT_PART = "xcvu13p-fhga2104-2L-e"
DEFAULT_CLOCK_NS = 3.125
DEFAULT_SHARE_DEPTH = 3
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
    margin_ns: float = DEFAULT_MARGIN_NS
    max_logic_levels: int | None = None  # cap on LUT + CARRY8 levels per stage; None: the
    #                                      delay model's level_cap of the clock (7 at 3.125 ns)
    register_inputs: bool = False  # a register on in_data/in_valid in the top (+1 cycle)
    register_layers: bool = False  # every layer ends on a register (no open boundaries)
    test_vectors: int = DEFAULT_TEST_VECTORS  # DIR/tb/: testbench + vectors; 0 = no tb/
    front_end: str = "none"  # "rpc": strips in, trigger out, the Level-0 chain (vhdlgen.chain)
    threshold_gev: float = DEFAULT_THRESHOLD_GEV  # front end rpc: trigger bit = pT >= this
    strip_geometry: StripGeometry = StripGeometry()  # front end rpc: the strips and windows
    timing_corner: str = DEFAULT_CORNER  # the shipped delay model's corner: signoff | typical
    delay_model: str | None = None  # a JSON delay model (`vhdlgen timing --fit`); overrides
    #                                 timing_corner

    def validate(self) -> None:
        check_front_end(self.front_end, self.threshold_gev)
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
        inputs = ", registered inputs" if self.register_inputs else ""
        inputs += ", every layer registered" if self.register_layers else ""
        g = self.strip_geometry
        front_end = (f", front end rpc ({g.layers}x{g.strips} strips, {g.windows} windows of "
                     f"{g.window_strips}, pool {g.pool}, threshold {self.threshold_gev:g} GeV)"
                     if self.front_end == "rpc" else "")
        return (f"clock {self.clock_ns} ns, part {self.part}, {stages}, "
                f"subexpression depth {self.share_depth}{inputs}{front_end}")


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


def _unit_report(unit: Unit, start_cycle: int) -> dict:
    adders = unit.adders
    return {
        "name": unit.label, "entity": unit.entity, "source_layers": list(unit.sources),
        "kind": unit.kind, "latency_cycles": unit.latency,
        "arithmetic": "signed" if unit.wide else "integer",
        "output_cycle": start_cycle + unit.latency,
        "top_signal": top_names(unit.label)[1],
        "input": Port.of(unit.in_tensor).as_json(), "output": Port.of(unit.out_tensor).as_json(),
        "adders": len(adders), "shared_adders": unit.shared_adders,
        "adder_depth": max((a.depth for a in adders), default=0),
        "max_adder_width": max((a.width for a in adders), default=0),
        "registers": len(unit.graph.registers),
        "lut_estimate": sum(a.luts for a in adders),
        "stage_delays": [round(d, 3) for d in unit.graph.stage_delay],
        "stage_logic_levels": list(unit.graph.stage_levels),
        # open: out_data is combinational; the last stage ends in the next unit's first stage
        "registered_output": not unit.open,
        "requantizers": sum(o.requantizer is not None and o.source is not None
                            for o in unit.graph.outputs),
    }


def make_report(graph: Graph, units: list[Unit], top: str, options: BuildOptions,
                files: list[str], renamed: list[str] = ()) -> dict:
    """Everything a bench or a firmware engineer needs, as JSON-ready data."""
    layers, cycle = [], int(options.register_inputs)
    for unit in units:
        layers.append(_unit_report(unit, cycle))
        cycle += unit.latency
    timed = options.adder_levels_per_stage is None
    critical = max(((d, l["name"], i) for l in layers for i, d in enumerate(l["stage_delays"])),
                   default=(0.0, "", 0))
    report = {
        "vhdlgen_version": __version__, "top": top,
        "model": Path(graph.source).name if graph.source else "", "model_sha256": graph.source_hash,
        "latency_cycles": cycle, "clock_ns": options.clock_ns,
        "latency_ns": round(cycle * options.clock_ns, 6), "part": options.part,
        "adder_levels_per_stage": options.adder_levels_per_stage,
        "share_depth": options.share_depth,
        "register_inputs": options.register_inputs,
        "register_layers": options.register_layers,
        "in_data": Port.of(graph.input_tensor).as_json(), "out_data": Port.of(graph.output).as_json(),
        "layers": layers, "adders": sum(l["adders"] for l in layers),
        "shared_adders": sum(l["shared_adders"] for l in layers),
        "lut_estimate": sum(l["lut_estimate"] for l in layers),
        "sources": files,
    }
    if renamed:
        report["renamed"] = list(renamed)
    extra = output_unit(units[-1], layers[-1]) if units else None
    if extra is not None:
        report["output_unit"] = extra
    if timed:
        model = options.timing
        overhead = options.clock_ns - model.budget - options.margin_ns
        delay = options.delay
        report["timing"] = {
            "model": "UltraScale+ -2 delay model (vhdlgen/timing); an estimate, not Vivado",
            "corner": delay.corner,
            "corner_error": [delay.error_low, delay.error_high],
            "corner_note": delay.describe(),
            "delay_model": delay.to_json(),
            "margin_ns": options.margin_ns,
            "max_logic_levels": options.logic_levels,
            "deepest_stage_logic_levels": max((n for l in layers for n in l["stage_logic_levels"]),
                                              default=0),
            "critical_stage": {"unit": critical[1], "stage": critical[2],
                               "logic_ns": round(critical[0], 3)},
            "estimated_period_ns": round(critical[0] + overhead, 3),
            "estimated_fmax_mhz": round(1000.0 / (critical[0] + overhead), 1),
        }
    return report


def format_report(report: dict) -> str:
    """The readable build summary (also written as report.txt)."""
    lines = [
        f"{report['top']}: {report['latency_cycles']} cycles = {report['latency_ns']:g} ns at "
        f"{report['clock_ns']:g} ns/clock, II = 1, part {report['part']}",
        f"in_data {report['in_data']['width']} bits ({port_summary(report['in_data'])}), "
        f"out_data {report['out_data']['width']} bits ({port_summary(report['out_data'])})", "",
    ]
    # extra_units: rows a caller adds around the layers (the chain's front and output stages)
    extra = report.get("extra_units", [])
    unit = "ns" if "timing" in report else "adder levels"

    def row(u: dict) -> tuple[str, ...]:
        return (u["name"], "+".join(u["source_layers"]) or "-", str(u["latency_cycles"]),
                str(u["adders"]), str(u["shared_adders"]), str(u["lut_estimate"]),
                f"{max(u['stage_delays'], default=0):.2f} {u.get('stage_unit', unit)}",
                u["output"]["format"])

    layer_rows = unit_rows(report)
    rows = (layer_rows[:1] + [row(u) for u in extra if u["position"] == "before"]
            + layer_rows[1:] + [row(u) for u in extra if u["position"] == "after"])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines += [f"renamed: {note}" for note in report.get("renamed", [])]
    lines.append(f"{'layers' if extra else 'total'}: {report['adders']} adders "
                 f"({report['shared_adders']} shared), about {report['lut_estimate']} LUTs "
                 "(adder bits where both operands vary)")
    if "total" in report:  # the whole design, extra units included
        t = report["total"]
        lines.append(f"total: {t['latency_cycles']} cycles = {t['latency_ns']:g} ns, about "
                     f"{t['lut_estimate']} LUTs ("
                     + " + ".join(f"{k} {v}" for k, v in t["lut_parts"].items()) + ")")
    if "timing" in report:
        t = report["timing"]
        lines.append(
            f"timing (delay model, {t['corner_note']}; not Vivado): "
            f"critical stage {t['critical_stage']['unit']} "
            f"stage {t['critical_stage']['stage']}, {t['critical_stage']['logic_ns']:.2f} ns of "
            f"logic, period {t['estimated_period_ns']:.2f} ns = {t['estimated_fmax_mhz']:.0f} MHz "
            f"estimated (margin {t['margin_ns']} ns); deepest stage "
            f"{t['deepest_stage_logic_levels']} logic levels (cap {t['max_logic_levels']})")
    lines += ["", *port_lines(report)]
    return "\n".join(lines)


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
    chain = None
    if options.front_end == "rpc":  # the chain's files around the CNN's (vhdlgen.chain)
        from vhdlgen.chain.rtl import render_chain

        cnn_latency = sum(u.latency for u in units) + int(options.register_inputs)
        chain = render_chain(graph, top, cnn_latency, list(files), info, options)
        check_unique([*files, *chain.files, "sources.f"])
        files.update(chain.files)
    for name, text in files.items():
        _write_new(rtl / name, text)
    _write_new(rtl / "sources.f", "".join(f"{name}\n" for name in files))
    synth_check(rtl, list(files), chain.top if chain else top, staging / "ghdl")
    shutil.rmtree(staging / "ghdl")
    report = make_report(graph, units, top, options, list(files), renamed)
    if chain is not None:
        report = chain.report(report)
    _write_new(staging / "report.json", json.dumps(report, indent=2) + "\n")
    _write_new(staging / "report.txt", format_report(report) + "\n")
    write_vivado(staging, report["top"], list(files), options.clock_ns, options.part)
    write_testbench(staging, graph, report, options.test_vectors, info,
                    chain.vectors(options.test_vectors) if chain else None)
    return report


# ------------------------------------------------------------------------ the output folder
# A build never deletes what it did not write. DIR/vhdlgen-build.json (the manifest) lists every
# file and folder the build wrote, relative to DIR; a rebuild replaces exactly those and leaves
# everything else in DIR alone (the user's notes, vivado_out/ with Vivado runs, ...).
STAGING_PREFIX = ".vhdlgen-partial-"  # DIR/.vhdlgen-partial-*: the build being written
# Written later by `simulate` / `estimate` from the RTL of this build: a rebuild removes them (a
# GHDL library or a resource estimate of the old RTL must not pass for the new one's).
DERIVED = ("sim", "estimate", "estimate.json", "waves.ghw")
# What a vhdlgen from before the manifest wrote, besides rtl/<report.json "sources">.
LEGACY_GRAPH_FILE = "graph.pkl"  # the pickled IR of those builds (now the manifest's network)
_LEGACY_FILES = ("report.json", "report.txt", LEGACY_GRAPH_FILE, "rtl/sources.f",
                 "vivado/constraints.xdc", "vivado/build.tcl", "vivado/package_ip.tcl",
                 "vivado/sources.f")
_ACCEPTED = ("accepted: a new or empty folder, or a previous vhdlgen build (replaced file by "
             "file); or add --force to write vhdlgen's files into it without deleting anything "
             "else")


@dataclass(frozen=True)
class OutDir:
    """What `build --out DIR` found at DIR (see `check_out_dir`)."""

    path: Path
    kind: str  # "new" (absent), "empty", "build" (manifest), "legacy" (build without one), "forced"
    old_files: frozenset[str] = frozenset()  # files a previous build wrote: replaced or removed
    old_folders: frozenset[str] = frozenset()  # folders it created: removed once empty

    @property
    def is_build(self) -> bool:
        return self.kind in ("build", "legacy")


def _legacy_files(out_dir: Path) -> frozenset[str] | None:
    """Files of a build written before the manifest existed, or None if DIR is not one."""
    try:
        report = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (not isinstance(report, dict) or "vhdlgen_version" not in report
            or not isinstance(report.get("sources"), list)
            or not (out_dir / LEGACY_GRAPH_FILE).is_file()
            or not (out_dir / "rtl" / "sources.f").is_file()):
        return None
    names = [f"rtl/{s}" for s in report["sources"] if isinstance(s, str) and "/" not in s]
    return frozenset(n for n in (*_LEGACY_FILES, *names)
                     if relative(n) and (out_dir / n).is_file())


def _entries(out_dir: Path) -> list[str]:
    """DIR's entries, without staging folders a killed build may have left."""
    return sorted(p.name + ("/" if p.is_dir() else "") for p in out_dir.iterdir()
                  if not (p.name.startswith(STAGING_PREFIX) and p.is_dir()))


def check_out_dir(out_dir: Path, force: bool = False) -> OutDir:
    """Decide whether `build` may write into `out_dir`, without touching anything.

    Accepted: a missing folder (created), an empty one, a previous vhdlgen build (its manifest
    says what it wrote), or with `force` any folder (nothing in it is deleted). UserError else."""
    out_dir = Path(out_dir).resolve()
    if not out_dir.exists():
        return OutDir(out_dir, "new")
    if not out_dir.is_dir():
        raise UserError(f"--out {out_dir} is a file, not a folder; give a new or empty folder "
                        "or a previous vhdlgen build")
    manifest = read_listing(out_dir)
    if manifest is not None:
        return OutDir(out_dir, "build", frozenset(manifest["files"]) | {MANIFEST},
                      frozenset(manifest.get("folders", [])))
    legacy = _legacy_files(out_dir)
    if legacy is not None:
        return OutDir(out_dir, "legacy", legacy, frozenset({"rtl", "vivado"}))
    entries = _entries(out_dir)
    if not entries:
        return OutDir(out_dir, "empty")
    if force:
        return OutDir(out_dir, "forced")
    shown = ", ".join(entries[:4]) + (", ..." if len(entries) > 4 else "")
    raise UserError(
        f"--out {out_dir} is not a vhdlgen build folder (no {MANIFEST}) and holds "
        f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'} ({shown}); vhdlgen replaces "
        f"only what it wrote itself; {_ACCEPTED}")


def _tree_files(root: Path) -> tuple[list[str], list[str]]:
    """(files, folders) under root, relative POSIX paths, sorted."""
    files, folders = [], []
    for path in sorted(root.rglob("*")):
        (folders if path.is_dir() and not path.is_symlink() else files).append(
            path.relative_to(root).as_posix())
    return files, folders


def _conflicts(target: OutDir, files: list[str]) -> list[str]:
    """Paths of DIR the new build would have to overwrite although no vhdlgen build wrote them."""
    problems = []
    for rel in files:
        for parent in reversed(PurePosixPath(rel).parents[:-1]):
            path = target.path / parent
            if path.exists() and not path.is_dir():
                problems.append(f"{path} (a file where vhdlgen writes a folder)")
        path = target.path / rel
        if path.is_dir() and not path.is_symlink():
            problems.append(f"{path} (a folder where vhdlgen writes a file)")
        elif os.path.lexists(path) and rel not in target.old_files:
            problems.append(f"{path} (not written by vhdlgen)")
    return sorted(set(problems))


def _move(source: Path, destination: Path) -> None:
    """The one way a build moves things inside DIR: an atomic rename, per file or folder."""
    os.replace(source, destination)


class _Swap:
    """Moves finished files into DIR one at a time. Every step is journaled before it is done,
    so that any exception, KeyboardInterrupt included, can put DIR back exactly as it was: what
    a step replaces or removes is kept in `attic` until the whole build is in place."""

    def __init__(self, out_dir: Path, attic: Path) -> None:
        self.out_dir, self.attic = out_dir, attic
        self.journal: list[tuple[str, str, Path]] = []
        attic.mkdir()

    def stash(self, rel: str) -> None:
        """Move DIR/rel (file or folder) into the attic; deleted with it after success."""
        if os.path.lexists(self.out_dir / rel):
            keep = self.attic / str(len(self.journal))
            self.journal.append(("stash", rel, keep))
            _move(self.out_dir / rel, keep)

    def place(self, rel: str, source: Path) -> None:
        for parent in reversed(PurePosixPath(rel).parents[:-1]):
            if not (self.out_dir / parent).is_dir():
                self.journal.append(("mkdir", parent.as_posix(), self.out_dir / parent))
                (self.out_dir / parent).mkdir()  # umask applies: normal permissions
        self.stash(rel)
        self.journal.append(("place", rel, source))
        _move(source, self.out_dir / rel)

    def rollback(self) -> None:
        for action, rel, other in reversed(self.journal):
            path = self.out_dir / rel
            try:
                if action == "place" and os.path.lexists(path) and not os.path.lexists(other):
                    _move(path, other)
                elif action == "stash" and os.path.lexists(other):
                    _move(other, path)
                elif action == "mkdir":
                    path.rmdir()
            except OSError:
                pass  # best effort; the attic is removed with the staging folder


def _commit(target: OutDir, staging: Path, tree: Path, report: dict, graph: Graph) -> None:
    """Move the finished tree into DIR file by file; old files that the new build no longer
    writes are removed last. DIR never looks like a complete build while it is mixed: the old
    report.json leaves first, the new one and the final manifest arrive last."""
    files, folders = _tree_files(tree)
    files.append(MANIFEST)
    problems = _conflicts(target, files)
    if problems:
        raise UserError(f"--out {target.path}: the build would overwrite "
                        f"{len(problems)} path{'s' if len(problems) != 1 else ''} that no "
                        f"vhdlgen build wrote: {'; '.join(problems[:5])}; move "
                        f"{'it' if len(problems) == 1 else 'them'} away or choose another "
                        "folder (nothing was changed)")
    kept_folders = [f for f in folders
                    if f in target.old_folders or not (target.path / f).exists()]
    top = report["top"]
    (staging / "partial.json").write_text(manifest_text(
        top, sorted(set(files) | target.old_files),
        sorted(set(kept_folders) | target.old_folders), complete=False))
    (tree / MANIFEST).write_text(manifest_text(top, files, kept_folders, True, report, graph))
    last = ("report.json", MANIFEST)
    swap = _Swap(target.path, staging / "attic")
    try:
        if target.is_build:
            for name in DERIVED:
                swap.stash(name)
        if "report.json" in target.old_files:
            swap.stash("report.json")
        swap.place(MANIFEST, staging / "partial.json")  # a killed swap is still a known build
        for rel in files:
            if rel not in last:
                swap.place(rel, tree / rel)
        for rel in sorted(target.old_files - set(files)):
            swap.stash(rel)
        for rel in last:
            swap.place(rel, tree / rel)
    except BaseException:
        swap.rollback()
        raise
    for folder in sorted(target.old_folders - set(folders), key=len, reverse=True):
        try:
            (target.path / folder).rmdir()  # only once empty: a user's file inside keeps it
        except OSError:
            pass


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
        _commit(target, staging, staging / "tree", report, graph)
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
