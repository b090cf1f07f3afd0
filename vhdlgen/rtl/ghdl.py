"""GHDL as a tool: the `ghdl --synth` synthesizability gate."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from vhdlgen.errors import UserError

INSTALL_HINT = "install GHDL 2.0 (Debian: apt-get install ghdl ghdl-llvm; or run `make build`)"


def ghdl() -> str:
    """Path of the ghdl executable; UserError naming the install command when missing."""
    path = shutil.which("ghdl")
    if path is None:
        raise UserError(f"ghdl not found on PATH; {INSTALL_HINT}")
    return path


def synth_check(rtl_dir: Path, sources: list[str], top: str, workdir: Path) -> None:
    """`ghdl --synth` of `top` from `sources` (VHDL-2008, analysed in memory: no code
    generation, so it takes seconds even for large designs); UserError with GHDL's messages."""
    workdir.mkdir(parents=True, exist_ok=True)
    args = [ghdl(), "--synth", "--std=08", f"--workdir={workdir}", *sources, "-e", top]
    result = subprocess.run(args, cwd=rtl_dir, capture_output=True, text=True)
    if result.returncode != 0:
        log = result.stderr.strip().splitlines()
        raise UserError("ghdl --synth rejected the generated design:\n" + "\n".join(log[-30:]))
