"""Timing: the UltraScale+ delay model and its corners (`model`), their fit on routed Vivado
paths (`fit`, `calibration.json`), and the reader of Vivado's own timing reports."""
from vhdlgen.timing.model import (CORNERS, DEFAULT_CORNER, ULTRASCALE_PLUS_2, DelayModel,
                                  corner_model, load_delay_model)

__all__ = ["CORNERS", "DEFAULT_CORNER", "DelayModel", "ULTRASCALE_PLUS_2", "corner_model",
           "load_delay_model"]
