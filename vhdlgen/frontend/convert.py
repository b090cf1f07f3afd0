"""Keras/QKeras layers -> IR. One handler per layer class; every problem is collected first and
reported in one UserError, naming each offending layer and the supported vocabulary."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from vhdlgen.errors import UserError
from vhdlgen.fixed import INT64_BITS, FixedType, Requantizer, unsigned_width
from vhdlgen.frontend import layers
from vhdlgen.frontend import quantizers as q
from vhdlgen.frontend.float32 import rounding_after_float
from vhdlgen.infer import infer
from vhdlgen.ir import Activation, Conv2D, Dense, Flatten, Input, Layer, Tensor
from vhdlgen.windows import keras_padding

SUPPORTED_LAYERS = (
    "InputLayer; QConv2D/Conv2D/QConv2DBatchnorm (any strides, padding 'valid' or 'same', "
    "channels_last, no dilation, groups 1); QDense/Dense; QActivation(quantized_relu | "
    "quantized_bits | 'relu' | 'linear'); Activation('relu' | 'linear'); Flatten; Reshape; "
    "ZeroPadding2D; MaxPooling2D, AveragePooling2D, QAveragePooling2D (any pool size and strides, "
    "'valid' or 'same'; averages over other than 1, 2, 4, 8, ... elements need a quantizer "
    "right after them); Dropout and the other "
    "inference no-ops (" + ", ".join(layers.NO_OPS[1:]) + "); BatchNormalization (channels "
    "axis). Layer activations: linear, relu, quantized_relu, quantized_bits. Unquantized "
    "Conv2D/Dense weights and plain BatchNormalization are quantized by vhdlgen "
    "(--float-weight-bits), with an error bound, and may be followed only by float layers, "
    "'relu', 'linear' and Flatten."
)
MAX_WIDTH = INT64_BITS  # int64 reference; every tensor must fit
DEFAULT_INPUT_FORMAT = FixedType(False, 2, 1)  # the pooled RPC hits: 0, 0.5, 1


@dataclass(frozen=True)
class Options:
    """Frontend options: the input format of a model without an input quantizer (None:
    DEFAULT_INPUT_FORMAT; refused for a model with one), the signed width vhdlgen gives to the
    weights of unquantized (float) layers, and the format the outputs are requantized to (None:
    exact, the full-precision result)."""

    input_format: FixedType | None = None
    float_weight_bits: int = 12
    output_format: FixedType | None = None


def _activation_name(activation: object) -> str:
    if activation is None:
        return "linear"
    if hasattr(activation, "bits"):
        return "quantizer"
    return getattr(activation, "__name__", type(activation).__name__)


def _activation_problems(activation: object) -> list[str]:
    kind = _activation_name(activation)
    if kind == "quantizer":
        return q.activation_problems(activation)
    if kind in ("linear", "relu"):
        return []
    return [f"activation {kind!r} is not supported"]


def _weighted_problems(layer) -> list[str]:
    problems = []
    if type(layer).__name__ in ("QConv2D", "Conv2D", "QConv2DBatchnorm"):
        if layer.padding not in ("valid", "same"):
            problems.append(f"padding {layer.padding!r} (accepted: 'valid', 'same')")
        if tuple(layer.dilation_rate) != (1, 1):
            problems.append(f"dilation_rate {tuple(layer.dilation_rate)}")
        if getattr(layer, "groups", 1) != 1:
            problems.append(f"groups={layer.groups}")
        if layer.data_format != "channels_last":
            problems.append(f"data_format {layer.data_format!r}")
    for quantizer in _weight_quantizers(layer):
        if quantizer is not None:
            problems += q.weight_problems(quantizer)
    return problems + _activation_problems(layer.activation)


def _weight_quantizers(layer) -> list[object]:
    """[kernel quantizer, bias quantizer] (None where the weights are float)."""
    if hasattr(layer, "get_quantizers"):
        quantizers = list(layer.get_quantizers()) + [None, None]
        return quantizers[:2]
    return [None, None]


def _activation_layer_problems(layer) -> list[str]:
    activation = getattr(layer, "quantizer", None) or layer.activation
    return _activation_problems(activation)


CHECKS: dict[str, Callable[[object], list[str]]] = {
    "QConv2D": _weighted_problems,
    "QConv2DBatchnorm": _weighted_problems,
    "Conv2D": _weighted_problems,
    "QDense": _weighted_problems,
    "Dense": _weighted_problems,
    "QActivation": _activation_layer_problems,
    "Activation": _activation_layer_problems,
    "Flatten": lambda layer: [] if layer.data_format == "channels_last" else ["channels_first"],
    "Reshape": lambda layer: [],
    "ZeroPadding2D": layers.zero_padding_problems,
    "BatchNormalization": layers.batchnorm_problems,
    **{kind: layers.pooling_problems for kind in layers.POOLING},
    **{kind: lambda layer: [] for kind in layers.NO_OPS},
}


def _chain(model) -> list:
    """The model's layers after the input, checked to form one straight chain."""
    inputs = model.inputs if isinstance(model.inputs, list) else [model.inputs]
    if len(inputs) != 1 or len(model.outputs) != 1:
        raise UserError(
            f"model {model.name!r} has {len(inputs)} inputs and {len(model.outputs)} outputs; "
            "vhdlgen supports one input and one output"
        )
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    previous = model.inputs[0]
    for layer in layers:
        if layer.input is not previous:
            raise UserError(
                f"layer {layer.name!r} does not take the previous layer's output; vhdlgen "
                "supports a straight chain of layers (no branches, skips or merges)"
            )
        previous = layer.output
    return layers


