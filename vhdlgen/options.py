"""The options of the model-to-firmware flow, defined once for the CLI and the Python API.

Each `Option` is a CLI flag (`--clock-ns`) and a keyword argument of `vhdlgen.convert`
(`clock_ns=`) with the same meaning; its default is the field default of the dataclass that
holds it (`vhdlgen.frontend.Options` for how the model is read, `BuildOptions` for the
hardware, a build client's own dataclass for its options, e.g. the Level-0 chain's
`CHAIN_OPTIONS`), so there is one default per option. A new option is one row in
`MODEL_OPTIONS` or `BUILD_OPTIONS` plus its dataclass field. The entry points (`__main__`,
`api`) add a client's rows; this module knows no client.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, fields
from typing import Any, Callable

from vhdlgen.errors import UserError
from vhdlgen.fixed import FixedType, FormatError
from vhdlgen.frontend import DEFAULT_INPUT_FORMAT, Options
from vhdlgen.rtl.build_options import DEFAULT_CLOCK_NS, DEFAULT_MARGIN_NS, BuildOptions
from vhdlgen.rtl.names import choose_top
from vhdlgen.rtl.testbench import check_count


def fixed_format(text: str) -> FixedType:
    """'fixed<W,I>' / 'ufixed<W,I>' -> FixedType (argparse shows the message as it is)."""
    try:
        return FixedType.parse(text)
    except FormatError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _default_level_cap() -> int:
    """The logic-level cap of a default build (the default corner, clock and margin)."""
    return BuildOptions().delay.level_cap(DEFAULT_CLOCK_NS, DEFAULT_MARGIN_NS)


def _adder_inputs(text: str) -> int | str:
    """'2' / '3' -> 2 / 3; 'auto' as is (BuildOptions.validate refuses other numbers)."""
    if text == "auto":
        return text
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: accepted 2, 3 or auto")
    return int(text)


@dataclass(frozen=True)
class Option:
    """One option: `name` is the keyword argument, `--name-with-dashes` the CLI flag; `help`
    may contain `{default}`; `parse` turns CLI text into a value of type `kind`."""

    name: str
    owner: type
    help: str
    kind: type | tuple[type, ...]
    parse: Callable[[str], Any] = str
    metavar: str | None = None

    @property
    def default(self) -> Any:
        return next(f.default for f in fields(self.owner) if f.name == self.name)

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        text = self.help.format(default=self.default)
        if self.kind is bool:
            parser.add_argument(self.flag, action="store_true", help=text)
        else:
            parser.add_argument(self.flag, type=self.parse, default=self.default,
                                metavar=self.metavar, help=text)

    def value(self, given: Any) -> Any:
        """`given` (a value, or text to parse) checked against `kind`; UserError else."""
        if isinstance(given, str) and self.kind is not str:
            try:
                given = self.parse(given)
            except (ValueError, argparse.ArgumentTypeError) as error:
                raise UserError(f"{self.name}={given!r}: {error}") from None
        if given is None and self.default is None:
            return None
        kinds = self.kind if isinstance(self.kind, tuple) else (self.kind,)
        if not isinstance(given, kinds) or (isinstance(given, bool) and bool not in kinds):
            names = " or ".join(k.__name__ for k in kinds)
            raise UserError(f"{self.name}={given!r}: expected {names}"
                            + (" or None" if self.default is None else ""))
        return given


MODEL_OPTIONS = (
    Option("input_format", Options, "input format of a model without an input quantizer "
           f"(default {DEFAULT_INPUT_FORMAT}: the pooled RPC hits 0, 0.5, 1; refused for a "
           "model with one, whose quantizer sets it)", FixedType, fixed_format, "FORMAT"),
    Option("float_weight_bits", Options, "signed width vhdlgen gives the weights of "
           "unquantized layers, 2 to 32 (default {default})", int, int, "N"),
    Option("output_format", Options, "requantize every output to this format, rounding half to "
           "even and saturating, e.g. 'fixed<12,6>' (`inspect` prints the error bound); "
           "default: exact", FixedType, fixed_format, "FORMAT"),
)
BUILD_OPTIONS = (
    Option("clock_ns", BuildOptions, "target clock period in ns (default {default} = 320 MHz)",
           (int, float), float, "NS"),
    Option("part", BuildOptions, "FPGA part (default {default})", str),
    Option("adder_levels_per_stage", BuildOptions, "override the timing-driven pipeline: a "
           "register after every N adder levels", int, int, "N"),
    Option("margin_ns", BuildOptions, "slack kept free in every stage of the delay model, for "
           "routing (default {default})", (int, float), float, "NS"),
    Option("max_logic_levels", BuildOptions, "cap the logic levels (LUT, CARRY8 and MUXF "
           "cells, modelled bit by bit) on any path of a stage; default: the stage budget over "
           f"a routed LUT's delay, {_default_level_cap()} at the default clock and corner; 64 "
           "leaves the delay model alone",
           int, int, "N"),
    Option("timing_corner", BuildOptions, "corner of the UltraScale+ -2 delay model the stages "
           "and the logic-level cap are timed with: signoff (no recorded path of a tight "
           "Vivado run is slower) or typical (the best fit); default {default}", str, str,
           "{typical,signoff}"),
    Option("delay_model", BuildOptions, "a delay model in JSON, e.g. fitted on your own "
           "Vivado reports by `vhdlgen timing --fit`; overrides --timing-corner", str, str,
           "FILE.json"),
    Option("register_inputs", BuildOptions, "register in_data and in_valid in the top (one "
           "more cycle), so the first stage starts at a flip-flop whatever drives the ports",
           bool),
    Option("register_layers", BuildOptions, "end every layer on a register: no stage spans "
           "two layers (more cycles, fewer flip-flops; by default a boundary stays open where "
           "that saves a cycle)", bool),
    Option("share_depth", BuildOptions, "adder depth allowed for shared subexpressions; 0 = "
           "no sharing (default {default})", int, int, "D"),
    Option("adder_inputs", BuildOptions, "operands per adder in each output's sum: 3 = "
           "ternary adders built from LUT6_2 and CARRY8 instances (a 3:2 compressor in each "
           "bit's LUT in front of one carry chain: three operands for the logic levels of two; "
           "the GHDL models go to DIR/rtl/unisim/), 2 = binary adders only, auto = per layer, "
           "whichever --goal prefers (default {default})", (int, str), _adder_inputs,
           "{2,3,auto}"),
    Option("goal", BuildOptions, "what the pipeline minimises first when it chooses, per layer, "
           "binary or ternary adders and a registered or open boundary: flip-flops (then "
           "cycles) or cycles (then flip-flops); default {default}", str, str,
           "{flip-flops,cycles}"),
    Option("max_cycles", BuildOptions, "latency cap: the best pipeline for --goal within N "
           "cycles (the network's, input register included); refused, with the fewest cycles "
           "possible, when none fits", int, int, "N"),
    Option("top", BuildOptions, "top entity name (default: the model name)", str),
    Option("test_vectors", BuildOptions, "write DIR/tb/: a self-checking VHDL testbench for "
           "any simulator with N input vectors and the reference's outputs, run_ghdl.sh, a "
           "component and a Verilog stub; 0 = no tb/ (default {default})", int, int, "N"),
)
ALL_OPTIONS = MODEL_OPTIONS + BUILD_OPTIONS


def add_options(parser: argparse.ArgumentParser, options: tuple[Option, ...]) -> None:
    for option in options:
        option.add_to(parser)


def from_namespace(args: argparse.Namespace, options: tuple[Option, ...]) -> dict[str, Any]:
    """The option values of parsed CLI arguments, as keyword arguments."""
    return {option.name: getattr(args, option.name) for option in options}


def _client(options: tuple[Option, ...], checked: dict[str, Any]) -> Any:
    """The build client made of its options' values (defaults for the missing ones), or None
    when `options` has no client rows (rows owned by neither Options nor BuildOptions)."""
    owners = {option.owner for option in options} - {Options, BuildOptions}
    if not owners:
        return None
    if len(owners) > 1:
        raise ValueError(f"options of more than one build client: {sorted(map(str, owners))}")
    owner = owners.pop()
    return owner(**{k: v for k, v in checked.items()
                    if any(o.name == k and o.owner is owner for o in options)})


def resolve(values: dict[str, Any], options: tuple[Option, ...] = ALL_OPTIONS
            ) -> tuple[Options, BuildOptions]:
    """Checked (frontend options, build options) from keyword arguments (defaults for the
    missing ones); UserError naming the first unknown or unusable option."""
    known = {option.name: option for option in options}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise UserError(f"unknown option{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                        f"accepted: {', '.join(known)}")
    checked = {name: known[name].value(value) for name, value in values.items()}
    frontend = Options(**{k: v for k, v in checked.items() if known[k].owner is Options})
    build = BuildOptions(**{k: v for k, v in checked.items() if known[k].owner is BuildOptions},
                         client=_client(options, checked))
    if not 2 <= frontend.float_weight_bits <= 32:
        raise UserError(f"--float-weight-bits {frontend.float_weight_bits}: accepted 2 to 32")
    build.validate()
    check_count(build.test_vectors)
    if build.top is not None:
        choose_top(build.top, "")  # an unusable --top is refused before the model is read
    return frontend, build
