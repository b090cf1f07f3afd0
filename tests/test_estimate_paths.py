"""vhdlgen/estimate/paths.py: logic levels and the critical path in ns over a netlist (the
delay model of vhdlgen.timing), on hand-made netlists whose answers are counted by hand."""
from __future__ import annotations

import pytest

from netlist_cells import carry4, carry_cascade, cell, ff, lut
from vhdlgen.errors import UserError
from vhdlgen.estimate import RtlNames, logic_levels, rtl_text
from vhdlgen.timing import ULTRASCALE_PLUS_2 as M


def test_logic_levels_counts_cells_between_registers() -> None:
    # FF(10) -> LUT6 -> LUT3 -> MUXF7 -> FF ; a shorter branch LUT2 -> FF; port 5 -> LUT1 -> out
    module = {
        "ports": {"clk": {"direction": "input", "bits": [1]},
                  "in_data": {"direction": "input", "bits": [5]},
                  "out_data": {"direction": "output", "bits": [6]}},
        "netnames": {"acc_q": {"hide_name": 0, "bits": [10]}},
        "cells": {
            "src": ff(9, 10),
            "l1": cell("LUT6", **{f"I{i}": ("input", [10]) for i in range(6)},
                       O=("output", [11])),
            "l2": cell("LUT3", I0=("input", [11]), I1=("input", [10]), I2=("input", ["0"]),
                       O=("output", [12])),
            "l2b": cell("LUT3", I0=("input", [11]), I1=("input", [10]), I2=("input", [10]),
                        O=("output", [14])),
            "m": cell("MUXF7", I0=("input", [12]), I1=("input", [14]), S=("input", [10]),
                      O=("output", [13])),
            "dst": ff(13, 20),
            "short": cell("LUT2", I0=("input", [10]), I1=("input", [20]), O=("output", [21])),
            "dst2": ff(21, 22),
            "io": cell("LUT1", I0=("input", [5]), O=("output", [6])),
            "loop": ff(9, 9),
        },
    }
    got = logic_levels(module)
    assert got["levels"] == 3
    assert got["cells"] == ["LUT6", "LUT3", "MUXF7"]
    assert got["from"] == "acc_q" and got["to"].startswith("FDRE")


def test_logic_levels_carry_bits_are_exact() -> None:
    # Two cascaded CARRY4. Register 30 only reaches S[3] of the upper carry: its O[3] is one
    # level from it. Register 40 drives S[0] of the lower carry: lower CO[3] -> upper CI -> upper
    # O[0..3] is 2 levels. A deeper false path (S[3] of the lower carry to its O[0]) must not
    # exist: only O[3]/CO[3] of the lower cell depend on S[3].
    lo_o, lo_co = [100, 101, 102, 103], [104, 105, 106, 107]
    hi_o, hi_co = [110, 111, 112, 113], [114, 115, 116, 117]
    module = {
        "ports": {},
        "netnames": {},
        "cells": {
            "r30": ff(1000, 30), "r40": ff(1001, 40), "r50": ff(1002, 50),
            "pre": cell("LUT1", I0=("input", [50]), O=("output", [51])),
            "lo": cell("CARRY4", CI=("input", ["0"]), CYINIT=("input", ["0"]),
                       DI=("input", ["0"] * 4), S=("input", [40, "0", "0", 51]),
                        O=("output", lo_o), CO=("output", lo_co)),
            "hi": cell("CARRY4", CI=("input", [lo_co[3]]), CYINIT=("input", ["0"]),
                       DI=("input", ["0"] * 4), S=("input", ["0", "0", "0", 30]),
                        O=("output", hi_o), CO=("output", hi_co)),
            # register the low sum bit 0 and the upper sum bit 0
            "s0": ff(lo_o[0], 60), "s4": ff(hi_o[0], 61),
        },
    }
    got = logic_levels(module)
    # r50 -> LUT1 -> lo.S[3] -> lo.CO[3] -> hi.CI -> hi.O[0] -> s4 : 3 levels
    assert got["levels"] == 3 and got["cells"] == ["LUT1", "CARRY4", "CARRY4"]
    assert got["levels_carry8"] == 2  # lo and hi share one CARRY8
    module["cells"]["hi"]["connections"]["CI"] = ["0"]  # cut the cascade
    got = logic_levels(module)
    # now the deepest is r50 -> LUT1 -> lo.S[3] -> lo.O[3]? O[3] is unregistered; lo.O[0] does
    # not depend on S[3]; so only r40 -> lo.O[0] (1 level) and r30 -> hi.O[3] (dangling) remain
    assert got["levels"] == 1 and got["cells"] == ["CARRY4"]
    assert got["levels_carry8"] == 1


def test_logic_levels_detects_loops() -> None:
    module = {"ports": {}, "netnames": {}, "cells": {
        "a": cell("LUT1", I0=("input", [2]), O=("output", [3])),
        "b": cell("LUT1", I0=("input", [3]), O=("output", [2])),
        "f": ff(3, 4)}}
    with pytest.raises(UserError, match="combinational loop"):
        logic_levels(module)