def check_supported(chain: list) -> None:
    """Raise one UserError listing every unsupported layer and option."""
    problems = []
    for layer, follower in zip(chain, chain[1:] + [None]):
        kind = type(layer).__name__
        if kind not in CHECKS:
            problems.append(f"  - layer {layer.name!r}: {kind} is not supported")
            continue
        found = CHECKS[kind](layer)
        if kind in layers.POOLING and not found:
            found = layers.follower_problems(layer, follower)
        problems += [f"  - layer {layer.name!r} ({kind}): {p}" for p in found]
    if problems:
        raise UserError(
            "the model uses constructs vhdlgen does not support:\n"
            + "\n".join(problems)
            + f"\nSupported: {SUPPORTED_LAYERS}\nQuantizers: {q.SUPPORTED_QUANTIZERS}"
        )


def _activation_ir(name: str, activation: object, x: Tensor) -> Activation | None:
    """The IR activation for a Keras activation function or quantizer (None for linear)."""
    kind = _activation_name(activation)
    if kind == "quantizer":
        return Activation(name, q.activation_requantizer(activation, x.fmt.frac), str(activation))
    if kind == "relu":
        hi = max(x.hi, 0)
        out = FixedType(False, unsigned_width(hi), x.fmt.frac)
        return Activation(name, Requantizer(x.fmt.frac, out, 0, hi), "relu")
    return None


def _quantized(quantizer, values: np.ndarray) -> np.ndarray:
    import tensorflow as tf

    return np.asarray(quantizer(tf.constant(values, dtype=tf.float32)), dtype=np.float64)


def _weights(layer, x: Tensor, options: Options) -> tuple[np.ndarray, np.ndarray, int, float | None]:
    """(kernel codes, bias codes at the accumulator frac, weight frac, error bound or None).

    A quantized kernel is taken exactly from its quantizer; the bias, quantized or left float
    (no bias_quantizer), is taken exactly as the float32 that QKeras adds, at the finest step it
    needs (`quantizers.exact_dyadic`). Unquantized kernels are quantized by vhdlgen."""
    kernel, *rest = layers.raw_weights(layer)
    bias = rest[0] if rest else np.zeros(kernel.shape[-1], dtype=np.float32)
    kernel_q, bias_q = _weight_quantizers(layer)
    if kernel_q is None:
        return _float_weights(kernel, bias, x, options)
    try:
        k = q.factor(_quantized(kernel_q, kernel), int(kernel_q.bits))
        b = q.exact_dyadic(_quantized(bias_q, bias) if bias_q is not None and rest else bias)
    except q.FactoringError as error:
        raise UserError(
            f"layer {layer.name!r}: {error}; vhdlgen needs weights that are exact integers times a "
            "power of two per output channel (quantized_bits with alpha None, 1 or 'auto_po2')"
        ) from error
    weight_frac = max(k.frac, b.frac - x.fmt.frac)
    acc_frac = x.fmt.frac + weight_frac
    kernel_bits = _shifted_bits(k.codes, weight_frac - k.frac)
    bias_bits = _shifted_bits(b.codes, acc_frac - b.frac)
    if max(kernel_bits, bias_bits) > MAX_WIDTH:
        raise UserError(
            f"layer {layer.name!r}: its bias needs steps of 2**-{b.frac}, so its weights would "
            f"need {max(kernel_bits, bias_bits)} bits, more than the {MAX_WIDTH} vhdlgen supports; "
            "give the layer a bias_quantizer, e.g. quantized_bits(8, 0)"
        )
    return k.codes << (weight_frac - k.frac), b.codes << (acc_frac - b.frac), weight_frac, None


