"""report.txt's port table: every port of the top with its direction, width, fixed-point format,
LSB weight and, for the packed vectors, where each element or field sits.

It reads only report.json's data (`top`, `clock_ns`, `latency_cycles`, `in_data`, `out_data`,
with the chain's `fields` when the build has a front end), so it describes a CNN top and the
Level-0 chain top alike. A chain field narrower than its element says which bits carry it and
what the bits above hold (sign copies, or zeros for an unsigned field).
"""
from __future__ import annotations

import numpy as np

LISTED_ELEMENTS = 16  # a vector with more elements shows its first and last ones only


def lsb_weight(frac_bits: int | None) -> str:
    """The value of one code step, 2**-frac (with its decimal value when short)."""
    if frac_bits is None:
        return "per field"
    if frac_bits == 0:
        return "1"
    value = 2.0 ** -frac_bits
    text = f"2**{-frac_bits}"
    return f"{text} = {value:g}" if abs(frac_bits) <= 8 else text


def port_summary(port: dict) -> str:
    """'144 x ufixed<2,1>', or the fields of a port made of fields."""
    if port.get("fields"):
        names = ", ".join(f"{f['name']} {f['format']}" for f in port["fields"])
        return f"{len(port['fields'])} fields of {port['element_width']} bits: {names}"
    return f"{port['elements']} x {port['format']}"


def _bits(name: str, msb: int, lsb: int) -> str:
    return f"{name}({msb})" if msb == lsb else f"{name}({msb} downto {lsb})"


def _field_width(field: dict) -> tuple[int, bool]:
    """(bits of the field's format, signed) from its format text fixed<W,I> / ufixed<W,I>."""
    text = field["format"]
    return int(text[text.index("<") + 1:text.index(",")]), not text.startswith("u")


def _field_rows(name: str, port: dict) -> list[tuple[str, ...]]:
    rows = [("field", "element", "bits", "format", "LSB weight", "codes", "meaning")]
    for f in port["fields"]:
        width, signed = _field_width(f)
        bits = _bits(name, f["msb"], f["lsb"])
        if width < f["msb"] - f["lsb"] + 1:
            top = f["lsb"] + width - 1
            above = (f"copies of bit {top} (sign)" if signed else "always 0")
            bits = (f"{_bits(name, top, f['lsb'])}; {_bits(name, f['msb'], top + 1)} "
                    f"{above}")
        lo, hi = f["codes"]
        rows.append((f["name"], str(f["index"]), bits, f["format"], lsb_weight(f["frac_bits"]),
                     f"{lo} to {hi}", f["unit"]))
    return rows


def _element_lines(name: str, port: dict) -> list[str]:
    """Where element i of a packed vector sits, with its index in the tensor's shape."""
    w, n, shape = port["element_width"], port["elements"], tuple(port["shape"])
    kind = "two's complement" if port["signed"] else "unsigned"
    where = f"{name}(i)" if w == 1 else f"{name}(i*{w} + {w - 1} downto i*{w})"
    lines = [f"{name}: element i at {where}, {kind}, row-major over shape {shape}, "
             "element 0 at the least significant bits"]
    shown = range(n) if n <= LISTED_ELEMENTS else (0, 1, n - 1)
    for i in shown:
        if n > LISTED_ELEMENTS and i == n - 1:
            lines.append("    ...")
        index = tuple(int(k) for k in np.unravel_index(i, shape)) if shape else ()
        lines.append(f"    element {i} {index}: {_bits(name, (i + 1) * w - 1, i * w)}")
    return lines


def _table(rows: list[tuple[str, ...]], indent: str = "") -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def _data_row(name: str, direction: str, port: dict) -> tuple[str, ...]:
    fmt = "per field" if port.get("fields") else port["format"]
    layout = (f"{len(port['fields'])} fields of {port['element_width']} bits, below"
              if port.get("fields") else
              f"{port['elements']} elements of {port['element_width']} bit"
              f"{'s' if port['element_width'] > 1 else ''}, below")
    return (name, direction, str(port["width"]), fmt, lsb_weight(port["frac_bits"]), layout)


def port_lines(report: dict) -> list[str]:
    """The port table of report.txt (a header, one row per port, then the packed layouts)."""
    clock = report["clock_ns"]
    rows = [
        ("port", "dir", "width", "format", "LSB weight", "meaning / layout"),
        ("clk", "in", "1", "-", "-", f"clock, rising edge; {clock:g} ns = "
                                      f"{1000 / clock:.6g} MHz (vivado/constraints.xdc)"),
        ("rst", "in", "1", "-", "-", "synchronous, active high: clears the valid pipeline "
                                     "(what is in flight never comes out)"),
        ("in_valid", "in", "1", "-", "-", "'1': in_data holds a new input this clock (II = 1)"),
        _data_row("in_data", "in", report["in_data"]),
        ("out_valid", "out", "1", "-", "-", f"'1': out_data holds the result of the input of "
                                            f"{report['latency_cycles']} clocks before"),
        _data_row("out_data", "out", report["out_data"]),
    ]
    lines = [f"ports of {report['top']}:", *_table(rows, "  ")]
    for name in ("in_data", "out_data"):
        port = report[name]
        if port.get("fields"):
            lines.append(f"  {name}: {len(port['fields'])} fields, each a {port['element_width']}"
                         f"-bit two's complement element, element 0 at the least significant bits")
            lines += _table(_field_rows(name, port), "    ")
        else:
            lines += ["  " + line for line in _element_lines(name, port)]
    return lines
