"""Average pooling over windows whose element count is not a power of two, with a quantizer
after it (issue #12): bit-exact with QKeras 0.9 / TensorFlow 2.15.

- TensorFlow's AvgPool kernel divides the float32 window sum by the count in float32 (not a
  multiplication by 1/count): enumerated over window sums, 'valid' and 'same' edge windows.
- Small models (pool 3x3, 3x1, 2x3, 5x1; strides 1, 2, 3; 'valid' and 'same'; signed and
  unsigned inputs; quantized_bits and quantized_relu after it; QAveragePooling2D with and
  without an average_quantizer over areas 9, 6, 5) equal QKeras at every layer and in
  `predict` (numpy.array_equal), and the lowering interpreter equals the reference.
- Every window sum a count can have, exhaustively, with exact quantizer ties among them.
- Refused: no quantizer after the average (the message says what follows and what is
  accepted), and an input so wide that float32 rounds a quotient onto a quantizer tie.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import qmodels
from vhdlgen.errors import UserError
from vhdlgen.frontend import graph_from_keras
from vhdlgen.layers.pooling import Pooling2D
from vhdlgen.network import Network
from vhdlgen.rtl.graph_json import graph_from_json, graph_to_json
from vhdlgen.summary import describe


def _quantizer(spec: tuple):  # noqa: ANN202 - a QKeras quantizer
    from qkeras import quantized_bits, quantized_relu

    kind, *args = spec
    if kind == "relu":
        return quantized_relu(*args)
    if kind == "ubits":
        return quantized_bits(*args, keep_negative=False)
    return quantized_bits(*args)


# (name, input shape, input quantizer, pool, strides, padding, layer, quantizer after it,
#  the window counts that geometry gives)
CASES = [
    ("3x3_same_s1_signed", (7, 8, 2), ("bits", 6, 2), (3, 3), (1, 1), "same", "avg",
     ("bits", 4, 1), {4, 6, 9}),
    ("3x3_valid_s3_relu", (9, 7, 1), ("relu", 4, 2), (3, 3), (3, 3), "valid", "avg",
     ("relu", 3, 1), {9}),
    ("3x1_same_s2_unsigned", (7, 5, 2), ("ubits", 5, 0), (3, 1), (2, 1), "same", "avg",
     ("relu", 4, 0), {2, 3}),
    ("2x3_same_s2_same_step", (6, 7, 1), ("bits", 8, 3), (2, 3), (2, 2), "same", "avg",
     ("bits", 8, 3), {4, 6}),
    ("2x3_valid_s1_fine_output", (4, 6, 2), ("bits", 4, 1), (2, 3), (1, 1), "valid", "avg",
     ("bits", 8, 2), {6}),
    ("3x3_qavg_own_activation", (6, 6, 1), ("bits", 5, 1), (3, 3), (2, 2), "same", "qavg",
     ("bits", 6, 1), {4, 6, 9}),
    ("5x1_qavg_quantizer_area5", (7, 3, 2), ("ubits", 6, 1), (5, 1), (1, 1), "same",
     "qavg_aq", ("relu", 5, 1), {3, 4, 5}),
    ("2x3_qavg_quantizer_area6", (5, 7, 1), ("bits", 5, 1), (2, 3), (3, 3), "same",
     "qavg_aq_then", ("bits", 5, 1), {4, 6}),
]


def _model(case: tuple):  # noqa: ANN202 - a Keras model
    """in_q -> the average (or QAveragePooling2D) -> its quantizer -> Flatten."""
    from qkeras import QActivation, QAveragePooling2D, quantized_bits
    from tensorflow import keras

    name, shape, in_q, pool, strides, padding, kind, out_q, _ = case
    inp = keras.layers.Input(shape, name="x")
    x = QActivation(_quantizer(in_q), name="in_q")(inp)
    if kind == "avg":
        x = keras.layers.AveragePooling2D(pool, strides, padding, name="avg")(x)
    average_quantizer = quantized_bits(8, 0, 1) if kind.startswith("qavg_aq") else None
    own = _quantizer(out_q) if kind in ("qavg", "qavg_aq") else None
    if kind.startswith("qavg"):
        x = QAveragePooling2D(pool, strides, padding, name="avg", activation=own,
                              average_quantizer=average_quantizer)(x)
    if own is None:
        x = QActivation(_quantizer(out_q), name="avg_q")(x)
    x = keras.layers.Flatten(name="flat")(x)
    return keras.Model(inp, x, name=name)


def _inputs(network: Network, seed: int, n: int = 1500) -> np.ndarray:
    spec = network.graph.input
    return np.concatenate([
        qmodels.uniform_inputs(n, seed, spec.fmt, spec.shape, spec.lo, spec.hi),
        qmodels.real_inputs(n // 3, seed + 1, spec.fmt, spec.shape),
        qmodels.corner_inputs(spec.shape, spec.fmt, spec.lo, spec.hi)])


def _pool(network: Network) -> Pooling2D:
    return next(layer for layer in network.graph.layers if isinstance(layer, Pooling2D))


def test_tensorflow_average_divides_in_float32() -> None:
    """tf.nn.avg_pool2d == float32 sum / float32 count, for 'valid' windows and 'same' edge
    windows (divided by the covered count), over a range of sums up to 2**24; a multiplication
    by float32(1 / count) differs (so this test tells the two apart)."""
    import tensorflow as tf

    sums = np.arange(-(1 << 23) + 5, 1 << 23, 997, dtype=np.int64)
    for count in (3, 5, 6, 7, 9):
        base, extra = np.divmod(sums, count)
        values = base[:, None] + (np.arange(count)[None, :] < extra[:, None])
        windows = values.T.astype(np.float32)[None, None, :, :]  # (1, 1, count, sums)
        got = tf.nn.avg_pool2d(windows, (1, count), (1, 1), "VALID").numpy().ravel()
        divided = sums.astype(np.float32) / np.float32(count)
        assert np.array_equal(got, divided), count
        assert not np.array_equal(got, sums.astype(np.float32) * (np.float32(1) / np.float32(count)))
    # 'same': a 3x3 pool over a 2x2 plane covers 4 positions at every output
    plane = np.array([[1.0, 2.0], [4.0, 8.0]], np.float32)[None, :, :, None] * 3
    got = tf.nn.avg_pool2d(plane, 3, 1, "SAME").numpy()
    assert np.all(got == np.float32(45) / np.float32(4))


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_average_then_quantizer_equals_qkeras(case: tuple) -> None:
    model = _model(case)
    network = Network(graph_from_keras(model))
    assert set(_pool(network).division.counts) == case[-1]
    x = _inputs(network, seed=len(case[0]))
    own_activation = case[6] in ("qavg", "qavg_aq")  # no avg_q layer
    assert qmodels.compare_layers(model, network, x) == (3 if own_activation else 4)
    assert np.array_equal(network.predict(x), model.predict(x, verbose=0, batch_size=4096))
    qmodels.interpreter_equals_reference(network, x)


def _exhaustive_model(pool: tuple[int, int], padding: str, rows: int, in_q: tuple,
                      out_q: tuple, qaverage: bool = False):  # noqa: ANN202
    """One window (rows x pool[1] elements; strides = pool): in_q -> average -> out_q."""
    from qkeras import QActivation, QAveragePooling2D
    from tensorflow import keras

    inp = keras.layers.Input((rows, pool[1], 1))
    x = QActivation(_quantizer(in_q), name="in_q")(inp)
    layer = QAveragePooling2D if qaverage else keras.layers.AveragePooling2D
    x = layer(pool, pool, padding, name="avg")(x)
    x = QActivation(_quantizer(out_q), name="avg_q")(x)
    return keras.Model(inp, keras.layers.Flatten()(x))


def _every_sum(network: Network) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (one window each) whose sums are every value from count * lo to count * hi,
    and those sums."""
    spec = network.graph.input
    count = int(np.prod(spec.shape))
    sums = np.arange(count * spec.lo, count * spec.hi + 1)
    base, extra = np.divmod(sums, count)
    codes = base[:, None] + (np.arange(count)[None, :] < extra[:, None])  # (sums, count)
    assert codes.min() >= spec.lo and codes.max() <= spec.hi
    assert np.array_equal(codes.sum(axis=1), sums)
    return (codes * spec.fmt.step).astype(np.float32).reshape(len(sums), *spec.shape), sums


