"""templates/vhdlgen_pkg.vhd on GHDL: its integer functions against the specification, and their
synthesis against the numeric_std forms they replaced.

The integer-form units call `requantize(acc, acc_width, shift, out_min, out_max)` and read their
inputs with `unsigned_value` / `signed_value`, all on VHDL integers because numeric_std made
GHDL several times slower (docs/benchmarks.md, "Simulation at scale"). Here:
- every accumulator value of every (acc_width, shift) up to 12 bits, for five output ranges, and
  windows at the extremes, the saturation thresholds and ties of 13- to 32-bit accumulators,
  give `vhdlgen.fixed.Requantizer.apply_offset` (the arithmetic specification the NumPy
  reference uses), from both the integer and the signed-vector requantize;
- every bit pattern of 1- to 8-bit elements, at every shift an integer can hold, reads as its
  value times 2**shift;
- `ghdl --synth` + yosys (the `estimate` flow) map the integer forms to the same carry chains and
  flip-flops as the numeric_std forms (the vector requantize, `to_integer(unsigned(bits &
  "00"))`) and to no more LUTs, on the accumulator widths, shifts and bounds of the shipped
  students and a signed output range: the rewrite costs no hardware. (Each of these functions
  alone maps to identical cells; together, ABC's LUT packing differs by a cell or two.)
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tools import require_tool
from vhdlgen.estimate import ADD_TO_ALU, FAMILY, count_resources
from vhdlgen import fixed
from vhdlgen.fixed import FixedType, Requantizer

PKG = Path(__file__).resolve().parents[1] / "templates" / "vhdlgen_pkg.vhd"
BOUNDS = [(0, 15), (-8, 7), (-7, 7), (0, 1), (-2, 1)]
EXHAUSTIVE_WIDTH = 12
WINDOW = 40  # accumulator values on each side of an interesting point of a wide accumulator

# Reads cases.txt, writes results.txt, one line per case line:
#   R acc_width shift out_min out_max first last -> integer form, vector form, then the vector
#     form given the tie (the dataflow form's overload, the flag from acc's low bits), per acc
#   T acc_width shift tie_bits out_min out_max first last -> the same, the tie_bits overloads
#   V signed width shift                         -> the value of every bit pattern, 0 first
#   E shift first last -> for a, b in [first, last]: sum_tie, difference_tie as two digits
#   A sub shift a0 a1 b0 b1 c0 c1 -> for a, b, c in their ranges: the tie flag of a + b + c
#     (sub 0, ternary_add_tie) or a + b - c (sub 1, ternary_sub_tie)
TESTBENCH = """\
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;
use std.textio.all;
use work.vhdlgen_pkg.all;

entity pkg_tb is
end entity pkg_tb;

