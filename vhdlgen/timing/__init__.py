"""Timing: the UltraScale+ delay model (`model`), its calibration on routed Vivado paths, and
the reader of Vivado's own timing reports."""
from vhdlgen.timing.model import ULTRASCALE_PLUS_2, DelayModel

__all__ = ["DelayModel", "ULTRASCALE_PLUS_2"]
