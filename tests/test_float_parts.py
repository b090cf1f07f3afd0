"""Float parts of a model are exact, refused, or carry a printed bound that holds (#11 item 2).

Against QKeras (`model.predict`, graph mode, and the eager layer outputs) with numpy.array_equal
where vhdlgen claims equality:
- a quantized kernel with a float bias (no bias_quantizer), before a quantizer: exact;
- the same with the float-biased sum as the output: vhdlgen's sum is exact, QKeras rounds it in
  float32; the printed note's bound holds;
- alpha='auto_po2' on biases: exact;
- a float Conv2D followed by quantizers: refused, naming both layers;
- a float head of two layers: the printed bound holds against QKeras;
- a float bias a hair above a rounding tie: QKeras really differs, and vhdlgen says so;
- plain BatchNormalization (a float per-channel affine) on (H, W, C) and (N,): the printed bound
  holds, also with 24-bit weights where Keras' own float32 rounding dominates it; the lowering
  interpreter equals the reference; before a quantizer it is refused, naming the ways to fold it.
`predict` and `build` print these notes (stderr); `inspect` lists them.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import qmodels
from vhdlgen.errors import UserError
from vhdlgen.frontend import graph_from_keras
from vhdlgen.frontend import Options
from vhdlgen.frontend.float32 import caveats, output_bound
from vhdlgen.network import Network
from vhdlgen.rtl.lower import lower, run_units
from vhdlgen.rtl.schedule import Timing

ROOT = Path(__file__).resolve().parents[1]


def _inputs(network: Network, n: int = 500) -> np.ndarray:
    return np.concatenate(list(qmodels.input_sets("", network, n=n).values()))


def _compare(model) -> tuple[Network, np.ndarray, np.ndarray]:
    network = Network(graph_from_keras(model))
    x = _inputs(network)
    keras_out = model.predict(x, verbose=0, batch_size=4096).reshape(len(x), -1)
    eager = qmodels.keras_layer_outputs(model, x)[model.layers[-1].name].reshape(len(x), -1)
    assert np.array_equal(keras_out, eager)  # graph mode and eager compute the same
    return network, network.predict(x), keras_out


@pytest.mark.parametrize("factory", [qmodels.float_bias, qmodels.auto_po2_bias])
def test_float_or_auto_po2_bias_is_exact(factory) -> None:
    network, ours, keras_out = _compare(factory())
    assert caveats(network.graph) == []
    assert np.array_equal(ours, keras_out)
    # the test is not vacuous: the outputs take many values
    assert len(np.unique(ours)) > 5


def test_float_bias_output_is_bounded() -> None:
    network, ours, keras_out = _compare(qmodels.float_bias(activation=False))
    notes = caveats(network.graph)
    assert len(notes) == 1 and "'fc_fb'" in notes[0] and "float bias" in notes[0]
    bound = float(re.search(r"by up to ([0-9.e+-]+)", notes[0]).group(1))
    error = np.abs(ours - keras_out)
    assert np.all(error <= bound) and 0 < bound < 1e-5
    assert np.any(error > 0)  # QKeras does round here: the note is not idle


def test_float_layer_before_quantizer_is_refused() -> None:
    with pytest.raises(UserError) as info:
        graph_from_keras(qmodels.float_middle())
    message = str(info.value)
    assert "'after_q' after 'float_conv'" in message and "'fc_q' after 'float_conv'" in message
    assert "kernel_quantizer" in message


def _float_layers_bound_holds(model, layers: str, below: float, tightness: float) -> Network:
    """The one note names the float `layers`; its printed bound is below `below`, holds against
    Keras on every output, and is not vacuous (the largest error exceeds bound * tightness)."""
    network, ours, keras_out = _compare(model)
    notes = caveats(network.graph)
    assert len(notes) == 1 and layers in notes[0]
    bound = float(re.search(r"at most ([0-9.e+-]+)", notes[0]).group(1))
    error = np.abs(ours - keras_out)
    assert np.all(error <= bound) and bound < below
    assert error.max() > bound * tightness
    return network


def test_float_head_bound_holds() -> None:
    _float_layers_bound_holds(qmodels.float_head(), "'head1', 'head2'", 0.05, 1 / 100)


def test_bias_near_tie_differs_and_is_noted() -> None:
    model = qmodels.bias_near_tie()
    network = Network(graph_from_keras(model))
    x = np.arange(256, dtype=np.float32)[:, None]
    ours = network.predict(x)
    keras_out = model.predict(x, verbose=0)
    assert np.array_equal(ours[:, 0], 64 * np.arange(256) + 1.0)  # exact: 64x + 0.5 + tiny rounds up
    differ = ours != keras_out
    assert differ[1:].all() and np.abs(ours - keras_out).max() == 1.0  # QKeras: the tie, to even
    notes = caveats(network.graph)
    assert len(notes) == 1 and "'fc'" in notes[0] and "tie of 'fc_q'" in notes[0]


def test_float_batchnorm_bound_holds() -> None:
    network = _float_layers_bound_holds(qmodels.float_batchnorm(), "'bn2d', 'd1', 'bn1d'", 2.0,
                                        1 / 1000)
    kinds = {layer.name: type(layer).__name__ for layer in network.graph.layers}
    assert kinds["bn2d"] == "Conv2D" and kinds["bn1d"] == "Dense"  # diagonal, 1x1 / dense
    codes = network.input_codes(_inputs(network, n=100))
    trace = network.trace_codes(codes)
    units = lower(network.graph, "top", Timing.levels(2), 2)
    for unit, got in zip(units, run_units(units, codes)):
        assert np.array_equal(got, trace[unit.sources[-1]].reshape(len(codes), -1)), unit.label


def test_float_batchnorm_keras_rounding_is_in_the_bound() -> None:
    """With 24-bit weights vhdlgen's own error is ~1e-7 relative: Keras' float32 rounding of
    the batch norm (scale from rsqrt, then the affine) is then most of the bound, and the bound
    still holds, on (H, W, C) (TensorFlow's fused kernel) and on (N,)."""
    from qkeras import QActivation, quantized_bits
    from tensorflow import keras

    for shape in ((4, 5, 6), (30,)):
        inp = keras.layers.Input(shape, name="x")
        x = QActivation(quantized_bits(8, 3), name="in_q")(inp)
        model = keras.Model(inp, keras.layers.BatchNormalization(name="bn")(x))
        bn, rng = model.get_layer("bn"), np.random.default_rng(len(shape))
        n = shape[-1]
        bn.set_weights([rng.uniform(0.3, 3.0, n), rng.normal(0.0, 1.0, n),
                        rng.normal(0.5, 1.0, n), rng.uniform(0.01, 4.0, n)])
        network = Network(graph_from_keras(model, Options(float_weight_bits=24)))
        spec = network.graph.input
        x = qmodels.uniform_inputs(2000, 1, spec.fmt, spec.shape, spec.lo, spec.hi)
        keras_out = model.predict(x, verbose=0, batch_size=4096).reshape(len(x), -1)
        error = np.abs(network.predict(x) - keras_out)
        bound = output_bound(network.graph)
        assert bound < 1e-3 and np.all(error <= bound) and error.max() > 0, shape


def test_float_batchnorm_before_quantizer_is_refused() -> None:
    from qkeras import QActivation, quantized_relu
    from tensorflow import keras

    inp = keras.layers.Input((6,), name="v")
    x = keras.layers.BatchNormalization(name="bn")(inp)
    x = QActivation(quantized_relu(4, 1), name="after_q")(x)
    with pytest.raises(UserError) as info:
        graph_from_keras(keras.Model(inp, x))
    message = str(info.value)
    assert "plain BatchNormalization: 'after_q' after 'bn'" in message
    assert "QConv2DBatchnorm" in message and "followed only by float layers" in message


def test_cli_prints_the_notes(tmp_path) -> None:
    """predict and build print the notes on stderr; inspect lists them."""
    model_path = qmodels.save_h5(qmodels.float_bias(activation=False), tmp_path)
    x_path = tmp_path / "x.npy"
    np.save(x_path, qmodels.sparse_hits(4, 0))
    commands = {
        "predict": ["--input", str(x_path), "--output", str(tmp_path / "y.npy")],
        "inspect": [],
        "build": ["--out", str(tmp_path / "b"), "--test-vectors", "0"],
    }
    for command, extra in commands.items():
        result = subprocess.run([sys.executable, "-m", "vhdlgen", command, "--model",
                                 str(model_path), *extra], cwd=ROOT, capture_output=True,
                                text=True, timeout=600)
        assert result.returncode == 0, result.stderr
        where = result.stdout if command == "inspect" else result.stderr
        assert "'fc_fb'" in where and "float bias" in where, (command, where)
