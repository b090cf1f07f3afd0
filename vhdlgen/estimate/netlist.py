"""Reading yosys' mapped netlist: cell counts by resource class (`count_resources`), and the
netlist as a graph of net bits for the timing graph (`vhdlgen.estimate.paths`): each cell's
input -> output arcs, carry cascades, fanout, where paths end and readable names of net bits."""
from __future__ import annotations

import re
from collections import Counter

from vhdlgen.estimate.names import name_rank

LUT = re.compile(r"^(LUT[1-6]|LUT6_2|INV)$")  # yosys may leave an inverter as INV: a LUT1
LUTMEM = re.compile(r"^(SRL16E|SRLC16E|SRLC32E|RAM\d+X\d+[A-Z]*|RAM\d+M\d*)$")
FF = re.compile(r"^FD[RSCP]E(_1)?$")
LATCH = re.compile(r"^LD[CP]E(_1)?$")
CARRY = re.compile(r"^CARRY(4|8)$")
MUXF = re.compile(r"^MUXF[789]$")
DSP = re.compile(r"^DSP48")
BRAM36 = re.compile(r"^(RAMB36|FIFO36)")
BRAM18 = re.compile(r"^(RAMB18|FIFO18)")
URAM = re.compile(r"^URAM")
# Cells that end and start timing paths (registered or hard blocks).
BOUNDARY = re.compile(r"^(FD|LD|SRL|RAM|FIFO|DSP|URAM)")
# Cells that pass a signal through without a logic level. INV too: Vivado's opt_design
# (retargeting, a default step) absorbs an inverter into its loads or pushes it into its
# driver's INIT, "eliminating the extra level of logic" (UG904); yosys leaves some, e.g. on a
# subtrahend's bits before the carry chain. It still counts as a LUT in `count_resources`.
PASS = re.compile(r"^(BUFG\w*|BUFH|IBUF\w*|OBUF\w*|BUF|INV)$")


def count_resources(cells_by_type: dict[str, int]) -> dict[str, object]:
    """Map yosys cell type counts (Xilinx primitives) to the estimate's resource classes."""
    c = Counter({str(k): int(v) for k, v in cells_by_type.items()})
    pick = lambda rx: sum(n for t, n in c.items() if rx.match(t))  # noqa: E731
    lut_logic, lut_mem = pick(LUT), pick(LUTMEM)
    b36, b18 = pick(BRAM36), pick(BRAM18)
    bram = b36 + b18 / 2
    known = [LUT, LUTMEM, FF, LATCH, CARRY, MUXF, DSP, BRAM36, BRAM18, URAM, PASS]
    other = {t: n for t, n in sorted(c.items()) if not any(rx.match(t) for rx in known)}
    return {
        "lut": lut_logic + lut_mem,
        "ff": pick(FF),
        "carry": pick(CARRY),
        "dsp": pick(DSP),
        "bram": int(bram) if bram == int(bram) else bram,
        "detail": {
            "lut_logic": lut_logic,
            "lut_memory": lut_mem,
            "muxf": pick(MUXF),
            "latch": pick(LATCH),
            "bram36": b36,
            "bram18": b18,
            "uram": pick(URAM),
            "other_cells": other,
            "cells_by_type": dict(sorted(c.items())),
        },
    }


def direction(cell: dict, port: str) -> str:
    """'input' or 'output' of a cell port (yosys port_directions; O, Q, CO are outputs)."""
    return cell.get("port_directions", {}).get(
        port, "output" if port in ("O", "Q", "CO") else "input")


def cell_arcs(cell: dict) -> list[tuple[list[tuple[str, object]], list]]:
    """(input (port, bit) pairs, output bits) groups of a combinational cell: each output bit of a
    group depends on all inputs of its group."""
    conns: dict[str, list] = cell.get("connections", {})
    ctype = cell["type"]
    if CARRY.match(ctype):
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
    if ctype == "LUT6_2":
        return _lut6_2_arcs(cell)
    ins, outs = [], []
    for port, bits in conns.items():
        if direction(cell, port) == "output":
            outs.extend(bits)
        else:
            ins.extend((port, b) for b in bits)
    return [(ins, outs)]


