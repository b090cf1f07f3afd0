"""Values beyond 32-bit VHDL integers: the signed-vector form of a unit.

A unit whose values all fit VHDL integers is rendered on ranged integers (layer.vhd.j2, the
golden snapshot); a unit with any value beyond them is *wide* and rendered on numeric_std
`signed` vectors of exact widths (layer_signed.vhd.j2), with the same adder graph. Here, without
a simulator (the builds run the `ghdl --synth` gate, so GHDL is required):
- `qmodels.wide_acc` (14-bit inputs x 16-bit weights over 48 inputs, a 20-bit ReLU, a float
  output layer) really needs more than 31 bits plus sign, builds, and both its units take the
  signed form, while every unit of the shipped students stays integer;
- the interpreter equals the reference on it (also in test_lowering's model list) and on
  `qmodels.wide_edges_graph`, whose weights force every path of the signed form (negation,
  slices, resized views and outputs, literals), including vectors that drive every accumulator
  of the first layer to both of its computed bounds;
- the generated signed-form VHDL has no `*`, no integer-ranged value, legal identifiers;
- what remains refused is refused with a clear message.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import qmodels
from test_golden_vhdl import code_of, identifier_problems
from tools import require_tool
from vhdlgen.errors import UserError
from vhdlgen.fixed import FixedType, Requantizer, signed_width
from vhdlgen.frontend import graph_from_keras
from vhdlgen.infer import infer_all
from vhdlgen.ir import Graph, Input
from vhdlgen.layers.activation import Activation
from vhdlgen.layers.dense import Dense
from vhdlgen.network import Network, load
from vhdlgen.rtl.lower import INTEGER_LIMIT, Fit, lower, run_units
from vhdlgen.rtl.schedule import Timing
from vhdlgen.timing import ULTRASCALE_PLUS_2

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = [(Timing.model(ULTRASCALE_PLUS_2, 3.125, 0.3), 3), (Timing.levels(1), 0), (Timing.levels(3), 3),
           (Timing.model(ULTRASCALE_PLUS_2, 1.6, 0.0), 2)]


def beyond_integer(lo: int, hi: int) -> bool:
    return max(-lo, hi) > INTEGER_LIMIT


@pytest.fixture(scope="module")
def wide_graph() -> Graph:
    return graph_from_keras(qmodels.wide_acc(), source="wide_acc.h5", source_hash="0" * 64)


@pytest.fixture(scope="module")
def wide_build(wide_graph, tmp_path_factory):
    require_tool("ghdl")
    from vhdlgen.rtl.build import BuildOptions, build

    out = tmp_path_factory.mktemp("wide") / "wide_acc"
    # binary adders: the signed-vector form (ternary ones would put it in the dataflow form)
    return out, build(wide_graph, out, BuildOptions(top="wide_acc", adder_inputs=2)).data


def extreme_codes(graph: Graph) -> np.ndarray:
    """Input codes driving every output of the first (Dense) layer to its lo and to its hi: x =
    hi where the weight is positive and lo where it is negative (and the reverse), plus all-lo
    and all-hi."""
    spec, kernel = graph.input, graph.layers[0].kernel
    rows = [np.full(spec.shape, spec.lo), np.full(spec.shape, spec.hi)]
    for j in range(kernel.shape[1]):
        rows.append(np.where(kernel[:, j] > 0, spec.hi, spec.lo))
        rows.append(np.where(kernel[:, j] > 0, spec.lo, spec.hi))
    return np.array(rows, dtype=np.int64)


def check_interpreter(network: Network, codes: np.ndarray) -> None:
    for timing, depth in OPTIONS:
        units = lower(network.graph, "top", timing, depth)
        trace = network.trace_codes(codes)
        for unit, got in zip(units, run_units(units, codes)):
            want = trace[unit.sources[-1]].reshape(len(codes), -1)
            assert np.array_equal(got, want), f"{unit.label}: interpreter != reference"


# ------------------------------------------------------------------------------------ wide_acc
def test_wide_acc_needs_more_than_31_bits(wide_graph) -> None:
    fc1, relu, score = wide_graph.tensors
    assert beyond_integer(fc1.lo, fc1.hi) and signed_width(fc1.lo, fc1.hi) >= 33
    assert not beyond_integer(relu.lo, relu.hi)  # the requantized output is narrow
    assert beyond_integer(score.lo, score.hi)  # the float output layer's output is not
    units = lower(wide_graph, "wide_acc", Timing.model(ULTRASCALE_PLUS_2, 3.125, 0.3), 3)
    assert [u.wide for u in units] == [True, True]
    assert max(a.width for a in units[0].adders) >= 33


def test_wide_acc_builds_in_signed_form(wide_build) -> None:
    out, report = wide_build
    assert [l["arithmetic"] for l in report["layers"]] == ["signed", "signed"]
    assert max(l["max_adder_width"] for l in report["layers"]) >= 33
    assert report["out_data"]["element_width"] == 34
    for layer in report["layers"]:
        code = code_of((out / "rtl" / f"{layer['entity']}.vhd").read_text())
        assert "integer range" not in code and "signed(" in code
        assert not [line for line in code.splitlines() if "*" in line]
    top = (out / "rtl" / "wide_acc.vhd").read_text()
    assert "signed" not in code_of(top)  # the top and the packed ports do not change


def test_wide_acc_vhdl_identifiers(wide_build) -> None:
    out, _ = wide_build
    problems = [p for path in sorted((out / "rtl").glob("*.vhd"))
                for p in identifier_problems(path.name, path.read_text())]
    assert not problems, problems[:10]


def test_wide_acc_interpreter_equals_reference(wide_graph) -> None:
    network = Network(wide_graph)
    spec = wide_graph.input
    extremes = extreme_codes(wide_graph)
    fc1 = network.trace_codes(extremes)["fc1"]
    assert fc1.min() == wide_graph.tensors[0].lo and fc1.max() == wide_graph.tensors[0].hi
    uniform = np.random.default_rng(3).integers(spec.lo, spec.hi + 1, size=(2000,) + spec.shape)
    check_interpreter(network, np.concatenate([extremes, uniform]))


@pytest.mark.parametrize("bits", [2, 4])
def test_shipped_students_are_not_wide(bits: int) -> None:
    """No student value needs more than 31 bits; with binary adders every unit is in the
    integer form (the default puts units with ternary adders in the dataflow form)."""
    network = load(ROOT / "models" / f"student_{bits}bit.h5")
    timing = Timing.model(ULTRASCALE_PLUS_2, 3.125, 0.3)
    assert not any(u.wide for u in lower(network.graph, "top", timing, 3))
    binary = lower(network.graph, "top", timing, 3, 2)
    assert all(not u.variables and not u.vector_views for u in binary)


# ------------------------------------------------------------------------- every signed path
def test_edges_graph_takes_every_signed_path() -> None:
    graph = qmodels.wide_edges_graph()
    seen: Counter = Counter()
    for timing, depth in OPTIONS:
        for unit in lower(graph, "top", timing, depth):
            assert unit.wide
            for stage in unit.stages:
                for add in stage.adds:
                    seen["neg" if add.op == "neg" else "add"] += 1
                    seen.update(f.how for f in (add.a, add.b) if isinstance(f, Fit))
                for out in stage.outputs:
                    seen[f"output {out.value.how}" + (" requantized" if out.requant else "")] += 1
            seen["view resize"] += sum(v.resize is not None for v in unit.vector_views)
            seen.update(f"bits {f.how}" for f in unit.out_bits)
    for path in ("neg", "slice", "resize", "literal", "output literal", "output resize",
                 "output resize requantized", "output as is requantized", "view resize",
                 "bits resize"):
        assert seen[path], f"the edges graph does not take the signed form's path {path!r}"


def test_edges_graph_interpreter_equals_reference() -> None:
    graph = qmodels.wide_edges_graph()
    codes = np.concatenate([extreme_codes(graph), np.random.default_rng(4).integers(
        graph.input.lo, graph.input.hi + 1, size=(3000,) + graph.input.shape)])
    check_interpreter(Network(graph), codes)


def test_edges_graph_passes_ghdl_synth(tmp_path) -> None:
    require_tool("ghdl")
    from vhdlgen.rtl.build import BuildOptions, build

    report = build(qmodels.wide_edges_graph(), tmp_path / "edges",
                   BuildOptions(top="edges", adder_inputs=2)).data
    assert [l["arithmetic"] for l in report["layers"]] == ["signed", "signed"]


# ------------------------------------------------------------------------------- refusals
def _graph(kernel: np.ndarray, activation: Requantizer | None) -> Graph:
    graph_input = Input("x", (2,), FixedType(True, 12, 0), -2048, 2047)
    layers = (Dense("fc", kernel, np.zeros(kernel.shape[1], dtype=np.int64), 0),)
    if activation is not None:
        layers += (Activation("fc_q", activation, "quantized_bits"),)
    return Graph(graph_input, layers, infer_all(layers, Graph(graph_input, ()).input_tensor))


def test_requantized_output_beyond_integers_is_refused() -> None:
    wide_out = FixedType(True, 40, 0)
    graph = _graph(np.array([[2**30], [3]]),
                   Requantizer(0, wide_out, wide_out.min_code, wide_out.max_code))
    with pytest.raises(UserError, match="activation's output needs 40 bits.*32-bit VHDL integer"):
        lower(graph, "top", Timing.levels(3), 3)


def test_value_beyond_int64_is_refused() -> None:
    graph = _graph(np.array([[2**52], [2**52]]), None)
    with pytest.raises(UserError, match="needs 64 bits.*int64"):
        lower(graph, "top", Timing.levels(3), 3)
