"""Mapping the netlist's names back to the RTL (`RtlNames`, `rtl_text`), with the naming rules
that made them (`vhdlgen.rtl.names`: registers <value>_rS, adders <neuron>_aN, shared tN)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from vhdlgen.rtl.names import ADDER_NAME, REGISTER_NAME, SHARED_NAME

_GENERATED = re.compile(r"^n\d+_[a-z]$")  # GHDL's names for unnamed nets: n25_q, n8_o
_NET = re.compile(r"^(?P<name>[A-Za-z_][\w.]*?)(\[(?P<bit>\d+)\])?$")


def name_rank(name: str) -> int:
    """How well a net name tells the RTL story (lower is better): pipeline registers
    (<value>_rS), then names inside a unit, then other names; unit ports (in_*, out_*) and
    GHDL's generated names (n25_q, n8_o) last."""
    local = name.rsplit(".", 1)[-1]
    if _GENERATED.match(local):
        return 4
    if REGISTER_NAME.match(local):
        return 1
    if local.startswith(("in_", "out_")):
        return 3
    return 2 if "." in name else 3


@dataclass(frozen=True)
class RtlNames:
    """Maps GHDL-synthesised net names back to the RTL.

    `ghdl --synth` keeps VHDL names, and yosys `-flatten` prefixes them with the instance path:
    `u_fc.pipeline_y_1_s1_2[3]` is bit 3 of variable y_1_s1_2 of process `pipeline` in the unit
    instantiated as u_fc. `entities` maps instance paths to entity names, `process_labels` lists
    the process labels GHDL puts in front of variable names.
    """

    top: str | None = None
    entities: Mapping[str, str] = field(default_factory=dict)
    process_labels: frozenset[str] = frozenset()

    @classmethod
    def from_sources(cls, top: str, verilog: str, vhdl: Iterable[str]) -> RtlNames:
        """From GHDL's Verilog netlist (module instances) and the VHDL sources (entity names and
        process labels). Anything not recognised is left out, never an error."""
        text = "\n".join(vhdl).lower()
        entities = set(re.findall(r"^\s*entity\s+(\w+)\s+is\b", text, re.M))
        labels = frozenset(re.findall(r"^\s*(\w+)\s*:\s*(?:postponed\s+)?process\b", text, re.M))
        modules = re.findall(r"^module\s+(\S+)", verilog, re.M)
        known = set(modules)
        children: dict[str, list[tuple[str, str]]] = {}
        current = None
        for line in verilog.splitlines():
            head = re.match(r"^module\s+(\S+)", line)
            if head:
                current = head.group(1)
                continue
            inst = re.match(r"^\s+(\S+)\s+(\S+)\s*\($", line)
            if current and inst and inst.group(1) in known:
                children.setdefault(current, []).append((inst.group(2), inst.group(1)))

        def entity(module: str) -> str:
            base = re.sub(r"_\d+$", "", module)  # GHDL numbers specialised copies: name_2
            return module if module in entities or base not in entities else base

        paths: dict[str, str] = {}
        todo = [("", top.lower())]
        while todo:
            prefix, module = todo.pop()
            for inst, child in children.get(module, []):
                path = f"{prefix}.{inst}" if prefix else inst
                if path not in paths and len(paths) < 100_000:
                    paths[path] = entity(child)
                    todo.append((path, child))
        return cls(top=top.lower(), entities=paths, process_labels=labels)

    def describe(self, net: str | None) -> dict[str, object]:
        """{"net", "unit", "entity", "instance", "signal", "neuron", "adder", "shared", "stage",
        "bit"} of a net name; fields that do not apply (or a name not recognised) are None.

        unit: the layer instance (first hierarchy level), or the top entity for top-level nets;
        signal: the VHDL signal or variable (process label removed); neuron: the output element
        the signal belongs to (y_1 for y_1_a3 and y_1_a3_r2, None for generated names and shared
        subexpressions); adder: N of <neuron>_aN; shared: N of a shared subexpression tN; stage:
        S of a register <value>_rS (the value registered at the end of pipeline stage S)."""
        info: dict[str, object] = dict.fromkeys(
            ("net", "unit", "entity", "instance", "signal", "neuron", "adder", "shared", "stage",
             "bit"))
        info["net"] = net
        match = _NET.match(net or "")
        if not match:
            return info
        *hierarchy, local = match.group("name").split(".")
        if hierarchy:
            info["instance"] = ".".join(hierarchy)
            info["unit"] = hierarchy[0]
            info["entity"] = self.entities.get(hierarchy[0])
        else:
            info["unit"] = info["entity"] = self.top
        for label in sorted(self.process_labels, key=len, reverse=True):
            if local.startswith(label + "_") and len(local) > len(label) + 1:
                local = local[len(label) + 1:]
                break
        info["signal"] = local
        if match.group("bit") is not None:
            info["bit"] = int(match.group("bit"))
        if _GENERATED.match(local):
            return info
        value = local
        register = REGISTER_NAME.match(local)
        if register:
            value, info["stage"] = register.group("value"), int(register.group("stage"))
        info["neuron"] = value
        for pattern, key in ((SHARED_NAME, "shared"), (ADDER_NAME, "adder")):
            found = pattern.match(value)
            if found:
                info["neuron"] = found.groupdict().get("neuron")
                info[key] = int(found.group(key))
                break
        return info


def rtl_text(info: dict | None) -> str:
    """One line for a `RtlNames.describe` result: "tiny_fc (u_fc): y_1 adder 2, register after
    stage 1 bit 3";
    the raw net name when nothing was recognised."""
    if not info:
        return "?"
    if info.get("signal") is None:
        return str(info.get("net") or "?")
    where = info.get("entity") or info.get("unit")
    if info.get("instance") and info.get("entity"):
        where = f"{info['entity']} ({info['instance']})"
    if info.get("shared") is not None:
        what = f"shared subexpression t{info['shared']}"
    elif info.get("neuron"):
        what = str(info["neuron"])
        if info.get("adder") is not None:
            what += f" adder {info['adder']}"
    else:
        what = f"{info['signal']} (generated net)"
    if info.get("stage") is not None:
        what += f", register after stage {info['stage']}"
    if info.get("bit") is not None:
        what += f" bit {info['bit']}"
    return f"{where}: {what}" if where else what
