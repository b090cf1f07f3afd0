"""THE registry of emitters: every output of a build is a function `emit(design) ->
{path relative to DIR: text}` registered here, and the writer (`vhdlgen.rtl.writer`) commits
their union. Built in, in this order: the network's VHDL (`vhdl`: DIR/rtl/*.vhd and
rtl/sources.f, the design's one file list), the report (`report`: report.json, report.txt),
the Vivado scripts (`vivado`: DIR/vivado/) and the testbench (`testbench`: DIR/tb/). A client
registers its own (the Level-0 chain: `vhdlgen.chain.client`); an emitter with nothing to say
for a design returns {}.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Callable

from vhdlgen.rtl.build_report import format_report
from vhdlgen.rtl.manifest import relative
from vhdlgen.rtl.names import check_unique
from vhdlgen.rtl.render import render_files
from vhdlgen.rtl.testbench import testbench_files
from vhdlgen.templating import templates_dir
from vhdlgen.vivado import VIVADO_DIR, vivado_files

if TYPE_CHECKING:
    from vhdlgen.rtl.design import HwDesign

Emitter = Callable[["HwDesign"], dict[str, str]]
RTL_DIR = "rtl"
FILE_LIST = "sources.f"
_REGISTRY: dict[str, Emitter] = {}


def register(name: str, emit: Emitter) -> None:
    """Add an emitter under `name` (once: registering a name twice is a programming error)."""
    if name in _REGISTRY:
        raise ValueError(f"an emitter named {name!r} is already registered")
    _REGISTRY[name] = emit


def unregister(name: str) -> None:
    """Remove the emitter `name` (a test's, or a client's that is no longer wanted)."""
    del _REGISTRY[name]


def registered() -> tuple[str, ...]:
    """The names of the registered emitters, in the order they run."""
    return tuple(_REGISTRY)


def emit_all(design: HwDesign) -> dict[str, str]:
    """Every registered emitter's files for `design`: {path relative to DIR: text}. A path that
    is not a clean relative path is a programming error; two files of one name (compared case-
    insensitively) are refused (`names.check_unique`)."""
    files: dict[str, str] = {}
    for name, emit in _REGISTRY.items():
        for path, text in emit(design).items():
            if relative(path) is None:
                raise ValueError(f"emitter {name!r} returned {path!r}, not a path inside DIR")
            check_unique([*files, path])
            files[path] = text
    return files


def emit_vhdl(design: HwDesign) -> dict[str, str]:
    """The network's VHDL in DIR/rtl/ and rtl/sources.f, the compile order of every file of
    the design (a client part's too, which its own emitter writes); GHDL's UNISIM files in
    DIR/rtl/unisim/ when the design instantiates primitives (not in sources.f)."""
    files = {f"{RTL_DIR}/{name}": text for name, text in render_files(design).items()}
    for name in design.unisim_sources:
        files[f"{RTL_DIR}/{name}"] = (templates_dir() / name).read_text()
    files[f"{RTL_DIR}/{FILE_LIST}"] = "".join(f"{name}\n" for name in design.sources)
    return files


def emit_report(design: HwDesign) -> dict[str, str]:
    """report.json (the typed report's JSON) and report.txt (its readable form)."""
    report = design.report
    return {"report.json": json.dumps(report.to_json(), indent=2) + "\n",
            "report.txt": format_report(report) + "\n"}


def emit_vivado(design: HwDesign) -> dict[str, str]:
    """DIR/vivado/: constraints, build and packaging scripts, the file list."""
    files = vivado_files(design.top, list(design.sources), design.options.clock_ns,
                         design.options.part)
    return {f"{VIVADO_DIR}/{name}": text for name, text in files.items()}


for _name, _emit in (("vhdl", emit_vhdl), ("report", emit_report), ("vivado", emit_vivado),
                     ("testbench", testbench_files)):
    register(_name, _emit)
