"""The user-facing model: float in, exact dequantized fixed-point out."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from vhdlgen import reference
from vhdlgen.errors import UserError
from vhdlgen.fixed import dequantize, is_representable, quantize
from vhdlgen.frontend import Options, load_graph
from vhdlgen.ir import Graph


PREDICT_ROWS = 8192  # rows per reference pass in predict


class Network:
    """A quantized network as the FPGA computes it.

    `predict` takes floats shaped (N, *input_shape) and returns the exact fixed-point outputs as
    float64 (N, n_out); `trace` returns every layer's integer codes, keyed by layer name.
    """

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.graph.input.shape

    def input_codes(self, x: np.ndarray) -> np.ndarray:
        """Float inputs -> input codes (the model's input quantizer, or an exactness check)."""
        x = np.asarray(x)
        spec = self.graph.input
        if x.dtype.kind not in "biuf":
            raise UserError(f"input has dtype {x.dtype}; accepted: real numbers (float, int or "
                            "bool arrays)")
        if x.ndim == 0 or len(x) == 0:
            raise UserError(f"input has shape {x.shape}: no vectors; the model takes "
                            f"(N, {', '.join(map(str, spec.shape))}) with N >= 1")
        if x.shape[1:] != spec.shape:
            raise UserError(
                f"input has shape {x.shape}; the model takes (N, {', '.join(map(str, spec.shape))})"
            )
        finite = np.isfinite(x)
        if not finite.all():  # NaN would cast to an arbitrary int64 code; Keras gives NaN
            index = tuple(int(i) for i in np.argwhere(~finite)[0])
            raise UserError(f"input value {x[index]!r} at index {index} is not a finite number")
        if spec.quantizer is not None:
            # Keras feeds the quantizer float32: round what it sees (a float64 a hair above a
            # tie is the tie in float32). Scaling by a power of two keeps float32 values exact.
            codes = quantize(np.asarray(x, dtype=np.float32), spec.fmt)
            return np.clip(codes, spec.lo, spec.hi)
        codes = quantize(x, spec.fmt)
        exact = is_representable(x, spec.fmt) & (codes >= spec.lo) & (codes <= spec.hi)
        if not exact.all():
            index = tuple(int(i) for i in np.argwhere(~exact)[0])
            raise UserError(
                f"input value {x[index]!r} at index {index} is not exactly representable in the "
                f"input format {spec.fmt} (the model has no input quantizer); pass inputs on that "
                "grid or choose the format with --input-format, e.g. 'ufixed<2,1>'"
            )
        return codes

    def trace_codes(self, codes: np.ndarray) -> dict[str, np.ndarray]:
        """Every layer's output codes for input codes, in layer order."""
        outputs = reference.run(self.graph.layers, codes)
        named = {layer.name: out for layer, out in zip(self.graph.layers, outputs)}
        if self.graph.input.quantizer is not None:
            named = {self.graph.input.quantizer: np.asarray(codes, np.int64), **named}
        return named

    def trace(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Every layer's integer output for float inputs, keyed by (Keras) layer name."""
        return self.trace_codes(self.input_codes(x))

    def predict_codes(self, codes: np.ndarray) -> np.ndarray:
        """Output codes (N, n_out) for input codes; PREDICT_ROWS rows at a time, keeping only
        the output, so memory stays bounded for teacher-sized models on 200k events."""
        codes = np.asarray(codes, np.int64)
        parts = []
        for start in range(0, len(codes), PREDICT_ROWS):
            x = codes[start:start + PREDICT_ROWS]
            for layer in self.graph.layers:
                x = reference.run_layer(layer, x)
            parts.append(x.reshape(len(x), -1))
        if not parts:  # no rows
            return np.zeros((0, int(np.prod(self.graph.output.shape))), np.int64)
        return np.concatenate(parts)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Exact dequantized outputs (N, n_out) float64 for float inputs (N, *input_shape)."""
        return dequantize(self.predict_codes(self.input_codes(x)), self.graph.output.fmt.frac)


def load(path: str | Path, options: Options = Options()) -> Network:
    """Load a QKeras model (.h5 or SavedModel folder) as a bit-exact fixed-point Network."""
    return Network(load_graph(path, options))
