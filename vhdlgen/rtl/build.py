"""`build`: IR graph -> DIR/rtl/*.vhd, sources.f, report.json, report.txt (atomically)."""
from __future__ import annotations

import json
import pickle
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from vhdlgen import __version__
from vhdlgen.errors import UserError
from vhdlgen.ir import Graph
from vhdlgen.rtl.ghdl import synth_check
from vhdlgen.rtl.lower import Unit, lower
from vhdlgen.rtl.names import identifier
from vhdlgen.rtl.render import HeaderInfo, Port, render_files
from vhdlgen.rtl.schedule import Timing
from vhdlgen.vivado import write_vivado

DEFAULT_PART = "xcvu13p-fhga2104-2L-e"
DEFAULT_CLOCK_NS = 3.125
DEFAULT_SHARE_DEPTH = 3
DEFAULT_MARGIN_NS = 0.3
GRAPH_FILE = "graph.pkl"


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

    def validate(self) -> None:
        if not self.clock_ns > 0:
            raise UserError(f"--clock-ns {self.clock_ns}: must be a positive number of ns")
        if self.adder_levels_per_stage is not None and not 1 <= self.adder_levels_per_stage <= 16:
            raise UserError(
                f"--adder-levels-per-stage {self.adder_levels_per_stage}: accepted 1 to 16"
            )
        if not 0 <= self.share_depth <= 8:
            raise UserError(f"--share-depth {self.share_depth}: accepted 0 (no sharing) to 8")
        if not 0 <= self.margin_ns < self.clock_ns:
            raise UserError(f"--margin-ns {self.margin_ns}: accepted 0 to less than the clock "
                            f"period ({self.clock_ns} ns)")

    @property
    def timing(self) -> Timing:
        if self.adder_levels_per_stage is not None:
            return Timing.levels(self.adder_levels_per_stage)
        return Timing.model(self.clock_ns, self.margin_ns)

    def describe(self) -> str:
        stages = (f"{self.adder_levels_per_stage} adder levels per stage"
                  if self.adder_levels_per_stage is not None
                  else f"stages timed by the UltraScale+ delay model, margin {self.margin_ns} ns")
        return (f"clock {self.clock_ns} ns, part {self.part}, {stages}, "
                f"subexpression depth {self.share_depth}")


def top_name(graph: Graph, options: BuildOptions) -> str:
    stem = Path(graph.source).stem if graph.source else "network"
    return identifier(options.top or stem)


def _unit_report(unit: Unit, start_cycle: int) -> dict:
    adders = unit.adders
    return {
        "name": unit.label, "entity": unit.entity, "source_layers": list(unit.sources),
        "kind": unit.kind, "latency_cycles": unit.latency,
        "output_cycle": start_cycle + unit.latency,
        "top_signal": f"{unit.label}_data",
        "input": Port.of(unit.in_tensor).as_json(), "output": Port.of(unit.out_tensor).as_json(),
        "adders": len(adders), "shared_adders": unit.shared_adders,
        "adder_depth": max((a.depth for a in adders), default=0),
        "max_adder_width": max((a.width for a in adders), default=0),
        "registers": len(unit.graph.registers),
        "lut_estimate": sum(a.luts for a in adders),
        "stage_delays": [round(d, 3) for d in unit.graph.stage_delay],
        "requantizers": sum(o.requantizer is not None and o.source is not None
                            for o in unit.graph.outputs),
    }


