"""`Design.report`: the build report (report.json) as typed, read-only data."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PortReport:
    """A packed data port: `elements` codes of `element_width` bits in `format` (value = code x
    2**-frac_bits), element i at bits [i*element_width, (i+1)*element_width)."""

    width: int
    elements: int
    element_width: int
    signed: bool
    frac_bits: int
    format: str
    shape: tuple[int, ...]

    @classmethod
    def from_json(cls, data: dict) -> "PortReport":
        return cls(data["width"], data["elements"], data["element_width"], data["signed"],
                   data["frac_bits"], data["format"], tuple(data["shape"]))


@dataclass(frozen=True)
class UnitReport:
    """One layer entity: the Keras layers it implements, its cycles and adders."""

    name: str
    entity: str
    source_layers: tuple[str, ...]
    latency_cycles: int
    adders: int
    lut_estimate: int
    output: PortReport

    @classmethod
    def from_json(cls, data: dict) -> "UnitReport":
        return cls(data["name"], data["entity"], tuple(data["source_layers"]),
                   data["latency_cycles"], data["adders"], data["lut_estimate"],
                   PortReport.from_json(data["output"]))


@dataclass(frozen=True)
class OutputUnitReport:
    """The --output-format requantizer when it is rendered inside the last layer's `entity`:
    the cycles after that layer's last adder stage, booked here rather than under the layer."""

    name: str
    entity: str
    latency_cycles: int
    output: PortReport

    @classmethod
    def from_json(cls, data: dict) -> "OutputUnitReport":
        return cls(data["name"], data["entity"], data["latency_cycles"],
                   PortReport.from_json(data["output"]))


@dataclass(frozen=True)
class BuildReport:
    """What `build` made in `build_dir`: the top entity, its latency (clock cycles, and ns at
    `clock_ns`), its ports, the VHDL files in compile order (relative to build_dir/rtl), every
    unit, and the delay model's fmax estimate (None with a fixed adder-level pipeline).
    `renamed` says which generated names differ from the model's; `data` is report.json.
    `output_unit`: the --output-format requantizer's own cycles, when it is fused into the last
    layer's entity (that unit's `latency_cycles` are then the layer's own)."""

    build_dir: Path
    top: str
    latency_cycles: int
    latency_ns: float
    clock_ns: float
    part: str
    in_data: PortReport
    out_data: PortReport
    sources: tuple[str, ...]
    units: tuple[UnitReport, ...]
    adders: int
    lut_estimate: int
    estimated_fmax_mhz: float | None
    renamed: tuple[str, ...]
    data: dict
    output_unit: OutputUnitReport | None = None

    @classmethod
    def from_json(cls, build_dir: Path, data: dict) -> "BuildReport":
        timing = data.get("timing")
        return cls(Path(build_dir), data["top"], data["latency_cycles"], data["latency_ns"],
                   data["clock_ns"], data["part"], PortReport.from_json(data["in_data"]),
                   PortReport.from_json(data["out_data"]), tuple(data["sources"]),
                   tuple(UnitReport.from_json(unit) for unit in data["layers"]),
                   data["adders"], data["lut_estimate"],
                   timing["estimated_fmax_mhz"] if timing else None,
                   tuple(data.get("renamed", ())), data,
                   OutputUnitReport.from_json(data["output_unit"]) if data.get("output_unit")
                   else None)
