"""`build --front-end rpc`: the fragmentation stage and the chain top around the generated CNN.

`chain_part` is the chain's part of the design (`vhdlgen.rtl.client.ClientPart`): three files
beside the CNN's (which stay as they are), `<cnn>_fragmentation.vhd`, `<cnn>_chain_pkg.vhd` and
`<cnn>_chain.vhd`, the new top; `emit_chain` is its emitter (registered by
`vhdlgen.chain.client`). `ChainPart.report` turns the CNN's report into the chain's: top,
ports, latency of each block and of the whole chain, and the rows of the fragmentation and
output stages beside the CNN's units (`extra_units`, `total`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from vhdlgen.chain.cost import unit_rows
from vhdlgen.chain.geometry import StripGeometry
from vhdlgen.chain.plan import GROUP, Plan, plan
from vhdlgen.chain.reference import Chain
from vhdlgen.errors import UserError
from vhdlgen.ir import Graph
from vhdlgen.network import Network
from vhdlgen.report import BuildReport
from vhdlgen.rtl.testbench import VECTOR_SEED
from vhdlgen.templating import render

if TYPE_CHECKING:
    from vhdlgen.chain.client import ChainOptions
    from vhdlgen.rtl.design import HwDesign

_GEOMETRY_FIELDS = ("layers", "strips", "window_strips", "pool", "eta_min", "eta_max")


@dataclass(frozen=True)
class ChainPart:
    """What the chain adds to a build: its top, its VHDL files in compile order, its latency,
    the fragmentation entity and the stage plan."""

    top: str
    sources: tuple[str, ...]
    latency_cycles: int
    fragmentation: str
    plan: Plan
    chain: Chain = field(repr=False)

    def vectors(self, n_vectors: int,
                seed: int = VECTOR_SEED) -> tuple[np.ndarray, np.ndarray, str]:
        """DIR/tb/'s vectors: (strips (N, layers * strips), expected codes (N, 4), where from):
        fresh toy-dataset events, or uniform random strips for another geometry."""
        g = self.chain.geometry
        if n_vectors == 0:  # no DIR/tb/
            return np.zeros((0, g.layers * g.strips), np.int64), np.zeros((0, 4), np.int64), ""
        if g == StripGeometry():
            from vhdlgen.data import generate_events

            strips = generate_events(n_vectors, seed=seed, full_image=True)["image"]
            source = (f"{n_vectors} toy-dataset events (vhdlgen.data.generate_events, seed {seed}, "
                      "full image, about half muons, half noise), the raw strips")
        else:
            rng = np.random.default_rng(seed)
            strips = (rng.random((n_vectors, g.layers, g.strips)) < 0.05).astype(np.uint8)
            source = (f"{n_vectors} events of random strips (5% fired, numpy default_rng, "
                      f"seed {seed})")
        return strips.reshape(n_vectors, -1), self.chain.predict_codes(strips), source

    def report(self, typed: BuildReport) -> BuildReport:
        """The CNN build's report turned into the chain's (the CNN's own ports and latency
        move to 'cnn'; the layers stay as they are)."""
        chain, g, stage_plan = self.chain, self.chain.geometry, self.plan
        report = typed.to_json()
        cnn_latency = report["latency_cycles"]
        latency = self.latency_cycles
        latency_ns = round(latency * report["clock_ns"], 6)
        width = chain.element_width
        extra = unit_rows(chain, stage_plan, self.fragmentation, self.top, cnn_latency,
                          report["in_data"]["format"])
        luts = {extra[0]["name"]: extra[0]["lut_estimate"], "layers": report["lut_estimate"],
                extra[1]["name"]: extra[1]["lut_estimate"]}
        return BuildReport.from_json({
            **report, "top": self.top, "latency_cycles": latency, "latency_ns": latency_ns,
            "extra_units": extra,
            "total": {"latency_cycles": latency, "latency_ns": latency_ns,
                      "lut_estimate": sum(luts.values()), "lut_parts": luts},
            "in_data": {
                "width": g.layers * g.strips, "elements": g.layers * g.strips, "element_width": 1,
                "signed": False, "frac_bits": 0, "format": "ufixed<1,1>",
                "shape": [g.layers, g.strips],
                "order": "row-major over shape: bit l*strips + s is strip s of layer l ('1' = "
                         "fired), element 0 at the least significant bit"},
            "out_data": {
                "width": 4 * width, "elements": 4, "element_width": width, "signed": True,
                "frac_bits": None, "format": "per element, see fields", "shape": [4],
                "order": "element i occupies bits [i*element_width, (i+1)*element_width), two's "
                         "complement, element 0 at the least significant bits",
                "fields": [f.as_json(i, width) for i, f in enumerate(chain.fields)]},
            "cnn": {k: report[k] for k in ("top", "latency_cycles", "in_data", "out_data",
                                              "adders", "lut_estimate")},
            "front_end": {
                "kind": "rpc", "entity": self.fragmentation, "geometry": g.as_json(),
                "threshold_gev": chain.threshold_gev, "threshold_code": chain.threshold_code,
                "pool_codes": [int(c) for c in chain.pool_codes],
                "eta_offsets": [int(o) for o in chain.eta_offsets],
                "eta_offset_max_error": 2.0 ** -(chain.fields[1].fmt.frac + 1),
                **stage_plan.as_json()},
            "latency": {"front_end_cycles": stage_plan.latency, "cnn_cycles": cnn_latency,
                        "output_stage_cycles": 1, "chain_cycles": latency},
        })


def chain_part(design: HwDesign, chain_options: ChainOptions) -> ChainPart:
    """The chain's part of `design` (the CNN alone) with `front_end="rpc"` (`chain_options`:
    its strip geometry and threshold; the design's options: clock_ns, margin_ns, delay model)."""
    g, options, graph = chain_options.strip_geometry, design.options, design.graph
    chain = Chain(Network(graph), g, chain_options.threshold_gev)
    stage_plan = plan(g, options.clock_ns, options.margin_ns, chain.fields[1].fmt.width,
                      options.delay)
    names = _names(design.network_top, {name.lower() for name in design.network_sources})
    fragmentation, top = names["fragmentation"], names["chain"]
    if chain.pool_codes.min() < 0:
        raise UserError("--front-end rpc: the model's input codes of pooled hits are negative; "
                        "accepted an input format whose codes of 0..1 are non-negative")
    sources = (f"{fragmentation}.vhd", f"{top}_pkg.vhd", f"{top}.vhd")
    latency = stage_plan.latency + design.network_latency + 1
    return ChainPart(top, sources, latency, fragmentation, stage_plan, chain)


