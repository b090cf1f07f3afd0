"""Layer kinds, one module each: what vhdlgen accepts from Keras/QKeras, shape and type
inference, reference execution (through `vhdlgen.fixed`), the JSON form and the lowering hooks
(the interface is `vhdlgen.ir.Layer`; the registry `registry`). In the manner of hls4ml's layer
classes and qonnx/FINN's custom ops: a new kind is one new module here.

Importing the package imports every module in it, so each registers itself."""
from __future__ import annotations

import importlib
import pkgutil

from vhdlgen.ir import Layer
from vhdlgen.layers.registry import IR_KINDS, KERAS_KINDS, KerasKind, supported_texts

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")


def from_json(data: dict) -> Layer:
    """The layer written by its `to_json`; ValueError for an unknown type."""
    kind = IR_KINDS.get(data["type"])
    if kind is None:
        raise ValueError(f"unknown layer type {data['type']!r}")
    return kind.from_json(data)


def keras_kind(class_name: str) -> KerasKind | None:
    """How vhdlgen reads a Keras layer class (None: not supported)."""
    return KERAS_KINDS.get(class_name)


__all__ = ["from_json", "keras_kind", "supported_texts"]
