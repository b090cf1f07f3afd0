"""`build`'s DIR/tb/: a self-checking VHDL-2008 testbench and its vectors, for engineers who run
the design in their own simulator (no cocotb, nothing GHDL-specific in the VHDL).

    DIR/tb/<top>_tb.vhd          reads the two files below, clocks at the build's clock period,
                                 drives one vector per clock (in_valid low on every 7th clock),
                                 raises rst for 2 clocks in mid-stream (before vector N // 2),
                                 compares every out_valid word with its vector's, checks out_valid
                                 against in_valid delayed by LATENCY (what a reset dropped
                                 excepted); prints "PASS: N vectors" or stops with a failure
                                 naming the vector
    DIR/tb/input_vectors.txt     one packed in_data word per line, hex, most significant digit first
    DIR/tb/expected_outputs.txt  the NumPy reference's out_data words, packed the same way
    DIR/tb/run_ghdl.sh           analyse ../rtl/sources.f + the testbench, elaborate, run (GHDL)
    DIR/tb/run_xsim.sh           the same with Vivado's xvhdl --2008, xelab, xsim -R
    DIR/tb/run_questa.do         the same with Questa/ModelSim: vsim -c -do run_questa.do
    DIR/tb/<top>_component.vhd   a package with the component declaration, and an instantiation
                                 template
    DIR/tb/<top>_stub.v          a Verilog black-box module with the same ports

Packing is report.json's: element i at bits [i*W, (i+1)*W), two's complement when signed. The
inputs are the caller's (`inputs`, e.g. the Level-0 study's toy-dataset events for the 9x16x1
students, `vhdlgen.chain.client`), else uniform random codes over the input range; both from
VECTOR_SEED.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np

from vhdlgen.errors import UserError
from vhdlgen.ir import Graph
from vhdlgen.packing import pack
from vhdlgen.rtl.names import STATIC_UNITS
from vhdlgen.templating import render

if TYPE_CHECKING:
    from vhdlgen.network import Network
    from vhdlgen.rtl.design import HwDesign

TB_DIR = "tb"
DEFAULT_TEST_VECTORS = 1000
MAX_TEST_VECTORS = 1_000_000
VECTOR_SEED = 1076  # not a training (1) or evaluation (20261121) seed of models/
INPUT_FILE = "input_vectors.txt"
EXPECTED_FILE = "expected_outputs.txt"
RUN_SCRIPT = "run_ghdl.sh"
XSIM_SCRIPT = "run_xsim.sh"
QUESTA_SCRIPT = "run_questa.do"
GAP_EVERY = 7  # in_valid is low on every 7th clock of the stream
RESET_CYCLES = 4
MID_RESET_CYCLES = 2  # rst high in mid-stream, before vector n_vectors // 2 (none below 2 vectors)

# IEEE 1364-2005 and 1800-2017 keywords: a top with such a name is escaped in the Verilog stub.
VERILOG_KEYWORDS = frozenset("""
accept_on alias always always_comb always_ff always_latch and assert assign assume automatic
before begin bind bins binsof bit break buf bufif0 bufif1 byte case casex casez cell chandle
checker class clocking cmos config const constraint context continue cover covergroup coverpoint
cross deassign default defparam design disable dist do edge else end endcase endchecker endclass
endclocking endconfig endfunction endgenerate endgroup endinterface endmodule endpackage
endprimitive endprogram endproperty endsequence endspecify endtable endtask enum event eventually
expect export extends extern final first_match for force foreach forever fork forkjoin function
generate genvar global highz0 highz1 if iff ifnone ignore_bins illegal_bins implements implies
import incdir include initial inout input inside instance int integer interconnect interface
intersect join join_any join_none large let liblist library local localparam logic longint
macromodule matches medium modport module nand negedge nettype new nexttime nmos nor
noshowcancelled not notif0 notif1 null or output package packed parameter pmos posedge primitive
priority program property protected pull0 pull1 pulldown pullup pulsestyle_ondetect
pulsestyle_onevent pure rand randc randcase randsequence rcmos real realtime ref reg reject_on
release repeat restrict return rnmos rpmos rtran rtranif0 rtranif1 s_always s_eventually
s_nexttime s_until s_until_with scalared sequence shortint shortreal showcancelled signed small
soft solve specify specparam static string strong strong0 strong1 struct super supply0 supply1
sync_accept_on sync_reject_on table tagged task this throughout time timeprecision timeunit tran
tranif0 tranif1 tri tri0 tri1 triand trior trireg type typedef union unique unique0 unsigned
until until_with untyped use uwire var vectored virtual void wait wait_order wand weak weak0
weak1 while wildcard wire with within wor xnor xor
""".split())


def check_count(n_vectors: int) -> None:
    if isinstance(n_vectors, bool) or not isinstance(n_vectors, int) \
            or not 0 <= n_vectors <= MAX_TEST_VECTORS:
        raise UserError(f"--test-vectors {n_vectors!r}: accepted 0 (no DIR/tb/ folder) to "
                        f"{MAX_TEST_VECTORS:,}")


# The caller's testbench inputs: (network, N, seed) -> (input codes (N, *input shape), where
# they come from), or None for uniform random codes (`vhdlgen.rtl.client.BuildClient`).
InputSource = Callable[["Network", int, int], "tuple[np.ndarray, str] | None"]


def make_vectors(graph: Graph, n_vectors: int, seed: int = VECTOR_SEED,
                 inputs: InputSource | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """(input codes (N, *input shape), expected output codes (N, n_out) from the NumPy
    reference, a sentence saying where the inputs come from): `inputs`' codes, else uniform
    random codes over the input range. Deterministic in `seed`."""
    from vhdlgen.network import Network

    network, spec = Network(graph), graph.input
    found = inputs(network, n_vectors, seed) if inputs is not None and n_vectors > 0 else None
    if found is not None:
        codes, source = found
    else:
        rng = np.random.default_rng(seed)
        codes = rng.integers(spec.lo, spec.hi, size=(n_vectors, *spec.shape), endpoint=True,
                             dtype=np.int64)
        source = (f"{n_vectors} vectors of uniform random input codes over {spec.lo} to "
                  f"{spec.hi} (numpy default_rng, seed {seed})")
    expected = network.predict_codes(codes)
    return codes, expected, source


def hex_words(codes: np.ndarray, port: dict) -> str:
    """Codes (N, elements) -> one packed word per line, hex (upper case, zero-padded to
    ceil(width / 4) digits, most significant digit first); report.json's packing."""
    codes = np.asarray(codes, dtype=np.int64).reshape(len(codes), -1)
    if codes.shape[1] != port["elements"]:
        raise ValueError(f"{codes.shape[1]} elements per vector, the port has {port['elements']}")
    digits = (port["width"] + 3) // 4
    return "".join(f"{word:0{digits}X}\n" for word in pack(codes, port["element_width"]))


