"""The example models of models/examples/: each regenerates to the same weights, equals QKeras
at every layer and in `predict` (numpy.array_equal: every output is quantized), and builds;
one also simulates bit-exact (cocotb + GHDL; a `slow` test)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import qmodels
import vhdlgen

EXAMPLES = Path(__file__).resolve().parents[1] / "models" / "examples"
NAMES = ["strided_strips_9x384", "batchnorm_padded"]


def _script():  # noqa: ANN202 - the module models/examples/make_examples.py
    spec = importlib.util.spec_from_file_location("make_examples", EXAMPLES / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _load(name: str):  # noqa: ANN202
    from qkeras.utils import load_qmodel

    return load_qmodel(str(EXAMPLES / f"{name}.h5"), compile=False)


def _inputs(network, seed: int) -> np.ndarray:
    """Sparse hits (the RPC-like case), uniform codes, off-grid reals and the corners."""
    spec = network.graph.input
    hits = (np.random.default_rng(seed).random((150, *spec.shape)) < 0.05).astype(np.float32)
    return np.concatenate([
        hits, qmodels.uniform_inputs(100, seed + 1, spec.fmt, spec.shape, spec.lo, spec.hi),
        qmodels.real_inputs(50, seed + 2, spec.fmt, spec.shape),
        qmodels.corner_inputs(spec.shape, spec.fmt, spec.lo, spec.hi)])


def test_examples_are_the_script_output() -> None:
    """The README lists every example, and make_examples.py rebuilds each with its weights."""
    script = _script()
    assert sorted(script.EXAMPLES) == sorted(NAMES)
    readme = (EXAMPLES / "README.md").read_text()
    for name in NAMES:
        assert f"`{name}.h5`" in readme, name
        shipped, rebuilt = _load(name), script.EXAMPLES[name]()
        assert [layer.name for layer in shipped.layers] == [layer.name for layer in rebuilt.layers]
        for ours, theirs in zip(shipped.weights, rebuilt.weights):
            assert np.array_equal(ours.numpy(), theirs.numpy()), ours.name


@pytest.mark.parametrize("name", NAMES)
def test_example_equals_qkeras_and_builds(name: str, tmp_path: Path) -> None:
    model = _load(name)
    design = vhdlgen.convert(model)
    network = design.network
    x = _inputs(network, seed=len(name))
    qmodels.compare_layers(model, network, x)
    predicted = design.predict(x)
    assert np.array_equal(predicted, model.predict(x, verbose=0, batch_size=4096))
    assert len(np.unique(predicted, axis=0)) > 100  # not a constant output
    report = design.build(tmp_path / name)
    assert report.adders > 1000 and (tmp_path / name / "rtl" / f"{report.top}.vhd").is_file()


@pytest.mark.slow
@pytest.mark.sim
@pytest.mark.parametrize("name", NAMES)
def test_example_simulates_bit_exact(name: str, tmp_path: Path) -> None:
    """Tens of seconds each on a 2-core machine, mostly GHDL's compile: out of the default
    suite, whose rtl_tests stream the same layer kinds (tests/qmodels.py conv_batchnorm,
    padded_pools, strided_pools) through cocotb."""
    design = vhdlgen.convert(_load(name))
    design.build(tmp_path / name)
    x = _inputs(design.network, seed=3)[::3]
    assert np.array_equal(design.simulate(x), design.predict(x))
