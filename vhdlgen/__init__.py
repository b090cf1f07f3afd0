"""vhdlgen: quantized (QKeras) CNNs -> bit-exact, fully parallel, pipelined VHDL."""
from vhdlgen.network import Network, load

__version__ = "0.1.0"
__all__ = ["Network", "load", "__version__"]
