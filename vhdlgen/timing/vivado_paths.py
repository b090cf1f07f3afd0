"""The path blocks of Vivado's `report_timing` / `report_timing_summary` text (full path type):
one block from its "Slack" line to its final "slack" line, read into an `Element` sequence and
the numbers of its header. `vivado_report` calls this; nothing here knows about files."""
from __future__ import annotations

import re
from dataclasses import dataclass

from vhdlgen.timing.paths import ROUTINGS, Element

NUMBER = r"-?\d+(?:\.\d+)?"
SLACK_START = re.compile(rf"^\s*Slack(?:\s*\((?:MET|VIOLATED)\))?\s*:\s*(inf|{NUMBER})\s*(?:ns)?")
_FIELD = re.compile(r"^\s*(Source|Destination|Path Group|Path Type|Requirement|Data Path Delay|"
                    r"Logic Levels|Clock Path Skew|Clock Uncertainty):\s*(.*?)\s*$")
_DELAY = re.compile(rf"^({NUMBER})ns\s*\(logic\s+({NUMBER})ns.*route\s+({NUMBER})ns")
_NS = re.compile(rf"^({NUMBER})ns")
_LEVELS = re.compile(r"^(\d+)")
_TABLE_HEAD = re.compile(r"^\s*Location\s+Delay type\s+Incr\(ns\)\s+Path\(ns\)")
_RULE = re.compile(r"^\s*-{20,}")
_LOCATION = r"(?:[A-Z][A-Z0-9_]*_X\d+Y\d+\s+)?"
_CELL = re.compile(rf"^\s*{_LOCATION}(\w+)\s+\((Prop|Setup|Recov|Hold|Removal)_([^()\s]+)\)"
                   rf"(?:\s+({NUMBER})\s+({NUMBER})(?:\s+[rf])?(?:\s+\S+)?)?\s*$")
_INCR = re.compile(rf"^\s*({NUMBER})\s+({NUMBER})(?:\s+[rf])?(?:\s+\S.*)?$")
_NET = re.compile(rf"^\s*net\s*\(fo=(\d+)(?:,\s*(\w+))?\)\s+({NUMBER})\s+({NUMBER})")
_PIN_LINE = re.compile(rf"^\s*{_LOCATION}\w+\s+[rf]\s+\S+\s*$")
_FINAL_SLACK = re.compile(rf"^\s*slack(?:\s*\((?:MET|VIOLATED)\))?\s+(inf|{NUMBER})\s*$")


class ParseError(Exception):
    """A line that is not what the reader expected: its index (0-based) and what was expected."""

    def __init__(self, index: int, expected: str) -> None:
        super().__init__(expected)
        self.index = index
        self.expected = expected


@dataclass(frozen=True)
class PathBlock:
    """What one path block says, before it becomes a PathRecord (or is skipped)."""

    line: int                   # 0-based index of its Slack line
    slack_ns: float | None      # None: inf (unconstrained)
    fields: dict[str, str]
    source_is_port: bool
    destination_is_port: bool
    elements: tuple[Element, ...]
    setup_ns: float | None
    end: int                    # index of the first line after the block

    @property
    def path_type(self) -> str:
        return self.fields.get("Path Type", "")

    def number(self, name: str) -> float | None:
        """A field's leading "<x>ns" as a float (None if absent)."""
        match = _NS.match(self.fields.get(name, ""))
        return float(match.group(1)) if match else None

    def data_path(self) -> tuple[float, float, float]:
        """(data path, logic, route) delays in ns."""
        match = _DELAY.match(self.fields.get("Data Path Delay", ""))
        if not match:
            raise ParseError(self.line, "a 'Data Path Delay: <x>ns (logic <y>ns ... route "
                             "<z>ns ...)' line in the path header")
        return float(match.group(1)), float(match.group(2)), float(match.group(3))

    def logic_levels(self) -> int:
        match = _LEVELS.match(self.fields.get("Logic Levels", ""))
        if not match:
            raise ParseError(self.line, "a 'Logic Levels: <n> (...)' line in the path header")
        return int(match.group(1))


def read_block(lines: list[str], start: int, with_table: bool) -> PathBlock:
    """The path block whose Slack line is lines[start]; its table is read when `with_table`
    (a setup path), else skipped up to the next block."""
    match = SLACK_START.match(lines[start])
    slack = None if match.group(1) == "inf" else float(match.group(1))
    fields, ports, i = _read_fields(lines, start + 1)
    if not with_table or not any(_TABLE_HEAD.match(line) for line in lines[i:i + 3]):
        return PathBlock(start, slack, fields, ports[0], ports[1], (), None, _next_block(lines, i))
    elements, setup, end = _read_table(lines, i, ports[0])
    return PathBlock(start, slack, fields, ports[0], ports[1], elements, setup, end)


