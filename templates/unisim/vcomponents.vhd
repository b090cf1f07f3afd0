-- For GHDL only (vhdlgen's `ghdl --synth` check, its estimate and its simulations): the
-- component declarations of the two UltraScale+ primitives vhdlgen instantiates, as package
-- `vcomponents` of library `unisim`, port and generic names as in UG974 (UltraScale
-- Architecture Libraries Guide). Compiled alone, `ghdl --synth` keeps the instances as black
-- boxes, which yosys' synth_xilinx knows as native cells; with primitives.vhd, GHDL simulates
-- them. Vivado and other simulators use their own UNISIM library: do not add this file there.
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
