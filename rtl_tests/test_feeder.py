"""The VHDL feeder (vhdlgen.sim.feeder) and simulators run side by side.

- The hex words the runner writes for the feeder and reads back from it are exactly the packed
  port words (vhdlgen.packing.pack / unpack), for unsigned, signed and wide elements; a word
  with an unknown ('x') digit is refused, not read as a number.
- processes=2 splits a stream over two simulators at once: the joined outputs equal the
  reference and the single-simulator stream of the same vectors, one per input, each exactly
  `latency` edges after its input.
- A run removes only the DIR/sim/run_* folder it made: the user's files there survive.
- (slow) 100,000 toy-dataset events through the shipped 4-bit student's default build, the way
  `vhdlgen simulate` runs them: numpy.array_equal with the reference. bench/bench_sim.py times
  the same run; test_stream.py and the test above cover the property in the default suite.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchlib import assert_rtl_equal, sampled_edges
from vhdlgen.packing import from_hex, pack, to_hex, unpack

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("elements,width,signed", [(144, 2, False), (2, 25, True), (3, 7, True),
                                                   (1, 1, False), (5, 33, True), (4, 62, False)])
def test_hex_words_are_the_packed_words(elements, width, signed) -> None:
    rng = np.random.default_rng(width)
    lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    codes = rng.integers(lo, hi, size=(500, elements), endpoint=True, dtype=np.int64)
    codes[:2] = [[lo] * elements, [hi] * elements]
    text = to_hex(codes, width)
    words = [format(v, f"0{text.shape[1]}x").encode() for v in pack(codes, width)]
    assert [bytes(row) for row in text] == words
    assert np.array_equal(from_hex(text, elements, width, signed), codes)
    assert np.array_equal(unpack(pack(codes, width), elements, width, signed), codes)


def test_unknown_hex_digit_is_refused() -> None:
    text = to_hex(np.array([[1, 2], [3, 4]]), 25)
    text[1, 3] = ord("x")
    with pytest.raises(ValueError, match="row 1"):
        from_hex(text, 2, 25, True)


@pytest.mark.sim
def test_two_simulators_at_once(designs) -> None:
    design = designs("student4")
    codes = design.codes[:1200]
    result = design.stream(codes, processes=2)
    assert_rtl_equal("student4 (2 simulators)", result.outputs, design.expected[:1200])
    assert np.array_equal(result.outputs, design.result.outputs[:1200])
    in_edges = sampled_edges(result.sampled)
    assert len(in_edges) == len(codes) == len(result.out_edges)
    assert np.array_equal(result.out_edges, in_edges + design.latency)
    assert result.latency == design.latency


@pytest.mark.sim
def test_a_stream_removes_only_its_own_run_folder(designs) -> None:
    """Each run writes into a fresh DIR/sim/run_* folder it creates and removes that folder
    alone: a file and a run_-named folder of the user's in DIR/sim survive, and no run folder of
    the simulator is left behind after a run that worked."""
    from vhdlgen.sim import runner

    design = designs("dense_only")
    sim = design.build_dir / "sim"
    with design.locked():  # no other run of this build meanwhile
        (sim / "notes.txt").write_text("mine")
        (sim / "run_mine").mkdir(exist_ok=True)
        (sim / "run_mine" / "keep.txt").write_text("mine too")
        before = {p.name for p in sim.glob("run_*")}
        result = runner.stream(design.build_dir, design.report, design.codes[:50])
        after = {p.name for p in sim.glob("run_*")}
        assert (sim / "notes.txt").read_text() == "mine"
        assert (sim / "run_mine" / "keep.txt").read_text() == "mine too"
        (sim / "notes.txt").unlink()  # the test's own files
        (sim / "run_mine" / "keep.txt").unlink()
        (sim / "run_mine").rmdir()
    assert after == before and "run_mine" in before
    assert np.array_equal(result.outputs, design.expected[:50])


@pytest.mark.sim
@pytest.mark.slow
def test_100k_toy_events_through_the_shipped_student(tmp_path) -> None:
    from vhdlgen.data import generate_events
    from vhdlgen.sim.verify import simulate

    build = tmp_path / "student_4bit"
    subprocess.run([sys.executable, "-m", "vhdlgen", "build", "--out", str(build),
                    "--test-vectors", "0"], cwd=ROOT, check=True, capture_output=True)
    x = generate_events(100_000, seed=20261130, muon_fraction=0.5)["x"]
    verdict = simulate(build, x)
    assert_rtl_equal("student_4bit", verdict.rtl_codes, verdict.reference_codes)
    assert len(verdict.rtl_codes) == len(x) and verdict.latency == verdict.expected_latency
    assert len(np.unique(verdict.rtl_codes, axis=0)) > 1000
