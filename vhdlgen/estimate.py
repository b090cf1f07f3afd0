"""Resource and logic-depth estimate without Vivado: GHDL synthesis, then yosys `synth_xilinx`.

Flow (all work files and logs in `DIR/estimate/`, never in the current directory):

1. `ghdl --synth --std=08 --out=verilog <files of DIR/rtl/sources.f, in order> -e <top>`
   ->  `DIR/estimate/<top>.v` (the files are analysed in memory: `ghdl -a` with the llvm backend
   would also compile them to machine code, minutes for a large generated file);
2. yosys: `synth_xilinx -family xcup -flatten -noiopad -noclkbuf` (UltraScale+ primitives, no
   I/O or clock buffers: an out-of-context block, like the Vivado flow), `stat -json`, and the
   mapped netlist as JSON.

Counts come from `stat -json` (cell type -> number), never from scraped text:

- `lut`   LUT1..LUT6 (and INV, a LUT1) plus LUTs used as shift registers (SRL16E, SRLC32E) or
          distributed RAM (RAM*X*), i.e. Vivado's "CLB LUTs" (logic + memory), one per cell;
- `ff`    FDRE, FDSE, FDCE, FDPE (latches, which vhdlgen never makes, are `detail.latch`);
- `carry` CARRY4/CARRY8 cells (yosys 0.23 maps UltraScale+ adders to CARRY4, 4 bits per cell;
          Vivado uses CARRY8, 8 bits per cell: expect about half the count there);
- `dsp`   DSP48E1/DSP48E2 ...; `bram` block RAM tiles, RAMB36/FIFO36 = 1, RAMB18/FIFO18 = 0.5,
          as Vivado's "Block RAM Tile" counts them.

`max_logic_levels` is computed here over the JSON netlist (not with yosys `ltp -noff`, whose
`-noff` only knows yosys-internal flip-flop types and walks straight through mapped FDRE cells):
the largest number of combinational cells on any path from a flip-flop or input port to a
flip-flop or output port, each LUT, MUXF7/8/9 and CARRY cell counting one -- the way Vivado's
timing reports count "Logic Levels" (a carry chain of k cascaded CARRY cells is k levels). Paths
are followed bit by bit; inside a carry cell output bit i depends only on carry-in and the S/DI
inputs 0..i. Sequential and hard blocks (FD*, SRL*, RAM*, RAMB*, DSP48*, URAM*) end and start
paths. The deepest path is kept in `logic_path` (cell types in order, start and end nets).
`max_logic_levels_carry8` repeats the count as Vivado's CARRY8 packing would see it (two
cascaded CARRY4 = one CARRY8 = one level), the closer number to compare with Vivado.

This is a proxy: yosys maps LUTs with ABC, not with Vivado's optimiser, and knows no placement
or routing. Use it to compare designs and options, not to sign off timing or utilization.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable

from vhdlgen.errors import UserError

FAMILY = "xcup"  # yosys synth_xilinx family for Virtex/Kintex/Zynq UltraScale+
APT_PACKAGES = {"ghdl": "ghdl ghdl-llvm", "yosys": "yosys"}
LOG_TAIL_LINES = 25
HEARTBEAT_S = 30.0

Progress = Callable[[str], None]

_LUT = re.compile(r"^(LUT[1-6]|INV)$")  # yosys may leave an inverter as INV: a LUT1
_LUTMEM = re.compile(r"^(SRL16E|SRLC16E|SRLC32E|RAM\d+X\d+[A-Z]*|RAM\d+M\d*)$")
_FF = re.compile(r"^FD[RSCP]E(_1)?$")
_LATCH = re.compile(r"^LD[CP]E(_1)?$")
_CARRY = re.compile(r"^CARRY(4|8)$")
_MUXF = re.compile(r"^MUXF[789]$")
_DSP = re.compile(r"^DSP48")
_BRAM36 = re.compile(r"^(RAMB36|FIFO36)")
_BRAM18 = re.compile(r"^(RAMB18|FIFO18)")
_URAM = re.compile(r"^URAM")
# Cells that end and start timing paths (registered or hard blocks).
_BOUNDARY = re.compile(r"^(FD|LD|SRL|RAM|FIFO|DSP|URAM)")
# Cells that pass a signal through without a logic level.
_PASS = re.compile(r"^(BUFG\w*|BUFH|IBUF\w*|OBUF\w*|BUF)$")


# --------------------------------------------------------------------------- build directory
def read_build(build_dir: Path) -> tuple[str, Path, list[Path]]:
    """Return (top entity, rtl folder, source files in compile order) of a build directory."""
    build_dir = Path(build_dir)
    if not build_dir.is_dir():
        raise UserError(f"build directory {build_dir} does not exist; give the DIR that "
                        "contains report.json and rtl/ (made by the generator)")
    report = build_dir / "report.json"
    if not report.is_file():
        raise UserError(f"{report} is missing; {build_dir} is not a complete vhdlgen build "
                        "(regenerate it)")
    try:
        top = json.loads(report.read_text(encoding="utf-8"))["top"]
    except (ValueError, KeyError, TypeError) as exc:
        raise UserError(f"{report} is not a vhdlgen report (JSON object with a 'top' entity "
                        f"name): {exc}") from None
    if not isinstance(top, str) or not re.match(r"^[A-Za-z]\w*$", top):
        raise UserError(f"{report}: 'top' is {top!r}; expected a VHDL entity name")
    rtl = build_dir / "rtl"
    listing = rtl / "sources.f"
    if not listing.is_file():
        raise UserError(f"{listing} is missing; it lists the VHDL files in compile order")
    sources = []
    for line in listing.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        path = rtl / line
        if not path.is_file():
            raise UserError(f"{listing} names {line!r}, but {path} does not exist")
        sources.append(path)
    if not sources:
        raise UserError(f"{listing} lists no files")
    return top, rtl, sources


# --------------------------------------------------------------------------- tools
def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise UserError(f"{tool} is not installed (not found on PATH); install it with "
                        f"`apt-get install {APT_PACKAGES[tool]}`")
    return path


def tool_versions() -> dict[str, str]:
    """First line of `ghdl --version` and `yosys -V`."""
    versions = {}
    for tool, flag in (("ghdl", "--version"), ("yosys", "-V")):
        out = subprocess.run([_require(tool), flag], capture_output=True, text=True, check=False)
        versions[tool] = (out.stdout.strip().splitlines() or ["unknown"])[0]
    return versions


def _tail(log: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(text[-lines:])


def _run(cmd: list[str], *, log: Path, cwd: Path, what: str, progress: Progress,
         start: float, stdout: Path | None = None) -> None:
    """Run one tool, its stderr (and stdout unless `stdout` is given) into `log`.

    Prints a heartbeat every HEARTBEAT_S seconds; raises UserError with the log tail on failure.
    """
    with open(log, "w", encoding="utf-8") as log_fh:
        log_fh.write("$ " + " ".join(cmd) + "\n")
        log_fh.flush()
        out_fh = open(stdout, "w", encoding="utf-8") if stdout else log_fh
        try:
            proc = subprocess.Popen(cmd, cwd=cwd, stdout=out_fh, stderr=log_fh,
                                    stdin=subprocess.DEVNULL)
            while True:
                try:
                    code = proc.wait(timeout=HEARTBEAT_S)
                    break
                except subprocess.TimeoutExpired:
                    progress(f"[{time.monotonic() - start:7.1f} s]   ... {what} still running")
                except BaseException:
                    proc.kill()
                    proc.wait()
                    raise
        finally:
            if stdout:
                out_fh.close()
    if code != 0:
        raise UserError(f"{what} failed (exit code {code}); the log is kept in {log}. "
                        f"Last lines:\n{_tail(log)}")


# --------------------------------------------------------------------------- counting
def count_resources(cells_by_type: dict[str, int]) -> dict[str, object]:
    """Map yosys cell type counts (Xilinx primitives) to the estimate's resource classes."""
    c = Counter({str(k): int(v) for k, v in cells_by_type.items()})
    pick = lambda rx: sum(n for t, n in c.items() if rx.match(t))  # noqa: E731
    lut_logic, lut_mem = pick(_LUT), pick(_LUTMEM)
    b36, b18 = pick(_BRAM36), pick(_BRAM18)
    bram = b36 + b18 / 2
    known = [_LUT, _LUTMEM, _FF, _LATCH, _CARRY, _MUXF, _DSP, _BRAM36, _BRAM18, _URAM, _PASS]
    other = {t: n for t, n in sorted(c.items()) if not any(rx.match(t) for rx in known)}
    return {
        "lut": lut_logic + lut_mem,
        "ff": pick(_FF),
        "carry": pick(_CARRY),
        "dsp": pick(_DSP),
        "bram": int(bram) if bram == int(bram) else bram,
        "detail": {
            "lut_logic": lut_logic,
            "lut_memory": lut_mem,
            "muxf": pick(_MUXF),
            "latch": pick(_LATCH),
            "bram36": b36,
            "bram18": b18,
            "uram": pick(_URAM),
            "other_cells": other,
            "cells_by_type": dict(sorted(c.items())),
        },
    }


