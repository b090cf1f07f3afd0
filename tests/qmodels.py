"""Deterministic QKeras test models and input sets (shared by tests/ and rtl_tests/).

Every factory builds a fresh Keras model whose weights are drawn from `numpy.random.default_rng(
seed)`, scaled (He-like, gain > 1, positive-leaning biases) so that on the input sets below every
quantized ReLU both clips to 0 and saturates at its maximum somewhere: rounding, ReLU and
saturation are all exercised, not just the linear middle of each quantizer.

Models (`MODELS` maps a name to a zero-argument factory with a fixed seed):
- `student(bits, seed)`: the reference architecture of the published study, exactly.
- `wide_conv`: (9,16,3) input, 5x5 and 2x3 kernels, more channels, alpha=1 / alpha=None kernels,
  symmetric=0, quantized_relu with integer>0, a signed quantized_bits activation, a QDense with
  its activation inside the layer, quantized output.
- `no_input_quant`: no input quantizer (default input format ufixed<2,1>), layer activation
  'relu', Activation('linear'), Activation('relu'), float Dense output.
- `sequential`: a Sequential model with a signed input quantizer (keep_negative=True).
- `dense_only`: input shape (20,), quantized_bits activations, unsigned (keep_negative=False)
  biases, float output.
- `wide_acc`: values beyond 32-bit VHDL integers (the RTL's signed-vector form): 14-bit signed
  inputs times 16-bit weights over 48 inputs (33-bit accumulators), a 20-bit ReLU, and a float
  output layer whose unquantized 34-bit outputs leave the chip as they are.
Float parts (not in MODELS; tests/test_float_parts.py): `float_bias` (no bias quantizer),
`auto_po2_bias`, `float_middle` (refused), `float_head` (two float layers), `bias_near_tie`
(a float bias where QKeras' float32 sum really rounds onto a tie), `float_batchnorm` (plain
BatchNormalization on (H, W, C) and on (N,), among the float layers at the end).
`wide_edges_graph()` is an IR graph, not a Keras model: integer weights chosen to take every path
of that signed form.

Inputs: `sparse_hits` (realistic RPC-like {0, 0.5, 1} images), `uniform_inputs` (every code of a
format equally likely), `real_inputs` (off-grid floats incl. exact rounding ties and out-of-range
values, for models with an input quantizer), `corner_inputs` (all zero, all max, checkerboards).
Saving: `save_h5`, `save_savedmodel` return the written path.
"""
from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

from vhdlgen.fixed import FixedType
from vhdlgen.rtl.lower import lower, run_units
from vhdlgen.rtl.schedule import Timing

IMAGE = (9, 16, 1)


