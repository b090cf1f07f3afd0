"""`--front-end rpc`: the whole Level-0 chain (strips -> fragmentation -> CNN -> pT, absolute
eta, window, trigger) on GHDL, bit for bit against `vhdlgen.chain.Chain` (numpy.array_equal).

Two designs: the shipped 4-bit student (models/student_4bit.h5) behind the dataset's geometry
(9 x 384 strips, 12 windows of 32, pool 2), and a one-Dense network behind another geometry
(4 x 96 strips, 6 windows of 16) to show that the geometry is a parameter. Streams: toy events
(muons and noise-only events), empty and all-fired events, ties between 2-4 windows, every
window the winner, single strips; back to back, then with random in_valid gaps. The windows the RTL keeps
are also checked against the ones the constructed sets were made to have.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchlib import assert_rtl_equal, file_lock, sampled_edges
from chain_events import constructed, tiny_graph
from vhdlgen.chain.client import ChainOptions
from vhdlgen.chain.geometry import StripGeometry
from vhdlgen.chain.rtl import chain_of

pytestmark = pytest.mark.sim

SMALL = StripGeometry(layers=4, strips=96, window_strips=16, pool=2)


class ChainDesign:
    """A chain build, its reference, and simulator runs under the build's lock."""

    def __init__(self, root: Path, key: str, graph_of, geometry: StripGeometry) -> None:
        from vhdlgen.rtl.build import BuildOptions, build
        from vhdlgen.rtl.manifest import load_build

        self.lock, self.dir = root / f"{key}.lock", root / key
        with file_lock(self.lock):
            if not (self.dir / "report.json").is_file():
                build(graph_of(), self.dir, BuildOptions(top=key, test_vectors=0, client=ChainOptions(
                    front_end="rpc", strip_geometry=geometry)))
        self.report, graph = load_build(self.dir)
        self.chain = chain_of(self.report, graph)

    def stream(self, strips: np.ndarray, **options):
        from vhdlgen.sim import runner

        with file_lock(self.lock):
            return runner.stream(self.dir, self.report, strips.reshape(len(strips), -1), **options)


def _student_graph():
    import vhdlgen

    return vhdlgen.load(Path(__file__).parents[1] / "models" / "student_4bit.h5").graph


@pytest.fixture(scope="module")
def student_chain(builds_root, require_ghdl) -> ChainDesign:
    return ChainDesign(builds_root, "chain_student4", _student_graph, StripGeometry())


@pytest.fixture(scope="module")
def small_chain(builds_root, require_ghdl) -> ChainDesign:
    return ChainDesign(builds_root, "chain_small", lambda: tiny_graph(SMALL), SMALL)


def _sets(geometry: StripGeometry, toy: int) -> tuple[np.ndarray, dict[str, slice], dict]:
    """All strips of one stream, where each set is, and the windows constructed sets must keep."""
    from vhdlgen.data import generate_events

    parts, kept = {}, {}
    if toy:
        parts["muons"] = generate_events(toy, seed=41, muon_fraction=1.0, full_image=True)["image"]
        parts["noise"] = generate_events(toy // 2, seed=42, muon_fraction=0.0,
                                         full_image=True)["image"]
    rng = np.random.default_rng(43)
    parts["random"] = (rng.random((100, geometry.layers, geometry.strips)) < 0.1).astype(np.uint8)
    for name, (strips, windows) in constructed(geometry, seed=44).items():
        parts[name], kept[name] = strips, windows
    where, start = {}, 0
    for name, strips in parts.items():
        where[name] = slice(start, start + len(strips))
        start += len(strips)
    return np.concatenate(list(parts.values())), where, kept


@pytest.mark.parametrize("which,toy", [("student_chain", 400), ("small_chain", 0)])
def test_chain_streams_back_to_back_bit_exact(request, which, toy) -> None:
    design = request.getfixturevalue(which)
    geometry = design.chain.geometry
    strips, where, kept = _sets(geometry, toy)
    result = design.stream(strips)
    expected = design.chain.predict_codes(strips)
    names = {i: n for n, s in where.items() for i in range(s.start, s.stop)}
    assert_rtl_equal(which, result.outputs, expected,
                     lambda i: f"event {i} (set {names.get(i)!r})")
    assert result.latency == design.report["latency_cycles"]
    assert np.array_equal(result.out_edges, sampled_edges(result.sampled)
                          + design.report["latency_cycles"]), "not one event per clock (II = 1)"
    for name, windows in kept.items():
        assert np.array_equal(result.outputs[where[name], 2], windows), name
    assert set(result.outputs[:, 2]) == set(range(geometry.windows))
    assert set(result.outputs[:, 3]) == {0, 1}, "the trigger bit never changed"


def test_chain_with_in_valid_gaps(student_chain) -> None:
    strips, _, _ = _sets(StripGeometry(), 200)
    result = student_chain.stream(strips, gap_probability=0.3, seed=7)
    assert 0.15 < (result.sampled[:, 0] < 0).mean() < 0.6, "the schedule made no gaps"
    assert_rtl_equal("chain_student4 (gaps)", result.outputs,
                     student_chain.chain.predict_codes(strips))
    latency = student_chain.report["latency_cycles"]
    assert np.array_equal(result.out_edges, sampled_edges(result.sampled) + latency)


def test_simulate_command_takes_the_strips_of_a_chain_build(student_chain, tmp_path,
                                                             capsys) -> None:
    from vhdlgen.__main__ import main
    from vhdlgen.data import generate_events, save_npz

    events = generate_events(100, seed=45, full_image=True)
    save_npz(str(tmp_path / "e.npz"), events)
    with file_lock(student_chain.lock):
        code = main(["simulate", "--build", str(student_chain.dir), "--input",
                     str(tmp_path / "e.npz"), "--output", str(tmp_path / "y.npy")])
    assert code == 0 and "RTL == reference, bit for bit" in capsys.readouterr().out
    assert np.array_equal(np.load(tmp_path / "y.npy"), student_chain.chain.predict(events["image"]))


def test_python_api_runs_the_chain(tmp_path, require_ghdl) -> None:
    """`vhdlgen.convert(..., front_end="rpc")`: predict takes strips and gives the chain's four
    outputs; build + simulate give the same, bit for bit."""
    import vhdlgen
    from vhdlgen.chain.reference import Chain
    from vhdlgen.data import generate_events

    model = Path(__file__).parents[1] / "models" / "student_4bit.h5"
    strips = generate_events(300, seed=7, full_image=True)["image"]
    design = vhdlgen.convert(model, front_end="rpc", threshold_gev=8.0, test_vectors=0)
    y = design.predict(strips)
    assert np.array_equal(y, Chain(vhdlgen.load(model), threshold_gev=8.0).predict(strips))
    assert y.shape == (300, 4) and 0 < y[:, 3].sum() < 300  # some events trigger, not all
    design.build(tmp_path / "chain")
    assert np.array_equal(design.simulate(strips), y)
