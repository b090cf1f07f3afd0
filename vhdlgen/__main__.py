"""The vhdlgen command line: `python -m vhdlgen <command> ...` (also installed as `vhdlgen`)."""
from __future__ import annotations

import time

IMPORTED = time.monotonic()  # first thing: the fallback start where /proc is not there

import argparse  # noqa: E402
import difflib  # noqa: E402
import gc  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from vhdlgen.errors import UserError  # noqa: E402
from vhdlgen.chain.client import CHAIN_OPTIONS  # noqa: E402
from vhdlgen.options import BUILD_OPTIONS, MODEL_OPTIONS, add_options, from_namespace  # noqa: E402

BUILD_FLAGS = BUILD_OPTIONS + CHAIN_OPTIONS  # the build's own options and its client's (the chain)

DEFAULT_MODEL = Path("models/student_4bit.h5")


def seconds_since_start() -> float:
    """Wall seconds since this process started, the interpreter's start-up and every import
    included: the kernel's start time of the process (Linux /proc/self/stat, field 22, in clock
    ticks since boot, against CLOCK_BOOTTIME); elsewhere since this module was imported."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # fields[0] is field 3, state
        return time.clock_gettime(time.CLOCK_BOOTTIME) - started
    except (OSError, IndexError, ValueError, AttributeError):
        return time.monotonic() - IMPORTED


class StrictParser(argparse.ArgumentParser):
    """An ArgumentParser that takes no abbreviation (`--clock-n` is not `--clock-ns`), for the
    root and, as add_subparsers' parser class, every subcommand; an unknown option is refused
    in one line naming the command, the option and the nearest real one."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **{**kwargs, "allow_abbrev": False})

    def parse_known_args(self, args=None, namespace=None):
        parsed, extras = super().parse_known_args(args, namespace)
        unknown = [extra.split("=", 1)[0] for extra in extras if extra.startswith("-")]
        if unknown:
            flags = [flag for action in self._actions for flag in action.option_strings]
            near = [flag for flag in flags if flag.startswith(unknown[0]) and len(flag) > 2]
            names = {flag.lstrip("-"): flag for flag in flags}
            near = near or [names[name] for name in
                            difflib.get_close_matches(unknown[0].lstrip("-"), names, n=1)]
            hint = f" (did you mean {' or '.join(near)}?)" if near else ""
            self.exit(2, f"{self.prog}: error: unknown option {' '.join(unknown)}{hint}; options "
                      f"are never abbreviated, see `{self.prog} --help`\n")
        return parsed, extras


def add_model_options(parser: argparse.ArgumentParser, required: bool = False) -> None:
    """--model and the options of how it is read, shared by every command that reads a model."""
    parser.add_argument("--model", type=Path, required=required, default=None if required else DEFAULT_MODEL,
                        help="QKeras model (.h5 or SavedModel folder)"
                        + ("" if required else f"; default {DEFAULT_MODEL}"))
    add_options(parser, MODEL_OPTIONS)


def convert_model(args: argparse.Namespace, options: tuple = MODEL_OPTIONS):
    """`vhdlgen.convert` of --model with the command's options; prints its notes (`Design.notes`:
    where the outputs may differ from QKeras, what vhdlgen assumed) to stderr."""
    from vhdlgen.api import convert_quietly

    design = convert_quietly(args.model, from_namespace(args, options))
    for note in design.notes if args.command != "inspect" else ():  # inspect: in its table
        print(f"vhdlgen {args.command}: note: {note.text}", file=sys.stderr)
    return design


def load_network(args: argparse.Namespace):
    """The bit-exact reference of --model (`convert_model(args).network`)."""
    return convert_model(args).network


def _load_array(path: Path) -> np.ndarray:
    """A .npy array, or the inputs `x` of an .npz written by `vhdlgen dataset`."""
    from vhdlgen.arrays import load_array

    return load_array(path, "x", "a .npy array (N, H, W, C) or an .npz from `vhdlgen dataset` "
                      "(its array x)")


