"""Every shipped model loads with qkeras, has the documented architecture and sane physics; the
5-bit teacher's RTL equals its reference."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vhdlgen.data import generate_events

MODELS = Path(__file__).resolve().parents[1] / "models"
STUDENTS = [f"student_{b}bit" for b in (2, 3, 4, 5)]
ALLOWED = {"InputLayer", "QActivation", "QConv2D", "QDense", "Flatten", "Dense"}


@pytest.fixture(scope="module")
def sample() -> dict:
    return generate_events(4000, seed=424242)


def _load(name: str):  # noqa: ANN202
    from qkeras.utils import load_qmodel

    path = MODELS / f"{name}.h5"
    assert path.is_file(), f"{path} is missing"
    assert path.stat().st_size < 200_000
    assert (MODELS / f"{name}.md").is_file(), f"model card {name}.md is missing"
    return load_qmodel(str(path), compile=False)


@pytest.mark.parametrize("name", STUDENTS)
def test_student(name: str, sample: dict) -> None:
    bits = int(name.split("_")[1][0])
    model = _load(name)
    assert model.count_params() == 1_032
    assert {type(layer).__name__ for layer in model.layers} <= ALLOWED
    assert str(model.get_layer("relu1").quantizer) == f"quantized_relu({bits},0)"
    for layer_name in ("conv1", "conv2", "conv3", "conv4", "dense1", "dense2"):
        kernel_q, bias_q = model.get_layer(layer_name).get_quantizers()
        assert kernel_q.bits == bits and kernel_q.alpha == "auto_po2"
        assert bias_q.bits == bits
    _check_physics(model, sample, min_correlation=0.4 if bits == 2 else 0.7)


def test_teacher(sample: dict) -> None:
    model = _load("teacher")
    assert model.count_params() == 10_655
    _check_physics(model, sample)


def test_teacher_5bit(sample: dict) -> None:
    """`train --teacher --bits 5`: the teacher's architecture, quantized as the students are."""
    model = _load("teacher_5bit")
    assert model.count_params() == 10_655
    assert {type(layer).__name__ for layer in model.layers} <= ALLOWED | {"MaxPooling2D"}
    assert model.get_layer("conv1").padding == "same"
    for layer_name in ("conv1", "conv3", "conv5", "dense1", "dense2"):
        kernel_q, bias_q = model.get_layer(layer_name).get_quantizers()
        assert kernel_q.bits == 5 and kernel_q.alpha == "auto_po2" and bias_q.bits == 5
    _check_physics(model, sample)


def _teacher_5bit_design(width: float):  # noqa: ANN202
    """The shipped 5-bit teacher at `width` times its filters (its first channels)."""
    import vhdlgen
    from vhdlgen.train.models import build_teacher, copy_teacher_weights

    model = build_teacher(5, width)
    copy_teacher_weights(model, _load("teacher_5bit"))
    return vhdlgen.convert(model)


@pytest.mark.sim
def test_teacher_5bit_narrow_builds_and_simulates_bit_exact(tmp_path: Path) -> None:
    """build + simulate == predict for the shipped 5-bit teacher's architecture at 0.1 of its
    filters (1-1-2-2-2, its trained weights); the full width is the slow test below."""
    design = _teacher_5bit_design(0.1)
    design.build(tmp_path / "teacher")
    x = generate_events(150, seed=31_337)["x"]
    assert np.array_equal(design.simulate(x), design.predict(x))


@pytest.mark.slow
@pytest.mark.sim
def test_teacher_5bit_builds_and_simulates_bit_exact(tmp_path: Path) -> None:
    """The full models/teacher_5bit.h5: build + simulate == predict on 300 toy events
    (measured time: models/teacher_5bit.md)."""
    design = _teacher_5bit_design(1.0)
    design.build(tmp_path / "teacher")
    x = generate_events(300, seed=31_337)["x"]
    assert np.array_equal(design.simulate(x), design.predict(x))


def _check_physics(model, ev: dict, min_correlation: float = 0.7) -> None:  # noqa: ANN001
    """Outputs are in GeV: muons around their true pT, background far below 10 GeV.

    (The 2-bit student separates low from high pT much less well: see its model card.)
    """
    pred = model.predict(ev["x"], batch_size=4096, verbose=0)
    mu = ev["is_muon"]
    assert pred.shape == (len(mu), 2)
    assert np.mean(pred[~mu, 0] >= 10.0) < 0.005
    assert abs(np.median(pred[mu, 0] - ev["pt"][mu])) < 1.5
    assert np.mean(pred[mu & (ev["pt"] >= 15), 0] >= 10.0) > 0.8
    assert np.corrcoef(pred[mu, 0], ev["pt"][mu])[0, 1] > min_correlation


def test_4bit_meets_trigger_requirement_through_reference() -> None:
    """The hard target, on a seed never used in training, through the bit-exact reference."""
    import vhdlgen
    from vhdlgen.train.metrics import compute

    ev = generate_events(20_000, seed=777_001)
    pred = np.asarray(vhdlgen.load(str(MODELS / "student_4bit.h5")).predict(ev["x"]))
    m = compute(pred, ev, threshold=10.0, plateau=15.0)
    assert m.fake_rate < 2e-3
    assert m.plateau_efficiency >= 0.90
