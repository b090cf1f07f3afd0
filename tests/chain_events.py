"""Strip events and a tiny network for the `--front-end rpc` chain tests (tests/, rtl_tests/).

Every constructed set says which window the chain must keep, worked out here from how the set
is made (not from vhdlgen.chain)."""
from __future__ import annotations

import numpy as np

from vhdlgen.chain.geometry import StripGeometry
from vhdlgen.fixed import FixedType
from vhdlgen.infer import infer_all
from vhdlgen.ir import Graph, Input
from vhdlgen.layers.dense import Dense
from vhdlgen.layers.reshape import Flatten


def tiny_graph(geometry: StripGeometry = StripGeometry(), seed: int = 3) -> Graph:
    """A one-Dense 'trigger network' on the geometry's window image: inputs ufixed<2,1> (the
    pooled hits 0, 0.5, 1), weights -3..3 in steps of 1/4, two outputs at 2**-3 (so pT crosses
    10 GeV both ways on sparse events)."""
    shape = geometry.network_shape
    rng = np.random.default_rng(seed)
    elements = int(np.prod(shape))
    kernel = rng.integers(-3, 4, size=(elements, 2))
    kernel[:, 0] = np.abs(kernel[:, 0]) * 4  # pT: positive weights, large enough to trigger
    graph_input = Input("hits", shape, FixedType(False, 2, 1), 0, 2)
    layers = (Flatten("flat"), Dense("out", kernel, np.array([3, -5]), 2))
    tensors = infer_all(layers, Graph(graph_input, ()).input_tensor)
    return Graph(graph_input, layers, tensors, "tiny_trigger.h5", "0" * 64)


def _window_slice(g: StripGeometry, w: int) -> slice:
    return slice(w * g.window_strips, (w + 1) * g.window_strips)


def _fill(rng: np.random.Generator, g: StripGeometry, event: np.ndarray, w: int, n: int) -> None:
    """Fire n distinct random strips of window w (over all layers) in event (layers, strips)."""
    block = np.zeros(g.layers * g.window_strips, np.uint8)
    block[rng.choice(block.size, n, replace=False)] = 1
    event[:, _window_slice(g, w)] = block.reshape(g.layers, g.window_strips)


def constructed(g: StripGeometry, seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """name -> (strips (N, layers, strips) uint8, the window the chain must keep (N,))."""
    rng = np.random.default_rng(seed)
    sets = {}
    bits = g.layers * g.window_strips
    empty = np.zeros((1, g.layers, g.strips), np.uint8)
    sets["empty"] = (empty, np.zeros(1, np.int64))
    sets["all_fired"] = (np.ones((1, g.layers, g.strips), np.uint8), np.zeros(1, np.int64))
    # every window once as the clear winner (others get fewer strips)
    events, kept = [], []
    for w in range(g.windows):
        for _ in range(3):
            event = np.zeros((g.layers, g.strips), np.uint8)
            top = int(rng.integers(2, bits))
            for other in range(g.windows):
                _fill(rng, g, event, other, int(rng.integers(0, top)))
            _fill(rng, g, event, w, top)
            events.append(event)
            kept.append(w)
    sets["each_window"] = (np.array(events), np.array(kept))
    # ties: 2 to 4 windows share the maximum; the lowest of them is kept
    events, kept = [], []
    for _ in range(40):
        event = np.zeros((g.layers, g.strips), np.uint8)
        tied = np.sort(rng.choice(g.windows, int(rng.integers(2, min(4, g.windows) + 1)),
                                  replace=False))
        top = int(rng.integers(1, bits + 1))
        for other in range(g.windows):
            _fill(rng, g, event, other, top if other in tied else int(rng.integers(0, top)))
        events.append(event)
        kept.append(int(tied[0]))
    sets["ties"] = (np.array(events), np.array(kept))
    # one strip fired in one window: the smallest possible winner
    events = np.zeros((g.windows, g.layers, g.strips), np.uint8)
    for w in range(g.windows):
        strip = w * g.window_strips + int(rng.integers(g.window_strips))
        events[w, int(rng.integers(g.layers)), strip] = 1
    sets["single_strip"] = (events, np.arange(g.windows))
    return sets
