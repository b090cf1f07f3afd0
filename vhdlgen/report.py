"""The build report: ONE typed schema, with a version (`FORMAT`), of what `build` made.

report.json is `BuildReport.to_json()`; the manifest DIR/vhdlgen-build.json carries the same
object under 'report' (and its own 'format' is the same number); report.txt is its readable
form (`vhdlgen.rtl.build_report.format_report`); `Design.report` is the object itself.
`BuildReport.from_json` reads it back: the current format, or format 2 (the same fields without
the version), and refuses anything else, naming what it found.

Format history: 1: manifest with files only, the IR pickled in graph.pkl; 2: report and network
in the manifest, report.json without a version; 3: report.json and the manifest's report carry
'format': 3 (the fields are those of format 2).
"""
from __future__ import annotations

import dataclasses
import functools
import sys
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = 3
READABLE_FORMATS = (2, FORMAT)  # 2: the same fields, without the 'format' key


def _key(spec: dataclasses.Field) -> str:
    return spec.metadata.get("key", spec.name)


def _omit(spec: dataclasses.Field) -> bool:
    """Fields left out of the JSON when None (or empty): they are optional in the schema."""
    return spec.metadata.get("optional", False)


def _json_value(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return value.to_json()
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    return value


@functools.lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(sys.modules[__name__]))


class _Schema:
    """JSON <-> dataclass by field name. Field metadata: 'key' renames it in the JSON,
    'optional' leaves it out when None or empty, 'spread' marks the mapping of further keys
    (a client's sections) written verbatim after the schema's own, 'skip' keeps a field out of
    the JSON altogether."""

    def to_json(self) -> dict:
        data: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for spec in dataclasses.fields(self):
            value = getattr(self, spec.name)
            if spec.metadata.get("skip"):
                continue
            if spec.metadata.get("spread"):
                extra = dict(value)
            elif not (_omit(spec) and (value is None or value == ())):
                data[_key(spec)] = _json_value(value)
        return {**data, **extra}

    @classmethod
    def from_json(cls, data: Any, where: str = "report") -> Any:
        """The object of `data` (JSON); ValueError naming the first key that does not fit."""
        if not isinstance(data, dict):
            raise ValueError(f"{where} is {type(data).__name__}, expected an object")
        hints = _hints(cls)
        values, known = {}, set()
        for spec in dataclasses.fields(cls):
            key = _key(spec)
            known.add(key)
            if spec.metadata.get("skip") or spec.metadata.get("spread"):
                continue
            if key not in data:
                if _omit(spec) or spec.default is not dataclasses.MISSING:
                    continue
                raise ValueError(f"{where} has no '{key}'")
            values[spec.name] = _read(data[key], hints[spec.name], f"{where}.{key}")
        spread = [s for s in dataclasses.fields(cls) if s.metadata.get("spread")]
        if spread:
            values[spread[0].name] = {k: v for k, v in data.items() if k not in known}
        return cls(**values)


def _read(value: Any, kind: Any, where: str) -> Any:
    """`value` checked against the annotation `kind` (nested schemas read, lists as tuples)."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        kind = next(a for a in args if a is not type(None))
        origin, args = typing.get_origin(kind), typing.get_args(kind)
    if isinstance(kind, type) and issubclass(kind, _Schema):
        return kind.from_json(value, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise ValueError(f"{where} is {value!r}, expected a list")
        return tuple(_read(v, args[0], f"{where}[{i}]") for i, v in enumerate(value))
    expected = {int: (int,), float: (int, float), str: (str,), bool: (bool,), dict: (dict,),
                Any: (object,)}.get(origin or kind, (object,))
    if not isinstance(value, expected) or (isinstance(value, bool) and bool not in expected):
        raise ValueError(f"{where} is {value!r}, expected {getattr(kind, '__name__', kind)}")
    return value


def _opt(key: str | None = None) -> dict:
    return {"optional": True, **({"key": key} if key else {})}


@dataclass(frozen=True)
class PortReport(_Schema):
    """A packed data port: `elements` codes of `element_width` bits in `format` (value = code x
    2**-frac_bits), element i at bits [i*element_width, (i+1)*element_width); `fields`: what
    each element means when they differ (a client's port, e.g. the Level-0 chain's outputs)."""

    width: int
    elements: int
    element_width: int
    signed: bool
    frac_bits: int | None
    format: str
    shape: tuple[int, ...]
    order: str
    fields: tuple[dict, ...] | None = field(default=None, metadata=_opt())


@dataclass(frozen=True)
class UnitReport(_Schema):
    """One layer entity: the Keras layers it implements, its cycles, adders and stages.
    `entity_latency_cycles`: the entity's cycles when an output unit's are booked apart."""

    name: str
    entity: str
    source_layers: tuple[str, ...]
    kind: str
    latency_cycles: int
    arithmetic: str
    output_cycle: int
    top_signal: str
    input: PortReport
    output: PortReport
    adders: int
    shared_adders: int
    adder_depth: int
    max_adder_width: int
    registers: int
    lut_estimate: int
    stage_delays: tuple[float, ...]
    stage_logic_levels: tuple[int, ...]
    registered_output: bool
    requantizers: int
    entity_latency_cycles: int | None = field(default=None, metadata=_opt())


@dataclass(frozen=True)
class OutputUnitReport(_Schema):
    """The --output-format requantizer when it is rendered inside the last layer's `entity`:
    the cycles after that layer's last adder stage, booked here rather than under the layer."""

    name: str
    source_layers: tuple[str, ...]
    entity: str
    kind: str
    latency_cycles: int
    output_cycle: int
    output: PortReport
    stage_delays: tuple[float, ...]
    stage_logic_levels: tuple[int, ...]
    requantizers: int
    note: str


