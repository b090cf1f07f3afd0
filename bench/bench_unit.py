"""One unit of a build through the estimate's yosys flow: LUT, FF, CARRY4 and logic levels.

    python bench/bench_unit.py --model models/student_4bit.h5 --unit dense2
    python bench/bench_unit.py --model models/student_4bit.h5 --unit conv2 --adder-inputs 3

Builds the model (default options but `--adder-inputs`, no testbench) into a scratch folder,
then `ghdl --synth` of that unit's entity alone and the carry flow (`vhdlgen.estimate`'s
script): a minute where the whole student takes ten. Levels count from the unit's input port,
so an open boundary's upstream levels come on top. Prints one markdown row; a proxy, not Vivado.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path


def estimate_unit(build_dir: Path, entity: str, work: Path) -> dict:
    """Resources and CARRY8-packed levels of `entity` of `build_dir` (carry flow)."""
    from vhdlgen import ghdl
    from vhdlgen.estimate.netlist import count_resources
    from vhdlgen.estimate.paths import logic_levels
    from vhdlgen.estimate.tools import ADD_TO_ALU, yosys, yosys_script

    rtl = build_dir / "rtl"
    sources = [rtl / line for line in (rtl / "sources.f").read_text().split()]
    unit = [s for s in sources if s.stem == entity]
    if not unit:
        sys.exit(f"no unit {entity!r} in {rtl}: accepted {', '.join(s.stem for s in sources)}")
    packages = [s for s in sources if s.stem.endswith("pkg") or s.stem == "vhdlgen_valid_pipe"]
    verilog = work / f"{entity}.v"
    with open(verilog, "w", encoding="utf-8") as out:
        subprocess.run([ghdl.ghdl(), "--synth", "--std=08", "--out=verilog",
                        *map(str, packages + unit), "-e", entity], cwd=work, check=True,
                       stdout=out)
    (work / "add_to_alu.v").write_text(ADD_TO_ALU)
    (work / "synth.ys").write_text(yosys_script(verilog, entity, "carry"))
    subprocess.run([yosys(), "-q", "-s", "synth.ys"], cwd=work, check=True,
                   capture_output=True)
    stat = json.loads((work / "stat.json").read_text())
    cells = next(iter(stat["modules"].values()))["num_cells_by_type"]
    module = json.loads((work / "netlist.json").read_text())["modules"][entity]
    return {**count_resources(cells), "levels": logic_levels(module)["levels_carry8"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--unit", required=True, help="the layer label, e.g. dense2")
    parser.add_argument("--adder-inputs", type=int, default=2, choices=(2, 3))
    args = parser.parse_args(argv)
    import vhdlgen
    from vhdlgen.rtl.build import BuildOptions, build

    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "build"
        report = build(vhdlgen.load(args.model).graph, out, BuildOptions(
            adder_inputs=args.adder_inputs, test_vectors=0)).data
        entity = f"{report['top']}_{args.unit}"
        got = estimate_unit(out, entity, Path(scratch))
    print("| unit | adder inputs | cycles of the build | LUT | FF | CARRY4 | CARRY8 levels |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    print(f"| {args.unit} | {args.adder_inputs} | {report['latency_cycles']} | {got['lut']:,} "
          f"| {got['ff']:,} | {got['carry']:,} | {got['levels']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