# ------------------------------------------------------------------------------------ weights
def randomize(model, seed: int, gain: float = 1.6, bias_mean: float = 0.15) -> None:
    """Set every layer's weights from `seed`: kernels N(0, gain/sqrt(fan_in)), biases
    N(bias_mean, 0.3). Large enough that quantized ReLUs clip at 0 and saturate at their max."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        kernel = weights[0]
        fan_in = int(np.prod(kernel.shape[:-1]))
        new = [rng.normal(0.0, gain / np.sqrt(fan_in), kernel.shape)]
        new += [rng.normal(bias_mean, 0.3, w.shape) for w in weights[1:]]
        layer.set_weights([w.astype(np.float32) for w in new])


def _q():
    from qkeras import QActivation, QConv2D, QDense, quantized_bits, quantized_relu
    from tensorflow import keras

    return keras, QActivation, QConv2D, QDense, quantized_bits, quantized_relu


# ------------------------------------------------------------------------------------ models
def student(bits: int, seed: int = 0, float_output: bool = True):
    """The reference student: 9x16x1 -> input_quant ufixed<2,1> -> 4 x (QConv2D 3x3 valid
    [1,1,6,6 filters] + quantized_relu(bits)) -> Flatten(48) -> 2 x (QDense(10) +
    quantized_relu(bits)) -> Dense(2) float (QDense(2), same quantizers, if not float_output).
    1,032 parameters. Kernels quantized_bits(bits,0,1,alpha='auto_po2'), biases
    quantized_bits(bits,0,1)."""
    keras, QActivation, QConv2D, QDense, quantized_bits, quantized_relu = _q()
    kq = lambda: quantized_bits(bits, 0, symmetric=1, alpha="auto_po2")  # noqa: E731
    bq = lambda: quantized_bits(bits, 0, symmetric=1)  # noqa: E731
    inp = keras.layers.Input(IMAGE, name="hits")
    x = QActivation(quantized_bits(2, 1, keep_negative=False), name="input_quant")(inp)
    for i, filters in enumerate((1, 1, 6, 6), start=1):
        x = QConv2D(filters, (3, 3), padding="valid", kernel_quantizer=kq(), bias_quantizer=bq(),
                    name=f"conv{i}")(x)
        x = QActivation(quantized_relu(bits), name=f"conv{i}_relu")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    for i in (1, 2):
        x = QDense(10, kernel_quantizer=kq(), bias_quantizer=bq(), name=f"dense{i}")(x)
        x = QActivation(quantized_relu(bits), name=f"dense{i}_relu")(x)
    if float_output:
        x = keras.layers.Dense(2, name="output")(x)
    else:
        x = QDense(2, kernel_quantizer=kq(), bias_quantizer=bq(), name="output")(x)
    model = keras.Model(inp, x, name=f"student_{bits}bit")
    randomize(model, seed)
    return model


def wide_conv(seed: int = 11):
    """(9,16,3) input, 5x5 then 2x3 kernels, alpha=1 / alpha=None, symmetric=0, relu integer>0,
    a signed quantized_bits activation, QDense with a layer activation, quantized output."""
    keras, QActivation, QConv2D, QDense, quantized_bits, quantized_relu = _q()
    inp = keras.layers.Input((9, 16, 3), name="planes")
    x = QActivation(quantized_relu(3, 1), name="in_q")(inp)
    x = QConv2D(4, (5, 5), kernel_quantizer=quantized_bits(4, 0, symmetric=0, alpha=1),
                bias_quantizer=quantized_bits(6, 2), name="c5x5")(x)
    x = QActivation(quantized_relu(4, 2), name="c5x5_act")(x)
    x = QConv2D(8, (2, 3), kernel_quantizer=quantized_bits(3, 1, symmetric=0),
                bias_quantizer=quantized_bits(5, 1, symmetric=1), name="c2x3")(x)
    x = QActivation(quantized_bits(5, 2, symmetric=0), name="c2x3_act")(x)
    x = keras.layers.Flatten(name="flat")(x)
    x = QDense(6, kernel_quantizer=quantized_bits(4, 0, symmetric=1, alpha="auto_po2"),
               bias_quantizer=quantized_bits(4, 0, symmetric=1),
               activation=quantized_relu(3), name="fc_relu")(x)
    x = QDense(3, kernel_quantizer=quantized_bits(5, 1, symmetric=1),
               bias_quantizer=quantized_bits(5, 1), name="out")(x)
    model = keras.Model(inp, x, name="wide_conv")
    randomize(model, seed, gain=2.0)
    return model


def no_input_quant(seed: int = 12):
    """No input quantizer (default ufixed<2,1>), conv with activation='relu' inside the layer,
    Activation('linear'), Activation('relu'), float Dense output."""
    keras, QActivation, QConv2D, QDense, quantized_bits, quantized_relu = _q()
    inp = keras.layers.Input(IMAGE, name="raw")
    x = QConv2D(2, (2, 3), kernel_quantizer=quantized_bits(3, 0, symmetric=1, alpha="auto_po2"),
                bias_quantizer=quantized_bits(3, 0, symmetric=1), activation="relu",
                name="conv_relu")(inp)
    x = keras.layers.Activation("linear", name="ident")(x)
    x = QConv2D(3, (3, 3), kernel_quantizer=quantized_bits(4, 0, symmetric=1, alpha="auto_po2"),
                bias_quantizer=quantized_bits(4, 0, symmetric=1), name="conv_b")(x)
    x = QActivation(quantized_relu(4, 1), name="conv_b_q")(x)
    x = keras.layers.Flatten(name="flat")(x)
    x = QDense(4, kernel_quantizer=quantized_bits(4, 1), bias_quantizer=quantized_bits(4, 1),
               name="fc")(x)
    x = keras.layers.Activation("relu", name="fc_relu")(x)
    x = keras.layers.Dense(2, name="regress")(x)
    model = keras.Model(inp, x, name="no_input_quant")
    randomize(model, seed)
    return model


def sequential(seed: int = 13):
    """A Sequential model with a signed input quantizer quantized_bits(4,2) (keep_negative)."""
    keras, QActivation, QConv2D, QDense, quantized_bits, quantized_relu = _q()
    model = keras.Sequential([
        keras.layers.InputLayer(IMAGE, name="seq_in"),
        QActivation(quantized_bits(4, 2, symmetric=0, keep_negative=True), name="in_q"),
        QConv2D(3, (3, 3), kernel_quantizer=quantized_bits(3, 0, symmetric=0),
                bias_quantizer=quantized_bits(3, 0, keep_negative=True), name="conv"),
        QActivation(quantized_relu(3), name="conv_q"),
        keras.layers.Flatten(name="flat"),
        QDense(5, kernel_quantizer=quantized_bits(4, 0, symmetric=1, alpha="auto_po2"),
               bias_quantizer=quantized_bits(4, 0, symmetric=1),
               activation=quantized_relu(4), name="fc"),
        QDense(2, kernel_quantizer=quantized_bits(5, 1, symmetric=1, alpha=1),
               bias_quantizer=quantized_bits(5, 1), name="out"),
    ], name="sequential")
    randomize(model, seed, gain=1.2, bias_mean=0.3)
    return model


def dense_only(seed: int = 14, n_in: int = 20):
    """Input (n_in,), input quantizer quantized_bits(4,0) (signed, step 1/8), two QDense layers,
    quantized_bits activations, unsigned biases (keep_negative=False), float output."""
    keras, QActivation, QConv2D, QDense, quantized_bits, quantized_relu = _q()
    inp = keras.layers.Input((n_in,), name="vec")
    x = QActivation(quantized_bits(4, 0), name="in_q")(inp)
    x = QDense(12, kernel_quantizer=quantized_bits(4, 0, symmetric=1, alpha="auto_po2"),
               bias_quantizer=quantized_bits(4, 0, symmetric=1), name="fc1")(x)
    x = QActivation(quantized_relu(4), name="fc1_q")(x)
    x = QDense(6, kernel_quantizer=quantized_bits(3, 0, symmetric=1, alpha=1),
               bias_quantizer=quantized_bits(3, 0, keep_negative=False), name="fc2")(x)
    x = QActivation(quantized_bits(4, 1, symmetric=1), name="fc2_q")(x)
    x = keras.layers.Dense(1, name="score")(x)
    model = keras.Model(inp, x, name="dense_only")
    randomize(model, seed, gain=2.0)
    return model


def wide_acc(seed: int = 15):
    """Input (48,) quantized_bits(14, 6); QDense(6) with quantized_bits(16, 0, alpha=1) kernels
    and quantized_bits(14, 4) biases (accumulators of 33 bits); quantized_relu(20, 6); a float
    Dense(3) output (vhdlgen quantizes its weights; its outputs need 34 bits). Every value of
    both units but the ReLU's output exceeds 32-bit integers."""
    keras, QActivation, QConv2D, QDense, quantized_bits, quantized_relu = _q()
    inp = keras.layers.Input((48,), name="wide_in")
    x = QActivation(quantized_bits(14, 6), name="in_q")(inp)
    x = QDense(6, kernel_quantizer=quantized_bits(16, 0, alpha=1),
               bias_quantizer=quantized_bits(14, 4), name="fc1")(x)
    x = QActivation(quantized_relu(20, 6), name="fc1_q")(x)
    x = keras.layers.Dense(3, name="score")(x)
    model = keras.Model(inp, x, name="wide_acc")
    randomize(model, seed)
    return model