@dataclass(frozen=True)
class CriticalStage(_Schema):
    unit: str
    stage: int
    logic_ns: float


@dataclass(frozen=True)
class TimingReport(_Schema):
    """The delay model's view of the stages (absent with a fixed adder-level pipeline)."""

    model: str
    corner: str
    corner_error: tuple[float, ...]
    corner_note: str
    delay_model: dict
    margin_ns: float
    max_logic_levels: int
    deepest_stage_logic_levels: int
    critical_stage: CriticalStage
    estimated_period_ns: float
    estimated_fmax_mhz: float


@dataclass(frozen=True)
class BuildReport(_Schema):
    """What `build` made: the top entity, its latency (clock cycles, and ns at `clock_ns`), its
    ports, the VHDL files in compile order (relative to DIR/rtl), every unit (report.json's
    'layers'), the delay model's timing (None with a fixed adder-level pipeline), what was
    renamed, and `client`: the sections a build client adds (the Level-0 chain's 'front_end',
    'extra_units', ...), kept as they are. `build_dir` and `build_seconds` are not in the JSON."""

    format: int
    vhdlgen_version: str
    top: str
    model: str
    model_sha256: str | None
    latency_cycles: int
    clock_ns: float
    latency_ns: float
    part: str
    adder_levels_per_stage: int | None
    share_depth: int
    register_inputs: bool
    register_layers: bool
    in_data: PortReport
    out_data: PortReport
    units: tuple[UnitReport, ...] = field(metadata={"key": "layers"})
    adders: int
    shared_adders: int
    lut_estimate: int
    sources: tuple[str, ...]
    # GHDL's UNISIM files in rtl/ (component package, simulation models), not in `sources`
    unisim_sources: tuple[str, ...] = field(default=(), metadata=_opt())
    renamed: tuple[str, ...] = field(default=(), metadata=_opt())
    output_unit: OutputUnitReport | None = field(default=None, metadata=_opt())
    timing: TimingReport | None = field(default=None, metadata=_opt())
    client: dict = field(default_factory=dict, metadata={"spread": True})
    build_dir: Path | None = field(default=None, metadata={"skip": True})
    build_seconds: float | None = field(default=None, metadata={"skip": True})

    @property
    def estimated_fmax_mhz(self) -> float | None:
        return self.timing.estimated_fmax_mhz if self.timing is not None else None

    @property
    def data(self) -> dict:
        """report.json's content (with `build_seconds` when the build measured it)."""
        data = self.to_json()
        if self.build_seconds is not None:
            data["build_seconds"] = self.build_seconds
        return data

    @classmethod
    def from_json(cls, data: Any, where: str = "report") -> "BuildReport":
        """report.json's content as a BuildReport (format 2 is read as the current one);
        ValueError saying what was found when it is another format or does not fit."""
        if isinstance(data, dict):
            found = data.get("format", 2)
            if found not in READABLE_FORMATS:
                raise ValueError(f"{where} is of format {found!r}; this vhdlgen reads formats "
                                 f"{', '.join(map(str, READABLE_FORMATS))}")
            data = {"format": FORMAT, **{k: v for k, v in data.items() if k != "format"}}
            data.pop("build_seconds", None)
        return super().from_json(data, where)

    def at(self, build_dir: Path) -> "BuildReport":
        """This report, attached to the folder it describes."""
        return dataclasses.replace(self, build_dir=Path(build_dir))
