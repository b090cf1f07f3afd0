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
from vhdlgen.vivado import write_vivado

DEFAULT_PART = "xcvu13p-fhga2104-2L-e"
DEFAULT_CLOCK_NS = 3.125
DEFAULT_LEVELS_PER_STAGE = 3
GRAPH_FILE = "graph.pkl"


@dataclass(frozen=True)
class BuildOptions:
    """What the generated hardware should look like; defaults from the published study."""

    clock_ns: float = DEFAULT_CLOCK_NS
    part: str = DEFAULT_PART
    adder_levels_per_stage: int = DEFAULT_LEVELS_PER_STAGE
    top: str | None = None  # entity name; default derived from the model file name

    def validate(self) -> None:
        if not self.clock_ns > 0:
            raise UserError(f"--clock-ns {self.clock_ns}: must be a positive number of ns")
        if not 1 <= self.adder_levels_per_stage <= 16:
            raise UserError(
                f"--adder-levels-per-stage {self.adder_levels_per_stage}: accepted 1 to 16"
            )

    def describe(self) -> str:
        return (f"clock {self.clock_ns} ns, part {self.part}, "
                f"{self.adder_levels_per_stage} adder levels per stage")


def top_name(graph: Graph, options: BuildOptions) -> str:
    stem = Path(graph.source).stem if graph.source else "network"
    return identifier(options.top or stem)


def _unit_report(unit: Unit, start_cycle: int) -> dict:
    adders = unit.adders
    return {
        "name": unit.label, "entity": unit.entity, "source_layers": list(unit.sources),
        "kind": unit.kind, "logic_levels": unit.levels, "latency_cycles": unit.latency,
        "output_cycle": start_cycle + unit.latency,
        "top_signal": f"{unit.label}_data",
        "input": Port.of(unit.in_tensor).as_json(), "output": Port.of(unit.out_tensor).as_json(),
        "adders": len(adders), "adder_bits": sum(a.active_bits for a in adders),
        "max_adder_width": max((a.width for a in adders), default=0),
        "requantizers": sum(n.requant is not None for n in unit.neurons),
    }


def make_report(graph: Graph, units: list[Unit], top: str, options: BuildOptions,
                files: list[str]) -> dict:
    """Everything a bench or a firmware engineer needs, as JSON-ready data."""
    layers, cycle = [], 0
    for unit in units:
        layers.append(_unit_report(unit, cycle))
        cycle += unit.latency
    return {
        "vhdlgen_version": __version__, "top": top,
        "model": Path(graph.source).name if graph.source else "", "model_sha256": graph.source_hash,
        "latency_cycles": cycle, "clock_ns": options.clock_ns,
        "latency_ns": round(cycle * options.clock_ns, 6), "part": options.part,
        "adder_levels_per_stage": options.adder_levels_per_stage,
        "in_data": Port.of(graph.input_tensor).as_json(), "out_data": Port.of(graph.output).as_json(),
        "layers": layers, "adders": sum(l["adders"] for l in layers),
        "adder_bits": sum(l["adder_bits"] for l in layers), "sources": files,
    }


def format_report(report: dict) -> str:
    """The readable build summary (also written as report.txt)."""
    lines = [
        f"{report['top']}: {report['latency_cycles']} cycles = {report['latency_ns']:g} ns at "
        f"{report['clock_ns']:g} ns/clock, II = 1, part {report['part']}",
        f"in_data {report['in_data']['width']} bits ({report['in_data']['elements']} x "
        f"{report['in_data']['format']}), out_data {report['out_data']['width']} bits "
        f"({report['out_data']['elements']} x {report['out_data']['format']})", "",
    ]
    header = ("unit", "layers", "levels", "cycles", "adders", "adder bits", "output")
    rows = [header] + [
        (l["name"], "+".join(l["source_layers"]), str(l["logic_levels"]), str(l["latency_cycles"]),
         str(l["adders"]), str(l["adder_bits"]), l["output"]["format"])
        for l in report["layers"]
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.append(f"total: {report['adders']} adders, {report['adder_bits']} adder bits "
                 "(bits that need logic; a LUT proxy: about one LUT per adder bit)")
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
    units = lower(graph, top, options.adder_levels_per_stage)
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
