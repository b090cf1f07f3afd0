"""The NumPy fixed-point reference equals QKeras, bit for bit, at every quantized layer.

For the 2/3/4/5-bit students and every other shape of `qmodels`, on sparse RPC-like, uniform
random, off-grid (input quantizer) and corner inputs:
- every Keras layer whose output is quantized: reference codes * 2**-frac == Keras output with
  `numpy.array_equal` (never a tolerance);
- the full `model.predict` output: equal for quantized outputs; for the float Dense output,
  |reference - Keras| <= the layer's documented `error_bound` + the float32 rounding of Keras
  itself (see `float32_allowance`);
- after saving the model as .h5 and as a SavedModel folder and loading it with `vhdlgen.load`.

Keras computes in float32, so "bit for bit" needs every quantized layer's partial sums to be
exact in float32: `test_float32_exactness_precondition` checks that (sum of |terms| < 2**24 code
units at the accumulator's scale), so any summation order TF picks is exact.
"""
from __future__ import annotations

import numpy as np
import pytest

import qmodels
import vhdlgen
from vhdlgen.fixed import dequantize
from vhdlgen.frontend import graph_from_keras
from vhdlgen.layers.activation import Activation
from vhdlgen.layers.conv2d import Conv2D
from vhdlgen.layers.dense import Dense
from vhdlgen.network import Network

N = 600  # vectors per input set


class Case:
    """One model built once per module: Keras model, vhdlgen network, inputs, Keras outputs."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.model = qmodels.MODELS[name]()
        self.network = Network(graph_from_keras(self.model))
        self.sets = qmodels.input_sets(name, self.network, n=N)
        self.x = np.concatenate(list(self.sets.values()))
        self.keras = qmodels.keras_layer_outputs(self.model, self.x)
        self.predicted = self.model.predict(self.x, verbose=0, batch_size=4096)
        self.trace = self.network.trace(self.x)

    def frac(self, name: str) -> int:
        graph = self.network.graph
        if name == graph.input.quantizer:
            return graph.input.fmt.frac
        return next(t.fmt.frac for l, t in zip(graph.layers, graph.tensors) if l.name == name)

    def exact_names(self) -> list[str]:
        """IR layer names whose output is exact fixed point (no float layer up to there)."""
        names = [self.network.graph.input.quantizer] if self.network.graph.input.quantizer else []
        for layer in self.network.graph.layers:
            if getattr(layer, "error_bound", None) is not None:
                break
            names.append(layer.name)
        return names

    def values(self, name: str) -> np.ndarray:
        return dequantize(self.trace[name], self.frac(name))


@pytest.fixture(scope="module",
                params=[name for name in qmodels.MODELS if name not in qmodels.BEYOND_FLOAT32])
def case(request) -> Case:
    return Case(request.param)


@pytest.mark.parametrize("name", sorted(qmodels.BEYOND_FLOAT32))
def test_models_left_out_really_exceed_float32(name: str) -> None:
    """The models kept out of the QKeras comparison have an accumulator beyond 2**24 codes,
    where Keras' float32 sums are not exact (so leaving them out hides nothing)."""
    graph = Network(graph_from_keras(qmodels.MODELS[name]())).graph
    worst = 0
    for index, layer in enumerate(graph.layers):
        if isinstance(layer, (Conv2D, Dense)):
            x_t = graph.layer_input(index)
            kernel = np.abs(layer.kernel.reshape(-1, layer.kernel.shape[-1]))
            sums = np.abs(layer.bias) + kernel.sum(axis=0) * max(abs(x_t.lo), abs(x_t.hi))
            worst = max(worst, int(sums.max()))
    assert worst >= 2**24