def make_report(graph: Graph, units: list[Unit], top: str, options: BuildOptions,
                files: list[str]) -> dict:
    """Everything a bench or a firmware engineer needs, as JSON-ready data."""
    layers, cycle = [], 0
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
        "in_data": Port.of(graph.input_tensor).as_json(), "out_data": Port.of(graph.output).as_json(),
        "layers": layers, "adders": sum(l["adders"] for l in layers),
        "shared_adders": sum(l["shared_adders"] for l in layers),
        "lut_estimate": sum(l["lut_estimate"] for l in layers),
        "sources": files,
    }
    if timed:
        model = options.timing
        overhead = options.clock_ns - model.budget - options.margin_ns
        report["timing"] = {
            "model": "UltraScale+ -2 delay model (vhdlgen/timing.py); an estimate, not Vivado",
            "margin_ns": options.margin_ns,
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
        f"in_data {report['in_data']['width']} bits ({report['in_data']['elements']} x "
        f"{report['in_data']['format']}), out_data {report['out_data']['width']} bits "
        f"({report['out_data']['elements']} x {report['out_data']['format']})", "",
    ]
    header = ("unit", "layers", "cycles", "adders", "shared", "LUT est.", "longest stage",
              "output")
    unit = "ns" if "timing" in report else "adder levels"
    rows = [header] + [
        (l["name"], "+".join(l["source_layers"]), str(l["latency_cycles"]), str(l["adders"]),
         str(l["shared_adders"]), str(l["lut_estimate"]),
         f"{max(l['stage_delays'], default=0):.2f} {unit}", l["output"]["format"])
        for l in report["layers"]
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.append(f"total: {report['adders']} adders ({report['shared_adders']} shared), about "
                 f"{report['lut_estimate']} LUTs (adder bits where both operands vary)")
    if "timing" in report:
        t = report["timing"]
        lines.append(
            f"timing (delay model, not Vivado): critical stage {t['critical_stage']['unit']} "
            f"stage {t['critical_stage']['stage']}, {t['critical_stage']['logic_ns']:.2f} ns of "
            f"logic, period {t['estimated_period_ns']:.2f} ns = {t['estimated_fmax_mhz']:.0f} MHz "
            f"estimated (margin {t['margin_ns']} ns)")
    return "\n".join(lines)


def _write_tree(staging: Path, graph: Graph, units: list[Unit], top: str,
                options: BuildOptions) -> dict:
    rtl = staging / "rtl"
    rtl.mkdir(parents=True)
    info = HeaderInfo(__version__, Path(graph.source).name if graph.source else "(in memory)",
                      graph.source_hash or "-", options.describe())
    files = render_files(graph, units, top, info)
    for name, text in files.items():
        (rtl / name).write_text(text)
    (rtl / "sources.f").write_text("".join(f"{name}\n" for name in files))
    synth_check(rtl, list(files), top, staging / "ghdl")
    shutil.rmtree(staging / "ghdl")
    report = make_report(graph, units, top, options, list(files))
    (staging / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (staging / "report.txt").write_text(format_report(report) + "\n")
    with open(staging / GRAPH_FILE, "wb") as handle:
        pickle.dump(graph, handle)
    write_vivado(staging, top, list(files), options.clock_ns, options.part)
    return report


def build(graph: Graph, out_dir: Path, options: BuildOptions = BuildOptions()) -> dict:
    """Generate the design into `out_dir`, replacing it only once everything succeeded."""
    options.validate()
    started = time.perf_counter()
    top = top_name(graph, options)
    units = lower(graph, top, options.timing, options.share_depth)
    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    try:
        report = _write_tree(staging, graph, units, top, options)
        _replace(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report["build_seconds"] = round(time.perf_counter() - started, 3)
    return report


def _replace(staging: Path, out_dir: Path) -> None:
    """Swap the finished staging folder in; an old build is removed only after that works."""
    old = out_dir.with_name(f".{out_dir.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if out_dir.exists():
        out_dir.rename(old)
    staging.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)


def load_build(build_dir: Path) -> tuple[dict, Graph]:
    """report.json and the IR of a finished build; UserError when it is not one."""
    report_path = Path(build_dir) / "report.json"
    if not report_path.is_file() or not (Path(build_dir) / GRAPH_FILE).is_file():
        raise UserError(f"{build_dir} is not a vhdlgen build (no report.json); "
                        "run `python -m vhdlgen build --out DIR` first")
    report = json.loads(report_path.read_text())
    with open(Path(build_dir) / GRAPH_FILE, "rb") as handle:
        graph = pickle.load(handle)
    return report, graph