architecture sim of pkg_tb is
begin
  run : process
    file cases   : text open read_mode is "cases.txt";
    file results : text open write_mode is "results.txt";
    variable line_in, line_out : line;
    variable kind : character;
    variable width, shift, ties, low, high, first, last, signed_flag : integer;
    variable sub, a0, a1, b0, b1, c0, c1 : integer;
    variable bits : std_logic_vector(7 downto 0);
  begin
    while not endfile(cases) loop
      readline(cases, line_in);
      read(line_in, kind);
      if kind = 'R' then
        read(line_in, width); read(line_in, shift); read(line_in, low); read(line_in, high);
        read(line_in, first); read(line_in, last);
        for acc in first to last loop
          write(line_out, requantize(acc, width, shift, low, high));
          write(line_out, ' ');
          write(line_out, requantize(to_signed(acc, width), shift, low, high));
          write(line_out, ' ');
          write(line_out, requantize(to_signed(acc, width), shift, low, high,
                                     shift > 0 and to_signed(acc, width)(shift - 1 downto 0) = 0));
          write(line_out, ' ');
        end loop;
      elsif kind = 'T' then
        read(line_in, width); read(line_in, shift); read(line_in, ties); read(line_in, low);
        read(line_in, high); read(line_in, first); read(line_in, last);
        for acc in first to last loop
          write(line_out, requantize(acc, width, shift, ties, low, high));
          write(line_out, ' ');
          write(line_out, requantize(to_signed(acc, width), shift, ties, low, high));
          write(line_out, ' ');
        end loop;
      elsif kind = 'E' then
        read(line_in, shift); read(line_in, first); read(line_in, last);
        for a in first to last loop
          for b in first to last loop
            write(line_out, boolean'pos(sum_tie(a, b, shift)));
            write(line_out, boolean'pos(difference_tie(a, b, shift)));
            write(line_out, ' ');
          end loop;
        end loop;
      elsif kind = 'A' then
        read(line_in, sub); read(line_in, shift);
        read(line_in, a0); read(line_in, a1); read(line_in, b0); read(line_in, b1);
        read(line_in, c0); read(line_in, c1);
        for a in a0 to a1 loop
          for b in b0 to b1 loop
            for c in c0 to c1 loop
              if sub = 0 then
                write(line_out, boolean'pos(ternary_add_tie(a, b, c, shift)));
              else
                write(line_out, boolean'pos(ternary_sub_tie(a, b, c, shift)));
              end if;
              write(line_out, ' ');
            end loop;
          end loop;
        end loop;
      else
        read(line_in, signed_flag); read(line_in, width); read(line_in, shift);
        for pattern in 0 to 2 ** width - 1 loop
          bits(width - 1 downto 0) := std_logic_vector(to_unsigned(pattern, width));
          if signed_flag = 1 then
            write(line_out, signed_value(bits(width - 1 downto 0), shift));
          else
            write(line_out, unsigned_value(bits(width - 1 downto 0), shift));
          end if;
          write(line_out, ' ');
        end loop;
      end if;
      writeline(results, line_out);
    end loop;
    wait;
  end process run;
end architecture sim;
"""


def requantizer(shift: int, low: int, high: int, tie_bits: int = 0) -> Requantizer:
    """The specification of requantize(acc, _, shift, [tie_bits,] low, high)."""
    out = FixedType(low < 0, 8, 0)
    return Requantizer(out.frac + shift, out, low, high, tie_bits)


def windows(width: int, shift: int, low: int, high: int) -> list[tuple[int, int]]:
    """Accumulator windows of a wide accumulator: both extremes, zero, the saturation points
    (where the rounded value crosses low and high, ties included) and a tie far from them."""
    lowest, highest = -(1 << (width - 1)), (1 << (width - 1)) - 1
    centres = [0, low << shift, (high + 1) << shift, (1 << (width - 2)) + (1 << shift) // 2]
    spans = [(lowest, lowest + 2 * WINDOW), (highest - 2 * WINDOW, highest)]
    spans += [(c - WINDOW, c + WINDOW) for c in centres]
    clipped = {(max(a, lowest), min(b, highest)) for a, b in spans}
    return sorted((a, b) for a, b in clipped if a <= b)


def requantize_cases() -> list[tuple[int, int, int, int, int, int]]:
    """(acc_width, shift, out_min, out_max, first, last): every value up to 12 bits, windows
    beyond (13, 20 and 30 bits, and 31 and 32, where the integer form hands over to the
    vector)."""
    cases = []
    for low, high in BOUNDS:
        for width in range(2, EXHAUSTIVE_WIDTH + 1):
            for shift in range(width - 1):
                cases.append((width, shift, low, high, -(1 << (width - 1)), (1 << (width - 1)) - 1))
        for width, shift in [(13, 4), (20, 0), (20, 7), (30, 5), (30, 28), (31, 5), (31, 29),
                             (32, 0), (32, 9)]:
            cases += [(width, shift, low, high, a, b) for a, b in windows(width, shift, low, high)]
    return cases


def tie_cases() -> list[tuple[int, int, int, int, int, int, int]]:
    """(acc_width, shift, tie_bits, out_min, out_max, first, last) of the tie_bits overloads:
    every value up to 10 bits, every shift and tie_bits, two output ranges; windows of 30- to
    32-bit accumulators (the integer form hands over to the vector)."""
    cases = []
    for low, high in BOUNDS[:2]:
        for width in range(4, 11):
            for shift in range(2, width - 1):
                cases += [(width, shift, ties, low, high, -(1 << (width - 1)), (1 << (width - 1)) - 1)
                          for ties in range(1, shift)]
        for width, shift, ties in [(30, 20, 9), (31, 12, 5), (32, 25, 24)]:
            cases += [(width, shift, ties, low, high, a, b)
                      for a, b in windows(width, shift, low, high)]
    return cases


def view_cases() -> list[tuple[int, int, int]]:
    """(signed, width, shift): every element width to 8 bits, every shift an integer holds."""
    return [(signed, width, shift) for signed in (0, 1) for width in range(1, 9)
            for shift in range(32 - width)]


def early_tie_cases() -> list[tuple[int, int, int]]:
    """(shift, first, last): every pair of operands in [first, last], near zero and near the
    ends of the 32-bit integers."""
    return [(shift, first, first + 40) for shift in range(1, 7)
            for first in (-20, -(1 << 31), (1 << 31) - 41)]


def ternary_cases() -> list[tuple[int, ...]]:
    """(subtract, width, shift, a0, a1, b0, b1, c0, c1): every operand triple of small ranges
    (`width` bounds the shifts); operands far from zero; windows of 30- to 32-bit sums."""
    cases = []
    for subtract in (0, 1):
        for width, span in ((3, 1), (4, 2), (5, 5), (6, 10)):
            cases += [(subtract, width, shift, -span, span, -span, span, -span, span)
                      for shift in range(1, width)]
        cases.append((subtract, 6, 3, 1000, 1010, -3, 3, 1000, 1010) if subtract else
                     (0, 6, 3, 1000, 1010, -3, 3, -1010, -1000))
        for width in (30, 31, 32):
            big = 1 << 27
            cases += [(subtract, width, 5, big - 3, big + 3, -big - 3, -big + 3, big - 3, big + 3),
                      (subtract, width, 7, big - 3, big + 3, big - 3, big + 3, -big, -big + 5)]
    return cases


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> tuple[list, list, list[list[int]]]:
    ghdl = require_tool("ghdl")
    work = tmp_path_factory.mktemp("vhdlgen_pkg")
    (work / "pkg_tb.vhd").write_text(TESTBENCH)
    rq, views, ties = requantize_cases(), view_cases(), tie_cases()
    lines = [f"R {w} {s} {lo} {hi} {a} {b}" for w, s, lo, hi, a, b in rq]
    lines += [f"V {signed} {w} {s}" for signed, w, s in views]
    lines += [f"T {w} {s} {t} {lo} {hi} {a} {b}" for w, s, t, lo, hi, a, b in ties]
    lines += [f"E {shift} {first} {last}" for shift, first, last in early_tie_cases()]
    lines += [f"A {sub} {shift} " + " ".join(map(str, ranges))
              for sub, _, shift, *ranges in ternary_cases()]
    (work / "cases.txt").write_text("\n".join(lines) + "\n")
    for step in (["-a", "--std=08", str(PKG), "pkg_tb.vhd"], ["-e", "--std=08", "pkg_tb"],
                 ["-r", "--std=08", "pkg_tb"]):
        subprocess.run([ghdl, *step], cwd=work, check=True, capture_output=True, text=True)
    results = [line.split() for line in (work / "results.txt").read_text().splitlines()]
    assert len(results) == len(lines)
    return rq, views, results, ties


def _both_forms_equal(spec: Requantizer, first: int, last: int, got: list[str],
                      arguments: str) -> int:
    """The integer and the vector requantize's results (per acc: those two, and for the
    R cases the vector form given the tie) equal the specification for every acc in
    [first, last]; returns how many accumulator values were checked."""
    acc = np.arange(first, last + 1, dtype=np.int64)
    expected = spec.apply_offset(acc)
    pairs = np.array(got, dtype=np.int64).reshape(acc.size, -1)
    for form, column in (("integer", 0), ("vector", 1), ("vector, tie given", 2)
                         )[:pairs.shape[1]]:
        wrong = np.flatnonzero(pairs[:, column] != expected)
        assert wrong.size == 0, (
            f"{form} requantize(acc, {arguments}) at acc = {acc[wrong[0]]}: "
            f"{pairs[wrong[0], column]}, specification {expected[wrong[0]]}")
    return acc.size


def test_requantize_equals_the_specification(simulated) -> None:
    cases, _, results, _ = simulated
    checked = 0
    for (width, shift, low, high, first, last), got in zip(cases, results):
        checked += _both_forms_equal(requantizer(shift, low, high), first, last, got,
                                     f"{width}, {shift}, {low}, {high}")
    assert checked > 400_000


def test_requantize_with_tie_bits_equals_the_specification(simulated) -> None:
    """The tie_bits overloads (average pooling's reciprocals) against apply_offset, both forms."""
    rq, views, results, ties = simulated
    checked = 0
    for (width, shift, tie_bits, low, high, first, last), got in zip(
            ties, results[len(rq) + len(views):]):
        checked += _both_forms_equal(requantizer(shift, low, high, tie_bits), first, last, got,
                                     f"{width}, {shift}, {tie_bits}, {low}, {high}")
    assert checked > 80_000


def test_views_read_every_bit_pattern(simulated) -> None:
    cases, views, results, _ = simulated
    for (signed, width, shift), got in zip(views, results[len(cases):]):
        got = [int(v) for v in got]
        patterns = np.arange(1 << width)
        values = patterns - (patterns >> (width - 1) << width) if signed else patterns
        assert got == (values << shift).tolist(), (signed, width, shift)


def test_early_ties_equal_the_tie_of_the_sum_and_the_difference(simulated) -> None:
    """sum_tie / difference_tie on GHDL give, for every operand pair, whether the low bits of
    a + b / a - b are zero (the definition), and so does vhdlgen.fixed (the interpreter's)."""
    cases, views, results, ties = simulated
    early = early_tie_cases()
    for (shift, first, last), got in zip(early, results[len(cases) + len(views) + len(ties):]):
        a, b = (v.ravel() for v in np.meshgrid(np.arange(first, last + 1),
                                               np.arange(first, last + 1), indexing="ij"))
        mask = (1 << shift) - 1
        for name, column, expected, interpreter in (
                ("sum_tie", 0, ((a + b) & mask) == 0, fixed.sum_tie(a, b, shift)),
                ("difference_tie", 1, ((a - b) & mask) == 0, fixed.difference_tie(a, b, shift))):
            flags = np.array([pair[column] == "1" for pair in got])
            assert expected.any() and not expected.all()
            assert np.array_equal(interpreter, expected), (name, shift, first)
            wrong = np.flatnonzero(flags != expected)
            assert wrong.size == 0, (f"{name}({a[wrong[0]]}, {b[wrong[0]]}, {shift}) on GHDL: "
                                     f"{flags[wrong[0]]}, definition {expected[wrong[0]]}")


def test_ternary_ties_equal_the_tie_of_the_sum(simulated) -> None:
    """ternary_add_tie / ternary_sub_tie on GHDL say, for every operand triple, whether the low
    `shift` bits of a + b + c / a + b - c are zero; so do vhdlgen.fixed's compressor and tie
    (the interpreter's)."""
    rq, views, results, ties = simulated
    cases = ternary_cases()
    for case, got in zip(cases, results[-len(cases):]):
        subtract, width, shift, a0, a1, b0, b1, c0, c1 = case
        a, b, c = (v.ravel() for v in np.meshgrid(np.arange(a0, a1 + 1), np.arange(b0, b1 + 1),
                                                  np.arange(c0, c1 + 1), indexing="ij"))
        total = a + b - c if subtract else a + b + c
        flags = (total & ((1 << shift) - 1)) == 0
        assert flags.any() and not flags.all(), case
        assert np.array_equal(fixed.ternary_sum(a, b, c, bool(subtract)), total), case
        assert np.array_equal(fixed.ternary_tie(a, b, c, shift, bool(subtract)), flags), case
        values = np.array(got, dtype=np.int64)
        wrong = np.flatnonzero(values != flags)
        assert wrong.size == 0, (f"ternary tie {case} at a, b, c = {a[wrong[0]]}, "
                                 f"{b[wrong[0]]}, {c[wrong[0]]}: {values[wrong[0]]}, "
                                 f"expected {flags[wrong[0]]}")


# The same outputs computed twice, by the integer functions and by the numeric_std forms they
# replaced; `FORM` selects. Requantizers at the students' accumulator widths, shifts and bounds
# (and a signed range), shifted views of unsigned and signed elements, alone and in an adder.
SYNTH_TOP = """\
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;
use work.vhdlgen_pkg.all;

entity forms is
  generic (FORM : string := "integer");
  port (
    clk : in std_logic;
    acc_a : in integer range -512 to 511;
    acc_b : in integer range -2048 to 2047;
    acc_c : in integer range -128 to 127;
    acc_d : in integer range -4096 to 4095;
    d : in std_logic_vector(11 downto 0);
    q_a, q_b, q_c : out integer range 0 to 15;
    q_d : out integer range -8 to 7;
    v_u : out integer range 0 to 1023;
    v_s : out integer range -1024 to 1023
  );
end entity forms;

architecture rtl of forms is
begin
  process (clk)
  begin
    if rising_edge(clk) then
      if FORM = "integer" then
        q_a <= requantize(acc_a, 10, 3, 0, 15);
        q_b <= requantize(acc_b, 12, 4, 0, 15);
        q_c <= requantize(acc_c, 8, 0, 0, 15);
        q_d <= requantize(acc_d, 13, 5, -8, 7);
        v_u <= unsigned_value(d(3 downto 0), 2) + unsigned_value(d(7 downto 4), 5);
        v_s <= signed_value(d(11 downto 6), 4) - signed_value(d(5 downto 2), 1);
      else
        q_a <= requantize(to_signed(acc_a, 10), 3, 0, 15);
        q_b <= requantize(to_signed(acc_b, 12), 4, 0, 15);
        q_c <= requantize(to_signed(acc_c, 8), 0, 0, 15);
        q_d <= requantize(to_signed(acc_d, 13), 5, -8, 7);
        v_u <= to_integer(unsigned(d(3 downto 0) & "00"))
               + to_integer(unsigned(d(7 downto 4) & "00000"));
        v_s <= to_integer(signed(d(11 downto 6) & "0000"))
               - to_integer(signed(d(5 downto 2) & "0"));
      end if;
    end if;
  end process;
end architecture rtl;
"""


def synthesized_cells(work: Path, form: str) -> dict[str, int]:
    """Cell counts of `forms` (generic FORM) through ghdl --synth and the estimate's carry flow."""
    ghdl, yosys = require_tool("ghdl"), require_tool("yosys")
    verilog = work / f"{form}.v"
    with open(verilog, "w") as handle:
        subprocess.run([ghdl, "--synth", "--std=08", "--out=verilog", f"-gFORM={form}", str(PKG),
                        "forms.vhd",
                        "-e", "forms"], cwd=work, check=True, stdout=handle)
    synth = f"synth_xilinx -family {FAMILY} -flatten -noiopad -noclkbuf -top forms"
    script = "\n".join([f"read_verilog {verilog.name}", f"{synth} -run begin:coarse",
                        "techmap -map add_to_alu.v t:$add t:$sub", f"{synth} -run coarse:",
                        f"tee -q -o {form}.json stat -json", ""])
    (work / f"{form}.ys").write_text(script)
    subprocess.run([yosys, "-q", "-s", f"{form}.ys"], cwd=work, check=True, capture_output=True)
    stat = json.loads((work / f"{form}.json").read_text())
    return stat["modules"]["\\forms"]["num_cells_by_type"]


def test_integer_forms_synthesize_to_the_numeric_std_cells(tmp_path) -> None:
    (tmp_path / "forms.vhd").write_text(SYNTH_TOP)
    (tmp_path / "add_to_alu.v").write_text(ADD_TO_ALU)
    integer, vector = (count_resources(synthesized_cells(tmp_path, form))
                       for form in ("integer", "vector"))
    shown = f"integer form {integer['detail']['cells_by_type']}, vector form " \
            f"{vector['detail']['cells_by_type']}"
    assert (integer["carry"], integer["ff"]) == (vector["carry"], vector["ff"]), shown
    # ABC maps the two netlists apart, so LUT cells may be traded for a MUXF, never added
    assert integer["lut"] <= vector["lut"], shown
    slices = [form["lut"] + form["detail"]["muxf"] for form in (integer, vector)]
    assert slices[0] <= slices[1], shown


