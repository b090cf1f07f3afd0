"""One authority for generated names (vhdlgen/rtl/names.py).

- Labels: no signal or instance of one unit in the top is a name of another (layers 'u_p' and
  'p_valid' would both give `u_p_valid`), nor a port or fixed signal of the top.
- Entities: no layer entity is another design unit (a layer 'pkg' of model 'net' would be the
  interface package `net_pkg`), a static unit, a library or package name.
- The top: a model file named after a VHDL library, package or the vhdlgen prefix (vhdlgen.h5,
  work.h5, std_logic.h5) is renamed and the report says so; such an explicit --top is refused in
  one line that names the rule.
- A model 'net' with layers 'pkg', 'top', 'vhdlgen_pkg', 'u_p', 'p_valid' builds every file
  (`ghdl --synth` runs inside every build) and simulates bit-exact on GHDL.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import qmodels
from tools import require_tool
from vhdlgen.__main__ import main
from vhdlgen.errors import UserError
from vhdlgen.frontend import graph_from_keras
from vhdlgen.network import Network
from vhdlgen.rtl.build import BuildOptions, build
from vhdlgen.rtl.names import (LIBRARY_NAMES, RESERVED, STATIC_UNITS, TOP_LEVEL, check_unique,
                               choose_top, top_names, unit_names)
from vhdlgen.sim.verify import simulate

TRICKY_LAYERS = ["pkg", "top", "vhdlgen_pkg", "u_p", "p_valid", "p", "u", "clk", "in", "in_data",
                 "out", "std_logic", "work", "tb", "component_pkg", "P", "p-valid", "u__p", "2d",
                 "net", "rtl", "input_register", "in_valid_q"]


def tricky_model():
    """'net': in_q -> pkg -> top -> vhdlgen_pkg -> u_p -> p_valid (QDense + QActivation each,
    the last without), every name a collision vhdlgen must avoid."""
    keras, QActivation, _, QDense, quantized_bits, quantized_relu = qmodels._q()
    inp = keras.layers.Input((6,), name="vec")
    x = QActivation(quantized_bits(4, 0), name="in_q")(inp)
    names = ["pkg", "top", "vhdlgen_pkg", "u_p", "p_valid"]
    for i, name in enumerate(names):
        x = QDense(5 if i < len(names) - 1 else 2, name=name,
                   kernel_quantizer=quantized_bits(4, 0, symmetric=1, alpha=1),
                   bias_quantizer=quantized_bits(4, 0, symmetric=1))(x)
        if i < len(names) - 1:
            x = QActivation(quantized_relu(4), name=f"act{i}")(x)
    model = keras.Model(inp, x, name="net")
    qmodels.randomize(model, 21, gain=2.0)
    return model


def test_unit_names_never_collide() -> None:
    top = "net"
    named = unit_names(top, TRICKY_LAYERS)
    in_top = [name for label, _ in named for name in top_names(label)]
    assert len(set(in_top)) == len(in_top), "two units share a name in the top"
    assert not set(in_top) & (TOP_LEVEL | RESERVED | {top})
    entities = [entity for _, entity in named]
    others = {top, f"{top}_pkg", f"{top}_tb", f"{top}_component_pkg", *STATIC_UNITS}
    assert len(set(entities)) == len(entities) and not set(entities) & (others | LIBRARY_NAMES)
    labels = dict(zip(TRICKY_LAYERS, (label for label, _ in named)))
    assert labels["u_p"] == "u_p" and labels["p_valid"] == "p_valid_2"  # u_p_valid is u_p's
    assert dict(named)["pkg"] != "net_pkg" and dict(named)["top"] == "net_top"
    # an ordinary model keeps its names
    assert unit_names("student", ["conv1", "conv2", "dense1"]) == [
        ("conv1", "student_conv1"), ("conv2", "student_conv2"), ("dense1", "student_dense1")]


@pytest.mark.parametrize("model_name, top", [("vhdlgen", "top_vhdlgen"), ("work", "top_work"),
                                             ("std_logic", "top_std_logic"),
                                             ("vhdlgen_pkg", "top_vhdlgen_pkg"), ("in", "in_n"),
                                             ("student_4bit", "student_4bit")])
def test_top_from_a_model_name(model_name: str, top: str) -> None:
    chosen, note = choose_top(None, model_name)
    assert chosen == top
    if top == model_name:
        assert note is None
    else:
        assert f"top entity {top!r}: the model name {model_name!r} is" in note and "--top" in note


@pytest.mark.parametrize("name", ["work", "ieee", "std_logic", "numeric_std", "vhdlgen",
                                  "vhdlgen_x", "in", "clk", "rising_edge", "my-top", "2x"])
def test_explicit_top_is_refused_in_one_line(name: str) -> None:
    with pytest.raises(UserError) as refused:
        choose_top(name, "model")
    message = str(refused.value)
    assert message.startswith(f"--top {name!r} is ") and "accepted: a letter" in message
    assert "\n" not in message


def test_duplicate_files_are_an_error() -> None:
    check_unique(["a.vhd", "b.vhd"])
    with pytest.raises(UserError, match="two generated files would both be 'A.vhd'"):
        check_unique(["a.vhd", "b.vhd", "A.vhd"])


@pytest.fixture(scope="module")
def tricky(tmp_path_factory) -> tuple[Path, dict, Network]:
    """The tricky model built in memory (ghdl --synth runs inside the build): the build
    folder, its report, the reference."""
    require_tool("ghdl")
    model = tricky_model()
    graph = graph_from_keras(model)
    out = tmp_path_factory.mktemp("tricky") / "net"
    report = build(graph, out, BuildOptions(test_vectors=20), model_name=model.name).data
    return out, report, Network(graph)


def test_tricky_layer_names_build_every_file(tricky) -> None:
    out, report, _ = tricky
    rtl = out / "rtl"
    assert report["top"] == "net" and "renamed" not in report
    entities = [unit["entity"] for unit in report["layers"]]
    assert len(entities) == 5 and len(set(entities)) == 5
    assert report["sources"] == ["vhdlgen_pkg.vhd", "vhdlgen_valid_pipe.vhd", "net_pkg.vhd",
                                 *(f"{e}.vhd" for e in entities), "net.vhd"]
    for name in report["sources"]:
        assert (rtl / name).is_file(), name
    assert "package net_pkg is" in (rtl / "net_pkg.vhd").read_text()
    assert "package vhdlgen_pkg is" in (rtl / "vhdlgen_pkg.vhd").read_text()
    top = (rtl / "net.vhd").read_text()
    for entity in entities:
        assert f"entity work.{entity}\n" in top
        assert f"entity {entity} is" in (rtl / f"{entity}.vhd").read_text()


@pytest.mark.sim
def test_tricky_layer_names_simulate_bit_exact(tricky) -> None:
    out, report, network = tricky
    x = np.random.default_rng(3).uniform(-1.2, 1.2, (400, 6))
    verdict = simulate(out, x)
    expected = network.predict_codes(network.input_codes(x))
    assert len(np.unique(expected, axis=0)) > 20
    assert np.array_equal(verdict.rtl_codes, expected)
    assert verdict.latency == report["latency_cycles"]


@pytest.mark.parametrize("stem", ["vhdlgen", "work", "std_logic"])
def test_reserved_model_file_names_are_renamed(stem: str, tmp_path, capsys) -> None:
    """`build --model <stem>.h5`: exit 0, top `top_<stem>`, the report and the printout say
    why; `--top <stem>` is refused with one line."""
    require_tool("ghdl")
    path = qmodels.save_h5(qmodels.dense_only(n_in=4), tmp_path, stem)
    out = tmp_path / "out"
    assert main(["build", "--model", str(path), "--out", str(out), "--test-vectors", "0"]) == 0
    printed = capsys.readouterr().out
    report = json.loads((out / "report.json").read_text())
    assert report["top"] == f"top_{stem}" and (out / "rtl" / f"top_{stem}.vhd").is_file()
    assert len(report["renamed"]) == 1
    assert report["renamed"][0].startswith(f"top entity 'top_{stem}': the model name {stem!r} is ")
    assert f"renamed: {report['renamed'][0]}" in printed
    assert main(["build", "--model", str(path), "--out", str(tmp_path / "o2"), "--top", stem]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--top {stem!r} is" in err
    assert not Path(tmp_path / "o2").exists()
