"""The cocotb benches' configurations and helpers: build each configuration ONCE, stream many
vectors per run (the fixtures in conftest.py use these).

A configuration (`CONFIGS`: a `qmodels` model and an adder-levels-per-stage option) is built into
its own folder, compiled for GHDL once, and its main vector stream (corner vectors, sparse RPC-like
hits, uniform random codes, off-grid reals, corners again: >= 2,000 vectors back to back, one
simulator start-up) is run once; everything lands on disk next to the build:

    <shared tmp>/rtl_builds/<key>/            the build (report.json, rtl/, sim/ = GHDL workdir)
    <shared tmp>/rtl_builds/<key>.vectors.npz input codes, set boundaries, QKeras predictions
    <shared tmp>/rtl_builds/<key>.stream.npz  the RTL stream result

`<shared tmp>` is pytest's base temp folder, shared by every pytest-xdist worker of a run, and each
configuration is guarded by an exclusive file lock: under `pytest -n 2` a configuration is built,
compiled and streamed once, whichever worker gets there first; the other one only loads the
result. Every extra simulation of a configuration (gaps, reset) also runs under its lock, because
GHDL's `-i`/`-m` rewrite the shared work library.

GHDL missing is a test FAILURE (never a skip): see conftest.require_ghdl.
"""
from __future__ import annotations

import fcntl
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
import shutil
from pathlib import Path

import numpy as np
import pytest
import qmodels

from vhdlgen.sim.verify import first_mismatch

VECTORS_PER_SET = 1000  # per input set; every configuration streams >= 2,000 vectors


@dataclass(frozen=True)
class Config:
    """One hardware configuration: a qmodels model, the adder levels per pipeline stage (None:
    the default timing-driven pipeline), registered inputs, and the operands per adder (None:
    the default, binary or ternary per layer). `slow`: left to the full run (`-m slow`)."""

    model: str
    levels: int | None = None
    register_inputs: bool = False
    adder_inputs: int | str | None = None
    slow: bool = False


# The layer-kind configurations use binary adders, the integer form's quick simulation: the
# default (ternary adders where they save flip-flops, the dataflow form) simulates 40-400x
# slower. The default is streamed on the students here; on every one of these models the
# lowered form with its LUT6_2/CARRY8 plans is checked against the reference by
# tests/test_lowering.py ("timed-share3-auto"); their default builds stream in the `_auto`
# configurations of the full run.
BINARY = 2
CONFIGS = {
    "student2": Config("student2"),
    "student3": Config("student3"),
    "student4": Config("student4"),
    "student5": Config("student5"),
    "student4_qout": Config("student4_qout"),
    "wide_conv": Config("wide_conv", adder_inputs=BINARY),
    "dense_only": Config("dense_only", adder_inputs=BINARY),
    "no_input_quant": Config("no_input_quant", adder_inputs=BINARY),
    "sequential": Config("sequential", adder_inputs=BINARY),
    "student4_l1": Config("student4", levels=1),
    "student4_l4": Config("student4", levels=4),
    "student2_regin": Config("student2", register_inputs=True),
    # values beyond 32-bit integers: the signed-vector form
    "wide_acc": Config("wide_acc", adder_inputs=BINARY),
    # issue #12: strides, 'same' and zero padding, max/average pooling, QConv2DBatchnorm
    "strided_pools": Config("strided_pools", adder_inputs=BINARY),
    "padded_pools": Config("padded_pools", levels=1, adder_inputs=BINARY),
    "conv_batchnorm": Config("conv_batchnorm", adder_inputs=BINARY),
    **{f"{name}_auto": Config(name, slow=True)
       for name in ("wide_conv", "sequential", "wide_acc", "strided_pools", "conv_batchnorm")},
}


def config_params() -> list:
    """CONFIGS' keys as pytest parameters, the slow ones marked."""
    return [pytest.param(key, marks=pytest.mark.slow) if config.slow else key
            for key, config in CONFIGS.items()]


@dataclass
class Design:
    """A built, compiled and streamed configuration, and its reference."""

    key: str
    build_dir: Path
    report: dict
    graph: object
    network: object
    codes: np.ndarray  # (N, ...) input codes of the main stream
    sets: dict[str, tuple[int, int]]  # input set name -> [start, stop) in `codes`
    keras: np.ndarray | None  # QKeras model.predict of the same vectors (quantized outputs)
    result: object  # runner.StreamResult of the main stream
    lock_path: Path = field(repr=False)

    @cached_property
    def expected(self) -> np.ndarray:
        return self.network.predict_codes(self.codes)

    @property
    def latency(self) -> int:
        return int(self.report["latency_cycles"])

    def where(self, index: int) -> str:
        """'vector i (set s, #j)' for messages."""
        for name, (start, stop) in self.sets.items():
            if start <= index < stop:
                return f"vector {index} (input set {name!r}, #{index - start})"
        return f"vector {index}"

    @contextmanager
    def locked(self):
        """Exclusive use of the GHDL work library of this build (across xdist workers)."""
        with file_lock(self.lock_path):
            yield

    def stream(self, codes: np.ndarray, **options):
        """Another simulator run of this design (under its lock)."""
        from vhdlgen.sim import runner

        with self.locked():
            return runner.stream(self.build_dir, self.report, codes, **options)


