"""UpSampling2D (vhdlgen/layers/upsampling2d.py), the layer kind added as one module through the
registry: equal to QKeras (numpy.array_equal) at every layer and at predict, through the lowered
units, through the build manifest's JSON form, and in the RTL on GHDL.

The model takes every way the lowering can meet the kind: merged with the ZeroPadding2D before
it, joined by the quantizer after it, and alone (a unit of wires before Flatten)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import qmodels
import vhdlgen
from tools import require_tool
from vhdlgen.errors import UserError
from vhdlgen.frontend import graph_from_keras
from vhdlgen.network import Network
from vhdlgen.rtl.graph_json import graph_from_json, graph_to_json
from vhdlgen.rtl.lower import lower
from vhdlgen.rtl.schedule import Timing

SHAPE = (4, 5, 2)


def upsampled(seed: int = 41):
    """(4,5,2) signed input quantizer; ZeroPadding2D ((1,0),(0,1)) and UpSampling2D (2,1);
    QConv2D 3x3 with quantized_relu; UpSampling2D 2 and a QActivation(quantized_bits);
    QConv2D 2x2 stride 2 (exact sums); UpSampling2D (1,2); Flatten; QDense."""
    from qkeras import QActivation, QConv2D, QDense, quantized_bits, quantized_relu
    from tensorflow import keras

    inp = keras.layers.Input(SHAPE, name="planes")
    x = QActivation(quantized_bits(4, 1), name="in_q")(inp)
    x = keras.layers.ZeroPadding2D(((1, 0), (0, 1)), name="pad")(x)
    x = keras.layers.UpSampling2D((2, 1), name="up_rows")(x)
    x = QConv2D(3, 3, name="c1", kernel_quantizer=quantized_bits(4, 0, 1),
                bias_quantizer=quantized_bits(4, 0, 1), activation=quantized_relu(4, 1))(x)
    x = keras.layers.UpSampling2D(2, name="up_both")(x)
    x = QActivation(quantized_bits(3, 1), name="up_q")(x)
    x = QConv2D(4, 2, strides=2, name="c2", kernel_quantizer=quantized_bits(4, 0, 1),
                bias_quantizer=quantized_bits(4, 0, 1))(x)
    x = keras.layers.UpSampling2D((1, 2), name="up_cols")(x)
    x = keras.layers.Flatten(name="flat")(x)
    x = QDense(3, kernel_quantizer=quantized_bits(5, 0, 1), bias_quantizer=quantized_bits(5, 0, 1),
               name="out")(x)
    model = keras.Model(inp, x, name="upsampled")
    qmodels.randomize(model, seed, gain=2.0)
    return model


@pytest.fixture(scope="module")
def model():
    return upsampled()


@pytest.fixture(scope="module")
def network(model) -> Network:
    return Network(graph_from_keras(model))


def _inputs(network: Network) -> np.ndarray:
    sets = qmodels.input_sets("upsampled", network, n=300)
    return np.concatenate(list(sets.values()))


def test_equals_qkeras_at_every_layer_and_predict(model, network) -> None:
    x = _inputs(network)
    assert qmodels.compare_layers(model, network, x) == len(model.layers) - 1
    predicted = network.predict(x)
    assert np.array_equal(predicted, model.predict(x, verbose=0, batch_size=4096))
    assert len(np.unique(predicted, axis=0)) > 100  # not a constant output
    trace = network.trace(x)
    assert np.array_equal(trace["up_cols"], np.repeat(trace["c2"], 2, axis=2))


def test_lowering_merges_joins_and_leaves_alone(network) -> None:
    units = lower(network.graph, "top", Timing.levels(2), 3)
    assert [unit.sources for unit in units] == [
        ("pad", "up_rows"), ("c1_linear", "c1"), ("up_both", "up_q"), ("c2",), ("up_cols",),
        ("out",)]
    assert units[0].in_tensor.shape == SHAPE  # the padding's zeros are constants, no input
    qmodels.interpreter_equals_reference(network, _inputs(network))


def test_json_form_reads_back(network) -> None:
    data = graph_to_json(network.graph)
    assert {"type": "UpSampling2D", "name": "up_rows", "size": [2, 1]} in data["layers"]
    again = Network(graph_from_json(data))
    codes = network.input_codes(_inputs(network))
    assert np.array_equal(again.predict_codes(codes), network.predict_codes(codes))


@pytest.mark.parametrize("kwargs, problem", [
    ({"interpolation": "bilinear"}, "interpolation 'bilinear' (accepted: 'nearest')"),
    ({"data_format": "channels_first"}, "data_format 'channels_first'"),
])
def test_refused_options_are_named(kwargs: dict, problem: str) -> None:
    from tensorflow import keras

    inp = keras.layers.Input(SHAPE, name="planes")
    out = keras.layers.UpSampling2D(2, name="up", **kwargs)(inp)
    with pytest.raises(UserError) as error:
        graph_from_keras(keras.Model(inp, out))
    assert f"layer 'up' (UpSampling2D): {problem}" in str(error.value)
    assert "UpSampling2D (interpolation 'nearest')" in str(error.value)  # in the supported list


@pytest.mark.sim
def test_rtl_equals_qkeras_on_ghdl(model, tmp_path: Path) -> None:
    require_tool("ghdl")
    design = vhdlgen.convert(model)
    design.build(tmp_path / "upsampled")
    x = _inputs(design.network)[::4]
    simulated = design.simulate(x)
    assert np.array_equal(simulated, design.predict(x))
    assert np.array_equal(simulated, model.predict(x, verbose=0, batch_size=4096))