# (pool, padding, rows, input quantizer, output quantizer, whether exact ties occur: derived
#  by hand from the count n and the steps, y = S / n * 2**(out frac - in frac))
EXHAUSTIVE = [
    ((3, 3), "valid", 3, ("bits", 6, 2), ("bits", 4, 1), True),  # 9, y = S/18
    ((3, 3), "same", 2, ("bits", 6, 2), ("bits", 6, 2), True),  # 'same' edge: 6, y = S/6
    ((1, 3), "valid", 1, ("ubits", 7, 2), ("relu", 4, 2), True),  # 3 unsigned, y = S/24
    ((1, 5), "valid", 1, ("bits", 7, 2), ("bits", 3, 0), True),  # 5 saturating, y = S/20
    ((3, 3), "same", 1, ("bits", 8, 3), ("bits", 8, 4), True),  # 'same' edge: 3, y = S/6
    ((1, 6), "valid", 1, ("bits", 8, 3), ("bits", 8, 2), False),  # 6, finer: y = S/3
    ((1, 7), "valid", 1, ("relu", 6, 3), ("relu", 6, 3), False),  # 7, y = S/7
]


@pytest.mark.parametrize("pool, padding, rows, in_q, out_q, has_ties", EXHAUSTIVE)
def test_every_window_sum_equals_qkeras(pool, padding, rows, in_q, out_q, has_ties) -> None:
    """Every sum a window can have; exact ties of the quantizer among them where the steps
    allow (found here with exact rationals)."""
    model = _exhaustive_model(pool, padding, rows, in_q, out_q)
    network = Network(graph_from_keras(model))
    x, sums = _every_sum(network)
    assert np.array_equal(network.predict(x), model.predict(x, verbose=0, batch_size=4096))
    qmodels.interpreter_equals_reference(network, x)
    spec, out = network.graph.input, network.graph.output
    count = rows * pool[1]
    quotients = [Fraction(int(s), count) * Fraction(2)**(out.fmt.frac - spec.fmt.frac)
                 for s in sums]
    assert any(q.denominator == 2 for q in quotients) == has_ties


