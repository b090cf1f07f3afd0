"""Random architectures through the whole flow (#11 item 5).

`qmodels.random_model(seed)` draws models from the supported vocabulary (image or vector input,
with or without an input quantizer, QConv2D kernels up to 3x3, QDense, bit widths 2-8, integer
bits, symmetric or not, keep_negative, alpha None/1/'auto_po2' on kernels and biases, float
biases, quantized_bits / quantized_relu / plain relu activations inside the layer or as layers,
float heads, layer names that are VHDL reserved words or clash in case). For every seed:

- predict == QKeras (`model.predict`, graph mode) and every layer == the eager Keras layer
  output, with numpy.array_equal, on the layers `float32.exact_layers` proves QKeras computes
  exactly; past them, the printed note explains the difference (float32 sums beyond 2**24, a
  float bias rounded by float32) or the printed bound holds (float heads). A census test makes sure
  most models are compared all the way to the output, so the exactness claim is not vacuous;
- the lowered adder graph (`vhdlgen.rtl.lower.run_units`) == the reference, bit for bit;
- RTL_SEEDS through `build` and cocotb on GHDL: RTL == reference (marked `sim`).

DEFAULT_SEEDS run by default (about a minute on the 2-core machine); SLOW_SEEDS and
SLOW_RTL_SEEDS under `-m slow`.
"""
from __future__ import annotations

import functools
import os

import numpy as np
import pytest

import qmodels
from tools import require_tool
from vhdlgen.errors import UserError
from vhdlgen.fixed import dequantize
from vhdlgen.frontend import Options, graph_from_keras
from vhdlgen.frontend.float32 import caveats, exact_layers, layer_notes, output_bound
from vhdlgen.layers.activation import Activation
from vhdlgen.network import Network
from vhdlgen.timing import ULTRASCALE_PLUS_2

DEFAULT_SEEDS = list(range(14))
SLOW_SEEDS = list(range(14, 150))
RTL_SEEDS = [2, 5, 15]  # image models with and without an input quantizer, a vector model
SLOW_RTL_SEEDS = [4, 7, 10, 18, 22, 27, 30, 32, 39]  # 22, 27, 30, 39: values beyond 32 bits
N = 200  # vectors per input set

ALL = [pytest.param(s, id=f"seed{s}") for s in DEFAULT_SEEDS] + [
    pytest.param(s, id=f"seed{s}", marks=pytest.mark.slow) for s in SLOW_SEEDS]


