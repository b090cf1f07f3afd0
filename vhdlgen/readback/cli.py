"""`vhdlgen timing`: Vivado's own timing reports against the delay model, path by path.

    vhdlgen timing --vivado-report RPT [RPT ...] [--build DIR] [--fit OUT.json]
                   [--timing-corner typical|signoff] [--delay-model FILE.json]

Reads `report_timing` / `report_timing_summary` / `report_design_analysis` / `report_utilization`
text (`vivado_report`), prints for every setup path of a placed or routed design its start and
end, logic levels, Vivado's data path delay and the model's delay for the same cells and nets
(`fit.predict_path`, clock-to-Q up to the D pin plus setup, compared with Vivado's data path
plus setup), and their ratio; then the median and extremes of the ratio. `--build DIR` names the
RTL register (unit, stage, signal) behind each start and end; `--fit OUT.json` writes a delay
model fitted on the reports (`fit.fit_model`), which `build --delay-model OUT.json` uses.
Imports neither TensorFlow nor the network code.
"""
from __future__ import annotations

import argparse
import json
import statistics
from collections import Counter
from pathlib import Path

from vhdlgen.errors import UserError
from vhdlgen.timing.paths import PathRecord
from vhdlgen.timing.vivado_report import VivadoReport, combine, read_report

REPORT_HELP = ("Vivado text report(s): report_timing (full or -path_type summary), "
               "report_timing_summary, report_design_analysis -logic_level_distribution, "
               "report_utilization")


def add_timing_parser(commands: argparse._SubParsersAction) -> None:
    from vhdlgen.timing.model import CORNERS, DEFAULT_CORNER

    parser = commands.add_parser(
        "timing", help="Vivado's timing reports against the delay model; --fit a model to them")
    parser.add_argument("--vivado-report", type=Path, nargs="+", required=True, metavar="RPT",
                        help=REPORT_HELP)
    parser.add_argument("--build", type=Path, default=None, metavar="DIR",
                        help="the vhdlgen build the reports are of: name the RTL register "
                        "(unit, stage, signal) behind each path's start and end")
    parser.add_argument("--fit", type=Path, default=None, metavar="OUT.json",
                        help="write a delay model fitted on the reports' paths (for "
                        "`build --delay-model`)")
    parser.add_argument("--timing-corner", choices=CORNERS, default=None,
                        help=f"the shipped model to compare with, and the corner --fit fits "
                        f"(default {DEFAULT_CORNER})")
    parser.add_argument("--delay-model", type=Path, default=None, metavar="FILE.json",
                        help="compare with this delay model (from --fit) instead")
    parser.set_defaults(func=cmd_timing)


def cmd_timing(args: argparse.Namespace) -> int:
    from vhdlgen.timing.fit import fit_model
    from vhdlgen.timing.model import DEFAULT_CORNER, corner_model, load_delay_model

    if args.delay_model is not None and args.timing_corner is not None:
        raise UserError("give --timing-corner or --delay-model, not both: the corner picks one "
                        "of the shipped models, --delay-model replaces it")
    corner = args.timing_corner or DEFAULT_CORNER
    model = load_delay_model(args.delay_model) if args.delay_model else corner_model(corner)
    names = None
    if args.build is not None:
        from vhdlgen.readback.rtl_map import BuildNames

        names = BuildNames.load(args.build)
    reports = [read_report(path) for path in args.vivado_report]
    records = combine(reports)
    for number, report in enumerate(reports, 1):
        print(f"[{number}] {_report_line(report)}")
    if not records:
        raise UserError(f"no setup path of a placed or routed design in {len(reports)} "
                        "report(s) (see the lines above); give report_timing or "
                        "report_timing_summary text of a placed or routed run")
    print(f"\nmodel: {model.describe()}")
    print("Vivado = data path delay + setup; model = the same cells and nets priced by the model\n")
    files = {report.file: number for number, report in enumerate(reports, 1)}
    ratios = [r for i, record in enumerate(records, 1)
              for r in [_print_path(i, files.get(record.source), record, model, names)]
              if r is not None]
    print(_summary(ratios, len(records)))
    if args.fit is not None:
        fitted = fit_model(records, corner, base=model)
        _write(args.fit, fitted.to_json())
        print(f"wrote {args.fit}: {fitted.describe()}")
    return 0


def _report_line(report: VivadoReport) -> str:
    what = [f"{report.kind} of {report.design or '?'} on {report.part} "
            f"{report.speed_grade}".rstrip()]
    what.append(f"{report.state or 'state not said'}, Vivado {report.vivado or '?'}")
    if report.wns_ns is not None:
        what.append(f"WNS {report.wns_ns:.3f} ns")
    if report.luts is not None:
        what.append(f"{report.luts} LUTs")
    if report.logic_levels:
        for row in report.logic_levels:
            levels = " ".join(f"{k}:{v}" for k, v in row.counts.items())
            what.append(f"end points per logic level ({row.clock}) {levels}")
    if report.paths or report.kind in ("report_timing", "report_timing_summary"):
        what.append(f"{len(report.paths)} setup path(s)")
    reasons = Counter(s.reason for s in report.skipped)
    what += [f"skipped {n}: {reason}" for reason, n in reasons.items()]
    return f"{report.file}: " + "; ".join(what)


def _print_path(index: int, report: int | None, record: PathRecord, model,
                names) -> float | None:
    """Print one path; its model/Vivado ratio, or None when the model cannot price it."""
    from vhdlgen.timing.fit import OTHER, classify, predict_path, vivado_ns

    cells = Counter(e.cell for e in record.cells[1:])
    levels = " ".join(f"{cell}={n}" for cell, n in sorted(cells.items()))
    vivado = vivado_ns(record)
    setup = record.setup_ns or 0.0
    print(f"path {index} [{report}]: {record.startpoint} -> {record.endpoint}")
    print(f"  {record.logic_levels} levels ({levels}), {record.state}, target "
          f"{record.target_ns:.3f} ns, slack {record.slack_ns:.3f} ns")
    ratio = None
    unknown = sorted({e.cell for e, kind in zip(record.elements, classify(record))
                      if kind == OTHER})
    if unknown:
        priced = f"model: - (it does not price {', '.join(unknown)})"
    else:
        predicted = predict_path(model, record)
        ratio = predicted / vivado
        priced = f"model {predicted:.3f} ns; model/Vivado {ratio:.2f}"
    print(f"  Vivado data path {record.data_path_ns:.3f} ns (+ setup {setup:.3f} = "
          f"{vivado:.3f} ns); {priced}")
    if names is not None:
        print(f"  from {names.text(record.startpoint)}")
        print(f"  to   {names.text(record.endpoint)}")
    return ratio


def _summary(ratios: list[float], total: int) -> str:
    if not ratios:
        return f"\nmodel/Vivado: none of the {total} path(s) is priced by the model"
    return (f"\nmodel/Vivado over {len(ratios)} of {total} path(s): median "
            f"{statistics.median(ratios):.2f}, min {min(ratios):.2f}, max {max(ratios):.2f}")


def _write(path: Path, data: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n")
    except OSError as error:
        raise UserError(f"--fit {path}: cannot write it ({error.strerror or error}); give a "
                        "path in a folder you can write") from error
