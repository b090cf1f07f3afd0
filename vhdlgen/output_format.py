"""`--output-format`: the network's outputs requantized to a chosen fixed-point format.

The default output is exact (the full-precision sum of the last layer). A trigger usually wants
fewer bits, e.g. pT as fixed<12,6>. The chosen format becomes one more IR layer at the end of the
graph: an `Activation` whose `fixed.Requantizer` rounds half to even and saturates at the format's
limits, exactly as every other requantization in the reference and the RTL (one arithmetic
specification). `error` says what that costs against the full-precision output.
"""
from __future__ import annotations

from dataclasses import dataclass

from vhdlgen.errors import UserError
from vhdlgen.fixed import FixedType, Requantizer
from vhdlgen.infer import infer_all
from vhdlgen.ir import Graph, Tensor
from vhdlgen.layers.activation import Activation

LAYER_NAME = "output_format"


def with_output_format(graph: Graph, fmt: FixedType | None) -> Graph:
    """`graph` with its outputs requantized to `fmt` (None: unchanged, exact)."""
    if fmt is None:
        return graph
    if any(layer.name == LAYER_NAME for layer in graph.layers):
        raise UserError(f"the model already has a layer named {LAYER_NAME!r}, the name "
                        "--output-format gives its requantizer; rename that layer")
    out = graph.output
    if out.fmt.frac - fmt.frac > 62:
        raise UserError(f"--output-format {fmt}: {out.fmt.frac - fmt.frac} bits coarser than the "
                        f"output {out.fmt}; accepted: at most 62 bits coarser")
    requantizer = Requantizer(out.fmt.frac, fmt, fmt.min_code, fmt.max_code)
    layers = graph.layers + (Activation(LAYER_NAME, requantizer, f"output format {fmt}"),)
    return Graph(graph.input, layers, infer_all(layers, graph.input_tensor), graph.source,
                 graph.source_hash)


@dataclass(frozen=True)
class OutputFormatError:
    """What requantizing a full-precision output (`exact`) to `fmt` costs, in real units."""

    exact: FixedType
    fmt: FixedType
    rounding: float  # max |error| from rounding alone: half a step, 0 when nothing is dropped
    exact_range: tuple[float, float]  # the full-precision output's reachable values
    format_range: tuple[float, float]
    saturation: float  # max |error| from saturation (0: the format holds every reachable value)

    @property
    def bound(self) -> float:
        """Max |output - full precision| over every reachable output."""
        return max(self.rounding, self.saturation)

    def describe(self) -> str:
        text = (f"output format {self.fmt} (full precision {self.exact}): rounding error at most "
                f"{self.rounding:g}")
        if self.saturation:
            return (text + f"; SATURATES: reachable outputs span {self.exact_range[0]:g} to "
                    f"{self.exact_range[1]:g} but the format holds {self.format_range[0]:g} to "
                    f"{self.format_range[1]:g} (error up to {self.saturation:g})")
        return text + "; no saturation possible"


def error(exact: Tensor, fmt: FixedType) -> OutputFormatError:
    """The error bound of requantizing outputs of `exact` (codes exact.lo..hi) to `fmt`."""
    step = 2.0 ** -exact.fmt.frac
    shift = exact.fmt.frac - fmt.frac
    rounding = 2.0 ** (shift - 1) * step if shift > 0 else 0.0
    lo, hi = exact.lo * step, exact.hi * step
    fmt_lo, fmt_hi = fmt.min_code * fmt.step, fmt.max_code * fmt.step
    saturation = max(fmt_lo - lo, hi - fmt_hi, 0.0)
    return OutputFormatError(exact.fmt, fmt, rounding, (lo, hi), (fmt_lo, fmt_hi), saturation)
