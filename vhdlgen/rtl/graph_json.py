"""The IR graph as JSON data (the `network` section of the build manifest), and back.

Integer weights stay exact integer codes (JSON numbers of any size), formats are written as
`fixed<W,I>` / `ufixed<W,I>`, and the layer output tensors are not stored: reading infers them
again from the input and the layers (`vhdlgen.infer`), so they cannot disagree with the weights.
Each layer kind writes and reads its own entry (`ir.Layer.to_json`, `vhdlgen.layers`).
"""
from __future__ import annotations

from vhdlgen import layers as kinds
from vhdlgen.fixed import FixedType
from vhdlgen.infer import infer_all
from vhdlgen.ir import Graph, Input


def graph_to_json(graph: Graph) -> dict:
    """JSON-ready data of `graph` (see the module doc)."""
    spec = graph.input
    return {
        "source": graph.source, "source_sha256": graph.source_hash,
        "input": {"name": spec.name, "shape": list(spec.shape), "format": str(spec.fmt),
                  "lo": spec.lo, "hi": spec.hi, "quantizer": spec.quantizer},
        "layers": [layer.to_json() for layer in graph.layers],
    }


def graph_from_json(data: dict) -> Graph:
    """The Graph written by `graph_to_json`; ValueError/KeyError/TypeError when it is not one."""
    spec = data["input"]
    quantizer = spec["quantizer"]
    graph_input = Input(str(spec["name"]), tuple(int(d) for d in spec["shape"]),
                        FixedType.parse(spec["format"]), int(spec["lo"]), int(spec["hi"]),
                        None if quantizer is None else str(quantizer))
    layers = tuple(kinds.from_json(layer) for layer in data["layers"])
    tensors = infer_all(layers, Graph(graph_input, layers).input_tensor)
    return Graph(graph_input, layers, tensors, str(data["source"]), str(data["source_sha256"]))