def _cell_arcs(cell: dict) -> list[tuple[list, list]]:
    """(input bits, output bits) groups of a combinational cell; outputs depend on the inputs."""
    conns: dict[str, list] = cell.get("connections", {})
    dirs: dict[str, str] = cell.get("port_directions", {})
    ctype = cell["type"]
    if _CARRY.match(ctype):
        width = 8 if ctype == "CARRY8" else 4
        common = conns.get("CI", []) + conns.get("CYINIT", [])
        arcs = []
        for i in range(width):
            ins = list(common)
            if ctype == "CARRY8" and i >= 4:
                ins += conns.get("CI_TOP", [])
            ins += conns.get("S", [])[: i + 1] + conns.get("DI", [])[: i + 1]
            outs = [conns[p][i] for p in ("O", "CO") if p in conns and len(conns[p]) > i]
            arcs.append((ins, outs))
        return arcs
    ins, outs = [], []
    for port, bits in conns.items():
        direction = dirs.get(port, "output" if port in ("O", "Q", "CO") else "input")
        (outs if direction == "output" else ins).extend(bits)
    return [(ins, outs)]


def _carry4_positions(cells: dict) -> dict[str, int]:
    """Position of every CARRY4 cell in its cascade (0 = head; CI fed by another's CO[3])."""
    by_co3: dict[int, str] = {}
    prev: dict[str, str | None] = {}
    for name, cell in cells.items():
        if cell["type"] == "CARRY4":
            co = cell.get("connections", {}).get("CO", [])
            if len(co) == 4 and isinstance(co[3], int):
                by_co3[co[3]] = name
    for name, cell in cells.items():
        if cell["type"] == "CARRY4":
            ci = cell.get("connections", {}).get("CI", ["0"])
            prev[name] = by_co3.get(ci[0]) if ci and isinstance(ci[0], int) else None
    position: dict[str, int] = {}
    for name in prev:
        chain = []
        node: str | None = name
        while node is not None and node not in position and node not in chain:
            chain.append(node)
            node = prev[node]
        base = position[node] + 1 if node is not None and node in position else 0
        for offset, member in enumerate(reversed(chain)):
            position[member] = base + offset
    return position


