"""What the logic-level cap and the adder width cost in cycles, without synthesis.

    python bench/bench_level_cap.py                       # the shipped students
    python bench/bench_level_cap.py --caps 6 7 --models models/student_4bit.h5

For each model, cap (`--max-logic-levels`; 64 leaves only the delay model's ns budget) and
operands per adder (`--adder-inputs` 2 and 3), the default build's schedule at the signoff
corner: cycles and the modelled register bits (`AdderGraph.register_bits`: the data path's
flip-flops before yosys drops constant ones). The lowering only: seconds per model, no GHDL,
no yosys, so the numbers are the model's, not a netlist's.

Writes bench/results/level_cap.md and .json.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from common import (REPO, format_machine, machine, markdown_table, say,  # noqa: E402
                    write_results)

SHIPPED = [REPO / "models" / f"student_{bits}bit.h5" for bits in (2, 3, 4, 5)]
HEADER = ["model", "level cap", "adders", "cycles", "register bits (model)"]


def rows_for(model: Path, caps: list[int]) -> list[dict]:
    """One record per (cap, adder inputs) of `model`'s default build."""
    import vhdlgen
    from vhdlgen.rtl.build_options import BuildOptions
    from vhdlgen.rtl.lower import lower

    network = vhdlgen.load(model)
    records = []
    for cap in caps:
        for inputs in (2, 3):
            options = BuildOptions(max_logic_levels=cap, adder_inputs=inputs)
            units = lower(network.graph, "top", options.timing, options.share_depth, inputs)
            records.append({"model": model.stem, "cap": cap, "adder_inputs": inputs,
                            "cycles": sum(u.latency for u in units),
                            "register_bits": sum(u.graph.register_bits for u in units)})
            say(f"{model.stem}: cap {cap}, {inputs}-input adders: {records[-1]['cycles']} cycles")
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", type=Path, default=SHIPPED)
    parser.add_argument("--caps", nargs="+", type=int, default=[6, 7, 8, 64],
                        help="logic-level caps (default 6 7 8 64; 6 is the signoff default)")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results",
                        help="where the .md/.json results go (default bench/results)")
    parser.add_argument("--name", default="level_cap", help="results file stem")
    args = parser.parse_args(argv)
    records = [r for model in args.models for r in rows_for(model, args.caps)]
    rows = [[r["model"], str(r["cap"]), f"{r['adder_inputs']}-input", str(r["cycles"]),
             f"{r['register_bits']:,}"] for r in records]
    command = "python bench/bench_level_cap.py" + "".join(f" {a}" for a in (argv or sys.argv[1:]))
    info = machine()
    markdown = "\n".join([markdown_table(HEADER, rows, align="llrrr"), "",
                          f"Measured by `{command}` (signoff corner, 3.125 ns, margin 0.3 ns; "
                          "the schedule's model, not a netlist).", "", format_machine(info)])
    write_results(args.name, markdown, {"command": command, "machine": info,
                                        "records": records}, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
