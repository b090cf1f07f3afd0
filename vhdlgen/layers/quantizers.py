"""QKeras quantizers -> vhdlgen arithmetic: activation requantizers and exact weight factoring."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vhdlgen.fixed import Requantizer, bits_requantizer, relu_requantizer

SUPPORTED_QUANTIZERS = (
    "quantized_bits(bits, integer, symmetric, keep_negative, alpha=None|1|'auto_po2') on weights; "
    "quantized_bits(bits>=2, integer, symmetric, keep_negative, alpha=None|1) and "
    "quantized_relu(bits, integer) on activations"
)


def describe(quantizer: object) -> str:
    """Human-readable quantizer, e.g. 'quantized_relu(4,0)'."""
    return str(quantizer) if quantizer is not None else "none"


def _flag(quantizer: object, name: str, default: object) -> object:
    return getattr(quantizer, name, default)


def activation_problems(quantizer: object) -> list[str]:
    """Why this activation quantizer is unsupported (empty when it is supported)."""
    kind = type(quantizer).__name__
    problems = []
    if kind == "quantized_relu":
        if _flag(quantizer, "use_sigmoid", 0):
            problems.append("use_sigmoid")
        if _flag(quantizer, "negative_slope", 0.0):
            problems.append("negative_slope (leaky ReLU)")
        if _flag(quantizer, "relu_upper_bound", None) is not None:
            problems.append("relu_upper_bound")
    elif kind == "quantized_bits":
        if _flag(quantizer, "alpha", None) not in (None, 1, 1.0):
            problems.append(f"alpha={quantizer.alpha!r} on an activation")
        if quantizer.bits - int(quantizer.keep_negative) < 1:
            problems.append("1-bit (binary) quantized_bits")
    else:
        return [f"quantizer {kind}"]
    if _flag(quantizer, "use_stochastic_rounding", False):
        problems.append("use_stochastic_rounding")
    if _flag(quantizer, "qnoise_factor", 1.0) != 1.0:
        problems.append("qnoise_factor != 1")
    if _is_variable(_flag(quantizer, "bits", 0)) or _is_variable(_flag(quantizer, "integer", 0)):
        problems.append("trainable (variable) bits/integer")
    return [f"{describe(quantizer)}: {p} is not supported" for p in problems]


def _is_variable(value: object) -> bool:
    return not isinstance(value, (int, np.integer))


def activation_requantizer(quantizer: object, in_frac: int) -> Requantizer:
    """The exact requantizer of a supported activation quantizer (see activation_problems)."""
    if type(quantizer).__name__ == "quantized_relu":
        return relu_requantizer(in_frac, int(quantizer.bits), int(quantizer.integer))
    return bits_requantizer(
        in_frac,
        int(quantizer.bits),
        int(quantizer.integer),
        bool(quantizer.symmetric),
        bool(quantizer.keep_negative),
    )


def weight_problems(quantizer: object) -> list[str]:
    """Why this weight quantizer is unsupported (empty when it is supported)."""
    kind = type(quantizer).__name__
    if kind != "quantized_bits":
        return [f"weight quantizer {describe(quantizer)} is not supported"]
    problems = []
    alpha = _flag(quantizer, "alpha", None)
    if alpha not in (None, 1, 1.0, "auto_po2"):
        problems.append(f"alpha={alpha!r}")
    if _flag(quantizer, "use_stochastic_rounding", False):
        problems.append("use_stochastic_rounding")
    return [f"{describe(quantizer)}: {p} is not supported" for p in problems]


@dataclass(frozen=True)
class Factored:
    """Quantized weight values == codes * 2**-frac exactly."""

    codes: np.ndarray
    frac: int


class FactoringError(ValueError):
    """The quantized values are not small integers times a power of two."""


_MAX_FRAC = 60


def _channel_frac(values: np.ndarray, max_code: int) -> int:
    """Smallest frac making every value an integer code with |code| <= max_code."""
    for frac in range(-_MAX_FRAC, _MAX_FRAC):
        scaled = values * (2.0 ** frac)
        if np.all(scaled == np.rint(scaled)):
            if np.max(np.abs(scaled), initial=0) > max_code:
                break
            return frac
    raise FactoringError(
        "quantized values are not integers of at most "
        f"{max_code.bit_length()} bits times a power of two"
    )


def factor(values: np.ndarray, bits: int) -> Factored:
    """Factor quantized values (last axis = output channel; at least 2-D) into codes x 2**-frac.

    Each output channel may have its own power-of-two scale (alpha='auto_po2'); channels are
    brought to the finest scale, which is exact. The codes of each channel must fit the
    quantizer's `bits` (anything else, e.g. a non-power-of-two alpha, raises FactoringError).
    """
    values = np.asarray(values, dtype=np.float64)
    channels = values.reshape(-1, values.shape[-1])
    max_code = 1 << bits
    fracs = [_channel_frac(channels[:, j], max_code) for j in range(channels.shape[1])]
    frac = max(fracs, default=0)
    codes = np.rint(values * (2.0 ** frac)).astype(np.int64)
    if not np.array_equal(codes * (2.0 ** -frac), values):
        raise FactoringError("factoring does not reproduce the quantized values")
    return Factored(codes, frac)


def _dyadic(value: float) -> tuple[int, int]:
    """(code, frac) with value == code * 2**-frac and code odd (frac unbounded); (0, 0) for 0."""
    mantissa, exponent = np.frexp(value)
    code, frac = int(mantissa * 2.0**53), 53 - int(exponent)  # exact: 53-bit significand
    if code == 0:
        return 0, 0
    while code % 2 == 0:
        code //= 2
        frac -= 1
    return code, frac


def exact_dyadic(values: np.ndarray) -> Factored:
    """Float values (a bias as Keras holds it, quantized or not) as integer codes x 2**-frac,
    exactly: each element has its own finest step (a per-element alpha='auto_po2' scale is one)
    and all are brought to the finest of them. FactoringError if the codes would not fit int64."""
    values = np.asarray(values, dtype=np.float64)
    pairs = [_dyadic(float(v)) for v in values.ravel()]
    fracs = [frac for code, frac in pairs if code != 0]
    frac = max(fracs, default=0)
    codes = [code << (frac - f) if code else 0 for code, f in pairs]
    if any(abs(code) >= 1 << 62 for code in codes):
        raise FactoringError("the bias values span more than 62 binary orders of magnitude")
    return Factored(np.array(codes, dtype=np.int64).reshape(values.shape), frac)


def _float_channel_frac(values: np.ndarray, max_code: int) -> int | None:
    """The finest power-of-two step at which every value rounds into [-max_code, max_code]."""
    largest = float(np.max(np.abs(values), initial=0.0))
    if largest == 0.0:
        return None
    frac = int(np.floor(np.log2(max_code / largest)))
    while np.max(np.abs(np.rint(values * 2.0**frac))) > max_code:
        frac -= 1
    return frac


def quantize_float_weights(values: np.ndarray, bits: int) -> Factored:
    """vhdlgen's format for an unquantized layer: per output channel (last axis), signed
    `bits`-bit codes at the finest power-of-two step that holds the channel's largest weight,
    round half to even; channels are then brought to the finest step of the layer (exact), so a
    small-valued output (e.g. eta next to pT in GeV) keeps all its bits."""
    values = np.asarray(values, dtype=np.float64)
    channels = values.reshape(-1, values.shape[-1])
    max_code = (1 << (bits - 1)) - 1
    fracs = [_float_channel_frac(channels[:, j], max_code) for j in range(channels.shape[1])]
    if all(f is None for f in fracs):
        return Factored(np.zeros(values.shape, dtype=np.int64), 0)
    frac = max(f for f in fracs if f is not None)
    codes = np.zeros(channels.shape, dtype=np.int64)
    for j, channel_frac in enumerate(fracs):
        if channel_frac is not None:
            codes[:, j] = np.rint(channels[:, j] * 2.0**channel_frac).astype(np.int64) << (
                frac - channel_frac)
    return Factored(codes.reshape(values.shape), frac)
