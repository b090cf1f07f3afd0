"""`vhdlgen sweep`: a co-design grid (bits x sparsity x distillation x width x seed) from
training to physics, RTL, yosys estimate and simulation, on Dask; `sweep --report DIR` redraws
the table and plots from the store."""
from __future__ import annotations

import argparse
import os
import time
from dataclasses import fields
from pathlib import Path

from vhdlgen.errors import UserError
from vhdlgen.train.sweep import grid

_Sub = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add_parser(subparsers: _Sub) -> None:
    """Register the `sweep` subcommand."""
    p = subparsers.add_parser(
        "sweep", help="co-design grid: train, physics, build, estimate, simulate (on Dask)",
        description="Every point of the grid is trained (or reused), evaluated on the bit-exact "
                    "reference on a held-apart set, built at the default timing, estimated "
                    "with yosys and optionally simulated; every stage is cached by content "
                    "hash under --out, so a rerun or a crashed sweep resumes. Values given on "
                    "the command line override those of --grid FILE.toml (docs/sweep.md).")
    p.add_argument("--grid", metavar="FILE.toml", help="grid and settings in TOML ([sweep])")
    p.add_argument("--bits", type=int, nargs="+", help="2 3 4 5 (default 4)")
    p.add_argument("--sparsity", type=float, nargs="+", help="e.g. 0 0.5 (default 0)")
    p.add_argument("--distill", nargs="+", help="on off (default off)")
    p.add_argument("--width", type=float, nargs="+", help="student width factors (default 1)")
    p.add_argument("--seeds", type=int, nargs="+", help="training seeds (default 1)")
    for name, kind, text in (
            ("events", int, "training events per point (default 300000)"),
            ("epochs", int, "maximum epochs per point (default 30)"),
            ("eval-events", int, "held-apart evaluation events (default 200000)"),
            ("eval-seed", int, "evaluation seed, never a training seed (default 20261121)"),
            ("threshold", float, "pT threshold in GeV (default 10)"),
            ("plateau", float, "plateau region: true pT >= this (default 15)"),
            ("simulate", int, "simulate K evaluation events per point, checked bit-exact "
                              "(default 0: none)")):
        p.add_argument(f"--{name}", type=kind, help=text)
    p.add_argument("--pruning-schedule", choices=("constant", "polynomial"),
                   help="of the points with sparsity > 0 (default constant)")
    p.add_argument("--teacher-model", help="teacher .h5 for distillation "
                                           "(default models/teacher.h5)")
    p.add_argument("--no-estimate", action="store_true", default=None,
                   help="skip the yosys estimate")
    p.add_argument("--out", help="sweep folder: store, caches, views, plots")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="an existing Dask scheduler (default: a LocalCluster on this machine)")
    p.add_argument("--workers", type=int, help="LocalCluster workers (default: one per core)")
    p.add_argument("--report", metavar="DIR",
                   help="only redraw DIR/results.csv, table.md and pareto.png from the store")
    p.set_defaults(func=run_sweep)


def settings(args: argparse.Namespace, toml: dict) -> grid.Settings:
    """The shared settings: command line, else TOML file, else the defaults."""
    values = {}
    for f in fields(grid.Settings):
        cli = getattr(args, f.name, None)
        if f.name == "estimate":
            cli = False if args.no_estimate else None
        value = cli if cli is not None else toml.get(f.name)
        if value is not None:
            values[f.name] = value
    if "out" not in values:
        raise UserError("give --out DIR (the sweep folder), or --report DIR to redraw one")
    values["out"] = os.path.abspath(values["out"])
    values["teacher_model"] = os.path.abspath(values.get("teacher_model", "models/teacher.h5"))
    try:
        return grid.Settings(**values)
    except TypeError as exc:
        raise UserError(f"bad sweep settings: {exc}") from None


def report(folder: Path) -> list[Path]:
    """Redraw the views and the plot from the store; returns the files written."""
    from vhdlgen.train.sweep import plots, store

    return [*store.write_views(folder), plots.draw(folder, store.rows(folder))]


def run_sweep(args: argparse.Namespace) -> int:
    """Validate, run the grid on Dask, write the views; exit code 1 if a point failed."""
    from vhdlgen.train.sweep import engine, store

    if args.report:
        for path in report(Path(args.report)):
            print(f"wrote {path}")
        return 0
    toml = grid.read_toml(args.grid)
    config = settings(args, toml)
    axes = {name: grid.axis(name, getattr(args, name), toml) for name in grid.AXES}
    points = grid.expand(axes, config)
    folder = Path(config.out)
    start = time.monotonic()
    db = store.connect(folder)
    try:
        store.set_meta(db, "settings", grid.settings_dict(config))
    finally:
        db.close()
    rows = engine.run(points, folder, args.scheduler, args.workers)
    for path in report(folder):
        print(f"wrote {path}")
    failed = sum(r["status"] == "failed" for r in rows)
    print(f"sweep: {len(rows) - failed} points done, {failed} failed in "
          f"{time.monotonic() - start:.1f} s; table in {folder / 'table.md'}")
    return 1 if failed else 0
