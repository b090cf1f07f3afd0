"""How a client extends `build` without the generator knowing it (`BuildOptions.client`).

The generator (rtl/) builds a network's design; a client adds to it through this interface:
a line for the file headers, testbench inputs for the plain network, and optionally a wrapper
with its own files and a new top around the network's. The Level-0 chain
(`vhdlgen.chain.client.ChainOptions`) is one; rtl/ never imports a client.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from vhdlgen.ir import Graph
    from vhdlgen.network import Network
    from vhdlgen.rtl.render import HeaderInfo

# (input codes (N, *input shape) or the wrapper's input words, expected output codes, a
# sentence saying where the inputs come from)
Vectors = tuple[np.ndarray, np.ndarray, str]


class Wrapper(Protocol):
    """Files a client adds around the network's, with a new top entity."""

    files: dict[str, str]  # VHDL file name -> text, in compile order (after the network's)
    top: str  # the new top entity

    def report(self, report: dict) -> dict:
        """The network's report turned into the wrapped design's."""

    def vectors(self, n_vectors: int) -> Vectors:
        """DIR/tb/'s vectors for the wrapped top."""


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

    def wrap(self, graph: Graph, top: str, latency: int, taken: list[str],
             info: HeaderInfo, options: object) -> Wrapper | None:
        """The wrapper around the network's design (`taken`: its file names, `latency`: its
        cycles, `options`: the BuildOptions), or None for the network alone."""
