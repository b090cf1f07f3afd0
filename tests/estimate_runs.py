"""The estimate runs on tiny known designs that several estimate tests read (module-scoped
fixtures: import them into a test module). They need ghdl and yosys and FAIL (never skip)
without them: the Makefile installs both."""
from __future__ import annotations

from pathlib import Path

import pytest

from tools import make_build, require_tool
from vhdlgen.estimate import estimate


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
