"""RTL == NumPy reference, bit for bit, for every configuration, streamed back to back.

Per configuration (see benchlib.CONFIGS: the 2/3/4/5-bit students of the reference architecture
with their float last layer at the default build, binary and ternary adders per layer, the
quantized-output student, wide_conv, dense_only, no_input_quant, sequential and the layer kinds
with binary adders, and the 4-bit student at 1 and 4 adder levels per stage; the layer-kind
models' default builds in the full run), one simulator run streams
>= 2,000 vectors, one per clock (in_valid never low): corner vectors (all zero, all max,
checkerboards, halves), realistic sparse RPC-like hits (images), uniform random codes and off-grid
reals through the input quantizer. Checked:
- the output codes equal `Network.predict_codes` with `numpy.array_equal`;
- the latency measured (first out_valid after the first in_valid) equals report.json's;
- II = 1: every input comes out, on consecutive clock edges, each exactly `latency` edges after
  it went in;
- for models whose output is quantized by QKeras itself: the dequantized RTL output equals
  `model.predict` exactly (no tolerance).
"""
from __future__ import annotations

import numpy as np
import pytest

from benchlib import assert_rtl_equal, config_params, quantized_output, sampled_edges
from vhdlgen.fixed import dequantize
from vhdlgen.sim.verify import first_mismatch

pytestmark = pytest.mark.sim


@pytest.fixture(scope="module", params=config_params())
def design(request, designs):
    return designs(request.param)


def test_rtl_equals_reference_bit_for_bit(design) -> None:
    rtl, expected = design.result.outputs, design.expected
    assert len(design.codes) >= 2000
    assert_rtl_equal(design.key, rtl, expected, design.where)
    # the streams exercise the outputs: not a constant
    assert len(np.unique(expected, axis=0)) > 20, f"{design.key}: too few distinct outputs"


def test_latency_matches_report(design) -> None:
    assert design.result.latency == design.latency, (
        f"{design.key}: first out_valid {design.result.latency} cycles after the first in_valid; "
        f"report.json says {design.latency}")
    registered_inputs = int(design.report["register_inputs"])
    assert design.latency == registered_inputs + sum(
        layer["latency_cycles"] for layer in design.report["layers"])
    assert design.report["layers"][-1]["output_cycle"] == design.latency


def test_back_to_back_ii_1(design) -> None:
    """One input per clock in, one output per clock out, each `latency` edges after its input."""
    result = design.result
    assert (result.sampled[:, 1] == 0).all()
    in_edges = sampled_edges(result.sampled)
    assert len(in_edges) == len(design.codes)
    assert (np.diff(in_edges) == 1).all(), "the bench must drive in_valid every clock here"
    assert len(result.out_edges) == len(design.codes)
    assert (np.diff(result.out_edges) == 1).all(), "out_valid must stay high, II = 1"
    assert np.array_equal(result.out_edges, in_edges + design.latency)


QUANTIZED_OUTPUT = ["student4_qout", "wide_conv", "sequential"]


@pytest.mark.parametrize("key", QUANTIZED_OUTPUT)
def test_quantized_output_equals_qkeras(designs, key) -> None:
    design = designs(key)
    assert design.keras is not None and quantized_output(design.graph), (
        f"{key}: expected a model whose last layer is quantized by QKeras")
    rtl = dequantize(design.result.outputs, design.graph.output.fmt.frac)
    keras = design.keras.reshape(rtl.shape)
    if not np.array_equal(rtl, keras):
        i = first_mismatch(rtl, keras)
        pytest.fail(f"{key}: RTL differs from QKeras model.predict first at "
                    f"{design.where(i)}: {rtl[i].tolist()} != {keras[i].tolist()}")
    assert len(np.unique(keras, axis=0)) > 20


def test_float_output_configs_have_no_qkeras_claim(designs) -> None:
    """The float-output models are compared with the reference only (their last layer is
    quantized by vhdlgen, so QKeras' float output differs by design)."""
    for key in ("student2", "dense_only", "no_input_quant"):
        assert not quantized_output(designs(key).graph), key


def test_adder_levels_change_latency_not_results(designs) -> None:
    """1 and 4 adder levels per stage and the timing-driven default: different pipelines, the
    same integers."""
    l1, timed, l4 = designs("student4_l1"), designs("student4"), designs("student4_l4")
    assert (l1.report["adder_levels_per_stage"], timed.report["adder_levels_per_stage"],
            l4.report["adder_levels_per_stage"]) == (1, None, 4)
    assert "timing" in timed.report and "timing" not in l1.report
    assert l1.latency > l4.latency and l1.latency > timed.latency, (l1.latency, l4.latency)
    for d in (l1, l4):
        assert d.result.latency == d.latency
        assert np.array_equal(d.result.outputs, timed.result.outputs)


@pytest.mark.parametrize("key", ["student4", "wide_conv"])
def test_probe_reads_every_layer(designs, key) -> None:
    """The probe used by the mismatch diagnosis reads every layer unit's output, == the trace."""
    from vhdlgen.sim import runner

    design = designs(key)
    start = design.sets.get("sparse", design.sets["uniform"])[0]
    codes = design.codes[start + 3:start + 4]
    with design.locked():
        layers = runner.probe(design.build_dir, design.report, codes)
    trace = design.network.trace_codes(codes)
    assert list(layers) == [layer["name"] for layer in design.report["layers"]]
    for layer in design.report["layers"]:
        expected = trace[layer["source_layers"][-1]].reshape(-1)
        assert np.array_equal(layers[layer["name"]], expected), layer["name"]
    assert any(np.any(v != 0) for v in layers.values())