def test_critical_path_ns_luts_and_muxf() -> None:
    # FF a(10), FF b(11) -> l1 LUT2 -> l2 LUT2 (also reads a) -> MUXF7 I0 -> FF y(16).
    # Fanouts: a = 2 (l1, l2), b = 2 (l1, MUXF7 S), l1 = 2 (l2, l3); MUXF7 data inputs are local.
    module = {
        "ports": {"clk": {"direction": "input", "bits": [1]}},
        "netnames": {"u_fc.n7_q": {"hide_name": 0, "bits": [10]},
                     "u_fc.pipeline_y_1_a4_r1": {"hide_name": 0, "bits": [10, 11]},
                     "u_fc.y_1": {"hide_name": 0, "bits": [16]}},
        "cells": {
            "a": ff(900, 10), "b": ff(901, 11),
            "l1": lut("LUT2", 12, 10, 11),
            "l2": lut("LUT2", 13, 12, 10),
            "l3": lut("LUT1", 14, 12),
            "m": cell("MUXF7", I0=("input", [13]), I1=("input", [14]), S=("input", [11]),
                      O=("output", [15])),
            "y": ff(15, 16),
        },
    }
    rtl = RtlNames(top="tiny", entities={"u_fc": "tiny_fc"}, process_labels=frozenset({"pipeline"}))
    got = logic_levels(module, rtl=rtl)
    timing = got["timing"]
    route2 = M.net + M.net_per_fanout * 1  # log2(2) = 1
    expected = (M.ff_clk_to_q + (route2 + M.lut) + (route2 + M.lut) + M.muxf + M.ff_setup
                + M.clock_uncertainty)
    assert timing["ns"] == pytest.approx(expected, abs=1e-3)
    assert timing["cells"] == ["LUT2", "LUT2", "MUXF7"]
    assert timing["cell_ns"] == [pytest.approx(route2 + M.lut, abs=1e-3)] * 2 + \
        [pytest.approx(M.muxf, abs=1e-3)]
    assert (timing["clk_to_q_ns"], timing["setup_ns"]) == (M.ff_clk_to_q, M.ff_setup)
    assert timing["fmax_mhz"] == pytest.approx(min(1000 / expected, M.fmax_ceiling_mhz), abs=0.1)
    # named in RTL terms: the stage-1 register of neuron y_1 (not GHDL's n7_q) -> register y_1
    assert timing["from"] == "u_fc.pipeline_y_1_a4_r1[0]"
    assert timing["from_rtl"] == {"net": "u_fc.pipeline_y_1_a4_r1[0]", "unit": "u_fc",
                                  "entity": "tiny_fc", "instance": "u_fc",
                                  "signal": "y_1_a4_r1", "neuron": "y_1", "stage": 1,
                                  "adder": 4, "shared": None, "bit": 0}
    assert timing["to"] == "FDRE u_fc.y_1 (D)"
    assert (timing["to_rtl"]["neuron"], timing["to_rtl"]["stage"]) == ("y_1", None)
    assert got["from_rtl"] == timing["from_rtl"]  # the deepest path is the same one here


def test_critical_path_ns_carry_chain() -> None:
    # FF(1) -> LUT1 -> S[0] of c0 -> CO[3] -> c1 (upper half of the same CARRY8: free)
    # -> CO[3] -> c2 (a new CARRY8: carry8) -> O[3] -> FF. Bit 1 drives only the LUT.
    cells = {"src": ff(999, 1), "p": lut("LUT1", 2, 1)}
    carry_cascade(cells, 2, 3)
    cells["dst"] = ff(123, 3)
    got = logic_levels({"ports": {}, "netnames": {}, "cells": cells})
    assert (got["levels"], got["levels_carry8"]) == (4, 3)
    timing = got["timing"]
    expected = (M.ff_clk_to_q + (M.net + M.lut) + M.carry_in + 0.0 + M.carry8 + M.ff_setup
                + M.clock_uncertainty)
    assert timing["ns"] == pytest.approx(expected, abs=1e-3)
    assert timing["cells"] == ["LUT1", "CARRY4", "CARRY4", "CARRY4"]
    assert timing["cell_ns"] == pytest.approx([M.net + M.lut, M.carry_in, 0.0, M.carry8],
                                              abs=1e-3)
    # unnamed nets: raw fallback names, no crash
    assert timing["from"] == "net bit 1" and timing["from_rtl"]["signal"] is None
    assert rtl_text(timing["from_rtl"]) == "net bit 1"


def test_critical_path_ns_routed_carry_input() -> None:
    # A register straight into S and DI of a carry (no propagate LUT in front): the operand is
    # routed (fanout 2: S[0] and DI[0]) before carry_in.
    cells = {"src": ff(999, 1),
             "c": carry4([1, "0", "0", "0"], [10, 11, 12, 13], [14, 15, 16, 17],
                         di=[1, "0", "0", "0"]),
             "dst": ff(10, 2)}
    timing = logic_levels({"ports": {}, "netnames": {}, "cells": cells})["timing"]
    expected = (M.ff_clk_to_q + M.net + M.net_per_fanout * 1 + M.carry_in + M.ff_setup
                + M.clock_uncertainty)
    assert timing["ns"] == pytest.approx(expected, abs=1e-3)


