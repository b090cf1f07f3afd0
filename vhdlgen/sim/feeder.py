"""The VHDL feeder: a simulation-only harness around a generated top that drives a whole stream
from a file and records every output to a file, so that no Python runs per clock.

cocotb starts it (signal `start`) and waits for `done` (vhdlgen.sim.bench); the runner writes the
schedule and reads the outputs (vhdlgen.sim.runner). Files, one line per clock cycle:

    schedule  F<in_data hex>      F = rst*2 + in_valid (one digit), then the packed in_data word
                                  (most significant digit first); in_data holds its previous
                                  value on a line with in_valid = 0
    outputs   <edge hex8> <out_data hex>   one line per rising edge at which out_valid = '1' was
                                  seen (its value just before the edge, as a process clocked on
                                  that edge sees it); edges count from 1 at the first line

The harness is written into DIR/sim/ next to GHDL's library: it is not part of the design.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from vhdlgen.packing import CHUNK, from_hex, hex_digits, to_hex

ENTITY = "vhdlgen_feeder"
FILE_NAME = f"{ENTITY}.vhd"
EDGE_DIGITS = 8


def harness_vhdl(report: dict) -> str:
    """The harness for the top of report.json (its port widths are fixed in the text)."""
    in_width, out_width = report["in_data"]["width"], report["out_data"]["width"]
    return HARNESS.format(entity=ENTITY, top=report["top"], in_width=in_width,
                          out_width=out_width, in_digits=hex_digits(in_width),
                          out_digits=hex_digits(out_width), edge_digits=EDGE_DIGITS)


def write_schedule(path: Path, codes: np.ndarray, index: np.ndarray, rst: np.ndarray,
                   element_width: int) -> None:
    """One line per cycle: index[k] >= 0 drives codes[index[k]] with in_valid = 1, -1 none."""
    index, rst = np.asarray(index, dtype=np.int64), np.asarray(rst, dtype=np.int64)
    digits = hex_digits(np.asarray(codes).reshape(len(codes), -1).shape[1] * element_width)
    with open(path, "wb") as handle:
        for start in range(0, len(index), CHUNK):
            rows, resets = index[start:start + CHUNK], rst[start:start + CHUNK]
            valid = rows >= 0
            lines = np.full((len(rows), digits + 2), ord("0"), dtype=np.uint8)
            lines[:, 0] += (2 * resets + valid).astype(np.uint8)
            if valid.any():
                lines[valid, 1:-1] = to_hex(codes[rows[valid]], element_width)
            lines[:, -1] = ord("\n")
            handle.write(lines.tobytes())


def read_outputs(path: Path, report: dict) -> tuple[np.ndarray, np.ndarray]:
    """(output codes (M, n_out), the edge of each) from the feeder's output file."""
    out = report["out_data"]
    width = EDGE_DIGITS + 1 + hex_digits(out["width"]) + 1
    raw = np.frombuffer(Path(path).read_bytes(), dtype=np.uint8)
    if raw.size % width:
        raise ValueError(f"{path}: {raw.size} bytes is not a whole number of {width}-byte lines")
    lines = raw.reshape(-1, width)
    edges = from_hex(lines[:, :EDGE_DIGITS], 1, 4 * EDGE_DIGITS, False)[:, 0]
    codes = from_hex(lines[:, EDGE_DIGITS + 1:-1], out["elements"], out["element_width"],
                     out["signed"])
    return codes, edges