# --------------------------------------------------------- wider vocabulary (issue #12)
def strided_pools(seed: int = 31):
    """(9,16,1) RPC-like input; QConv2D 3x3 stride 2 'same' (odd pads: TF puts the extra one
    bottom/right); QConv2D (2,3) strides (1,2) 'same'; MaxPooling2D 2x2 stride 1 'same';
    AveragePooling2D 2x2 'valid'; a quantizer; Dropout; Flatten; QDense."""
    keras, QActivation, QConv2D, QDense, quantized_bits, quantized_relu = _q()
    inp = keras.layers.Input(IMAGE, name="hits")
    x = QActivation(quantized_bits(2, 1, keep_negative=False), name="in_q")(inp)
    x = QConv2D(4, (3, 3), strides=2, padding="same", name="c1",
                kernel_quantizer=quantized_bits(4, 0, 1, alpha="auto_po2"),
                bias_quantizer=quantized_bits(4, 0, 1))(x)
    x = QActivation(quantized_relu(4), name="c1_relu")(x)
    x = QConv2D(5, (2, 3), strides=(1, 2), padding="same", name="c2",
                kernel_quantizer=quantized_bits(4, 0, 1), bias_quantizer=quantized_bits(4, 0, 1),
                activation=quantized_relu(4, 1))(x)
    x = keras.layers.MaxPooling2D(2, strides=1, padding="same", name="max")(x)
    x = keras.layers.AveragePooling2D(2, name="avg")(x)
    x = QActivation(quantized_relu(3, 1), name="avg_q")(x)
    x = keras.layers.Dropout(0.3, name="drop")(x)
    x = keras.layers.Flatten(name="flat")(x)
    x = QDense(3, kernel_quantizer=quantized_bits(5, 0, 1), bias_quantizer=quantized_bits(5, 0, 1),
               name="out")(x)
    model = keras.Model(inp, x, name="strided_pools")
    randomize(model, seed, gain=2.2)
    return model


def padded_pools(seed: int = 32):
    """(7,11,2) odd input, signed input quantizer; ZeroPadding2D ((1,2),(0,1)); QConv2D 3x2
    'valid' stride (2,1); MaxPooling2D (3,2) strides (2,1) 'valid'; QAveragePooling2D 2x2 'same'
    (edge windows of 2 and 1 elements) with an average_quantizer and an activation;
    Reshape; QDense."""
    keras, QActivation, QConv2D, QDense, quantized_bits, quantized_relu = _q()
    from qkeras import QAveragePooling2D

    inp = keras.layers.Input((7, 11, 2), name="planes")
    x = QActivation(quantized_bits(4, 1), name="in_q")(inp)
    x = keras.layers.ZeroPadding2D(((1, 2), (0, 1)), name="pad")(x)
    x = QConv2D(3, (3, 2), strides=(2, 1), name="conv",
                kernel_quantizer=quantized_bits(4, 0, 1, alpha="auto_po2"),
                bias_quantizer=quantized_bits(4, 0, 1))(x)
    x = QActivation(quantized_bits(5, 2), name="conv_q")(x)
    x = keras.layers.MaxPooling2D((3, 2), strides=(2, 1), name="max")(x)
    x = QAveragePooling2D(2, padding="same", average_quantizer=quantized_bits(6, 0, 1),
                          activation=quantized_bits(5, 1), name="qavg")(x)
    x = keras.layers.Reshape((-1,), name="reshape")(x)
    x = QDense(2, kernel_quantizer=quantized_bits(5, 0, 1), bias_quantizer=quantized_bits(5, 0, 1),
               name="out")(x)
    model = keras.Model(inp, x, name="padded_pools")
    randomize(model, seed, gain=2.0)
    return model


