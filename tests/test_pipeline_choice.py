"""The choice of adder form and open boundaries per unit (`vhdlgen.rtl.pipeline_choice`).

The dynamic programme is checked against brute force over every combination, on synthetic
units whose schedule depends on the input arrival the way a real one does (later inputs never
help), and on the shipped 4-bit student: the two goals bracket each other and the cap holds.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from vhdlgen.errors import UserError
from vhdlgen.network import load
from vhdlgen.rtl.build import BuildOptions
from vhdlgen.rtl.lower import lower
from vhdlgen.rtl.pipeline_choice import Goal, choose
from vhdlgen.rtl.schedule import Arrival

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class FakeGraph:
    """What `choose` reads of a scheduled unit."""

    latency: int
    register_bits: int
    open_output: bool
    output_time: float = 0.0
    output_levels: int = 0


@dataclass(frozen=True)
class FakeForm:
    """A unit form: closed, `stages` cycles and `bits` flip-flops, plus one cycle and
    `late_bits` more when its inputs arrive after `slack` ns; open, one cycle and
    `out_bits` fewer, its outputs at `tail` ns (and `tail` levels)."""

    stages: int
    bits: int
    slack: float
    late_bits: int
    out_bits: int
    tail: float

    def schedule(self, timing, inputs: Arrival, open_output: bool) -> FakeGraph:
        late = inputs.time > self.slack
        latency = self.stages + int(late) - int(open_output)
        bits = self.bits + late * self.late_bits - open_output * self.out_bits
        return FakeGraph(latency, bits, open_output, self.tail if open_output else 0.0,
                         round(self.tail) if open_output else 0)


def _random_units(rng: np.random.Generator, count: int) -> list[list[FakeForm]]:
    return [[FakeForm(int(rng.integers(1, 4)), int(rng.integers(50, 500)),
                      float(rng.uniform(0, 2)), int(rng.integers(0, 300)),
                      int(rng.integers(0, 120)), float(rng.uniform(0.2, 2.5)))
             for _ in range(int(rng.integers(1, 3)))] for _ in range(count)]


def _brute_force(units, goal: Goal) -> tuple[int, int]:
    """The best (cycles, bits) over every form and boundary combination."""
    results = []
    for forms in itertools.product(*units):
        for opens in itertools.product([False, True], repeat=len(units) - 1):
            arrival, cycles, bits = Arrival(0), 0, 0
            for form, is_open in zip(forms, (*opens, False)):
                graph = form.schedule(None, arrival, is_open)
                cycles, bits = cycles + graph.latency, bits + graph.register_bits
                arrival = (Arrival(0, graph.output_time, (graph.output_levels,)) if is_open
                           else Arrival(0))
            if goal.max_cycles is None or cycles <= goal.max_cycles:
                results.append((cycles, bits))
    key = (lambda r: r) if goal.minimise == "cycles" else (lambda r: (r[1], r[0]))
    return min(results, key=key)


@pytest.mark.parametrize("seed", range(40))
def test_the_programme_finds_what_brute_force_finds(seed: int) -> None:
    rng = np.random.default_rng(seed)
    units = _random_units(rng, int(rng.integers(2, 6)))
    for goal in (Goal("flip-flops"), Goal("cycles")):
        chosen = choose(units, None, True, goal, can_open=lambda graph: True)
        got = (sum(g.latency for _, g in chosen), sum(g.register_bits for _, g in chosen))
        assert got == _brute_force(units, goal), goal
        assert not chosen[-1][1].open_output  # the last unit is always registered


def test_the_cap_and_what_cannot_open_are_respected() -> None:
    rng = np.random.default_rng(7)
    units = _random_units(rng, 5)
    fewest = _brute_force(units, Goal("cycles"))[0]
    thrifty = _brute_force(units, Goal("flip-flops"))[0]
    for cap in range(fewest, thrifty + 1):
        chosen = choose(units, None, True, Goal("flip-flops", cap), can_open=lambda g: True)
        assert sum(g.latency for _, g in chosen) <= cap
    with pytest.raises(UserError, match=rf"--max-cycles {fewest + 1}: .* takes {fewest + 2} "):
        choose(units, None, True, Goal("cycles", fewest + 1, input_cycles=2),
               can_open=lambda g: True)
    closed = choose(units, None, True, Goal("cycles"), can_open=lambda g: False)
    assert not any(g.open_output for _, g in closed)
    assert closed == choose(units, None, False, Goal("cycles"), can_open=lambda g: True)


def test_the_4bit_student_goals_bracket_each_other() -> None:
    network = load(ROOT / "models" / "student_4bit.h5")
    options = BuildOptions()
    designs = {}
    for goal in (Goal("flip-flops"), Goal("cycles"), Goal("flip-flops", max_cycles=19)):
        units = lower(network.graph, "top", options.timing, options.share_depth, "auto",
                      goal=goal)
        designs[goal] = (sum(u.graph.latency for u in units),
                         sum(u.graph.register_bits for u in units),
                         {bool(u.primitive_stages) for u in units})
    thrifty, fast, capped = designs.values()
    assert fast[0] < capped[0] <= 19 < thrifty[0]
    assert thrifty[1] < capped[1] < fast[1]
    assert thrifty[2] == {False, True}  # binary and ternary units in one design
