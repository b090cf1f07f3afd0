"""Run a generated design on GHDL through cocotb: the VHDL feeder (vhdlgen.sim.feeder) drives a
schedule written here and records the outputs; cocotb (vhdlgen.sim.bench) starts it and checks it
ran. Callers compare the outputs with the NumPy reference (vhdlgen.sim.verify)."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from vhdlgen import cache, ghdl
from vhdlgen.errors import UserError
from vhdlgen.packing import unpack
from vhdlgen.sim import feeder

BENCH_MODULE = "vhdlgen.sim.bench"
LEAD_RESET = 2  # cycles of rst high (in_valid low) before every stream, not counted as edges


@dataclass(frozen=True)
class StreamResult:
    """What came out of the RTL: output codes in order, and how it got there."""

    outputs: np.ndarray  # (M, n_out) int64 codes
    out_edges: np.ndarray  # clock edge at which each output was sampled
    sampled: np.ndarray  # per edge: (input index or -1, rst)
    seconds: float  # wall time from starting the feeder to its last line (the longest of the
    #                 simulators run at once); excludes compile and simulator start-up
    compiled: Compiled | None = None  # the library it ran on (its sources and their sha256)

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


# Above this much VHDL, GHDL's llvm backend spends minutes compiling what mcode analyses in
# seconds (5-bit teacher at 0.4 width, 16 MB, 200 events: 233 s against 5.9 s), while on the
# ~1 MB students llvm is a little faster for long streams (100,000 events: 18.0 s against
# 22.7 s). Measured in docs/benchmarks.md, "Which GHDL backend".
LARGE_RTL_BYTES = 4_000_000
LIBRARY_FILES = ("top-obj08.cf", feeder.FILE_NAME, "build.log")  # DIR/sim is vhdlgen's if any
log = logging.getLogger("vhdlgen.sim")


@dataclass(frozen=True)
class Compiled:
    """GHDL's library of a build (DIR/sim) and what it was compiled from."""

    sim_dir: Path
    backend: str  # GHDL_BACKEND the library was made with (and every run must use)
    sources: tuple[cache.Input, ...]  # the RTL files, in compile order, with their sha256
    fresh: bool  # True: compiled by this call; False: found up to date

    @property
    def env(self) -> dict[str, str]:
        """Environment for GHDL's subprocesses (added to the caller's, never set in it)."""
        return {"GHDL_BACKEND": self.backend}


def ghdl_backend(rtl: Path) -> str:
    """Check for GHDL and choose its backend (GHDL_BACKEND, read by Debian's `ghdl`): a value
    the user set wins; else mcode for designs beyond LARGE_RTL_BYTES of VHDL, else llvm when
    installed."""
    ghdl.ghdl()  # UserError naming the install command when missing
    if os.environ.get("GHDL_BACKEND"):
        return os.environ["GHDL_BACKEND"]
    size = sum(path.stat().st_size for path in rtl.glob("*.vhd"))
    return "mcode" if size > LARGE_RTL_BYTES or not shutil.which("ghdl-llvm") else "llvm"


def compile_design(build_dir: Path, report: dict, announce: bool = True) -> Compiled:
    """GHDL's library of the RTL and the feeder in DIR/sim, compiled afresh unless its stamp
    (vhdlgen.cache: absolute path and sha256 of every source, GHDL's version and backend, the
    feeder) equals the current one. GHDL's library names the absolute paths of its sources, so
    a copied or moved build folder, or any edit, gets a new library; nothing else is reused.
    The sources and their hashes are logged (logger vhdlgen.sim, INFO) when the library is
    compiled, or when `announce` asks for it."""
    rtl = Path(build_dir).resolve() / "rtl"
    sim_dir = Path(build_dir).resolve() / "sim"
    backend = ghdl_backend(rtl)
    env = {**os.environ, "GHDL_BACKEND": backend}
    harness = feeder.harness_vhdl(report)
    sources = cache.hash_files(rtl / name for name in report["sources"])
    unisim = cache.hash_files(rtl / name for name in report.get("unisim_sources", []))
    stamp = cache.make_stamp((*unisim, *sources), {
        "ghdl": ghdl.version(env), "backend": backend, "std": "08", "library": "top",
        "toplevel": feeder.ENTITY, "feeder_sha256": hashlib.sha256(harness.encode()).hexdigest()})
    compiled = Compiled(sim_dir, backend, sources, not cache.is_current(sim_dir, stamp))
    if compiled.fresh:
        cache.clear(sim_dir, LIBRARY_FILES)
        sim_dir.mkdir(parents=True, exist_ok=True)
        (sim_dir / feeder.FILE_NAME).write_text(harness)
        log_file = sim_dir / "build.log"
        if unisim:  # the primitives' simulation models, in library unisim beside top
            _ghdl(["-a", "--work=unisim", "--std=08", *(item.path for item in unisim)], sim_dir,
                  log_file, env)
        _ghdl(["-i", "--work=top", "--std=08", *(item.path for item in sources),
               feeder.FILE_NAME], sim_dir, log_file, env)
        _ghdl(["-m", "--work=top", "--std=08", feeder.ENTITY], sim_dir, log_file, env)
        cache.write_stamp(sim_dir, stamp)
    if compiled.fresh or announce:
        _log_sources(compiled, rtl)
    return compiled


