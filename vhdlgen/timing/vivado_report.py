"""Read Vivado's text reports back: `report_timing` (full paths, also `-nworst`, `-max_paths`,
and `-path_type summary`), `report_timing_summary` (the design WNS/TNS/WHS table and its
detailed paths), `report_design_analysis -logic_level_distribution` and `report_utilization`.

Setup paths of placed or routed designs become `PathRecord`s (what the delay model predicts);
hold, unconstrained, recovery and port paths are kept as `SkippedPath`s with the reason. A file
that cannot be read raises `UserError` naming the file, the line and what was expected.
Headers of Vivado 2019.x-2025.x differ (Design State only since 2022; "| Key : value" spacing;
Prop_ labels with or without the BEL/SLICE fields); the reader relies on none of that.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

from vhdlgen.errors import UserError
from vhdlgen.timing import vivado_paths as vp
from vhdlgen.timing.paths import PathRecord

KINDS = ("report_timing", "report_timing_summary", "report_design_analysis", "report_utilization")
_HEADER = re.compile(r"^\|\s*([A-Za-z][A-Za-z ]*?)\s*:\s*(.*?)\s*$")
_VERSION = re.compile(r"v\.?\s*(\d{4}\.\d+(?:\.\d+)?)")
_SUMMARY_HEAD = re.compile(r"^\s*Startpoint\s+Endpoint\s+Slack\(ns\)\s*$")
_NUM_OR_INF = re.compile(rf"^(inf|{vp.NUMBER})$")
_CLOCK_ROW = re.compile(rf"^\s*(\S+)\s+\{{[^}}]*\}}\s+({vp.NUMBER})\s+({vp.NUMBER})")
_LUTS = re.compile(r"^\|\s*(?:CLB|Slice) LUTs\*?\s*\|\s*(\d+)\s*\|")
_HIER_LUTS = re.compile(r"^\|\s*\S+\s*\|\s*\(top\)\s*\|\s*(\d+)\s*\|")  # -hierarchical: the top row
_LEVEL_HEAD = re.compile(r"^\|\s*End Point Clock\s*\|\s*Requirement\s*\|(.*)\|\s*$")


@dataclass(frozen=True)
class SkippedPath:
    """A path the delay model does not predict, and why (hold, unconstrained, ...)."""

    startpoint: str
    endpoint: str
    reason: str
    line: int  # 1-based line of its Slack line


@dataclass(frozen=True)
class SummaryPath:
    """A row of `report_timing -path_type summary`: start, end and slack (None: inf)."""

    startpoint: str
    endpoint: str
    slack_ns: float | None


@dataclass(frozen=True)
class DesignTiming:
    """The "Design Timing Summary" row of report_timing_summary, ns (None where Vivado says NA)."""

    wns_ns: float | None
    tns_ns: float | None
    failing_endpoints: int | None
    total_endpoints: int | None
    whs_ns: float | None
    ths_ns: float | None


@dataclass(frozen=True)
class LogicLevelRow:
    """A row of report_design_analysis -logic_level_distribution: end points per logic level."""

    clock: str
    requirement_ns: float | None
    counts: dict[str, int]  # column label ("0", "1", ... as Vivado prints them) -> end points


@dataclass(frozen=True)
class VivadoReport:
    """Everything read from one report file."""

    file: str
    kind: str                      # one of KINDS
    design: str
    part: str
    speed_grade: str
    vivado: str
    state: str | None              # "routed" | "placed" | "synthesized" | None (not said)
    command: str = ""
    paths: tuple[PathRecord, ...] = ()
    skipped: tuple[SkippedPath, ...] = ()
    summary_paths: tuple[SummaryPath, ...] = ()
    design_timing: DesignTiming | None = None
    clocks: dict[str, float] = field(default_factory=dict)  # name -> period, ns
    logic_levels: tuple[LogicLevelRow, ...] = ()
    luts: int | None = None

    @property
    def wns_ns(self) -> float | None:
        """The design's worst setup slack: the Design Timing Summary's; else, for a
        `report_timing` of setup paths without path filters (-from/-to/-through/...), which
        lists the worst paths first, its smallest slack; else None."""
        if self.design_timing is not None:
            return self.design_timing.wns_ns
        if self.kind != "report_timing" or _FILTERS.search(self.command):
            return None
        slacks = [p.slack_ns for p in self.summary_paths if p.slack_ns is not None]
        slacks += [p.slack_ns for p in self.paths]
        return min(slacks) if slacks else None


_FILTERS = re.compile(r"-(from|to|through|rise_from|fall_from|rise_to|fall_to|of_objects|group|"
                      r"delay_type\s+min\w*|hold|slack_greater_than|cells?|nets?|pins?)\b")


def read_report(path: Path, source: str | None = None) -> VivadoReport:
    """Read one Vivado report file; `source` (default: the file name) goes into its records."""
    try:
        text = Path(path).read_text(errors="replace")
    except OSError as error:
        raise UserError(f"cannot read the Vivado report {path}: "
                        f"{error.strerror or error}") from error
    return parse_report(text, str(path), source or str(path))


def parse_report(text: str, name: str, source: str) -> VivadoReport:
    """Read the text of one report; `name` is used in error messages, `source` in the records."""
    lines = text.splitlines()
    try:
        return _parse(lines, name, source)
    except vp.ParseError as error:
        found = lines[error.index].strip() if 0 <= error.index < len(lines) else "(end of file)"
        raise UserError(f"{name}, line {error.index + 1}: expected {error.expected}; found "
                        f"{found[:100]!r}") from None


def _parse(lines: list[str], name: str, source: str) -> VivadoReport:
    header = _header(lines)
    kind = _kind(header, lines)
    if kind is None:
        raise vp.ParseError(0, "a Vivado report: a header with '| Command : report_timing ...' "
                            "(or report_timing_summary, report_design_analysis, "
                            "report_utilization)")
    for key in ("Device", "Tool Version"):
        if key not in header:
            raise vp.ParseError(0, f"the report header line '| {key} : ...'")
    grade = header.get("Speed File", "").split()
    version = _VERSION.search(header["Tool Version"])
    report = VivadoReport(
        file=name, kind=kind, design=header.get("Design", ""),
        part="-".join(header["Device"].split("-")[:2]),  # device-package, without the grade
        speed_grade=grade[0] if grade else "", vivado=version.group(1) if version else "",
        state=_state(header.get("Design State")), command=header.get("Command", ""))
    if kind == "report_utilization":
        return dataclasses.replace(report, luts=_luts(lines))
    if kind == "report_design_analysis":
        return dataclasses.replace(report, logic_levels=_logic_levels(lines))
    summary = _summary_paths(lines)
    timing = _design_timing(lines) if kind == "report_timing_summary" else None
    report = dataclasses.replace(report, summary_paths=summary, design_timing=timing,
                                 clocks=_clocks(lines))
    return _with_paths(report, lines, source)


def _header(lines: list[str]) -> dict[str, str]:
    """The "| Key : value" lines at the top of a report (before its first blank line)."""
    header: dict[str, str] = {}
    for line in lines[:40]:
        match = _HEADER.match(line.strip())
        if match and match.group(1) not in header:
            header[match.group(1)] = match.group(2)
        elif header and not line.strip():
            break
    return header


def _kind(header: dict[str, str], lines: list[str]) -> str | None:
    words = header.get("Command", "").split()
    if words and words[0] in KINDS:
        return words[0]
    body = "\n".join(lines[:200])
    for marker, kind in (("Timing Summary Report", "report_timing_summary"),
                         ("Design Analysis", "report_design_analysis"),
                         ("Utilization Design Information", "report_utilization"),
                         ("Timing Report", "report_timing")):
        if marker in body:
            return kind
    return None


def _state(said: str | None) -> str | None:
    """routed / placed / synthesized from the header's Design State (Vivado 2022+)."""
    low = (said or "").lower().replace(" ", "")
    if not low:
        return None
    if "unplaced" in low or "synth" in low or "optimized" in low:
        return "synthesized"
    if low == "routed" or low.endswith("postroute"):
        return "routed"
    return "placed" if "place" in low or "rout" in low else None