def _save_array(path: Path, array: np.ndarray) -> None:
    """np.save into `path`, creating missing folders; one clear error when it cannot."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as file:  # exactly `path`: np.save(path) would add '.npy'
            np.save(file, array)
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror or error}; give --output a "
                        "path in a folder you can write") from error


def cmd_predict(args: argparse.Namespace) -> int:
    from vhdlgen.chain import cli as chain_cli

    # the input is read (and a bad file refused) before the model, which takes seconds to load
    rpc = args.front_end != "none"
    inputs = chain_cli.load_strips(args.input) if rpc else _load_array(args.input)
    network = load_network(args)
    chain = chain_cli.chain(args, network)
    if chain is not None:  # --front-end rpc: strips in, [pT, absolute eta, window, trigger] out
        outputs = chain.predict(inputs)
        _save_array(args.output, outputs)
        print(f"wrote {args.output}: {len(outputs)} events x 4 outputs "
              f"({chain_cli.describe_outputs(chain)}, exact)")
        return 0
    outputs = network.predict(inputs)
    _save_array(args.output, outputs)
    print(f"wrote {args.output}: {outputs.shape[0]} vectors x {outputs.shape[1]} outputs "
          f"({network.graph.output.fmt}, exact)")
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from vhdlgen.summary import describe

    design = convert_model(args)
    print(describe(design.network.graph, design.notes))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from vhdlgen.options import resolve
    from vhdlgen.rtl.build import check_out_dir, format_report

    out = args.out or Path("build") / args.model.stem
    _, options = resolve(from_namespace(args, MODEL_OPTIONS + BUILD_FLAGS),
                         MODEL_OPTIONS + BUILD_FLAGS)
    check_out_dir(out, args.force)  # refuse a folder of the user's before loading the model
    design = convert_model(args, MODEL_OPTIONS + BUILD_FLAGS)
    print(f"building {args.model} -> {out} ({options.describe()})", flush=True)
    report = design.build(out, force=args.force)
    print(format_report(report))
    tb = (f"{out}/tb ({options.test_vectors} test vectors, run_ghdl.sh), "
          if options.test_vectors else "")
    print(f"wrote {out}/rtl ({len(report.sources)} VHDL files, ghdl --synth clean), "
          f"{out}/vivado, {tb}{out}/report.json in {report.build_seconds:.1f} s "
          f"({seconds_since_start():.1f} s wall from process start, start-up and model included)")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from vhdlgen.api import mismatch
    from vhdlgen.fixed import dequantize
    from vhdlgen.rtl.manifest import load_build
    from vhdlgen.sim.runner import sources_shown
    from vhdlgen.sim.verify import simulate

    report, graph = load_build(args.build)
    chained = bool(report.get("front_end"))  # a --front-end rpc build takes strips
    if chained:
        from vhdlgen.chain.cli import load_strips
        from vhdlgen.chain.simulate import simulate_chain
    x = load_strips(args.input) if chained else _load_array(args.input)
    print(f"simulating {report['top']} on GHDL: {len(x)} vectors, one per clock", flush=True)
    waves = args.build.resolve() / "waves.ghw" if args.waves else None
    with sources_shown(sys.stdout):  # the RTL files (and sha256) the run was checked on
        if chained:
            verdict, chain = simulate_chain(args.build, report, graph, x, waves)
        else:
            verdict = simulate(args.build, x, waves)
    outputs = (chain.decode(verdict.rtl_codes) if chained
               else dequantize(verdict.rtl_codes, graph.output.fmt.frac))
    _save_array(args.output, outputs)
    print(f"wrote {args.output}: {len(verdict.rtl_codes)} RTL outputs; "
          f"{verdict.vectors_per_second:,.0f} vectors/s; latency {verdict.latency} cycles "
          f"(report: {verdict.expected_latency})" + (f"; waves in {waves}" if waves else ""))
    problem = mismatch(verdict)
    if problem:
        print(f"MISMATCH: {problem}", file=sys.stderr)
        return 1
    print("RTL == reference, bit for bit")
    return 0


def parser() -> argparse.ArgumentParser:
    from vhdlgen.chain.cli import add_front_end_options

    root = StrictParser(prog="vhdlgen", description=__doc__)
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

    build = commands.add_parser("build", help="generate pipelined VHDL, Vivado scripts, report")
    add_model_options(build)
    build.add_argument("--out", type=Path, default=None, help="output folder (default build/<model>)")
    add_options(build, BUILD_FLAGS)
    build.add_argument("--force", action="store_true",
                       help="write into a non-empty folder that is not a vhdlgen build (nothing "
                       "in it is deleted; a file vhdlgen would overwrite is still refused)")
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
    from vhdlgen.readback.cli import add_timing_parser
    from vhdlgen.train.sweep.cli import add_parser as add_sweep_parser
    from vhdlgen.train.cli import add_evaluate_parser, add_train_parser

    add_estimate_parser(commands)
    add_timing_parser(commands)
    add_dataset_parser(commands)
    add_train_parser(commands)
    add_evaluate_parser(commands)
    add_sweep_parser(commands)
    return root


def main(argv: list[str] | None = None) -> int:
    """Run one command; `argv` None: this process's own command line, which then exits."""
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as error:
        print(f"vhdlgen {args.command}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a path the command could not create or write (/proc, /sys, ...)
        print(f"vhdlgen {args.command}: error: cannot create or write {error.filename or ''}: "
              f"{error.strerror or error}; give a path in a folder you can write",
              file=sys.stderr)
        return 2
    finally:
        if argv is None:
            # the process exits next, and its final garbage collections would walk every object
            # TensorFlow made (about 2 s, docs/benchmarks.md); the exit frees them anyway. Not
            # for in-process callers (argv given), whose later garbage must still be collected.
            gc.freeze()


if __name__ == "__main__":
    sys.exit(main())
