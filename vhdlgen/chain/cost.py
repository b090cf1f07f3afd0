"""LUT estimates of the chain's own blocks (the fragmentation stage and the output stage), and
their rows in the build report beside the CNN's units.

Counted the way the CNN's `lut_estimate` is (vhdlgen/rtl: one LUT per bit of an adder or a
comparator, on the carry chain), plus one LUT6 per output bit of a table of at most 6 inputs and
`lut_tree(n)` LUT6s for an AND / OR / AND-OR of n signals. An estimate of the logic, not a
synthesis result: registers and routing are not counted, and synthesis may merge LUTs.
"""
from __future__ import annotations

import math

import numpy as np

from vhdlgen.chain.geometry import StripGeometry
from vhdlgen.chain.plan import GROUP, Plan, count_tree
from vhdlgen.chain.reference import Chain

LUT_INPUTS = GROUP  # a LUT6


def lut_tree(inputs: int) -> int:
    """LUT6s reducing `inputs` signals to one (each LUT takes 6: the first 6 signals, then 5
    new ones beside the previous LUT's output): 0 for a single signal."""
    return 0 if inputs <= 1 else math.ceil((inputs - 1) / (LUT_INPUTS - 1))


def varying_bits(codes: np.ndarray) -> int:
    """Bits that differ between the non-negative `codes` (the rest are constants, no LUT)."""
    codes = [int(c) for c in codes]
    changed = 0
    for code in codes:
        changed |= code ^ codes[0]
    return bin(changed).count("1")


def fragmentation_luts(g: StripGeometry, pool_codes: np.ndarray) -> dict[str, int]:
    """LUTs per step of the fragmentation stage (docs/frontend.md, 'The fragmentation stage').

    ones: one LUT6 per count bit of each group; sums: the adder bits of the tree; select: one
    comparator (the count's width) per pair of windows, then an AND over the other windows'
    results; mux: per window bit an AND-OR over the windows, per index bit an OR over the windows
    having it; pool: per CNN input element one LUT per code bit that is not constant."""
    tree = count_tree(g.window_bits)
    ones = sum(size.bit_length() for size in tree[0] if size > 1)
    sums = sum((a + b).bit_length() for level in tree[:-1]
               for a, b in zip(level[0::2], level[1::2]))
    count_width = g.window_bits.bit_length()
    select = (g.windows * (g.windows - 1) // 2 * count_width
              + g.windows * lut_tree(g.windows - 1))
    index_bits = (g.windows - 1).bit_length()
    mux = (g.window_bits * lut_tree(2 * g.windows)
           + sum(lut_tree(sum(w >> b & 1 for w in range(g.windows))) for b in range(index_bits)))
    pool = g.layers * g.pooled_width * varying_bits(pool_codes)
    return {"ones": g.windows * ones, "sums": g.windows * sums, "select": select, "mux": mux,
            "pool": pool}


def tree_adders(g: StripGeometry) -> int:
    """Two-operand adders of the count trees, all windows."""
    return g.windows * sum(len(level) // 2 for level in count_tree(g.window_bits)[:-1])


def output_luts(chain: Chain) -> dict[str, int]:
    """LUTs of the output stage: the eta offset table (one LUT6 per varying offset bit for every
    64 windows), the eta adder (the eta field's width) and the trigger comparison with a constant
    (the pT bits above the threshold code's trailing zeros)."""
    g, pt, eta = chain.geometry, chain.fields[0], chain.fields[1]
    table = varying_bits(chain.eta_offsets) * math.ceil(g.windows / 2**LUT_INPUTS)
    code = chain.threshold_code
    trailing = (code & -code).bit_length() - 1 if code else 0
    return {"eta_table": table, "eta_adder": eta.fmt.width,
            "trigger_compare": max(1, pt.fmt.width - trailing)}


def unit_rows(chain: Chain, stage_plan: Plan, fragmentation: str, top: str, cnn_latency: int,
              code_format: str) -> list[dict]:
    """The report rows of the fragmentation stage (before the CNN's units) and of the output
    stage (after them): cycles, first/output cycle, adders, LUT estimate and its parts."""
    frag = fragmentation_luts(chain.geometry, chain.pool_codes)
    out = output_luts(chain)
    common = {"source_layers": [], "shared_adders": 0, "stage_unit": "ns"}
    return [
        {"name": "fragmentation", "entity": fragmentation, "kind": "front_end",
         "position": "before", **common, "latency_cycles": stage_plan.latency,
         "first_cycle": 0, "output_cycle": stage_plan.latency,
         "adders": tree_adders(chain.geometry),
         "lut_estimate": sum(frag.values()), "lut_parts": frag,
         "stage_delays": stage_plan.stage_delays, "output": {"format": code_format}},
        {"name": "output_stage", "entity": top, "kind": "chain_output", "position": "after",
         **common, "latency_cycles": 1, "first_cycle": stage_plan.latency + cnn_latency,
         "output_cycle": stage_plan.latency + cnn_latency + 1, "adders": 1,
         "lut_estimate": sum(out.values()), "lut_parts": out,
         "stage_delays": [round(stage_plan.output_stage_ns, 3)],
         "output": {"format": ", ".join(f.name for f in chain.fields)}},
    ]