def _shifted_bits(codes: np.ndarray, shift: int) -> int:
    """Bits of the largest |code| << shift (0 for all-zero codes, whatever their frac)."""
    largest = int(np.max(np.abs(codes), initial=0))
    return largest.bit_length() + shift if largest else 0


def _float_weights(kernel: np.ndarray, bias: np.ndarray, x: Tensor,
                   options: Options) -> tuple[np.ndarray, np.ndarray, int, float]:
    """An unquantized layer: vhdlgen's --float-weight-bits codes, the bias rounded to the
    accumulator step, and the bound max_j(x_max * sum_i |w_ij - q_ij| + |b_j - qb_j|) on the
    output error for an exact input."""
    k = q.quantize_float_weights(kernel, options.float_weight_bits)
    acc_frac = x.fmt.frac + k.frac
    bias_codes = np.rint(np.asarray(bias, np.float64) * 2.0**acc_frac).astype(np.int64)
    x_max = max(abs(x.lo), abs(x.hi)) * 2.0**-x.fmt.frac
    kernel_err = np.abs(kernel - k.codes * 2.0**-k.frac).reshape(-1, kernel.shape[-1])
    bias_err = np.abs(bias - bias_codes * 2.0**-acc_frac)
    bound = float(np.max(x_max * kernel_err.sum(axis=0) + bias_err))
    return k.codes, bias_codes, k.frac, bound


def _weighted_ir(layer, x: Tensor, options: Options) -> list[Layer]:
    kernel, bias, weight_frac, bound = _weights(layer, x, options)
    activation = layer.activation
    has_activation = _activation_name(activation) != "linear"
    name = f"{layer.name}_linear" if has_activation else layer.name
    if len(kernel.shape) == 4:
        strides = tuple(int(s) for s in layer.strides)
        padding = keras_padding(layer.padding, x.shape, kernel.shape[:2], strides)
        ir_layer = Conv2D(name, kernel, bias, weight_frac, bound, strides, padding)
    else:
        ir_layer = Dense(name, kernel, bias, weight_frac, bound)
    if not has_activation:
        return [ir_layer]
    return [ir_layer, _activation_ir(layer.name, activation, infer(ir_layer, x))]


def _batchnorm_ir(layer, x: Tensor, options: Options) -> list[Layer]:
    """Plain BatchNormalization: a float per-channel affine, quantized as a float layer (a
    diagonal 1x1 Conv2D on (H, W, C), a diagonal Dense on (N,)); its error bound adds Keras' own
    float32 rounding of the affine (`layers.batchnorm_affine`)."""
    x_max = max(abs(x.lo), abs(x.hi)) * 2.0**-x.fmt.frac
    scale, offset, keras_error = layers.batchnorm_affine(layer, x_max)
    kernel = np.diag(scale)
    if len(x.shape) == 3:
        kernel = kernel.reshape(1, 1, *kernel.shape)
    codes, bias, weight_frac, bound = _float_weights(kernel, offset, x, options)
    if len(x.shape) == 3:
        return [Conv2D(layer.name, codes, bias, weight_frac, bound + keras_error)]
    return [Dense(layer.name, codes, bias, weight_frac, bound + keras_error)]


def _activation_layer_ir(layer, x: Tensor, options: Options) -> list[Layer]:
    activation = getattr(layer, "quantizer", None) or layer.activation
    ir_layer = _activation_ir(layer.name, activation, x)
    if ir_layer is None:  # linear: the identity, kept so the trace names every Keras layer
        ir_layer = Activation(layer.name, Requantizer(x.fmt.frac, x.fmt, x.lo, x.hi), "linear")
    return [ir_layer]


BUILDERS: dict[str, Callable[[object, Tensor, Options], list[Layer]]] = {
    "QConv2D": _weighted_ir,
    "Conv2D": _weighted_ir,
    "QDense": _weighted_ir,
    "Dense": _weighted_ir,
    "QActivation": _activation_layer_ir,
    "Activation": _activation_layer_ir,
    "Flatten": lambda layer, x, options: [Flatten(layer.name)],
    "QConv2DBatchnorm": _weighted_ir,
    "BatchNormalization": _batchnorm_ir,
    "Reshape": layers.reshape_ir,
    "ZeroPadding2D": layers.zero_padding_ir,
    **{kind: layers.pooling_ir for kind in layers.POOLING},
    **{kind: layers.no_op_ir for kind in layers.NO_OPS},
}