def conv_batchnorm(seed: int = 33, float_bias: bool = False):
    """(8,9,1) input; ZeroPadding2D(1); QConv2DBatchnorm 3x3 stride 2 with a bias_quantizer;
    QConv2DBatchnorm 2x2 'same' with a quantized_relu inside (and, if `float_bias`, no
    bias_quantizer: the folded float32 bias is taken exactly);
    Flatten; QDense. Batch-norm statistics as after training (gamma, beta, moving mean and
    variance drawn from `seed`); QKeras folds them at inference (ema_stats_folding)."""
    keras, QActivation, QConv2D, QDense, quantized_bits, quantized_relu = _q()
    from qkeras import QConv2DBatchnorm

    inp = keras.layers.Input((8, 9, 1), name="image")
    x = QActivation(quantized_relu(3, 1), name="in_q")(inp)
    x = keras.layers.ZeroPadding2D(1, name="pad")(x)
    x = QConv2DBatchnorm(4, (3, 3), strides=2, name="cbn1",
                         kernel_quantizer=quantized_bits(4, 0, 1, alpha="auto_po2"),
                         bias_quantizer=quantized_bits(6, 2, 1))(x)
    x = QActivation(quantized_relu(4, 1), name="cbn1_relu")(x)
    x = QConv2DBatchnorm(3, (2, 2), padding="same", name="cbn2",
                         kernel_quantizer=quantized_bits(5, 0, 1),
                         bias_quantizer=None if float_bias else quantized_bits(6, 2, 1),
                         activation=quantized_relu(4, 1))(x)
    x = keras.layers.Flatten(name="flat")(x)
    x = QDense(2, kernel_quantizer=quantized_bits(5, 0, 1), bias_quantizer=quantized_bits(5, 0, 1),
               name="out")(x)
    model = keras.Model(inp, x, name="conv_batchnorm")
    randomize(model, seed, gain=1.8)
    rng = np.random.default_rng(seed + 1)
    for layer in model.layers:
        if type(layer).__name__ == "QConv2DBatchnorm":
            n = layer.filters
            bn = layer.batchnorm
            bn.gamma.assign(rng.uniform(0.6, 1.6, n).astype(np.float32))
            bn.beta.assign(rng.normal(0.2, 0.3, n).astype(np.float32))
            bn.moving_mean.assign(rng.normal(0.0, 0.3, n).astype(np.float32))
            bn.moving_variance.assign(rng.uniform(0.3, 2.0, n).astype(np.float32))
    return model


MODELS = {
    # seeds chosen so that every quantized ReLU both clips at 0 and saturates (>= 1% of codes
    # at each end on sparse + uniform inputs; checked by test_reference_qkeras)
    "student2": lambda: student(2, seed=2),
    "student3": lambda: student(3, seed=4),
    "student4": lambda: student(4, seed=4),
    "student5": lambda: student(5, seed=4),
    "student4_qout": lambda: student(4, seed=4, float_output=False),
    "wide_conv": wide_conv,
    "no_input_quant": no_input_quant,
    "sequential": sequential,
    "dense_only": dense_only,
    "wide_acc": wide_acc,
    "strided_pools": strided_pools,
    "padded_pools": padded_pools,
    "conv_batchnorm": conv_batchnorm,
}

# Models whose accumulators exceed float32's exact integers (2**24): QKeras' own float32 sums
# round there, so these are checked RTL == interpreter == reference, never against QKeras.
BEYOND_FLOAT32 = {"wide_acc"}


def wide_edges_graph():
    """An IR graph (not a Keras model) whose integer weights are chosen so that its two wide
    units take every path of the RTL's signed-vector form: an output with negative terms only
    (`-a`), an operand wider than its adder (x<<23 - x<<20 = 7x<<20: a slice), a requantized
    accumulator narrower than its shift + 2 (resized), input views whose range is narrower than
    their 16-bit format (resized), a constant output beyond 32 bits (a literal), and an output
    narrower than the output tensor (resized). Input (4,) codes in [-1100, 1100]."""
    from vhdlgen.fixed import Requantizer
    from vhdlgen.infer import infer_all
    from vhdlgen.ir import Graph, Input
    from vhdlgen.layers.activation import Activation
    from vhdlgen.layers.dense import Dense

    graph_input = Input("edge_in", (4,), FixedType(True, 12, 0), -1100, 1100)
    k1 = np.array([[-(2**22 + 1), 7 * 2**20, 1, 3 * 2**18],
                   [-(2**21 - 1), 0, 0, -5 * 2**19],
                   [0, 0, 0, 2**21],
                   [0, 0, 0, 9]])
    out1 = FixedType(True, 16, 0)
    k2 = np.array([[2**30 + 3, 0, 3, -(2**28)],
                   [-(2**29), 0, 1, 0],
                   [5, 0, 0, 0],
                   [0, 0, 0, -4]])
    layers = (Dense("wide1", k1, np.array([0, 0, 0, 12345]), 24),
              Activation("wide1_q", Requantizer(24, out1, out1.min_code + 1, out1.max_code),
                         "quantized_bits(16,16)"),
              Dense("wide2", k2, np.array([-5, 12_345_678_901, 0, 0]), 0))
    tensors = infer_all(layers, Graph(graph_input, ()).input_tensor)
    return Graph(graph_input, layers, tensors, "wide_edges.h5", "0" * 64)


