"""The build manifest DIR/vhdlgen-build.json: what a build wrote, and what `simulate`,
`estimate` and the Vivado writer read back (documented in docs/vivado.md). Its format is the
report's (`vhdlgen.report.FORMAT`): one schema, one version.

`read_listing` is what `build` reads to know which files in DIR are vhdlgen's (any format);
`read_build` is the one reader of a finished build for every other command: it reads the
current format and format 2 (the same report without its version), and refuses format 1 (the
network pickled in graph.pkl) and any format it does not know with one message naming the
format found and telling to rebuild.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from vhdlgen import __version__
from vhdlgen.errors import UserError
from vhdlgen.ir import Graph
from vhdlgen.report import FORMAT, READABLE_FORMATS, BuildReport
from vhdlgen.rtl.graph_json import graph_from_json, graph_to_json

MANIFEST = "vhdlgen-build.json"
LISTING_FORMATS = (1, *READABLE_FORMATS)  # 1: files and folders only, the IR in graph.pkl
_IDENTIFIER = re.compile(r"^[A-Za-z](_?[A-Za-z0-9])*$")
_HINT = "run `python -m vhdlgen build --out DIR` first"


def relative(entry: object) -> str | None:
    """`entry` as a clean relative POSIX path inside DIR, or None if it is not one."""
    if not isinstance(entry, str) or not entry or "\\" in entry:
        return None
    path = PurePosixPath(entry)
    if path.is_absolute() or any(part in ("", ".", "..") for part in path.parts):
        return None
    return path.as_posix() if path.as_posix() == entry else None


def _check_newer(path: Path, data: object) -> None:
    """UserError when the manifest is of a format newer than this vhdlgen's."""
    found = data.get("format") if isinstance(data, dict) else None
    if isinstance(found, int) and not isinstance(found, bool) and found > FORMAT:
        raise UserError(f"{path} is of format {found}, written by a newer vhdlgen "
                        f"({data.get('vhdlgen_version', 'unknown version')}); this vhdlgen "
                        f"{__version__} reads formats up to {FORMAT}, so it neither reads nor "
                        "replaces that build; use that vhdlgen, or build into another --out "
                        "folder")


def read_listing(build_dir: Path) -> dict | None:
    """The manifest with its file and folder lists checked (any known format); None when DIR
    has none; UserError when it is damaged (then no file of DIR can be called vhdlgen's)."""
    path = Path(build_dir) / MANIFEST
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        _check_newer(path, data)
        if not isinstance(data, dict) or data.get("format") not in LISTING_FORMATS:
            raise ValueError("not a vhdlgen manifest of format "
                             f"{' or '.join(map(str, LISTING_FORMATS))}")
        if not isinstance(data.get("files"), list) or not isinstance(data.get("folders", []), list):
            raise ValueError("no list of files and folders")
        bad = [e for e in data["files"] + data.get("folders", []) if relative(e) is None]
        if bad:
            raise ValueError(f"it names paths outside the folder: {bad[:3]}")
    except (OSError, ValueError, TypeError) as error:
        raise UserError(
            f"{path} is damaged ({error}), so vhdlgen cannot tell which files in {path.parent} "
            "it wrote and will replace none of them; restore that file, or move the build's "
            "files away yourself, or choose another --out folder") from None
    return data


def _compact_arrays(data: object, arrays: list[str]) -> object:
    """`data` with every list of numbers replaced by a placeholder (kept in `arrays`)."""
    if isinstance(data, dict):
        return {key: _compact_arrays(value, arrays) for key, value in data.items()}
    if isinstance(data, list):
        if data and all(isinstance(v, (int, float)) for v in data):
            arrays.append(json.dumps(data))
            return f"\0{len(arrays) - 1}\0"
        return [_compact_arrays(value, arrays) for value in data]
    return data


def manifest_text(top: str, files: list[str], folders: list[str], complete: bool,
                  report: dict | None = None, graph: Graph | None = None) -> str:
    """The manifest as JSON text: indented, every list of numbers on one line."""
    data: dict[str, object] = {
        "format": FORMAT, "tool": "vhdlgen", "vhdlgen_version": __version__, "top": top,
        "complete": complete,
        "note": "written by `vhdlgen build`, see docs/vivado.md: a rebuild into this folder "
                "replaces exactly the files and (once empty) folders listed here, removes what "
                "simulate and estimate made from the old RTL and leaves everything else; "
                "simulate, estimate and the Vivado writer read `report` and `network`",
        "files": sorted(files), "folders": sorted(folders),
    }
    if report is not None:
        data["report"] = report
    if graph is not None:
        data["network"] = graph_to_json(graph)
    arrays: list[str] = []
    text = json.dumps(_compact_arrays(data, arrays), indent=2)
    for index, array in enumerate(arrays):
        text = text.replace(f'"\\u0000{index}\\u0000"', array, 1)
    return text + "\n"


