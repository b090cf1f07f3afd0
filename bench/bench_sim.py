"""Verification at scale: N toy events through the 4-bit student's RTL, bit-exact, timed.

    python bench/bench_sim.py                      # 100,000 events, all CPUs
    python bench/bench_sim.py --events 1000000
    python bench/bench_sim.py --processes 1        # one simulator
    python bench/bench_sim.py --build DIR          # an existing build instead of a fresh one

Builds models/student_4bit.h5 with the default options (`python -m vhdlgen build --out
build/bench/sim/student_4bit`), compiles it for GHDL once (`vhdlgen.sim.runner.compile_design`:
the llvm backend when installed, GHDL_BACKEND= overrides), then times the verification exactly
as `python -m vhdlgen simulate` runs it (`vhdlgen.sim.verify.simulate`): input codes, the NumPy
reference, cocotb + GHDL streaming every event through the VHDL feeder (split over --processes
simulators at once), numpy.array_equal, the latency. Any mismatch or a wrong latency aborts with
exit code 1 and no table. Writes bench/results/<name>.md and .json.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from common import (REPO, BenchFailure, abort, fmt, format_machine, machine,  # noqa: E402
                    markdown_table, say, write_results)

MODEL = REPO / "models" / "student_4bit.h5"
EVENT_SEED = 20261130  # toy-dataset seed of the bench events (not a training seed)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(args: argparse.Namespace) -> dict:
    from vhdlgen.data import generate_events
    from vhdlgen.rtl.manifest import load_build
    from vhdlgen.sim import runner
    from vhdlgen.sim.verify import processes_for, simulate

    build_dir = args.build
    if build_dir is None:
        build_dir = args.build_root / "student_4bit"
        say(f"building {MODEL.name} (default options) -> {build_dir}")
        subprocess.run([sys.executable, "-m", "vhdlgen", "build", "--model", str(MODEL),
                        "--out", str(build_dir), "--test-vectors", "0"],
                       cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    report, _ = load_build(build_dir)
    t = time.perf_counter()
    backend = runner.compile_design(build_dir, report).backend
    compile_s = time.perf_counter() - t
    say(f"GHDL ({backend}) compile: {compile_s:.1f} s")

    t = time.perf_counter()
    x = generate_events(args.events, seed=EVENT_SEED, muon_fraction=0.5)["x"]
    events_s = time.perf_counter() - t
    processes = args.processes or processes_for(args.events)
    say(f"{args.events:,} toy events in {events_s:.1f} s; verifying on {processes} simulator(s)")
    cpu0, t = children_cpu(), time.perf_counter()
    verdict = simulate(build_dir, x, processes=processes)
    verify_s, sim_cpu = time.perf_counter() - t, children_cpu() - cpu0
    if verdict.first_mismatch is not None or verdict.latency != verdict.expected_latency:
        raise BenchFailure(f"RTL != reference: first mismatch {verdict.first_mismatch}, latency "
                           f"{verdict.latency} (report {verdict.expected_latency}); {build_dir}")
    if not (len(verdict.rtl_codes) == args.events
            and len(verdict.reference_codes) == args.events):
        raise BenchFailure(f"{len(verdict.rtl_codes)} RTL outputs for {args.events} events")
    say(f"RTL == reference bit for bit on {args.events:,} events in {verify_s:.1f} s")
    return {"events": args.events, "processes": processes, "backend": backend,
            "latency_cycles": verdict.latency, "compile_seconds": round(compile_s, 1),
            "events_seconds": round(events_s, 1), "verify_wall_seconds": round(verify_s, 1),
            "stream_seconds": round(len(verdict.rtl_codes) / verdict.vectors_per_second, 1),
            "vectors_per_second": round(args.events / verify_s),
            "simulator_cpu_seconds": round(sim_cpu, 1), "bit_exact": True,
            "distinct_outputs": int(len(np.unique(verdict.rtl_codes, axis=0)))}


def render(record: dict, info: dict, command: str) -> str:
    header = ["events", "simulators", "GHDL backend", "verify wall s", "events/s (wall)",
              "stream s (longest simulator)", "simulator CPU s", "compile s (once)", "bit-exact"]
    row = [fmt(record["events"]), str(record["processes"]), record["backend"],
           fmt(record["verify_wall_seconds"], 1), fmt(record["vectors_per_second"]),
           fmt(record["stream_seconds"], 1), fmt(record["simulator_cpu_seconds"], 1),
           fmt(record["compile_seconds"], 1), "yes"]
    return "\n".join([
        f"Measured with `{command}`.", "", format_machine(info), "",
        markdown_table(header, [row]), "",
        "verify wall: `vhdlgen.sim.verify.simulate` (input codes, NumPy reference, cocotb + GHDL "
        "stream through the VHDL feeder including simulator start-up, numpy.array_equal); the "
        "toy events are generated before it and the RTL compiled once before it (compile s). "
        f"{record['distinct_outputs']:,} distinct output pairs; latency "
        f"{record['latency_cycles']} cycles, equal to report.json.",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=0,
                        help="simulators at once (default: vhdlgen.sim.verify.processes_for)")
    parser.add_argument("--build", type=Path, default=None, help="an existing build folder")
    parser.add_argument("--build-root", type=Path, default=REPO / "build" / "bench" / "sim")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--name", default=None, help="results file stem (default sim_<events>)")
    args = parser.parse_args()
    command = "python bench/bench_sim.py " + " ".join(sys.argv[1:])
    info = machine()
    try:
        record = run(args)
    except BenchFailure as failure:
        return abort(failure)
    write_results(args.name or f"sim_{args.events}", render(record, info, command.strip()),
                  {"machine": info, "command": command.strip(), **record}, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
