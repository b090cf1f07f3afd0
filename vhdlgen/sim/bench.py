"""cocotb test module: starts the VHDL feeder around a generated top and checks that it ran.

The feeder (vhdlgen.sim.feeder, the simulation's toplevel) drives the whole schedule written by
vhdlgen.sim.runner, one line per clock, and writes every output to a file; no Python runs per
clock. Configured by the JSON file named in VHDLGEN_SIM_CONFIG: the number of schedule lines,
the result file, and optionally the layer signals inside the top to read at the end (the probe).
"""
from __future__ import annotations

import json
import os
import time

import cocotb
from cocotb.triggers import RisingEdge


@cocotb.test()
async def run(dut):
    """Start the feeder, wait for its last line; record the time and any probed signals."""
    with open(os.environ["VHDLGEN_SIM_CONFIG"]) as handle:
        config = json.load(handle)
    started = time.perf_counter()
    dut.start.value = 1
    await RisingEdge(dut.done)
    seconds = time.perf_counter() - started
    cycles = int(dut.cycles.value)
    assert cycles == config["cycles"], f"the feeder ran {cycles} of {config['cycles']} lines"
    layers = {name: str(int(getattr(dut.u_top, name).value))
              for name in config.get("probe_signals", [])}
    with open(config["result"], "w") as handle:
        json.dump({"seconds": seconds, "layers": layers}, handle)
