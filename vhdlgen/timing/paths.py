"""Timing paths as Vivado reports them, cell by cell: the records the delay model is calibrated
on (`calibration.json`, shipped with the package) and what `vhdlgen timing` reads back from a
user's own reports. Every delay is in ns.

A record holds only facts read off a report (names, numbers, the source it came from); the
schema is frozen here so that the calibration data, the fit and the report reader agree on it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from vhdlgen.errors import UserError

KINDS = ("clock_to_q", "cell", "net")
ROUTINGS = ("routed", "estimated", "unplaced")
STATES = ("routed", "placed")
#: "WNS near or below zero": a run is tight when its worst slack is at most this share of its target
TIGHT_FRACTION = 0.1
CALIBRATION_FILE = "calibration.json"

_PIN = r"[A-Z][A-Z0-9]*(?:\[\d+\])?"
_ARC_PINS = re.compile(rf"_({_PIN})_({_PIN})$")


@dataclass(frozen=True)
class Element:
    """One line of a path's data section: the launch register's clock-to-Q, a cell's input ->
    output arc, or the net between two cells."""

    kind: str               # "clock_to_q" | "cell" | "net"
    cell: str               # cell type ("FDRE", "LUT6", "CARRY8", "MUXF7"); "" for a net
    arc: str                # Vivado's Prop_ label without "Prop_" ("CARRY8_SLICEL_S[1]_CO[7]"); "" for a net
    delay_ns: float
    fanout: int | None = None    # nets: fo=N
    routing: str | None = None   # nets: "routed" | "estimated" | "unplaced"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"element kind must be one of {KINDS}, got {self.kind!r}")
        if self.kind == "net" and (self.fanout is None or self.routing not in ROUTINGS):
            raise ValueError(f"a net needs a fanout and a routing in {ROUTINGS}")

    @property
    def pins(self) -> tuple[str, str] | None:
        """(input pin, output pin) of a cell's arc, e.g. ("S[1]", "CO[7]"); None for a net or an
        arc whose last two fields are not pin names."""
        match = _ARC_PINS.search(self.arc)
        return (match.group(1), match.group(2)) if match else None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "cell": self.cell, "arc": self.arc,
                                "delay_ns": self.delay_ns}
        if self.kind == "net":
            data.update(fanout=self.fanout, routing=self.routing)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Element:
        return cls(kind=data["kind"], cell=data["cell"], arc=data["arc"],
                   delay_ns=float(data["delay_ns"]), fanout=data.get("fanout"),
                   routing=data.get("routing"))


@dataclass(frozen=True)
class PathRecord:
    """A register-to-register setup path of a placed or routed UltraScale+ design."""

    source: str             # repo@commit:path or URL of the report
    design: str
    part: str               # device as the report names it, e.g. "xcvu13p-flga2577"
    speed_grade: str        # as given: "-1", "-2", "-2L", "-3", ...
    vivado: str             # version, e.g. "2025.1"
    state: str              # "routed" | "placed"
    target_ns: float        # the path's requirement
    slack_ns: float
    design_wns_ns: float | None
    design_luts: int | None
    startpoint: str
    endpoint: str
    elements: tuple[Element, ...] = field(repr=False)
    data_path_ns: float = 0.0
    logic_ns: float = 0.0
    route_ns: float = 0.0
    logic_levels: int = 0
    setup_ns: float | None = None  # setup requirement of the capture pin (Vivado prints its
    #   negation in the Incr column): slack ~ target + skew - uncertainty - setup - data path
    clock_uncertainty_ns: float | None = None
    clock_skew_ns: float | None = None

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValueError(f"state must be one of {STATES}, got {self.state!r}")
        if not self.elements or self.elements[0].kind != "clock_to_q":
            raise ValueError("a path record starts with the launch register's clock_to_q")

    @property
    def tight(self) -> bool:
        """The run had no slack to spare: its WNS (or this path's slack when the WNS is unknown)
        is at most TIGHT_FRACTION of the target."""
        wns = self.slack_ns if self.design_wns_ns is None else self.design_wns_ns
        return wns <= TIGHT_FRACTION * self.target_ns

    @property
    def cells(self) -> tuple[Element, ...]:
        """The clock-to-Q and cell elements, in path order (the nets left out)."""
        return tuple(e for e in self.elements if e.kind != "net")

    @property
    def nets(self) -> tuple[Element, ...]:
        return tuple(e for e in self.elements if e.kind == "net")

    def to_json(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in _RECORD_FIELDS}
        data["elements"] = [e.to_json() for e in self.elements]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PathRecord:
        values = {name: data.get(name) for name in _RECORD_FIELDS}
        return cls(elements=tuple(Element.from_json(e) for e in data["elements"]), **values)


_RECORD_FIELDS = tuple(name for name in PathRecord.__dataclass_fields__ if name != "elements")


@dataclass(frozen=True)
class DesignSummary:
    """A whole design's result without path detail (e.g. JEDI-linear's summaries)."""

    source: str
    design: str
    part: str
    target_ns: float
    wns_ns: float
    luts: int
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DesignSummary:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


@dataclass(frozen=True)
class Calibration:
    """The packaged calibration data: path records and design summaries."""

    paths: tuple[PathRecord, ...]
    designs: tuple[DesignSummary, ...]

    def to_json(self) -> dict[str, Any]:
        return {"paths": [p.to_json() for p in self.paths],
                "designs": [d.to_json() for d in self.designs]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibration:
        return cls(paths=tuple(PathRecord.from_json(p) for p in data["paths"]),
                   designs=tuple(DesignSummary.from_json(d) for d in data.get("designs", [])))


def _load_packaged() -> Calibration:
    text = resources.files("vhdlgen.timing").joinpath(CALIBRATION_FILE).read_text()
    try:
        return Calibration.from_json(json.loads(text))
    except (KeyError, TypeError, ValueError) as error:
        raise UserError(f"the packaged {CALIBRATION_FILE} is damaged ({error}); reinstall "
                        "vhdlgen") from error


def load_calibration() -> tuple[PathRecord, ...]:
    """The path records shipped in the package (vhdlgen/timing/calibration.json)."""
    return _load_packaged().paths


def load_design_summaries() -> tuple[DesignSummary, ...]:
    """The whole-design results (no path detail) shipped beside the path records."""
    return _load_packaged().designs
