"""`HwDesign`: THE hardware design between lowering and every output.

    IR graph --lower (names.unit_names)--> scheduled units --make_design--> HwDesign
        --emitters (vhdlgen.rtl.emitters: VHDL, report, Vivado, testbench, a client's)-->
        {relative path: text} --writer (vhdlgen.rtl.writer)--> DIR/

It holds the named, scheduled units, the ports, the latency (summed here and nowhere else),
the timing, the file list (derived here once) and a client's part (`vhdlgen.rtl.client`); the
build report (`vhdlgen.report.BuildReport`) is a view of it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING

from vhdlgen import __version__
from vhdlgen.ir import Graph
from vhdlgen.rtl.lower import Unit, lower
from vhdlgen.rtl.names import UNISIM_FILES, check_unique, choose_top, network_files
from vhdlgen.rtl.render import HeaderInfo, Port
from vhdlgen.rtl.schedule import Timing

if TYPE_CHECKING:
    from vhdlgen.report import BuildReport
    from vhdlgen.rtl.build_options import BuildOptions
    from vhdlgen.rtl.client import ClientPart


@dataclass(frozen=True)
class HwDesign:
    """A network's hardware: `units` (named and scheduled, in order) under the top entity
    `network_top`, built with `options`; `part`: what a build client adds around it (a new
    top, its files, its latency), or None."""

    graph: Graph
    options: BuildOptions
    network_top: str
    renamed: tuple[str, ...]
    units: tuple[Unit, ...]
    info: HeaderInfo  # what every generated file says about its origin
    part: ClientPart | None = None

    @property
    def in_port(self) -> Port:
        return Port.of(self.graph.input_tensor)

    @property
    def out_port(self) -> Port:
        return Port.of(self.graph.output)

    @property
    def timing(self) -> Timing:
        return self.options.timing

    @cached_property
    def output_cycles(self) -> tuple[int, ...]:
        """The cycle (after in_valid) at which each unit's output is valid: THE latency sum."""
        start = int(self.options.register_inputs)
        return tuple(accumulate((unit.latency for unit in self.units), initial=start))[1:]

    @property
    def network_latency(self) -> int:
        """The network's cycles, in_data to out_data (its input register included)."""
        return self.output_cycles[-1] if self.units else int(self.options.register_inputs)

    @property
    def latency_cycles(self) -> int:
        """The whole design's cycles (a client's part included)."""
        return self.part.latency_cycles if self.part is not None else self.network_latency

    @property
    def top(self) -> str:
        """The top entity: the client part's, else the network's."""
        return self.part.top if self.part is not None else self.network_top

    @cached_property
    def network_sources(self) -> tuple[str, ...]:
        """The network's VHDL files in compile order (`names.network_files`)."""
        return network_files(self.network_top, [unit.entity for unit in self.units])

    @property
    def unisim_sources(self) -> tuple[str, ...]:
        """GHDL's UNISIM primitives (`names.UNISIM_FILES`, in DIR/rtl/) when a unit instantiates
        them, else (): not in the file list, Vivado has its own."""
        return UNISIM_FILES if any(unit.primitive_stages for unit in self.units) else ()

    @property
    def sources(self) -> tuple[str, ...]:
        """Every VHDL file of DIR/rtl in compile order: THE file list (rtl/sources.f)."""
        return self.network_sources + (self.part.sources if self.part is not None else ())

    @cached_property
    def report(self) -> BuildReport:
        """The build report of this design (report.json, report.txt, the manifest's)."""
        from vhdlgen.rtl.build_report import make_report

        report = make_report(self)
        return self.part.report(report) if self.part is not None else report


def top_name(graph: Graph, options: BuildOptions, model_name: str | None = None
             ) -> tuple[str, str | None]:
    """(top entity name, how it was renamed or None): `options.top`, else the model's name
    (`model_name`, else the model file's stem), made safe by `names.choose_top`."""
    stem = Path(graph.source).stem if graph.source else "network"
    return choose_top(options.top, model_name or stem)


def make_design(graph: Graph, options: BuildOptions, model_name: str | None = None) -> HwDesign:
    """Lower, name and schedule `graph` into its design (with the client's part, if any);
    UserError when two generated files would share a name."""
    top, renamed = top_name(graph, options, model_name)
    units = lower(graph, top, options.timing, options.share_depth, options.adder_inputs,
                  not options.register_layers, options.pipeline_goal)
    info = HeaderInfo(__version__, Path(graph.source).name if graph.source else "(in memory)",
                      graph.source_hash or "-", options.describe())
    design = HwDesign(graph, options, top, (renamed,) if renamed else (), tuple(units), info)
    check_unique([*design.sources, "sources.f"])
    part = options.client.extend(design) if options.client is not None else None
    if part is not None:
        design = replace(design, part=part)
        check_unique([*design.sources, "sources.f"])
    return design
