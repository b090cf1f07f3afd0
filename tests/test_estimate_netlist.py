"""vhdlgen/estimate/netlist.py: the cell classes of a yosys netlist (`count_resources`) and
its carry chains (`carry4_positions`), on hand-made netlists."""
from __future__ import annotations

from netlist_cells import carry4, cell, ff, lut
from vhdlgen.estimate import count_resources, logic_levels
from vhdlgen.estimate.netlist import bit_names, carry4_positions, fanouts


def test_count_resources_classes() -> None:
    got = count_resources({"LUT1": 1, "LUT6": 4, "SRLC32E": 2, "FDRE": 5, "FDSE": 1, "FDCE": 1,
                           "FDPE": 1, "CARRY8": 3, "CARRY4": 1, "MUXF7": 2, "DSP48E2": 2,
                           "RAMB36E2": 1, "RAMB18E2": 3, "BUFG": 1, "WEIRD": 1, "INV": 3})
    assert (got["lut"], got["ff"], got["carry"], got["dsp"], got["bram"]) == (10, 8, 4, 2, 2.5)
    assert got["detail"]["muxf"] == 2 and got["detail"]["lut_memory"] == 2
    assert got["detail"]["other_cells"] == {"WEIRD": 1}
    assert count_resources({"RAMB18E2": 2})["bram"] == 1


def test_carry8_packing_of_longer_chains() -> None:
    # A 5-cell CARRY4 cascade (20 bits) fed at S[0] of the head, sum MSB registered:
    # 5 carry levels as mapped, ceil(5/2) = 3 CARRY8 levels.
    cells = {"src": ff(999, 1)}
    ci = "0"
    for k in range(5):
        o = [100 + 10 * k + i for i in range(4)]
        co = [105 + 10 * k + i for i in range(4)]
        s0 = 1 if k == 0 else "0"
        cells[f"c{k}"] = cell("CARRY4", CI=("input", [ci]), CYINIT=("input", ["0"]),
                              DI=("input", ["0"] * 4), S=("input", [s0, "0", "0", "0"]),
                               O=("output", o), CO=("output", co))
        ci = co[3]
    cells["dst"] = ff(100 + 10 * 4 + 3, 2)
    got = logic_levels({"ports": {}, "netnames": {}, "cells": cells})
    assert got["levels"] == 5 and got["levels_carry8"] == 3
    assert carry4_positions(cells) == {f"c{k}": k for k in range(5)}


def test_fanouts_count_sinks_but_not_clock_pins() -> None:
    """A register's output read by two LUTs and an output port: fanout 3; the clock net feeds
    only clock pins (C): fanout 0; a constant input is no net."""
    module = {"ports": {"clk": {"direction": "input", "bits": [1]},
                        "out_data": {"direction": "output", "bits": [10]}},
              "cells": {"r": ff(5, 10), "a": lut("LUT2", 11, 10, "0"), "b": lut("LUT1", 12, 10),
                        "s": ff(11, 13)}}
    got = fanouts(module)
    assert (got[10], got[1], got[11], got[12]) == (3, 0, 1, 0)
    assert "0" not in got


def test_bit_names_prefer_ports_then_registers_then_unit_names() -> None:
    """A bit named by a port keeps the port's name; otherwise the best-ranked public name
    (a pipeline register <value>_rS before a unit-local name before GHDL's n25_q); hidden
    names never count; a bus's bits carry its index (plus its offset)."""
    module = {"ports": {"in_data": {"direction": "input", "bits": [2, 3]}},
              "netnames": {"u_fc.n25_q": {"hide_name": 0, "bits": [7]},
                           "u_fc.pipeline_y_1_r2": {"hide_name": 0, "bits": [7, 8]},
                           "u_fc.local": {"hide_name": 0, "bits": [9], "offset": 4},
                           "u_fc.alias_of_input": {"hide_name": 0, "bits": [2]},
                           "$auto$hidden": {"hide_name": 1, "bits": [11]}}}
    names = bit_names(module)
    assert names == {2: "in_data[0]", 3: "in_data[1]", 7: "u_fc.pipeline_y_1_r2[0]",
                     8: "u_fc.pipeline_y_1_r2[1]", 9: "u_fc.local"}


def test_carry4_positions_of_two_separate_chains() -> None:
    """Two chains: each head is position 0, whichever order the cells are listed in."""
    cells = {"b1": carry4(["0"] * 4, [20, 21, 22, 23], [24, 25, 26, 27], ci=17),
             "a0": carry4(["0"] * 4, [10, 11, 12, 13], [14, 15, 16, 17]),
             "z0": carry4(["0"] * 4, [30, 31, 32, 33], [34, 35, 36, 37]),
             "other": cell("LUT1", I0=("input", [27]), O=("output", [40]))}
    assert carry4_positions(cells) == {"a0": 0, "b1": 1, "z0": 0}


def test_lut6_2_outputs_depend_on_the_pins_their_init_reads() -> None:
    """A LUT6_2 whose O6 is the XOR of I0..I5 and whose O5 (INIT[31:0] on I0..I4) is I0 & I1:
    O5 has no arc from I2..I5, so a path through I5 and O5 does not exist; I5 tied high leaves
    O6 on I0..I4. Both outputs are one LUT level; the cell counts as one LUT."""
    from vhdlgen.estimate.netlist import cell_arcs, lut_support

    xor6 = sum(1 << i for i in range(64) if bin(i).count("1") % 2)
    and01 = sum(1 << i for i in range(32) if i & 3 == 3)
    init = (xor6 >> 32 << 32) | and01
    pins = [11, 12, 13, 14, 15, 16]
    assert lut_support(init, pins, o5=False) == [0, 1, 2, 3, 4, 5]
    assert lut_support(init, pins, o5=True) == [0, 1]
    assert lut_support(init, pins[:5] + ["1"], o5=False) == [0, 1, 2, 3, 4]
    lut6_2 = cell("LUT6_2", **{f"I{k}": ("input", [b]) for k, b in enumerate(pins)},
                  O6=("output", [20]), O5=("output", [21]))
    lut6_2["parameters"] = {"INIT": format(init, "064b")}
    arcs = {tuple(outs): sorted(p for p, _ in ins) for ins, outs in cell_arcs(lut6_2)}
    assert arcs == {(20,): [f"I{k}" for k in range(6)], (21,): ["I0", "I1"]}
    cells = {"a": ff(999, 16), "b": ff(998, 11), "l": lut6_2, "qa": ff(21, 30), "qb": ff(20, 31)}
    got = logic_levels({"ports": {}, "netnames": {}, "cells": cells})
    assert got["levels"] == 1 and not got["unknown_cell_types"]
    assert count_resources({"LUT6_2": 3, "LUT4": 1})["lut"] == 4
