"""Toy RPC dataset for the ATLAS Phase-2 L0 muon barrel trigger (docs/physics.md section 1).

    >>> from vhdlgen.data import generate_events, save_npz
    >>> ev = generate_events(1000, seed=1)          # dict of arrays, ev["x"] is (1000, 9, 16, 1)
    >>> save_npz("toy.npz", ev)

See ``geometry`` (detector and field), ``generator`` (detector response) and ``fragmentation``
(9x384 image -> 9x16 input) for every physics constant and why it has its value.
"""
from vhdlgen.data.fragmentation import fragment, window_eta_min
from vhdlgen.data.generator import generate_events, load_npz, save_npz

__all__ = ["fragment", "generate_events", "load_npz", "save_npz", "window_eta_min"]
