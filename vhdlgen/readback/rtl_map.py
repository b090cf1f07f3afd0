"""Vivado's cell names back to the RTL of a vhdlgen build: unit, pipeline stage and signal.

Vivado names a flip-flop after the VHDL signal or variable it holds, under the instance path:
`u_conv3/x_h1_w0_c0_s1_r0_reg[1]/C` is bit 1 of register variable `x_h1_w0_c0_s1_r0` in the unit
instantiated as `u_conv3`. Optimisation adds suffixes after the bit (`_bret__11` retiming,
`_rep__0` replication, `_srl5` a shift-register LUT); they are dropped. The rest is decoded by
the same rules as yosys net names (`vhdlgen.estimate.RtlNames`: instances `u_<label>`
(`vhdlgen.rtl.names.top_names`), registers `<value>_r<stage>` (`adder_graph.register_name`),
adders `<neuron>_a<N>`, shared subexpressions `t<N>`).
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from vhdlgen.errors import UserError
from vhdlgen.estimate import RtlNames, rtl_text
from vhdlgen.rtl.manifest import read_build
from vhdlgen.rtl.names import top_names

# <instance path>/<name>_reg[<bit>]<optimisation suffix>/<pin>
_CELL = re.compile(r"^(?P<name>.+)_reg(?:\[(?P<bit>\d+)\])?(?P<suffix>_[A-Za-z]\w*)?"
                   r"(?:/(?P<pin>[A-Za-z][A-Za-z0-9]*))?$")


@dataclasses.dataclass(frozen=True)
class BuildNames:
    """The naming facts of one build: its top, its units' instances and process labels."""

    names: RtlNames
    words: frozenset[str] = frozenset()  # every identifier of the build's VHDL, lower case

    @classmethod
    def load(cls, build_dir: Path) -> BuildNames:
        """From a finished build folder (UserError when it is not one)."""
        build = read_build(build_dir)
        texts = []
        for path in build.source_paths:
            try:
                texts.append(path.read_text(errors="replace"))
            except OSError as error:
                raise UserError(f"cannot read {path}: {error.strerror or error}") from error
        labels = RtlNames.from_sources(build.top, "", texts).process_labels
        entities = {top_names(unit["name"])[2]: unit["entity"]
                    for unit in build.report.get("layers", [])
                    if isinstance(unit, dict) and "name" in unit and "entity" in unit}
        words = frozenset(w.lower() for text in texts for w in re.findall(r"\b\w+\b", text))
        return cls(RtlNames(top=build.top.lower(), entities=entities, process_labels=labels),
                    words)

    def describe(self, pin: str) -> dict[str, object]:
        """RtlNames.describe of the register behind a Vivado pin name ({} when the name is not a
        register of the form <path>/<name>_reg[<bit>]/<pin>)."""
        match = _CELL.match(pin)
        if not match:
            return {}
        *hierarchy, local = match.group("name").split("/")
        for label in self.names.process_labels:  # Vivado may write <process>.<variable>
            if local.startswith(label + "."):
                local = local[len(label) + 1:]
        net = ".".join([*hierarchy, local])
        if match.group("bit") is not None:
            net += f"[{match.group('bit')}]"
        return self.names.describe(net)

    def text(self, pin: str) -> str:
        """One line for the register behind `pin`; says so when the build has no such register
        (a report of another design, or a cell Vivado named itself)."""
        info = self.describe(pin)
        signal = str(info.get("signal") or "").lower()
        unit = str(info.get("unit") or "")
        if not signal or signal not in self.words or (
                unit != self.names.top and unit not in self.names.entities):
            return f"{pin} (not a register of this build)"
        return rtl_text(info)