def clock_context(clock_ns: float) -> dict[str, str]:
    """The testbench's clock: the build's period as text in ns, and in whole ps (CLK_PERIOD)."""
    picoseconds = round(float(clock_ns) * 1000)
    if picoseconds < 2:
        raise UserError(f"clock period {clock_ns!r} ns: the testbench needs at least 0.002 ns")
    return {"clock_ns": repr(float(clock_ns)), "clock_ps": str(picoseconds)}


def _unique(name: str, taken: set[str]) -> str:
    candidate, counter = name, 1
    while candidate.lower() in taken:
        counter += 1
        candidate = f"{name}_{counter}"
    return candidate


def _verilog_name(name: str) -> str:
    return f"\\{name} " if name in VERILOG_KEYWORDS else name


def _vectors(design: HwDesign, n_vectors: int) -> tuple[np.ndarray, np.ndarray, str]:
    """The client part's vectors for its top, else the network's (with the client's inputs)."""
    if design.part is not None:
        return design.part.vectors(n_vectors)
    client = design.options.client
    return make_vectors(design.graph, n_vectors,
                        inputs=client.test_inputs if client is not None else None)


def testbench_files(design: HwDesign) -> dict[str, str]:
    """DIR/tb/ (see the module doc) as {path relative to DIR: text}; nothing with
    `test_vectors` 0. The run scripts start with '#!': the writer makes them executable."""
    n_vectors = design.options.test_vectors
    check_count(n_vectors)
    if n_vectors == 0:
        return {}
    report = design.report.to_json()
    top = report["top"]
    inp, out = report["in_data"], report["out_data"]
    codes, expected, source = _vectors(design, n_vectors)
    taken = {top.lower(), f"{top}_pkg".lower(), *STATIC_UNITS,
             *(unit.entity.lower() for unit in design.units)}
    tb_entity = _unique(f"{top}_tb", taken)
    component_pkg = _unique(f"{top}_component_pkg", taken | {tb_entity.lower()})
    context = dict(info=design.info, top=top, inp=inp, out=out,
                   latency=design.latency_cycles, tb_entity=tb_entity,
                   component_pkg=component_pkg, verilog_top=_verilog_name(top),
                   n_vectors=n_vectors, source=source, input_file=INPUT_FILE,
                   expected_file=EXPECTED_FILE, gap_every=GAP_EVERY, reset_cycles=RESET_CYCLES,
                   tb_file=f"{top}_tb.vhd", run_script=RUN_SCRIPT, xsim_script=XSIM_SCRIPT,
                   questa_script=QUESTA_SCRIPT, rtl_files=list(design.sources),
                   unisim_files=list(design.unisim_sources),
                   **clock_context(design.options.clock_ns),
                   mid_reset_at=n_vectors // 2, mid_reset_cycles=MID_RESET_CYCLES)
    files = {
        f"{top}_tb.vhd": render("testbench.vhd.j2", **context),
        INPUT_FILE: hex_words(codes, inp),
        EXPECTED_FILE: hex_words(expected, out),
        RUN_SCRIPT: render("testbench_run_ghdl.sh.j2", **context),
        XSIM_SCRIPT: render("testbench_run_xsim.sh.j2", **context),
        QUESTA_SCRIPT: render("testbench_run_questa.do.j2", **context),
        f"{top}_component.vhd": render("testbench_component.vhd.j2", **context),
        f"{top}_stub.v": render("testbench_stub.v.j2", **context),
    }
    return {f"{TB_DIR}/{name}": text for name, text in files.items()}
