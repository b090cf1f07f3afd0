"""vhdlgen/estimate/tools.py: finding and running yosys (and GHDL), the yosys script of each
flow, and a failing tool's log in the error."""
from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from estimate_runs import tools_present  # noqa: F401 - fixture
from tools import make_build
from vhdlgen.errors import UserError
from vhdlgen.estimate import estimate
from vhdlgen.estimate.tools import yosys_script


@pytest.mark.parametrize("tool, package", [("ghdl", "apt-get install ghdl"),
                                           ("yosys", "apt-get install yosys")])
def test_tool_not_installed(tmp_path: Path, monkeypatch, tool: str, package: str) -> None:
    build = make_build(tmp_path, "register")
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which",
                        lambda name, *a, **k: None if name == tool else real_which(name))
    with pytest.raises(UserError, match=f"{tool} not found on PATH.*{package}"):
        estimate(build)


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


def test_yosys_script_of_each_flow(tmp_path: Path) -> None:
    """The stock flow is one synth_xilinx; the carry flow runs it up to `coarse`, maps every
    adder to its own carry chain, and runs the rest; both write the same outputs."""
    stock = yosys_script(tmp_path / "net.v", "top", "synth_xilinx").splitlines()
    carry = yosys_script(tmp_path / "net.v", "top", "carry").splitlines()
    synth = "synth_xilinx -family xcup -flatten -noiopad -noclkbuf -top top"
    assert stock[:2] == ["read_verilog net.v", synth]
    assert carry[:4] == ["read_verilog net.v", f"{synth} -run begin:coarse",
                         "techmap -map add_to_alu.v t:$add t:$sub", f"{synth} -run coarse:"]
    assert stock[2:] == carry[4:] and "write_json netlist.json" in stock
