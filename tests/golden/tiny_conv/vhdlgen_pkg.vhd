-- vhdlgen static primitive package: the requantizer.
--
-- requantize(acc, divisor, out_min, out_max) = clip(round_half_even(acc / divisor), out_min, out_max)
-- for divisor = 2**shift. Every argument is a constant computed by vhdlgen.fixed (the arithmetic
-- specification shared with the NumPy reference) except acc. Division and mod by a constant
-- power of two are wiring in synthesis; the mod result is never negative (VHDL mod takes the
-- sign of the divisor), so acc - remainder is an exact multiple of divisor.
package vhdlgen_pkg is
  function requantize(acc : integer; divisor : positive; out_min, out_max : integer)
    return integer;
end package vhdlgen_pkg;

package body vhdlgen_pkg is
  function requantize(acc : integer; divisor : positive; out_min, out_max : integer)
    return integer is
    variable remainder, floor, rounded : integer;
  begin
    if divisor = 1 then
      rounded := acc;
    else
      remainder := acc mod divisor;
      floor := (acc - remainder) / divisor;
      -- round half to even: up above the half, and at the half only from an odd floor
      if remainder > divisor / 2 or (remainder = divisor / 2 and floor mod 2 = 1) then
        rounded := floor + 1;
      else
        rounded := floor;
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
