"""Rendering: hardware units -> VHDL text files (Jinja2 templates, no arithmetic here)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vhdlgen.ir import Graph, Tensor
from vhdlgen.rtl.lower import Unit
from vhdlgen.templating import render, templates_dir

STATIC_PRIMITIVES = ("vhdlgen_pkg.vhd", "vhdlgen_valid_pipe.vhd")


@dataclass(frozen=True)
class HeaderInfo:
    """What every generated file says about its origin."""

    version: str
    model: str
    model_hash: str
    options: str


@dataclass(frozen=True)
class Port:
    """A packed data port: `count` elements of `element_width` bits in format `format`."""

    count: int
    element_width: int
    frac: int
    signed: bool
    format: str
    shape: tuple[int, ...]

    @property
    def width(self) -> int:
        return self.count * self.element_width

    @classmethod
    def of(cls, tensor: Tensor) -> "Port":
        fmt = tensor.fmt
        return cls(int(np.prod(tensor.shape)), fmt.width, fmt.frac, fmt.signed, str(fmt),
                   tuple(tensor.shape))

    def as_json(self) -> dict:
        return {
            "width": self.width, "elements": self.count, "element_width": self.element_width,
            "signed": self.signed, "frac_bits": self.frac, "format": self.format,
            "shape": list(self.shape),
            "order": "row-major over shape; element i occupies bits [i*element_width, "
                     "(i+1)*element_width), element 0 at the least significant bits",
        }


def render_files(graph: Graph, units: list[Unit], top: str, info: HeaderInfo,
                 register_inputs: bool = False) -> dict[str, str]:
    """File name -> text, in compile order (static primitives, package, layers, top).
    `register_inputs` puts a register on in_data/in_valid in the top (one more cycle)."""
    files = {name: (templates_dir() / name).read_text() for name in STATIC_PRIMITIVES}
    inp, out = Port.of(graph.input_tensor), Port.of(graph.output)
    latency = sum(unit.latency for unit in units) + int(register_inputs)
    files[f"{top}_pkg.vhd"] = render("package.vhd.j2", info=info, top=top, inp=inp, out=out,
                                     latency=latency)
    for unit in units:
        template = "layer_signed.vhd.j2" if unit.wide else "layer.vhd.j2"
        files[f"{unit.entity}.vhd"] = render(template, info=info, unit=unit)
    files[f"{top}.vhd"] = render("top.vhd.j2", info=info, top=top, units=units, latency=latency,
                                 register_inputs=register_inputs,
                                 inp=inp, out=out)
    return files