# ------------------------------------------------------------------------------------ keras
def keras_layer_outputs(model, x: np.ndarray) -> dict[str, np.ndarray]:
    """Every (non-input) Keras layer's output for float inputs x, keyed by layer name: the
    model's own layer objects called one after the other on a float32 tensor (the model is a
    straight chain).

    Why not `Model(model.input, layer.output)` sub-models: with TF 2.15 + QKeras 0.9, creating
    such a sub-model makes every QKeras layer of any functional model built LATER in the same
    process record as a chain of TFOpLambda ops (tf.math.round, ...), which vhdlgen then rightly
    rejects; tests build models lazily, so sub-models would poison later tests.
    """
    import tensorflow as tf

    outputs = {}
    tensor = tf.constant(np.asarray(x, dtype=np.float32))
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        tensor = layer(tensor)
        outputs[layer.name] = tensor.numpy()
    return outputs


def interpreter_equals_reference(network, x: np.ndarray) -> None:
    """The lowered units, executed (`run_units`), equal the reference's trace at every unit."""
    codes = network.input_codes(x)
    units = lower(network.graph, "top", Timing.levels(2), 3)
    trace = network.trace_codes(codes)
    for unit, got in zip(units, run_units(units, codes)):
        assert np.array_equal(got, trace[unit.sources[-1]].reshape(len(codes), -1)), unit.label


def compare_layers(model, network, x: np.ndarray) -> int:
    """Every Keras layer's output == the reference's trace of it (numpy.array_equal, after
    dequantizing at the layer's format); returns how many layers were compared. Fails the
    test at the first layer that differs, naming it, the position and both values.

    An average over windows that are not powers of two (a Pooling2D with a `division`) is
    Keras' float32 quotient only once the quantizer after it has rounded it: its own output is
    the integer-reciprocal approximation, checked to lie at or above Keras' average (up to its
    float32 rounding) by less than half a step of that quantizer."""
    import pytest

    from vhdlgen.fixed import dequantize
    from vhdlgen.layers.pooling import Pooling2D

    keras = keras_layer_outputs(model, x)
    trace = network.trace(x)
    graph = network.graph
    fracs = {layer.name: t.fmt.frac for layer, t in zip(graph.layers, graph.tensors)}
    fracs[graph.input.quantizer] = graph.input.fmt.frac
    half_steps = {layer.name: 2.0**-(graph.layers[i + 1].requantizer.out.frac + 1)
                  for i, layer in enumerate(graph.layers)
                  if isinstance(layer, Pooling2D) and layer.division is not None}
    for name, keras_out in keras.items():
        ours = dequantize(trace[name], fracs[name]).reshape(keras_out.shape)
        if name in half_steps:
            above = ours - keras_out.astype(np.float64)  # Keras' float32 rounding: 2**-24
            assert np.all(above >= -np.abs(keras_out) * 2.0**-23), name
            assert np.all(above < half_steps[name]), name
        elif not np.array_equal(ours, keras_out):
            bad = tuple(np.argwhere(ours != keras_out)[0])
            pytest.fail(f"layer {name!r} differs at {bad}: {ours[bad]} != QKeras {keras_out[bad]}")
    return len(keras)


# ------------------------------------------------------------------------------------ saving
def save_h5(model, directory: str | Path, name: str | None = None) -> Path:
    """Save `model` as DIR/<name>.h5 (Keras HDF5) and return the path."""
    path = Path(directory) / f"{name or model.name}.h5"
    model.save(path, save_format="h5")
    return path


def save_savedmodel(model, directory: str | Path, name: str | None = None) -> Path:
    """Save `model` as a TensorFlow SavedModel folder DIR/<name>/ and return the path."""
    path = Path(directory) / (name or model.name)
    model.save(path, save_format="tf")
    return path


# ------------------------------------------------------------------------------------ inputs
def sparse_hits(n: int, seed: int, shape: tuple[int, ...] = IMAGE) -> np.ndarray:
    """Realistic RPC-like images (n, H, W, C) float32 with values {0, 0.5, 1}: per event 1-3
    straight track-like bands crossing the layers (rows) with a random slope, 1-2 pixels wide,
    ~90% efficient, plus ~2% random noise hits."""
    rng = np.random.default_rng(seed)
    h, w, c = shape
    codes = np.zeros((n, h, w, c), dtype=np.int64)
    rows = np.arange(h)
    for event in range(n):
        for _ in range(rng.integers(1, 4)):
            start, slope = rng.uniform(0, w), rng.uniform(-1.5, 1.5)
            cols = np.round(start + slope * (rows - h / 2)).astype(int)
            width = rng.integers(1, 3)
            channel = rng.integers(0, c)
            for row, col in zip(rows, cols):
                if rng.random() < 0.9:
                    for k in range(width):
                        if 0 <= col + k < w:
                            codes[event, row, col + k, channel] = rng.choice((1, 2), p=(0.4, 0.6))
    noise = rng.random(codes.shape) < 0.02
    codes[noise] = rng.integers(1, 3, int(noise.sum()))
    return (codes * 0.5).astype(np.float32)


