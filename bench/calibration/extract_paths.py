"""Build vhdlgen/timing/calibration.json from the public Vivado reports it cites, with the
report reader of vhdlgen (vhdlgen.timing.vivado_report). The raw reports are not in this
repository; get them as below and pass their folders:

  da4ml (github calad0i/da4ml at DA4ML_COMMIT): tests/test_data.tar.xz, extracted
      git -C <da4ml clone> show DA4ML_COMMIT:tests/test_data.tar.xz | tar xJ -C <dir>
      -> --da4ml <dir>/test_data
  lakeroad-evaluation (github gussmith23/lakeroad-evaluation at LAKEROAD_COMMIT): read with
      `git show` from a clone -> --lakeroad <clone's git dir>
  JEDI-linear (github calad0i/JEDI-linear at JEDI_COMMIT): official_result_reports.tar.gz,
      extracted -> --jedi <dir>/official_result_reports/summary
  RapidWright docs: the two Vivado reports printed on the pages RAPIDWRIGHT (transcribed in
      tests/data/vivado/rapidwright_*.rpt, read from there).

Usage: python bench/calibration/extract_paths.py --da4ml D --lakeroad G --jedi J [--out FILE]
Only register-to-register setup paths through LUT/CARRY8/MUXF cells are kept: the cells the
delay model knows. Every record's element delays must add up to its data path delay.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from vhdlgen.timing.paths import Calibration, DesignSummary, PathRecord  # noqa: E402
from vhdlgen.timing.vivado_report import combine, parse_report  # noqa: E402

DA4ML_COMMIT = "fa85662ab52b7c550404bb876e599931ce19896f"
LAKEROAD_COMMIT = "4efb34249397abd14d31954de802cc9905edc685"
JEDI_COMMIT = "48032802068bf1e4878b5b119a6e8a87512c733e"
JEDI_PART = "xcvu13p-flga2577"  # src/syn_test.py of JEDI-linear: part="xcvu13p-flga2577-2-e"
RAPIDWRIGHT = {
    "rapidwright_microblaze4_report_timing.rpt":
        "https://www.rapidwright.io/docs/ReportTimingExample.html",
    "rapidwright_gnl3500_report_timing.rpt":
        "https://www.rapidwright.io/docs/RWRoute_timing_driven_routing.html",
}
DA4ML_DESIGNS = ("vivado_example_verilog_model_lc=2", "vivado_example_vhdl_model_lc=2")
DA4ML_REPORTS = ("vmodel_post_route_timing.rpt", "vmodel_post_place_timing.rpt",
                 "vmodel_post_route_timing_paths.rpt", "vmodel_post_route_util.rpt")
LAKEROAD_DIR = ("runs/2022-07-06-1704-full/vivado-eval/xilinx-ultrascale-plus-vivado-eval/"
                "vivado-synth-opt-place-route")
LAKEROAD_REPORTS = ("timing-summary-route.v", "timing-summary-place.v", "util-route.v")
FABRIC = re.compile(r"^(FD[RSCP]E|LUT[1-6]|CARRY8|MUXF[789])$")


def da4ml_records(data: Path) -> list[PathRecord]:
    records = []
    for design in DA4ML_DESIGNS:
        reports = []
        for name in DA4ML_REPORTS:
            relative = f"{design}/output_vmodel/reports/{name}"
            source = f"calad0i/da4ml@{DA4ML_COMMIT[:7]}:tests/test_data.tar.xz:{relative}"
            reports.append(parse_report((data / relative).read_text(), relative, source))
        records += [dataclasses.replace(r, design=f"da4ml {design}") for r in combine(reports)]
    return records


def lakeroad_records(git_dir: Path) -> list[PathRecord]:
    """The Calyx benchmarks of lakeroad-evaluation: a design per stem "<bench>.futil-<flow>"."""
    listing = _git(git_dir, "ls-tree", "--name-only", LAKEROAD_COMMIT, LAKEROAD_DIR + "/")
    stems = sorted({Path(p).name.split("-timing-summary-route.v")[0]
                    for p in listing.splitlines() if p.endswith("-timing-summary-route.v")})
    records = []
    for stem in stems:
        reports = []
        for suffix in LAKEROAD_REPORTS:
            path = f"{LAKEROAD_DIR}/{stem}-{suffix}"
            text = _git(git_dir, "show", f"{LAKEROAD_COMMIT}:{path}")
            source = f"gussmith23/lakeroad-evaluation@{LAKEROAD_COMMIT[:7]}:{path}"
            reports.append(parse_report(text, path, source))
        records += [dataclasses.replace(r, design=f"lakeroad {stem}") for r in combine(reports)]
    return records


def rapidwright_records() -> list[PathRecord]:
    records = []
    for name, url in RAPIDWRIGHT.items():
        path = ROOT / "tests" / "data" / "vivado" / name
        report = parse_report(path.read_text(), name, url)  # a bare report_timing: WNS known
        records += [dataclasses.replace(r, design=f"RapidWright {r.design}")
                    for r in combine([report])]
    return records


def jedi_designs(summary: Path) -> list[DesignSummary]:
    designs = []
    for path in sorted(summary.glob("*.json")):
        for epoch, row in json.loads(path.read_text()).items():
            designs.append(DesignSummary(
                source=f"calad0i/JEDI-linear@{JEDI_COMMIT[:7]}:official_result_reports.tar.gz:"
                       f"official_result_reports/summary/{path.name}",
                design=f"JEDI-linear {path.stem} ({epoch})", part=JEDI_PART,
                target_ns=float(row["clock_period"]), wns_ns=float(row["WNS(ns)"]),
                luts=int(row["LUT"]), note=f"latency {row['latency']} cycles; speed grade -2"))
    return designs


def _git(git_dir: Path, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", str(git_dir), *args], check=True,
                          capture_output=True, text=True).stdout


def keep(record: PathRecord) -> str | None:
    """Why a record is left out, or None to keep it."""
    unknown = sorted({e.cell for e in record.cells if not FABRIC.match(e.cell)})
    if unknown:
        return "cells the model does not know: " + ",".join(unknown)
    total = sum(e.delay_ns for e in record.elements)
    if abs(total - record.data_path_ns) > 0.0015 * len(record.elements):
        raise SystemExit(f"{record.source}: elements add up to {total:.3f} ns, the report "
                         f"says {record.data_path_ns:.3f} ns")
    return None


def _dump(data: dict) -> str:
    """JSON with one path record (or design summary) per line."""
    parts = [f'"{key}": [\n' + ",\n".join(json.dumps(item) for item in items) + "\n]"
             for key, items in data.items()]
    return "{\n" + ",\n".join(parts) + "\n}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--da4ml", type=Path, required=True)
    parser.add_argument("--lakeroad", type=Path, required=True)
    parser.add_argument("--jedi", type=Path, required=True)
    parser.add_argument("--out", type=Path,
                        default=ROOT / "vhdlgen" / "timing" / "calibration.json")
    args = parser.parse_args(argv)
    candidates = da4ml_records(args.da4ml) + rapidwright_records() + lakeroad_records(args.lakeroad)
    kept, seen = [], set()
    for record in candidates:
        identity = (record.part, record.state, record.startpoint, record.endpoint,
                    record.data_path_ns, record.slack_ns)
        reason = keep(record) or ("same path as an earlier record" if identity in seen else None)
        seen.add(identity)
        if reason:
            print(f"left out {record.design} {record.state} {record.startpoint}: {reason}")
        else:
            kept.append(record)
    calibration = Calibration(paths=tuple(kept), designs=tuple(jedi_designs(args.jedi)))
    args.out.write_text(_dump(calibration.to_json()))
    tight = sum(r.tight for r in kept)
    print(f"wrote {args.out}: {len(kept)} paths ({tight} from tight runs), "
          f"{len(calibration.designs)} design summaries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