def _read_fields(lines: list[str], i: int) -> tuple[dict[str, str], tuple[bool, bool], int]:
    """The "Name: value" lines of a block header, up to its table (or the next block)."""
    fields: dict[str, str] = {}
    last = ""
    ports = [False, False]
    while i < len(lines) and not _TABLE_HEAD.match(lines[i]) and not SLACK_START.match(lines[i]):
        field = _FIELD.match(lines[i])
        if field:
            last = field.group(1)
            fields[last] = field.group(2)
        elif last in ("Source", "Destination") and "port)" in lines[i]:
            ports[last == "Destination"] = True
        elif _RULE.match(lines[i]) and fields:
            break
        i += 1
    return fields, (ports[0], ports[1]), i


def _next_block(lines: list[str], i: int) -> int:
    while i < len(lines) and not SLACK_START.match(lines[i]) and not _FINAL_SLACK.match(lines[i]):
        i += 1
    return i + 1 if i < len(lines) and _FINAL_SLACK.match(lines[i]) else i


def _read_table(lines: list[str], i: int, from_port: bool
                ) -> tuple[tuple[Element, ...], float | None, int]:
    """Elements of the data section and the setup of the capture pin; the index after the block."""
    while not _TABLE_HEAD.match(lines[i]):
        i += 1
    groups: list[list[int]] = [[]]
    i += 2  # the column header and its rule
    while i < len(lines) and not _FINAL_SLACK.match(lines[i]):
        if SLACK_START.match(lines[i]):
            raise ParseError(i, "the final 'slack <x>' line of the previous path")
        if _RULE.match(lines[i]):
            groups.append([])
        elif lines[i].strip():
            groups[-1].append(i)
        i += 1
    if i >= len(lines):
        raise ParseError(len(lines) - 1, "the final 'slack <x>' line of the path (the file ends "
                         "inside a path)")
    if len(groups) < 3:
        raise ParseError(i, "the launch clock, data path and capture clock sections of the path "
                         "table, separated by '----' rules")
    elements = _data_section(lines, groups[1], from_port)
    return elements, _setup(lines, groups[2]), i + 1


def _data_section(lines: list[str], rows: list[int], from_port: bool) -> tuple[Element, ...]:
    elements: list[Element] = []
    k = 0
    while k < len(rows):
        index = rows[k]
        line = lines[index]
        net = _NET.match(line)
        cell = _CELL.match(line)
        if net and net.group(2) not in ROUTINGS:
            raise ParseError(index, f"a data path net that is one of {'/'.join(ROUTINGS)}")
        if net:
            elements.append(Element("net", "", "", float(net.group(3)), int(net.group(1)),
                                    net.group(2)))
        elif cell and cell.group(2) == "Prop":
            delay, k = _cell_delay(lines, rows, k, cell)
            kind = "clock_to_q" if not elements and not from_port else "cell"
            elements.append(Element(kind, cell.group(1), cell.group(3), delay))
        elif not (_PIN_LINE.match(line) or _INCR.match(line)):
            raise ParseError(index, "a cell line '<TYPE> (Prop_<arc>)', a net line "
                             "'net (fo=<n>, routed) <incr> <path> <name>' or a pin line")
        k += 1
    return tuple(elements)


def _cell_delay(lines: list[str], rows: list[int], k: int, cell: re.Match) -> tuple[float, int]:
    """A cell's Incr: on its own line (Vivado 2019+ with locations) or on the next line."""
    if cell.group(4) is not None:
        return float(cell.group(4)), k
    if k + 1 < len(rows):
        incr = _INCR.match(lines[rows[k + 1]])
        if incr:
            return float(incr.group(1)), k + 1
    raise ParseError(rows[k], "the cell's '<incr> <path> r|f <pin>' numbers on this line or "
                     "the next")


def _setup(lines: list[str], rows: list[int]) -> float | None:
    """The capture pin's setup requirement: minus the Incr of its "(Setup_...)" line."""
    for k, index in enumerate(rows):
        cell = _CELL.match(lines[index])
        if cell and cell.group(2) in ("Setup", "Recov"):
            delay, _ = _cell_delay(lines, rows, k, cell)
            return -delay
    return None