def _log_sources(compiled: Compiled, rtl: Path) -> None:
    """One INFO line on logger vhdlgen.sim per source: what the library was verified against."""
    state = "compiled" if compiled.fresh else "up to date"
    log.info("GHDL library %s %s (%s backend) from %d RTL files:", compiled.sim_dir, state,
             compiled.backend, len(compiled.sources))
    for item in compiled.sources:
        log.info("  rtl/%s  sha256 %s", os.path.relpath(item.path, rtl), item.short)


@contextmanager
def sources_shown(stream: TextIO) -> Iterator[None]:
    """Within the block, write the compiled-files lines of logger vhdlgen.sim to `stream` (the
    command line's stdout)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    level = log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(level)


def _ghdl(args: list[str], sim_dir: Path, log_file: Path, env: dict[str, str]) -> None:
    """ghdl in DIR/sim (`-i` imports the sources into library top, `-m` analyses them in order
    and elaborates the feeder); its output is appended to build.log."""
    result = subprocess.run([ghdl.ghdl(), *args], cwd=sim_dir, capture_output=True, text=True,
                            env=env)
    with open(log_file, "a") as handle:
        handle.write(result.stdout + result.stderr)
    if result.returncode != 0:
        raise UserError(_failure("compile", log_file, "GHDL could not compile"))


def _run(compiled: Compiled, report: dict, index: np.ndarray, rst: np.ndarray, codes: np.ndarray,
         probe_signals: list[str], waves: Path | None) -> tuple[np.ndarray, np.ndarray, dict]:
    """One simulator run of a schedule through the feeder: (output codes, their edges counted
    from the first schedule line, the bench's result). Its files go in a fresh DIR/sim/run_*
    folder, removed after a run that worked (kept with its log when it failed)."""
    from cocotb_tools.runner import get_results, get_runner

    sim_dir = compiled.sim_dir
    run_dir = sim_dir / f"run_{os.getpid()}_{threading.get_ident()}_{time.monotonic_ns()}"
    run_dir.mkdir()
    schedule, outputs = run_dir / "schedule.txt", run_dir / "outputs.txt"
    feeder.write_schedule(schedule, codes, index, rst, report["in_data"]["element_width"])
    config = {"cycles": len(index), "result": str(run_dir / "result.json"),
              "probe_signals": probe_signals}
    (run_dir / "config.json").write_text(json.dumps(config))
    log_file = run_dir / "sim.log"
    try:
        results = get_runner("ghdl").test(
            test_module=BENCH_MODULE, hdl_toplevel=feeder.ENTITY, hdl_toplevel_lang="vhdl",
            testcase="run", test_args=["--std=08"],
            plusargs=[f"--wave={waves}"] if waves else [],
            parameters={"SCHEDULE_FILE": str(schedule), "OUTPUT_FILE": str(outputs)},
            extra_env={"VHDLGEN_SIM_CONFIG": str(run_dir / "config.json"), **compiled.env},
            build_dir=sim_dir, test_dir=sim_dir, results_xml=str(run_dir / "results.xml"),
            log_file=log_file)
    except SystemExit as exit_:  # cocotb's runner exits when the simulator itself fails
        raise UserError(_failure("run", log_file, f"the simulator stopped ({exit_})")) from None
    total, failed = get_results(results)
    if total == 0 or failed:
        raise UserError(_failure("run", log_file, "the cocotb bench failed"))
    try:
        out_codes, edges = feeder.read_outputs(outputs, report)
    except ValueError as error:
        raise UserError(f"the RTL's out_data was not all 0/1 bits while out_valid was high "
                        f"({error}); run: {run_dir}") from None
    bench = json.loads((run_dir / "result.json").read_text())
    shutil.rmtree(run_dir)
    return out_codes, edges, bench


def _failure(testcase: str, log_file: Path, what: str) -> str:
    """A message leading with GHDL's own errors (e.g. 'bound check failure at FILE:LINE': a
    value left the range the interval analysis declared)."""
    lines = log_file.read_text(errors="replace").splitlines() if log_file.exists() else []
    errors = [line.strip() for line in lines if ":error:" in line or "failure" in line]
    detail = "\n".join(errors[:10] or lines[-25:])
    return f"{what} in '{testcase}' on GHDL (full log: {log_file}):\n{detail}"


def schedule(count: int, *, gap_probability: float = 0.0, seed: int = 0,
             reset_at: int | None = None, reset_cycles: int = 2,
             tail: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Per clock cycle after the initial reset: (input index driven, -1 for in_valid low; rst).
    Every input is driven once, in order; gaps are random (seeded); rst is high for
    `reset_cycles` cycles from cycle `reset_at`; `tail` idle cycles follow the last input."""
    if gap_probability:
        rng = np.random.default_rng(seed)
        index: list[int] = []
        driven = 0
        while driven < count:
            if rng.random() < gap_probability:
                index.append(-1)
            else:
                index.append(driven)
                driven += 1
        cycles = np.array(index, dtype=np.int64)
    else:
        cycles = np.arange(count, dtype=np.int64)
    cycles = np.concatenate([cycles, np.full(tail, -1, dtype=np.int64)])
    rst = np.zeros(len(cycles), dtype=np.int64)
    if reset_at is not None:
        rst[reset_at:reset_at + reset_cycles] = 1
    return cycles, rst


