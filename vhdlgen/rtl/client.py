"""How a client extends `build` without the generator knowing it (`BuildOptions.client`).

The generator (rtl/) builds a network's design; a client adds to it through this interface:
a line for the file headers, testbench inputs for the plain network, and optionally a part
around the network's design (`ClientPart`: a new top, its files, its report and vectors) that
the client's own emitter writes. The Level-0 chain
(`vhdlgen.chain.client.ChainOptions`) is one; rtl/ never imports a client.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from vhdlgen.network import Network
    from vhdlgen.report import BuildReport
    from vhdlgen.rtl.design import HwDesign

# (input codes (N, *input shape) or the part's input words, expected output codes, a sentence
# saying where the inputs come from)
Vectors = tuple[np.ndarray, np.ndarray, str]


class ClientPart(Protocol):
    """What a client adds around the network's design (`HwDesign.part`): a new top entity and
    its VHDL files, which the client's own emitter (`vhdlgen.rtl.emitters.register`) writes."""

    top: str  # the new top entity
    sources: tuple[str, ...]  # its files in DIR/rtl, in compile order (after the network's)
    latency_cycles: int  # the whole design's, network included

    def report(self, report: BuildReport) -> BuildReport:
        """The network's report turned into the whole design's."""

    def vectors(self, n_vectors: int) -> Vectors:
        """DIR/tb/'s vectors for the new top."""


class BuildClient(Protocol):
    """What `build` asks a client (every method may decline with "" or None)."""

    def validate(self) -> None:
        """UserError naming an unusable option of the client."""

    def describe(self) -> str:
        """Text appended to `BuildOptions.describe()` (file headers, the CLI's line)."""

    def test_inputs(self, network: Network, n_vectors: int,
                    seed: int) -> tuple[np.ndarray, str] | None:
        """(input codes, where they come from) for the testbench of the plain network, or
        None for the generator's uniform random codes."""

    def extend(self, design: HwDesign) -> ClientPart | None:
        """The part around the network's design (`design`: the network alone, named and
        scheduled), or None for the network alone."""