def lut_support(init: int, pins: list, o5: bool) -> list[int]:
    """The pins (indices) an output of a LUT6_2 depends on: O6, or O5 (INIT[31:0] over I0..I4);
    constant pins ("0"/"1" in yosys JSON, '0'/'1' in VHDL) held at their value."""
    n = 5 if o5 else 6
    fixed = {k: int(str(pins[k]).strip("'")) for k in range(n)
             if str(pins[k]).strip("'") in ("0", "1")}
    patterns = [i for i in range(1 << n) if all(i >> k & 1 == v for k, v in fixed.items())]
    return [k for k in range(n) if k not in fixed
            and any(init >> i & 1 != init >> (i | 1 << k) & 1 for i in patterns if not i >> k & 1)]


def _lut6_2_arcs(cell: dict) -> list[tuple[list[tuple[str, object]], list]]:
    """A LUT6_2 as two LUTs: O6 on the pins INIT reads, O5 on those INIT[31:0] reads (UG974).
    Taking every input to both outputs would invent paths, e.g. through a helper's O5."""
    conns = cell["connections"]
    pins = [(conns.get(f"I{k}") or ["0"])[0] for k in range(6)]
    init = int(str(cell.get("parameters", {}).get("INIT", "0")), 2)
    arcs = []
    for port, five in (("O6", False), ("O5", True)):
        bits = [b for b in conns.get(port, []) if isinstance(b, int)]
        if bits:
            arcs.append(([(f"I{k}", pins[k]) for k in lut_support(init, pins, five)], bits))
    return arcs


def slice_local_di(cells: dict) -> frozenset:
    """The carry chains' DI bits driven by the O5 of the LUT6_2 whose O6 drives S at the same
    position: the slice's own LUT, no route (UG574: DI takes the LUT's O5 or a bypass input)."""
    o5_beside: dict[int, object] = {}  # O6 bit -> O5 bit of the same LUT6_2
    for cell in cells.values():
        if cell["type"] == "LUT6_2":
            conns = cell["connections"]
            o6, o5 = (conns.get("O6") or [None])[0], (conns.get("O5") or [None])[0]
            if isinstance(o6, int) and isinstance(o5, int):
                o5_beside[o6] = o5
    local = set()
    for cell in cells.values():
        if CARRY.match(cell["type"]):
            conns = cell["connections"]
            local.update(di for s, di in zip(conns.get("S", []), conns.get("DI", []))
                         if isinstance(di, int) and o5_beside.get(s) == di)
    return frozenset(local)


def carry4_positions(cells: dict) -> dict[str, int]:
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


def _is_clock_pin(port: str) -> bool:
    return port == "C" or "CLK" in port


def fanouts(module: dict) -> Counter:
    """Number of sinks (cell input pins except clocks, output port bits) of every net bit."""
    fanout: Counter = Counter()
    for cell in module.get("cells", {}).values():
        for port, bits in cell.get("connections", {}).items():
            if direction(cell, port) == "input" and not _is_clock_pin(port):
                fanout.update(b for b in bits if isinstance(b, int))
    for port in module.get("ports", {}).values():
        if port.get("direction") == "output":
            fanout.update(b for b in port.get("bits", []) if isinstance(b, int))
    return fanout


def path_ends(module: dict, names: dict[int, str]) -> dict[int, tuple[str, str, bool]]:
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
        if not BOUNDARY.match(cell["type"]):
            continue
        conns = cell.get("connections", {})
        outs = [b for p, bits in conns.items() if direction(cell, p) == "output" for b in bits]
        label = names.get(outs[0], "?") if outs else "?"
        for port, bits in conns.items():
            if direction(cell, port) == "input" and not _is_clock_pin(port):
                for bit in bits:
                    if isinstance(bit, int):
                        sinks.setdefault(bit, (f"{cell['type']} {label} ({port})", label, True))
    return sinks


def bit_names(module: dict) -> dict[int, str]:
    """Readable name of each net bit: ports first, then public (not hidden) net names ranked by
    `name_rank`."""
    names: dict[int, str] = {}

    def add(name: str, bits: list, offset: int = 0) -> None:
        for i, bit in enumerate(bits):
            if isinstance(bit, int) and bit not in names:
                names[bit] = name if len(bits) == 1 else f"{name}[{i + offset}]"

    for name, port in module.get("ports", {}).items():
        add(name, port.get("bits", []))
    public = [(n, net) for n, net in module.get("netnames", {}).items() if not net.get("hide_name")]
    for name, net in sorted(public, key=lambda item: (name_rank(item[0]), item[0])):
        add(name, net.get("bits", []), int(net.get("offset", 0)))
    return names
