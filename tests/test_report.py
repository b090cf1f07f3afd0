"""vhdlgen/report.py: the build report's one typed schema and its version, and the readers of a
build folder (rtl/manifest.py) on the current format, the previous one (read) and others
(refused with one message saying what was found and to rebuild)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import qmodels
from vhdlgen.errors import UserError
from vhdlgen.report import FORMAT, BuildReport
from vhdlgen.rtl.build import MANIFEST, BuildOptions, build
from vhdlgen.rtl.manifest import load_build, read_build


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "edges"
    build(qmodels.wide_edges_graph(), out, BuildOptions(test_vectors=0, top="edges"))
    return out


def _copy(built: Path, folder: Path) -> Path:
    import shutil

    shutil.copytree(built, folder)
    return folder


def _rewrite(folder: Path, change) -> None:  # noqa: ANN001 - change(manifest dict)
    path = folder / MANIFEST
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_report_json_is_the_typed_report_and_carries_its_format(built) -> None:
    """report.json reads as the schema and writes back to the same JSON, key order included;
    the manifest holds the same object and the same format number."""
    text = (built / "report.json").read_text()
    data = json.loads(text)
    assert data["format"] == FORMAT == 3 and list(data)[0] == "format"
    report = BuildReport.from_json(data)
    assert json.dumps(report.to_json(), indent=2) + "\n" == text
    manifest = json.loads((built / MANIFEST).read_text())
    assert manifest["format"] == FORMAT and manifest["report"] == data
    assert report.top == "edges" and report.units[0].entity == data["layers"][0]["entity"]
    assert report.sources == tuple(data["sources"]) and report.client == {}


def test_format_2_build_is_read_as_the_current_format(built, tmp_path) -> None:
    """The previous format (manifest format 2, report without 'format') has the same fields:
    read_build and load_build read it, and a rebuild replaces it."""
    old = _copy(built, tmp_path / "old")

    def downgrade(data: dict) -> None:
        data["format"] = 2
        del data["report"]["format"]
    _rewrite(old, downgrade)
    build_ = read_build(old)
    assert build_.typed is not None and build_.typed.format == FORMAT
    assert build_.typed.to_json() == json.loads((built / "report.json").read_text())
    report, graph = load_build(old)
    assert "format" not in report and graph is not None
    build(qmodels.wide_edges_graph(), old, BuildOptions(test_vectors=0, top="edges"))
    assert json.loads((old / MANIFEST).read_text())["format"] == FORMAT


def test_format_1_build_is_refused_with_one_message(built, tmp_path) -> None:
    """A build whose network is pickled in graph.pkl (format 1) cannot be read: one message
    naming the format found and what to do."""
    old = _copy(built, tmp_path / "old")
    _rewrite(old, lambda data: data.update(format=1))
    with pytest.raises(UserError) as caught:
        read_build(old)
    message = str(caught.value)
    assert "format 1" in message and "rebuild" in message and "reads formats 2 and 3" in message
    assert "\n" not in message


def test_newer_format_is_refused_by_readers_and_by_a_rebuild(built, tmp_path) -> None:
    """A build of a newer vhdlgen: neither read nor replaced, and the message says so."""
    new = _copy(built, tmp_path / "new")
    _rewrite(new, lambda data: data.update(format=FORMAT + 1, vhdlgen_version="9.9"))
    for action in (lambda: read_build(new),
                   lambda: build(qmodels.wide_edges_graph(), new, BuildOptions(test_vectors=0))):
        with pytest.raises(UserError, match=rf"format {FORMAT + 1}, written by a newer vhdlgen "
                                            rf"\(9\.9\).*reads formats up to {FORMAT}"):
            action()


def test_a_report_missing_a_key_names_it(built, tmp_path) -> None:
    broken = _copy(built, tmp_path / "broken")
    _rewrite(broken, lambda data: data["report"]["layers"][0].pop("adders"))
    with pytest.raises(UserError, match=r"report\.layers\[0\] has no 'adders'.*rebuild"):
        read_build(broken)


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(format=7), "report is of format 7; this vhdlgen reads formats 2, 3"),
    (lambda d: d.update(latency_cycles="3"), "report.latency_cycles is '3', expected int"),
    (lambda d: d.update(register_inputs=1), "report.register_inputs is 1, expected bool"),
    (lambda d: d["in_data"].update(shape=4), "report.in_data.shape is 4, expected a list"),
])
def test_from_json_refuses_what_does_not_fit(built, change, message) -> None:
    data = json.loads((built / "report.json").read_text())
    change(data)
    with pytest.raises(ValueError) as caught:
        BuildReport.from_json(data)
    assert str(caught.value) == message


def test_client_sections_are_kept_after_the_schema_keys(built) -> None:
    """What a client adds (the chain's 'front_end', ...) is kept verbatim, in its order."""
    data = json.loads((built / "report.json").read_text())
    data.update(front_end={"kind": "rpc"}, latency={"chain_cycles": 9})
    report = BuildReport.from_json(data)
    assert report.client == {"front_end": {"kind": "rpc"}, "latency": {"chain_cycles": 9}}
    assert list(report.to_json()) == list(data)
