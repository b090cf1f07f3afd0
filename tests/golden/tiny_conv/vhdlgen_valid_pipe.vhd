-- vhdlgen static primitive: the valid flag travelling alongside the data pipeline.
--
-- valid_out is valid_in delayed by LATENCY clock cycles; rst (synchronous, active high) clears
-- every stage, so no stale data is flagged valid after a reset. LATENCY = 0 is a wire.
library ieee;
use ieee.std_logic_1164.all;

entity vhdlgen_valid_pipe is
  generic (
    LATENCY : natural
  );
  port (
    clk       : in  std_logic;
    rst       : in  std_logic;
    valid_in  : in  std_logic;
    valid_out : out std_logic
  );
end entity vhdlgen_valid_pipe;

architecture rtl of vhdlgen_valid_pipe is
begin

  wire : if LATENCY = 0 generate
    valid_out <= valid_in;
  end generate wire;

  delay : if LATENCY > 0 generate
    signal stages : std_logic_vector(LATENCY - 1 downto 0);
  begin
    process (clk)
    begin
      if rising_edge(clk) then
        if rst = '1' then
          stages <= (others => '0');
        elsif LATENCY = 1 then
          stages(0) <= valid_in;
        else
          stages <= stages(stages'high - 1 downto 0) & valid_in;
        end if;
      end if;
    end process;
    valid_out <= stages(LATENCY - 1);
  end generate delay;

end architecture rtl;
