"""Choosing, per unit, its adder form and whether its output is registered.

Each unit comes in one or more planned forms (binary adders; ternary adders). Each boundary but
the last is either registered or left open. An open boundary means the next unit's first stage
ends the clock cycle, with its inputs arriving late. A dynamic programme over the units keeps,
after each one, every path that no other path beats. A path is beaten by one with no more
cycles, no more register bits, and next inputs that arrive no later and no deeper. Of the
2^(n-1) * forms^n combinations, a few dozen get scheduled. At the end the goal picks:

- "flip-flops" (the default): the fewest register bits (`AdderGraph.register_bits`), then the
  fewest cycles. On the 4-bit student this costs 2 cycles against "cycles" and saves 11% of the
  modelled register bits, or 4.4% of the flip-flops yosys keeps (docs/rtl.md);
- "cycles": the fewest cycles, then the fewest register bits;

either one among the paths within `max_cycles`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Generic, Protocol, TypeVar

from vhdlgen.errors import UserError
from vhdlgen.rtl.adder_graph import AdderGraph
from vhdlgen.rtl.schedule import Arrival, Timing, output_arrival

GOALS = ("flip-flops", "cycles")


class Schedulable(Protocol):
    def schedule(self, timing: Timing, inputs: Arrival, open_output: bool) -> AdderGraph: ...


Form = TypeVar("Form", bound=Schedulable)


@dataclass(frozen=True)
class Goal:
    """What the choice minimises first (`GOALS`), within `max_cycles` of latency (the
    network's, `input_cycles` of input registers included), or without a cap (None)."""

    minimise: str = "flip-flops"
    max_cycles: int | None = None
    input_cycles: int = 0

    def key(self, path: "Path") -> tuple[int, int]:
        if self.minimise == "cycles":
            return path.latency, path.register_bits
        return path.register_bits, path.latency


@dataclass(frozen=True)
class Path(Generic[Form]):
    """The units chosen so far (form, scheduled graph), and when the next one's inputs
    arrive."""

    forms: tuple[Form, ...] = ()
    graphs: tuple[AdderGraph, ...] = ()
    arrival: Arrival = Arrival(0)
    latency: int = 0
    register_bits: int = 0

    def then(self, form: Form, graph: AdderGraph) -> "Path[Form]":
        return Path(self.forms + (form,), self.graphs + (graph,), output_arrival(graph),
                    self.latency + graph.latency, self.register_bits + graph.register_bits)


def _beats(a: Path, b: Path) -> bool:
    """`a` is at least as good as `b` on everything that matters now or later: cycles, bits,
    and the next unit's input arrival (time and logic levels; a unit's schedule never gains
    from later inputs)."""
    return (a.latency <= b.latency and a.register_bits <= b.register_bits
            and a.arrival.time <= b.arrival.time
            and a.arrival.high_levels <= b.arrival.high_levels)


def _front(paths: list[Path]) -> list[Path]:
    """The paths no other one beats."""
    kept: list[Path] = []
    for path in sorted(paths, key=lambda p: (p.latency, p.register_bits, p.arrival.time,
                                             p.arrival.high_levels)):
        if not any(_beats(k, path) for k in kept):
            kept.append(path)
    return kept


def choose(units: list[list[Form]], timing: Timing, open_boundaries: bool, goal: Goal,
           can_open: Callable[[AdderGraph], bool]) -> list[tuple[Form, AdderGraph]]:
    """Per unit, the chosen form and its scheduled graph. `units`: each unit's forms;
    `open_boundaries` False registers every boundary; `can_open(graph)`: whether a unit
    scheduled as `graph` has an open form. UserError when no path fits `goal.max_cycles`."""
    paths: list[Path[Form]] = [Path()]
    for index, forms in enumerate(units):
        may_open = open_boundaries and index + 1 < len(units)
        grown, graphs = [], {}
        for path in paths:
            for number, form in enumerate(forms):
                for open_output in (False, True):
                    key = (number, open_output, path.arrival)
                    if key not in graphs:
                        if open_output and not (may_open and can_open(graphs[(number, False,
                                                                                  path.arrival)])):
                            continue
                        graphs[key] = form.schedule(timing, path.arrival, open_output)
                    grown.append(path.then(form, graphs[key]))
        paths = _front(grown)
    limit = goal.max_cycles
    fitting = [p for p in paths if limit is None or p.latency + goal.input_cycles <= limit]
    if not fitting:
        fewest = min(p.latency for p in paths) + goal.input_cycles
        raise UserError(f"--max-cycles {limit}: the fastest pipeline of this model at this "
                        f"clock takes {fewest} cycles; accepted: {fewest} or more, or no cap")
    best = min(fitting, key=goal.key)
    return list(zip(best.forms, best.graphs))