def _longest(driver: dict, carry8: bool) -> tuple[dict[int, int], dict[int, int | None]]:
    """Longest-path depth of every driven bit (and its worst input), iterative DFS.

    driver: bit -> (input bits, weight, cell type, free inputs). With `carry8`, an edge from a
    `free` input (the CI of a CARRY4 sharing a CARRY8 with its predecessor) costs nothing.
    """
    depth: dict[int, int] = {}
    best_in: dict[int, int | None] = {}
    for root in driver:
        if root in depth:
            continue
        visiting = {root}
        stack = [(root, iter(driver[root][0]))]
        while stack:
            bit, pending = stack[-1]
            for src in pending:
                if src in depth:
                    continue
                if src not in driver:  # flip-flop output, input port: a path starts here
                    depth[src], best_in[src] = 0, None
                    continue
                if src in visiting:
                    raise UserError("the synthesized netlist has a combinational loop; the RTL "
                                    "has a logic loop (see DIR/estimate/yosys.log)")
                visiting.add(src)
                stack.append((src, iter(driver[src][0])))
                break
            else:
                stack.pop()
                visiting.discard(bit)
                ins, weight, _, free = driver[bit]
                best, worst = weight, None
                for src in ins:
                    cost = depth[src] + (0 if carry8 and src in free else weight)
                    if cost > best or worst is None and cost == best:
                        best, worst = cost, src
                depth[bit], best_in[bit] = best, worst
    return depth, best_in


