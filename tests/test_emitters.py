"""vhdlgen/rtl/design.py, emitters.py and writer.py: one design between lowering and every
output, the emitters registered in one place, one writer that commits what they return."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import qmodels
from vhdlgen.errors import UserError
from vhdlgen.rtl import emitters
from vhdlgen.rtl.build import MANIFEST, BuildOptions, build
from vhdlgen.rtl.design import make_design

BUILT_IN = ("vhdl", "report", "vivado", "testbench")


@pytest.fixture
def design():  # noqa: ANN201
    return make_design(qmodels.wide_edges_graph(),
                       BuildOptions(test_vectors=4, top="edges", register_inputs=True))


@pytest.fixture
def extra_emitter():  # noqa: ANN201 - registers a client's emitter for one test
    def notes(design) -> dict[str, str]:  # noqa: ANN001
        return {"extra/notes.txt": f"{design.top}: {design.latency_cycles} cycles\n"}
    emitters.register("test_notes", notes)
    yield "test_notes"
    if "test_notes" in emitters.registered():
        emitters.unregister("test_notes")


def test_latency_is_summed_once_and_every_view_agrees(design) -> None:
    units = design.units
    assert design.output_cycles == tuple(1 + sum(u.latency for u in units[:i + 1])
                                         for i in range(len(units)))
    report = design.report
    assert report.latency_cycles == design.latency_cycles == design.network_latency
    assert [u.output_cycle for u in report.units] == list(design.output_cycles)
    files = emitters.emit_all(design)
    package = " ".join(files["rtl/edges_pkg.vhd"].split())
    assert f"constant LATENCY : natural := {design.latency_cycles};" in package


def test_the_file_list_is_the_designs(design) -> None:
    """rtl/sources.f, the report's sources, the Vivado list and the files in rtl/ are one list."""
    files = emitters.emit_all(design)
    listed = files["rtl/sources.f"].split()
    assert listed == list(design.sources) == list(design.report.sources)
    unisim = list(design.unisim_sources)  # GHDL's models of the ternary adders' primitives
    assert sorted(listed + unisim) == sorted(p[4:] for p in files if p.startswith("rtl/") and
                                             p != "rtl/sources.f")
    assert not set(unisim) & set(listed)
    assert files["vivado/sources.f"].split() == [f"../rtl/{name}" for name in listed]
    assert listed[-1] == "edges.vhd" and [u.entity for u in design.units] == [
        name[:-4] for name in listed[3:-1]]


def test_the_built_in_emitters_are_registered_in_order() -> None:
    assert emitters.registered()[:4] == BUILT_IN
    with pytest.raises(ValueError, match="already registered"):
        emitters.register("vhdl", emitters.emit_vhdl)


def test_a_clients_emitter_is_written_and_listed_then_removed(design, extra_emitter,
                                                             tmp_path) -> None:
    out = tmp_path / "b"
    build(design.graph, out, design.options)
    assert (out / "extra" / "notes.txt").read_text() == f"edges: {design.latency_cycles} cycles\n"
    manifest = json.loads((out / MANIFEST).read_text())
    assert "extra/notes.txt" in manifest["files"] and "extra" in manifest["folders"]
    emitters.unregister(extra_emitter)
    build(design.graph, out, design.options)  # the manifest rule: what is no longer written goes
    assert not (out / "extra").exists()


@pytest.mark.parametrize("path", ["../escape.txt", "/abs.txt", "rtl/./x.vhd", ""])
def test_an_emitter_path_outside_the_folder_is_refused(design, path) -> None:
    emitters.register("test_bad", lambda _design: {path: "x"})
    try:
        with pytest.raises(ValueError, match="not a path inside DIR"):
            emitters.emit_all(design)
    finally:
        emitters.unregister("test_bad")


def test_two_emitters_writing_one_file_are_refused(design) -> None:
    emitters.register("test_clash", lambda _design: {"RTL/Edges.vhd": "-- mine\n"})
    try:
        with pytest.raises(UserError, match="two generated files would both be"):
            emitters.emit_all(design)
    finally:
        emitters.unregister("test_clash")


def test_scripts_are_executable_and_nothing_else_is(design, tmp_path) -> None:
    out = tmp_path / "b"
    build(design.graph, out, design.options)
    executable = sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                        if p.is_file() and p.stat().st_mode & 0o111)
    assert executable == ["tb/run_ghdl.sh", "tb/run_xsim.sh"]


def test_a_failing_check_leaves_nothing(design, tmp_path) -> None:
    """The writer's check runs on the staged tree; its error leaves no folder behind."""
    from vhdlgen.rtl.outdir import check_out_dir
    from vhdlgen.rtl.writer import write_build

    seen: list[Path] = []

    def check(tree: Path) -> None:
        seen.append(tree)
        assert (tree / "rtl" / "edges.vhd").is_file()
        raise UserError("refused by the check")

    target = check_out_dir(tmp_path / "new" / "b")
    with pytest.raises(UserError, match="refused by the check"):
        write_build(target, emitters.emit_all(design), design.report.to_json(), design.graph,
                    check)
    assert seen and not (tmp_path / "new").exists()
