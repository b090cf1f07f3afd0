"""Resources, logic depth and a modelled critical path without Vivado: GHDL, then yosys.

Flow (all work files and logs in `DIR/estimate/`, never in the current directory):

1. `ghdl --synth --std=08 --out=verilog <the build's sources, in order> -e <top>` (top and
   sources from the build manifest, `vhdlgen.rtl.manifest.read_build`)
   ->  `DIR/estimate/<top>.v` (the files are analysed in memory: `ghdl -a` with the llvm backend
   would also compile them to machine code, minutes for a large generated file);
2. yosys: `synth_xilinx -family xcup -flatten -noiopad -noclkbuf` (UltraScale+ primitives, no
   I/O or clock buffers: an out-of-context block, like the Vivado flow), `stat -json`, and the
   mapped netlist as JSON. Two flows (`--flow`):
   - `carry` (default): before the script's `alumacc` step, a techmap turns every `$add`/`$sub`
     of the RTL into its own `$alu`, i.e. one carry chain per adder as written (the UltraScale+
     carry logic adds two operands per chain, UG574).
   - `synth_xilinx`: the stock script. Its `alumacc` merges every chain of single-use adders
     into one multi-operand `$macc`, which `maccmap` builds as a carry-save tree of LUT full
     adders. On a tree of three 4-bit adders that costs 16 LUTs with MUXF7s instead of 13
     (tests/test_estimate.py); on the shipped students 10-56% more LUTs
     (docs/benchmarks.md). The numbers of both flows are reported by the benches.

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

`critical_path_ns` walks the same netlist with the delays of the build's delay model (its corner)
(the delay model the lowering pipelines with; sources in its module doc), per edge into a cell:

- LUT (and INV): route `net_delay(fanout of the driving net)` + `lut`;
- MUXF7/8/9: `muxf` from its data inputs (fed inside the slice), plus the route on its select;
- CARRY4/CARRY8: `carry_in` from S (its propagate LUT sits in the same slice; from anything else
  the route is added), DI and CYINIT (routed); from CI: `carry8` when the cell starts a new
  CARRY8, nothing for the upper CARRY4 of a pair (one CARRY8 in Vivado, as above);
- pass-through buffers: nothing; cell types the model does not know: like a LUT.

Fanout counts every input pin (except clocks) and output port bit a net bit drives. Paths start
at `ff_clk_to_q` (a register output) or 0 (an input port), end at `ff_setup` (a register input)
or 0 (an output port), and `clock_uncertainty` is added: `critical_path_ns` is the shortest
clock period the model allows, `fmax_mhz` = 1000 / it, at most the clock-tree limit (775 MHz).
`timing_path` lists the critical path's cells with each one's delay (its input route included).

Both paths are named in RTL terms (`from_rtl`, `to_rtl`, see `RtlNames`): GHDL keeps the VHDL
names and yosys prefixes them with the instance path, so `u_fc.pipeline_y_1_s1_2[3]` is bit 3
of the stage-1 pipeline register 2 of neuron y_1 in unit u_fc (entity from GHDL's Verilog
netlist). A path ends at the register it writes (its output net's name). Names that are not
recognised (GHDL's generated n25_q, ...) are reported as they are.

This is a proxy: yosys maps LUTs with ABC, not with Vivado's optimiser, and the delay model knows
no placement, congestion or clock skew. Use it to compare designs and options and to choose the
pipelining, not to sign off timing or utilization.
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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import vhdlgen.timing
from vhdlgen import cache
from vhdlgen.errors import UserError
from vhdlgen.rtl.manifest import Build, read_build
from vhdlgen.timing import ULTRASCALE_PLUS_2, DelayModel, corner_model

FAMILY = "xcup"  # yosys synth_xilinx family for Virtex/Kintex/Zynq UltraScale+
TIMING_MODEL_NOTE = ("the build's UltraScale+ -2 delay model (vhdlgen.timing, its corner fitted "
                     "on routed Vivado paths) applied to the yosys netlist; a model, not Vivado "
                     "timing")
APT_PACKAGES = {"ghdl": "ghdl ghdl-llvm", "yosys": "yosys"}
LOG_TAIL_LINES = 25
ESTIMATE_FILES = ("ghdl_synth.log", "yosys.log", "synth.ys", "work")  # in DIR/estimate: ours
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


def _direction(cell: dict, port: str) -> str:
    """'input' or 'output' of a cell port (yosys port_directions; O, Q, CO are outputs)."""
    return cell.get("port_directions", {}).get(
        port, "output" if port in ("O", "Q", "CO") else "input")


def _cell_arcs(cell: dict) -> list[tuple[list[tuple[str, object]], list]]:
    """(input (port, bit) pairs, output bits) groups of a combinational cell: each output bit of a
    group depends on all inputs of its group."""
    conns: dict[str, list] = cell.get("connections", {})
    ctype = cell["type"]
    if _CARRY.match(ctype):
        width = 8 if ctype == "CARRY8" else 4
        common = [("CI", b) for b in conns.get("CI", [])]
        common += [("CYINIT", b) for b in conns.get("CYINIT", [])]
        arcs = []
        for i in range(width):
            ins = list(common)
            if ctype == "CARRY8" and i >= 4:
                ins += [("CI_TOP", b) for b in conns.get("CI_TOP", [])]
            ins += [(p, b) for p in ("S", "DI") for b in conns.get(p, [])[: i + 1]]
            outs = [conns[p][i] for p in ("O", "CO") if p in conns and len(conns[p]) > i]
            arcs.append((ins, outs))
        return arcs
    ins, outs = [], []
    for port, bits in conns.items():
        if _direction(cell, port) == "output":
            outs.extend(bits)
        else:
            ins.extend((port, b) for b in bits)
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


# A driven net bit: (its (port, source bit) inputs, driving cell type, logic-level weight 0/1,
# cell is the upper CARRY4 of a CARRY8 pair).
_Drive = tuple[list[tuple[str, int]], str, int, bool]
# Cost of the edge source -> driven bit: (driven bit, input port, source bit) -> levels or ns.
_Cost = Callable[[int, str, int], float]


def _longest(driver: dict[int, _Drive], cost: _Cost, start: Callable[[int], float],
             floor: Callable[[int], float]) -> tuple[dict[int, float], dict[int, int | None]]:
    """Longest path to every driven bit (and its worst input), iterative DFS.

    A bit without a driver (flip-flop output, input port) starts a path at `start(bit)`; an edge
    adds `cost(bit, port, source)`; a driven bit without variable inputs sits at `floor(bit)`.
    """
    depth: dict[int, float] = {}
    best_in: dict[int, int | None] = {}
    for root in driver:
        if root in depth:
            continue
        visiting = {root}
        stack = [(root, iter(driver[root][0]))]
        while stack:
            bit, pending = stack[-1]
            for _, src in pending:
                if src in depth:
                    continue
                if src not in driver:  # flip-flop output, input port: a path starts here
                    depth[src], best_in[src] = start(src), None
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
                ins = driver[bit][0]
                best: float = floor(bit) if not ins else float("-inf")
                worst = None
                for port, src in ins:
                    value = depth[src] + cost(bit, port, src)
                    if value > best:
                        best, worst = value, src
                depth[bit], best_in[bit] = best, worst
    return depth, best_in


def _trace(end: int, driver: dict[int, _Drive], best_in: dict[int, int | None]
           ) -> tuple[int, list[int]]:
    """(start bit, driven bits from the start to `end`) of the worst path into `end`."""
    chain: list[int] = []
    bit = end
    while bit in driver:
        chain.append(bit)
        nxt = best_in[bit]
        if nxt is None:
            break
        bit = nxt
    chain.reverse()
    return bit, chain


def _is_clock_pin(port: str) -> bool:
    return port == "C" or "CLK" in port


def _fanouts(module: dict) -> Counter:
    """Number of sinks (cell input pins except clocks, output port bits) of every net bit."""
    fanout: Counter = Counter()
    for cell in module.get("cells", {}).values():
        for port, bits in cell.get("connections", {}).items():
            if _direction(cell, port) == "input" and not _is_clock_pin(port):
                fanout.update(b for b in bits if isinstance(b, int))
    for port in module.get("ports", {}).values():
        if port.get("direction") == "output":
            fanout.update(b for b in port.get("bits", []) if isinstance(b, int))
    return fanout


def logic_levels(module: dict, *, model: DelayModel = ULTRASCALE_PLUS_2,
                 rtl: RtlNames | None = None) -> dict[str, object]:
    """Deepest combinational path and critical path in ns of a flattened, mapped yosys JSON module.

    Returns {"levels": int, "cells": [cell types from start to end], "from": net, "to": sink,
    "from_rtl"/"to_rtl": `RtlNames.describe` of the start and end nets, "levels_carry8": int,
    "unknown_cell_types": [...], "timing": {...}}. `levels_carry8` counts the deepest path again
    as Vivado would after packing each pair of cascaded CARRY4 (yosys 0.23's UltraScale+ carry
    cell) into one CARRY8: a CARRY4 entered through its carry-in from the previous cell of the
    same CARRY8 adds no level.

    `timing` is the path with the largest delay under `model` (see the module doc): {"ns":
    clock-to-out (0 from an input port) + cell delays + setup (0 into an output port) + clock
    uncertainty, "fmax_mhz", "cells", "cell_ns" (each cell's delay including its input route),
    "clk_to_q_ns", "setup_ns", "uncertainty_ns", "from", "to", "from_rtl", "to_rtl"}.
    """
    rtl = rtl or RtlNames()
    cells_json = module.get("cells", {})
    positions = _carry4_positions(cells_json)
    driver: dict[int, _Drive] = {}
    registered: set[int] = set()  # outputs of flip-flops (and other path-starting cells)
    unknown: set[str] = set()
    for name, cell in cells_json.items():
        ctype = cell["type"]
        if _BOUNDARY.match(ctype):
            registered.update(b for p, bits in cell.get("connections", {}).items()
                              if _direction(cell, p) == "output" for b in bits
                              if isinstance(b, int))
            continue
        weight = 0 if _PASS.match(ctype) else 1
        if weight and not (_LUT.match(ctype) or _MUXF.match(ctype) or _CARRY.match(ctype)):
            unknown.add(ctype)
        upper = positions.get(name, 0) % 2 == 1  # second CARRY4 of a CARRY8
        for ins, outs in _cell_arcs(cell):
            ins = [(p, b) for p, b in ins if isinstance(b, int)]
            for bit in outs:
                if isinstance(bit, int):
                    driver[bit] = (ins, ctype, weight, upper)

    names = _bit_names(module)
    sinks = _sinks(module, names)
    fanout = _fanouts(module)

    def cost_levels(bit: int, port: str, src: int) -> float:
        return driver[bit][2]

    def cost_carry8(bit: int, port: str, src: int) -> float:
        _, _, weight, upper = driver[bit]
        return 0 if upper and port == "CI" else weight

    def cost_ns(bit: int, port: str, src: int) -> float:
        _, ctype, weight, upper = driver[bit]
        if not weight:
            return 0.0
        src_type = driver[src][1] if src in driver else ""
        route = model.net_delay(fanout.get(src, 1))
        if _MUXF.match(ctype):  # data inputs come from the LUTs of the same slice
            return model.muxf + (route if port == "S" else 0.0)
        if _CARRY.match(ctype):
            if port in ("CI", "CI_TOP") and _CARRY.match(src_type):
                # the next CARRY4 of the same CARRY8 is free; a new CARRY8 costs carry8
                return 0.0 if upper and port == "CI" else model.carry8
            # S from its propagate LUT is slice-local (in carry_in); anything else is routed
            local = port == "S" and bool(_LUT.match(src_type))
            return model.carry_in + (0.0 if local else route)
        return route + model.lut  # LUT (and unknown cells, taken as LUTs)

    def start_ns(bit: int) -> float:
        return model.ff_clk_to_q if bit in registered else 0.0

    def weight(bit: int) -> float:
        return driver[bit][2]

    depth, best_in = _longest(driver, cost_levels, lambda bit: 0, weight)
    for bit in sinks:  # a sink fed straight by a register or port: a 0-level path
        depth.setdefault(bit, 0)
    ends = [b for b in sinks if isinstance(b, int)] or list(depth)
    result: dict[str, object] = {"levels": 0, "cells": [], "from": None, "to": None,
                                 "from_rtl": None, "to_rtl": None, "levels_carry8": 0,
                                 "unknown_cell_types": sorted(unknown),
                                 "timing": _no_timing(model)}
    if not ends:
        return result

    def end_net(bit: int) -> str:
        return sinks[bit][1] if bit in sinks else names.get(bit, f"net bit {bit}")

    def end_label(bit: int) -> str:
        return sinks[bit][0] if bit in sinks else names.get(bit, f"net bit {bit}")

    end = max(ends, key=lambda b: (depth[b], -b))
    start, chain = _trace(end, driver, best_in)
    start_name = names.get(start, f"net bit {start}")
    result.update(levels=int(depth[end]), cells=[driver[b][1] for b in chain if driver[b][2]],
                  **{"from": start_name}, to=end_label(end),
                  from_rtl=rtl.describe(start_name), to_rtl=rtl.describe(end_net(end)))
    if positions:
        depth8, _ = _longest(driver, cost_carry8, lambda bit: 0, weight)
        result["levels_carry8"] = int(max(depth8.get(b, 0) for b in ends))
    else:
        result["levels_carry8"] = result["levels"]

    arrival, best_ns = _longest(driver, cost_ns, start_ns, lambda bit: 0.0)
    for bit in sinks:
        arrival.setdefault(bit, start_ns(bit))
    setup = {b: (model.ff_setup if sinks[b][2] else 0.0) if b in sinks else 0.0 for b in ends}
    # equal delays (to rounding): report the path with more logic levels
    end = max(ends, key=lambda b: (round(arrival[b] + setup[b], 9), depth.get(b, 0), -b))
    start, chain = _trace(end, driver, best_ns)
    launch = start_ns(start) if start not in driver else 0.0
    steps, previous = [], launch
    for bit in chain:
        if driver[bit][2]:
            steps.append((driver[bit][1], arrival[bit] - previous))
        previous = arrival[bit]
    total = arrival[end] + setup[end] + model.clock_uncertainty
    start_name = names.get(start, f"net bit {start}")
    result["timing"] = {
        "ns": round(total, 3),
        "fmax_mhz": round(model.fmax_mhz(total), 1),
        "cells": [c for c, _ in steps],
        "cell_ns": [round(d, 3) for _, d in steps],
        "clk_to_q_ns": launch,
        "setup_ns": setup[end],
        "uncertainty_ns": model.clock_uncertainty,
        "from": start_name,
        "to": end_label(end),
        "from_rtl": rtl.describe(start_name),
        "to_rtl": rtl.describe(end_net(end)),
    }
    return result


def _no_timing(model: DelayModel) -> dict[str, object]:
    """The timing entry of a netlist without any path."""
    return {"ns": 0.0, "fmax_mhz": model.fmax_ceiling_mhz, "cells": [], "cell_ns": [],
            "clk_to_q_ns": 0.0, "setup_ns": 0.0, "uncertainty_ns": model.clock_uncertainty,
            "from": None, "to": None, "from_rtl": None, "to_rtl": None}


def _sinks(module: dict, names: dict[int, str]) -> dict[int, tuple[str, str, bool]]:
    """Where a net bit ends: {bit: (label, RTL net, ends at a register)}.

    An output port ("output out_data[3]", the port bit, False), or an input pin of a register:
    ("FDRE acc_q[3] (D)", the register's output net acc_q[3], True). Clock pins (C, *CLK*) are
    not path ends."""
    sinks: dict[int, tuple[str, str, bool]] = {}
    for name, port in module.get("ports", {}).items():
        if port.get("direction") == "output":
            bits = port.get("bits", [])
            for i, bit in enumerate(bits):
                net = name if len(bits) == 1 else f"{name}[{i}]"
                sinks[bit] = (f"output {net}", net, False)
    for cell in module.get("cells", {}).values():
        if not _BOUNDARY.match(cell["type"]):
            continue
        conns = cell.get("connections", {})
        outs = [b for p, bits in conns.items() if _direction(cell, p) == "output" for b in bits]
        label = names.get(outs[0], "?") if outs else "?"
        for port, bits in conns.items():
            if _direction(cell, port) == "input" and not _is_clock_pin(port):
                for bit in bits:
                    if isinstance(bit, int):
                        sinks.setdefault(bit, (f"{cell['type']} {label} ({port})", label, True))
    return sinks


def _name_rank(name: str) -> int:
    """How well a net name tells the RTL story (lower is better): pipeline registers
    (<value>_rS), then names inside a unit, then other names; unit ports (in_*, out_*) and
    GHDL's generated names (n25_q, n8_o) last."""
    local = name.rsplit(".", 1)[-1]
    if _GENERATED.match(local):
        return 4
    if _REGISTER.match(local):
        return 1
    if local.startswith(("in_", "out_")):
        return 3
    return 2 if "." in name else 3


def _bit_names(module: dict) -> dict[int, str]:
    """Readable name of each net bit: ports first, then public (not hidden) net names ranked by
    `_name_rank`."""
    names: dict[int, str] = {}

    def add(name: str, bits: list, offset: int = 0) -> None:
        for i, bit in enumerate(bits):
            if isinstance(bit, int) and bit not in names:
                names[bit] = name if len(bits) == 1 else f"{name}[{i + offset}]"

    for name, port in module.get("ports", {}).items():
        add(name, port.get("bits", []))
    public = [(n, net) for n, net in module.get("netnames", {}).items() if not net.get("hide_name")]
    for name, net in sorted(public, key=lambda item: (_name_rank(item[0]), item[0])):
        add(name, net.get("bits", []), int(net.get("offset", 0)))
    return names


# --------------------------------------------------------------------------- RTL names
_GENERATED = re.compile(r"^n\d+_[a-z]$")  # GHDL's names for unnamed nets: n25_q, n8_o
_REGISTER = re.compile(r"^(?P<value>\w+?)_r(?P<stage>\d+)$")  # <value> registered after stage S
_ADDER = re.compile(r"^(?P<neuron>\w+?)_a(?P<adder>\d+)$")  # adder N of output <neuron>'s sum
_SHARED = re.compile(r"^t(?P<shared>\d+)$")  # shared subexpression tN
_NET = re.compile(r"^(?P<name>[A-Za-z_][\w.]*?)(\[(?P<bit>\d+)\])?$")


@dataclass(frozen=True)
class RtlNames:
    """Maps GHDL-synthesised net names back to the RTL.

    `ghdl --synth` keeps VHDL names, and yosys `-flatten` prefixes them with the instance path:
    `u_fc.pipeline_y_1_s1_2[3]` is bit 3 of variable y_1_s1_2 of process `pipeline` in the unit
    instantiated as u_fc. `entities` maps instance paths to entity names, `process_labels` lists
    the process labels GHDL puts in front of variable names.
    """

    top: str | None = None
    entities: Mapping[str, str] = field(default_factory=dict)
    process_labels: frozenset[str] = frozenset()

    @classmethod
    def from_sources(cls, top: str, verilog: str, vhdl: Iterable[str]) -> RtlNames:
        """From GHDL's Verilog netlist (module instances) and the VHDL sources (entity names and
        process labels). Anything not recognised is left out, never an error."""
        text = "\n".join(vhdl).lower()
        entities = set(re.findall(r"^\s*entity\s+(\w+)\s+is\b", text, re.M))
        labels = frozenset(re.findall(r"^\s*(\w+)\s*:\s*(?:postponed\s+)?process\b", text, re.M))
        modules = re.findall(r"^module\s+(\S+)", verilog, re.M)
        known = set(modules)
        children: dict[str, list[tuple[str, str]]] = {}
        current = None
        for line in verilog.splitlines():
            head = re.match(r"^module\s+(\S+)", line)
            if head:
                current = head.group(1)
                continue
            inst = re.match(r"^\s+(\S+)\s+(\S+)\s*\($", line)
            if current and inst and inst.group(1) in known:
                children.setdefault(current, []).append((inst.group(2), inst.group(1)))

        def entity(module: str) -> str:
            base = re.sub(r"_\d+$", "", module)  # GHDL numbers specialised copies: name_2
            return module if module in entities or base not in entities else base

        paths: dict[str, str] = {}
        todo = [("", top.lower())]
        while todo:
            prefix, module = todo.pop()
            for inst, child in children.get(module, []):
                path = f"{prefix}.{inst}" if prefix else inst
                if path not in paths and len(paths) < 100_000:
                    paths[path] = entity(child)
                    todo.append((path, child))
        return cls(top=top.lower(), entities=paths, process_labels=labels)

    def describe(self, net: str | None) -> dict[str, object]:
        """{"net", "unit", "entity", "instance", "signal", "neuron", "adder", "shared", "stage",
        "bit"} of a net name; fields that do not apply (or a name not recognised) are None.

        unit: the layer instance (first hierarchy level), or the top entity for top-level nets;
        signal: the VHDL signal or variable (process label removed); neuron: the output element
        the signal belongs to (y_1 for y_1_a3 and y_1_a3_r2, None for generated names and shared
        subexpressions); adder: N of <neuron>_aN; shared: N of a shared subexpression tN; stage:
        S of a register <value>_rS (the value registered at the end of pipeline stage S)."""
        info: dict[str, object] = dict.fromkeys(
            ("net", "unit", "entity", "instance", "signal", "neuron", "adder", "shared", "stage",
             "bit"))
        info["net"] = net
        match = _NET.match(net or "")
        if not match:
            return info
        *hierarchy, local = match.group("name").split(".")
        if hierarchy:
            info["instance"] = ".".join(hierarchy)
            info["unit"] = hierarchy[0]
            info["entity"] = self.entities.get(hierarchy[0])
        else:
            info["unit"] = info["entity"] = self.top
        for label in sorted(self.process_labels, key=len, reverse=True):
            if local.startswith(label + "_") and len(local) > len(label) + 1:
                local = local[len(label) + 1:]
                break
        info["signal"] = local
        if match.group("bit") is not None:
            info["bit"] = int(match.group("bit"))
        if _GENERATED.match(local):
            return info
        value = local
        register = _REGISTER.match(local)
        if register:
            value, info["stage"] = register.group("value"), int(register.group("stage"))
        info["neuron"] = value
        for pattern, key in ((_SHARED, "shared"), (_ADDER, "adder")):
            found = pattern.match(value)
            if found:
                info["neuron"] = found.groupdict().get("neuron")
                info[key] = int(found.group(key))
                break
        return info


def rtl_text(info: dict | None) -> str:
    """One line for a `RtlNames.describe` result: "tiny_fc (u_fc): y_1 adder 2, register after
    stage 1 bit 3";
    the raw net name when nothing was recognised."""
    if not info:
        return "?"
    if info.get("signal") is None:
        return str(info.get("net") or "?")
    where = info.get("entity") or info.get("unit")
    if info.get("instance") and info.get("entity"):
        where = f"{info['entity']} ({info['instance']})"
    if info.get("shared") is not None:
        what = f"shared subexpression t{info['shared']}"
    elif info.get("neuron"):
        what = str(info["neuron"])
        if info.get("adder") is not None:
            what += f" adder {info['adder']}"
    else:
        what = f"{info['signal']} (generated net)"
    if info.get("stage") is not None:
        what += f", register after stage {info['stage']}"
    if info.get("bit") is not None:
        what += f" bit {info['bit']}"
    return f"{where}: {what}" if where else what


# --------------------------------------------------------------------------- the flow
FLOWS = ("carry", "synth_xilinx")
DEFAULT_FLOW = "carry"
# yosys techmap: every $add/$sub of the RTL becomes its own $alu (one carry chain), so that
# `alumacc` has no adder chain to merge into a multi-operand $macc.
ADD_TO_ALU = """(* techmap_celltype = "$add $sub" *)
module _vhdlgen_add_to_alu (A, B, Y);
  parameter _TECHMAP_CELLTYPE_ = "";
  parameter A_SIGNED = 0;
  parameter B_SIGNED = 0;
  parameter A_WIDTH = 1;
  parameter B_WIDTH = 1;
  parameter Y_WIDTH = 1;
  input [A_WIDTH-1:0] A;
  input [B_WIDTH-1:0] B;
  output [Y_WIDTH-1:0] Y;
  localparam SUB = _TECHMAP_CELLTYPE_ == "$sub";
  wire [Y_WIDTH-1:0] X, CO;
  \\$alu #(.A_SIGNED(A_SIGNED), .B_SIGNED(B_SIGNED), .A_WIDTH(A_WIDTH), .B_WIDTH(B_WIDTH),
          .Y_WIDTH(Y_WIDTH)) _TECHMAP_REPLACE_ (
    .A(A), .B(B), .CI(SUB ? 1'b1 : 1'b0), .BI(SUB ? 1'b1 : 1'b0), .X(X), .Y(Y), .CO(CO));
endmodule
"""


def _yosys_script(verilog: Path, top: str, flow: str = DEFAULT_FLOW) -> str:
    """The yosys script of a flow. `synth_xilinx`: the stock script. `carry`: the same script,
    with every RTL adder mapped to its own carry chain before `alumacc` (see the module doc)."""
    synth = f"synth_xilinx -family {FAMILY} -flatten -noiopad -noclkbuf -top {top}"
    if flow == "synth_xilinx":
        steps = [synth]
    else:
        steps = [f"{synth} -run begin:coarse", "techmap -map add_to_alu.v t:$add t:$sub",
                 f"{synth} -run coarse:"]
    return "\n".join([
        f"read_verilog {verilog.name}",
        *steps,
        "tee -q -o stat.json stat -json",
        # keep only the library cells in use (their port directions), drop source attributes
        f"hierarchy -top {top} -purge_lib",
        "setattr -unset src",
        "write_json netlist.json",
        "",
    ])


def estimate(build_dir: Path, progress: Progress | None = None, *,
             keep_netlist: bool = False, flow: str = DEFAULT_FLOW) -> dict:
    """Run GHDL + yosys on a build; write and return `DIR/estimate.json` (see module doc).

    `progress(line)` receives stage lines with elapsed seconds (None: silent). The yosys JSON
    netlist (tens of MB for a full network) is deleted after use unless `keep_netlist`.
    """
    say: Progress = progress or (lambda line: None)
    build_dir = Path(build_dir).resolve()  # tools run in sub-folders of the build
    build = read_build(build_dir)
    top, sources = build.top, build.source_paths
    ghdl, yosys = _require("ghdl"), _require("yosys")
    stamp = _stamp(build, flow)  # hashed before use: an edit during the run cannot hide
    versions = stamp["identity"]["tools"]

    result_path = build_dir / "estimate.json"
    result_path.unlink(missing_ok=True)  # a failed run must not leave an old result looking new
    work = build_dir / "estimate"
    cache.clear(work, ESTIMATE_FILES)
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
    if flow not in FLOWS:
        raise UserError(f"yosys flow {flow!r}: accepted {', '.join(FLOWS)}")
    (work / "add_to_alu.v").write_text(ADD_TO_ALU, encoding="utf-8")
    script.write_text(_yosys_script(verilog, module, flow), encoding="utf-8")
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
    model = build_delay_model(build.report)
    path = logic_levels(mod, model=model, rtl=_rtl_names(module, verilog, sources))
    timing = path.pop("timing")
    positions = _carry4_positions(mod.get("cells", {}))
    counts["detail"]["carry8_equivalent"] = (
        sum(1 for p in positions.values() if p % 2 == 0)
        + counts["detail"]["cells_by_type"].get("CARRY8", 0))

    result = {
        "top": top,
        "family": FAMILY,
        "flow": flow,
        "lut": counts["lut"],
        "ff": counts["ff"],
        "carry": counts["carry"],
        "dsp": counts["dsp"],
        "bram": counts["bram"],
        "max_logic_levels": path["levels"],
        "max_logic_levels_carry8": path["levels_carry8"],
        "critical_path_ns": timing["ns"],
        "fmax_mhz": timing["fmax_mhz"],
        "logic_path": path,
        "timing_path": timing,
        "timing_model": TIMING_MODEL_NOTE,
        "timing_corner": model.describe(),
        "detail": counts["detail"],
        "tools": versions,
        "seconds": {"ghdl": round(t_ghdl, 2), "yosys": round(t_yosys, 2),
                    "total": round(time.monotonic() - start, 2)},
        "note": "yosys synth_xilinx proxy, not Vivado: compare designs, do not sign off",
        "stamp": stamp,
    }
    cache.write_stamp(work, stamp)
    tmp = result_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, result_path)
    stage(f"done: {result_path}")
    return result


def build_delay_model(report: dict) -> DelayModel:
    """The delay model a build was scheduled with (report.json's timing.delay_model), else the
    shipped default corner (a build with a fixed adder-level pipeline, or an older build)."""
    data = (report.get("timing") or {}).get("delay_model")
    return DelayModel.from_json(data, "report.json timing.delay_model") if data else corner_model()


def estimate_stamp(build_dir: Path, flow: str = DEFAULT_FLOW) -> dict:
    """What an estimate of a build is computed from (vhdlgen.cache): every source (absolute
    path, sha256) in compile order, the top, family and yosys flow, GHDL's and yosys' versions,
    and the estimator's own code (this module and the delay model). Stored in estimate.json
    and DIR/estimate/stamp.json; a result is a build's only while this stamp still matches."""
    return _stamp(read_build(Path(build_dir).resolve()), flow)


def _stamp(build: Build, flow: str) -> dict:
    """estimate_stamp of a build already read."""
    return cache.make_stamp(cache.hash_files(build.source_paths), {
        "top": build.top, "family": FAMILY, "flow": flow, "tools": tool_versions(),
        "estimator": cache.code_digest([sys.modules[__name__], vhdlgen.timing])})


def _rtl_names(top: str, verilog: Path, sources: list[Path]) -> RtlNames:
    """RtlNames of a build (instances from GHDL's Verilog, labels from the VHDL); a bare one
    if the files cannot be read: naming is a convenience, never a reason to fail."""
    try:
        return RtlNames.from_sources(
            top, verilog.read_text(encoding="utf-8", errors="replace"),
            [src.read_text(encoding="utf-8", errors="replace") for src in sources])
    except OSError:
        return RtlNames(top=top)


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
    if path.get("cells"):
        lines.append(f"  deepest path: {path.get('from')} -> {path.get('to')}: "
                     + " > ".join(path["cells"]))
        if path.get("from_rtl") or path.get("to_rtl"):
            lines.append(f"    RTL: {rtl_text(path.get('from_rtl'))} -> "
                         f"{rtl_text(path.get('to_rtl'))}")
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


# --------------------------------------------------------------------------- CLI
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
