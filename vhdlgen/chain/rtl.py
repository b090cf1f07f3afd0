"""`build --front-end rpc`: the fragmentation stage and the chain top around the generated CNN.

`render_chain` adds three files to the CNN's (which stay as they are): `<cnn>_fragmentation.vhd`,
`<cnn>_chain_pkg.vhd` and `<cnn>_chain.vhd`, the new top. `ChainFiles.report` turns the CNN's
report into the chain's: top, ports, latency of each block and of the whole chain, and the
rows of the fragmentation and output stages beside the CNN's units (`extra_units`, `total`).
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
from vhdlgen.rtl.testbench import VECTOR_SEED
from vhdlgen.templating import render

if TYPE_CHECKING:
    from vhdlgen.chain.client import ChainOptions
    from vhdlgen.rtl.build import BuildOptions

_GEOMETRY_FIELDS = ("layers", "strips", "window_strips", "pool", "eta_min", "eta_max")


@dataclass(frozen=True)
class ChainFiles:
    """What the chain adds to a build: VHDL files in compile order, names, and the stage plan."""

    files: dict[str, str]
    top: str
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

    def report(self, report: dict) -> dict:
        """The CNN build's report turned into the chain's (the CNN's own ports and latency
        move to 'cnn'; the layers stay as they are)."""
        chain, g, stage_plan = self.chain, self.chain.geometry, self.plan
        cnn_latency = report["latency_cycles"]
        latency = stage_plan.latency + cnn_latency + 1
        latency_ns = round(latency * report["clock_ns"], 6)
        width = chain.element_width
        extra = unit_rows(chain, stage_plan, self.fragmentation, self.top, cnn_latency,
                          report["in_data"]["format"])
        luts = {extra[0]["name"]: extra[0]["lut_estimate"], "layers": report["lut_estimate"],
                extra[1]["name"]: extra[1]["lut_estimate"]}
        return {
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
        }


def render_chain(graph: Graph, cnn_top: str, cnn_latency: int, taken: list[str], info,
                 chain_options: ChainOptions, options: BuildOptions) -> ChainFiles:
    """The chain's files for `build` with `front_end="rpc"` (`chain_options`: its strip
    geometry and threshold; `options`: the build's clock_ns, margin_ns and delay model);
    `taken`: the CNN's file names."""
    g = chain_options.strip_geometry
    chain = Chain(Network(graph), g, chain_options.threshold_gev)
    eta = chain.fields[1]
    stage_plan = plan(g, options.clock_ns, options.margin_ns, eta.fmt.width, options.delay)
    names = _names(cnn_top, {name.lower() for name in taken})
    fragmentation, top = names["fragmentation"], names["chain"]
    code_bits = graph.input.fmt.width
    index_bits = chain.fields[2].fmt.width
    if chain.pool_codes.min() < 0:
        raise UserError("--front-end rpc: the model's input codes of pooled hits are negative; "
                        "accepted an input format whose codes of 0..1 are non-negative")
    out = graph.output
    common = dict(info=info, g=g, top=top, width=chain.element_width, fields=chain.fields,
                  fe_latency=stage_plan.latency, cnn_latency=cnn_latency,
                  latency=stage_plan.latency + cnn_latency + 1)
    files = {
        f"{fragmentation}.vhd": render(
            "rpc_fragmentation.vhd.j2", info=info, entity=fragmentation, g=g, group=GROUP,
            code_bits=code_bits, index_bits=index_bits, code_format=str(graph.input.fmt),
            ones_table=[bin(v).count("1") for v in range(2**GROUP)],
            pool_table=[int(chain.pool_codes[bin(v).count("1")]) for v in range(2**g.pool)],
            padded_bits=-(-g.window_bits // GROUP) * GROUP,
            steps=_steps(stage_plan), stages=_stages(stage_plan)),
        f"{top}_pkg.vhd": render("rpc_chain_pkg.vhd.j2", **common),
        f"{top}.vhd": render(
            "rpc_chain.vhd.j2", **common, fragmentation=fragmentation, cnn_top=cnn_top,
            index_bits=index_bits, frac=out.fmt.frac,
            offsets=[int(o) for o in chain.eta_offsets], threshold_code=chain.threshold_code,
            threshold_gev=f"{chain.threshold_gev:g}", eta_local_lo=out.lo,
            eta_local_hi=out.hi, cnn_in_width=int(np.prod(graph.input.shape)) * code_bits,
            cnn_out_width=2 * out.fmt.width, cnn_element_width=out.fmt.width,
            cnn_kind="signed" if out.fmt.signed else "unsigned"),
    }
    return ChainFiles(files, top, fragmentation, stage_plan, chain)


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
