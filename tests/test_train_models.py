"""Model definitions, quantizers, output-scale folding and the distillation loss."""
from __future__ import annotations

import numpy as np
import pytest

from vhdlgen.train import distill, labels
from vhdlgen.train.models import (STUDENT_PARAMS, TEACHER_PARAMS, build_student, build_teacher,
                                  copy_teacher_weights, fold_output_scaling, input_quantizer)

ALLOWED = {"InputLayer", "QActivation", "QConv2D", "QDense", "Flatten", "Dense"}


def test_parameter_counts() -> None:
    assert build_teacher().count_params() == TEACHER_PARAMS == 10_655
    assert build_student(None).count_params() == STUDENT_PARAMS == 1_032
    for bits in (2, 3, 4, 5):
        assert build_student(bits).count_params() == 1_032
    assert build_teacher(5).count_params() == TEACHER_PARAMS


def test_quantized_teacher_vocabulary_and_names() -> None:
    """`train --teacher --bits 5`: the float teacher's layers quantized as the students are,
    'same' padding and MaxPooling2D; its weighted layers carry the float teacher's names."""
    model = build_teacher(5)
    assert {type(layer).__name__ for layer in model.layers} <= ALLOWED | {"MaxPooling2D"}
    weighted = [layer.name for layer in model.layers if layer.get_weights()]
    assert weighted == [layer.name for layer in build_teacher().layers if layer.get_weights()]
    assert model.get_layer("conv3").padding == "same"
    assert model.get_layer("flatten").output_shape == (None, 272)
    assert str(model.get_layer("relu_d2").quantizer) == "quantized_relu(5,0)"
    kq, bq = model.get_layer("dense1").get_quantizers()
    assert kq.bits == 5 and kq.alpha == "auto_po2" and bq.bits == 5
    for name in distill.TEACHER_HINTS:
        model.get_layer(name)


def test_narrow_teacher_takes_the_first_channels() -> None:
    full, narrow = build_teacher(5), build_teacher(5, width=0.4)
    copy_teacher_weights(narrow, full)
    assert narrow.get_layer("conv3").get_weights()[0].shape == (3, 3, 4, 7)
    assert np.array_equal(narrow.get_layer("conv3").get_weights()[0],
                          full.get_layer("conv3").get_weights()[0][:, :, :4, :7])
    rows = full.get_layer("dense1").get_weights()[0].reshape(4, 4, 17, 10)[:, :, :7]
    assert np.array_equal(narrow.get_layer("dense1").get_weights()[0], rows.reshape(-1, 10))


@pytest.mark.parametrize("bits", [2, 3, 4, 5])
def test_student_vocabulary_and_names(bits: int) -> None:
    model = build_student(bits)
    assert {type(layer).__name__ for layer in model.layers} <= ALLOWED
    names = [layer.name for layer in model.layers]
    assert names == ["input", "input_quant", "conv1", "relu1", "conv2", "relu2", "conv3", "relu3",
                     "conv4", "relu4", "flatten", "dense1", "relu5", "dense2", "relu6", "output"]
    assert model.get_layer("flatten").output_shape == (None, 48)
    assert str(model.get_layer("relu1").quantizer) == f"quantized_relu({bits},0)"
    kq, bq = model.get_layer("conv3").get_quantizers()
    assert kq.bits == bits and kq.alpha == "auto_po2" and kq.symmetric
    assert bq.bits == bits and bq.alpha is None
    assert type(model.get_layer("output")).__name__ == "Dense"


def test_input_quantizer_passes_fragment_values() -> None:
    values = np.array([0.0, 0.5, 1.0, 1.5], np.float32)
    assert np.array_equal(np.asarray(input_quantizer()(values)), values)
    assert float(np.asarray(input_quantizer()(np.float32(3.0)))) == 1.5      # saturates


def test_fold_output_scaling() -> None:
    model = build_student(None)
    x = np.random.default_rng(0).choice([0.0, 0.5, 1.0], (16, 9, 16, 1)).astype(np.float32)
    before = model.predict(x, verbose=0)
    fold_output_scaling(model, np.array([20.0, 0.5]), np.array([1.0, -2.0]))
    after = model.predict(x, verbose=0)
    assert np.allclose(after, before * [20.0, 0.5] + [1.0, -2.0], rtol=1e-5, atol=1e-5)


def test_conditional_loss() -> None:
    dims = [3, 2, 1]
    gammas = (0.5, 0.25, 2.0)
    loss = distill.make_loss(dims, gammas)
    rng = np.random.default_rng(1)
    n = 64
    y, w = rng.random((n, 2)), np.ones((n, 2))
    w[::3, 1] = 0
    y_t, feats = rng.random((n, 2)), rng.random((n, 6))
    y_s, adapt = rng.random((n, 2)), rng.random((n, 6))
    got = np.asarray(loss(np.concatenate([y, w, y_t, feats], 1).astype(np.float32),
                          np.concatenate([y_s, adapt], 1).astype(np.float32)))
    e_s = np.sum(w * (y - y_s) ** 2, 1)
    e_t = np.sum(w * (y - y_t) ** 2, 1)
    h = sum(g * np.mean((feats[:, a:b] - adapt[:, a:b]) ** 2, 1)
            for g, (a, b) in zip(gammas, [(0, 3), (3, 5), (5, 6)]))
    want = np.where(e_t < e_s, e_s + h, e_s)
    assert np.allclose(got, want, rtol=1e-5)
    assert 0 < np.sum(e_t < e_s) < n                        # both branches exercised


def test_targets() -> None:
    ev = {"pt": np.array([0.0, 10.0], np.float32), "eta": np.array([0.0, 0.1], np.float32),
          "is_muon": np.array([False, True]), "window": np.array([0, 1])}
    y, w = labels.targets(ev)
    assert y[0].tolist() == [0.0, 0.0] and w.tolist() == [[1, 0], [1, 1]]
    assert y[1, 0] == pytest.approx(0.5)
    assert y[1, 1] * labels.ETA_SCALE == pytest.approx(0.1 - labels.ETA_SCALE, abs=1e-6)
