"""`vhdlgen dataset`: generate a toy RPC dataset into an .npz file."""
from __future__ import annotations

import argparse
import os
import time

from vhdlgen.errors import UserError


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register the `dataset` subcommand."""
    p = subparsers.add_parser(
        "dataset", help="generate a toy RPC muon dataset (.npz)",
        description="Generate toy RPC events (docs/physics.md section 1) into an .npz holding x "
                    "(N,9,16,1) float32, pt (GeV, 0 for background), eta, charge, is_muon, window "
                    "and, with --full-image, image (N,9,384).")
    p.add_argument("--events", type=int, required=True, help="number of events")
    p.add_argument("--seed", type=int, required=True, help="random seed (same seed, same events)")
    p.add_argument("--out", required=True, help="output .npz file")
    p.add_argument("--muon-fraction", type=float, default=0.5,
                   help="fraction of signal (single muon) events, default 0.5")
    p.add_argument("--full-image", action="store_true", help="also store the 9x384 images")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Generate and save; returns the exit code."""
    from vhdlgen.data.generator import generate_events, save_npz

    if args.events < 1:
        raise UserError(f"--events must be a positive integer, got {args.events}")
    if args.seed < 0:
        raise UserError(f"--seed must be a non-negative integer, got {args.seed}")
    if not 0.0 <= args.muon_fraction <= 1.0:
        raise UserError(f"--muon-fraction must be in [0, 1], got {args.muon_fraction}")
    if not args.out.endswith(".npz"):
        raise UserError(f"--out must name an .npz file, got {args.out!r}")
    parent = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(parent):
        raise UserError(f"output directory {parent!r} does not exist; create it first")
    t0 = time.perf_counter()
    events = generate_events(args.events, args.seed, args.muon_fraction, args.full_image)
    t1 = time.perf_counter()
    save_npz(args.out, events)
    n_mu = int(events["is_muon"].sum())
    print(f"{args.events} events ({n_mu} muons) generated in {t1 - t0:.2f} s "
          f"({args.events / max(t1 - t0, 1e-9):,.0f} events/s), written to {args.out}")
    return 0