def _with_paths(report: VivadoReport, lines: list[str], source: str) -> VivadoReport:
    """Read every detailed path block: setup paths become records, the others are skipped."""
    blocks: list[vp.PathBlock] = []
    i = 0
    while i < len(lines):
        if vp.SLACK_START.match(lines[i]):
            probe = vp.read_block(lines, i, with_table=False)
            block = vp.read_block(lines, i, with_table=_skip_reason(probe) is None)
            blocks.append(block)
            i = max(block.end, i + 1)
        else:
            i += 1
    state = report.state or _state_from_nets(blocks)
    paths, skipped = [], []
    for block in blocks:
        reason = _skip_reason(block) or _state_reason(state)
        start, end = _pin(block, "Source"), _pin(block, "Destination")
        if reason:
            skipped.append(SkippedPath(start, end, reason, block.line + 1))
        else:
            paths.append(_record(report, block, state, source))
    return dataclasses.replace(report, state=state, paths=tuple(paths), skipped=tuple(skipped))


def _skip_reason(block: vp.PathBlock) -> str | None:
    kind = block.path_type.split()[0].lower() if block.path_type else ""
    if block.slack_ns is None or block.fields.get("Path Group", "") == "(none)" or not kind:
        return "unconstrained (no clock requirement)"
    if kind != "setup":
        return f"{kind} check (the model predicts setup paths)"
    if block.source_is_port or block.destination_is_port:
        return "starts or ends at a port (the model predicts register-to-register paths)"
    if "Requirement" not in block.fields:
        return "no requirement"
    return None


