"""Design.notes: every note the CLI prints is a structured `vhdlgen.Note` on the Design, emitted
once by `vhdlgen.convert` as a `vhdlgen.VhdlgenWarning`, and the CLI prints the same objects'
text. One test per kind of note, plus the refusal of --input-format for a model with an input
quantizer."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import qmodels
import vhdlgen
from vhdlgen.__main__ import main
from vhdlgen.errors import UserError
from vhdlgen.fixed import FixedType
from vhdlgen.frontend.float32 import output_bound


def plain_float(seed: int = 41):
    """A plain Keras model, no QKeras at all: Dense(6, relu) -> Dense(2) on 8 inputs."""
    from tensorflow import keras

    inp = keras.layers.Input((8,), name="features")
    x = keras.layers.Dense(6, activation="relu", name="hidden")(inp)
    x = keras.layers.Dense(2, name="head")(x)
    model = keras.Model(inp, x, name="plain_float")
    qmodels.randomize(model, seed)
    return model


def converted(model, **options) -> tuple[vhdlgen.Design, list[warnings.WarningMessage]]:
    """convert() with every warning recorded (this file is the place they point at)."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        design = vhdlgen.convert(model, **options)
    return design, [w for w in record if issubclass(w.category, vhdlgen.VhdlgenWarning)]


def check_warned(design: vhdlgen.Design, record: list[warnings.WarningMessage]) -> None:
    """Each note warned exactly once, carrying the note itself, attributed to the caller."""
    assert [w.message.note for w in record] == list(design.notes)
    assert [str(w.message) for w in record] == [note.text for note in design.notes]
    assert all(w.filename == __file__ for w in record), [w.filename for w in record]


def test_plain_float_model_notes_its_assumed_input_format_and_float_bound() -> None:
    """A plain float Keras model builds with the default ufixed<2,1> input: a note says so,
    and another gives the float layers' bound, which holds against Keras."""
    model = plain_float()
    design, record = converted(model)
    check_warned(design, record)
    assert [note.kind for note in design.notes] == ["input_format", "float_layers"]
    assumed, floats = design.notes
    assert (assumed.layer, assumed.bound) == ("features", None)
    assert "no input quantizer" in assumed.text and "ufixed<2,1>" in assumed.text
    assert "0 to 1.5 in steps of 0.5" in assumed.text
    assert floats.layer == "hidden" and "'hidden', 'head'" in floats.text
    x = qmodels.uniform_inputs(400, 3, FixedType.parse("ufixed<2,1>"), shape=(8,))
    error = np.abs(design.predict(x) - model.predict(x, verbose=0))
    assert floats.bound == output_bound(design.network.graph)
    assert np.all(error <= floats.bound) and error.max() > 0


def test_given_input_format_is_not_noted() -> None:
    design, record = converted(plain_float(), input_format="fixed<6,2>")
    assert [note.kind for note in design.notes] == ["float_layers"] and len(record) == 1
    assert design.network.graph.input.fmt == FixedType.parse("fixed<6,2>")


def test_qkeras_float32_notes_name_the_layer_and_bound() -> None:
    """A float bias QKeras rounds in float32: the note's bound holds against Keras and is the
    number its text prints; a sum landing on a tie has no bound, and says where."""
    model = qmodels.float_bias(activation=False)
    design, record = converted(model)
    check_warned(design, record)
    (note,) = design.notes
    assert (note.kind, note.layer) == ("qkeras_float32", "fc_fb") and "float bias" in note.text
    x = np.concatenate(list(qmodels.input_sets("", design.network, n=300).values()))
    error = np.abs(design.predict(x) - model.predict(x, verbose=0).reshape(len(x), -1))
    assert np.all(error <= note.bound) and error.max() > 0
    assert f"by up to {note.bound:.3g};" in note.text
    (tie,) = converted(qmodels.bias_near_tie())[0].notes
    assert (tie.kind, tie.layer, tie.bound) == ("qkeras_float32", "fc", None)
    assert "tie of 'fc_q'" in tie.text


def test_saturating_output_format_is_noted() -> None:
    design, record = converted(qmodels.dense_only(n_in=6), output_format="fixed<4,1>")
    check_warned(design, record)
    assert [note.kind for note in design.notes] == ["float_layers", "output_format"]
    note = design.notes[1]
    assert note.layer == "output_format" and "SATURATES" in note.text and note.bound > 0
    exact = converted(qmodels.dense_only(n_in=6))[0]
    wide = exact.network.graph.output  # the full-precision range vs fixed<4,1>: -1 to 0.875
    lo, hi = wide.lo * 2.0**-wide.fmt.frac, wide.hi * 2.0**-wide.fmt.frac
    assert note.bound == max(-1 - lo, hi - 0.875)


def test_notes_are_warned_once_not_again_by_predict_or_build(tmp_path) -> None:
    design, record = converted(qmodels.no_input_quant())
    assert [note.kind for note in design.notes] == ["input_format", "float_layers"]
    check_warned(design, record)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning from here on fails the test
        design.predict(np.zeros((2, 9, 16, 1)))
        design.build(tmp_path / "b")


def test_cli_prints_the_same_notes(tmp_path, capsys) -> None:
    """predict prints each note of the Design (one text), inspect lists them, nothing warns."""
    model = plain_float()
    path = qmodels.save_h5(model, tmp_path)
    np.save(tmp_path / "x.npy", np.zeros((3, 8)))
    design = converted(path)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main(["predict", "--model", str(path), "--input", str(tmp_path / "x.npy"),
                     "--output", str(tmp_path / "y.npy")]) == 0
        err = capsys.readouterr().err
        assert err.splitlines() == [f"vhdlgen predict: note: {n.text}" for n in design.notes]
        assert main(["inspect", "--model", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"note: {design.notes[0].text}" in out and f"  - {design.notes[1].text}" in out


def test_input_format_is_refused_for_a_model_with_an_input_quantizer(tmp_path, capsys) -> None:
    """The quantizer sets the input format: --input-format is refused, naming both, in the
    API and on the command line (it was silently ignored)."""
    model = qmodels.dense_only(n_in=6)
    message = ("--input-format ufixed<3,1> (input_format=) was given, but the model has an input "
               "quantizer, 'in_q' = quantized_bits(4,0")
    with pytest.raises(UserError, match=re.escape(message)) as info:
        vhdlgen.convert(model, input_format="ufixed<3,1>")
    assert "which makes its input format fixed<4,1>" in str(info.value)
    assert "applies only to models without one" in str(info.value)
    path = qmodels.save_h5(model, tmp_path)
    assert main(["inspect", "--model", str(path), "--input-format", "ufixed<3,1>"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vhdlgen inspect: error: --input-format ufixed<3,1>") and \
        err.count("\n") == 1
    assert main(["inspect", "--model", str(path)]) == 0  # without it: fine


def test_a_warning_rebuilt_from_its_text_keeps_the_text() -> None:
    """pytest-xdist sends a warning to the main process as its class and message arguments."""
    rebuilt = vhdlgen.VhdlgenWarning("vhdlgen quantizes the unquantized layer 'x'")
    assert str(rebuilt) == "vhdlgen quantizes the unquantized layer 'x'"
    assert rebuilt.note is None
