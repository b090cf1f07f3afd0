"""Keras model definitions: the VGG-like teacher, the float student and the QKeras students.

All models take the (9, 16, 1) fragment (values {0, 0.5, 1}) and return 2 outputs. During training
the outputs are the *scaled* labels (see ``labels.py``); ``fold_output_scaling`` folds the scaling
into the last Dense layer so that saved models return [pT in GeV, local eta] directly.

The quantized student uses only InputLayer, QActivation, QConv2D, QDense, Flatten and Dense: the
layer vocabulary of the vhdlgen frontend.
"""
from __future__ import annotations

import numpy as np

INPUT_SHAPE: tuple[int, int, int] = (9, 16, 1)
#: Student layer names whose outputs feed the three distillation hints (after conv 2, conv 4 and
#: dense 2, each after its ReLU) and the matching teacher layer names.
STUDENT_HINTS: tuple[str, str, str] = ("relu2", "relu4", "relu6")
TEACHER_HINTS: tuple[str, str, str] = ("pool1", "pool2", "relu_d2")
STUDENT_PARAMS: int = 1032
TEACHER_PARAMS: int = 10655


def input_quantizer():  # noqa: ANN201 - a qkeras quantizer
    """ufixed<2,1> input: values {0, 0.5, 1, 1.5}; passes the fragment values unchanged."""
    from qkeras import quantized_bits

    return quantized_bits(2, 1, keep_negative=False)


def build_teacher():  # noqa: ANN201 - a keras Model
    """VGG-like teacher, 'same' padding: 10,655 parameters on 9x16."""
    from tensorflow import keras
    from tensorflow.keras import layers as L

    inp = keras.Input(INPUT_SHAPE, name="input")
    x = L.Conv2D(10, 3, padding="same", activation="relu", name="conv1")(inp)
    x = L.Conv2D(10, 3, padding="same", activation="relu", name="conv2")(x)
    x = L.MaxPooling2D((1, 2), name="pool1")(x)
    for i in (3, 4, 5):
        x = L.Conv2D(17, 3, padding="same", activation="relu", name=f"conv{i}")(x)
    x = L.MaxPooling2D((2, 2), name="pool2")(x)
    x = L.Flatten(name="flatten")(x)
    x = L.Dense(10, activation="relu", name="dense1")(x)
    x = L.Dense(10, name="dense2")(x)
    x = L.Activation("relu", name="relu_d2")(x)
    out = L.Dense(2, name="output")(x)
    return keras.Model(inp, out, name="teacher")


def build_student(bits: int | None):  # noqa: ANN201 - a keras Model
    """The 1,032-parameter student; ``bits`` None gives the float (plain Keras) student.

    Quantized: input_quant -> conv1..conv4 (1, 1, 6, 6 filters, 3x3 'valid') each followed by a
    ReLU QActivation -> flatten (48) -> dense1, dense2 (10 each, ReLU) -> float Dense(2) "output".
    Kernels quantized_bits(n,0,symmetric=1,alpha='auto_po2'), biases quantized_bits(n,0,
    symmetric=1), activations quantized_relu(n).
    """
    from tensorflow import keras
    from tensorflow.keras import layers as L

    inp = keras.Input(INPUT_SHAPE, name="input")
    filters = (1, 1, 6, 6)
    if bits is None:
        x = inp
        for i, f in enumerate(filters, 1):
            x = L.Conv2D(f, 3, padding="valid", name=f"conv{i}")(x)
            x = L.Activation("relu", name=f"relu{i}")(x)
        x = L.Flatten(name="flatten")(x)
        for i in (1, 2):
            x = L.Dense(10, name=f"dense{i}")(x)
            x = L.Activation("relu", name=f"relu{4 + i}")(x)
        return keras.Model(inp, L.Dense(2, name="output")(x), name="student_float")

    from qkeras import QActivation, QConv2D, QDense, quantized_bits, quantized_relu

    def kq():  # noqa: ANN202
        return quantized_bits(bits, 0, symmetric=1, alpha="auto_po2")

    def bq():  # noqa: ANN202
        return quantized_bits(bits, 0, symmetric=1)

    x = QActivation(input_quantizer(), name="input_quant")(inp)
    for i, f in enumerate(filters, 1):
        x = QConv2D(f, (3, 3), padding="valid", kernel_quantizer=kq(), bias_quantizer=bq(),
                    name=f"conv{i}")(x)
        x = QActivation(quantized_relu(bits), name=f"relu{i}")(x)
    x = L.Flatten(name="flatten")(x)
    for i in (1, 2):
        x = QDense(10, kernel_quantizer=kq(), bias_quantizer=bq(), name=f"dense{i}")(x)
        x = QActivation(quantized_relu(bits), name=f"relu{4 + i}")(x)
    out = L.Dense(2, name="output")(x)
    return keras.Model(inp, out, name=f"student_{bits}bit")


def fold_output_scaling(model, scale: np.ndarray, offset: np.ndarray) -> None:  # noqa: ANN001
    """Make the last Dense return ``scale * y + offset`` instead of ``y`` (in place).

    scale, offset: (2,) arrays. Exact in float: W' = W * scale (per output column),
    b' = b * scale + offset.
    """
    layer = model.get_layer("output")
    kernel, bias = layer.get_weights()
    layer.set_weights([kernel * scale[None, :], bias * scale + offset])
