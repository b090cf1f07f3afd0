"""`train --sparsity S`: magnitude pruning of the QKeras layers reaches S, combines with
--init-from, --distill and --bits, and a pruned model is bit-exact through predict and the RTL."""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pytest

import qmodels
from tools import require_tool
from vhdlgen.data import generate_events
from vhdlgen.errors import UserError
from vhdlgen.train.cli import add_train_parser
from vhdlgen.train.trainer import load_keras_model

MODELS = Path(__file__).resolve().parents[1] / "models"
PRUNED = ("conv1", "conv2", "conv3", "conv4", "dense1", "dense2")


def _train(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    add_train_parser(parser.add_subparsers())
    args = parser.parse_args(["train", "--quiet", *argv])
    assert args.func(args) == 0


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:  # noqa: ANN001
    """A trained 3-bit student pruned to 0.5 (constant), and a distilled 2-bit student pruned
    to 0.75 on the polynomial schedule; 2000 events, 2 epochs each."""
    root = tmp_path_factory.mktemp("pruned")
    _train(["--bits", "3", "--sparsity", "0.5", "--init-from", str(MODELS / "student_3bit.h5"),
            "--events", "2000", "--epochs", "2", "--out", str(root / "p3")])
    _train(["--bits", "2", "--distill", "--teacher-model", str(MODELS / "teacher.h5"),
            "--sparsity", "0.75", "--pruning-schedule", "polynomial", "--events", "2000",
            "--epochs", "2", "--out", str(root / "p2")])
    return root


@pytest.mark.parametrize("run, target", [("p3", 0.5), ("p2", 0.75)])
def test_reached_sparsity(runs: Path, run: str, target: float) -> None:
    """Every QConv2D/QDense kernel has round(S * size) zeros (the mask's rounding: at most one
    weight off), the other layers none pruned, and state.json records it."""
    model = load_keras_model(str(runs / run / "model.h5"))
    assert not any("prune" in layer.name for layer in model.layers)
    for name in PRUNED:
        kernel = model.get_layer(name).get_weights()[0]
        zeros = int(np.sum(kernel == 0))
        assert abs(zeros - target * kernel.size) <= 1, (name, zeros, kernel.size)
    assert np.all(model.get_layer("output").get_weights()[0] != 0)  # float Dense: not pruned
    state = json.loads((runs / run / "state.json").read_text())
    assert state["config"]["sparsity"] == target and set(state["sparsity"]) == set(PRUNED)


def test_init_from_prunes_the_trained_student(runs: Path) -> None:
    """--init-from: the kept weights are the largest of the trained student's (8 Adam steps
    barely move them); from a random start only about half of the positions would agree."""
    pruned = load_keras_model(str(runs / "p3" / "model.h5"))
    source = load_keras_model(str(MODELS / "student_3bit.h5"))
    agree, total = 0, 0
    for name in PRUNED:
        kept = pruned.get_layer(name).get_weights()[0].ravel() != 0
        init = np.abs(source.get_layer(name).get_weights()[0].ravel())
        largest = np.zeros_like(kept)
        largest[np.argsort(-init, kind="stable")[:kept.sum()]] = True
        agree, total = agree + int(np.sum(kept & largest)), total + int(kept.sum())
    assert agree / total > 0.9, (agree, total)


@pytest.mark.parametrize("run", ["p3", "p2"])
def test_pruned_model_is_bit_exact_through_predict(runs: Path, run: str) -> None:
    """The reference equals QKeras (numpy.array_equal) at every quantized layer of the pruned
    model; the float output Dense, which vhdlgen quantizes, within its stated error bound."""
    import vhdlgen
    from vhdlgen.fixed import dequantize

    model = load_keras_model(str(runs / run / "model.h5"))
    network = vhdlgen.load(str(runs / run / "model.h5"))
    x = generate_events(500, seed=5)["x"]
    keras = qmodels.keras_layer_outputs(model, x)
    trace, graph = network.trace(x), network.graph
    fracs = {layer.name: t.fmt.frac for layer, t in zip(graph.layers, graph.tensors)}
    fracs[graph.input.quantizer] = graph.input.fmt.frac
    for name, expected in keras.items():
        ours = dequantize(trace[name], fracs[name]).reshape(expected.shape)
        if name == "output":
            bound = next(layer for layer in graph.layers if layer.name == "output").error_bound
            assert np.max(np.abs(ours - expected)) <= bound * (1 + 1e-6) + 1e-4, name
        else:
            assert np.array_equal(ours, expected), name
    assert len(keras) == len(model.layers) - 1 == 15


def test_inspect_reports_sparsity_per_layer(runs: Path, capsys) -> None:  # noqa: ANN001
    from vhdlgen.__main__ import main

    assert main(["inspect", "--model", str(runs / "p2" / "model.h5")]) == 0
    text = capsys.readouterr().out
    for name in PRUNED:
        line = next(line for line in text.splitlines() if line.startswith(name + " "))
        assert int(re.search(r"(\d+)% zero", line).group(1)) >= 74, line


@pytest.mark.sim
def test_pruned_model_rtl_is_bit_exact(runs: Path, tmp_path: Path) -> None:
    """build + simulate == predict for the pruned 3-bit student."""
    import vhdlgen

    require_tool("ghdl")
    design = vhdlgen.convert(str(runs / "p3" / "model.h5"))
    design.build(tmp_path / "p3")
    x = generate_events(150, seed=31_337)["x"]
    assert np.array_equal(design.simulate(x), design.predict(x))


@pytest.mark.parametrize("extra", [["--sparsity", "1.0", "--bits", "3"],
                                   ["--sparsity", "-0.1", "--bits", "3"],
                                   ["--sparsity", "0.5", "--float-student"],
                                   ["--sparsity", "0.5", "--teacher"]])
def test_sparsity_errors(tmp_path: Path, extra: list[str]) -> None:
    parser = argparse.ArgumentParser()
    add_train_parser(parser.add_subparsers())
    args = parser.parse_args(["train", *extra, "--out", str(tmp_path / "x")])
    with pytest.raises(UserError, match="sparsity"):
        args.func(args)
    assert not (tmp_path / "x").exists()
