"""`inspect`: a readable table of a network's layers, formats and costs."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from vhdlgen.frontend import float32
from vhdlgen.output_format import LAYER_NAME, error
from vhdlgen.ir import Graph
from vhdlgen.notes import Note

QKERAS_KINDS = ("qkeras_float32", "float_layers")


def _params(layer) -> str:
    return str(layer.parameter_count) if layer.weighted else ""


def describe(graph: Graph, notes: Sequence[Note] | None = None) -> str:
    """Layers with shapes, formats (accumulator formats for Conv2D/Dense), code ranges, params,
    then the design's `notes` (default: the graph's QKeras notes alone)."""
    inp = graph.input
    source = f" (input quantizer {inp.quantizer!r})" if inp.quantizer else " (no input quantizer)"
    rows = [("layer", "kind", "shape", "format", "codes", "params", "notes")]
    rows.append((inp.name, "Input", str(inp.shape), str(inp.fmt), f"[{inp.lo}, {inp.hi}]", "",
                 "input format" + source))
    for layer, tensor in zip(graph.layers, graph.tensors):
        rows.append((
            layer.name, type(layer).__name__, str(tensor.shape), str(tensor.fmt),
            f"[{tensor.lo}, {tensor.hi}]", _params(layer), layer.details(),
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    weights = [l for l in graph.layers if l.weighted]
    zeros = sum(int(np.sum(l.kernel == 0)) for l in weights)
    total = sum(l.kernel.size for l in weights)
    lines.append("")
    lines.append(f"source: {graph.source or '(in memory)'}")
    lines.append(f"parameters: {graph.parameter_count}; zero weights: {zeros}/{total} "
                 f"({zeros / max(total, 1):.1%}, they cost no hardware)")
    lines.append(f"output: {graph.output.shape} {graph.output.fmt}")
    formatted = next((i for i, l in enumerate(graph.layers) if l.name == LAYER_NAME), None)
    if formatted is not None:
        lines.append(error(graph.layer_input(formatted), graph.output.fmt).describe())
    notes = float32.notes(graph) if notes is None else notes
    qkeras = [note.text for note in notes if note.kind in QKERAS_KINDS]
    lines.append("QKeras: " + ("equal to vhdlgen, bit for bit (no float32 rounding it makes can "
                               "change a result)" if not qkeras else "may differ from vhdlgen:"))
    lines += [f"  - {text}" for text in qkeras]
    shown = QKERAS_KINDS + ("output_format",)  # the output format's line above says it all
    lines += [f"note: {note.text}" for note in notes if note.kind not in shown]
    return "\n".join(lines)
