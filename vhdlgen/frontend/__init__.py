"""QKeras frontend: a saved model -> the IR (`vhdlgen.ir.Graph`)."""
from __future__ import annotations

from pathlib import Path

from vhdlgen.frontend.convert import DEFAULT_INPUT_FORMAT, SUPPORTED_LAYERS, Options, convert
from vhdlgen.frontend.keras_model import load_keras_model, model_hash
from vhdlgen.ir import Graph

__all__ = ["DEFAULT_INPUT_FORMAT", "Options", "SUPPORTED_LAYERS", "graph_from_keras", "load_graph"]


def graph_from_keras(model, options: Options = Options(), source: str = "", source_hash: str = "") -> Graph:
    """The IR of an in-memory Keras model."""
    from vhdlgen.output_format import with_output_format

    graph_input, layers, tensors = convert(model, options)
    return with_output_format(Graph(graph_input, layers, tensors, source, source_hash),
                              options.output_format)


def load_graph(path: str | Path, options: Options = Options()) -> Graph:
    """The IR of the QKeras model saved at `path` (.h5 or SavedModel folder)."""
    path = Path(path)
    model = load_keras_model(path)
    return graph_from_keras(model, options, str(path), model_hash(path))
