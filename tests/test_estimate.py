"""`vhdlgen estimate`: GHDL + yosys synth_xilinx counts and logic depth on tiny known designs.

These tests need ghdl and yosys and FAIL (never skip) without them: the Makefile installs both.
"""
from __future__ import annotations

import argparse
import json
import os
import stat
from pathlib import Path

import pytest

from tools import make_build, require_tool
from vhdlgen import estimate as est
from vhdlgen.errors import UserError
from vhdlgen.estimate import (add_estimate_parser, count_resources, estimate, format_estimate,
                              logic_levels)

KEYS = {"lut", "ff", "carry", "dsp", "bram", "max_logic_levels", "tools"}


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


def test_progress_lines(register_run) -> None:
    _, _, lines = register_run
    text = "\n".join(lines)
    assert "ghdl synth" in text and "yosys synth_xilinx" in text and "can take minutes" in text
    assert all(line.startswith("[") and " s] " in line for line in lines)


def test_format_estimate(adder_run) -> None:
    _, result = adder_run
    table = format_estimate(result)
    for label, value in (("LUT", 8), ("FF", 26), ("CARRY", 2), ("DSP", 0), ("BRAM", 0),
                         ("logic levels", 3)):
        assert any(line.split()[: len(label.split()) + 1] == [*label.split(), str(value)]
                   for line in table.splitlines()), (label, table)
    assert "not Vivado" in table


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
    assert est._carry4_positions(cells) == {f"c{k}": k for k in range(5)}


def test_logic_levels_detects_loops() -> None:
    module = {"ports": {}, "netnames": {}, "cells": {
        "a": _cell("LUT1", I0=("input", [2]), O=("output", [3])),
        "b": _cell("LUT1", I0=("input", [3]), O=("output", [2])),
        "f": _ff(3, 4)}}
    with pytest.raises(UserError, match="combinational loop"):
        logic_levels(module)


# --------------------------------------------------------------------------- errors
def test_missing_build_dir(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        estimate(tmp_path / "nope")


def test_missing_report(tmp_path: Path) -> None:
    build = make_build(tmp_path, "register")
    (build / "report.json").unlink()
    with pytest.raises(UserError, match="report.json is missing"):
        estimate(build)


@pytest.mark.parametrize("text, message", [("{", "not a vhdlgen report"),
                                           ('{"clock_ns": 3}', "not a vhdlgen report"),
                                           ('{"top": "a b"}', "expected a VHDL entity name")])
def test_bad_report(tmp_path: Path, text: str, message: str) -> None:
    build = make_build(tmp_path, "register")
    (build / "report.json").write_text(text)
    with pytest.raises(UserError, match=message):
        estimate(build)


def test_bad_sources_list(tmp_path: Path) -> None:
    build = make_build(tmp_path, "register")
    (build / "rtl" / "sources.f").write_text("tiny_pkg.vhd\nghost.vhd\n")
    with pytest.raises(UserError, match="ghost.vhd"):
        estimate(build)
    (build / "rtl" / "sources.f").unlink()
    with pytest.raises(UserError, match="sources.f is missing"):
        estimate(build)


@pytest.mark.parametrize("tool, package", [("ghdl", "apt-get install ghdl"),
                                           ("yosys", "apt-get install yosys")])
def test_tool_not_installed(tmp_path: Path, monkeypatch, tool: str, package: str) -> None:
    build = make_build(tmp_path, "register")
    real_which = est.shutil.which
    monkeypatch.setattr(est.shutil, "which",
                        lambda name, *a, **k: None if name == tool else real_which(name))
    with pytest.raises(UserError, match=f"{tool} is not installed.*{package}"):
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
