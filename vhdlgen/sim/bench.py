"""cocotb test module: streams packed vectors through a generated top on GHDL.

Configured by the JSON file named in VHDLGEN_SIM_CONFIG (written by vhdlgen.sim.runner):
inputs, port layout, in_valid gaps, a reset in mid-stream, or a probe of every layer. Outputs are
collected as packed integers and written to an .npz for the runner to compare with NumPy.
"""
from __future__ import annotations

import json
import os
import time

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge

from vhdlgen.sim.packing import pack


def _config() -> dict:
    with open(os.environ["VHDLGEN_SIM_CONFIG"]) as handle:
        return json.load(handle)


async def _reset(dut, cycles: int = 2) -> None:
    dut.rst.value = 1
    dut.in_valid.value = 0
    dut.in_data.value = 0
    await ClockCycles(dut.clk, cycles)
    dut.rst.value = 0


def _schedule(count: int, config: dict) -> list[int | None]:
    """The input index driven in each cycle (None: in_valid low); every input is driven."""
    rng = np.random.default_rng(config["seed"])
    probability = config["gap_probability"]
    schedule: list[int | None] = []
    index = 0
    while index < count:
        if probability and rng.random() < probability:
            schedule.append(None)
        else:
            schedule.append(index)
            index += 1
    return schedule


@cocotb.test()
async def stream(dut):
    """Drive one vector per clock (with optional gaps and reset); record every output."""
    config = _config()
    codes = np.load(config["inputs"])
    packed = pack(codes, config["in_element_width"])
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    await _reset(dut)
    schedule = _schedule(len(packed), config)
    reset_at, reset_len = config["reset_at"], config["reset_cycles"]
    tail = config["latency"] + reset_len + 4
    outputs, out_edges, sampled, edge = [], [], [], 0
    started = time.perf_counter()
    for cycle in range(len(schedule) + tail):
        index = schedule[cycle] if cycle < len(schedule) else None
        in_reset = reset_at is not None and reset_at <= cycle < reset_at + reset_len
        dut.rst.value = int(in_reset)
        dut.in_valid.value = int(index is not None)
        if index is not None:
            dut.in_data.value = packed[index]
        await RisingEdge(dut.clk)
        edge += 1
        sampled.append((index if index is not None else -1, int(in_reset)))
        if dut.out_valid.value == 1:
            outputs.append(int(dut.out_data.value))
            out_edges.append(edge)
    seconds = time.perf_counter() - started
    np.savez(config["result"], outputs=np.array([str(v) for v in outputs]),
             out_edges=np.array(out_edges, dtype=np.int64),
             sampled=np.array(sampled, dtype=np.int64).reshape(-1, 2), seconds=seconds)


@cocotb.test()
async def probe(dut):
    """Hold one vector at the input until the pipeline is full of it; read every layer."""
    config = _config()
    value = pack(np.load(config["inputs"])[:1], config["in_element_width"])[0]
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    await _reset(dut)
    dut.in_valid.value = 1
    dut.in_data.value = value
    await ClockCycles(dut.clk, config["latency"] + 2)
    layers = {name: str(int(getattr(dut, name).value)) for name in config["probe_signals"]}
    with open(config["result"], "w") as handle:
        json.dump(layers, handle)