def _state_reason(state: str | None) -> str | None:
    if state in ("routed", "placed"):
        return None
    return "the design is not placed (the model is calibrated on placed and routed paths)"


def _state_from_nets(blocks: list[vp.PathBlock]) -> str | None:
    """State of a report without a Design State line (Vivado before 2022): from its nets."""
    routings = {e.routing for b in blocks for e in b.elements if e.kind == "net"}
    if "unplaced" in routings:
        return "synthesized"
    if "estimated" in routings:
        return "placed"
    return "routed" if "routed" in routings else None


def _pin(block: vp.PathBlock, name: str) -> str:
    return block.fields.get(name, "").split(" ")[0]


def _record(report: VivadoReport, block: vp.PathBlock, state: str | None,
            source: str) -> PathRecord:
    if not block.elements or block.elements[0].kind != "clock_to_q":
        raise vp.ParseError(block.line, "a data path that starts with the launch register's "
                            "clock-to-Q line '<FF> (Prop_..._C_Q)'")
    total, logic, route = block.data_path()
    return PathRecord(
        source=source, design=report.design, part=report.part, speed_grade=report.speed_grade,
        vivado=report.vivado, state=state or "", target_ns=block.number("Requirement") or 0.0,
        slack_ns=block.slack_ns, design_wns_ns=None, design_luts=None,
        startpoint=_pin(block, "Source"), endpoint=_pin(block, "Destination"),
        elements=block.elements, data_path_ns=total, logic_ns=logic, route_ns=route,
        logic_levels=block.logic_levels(), setup_ns=block.setup_ns,
        clock_uncertainty_ns=block.number("Clock Uncertainty"),
        clock_skew_ns=block.number("Clock Path Skew"))


def _summary_paths(lines: list[str]) -> tuple[SummaryPath, ...]:
    """Rows of every "Startpoint Endpoint Slack(ns)" table; a long startpoint wraps its row."""
    rows: list[SummaryPath] = []
    i = 0
    while i < len(lines):
        if not _SUMMARY_HEAD.match(lines[i]):
            i += 1
            continue
        i += 2  # the header and its rule
        words: list[str] = []
        while i < len(lines) and lines[i].strip():
            words += lines[i].split()
            if len(words) >= 3:
                if len(words) > 3 or not _NUM_OR_INF.match(words[2]):
                    raise vp.ParseError(i, "a row '<startpoint> <endpoint> <slack>' of the "
                                        "path summary table")
                slack = None if words[2] == "inf" else float(words[2])
                rows.append(SummaryPath(words[0], words[1], slack))
                words = []
            i += 1
        if words:
            raise vp.ParseError(i - 1, "the endpoint and slack of the last summary row")
    return tuple(rows)


def _section(lines: list[str], title: str) -> int | None:
    """Index of the line after a "| <title>" section heading, or None."""
    for i, line in enumerate(lines):
        if line.strip() == f"| {title}":
            return i + 1
    return None


