"""End-to-end: tiny training runs (teacher, distilled student, resume), evaluation, CLI errors."""
from __future__ import annotations

import argparse
import json
import os

import numpy as np
import pytest

from vhdlgen.data import generate_events
from vhdlgen.errors import UserError
from vhdlgen.train import metrics as M
from vhdlgen.train.cli import add_evaluate_parser, add_train_parser
from vhdlgen.train.trainer import load_keras_model


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    add_train_parser(sub)
    add_evaluate_parser(sub)
    return parser.parse_args(argv)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> str:  # noqa: ANN001
    """A 2-epoch teacher and a 1-epoch distilled 3-bit student on 3000 events."""
    root = str(tmp_path_factory.mktemp("runs"))
    args = _parse(["train", "--teacher", "--events", "3000", "--epochs", "2", "--quiet",
                   "--out", f"{root}/teacher"])
    assert args.func(args) == 0
    args = _parse(["train", "--bits", "3", "--distill", "--teacher-model",
                   f"{root}/teacher/model.h5", "--events", "3000", "--epochs", "1", "--quiet",
                   "--out", f"{root}/s3"])
    assert args.func(args) == 0
    return root


def test_training_writes_loadable_models(runs: str) -> None:
    teacher = load_keras_model(f"{runs}/teacher/model.h5")
    student = load_keras_model(f"{runs}/s3/model.h5")
    assert teacher.count_params() == 10_655
    assert student.count_params() == 1_032                 # no adaptation layers saved
    assert not any(layer.name.startswith("adapt") for layer in student.layers)
    with open(f"{runs}/s3/state.json") as f:
        state = json.load(f)
    assert state["epoch"] == 1 and state["config"]["distill"] and state["finished"]


def test_quantized_teacher_starts_from_the_float_teacher(runs: str) -> None:
    """`train --teacher --bits 5 --init-from TEACHER`: the quantized teacher, trained from the
    float teacher's weights (as models/teacher_5bit.h5 is)."""
    args = _parse(["train", "--teacher", "--bits", "5", "--init-from", f"{runs}/teacher/model.h5",
                   "--events", "1000", "--epochs", "1", "--quiet", "--out", f"{runs}/t5"])
    assert args.func(args) == 0
    model = load_keras_model(f"{runs}/t5/model.h5")
    assert model.count_params() == 10_655 and model.name == "teacher_5bit"
    kinds = {type(layer).__name__ for layer in model.layers}
    assert {"QConv2D", "QDense", "MaxPooling2D"} <= kinds and "Conv2D" not in kinds
    with open(f"{runs}/t5/state.json") as f:
        assert json.load(f)["config"]["kind"] == "quantized_teacher"


def _train_student_2_epochs(runs: str, name: str) -> dict:
    """`train` a distilled 3-bit student for 2 epochs into runs/name; its state.json."""
    args = _parse(["train", "--bits", "3", "--distill", "--teacher-model",
                   f"{runs}/teacher/model.h5", "--events", "3000", "--epochs", "2", "--quiet",
                   "--out", f"{runs}/{name}"])
    assert args.func(args) == 0
    with open(f"{runs}/{name}/state.json") as f:
        return json.load(f)


def test_resume_continues_after_last_epoch(runs: str) -> None:
    state = _train_student_2_epochs(runs, "s3")
    assert [h["epoch"] for h in state["history"]] == [1, 2]
    assert state["resumed_after"] == [1]  # the 1-epoch run of the fixture, continued
    # Deterministic from the seed: an uninterrupted run repeats the first epoch exactly (after
    # a restart the data order starts again from the seed, so later epochs may differ).
    straight = _train_student_2_epochs(runs, "s3_straight")
    assert "resumed_after" not in straight
    assert straight["history"][0] == state["history"][0]
    # A different configuration in the same directory is refused.
    args = _parse(["train", "--bits", "3", "--no-distill", "--events", "3000", "--epochs", "2",
                   "--out", f"{runs}/s3"])
    with pytest.raises(UserError):
        args.func(args)


def test_evaluate_writes_table_and_plots(runs: str, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "eval"
    args = _parse(["evaluate", f"teacher={runs}/teacher/model.h5", f"3bit={runs}/s3/model.h5",
                   "--events", "4000", "--seed", "5", "--out", str(out)])
    assert args.func(args) == 0
    for name in ("metrics.md", "metrics.json", "turn_on.png", "pt_resolution.png",
                 "background_pt.png", "fake_rate.png"):
        assert (out / name).stat().st_size > 0, name
    table = (out / "metrics.md").read_text()
    assert "| teacher |" in table and "| 3bit |" in table and "bit-exact reference" in table
    results = json.loads((out / "metrics.json").read_text())["results"]
    assert 0.0 <= results["3bit"]["plateau_efficiency"] <= 1.0


def test_metrics_on_fixed_sample() -> None:
    ev = generate_events(4000, seed=17)
    perfect = np.stack([ev["pt"], np.zeros_like(ev["pt"])], axis=1)
    m = M.compute(perfect, ev, threshold=10.0, plateau=15.0)
    assert m.plateau_efficiency == 1.0 and m.fake_count == 0 and m.fake_rate == 0.0
    assert m.fake_rate_err == pytest.approx(3.0 / m.n_background)
    assert m.resolution_near_threshold == 0.0 and m.low_pt_efficiency == 0.0
    everything = np.full_like(perfect, 12.0)
    m = M.compute(everything, ev)
    assert m.fake_rate == 1.0 and m.plateau_efficiency == 1.0
    centres, eff, _ = M.turn_on(ev["pt"][ev["is_muon"]], ev["pt"][ev["is_muon"]], 10.0)
    assert np.all(eff[centres < 10] == 0) and np.all(eff[centres > 10] == 1)


@pytest.mark.parametrize("argv", [
    ["train", "--bits", "7", "--out", "{tmp}/x"],
    ["train", "--bits", "4", "--distill", "--teacher-model", "{tmp}/none.h5", "--out", "{tmp}/x"],
    ["train", "--teacher", "--distill", "--out", "{tmp}/x"],
    ["train", "--teacher", "--events", "10", "--out", "{tmp}/x"],
    ["train", "--teacher", "--bits", "6", "--out", "{tmp}/x"],
    ["train", "--teacher", "--bits", "5", "--distill", "--out", "{tmp}/x"],
    ["train", "--float-student", "--bits", "4", "--out", "{tmp}/x"],
    ["train", "--out", "{tmp}/x"],
    ["evaluate", "a={tmp}/missing.h5", "--out", "{tmp}/e"],
])
def test_user_errors(tmp_path, argv: list[str]) -> None:  # noqa: ANN001
    args = _parse([a.format(tmp=tmp_path) for a in argv])
    with pytest.raises(UserError):
        args.func(args)
    assert not os.path.exists(tmp_path / "x")