def logic_levels(module: dict) -> dict[str, object]:
    """Deepest combinational path of a flattened, mapped yosys JSON module (see module doc).

    Returns {"levels": int, "cells": [cell types from start to end], "from": net, "to": sink,
    "levels_carry8": int, "unknown_cell_types": [...]}. `levels_carry8` counts the deepest path
    again as Vivado would after packing each pair of cascaded CARRY4 (yosys 0.23's UltraScale+
    carry cell) into one CARRY8: a CARRY4 entered through its carry-in from the previous cell
    of the same CARRY8 adds no level.
    """
    cells_json = module.get("cells", {})
    positions = _carry4_positions(cells_json)
    driver: dict[int, tuple[list[int], int, str, frozenset[int]]] = {}
    unknown: set[str] = set()
    for name, cell in cells_json.items():
        ctype = cell["type"]
        if _BOUNDARY.match(ctype):
            continue
        if _PASS.match(ctype):
            weight = 0
        else:
            weight = 1
            if not (_LUT.match(ctype) or _MUXF.match(ctype) or _CARRY.match(ctype)):
                unknown.add(ctype)
        free: frozenset[int] = frozenset()
        if positions.get(name, 0) % 2 == 1:  # second half of a CARRY8
            free = frozenset(b for b in cell["connections"].get("CI", []) if isinstance(b, int))
        for ins, outs in _cell_arcs(cell):
            ins = [b for b in ins if isinstance(b, int)]
            for bit in outs:
                if isinstance(bit, int):
                    driver[bit] = (ins, weight, ctype, free)

    names = _bit_names(module)
    sinks = _sink_names(module, names)
    depth, best_in = _longest(driver, carry8=False)
    for bit in sinks:  # a sink fed straight by a register or port: a 0-level path
        depth.setdefault(bit, 0)
    ends = [b for b in sinks if isinstance(b, int)] or list(depth)
    result: dict[str, object] = {"levels": 0, "cells": [], "from": None, "to": None,
                                 "levels_carry8": 0, "unknown_cell_types": sorted(unknown)}
    if not ends:
        return result
    end = max(ends, key=lambda b: (depth[b], -b))
    cells: list[str] = []
    bit = end
    while bit in driver:
        _, weight, ctype, _ = driver[bit]
        if weight:
            cells.append(ctype)
        nxt = best_in[bit]
        if nxt is None:
            break
        bit = nxt
    cells.reverse()
    result.update(levels=depth[end], cells=cells, **{"from": names.get(bit, f"net bit {bit}")},
                  to=sinks.get(end, names.get(end, f"net bit {end}")))
    if positions:
        depth8, _ = _longest(driver, carry8=True)
        result["levels_carry8"] = max(depth8.get(b, 0) for b in ends)
    else:
        result["levels_carry8"] = depth[end]
    return result


def _sink_names(module: dict, names: dict[int, str]) -> dict[int, str]:
    """Where a net bit ends: an output port, or the register (its output net's name) it feeds.

    Clock pins (C, *CLK*) are not path ends."""
    sinks: dict[int, str] = {}
    for name, port in module.get("ports", {}).items():
        if port.get("direction") == "output":
            for i, bit in enumerate(port.get("bits", [])):
                sinks[bit] = f"output {name}" if len(port["bits"]) == 1 else f"output {name}[{i}]"
    for cell in module.get("cells", {}).values():
        if not _BOUNDARY.match(cell["type"]):
            continue
        dirs = cell.get("port_directions", {})
        conns = cell.get("connections", {})
        outs = [b for p, bits in conns.items() if dirs.get(p) == "output" for b in bits]
        label = names.get(outs[0], "?") if outs else "?"
        for port, bits in conns.items():
            if dirs.get(port) == "input" and port != "C" and "CLK" not in port:
                for bit in bits:
                    if isinstance(bit, int):
                        sinks.setdefault(bit, f"{cell['type']} {label} ({port})")
    return sinks


def _bit_names(module: dict) -> dict[int, str]:
    """Readable name of each net bit: ports first, then public (not hidden) net names."""
    names: dict[int, str] = {}

    def add(name: str, bits: list, offset: int = 0) -> None:
        for i, bit in enumerate(bits):
            if isinstance(bit, int) and bit not in names:
                names[bit] = name if len(bits) == 1 else f"{name}[{i + offset}]"

    for name, port in module.get("ports", {}).items():
        add(name, port.get("bits", []))
    # Prefer the RTL's names over GHDL's generated ones (n25_q, n8_o, ...).
    generated = re.compile(r"^n\d+_[a-z]$")
    public = [(n, net) for n, net in module.get("netnames", {}).items() if not net.get("hide_name")]
    for name, net in sorted(public, key=lambda item: (bool(generated.match(item[0])), item[0])):
        add(name, net.get("bits", []), int(net.get("offset", 0)))
    return names


# --------------------------------------------------------------------------- the flow
def _yosys_script(verilog: Path, top: str) -> str:
    return "\n".join([
        f"read_verilog {verilog.name}",
        f"synth_xilinx -family {FAMILY} -flatten -noiopad -noclkbuf -top {top}",
        "tee -q -o stat.json stat -json",
        # keep only the library cells in use (their port directions), drop source attributes
        f"hierarchy -top {top} -purge_lib",
        "setattr -unset src",
        "write_json netlist.json",
        "",
    ])