def test_qaverage_without_average_quantizer_every_sum() -> None:
    """QAveragePooling2D without average_quantizer, the quantizer its next layer: every window
    sum of a 3x3 'valid' window."""
    model = _exhaustive_model((3, 3), "valid", 3, ("ubits", 5, 2), ("relu", 3, 0),
                              qaverage=True)
    network = Network(graph_from_keras(model))
    x, _ = _every_sum(network)
    assert np.array_equal(network.predict(x), model.predict(x, verbose=0))


def test_division_survives_the_manifest() -> None:
    """graph_json keeps the reciprocals and the requantizer's tie_bits (`simulate` reads the
    network from the build manifest); `inspect` names them."""
    network = Network(graph_from_keras(_model(CASES[0])))
    restored = graph_from_json(graph_to_json(network.graph))
    assert restored.layers == network.graph.layers
    assert restored.layers[1].requantizer.tie_bits > 0
    x = _inputs(network, seed=3, n=200)
    assert np.array_equal(Network(restored).predict(x), network.predict(x))
    assert "integer reciprocals of 4, 6, 9 for the quantizer after it" in describe(restored)


def _refusal(follow: str):  # noqa: ANN202 - a Keras model
    from qkeras import QActivation, QConv2D, quantized_bits
    from tensorflow import keras

    inp = keras.layers.Input((6, 6, 1))
    x = QActivation(quantized_bits(4, 1), name="in_q")(inp)
    x = keras.layers.AveragePooling2D(3, 1, "same", name="avg9")(x)
    if follow == "conv":
        x = QConv2D(2, 2, kernel_quantizer=quantized_bits(4, 0, 1),
                    bias_quantizer=quantized_bits(4, 0, 1), name="conv")(x)
    elif follow == "dropout":
        x = keras.layers.Dropout(0.1, name="drop")(x)
        x = QActivation(quantized_bits(4, 1), name="late_q")(x)
    return keras.Model(inp, keras.layers.Flatten(name="flat")(x) if follow != "end" else x)


@pytest.mark.parametrize("follow, what", [("conv", "followed by a QConv2D layer"),
                                          ("dropout", "followed by a Dropout layer"),
                                          ("end", "followed by nothing (it is the model's output)"),
                                          ("flatten", "followed by a Flatten layer")])
def test_average_without_a_quantizer_after_it_is_refused(follow: str, what: str) -> None:
    with pytest.raises(UserError) as error:
        graph_from_keras(_refusal(follow))
    lines = [line for line in str(error.value).splitlines() if "'avg9'" in line]
    assert len(lines) == 1
    for part in ("averages over 6, 9 elements per window", what, "float32",
                 "QActivation(quantized_bits | quantized_relu) directly after the pooling",
                 "QAveragePooling2D with activation=", "1, 2, 4, 8, ... elements"):
        assert part in lines[0], part


