"""The vhdlgen command line: `python -m vhdlgen <command> ...` (also installed as `vhdlgen`)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from vhdlgen.errors import UserError
from vhdlgen.fixed import FixedType, FormatError
from vhdlgen.frontend import Options

DEFAULT_MODEL = Path("models/student_4bit.h5")


def _format(text: str) -> FixedType:
    try:
        return FixedType.parse(text)
    except FormatError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def add_model_options(parser: argparse.ArgumentParser, required: bool = False) -> None:
    """--model and the frontend options shared by every command that reads a model."""
    parser.add_argument("--model", type=Path, required=required, default=None if required else DEFAULT_MODEL,
                        help="QKeras model (.h5 or SavedModel folder)"
                        + ("" if required else f"; default {DEFAULT_MODEL}"))
    parser.add_argument("--input-format", type=_format, default=Options.input_format,
                        help="input format when the model has no input quantizer "
                        "(default ufixed<2,1>: the pooled RPC hits 0, 0.5, 1)")
    parser.add_argument("--float-weight-bits", type=int, default=Options.float_weight_bits,
                        help="signed width vhdlgen gives the weights of unquantized layers "
                        f"(default {Options.float_weight_bits})")


def frontend_options(args: argparse.Namespace) -> Options:
    if not 2 <= args.float_weight_bits <= 32:
        raise UserError(f"--float-weight-bits {args.float_weight_bits}: accepted 2 to 32")
    return Options(args.input_format, args.float_weight_bits)


def load_network(args: argparse.Namespace):
    from vhdlgen.network import load

    return load(args.model, frontend_options(args))


def _load_array(path: Path) -> np.ndarray:
    if not path.is_file():
        raise UserError(f"input file not found: {path}; expected a .npy array (N, H, W, C)")
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as error:
        raise UserError(f"cannot read {path} as a .npy array: {error}") from error


def cmd_predict(args: argparse.Namespace) -> int:
    network = load_network(args)
    outputs = network.predict(_load_array(args.input))
    np.save(args.output, outputs)
    print(f"wrote {args.output}: {outputs.shape[0]} vectors x {outputs.shape[1]} outputs "
          f"({network.graph.output.fmt}, exact)")
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from vhdlgen.summary import describe

    print(describe(load_network(args).graph))
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="vhdlgen", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True, metavar="command")

    predict = commands.add_parser("predict", help="bit-exact fixed-point outputs of a model")
    add_model_options(predict)
    predict.add_argument("--input", type=Path, required=True, help=".npy float inputs (N, H, W, C)")
    predict.add_argument("--output", type=Path, required=True, help=".npy float64 outputs (N, n_out)")
    predict.set_defaults(func=cmd_predict)

    inspect = commands.add_parser("inspect", help="layers, formats, widths and parameter count")
    add_model_options(inspect)
    inspect.set_defaults(func=cmd_inspect)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as error:
        print(f"vhdlgen {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
