"""`simulate` on a `--front-end rpc` build: strips through the chain's RTL, against its
reference."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from vhdlgen.chain.reference import Chain
from vhdlgen.chain.rtl import chain_of
from vhdlgen.ir import Graph
from vhdlgen.sim import runner
from vhdlgen.sim.verify import Verdict, first_mismatch


def simulate_chain(build_dir: Path, report: dict, graph: Graph, strips: np.ndarray,
                   waves: Path | None = None) -> tuple[Verdict, Chain]:
    """Stream (N, layers, strips) 0/1 hits through the chain's RTL, one event per clock, and
    compare its (N, 4) output codes with `Chain.predict_codes`."""
    chain = chain_of(report, graph)
    strips = chain.check_strips(strips)
    result = runner.stream(build_dir, report, strips.reshape(len(strips), -1), waves=waves)
    reference = chain.predict_codes(strips)
    verdict = Verdict(result.outputs, reference, result.latency, report["latency_cycles"],
                      result.vectors_per_second, first_mismatch(result.outputs, reference), None)
    return verdict, chain
