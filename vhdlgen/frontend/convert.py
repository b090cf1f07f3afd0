"""Keras/QKeras layers -> IR. Each Keras class is read by its layer kind (`vhdlgen.layers`,
one module per kind, found through the registry); every problem is collected first and reported
in one UserError, naming each offending layer and the supported vocabulary."""
from __future__ import annotations

from dataclasses import dataclass

from vhdlgen import layers as kinds
from vhdlgen.errors import UserError
from vhdlgen.fixed import INT64_BITS, FixedType
from vhdlgen.frontend.float32 import rounding_after_float
from vhdlgen.ir import Input, Layer, Tensor
from vhdlgen.layers import quantizers as q

SUPPORTED_LAYERS = (
    "InputLayer; " + "; ".join(kinds.supported_texts()) + ". Layer activations: linear, relu, "
    "quantized_relu, quantized_bits. Unquantized "
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
        handler = kinds.keras_kind(kind)
        if handler is None:
            problems.append(f"  - layer {layer.name!r}: {kind} is not supported")
            continue
        found = handler.check(layer, follower)
        problems += [f"  - layer {layer.name!r} ({kind}): {p}" for p in found]
    if problems:
        raise UserError(
            "the model uses constructs vhdlgen does not support:\n"
            + "\n".join(problems)
            + f"\nSupported: {SUPPORTED_LAYERS}\nQuantizers: {q.SUPPORTED_QUANTIZERS}"
        )


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
        for ir_layer in kinds.keras_kind(type(layer).__name__).build(layer, x, options, pending):
            x = ir_layer.infer(x)
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
