"""The IR graph as JSON data (the `network` section of the build manifest), and back.

Integer weights stay exact integer codes (JSON numbers of any size), formats are written as
`fixed<W,I>` / `ufixed<W,I>`, and the layer output tensors are not stored: reading infers them
again from the input and the layers (`vhdlgen.infer`), so they cannot disagree with the weights.
"""
from __future__ import annotations

import numpy as np

from vhdlgen.fixed import FixedType, Requantizer
from vhdlgen.infer import infer_all
from vhdlgen.ir import (Activation, Conv2D, Dense, Division, Flatten, Graph, Input, Layer,
                        Pooling2D, Reshape, ZeroPadding2D)


def _codes(array: np.ndarray) -> dict:
    return {"shape": list(array.shape), "codes": [int(v) for v in array.ravel()]}


def _array(data: dict) -> np.ndarray:
    shape = tuple(int(d) for d in data["shape"])
    codes = data["codes"]
    if not isinstance(codes, list) or not all(isinstance(c, int) and not isinstance(c, bool)
                                              for c in codes):
        raise ValueError("weight codes must be a list of integers")
    return np.array(codes, dtype=np.int64).reshape(shape)


def _ints(values: list) -> tuple[int, ...]:
    return tuple(int(v) for v in values)


def _layer_json(layer: Layer) -> dict:
    if isinstance(layer, (Conv2D, Dense)):
        data = {"type": type(layer).__name__, "name": layer.name, "kernel": _codes(layer.kernel),
                "bias": _codes(layer.bias), "weight_frac": layer.weight_frac,
                "error_bound": layer.error_bound}
        if isinstance(layer, Conv2D):
            data.update(strides=list(layer.strides), padding=list(layer.padding))
        return data
    if isinstance(layer, Pooling2D):
        data = {"type": "Pooling2D", "name": layer.name, "op": layer.op,
                "pool": list(layer.pool), "strides": list(layer.strides),
                "padding": list(layer.padding), "scale": list(layer.scale)}
        if layer.division is not None:
            division = layer.division
            data["division"] = {"frac": division.frac, "counts": list(division.counts),
                                "weights": list(division.weights),
                                "constants": list(division.constants)}
        return data
    if isinstance(layer, ZeroPadding2D):
        return {"type": "ZeroPadding2D", "name": layer.name, "padding": list(layer.padding)}
    if isinstance(layer, Reshape):
        return {"type": "Reshape", "name": layer.name, "shape": list(layer.shape)}
    if isinstance(layer, Activation):
        rq = layer.requantizer
        return {"type": "Activation", "name": layer.name, "kind": layer.kind,
                "in_frac": rq.in_frac, "out": str(rq.out), "lo": rq.lo, "hi": rq.hi,
                "tie_bits": rq.tie_bits}
    if isinstance(layer, Flatten):
        return {"type": "Flatten", "name": layer.name}
    raise TypeError(f"unknown IR layer {type(layer).__name__}")


def _layer(data: dict) -> Layer:
    kind = data["type"]
    if kind == "Conv2D":  # manifests from before strides and padding are stride 1, 'valid'
        return Conv2D(str(data["name"]), _array(data["kernel"]), _array(data["bias"]),
                      int(data["weight_frac"]), data["error_bound"],
                      _ints(data.get("strides", [1, 1])), _ints(data.get("padding", [0] * 4)))
    if kind == "Dense":
        return Dense(str(data["name"]), _array(data["kernel"]), _array(data["bias"]),
                     int(data["weight_frac"]), data["error_bound"])
    if kind == "Pooling2D":
        division = data.get("division")  # manifests from before #12's reciprocals have none
        if division is not None:
            division = Division(int(division["frac"]), _ints(division["counts"]),
                                _ints(division["weights"]), _ints(division["constants"]))
        return Pooling2D(str(data["name"]), str(data["op"]), _ints(data["pool"]),
                         _ints(data["strides"]), _ints(data["padding"]), _ints(data["scale"]),
                         division)
    if kind == "ZeroPadding2D":
        return ZeroPadding2D(str(data["name"]), _ints(data["padding"]))
    if kind == "Reshape":
        return Reshape(str(data["name"]), _ints(data["shape"]))
    if kind == "Activation":
        rq = Requantizer(int(data["in_frac"]), FixedType.parse(data["out"]), int(data["lo"]),
                         int(data["hi"]), int(data.get("tie_bits", 0)))
        return Activation(str(data["name"]), rq, str(data["kind"]))
    if kind == "Flatten":
        return Flatten(str(data["name"]))
    raise ValueError(f"unknown layer type {kind!r}")


def graph_to_json(graph: Graph) -> dict:
    """JSON-ready data of `graph` (see the module doc)."""
    spec = graph.input
    return {
        "source": graph.source, "source_sha256": graph.source_hash,
        "input": {"name": spec.name, "shape": list(spec.shape), "format": str(spec.fmt),
                  "lo": spec.lo, "hi": spec.hi, "quantizer": spec.quantizer},
        "layers": [_layer_json(layer) for layer in graph.layers],
    }


def graph_from_json(data: dict) -> Graph:
    """The Graph written by `graph_to_json`; ValueError/KeyError/TypeError when it is not one."""
    spec = data["input"]
    quantizer = spec["quantizer"]
    graph_input = Input(str(spec["name"]), tuple(int(d) for d in spec["shape"]),
                        FixedType.parse(spec["format"]), int(spec["lo"]), int(spec["hi"]),
                        None if quantizer is None else str(quantizer))
    layers = tuple(_layer(layer) for layer in data["layers"])
    tensors = infer_all(layers, Graph(graph_input, layers).input_tensor)
    return Graph(graph_input, layers, tensors, str(data["source"]), str(data["source_sha256"]))