@contextmanager
def file_lock(path: Path):
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def quantized_output(graph) -> bool:
    """True when no layer is a float layer quantized by vhdlgen (outputs == QKeras exactly)."""
    return all(getattr(layer, "error_bound", None) is None for layer in graph.layers)


def main_vectors(config: Config, network) -> tuple[np.ndarray, dict[str, tuple[int, int]]]:
    """Float inputs of the main stream: corners, then qmodels.input_sets, then corners again."""
    sets = qmodels.input_sets(config.model, network, n=VECTORS_PER_SET, seed=7)
    corner = sets.pop("corner")
    ordered = {"corner_first": corner, **sets, "corner_last": corner}
    bounds, start = {}, 0
    for name, x in ordered.items():
        bounds[name] = (start, start + len(x))
        start += len(x)
    return np.concatenate(list(ordered.values())), bounds


def prepare(key: str, root: Path) -> None:
    """Build, compile and stream configuration `key` into root (once; caller holds the lock)."""
    from vhdlgen.frontend import graph_from_keras
    from vhdlgen.network import Network
    from vhdlgen.rtl.build import BuildOptions, build
    from vhdlgen.sim import runner

    config = CONFIGS[key]
    build_dir = root / key
    vectors, stream_file = root / f"{key}.vectors.npz", root / f"{key}.stream.npz"
    if not vectors.exists():
        model = qmodels.MODELS[config.model]()
        graph = graph_from_keras(model, source=f"{config.model}.h5", source_hash="0" * 64)
        inputs = {} if config.adder_inputs is None else {"adder_inputs": config.adder_inputs}
        build(graph, build_dir, BuildOptions(adder_levels_per_stage=config.levels, top=key,
                                             register_inputs=config.register_inputs, **inputs))
        network = Network(graph)
        x, bounds = main_vectors(config, network)
        keras = (model.predict(x, verbose=0, batch_size=4096).astype(np.float64)
                 if quantized_output(graph) else np.zeros((0,)))
        np.savez(vectors, codes=network.input_codes(x), keras=keras,
                 set_names=np.array(list(bounds)), set_bounds=np.array(list(bounds.values())))
    if not stream_file.exists():
        from vhdlgen.rtl.manifest import load_build

        report, _ = load_build(build_dir)
        result = runner.stream(build_dir, report, np.load(vectors)["codes"])
        np.savez(stream_file, outputs=result.outputs, out_edges=result.out_edges,
                 sampled=result.sampled, seconds=result.seconds)


def survivors(sampled: np.ndarray, latency: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs that must come out after a reset: (input indices, their sampling edges).

    sampled[k] = (input index or -1, rst) at clock edge k + 1. An input sampled at edge e with
    rst = 0 reaches out_valid unless rst is 1 on one of the next latency - 1 edges (each of which
    would clear the valid pipeline stage holding it); it is then seen at edge e + latency.
    """
    index, rst = sampled[:, 0], sampled[:, 1]
    kept, edges = [], []
    for k in range(len(sampled)):
        if index[k] >= 0 and rst[k] == 0 and not rst[k + 1:k + latency].any():
            kept.append(int(index[k]))
            edges.append(k + 1)
    return np.array(kept, dtype=np.int64), np.array(edges, dtype=np.int64)


def sampled_edges(sampled: np.ndarray) -> np.ndarray:
    """The clock edge (1-based) at which each input index was sampled, in input order."""
    edges = np.flatnonzero(sampled[:, 0] >= 0) + 1
    return edges[np.argsort(sampled[edges - 1, 0], kind="stable")]


def copy_build(build_dir: Path, dest: Path) -> Path:
    """A private copy of a build (sources, report, IR; not its compiled simulation)."""
    return Path(shutil.copytree(build_dir, dest, ignore=shutil.ignore_patterns("sim")))


def assert_rtl_equal(key: str, rtl: np.ndarray, expected: np.ndarray,
                     where=lambda i: f"vector {i}") -> None:
    """numpy.array_equal of RTL and reference outputs; on a difference, fail naming the first
    differing vector (`where(i)` says where it came from) and how many differ."""
    assert rtl.shape == expected.shape, f"{key}: {len(rtl)} outputs for {len(expected)} inputs"
    if not np.array_equal(rtl, expected):
        i = first_mismatch(rtl, expected)
        pytest.fail(f"{key}: RTL differs from the reference first at {where(i)}: RTL "
                    f"{rtl[i].tolist()} != reference {expected[i].tolist()} "
                    f"({int(np.any(rtl != expected, axis=1).sum())} vectors differ)")
