"""`vhdlgen estimate`: GHDL + yosys synth_xilinx counts and logic depth on tiny known designs.

These tests need ghdl and yosys and FAIL (never skip) without them: the Makefile installs both.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from tools import make_build, require_tool
from vhdlgen import estimate as est
from vhdlgen.errors import UserError
from vhdlgen.estimate import (RtlNames, add_estimate_parser, count_resources, estimate,
                              format_estimate, logic_levels, rtl_text)
from vhdlgen.estimate.netlist import carry4_positions
from vhdlgen.timing import ULTRASCALE_PLUS_2 as M

KEYS = {"lut", "ff", "carry", "dsp", "bram", "max_logic_levels", "tools", "critical_path_ns",
        "fmax_mhz"}


@pytest.fixture(scope="module")
def tools_present() -> None:
    require_tool("ghdl")
    require_tool("yosys")


@pytest.fixture(scope="module")
def register_run(tmp_path_factory, tools_present) -> tuple[Path, dict, list[str]]:
    build = make_build(tmp_path_factory.mktemp("est"), "register")
    lines: list[str] = []
    return build, estimate(build, progress=lines.append), lines


@pytest.fixture(scope="module")
def adder_run(tmp_path_factory, tools_present) -> tuple[Path, dict]:
    build = make_build(tmp_path_factory.mktemp("est"), "adder")
    return build, estimate(build)


# --------------------------------------------------------------------------- known designs
def test_register_counts(register_run) -> None:
    build, result, _ = register_run
    # 16 data bits + 1 valid bit, synchronous reset on the FDRE R pin: no LUT at all.
    assert (result["ff"], result["lut"], result["carry"], result["dsp"], result["bram"]) == \
        (17, 0, 0, 0, 0)
    assert result["max_logic_levels"] == 0
    assert result["detail"]["cells_by_type"] == {"FDRE": 17}


def test_adder_counts_and_depth(adder_run) -> None:
    _, result = adder_run
    # 2 x 8 input FF + 8 sum FF + 2 valid FF; one propagate LUT2 per sum bit; 8 bits in two
    # 4-bit CARRY4; deepest path LUT2 -> CARRY4 -> CARRY4 (carry-in of the upper nibble).
    assert (result["ff"], result["lut"], result["carry"], result["dsp"], result["bram"]) == \
        (26, 8, 2, 0, 0)
    assert result["max_logic_levels"] == 3
    assert result["logic_path"]["cells"] == ["LUT2", "CARRY4", "CARRY4"]
    # Vivado packs the two CARRY4 of the 8-bit chain into one CARRY8: LUT2 > CARRY8.
    assert result["max_logic_levels_carry8"] == 2
    assert result["detail"]["carry8_equivalent"] == 1
    assert result["logic_path"]["from"].split("[")[0] in {"a_q", "b_q"}
    assert result["logic_path"]["to"].startswith("FDRE ")
    # In ns: FF -> route -> LUT2 -> S of the CARRY8 (carry_in) -> its upper half (free) -> FF.
    timing = result["timing_path"]
    assert timing["cells"] == ["LUT2", "CARRY4", "CARRY4"]
    assert timing["cell_ns"][1:] == [pytest.approx(M.carry_in), 0]
    assert timing["cell_ns"][0] >= M.net + M.lut
    assert result["critical_path_ns"] == pytest.approx(
        M.ff_clk_to_q + sum(timing["cell_ns"]) + M.ff_setup + M.clock_uncertainty, abs=2e-3)
    assert result["fmax_mhz"] == pytest.approx(
        min(1000 / result["critical_path_ns"], M.fmax_ceiling_mhz), abs=0.1)
    assert timing["from_rtl"]["unit"] == "tiny_add" and timing["from_rtl"]["neuron"] in {"a_q",
                                                                                        "b_q"}


def test_carry_flow_keeps_one_carry_chain_per_adder(tmp_path: Path, tools_present) -> None:
    """The default flow maps each RTL adder to its own carry chain: LUTs only where both
    operands vary (4 + 4 + 5 for tiny_tree) and no wide-function muxes; the stock
    synth_xilinx merges the single-use adders into a $macc, mapped as a LUT carry-save tree
    (more LUTs). Both flows are recorded in the result."""
    build = make_build(tmp_path, "tree")
    carry = estimate(build)
    assert carry["flow"] == "carry"
    assert carry["lut"] == 13, carry["detail"]["cells_by_type"]
    assert carry["detail"].get("muxf", 0) == 0
    stock = estimate(build, flow="synth_xilinx")
    assert stock["flow"] == "synth_xilinx"
    assert stock["lut"] > carry["lut"], (stock["detail"]["cells_by_type"], carry["lut"])
    with pytest.raises(UserError, match="accepted carry, synth_xilinx"):
        estimate(build, flow="vivado")
    # an unknown flow is refused before anything is deleted or run
    assert json.loads((build / "estimate.json").read_text())["flow"] == "synth_xilinx"


def test_estimate_json_written(register_run) -> None:
    build, result, _ = register_run
    on_disk = json.loads((build / "estimate.json").read_text())
    assert on_disk == result
    assert KEYS <= set(on_disk)
    assert on_disk["tools"]["ghdl"].startswith("GHDL ")
    assert on_disk["tools"]["yosys"].startswith("Yosys ")
    for log in ("ghdl_synth.log", "yosys.log"):
        assert (build / "estimate" / log).is_file()
    assert (build / "estimate" / "work").is_dir()  # GHDL's work dir is under DIR, not the cwd
    assert "synth_xilinx -family xcup" in (build / "estimate" / "synth.ys").read_text()


def test_estimate_json_names_what_it_measured(register_run) -> None:
    """estimate.json and DIR/estimate/stamp.json carry the stamp: every source's absolute path
    and sha256 (computed here with hashlib), the flow and the tools."""
    build, result, _ = register_run
    stamp = result["stamp"]
    rtl = (build / "rtl").resolve()
    assert stamp["inputs"] == [[str(rtl / name), hashlib.sha256((rtl / name).read_bytes())
                                .hexdigest()] for name in ("tiny_pkg.vhd", "tiny_top.vhd")]
    assert stamp["identity"]["flow"] == result["flow"]
    assert stamp["identity"]["tools"] == result["tools"]
    assert json.loads((build / "estimate" / "stamp.json").read_text()) == stamp
    assert est.estimate_stamp(build, result["flow"]) == stamp


def test_progress_lines(register_run) -> None:
    _, _, lines = register_run
    text = "\n".join(lines)
    assert "ghdl synth" in text and "yosys synth_xilinx" in text and "can take minutes" in text
    assert all(line.startswith("[") and " s] " in line for line in lines)


def test_format_estimate(adder_run) -> None:
    _, result = adder_run
    table = format_estimate(result)
    for label, value in (("LUT", 8), ("FF", 26), ("CARRY", 2), ("DSP", 0), ("BRAM", 0),
                         ("logic levels", 3),
                         ("critical path", f"{result['critical_path_ns']:.2f}"),
                         ("fmax", f"{result['fmax_mhz']:.0f}")):
        assert any(line.split()[: len(label.split()) + 1] == [*label.split(), str(value)]
                   for line in table.splitlines()), (label, table)
    assert "not Vivado" in table
    assert "critical path: b_q[" in table or "critical path: a_q[" in table
    assert "RTL: tiny_add: " in table
    # an estimate written before the timing model existed still formats
    old = {k: v for k, v in result.items() if k not in ("critical_path_ns", "fmax_mhz",
                                                        "timing_path")}
    assert "critical path" not in format_estimate(old)


def test_cli(tmp_path: Path, tools_present, capsys) -> None:
    build = make_build(tmp_path, "register")
    parser = argparse.ArgumentParser(prog="vhdlgen")
    add_estimate_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["estimate", "--build", str(build)])
    assert args.func(args) == 0
    out, err = capsys.readouterr()
    assert "FF" in out and "17" in out
    assert "yosys synth_xilinx" in err
    assert json.loads((build / "estimate.json").read_text())["ff"] == 17


# --------------------------------------------------------------------------- pure functions
def test_count_resources_classes() -> None:
    got = count_resources({"LUT1": 1, "LUT6": 4, "SRLC32E": 2, "FDRE": 5, "FDSE": 1, "FDCE": 1,
                           "FDPE": 1, "CARRY8": 3, "CARRY4": 1, "MUXF7": 2, "DSP48E2": 2,
                           "RAMB36E2": 1, "RAMB18E2": 3, "BUFG": 1, "WEIRD": 1, "INV": 3})
    assert (got["lut"], got["ff"], got["carry"], got["dsp"], got["bram"]) == (10, 8, 4, 2, 2.5)
    assert got["detail"]["muxf"] == 2 and got["detail"]["lut_memory"] == 2
    assert got["detail"]["other_cells"] == {"WEIRD": 1}
    assert count_resources({"RAMB18E2": 2})["bram"] == 1


def _cell(ctype: str, **ports: tuple[str, list]) -> dict:
    return {"type": ctype,
            "port_directions": {p: d for p, (d, _) in ports.items()},
            "connections": {p: bits for p, (_, bits) in ports.items()}}


def _ff(d: int, q: int) -> dict:
    return _cell("FDRE", C=("input", [1]), CE=("input", ["1"]), R=("input", ["0"]),
                 D=("input", [d]), Q=("output", [q]))


def test_logic_levels_counts_cells_between_registers() -> None:
    # FF(10) -> LUT6 -> LUT3 -> MUXF7 -> FF ; a shorter branch LUT2 -> FF; port 5 -> LUT1 -> out
    module = {
        "ports": {"clk": {"direction": "input", "bits": [1]},
                  "in_data": {"direction": "input", "bits": [5]},
                  "out_data": {"direction": "output", "bits": [6]}},
        "netnames": {"acc_q": {"hide_name": 0, "bits": [10]}},
        "cells": {
            "src": _ff(9, 10),
            "l1": _cell("LUT6", **{f"I{i}": ("input", [10]) for i in range(6)},
                        O=("output", [11])),
            "l2": _cell("LUT3", I0=("input", [11]), I1=("input", [10]), I2=("input", ["0"]),
                        O=("output", [12])),
            "l2b": _cell("LUT3", I0=("input", [11]), I1=("input", [10]), I2=("input", [10]),
                         O=("output", [14])),
            "m": _cell("MUXF7", I0=("input", [12]), I1=("input", [14]), S=("input", [10]),
                       O=("output", [13])),
            "dst": _ff(13, 20),
            "short": _cell("LUT2", I0=("input", [10]), I1=("input", [20]), O=("output", [21])),
            "dst2": _ff(21, 22),
            "io": _cell("LUT1", I0=("input", [5]), O=("output", [6])),
            "loop": _ff(9, 9),
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
            "r30": _ff(1000, 30), "r40": _ff(1001, 40), "r50": _ff(1002, 50),
            "pre": _cell("LUT1", I0=("input", [50]), O=("output", [51])),
            "lo": _cell("CARRY4", CI=("input", ["0"]), CYINIT=("input", ["0"]),
                        DI=("input", ["0"] * 4), S=("input", [40, "0", "0", 51]),
                        O=("output", lo_o), CO=("output", lo_co)),
            "hi": _cell("CARRY4", CI=("input", [lo_co[3]]), CYINIT=("input", ["0"]),
                        DI=("input", ["0"] * 4), S=("input", ["0", "0", "0", 30]),
                        O=("output", hi_o), CO=("output", hi_co)),
            # register the low sum bit 0 and the upper sum bit 0
            "s0": _ff(lo_o[0], 60), "s4": _ff(hi_o[0], 61),
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


def test_carry8_packing_of_longer_chains() -> None:
    # A 5-cell CARRY4 cascade (20 bits) fed at S[0] of the head, sum MSB registered:
    # 5 carry levels as mapped, ceil(5/2) = 3 CARRY8 levels.
    cells = {"src": _ff(999, 1)}
    ci = "0"
    for k in range(5):
        o = [100 + 10 * k + i for i in range(4)]
        co = [105 + 10 * k + i for i in range(4)]
        s0 = 1 if k == 0 else "0"
        cells[f"c{k}"] = _cell("CARRY4", CI=("input", [ci]), CYINIT=("input", ["0"]),
                               DI=("input", ["0"] * 4), S=("input", [s0, "0", "0", "0"]),
                               O=("output", o), CO=("output", co))
        ci = co[3]
    cells["dst"] = _ff(100 + 10 * 4 + 3, 2)
    got = logic_levels({"ports": {}, "netnames": {}, "cells": cells})
    assert got["levels"] == 5 and got["levels_carry8"] == 3
    assert carry4_positions(cells) == {f"c{k}": k for k in range(5)}


def test_logic_levels_detects_loops() -> None:
    module = {"ports": {}, "netnames": {}, "cells": {
        "a": _cell("LUT1", I0=("input", [2]), O=("output", [3])),
        "b": _cell("LUT1", I0=("input", [3]), O=("output", [2])),
        "f": _ff(3, 4)}}
    with pytest.raises(UserError, match="combinational loop"):
        logic_levels(module)


# --------------------------------------------------------------------------- critical path in ns
def _lut(ctype: str, out: int, *ins: int | str) -> dict:
    return _cell(ctype, **{f"I{i}": ("input", [b]) for i, b in enumerate(ins)},
                 O=("output", [out]))


def _carry4(s: list, o: list[int], co: list[int], ci: int | str = "0",
            di: list | None = None) -> dict:
    return _cell("CARRY4", CI=("input", [ci]), CYINIT=("input", ["0"]),
                 DI=("input", di or ["0"] * 4), S=("input", s),
                 O=("output", o), CO=("output", co))


def test_critical_path_ns_luts_and_muxf() -> None:
    # FF a(10), FF b(11) -> l1 LUT2 -> l2 LUT2 (also reads a) -> MUXF7 I0 -> FF y(16).
    # Fanouts: a = 2 (l1, l2), b = 2 (l1, MUXF7 S), l1 = 2 (l2, l3); MUXF7 data inputs are local.
    module = {
        "ports": {"clk": {"direction": "input", "bits": [1]}},
        "netnames": {"u_fc.n7_q": {"hide_name": 0, "bits": [10]},
                     "u_fc.pipeline_y_1_a4_r1": {"hide_name": 0, "bits": [10, 11]},
                     "u_fc.y_1": {"hide_name": 0, "bits": [16]}},
        "cells": {
            "a": _ff(900, 10), "b": _ff(901, 11),
            "l1": _lut("LUT2", 12, 10, 11),
            "l2": _lut("LUT2", 13, 12, 10),
            "l3": _lut("LUT1", 14, 12),
            "m": _cell("MUXF7", I0=("input", [13]), I1=("input", [14]), S=("input", [11]),
                       O=("output", [15])),
            "y": _ff(15, 16),
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
    cells = {"src": _ff(999, 1), "p": _lut("LUT1", 2, 1)}
    ci: int | str = "0"
    for k in range(3):
        o = [100 + 10 * k + i for i in range(4)]
        co = [105 + 10 * k + i for i in range(4)]
        cells[f"c{k}"] = _carry4([2 if k == 0 else "0", "0", "0", "0"], o, co, ci)
        ci = co[3]
    cells["dst"] = _ff(123, 3)
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
    cells = {"src": _ff(999, 1),
             "c": _carry4([1, "0", "0", "0"], [10, 11, 12, 13], [14, 15, 16, 17],
                          di=[1, "0", "0", "0"]),
             "dst": _ff(10, 2)}
    timing = logic_levels({"ports": {}, "netnames": {}, "cells": cells})["timing"]
    expected = (M.ff_clk_to_q + M.net + M.net_per_fanout * 1 + M.carry_in + M.ff_setup
                + M.clock_uncertainty)
    assert timing["ns"] == pytest.approx(expected, abs=1e-3)


def test_critical_path_ns_port_to_port() -> None:
    # input port -> LUT1 -> output port: no clock-to-out, no setup, still the uncertainty.
    module = {"ports": {"in_data": {"direction": "input", "bits": [5]},
                        "out_data": {"direction": "output", "bits": [6]}},
              "netnames": {}, "cells": {"io": _lut("LUT1", 6, 5)}}
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
        cells = {"src": _ff(999, 1), "l": _lut("LUT1", 2, 1), "dst": _ff(2, 3)}
        for i in range(extra):
            cells[f"x{i}"] = _lut("LUT1", 50 + i, 1)
            cells[f"d{i}"] = _ff(50 + i, 80 + i)
        return {"ports": {}, "netnames": {}, "cells": cells}
    alone = logic_levels(module(0))["timing"]["ns"]
    shared = logic_levels(module(7))["timing"]["ns"]
    assert shared - alone == pytest.approx(M.net_per_fanout * 3, abs=1e-3)  # log2(8) = 3


def test_no_paths() -> None:
    got = logic_levels({"ports": {}, "netnames": {}, "cells": {}})
    assert got["levels"] == 0 and got["timing"]["ns"] == 0.0 and got["timing"]["cells"] == []


# --------------------------------------------------------------------------- RTL names
RTL = RtlNames(top="tiny", entities={"u_fc": "tiny_fc", "u_fc.valid": "vhdlgen_valid_pipe"},
               process_labels=frozenset({"pipeline"}))


@pytest.mark.parametrize("net, expected", [
    ("u_fc.pipeline_y_1_a3_r2[4]", dict(unit="u_fc", entity="tiny_fc", signal="y_1_a3_r2",
                                        neuron="y_1", adder=3, stage=2, shared=None, bit=4)),
    ("u_fc.pipeline_y_h0_w1_c0_a12", dict(unit="u_fc", neuron="y_h0_w1_c0", adder=12,
                                          stage=None, bit=None)),
    ("u_fc.pipeline_t417_r0[1]", dict(neuron=None, shared=417, stage=0, adder=None, bit=1)),
    ("u_fc.pipeline_y_2_r1", dict(neuron="y_2", stage=1, adder=None)),  # output register
    ("u_fc.n2509_o[0]", dict(unit="u_fc", signal="n2509_o", neuron=None, bit=0)),
    ("u_fc.valid.n2987_q", dict(unit="u_fc", instance="u_fc.valid", entity="tiny_fc")),
    ("u_fc.x_0_s1", dict(neuron="x_0_s1", stage=None)),  # x shifted by 1: not a register
    ("in_data[4]", dict(unit="tiny", entity="tiny", instance=None, signal="in_data", bit=4)),
    ("u_zz.pipeline_q", dict(unit="u_zz", entity=None, signal="q", neuron="q")),
    ("net bit 17", dict(net="net bit 17", unit=None, signal=None, neuron=None)),
    (None, dict(net=None, unit=None)),
    ("", dict(signal=None)),
])
def test_rtl_names_describe(net, expected) -> None:
    info = RTL.describe(net)
    assert set(info) == {"net", "unit", "entity", "instance", "signal", "neuron", "adder",
                         "shared", "stage", "bit"}
    assert {k: info[k] for k in expected} == expected


def test_rtl_text() -> None:
    assert rtl_text(RTL.describe("u_fc.pipeline_y_1_a3_r2[4]")) == \
        "tiny_fc (u_fc): y_1 adder 3, register after stage 2 bit 4"
    assert rtl_text(RTL.describe("u_fc.pipeline_t9[0]")) == \
        "tiny_fc (u_fc): shared subexpression t9 bit 0"
    assert rtl_text(RTL.describe("u_fc.n25_q")) == "tiny_fc (u_fc): n25_q (generated net)"
    assert rtl_text(RTL.describe("out_data[1]")) == "tiny: out_data bit 1"
    assert rtl_text(RTL.describe("net bit 3")) == "net bit 3"
    assert rtl_text(None) == "?"


def test_rtl_names_from_sources() -> None:
    verilog = """module vhdlgen_valid_pipe_2
  (input  clk);
