"""Render records of a unit whose ternary adders are LUT6_2 + CARRY8 instances (the dataflow
form, templates/layer_primitives.vhd.j2).

Instances cannot live in a process, so this form declares every value a `signed` signal of its
exact width, computes each one in a concurrent statement, and closes the stages in one clocked
process. A ternary adder is the instances of its `lut_adder` plan: LUT pins read operand bits
directly, the result is the chain's O bits (and wires below the chain). Binary adders, views and
requantizers are the signed form's records (`statements.vector_stages`).
"""
from __future__ import annotations

from dataclasses import dataclass

from vhdlgen.rtl.adder_graph import AdderGraph, Const
from vhdlgen.rtl.lut_adder import TernaryPlan, plan_graph
from vhdlgen.rtl.statements import Stage, vector_stages


@dataclass(frozen=True)
class LutInstance:
    """One LUT6_2: instance name, INIT as 16 hex digits, the six pin expressions, and the
    signals its O6 and O5 drive ('open': unused)."""

    name: str
    init: str
    pins: tuple[str, ...]
    o6: str
    o5: str


@dataclass(frozen=True)
class Carry8Instance:
    """One CARRY8 of a chain: its slice of the chain's S/DI/O/CO vectors and its carry in."""

    name: str
    low: int
    carry_in: str


@dataclass(frozen=True)
class PrimitiveAdder:
    """A ternary adder `dst` of `width` bits: its comment, the wires below its chain
    (`low`: (bit, expression)), the chain of `chain` bits from bit `start` (0: none), its
    instances (a LUT below the chain drives its result bit directly)."""

    dst: str
    width: int
    comment: str
    low: tuple[tuple[int, str], ...]
    start: int
    chain: int
    luts: tuple[LutInstance, ...]
    carry8s: tuple[Carry8Instance, ...]
    tied: tuple[tuple[str, str], ...] = ()  # (chain signal bit, '0' or '1'): no LUT needed

    @property
    def chain_msb(self) -> int:
        """The top bit of the chain's S/DI/O/CO vectors (whole CARRY8s)."""
        return 8 * len(self.carry8s) - 1


@dataclass(frozen=True)
class PrimitiveStage:
    """A stage of the dataflow form: the signed form's stage and its ternary adders as
    instances (the others stay statements)."""

    stage: Stage
    primitives: tuple[PrimitiveAdder, ...]


def _bit(pin, names: list[str]) -> str:
    if isinstance(pin, tuple):
        return f"{names[pin[0]]}({pin[1]})"
    return f"'{pin}'"


def _adder_records(dst: str, p: TernaryPlan, names: list[str], comment: str) -> PrimitiveAdder:
    """The instances of plan `p`, its operands read from the signals `names`."""
    def target(port: tuple[str, int] | None) -> str:
        if port is None:
            return "open"
        kind, j = port
        return f"{dst}({j})" if kind == "y" else f"{dst}_{kind}({j - p.start})"

    luts = tuple(LutInstance(f"{dst}_lut{k}", f"{lut.init:016X}",
                             tuple(_bit(pin, names) for pin in lut.pins),
                             target(lut.o6), target(lut.o5))
                 for k, lut in enumerate(p.luts))
    carry_in = f"'{p.carry_in}'"
    chain = []
    for k in range(p.carry8s):
        chain.append(Carry8Instance(f"{dst}_carry{k}", 8 * k, carry_in))
        carry_in = f"{dst}_co({8 * k + 7})"
    low = tuple((j, _bit(pin, names)) for j, pin in enumerate(p.low))
    tied = tuple((target((kind, j)), f"'{value}'") for kind, j, value in p.tied)
    return PrimitiveAdder(dst, p.width, comment, low, p.start, p.chain, luts, tuple(chain),
                          tied)


def _operand_name(graph: AdderGraph, operand, stage: int) -> str:
    return "" if isinstance(operand, Const) else graph.reference(operand, stage)


def primitive_stages(graph: AdderGraph) -> tuple[PrimitiveStage, ...]:
    """The dataflow form's stages (last first, as `vector_stages`)."""
    plans = plan_graph(graph)
    by_name = {adder.name: adder for adder in graph.adders}
    result = []
    for stage in vector_stages(graph):
        primitives = []
        for add in stage.adds:
            adder = by_name[add.dst]
            if adder.name not in plans:
                continue
            names = [_operand_name(graph, op, stage.index) for op in adder.operands]
            shown = [name or str(op.value) for name, op in zip(names, adder.operands)]
            sign = "-" if adder.c_sign < 0 else "+"
            comment = f"{adder.name} = {shown[0]} + {shown[1]} {sign} {shown[2]}"
            primitives.append(_adder_records(adder.name, plans[adder.name], names, comment))
        result.append(PrimitiveStage(stage, tuple(primitives)))
    return tuple(result)
