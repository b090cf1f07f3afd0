-- vhdlgen static primitive package: the requantizer.
--
-- requantize(acc, acc_width, shift, out_min, out_max)
--   = clip(round_half_even((acc - 2**(shift-1)) / 2**shift), out_min, out_max)
-- acc already holds the rounding offset 2**(shift-1): the generator folds it into the bias, so
-- rounding costs no adder. What is left: floor(acc / 2**shift) is a slice of the bits; an exact
-- tie (the dropped bits all zero) clears the lowest result bit, which picks the even neighbour;
-- then saturation. Every argument but acc is a constant from vhdlgen.fixed (the arithmetic
-- specification shared with the NumPy reference: Requantizer.apply_offset).
--
-- requantize(acc, shift, out_min, out_max), acc a signed vector: the same function for the
-- units computed on signed vectors (values beyond 32-bit integers); the result is an integer.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

package vhdlgen_pkg is
  function requantize(acc : integer; acc_width : positive; shift : natural;
                      out_min, out_max : integer) return integer;
  function requantize(acc : signed; shift : natural;
                      out_min, out_max : integer) return integer;
end package vhdlgen_pkg;

package body vhdlgen_pkg is

  -- floor(value / 2**shift), with the lowest bit cleared on an exact tie (the dropped bits all
  -- zero): the rounding of both requantize functions, on bits only (wiring and one OR tree).
  -- The floor is a slice, sign-extended: not shift_right, which GHDL 2.0's Verilog writer
  -- (the netlist `estimate` and any Verilog flow read) emits as a logical shift.
  function floor_ties_to_even(value : signed; shift : natural) return signed is
    variable quotient : signed(value'length - 1 downto 0) :=
      resize(value(value'left downto value'right + shift), value'length);
  begin
    if shift > 0 then
      if value(value'right + shift - 1 downto value'right) = 0 then
        quotient(0) := '0';
      end if;
    end if;
    return quotient;
  end function floor_ties_to_even;

  function requantize(acc : integer; acc_width : positive; shift : natural;
                      out_min, out_max : integer) return integer is
    constant rounded : integer := to_integer(floor_ties_to_even(to_signed(acc, acc_width), shift));
  begin
    if rounded < out_min then
      return out_min;
    elsif rounded > out_max then
      return out_max;
    end if;
    return rounded;
  end function requantize;

  function requantize(acc : signed; shift : natural;
                      out_min, out_max : integer) return integer is
    constant quotient : signed(acc'length - 1 downto 0) := floor_ties_to_even(acc, shift);
  begin
    if quotient < out_min then
      return out_min;
    elsif quotient > out_max then
      return out_max;
    end if;
    return to_integer(resize(quotient, 32));
  end function requantize;
end package body vhdlgen_pkg;
