"""The one authority for generated VHDL names: legal, readable identifiers derived from layer
and model names, that can neither collide with each other nor with the names the design uses.

A design has these names (all lower case, compared case-insensitively as VHDL does):

- design units in library `work`: the static `vhdlgen_pkg` and `vhdlgen_valid_pipe`, and, from
  the top name T, `T` (top entity), `T_pkg` (interface package), `T_<label>` (one entity per
  layer unit) and, in DIR/tb/, `T_tb` and `T_component_pkg`; the file of each unit is its name
  with `.vhd`, so distinct units never share a file;
- inside the top's architecture: the ports, `in_valid_q`/`in_data_q`/`input_register` (with
  --register-inputs), and per unit with label L the signals `L_valid`, `L_data` and the instance
  `u_L` (`top_names`).

`choose_top` keeps the top clear of VHDL reserved words, of the libraries, packages, types and
functions the design uses (`work`, `ieee`, `std`, `std_logic`, `numeric_std`, `rising_edge`,
...) and of the `vhdlgen` prefix of the static units. `unit_names` labels the units so that no
signal or instance of one unit equals a name of another (layers 'u_p' and 'p_valid': `u_p_valid`
would be both), and names their entities so that none equals another design unit (a layer 'pkg'
would otherwise be the interface package `T_pkg`). `check_unique` refuses duplicate file names.
"""
from __future__ import annotations

import re

from vhdlgen.errors import UserError

RESERVED = frozenset("""
abs access after alias all and architecture array assert assume assume_guarantee attribute begin
block body buffer bus case component configuration constant context cover default disconnect
downto else elsif end entity exit fairness file for force function generate generic group
guarded if impure in inertial inout is label library linkage literal loop map mod nand new next
nor not null of on open or others out package parameter port postponed procedure process
property protected pure range record register reject release rem report restrict
restrict_guarantee return rol ror select sequence severity shared signal sla sll sra srl
strong subtype then to transport type unaffected units until use variable vmode vprop vunit
wait when while with xnor xor
""".split())

# Libraries, packages and what the generated design and testbench use from them (std.standard,
# std.textio, ieee.std_logic_1164, ieee.numeric_std, and vhdlgen_pkg's functions).
LIBRARY_NAMES = frozenset("""
work ieee std standard textio env std_logic_1164 numeric_std numeric_bit math_real
std_logic std_ulogic std_logic_vector std_ulogic_vector signed unsigned resolved x01 x01z ux01
ux01z integer natural positive boolean bit bit_vector character string real time delay_length
severity_level file_open_kind file_open_status line text side width input output
rising_edge falling_edge to_integer to_signed to_unsigned resize shift_left shift_right
rotate_left rotate_right std_match to_01 to_x01 is_x to_hstring to_string to_bitvector
to_stdlogicvector to_stdulogicvector read write hread hwrite readline writeline endfile
file_open file_close deallocate now minimum maximum requantize floor_ties_to_even
unsigned_value signed_value
""".split())

STATIC_UNITS = ("vhdlgen_pkg", "vhdlgen_valid_pipe")
# GHDL's library unisim (templates/unisim/, DIR/rtl/unisim/): the component package, then the
# simulation models of the primitives a unit with ternary adders instantiates.
UNISIM_COMPONENTS = "unisim/vcomponents.vhd"  # alone: black boxes for ghdl --synth
UNISIM_FILES = (UNISIM_COMPONENTS, "unisim/primitives.vhd")
STATIC_PREFIX = "vhdlgen"
# Design units derived from the top name T: T_pkg (rtl/), T_tb and T_component_pkg (tb/).
TOP_SUFFIXES = ("_pkg", "_tb", "_component_pkg")
# Names declared in the top's architecture besides the units' own (top.vhd.j2).
TOP_LEVEL = frozenset({"clk", "rst", "in_valid", "in_data", "out_valid", "out_data",
                       "in_valid_q", "in_data_q", "input_register", "rtl"})
INSTANCE_PREFIX, VALID_SUFFIX, DATA_SUFFIX = "u_", "_valid", "_data"


def identifier(text: str) -> str:
    """`text` as a VHDL basic identifier: letters, digits and single inner underscores,
    starting with a letter, lower case, never a reserved word."""
    name = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not name:
        name = "n"
    if not name[0].isalpha():
        name = f"n_{name}"
    if name in RESERVED:
        name = f"{name}_n"
    return name


def _numbered(base: str, free) -> str:
    """`base`, else `base_2`, `base_3`, ...: the first candidate `free` accepts."""
    name, counter = base, 1
    while not free(name):
        counter += 1
        name = f"{base}_{counter}"
    return name


