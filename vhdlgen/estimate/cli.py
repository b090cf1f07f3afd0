"""`vhdlgen estimate --build DIR`: the command, and the readable table of an estimate."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vhdlgen.estimate.flow import estimate
from vhdlgen.estimate.names import rtl_text
from vhdlgen.estimate.tools import DEFAULT_FLOW, FAMILY, FLOWS


def format_estimate(d: dict) -> str:
    """A readable table of an estimate dict."""
    rows = [
        ("LUT", d["lut"], "LUT1-6 + LUT as shift register/RAM"),
        ("FF", d["ff"], "FDRE/FDSE/FDCE/FDPE"),
        ("CARRY", d["carry"], "CARRY4/CARRY8 cells"),
        ("DSP", d["dsp"], "DSP48 slices"),
        ("BRAM", d["bram"], "RAMB36 tiles (RAMB18 = 0.5)"),
        ("logic levels", d["max_logic_levels"], "deepest FF/port -> FF/port path"),
    ]
    if "max_logic_levels_carry8" in d:
        rows.append(("  as CARRY8", d["max_logic_levels_carry8"],
                     "the same, CARRY4 pairs packed into CARRY8 as Vivado does"))
    if d.get("critical_path_ns") is not None:
        rows.append(("critical path", f"{d['critical_path_ns']:.2f}",
                     "ns, FF/port -> FF/port incl. clock-to-out, setup, clock uncertainty"))
        rows.append(("fmax", f"{d['fmax_mhz']:.0f}",
                     "MHz = 1000 / critical path, at most the clock-tree limit (a model)"))
    width = max(len(str(v)) for _, v, _ in rows)
    lines = [f"Estimate for {d.get('top', '?')} (yosys synth_xilinx -family "
             f"{d.get('family', FAMILY)}; a proxy, not Vivado)"]
    label = max(len(name) for name, _, _ in rows) + 1
    lines += [f"  {name:<{label}}{str(value):>{width}}   {what}" for name, value, what in rows]
    path = d.get("logic_path") or {}
    lines += _path_lines("deepest path", path)
    lines += _path_lines("deepest as CARRY8", path.get("path_carry8") or {})
    if path.get("units_carry8"):
        lines.append("  levels as CARRY8 per unit: " + ", ".join(
            f"{unit} {levels}" for unit, levels in path["units_carry8"].items()))
    if d.get("units_over_cap"):
        lines.append(f"  deeper than the build's cap of {d['level_cap']} levels: " + ", ".join(
            f"{unit} {levels}" for unit, levels in d["units_over_cap"].items())
            + " (the schedule under-counts these paths; docs/rtl.md)")
    elif "level_cap" in d:
        lines.append(f"  every unit within the build's cap of {d['level_cap']} levels (CARRY8)")
    timing = d.get("timing_path") or {}
    if timing.get("from") is not None:
        steps = " > ".join(f"{c} {t:.2f}" for c, t in zip(timing.get("cells", []),
                                                          timing.get("cell_ns", [])))
        lines.append(f"  critical path: {timing.get('from')} -> {timing.get('to')}: "
                     + (steps or "no logic"))
        lines.append(f"    RTL: {rtl_text(timing.get('from_rtl'))} -> "
                     f"{rtl_text(timing.get('to_rtl'))}")
    detail = d.get("detail") or {}
    if detail.get("other_cells"):
        lines.append(f"  other cells: {detail['other_cells']}")
    tools = d.get("tools") or {}
    if tools:
        lines.append("  tools: " + "; ".join(f"{v}" for v in tools.values()))
    return "\n".join(lines)


def _path_lines(title: str, path: dict) -> list[str]:
    """A logic path's cells and ends, and their RTL names; nothing for an empty path."""
    if not path.get("cells"):
        return []
    lines = [f"  {title}: {path.get('from')} -> {path.get('to')}: " + " > ".join(path["cells"])]
    if path.get("from_rtl") or path.get("to_rtl"):
        lines.append(f"    RTL: {rtl_text(path.get('from_rtl'))} -> "
                     f"{rtl_text(path.get('to_rtl'))}")
    return lines


def run_estimate(args: argparse.Namespace) -> int:
    """`vhdlgen estimate --build DIR`: run the estimate, print the table; 0 on success."""
    result = estimate(Path(args.build), flow=args.flow,
                      progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(format_estimate(result))
    return 0


def add_estimate_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `estimate --build DIR` (func=run_estimate) on a subparsers object."""
    parser = subparsers.add_parser(
        "estimate", help="LUT/FF/CARRY/DSP/BRAM and logic-level estimate with GHDL + yosys",
        description="Synthesize a build with ghdl --synth and yosys synth_xilinx (UltraScale+) "
                    "and report resources and the deepest logic path. A proxy for Vivado, "
                    "writes DIR/estimate.json and keeps logs in DIR/estimate/.")
    parser.add_argument("--build", required=True, metavar="DIR",
                        help="a folder made by `build` (its vhdlgen-build.json names the top "
                        "and the sources)")
    parser.add_argument("--flow", choices=FLOWS, default=DEFAULT_FLOW,
                        help="'carry' (default): every RTL adder on its own carry chain, as "
                        "written; 'synth_xilinx': the stock script, whose alumacc merges chains "
                        "of single-use adders into LUT carry-save trees")
    parser.set_defaults(func=run_estimate)
    return parser
