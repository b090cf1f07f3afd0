"""RTL == reference for units computed on signed vectors (values beyond 32-bit VHDL integers).

The `wide_acc` configuration (benchlib.CONFIGS) streams >= 2,000 vectors through test_stream's
checks (bit-exact outputs, latency, II = 1). Here, on GHDL too:
- wide_acc again, on the inputs that drive every accumulator of its 33-bit layer to its lower
  and to its upper bound (x = hi where the weight is positive, lo where it is negative, and the
  reverse), plus all-min and all-max: the widest values the hardware ever holds;
- the probe reads both signed-form units' outputs inside the top (the mismatch diagnosis);
- `qmodels.wide_edges_graph` (hand-chosen integer weights that take every path of the signed
  form: negation, operand slices, resized views and outputs, bit-string literals, a 41-bit output
  port), built with the default pipeline and with one adder level per stage, streamed with
  1,000 uniform vectors, its extremes and the corners: numpy.array_equal with the reference.
"""
from __future__ import annotations

import numpy as np
import pytest

import qmodels
from benchlib import assert_rtl_equal, file_lock
from vhdlgen.network import Network

pytestmark = pytest.mark.sim


def extreme_codes(graph) -> np.ndarray:
    """All-lo, all-hi, and per output of the first Dense layer the inputs reaching its hi and lo."""
    spec, kernel = graph.input, graph.layers[0].kernel
    rows = [np.full(spec.shape, spec.lo), np.full(spec.shape, spec.hi)]
    for j in range(kernel.shape[1]):
        rows.append(np.where(kernel[:, j] > 0, spec.hi, spec.lo))
        rows.append(np.where(kernel[:, j] > 0, spec.lo, spec.hi))
    return np.array(rows, dtype=np.int64).reshape((len(rows),) + spec.shape)


def test_wide_acc_is_signed_form(designs) -> None:
    design = designs("wide_acc")
    assert [l["arithmetic"] for l in design.report["layers"]] == ["signed", "signed"]
    assert max(l["max_adder_width"] for l in design.report["layers"]) > 32


def test_wide_acc_accumulator_bounds(designs) -> None:
    design = designs("wide_acc")
    codes = extreme_codes(design.graph)
    fc1 = design.network.trace_codes(codes)["fc1"]
    bound = design.graph.tensors[0]
    assert fc1.min() == bound.lo and fc1.max() == bound.hi
    assert max(-bound.lo, bound.hi) > 2**31 - 1
    result = design.stream(codes)
    assert_rtl_equal("wide_acc", result.outputs, design.network.predict_codes(codes))
    assert result.latency == design.latency


def test_wide_acc_probe(designs) -> None:
    from vhdlgen.sim import runner

    design = designs("wide_acc")
    codes = extreme_codes(design.graph)[2:3]
    with design.locked():
        layers = runner.probe(design.build_dir, design.report, codes)
    trace = design.network.trace_codes(codes)
    for layer in design.report["layers"]:
        expected = trace[layer["source_layers"][-1]].reshape(-1)
        assert np.array_equal(layers[layer["name"]], expected), layer["name"]


@pytest.fixture(scope="module", params=[None, 1], ids=["timed", "levels1"])
def edges(request, builds_root):
    """wide_edges_graph built (once per run, under a lock) with the given adder levels."""
    from vhdlgen.rtl.build import BuildOptions, build
    from vhdlgen.rtl.manifest import load_build

    key = "wide_edges" + ("" if request.param is None else f"_l{request.param}")
    build_dir = builds_root / key
    with file_lock(builds_root / f"{key}.lock"):
        if not (build_dir / "report.json").exists():
            build(qmodels.wide_edges_graph(), build_dir,
                  BuildOptions(top=key, adder_levels_per_stage=request.param,
                               adder_inputs=2))  # binary adders: the signed-vector form
        report, graph = load_build(build_dir)
    return key, build_dir, report, graph


def test_wide_edges_rtl_equals_reference(edges, builds_root) -> None:
    from vhdlgen.sim import runner

    key, build_dir, report, graph = edges
    assert [l["arithmetic"] for l in report["layers"]] == ["signed", "signed"]
    spec = graph.input
    uniform = np.random.default_rng(9).integers(spec.lo, spec.hi + 1, size=(1000,) + spec.shape)
    corners = Network(graph).input_codes(qmodels.corner_inputs(spec.shape, spec.fmt, spec.lo,
                                                               spec.hi))
    codes = np.concatenate([extreme_codes(graph), uniform, corners])
    with file_lock(builds_root / f"{key}.lock"):
        result = runner.stream(build_dir, report, codes)
    expected = Network(graph).predict_codes(codes)
    assert_rtl_equal(key, result.outputs, expected)
    assert result.latency == report["latency_cycles"]
    assert len(np.unique(expected, axis=0)) > 20