def test_every_quantized_layer_equals_qkeras(case: Case) -> None:
    assert set(case.keras) <= set(case.trace), "every Keras layer must appear in the trace"
    compared = 0
    for name in case.exact_names():
        if name not in case.keras:
            continue  # the '<layer>_linear' half of a layer with a built-in activation
        keras_out = case.keras[name]
        ours = case.values(name).reshape(keras_out.shape)
        if not np.array_equal(ours, keras_out):
            bad = np.argwhere(ours != keras_out)[0]
            pytest.fail(f"{case.name}: layer {name!r} differs first at {tuple(bad)}: "
                        f"reference {ours[tuple(bad)]} != QKeras {keras_out[tuple(bad)]}")
        compared += 1
    n_weighted = sum(isinstance(l, (Conv2D, Dense)) for l in case.network.graph.layers)
    assert compared >= n_weighted  # a real comparison happened, not a vacuous loop


def test_model_predict_output(case: Case) -> None:
    """The whole model through `model.predict` (graph mode) vs `Network.predict`."""
    ours = case.network.predict(case.x)
    assert ours.dtype == np.float64 and ours.shape == case.predicted.shape
    last = case.network.graph.layers[-1]
    if getattr(last, "error_bound", None) is None:
        assert np.array_equal(ours, case.predicted)
    else:
        error = np.abs(ours - case.predicted)
        allowance = float32_allowance(case.model.layers[-1], case.keras[case.model.layers[-2].name])
        assert np.all(error <= last.error_bound + allowance), error.max()
    # eager layer-by-layer Keras and graph-mode predict agree too (same model, same arithmetic)
    assert np.array_equal(case.keras[case.model.layers[-1].name], case.predicted)


def float32_allowance(layer, x_in: np.ndarray) -> np.ndarray:
    """Rigorous bound on Keras' own float32 rounding in a float last Dense `layer` whose exact
    (quantized) input is x_in, per output: gamma_k * (sum |w*x| + |b|), gamma_k = k*u/(1-k*u),
    u = 2**-24, k = n_in + 1 (n_in rounded products and n_in additions, any order, with or
    without FMA). The reference itself is exact, so this is all Keras may add."""
    kernel, bias = (np.asarray(w, np.float64) for w in layer.get_weights())
    x_in = np.asarray(x_in, np.float64).reshape(len(x_in), -1)
    k = kernel.shape[0] + 1
    gamma = k * 2.0**-24 / (1 - k * 2.0**-24)
    return gamma * (np.abs(x_in) @ np.abs(kernel) + np.abs(bias))


def test_float_output_error_bound(case: Case) -> None:
    """The float last layer's error_bound is the documented bound max_j(x_max * sum_i
    |w_ij - q_ij| + |b_j - qb_j|), recomputed here independently, and it is respected."""
    last = case.network.graph.layers[-1]
    if last.error_bound is None:
        assert type(case.model.layers[-1]).__name__.startswith("Q")
        return
    kernel, bias = (np.asarray(w, np.float64) for w in case.model.layers[-1].get_weights())
    x_t = case.network.graph.layer_input(len(case.network.graph.layers) - 1)
    x_max = max(abs(x_t.lo), abs(x_t.hi)) * 2.0**-x_t.fmt.frac
    q_kernel = dequantize(last.kernel, last.weight_frac)
    q_bias = dequantize(last.bias, last.weight_frac + x_t.fmt.frac)
    expected = np.max(x_max * np.abs(kernel - q_kernel).sum(axis=0) + np.abs(bias - q_bias))
    assert last.error_bound == pytest.approx(expected, rel=1e-12)
    assert 0 < last.error_bound < 0.05  # 12-bit weights: the bound is small, not vacuous
    error = np.abs(case.network.predict(case.x) - case.predicted)
    allowance = float32_allowance(case.model.layers[-1], case.keras[case.model.layers[-2].name])
    assert np.all(error <= last.error_bound + allowance)
    assert np.all(allowance < 1e-5)  # Keras' own rounding is far below the quantization bound


def test_activations_exercised(case: Case) -> None:
    """Test strength: every quantizing activation clips at its low end AND saturates at its
    high end for some input (else rounding/saturation bugs could hide)."""
    for layer in case.network.graph.layers:
        if isinstance(layer, Activation) and layer.kind not in ("relu", "linear"):
            codes = case.trace[layer.name]
            rq = layer.requantizer
            assert np.any(codes == rq.lo) and np.any(codes == rq.hi), (layer.name, rq)
            assert np.any((codes > rq.lo) & (codes < rq.hi)), layer.name


