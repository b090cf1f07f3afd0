"""The whole Level-0 chain (`--front-end rpc`): raw RPC strips in, the fragmentation stage
(window selection and pooling), the generated CNN, and an output stage (pT, absolute eta,
window, trigger bit) out. Reference in `reference.py`, stage plan in `plan.py`, RTL in `rtl.py`.
"""
from __future__ import annotations

import math

from vhdlgen.errors import UserError

FRONT_ENDS = ("none", "rpc")
DEFAULT_THRESHOLD_GEV = 10.0


def check_front_end(front_end: object, threshold_gev: object) -> None:
    """UserError unless `front_end` is one of FRONT_ENDS and the threshold a finite number."""
    if front_end not in FRONT_ENDS:
        raise UserError(f"--front-end {front_end!r}: accepted {', '.join(FRONT_ENDS)}")
    if isinstance(threshold_gev, bool) or not isinstance(threshold_gev, (int, float)) \
            or not math.isfinite(threshold_gev):
        raise UserError(f"--threshold-gev {threshold_gev!r}: accepted a finite number of GeV")
