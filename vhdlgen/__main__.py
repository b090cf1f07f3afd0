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
    """A .npy array, or the inputs `x` of an .npz written by `vhdlgen dataset`."""
    accepted = "a .npy array (N, H, W, C) or an .npz from `vhdlgen dataset` (its array x)"
    if not path.is_file():
        raise UserError(f"input file not found: {path}; expected {accepted}")
    try:
        loaded = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as error:
        raise UserError(f"cannot read {path}: {error}; expected {accepted}") from error
    if isinstance(loaded, np.lib.npyio.NpzFile):
        with loaded:
            if "x" not in loaded.files:
                raise UserError(f"{path} holds {', '.join(loaded.files) or 'no arrays'} but no "
                                f"array x; expected {accepted}")
            return loaded["x"]
    return loaded


def _save_array(path: Path, array: np.ndarray) -> None:
    """np.save into `path`, creating missing folders; one clear error when it cannot."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, array)
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror or error}; give --output a "
                        "path in a folder you can write") from error


def cmd_predict(args: argparse.Namespace) -> int:
    from vhdlgen.chain import cli as chain_cli

    network = load_network(args)
    chain = chain_cli.chain(args, network)
    if chain is not None:  # --front-end rpc: strips in, [pT, absolute eta, window, trigger] out
        outputs = chain.predict(chain_cli.load_strips(args.input))
        _save_array(args.output, outputs)
        print(f"wrote {args.output}: {len(outputs)} events x 4 outputs "
              f"({chain_cli.describe_outputs(chain)}, exact)")
        return 0
    outputs = network.predict(_load_array(args.input))
    _save_array(args.output, outputs)
    print(f"wrote {args.output}: {outputs.shape[0]} vectors x {outputs.shape[1]} outputs "
          f"({network.graph.output.fmt}, exact)")
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from vhdlgen.summary import describe

    print(describe(load_network(args).graph))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from vhdlgen.rtl.build import BuildOptions, build, check_out_dir, format_report
    from vhdlgen.rtl.testbench import check_count

    out = args.out or Path("build") / args.model.stem
    options = BuildOptions(args.clock_ns, args.part, args.adder_levels_per_stage, args.top,
                           args.share_depth, args.margin_ns, args.max_logic_levels,
                           args.register_inputs, args.test_vectors, args.front_end,
                           args.threshold_gev)
    options.validate()
    check_count(options.test_vectors)
    check_out_dir(out, args.force)  # refuse a folder of the user's before loading the model
    network = load_network(args)
    print(f"building {args.model} -> {out} ({options.describe()})", flush=True)
    report = build(network.graph, out, options, force=args.force)
    print(format_report(report))
    tb = (f"{out}/tb ({options.test_vectors} test vectors, run_ghdl.sh), "
          if options.test_vectors else "")
    print(f"wrote {out}/rtl ({len(report['sources'])} VHDL files, ghdl --synth clean), "
          f"{out}/vivado, {tb}{out}/report.json in {report['build_seconds']:.1f} s")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from vhdlgen.fixed import dequantize
    from vhdlgen.rtl.build import load_build
    from vhdlgen.sim.verify import simulate

    report, graph = load_build(args.build)
    chained = bool(report.get("front_end"))  # a --front-end rpc build takes strips
    if chained:
        from vhdlgen.chain.cli import load_strips
        from vhdlgen.chain.simulate import simulate_chain
    x = load_strips(args.input) if chained else _load_array(args.input)
    print(f"simulating {report['top']} on GHDL: {len(x)} vectors, one per clock", flush=True)
    waves = args.build.resolve() / "waves.ghw" if args.waves else None
    if chained:
        verdict, chain = simulate_chain(args.build, report, graph, x, waves)
        _save_array(args.output, chain.decode(verdict.rtl_codes))
    else:
        verdict = simulate(args.build, x, waves)
        _save_array(args.output, dequantize(verdict.rtl_codes, graph.output.fmt.frac))
    print(f"wrote {args.output}: {len(verdict.rtl_codes)} RTL outputs; "
          f"{verdict.vectors_per_second:,.0f} vectors/s; latency {verdict.latency} cycles "
          f"(report: {verdict.expected_latency})" + (f"; waves in {waves}" if waves else ""))
    if verdict.latency is None:
        print("MISMATCH: out_valid never rose; the RTL produced no output", file=sys.stderr)
        return 1
    if verdict.first_mismatch is not None:
        where = f"; first diverging layer: {verdict.diverging_layer}" if verdict.diverging_layer else ""
        print(f"MISMATCH: RTL differs from the reference at vector {verdict.first_mismatch}{where}",
              file=sys.stderr)
        return 1
    if verdict.latency != verdict.expected_latency:
        print(f"MISMATCH: measured latency {verdict.latency} != report {verdict.expected_latency}",
              file=sys.stderr)
        return 1
    print("RTL == reference, bit for bit")
    return 0


def parser() -> argparse.ArgumentParser:
    from vhdlgen.chain.cli import add_front_end_options

    root = argparse.ArgumentParser(prog="vhdlgen", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True, metavar="command")

    predict = commands.add_parser("predict", help="bit-exact fixed-point outputs of a model")
    add_model_options(predict)
    predict.add_argument("--input", type=Path, required=True,
                         help=".npy float inputs (N, H, W, C), or a `dataset` .npz (its x); with "
                         "--front-end rpc: .npy strips (N, 9, 384) or a `dataset --full-image` "
                         ".npz (its image)")
    predict.add_argument("--output", type=Path, required=True, help=".npy float64 outputs (N, n_out)")
    add_front_end_options(predict)
    predict.set_defaults(func=cmd_predict)

    inspect = commands.add_parser("inspect", help="layers, formats, widths and parameter count")
    add_model_options(inspect)
    inspect.set_defaults(func=cmd_inspect)

    from vhdlgen.rtl.build import (DEFAULT_CLOCK_NS, DEFAULT_MARGIN_NS, DEFAULT_PART,
                                   DEFAULT_SHARE_DEPTH)
    from vhdlgen.rtl.testbench import DEFAULT_TEST_VECTORS

    build = commands.add_parser("build", help="generate pipelined VHDL, Vivado scripts, report")
    add_model_options(build)
    build.add_argument("--out", type=Path, default=None, help="output folder (default build/<model>)")
    build.add_argument("--clock-ns", type=float, default=DEFAULT_CLOCK_NS,
                       help=f"target clock period in ns (default {DEFAULT_CLOCK_NS} = 320 MHz)")
    build.add_argument("--part", default=DEFAULT_PART, help=f"FPGA part (default {DEFAULT_PART})")
    build.add_argument("--adder-levels-per-stage", type=int, default=None,
                       help="override the timing-driven pipeline: a register after every N "
                       "adder levels")
    build.add_argument("--margin-ns", type=float, default=DEFAULT_MARGIN_NS,
                       help="slack kept free in every stage of the delay model, for routing "
                       f"(default {DEFAULT_MARGIN_NS})")
    build.add_argument("--max-logic-levels", type=int, default=None,
                       help="also cap the logic levels (LUT and CARRY8 cells, modelled) on any "
                       "path of a stage; default: the delay model alone decides")
    build.add_argument("--register-inputs", action="store_true",
                       help="register in_data and in_valid in the top (one more cycle), so the "
                       "first stage starts at a flip-flop whatever drives the ports")
    build.add_argument("--share-depth", type=int, default=DEFAULT_SHARE_DEPTH,
                       help="adder depth allowed for shared subexpressions; 0 = no sharing "
                       f"(default {DEFAULT_SHARE_DEPTH})")
    build.add_argument("--top", default=None, help="top entity name (default: the model name)")
    build.add_argument("--test-vectors", type=int, default=DEFAULT_TEST_VECTORS, metavar="N",
                       help="write DIR/tb/: a self-checking VHDL testbench for any simulator "
                       "with N input vectors and the reference's outputs, run_ghdl.sh, a "
                       f"component and a Verilog stub; 0 = no tb/ (default {DEFAULT_TEST_VECTORS})")
    build.add_argument("--force", action="store_true",
                       help="write into a non-empty folder that is not a vhdlgen build (nothing "
                       "in it is deleted; a file vhdlgen would overwrite is still refused)")
    add_front_end_options(build)
    build.set_defaults(func=cmd_build)

    simulate = commands.add_parser("simulate", help="run the RTL on GHDL (cocotb) vs the reference")
    simulate.add_argument("--build", type=Path, required=True, help="a folder made by `build`")
    simulate.add_argument("--input", type=Path, required=True,
                          help=".npy float inputs (N, H, W, C), or a `dataset` .npz (its x); for "
                          "a --front-end rpc build: strips, as predict --front-end rpc takes")
    simulate.add_argument("--output", type=Path, required=True, help=".npy RTL outputs (as predict)")
    simulate.add_argument("--waves", action="store_true", help="write DIR/waves.ghw (GTKWave)")
    simulate.set_defaults(func=cmd_simulate)

    from vhdlgen.data.cli import add_parser as add_dataset_parser
    from vhdlgen.estimate import add_estimate_parser
    from vhdlgen.train.cli import add_evaluate_parser, add_train_parser

    add_estimate_parser(commands)
    add_dataset_parser(commands)
    add_train_parser(commands)
    add_evaluate_parser(commands)
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