def test_critical_path_ns_port_to_port() -> None:
    # input port -> LUT1 -> output port: no clock-to-out, no setup, still the uncertainty.
    module = {"ports": {"in_data": {"direction": "input", "bits": [5]},
                        "out_data": {"direction": "output", "bits": [6]}},
              "netnames": {}, "cells": {"io": lut("LUT1", 6, 5)}}
    got = logic_levels(module)
    timing = got["timing"]
    assert timing["ns"] == pytest.approx(M.net + M.lut + M.clock_uncertainty, abs=1e-3)
    assert (timing["clk_to_q_ns"], timing["setup_ns"]) == (0.0, 0.0)
    assert (timing["from"], timing["to"]) == ("in_data", "output out_data")
    assert timing["from_rtl"]["unit"] is None  # no top given: unit unknown, no crash
    assert timing["fmax_mhz"] == M.fmax_ceiling_mhz  # a short path: capped at the clock tree


def test_critical_path_ns_fanout_matters() -> None:
    # The same LUT chain, once with the source register also feeding 7 other LUTs (fanout 8).
    def module(extra: int) -> dict:
        cells = {"src": ff(999, 1), "l": lut("LUT1", 2, 1), "dst": ff(2, 3)}
        for i in range(extra):
            cells[f"x{i}"] = lut("LUT1", 50 + i, 1)
            cells[f"d{i}"] = ff(50 + i, 80 + i)
        return {"ports": {}, "netnames": {}, "cells": cells}
    alone = logic_levels(module(0))["timing"]["ns"]
    shared = logic_levels(module(7))["timing"]["ns"]
    assert shared - alone == pytest.approx(M.net_per_fanout * 3, abs=1e-3)  # log2(8) = 3


def test_no_paths() -> None:
    got = logic_levels({"ports": {}, "netnames": {}, "cells": {}})
    assert got["levels"] == 0 and got["timing"]["ns"] == 0.0 and got["timing"]["cells"] == []


def test_carry8_deepest_path_is_recorded_with_its_unit() -> None:
    # u_a: FF -> LUT1 -> four cascaded CARRY4 (two CARRY8) -> FF: 5 levels, 3 as CARRY8.
    # u_b: FF -> four LUT1 in series -> FF: 4 levels either way. The deepest path by CARRY4
    # count ends in u_a, the deepest by CARRY8 count in u_b: both are recorded.
    cells = {"ra": ff(990, 1), "pa": lut("LUT1", 2, 1)}
    carry_cascade(cells, 2, 4)
    cells["da"] = ff(133, 200)
    cells["rb"] = ff(991, 300)
    for k in range(4):
        cells[f"l{k}"] = lut("LUT1", 301 + k, 300 + k)
    cells["db"] = ff(304, 400)
    netnames = {"u_a.sa": {"hide_name": 0, "bits": [200]},
                "u_b.sb": {"hide_name": 0, "bits": [400]}}
    rtl = RtlNames(top="tiny", entities={"u_a": "tiny_a", "u_b": "tiny_b"})
    got = logic_levels({"ports": {}, "netnames": netnames, "cells": cells}, rtl=rtl)
    assert (got["levels"], got["levels_carry8"]) == (5, 4)
    assert got["cells"] == ["LUT1"] + ["CARRY4"] * 4 and got["to_rtl"]["unit"] == "u_a"
    path8 = got["path_carry8"]
    assert path8["cells"] == ["LUT1"] * 4 and path8["to_rtl"]["unit"] == "u_b"
    assert got["units_carry8"] == {"u_a": 3, "u_b": 4}
    cells["db"] = ff(302, 400)  # u_b now two LUTs deep: u_a's path is the CARRY8-deepest
    got = logic_levels({"ports": {}, "netnames": netnames, "cells": cells}, rtl=rtl)
    assert got["path_carry8"]["cells"] == ["LUT1", "CARRY8", "CARRY8"]
    assert got["units_carry8"] == {"u_a": 3, "u_b": 2}


def test_an_inverter_is_no_level() -> None:
    # FF -> LUT2 (a constant input) -> INV -> LUT1 -> FF: Vivado's opt_design absorbs the INV (UG904,
    # retargeting), so the path is two levels and two routed LUTs, not three.
    cells = {"src": ff(990, 1), "a": lut("LUT2", 2, 1, "0"), "n": lut("INV", 3, 2),
             "b": lut("LUT1", 4, 3), "dst": ff(4, 5)}
    got = logic_levels({"ports": {}, "netnames": {}, "cells": cells})
    assert (got["levels"], got["levels_carry8"]) == (2, 2)
    assert got["cells"] == ["LUT2", "LUT1"] and got["timing"]["cells"] == ["LUT2", "LUT1"]
    assert got["timing"]["ns"] == pytest.approx(
        M.ff_clk_to_q + 2 * (M.net + M.lut) + M.ff_setup + M.clock_uncertainty, abs=1e-3)
