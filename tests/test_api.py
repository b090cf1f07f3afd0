"""The Python API (`vhdlgen.convert`): the README example runs exactly as written (build, then
the RTL on GHDL equals `predict` bit for bit), a wrong RTL raises SimulationMismatch, and the
options are the CLI's (same names, same defaults, one error per bad value)."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import numpy as np
import pytest

import qmodels
import vhdlgen
from tools import require_tool
from vhdlgen.__main__ import parser
from vhdlgen.errors import UserError
from vhdlgen.fixed import FixedType
from vhdlgen.api import OPTIONS as ALL_OPTIONS
from vhdlgen.chain.client import CHAIN_OPTIONS
from vhdlgen.options import BUILD_OPTIONS, MODEL_OPTIONS
from vhdlgen.rtl.build import BuildOptions

ROOT = Path(__file__).resolve().parents[1]


def readme_blocks() -> list[tuple[int, str]]:
    """Every ```python block of README.md: (line of its first code line, code)."""
    text = (ROOT / "README.md").read_text()
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1))
            for m in re.finditer(r"^```python\n(.*?)^```$", text, re.S | re.M)]


def readme_example() -> str:
    """The first Python block of the README's "Python API" section."""
    text = (ROOT / "README.md").read_text()
    section = text.count("\n", 0, text.index("\n## Python API\n"))
    return next(code for line, code in readme_blocks() if line > section)


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> dict:
    """Every Python block of the README, run as written, in order, sharing one namespace, in a
    fresh working directory that sees the repository's models/ (as from the repository root):
    their variables. The first block simulates on GHDL, so this is for sim tests."""
    require_tool("ghdl")
    cwd = tmp_path_factory.mktemp("readme")
    (cwd / "models").symlink_to(ROOT / "models")
    namespace: dict = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        for line, code in readme_blocks():
            exec(compile("\n" * (line - 1) + code, str(ROOT / "README.md"), "exec"), namespace)
    namespace["cwd"] = cwd
    return namespace


@pytest.mark.sim
def test_readme_python_blocks_all_run(example) -> None:
    """The blocks ran (a failing line is reported at its README line): the API example and the
    reference alone, each leaving what it says."""
    assert len(readme_blocks()) >= 2
    net, hits = example["net"], example["hits"]
    assert example["out"].shape == (len(hits), 2) and len(np.unique(example["out"], axis=0)) > 5
    assert np.array_equal(example["out"], net.predict(hits))
    assert set(example["codes"]) >= {layer.name for layer in net.graph.layers}


def test_readme_states_the_real_defaults() -> None:
    """Every `name=value` in the README's sentence on convert()'s defaults is that option's
    default (it once said input_format="ufixed<3,1>", adder_levels_per_stage=3, top="mu_cnn")."""
    text = (ROOT / "README.md").read_text()
    sentence = re.search(r"same default \((.*?); an\s+unknown name", text, re.S).group(1)
    stated = dict(re.findall(r"`(\w+)=([^`]+)`", sentence))
    defaults = {option.name: option.default for option in ALL_OPTIONS}
    assert len(stated) >= 5 and set(stated) <= set(defaults), stated
    for name, value in stated.items():
        assert ast.literal_eval(value) == defaults[name], name


@pytest.mark.sim
def test_readme_example_builds_and_simulates_bit_exact(example) -> None:
    design, x, y = example["design"], example["x"], example["y"]
    assert "vhdlgen.convert(model" in readme_example() and ".simulate(x)" in readme_example()
    build_dir = example["cwd"] / "build" / "net"
    assert design.report.build_dir == build_dir.resolve() and design.report.top == "net"
    assert (build_dir / "rtl" / "net.vhd").is_file() and (build_dir / "tb").is_dir()
    assert design.report.latency_cycles >= 1 and design.report.sources[-1] == "net.vhd"
    assert y.shape == (len(x), 2) and len(np.unique(y, axis=0)) > 20  # not a constant output
    assert np.array_equal(y, vhdlgen.load(qmodels.save_h5(example["model"], example["cwd"],
                                                          "net")).predict(x))


@pytest.mark.sim
def test_simulate_raises_on_a_wrong_rtl(example) -> None:
    """Invert out_data in the top: simulate must raise, naming the first vector."""
    design = example["design"]
    top = example["cwd"] / "build" / "net" / "rtl" / "net.vhd"
    text = top.read_text()
    line = re.search(r"^  out_data  <= (\w+);$", text, re.M)
    top.write_text(text.replace(line.group(0), f"  out_data  <= not {line.group(1)};"))
    try:
        with pytest.raises(vhdlgen.SimulationMismatch, match="differs from the reference at "
                                                             "vector 0"):
            design.simulate(example["x"][:50])
    finally:
        top.write_text(text)


def test_options_are_the_cli_options_with_the_cli_defaults() -> None:
    """Every option is a flag of `build` (model options also of predict and inspect) with the
    default that convert() uses, and the Design carries exactly those defaults."""
    cli = parser()
    build_args = vars(cli.parse_args(["build"]))
    predict_args = vars(cli.parse_args(["predict", "--input", "x", "--output", "y"]))
    for option in ALL_OPTIONS:
        assert build_args[option.name] == option.default, option.name
    for option in MODEL_OPTIONS:
        assert predict_args[option.name] == option.default, option.name
    design = vhdlgen.convert(qmodels.dense_only(n_in=6))
    for option in BUILD_OPTIONS + CHAIN_OPTIONS:  # the build's, and the chain's (its client)
        holder = design.options if option.owner is BuildOptions else design.options.client
        assert getattr(holder, option.name) == option.default, option.name
    assert design.name == "dense_only"


def test_options_by_keyword_and_their_errors() -> None:
    model = qmodels.MODELS["no_input_quant"]()
    design = vhdlgen.convert(model, input_format="ufixed<3,1>", adder_levels_per_stage=2,
                             top="mu_cnn", register_inputs=True)
    assert design.network.graph.input.fmt == FixedType.parse("ufixed<3,1>")
    assert (design.options.adder_levels_per_stage, design.options.top,
            design.options.register_inputs) == (2, "mu_cnn", True)
    x = qmodels.uniform_inputs(50, 1, FixedType.parse("ufixed<3,1>"))
    assert np.array_equal(design.predict(x), design.network.predict(x))
    cases = [({"clock": 3.0}, "unknown option clock; accepted: input_format, float_weight_bits"),
             ({"clock_ns": "fast"}, "clock_ns='fast': could not convert"),
             ({"share_depth": 1.5}, "share_depth=1.5: expected int"),
             ({"register_inputs": 1}, "register_inputs=1: expected bool"),
             ({"input_format": "fixed<2"}, "cannot parse fixed-point format"),
             ({"float_weight_bits": 40}, "--float-weight-bits 40: accepted 2 to 32"),
             ({"margin_ns": 5.0}, "--margin-ns 5.0: accepted 0 to less than the clock"),
             ({"top": "work"}, "--top 'work' is a library, package")]
    for options, message in cases:
        with pytest.raises(UserError, match=re.escape(message)):
            vhdlgen.convert(model, **options)


def test_report_and_simulate_need_a_build() -> None:
    design = vhdlgen.convert(qmodels.dense_only(n_in=6))
    for call in (lambda: design.report, lambda: design.simulate(np.zeros((1, 6)))):
        with pytest.raises(UserError, match=re.escape("call .build(out_dir) first")):
            call()
    with pytest.raises(UserError, match="convert.. got a list; accepted: a Keras/QKeras model"):
        vhdlgen.convert([1, 2])


def test_estimate_reads_a_real_build(tmp_path) -> None:
    """design.estimate() on a tiny built model: GHDL + yosys through the build manifest (the
    netlist has registers and carry chains, no DSP), and estimate.json is the result."""
    require_tool("ghdl")
    require_tool("yosys")
    design = vhdlgen.convert(qmodels.dense_only(n_in=4), test_vectors=0, top="tiny_est")
    report = design.build(tmp_path / "b")
    result = design.estimate()
    assert result["top"] == "tiny_est" and result["dsp"] == 0 and result["lut"] > 0
    assert result["ff"] > 0 and result["carry"] > 0 and report.top == "tiny_est"
    assert json.loads((tmp_path / "b" / "estimate.json").read_text()) == result
    # the schedule's cap, checked per unit on the netlist: this tiny model stays within it
    assert result["level_cap"] == report.timing.max_logic_levels
    assert result["units_over_cap"] == {} and result["logic_path"]["units_carry8"]