def test_float32_rounding_onto_a_tie_is_refused() -> None:
    """20-bit inputs, a (1, 3) average, an output step 1/16 of the input step: quotients
    between 2**18 and 2**19 have float32 spacing 1/32, so float32 rounds a third (x + 1/3) to
    x + 11/32, a tie of the quantizer (an odd multiple of 1/32), which Keras rounds to even,
    where the exact average (never a tie: 32 S is even, 3 odd) rounds to its nearest. Such a
    sum is found here (the exact rounding with integers, confirmed by a Fraction); Keras really
    gives the float32 answer on it, and vhdlgen refuses the model."""
    from qkeras import QActivation, quantized_bits
    from tensorflow import keras

    inp = keras.layers.Input((1, 3, 1))
    x = QActivation(quantized_bits(20, 20, keep_negative=False), name="in_q")(inp)
    x = keras.layers.AveragePooling2D((1, 3), name="avg")(x)
    x = QActivation(quantized_bits(24, 20, keep_negative=False), name="avg_q")(x)
    model = keras.Model(inp, keras.layers.Flatten()(x))
    sums = np.arange(3 << 18, 3 << 19, dtype=np.int64)
    float32 = np.rint((sums.astype(np.float32) / np.float32(3)).astype(np.float64) * 16)
    exact = (sums * 32 + 3) // 6  # floor(16 S / 3 + 1/2)
    bad = int(np.flatnonzero(float32 != exact)[0])
    assert exact[bad] == round(Fraction(int(sums[bad]) * 16, 3))
    window = np.full(3, sums[bad] // 3, np.float32)
    window[:sums[bad] % 3] += 1
    keras_value = float(model.predict(window.reshape(1, 1, 3, 1), verbose=0)[0, 0])
    assert keras_value * 16 == float32[bad] != exact[bad]
    with pytest.raises(UserError, match=r"'avg'.*float32 rounds the quotient onto or across a "
                                        r"rounding tie.*fewer bits"):
        graph_from_keras(model)


@pytest.mark.sim
def test_rtl_simulates_bit_exact(tmp_path) -> None:
    """A 3x3 'same' average (windows of 4, 6, 9; tie_bits > 0) and a QAveragePooling2D (3, 1)
    with its own quantized_relu, built and simulated (cocotb + GHDL): the RTL == predict ==
    QKeras on uniform, off-grid and corner inputs."""
    import vhdlgen
    from qkeras import QActivation, QAveragePooling2D, quantized_bits, quantized_relu
    from tensorflow import keras

    inp = keras.layers.Input((5, 6, 2), name="x")
    x = QActivation(quantized_bits(4, 1), name="in_q")(inp)
    x = keras.layers.AveragePooling2D(3, 1, "same", name="avg")(x)
    x = QActivation(quantized_bits(5, 1), name="avg_q")(x)
    x = QAveragePooling2D((3, 1), (2, 1), "valid", activation=quantized_relu(3, 1),
                          name="qavg")(x)
    model = keras.Model(inp, keras.layers.Flatten(name="flat")(x), name="avg_rtl")
    design = vhdlgen.convert(model)
    assert design.network.graph.layers[1].requantizer.tie_bits > 0
    x = _inputs(design.network, seed=5, n=150)
    predicted = design.predict(x)
    assert np.array_equal(predicted, model.predict(x, verbose=0))
    design.build(tmp_path / "avg_rtl")
    assert np.array_equal(design.simulate(x), predicted)


def test_qaverage_area_9_over_windows_of_4_is_exact() -> None:
    """A 3x3 QAveragePooling2D with an average_quantizer over a 2x2 plane ('same'): every window
    covers 4 elements, so the average is exact and only the scale 9 * quantized(1/9) is not a
    power of two; no reciprocals, and QKeras' result at every layer."""
    from qkeras import QActivation, QAveragePooling2D, quantized_bits
    from tensorflow import keras

    inp = keras.layers.Input((2, 2, 3))
    x = QActivation(quantized_bits(6, 2), name="in_q")(inp)
    x = QAveragePooling2D(3, 1, "same", average_quantizer=quantized_bits(6, 0, 1), name="avg")(x)
    model = keras.Model(inp, keras.layers.Flatten(name="flat")(x))
    network = Network(graph_from_keras(model))
    assert _pool(network).division is None
    assert qmodels.compare_layers(model, network, _inputs(network, seed=4)) == 3