class Sample:
    """One random model: Keras model, vhdlgen network, inputs, Keras outputs."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.model, input_format = qmodels.random_model(seed)
        options = Options(input_format) if input_format is not None else Options()
        self.network = Network(graph_from_keras(self.model, options))
        self.x = np.concatenate(list(qmodels.input_sets("", self.network, n=N, seed=seed)
                                     .values()))
        self.codes = self.network.input_codes(self.x)


@functools.lru_cache(maxsize=len(DEFAULT_SEEDS) + 2)
def sample(seed: int) -> Sample:
    return Sample(seed)


@pytest.fixture(scope="module", params=ALL)
def seed(request) -> int:
    """One seed for all tests of the module in a row (pytest groups them), so each model is
    built once."""
    return request.param


def _frac(graph, name: str) -> int:
    if name == graph.input.quantizer:
        return graph.input.fmt.frac
    return next(t.fmt.frac for l, t in zip(graph.layers, graph.tensors) if l.name == name)


def test_predict_equals_qkeras(seed: int) -> None:
    s = sample(seed)
    graph = s.network.graph
    exact = exact_layers(graph)
    names = ([graph.input.quantizer] if graph.input.quantizer else []) + exact
    keras = qmodels.keras_layer_outputs(s.model, s.x)
    trace = s.network.trace_codes(s.codes)
    compared = 0
    for name in names:
        if name in keras:  # not the '<layer>_linear' half of a layer with its own activation
            ours = dequantize(trace[name], _frac(graph, name)).reshape(keras[name].shape)
            assert np.array_equal(ours, keras[name]), f"seed {seed}: layer {name!r}"
            compared += 1
    predicted = s.model.predict(s.x, verbose=0, batch_size=4096).reshape(len(s.x), -1)
    ours = s.network.predict(s.x)
    notes, bound = layer_notes(graph), output_bound(graph)
    if graph.layers[-1].name in exact:
        assert not caveats(graph)
        assert np.array_equal(ours, predicted), f"seed {seed}: predict != QKeras"
        assert compared >= 1
    elif not notes:  # float layers at the end only: the printed bound holds
        assert bound is not None and np.all(np.abs(ours - predicted) <= bound), seed
    # else QKeras rounds in float32 past the exact layers (compared above), and a note says so


def test_census_most_models_are_compared_to_the_output() -> None:
    """Not vacuous: most default models are provably exact all the way (predict ==
    QKeras), and the others are float heads or noted, never silently left out."""
    kinds = {"exact": 0, "bounded": 0, "noted": 0}
    for seed in DEFAULT_SEEDS:
        graph = sample(seed).network.graph
        if graph.layers[-1].name in exact_layers(graph):
            kinds["exact"] += 1
        elif not layer_notes(graph):
            kinds["bounded"] += 1
        else:
            kinds["noted"] += 1
    assert kinds["exact"] >= len(DEFAULT_SEEDS) // 2, kinds
    refused = sum(_beyond_32_bits(sample(seed).network.graph) for seed in DEFAULT_SEEDS)
    assert refused <= len(DEFAULT_SEEDS) // 4, refused  # most go through the lowering
    assert kinds["bounded"] >= 1 and kinds["noted"] >= 1, kinds  # each path is taken


def _beyond_32_bits(graph) -> bool:
    """An activation (e.g. a plain relu of a float-biased sum) whose codes exceed 32-bit VHDL
    integers, which the RTL's requantizer refuses with a UserError."""
    return any(isinstance(layer, Activation) and max(-t.lo, t.hi) >= 2**31
               for layer, t in zip(graph.layers, graph.tensors))


def test_lowering_equals_reference(seed: int) -> None:
    from vhdlgen.rtl.lower import lower, run_units
    from vhdlgen.rtl.schedule import Timing

    s = sample(seed)
    timing = Timing.model(ULTRASCALE_PLUS_2, 3.125, 0.3) if seed % 2 else Timing.levels(int(seed % 3) + 1)
    if _beyond_32_bits(s.network.graph):
        with pytest.raises(UserError, match="32-bit VHDL integer"):
            lower(s.network.graph, "top", timing, seed % 4)
        return
    units = lower(s.network.graph, "top", timing, seed % 4)
    trace = s.network.trace_codes(s.codes)
    for unit, got in zip(units, run_units(units, s.codes)):
        want = trace[unit.sources[-1]].reshape(len(s.codes), -1)
        assert np.array_equal(got, want), f"seed {seed}: {unit.label}"


@pytest.mark.sim
@pytest.mark.parametrize("rtl_seed", [pytest.param(s, id=f"seed{s}") for s in RTL_SEEDS] + [
    pytest.param(s, id=f"seed{s}", marks=pytest.mark.slow) for s in SLOW_RTL_SEEDS])
def test_rtl_equals_reference(rtl_seed: int, tmp_path, monkeypatch) -> None:
    from vhdlgen.rtl.build import BuildOptions, build
    from vhdlgen.sim.verify import simulate

    require_tool("ghdl")
    monkeypatch.setenv("GHDL_BACKEND", os.environ.get("GHDL_BACKEND") or "mcode")
    seed = rtl_seed
    s = sample(seed)
    assert not _beyond_32_bits(s.network.graph), "choose RTL seeds the lowering accepts"
    build(s.network.graph, tmp_path / "build", BuildOptions(test_vectors=0))
    verdict = simulate(tmp_path / "build", s.x)
    assert verdict.first_mismatch is None, (seed, verdict.first_mismatch, verdict.diverging_layer)
    assert verdict.latency == verdict.expected_latency
    assert np.array_equal(verdict.rtl_codes, s.network.predict_codes(s.codes))
