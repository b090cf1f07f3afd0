"""The Level-0 chain's options and its hook into `build` (a `vhdlgen.rtl.client.BuildClient`).

`ChainOptions` holds `--front-end` and `--threshold-gev` (and the strip geometry); the entry
points (`vhdlgen.options`) put it in `BuildOptions.client`. It gives the testbench of a 9x16x1
network toy-dataset events, and with `front_end="rpc"` adds the chain's part to the design
(`vhdlgen.chain.rtl.chain_part`), whose files its emitter writes (`emit`, registered here with
`vhdlgen.rtl.emitters`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from vhdlgen.chain import DEFAULT_THRESHOLD_GEV, check_front_end
from vhdlgen.chain.geometry import StripGeometry
from vhdlgen.chain.reference import Chain
from vhdlgen.errors import UserError
from vhdlgen.network import Network
from vhdlgen.options import Option
from vhdlgen.rtl import emitters

if TYPE_CHECKING:
    from vhdlgen.chain.rtl import ChainPart
    from vhdlgen.rtl.design import HwDesign

STUDENT_SHAPE = (9, 16, 1)  # the pooled RPC hit image the students take


@dataclass(frozen=True)
class ChainOptions:
    """The Level-0 study's part of a build: the front end around the CNN and its trigger."""

    front_end: str = "none"  # "rpc": strips in, trigger out, the Level-0 chain (vhdlgen.chain)
    threshold_gev: float = DEFAULT_THRESHOLD_GEV  # front end rpc: trigger bit = pT >= this
    strip_geometry: StripGeometry = StripGeometry()  # front end rpc: the strips and windows

    def validate(self) -> None:
        check_front_end(self.front_end, self.threshold_gev)

    def reference(self, network: Network) -> Chain | None:
        """The chain around `network` (its bit-exact reference), or None without a front end."""
        if self.front_end == "none":
            return None
        return Chain(network, self.strip_geometry, self.threshold_gev)

    def describe(self) -> str:
        if self.front_end != "rpc":
            return ""
        g = self.strip_geometry
        return (f", front end rpc ({g.layers}x{g.strips} strips, {g.windows} windows of "
                f"{g.window_strips}, pool {g.pool}, threshold {self.threshold_gev:g} GeV)")

    def test_inputs(self, network: Network, n_vectors: int,
                    seed: int) -> tuple[np.ndarray, str] | None:
        """Fresh toy-dataset events (about half muons) for a network taking the 9x16x1 student
        input; None for another input or one the events are not representable in."""
        if tuple(network.graph.input.shape) != STUDENT_SHAPE:
            return None
        from vhdlgen.data import generate_events

        events = generate_events(n_vectors, seed=seed, muon_fraction=0.5)
        try:
            codes = network.input_codes(events["x"])
        except UserError:  # 0, 0.5, 1 not representable in an --input-format without a quantizer
            return None
        return codes, (f"{n_vectors} toy-dataset events (vhdlgen.data.generate_events, seed "
                       f"{seed}, muon fraction 0.5: about half muons, half noise), the 9x16 "
                       "pooled RPC hit images")

    def extend(self, design: HwDesign) -> ChainPart | None:
        """With front end rpc, the chain's part around the CNN's design (`chain_part`)."""
        if self.front_end != "rpc":
            return None
        from vhdlgen.chain.rtl import chain_part

        return chain_part(design, self)


def emit(design: HwDesign) -> dict[str, str]:
    """The chain's emitter: its VHDL files when the design has its part, else nothing."""
    if not isinstance(design.options.client, ChainOptions) or design.part is None:
        return {}
    from vhdlgen.chain.rtl import emit_chain

    return emit_chain(design)


#: The chain's options, as flags of `build` and keywords of `vhdlgen.convert` (the entry points
#: add them to vhdlgen.options' rows; their owner, ChainOptions, becomes the build's client).
CHAIN_OPTIONS = (
    Option("front_end", ChainOptions, "rpc: the whole Level-0 chain, raw 9x384 strips in, "
           "window selection and pooling, the CNN, then pT, absolute eta, window and trigger "
           "bit out (docs/frontend.md); none: the CNN alone (default {default})", str, str,
           "{none,rpc}"),
    Option("threshold_gev", ChainOptions, "with --front-end rpc: the trigger bit is pT >= this "
           "(default {default})", (int, float), float, "GEV"),
)

emitters.register("rpc_chain", emit)
