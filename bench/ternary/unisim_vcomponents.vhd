-- Component declarations of the two UNISIM primitives bench/bench_ternary.py instantiates, as a
-- package `vcomponents` of library `unisim` (ghdl -a --std=08 --work=unisim). Compiled alone,
-- `ghdl --synth` leaves the instances as black boxes (LUT6_2 / CARRY8 module instances in its
-- Verilog) that yosys' synth_xilinx knows as native cells; compiled with unisim_models.vhd, GHDL
-- simulates them. Port and generic names as in UG974 (UltraScale Architecture Libraries Guide).
library ieee;
use ieee.std_logic_1164.all;

package vcomponents is
  component LUT6_2 is
    generic (INIT : bit_vector(63 downto 0) := X"0000000000000000");
    port (O5, O6 : out std_ulogic; I0, I1, I2, I3, I4, I5 : in std_ulogic);
  end component;
  component CARRY8 is
    generic (CARRY_TYPE : string := "SINGLE_CY8");
    port (CO, O : out std_logic_vector(7 downto 0); CI, CI_TOP : in std_ulogic;
          DI, S : in std_logic_vector(7 downto 0));
  end component;
end package;
