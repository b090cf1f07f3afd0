"""The lowered adder graph, executed without a simulator, equals the reference bit for bit.

`vhdlgen.rtl.lower.run_units` interprets exactly the structure the templates render (views,
shared subexpressions, per-output sums, the requantizer's lowered form with the rounding offset
in the bias) and checks every value against its declared range. Here, for every test model, the
shipped students, and every option that changes the structure (sharing depth, timing-driven or
fixed adder levels, clock period): interpreter == reference with numpy.array_equal on thousands
of vectors, including the extreme inputs. Plus properties of the optimiser and the schedule that
the cost and timing claims rest on.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import qmodels
from vhdlgen.frontend import graph_from_keras
from vhdlgen.network import Network, load
from vhdlgen.rtl.build import BuildOptions
from vhdlgen.rtl.cmvm import ADD, CONST, optimise
from vhdlgen.rtl.lower import lower, run_units
from vhdlgen.rtl.pipeline_choice import Goal
from vhdlgen.rtl.schedule import Timing
from vhdlgen.timing import ULTRASCALE_PLUS_2

ROOT = Path(__file__).resolve().parent.parent
TEST_MODELS = ["student2", "student4", "student4_qout", "wide_conv", "no_input_quant",
               "sequential", "dense_only", "wide_acc", "strided_pools", "padded_pools",
               "conv_batchnorm"]
OPTIONS = {  # name -> (timing, share depth, operands per adder)
    "levels3-share3": (Timing.levels(3), 3, 2),
    "levels1-share0": (Timing.levels(1), 0, 2),
    "timed-share1": (Timing.model(ULTRASCALE_PLUS_2, 3.125, 0.3), 1, 2),
    "timed-fast-share2": (Timing.model(ULTRASCALE_PLUS_2, 1.6, 0.0), 2, 2),
    "timed-share3-ternary": (Timing.model(ULTRASCALE_PLUS_2, 3.125, 0.3), 3, 3),
    "levels1-share0-ternary": (Timing.levels(1), 0, 3),
    "timed-share3-auto": (Timing.model(ULTRASCALE_PLUS_2, 3.125, 0.3), 3, "auto"),
}


def vectors(network: Network, n: int, seed: int) -> np.ndarray:
    """Input codes: uniform over the input range plus the corner patterns."""
    spec = network.graph.input
    rng = np.random.default_rng(seed)
    uniform = rng.integers(spec.lo, spec.hi + 1, size=(n,) + spec.shape)
    corners = network.input_codes(qmodels.corner_inputs(spec.shape, spec.fmt, spec.lo, spec.hi))
    return np.concatenate([uniform, corners])


def check(network: Network, timing: Timing, depth: int, codes: np.ndarray,
          adder_inputs: int | str = 2, goal: Goal = Goal()) -> None:
    units = lower(network.graph, "top", timing, depth, adder_inputs, goal=goal)
    trace = network.trace_codes(codes)
    forms = [False] if adder_inputs == 2 else [False, True]  # True: LUT6_2 + CARRY8 adders
    for primitives in forms:
        for unit, got in zip(units, run_units(units, codes, primitives)):
            want = trace[unit.sources[-1]].reshape(len(codes), -1)
            assert np.array_equal(got, want), f"{unit.label}: interpreter != reference"


@pytest.fixture(scope="module", params=TEST_MODELS)
def test_network(request) -> Network:
    return Network(graph_from_keras(qmodels.MODELS[request.param]()))


@pytest.mark.parametrize("option", list(OPTIONS))
def test_interpreter_equals_reference(test_network: Network, option: str) -> None:
    timing, depth, adder_inputs = OPTIONS[option]
    check(test_network, timing, depth, vectors(test_network, 3000, seed=1), adder_inputs)


@pytest.mark.parametrize("bits", [2, 3, 4, 5])
def test_shipped_students_default_build(bits: int) -> None:
    network = load(ROOT / "models" / f"student_{bits}bit.h5")
    options = BuildOptions()
    check(network, options.timing, options.share_depth, vectors(network, 5000, seed=bits),
          options.adder_inputs, options.pipeline_goal)


def test_interpreter_catches_a_wrong_graph() -> None:
    """The check can fail: a corrupted adder (sign flipped) is caught, by range or by value."""
    network = Network(graph_from_keras(qmodels.MODELS["student4"]()))
    units = lower(network.graph, "top", Timing.levels(3), 3)
    graph = units[2].graph
    victim = next(i for i, a in enumerate(graph.adders) if a.b is not None and a.sign > 0)
    from dataclasses import replace
    graph.adders[victim] = replace(graph.adders[victim], sign=-1)
    codes = vectors(network, 500, seed=3)
    with pytest.raises(AssertionError):
        outputs = run_units(units, codes)
        trace = network.trace_codes(codes)
        assert np.array_equal(outputs[2], trace[units[2].sources[-1]].reshape(len(codes), -1))


# ------------------------------------------------------------------------------- optimiser
def linear_form(plan, ref, n_inputs: int) -> np.ndarray:
    """(coefficients over the inputs, constant) of a planned value, by walking the plan."""
    if ref.kind == CONST:
        return np.zeros(n_inputs, dtype=np.int64), ref.index
    if ref.kind != ADD:
        element, shift = plan.views[ref.index]
        coefs = np.zeros(n_inputs, dtype=np.int64)
        coefs[element] = 1 << shift
        return coefs, 0
    adder = plan.adders[ref.index]
    a, ca = linear_form(plan, adder.a, n_inputs)
    if adder.b is None:
        return -a, -ca
    b, cb = linear_form(plan, adder.b, n_inputs)
    if adder.c is not None:
        c, cc = linear_form(plan, adder.c, n_inputs)
        return a + b + adder.c_sign * c, ca + cb + adder.c_sign * cc
    return a + adder.sign * b, ca + adder.sign * cb


@pytest.mark.parametrize("adder_inputs", [2, 3])
def test_plan_computes_the_matrix_and_shares(adder_inputs: int) -> None:
    rng = np.random.default_rng(5)
    matrix = rng.integers(-7, 8, size=(12, 30))
    matrix[rng.random(matrix.shape) < 0.3] = 0
    constants = rng.integers(-50, 50, size=12).tolist()
    rows = [{i: int(w) for i, w in enumerate(row) if w} for row in matrix]
    for depth in (0, 1, 3):
        plan = optimise(rows, constants, [(0, 15)] * 30, depth, adder_inputs)
        for j, root in enumerate(plan.roots):
            coefs, constant = linear_form(plan, root, 30)
            assert np.array_equal(coefs, matrix[j]) and constant == constants[j]
        assert all(a.depth <= depth for a in plan.adders if a.shared)
    unshared = optimise(rows, constants, [(0, 15)] * 30, 0)
    shared = optimise(rows, constants, [(0, 15)] * 30, 3)
    assert not any(a.shared for a in unshared.adders)
    assert len(shared.adders) < len(unshared.adders)
    assert sum(shared.luts) < sum(unshared.luts)


def test_ternary_sums_are_shallower_with_fewer_adders() -> None:
    """Three operands per adder: each output's tree is about log3 rather than log2 of its
    terms deep; every sum of n > 2 nodes has one binary adder at most (the odd leaf), and the
    subtraction of the negative terms rides in a ternary adder (a + b - c)."""
    rng = np.random.default_rng(8)
    matrix = rng.integers(-60, 61, size=(6, 40))
    rows = [{i: int(w) for i, w in enumerate(row) if w} for row in matrix]
    binary, ternary = (optimise(rows, [0] * 6, [(0, 3)] * 40, 0, inputs) for inputs in (2, 3))
    depth = [max(plan.adders[r.index].depth for r in plan.roots) for plan in (binary, ternary)]
    assert depth[1] < depth[0] and len(ternary.adders) < len(binary.adders)
    assert any(a.c is not None and a.c_sign < 0 for a in ternary.adders)
    for j, root in enumerate(ternary.roots):
        coefs, _ = linear_form(ternary, root, 40)
        assert np.array_equal(coefs, matrix[j])


def test_inputs_that_cannot_vary_cost_nothing_and_do_not_crash() -> None:
    """A layer whose inputs are all one code (a previous ReLU that is always 0: random model 49
    of tests/qmodels.py) used to raise 'negative shift count' in the cost model."""
    rows = [{0: -32, 2: 8, 3: 16, 9: 32}, {1: 56, 2: -8, 3: 32, 9: 24}, {0: -40, 1: 24, 2: -8}]
    plan = optimise(rows, [48, -16, 0], [(0, 0)] * 10, 3)
    assert sum(plan.luts) == 0  # every adder of constant-in-practice values is free


def test_identical_rows_share_all_but_the_final_subtraction() -> None:
    row = {0: 3, 1: -5, 2: 7, 3: 1}
    plan = optimise([row, dict(row)], [0, 0], [(0, 15)] * 4, 8)
    own = [a for a in plan.adders if not a.shared]
    assert len(own) == 2 and all(a.sign < 0 for a in own)  # one P - N per row, nothing else


# ------------------------------------------------------------------------------- schedule
def test_timed_stages_fit_the_budget() -> None:
    network = load(ROOT / "models" / "student_4bit.h5")
    for clock in (3.125, 2.0):
        timing = Timing.model(ULTRASCALE_PLUS_2, clock, 0.3)
        units = lower(network.graph, "top", timing, 3)
        for unit in units:
            widest_single = max((timing.adder(a.width, 64) for a in unit.adders), default=0.0)
            for delay in unit.graph.stage_delay:
                assert delay <= max(timing.budget, widest_single), (unit.label, delay)
    fast = sum(u.latency for u in lower(network.graph, "top", Timing.model(ULTRASCALE_PLUS_2, 2.0, 0.3), 3))
    slow = sum(u.latency for u in lower(network.graph, "top", Timing.model(ULTRASCALE_PLUS_2, 3.125, 0.3), 3))
    assert fast > slow


def test_max_logic_levels_caps_every_stage() -> None:
    network = load(ROOT / "models" / "student_4bit.h5")
    free = lower(network.graph, "top", Timing.model(ULTRASCALE_PLUS_2, 3.125, 0.3), 3)
    capped = lower(network.graph, "top", Timing.model(ULTRASCALE_PLUS_2, 3.125, 0.3, 6), 3)
    assert max(a.levels for u in free for a in u.adders) > 6
    assert max(a.levels for u in capped for a in u.adders) <= 6
    assert max(u.graph.output_levels for u in capped) <= 6
    assert sum(u.latency for u in capped) > sum(u.latency for u in free)


def test_open_boundaries_save_cycles_within_the_budget() -> None:
    """Leaving a unit's outputs unregistered lets the next layer finish its last clock cycle:
    fewer cycles than registering every layer, every stage still within the budget (the next
    unit's stage 0 delay counts from the open unit's registers), the last unit registered.
    With `--goal cycles`: the default goal trades such cycles for flip-flops."""
    network = load(ROOT / "models" / "student_4bit.h5")
    timing = Timing.model(ULTRASCALE_PLUS_2, 3.125, 0.3)
    chained = lower(network.graph, "top", timing, 3, goal=Goal("cycles"))
    registered = lower(network.graph, "top", timing, 3, open_boundaries=False, goal=Goal("cycles"))
    assert not any(u.open for u in registered) and not chained[-1].open
    assert any(u.open for u in chained)
    assert sum(u.latency for u in chained) < sum(u.latency for u in registered)
    for before, unit in zip(chained, chained[1:]):
        assert max(unit.graph.stage_delay) <= timing.budget
        if before.open:
            assert unit.graph.stage_delay[0] >= before.graph.output_time > 0
            assert before.latency == before.graph.stages - 1


def test_levels_override_counts_adder_levels() -> None:
    network = load(ROOT / "models" / "student_4bit.h5")
    for per_stage in (1, 2, 3):
        for unit in lower(network.graph, "top", Timing.levels(per_stage), 3):
            assert max(unit.graph.stage_delay) <= per_stage
            for adder in unit.adders:
                assert 0 < adder.arrival <= per_stage


def test_model_budget_used_by_the_schedule() -> None:
    timing = Timing.model(ULTRASCALE_PLUS_2, 3.125, 0.3)
    assert timing.budget == pytest.approx(ULTRASCALE_PLUS_2.budget(3.125, 0.3))
    assert timing.adder(12, 4) == pytest.approx(ULTRASCALE_PLUS_2.adder(12, 4))


def test_register_layers_option_closes_every_boundary(tmp_path) -> None:
    """`--register-layers` (BuildOptions.register_layers) reaches the schedule: every unit ends
    on a register, at more cycles than `--goal cycles`, which leaves some boundary open."""
    from vhdlgen.rtl.build import BuildOptions, build

    graph = load(ROOT / "models" / "student_4bit.h5").graph
    default = build(graph, tmp_path / "default", BuildOptions(test_vectors=0, goal="cycles")).data
    closed = build(graph, tmp_path / "closed",
                   BuildOptions(test_vectors=0, register_layers=True, goal="cycles")).data
    assert closed["register_layers"] and not default["register_layers"]
    assert all(layer["registered_output"] for layer in closed["layers"])
    assert not all(layer["registered_output"] for layer in default["layers"])
    assert closed["latency_cycles"] > default["latency_cycles"]
