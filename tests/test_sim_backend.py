"""Which GHDL backend `simulate` uses: the user's GHDL_BACKEND, else mcode for large designs
(llvm's compile would take minutes), else llvm (measured: docs/benchmarks.md). The choice goes
to GHDL's subprocesses only: the process environment is never changed."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.tools import require_tool
from vhdlgen.sim import runner


@pytest.fixture
def fresh(monkeypatch):
    """No GHDL_BACKEND from outside."""
    require_tool("ghdl")
    if not shutil.which("ghdl-llvm"):
        pytest.fail("needs GHDL's llvm backend: apt-get install ghdl-llvm", pytrace=False)
    monkeypatch.delenv("GHDL_BACKEND", raising=False)
    return monkeypatch


def _rtl(folder: Path, size: int) -> Path:
    folder.mkdir()
    (folder / "top.vhd").write_bytes(b"-" * size)
    return folder


def test_small_design_runs_on_llvm(fresh, tmp_path: Path) -> None:
    assert runner.ghdl_backend(_rtl(tmp_path / "rtl", 1_000_000)) == "llvm"
    assert "GHDL_BACKEND" not in os.environ


def test_large_design_runs_on_mcode_then_small_on_llvm_again(fresh, tmp_path: Path) -> None:
    assert runner.ghdl_backend(_rtl(tmp_path / "big", runner.LARGE_RTL_BYTES + 1)) == "mcode"
    assert runner.ghdl_backend(_rtl(tmp_path / "small", 1000)) == "llvm"
    assert "GHDL_BACKEND" not in os.environ


def test_the_users_backend_wins(fresh, tmp_path: Path) -> None:
    fresh.setenv("GHDL_BACKEND", "mcode")
    assert runner.ghdl_backend(_rtl(tmp_path / "rtl", 1000)) == "mcode"
    assert os.environ["GHDL_BACKEND"] == "mcode"
