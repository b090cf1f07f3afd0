"""Regenerate the example models of models/examples/ (see README.md there).

    python models/examples/make_examples.py            # rewrites models/examples/*.h5

Plain Keras/QKeras code, on purpose outside vhdlgen: these are models as users bring them.
The weights are not trained: every kernel and bias is drawn from a fixed NumPy seed (kernels
N(0, gain/sqrt(fan_in)), biases N(0.15, 0.3); batch-norm statistics as after training), so the
weights are the same on every run (tests/test_examples.py checks it).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent


def _weights(model, seed: int, gain: float) -> None:
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        if type(layer).__name__ == "QConv2DBatchnorm":
            kernel, bias = layer.kernel, layer.bias
            fan_in = int(np.prod(kernel.shape[:-1]))
            kernel.assign(rng.normal(0.0, gain / np.sqrt(fan_in), kernel.shape).astype(np.float32))
            bias.assign(rng.normal(0.15, 0.3, bias.shape).astype(np.float32))
            bn, n = layer.batchnorm, layer.filters
            bn.gamma.assign(rng.uniform(0.6, 1.6, n).astype(np.float32))
            bn.beta.assign(rng.normal(0.2, 0.3, n).astype(np.float32))
            bn.moving_mean.assign(rng.normal(0.0, 0.3, n).astype(np.float32))
            bn.moving_variance.assign(rng.uniform(0.3, 2.0, n).astype(np.float32))
            continue
        fan_in = int(np.prod(weights[0].shape[:-1]))
        new = [rng.normal(0.0, gain / np.sqrt(fan_in), weights[0].shape)]
        new += [rng.normal(0.15, 0.3, w.shape) for w in weights[1:]]
        layer.set_weights([w.astype(np.float32) for w in new])


def strided_strips_9x384():
    """9x384 strips -> AveragePooling2D (1,8) -> QConv2D 3x3 stride 2 'same' -> MaxPooling2D
    (1,2) -> QConv2D 3x3 strides (1,2) 'same' -> AveragePooling2D 2x2 'same' -> QDense(2)."""
    from qkeras import QActivation, QConv2D, QDense, quantized_bits, quantized_relu
    from tensorflow import keras
    from tensorflow.keras import layers as L

    def kq():
        return quantized_bits(4, 0, 1, alpha="auto_po2")

    inp = keras.Input((9, 384, 1), name="strips")
    x = QActivation(quantized_bits(1, 1, keep_negative=False), name="hits_q")(inp)
    x = L.AveragePooling2D((1, 8), name="strip_avg")(x)  # 8 strips -> occupancy k/8
    x = QConv2D(4, (3, 3), strides=2, padding="same", kernel_quantizer=kq(),
                bias_quantizer=quantized_bits(4, 0, 1), name="conv1")(x)
    x = QActivation(quantized_relu(4, 1), name="relu1")(x)
    x = L.MaxPooling2D((1, 2), name="max1")(x)
    x = QConv2D(4, (3, 3), strides=(1, 2), padding="same", kernel_quantizer=kq(),
                bias_quantizer=quantized_bits(4, 0, 1), name="conv2")(x)
    x = QActivation(quantized_relu(4, 1), name="relu2")(x)
    x = L.AveragePooling2D(2, padding="same", name="avg2")(x)  # edge windows of 2 elements
    x = QActivation(quantized_bits(6, 2), name="avg2_q")(x)
    x = L.Flatten(name="flatten")(x)
    x = QDense(2, kernel_quantizer=quantized_bits(6, 0, 1), bias_quantizer=quantized_bits(6, 0, 1),
               name="output")(x)
    model = keras.Model(inp, x, name="strided_strips_9x384")
    _weights(model, seed=384, gain=2.0)
    return model


def batchnorm_padded():
    """9x16 hits -> ZeroPadding2D ((1,1),(2,2)) -> QConv2DBatchnorm 3x3 strides (1,2) ->
    QAveragePooling2D (1,2) with an average_quantizer -> QConv2DBatchnorm 2x2 'same' with a
    quantized_relu inside -> MaxPooling2D 2x2 -> Dropout -> Flatten -> QDense(2)."""
    from qkeras import (QActivation, QAveragePooling2D, QConv2DBatchnorm, QDense, quantized_bits,
                        quantized_relu)
    from tensorflow import keras
    from tensorflow.keras import layers as L

    inp = keras.Input((9, 16, 1), name="hits")
    x = QActivation(quantized_bits(2, 1, keep_negative=False), name="hits_q")(inp)
    x = L.ZeroPadding2D(((1, 1), (2, 2)), name="pad")(x)
    x = QConv2DBatchnorm(6, (3, 3), strides=(1, 2), name="cbn1",
                         kernel_quantizer=quantized_bits(5, 0, 1, alpha="auto_po2"),
                         bias_quantizer=quantized_bits(8, 3, 1))(x)
    x = QActivation(quantized_relu(5, 1), name="relu1")(x)
    x = QAveragePooling2D((1, 2), average_quantizer=quantized_bits(6, 0, 1),
                          activation=quantized_bits(6, 1), name="qavg")(x)
    x = QConv2DBatchnorm(4, (2, 2), padding="same", name="cbn2",
                         kernel_quantizer=quantized_bits(5, 0, 1, alpha="auto_po2"),
                         bias_quantizer=quantized_bits(8, 3, 1),
                         activation=quantized_relu(4, 1))(x)
    x = L.MaxPooling2D(2, name="max")(x)
    x = L.Dropout(0.2, name="drop")(x)
    x = L.Flatten(name="flatten")(x)
    x = QDense(2, kernel_quantizer=quantized_bits(6, 0, 1), bias_quantizer=quantized_bits(6, 0, 1),
               name="output")(x)
    model = keras.Model(inp, x, name="batchnorm_padded")
    _weights(model, seed=16, gain=1.8)
    return model


#: file stem -> builder
EXAMPLES = {
    "strided_strips_9x384": strided_strips_9x384,
    "batchnorm_padded": batchnorm_padded,
}


def main(argv: list[str] | None = None) -> int:
    out = Path(argv[0]) if argv else HERE
    for name, build in EXAMPLES.items():
        path = out / f"{name}.h5"
        build().save(path, save_format="h5", include_optimizer=False)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
