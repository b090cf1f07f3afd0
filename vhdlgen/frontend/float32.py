"""Where QKeras' float32 arithmetic and vhdlgen's exact arithmetic can part, and by how much.

vhdlgen computes every layer exactly, in integer codes. QKeras computes the same layers in
float32 (one rounding per operation, 24-bit significand):
- the products and partial sums of a quantized Conv2D/Dense are multiples of the layer's finest
  step; while the sum of their magnitudes stays below 2**24 steps, every order of summation is
  exact. Beyond that QKeras rounds and vhdlgen does not (a note says so);
- a bias off that grid (a float bias, no bias_quantizer) is added to the exact sum once
  (`bias_add` after the convolution or matmul), so QKeras rounds once: s -> fl32(s). Followed by
  a quantizer, that changes nothing unless fl32 can move s onto a rounding tie of the quantizer
  (ties are float32 numbers and rounding is monotonic, so it never moves s across one). This is
  decided per output channel from the bias' distance to the grid on which the ties lie;
- a float layer (unquantized kernel) is quantized by vhdlgen: its output is off by at most its
  `error_bound` plus Keras' own float32 rounding. That bound carries through later float layers,
  ReLUs and Flatten (all 1-Lipschitz) to the output; a quantizer after it would turn the error
  into a whole step at an unknown place, so `rounding_after_float` reports it for refusal.
"""
from __future__ import annotations

import numpy as np

from vhdlgen.ir import Graph, Layer
from vhdlgen.notes import Note

EXACT_STEPS = 1 << 24  # float32 holds every integer up to 2**24 exactly
UNIT_ROUNDOFF = 2.0**-24


def rounding_after_float(layers: tuple[Layer, ...] | list[Layer]) -> list[tuple[str, str]]:
    """(float layer, quantizing layer) pairs where a quantizer follows an unquantized layer."""
    pairs = []
    first_float = None
    for layer in layers:
        if layer.is_float and first_float is None:
            first_float = layer.name
        elif first_float is not None and layer.rounds_in_float32:
            pairs.append((first_float, layer.name))
    return pairs


def _keras_name(layers: tuple[Layer, ...], index: int) -> str:
    """The Keras name of IR layer `index` (a layer with a built-in activation is split into
    '<name>_linear' and '<name>')."""
    name = layers[index].name
    following = layers[index + 1] if index + 1 < len(layers) else None
    if following is not None and following.elementwise is not None \
            and name == f"{following.name}_linear":
        return following.name
    return name


def _trailing_zeros(codes: np.ndarray) -> int:
    """The largest k with every code a multiple of 2**k (0 when all are zero)."""
    nonzero = np.abs(codes[codes != 0]).astype(np.int64)
    if nonzero.size == 0:
        return 0
    k = 0
    while np.all(nonzero % (2 << k) == 0):
        k += 1
    return k


def _ulp(magnitude: int) -> int:
    """float32 spacing near a value of `magnitude` codes (codes are value * 2**frac, and
    scaling by a power of two keeps the spacing a power of two): 2**(bit_length - 24)."""
    return 1 << max(int(magnitude).bit_length() - 24, 0)


def _next_rounding(layers: tuple[Layer, ...], index: int) -> int | None:
    """The index of the quantizer that reads layer `index`'s output directly (through
    Flatten, Reshape or zero padding, which move values without arithmetic), if any."""
    for later in range(index + 1, len(layers)):
        layer = layers[later]
        if layer.elementwise is not None:
            return later if layer.rounds_in_float32 else None
        if not layer.moves_only:
            return None
    return None


def _bias_exact(bias: int, grid: int, top: int, after: Layer | None, acc_frac: int) -> bool:
    """QKeras' after(fl32(acc + bias)) == after(acc + bias) for every acc in grid*Z with
    |acc + bias| <= top (codes at acc_frac)."""
    step = grid if bias == 0 else min(grid, bias & -bias)
    if top < EXACT_STEPS * step:  # every sum is a float32 number: no rounding at all
        return True
    if after is None or after.elementwise.out.frac + 1 > acc_frac:
        return False  # nothing rounds after it, or its grid is finer than the codes
    tie = 1 << (acc_frac - after.elementwise.out.frac - 1)  # ties: odd multiples of `tie`
    top += tie
    if top >= EXACT_STEPS * tie:
        return False  # the ties themselves are not float32 numbers
    h = min(grid, tie)  # acc + bias - t lies in bias + h*Z for every tie t
    distance = min(bias % h, h - bias % h)
    return 2 * distance > _ulp(top)


