"""The mismatch diagnosis: a corrupted constant in ONE generated layer file is caught, at the right
vector, and blamed on exactly that layer (in Python and through the CLI, which exits non-zero).

The corruption lowers the saturation limit (out_max of `requantize`) of one neuron of the middle
layer unit `dense1` of a 2-bit student by one: the values stay inside every declared integer
range (so GHDL's range checks do not fire) and the effect is exactly reproducible in NumPy, so the
test knows every corrupted output in advance, hence the exact first mismatching vector. The build
is simulated clean first, so the corrupted run also proves that editing a source re-runs GHDL's
analysis (no stale compiled design).

A corrupted bias literal (the constant folded into an adder tree) instead leaves its declared
integer range, so GHDL stops at a bound check failure naming the file and line: `simulate` must
turn that into a clear error naming the layer file (a UserError; the CLI exits non-zero with the
message, no traceback).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import qmodels
from vhdlgen import reference
from vhdlgen.fixed import FixedType

pytestmark = pytest.mark.sim

ROOT = Path(__file__).resolve().parents[1]
MODEL, TOP, UNIT = "student2", "diag", "dense1"
# requantize(acc, acc_width, shift, out_min, out_max[, sum_tie(a, b, shift)]): out_max is group 2
REQUANT = r"^(\s*{signal}(?:_q)? (?:<=|:=) requantize\(\w+, \d+, \d+, -?\d+, )(-?\d+)((?:, \w+\([^)]*\))?\);)$"


def corrupted_outputs(network, unit: dict, codes: np.ndarray, neuron: int, limit: int):
    """Reference outputs when `neuron` of `unit` saturates at `limit` instead of its maximum."""
    layers = list(network.graph.layers)
    last = next(i for i, layer in enumerate(layers) if layer.name == unit["source_layers"][-1])
    y = network.trace_codes(codes)[layers[last].name].copy()
    y[:, neuron] = np.minimum(y[:, neuron], limit)
    out = reference.run(layers[last + 1:], y)[-1] if layers[last + 1:] else y
    return np.asarray(out).reshape(len(codes), -1)


@pytest.fixture(scope="module")
def corrupted(tmp_path_factory, require_ghdl):
    """Build, simulate clean, corrupt dense1 (the neuron whose corruption shows most), simulate."""
    from vhdlgen.frontend import graph_from_keras
    from vhdlgen.network import Network
    from vhdlgen.rtl.build import BuildOptions, build
    from vhdlgen.sim.verify import simulate

    root = tmp_path_factory.mktemp("diagnosis")
    graph = graph_from_keras(qmodels.MODELS[MODEL](), source=f"{MODEL}.h5", source_hash="0" * 64)
    # binary adders: the corruption below edits the integer form's requantize call (the
    # diagnosis of the dataflow form's units is test_stream's probe of the default students)
    report = build(graph, root / TOP, BuildOptions(top=TOP, adder_inputs=2)).data
    network = Network(graph)
    x = np.concatenate([qmodels.sparse_hits(500, 21),
                        qmodels.uniform_inputs(300, 22, FixedType.parse("ufixed<2,1>"))])
    codes = network.input_codes(x)
    clean = simulate(root / TOP, x)

    unit = next(layer for layer in report["layers"] if layer["name"] == UNIT)
    max_code = (1 << unit["output"]["element_width"]) - 1
    clean_ref = network.predict_codes(codes)
    changed = [np.any(corrupted_outputs(network, unit, codes, j, max_code - 1) != clean_ref, axis=1)
               for j in range(unit["output"]["elements"])]
    neuron = int(np.argmax([c.sum() for c in changed]))
    assert changed[neuron].any(), "no neuron of dense1 saturates on these inputs"
    expected = corrupted_outputs(network, unit, codes, neuron, max_code - 1)

    path = root / TOP / "rtl" / f"{unit['entity']}.vhd"
    shutil.copytree(root / TOP, root / "clean", ignore=shutil.ignore_patterns("sim"))
    text = path.read_text()
    pattern = re.compile(REQUANT.format(signal=f"y_{neuron}"), re.MULTILINE)
    matches = pattern.findall(text)
    assert len(matches) == 1 and int(matches[0][1]) == max_code, (
        f"expected one requantize of y_{neuron} saturating at {max_code} in {path.name}")
    path.write_text(pattern.sub(lambda m: f"{m[1]}{int(m[2]) - 1}{m[3]}", text))
    verdict = simulate(root / TOP, x)
    return {"dir": root / TOP, "clean_dir": root / "clean", "unit": unit, "x": x, "clean": clean, "verdict": verdict, "expected": expected,
            "first": int(np.flatnonzero(changed[neuron])[0]), "report": report}


def test_clean_build_is_exact(corrupted) -> None:
    clean = corrupted["clean"]
    assert clean.exact and clean.first_mismatch is None and clean.diverging_layer is None


def test_corruption_found_at_first_vector_and_layer(corrupted) -> None:
    verdict = corrupted["verdict"]
    assert not verdict.exact
    # the RTL computes exactly what the corruption predicts, everywhere (so it was recompiled)
    assert np.array_equal(verdict.rtl_codes, corrupted["expected"])
    assert verdict.first_mismatch == corrupted["first"]
    assert verdict.diverging_layer == UNIT
    assert verdict.latency == verdict.expected_latency


def test_cli_simulate_exits_nonzero_naming_vector_and_layer(corrupted, tmp_path) -> None:
    np.save(tmp_path / "x.npy", corrupted["x"])
    proc = subprocess.run(
        [sys.executable, "-m", "vhdlgen", "simulate", "--build", str(corrupted["dir"]),
         "--input", str(tmp_path / "x.npy"), "--output", str(tmp_path / "y.npy")],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"at vector {corrupted['first']};" in proc.stderr, proc.stderr
    assert re.search(rf"diverging layer: {UNIT}\b", proc.stderr), proc.stderr
    assert "Traceback" not in proc.stderr
    y = np.load(tmp_path / "y.npy")
    assert len(y) == len(corrupted["x"])


def test_out_of_range_bias_is_a_clear_error_naming_the_layer(corrupted, tmp_path) -> None:
    from vhdlgen.errors import UserError
    from vhdlgen.sim.verify import simulate

    build = tmp_path / "bias"
    shutil.copytree(corrupted["clean_dir"], build)
    path = build / "rtl" / f"{corrupted['unit']['entity']}.vhd"
    text, count = re.subn(r"^(\s*\w+ := \w+ \+ )(\d+)(;)$",
                          lambda m: f"{m[1]}{int(m[2]) - 1}{m[3]}", path.read_text(), count=1,
                          flags=re.MULTILINE)
    assert count == 1, f"no `v := a + <bias>;` line in {path.name}"
    path.write_text(text)
    x = corrupted["x"][:50]
    try:
        simulate(build, x)
    except UserError as error:
        message = str(error)
    except BaseException as error:  # noqa: BLE001 - what escapes is the finding
        pytest.fail(f"simulate let {type(error).__name__}({error}) escape instead of a UserError "
                    "naming the failing layer (cocotb's runner.test calls sys.exit when the "
                    "simulator fails; vhdlgen.sim.runner._run never reaches its own error)",
                    pytrace=False)
    else:
        pytest.fail("a bias outside its declared range simulated without error")
    assert "bound check" in message and path.name in message, message[-1500:]
    np.save(tmp_path / "x.npy", x)
    proc = subprocess.run(
        [sys.executable, "-m", "vhdlgen", "simulate", "--build", str(build),
         "--input", str(tmp_path / "x.npy"), "--output", str(tmp_path / "y.npy")],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0 and path.name in proc.stderr, proc.stderr[-1500:]
    assert "Traceback" not in proc.stderr
