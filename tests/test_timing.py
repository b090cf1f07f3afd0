"""vhdlgen.timing.DelayModel: the arithmetic of the model and its default (signoff) corner
against published facts (the corners' fit on recorded paths: tests/test_timing_fit.py).

The expected numbers below are copied from the sources, never from the model: a change of a
model constant that breaks agreement with them fails here.
"""
from __future__ import annotations

import dataclasses
import math

import pytest

from vhdlgen.timing import ULTRASCALE_PLUS_2, DelayModel

M = ULTRASCALE_PLUS_2

# [R] Vivado 2020.1 report_timing, xcvu3p-ffvc1517 -2 (rapidwright.io ReportTimingExample).
RW_CLK_TO_Q_NS = 0.081
RW_CLOCK_UNCERTAINTY_NS = 0.035
RW_HIGH_FANOUT = 324            # a routed net of 0.472 ns
TRIGGER_CLOCK_NS = 3.125
CLOCK_TREE_MHZ = 775.0


def test_default_is_the_signoff_corner() -> None:
    assert M.corner == "signoff"


def test_register_overhead_not_optimistic() -> None:
    # Vivado's own register overhead on [R]: clock-to-out + uncertainty (its setup is negative).
    overhead = TRIGGER_CLOCK_NS - M.budget(TRIGGER_CLOCK_NS)
    assert overhead >= RW_CLK_TO_Q_NS + RW_CLOCK_UNCERTAINTY_NS
    assert overhead <= 0.15 * TRIGGER_CLOCK_NS
    assert M.clock_uncertainty == pytest.approx(RW_CLOCK_UNCERTAINTY_NS)


def test_budget_subtracts_margin_and_register_overhead() -> None:
    assert M.budget(TRIGGER_CLOCK_NS, margin_ns=0.25) == pytest.approx(
        M.budget(TRIGGER_CLOCK_NS) - 0.25)
    assert M.budget(TRIGGER_CLOCK_NS) == pytest.approx(
        TRIGGER_CLOCK_NS - M.ff_clk_to_q - M.ff_setup - M.clock_uncertainty)
    assert M.budget(0.1) < 0  # not even a flip-flop to flip-flop wire fits


def test_adder_monotonic_in_width_one_carry8_per_byte() -> None:
    delays = [M.adder(w) for w in range(1, 65)]
    assert all(b >= a for a, b in zip(delays, delays[1:]))
    for w in range(1, 64):
        if w % 8 == 0:   # bit w+1 starts a new CARRY8
            assert M.adder(w + 1) > M.adder(w)
        else:            # same CARRY8
            assert M.adder(w + 1) == M.adder(w)
    assert M.adder(16) - M.adder(8) == pytest.approx(M.carry8)


def test_monotonic_in_fanout_and_levels() -> None:
    fanouts = [1, 2, 3, 4, 8, 100, 1000]
    for a, b in zip(fanouts, fanouts[1:]):
        assert M.net_delay(b) > M.net_delay(a)
        assert M.adder(16, b) > M.adder(16, a)
        assert M.lut_levels(2, b) > M.lut_levels(2, a)
    # logarithmic: every doubling costs the same
    assert M.net_delay(8) - M.net_delay(4) == pytest.approx(M.net_delay(2) - M.net_delay(1))
    assert M.lut_levels(0) == 0
    assert all(M.lut_levels(n + 1) > M.lut_levels(n) for n in range(10))


def test_high_fanout_stays_plausible() -> None:
    # [R] routed a fanout-324 net in 0.472 ns; a linear per-sink model (FloPoCo's 1/65 ns per
    # sink) would say 5 ns. The logarithmic form must stay within a factor 2 of the measurement.
    assert 0.5 * 0.472 < M.net_delay(RW_HIGH_FANOUT) < 2 * 0.472


def test_fmax_capped_at_clock_tree() -> None:
    assert M.fmax_mhz(TRIGGER_CLOCK_NS) == pytest.approx(320.0)
    assert M.fmax_mhz(0.5) == CLOCK_TREE_MHZ
    assert M.fmax_mhz(0.0) == CLOCK_TREE_MHZ


@pytest.mark.parametrize("call", [lambda: M.adder(0), lambda: M.net_delay(0),
                                  lambda: M.lut_levels(-1), lambda: M.adder(8, fanout=0)])
def test_bad_arguments(call) -> None:
    with pytest.raises(ValueError):
        call()


def test_frozen_and_replaceable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        M.lut = 0.0  # type: ignore[misc]
    slower = dataclasses.replace(M, net=2 * M.net)
    assert isinstance(slower, DelayModel) and slower.adder(16) > M.adder(16)
    assert math.isclose(slower.adder(16) - M.adder(16), M.net)
