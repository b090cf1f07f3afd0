"""User errors: one clear message naming every problem, a non-zero exit, never a traceback.

- A model full of unsupported constructs (BatchNormalization over a non-channel axis, LSTM, Conv2D padding='same',
  strides=2, MaxPooling2D, Dropout, Reshape, quantized_tanh, alpha='auto', a non-power-of-two
  alpha, stochastic rounding, a leaky quantized_relu) raises ONE UserError that names every
  offending layer; through `python -m vhdlgen inspect` (a subprocess) it exits non-zero with that
  message and no traceback.
- Branching models, missing files, wrong file types, unreadable files, inputs not representable
  in the input format, wrong input shapes, non-finite inputs, bad --input-format strings.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import qmodels
from vhdlgen.__main__ import main
from vhdlgen.errors import UserError
from vhdlgen.frontend import graph_from_keras
from vhdlgen.network import Network, load

ROOT = Path(__file__).resolve().parents[1]

# offending layer name -> words its problem line must contain
OFFENDERS = {
    "conv_same_auto": ["alpha='auto'"],
    "bn": ["BatchNormalization", "QConv2DBatchnorm"],
    "avg3": ["averages over 3 elements"],
    "tanh_q": ["quantized_tanh"],
    "leaky_q": ["negative_slope"],
    "dense_stoch": ["use_stochastic_rounding"],
    "dense_alpha": ["alpha=0.3"],
    "lstm": ["LSTM"],
}
FINE = ["flat", "head", "conv_stride", "pool", "drop", "reshape"]  # supported since #12


def bad_model():
    from qkeras import QActivation, QConv2D, QDense, quantized_bits, quantized_relu, quantized_tanh
    from tensorflow import keras

    inp = keras.layers.Input((9, 16, 1))
    x = QConv2D(2, (3, 3), padding="same", name="conv_same_auto",
                kernel_quantizer=quantized_bits(4, 0, 1, alpha="auto"))(inp)
    x = keras.layers.BatchNormalization(axis=1, name="bn")(x)  # not the channels axis
    x = keras.layers.Conv2D(2, (3, 3), strides=2, name="conv_stride")(x)
    x = keras.layers.MaxPooling2D(name="pool")(x)
    x = keras.layers.AveragePooling2D((1, 3), name="avg3")(x)
    x = keras.layers.Dropout(0.1, name="drop")(x)
    x = QActivation(quantized_tanh(4), name="tanh_q")(x)
    x = QActivation(quantized_relu(4, negative_slope=0.25), name="leaky_q")(x)
    x = keras.layers.Flatten(name="flat")(x)
    x = QDense(8, kernel_quantizer=quantized_bits(4, 0, 1, use_stochastic_rounding=True),
               name="dense_stoch")(x)
    x = QDense(8, kernel_quantizer=quantized_bits(4, 0, 1, alpha=0.3), name="dense_alpha")(x)
    x = keras.layers.Reshape((8, 1), name="reshape")(x)
    x = keras.layers.LSTM(4, name="lstm")(x)
    x = keras.layers.Dense(2, name="head")(x)
    return keras.Model(inp, x, name="bad")


def check_message(text: str) -> None:
    problem_lines = [line for line in text.splitlines() if line.startswith("  - layer ")]
    for name, words in OFFENDERS.items():
        lines = [line for line in problem_lines if f"'{name}'" in line]
        assert lines, f"layer {name!r} not named in:\n{text}"
        for word in words:
            assert any(word in line for line in lines), (name, word, lines)
    for name in FINE:
        assert not any(f"'{name}'" in line for line in problem_lines), name
    assert "Supported:" in text and "Quantizers:" in text


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """bad.h5, a valid model without input quantizer, inputs, and a junk .h5."""
    root = tmp_path_factory.mktemp("errors")
    out = {
        "bad": qmodels.save_h5(bad_model(), root, "bad"),
        "good": qmodels.save_h5(qmodels.MODELS["no_input_quant"](), root, "good"),
        "student": qmodels.save_h5(qmodels.MODELS["student2"](), root, "student"),
        "junk": root / "junk.h5",
        "text": root / "model.txt",
        "x_ok": root / "x_ok.npy",
        "x_offgrid": root / "x_offgrid.npy",
        "x_shape": root / "x_shape.npy",
        "x_nan": root / "x_nan.npy",
        "x_pickle": root / "x_pickle.npy",
    }
    out["junk"].write_bytes(b"\x89HDF\r\n not really an hdf5 file")
    out["text"].write_text("not a model\n")
    x = qmodels.sparse_hits(4, 0)
    np.save(out["x_ok"], x)
    offgrid = x.copy()
    offgrid[2, 3, 4, 0] = 0.25
    np.save(out["x_offgrid"], offgrid)
    np.save(out["x_shape"], x[:, :, :15])
    nan = x.copy()
    nan[1, 0, 0, 0] = np.nan
    np.save(out["x_nan"], nan)
    np.save(out["x_pickle"], np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return out


def test_one_error_names_every_offending_layer() -> None:
    with pytest.raises(UserError) as info:
        graph_from_keras(bad_model())
    check_message(str(info.value))


def test_cli_bad_model_subprocess(files) -> None:
    """The real command line: non-zero exit, the full message on stderr, no traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "vhdlgen", "inspect", "--model", str(files["bad"])],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.startswith("vhdlgen inspect: error:")
    check_message(result.stderr)


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """main() in-process (TensorFlow is already imported): exit code, stdout, stderr."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exit_:  # argparse usage errors
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("argv, words", [
    (["inspect", "--model", "{missing}"], ["model not found", "no_such.h5"]),
    (["inspect", "--model", "{text}"], ["unknown file type", "'.txt'"]),
    (["inspect", "--model", "{junk}"], ["cannot read model", "junk.h5"]),
    (["inspect", "--model", "{good}", "--input-format", "fixed<8>"],
     ["cannot parse fixed-point format", "'fixed<8>'"]),
    (["inspect", "--model", "{good}", "--input-format", "ufixed<0,0>"], ["width"]),
    (["inspect", "--model", "{good}", "--float-weight-bits", "1"], ["--float-weight-bits 1"]),
    (["predict", "--model", "{good}", "--input", "{x_offgrid}", "--output", "{out}"],
     ["0.25", "index (2, 3, 4, 0)", "ufixed<2,1>", "not exactly representable"]),
    (["predict", "--model", "{good}", "--input", "{x_shape}", "--output", "{out}"],
     ["shape (4, 9, 15, 1)", "(N, 9, 16, 1)"]),
    (["predict", "--model", "{student}", "--input", "{x_nan}", "--output", "{out}"],
     ["nan", "index (1, 0, 0, 0)"]),
    (["predict", "--model", "{good}", "--input", "{x_missing}", "--output", "{out}"],
     ["input file not found"]),
    (["predict", "--model", "{good}", "--input", "{x_pickle}", "--output", "{out}"],
     ["cannot read", "x_pickle.npy"]),
    (["inspect", "--model", "{bad}"], ["'lstm'", "'bn'", "'conv_same_auto'"]),
])
def test_cli_user_errors(argv, words, files, capsys, tmp_path) -> None:
    paths = {**{k: str(v) for k, v in files.items()}, "missing": str(tmp_path / "no_such.h5"),
             "x_missing": str(tmp_path / "none.npy"), "out": str(tmp_path / "y.npy")}
    code, out, err = run_cli([a.format(**paths) for a in argv], capsys)
    assert code != 0 and code is not None
    assert "Traceback" not in out + err
    for word in words:
        assert word in err, (word, err)
    assert not (tmp_path / "y.npy").exists()  # nothing written on error


def test_branching_model_rejected() -> None:
    from tensorflow import keras

    inp = keras.layers.Input((4,))
    a = keras.layers.Dense(3, name="a")(inp)
    b = keras.layers.Dense(3, name="b")(inp)
    out = keras.layers.Add(name="merge")([a, b])
    with pytest.raises(UserError, match="straight chain"):
        graph_from_keras(keras.Model(inp, out))


def test_variable_input_shape_rejected() -> None:
    from tensorflow import keras

    inp = keras.layers.Input((None, 16, 1))
    out = keras.layers.Conv2D(1, (3, 3))(inp)
    with pytest.raises(UserError, match="input shape"):
        graph_from_keras(keras.Model(inp, out))


def test_network_input_errors_in_python() -> None:
    network = Network(graph_from_keras(qmodels.MODELS["no_input_quant"]()))
    with pytest.raises(UserError, match="not exactly representable"):
        network.predict(np.full((1, 9, 16, 1), 2.0))  # ufixed<2,1> max is 1.5
    with pytest.raises(UserError, match="shape"):
        network.predict(np.zeros((1, 9, 16)))
    assert network.predict(np.full((1, 9, 16, 1), 1.5)).shape == (1, 2)
    with pytest.raises(UserError, match=r"shape \(0, 9, 16, 1\): no vectors"):
        network.predict(np.zeros((0, 9, 16, 1)))
    with pytest.raises(UserError, match="dtype complex128; accepted: real numbers"):
        network.predict(np.zeros((1, 9, 16, 1), dtype=complex))
    with pytest.raises(UserError, match="dtype object"):
        network.predict(np.empty((1, 9, 16, 1), dtype=object))


def test_keras_v3_file_refused_at_once(tmp_path) -> None:
    """A .keras file is refused before TensorFlow is asked (its loader can hang on them)."""
    model = tmp_path / "model.keras"
    model.write_bytes(b"PK\x03\x04 not loaded")
    with pytest.raises(UserError, match=r"\.keras format is not supported.*model\.save\('model\.h5'\)"):
        load(model)
