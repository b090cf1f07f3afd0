"""Keras model definitions: the VGG-like teacher, the float student and the QKeras students.

All models take the (9, 16, 1) fragment (values {0, 0.5, 1}) and return 2 outputs. During training
the outputs are the *scaled* labels (see ``labels.py``); ``fold_output_scaling`` folds the scaling
into the last Dense layer so that saved models return [pT in GeV, local eta] directly.

The quantized student uses only InputLayer, QActivation, QConv2D, QDense, Flatten and Dense; the
quantized teacher (``build_teacher(bits)``, ``train --teacher --bits 5``) adds 'same' padding and
MaxPooling2D.
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
#: Conv filter counts of the teacher (conv1..conv5).
TEACHER_FILTERS: tuple[int, ...] = (10, 10, 17, 17, 17)


def input_quantizer():  # noqa: ANN201 - a qkeras quantizer
    """ufixed<2,1> input: values {0, 0.5, 1, 1.5}; passes the fragment values unchanged."""
    from qkeras import quantized_bits

    return quantized_bits(2, 1, keep_negative=False)


def build_teacher(bits: int | None = None, width: float = 1.0):  # noqa: ANN201 - a keras Model
    """VGG-like teacher, 'same' padding: 10,655 parameters on 9x16.

    Conv 10, Conv 10, MaxPool (1,2), Conv 17 x3, MaxPool (2,2), Dense 10, Dense 10, Dense 2.
    ``bits`` None: the float teacher (plain Keras). ``bits`` n: the quantized teacher, quantized
    as the students are (ufixed<2,1> input quantizer "input_quant", QConv2D/QDense kernels
    quantized_bits(n,0,1,alpha='auto_po2'), biases quantized_bits(n,0,1), each followed by a
    quantized_relu(n) QActivation "relu1".."relu5", "relu_d1", "relu_d2", float Dense(2)
    "output"). Layers with weights have the float teacher's names, so ``--init-from`` a float
    teacher works. ``width`` scales every conv filter count (bench/bench_scaling.py).
    """
    from tensorflow import keras
    from tensorflow.keras import layers as L

    filters = [max(1, round(f * width)) for f in TEACHER_FILTERS]
    inp = keras.Input(INPUT_SHAPE, name="input")
    if bits is None:
        x = L.Conv2D(filters[0], 3, padding="same", activation="relu", name="conv1")(inp)
        x = L.Conv2D(filters[1], 3, padding="same", activation="relu", name="conv2")(x)
        x = L.MaxPooling2D((1, 2), name="pool1")(x)
        for i in (3, 4, 5):
            x = L.Conv2D(filters[i - 1], 3, padding="same", activation="relu", name=f"conv{i}")(x)
        x = L.MaxPooling2D((2, 2), name="pool2")(x)
        x = L.Flatten(name="flatten")(x)
        x = L.Dense(10, activation="relu", name="dense1")(x)
        x = L.Dense(10, name="dense2")(x)
        x = L.Activation("relu", name="relu_d2")(x)
        out = L.Dense(2, name="output")(x)
        return keras.Model(inp, out, name="teacher")

    from qkeras import QActivation, QConv2D, QDense, quantized_bits, quantized_relu

    def kq():  # noqa: ANN202
        return quantized_bits(bits, 0, 1, alpha="auto_po2")

    def bq():  # noqa: ANN202
        return quantized_bits(bits, 0, 1)

    x = QActivation(input_quantizer(), name="input_quant")(inp)
    for i, f in enumerate(filters, 1):
        x = QConv2D(f, 3, padding="same", kernel_quantizer=kq(), bias_quantizer=bq(),
                    name=f"conv{i}")(x)
        x = QActivation(quantized_relu(bits), name=f"relu{i}")(x)
        if i in (2, 5):
            x = L.MaxPooling2D((1, 2) if i == 2 else (2, 2), name=f"pool{i // 2}")(x)
    x = L.Flatten(name="flatten")(x)
    for i in (1, 2):
        x = QDense(10, kernel_quantizer=kq(), bias_quantizer=bq(), name=f"dense{i}")(x)
        x = QActivation(quantized_relu(bits), name=f"relu_d{i}")(x)
    out = L.Dense(2, name="output")(x)
    name = f"teacher_{bits}bit" if width == 1.0 else f"teacher_{bits}bit_w{round(width * 100)}"
    return keras.Model(inp, out, name=name)


def build_student(bits: int | None, width: float = 1.0):  # noqa: ANN201 - a keras Model
    """The 1,032-parameter student; ``bits`` None gives the float (plain Keras) student.
    ``width`` scales every conv filter count and dense width (at least 1 each; `sweep --width`).

    Quantized: input_quant -> conv1..conv4 (1, 1, 6, 6 filters, 3x3 'valid') each followed by a
    ReLU QActivation -> flatten (48) -> dense1, dense2 (10 each, ReLU) -> float Dense(2) "output".
    Kernels quantized_bits(n,0,symmetric=1,alpha='auto_po2'), biases quantized_bits(n,0,
    symmetric=1), activations quantized_relu(n).
    """
    from tensorflow import keras
    from tensorflow.keras import layers as L

    inp = keras.Input(INPUT_SHAPE, name="input")
    filters = tuple(max(1, round(f * width)) for f in (1, 1, 6, 6))
    units = max(1, round(10 * width))
    suffix = "" if width == 1.0 else f"_w{round(width * 100)}"
    if bits is None:
        x = inp
        for i, f in enumerate(filters, 1):
            x = L.Conv2D(f, 3, padding="valid", name=f"conv{i}")(x)
            x = L.Activation("relu", name=f"relu{i}")(x)
        x = L.Flatten(name="flatten")(x)
        for i in (1, 2):
            x = L.Dense(units, name=f"dense{i}")(x)
            x = L.Activation("relu", name=f"relu{4 + i}")(x)
        return keras.Model(inp, L.Dense(2, name="output")(x), name=f"student_float{suffix}")

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
        x = QDense(units, kernel_quantizer=kq(), bias_quantizer=bq(), name=f"dense{i}")(x)
        x = QActivation(quantized_relu(bits), name=f"relu{4 + i}")(x)
    out = L.Dense(2, name="output")(x)
    return keras.Model(inp, out, name=f"student_{bits}bit{suffix}")


def copy_teacher_weights(model, teacher) -> None:  # noqa: ANN001
    """Give a (possibly narrower, ``build_teacher(bits, width)``) teacher the weights of a full
    teacher, float or quantized: each layer takes the first input and output channels of the
    same-named layer (dense1: the rows of the flattened (4, 4, C) map's first C channels)."""
    full = teacher.get_layer("conv5").get_weights()[0].shape[-1]
    last = model.get_layer("conv5").get_weights()[0].shape[-1]
    for layer in model.layers:
        if not layer.get_weights():
            continue
        kernel, bias = teacher.get_layer(layer.name).get_weights()
        shape = layer.get_weights()[0].shape
        if layer.name == "dense1":
            kernel = kernel.reshape(4, 4, full, -1)[:, :, :last].reshape(-1, kernel.shape[-1])
        kernel = kernel[tuple(slice(0, d) for d in shape)]
        layer.set_weights([kernel, bias[:shape[-1]]])


def fold_output_scaling(model, scale: np.ndarray, offset: np.ndarray) -> None:  # noqa: ANN001
    """Make the last Dense return ``scale * y + offset`` instead of ``y`` (in place).

    scale, offset: (2,) arrays. Exact in float: W' = W * scale (per output column),
    b' = b * scale + offset.
    """
    layer = model.get_layer("output")
    kernel, bias = layer.get_weights()
    layer.set_weights([kernel * scale[None, :], bias * scale + offset])