def _input(model, layers: list, options: Options) -> tuple[Input, list]:
    """The IR input; a leading QActivation(quantized_*) becomes the input quantizer."""
    shape = tuple(model.input_shape[1:])
    if any(d is None for d in shape) or len(shape) not in (1, 3):
        raise UserError(
            f"model input shape {shape} is not supported; accepted: fixed (H, W, C) or (N,)"
        )
    name = model.inputs[0].name.split(":")[0]
    first = layers[0] if layers else None
    quantizer = getattr(first, "quantizer", None)
    if type(first).__name__ == "QActivation" and hasattr(quantizer, "bits"):
        rq = q.activation_requantizer(quantizer, 0)
        if options.input_format is not None:
            raise UserError(
                f"--input-format {options.input_format} (input_format=) was given, but the "
                f"model has an input quantizer, {first.name!r} = {q.describe(quantizer)}, "
                f"which makes its input format {rq.out}; the option applies only to models "
                "without one: leave it out"
            )
        return Input(name, shape, rq.out, rq.lo, rq.hi, first.name), layers[1:]
    fmt = options.input_format if options.input_format is not None else DEFAULT_INPUT_FORMAT
    return Input(name, shape, fmt, fmt.min_code, fmt.max_code), layers


def convert(model, options: Options) -> tuple[Input, tuple[Layer, ...], tuple[Tensor, ...]]:
    """The IR of a Keras model: input, layers, and every layer's output tensor."""
    chain = _chain(model)
    check_supported(chain)
    graph_input, rest = _input(model, chain, options)
    pending = list(rest)  # consumed below; `chain` stays whole
    x = Tensor(graph_input.shape, graph_input.fmt, graph_input.lo, graph_input.hi)
    ir_layers: list[Layer] = []
    tensors: list[Tensor] = []
    while pending:
        layer = pending.pop(0)
        for ir_layer in _build(layer, pending, x, options):
            x = infer(ir_layer, x)
            if x.fmt.width > MAX_WIDTH:
                raise UserError(
                    f"layer {ir_layer.name!r}: needs {x.fmt.width} bits, more than the "
                    f"{MAX_WIDTH} vhdlgen supports; quantize its inputs or weights more coarsely"
                )
            ir_layers.append(ir_layer)
            tensors.append(x)
    _refuse_rounding_after_float(ir_layers, {layer.name for layer in chain
                                             if type(layer).__name__ == "BatchNormalization"})
    return graph_input, tuple(ir_layers), tuple(tensors)


def _build(layer, pending: list, x: Tensor, options: Options) -> list[Layer]:
    """The IR layers of one Keras layer; an average over counts that are not powers of two
    takes the QActivation after it along (removed from `pending`), unless it has its own."""
    if layers.odd_counts(layer):
        follower = None if layers.own_quantizer(layer) is not None else pending.pop(0)
        return layers.division_ir(layer, follower, x)
    return BUILDERS[type(layer).__name__](layer, x, options)


def _refuse_rounding_after_float(layers: list[Layer], batchnorms: set[str]) -> None:
    """A quantizer after a float layer would turn vhdlgen's small weight error into whole steps
    at places nobody can bound: refuse, naming both layers (and, for a plain
    BatchNormalization, the ways to fold it)."""
    pairs = rounding_after_float(layers)
    if pairs:
        listed = "; ".join(f"{after!r} after {first!r}" for first, after in pairs)
        if pairs[0][0] in batchnorms:
            raise UserError(
                f"quantizers or average pooling after a plain BatchNormalization: {listed}. "
                "vhdlgen computes a float BatchNormalization as a per-channel affine with "
                "--float-weight-bits codes, exact only to a small error bound; a quantizer "
                "after it would turn that error into a whole step wherever a value sits near a "
                "rounding tie, so the result could differ from QKeras without bound. Fold it "
                "into the layer before it while training (QConv2DBatchnorm), or into that "
                "layer's weights before quantizing, or keep it among the float layers at the "
                "end of the model (followed only by float layers, 'relu', 'linear' and Flatten)"
            )
        raise UserError(
            f"quantizers or average pooling after an unquantized (float) layer: {listed}. "
            "vhdlgen rounds a float "
            "layer's weights to --float-weight-bits codes, and a quantizer after it would turn "
            "that small error into a whole step wherever a value sits near a rounding tie, so "
            "the result could differ from QKeras without bound. Give the float layer a "
            "kernel_quantizer (and bias_quantizer), or keep float layers at the end of the model "
            "(followed only by float layers, 'relu', 'linear' and Flatten)"
        )
