"""The command line: `predict` writes exactly the reference outputs (== QKeras for a quantized
output model, bit for bit), `inspect` prints every layer, its format, code range and the
parameter count (1,032 for the reference student)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import qmodels
import vhdlgen
from vhdlgen.__main__ import main
from vhdlgen.fixed import FixedType
from vhdlgen.frontend import Options

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    """Save models and inputs, then run the real CLI, both commands concurrently."""
    root = tmp_path_factory.mktemp("cli")
    qout = qmodels.MODELS["student4_qout"]()
    student = qmodels.MODELS["student4"]()
    files = {"qout": qmodels.save_h5(qout, root, "qout"),
             "student": qmodels.save_h5(student, root, "student"),
             "x": root / "x.npy", "y": root / "y.npy"}
    x = np.concatenate([qmodels.sparse_hits(500, 1), qmodels.uniform_inputs(300, 2, FixedType.parse("ufixed<2,1>")),
                        qmodels.real_inputs(200, 3, FixedType.parse("ufixed<2,1>"))])
    np.save(files["x"], x)
    commands = {
        "predict": ["predict", "--model", files["qout"], "--input", files["x"], "--output", files["y"]],
        "inspect": ["inspect", "--model", files["student"]],
    }
    procs = {name: subprocess.Popen([sys.executable, "-m", "vhdlgen", *map(str, argv)], cwd=ROOT,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name, argv in commands.items()}
    results = {name: (p.wait(timeout=300), *p.communicate()) for name, p in procs.items()}
    return {"files": files, "x": x, "qout": qout, "student": student, "results": results}


def test_predict_writes_exact_reference_equal_to_qkeras(runs) -> None:
    code, out, err = runs["results"]["predict"]
    assert code == 0, err
    assert "wrote" in out and "exact" in out
    y = np.load(runs["files"]["y"])
    expected = vhdlgen.load(runs["files"]["qout"]).predict(runs["x"])
    assert y.dtype == np.float64 and y.shape == (len(runs["x"]), 2)
    assert np.array_equal(y, expected)
    keras = runs["qout"].predict(runs["x"], verbose=0, batch_size=4096)
    assert np.array_equal(y, keras)  # quantized output: bit for bit, no tolerance
    assert len(np.unique(y)) > 50  # a real spread of outputs, not a constant


def test_inspect_student(runs) -> None:
    code, out, err = runs["results"]["inspect"]
    assert code == 0, err
    network = vhdlgen.load(runs["files"]["student"])
    graph = network.graph
    assert graph.parameter_count == 1032
    assert "parameters: 1032;" in out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("layer"))
    rows = {line.split()[0]: line for line in lines[header + 2:] if line.strip() and ":" not in line.split()[0]}
    assert rows[graph.input.name].split()[1] == "Input" and "ufixed<2,1>" in rows[graph.input.name]
    assert "input_quant" in rows[graph.input.name]
    for layer, tensor in zip(graph.layers, graph.tensors):
        row = rows[layer.name]
        assert str(tensor.fmt) in row and f"[{tensor.lo}, {tensor.hi}]" in row, row
        assert type(layer).__name__ in row
    assert re.search(r"output\s.*float layer quantized by vhdlgen \(\|error\| <= ", rows["output"])
    for name, params in [("conv1", 10), ("conv3", 60), ("conv4", 330), ("dense1", 490),
                         ("dense2", 110), ("output", 22)]:
        assert f" {params} " in rows[name], rows[name]
    assert f"output: (2,) {graph.output.fmt}" in out


def test_predict_input_format_option(tmp_path, capsys) -> None:
    """--input-format for a model without input quantizer: finer inputs accepted, outputs equal
    vhdlgen.load(model, Options(input_format=...)).predict."""
    model = qmodels.MODELS["no_input_quant"]()
    path = qmodels.save_h5(model, tmp_path, "m")
    fmt = FixedType.parse("ufixed<3,1>")
    x = qmodels.uniform_inputs(300, 5, fmt)
    np.save(tmp_path / "x.npy", x)
    argv = ["predict", "--model", str(path), "--input", str(tmp_path / "x.npy"),
            "--output", str(tmp_path / "y.npy"), "--input-format", "ufixed<3,1>"]
    assert main(argv) == 0
    y = np.load(tmp_path / "y.npy")
    assert np.array_equal(y, vhdlgen.load(path, Options(input_format=fmt)).predict(x))
    assert not np.array_equal(x, np.round(x * 2) / 2)  # really off the default 0.5 grid
    assert main(argv[:-2]) == 2  # the default ufixed<2,1> rejects those inputs
    assert "not exactly representable" in capsys.readouterr().err


def test_predict_reads_a_dataset_npz_and_creates_the_output_folder(tmp_path, capsys) -> None:
    """`predict --input` takes the .npz that `dataset` writes (its x) and writes into a folder
    that does not exist yet; the outputs equal predict on the same x as a .npy."""
    assert main(["dataset", "--events", "40", "--seed", "5", "--out", str(tmp_path / "d.npz")]) == 0
    model = ROOT / "models" / "student_4bit.h5"
    out = tmp_path / "new" / "folder" / "y.npy"
    assert main(["predict", "--model", str(model), "--input", str(tmp_path / "d.npz"),
                 "--output", str(out)]) == 0
    with np.load(tmp_path / "d.npz") as data:
        expected = vhdlgen.load(model).predict(data["x"])
    assert np.array_equal(np.load(out), expected)


@pytest.mark.parametrize("content, message", [
    ({"a": np.zeros(3)}, "holds a but no array x"),
    (None, "cannot read"),
])
def test_predict_input_errors_name_what_is_accepted(tmp_path, capsys, content, message) -> None:
    bad = tmp_path / "bad.npz"
    if content is None:
        bad.write_bytes(b"not an array")
    else:
        np.savez(bad, **content)
    code = main(["predict", "--model", str(ROOT / "models" / "student_4bit.h5"),
                 "--input", str(bad), "--output", str(tmp_path / "y.npy")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "from `vhdlgen dataset`" in err
    assert "Traceback" not in err


def test_predict_unwritable_output_is_one_message(tmp_path, capsys) -> None:
    x = tmp_path / "x.npy"
    np.save(x, np.zeros((2, 9, 16, 1)))
    code = main(["predict", "--model", str(ROOT / "models" / "student_4bit.h5"),
                 "--input", str(x), "--output", "/proc/vhdlgen_test/y.npy"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot write /proc/vhdlgen_test/y.npy" in err
