"""Test helpers: required external tools, and tiny hand-written build directories.

The tiny designs follow the generator's conventions (clk, rst synchronous active high, in_valid,
in_data, out_valid, out_data; DIR/rtl/*.vhd, DIR/rtl/sources.f, DIR/report.json) and are small
enough that their synthesis results can be reasoned out exactly. Their build manifest
DIR/vhdlgen-build.json is written by hand, as docs/vivado.md documents it for RTL that vhdlgen did
not generate (no `network`: estimate and the Vivado writer work, simulate does not).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

APT = {"ghdl": "ghdl ghdl-llvm", "yosys": "yosys", "tclsh": "tcl"}


def require_tool(name: str) -> str:
    """Path of a required tool. Missing is a test FAILURE, never a skip: CI installs them."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is required by this test but not on PATH; install it with "
                    f"`apt-get install {APT.get(name, name)}`", pytrace=False)
    return path


PKG = """\
library ieee;
use ieee.std_logic_1164.all;

package tiny_pkg is
  constant DATA_W : natural := 16;
  constant HALF_W : natural := DATA_W / 2;
end package tiny_pkg;
"""

# 16-bit input register and a one-stage valid: exactly 17 flip-flops (FDRE, reset on R), no LUT.
REGISTER_TOP = """\
library ieee;
use ieee.std_logic_1164.all;
use work.tiny_pkg.all;

entity tiny_top is
  port (
    clk       : in  std_logic;
    rst       : in  std_logic;
    in_valid  : in  std_logic;
    in_data   : in  std_logic_vector(DATA_W - 1 downto 0);
    out_valid : out std_logic;
    out_data  : out std_logic_vector(DATA_W - 1 downto 0));
end entity tiny_top;

architecture rtl of tiny_top is
  signal data_q  : std_logic_vector(DATA_W - 1 downto 0);
  signal valid_q : std_logic;
begin
  process (clk)
  begin
    if rising_edge(clk) then
      if rst = '1' then
        data_q  <= (others => '0');
        valid_q <= '0';
      else
        data_q  <= in_data;
        valid_q <= in_valid;
      end if;
    end if;
  end process;
  out_data  <= data_q;
  out_valid <= valid_q;
end architecture rtl;
"""

# Two stages: register both 8-bit halves (16 FF), add them into an 8-bit register (8 FF), valid
# follows (2 FF): 26 FF. The 8-bit ripple add is one propagate LUT2 per bit feeding two CARRY4
# (4 bits each); the sum MSB leaves the second CARRY4, so the deepest path is
# LUT2 > CARRY4 > CARRY4 = 3 logic levels.
ADDER_TOP = """\
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;
use work.tiny_pkg.all;

entity tiny_add is
  port (
    clk       : in  std_logic;
    rst       : in  std_logic;
    in_valid  : in  std_logic;
    in_data   : in  std_logic_vector(DATA_W - 1 downto 0);
    out_valid : out std_logic;
    out_data  : out std_logic_vector(HALF_W - 1 downto 0));
end entity tiny_add;

architecture rtl of tiny_add is
  signal a_q, b_q, sum_q : unsigned(HALF_W - 1 downto 0);
  signal valid_q         : std_logic_vector(1 downto 0);
begin
  process (clk)
  begin
    if rising_edge(clk) then
      if rst = '1' then
        a_q     <= (others => '0');
        b_q     <= (others => '0');
        sum_q   <= (others => '0');
        valid_q <= (others => '0');
      else
        a_q     <= unsigned(in_data(HALF_W - 1 downto 0));
        b_q     <= unsigned(in_data(DATA_W - 1 downto HALF_W));
        sum_q   <= a_q + b_q;
        valid_q <= valid_q(0) & in_valid;
      end if;
    end if;
  end process;
  out_data  <= std_logic_vector(sum_q);
  out_valid <= valid_q(1);
end architecture rtl;
"""

# Two 4-bit halves of in_data registered twice each (a, b, c, d: unsigned 0..15 as integers),
# then t1 = a + b, t2 = c + d (single use, 5 bits each) and y = t1 + t2 (6 bits) registered.
# One carry chain per adder needs a LUT per bit where both operands vary: 4 + 4 + 5 = 13.
TREE_TOP = """\
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;
use work.tiny_pkg.all;

entity tiny_tree is
  port (
    clk       : in  std_logic;
    rst       : in  std_logic;
    in_valid  : in  std_logic;
    in_data   : in  std_logic_vector(DATA_W - 1 downto 0);
    out_valid : out std_logic;
    out_data  : out std_logic_vector(5 downto 0)
  );
end entity tiny_tree;

architecture rtl of tiny_tree is
  signal a, b, c, d : integer range 0 to 15;
  signal y : integer range 0 to 60;
  signal valid_q : std_logic_vector(1 downto 0);
begin
  process (clk)
    variable t1, t2 : integer range 0 to 30;
  begin
    if rising_edge(clk) then
      a <= to_integer(unsigned(in_data(3 downto 0)));
      b <= to_integer(unsigned(in_data(7 downto 4)));
      c <= to_integer(unsigned(in_data(11 downto 8)));
      d <= to_integer(unsigned(in_data(15 downto 12)));
      t1 := a + b;
      t2 := c + d;
      y <= t1 + t2;
      valid_q <= valid_q(0) & in_valid;
    end if;
  end process;
  out_data  <= std_logic_vector(to_unsigned(y, 6));
  out_valid <= valid_q(1);
end architecture rtl;
"""

DESIGNS = {
    "register": ("tiny_top", REGISTER_TOP, 1),
    "adder": ("tiny_add", ADDER_TOP, 2),
    "tree": ("tiny_tree", TREE_TOP, 2),
}


def make_build(root: Path, design: str = "register", clock_ns: float = 3.125,
               part: str = "xcvu13p-fhga2104-2L-e") -> Path:
    """Write a build directory DIR = root/<design> with rtl/, sources.f and report.json."""
    top, body, latency = DESIGNS[design]
    build = Path(root) / design
    rtl = build / "rtl"
    rtl.mkdir(parents=True)
    (rtl / "tiny_pkg.vhd").write_text(PKG)
    (rtl / f"{top}.vhd").write_text(body)
    (rtl / "sources.f").write_text(f"tiny_pkg.vhd\n{top}.vhd\n")
    report = {"top": top, "clock_ns": clock_ns, "part": part, "latency_cycles": latency,
              "sources": ["tiny_pkg.vhd", f"{top}.vhd"]}
    (build / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    files = ["report.json", "rtl/sources.f", *(f"rtl/{name}" for name in report["sources"])]
    manifest = {"format": 2, "tool": "vhdlgen", "complete": True, "top": top,
                "files": files, "folders": ["rtl"], "report": report}
    (build / "vhdlgen-build.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return build


def sources(build: Path) -> list[str]:
    """The compile-ordered file names of build/rtl/sources.f."""
    return [l.strip() for l in (build / "rtl" / "sources.f").read_text().splitlines() if l.strip()]