def top_problem(name: str) -> str | None:
    """Why `name` (lower case) cannot be the top entity, or None when it can."""
    if name in RESERVED:
        return "a VHDL reserved word"
    if name in LIBRARY_NAMES:
        return "a library, package, type or function name the design uses"
    if name in TOP_LEVEL:
        return "a port or signal name of the top entity"
    if name == STATIC_PREFIX or name.startswith(f"{STATIC_PREFIX}_"):
        return f"reserved for vhdlgen's static units ({', '.join(STATIC_UNITS)})"
    return None


_TOP_RULE = ("accepted: a letter, then letters, digits and single underscores, not a VHDL "
             "reserved word, not a name the design uses (work, ieee, std, std_logic, "
             "numeric_std, rising_edge, clk, ...) and not starting with 'vhdlgen'")


def choose_top(explicit: str | None, model_name: str) -> tuple[str, str | None]:
    """(top entity name, a sentence saying how it was renamed, or None).

    An explicit `--top` must be usable as it is (UserError naming the rule otherwise); a name
    derived from the model (file stem or Keras name) is made legal and, when it is reserved,
    prefixed with `top_` (vhdlgen.h5 -> top_vhdlgen), and the sentence says so."""
    if explicit is not None:
        name = str(explicit)
        problem = top_problem(name.lower())
        if problem is None and identifier(name) != name.lower():
            problem = "not a VHDL identifier"
        if problem:
            raise UserError(f"--top {name!r} is {problem}; {_TOP_RULE}")
        return name.lower(), None
    base = identifier(model_name)
    problem = top_problem(model_name.lower())
    if problem is None and base != model_name.lower():
        problem = "not a VHDL identifier"
    top = f"top_{base}" if top_problem(base) else base
    if problem is None:
        return top, None
    return top, (f"top entity {top!r}: the model name {model_name!r} is {problem}; "
                 "choose another with --top")


def top_names(label: str) -> tuple[str, str, str]:
    """(valid signal, data signal, instance label) of unit `label` in the top."""
    return f"{label}{VALID_SUFFIX}", f"{label}{DATA_SUFFIX}", f"{INSTANCE_PREFIX}{label}"


def unit_names(top: str, layer_names: list[str]) -> list[tuple[str, str]]:
    """(label, entity) of each unit, from the name of its first IR layer: labels whose top
    names (`top_names`) are all distinct from each other and from `TOP_LEVEL`, entities
    `<top>_<label>` distinct from every other design unit (numeric suffixes where needed)."""
    taken_in_top = set(TOP_LEVEL) | LIBRARY_NAMES | {top}
    units = {top, *STATIC_UNITS, *(f"{top}{suffix}" for suffix in TOP_SUFFIXES)} | LIBRARY_NAMES
    result = []
    for layer_name in layer_names:
        label = _numbered(identifier(layer_name),
                          lambda c: not taken_in_top.intersection(top_names(c)))
        taken_in_top.update(top_names(label))
        entity = _numbered(identifier(f"{top}_{label}"), lambda c: c not in units)
        units.add(entity)
        result.append((label, entity))
    return result


def vhd_file(unit: str) -> str:
    """The file of design unit `unit`."""
    return f"{unit}.vhd"


def network_files(top: str, entities: list[str]) -> tuple[str, ...]:
    """The network's VHDL files in compile order, THE list (`HwDesign.network_sources`): the
    static units, the interface package `T_pkg`, one file per unit entity, then the top."""
    return (*(vhd_file(u) for u in STATIC_UNITS), vhd_file(f"{top}_pkg"),
            *(vhd_file(e) for e in entities), vhd_file(top))


def check_unique(file_names: list[str]) -> None:
    """UserError when two generated files would have the same name (compared case-
    insensitively, as on a case-insensitive file system): never overwrite silently."""
    seen: dict[str, str] = {}
    for name in file_names:
        if name.lower() in seen:
            raise UserError(f"two generated files would both be {name!r} (also "
                            f"{seen[name.lower()]!r}); rename the layer or choose another "
                            "--top")
        seen[name.lower()] = name


# ------------------------------------------------------------------ names inside a unit's logic
# Made by the schedule (rtl/schedule.py, rtl/adder_graph.py), read back by vhdlgen.estimate to
# name a netlist's paths in RTL terms.
REGISTER_NAME = re.compile(r"^(?P<value>\w+?)_r(?P<stage>\d+)$")  # <value> registered after S
ADDER_NAME = re.compile(r"^(?P<neuron>\w+?)_a(?P<adder>\d+)$")  # adder N of output <neuron>
SHARED_NAME = re.compile(r"^t(?P<shared>\d+)$")  # shared subexpression tN


def register_name(value: str, stage: int) -> str:
    """The register holding `value` at the end of stage `stage`."""
    return f"{value}_r{stage}"


def adder_name(owner: str, index: int, maximum: bool = False) -> str:
    """Adder (or, `maximum`, comparator) `index` of the sum of output `owner`."""
    return f"{owner}_{'m' if maximum else 'a'}{index}"


def shared_name(index: int) -> str:
    """The shared subexpression with this index."""
    return f"t{index}"