@dataclass(frozen=True)
class Build:
    """A finished build folder, as its manifest describes it.

    `sources` are the VHDL files in compile order, relative to DIR/rtl; `clock_ns` the clock
    period in ns; `report` the build report (the content of report.json); `graph` the IR the
    RTL was generated from (None in a manifest written by hand for RTL that vhdlgen did not
    generate: estimate and the Vivado writer work, simulate does not); `typed` the report as
    `vhdlgen.report.BuildReport` (a format-2 report read as the current format; None in a
    manifest written by hand, whose report holds only what the readers use)."""

    folder: Path
    top: str
    sources: tuple[str, ...]
    latency_cycles: int
    clock_ns: float
    part: str
    report: dict
    graph: Graph | None
    typed: BuildReport | None = None  # `report` read as the schema; None without a network
    unisim_sources: tuple[str, ...] = ()  # GHDL's UNISIM files (relative to rtl/), if any

    @property
    def rtl_dir(self) -> Path:
        return self.folder / "rtl"

    @property
    def source_paths(self) -> list[Path]:
        return [self.rtl_dir / name for name in self.sources]

    @property
    def unisim_paths(self) -> list[Path]:
        return [self.rtl_dir / name for name in self.unisim_sources]


def _field(report: dict, key: str, kind: type | tuple[type, ...], what: str) -> object:
    value = report.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValueError(f"'{key}' is {value!r}, expected {what}")
    return value


def _design(folder: Path, data: dict) -> Build:
    report = data.get("report")
    if not isinstance(report, dict):
        raise ValueError("no 'report' object")
    top = _field(report, "top", str, "a VHDL entity name")
    if not _IDENTIFIER.match(top):
        raise ValueError(f"'top' is {top!r}, expected a VHDL entity name")
    sources = _field(report, "sources", list, "the VHDL files in compile order")
    if not sources or any(relative(s) is None for s in sources):
        raise ValueError(f"'sources' is {sources!r}, expected file names relative to rtl/")
    latency = _field(report, "latency_cycles", int, "a number of clock cycles")
    clock = _field(report, "clock_ns", (int, float), "the clock period in ns")
    if latency < 0 or not (math.isfinite(clock) and clock > 0):
        raise ValueError(f"latency {latency} cycles, clock {clock} ns: expected >= 0 and > 0")
    part = _field(report, "part", str, "an FPGA part name")
    network = data.get("network")
    graph = None if network is None else graph_from_json(network)
    typed = None if network is None else BuildReport.from_json(report)
    unisim = report.get("unisim_sources", [])
    if not isinstance(unisim, list) or any(relative(s) is None for s in unisim):
        raise ValueError(f"'unisim_sources' is {unisim!r}, expected file names relative to rtl/")
    return Build(folder, top, tuple(sources), latency, float(clock), part, report, graph, typed,
                 tuple(unisim))


def read_build(build_dir: Path) -> Build:
    """THE reader of a finished build (simulate, estimate, the Vivado writer); UserError
    naming the folder or file and what to do when DIR is not a complete, readable build."""
    folder = Path(build_dir)
    if not folder.is_dir():
        raise UserError(f"build folder {folder} does not exist (or is not a folder); {_HINT}")
    data = read_listing(folder)
    if data is None:
        raise UserError(f"{folder} is not a vhdlgen build (no {MANIFEST}); {_HINT}")
    if data.get("complete") is not True:
        raise UserError(f"{folder} holds a vhdlgen build that was interrupted while being "
                        f"written; {_HINT} again")
    if data["format"] not in READABLE_FORMATS:
        raise UserError(f"{folder} was built by an older vhdlgen (manifest format "
                        f"{data['format']}, the network in graph.pkl; this vhdlgen reads "
                        f"formats {' and '.join(map(str, READABLE_FORMATS))}); rebuild it: "
                        f"{_HINT}")
    try:
        build = _design(folder, data)
    except UserError as error:  # the network's layers do not fit together
        raise UserError(f"{folder / MANIFEST}: {error}; rebuild: {_HINT}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise UserError(f"{folder / MANIFEST} is not a readable vhdlgen build manifest "
                        f"({type(error).__name__}: {error}); rebuild: {_HINT}") from None
    for path in build.source_paths:
        if not path.is_file():
            raise UserError(f"{folder / MANIFEST} lists {path.name} as a source, but {path} "
                            f"does not exist; rebuild: {_HINT}")
    return build


def load_build(build_dir: Path) -> tuple[dict, Graph]:
    """(build report, IR graph) of a finished build, for `simulate`; UserError when DIR is not
    one or its manifest holds no network (a manifest written by hand)."""
    build = read_build(build_dir)
    if build.graph is None:
        raise UserError(f"{Path(build_dir) / MANIFEST} describes RTL without a network (no "
                        f"'network' section), so there is no reference to simulate against; "
                        f"{_HINT}")
    return build.report, build.graph