HARNESS = """\
-- Simulation harness written by vhdlgen.sim.feeder: not part of the design, never synthesised.
-- Drives {top} one schedule line per clock and writes one line per out_valid (see feeder.py).
library ieee;
use ieee.std_logic_1164.all;
use std.textio.all;

entity {entity} is
  generic (
    SCHEDULE_FILE : string := "schedule.txt";
    OUTPUT_FILE   : string := "outputs.txt";
    HALF_PERIOD   : time   := 5 ns
  );
end entity {entity};

architecture sim of {entity} is
  constant IN_DIGITS  : natural := {in_digits};
  constant OUT_DIGITS : natural := {out_digits};
  constant HEX_DIGITS : string(1 to 16) := "0123456789abcdef";

  signal clk       : std_logic := '0';
  signal rst       : std_logic := '1';
  signal in_valid  : std_logic := '0';
  signal in_data   : std_logic_vector({in_width} - 1 downto 0) := (others => '0');
  signal out_valid : std_logic;
  signal out_data  : std_logic_vector({out_width} - 1 downto 0);

  signal start  : std_logic := '0';  -- set by cocotb
  signal done   : std_logic := '0';  -- the whole schedule has run
  signal cycles : natural := 0;      -- schedule lines run

  function nibble (c : character) return std_logic_vector is
  begin
    case c is
      when '0' => return "0000"; when '1' => return "0001"; when '2' => return "0010";
      when '3' => return "0011"; when '4' => return "0100"; when '5' => return "0101";
      when '6' => return "0110"; when '7' => return "0111"; when '8' => return "1000";
      when '9' => return "1001"; when 'a' => return "1010"; when 'b' => return "1011";
      when 'c' => return "1100"; when 'd' => return "1101"; when 'e' => return "1110";
      when 'f' => return "1111";
      when others =>
        report "feeder: bad hex digit '" & c & "' in " & SCHEDULE_FILE severity failure;
        return "XXXX";
    end case;
  end function nibble;

  -- digits of a word, most significant first; 'x' where a bit is not '0' or '1'
  function hex (word : std_logic_vector; digits : natural) return string is
    variable bits   : std_logic_vector(4 * digits - 1 downto 0) := (others => '0');
    variable result : string(1 to digits);
    variable value  : natural;
  begin
    bits(word'length - 1 downto 0) := word;
    for d in 0 to digits - 1 loop
      value := 0;
      for b in 3 downto 0 loop
        case bits(4 * d + b) is
          when '0' => value := 2 * value;
          when '1' => value := 2 * value + 1;
          when others => value := 16;
        end case;
        exit when value = 16;
      end loop;
      if value = 16 then
        result(digits - d) := 'x';
      else
        result(digits - d) := HEX_DIGITS(value + 1);
      end if;
    end loop;
    return result;
  end function hex;

  function edge_hex (n : natural) return string is
    variable result : string(1 to {edge_digits});
    variable value  : natural := n;
  begin
    for d in result'reverse_range loop
      result(d) := HEX_DIGITS(value mod 16 + 1);
      value := value / 16;
    end loop;
    return result;
  end function edge_hex;

begin

  u_top : entity work.{top}
    port map (
      clk       => clk,
      rst       => rst,
      in_valid  => in_valid,
      in_data   => in_data,
      out_valid => out_valid,
      out_data  => out_data
    );

  feed : process
    file schedule     : text;
    file outputs      : text;
    variable status   : file_open_status;
    variable line_in  : line;
    variable line_out : line;
    variable flags    : natural;
    variable word     : std_logic_vector(4 * IN_DIGITS - 1 downto 0);
    variable edge     : natural := 0;
  begin
    wait until start = '1';
    file_open(status, schedule, SCHEDULE_FILE, read_mode);
    assert status = open_ok report "feeder: cannot read " & SCHEDULE_FILE severity failure;
    file_open(status, outputs, OUTPUT_FILE, write_mode);
    assert status = open_ok report "feeder: cannot write " & OUTPUT_FILE severity failure;
    while not endfile(schedule) loop
      readline(schedule, line_in);
      assert line_in'length = IN_DIGITS + 1
        report "feeder: a line of " & SCHEDULE_FILE & " is not " & integer'image(IN_DIGITS + 1)
          & " characters" severity failure;
      flags := character'pos(line_in(1)) - character'pos('0');
      rst <= '1' when flags >= 2 else '0';
      if flags mod 2 = 1 then
        in_valid <= '1';
        for d in 0 to IN_DIGITS - 1 loop
          word(4 * d + 3 downto 4 * d) := nibble(line_in(IN_DIGITS + 1 - d));
        end loop;
        in_data <= word(in_data'range);
      else
        in_valid <= '0';
      end if;
      deallocate(line_in);
      wait for HALF_PERIOD;
      edge := edge + 1;
      if out_valid = '1' then  -- the value a process clocked on this edge sees
        write(line_out, edge_hex(edge) & " " & hex(out_data, OUT_DIGITS));
        writeline(outputs, line_out);
      end if;
      clk <= '1';
      wait for HALF_PERIOD;
      clk <= '0';
    end loop;
    file_close(schedule);
    file_close(outputs);
    cycles <= edge;
    done <= '1';
    wait;
  end process feed;

end architecture sim;
"""
