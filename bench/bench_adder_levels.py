"""Sweep `--adder-levels-per-stage` on one model: latency vs registers vs logic depth.

    python bench/bench_adder_levels.py                         # models/student_4bit.h5, N = 1..4
    python bench/bench_adder_levels.py --levels 2 3 --vectors 0 --skip-estimate

For each N: build (timed), optionally simulate `--vectors` toy-dataset events (bit-exactness and
latency are required, as in bench_students.py), estimate with GHDL + yosys, and print one
markdown table: cycles, latency ns, LUT, FF, CARRY4, max logic levels (yosys CARRY4 count and the
CARRY8-packed equivalent), adders, the build's LUT estimate. Then a recommendation:

    the highest N whose CARRY8-packed max logic levels L satisfy
        overhead_ns + L x per_level_ns <= clock_ns

(the highest such N gives the fewest cycles and registers). The default per-level delay
(0.5 ns per LUT/CARRY level including its net) and overhead (0.4 ns: clock-to-out, setup, clock
uncertainty) are ASSUMPTIONS, rounded rule-of-thumb numbers for a -2 UltraScale+, not taken from
a datasheet or from a Vivado run of this design; override them with --per-level-ns/--overhead-ns,
and confirm the choice with the Vivado flow of docs/vivado.md (WNS >= 0 at the target clock).

Writes bench/results/adder_levels.md and .json; build folders go to build/bench/adder_levels/.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from common import (REPO, BenchFailure, abort, add_output_options,  # noqa: E402
                    fmt, format_machine, machine, markdown_table,
                    realistic_inputs, run_design, say, write_results)

PER_LEVEL_NS = 0.5
OVERHEAD_NS = 0.4
HEADER = ["adder levels / stage", "cycles", "latency ns", "LUT", "FF", "CARRY4",
          "max logic levels", "as CARRY8", "fits budget", "adders", "LUT est. (build)", "build s"]


def level_budget(clock_ns: float, per_level_ns: float, overhead_ns: float) -> int:
    """Largest number of logic levels whose assumed delay fits one clock period."""
    return max(0, math.floor((clock_ns - overhead_ns) / per_level_ns + 1e-9))


def recommend(records: list[dict], budget: int) -> dict | None:
    fitting = [r for r in records if r.get("max_logic_levels_carry8") is not None
               and r["max_logic_levels_carry8"] <= budget]
    return max(fitting, key=lambda r: r["adder_levels_per_stage"]) if fitting else None


def render(records: list[dict], info: dict, args, command: str, budget: int) -> str:
    rows = []
    for r in records:
        levels8 = r.get("max_logic_levels_carry8")
        fits = "-" if levels8 is None else ("yes" if levels8 <= budget else "no")
        rows.append([str(r["adder_levels_per_stage"]), fmt(r["latency_cycles"]),
                     fmt(float(r["latency_ns"]), 3 if r["latency_ns"] % 1 else 0),
                     fmt(r.get("lut")), fmt(r.get("ff")), fmt(r.get("carry")),
                     fmt(r.get("max_logic_levels")), fmt(levels8), fits, fmt(r["adders"]),
                     fmt(r["lut_estimate"]), fmt(r["build_seconds"], 1)])
    best = recommend(records, budget)
    if best is None:
        estimated = [r for r in records if r.get("max_logic_levels_carry8") is not None]
        rule = ("no estimated setting fits the assumed budget" if estimated
                else "none without estimates")
    else:
        rule = (f"**recommended: {best['adder_levels_per_stage']} adder levels per stage** "
                f"({best['latency_cycles']} cycles = {best['latency_ns']:g} ns; deepest path "
                f"{best['max_logic_levels_carry8']} levels as CARRY8 <= budget {budget})")
    sim = (f"every build simulated on {args.vectors} toy-dataset events: RTL == reference bit "
           "for bit, latency == report" if args.vectors else "not simulated (--vectors 0)")
    notes = [
        f"Model {Path(args.model).name}, measured by `{command}`; latency ns = cycles x "
        f"{args.clock_ns} ns; {sim}.",
        "LUT/FF/CARRY4/logic levels: yosys synth_xilinx -family xcup estimate (a proxy, not "
        "Vivado); 'as CARRY8' packs cascaded CARRY4 pairs as Vivado's CARRY8 would.",
        f"Budget rule: highest N with overhead + levels x per-level delay <= clock, i.e. "
        f"{args.overhead_ns} + L x {args.per_level_ns} <= {args.clock_ns} ns -> L <= {budget} "
        "(ASSUMED delays for a -2 UltraScale+, not measured: confirm with Vivado WNS).",
        f"Recommendation: {rule}.",
    ]
    missing = [str(r["adder_levels_per_stage"]) for r in records if r.get("estimate_missing")]
    if missing:
        notes.append("No yosys estimate yet (--cached-estimates-only, nothing cached for this "
                     f"RTL) for N = {', '.join(missing)}: those rows are not considered by the "
                     "recommendation; rerun without that option.")
    cached = [str(r["adder_levels_per_stage"]) for r in records if r.get("estimate_cached")]
    if cached:
        notes.append("Estimate reused from an earlier yosys run on byte-identical RTL with the "
                     "same GHDL, yosys, flow and estimator code (build/bench/estimate_cache/) "
                     f"for N = {', '.join(cached)}.")
    return "\n".join([markdown_table(HEADER, rows), "", *[f"- {n}" for n in notes], "",
                      format_machine(info)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=REPO / "models" / "student_4bit.h5")
    parser.add_argument("--levels", nargs="+", type=int, default=[1, 2, 3, 4],
                        help="adder levels per stage to try (default 1 2 3 4)")
    parser.add_argument("--vectors", type=int, default=1000,
                        help="toy-dataset events simulated per build (default 1000; 0 = skip)")
    parser.add_argument("--data-seed", type=int, default=20261121)
    parser.add_argument("--skip-estimate", action="store_true")
    parser.add_argument("--clock-ns", type=float, default=None, help="default: vhdlgen's 3.125")
    parser.add_argument("--per-level-ns", type=float, default=PER_LEVEL_NS,
                        help=f"assumed delay of one LUT/CARRY8 level incl. its net (default "
                             f"{PER_LEVEL_NS})")
    parser.add_argument("--overhead-ns", type=float, default=OVERHEAD_NS,
                        help=f"assumed clock-to-out + setup + uncertainty (default {OVERHEAD_NS})")
    add_output_options(parser, REPO / "build" / "bench" / "adder_levels", "adder_levels")
    args = parser.parse_args(argv)
    args.build_root = args.build_root.resolve()  # estimate runs tools in sub-folders

    from vhdlgen.rtl.build import DEFAULT_CLOCK_NS

    args.clock_ns = args.clock_ns or DEFAULT_CLOCK_NS
    if not args.model.exists():
        parser.error(f"model not found: {args.model}")
    command = "python bench/bench_adder_levels.py" + (" " + " ".join(
        argv if argv is not None else sys.argv[1:])).rstrip()
    budget = level_budget(args.clock_ns, args.per_level_ns, args.overhead_ns)

    info = machine()
    say(format_machine(info).replace("\n", " "))
    x = realistic_inputs(args.vectors, args.data_seed) if args.vectors else None
    records, started = [], time.monotonic()
    try:
        for n in args.levels:
            records.append(run_design(args.model, args.build_root / f"{args.model.stem}_l{n}",
                                      clock_ns=args.clock_ns, levels=n, x=x,
                                      estimate=not args.skip_estimate, use_cache=not args.no_cache,
                                cache_only=args.cached_estimates_only,
                                      label=f"{args.model.stem} N={n}"))
    except BenchFailure as failure:
        return abort(failure)

    markdown = render(records, info, args, command, budget)
    best = recommend(records, budget)
    data = {"command": command, "machine": info, "model": str(args.model),
            "clock_ns": args.clock_ns, "per_level_ns": args.per_level_ns,
            "overhead_ns": args.overhead_ns, "level_budget": budget,
            "recommended": best["adder_levels_per_stage"] if best else None,
            "records": records, "wall_seconds": round(time.monotonic() - started, 1)}
    write_results(args.name, markdown, data, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
