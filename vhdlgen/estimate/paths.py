"""The timing graph of a mapped netlist: the deepest path in logic levels (as Vivado counts
them, and again with CARRY4 pairs packed as CARRY8) and the critical path in ns under a delay
model (`logic_levels`; the rules are in the `vhdlgen.estimate` doc)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable

from vhdlgen.errors import UserError
from vhdlgen.estimate.names import RtlNames
from vhdlgen.estimate.netlist import (BOUNDARY, CARRY, LUT, MUXF, PASS, bit_names,
                                      carry4_positions, cell_arcs, direction, fanouts, path_ends,
                                      slice_local_di)
from vhdlgen.timing import ULTRASCALE_PLUS_2, DelayModel

# A driven net bit: (its (port, source bit) inputs, driving cell type, logic-level weight 0/1,
# cell is the upper CARRY4 of a CARRY8 pair).
_Drive = tuple[list[tuple[str, int]], str, int, bool]
# Cost of the edge source -> driven bit: (driven bit, input port, source bit) -> levels or ns.
_Cost = Callable[[int, str, int], float]


def _longest(driver: dict[int, _Drive], cost: _Cost, start: Callable[[int], float],
             floor: Callable[[int], float]) -> tuple[dict[int, float], dict[int, int | None]]:
    """Longest path to every driven bit (and its worst input), iterative DFS.

    A bit without a driver (flip-flop output, input port) starts a path at `start(bit)`; an edge
    adds `cost(bit, port, source)`; a driven bit without variable inputs sits at `floor(bit)`.
    """
    depth: dict[int, float] = {}
    best_in: dict[int, int | None] = {}
    for root in driver:
        if root in depth:
            continue
        visiting = {root}
        stack = [(root, iter(driver[root][0]))]
        while stack:
            bit, pending = stack[-1]
            for _, src in pending:
                if src in depth:
                    continue
                if src not in driver:  # flip-flop output, input port: a path starts here
                    depth[src], best_in[src] = start(src), None
                    continue
                if src in visiting:
                    raise UserError("the synthesized netlist has a combinational loop; the RTL "
                                    "has a logic loop (see DIR/estimate/yosys.log)")
                visiting.add(src)
                stack.append((src, iter(driver[src][0])))
                break
            else:
                stack.pop()
                visiting.discard(bit)
                ins = driver[bit][0]
                best: float = floor(bit) if not ins else float("-inf")
                worst = None
                for port, src in ins:
                    value = depth[src] + cost(bit, port, src)
                    if value > best:
                        best, worst = value, src
                depth[bit], best_in[bit] = best, worst
    return depth, best_in


def _trace(end: int, driver: dict[int, _Drive], best_in: dict[int, int | None]
           ) -> tuple[int, list[int]]:
    """(start bit, driven bits from the start to `end`) of the worst path into `end`."""
    chain: list[int] = []
    bit = end
    while bit in driver:
        chain.append(bit)
        nxt = best_in[bit]
        if nxt is None:
            break
        bit = nxt
    chain.reverse()
    return bit, chain


def logic_levels(module: dict, *, model: DelayModel = ULTRASCALE_PLUS_2,
                 rtl: RtlNames | None = None) -> dict[str, object]:
    """Deepest combinational path and critical path in ns of a flattened, mapped yosys JSON module.

    Returns {"levels": int, "cells": [cell types from start to end], "from": net, "to": sink,
    "from_rtl"/"to_rtl": `RtlNames.describe` of the start and end nets, "levels_carry8": int,
    "unknown_cell_types": [...], "timing": {...}}. `levels_carry8` counts the deepest path again
    as Vivado would after packing each pair of cascaded CARRY4 (yosys 0.23's UltraScale+ carry
    cell) into one CARRY8: a CARRY4 entered through its carry-in from the previous cell of the
    same CARRY8 adds no level. "path_carry8" is that deepest path ({"cells" with CARRY8 for
    each counted carry cell, "from", "to", "from_rtl", "to_rtl"}; it may differ from the
    CARRY4-deepest one) and "units_carry8" the deepest such count of the paths ending in each
    RTL unit (the layer instance), {unit: levels}.

    `timing` is the path with the largest delay under `model` (see the module doc): {"ns":
    clock-to-out (0 from an input port) + cell delays + setup (0 into an output port) + clock
    uncertainty, "fmax_mhz", "cells", "cell_ns" (each cell's delay including its input route),
    "clk_to_q_ns", "setup_ns", "uncertainty_ns", "from", "to", "from_rtl", "to_rtl"}.
    """
    graph = _Graph.of(module, model, rtl or RtlNames())
    depth, best_in = _longest(graph.driver, graph.cost_levels, lambda bit: 0, graph.weight)
    for bit in graph.sinks:  # a sink fed straight by a register or port: a 0-level path
        depth.setdefault(bit, 0)
    ends = [b for b in graph.sinks if isinstance(b, int)] or list(depth)
    result: dict[str, object] = {"levels": 0, "cells": [], "from": None, "to": None,
                                 "from_rtl": None, "to_rtl": None, "levels_carry8": 0,
                                 "path_carry8": None, "units_carry8": {},
                                 "unknown_cell_types": sorted(graph.unknown),
                                 "timing": _no_timing(model)}
    if ends:
        result.update(graph.deepest(ends, depth, best_in))
        result["timing"] = graph.critical(ends, depth)
    return result


def bit_levels(module: dict, model: DelayModel = ULTRASCALE_PLUS_2) -> dict[int, float]:
    """The logic levels (cells, CARRY4 each counted) of the deepest path into every driven net
    bit of a flattened, mapped yosys JSON module: where a named net sits in the netlist."""
    graph = _Graph.of(module, model, RtlNames())
    return _longest(graph.driver, graph.cost_levels, lambda bit: 0, graph.weight)[0]


@dataclass
class _Graph:
    """A mapped module as driven net bits, with the costs of its edges and its path ends."""

    model: DelayModel
    rtl: RtlNames
    driver: dict[int, _Drive]
    registered: set[int]  # outputs of flip-flops (and other path-starting cells)
    unknown: set[str]  # cell types the model does not know (timed like a LUT)
    positions: dict[str, int]  # CARRY4 positions in their cascades
    names: dict[int, str]
    sinks: dict[int, tuple[str, str, bool]]
    fanout: Counter
    local_di: frozenset = frozenset()  # DI bits from the O5 of their position's own LUT

    @classmethod
    def of(cls, module: dict, model: DelayModel, rtl: RtlNames) -> _Graph:
        cells_json = module.get("cells", {})
        positions = carry4_positions(cells_json)
        driver: dict[int, _Drive] = {}
        registered: set[int] = set()
        unknown: set[str] = set()
        for name, cell in cells_json.items():
            ctype = cell["type"]
            if BOUNDARY.match(ctype):
                registered.update(b for p, bits in cell.get("connections", {}).items()
                                  if direction(cell, p) == "output" for b in bits
                                  if isinstance(b, int))
                continue
            weight = 0 if PASS.match(ctype) else 1
            if weight and not (LUT.match(ctype) or MUXF.match(ctype) or CARRY.match(ctype)):
                unknown.add(ctype)
            upper = positions.get(name, 0) % 2 == 1  # second CARRY4 of a CARRY8
            for ins, outs in cell_arcs(cell):
                ins = [(p, b) for p, b in ins if isinstance(b, int)]
                for bit in outs:
                    if isinstance(bit, int):
                        driver[bit] = (ins, ctype, weight, upper)
        names = bit_names(module)
        return cls(model, rtl, driver, registered, unknown, positions, names,
                   path_ends(module, names), fanouts(module), slice_local_di(cells_json))

    def cost_levels(self, bit: int, port: str, src: int) -> float:
        return self.driver[bit][2]

    def cost_carry8(self, bit: int, port: str, src: int) -> float:
        _, _, weight, upper = self.driver[bit]
        return 0 if upper and port == "CI" else weight

    def cost_ns(self, bit: int, port: str, src: int) -> float:
        _, ctype, weight, upper = self.driver[bit]
        model = self.model
        if not weight:
            return 0.0
        src_type = self.driver[src][1] if src in self.driver else ""
        route = model.net_delay(self.fanout.get(src, 1))
        if MUXF.match(ctype):  # data inputs come from the LUTs of the same slice
            return model.muxf + (route if port == "S" else 0.0)
        if CARRY.match(ctype):
            if port in ("CI", "CI_TOP") and CARRY.match(src_type):
                # the next CARRY4 of the same CARRY8 is free; a new CARRY8 costs carry8
                return 0.0 if upper and port == "CI" else model.carry8
            # S from its propagate LUT, and DI from that LUT's O5, are slice-local (in
            # carry_in); anything else is routed
            local = (port == "S" and bool(LUT.match(src_type))) or (
                port == "DI" and src in self.local_di)
            return model.carry_in + (0.0 if local else route)
        return route + model.lut  # LUT (and unknown cells, taken as LUTs)

    def start_ns(self, bit: int) -> float:
        return self.model.ff_clk_to_q if bit in self.registered else 0.0

    def weight(self, bit: int) -> float:
        return self.driver[bit][2]

    def name(self, bit: int) -> str:
        return self.names.get(bit, f"net bit {bit}")

    def end_net(self, bit: int) -> str:
        return self.sinks[bit][1] if bit in self.sinks else self.name(bit)

    def end_label(self, bit: int) -> str:
        return self.sinks[bit][0] if bit in self.sinks else self.name(bit)

    def deepest(self, ends: list[int], depth: dict[int, float],
                best_in: dict[int, int | None]) -> dict[str, object]:
        """The deepest path's entries of `logic_levels` (levels, cells, ends, levels_carry8)."""
        end = max(ends, key=lambda b: (depth[b], -b))
        deepest = self._path(end, best_in, self.cost_levels)
        if self.positions:
            depth8, best_in8 = _longest(self.driver, self.cost_carry8, lambda bit: 0, self.weight)
            for bit in self.sinks:
                depth8.setdefault(bit, 0)
        else:
            depth8, best_in8 = depth, best_in
        end8 = max(ends, key=lambda b: (depth8[b], -b))
        return {"levels": int(depth[end]), **deepest, "levels_carry8": int(depth8[end8]),
                "path_carry8": self._path(end8, best_in8, self.cost_carry8, packed=True),
                "units_carry8": self._unit_levels(ends, depth8)}

    def _path(self, end: int, best_in: dict[int, int | None], cost: _Cost,
              packed: bool = False) -> dict[str, object]:
        """The worst path into `end`: the cells that count a level under `cost`, its ends and
        their RTL names. `packed`: CARRY4 pairs counted as one CARRY8 (`cost_carry8`), listed
        as CARRY8."""
        start, chain = _trace(end, self.driver, best_in)
        sources = [start, *chain]
        cells = [self.driver[bit][1] for src, bit in zip(sources, chain)
                 if cost(bit, self._port(bit, src), src)]
        if packed:
            cells = ["CARRY8" if cell == "CARRY4" else cell for cell in cells]
        return {"cells": cells, "from": self.name(start), "to": self.end_label(end),
                "from_rtl": self.rtl.describe(self.name(start)),
                "to_rtl": self.rtl.describe(self.end_net(end))}

    def _port(self, bit: int, src: int) -> str:
        """The input port of `bit`'s cell that `src` drives (the first, if several)."""
        return next((port for port, b in self.driver[bit][0] if b == src), "")

    def _unit_levels(self, ends: list[int], depth: dict[int, float]) -> dict[str, int]:
        """The deepest path ending in each RTL unit (the layer instance of its end net; ends
        whose net has no readable name are left out)."""
        units: dict[str, int] = {}
        for bit in ends:
            unit = self.rtl.describe(self.end_net(bit))["unit"]
            if unit is not None:
                units[str(unit)] = max(units.get(str(unit), 0), int(depth[bit]))
        return dict(sorted(units.items()))

    def critical(self, ends: list[int], depth: dict[int, float]) -> dict[str, object]:
        """`logic_levels`' timing entry: the path with the largest delay under the model."""
        model, driver, sinks = self.model, self.driver, self.sinks
        arrival, best_ns = _longest(driver, self.cost_ns, self.start_ns, lambda bit: 0.0)
        for bit in sinks:
            arrival.setdefault(bit, self.start_ns(bit))
        setup = {b: (model.ff_setup if sinks[b][2] else 0.0) if b in sinks else 0.0 for b in ends}
        # equal delays (to rounding): report the path with more logic levels
        end = max(ends, key=lambda b: (round(arrival[b] + setup[b], 9), depth.get(b, 0), -b))
        start, chain = _trace(end, driver, best_ns)
        launch = self.start_ns(start) if start not in driver else 0.0
        steps, previous = [], launch
        for bit in chain:
            if driver[bit][2]:
                steps.append((driver[bit][1], arrival[bit] - previous))
            previous = arrival[bit]
        total = arrival[end] + setup[end] + model.clock_uncertainty
        return {
            "ns": round(total, 3), "fmax_mhz": round(model.fmax_mhz(total), 1),
            "cells": [c for c, _ in steps], "cell_ns": [round(d, 3) for _, d in steps],
            "clk_to_q_ns": launch, "setup_ns": setup[end],
            "uncertainty_ns": model.clock_uncertainty,
            "from": self.name(start), "to": self.end_label(end),
            "from_rtl": self.rtl.describe(self.name(start)),
            "to_rtl": self.rtl.describe(self.end_net(end)),
        }


def _no_timing(model: DelayModel) -> dict[str, object]:
    """The timing entry of a netlist without any path."""
    return {"ns": 0.0, "fmax_mhz": model.fmax_ceiling_mhz, "cells": [], "cell_ns": [],
            "clk_to_q_ns": 0.0, "setup_ns": 0.0, "uncertainty_ns": model.clock_uncertainty,
            "from": None, "to": None, "from_rtl": None, "to_rtl": None}
