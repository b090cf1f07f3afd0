"""Benchmark the shipped students: build, simulate (bit-exact), estimate, one markdown table.

    python bench/bench_students.py                      # models/student_{2,3,4,5}bit.h5
    python bench/bench_students.py --models models/student_4bit.h5 --vectors 2000
    python bench/bench_students.py --skip-estimate      # no yosys: minutes instead of ~half an hour
    python bench/bench_students.py --random-missing     # dev: random-weight stand-ins, labelled

For every model: `vhdlgen.load`, `build` (timed; includes the `ghdl --synth` gate), `simulate` on
`--vectors` realistic toy-dataset events (cocotb + GHDL; the RTL must equal the NumPy reference bit
for bit and the measured latency must equal the report, otherwise the run aborts with exit code
1 and no table), then `estimate` (GHDL + yosys `synth_xilinx -family xcup`, a Vivado proxy).

Prints the machine, the tool versions and ONE markdown table with the published anchors as extra
rows; writes bench/results/students.md and bench/results/students.json (raw records).
Build folders go to build/bench/students/<model> (git-ignored).

A shipped model that does not exist yet gets a "not shipped yet" row, so re-running the same
command fills the table in once it appears. `--random-missing` instead builds a random-weight
student of that width (tests/qmodels.py `student(bits, seed)`), labelled as such in every output:
those numbers say what vhdlgen does with that architecture, not what a trained model costs.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from common import (REPO, BenchFailure, abort, add_output_options,  # noqa: E402
                    add_estimate, estimate_notes, fmt, format_machine, machine,
                    markdown_table, realistic_inputs, run_design, say, write_results)

SHIPPED = [REPO / "models" / f"student_{b}bit.h5" for b in (2, 3, 4, 5)]
DEFAULT_DATA_SEED = 20261121  # toy-dataset seed of the bench events (not a training seed)
RANDOM_SEED = 0

# Published / public reference points (the published ATLAS L0 muon study and the public hand-written VHDL; docs/benchmarks.md). All Vivado (or GHDL for the
# hand-written cycle count) numbers from elsewhere, NOT measured by this script.
ANCHORS = [
    {"label": "hls4ml, 4-bit student (published)", "latency_cycles": 183, "latency_ns": 438,
     "lut": "29.5k", "ff": "14.3k", "dsp": 6, "bram": 11},
    {"label": "hls4ml 1.1 rerun, same student (2025 public report)", "latency_cycles": 254,
     "latency_ns": 604, "lut": "139k", "ff": "74k", "dsp": 0},
    {"label": "hand-written VHDL (published)", "latency_ns": 84},
    {"label": "hand-written VHDL (public source, GHDL)", "latency_cycles": 30, "latency_ns": 94},
]

HEADER = ["model", "cycles", "latency ns", "LUT", "FF", "CARRY4", "DSP", "BRAM",
          "max logic levels (CARRY8)", "critical path ns (netlist)", "period ns (build)",
          "LUT, stock synth_xilinx", "adders", "sim vectors/s", "build s"]


def _random_student(bits: int, out_dir: Path) -> Path:
    """A random-weight student of `bits` (tests/qmodels.py), saved once as .h5."""
    path = out_dir / f"student_{bits}bit_random_seed{RANDOM_SEED}.h5"
    if not path.exists():
        sys.path.insert(0, str(REPO / "tests"))
        import qmodels

        say(f"creating random-weight stand-in {path} (tests/qmodels.py student({bits}, "
            f"{RANDOM_SEED}))")
        out_dir.mkdir(parents=True, exist_ok=True)
        return qmodels.save_h5(qmodels.student(bits, RANDOM_SEED), out_dir, path.stem)
    return path


def _row(r: dict, clock_ns: float) -> list[str]:
    if r.get("missing"):
        return [r["label"]] + ["not shipped yet"] + ["-"] * (len(HEADER) - 2)
    levels = "-"
    if r.get("max_logic_levels") is not None:
        levels = f"{r['max_logic_levels']} ({r['max_logic_levels_carry8']})"
    return [r["label"], fmt(r["latency_cycles"]), fmt(float(r["latency_ns"]), 3 if
                                                      r["latency_ns"] % 1 else 0),
            fmt(r.get("lut")), fmt(r.get("ff")), fmt(r.get("carry")), fmt(r.get("dsp")),
            fmt(r.get("bram")), levels, fmt(r.get("critical_path_ns"), 2),
            fmt((r.get("timing") or {}).get("estimated_period_ns"), 2),
            fmt(r.get("estimates", {}).get("synth_xilinx", {}).get("lut")), fmt(r["adders"]),
            fmt(r.get("sim_vectors_per_second")), fmt(r["build_seconds"], 1)]


def _anchor_row(a: dict) -> list[str]:
    return [f"*{a['label']}*", fmt(a.get("latency_cycles")), fmt(a.get("latency_ns")),
            fmt(a.get("lut")), fmt(a.get("ff")), "-", fmt(a.get("dsp")), fmt(a.get("bram")),
            "-", "-", "-", "-", "-", "-", "-"]


def render(records: list[dict], info: dict, args: argparse.Namespace, command: str) -> str:
    rows = [_row(r, args.clock_ns) for r in records] + [_anchor_row(a) for a in ANCHORS]
    table = markdown_table(HEADER, rows)
    kinds = []
    if any(r.get("kind") == "random" for r in records):
        kinds.append("Rows marked *random-weight* are tests/qmodels.py students with random "
                     "weights (seed 0), NOT the shipped trained models: development numbers only.")
    sim = (f"simulation: {args.vectors} toy-dataset events (seed {args.data_seed}), RTL == "
           "reference bit for bit and measured latency == report for every model"
           if args.vectors else "simulation skipped (--vectors 0)")
    est = ("LUT/FF/CARRY4/DSP/BRAM/logic levels/critical path: `vhdlgen estimate` (GHDL + yosys "
           "synth_xilinx -family xcup, 'carry' flow: one carry chain per RTL adder), a proxy, not "
           "Vivado; logic levels as counted by yosys (CARRY4) and, in brackets, with CARRY4 pairs "
           "packed into CARRY8 as Vivado does. 'LUT, stock synth_xilinx': the same RTL through the "
           "unmodified script (`estimate --flow synth_xilinx`), whose alumacc turns adder chains "
           "into LUT carry-save trees"
           if not args.skip_estimate else "estimate skipped (--skip-estimate)")
    notes = [
        f"vhdlgen rows: measured by `{command}`; latency ns = cycles x {args.clock_ns} ns "
        f"(target clock {1000 / args.clock_ns:.0f} MHz, "
        + (f"{args.adder_levels_per_stage} adder levels per stage" if args.adder_levels_per_stage
           else "stages placed by the delay model of vhdlgen/timing, its default signoff corner")
        + "; valid only if Vivado closes timing at that clock). Path ns: the same delay model "
        "over the yosys netlist (estimate) and over the adder graph (build); not Vivado."
        + " Ternary adders: LUT6_2 + CARRY8 instances (`--adder-inputs 3`, or per layer with "
        "the default `auto`).",
        f"{sim}; sim vectors/s = streaming rate under cocotb + GHDL (excludes compilation).",
        f"{est}. Italic rows: published or public anchors (Vivado / GHDL), not measured here.",
        *kinds,
    ]
    notes += estimate_notes(records)
    return "\n".join([table, "", *[f"- {n}" for n in notes], "", format_machine(info)])


def _build_options(args: argparse.Namespace) -> dict:
    """The BuildOptions fields given on the command line (vhdlgen's defaults for the rest)."""
    options = {"adder_inputs": None if args.adder_inputs is None
               else args.adder_inputs if args.adder_inputs == "auto" else int(args.adder_inputs),
               "goal": args.goal}
    return {name: value for name, value in options.items() if value is not None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", type=Path, default=None,
                        help="models to bench (default: the shipped models/student_{2,3,4,5}bit.h5)")
    parser.add_argument("--vectors", type=int, default=5000,
                        help="toy-dataset events simulated per model (default 5000; 0 = skip)")
    parser.add_argument("--data-seed", type=int, default=DEFAULT_DATA_SEED,
                        help=f"toy-dataset seed of the simulated events (default {DEFAULT_DATA_SEED})")
    parser.add_argument("--skip-estimate", action="store_true", help="do not run GHDL + yosys")
    parser.add_argument("--flows", nargs="+", default=["carry", "synth_xilinx"],
                        choices=["carry", "synth_xilinx"],
                        help="yosys flows to estimate with (default both; the first fills the "
                             "main columns when it is 'carry')")
    parser.add_argument("--random-missing", action="store_true",
                        help="replace a missing shipped model by a random-weight student "
                             "(tests/qmodels.py), labelled 'random-weight' (development only)")
    parser.add_argument("--clock-ns", type=float, default=None, help="default: vhdlgen's 3.125")
    parser.add_argument("--adder-levels-per-stage", type=int, default=None,
                        help="default: vhdlgen's default")
    parser.add_argument("--adder-inputs", choices=("2", "3", "auto"), default=None,
                        help="default: vhdlgen's (auto: binary or ternary adders per layer)")
    parser.add_argument("--goal", choices=("flip-flops", "cycles"), default=None,
                        help="what the pipeline minimises first; default: vhdlgen's")
    add_output_options(parser, REPO / "build" / "bench" / "students", "students")
    args = parser.parse_args(argv)
    args.build_root = args.build_root.resolve()  # estimate runs tools in sub-folders

    from vhdlgen.rtl.build import DEFAULT_CLOCK_NS

    args.clock_ns = args.clock_ns or DEFAULT_CLOCK_NS
    command = "python bench/bench_students.py" + (" " + " ".join(argv if argv is not None
                                                                else sys.argv[1:])).rstrip()
    explicit = args.models is not None
    models = [m if m.is_absolute() else (Path.cwd() / m) for m in (args.models or SHIPPED)]

    info = machine()
    say(format_machine(info).replace("\n", " "))
    x = None
    if args.vectors:
        say(f"generating {args.vectors} toy-dataset events (seed {args.data_seed})")
        x = realistic_inputs(args.vectors, args.data_seed)

    records: list[dict] = []
    started = time.monotonic()
    try:
        for model in models:
            kind, path, label = "shipped" if not explicit else "given", model, model.stem
            if not model.exists():
                bits = re.fullmatch(r"student_(\d)bit", model.stem)
                if explicit and not args.random_missing:
                    parser.error(f"model not found: {model}")
                if args.random_missing and bits:
                    kind, label = "random", f"{model.stem} *random-weight*"
                    path = _random_student(int(bits.group(1)), args.build_root / "random_models")
                else:
                    say(f"{model}: not there yet (being trained); row left empty, re-run to fill")
                    records.append({"model": str(model), "label": model.stem, "missing": True})
                    continue
            # Build and simulate every model first (a bit-exactness failure stops the run
            # before any long yosys job), then estimate them one after the other.
            record = run_design(path, args.build_root / path.stem, clock_ns=args.clock_ns,
                                options=_build_options(args),
                                levels=args.adder_levels_per_stage, x=x, estimate=False,
                                label=label)
            record["kind"] = kind
            records.append(record)
        if not args.skip_estimate:
            for flow in args.flows:
                for record in records:
                    if not record.get("missing"):
                        add_estimate(record, Path(record["build_dir"]), record["label"],
                                     not args.no_cache, args.cached_estimates_only, flow)
    except BenchFailure as failure:
        return abort(failure)

    markdown = render(records, info, args, command)
    data = {"command": command, "machine": info, "clock_ns": args.clock_ns,
            "adder_levels_per_stage": args.adder_levels_per_stage,
            "options": _build_options(args), "vectors": args.vectors,
            "data_seed": args.data_seed, "records": records, "anchors": ANCHORS,
            "wall_seconds": round(time.monotonic() - started, 1)}
    write_results(args.name, markdown, data, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
