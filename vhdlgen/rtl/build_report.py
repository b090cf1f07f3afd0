"""`build`'s report, a view of the `HwDesign`: the typed `vhdlgen.report.BuildReport`
(`make_report`; report.json is its JSON) and its readable form, report.txt (`format_report`)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from vhdlgen import __version__
from vhdlgen.report import FORMAT, BuildReport
from vhdlgen.rtl.lower import Unit
from vhdlgen.rtl.names import top_names
from vhdlgen.rtl.output_unit import output_unit, unit_rows
from vhdlgen.rtl.port_table import port_lines, port_summary
from vhdlgen.rtl.render import Port

if TYPE_CHECKING:
    from vhdlgen.rtl.design import HwDesign


def _unit_report(unit: Unit, output_cycle: int) -> dict:
    adders = unit.adders
    return {
        "name": unit.label, "entity": unit.entity, "source_layers": list(unit.sources),
        "kind": unit.kind, "latency_cycles": unit.latency,
        "arithmetic": ("signed, LUT6_2/CARRY8 ternary adders" if unit.primitive_stages
                       else "signed" if unit.wide else "integer"),
        "output_cycle": output_cycle,
        "top_signal": top_names(unit.label)[1],
        "input": Port.of(unit.in_tensor).as_json(), "output": Port.of(unit.out_tensor).as_json(),
        "adders": len(adders), "shared_adders": unit.shared_adders,
        "adder_depth": max((a.depth for a in adders), default=0),
        "max_adder_width": max((a.width for a in adders), default=0),
        "registers": len(unit.graph.registers),
        "lut_estimate": unit.lut_estimate,
        "stage_delays": [round(d, 3) for d in unit.graph.stage_delay],
        "stage_logic_levels": list(unit.graph.stage_levels),
        # open: out_data is combinational; the last stage ends in the next unit's first stage
        "registered_output": not unit.open,
        "requantizers": sum(o.requantizer is not None and o.source is not None
                            for o in unit.graph.outputs),
    }


def _timing(design: HwDesign, layers: list[dict]) -> dict:
    """report.json's 'timing': the delay model's critical stage and fmax estimate."""
    options = design.options
    critical = max(((d, l["name"], i) for l in layers for i, d in enumerate(l["stage_delays"])),
                   default=(0.0, "", 0))
    overhead = options.clock_ns - design.timing.budget - options.margin_ns
    delay = options.delay
    return {
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


def make_report(design: HwDesign) -> BuildReport:
    """The network's report: everything a bench or a firmware engineer needs (a client's part
    turns it into the whole design's, `HwDesign.report`)."""
    graph, options, units = design.graph, design.options, design.units
    layers = [_unit_report(u, c) for u, c in zip(units, design.output_cycles)]
    cycle = design.network_latency
    report = {
        "format": FORMAT, "vhdlgen_version": __version__, "top": design.network_top,
        "model": Path(graph.source).name if graph.source else "", "model_sha256": graph.source_hash,
        "latency_cycles": cycle, "clock_ns": options.clock_ns,
        "latency_ns": round(cycle * options.clock_ns, 6), "part": options.part,
        "adder_levels_per_stage": options.adder_levels_per_stage,
        "share_depth": options.share_depth,
        "register_inputs": options.register_inputs,
        "register_layers": options.register_layers,
        "in_data": design.in_port.as_json(), "out_data": design.out_port.as_json(),
        "layers": layers, "adders": sum(l["adders"] for l in layers),
        "shared_adders": sum(l["shared_adders"] for l in layers),
        "lut_estimate": sum(l["lut_estimate"] for l in layers),
        "sources": list(design.sources),
    }
    if design.unisim_sources:
        report["unisim_sources"] = list(design.unisim_sources)
    if design.renamed:
        report["renamed"] = list(design.renamed)
    extra = output_unit(units[-1], layers[-1]) if units else None
    if extra is not None:
        report["output_unit"] = extra
    if options.adder_levels_per_stage is None:
        report["timing"] = _timing(design, layers)
    return BuildReport.from_json(report)


def format_report(typed: BuildReport) -> str:
    """The readable build summary (also written as report.txt)."""
    report = typed.to_json()
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
    counted = ("adder bits where both operands vary, a ternary adder's LUT6_2 instances"
               if report.get("unisim_sources") else "adder bits where both operands vary")
    lines.append(f"{'layers' if extra else 'total'}: {report['adders']} adders "
                 f"({report['shared_adders']} shared), about {report['lut_estimate']} LUTs "
                 f"({counted})")
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
