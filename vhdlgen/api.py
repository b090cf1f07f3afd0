"""The whole flow in Python, as the CLI runs it: model -> bit-exact reference -> VHDL build ->
simulation on GHDL -> resource estimate.

    design = vhdlgen.convert(model, clock_ns=3.125)  # a Keras/QKeras model, or a saved one's path
    design.notes                     # where it may differ from QKeras (convert warns them once)
    y = design.predict(x)            # what the FPGA computes (float64, exact)
    design.build("build/net")        # DIR/rtl, vivado/, tb/, report.json; design.report
    assert (design.simulate(x) == y).all()   # the RTL on GHDL; raises on any difference

Options are the CLI's (`vhdlgen.options`), as keyword arguments: `--clock-ns 2.5` is
`clock_ns=2.5`.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from vhdlgen.errors import UserError
from vhdlgen.fixed import dequantize
from vhdlgen.network import Network
from vhdlgen.frontend.float32 import notes as float32_notes
from vhdlgen.notes import Note, input_format_note, output_format_note, warn
from vhdlgen.chain.client import CHAIN_OPTIONS
from vhdlgen.options import ALL_OPTIONS, resolve
from vhdlgen.report import BuildReport
from vhdlgen.rtl.build_options import BuildOptions

if TYPE_CHECKING:
    from vhdlgen.chain.reference import Chain


class SimulationMismatch(UserError):
    """The RTL's outputs or latency differ from the reference (the message says where)."""



#: Every option of `convert`: the model's, the build's and the Level-0 chain's (the build's
#: client).
OPTIONS = ALL_OPTIONS + CHAIN_OPTIONS

def design_notes(graph: Graph, input_format_given: bool) -> tuple[Note, ...]:
    """Every note of a converted model, in the order the CLI prints them."""
    found: list[Note] = []
    if graph.input.quantizer is None and not input_format_given:
        found.append(input_format_note(graph))
    found += float32_notes(graph)
    saturation = output_format_note(graph)
    if saturation is not None:
        found.append(saturation)
    return tuple(found)

def mismatch(verdict) -> str | None:
    """What is wrong in a `vhdlgen.sim.verify.Verdict`, or None when the RTL equals the
    reference bit for bit with the reported latency."""
    if verdict.latency is None:
        return "out_valid never rose; the RTL produced no output"
    if verdict.first_mismatch is not None:
        layer = verdict.diverging_layer
        return (f"RTL differs from the reference at vector {verdict.first_mismatch}"
                + (f"; first diverging layer: {layer}" if layer else ""))
    if verdict.latency != verdict.expected_latency:
        return f"measured latency {verdict.latency} != report {verdict.expected_latency}"
    return None


class Design:
    """A model converted for the FPGA. `predict`/`trace` need nothing else; `build` writes the
    firmware, after which `report`, `simulate` and `estimate` work on that build folder.
    `notes`: where its outputs may differ from QKeras and what vhdlgen assumed
    (`vhdlgen.notes.Note`), as `convert` warned them."""

    def __init__(self, network: Network, options: BuildOptions, name: str,
                 notes: tuple[Note, ...] = ()) -> None:
        self.network = network
        self.options = options
        self.name = name  # the model's name: the default top entity and build folder
        self.notes = notes
        self._report: BuildReport | None = None

    @property
    def chain(self) -> Chain | None:
        """The whole Level-0 chain around the network (`front_end="rpc"`), or None."""
        from vhdlgen.chain.client import ChainOptions

        client = self.options.client
        return client.reference(self.network) if isinstance(client, ChainOptions) else None

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Exact dequantized outputs (N, n_out) float64 for float inputs (N, *input_shape);
        with `front_end="rpc"`: (N, 9, 384) 0/1 strips in, (N, 4) [pT, absolute eta, window,
        trigger] out, as `predict --front-end rpc`."""
        chain = self.chain
        return chain.predict(x) if chain is not None else self.network.predict(x)

    def trace(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Every layer's integer output codes, keyed by Keras layer name."""
        return self.network.trace(x)

    def build(self, out_dir: str | os.PathLike | None = None, force: bool = False) -> BuildReport:
        """Write the firmware into `out_dir` (default build/<model name>); the CLI's `build`
        (same folder rules: a new or empty folder, a previous build, or `force`)."""
        from vhdlgen.rtl.build import build

        out = Path(out_dir) if out_dir is not None else Path("build") / self.name
        self._report = build(self.network.graph, out, self.options, force=force,
                             model_name=self.name)
        return self._report

    @property
    def report(self) -> BuildReport:
        """The report of the last `build` (UserError before one)."""
        if self._report is None:
            raise UserError("this design has not been built yet; call .build(out_dir) first")
        return self._report

    def simulate(self, x: np.ndarray, waves: bool = False) -> np.ndarray:
        """The built RTL's outputs on GHDL (cocotb), in `predict`'s format; SimulationMismatch
        when any output or the latency differs from the reference. `waves`: also write
        DIR/waves.ghw."""
        from vhdlgen.sim.verify import simulate

        folder = self.report.build_dir
        trace = folder / "waves.ghw" if waves else None
        if self.report.client.get("front_end"):  # a chain build: strips in, its 4 outputs out
            from vhdlgen.chain.simulate import simulate_chain

            verdict, chain = simulate_chain(folder, self.report.data, self.network.graph, x,
                                            trace)
            outputs = chain.decode(verdict.rtl_codes)
        else:
            verdict = simulate(folder, x, trace)
            outputs = dequantize(verdict.rtl_codes, self.network.graph.output.fmt.frac)
        problem = mismatch(verdict)
        if problem:
            raise SimulationMismatch(f"{folder}: {problem}")
        return outputs

    def estimate(self, flow: str | None = None,
                 progress: Callable[[str], None] | None = None) -> dict:
        """Resources and modelled timing of the build (GHDL + yosys, minutes for a full
        network; `vhdlgen estimate`); writes and returns DIR/estimate.json."""
        from vhdlgen.estimate import DEFAULT_FLOW, estimate

        return estimate(self.report.build_dir, progress, flow=flow or DEFAULT_FLOW)


def _model_name(model: Any) -> str:
    return str(getattr(model, "name", "") or "network")


def convert(model: Any, **options: Any) -> Design:
    """A Keras/QKeras model (in memory), or the path of a saved one (.h5 or SavedModel
    folder), as a Design; `options` are the CLI's options by their underscored names. Each of
    the design's `notes` is emitted once, as a `vhdlgen.VhdlgenWarning`."""
    design = convert_quietly(model, options)
    warn(design.notes, stacklevel=2)
    return design


def convert_quietly(model: Any, options: dict[str, Any]) -> Design:
    """`convert` without the warnings (the CLI prints `Design.notes` itself)."""
    from vhdlgen.frontend import graph_from_keras, load_graph

    frontend, build_options = resolve(options, OPTIONS)
    given = options.get("input_format") is not None
    if isinstance(model, (str, os.PathLike)):
        graph = load_graph(model, frontend)
        name = Path(model).stem
    elif hasattr(model, "layers") and hasattr(model, "input_shape"):
        graph, name = graph_from_keras(model, frontend), _model_name(model)
    else:
        raise UserError(f"convert() got a {type(model).__name__}; accepted: a Keras/QKeras "
                        "model, or the path of a saved one (.h5 file or SavedModel folder)")
    return Design(Network(graph), build_options, name, design_notes(graph, given))
