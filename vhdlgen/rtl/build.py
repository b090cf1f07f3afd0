"""`build`: IR graph -> `HwDesign` -> the registered emitters' files -> the writer -> DIR
(rtl/*.vhd, sources.f, report.json, report.txt, vivado/, tb/, and the manifest
DIR/vhdlgen-build.json: what the build wrote, so a rebuild replaces only that, and what the
build is, for simulate, estimate and the Vivado writer: `vhdlgen.rtl.manifest`)."""
from __future__ import annotations

import shutil
import time
from dataclasses import replace
from pathlib import Path

from vhdlgen.ghdl import synth_check
from vhdlgen.ir import Graph
from vhdlgen.report import BuildReport
from vhdlgen.rtl.build_options import (DEFAULT_CLOCK_NS, DEFAULT_MARGIN_NS, DEFAULT_PART,
                                       DEFAULT_SHARE_DEPTH, BuildOptions)
from vhdlgen.rtl.build_report import format_report, make_report
from vhdlgen.rtl.design import HwDesign, make_design, top_name
from vhdlgen.rtl.emitters import RTL_DIR, emit_all
from vhdlgen.rtl.names import UNISIM_COMPONENTS
from vhdlgen.rtl.outdir import MANIFEST, OutDir, check_out_dir
from vhdlgen.rtl.writer import Check, write_build

__all__ = ["BuildOptions", "DEFAULT_CLOCK_NS", "DEFAULT_MARGIN_NS", "DEFAULT_PART",
           "DEFAULT_SHARE_DEPTH", "MANIFEST", "OutDir", "build", "check_out_dir",
           "format_report", "make_report", "synth_gate", "top_name"]


def synth_gate(design: HwDesign) -> Check:
    """The writer's check of a staged build: `ghdl --synth` of the design's top."""
    def check(tree: Path) -> None:
        black_boxes = [tree / RTL_DIR / UNISIM_COMPONENTS] if design.unisim_sources else []
        synth_check(tree / RTL_DIR, list(design.sources), design.top, tree / "ghdl",
                    black_boxes)
        shutil.rmtree(tree / "ghdl")
    return check


def build(graph: Graph, out_dir: Path, options: BuildOptions = BuildOptions(),
          force: bool = False, model_name: str | None = None) -> BuildReport:
    """Generate the design into `out_dir`, never deleting what vhdlgen did not write; returns
    its report (attached to the folder, with the seconds the build took).

    `out_dir` may be missing (created), empty, or a previous build (only the files its manifest
    lists are replaced); any other folder only with `force` (nothing in it is deleted, and a
    file vhdlgen would overwrite is refused). Everything is written to DIR/.vhdlgen-partial-*
    first and moved in once complete; a failure or an interrupt restores the old state.
    The top entity is `options.top`, else `model_name`, else the model file's stem."""
    options.validate()
    target = check_out_dir(out_dir, force)
    started = time.perf_counter()
    design = make_design(graph, options, model_name)
    files = emit_all(design)
    write_build(target, files, design.report.to_json(), graph, synth_gate(design))
    return replace(design.report.at(target.path),
                   build_seconds=round(time.perf_counter() - started, 3))
