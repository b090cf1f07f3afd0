"""Run a generated design on GHDL through cocotb and compare it with the NumPy reference."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vhdlgen.errors import UserError
from vhdlgen.sim.packing import unpack

BENCH_MODULE = "vhdlgen.sim.bench"


@dataclass(frozen=True)
class StreamResult:
    """What came out of the RTL: output codes in order, and how it got there."""

    outputs: np.ndarray  # (M, n_out) int64 codes
    out_edges: np.ndarray  # clock edge at which each output was sampled
    sampled: np.ndarray  # per edge: (input index or -1, rst)
    seconds: float  # wall time of the streaming loop (excluding compile and start-up)

    @property
    def vectors_per_second(self) -> float:
        return len(self.outputs) / self.seconds if self.seconds else 0.0

    @property
    def latency(self) -> int | None:
        """Edges from the first sampled valid input to its output (None: nothing came out)."""
        if not len(self.out_edges) or not np.any(self.sampled[:, 0] >= 0):
            return None
        first_in = int(np.argmax(self.sampled[:, 0] >= 0)) + 1
        return int(self.out_edges[0]) - first_in


def _ghdl_environment() -> None:
    if shutil.which("ghdl") is None:
        raise UserError("ghdl not found on PATH; install GHDL 2.0 (Debian: apt-get install "
                        "ghdl ghdl-llvm; or run `make build`)")
    if shutil.which("ghdl-llvm"):
        os.environ.setdefault("GHDL_BACKEND", "llvm")


def compile_design(build_dir: Path, report: dict) -> Path:
    """Analyse and elaborate the RTL for simulation once (in DIR/sim); returns that folder."""
    from cocotb_tools.runner import get_runner

    _ghdl_environment()
    rtl = Path(build_dir).resolve() / "rtl"
    sim_dir = Path(build_dir).resolve() / "sim"
    log_file = sim_dir / "build.log"
    if (sim_dir / "top-obj08.cf").is_file():
        _make(sim_dir, report["top"], log_file)
        return sim_dir
    runner = get_runner("ghdl")
    try:
        runner.build(vhdl_sources=[rtl / name for name in report["sources"]],
                     hdl_toplevel=report["top"], build_args=["--std=08"], build_dir=sim_dir,
                     always=False, log_file=log_file)
    except (SystemExit, subprocess.CalledProcessError) as error:
        raise UserError(_failure("compile", log_file, f"GHDL could not compile ({error})")) from None
    return sim_dir


def _make(sim_dir: Path, top: str, log_file: Path) -> None:
    """Bring an existing simulation library up to date: `ghdl -m` re-analyses only the sources
    that changed (cocotb's build would first re-import, and so re-analyse, every file)."""
    result = subprocess.run(["ghdl", "-m", "--work=top", "--std=08", top], cwd=sim_dir,
                            capture_output=True, text=True)
    with open(log_file, "a") as log:
        log.write(result.stdout + result.stderr)
    if result.returncode != 0:
        raise UserError(_failure("compile", log_file, "GHDL could not compile"))


def _run(build_dir: Path, report: dict, testcase: str, config: dict, waves: Path | None) -> None:
    from cocotb_tools.runner import get_results, get_runner

    sim_dir = compile_design(build_dir, report)
    run_dir = sim_dir / f"run_{testcase}_{os.getpid()}_{time.monotonic_ns()}"
    run_dir.mkdir(parents=True)
    config_path = run_dir / "config.json"
    config_path.write_text(json.dumps(config))
    runner = get_runner("ghdl")
    plusargs = [f"--wave={waves}"] if waves else []
    log_file = run_dir / "sim.log"
    try:
        results = runner.test(test_module=BENCH_MODULE, hdl_toplevel=report["top"],
                              hdl_toplevel_lang="vhdl", testcase=testcase,
                              test_args=["--std=08"], plusargs=plusargs,
                              extra_env={"VHDLGEN_SIM_CONFIG": str(config_path)},
                              build_dir=sim_dir, test_dir=sim_dir,
                              results_xml=str(run_dir / "results.xml"), log_file=log_file)
    except SystemExit as exit_:  # cocotb's runner exits when the simulator itself fails
        raise UserError(_failure(testcase, log_file, f"the simulator stopped ({exit_})")) from None
    total, failed = get_results(results)
    if total == 0 or failed:
        raise UserError(_failure(testcase, log_file, "the cocotb bench failed"))


def _failure(testcase: str, log_file: Path, what: str) -> str:
    """A message leading with GHDL's own errors (e.g. 'bound check failure at FILE:LINE': a
    value left the range the interval analysis declared)."""
    lines = log_file.read_text(errors="replace").splitlines() if log_file.exists() else []
    errors = [line.strip() for line in lines if ":error:" in line or "failure" in line]
    detail = "\n".join(errors[:10] or lines[-25:])
    return f"{what} in '{testcase}' on GHDL (full log: {log_file}):\n{detail}"


def stream(build_dir: Path, report: dict, codes: np.ndarray, *, gap_probability: float = 0.0,
           reset_at: int | None = None, reset_cycles: int = 2, seed: int = 0,
           waves: Path | None = None) -> StreamResult:
    """Stream input codes (N, ...) through the RTL, one per clock unless gaps are asked for."""
    codes = np.asarray(codes, dtype=np.int64).reshape(len(codes), -1)
    sim_dir = Path(build_dir).resolve() / "sim"
    sim_dir.mkdir(parents=True, exist_ok=True)
    token = f"{os.getpid()}_{time.monotonic_ns()}"
    inputs, result = sim_dir / f"inputs_{token}.npy", sim_dir / f"result_{token}.npz"
    np.save(inputs, codes)
    config = {"inputs": str(inputs), "result": str(result), "seed": seed,
              "in_element_width": report["in_data"]["element_width"],
              "latency": report["latency_cycles"], "gap_probability": gap_probability,
              "reset_at": reset_at, "reset_cycles": reset_cycles}
    try:
        _run(build_dir, report, "stream", config, waves)
        data = np.load(result)
        out = report["out_data"]
        outputs = unpack([int(v) for v in data["outputs"]], out["elements"],
                         out["element_width"], out["signed"]).reshape(-1, out["elements"])
        return StreamResult(outputs, data["out_edges"], data["sampled"], float(data["seconds"]))
    finally:
        inputs.unlink(missing_ok=True)
        result.unlink(missing_ok=True)


def probe(build_dir: Path, report: dict, codes: np.ndarray) -> dict[str, np.ndarray]:
    """Every layer unit's output codes for one input vector, read inside the top."""
    sim_dir = Path(build_dir).resolve() / "sim"
    sim_dir.mkdir(parents=True, exist_ok=True)
    token = f"{os.getpid()}_{time.monotonic_ns()}"
    inputs, result = sim_dir / f"probe_{token}.npy", sim_dir / f"probe_{token}.json"
    np.save(inputs, np.asarray(codes, dtype=np.int64).reshape(1, -1))
    config = {"inputs": str(inputs), "result": str(result),
              "in_element_width": report["in_data"]["element_width"],
              "latency": report["latency_cycles"],
              "probe_signals": [layer["top_signal"] for layer in report["layers"]]}
    try:
        _run(build_dir, report, "probe", config, None)
        values = json.loads(result.read_text())
    finally:
        inputs.unlink(missing_ok=True)
        result.unlink(missing_ok=True)
    codes_by_unit = {}
    for layer in report["layers"]:
        port = layer["output"]
        codes_by_unit[layer["name"]] = unpack([int(values[layer["top_signal"]])], port["elements"],
                                              port["element_width"], port["signed"])[0]
    return codes_by_unit
