"""The bit-exact reference of the whole Level-0 chain: strips -> fragmentation -> CNN -> outputs.

Integer model of exactly what the RTL computes:

1. fired strips per window, summed over all layers; the window with the most, ties to the lowest
   index (an empty event keeps window 0), as `vhdlgen.data.fragmentation.fragment`;
2. that window's strips summed over `pool` adjacent strips, k in 0..pool, mapped to the CNN's
   input code of the value k / pool (the network's own input quantization, `POOL_CODE` in the RTL);
3. the CNN (`vhdlgen.reference` through `Network.predict_codes`);
4. the output stage: pT code (the CNN's element 0, unchanged), absolute eta code = local eta code
   (element 1) + `eta_offsets[window]`, the window index, and the trigger bit pT code >=
   `threshold_code`.

Output codes (N, 4); `predict` turns them into [pT GeV, absolute eta, window, trigger].
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from vhdlgen.chain import DEFAULT_THRESHOLD_GEV, check_front_end
from vhdlgen.chain.geometry import StripGeometry
from vhdlgen.errors import UserError
from vhdlgen.fixed import FixedType, dequantize, round_half_even, type_for_interval, unsigned_width
from vhdlgen.network import Network



@dataclass(frozen=True)
class OutputField:
    """One element of the chain's out_data: its name, format and meaning."""

    name: str
    fmt: FixedType
    lo: int
    hi: int
    unit: str

    def as_json(self, index: int, element_width: int) -> dict:
        return {"index": index, "name": self.name, "format": str(self.fmt),
                "frac_bits": self.fmt.frac, "codes": [self.lo, self.hi], "unit": self.unit,
                "lsb": index * element_width, "msb": (index + 1) * element_width - 1}


