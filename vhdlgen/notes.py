"""Notes: what vhdlgen tells the user about a converted model, once, in one wording.

A note is where vhdlgen's exact outputs may differ from QKeras' float32 ones, or what vhdlgen
assumed for the user. `Design.notes` carries them; `vhdlgen.convert` emits each one as a
`VhdlgenWarning` (so notebooks and pytest show them), and the CLI prints the same objects'
text as `vhdlgen <command>: note: ...`.

Kinds:
- "input_format": the model has no input quantizer and no input format was given, so its inputs
  are taken in the default format (`layer`: the input's name);
- "qkeras_float32": a quantized layer whose sums QKeras rounds in float32 (`bound`: how far
  QKeras' rounding moves that layer's output, where the text states it);
- "float_layers": unquantized layers that vhdlgen quantizes (`layer`: the first of them,
  `bound`: the largest difference from Keras at the output);
- "output_format": the requested output format cannot hold every reachable output
  (`bound`: the largest saturation error).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Iterable

from vhdlgen.ir import Graph

KINDS = ("input_format", "qkeras_float32", "float_layers", "output_format")


@dataclass(frozen=True)
class Note:
    """One note: its `kind` (one of KINDS), the Keras `layer` it is about (None: the whole
    model), a `bound` on |vhdlgen - QKeras| or on the error it describes (None: none known),
    and the `text` the CLI prints and the warning carries."""

    kind: str
    layer: str | None
    bound: float | None
    text: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"note kind {self.kind!r}; accepted: {', '.join(KINDS)}")

    def __str__(self) -> str:
        return self.text


class VhdlgenWarning(UserWarning):
    """A vhdlgen note (`.note` holds the `Note`; None for a warning rebuilt from its text in
    another process, as pytest-xdist does). Silence them with
    `warnings.filterwarnings("ignore", category=vhdlgen.VhdlgenWarning)`."""

    def __init__(self, note: Note | str) -> None:
        super().__init__(note if isinstance(note, str) else note.text)
        self.note = None if isinstance(note, str) else note


def input_format_note(graph: Graph) -> Note:
    """The note for a model without an input quantizer read with the default input format."""
    inp = graph.input
    step = inp.fmt.step
    return Note("input_format", inp.name, None,
                f"the model has no input quantizer: vhdlgen takes its inputs as {inp.fmt}, the "
                f"default input format (values {inp.lo * step:g} to {inp.hi * step:g} in steps "
                f"of {step:g}; other values are refused); give --input-format (input_format=) "
                "for other inputs, or give the model an input QActivation")


def output_format_note(graph: Graph) -> Note | None:
    """A note when the --output-format requantizer can saturate (None without one, or when
    the format holds every reachable output)."""
    from vhdlgen.output_format import LAYER_NAME, error

    index = next((i for i, l in enumerate(graph.layers) if l.name == LAYER_NAME), None)
    if index is None:
        return None
    cost = error(graph.layer_input(index), graph.output.fmt)
    if not cost.saturation:
        return None
    return Note("output_format", LAYER_NAME, cost.saturation, cost.describe())


def warn(notes: Iterable[Note], stacklevel: int = 2) -> None:
    """Emit each note as a VhdlgenWarning attributed to the caller `stacklevel` frames up."""
    for note in notes:
        warnings.warn(VhdlgenWarning(note), stacklevel=stacklevel + 1)
