"""`--front-end rpc` without a simulator: the chain's reference against the dataset's own
fragmentation and the 9x16 network, its output formats, the stage plan and its errors (the
build: test_chain_build.py; the RTL: rtl_tests/test_chain_stream.py)."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from chain_events import constructed, tiny_graph
from vhdlgen.chain.geometry import StripGeometry
from vhdlgen.chain.plan import plan, steps
from vhdlgen.chain.reference import Chain
from vhdlgen.data import fragmentation, generate_events, window_eta_min
from vhdlgen.errors import UserError
from vhdlgen.network import Network

SMALL = StripGeometry(layers=4, strips=96, window_strips=16, pool=2)  # 6 windows, 4x8 image


@pytest.fixture(scope="module")
def student():
    import vhdlgen

    return vhdlgen.load("models/student_4bit.h5")


@pytest.fixture(scope="module")
def events():
    return generate_events(2000, seed=31337, full_image=True)


def test_chain_is_the_dataset_fragmentation_then_the_network(student, events) -> None:
    chain = Chain(student)
    out = chain.predict(events["image"])
    local = student.predict(events["x"])  # the 9x16 path on the dataset's own fragmentation
    step = 2.0 ** -chain.fields[1].fmt.frac
    assert np.array_equal(out[:, 0], local[:, 0])
    assert np.array_equal(out[:, 2], events["window"])
    assert np.abs(out[:, 1] - (local[:, 1] + window_eta_min(events["window"]))).max() <= step / 2
    assert np.array_equal(out[:, 3], (local[:, 0] >= 10.0).astype(float))
    assert 0 < out[:, 3].mean() < 1 and len(np.unique(out[:, 2])) > 6


@pytest.mark.parametrize("geometry", [StripGeometry(), SMALL], ids=["dataset", "small"])
def test_constructed_events_keep_the_expected_window(geometry) -> None:
    chain = Chain(Network(tiny_graph(geometry)), geometry)
    for name, (strips, kept) in constructed(geometry, seed=5).items():
        window, codes = chain.fragment(chain.check_strips(strips))
        assert np.array_equal(window, kept), name
        # pooled codes: ufixed<2,1> codes of (fired strips in each pair) / 2, i.e. the pair sum
        blocks = strips.reshape(len(strips), geometry.layers, geometry.windows, -1)
        pairs = blocks[np.arange(len(strips)), :, kept].reshape(len(strips), geometry.layers, -1, 2)
        assert np.array_equal(codes[..., 0], pairs.sum(axis=3)), name


def test_dataset_fragment_agrees_on_constructed_events(student) -> None:
    chain = Chain(student)
    for name, (strips, kept) in constructed(StripGeometry(), seed=9).items():
        x, window = fragmentation.fragment(strips)
        got_window, codes = chain.fragment(strips)
        assert np.array_equal(window, kept) and np.array_equal(got_window, kept), name
        assert np.array_equal(codes, (x * 2).astype(np.int64)), name


@pytest.mark.parametrize("geometry", [StripGeometry(), SMALL], ids=["dataset", "small"])
def test_eta_offsets_are_the_window_edges_within_half_a_step(student, geometry) -> None:
    network = student if geometry == StripGeometry() else Network(tiny_graph(geometry))
    chain = Chain(network, geometry)
    frac = chain.fields[1].fmt.frac
    strip_eta = Fraction(geometry.eta_max - geometry.eta_min) / geometry.strips
    for w, code in enumerate(chain.eta_offsets):
        edge = Fraction(geometry.eta_min) + w * geometry.window_strips * strip_eta
        assert abs(Fraction(int(code), 2**frac) - edge) <= Fraction(1, 2 ** (frac + 1)), w
    if geometry == StripGeometry():
        assert np.allclose(chain.eta_offsets * 2.0**-frac,
                           window_eta_min(np.arange(geometry.windows)), rtol=0, atol=2.0**-frac)


@pytest.mark.parametrize("threshold", [10.0, 9.99, 10.3, -1e9, 1e9])
def test_trigger_bit_is_pt_at_or_above_the_threshold(threshold) -> None:
    chain = Chain(Network(tiny_graph()), threshold_gev=threshold)
    out = chain.network.graph.output
    frac = out.fmt.frac
    codes = np.arange(out.lo, out.hi + 1)
    got = chain.outputs(np.zeros(len(codes), np.int64), np.stack([codes, codes], axis=1))[:, 3]
    expected = [int(Fraction(int(c), 2**frac) >= Fraction(threshold)) for c in codes]
    assert got.tolist() == expected


def test_stage_plan_at_320_mhz_fits_four_cycles_and_is_greedy() -> None:
    from vhdlgen.timing import ULTRASCALE_PLUS_2

    stage_plan = plan(StripGeometry(), 3.125, 0.3, 25)
    budget = ULTRASCALE_PLUS_2.budget(3.125, 0.3)
    assert 1 <= stage_plan.latency <= 4
    assert [s.name for s in stage_plan.steps] == [s.name for s in steps(StripGeometry())]
    totals = [sum(s.delay_ns for s in stage) for stage in stage_plan.stages]
    assert max(totals) <= budget and stage_plan.output_stage_ns <= budget
    for total, following in zip(totals, stage_plan.stages[1:]):
        assert total + following[0].delay_ns > budget  # the next step did not fit
    assert plan(StripGeometry(), 20.0, 0.3, 25).latency == 1
    with pytest.raises(UserError, match="--clock-ns 1.0: the fragmentation step"):
        plan(StripGeometry(), 1.0, 0.3, 25)


def test_user_errors_name_what_is_accepted(student) -> None:
    chain = Chain(student)
    for bad in (np.zeros((2, 9, 383)), np.zeros((0, 9, 384)), np.array(["a"])):
        with pytest.raises(UserError, match=r"accepted \(N, 9, 384\) strip hits"):
            chain.predict(bad)
    strips = np.zeros((3, 9, 384))
    strips[1, 4, 7] = 2
    with pytest.raises(UserError, match=r"strip value 2.0 at index \(1, 4, 7\)"):
        chain.predict(strips)
    with pytest.raises(UserError, match="model takes"):
        Chain(student, SMALL)
    with pytest.raises(UserError, match="do not split into windows"):
        StripGeometry(strips=100)
    with pytest.raises(UserError, match="does not pool"):
        StripGeometry(pool=3)
    with pytest.raises(UserError, match="--threshold-gev"):
        Chain(student, threshold_gev=float("nan"))
