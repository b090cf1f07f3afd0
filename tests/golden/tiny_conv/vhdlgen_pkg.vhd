-- vhdlgen static primitive package: the requantizer and the input views.
--
-- requantize(acc, acc_width, shift, out_min, out_max)
--   = clip(round_half_even((acc - 2**(shift-1)) / 2**shift), out_min, out_max)
-- acc already holds the rounding offset 2**(shift-1): the generator folds it into the bias, so
-- rounding costs no adder. What is left: floor(acc / 2**shift) is a slice of the bits; an exact
-- tie (the dropped bits all zero) clears the lowest result bit, which picks the even neighbour;
-- then saturation. Every argument but acc is a constant from vhdlgen.fixed (the arithmetic
-- specification shared with the NumPy reference: Requantizer.apply_offset).
--
-- requantize(acc, acc_width, shift, out_min, out_max, tie): the same, with the tie given.
-- sum_tie(a, b, shift) / difference_tie(a, b, shift): whether the low `shift` bits of a + b /
-- a - b are all zero, tested on a and b (Cortadella and Llaberia, IEEE Trans. Computers 41(11),
-- 1992: with the sum bits below i zero, the carry into bit i is a(i-1) or b(i-1)). Where acc is
-- a + b or a - b, that is acc's tie one LUT level after a and b, beside the carry chain,
-- instead of after it (vhdlgen.fixed.sum_tie / difference_tie).
--
-- requantize(acc, shift, out_min, out_max[, tie]), acc a signed vector: the same function for
-- the units computed on signed vectors (values beyond 32-bit integers, and the dataflow form of
-- units with primitive ternary adders); the result is an integer.
--
-- requantize(acc, acc_width, shift, tie_bits, out_min, out_max) and
-- requantize(acc, shift, tie_bits, out_min, out_max): the same with a wider tie (0 < tie_bits
-- < shift): a tie is the dropped bits all zero above the lowest tie_bits (Requantizer.tie_bits,
-- for the integer reciprocals of average pooling over windows that are not powers of two).
--
-- ternary_add_tie(a, b, c, shift) and ternary_sub_tie: whether the low `shift` bits of
-- a + b + c / a + b - c are zero (the early tie of a ternary adder, whose sum itself is LUT6_2
-- and CARRY8 instances: vhdlgen.rtl.lut_adder), sum_tie on its 3:2 compressor's outputs
-- (vhdlgen.fixed.ternary_tie; Kumm and Zipf, MBMV 2014).
--
-- unsigned_value(bits, shift), signed_value(bits, shift): an input element's bits, read as
-- unsigned or as two's complement, times 2**shift: the input views of the integer-form units.
--
-- Why integers: a simulator runs these functions hundreds of times per clock. On integers they
-- are a few machine operations; numeric_std's to_signed / to_integer are loops over arrays of
-- std_logic with copies, and took most of GHDL's time. Every operation below is wiring once
-- synthesized: `mod 2**k` keeps the low k bits, `/ 2**k` of a value that cannot be negative
-- drops the low k bits, and adding a power of two to a value whose bit at that place is known
-- to be zero sets that bit. None divides a negative value (that needs a correction adder) and
-- none is a shift_right (GHDL 2.0's Verilog writer emits that as a logical shift). Powers of two
-- come from a table built by doubling: the generated text has no `*`.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

package vhdlgen_pkg is
  function requantize(acc : integer; acc_width : positive; shift : natural;
                      out_min, out_max : integer) return integer;
  function requantize(acc : integer; acc_width : positive; shift : natural;
                      out_min, out_max : integer; tie : boolean) return integer;
  function sum_tie(a, b : integer; shift : natural) return boolean;
  function difference_tie(a, b : integer; shift : natural) return boolean;
  function requantize(acc : signed; shift : natural;
                      out_min, out_max : integer) return integer;
  function requantize(acc : signed; shift : natural;
                      out_min, out_max : integer; tie : boolean) return integer;
  function requantize(acc : integer; acc_width : positive; shift, tie_bits : natural;
                      out_min, out_max : integer) return integer;
  function requantize(acc : signed; shift, tie_bits : natural;
                      out_min, out_max : integer) return integer;
  function ternary_add_tie(a, b, c : integer; shift : natural) return boolean;
  function ternary_sub_tie(a, b, c : integer; shift : natural) return boolean;
  function unsigned_value(bits : std_logic_vector; shift : natural) return natural;
  function signed_value(bits : std_logic_vector; shift : natural) return integer;
end package vhdlgen_pkg;

package body vhdlgen_pkg is

  type naturals is array (natural range <>) of natural;

  -- 2**k for k = 0 to 30 (every power of two a VHDL integer holds), by doubling.
  function powers_of_two return naturals is
    variable powers : naturals(0 to 30);
  begin
    powers(0) := 1;
    for k in 1 to powers'high loop
      powers(k) := powers(k - 1) + powers(k - 1);
    end loop;
    return powers;
  end function powers_of_two;

  constant POW2 : naturals(0 to 30) := powers_of_two;

  -- floor(value / 2**shift), with the lowest bit cleared on an exact tie (`tie`: the dropped
  -- bits all zero, tested by the caller): the rounding of the vector requantize, on bits only.
  -- The floor is a slice, sign-extended: not shift_right, which GHDL 2.0's Verilog writer
  -- (the netlist `estimate` and any Verilog flow read) emits as a logical shift.
  function floor_ties_to_even(value : signed; shift : natural; tie : boolean) return signed is
    variable quotient : signed(value'length - 1 downto 0) :=
      resize(value(value'left downto value'right + shift), value'length);
  begin
    if tie then
      quotient(0) := '0';
    end if;
    return quotient;
  end function floor_ties_to_even;

  -- value - 1 for an odd value of `width` bits: its lowest bit cleared, on the vector (wiring;
  -- `value - 1` would synthesize as a decrementer).
  function even_below(value : integer; width : positive) return integer is
    variable bits : signed(width - 1 downto 0) := to_signed(value, width);
  begin
    bits(0) := '0';
    return to_integer(bits);
  end function even_below;

  -- The same rounding on an integer acc of acc_width bits (at most 30), `tie` telling whether
  -- its low `shift` bits are zero, in integer operations
  -- that are wiring: `mod 2**acc_width` is acc's two's complement bits read as a natural, `/`
  -- of that natural drops the low `shift` bits, and when the top bit left (acc's sign) is set,
  -- subtracting its doubled place value makes the quotient negative again: a constant with
  -- zero low bits from a value that is zero above, so only the sign bit is copied upwards (a
  -- test on `acc < 0` instead became a carry chain in yosys). On a tie with an odd quotient the
  -- lowest bit is cleared on a vector (even_below); ties are rare, so simulation seldom pays.
  function floor_ties_to_even(acc : integer; acc_width : positive; shift : natural;
                              tie : boolean) return integer is
    constant sign_at : natural := acc_width - 1 - shift;  -- the sign bit's place in the quotient
    variable rounded : integer range -POW2(sign_at) to POW2(sign_at + 1) - 1 :=
      (acc mod POW2(acc_width)) / POW2(shift);
  begin
    if rounded >= POW2(sign_at) then
      rounded := rounded - POW2(sign_at + 1);
    end if;
    if tie and rounded mod 2 = 1 then
      rounded := even_below(rounded, sign_at + 1);
    end if;
    return rounded;
  end function floor_ties_to_even;

  function clip(value, low, high : integer) return integer is
  begin
    if value < low then
      return low;
    elsif value > high then
      return high;
    end if;
    return value;
  end function clip;

  function requantize(acc : integer; acc_width : positive; shift : natural;
                      out_min, out_max : integer; tie : boolean) return integer is
  begin
    -- 2**acc_width must be a natural: 31- and 32-bit accumulators (rare in integer-form units)
    -- take the vector form, which tests the tie on acc itself (the same flag)
    if acc_width > 30 then
      return requantize(to_signed(acc, acc_width), shift, out_min, out_max);
    end if;
    return clip(floor_ties_to_even(acc, acc_width, shift, tie), out_min, out_max);
  end function requantize;

  function requantize(acc : integer; acc_width : positive; shift : natural;
                      out_min, out_max : integer) return integer is
  begin
    return requantize(acc, acc_width, shift, out_min, out_max,
                      shift > 0 and acc mod POW2(shift) = 0);
  end function requantize;

  function sum_tie(a, b : integer; shift : natural) return boolean is
    variable x : natural := a mod POW2(shift);  -- the low bits, as naturals: wiring
    variable y : natural := b mod POW2(shift);
    variable carry : boolean := false;  -- into bit i, when the sum bits below are zero
    variable zero : boolean := true;
  begin
    for i in 0 to shift - 1 loop
      zero := zero and ((x mod 2 = 1) xor (y mod 2 = 1)) = carry;
      carry := x mod 2 = 1 or y mod 2 = 1;
      x := x / 2;
      y := y / 2;
    end loop;
    return zero;
  end function sum_tie;

  function difference_tie(a, b : integer; shift : natural) return boolean is
  begin
    return a mod POW2(shift) = b mod POW2(shift);
  end function difference_tie;

  function requantize(acc : signed; shift : natural;
                      out_min, out_max : integer; tie : boolean) return integer is
    constant quotient : signed(acc'length - 1 downto 0) := floor_ties_to_even(acc, shift, tie);
  begin
    if quotient < out_min then
      return out_min;
    elsif quotient > out_max then
      return out_max;
    end if;
    return to_integer(resize(quotient, 32));
  end function requantize;

  function requantize(acc : signed; shift : natural;
                      out_min, out_max : integer) return integer is
    alias bits : signed(acc'length - 1 downto 0) is acc;
  begin
    return requantize(acc, shift, out_min, out_max,
                      shift > 0 and bits(shift - 1 downto 0) = 0);
  end function requantize;

  -- The wider tie: the lowest tie_bits bits take no part in the floor nor in the tie test, so
  -- they are dropped (a slice) and the rest is requantized with an exact tie at shift -
  -- tie_bits. The integer form goes through the vector: these requantizers are few (average
  -- pooling over windows that are not powers of two), so simulation seldom pays to_signed.
  function requantize(acc : integer; acc_width : positive; shift, tie_bits : natural;
                      out_min, out_max : integer) return integer is
  begin
    return requantize(to_signed(acc, acc_width), shift, tie_bits, out_min, out_max);
  end function requantize;

  function requantize(acc : signed; shift, tie_bits : natural;
                      out_min, out_max : integer) return integer is
    alias bits : signed(acc'length - 1 downto 0) is acc;
  begin
    return requantize(bits(bits'left downto tie_bits), shift - tie_bits, out_min, out_max);
  end function requantize;

  -- The 3:2 compressor (vhdlgen.fixed.compress3) on the low `width` bits of a, b and c (c
  -- inverted to subtract it): per bit the sum s (a 3-input XOR) and the majority k one place
  -- up (with the + 1 of a subtraction in k's free lowest bit), returned as s and k, and s or k,
  -- as naturals: two operands with the sum s + k. Each `+` sets a bit known to be zero: wiring.
  procedure compress3(a, b, c : integer; width : positive; subtract : boolean;
                      both, either : out natural) is
    variable a_bits : natural := a mod POW2(width);  -- the low bits, as naturals: wiring
    variable b_bits : natural := b mod POW2(width);
    variable c_bits : natural := c mod POW2(width);
    variable a_i, b_i, c_i, sum_i : boolean;
    variable majority_below : boolean := subtract;  -- k's bit i: the majority of bit i - 1
    variable both_bits, either_bits : natural := 0;
  begin
    for i in 0 to width - 1 loop
      a_i := a_bits mod 2 = 1;
      b_i := b_bits mod 2 = 1;
      c_i := (c_bits mod 2 = 1) xor subtract;
      sum_i := a_i xor b_i xor c_i;
      if sum_i and majority_below then
        both_bits := both_bits + POW2(i);
      end if;
      if sum_i or majority_below then
        either_bits := either_bits + POW2(i);
      end if;
      majority_below := (a_i and b_i) or (a_i and c_i) or (b_i and c_i);
      a_bits := a_bits / 2;
      b_bits := b_bits / 2;
      c_bits := c_bits / 2;
    end loop;
    both := both_bits;
    either := either_bits;
  end procedure compress3;

  function ternary_tie(a, b, c : integer; shift : natural; subtract : boolean)
    return boolean is
    variable low_both, low_either : natural;
  begin
    compress3(a, b, c, shift, subtract, low_both, low_either);
    return sum_tie(low_both, low_either, shift);
  end function ternary_tie;

  function ternary_add_tie(a, b, c : integer; shift : natural) return boolean is
  begin
    return ternary_tie(a, b, c, shift, false);
  end function ternary_add_tie;

  function ternary_sub_tie(a, b, c : integer; shift : natural) return boolean is
  begin
    return ternary_tie(a, b, c, shift, true);
  end function ternary_sub_tie;

  -- The place values 2**(i + shift) of the '1' bits among the lowest `count` bits, lowest
  -- first: each sum sets one bit known to be zero, so synthesis folds the adders into wiring.
  function place_values(bits : std_logic_vector; shift, count : natural) return natural is
    alias word : std_logic_vector(bits'length - 1 downto 0) is bits;
    variable total : natural := 0;
  begin
    for i in 0 to count - 1 loop
      if word(i) = '1' then
        total := total + POW2(i + shift);
      end if;
    end loop;
    return total;
  end function place_values;

  function unsigned_value(bits : std_logic_vector; shift : natural) return natural is
  begin
    return place_values(bits, shift, bits'length);
  end function unsigned_value;

  -- Two's complement: the top bit weighs -2**(width-1+shift).
  function signed_value(bits : std_logic_vector; shift : natural) return integer is
    constant top : natural := bits'length - 1;
    variable value : integer := place_values(bits, shift, top);
  begin
    if bits(bits'left) = '1' then
      value := value - POW2(top + shift);
    end if;
    return value;
  end function signed_value;
end package body vhdlgen_pkg;
