"""Hand-made yosys JSON netlist cells for the estimate tests (vhdlgen/estimate/netlist.py and
paths.py read this form: type, port directions, connections as bit numbers or constants)."""
from __future__ import annotations


def cell(ctype: str, **ports: tuple[str, list]) -> dict:
    return {"type": ctype,
            "port_directions": {p: d for p, (d, _) in ports.items()},
            "connections": {p: bits for p, (_, bits) in ports.items()}}


def ff(d: int, q: int) -> dict:
    return cell("FDRE", C=("input", [1]), CE=("input", ["1"]), R=("input", ["0"]),
                D=("input", [d]), Q=("output", [q]))


def lut(ctype: str, out: int, *ins: int | str) -> dict:
    return cell(ctype, **{f"I{i}": ("input", [b]) for i, b in enumerate(ins)},
                O=("output", [out]))


def carry4(s: list, o: list[int], co: list[int], ci: int | str = "0",
           di: list | None = None) -> dict:
    return cell("CARRY4", CI=("input", [ci]), CYINIT=("input", ["0"]),
                DI=("input", di or ["0"] * 4), S=("input", s),
                 O=("output", o), CO=("output", co))




def carry_cascade(cells: dict, s0: int, count: int) -> None:
    """`count` cascaded CARRY4 c0, c1, ... into `cells`, `s0` on S[0] of c0; cell k's O[i] is
    bit 100 + 10k + i and its CO[i] bit 105 + 10k + i."""
    ci: int | str = "0"
    for k in range(count):
        o = [100 + 10 * k + i for i in range(4)]
        co = [105 + 10 * k + i for i in range(4)]
        cells[f"c{k}"] = carry4([s0 if k == 0 else "0", "0", "0", "0"], o, co, ci)
        ci = co[3]