def _analyse(graph: Graph) -> tuple[list[tuple[int, Note]], set[int]]:
    """(notes, rounded): (IR index, note) for every quantized Conv2D/Dense with exact inputs
    where QKeras' float32 result may differ from the exact one; and the IR indices whose
    values QKeras rounds harmlessly (a float-biased sum, and a Flatten of it, before the
    quantizer that makes it exact again)."""
    notes, rounded = [], set()
    for index, layer in enumerate(graph.layers):
        if layer.is_float:
            break  # from here on the output bound speaks
        if not layer.weighted:
            continue
        name = _keras_name(graph.layers, index)
        x, out = graph.layer_input(index), graph.tensors[index]
        kernel = np.abs(layer.kernel.reshape(-1, layer.kernel.shape[-1]))
        grid = 1 << _trailing_zeros(layer.kernel)
        steps = int(kernel.sum(axis=0).max(initial=0)) * max(abs(x.lo), abs(x.hi)) // grid
        if steps >= EXACT_STEPS:
            notes.append((index, Note(
                "qkeras_float32", name, None, f"layer {name!r}: its sums reach {steps} steps, "
                "beyond the 2**24 that float32 holds exactly; QKeras rounds them, vhdlgen does "
                "not, so outputs may differ from QKeras")))
            continue
        end = _next_rounding(graph.layers, index)
        after = graph.layers[end] if end is not None else None
        top = max(abs(out.lo), abs(out.hi))
        if all(_bias_exact(int(b), grid, top, after, out.fmt.frac) for b in layer.bias):
            if not all(_bias_exact(int(b), grid, top, None, out.fmt.frac) for b in layer.bias):
                rounded.update(range(index, end))
            continue
        if after is None:
            worst = _ulp(top) / 2 * 2.0**-out.fmt.frac
            notes.append((index, Note(
                "qkeras_float32", name, worst, f"layer {name!r}: QKeras adds its float bias in "
                f"float32 and rounds the sum by up to {worst:.3g}; vhdlgen's sum is exact")))
        else:
            notes.append((index, Note(
                "qkeras_float32", name, None, f"layer {name!r}: QKeras adds its float bias in "
                f"float32, and the rounding can land a sum on a rounding tie of {after.name!r}; "
                "outputs may differ from QKeras by a step there (vhdlgen's sum is exact)")))
    return notes, rounded


def layer_notes(graph: Graph) -> list[str]:
    """Every quantized Conv2D/Dense (with exact inputs) where QKeras' float32 result may differ
    from the exact one, and why."""
    return [note.text for _, note in _analyse(graph)[0]]


def exact_layers(graph: Graph) -> list[str]:
    """The IR layers whose outputs provably equal QKeras' own float32 results: every layer
    before the first noted or float layer, except float-biased sums that QKeras rounds (the
    quantizer after them is exact again)."""
    notes, rounded = _analyse(graph)
    ends = [index for index, _ in notes]
    ends += [index for index, layer in enumerate(graph.layers) if layer.is_float]
    stop = min(ends, default=len(graph.layers))
    return [layer.name for index, layer in enumerate(graph.layers[:stop]) if index not in rounded]


def output_bound(graph: Graph) -> float | None:
    """A bound on |vhdlgen - Keras| at the output when the model has float (unquantized)
    layers, None without: each float layer's `error_bound`, Keras' float32 rounding of every
    layer from the first float one on (gamma_k * sum of magnitudes, k = n_in + 1), and the
    input error of each such layer times its largest absolute column sum."""
    error = None
    for index, layer in enumerate(graph.layers):
        if not layer.weighted or (error is None and not layer.is_float):
            continue
        x = graph.layer_input(index)
        x_max = max(abs(x.lo), abs(x.hi)) * 2.0**-x.fmt.frac
        acc_frac = x.fmt.frac + layer.weight_frac
        slack = 0.5 if layer.is_float else 0.0  # float weights are within half a step
        kernel = (np.abs(layer.kernel.reshape(-1, layer.kernel.shape[-1])) + slack) \
            * 2.0**-layer.weight_frac
        bias = (np.abs(layer.bias) + slack) * 2.0**-acc_frac
        k = kernel.shape[0] + 1
        gamma = k * UNIT_ROUNDOFF / (1 - k * UNIT_ROUNDOFF)
        previous = error or 0.0
        columns = kernel.sum(axis=0)
        total = (layer.error_bound or 0.0) + gamma * (columns * (x_max + previous) + bias) \
            + columns * previous
        error = float(total.max(initial=0.0))
    return error


def notes(graph: Graph) -> list[Note]:
    """The "qkeras_float32" and "float_layers" notes (`vhdlgen.notes`): wherever the outputs
    may differ from QKeras; empty when they provably equal QKeras' own float32 results."""
    found = [note for _, note in _analyse(graph)[0]]
    bound = output_bound(graph)
    if bound is not None:
        names = [_keras_name(graph.layers, i) for i, layer in enumerate(graph.layers)
                 if layer.is_float]
        found.append(Note("float_layers", names[0], bound, "vhdlgen quantizes the unquantized "
                          f"layer(s) {', '.join(map(repr, names))} to --float-weight-bits codes: "
                          f"the outputs differ from QKeras by at most {bound:.3g}"))
    return found


def caveats(graph: Graph) -> list[str]:
    """The text of `notes(graph)`."""
    return [note.text for note in notes(graph)]
