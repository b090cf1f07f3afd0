"""`simulate`: run inputs through the RTL and prove it equals the reference, bit for bit."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vhdlgen.network import Network
from vhdlgen.rtl.manifest import load_build
from vhdlgen.sim import runner

VECTORS_PER_PROCESS = 20_000  # so that each simulator's start-up (seconds) stays small


@dataclass(frozen=True)
class Verdict:
    """RTL outputs next to the reference, and where they first differ (if they do)."""

    rtl_codes: np.ndarray
    reference_codes: np.ndarray
    latency: int | None  # None when no output came out at all
    expected_latency: int
    vectors_per_second: float
    first_mismatch: int | None
    diverging_layer: str | None
    compiled: runner.Compiled | None = None  # the GHDL library's sources and their sha256

    @property
    def exact(self) -> bool:
        return self.first_mismatch is None and self.latency == self.expected_latency


def first_mismatch(rtl: np.ndarray, reference: np.ndarray) -> int | None:
    """Index of the first vector whose outputs differ (None when all are equal)."""
    if rtl.shape != reference.shape:
        return min(len(rtl), len(reference))
    rows = np.flatnonzero(np.any(rtl != reference, axis=1))
    return int(rows[0]) if rows.size else None


def diverging_layer(build_dir: Path, report: dict, network: Network, codes: np.ndarray) -> str | None:
    """The first layer unit whose RTL output differs from the reference for one vector."""
    rtl_layers = runner.probe(build_dir, report, codes)
    trace = network.trace_codes(codes.reshape(1, *network.input_shape))
    for layer in report["layers"]:
        expected = trace[layer["source_layers"][-1]].reshape(-1)
        if not np.array_equal(rtl_layers[layer["name"]], expected):
            return layer["name"]
    return None


def processes_for(vectors: int) -> int:
    """Simulators to run at once: one per CPU this process may use, each with at least
    VECTORS_PER_PROCESS vectors."""
    return max(1, min(len(os.sched_getaffinity(0)), vectors // VECTORS_PER_PROCESS))


def simulate(build_dir: Path, x: np.ndarray, waves: Path | None = None,
             processes: int | None = None) -> Verdict:
    """Stream float inputs through the built RTL and compare with the reference. Long streams
    are split over several simulators at once (default processes_for(N); one with waves)."""
    report, graph = load_build(build_dir)
    network = Network(graph)
    codes = network.input_codes(x)
    if processes is None:
        processes = 1 if waves else processes_for(len(codes))
    with ThreadPoolExecutor(1) as pool:  # the reference is computed while GHDL runs
        expected = pool.submit(network.predict_codes, codes)
        result = runner.stream(build_dir, report, codes, waves=waves, processes=processes)
        reference = expected.result()
    mismatch = first_mismatch(result.outputs, reference)
    layer = None
    if mismatch is not None and mismatch < len(codes):
        layer = diverging_layer(build_dir, report, network, codes[mismatch])
    return Verdict(result.outputs, reference, result.latency, report["latency_cycles"],
                   result.vectors_per_second, mismatch, layer, result.compiled)
