"""vhdlgen: quantized (QKeras) CNNs -> bit-exact, fully parallel, pipelined VHDL.

`convert(model, **options)` runs the whole flow from Python (see `vhdlgen.api`) and warns its
notes as `VhdlgenWarning`s; `load(path)` gives the bit-exact reference alone."""
__version__ = "0.1.0"  # before the imports below: generated files carry it

from vhdlgen.api import Design, SimulationMismatch, convert  # noqa: E402
from vhdlgen.network import Network, load  # noqa: E402
from vhdlgen.notes import Note, VhdlgenWarning  # noqa: E402

__all__ = ["Design", "Network", "Note", "SimulationMismatch", "VhdlgenWarning", "convert", "load",
           "__version__"]
