-- For GHDL only: behavioural simulation models of LUT6_2 and CARRY8 (library unisim), written
-- from their documented behaviour (UG974), without timing; 'X' for an unknown input. Vivado
-- and other simulators use their own UNISIM library: do not add this file there.
-- LUT6_2: O6 = INIT(I5..I0), O5 = INIT(31 downto 0)(I4..I0), i.e. O5 is O6 with I5 = '0'.
-- CARRY8 (CARRY_TYPE "SINGLE_CY8"; "DUAL_CY4" restarts the upper half at CI_TOP):
-- CO(i) = S(i) ? carry into bit i : DI(i); O(i) = S(i) xor carry into bit i; carry into bit 0 = CI.
library ieee;
use ieee.std_logic_1164.all;

entity LUT6_2 is
  generic (INIT : bit_vector(63 downto 0) := X"0000000000000000");
  port (O5, O6 : out std_ulogic; I0, I1, I2, I3, I4, I5 : in std_ulogic);
end entity;

architecture model of LUT6_2 is
  type values is array (std_ulogic) of natural;
  constant VALUE : values := ('0' | 'L' => 0, '1' | 'H' => 1, others => 64);  -- 64: unknown
begin
  process (I0, I1, I2, I3, I4, I5)
    variable low : natural;  -- I4..I0 as a number, above 31 when one of them is unknown
  begin
    low := VALUE(I0) + 2 * VALUE(I1) + 4 * VALUE(I2) + 8 * VALUE(I3) + 16 * VALUE(I4);
    if low > 31 or VALUE(I5) > 1 then
      O6 <= 'X';
    else
      O6 <= to_stdulogic(INIT(low + 32 * VALUE(I5)));
    end if;
    if low > 31 then
      O5 <= 'X';
    else
      O5 <= to_stdulogic(INIT(low));
    end if;
  end process;
end architecture;

library ieee;
use ieee.std_logic_1164.all;

entity CARRY8 is
  generic (CARRY_TYPE : string := "SINGLE_CY8");
  port (CO, O : out std_logic_vector(7 downto 0); CI, CI_TOP : in std_ulogic;
        DI, S : in std_logic_vector(7 downto 0));
end entity;

architecture model of CARRY8 is
begin
  process (CI, CI_TOP, DI, S)
    variable c : std_ulogic;
  begin
    c := to_x01(CI);
    for i in 0 to 7 loop
      if i = 4 and CARRY_TYPE = "DUAL_CY4" then
        c := to_x01(CI_TOP);
      end if;
      O(i) <= to_x01(S(i)) xor c;
      case to_x01(S(i)) is
        when '1' => null;  -- propagate: the carry passes
        when '0' => c := to_x01(DI(i));
        when others => c := 'X';
      end case;
      CO(i) <= c;
    end loop;
  end process;
end architecture;
