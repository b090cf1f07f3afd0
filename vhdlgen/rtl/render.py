"""Rendering: hardware units -> VHDL text files (Jinja2 templates, no arithmetic here)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from vhdlgen.ir import Tensor
from vhdlgen.rtl.names import STATIC_UNITS, vhd_file
from vhdlgen.templating import render, templates_dir

if TYPE_CHECKING:
    from vhdlgen.rtl.design import HwDesign

STATIC_PRIMITIVES = tuple(vhd_file(unit) for unit in STATIC_UNITS)


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


def render_files(design: HwDesign) -> dict[str, str]:
    """The network's VHDL: file name -> text for each of `design.network_sources`, the one list
    (`names.network_files`: static primitives, package, one file per unit, top)."""
    static, (package, *unit_files, top_file) = (
        design.network_sources[:len(STATIC_PRIMITIVES)],
        design.network_sources[len(STATIC_PRIMITIVES):])
    files = {name: (templates_dir() / name).read_text() for name in static}
    info, top, units = design.info, design.network_top, design.units
    inp, out, latency = design.in_port, design.out_port, design.network_latency
    files[package] = render("package.vhd.j2", info=info, top=top, inp=inp, out=out,
                            latency=latency)
    for unit, name in zip(units, unit_files):
        template = ("layer_primitives.vhd.j2" if unit.primitive_stages
                    else "layer_signed.vhd.j2" if unit.wide else "layer.vhd.j2")
        files[name] = render(template, info=info, unit=unit)
    files[top_file] = render("top.vhd.j2", info=info, top=top, units=list(units),
                             latency=latency, register_inputs=design.options.register_inputs,
                             inp=inp, out=out)
    return files