def uniform_inputs(n: int, seed: int, fmt: FixedType, shape: tuple[int, ...] = IMAGE,
                   lo: int | None = None, hi: int | None = None) -> np.ndarray:
    """(n, *shape) float32 values whose codes are uniform over [lo, hi] (default: every code
    of `fmt`). Exactly representable in `fmt`."""
    lo = fmt.min_code if lo is None else lo
    hi = fmt.max_code if hi is None else hi
    codes = np.random.default_rng(seed).integers(lo, hi + 1, (n, *shape))
    return (codes * fmt.step).astype(np.float32)


def real_inputs(n: int, seed: int, fmt: FixedType, shape: tuple[int, ...] = IMAGE) -> np.ndarray:
    """(n, *shape) float32 off-grid values for an input quantizer with format `fmt`: uniform over
    the range and 25% beyond both ends, with one value in four an exact rounding tie
    (an odd multiple of half a step)."""
    rng = np.random.default_rng(seed)
    lo, hi = fmt.min_code * fmt.step, fmt.max_code * fmt.step
    span = hi - lo + fmt.step
    x = rng.uniform(lo - 0.25 * span, hi + 0.25 * span, (n, *shape))
    ties = (rng.integers(2 * fmt.min_code - 4, 2 * fmt.max_code + 5, (n, *shape)) | 1) * fmt.step / 2
    x = np.where(rng.random((n, *shape)) < 0.25, ties, x)
    return x.astype(np.float32)