def _design_timing(lines: list[str]) -> DesignTiming | None:
    start = _section(lines, "Design Timing Summary")
    if start is None:
        return None
    for i in range(start, min(start + 12, len(lines))):
        if "WNS(ns)" in lines[i]:
            names = re.split(r"\s{2,}", lines[i].strip())
            values = lines[i + 2].split() if i + 2 < len(lines) else []
            if len(values) != len(names):
                raise vp.ParseError(i + 2, f"{len(names)} values under the Design Timing "
                                    "Summary header (numbers or NA)")
            row = dict(zip(names, values))
            try:
                return DesignTiming(
                    _value(row, "WNS(ns)", float), _value(row, "TNS(ns)", float),
                    _value(row, "TNS Failing Endpoints", int),
                    _value(row, "TNS Total Endpoints", int),
                    _value(row, "WHS(ns)", float), _value(row, "THS(ns)", float))
            except ValueError:
                raise vp.ParseError(i + 2, "numbers or NA in the Design Timing Summary "
                                    "row") from None
    raise vp.ParseError(start, "the 'WNS(ns) TNS(ns) ...' header of the Design Timing Summary")


def _value(row: dict[str, str], name: str, kind: type) -> float | int | None:
    text = row.get(name, "NA")
    return None if text == "NA" else kind(text)


def _clocks(lines: list[str]) -> dict[str, float]:
    """Clock name -> period (ns) from the "Clock Summary" table."""
    start = _section(lines, "Clock Summary")
    clocks: dict[str, float] = {}
    for line in lines[start:start + 200] if start is not None else []:
        row = _CLOCK_ROW.match(line)
        if row:
            clocks[row.group(1)] = float(row.group(2))
        elif clocks and not line.strip():
            break
    return clocks


def _luts(lines: list[str]) -> int | None:
    """The design's LUTs: the "CLB LUTs" row, or the top row's Total LUTs of -hierarchical."""
    hierarchical = any(re.search(r"\|\s*Instance\s*\|\s*Module\s*\|\s*Total LUTs", line)
                       for line in lines[:80])
    for line in lines:
        match = (_HIER_LUTS if hierarchical else _LUTS).match(line.strip())
        if match:
            return int(match.group(1))
    return None


def _logic_levels(lines: list[str]) -> tuple[LogicLevelRow, ...]:
    """Rows of every logic-level distribution table (columns: the levels)."""
    rows: list[LogicLevelRow] = []
    for i, line in enumerate(lines):
        head = _LEVEL_HEAD.match(line.strip())
        if not head:
            continue
        labels = [c.strip() for c in head.group(1).split("|")]
        for j in range(i + 2, len(lines)):
            text = lines[j].strip()
            if text.startswith("+"):
                break
            cells = [c.strip() for c in text.strip("|").split("|")]
            if len(cells) != len(labels) + 2 or not all(c.isdigit() or not c for c in cells[2:]):
                raise vp.ParseError(j, f"a row '| <clock> | <requirement> | {len(labels)} "
                                    "counts |' of the logic level distribution")
            requirement = _NS_OF.match(cells[1])
            rows.append(LogicLevelRow(
                cells[0], float(requirement.group(1)) if requirement else None,
                {label: int(c or 0) for label, c in zip(labels, cells[2:])}))
    return tuple(rows)


_NS_OF = re.compile(rf"^({vp.NUMBER})\s*ns")


def combine(reports: list[VivadoReport]) -> tuple[PathRecord, ...]:
    """The setup paths of all reports, each once (build.tcl's timing summary and its
    report_timing list the same worst paths), each given its design's WNS and LUTs from any
    report of the same design in the same folder: WNS from one of the same state, LUTs from any."""
    wns: dict[tuple, float] = {}
    luts: dict[tuple, int] = {}
    for report in reports:
        key = (str(Path(report.file).parent), report.design, report.part)
        if report.wns_ns is not None and report.state in ("routed", "placed"):
            wns.setdefault(key + (report.state,), report.wns_ns)
        if report.luts is not None:
            luts.setdefault(key, report.luts)
    records, seen = [], set()
    for report in reports:
        key = (str(Path(report.file).parent), report.design, report.part)
        for path in report.paths:
            identity = (key, path.state, path.startpoint, path.endpoint, path.data_path_ns,
                        path.slack_ns)
            if identity not in seen:
                seen.add(identity)
                records.append(dataclasses.replace(
                    path, design_wns_ns=wns.get(key + (path.state,)), design_luts=luts.get(key)))
    return tuple(records)