def stream(build_dir: Path, report: dict, codes: np.ndarray, *, gap_probability: float = 0.0,
           reset_at: int | None = None, reset_cycles: int = 2, seed: int = 0,
           waves: Path | None = None, processes: int = 1) -> StreamResult:
    """Stream input codes (N, ...) through the RTL, one per clock unless gaps are asked for.

    processes > 1 splits the inputs into that many consecutive parts and simulates them at the
    same time, each in its own simulator (after its own reset); the result joins them in order,
    each part's clock edges following the previous part's (so edge arithmetic such as
    out_edges == in_edges + latency holds across the whole result)."""
    codes = np.asarray(codes, dtype=np.int64).reshape(len(codes), -1)
    if processes > 1 and (reset_at is not None or waves is not None):
        raise ValueError("a reset in mid-stream or waves need a single simulator (processes=1)")
    compiled = compile_design(build_dir, report)
    tail = report["latency_cycles"] + reset_cycles + 4
    parts = [part for part in np.array_split(np.arange(len(codes)), max(1, processes))
             if len(part)] or [np.arange(0)]

    def one(k: int) -> StreamResult:
        index, rst = schedule(len(parts[k]), gap_probability=gap_probability, seed=seed + k,
                              reset_at=reset_at, reset_cycles=reset_cycles, tail=tail)
        lead = np.full(LEAD_RESET, -1, dtype=np.int64)
        outputs, edges, bench = _run(compiled, report, np.concatenate([lead, index]),
                                     np.concatenate([np.ones(LEAD_RESET, np.int64), rst]),
                                     codes[parts[k]], [], waves)
        first = int(parts[k][0]) if len(parts[k]) else 0
        sampled = np.stack([np.where(index >= 0, index + first, -1), rst], axis=1)
        return StreamResult(outputs, edges - LEAD_RESET, sampled, float(bench["seconds"]))

    with ThreadPoolExecutor(len(parts)) as pool:
        results = list(pool.map(one, range(len(parts))))
    offsets = np.cumsum([0] + [len(r.sampled) for r in results[:-1]])
    return StreamResult(np.concatenate([r.outputs for r in results]),
                        np.concatenate([r.out_edges + o for r, o in zip(results, offsets)]),
                        np.concatenate([r.sampled for r in results]),
                        max(r.seconds for r in results), compiled)


def probe(build_dir: Path, report: dict, codes: np.ndarray) -> dict[str, np.ndarray]:
    """Every layer unit's output codes for one input vector, read inside the top after the
    vector was held at the input until the pipeline is full of it."""
    codes = np.asarray(codes, dtype=np.int64).reshape(1, -1)
    compiled = compile_design(build_dir, report, announce=False)  # after a stream: said
    hold = report["latency_cycles"] + 2
    index = np.concatenate([np.full(LEAD_RESET, -1), np.zeros(hold)]).astype(np.int64)
    rst = np.concatenate([np.ones(LEAD_RESET), np.zeros(hold)]).astype(np.int64)
    signals = [layer["top_signal"] for layer in report["layers"]]
    values = _run(compiled, report, index, rst, codes, signals, None)[2]["layers"]
    codes_by_unit = {}
    for layer in report["layers"]:
        port = layer["output"]
        codes_by_unit[layer["name"]] = unpack([int(values[layer["top_signal"]])], port["elements"],
                                              port["element_width"], port["signed"])[0]
    return codes_by_unit
