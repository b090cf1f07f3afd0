"""vhdlgen/estimate/cli.py: `vhdlgen estimate` and its table (`format_estimate`)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from estimate_runs import adder_run, tools_present  # noqa: F401 - fixtures
from tools import make_build
from vhdlgen.estimate import add_estimate_parser, format_estimate


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


def test_units_deeper_than_the_cap_are_named(adder_run) -> None:
    _, result = adder_run
    assert "level_cap" not in result  # a hand-made build has no schedule, hence no cap
    paths = {**result["logic_path"], "units_carry8": {"u_conv2": 6, "u_conv3": 7}}
    over = {**result, "logic_path": paths, "level_cap": 6, "units_over_cap": {"u_conv3": 7}}
    table = format_estimate(over)
    assert "levels as CARRY8 per unit: u_conv2 6, u_conv3 7" in table
    assert "deeper than the build's cap of 6 levels: u_conv3 7" in table
    within = format_estimate({**over, "units_over_cap": {}})
    assert "every unit within the build's cap of 6 levels" in within
