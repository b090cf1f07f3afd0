"""Resources, logic depth and a modelled critical path without Vivado: GHDL, then yosys.

Flow (all work files and logs in `DIR/estimate/`, never in the current directory):

1. `ghdl --synth --std=08 --out=verilog <the build's sources, in order> -e <top>` (top and
   sources from the build manifest, `vhdlgen.rtl.manifest.read_build`)
   ->  `DIR/estimate/<top>.v` (the files are analysed in memory: `ghdl -a` with the llvm backend
   would also compile them to machine code, minutes for a large generated file);
2. yosys: `synth_xilinx -family xcup -flatten -noiopad -noclkbuf` (UltraScale+ primitives, no
   I/O or clock buffers: an out-of-context block, like the Vivado flow), `stat -json`, and the
   mapped netlist as JSON. Two flows (`--flow`):
   - `carry` (default): before the script's `alumacc` step, a techmap turns every `$add`/`$sub`
     of the RTL into its own `$alu`, i.e. one carry chain per adder as written (the UltraScale+
     carry logic adds two operands per chain, UG574).
   - `synth_xilinx`: the stock script. Its `alumacc` merges every chain of single-use adders
     into one multi-operand `$macc`, which `maccmap` builds as a carry-save tree of LUT full
     adders. On a tree of three 4-bit adders that costs 16 LUTs with MUXF7s instead of 13
     (tests/test_estimate.py); on the shipped students 10-56% more LUTs
     (docs/benchmarks.md). The numbers of both flows are reported by the benches.

Counts come from `stat -json` (cell type -> number), never from scraped text:

- `lut`   LUT1..LUT6 (and INV, a LUT1) plus LUTs used as shift registers (SRL16E, SRLC32E) or
          distributed RAM (RAM*X*), i.e. Vivado's "CLB LUTs" (logic + memory), one per cell;
- `ff`    FDRE, FDSE, FDCE, FDPE (latches, which vhdlgen never makes, are `detail.latch`);
- `carry` CARRY4/CARRY8 cells (yosys 0.23 maps UltraScale+ adders to CARRY4, 4 bits per cell;
          Vivado uses CARRY8, 8 bits per cell: expect about half the count there);
- `dsp`   DSP48E1/DSP48E2 ...; `bram` block RAM tiles, RAMB36/FIFO36 = 1, RAMB18/FIFO18 = 0.5,
          as Vivado's "Block RAM Tile" counts them.

`max_logic_levels` is computed here over the JSON netlist (not with yosys `ltp -noff`, whose
`-noff` only knows yosys-internal flip-flop types and walks straight through mapped FDRE cells):
the largest number of combinational cells on any path from a flip-flop or input port to a
flip-flop or output port, each LUT, MUXF7/8/9 and CARRY cell counting one -- the way Vivado's
timing reports count "Logic Levels" (a carry chain of k cascaded CARRY cells is k levels). An
INV that yosys leaves counts no level and no delay: Vivado's default opt_design absorbs it into
its loads or its driver (UG904, "Retargeting"); it still counts as a LUT above. Paths
are followed bit by bit; inside a carry cell output bit i depends only on carry-in and the S/DI
inputs 0..i. Sequential and hard blocks (FD*, SRL*, RAM*, RAMB*, DSP48*, URAM*) end and start
paths. The deepest path is kept in `logic_path` (cell types in order, start and end nets).
`max_logic_levels_carry8` repeats the count as Vivado's CARRY8 packing would see it (two
cascaded CARRY4 = one CARRY8 = one level), the closer number to compare with Vivado; its own
deepest path (which may differ) is `logic_path.path_carry8`, and `logic_path.units_carry8` the
deepest count of the paths ending in each layer instance, so a level cap can be checked per unit.

`critical_path_ns` walks the same netlist with the delays of the build's delay model (its corner)
(the delay model the lowering pipelines with; sources in its module doc), per edge into a cell:

- LUT: route `net_delay(fanout of the driving net)` + `lut`;
- MUXF7/8/9: `muxf` from its data inputs (fed inside the slice), plus the route on its select;
- CARRY4/CARRY8: `carry_in` from S (its propagate LUT sits in the same slice; from anything else
  the route is added), DI and CYINIT (routed); from CI: `carry8` when the cell starts a new
  CARRY8, nothing for the upper CARRY4 of a pair (one CARRY8 in Vivado, as above);
- pass-through buffers: nothing; cell types the model does not know: like a LUT.

Fanout counts every input pin (except clocks) and output port bit a net bit drives. Paths start
at `ff_clk_to_q` (a register output) or 0 (an input port), end at `ff_setup` (a register input)
or 0 (an output port), and `clock_uncertainty` is added: `critical_path_ns` is the shortest
clock period the model allows, `fmax_mhz` = 1000 / it, at most the clock-tree limit (775 MHz).
`timing_path` lists the critical path's cells with each one's delay (its input route included).

Both paths are named in RTL terms (`from_rtl`, `to_rtl`, see `RtlNames`): GHDL keeps the VHDL
names and yosys prefixes them with the instance path, so `u_fc.pipeline_y_1_s1_2[3]` is bit 3
of the stage-1 pipeline register 2 of neuron y_1 in unit u_fc (entity from GHDL's Verilog
netlist). A path ends at the register it writes (its output net's name). Names that are not
recognised (GHDL's generated n25_q, ...) are reported as they are.

This is a proxy: yosys maps LUTs with ABC, not with Vivado's optimiser, and the delay model knows
no placement, congestion or clock skew. Use it to compare designs and options and to choose the
pipelining, not to sign off timing or utilization.

Modules: `tools` runs GHDL (`vhdlgen.ghdl`) and yosys, `netlist` counts and reads the mapped
netlist, `paths` is the timing graph (logic levels, critical path), `names` maps names back to
the RTL (`vhdlgen.rtl.names`' rules), `flow` is `estimate` itself and its cache stamp, `cli`
the command and its table.
"""
from __future__ import annotations

from vhdlgen.estimate.cli import add_estimate_parser, format_estimate, run_estimate
from vhdlgen.estimate.flow import build_delay_model, estimate, estimate_stamp
from vhdlgen.estimate.names import RtlNames, rtl_text
from vhdlgen.estimate.netlist import count_resources
from vhdlgen.estimate.paths import logic_levels
from vhdlgen.estimate.tools import ADD_TO_ALU, DEFAULT_FLOW, FAMILY, FLOWS, tool_versions

__all__ = ["ADD_TO_ALU", "DEFAULT_FLOW", "FAMILY", "FLOWS", "RtlNames", "add_estimate_parser",
           "build_delay_model", "count_resources", "estimate", "estimate_stamp",
           "format_estimate", "logic_levels", "rtl_text", "run_estimate", "tool_versions"]