def test_float32_exactness_precondition(case: Case) -> None:
    """Keras' float32 sums are exact for every exact layer: per output channel
    |bias| + sum |w| * max|x| < 2**24 codes at the accumulator frac (any order, no rounding)."""
    graph = case.network.graph
    exact = set(case.exact_names())
    for index, layer in enumerate(graph.layers):
        if isinstance(layer, (Conv2D, Dense)) and layer.name in exact:
            x_t = graph.layer_input(index)
            x_abs = max(abs(x_t.lo), abs(x_t.hi))
            kernel = layer.kernel.reshape(-1, layer.kernel.shape[-1])
            worst = np.abs(layer.bias) + np.abs(kernel).sum(axis=0) * x_abs
            assert worst.max() < 2**24, layer.name


def test_input_quantizer_ties_half_to_even() -> None:
    """Exact ties at the input quantizer round half to even, as QKeras does; float64 inputs
    are read as float32 like Keras does (a value a hair above a tie in float64 is the tie in
    float32)."""
    model = qmodels.MODELS["dense_only"]()
    network = Network(graph_from_keras(model))
    step = network.graph.input.fmt.step  # quantized_bits(4,0): step 1/8, codes -8..7
    ties = (np.arange(-9, 8) + 0.5) * step
    x = np.repeat(ties[:, None], 20, axis=1).astype(np.float64)
    x[:, 1] += 1e-12  # not representable in float32: Keras sees the tie
    codes = network.trace(x)["in_q"]
    below = np.arange(-9, 8)
    expected = np.clip(np.where(below % 2 == 0, below, below + 1), -8, 7)
    assert np.array_equal(codes[:, 0], expected)
    assert np.array_equal(codes[:, 1], expected)
    keras_in = qmodels.keras_layer_outputs(model, x)["in_q"]
    assert np.array_equal(dequantize(codes, network.graph.input.fmt.frac), keras_in)


@pytest.mark.parametrize("name, formats", [("student4", ("h5", "tf")), ("wide_conv", ("h5",))])
def test_save_load_h5_and_savedmodel(name: str, formats, tmp_path) -> None:
    """vhdlgen.load of a saved .h5 file and of a SavedModel folder gives the same network as the
    in-memory model, equal to QKeras on the reloaded Keras model. (SavedModel once: slow.)"""
    from qkeras.utils import load_qmodel

    model = qmodels.MODELS[name]()
    memory = Network(graph_from_keras(model))
    x = np.concatenate(list(qmodels.input_sets(name, memory, n=200).values()))
    expected = memory.trace(x)
    savers = {"h5": qmodels.save_h5, "tf": qmodels.save_savedmodel}
    paths = [savers[f](model, tmp_path) for f in formats]
    assert paths[0].is_file() and (len(paths) == 1 or paths[1].is_dir())
    hashes = set()
    for path in paths:
        network = vhdlgen.load(path)
        assert network.graph.source == str(path)
        hashes.add(network.graph.source_hash)
        trace = network.trace(x)
        assert list(trace) == list(expected)
        for layer_name, codes in expected.items():
            assert np.array_equal(trace[layer_name], codes), (path, layer_name)
        reloaded = load_qmodel(str(path), compile=False)
        keras_out = reloaded.predict(x, verbose=0, batch_size=4096)
        ours = network.predict(x)
        last = network.graph.layers[-1]
        if last.error_bound is None:
            assert np.array_equal(ours, keras_out)
        else:
            penultimate = dequantize(trace[network.graph.layers[-2].name],
                                     network.graph.tensors[-2].fmt.frac)
            allowance = float32_allowance(reloaded.layers[-1], penultimate)
            assert np.all(np.abs(ours - keras_out) <= last.error_bound + allowance)
    assert len(hashes) == len(paths) and all(len(h) == 64 for h in hashes)