def emit_chain(design: HwDesign) -> dict[str, str]:
    """The chain's VHDL in DIR/rtl/ ({} for a design without the chain's part)."""
    part = design.part
    if not isinstance(part, ChainPart):
        return {}
    g, chain, graph, info = part.chain.geometry, part.chain, design.graph, design.info
    out, code_bits = graph.output, graph.input.fmt.width
    fragmentation_file, package_file, top_file = part.sources
    common = dict(info=info, g=g, top=part.top, width=chain.element_width, fields=chain.fields,
                  fe_latency=part.plan.latency, cnn_latency=design.network_latency,
                  latency=part.latency_cycles)
    files = {
        fragmentation_file: render(
            "rpc_fragmentation.vhd.j2", info=info, entity=part.fragmentation, g=g, group=GROUP,
            code_bits=code_bits, index_bits=chain.fields[2].fmt.width,
            code_format=str(graph.input.fmt),
            ones_table=[bin(v).count("1") for v in range(2**GROUP)],
            pool_table=[int(chain.pool_codes[bin(v).count("1")]) for v in range(2**g.pool)],
            padded_bits=-(-g.window_bits // GROUP) * GROUP,
            steps=_steps(part.plan), stages=_stages(part.plan)),
        package_file: render("rpc_chain_pkg.vhd.j2", **common),
        top_file: render(
            "rpc_chain.vhd.j2", **common, fragmentation=part.fragmentation,
            cnn_top=design.network_top, index_bits=chain.fields[2].fmt.width, frac=out.fmt.frac,
            offsets=[int(o) for o in chain.eta_offsets], threshold_code=chain.threshold_code,
            threshold_gev=f"{chain.threshold_gev:g}", eta_local_lo=out.lo,
            eta_local_hi=out.hi, cnn_in_width=int(np.prod(graph.input.shape)) * code_bits,
            cnn_out_width=2 * out.fmt.width, cnn_element_width=out.fmt.width,
            cnn_kind="signed" if out.fmt.signed else "unsigned"),
    }
    return {f"rtl/{name}": text for name, text in files.items()}


def chain_of(report: dict, graph: Graph) -> Chain | None:
    """The reference of a build's chain (from its report), or None for a CNN-only build."""
    section = report.get("front_end")
    if not section:
        return None
    geometry = StripGeometry(**{k: section["geometry"][k] for k in _GEOMETRY_FIELDS})
    return Chain(Network(graph), geometry, section["threshold_gev"])


def _names(cnn_top: str, taken: set[str]) -> dict[str, str]:
    """Entity names for the chain's files that no CNN file uses (numeric suffix if needed)."""
    names = {}
    for role in ("fragmentation", "chain"):
        name, counter = f"{cnn_top}_{role}", 1
        while {f"{name}.vhd", f"{name}_pkg.vhd"} & taken:
            counter += 1
            name = f"{cnn_top}_{role}{counter}"
        names[role] = name
    return names


def _steps(stage_plan: Plan) -> list[dict]:
    """Every step with what the template needs: its input expression and whether a register
    ends its stage (it is the last step of a stage that is not the last)."""
    result, previous = [], None
    for index, stage in enumerate(stage_plan.stages, start=1):
        for position, step in enumerate(stage):
            src = None
            if previous is not None:
                src = previous["name"] + ("_r" if position == 0 else "")
            entry = {"name": step.name, "kind": step.kind, "count": step.count, "hi": step.hi,
                     "src": src, "prev_count": previous["count"] if previous else 0,
                     "reg": position == len(stage) - 1 and index < stage_plan.latency}
            result.append(entry)
            previous = entry
    return result


def _stages(stage_plan: Plan) -> list[dict]:
    steps, result, at = _steps(stage_plan), [], 0
    for index, (stage, delay) in enumerate(zip(stage_plan.stages, stage_plan.stage_delays), 1):
        result.append({"index": index, "steps": steps[at:at + len(stage)], "delay": delay,
                       "last": index == stage_plan.latency,
                       "data": "data" if index == 1 else f"data_{index - 1}"})
        at += len(stage)
    return result