class Chain:
    """Strips (N, layers, strips) -> codes (N, 4) as the generated chain computes them."""

    def __init__(self, network: Network, geometry: StripGeometry = StripGeometry(),
                 threshold_gev: float = DEFAULT_THRESHOLD_GEV) -> None:
        self.network, self.geometry = network, geometry
        if tuple(network.input_shape) != geometry.network_shape:
            raise UserError(
                f"--front-end rpc: the model takes {tuple(network.input_shape)} inputs, the strip "
                f"geometry gives {geometry.network_shape} ({geometry.layers} layers x "
                f"{geometry.window_strips}-strip windows pooled by {geometry.pool}); accepted a "
                "model whose input is that window image")
        out = network.graph.output
        if tuple(out.shape) != (2,):
            raise UserError(f"--front-end rpc: the model has outputs of shape {tuple(out.shape)}; "
                            "accepted a model with the 2 outputs [pT in GeV, local eta]")
        if out.fmt.width > 31:
            raise UserError(f"--front-end rpc: the model's outputs are {out.fmt} ({out.fmt.width} "
                            "bits); the output stage accepts at most 31 bits")
        check_front_end("rpc", threshold_gev)
        self.threshold_gev = float(threshold_gev)
        self.pool_codes = self._pool_codes()
        frac = out.fmt.frac
        edges = [geometry.window_eta_min(w) for w in range(geometry.windows)]
        self.eta_offsets = round_half_even(np.array(edges) * 2.0**frac).astype(np.int64)
        # the smallest pT code >= the threshold, kept within [lowest code, highest + 1] (the
        # same trigger bits; the RTL compares with it as a VHDL integer)
        exact = math.ceil(Fraction(self.threshold_gev) * 2**frac)
        self.threshold_code = min(max(exact, out.lo), out.hi + 1)
        eta_lo, eta_hi = out.lo + int(self.eta_offsets.min()), out.hi + int(self.eta_offsets.max())
        self.fields = (
            OutputField("pt", out.fmt, out.lo, out.hi, "GeV: code x 2**-frac"),
            OutputField("eta", type_for_interval(eta_lo, eta_hi, frac), eta_lo, eta_hi,
                        "absolute eta: code x 2**-frac"),
            OutputField("window", FixedType(False, unsigned_width(geometry.windows - 1), 0), 0,
                        geometry.windows - 1, "index of the selected window"),
            OutputField("trigger", FixedType(False, 1, 0), 0, 1,
                        f"1 when pT >= {self.threshold_gev:g} GeV (pt code >= "
                        f"{self.threshold_code})"),
        )
        # one signed element width holding every field (unsigned ones get a zero sign bit)
        self.element_width = max(f.fmt.width + (not f.fmt.signed) for f in self.fields)

    def _pool_codes(self) -> np.ndarray:
        """CNN input code of the pooled value k / pool, for k = 0..pool."""
        pool = self.geometry.pool
        values = np.arange(pool + 1, dtype=np.float64) / pool
        shape = (pool + 1, *self.geometry.network_shape)
        image = np.broadcast_to(values[:, None, None, None], shape)
        try:
            codes = self.network.input_codes(np.array(image))[:, 0, 0, 0]
        except UserError as error:
            raise UserError(f"--front-end rpc: the pooled hits k/{pool} do not fit the model's "
                            f"input: {error}") from None
        return codes.astype(np.int64)

    def check_strips(self, strips: np.ndarray) -> np.ndarray:
        """(N, layers, strips) 0/1 values -> uint8; UserError naming what is accepted."""
        g = self.geometry
        strips = np.asarray(strips)
        accepted = f"(N, {g.layers}, {g.strips}) strip hits, 0 or 1 (`dataset --full-image` image)"
        if strips.dtype.kind not in "biuf" or strips.ndim != 3 or strips.shape[1:] != (
                g.layers, g.strips) or len(strips) == 0:
            raise UserError(f"strips of shape {strips.shape} and dtype {strips.dtype}; accepted "
                            f"{accepted}")
        bad = (strips != 0) & (strips != 1)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            raise UserError(f"strip value {strips[index]!r} at index {index}; accepted {accepted}")
        return strips.astype(np.uint8)

    def fragment(self, strips: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(window index (N,), CNN input codes (N, layers, pooled width, 1)) of checked strips."""
        g = self.geometry
        windows = strips.reshape(len(strips), g.layers, g.windows, g.window_strips)
        counts = windows.sum(axis=(1, 3), dtype=np.int64)
        window = np.argmax(counts, axis=1)  # the first maximum: ties and empty events -> lowest
        kept = windows[np.arange(len(strips)), :, window, :]
        pooled = kept.reshape(len(strips), g.layers, g.pooled_width, g.pool).sum(axis=3)
        return window.astype(np.int64), self.pool_codes[pooled][..., None]

    def outputs(self, window: np.ndarray, cnn_codes: np.ndarray) -> np.ndarray:
        """The output stage: (N, 4) codes [pt, absolute eta, window, trigger]."""
        pt, eta = cnn_codes[:, 0], cnn_codes[:, 1] + self.eta_offsets[window]
        trigger = (pt >= self.threshold_code).astype(np.int64)
        return np.stack([pt, eta, window, trigger], axis=1).astype(np.int64)

    def predict_codes(self, strips: np.ndarray) -> np.ndarray:
        """Output codes (N, 4) for strips (N, layers, strips)."""
        window, codes = self.fragment(self.check_strips(strips))
        return self.outputs(window, self.network.predict_codes(codes))

    def decode(self, codes: np.ndarray) -> np.ndarray:
        """Codes (N, 4) -> float64 [pT GeV, absolute eta, window, trigger]."""
        return np.stack([dequantize(codes[:, i], f.fmt.frac) for i, f in enumerate(self.fields)],
                        axis=1)

    def predict(self, strips: np.ndarray) -> np.ndarray:
        """[pT GeV, absolute eta, window, trigger] (N, 4) float64, exact."""
        return self.decode(self.predict_codes(strips))
