"""Max pooling as comparator trees, in the adder graph's form (`cmvm.Plan`).

Each output is the largest of its window's input elements: a balanced tree of `max(a, b)`
nodes (a carry-chain comparison and a multiplexer each), ceil(log2(window)) deep. Overlapping
windows (stride below the pool size) reuse a node whose operand pair they share. Every node's
range is exact: max(a, b) lies in [max(lo_a, lo_b), max(hi_a, hi_b)].
"""
from __future__ import annotations

from vhdlgen.fixed import signed_width
from vhdlgen.rtl.cmvm import ADD, VIEW, Plan, PlannedAdder, Ref


def max_plan(windows: list[list[int]], ranges: list[tuple[int, int]]) -> Plan:
    """The plan of y_j = max(x_i for i in windows[j]), x_i in ranges[i] (windows non-empty)."""
    plan = Plan([], [], [], [], [], [], [], [])
    views: dict[int, Ref] = {}
    nodes: dict[tuple[Ref, Ref], Ref] = {}
    interval: dict[Ref, tuple[int, int]] = {}
    depth: dict[Ref, int] = {}

    def view(element: int) -> Ref:
        if element not in views:
            views[element] = Ref(VIEW, len(plan.views))
            plan.views.append((element, 0))
            interval[views[element]] = ranges[element]
            depth[views[element]] = 0
        return views[element]

    def maximum(a: Ref, b: Ref) -> Ref:
        if (a, b) not in nodes:
            lo, hi = (max(x, y) for x, y in zip(interval[a], interval[b]))
            ref = Ref(ADD, len(plan.adders))
            plan.adders.append(PlannedAdder(a, b, 1, False, max(depth[a], depth[b]) + 1, True))
            plan.coefficients.append({})
            plan.offsets.append(0)
            width = max(signed_width(*interval[a]), signed_width(*interval[b]))
            plan.luts.append(2 * width)  # the comparison, then the multiplexer
            plan.intervals.append((lo, hi))
            plan.bases.append(lo)  # every input at its lowest code
            interval[ref], depth[ref] = (lo, hi), max(depth[a], depth[b]) + 1
            nodes[(a, b)] = ref
        return nodes[(a, b)]

    for window in windows:
        level = [view(element) for element in window]
        while len(level) > 1:
            pairs = [maximum(a, b) for a, b in zip(level[0::2], level[1::2])]
            level = pairs + level[len(pairs) * 2:]
        plan.roots.append(level[0])
    return plan
