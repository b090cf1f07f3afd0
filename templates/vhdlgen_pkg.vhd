-- vhdlgen static primitive package: the requantizer.
--
-- requantize(acc, acc_width, shift, out_min, out_max)
--   = clip(round_half_even(acc / 2**shift), out_min, out_max)
-- Every argument but acc is a constant computed by vhdlgen.fixed (the arithmetic specification
-- shared with the NumPy reference); acc_width holds acc and exceeds shift by at least two bits.
-- The shift is done on a signed vector (wiring; integer division and mod by 2**shift synthesize
-- to adders), the rounding decision reads the dropped bits, and the only arithmetic is one
-- increment and the two bound comparisons.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

package vhdlgen_pkg is
  function requantize(acc : integer; acc_width : positive; shift : natural;
                      out_min, out_max : integer) return integer;
end package vhdlgen_pkg;

package body vhdlgen_pkg is
  function requantize(acc : integer; acc_width : positive; shift : natural;
                      out_min, out_max : integer) return integer is
    constant value : signed(acc_width - 1 downto 0) := to_signed(acc, acc_width);
    variable rounded : integer;
  begin
    rounded := to_integer(shift_right(value, shift));
    -- round half to even: up above the half, and at the half only from an odd quotient
    if shift > 0 and value(shift - 1) = '1' then
      if value(shift) = '1' then
        rounded := rounded + 1;
      elsif shift > 1 and value(shift - 2 downto 0) /= 0 then
        rounded := rounded + 1;
      end if;
    end if;
    if rounded < out_min then
      return out_min;
    elsif rounded > out_max then
      return out_max;
    end if;
    return rounded;
  end function requantize;
end package body vhdlgen_pkg;
