"""in_valid gaps and a synchronous reset in mid-stream (back to back is in test_stream.py).

- gaps: in_valid low on ~30% of the clocks (random): the outputs are the reference of the valid
  inputs, in order, each exactly `latency` edges after its input was sampled, and out_valid is
  never high otherwise;
- reset: rst high for a few clocks in the middle of a back-to-back stream (and once more with
  gaps): from the bench's per-edge record (input index, rst) the inputs that must survive are
  those sampled with rst = 0 and no rst on the next latency - 1 edges; the outputs are the
  reference of exactly those, at exactly their edges + latency: out_valid never rises for a
  flushed input, and the pipeline works again right after the reset.
"""
from __future__ import annotations

import numpy as np
import pytest

from benchlib import sampled_edges, survivors

pytestmark = pytest.mark.sim

VECTORS = 500


def _check_against(design, codes, result, kept, edges) -> None:
    expected = design.network.predict_codes(codes[kept])
    assert len(result.outputs) == len(kept), (
        f"{design.key}: {len(result.outputs)} outputs, expected {len(kept)} (the survivors)")
    assert np.array_equal(result.out_edges, edges + design.latency), (
        f"{design.key}: out_valid edges differ from the survivors' input edges + latency")
    assert np.array_equal(result.outputs, expected), f"{design.key}: wrong output values"


@pytest.mark.parametrize("key", ["student4", "wide_conv"])
def test_random_gaps_in_in_valid(designs, key) -> None:
    design = designs(key)
    codes = design.codes[:VECTORS]
    result = design.stream(codes, gap_probability=0.3, seed=3)
    low = (result.sampled[:, 0] < 0).mean()
    assert 0.2 < low < 0.6, f"gap schedule did not produce gaps ({low:.2f} of clocks idle)"
    in_edges = sampled_edges(result.sampled)
    assert len(in_edges) == len(codes)
    _check_against(design, codes, result, np.arange(len(codes)), in_edges)


@pytest.mark.parametrize("key,gaps", [("student4", 0.0), ("sequential", 0.3)])
def test_reset_in_mid_stream_flushes_in_flight_inputs(designs, key, gaps) -> None:
    design = designs(key)
    codes = design.codes[:VECTORS]
    reset_at, reset_cycles = VECTORS // 2, 3
    result = design.stream(codes, gap_probability=gaps, seed=5, reset_at=reset_at,
                           reset_cycles=reset_cycles)
    rst_edges = np.flatnonzero(result.sampled[:, 1]) + 1
    assert len(rst_edges) == reset_cycles and rst_edges[0] == reset_at + 1
    kept, edges = survivors(result.sampled, design.latency)
    flushed = np.setdiff1d(np.arange(len(codes)), kept)
    # a reset in a full pipeline loses what is in flight and what is driven during the reset
    assert len(flushed) >= design.latency if gaps == 0 else len(flushed) > 0
    assert kept.max() > flushed.max(), "inputs after the reset must come out again"
    assert (np.diff(kept) > 0).all()
    _check_against(design, codes, result, kept, edges)