def estimate(build_dir: Path, progress: Progress | None = None, *,
             keep_netlist: bool = False) -> dict:
    """Run GHDL + yosys on a build; write and return `DIR/estimate.json` (see module doc).

    `progress(line)` receives stage lines with elapsed seconds (None: silent). The yosys JSON
    netlist (tens of MB for a full network) is deleted after use unless `keep_netlist`.
    """
    say: Progress = progress or (lambda line: None)
    build_dir = Path(build_dir).resolve()  # tools run in sub-folders of the build
    top, rtl, sources = read_build(build_dir)
    ghdl, yosys = _require("ghdl"), _require("yosys")
    versions = tool_versions()

    result_path = build_dir / "estimate.json"
    result_path.unlink(missing_ok=True)  # a failed run must not leave an old result looking new
    work = build_dir / "estimate"
    if work.exists():
        shutil.rmtree(work)
    lib = work / "work"
    lib.mkdir(parents=True)
    module = top.lower()  # GHDL writes VHDL names in lower case
    verilog = work / f"{module}.v"
    start = time.monotonic()

    def stage(text: str) -> None:
        say(f"[{time.monotonic() - start:7.1f} s] {text}")

    # `--synth` with the files analyses them in memory, in order, then elaborates the top. A
    # separate `ghdl -a` would also generate machine code (llvm/gcc backends), which takes
    # minutes on a large generated file and is not needed for synthesis.
    stage(f"ghdl synth {top} ({len(sources)} file{'s' if len(sources) != 1 else ''})...")
    _run([ghdl, "--synth", "--std=08", f"--workdir={lib}", "--out=verilog",
          *map(str, sources), "-e", top],
         log=work / "ghdl_synth.log", cwd=work, what="ghdl --synth", progress=say, start=start,
         stdout=verilog)
    t_ghdl = time.monotonic() - start

    script = work / "synth.ys"
    script.write_text(_yosys_script(verilog, module), encoding="utf-8")
    stage(f"yosys synth_xilinx -family {FAMILY}... (this can take minutes)")
    _run([yosys, "-s", script.name], log=work / "yosys.log", cwd=work,
         what="yosys synth_xilinx", progress=say, start=start)
    t_yosys = time.monotonic() - start - t_ghdl

    stage("counting cells and logic levels...")
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
    counts = count_resources(design.get("num_cells_by_type", {}))
    path = logic_levels(mod)
    positions = _carry4_positions(mod.get("cells", {}))
    counts["detail"]["carry8_equivalent"] = (
        sum(1 for p in positions.values() if p % 2 == 0)
        + counts["detail"]["cells_by_type"].get("CARRY8", 0))

    result = {
        "top": top,
        "family": FAMILY,
        "lut": counts["lut"],
        "ff": counts["ff"],
        "carry": counts["carry"],
        "dsp": counts["dsp"],
        "bram": counts["bram"],
        "max_logic_levels": path["levels"],
        "max_logic_levels_carry8": path["levels_carry8"],
        "logic_path": path,
        "detail": counts["detail"],
        "tools": versions,
        "seconds": {"ghdl": round(t_ghdl, 2), "yosys": round(t_yosys, 2),
                    "total": round(time.monotonic() - start, 2)},
        "note": "yosys synth_xilinx proxy, not Vivado: compare designs, do not sign off",
    }
    tmp = result_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, result_path)
    stage(f"done: {result_path}")
    return result


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
    width = max(len(str(v)) for _, v, _ in rows)
    lines = [f"Estimate for {d.get('top', '?')} (yosys synth_xilinx -family "
             f"{d.get('family', FAMILY)}; a proxy, not Vivado)"]
    lines += [f"  {name:<13}{str(value):>{width}}   {what}" for name, value, what in rows]
    path = d.get("logic_path") or {}
    if path.get("cells"):
        lines.append(f"  deepest path: {path.get('from')} -> {path.get('to')}: "
                     + " > ".join(path["cells"]))
    detail = d.get("detail") or {}
    if detail.get("other_cells"):
        lines.append(f"  other cells: {detail['other_cells']}")
    tools = d.get("tools") or {}
    if tools:
        lines.append("  tools: " + "; ".join(f"{v}" for v in tools.values()))
    return "\n".join(lines)


# --------------------------------------------------------------------------- CLI
def run_estimate(args: argparse.Namespace) -> int:
    """`vhdlgen estimate --build DIR`: run the estimate, print the table; 0 on success."""
    result = estimate(Path(args.build), progress=lambda line: print(line, file=sys.stderr,
                                                                     flush=True))
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
                        help="build directory (contains report.json and rtl/sources.f)")
    parser.set_defaults(func=run_estimate)
    return parser