endmodule

module tiny_fc
  (input  clk);
  vhdlgen_valid_pipe_2 valid (
    .clk(clk));
endmodule

module tiny
  (input  clk);
  wire x;
  tiny_fc u_fc (
    .clk(clk));
endmodule
"""
    vhdl = ["entity tiny is\nend entity;", "entity tiny_fc is\nend;\n"
            "architecture rtl of tiny_fc is\nbegin\n  pipeline : process (clk)\n",
            "ENTITY vhdlgen_valid_pipe IS\n"]
    rtl = RtlNames.from_sources("TINY", verilog, vhdl)
    assert rtl.top == "tiny"
    assert dict(rtl.entities) == {"u_fc": "tiny_fc", "u_fc.valid": "vhdlgen_valid_pipe"}
    assert rtl.process_labels == {"pipeline"}
    # nothing recognisable: an empty mapping, never an error
    assert RtlNames.from_sources("top", "garbage (\n", ["not vhdl"]).entities == {}


# --------------------------------------------------------------------------- errors
def test_missing_build_dir(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        estimate(tmp_path / "nope")


def test_missing_manifest(tmp_path: Path) -> None:
    build = make_build(tmp_path, "register")
    (build / "vhdlgen-build.json").unlink()
    with pytest.raises(UserError, match="is not a vhdlgen build .no vhdlgen-build.json"):
        estimate(build)


def _edit_report(build: Path, **changes) -> None:
    manifest = json.loads((build / "vhdlgen-build.json").read_text())
    manifest["report"].update(changes)
    (build / "vhdlgen-build.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("changes, message", [
    ({"top": "a b"}, "'top' is 'a b', expected a VHDL entity name"),
    ({"clock_ns": "fast"}, "'clock_ns' is 'fast', expected the clock period in ns"),
    ({"sources": []}, "'sources' is \\[\\], expected file names"),
])
def test_bad_manifest(tmp_path: Path, changes: dict, message: str) -> None:
    build = make_build(tmp_path, "register")
    _edit_report(build, **changes)
    with pytest.raises(UserError, match=f"vhdlgen-build.json is not a readable vhdlgen build "
                                        f"manifest .ValueError: {message}"):
        estimate(build)
    (build / "vhdlgen-build.json").write_text("{")
    with pytest.raises(UserError, match="vhdlgen-build.json is damaged"):
        estimate(build)


def test_missing_source(tmp_path: Path) -> None:
    build = make_build(tmp_path, "register")
    _edit_report(build, sources=["tiny_pkg.vhd", "ghost.vhd"])
    with pytest.raises(UserError, match="lists ghost.vhd as a source, but .*ghost.vhd does not "
                                        "exist"):
        estimate(build)


@pytest.mark.parametrize("tool, package", [("ghdl", "apt-get install ghdl"),
                                           ("yosys", "apt-get install yosys")])
def test_tool_not_installed(tmp_path: Path, monkeypatch, tool: str, package: str) -> None:
    build = make_build(tmp_path, "register")
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which",
                        lambda name, *a, **k: None if name == tool else real_which(name))
    with pytest.raises(UserError, match=f"{tool} not found on PATH.*{package}"):
        estimate(build)


def test_ghdl_failure_shows_log(tmp_path: Path, tools_present) -> None:
    build = make_build(tmp_path, "register")
    (build / "estimate.json").write_text('{"stale": true}')
    top = build / "rtl" / "tiny_top.vhd"
    top.write_text(top.read_text().replace("valid_q <= in_valid;", "valid_q <= in_valid"))
    with pytest.raises(UserError) as info:
        estimate(build)
    message = str(info.value)
    assert "ghdl --synth failed" in message and "tiny_top.vhd" in message
    log = build / "estimate" / "ghdl_synth.log"
    assert log.is_file() and str(log) in message
    assert not (build / "estimate.json").exists()  # no stale result left looking current


def test_yosys_failure_shows_log(tmp_path: Path, monkeypatch, tools_present) -> None:
    build = make_build(tmp_path, "register")
    fake = tmp_path / "bin"
    fake.mkdir()
    script = fake / "yosys"
    script.write_text('#!/bin/sh\nif [ "$1" = "-V" ]; then echo "Yosys 0.0 (fake)"; exit 0; fi\n'
                      'echo "ERROR: fake synthesis failure"\nexit 1\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(UserError, match="(?s)yosys synth_xilinx failed.*fake synthesis failure"):
        estimate(build)
    assert (build / "estimate" / "yosys.log").is_file()
