"""GHDL as a tool, the one place vhdlgen finds and runs it (build's synthesizability gate, the
simulation library of vhdlgen.sim, the estimate's synthesis): `ghdl()` finds it or says how to
install it, `version` reads `ghdl --version`, `synth_check` is `build`'s `ghdl --synth` gate,
`compile_unisim` the UNISIM primitives a design instantiates (black boxes or simulation models)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import TextIO

from vhdlgen.errors import UserError

INSTALL_HINT = "install GHDL 2.0 (Debian: apt-get install ghdl ghdl-llvm; or run `make build`)"
PROGRESS_SECONDS = 10.0  # a line on stderr every this many seconds while ghdl runs


def ghdl() -> str:
    """Path of the ghdl executable; UserError naming the install command when missing."""
    path = shutil.which("ghdl")
    if path is None:
        raise UserError(f"ghdl not found on PATH; {INSTALL_HINT}")
    return path


def version(env: dict[str, str] | None = None) -> str:
    """`ghdl --version` in full: GHDL's release and its code generator's (the backend's, which
    `env`'s GHDL_BACKEND chooses)."""
    result = subprocess.run([ghdl(), "--version"], capture_output=True, text=True, env=env,
                            check=False)
    return result.stdout.strip() or "unknown"


def run_with_progress(args: list[str], cwd: Path, what: str, every: float = PROGRESS_SECONDS,
                      stream: TextIO | None = None) -> subprocess.CompletedProcess:
    """Run `args` (its stdout discarded, its stderr kept), printing '<what>: N s' to `stream`
    (default stderr) every `every` seconds until it ends, so a long step shows it is alive;
    the process is killed if we are interrupted."""
    stream = stream or sys.stderr
    start = time.monotonic()
    with subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True) as process:
        try:
            while True:
                try:
                    _, stderr = process.communicate(timeout=every)
                    break
                except subprocess.TimeoutExpired:
                    print(f"{what}: {time.monotonic() - start:.0f} s", file=stream, flush=True)
        except BaseException:
            process.kill()
            raise
    return subprocess.CompletedProcess(args, process.returncode, None, stderr)


def compile_unisim(files: list[Path], workdir: Path) -> None:
    """Analyse `files` into library unisim in `workdir`, where GHDL finds it for a design
    analysed there: the component package alone (`ghdl --synth` keeps the instances as black
    boxes), or with the simulation models (rtl/unisim/, written by a build that instantiates
    primitives). UserError with GHDL's messages."""
    if not files:
        return
    workdir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([ghdl(), "-a", "--std=08", "--work=unisim", f"--workdir={workdir}",
                             *map(str, files)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise UserError("ghdl could not analyse the UNISIM primitives' files:\n"
                        + (result.stdout + result.stderr).strip())


def synth_check(rtl_dir: Path, sources: list[str], top: str, workdir: Path,
                black_boxes: list[Path] = ()) -> None:
    """`ghdl --synth` of `top` from `sources` (VHDL-2008, analysed in memory: no code
    generation; seconds for the students, many minutes for designs of hundreds of MB, with
    the elapsed time on stderr every 10 s), `black_boxes` (UNISIM's component package) in
    library unisim; UserError with GHDL's messages."""
    workdir.mkdir(parents=True, exist_ok=True)
    compile_unisim(list(black_boxes), workdir)
    quiet = ["-Wno-binding"] if black_boxes else []  # unbound instances: the black boxes
    args = [ghdl(), "--synth", "--std=08", f"--workdir={workdir}", f"-P{workdir}", *quiet,
            *sources, "-e", top]
    result = run_with_progress(args, rtl_dir, f"ghdl --synth {top} (synthesizability check)")
    if result.returncode != 0:
        log = result.stderr.strip().splitlines()
        raise UserError("ghdl --synth rejected the generated design:\n" + "\n".join(log[-30:]))
