"""Command-line pieces of `--front-end rpc` (predict, build, simulate), kept out of __main__."""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from vhdlgen.arrays import load_array
from vhdlgen.chain import DEFAULT_THRESHOLD_GEV, FRONT_ENDS
from vhdlgen.chain.reference import Chain
from vhdlgen.network import Network

STRIPS_ACCEPTED = ("a .npy array (N, 9, 384) of 0/1 strip hits, or an .npz from `vhdlgen dataset "
                   "--full-image` (its array image)")


def add_front_end_options(parser: argparse.ArgumentParser) -> None:
    """--front-end and --threshold-gev."""
    parser.add_argument("--front-end", choices=FRONT_ENDS, default="none",
                        help="rpc: the whole Level-0 chain: raw 9x384 strips in, window "
                        "selection and pooling, the CNN, then pT, absolute eta, window and "
                        "trigger bit out (docs/frontend.md); default none: the CNN alone")
    parser.add_argument("--threshold-gev", type=float, default=DEFAULT_THRESHOLD_GEV,
                        help="with --front-end rpc: the trigger bit is pT >= this "
                        f"(default {DEFAULT_THRESHOLD_GEV:g})")


def chain(args: argparse.Namespace, network: Network) -> Chain | None:
    """The chain the options ask for, around `network` (None: the CNN alone)."""
    if args.front_end == "none":
        return None
    return Chain(network, threshold_gev=args.threshold_gev)


def load_strips(path: Path) -> np.ndarray:
    """Strips from a .npy, or the `image` of a `dataset --full-image` .npz."""
    return load_array(path, "image", STRIPS_ACCEPTED, " (make it with --full-image)")


def describe_outputs(chain: Chain) -> str:
    """'pt fixed<25,6>, eta fixed<25,6>, window, trigger' for messages."""
    return ", ".join(f"{f.name} {f.fmt}" for f in chain.fields)