def corner_inputs(shape: tuple[int, ...], fmt: FixedType, lo: int | None = None,
                  hi: int | None = None) -> np.ndarray:
    """Extreme inputs (6, *shape) float32: all lo, all hi, the two checkerboards of lo/hi, and
    the two half/half splits (first half of the flattened input lo, second hi, and reverse).
    lo/hi default to the format's code range (so all zero / all max for unsigned formats)."""
    lo = fmt.min_code if lo is None else lo
    hi = fmt.max_code if hi is None else hi
    size = int(np.prod(shape))
    parity = (np.indices(shape).sum(axis=0) % 2).astype(bool)
    half = (np.arange(size) >= size // 2).reshape(shape)
    patterns = [np.zeros(shape, bool), np.ones(shape, bool), parity, ~parity, half, ~half]
    codes = np.stack([np.where(p, hi, lo) for p in patterns])
    return (codes * fmt.step).astype(np.float32)


def input_sets(model_name: str, network, n: int = 600, seed: int = 0) -> dict[str, np.ndarray]:
    """The named input sets a model is tested on: sparse hits (images only), uniform codes over
    the input range, off-grid reals (models with an input quantizer), and corners."""
    spec = network.graph.input
    shape = spec.shape
    sets = {}
    if len(shape) == 3 and spec.fmt.frac >= 1 and spec.hi * spec.fmt.step >= 1:
        sets["sparse"] = sparse_hits(n, seed, shape)
    sets["uniform"] = uniform_inputs(n, seed + 1, spec.fmt, shape, spec.lo, spec.hi)
    if spec.quantizer is not None:
        sets["real"] = real_inputs(n, seed + 2, spec.fmt, shape)
    sets["corner"] = corner_inputs(shape, spec.fmt, spec.lo, spec.hi)
    return sets


# ------------------------------------------------------------------------------ float parts
def float_bias(seed: int = 21, activation: bool = True):
    """QConv2D with a quantized kernel and NO bias quantizer (the bias stays float32), then
    quantized_relu(3) (or nothing, `activation=False`: the float-biased sum is the output)."""
    keras, QActivation, QConv2D, QDense, quantized_bits, quantized_relu = _q()
    inp = keras.layers.Input(IMAGE, name="hits")
    x = QActivation(quantized_bits(2, 1, keep_negative=False), name="in_q")(inp)
    x = QConv2D(3, (3, 3), kernel_quantizer=quantized_bits(4, 0, alpha=1), name="conv_fb")(x)
    x = QActivation(quantized_relu(3), name="conv_fb_q")(x)
    x = keras.layers.Flatten(name="flat")(x)
    x = QDense(4, kernel_quantizer=quantized_bits(4, 0, alpha="auto_po2"), name="fc_fb",
               activation=quantized_relu(4, 1) if activation else None)(x)
    model = keras.Model(inp, x, name="float_bias")
    randomize(model, seed)
    return model


def auto_po2_bias(seed: int = 22):
    """alpha='auto_po2' on the biases too (a power-of-two scale per bias element)."""
    keras, QActivation, QConv2D, QDense, quantized_bits, quantized_relu = _q()
    inp = keras.layers.Input((12,), name="vec")
    x = QActivation(quantized_bits(4, 1), name="in_q")(inp)
    x = QDense(6, kernel_quantizer=quantized_bits(4, 0, alpha="auto_po2"),
               bias_quantizer=quantized_bits(4, 0, alpha="auto_po2"), name="fc1")(x)
    x = QActivation(quantized_relu(4), name="fc1_q")(x)
    x = QDense(3, kernel_quantizer=quantized_bits(5, 0, alpha=1),
               bias_quantizer=quantized_bits(5, 2, alpha="auto_po2"), name="fc2")(x)
    x = QActivation(quantized_bits(6, 2), name="fc2_q")(x)
    model = keras.Model(inp, x, name="auto_po2_bias")
    randomize(model, seed, gain=2.0)
    return model


def float_middle(seed: int = 23):
    """An unquantized Conv2D in the middle, followed by quantizers (refused by vhdlgen)."""
    keras, QActivation, QConv2D, QDense, quantized_bits, quantized_relu = _q()
    inp = keras.layers.Input(IMAGE, name="hits")
    x = QActivation(quantized_bits(2, 1, keep_negative=False), name="in_q")(inp)
    x = keras.layers.Conv2D(2, (3, 3), name="float_conv")(x)
    x = QActivation(quantized_relu(3), name="after_q")(x)
    x = keras.layers.Flatten(name="flat")(x)
    x = QDense(2, kernel_quantizer=quantized_bits(4, 0), bias_quantizer=quantized_bits(4, 0),
               activation=quantized_relu(4), name="fc_q")(x)
    model = keras.Model(inp, x, name="float_middle")
    randomize(model, seed)
    return model


def float_head(seed: int = 24):
    """A float head of two layers: Dense(8, relu) -> Activation('linear') -> Dense(2)."""
    keras, QActivation, QConv2D, QDense, quantized_bits, quantized_relu = _q()
    inp = keras.layers.Input((16,), name="vec")
    x = QActivation(quantized_relu(4, 1), name="in_q")(inp)
    x = QDense(10, kernel_quantizer=quantized_bits(4, 0, alpha="auto_po2"),
               bias_quantizer=quantized_bits(4, 0), activation=quantized_relu(4), name="fc_q")(x)
    x = keras.layers.Dense(8, activation="relu", name="head1")(x)
    x = keras.layers.Activation("linear", name="ident")(x)
    x = keras.layers.Dense(2, name="head2")(x)
    model = keras.Model(inp, x, name="float_head")
    randomize(model, seed)
    return model


def float_batchnorm(seed: int = 25, head: bool = True):
    """Plain (float) BatchNormalization after the last quantizer: QConv2D stride 2 'same' ->
    quantized_relu -> BatchNormalization on (H, W, C) -> relu -> Flatten -> Dense(6) ->
    BatchNormalization on (N,) without beta (center=False) [-> Dense(2) if `head`]. Statistics
    as after training, drawn from `seed` (variances down to 0.01: scales up to ~30)."""
    keras, QActivation, QConv2D, QDense, quantized_bits, quantized_relu = _q()
    inp = keras.layers.Input(IMAGE, name="hits")
    x = QActivation(quantized_bits(2, 1, keep_negative=False), name="in_q")(inp)
    x = QConv2D(4, 3, strides=2, padding="same", name="conv",
                kernel_quantizer=quantized_bits(4, 0, 1, alpha="auto_po2"),
                bias_quantizer=quantized_bits(4, 0, 1))(x)
    x = QActivation(quantized_relu(4, 1), name="relu")(x)
    x = keras.layers.BatchNormalization(name="bn2d")(x)
    x = keras.layers.Activation("relu", name="bn_relu")(x)
    x = keras.layers.Flatten(name="flat")(x)
    x = keras.layers.Dense(6, name="d1")(x)
    x = keras.layers.BatchNormalization(center=False, name="bn1d")(x)
    if head:
        x = keras.layers.Dense(2, name="out")(x)
    model = keras.Model(inp, x, name="float_batchnorm")
    randomize(model, seed)
    rng = np.random.default_rng(seed + 1)
    for layer in model.layers:
        if type(layer).__name__ == "BatchNormalization":
            n = layer.moving_mean.shape[0]
            layer.gamma.assign(rng.uniform(0.3, 3.0, n).astype(np.float32))
            if layer.center:
                layer.beta.assign(rng.normal(0.0, 1.0, n).astype(np.float32))
            layer.moving_mean.assign(rng.normal(0.5, 1.0, n).astype(np.float32))
            layer.moving_variance.assign(rng.uniform(0.01, 4.0, n).astype(np.float32))
    return model


def bias_near_tie():
    """A float bias a hair (2**-20) above a rounding tie: inputs 0..255 (step 1) times 64,
    plus 0.5 + 2**-20, into quantized_bits(16, 15) (step 1). Exactly, every sum rounds up;
    QKeras' float32 sum drops the 2**-20 once it exceeds 32 and then rounds the tie to even
    (down): the two differ, and vhdlgen says so."""
    keras, QActivation, QConv2D, QDense, quantized_bits, quantized_relu = _q()
    inp = keras.layers.Input((1,), name="x")
    x = QActivation(quantized_bits(8, 8, keep_negative=False), name="in_q")(inp)
    x = QDense(1, kernel_quantizer=quantized_bits(8, 7, alpha=1), name="fc")(x)
    x = QActivation(quantized_bits(16, 15), name="fc_q")(x)
    model = keras.Model(inp, x, name="bias_near_tie")
    model.get_layer("fc").set_weights([np.array([[64.0]], np.float32),
                                      np.array([0.5 + 2.0**-20], np.float32)])
    return model


# ------------------------------------------------------------------------------ random models
# Layer names vhdlgen must turn into legal, unique VHDL identifiers: reserved words, port and
# library names, case clashes, double and trailing underscores, dots, dashes, a leading digit.
ODD_NAMES = ["entity", "Signal", "in", "out", "clk", "rst", "conv__1", "x__", "trail_",
             "Dense-2", "x.y", "DENSE", "dense", "std_logic", "ieee", "process", "a1", "9lives",
             "vhdlgen_pkg", "top"]


def _random_activation(rng: np.random.Generator, allow_plain_relu: bool = True):
    """quantized_relu(bits, integer), quantized_bits(bits, integer, symmetric, keep_negative)
    (bits 2-8), or the plain 'relu' (no rounding)."""
    from qkeras import quantized_bits, quantized_relu

    kind = rng.choice(["qrelu", "qbits", "relu"] if allow_plain_relu else ["qrelu", "qbits"],
                      p=[0.45, 0.4, 0.15] if allow_plain_relu else [0.5, 0.5])
    bits = int(rng.integers(2, 9))
    if kind == "qrelu":
        return quantized_relu(bits, int(rng.integers(0, min(bits, 3) + 1)))
    if kind == "qbits":
        return quantized_bits(bits, int(rng.integers(0, 4)), symmetric=int(rng.integers(0, 2)),
                              keep_negative=bool(rng.random() < 0.7))
    return "relu"


def _random_weight_quantizer(rng: np.random.Generator, bias: bool):
    """quantized_bits with bits 2-8, integer 0-2 (0-3 for biases), symmetric or not, alpha
    None/1/'auto_po2'; for biases also None (the bias stays float)."""
    from qkeras import quantized_bits

    if bias and rng.random() < 0.25:
        return None
    bits = int(rng.integers(2, 9))
    alpha = [None, 1, "auto_po2"][int(rng.integers(0, 3))]
    keep_negative = alpha is not None or rng.random() < 0.8
    return quantized_bits(bits, int(rng.integers(0, 4 if bias else 3)),
                          symmetric=int(rng.integers(0, 2)), keep_negative=keep_negative,
                          alpha=alpha)


def random_model(seed: int):
    """A random model in the supported vocabulary, and the input format to load it with
    (None when it has an input quantizer). Image (H<=7, W<=9, C<=2) or vector (<=19) input;
    an input quantizer or not; 0-2 QConv2D (kernels up to 3x3, 1-4 filters), 0-2 QDense (>= 1
    weighted layer), activations inside the layer or as QActivation/Activation layers; a
    quantized or float (1-2 layer) head; names from ODD_NAMES."""
    from vhdlgen.fixed import FixedType

    keras, QActivation, QConv2D, QDense, quantized_bits, quantized_relu = _q()
    rng = np.random.default_rng(seed)
    names = iter(list(rng.permutation(ODD_NAMES)) + [f"layer{i}" for i in range(20)])
    image = rng.random() < 0.65
    shape = ((int(rng.integers(3, 8)), int(rng.integers(3, 10)), int(rng.integers(1, 3)))
             if image else (int(rng.integers(2, 20)),))
    inp = keras.layers.Input(shape, name=str(next(names)))
    x, input_format = inp, None
    if rng.random() < 0.7:
        x = QActivation(_random_activation(rng, allow_plain_relu=False), name=str(next(names)))(x)
    else:
        width = int(rng.integers(2, 7))
        input_format = FixedType(bool(rng.random() < 0.4), width, int(rng.integers(0, width + 1)))

    def weighted(layer_class, *args):
        activation = _random_activation(rng)
        inside = rng.random() < 0.4
        layer = layer_class(*args, kernel_quantizer=_random_weight_quantizer(rng, False),
                            bias_quantizer=_random_weight_quantizer(rng, True),
                            activation=activation if inside else None, name=str(next(names)))
        out = layer
        if not inside:
            act = (keras.layers.Activation("relu", name=str(next(names))) if activation == "relu"
                   else QActivation(activation, name=str(next(names))))
            return lambda t: act(out(t))
        return out

    n_conv = int(rng.integers(1, 3)) if image else 0
    h, w = shape[:2] if image else (0, 0)
    for _ in range(n_conv):
        kh, kw = int(rng.integers(1, min(h, 3) + 1)), int(rng.integers(1, min(w, 3) + 1))
        x = weighted(QConv2D, int(rng.integers(1, 5)), (kh, kw))(x)
        h, w = h - kh + 1, w - kw + 1
    if image:
        x = keras.layers.Flatten(name=str(next(names)))(x)
    for _ in range(int(rng.integers(0, 3))):
        x = weighted(QDense, int(rng.integers(2, 9)))(x)
    n_out = int(rng.integers(1, 4))
    if rng.random() < 0.3:  # a float head: vhdlgen quantizes it, with a printed bound
        if rng.random() < 0.4:
            x = keras.layers.Dense(int(rng.integers(2, 6)), activation="relu",
                                   name=str(next(names)))(x)
        x = keras.layers.Dense(n_out, name=str(next(names)))(x)
    else:
        x = QDense(n_out, kernel_quantizer=_random_weight_quantizer(rng, False),
                   bias_quantizer=_random_weight_quantizer(rng, True),
                   activation=_random_activation(rng) if rng.random() < 0.5 else None,
                   name=str(next(names)))(x)
    model = keras.Model(inp, x, name=f"random_{seed}")
    randomize(model, seed, gain=float(rng.uniform(1.0, 2.5)), bias_mean=float(rng.uniform(0, 0.4)))
    return model, input_format
