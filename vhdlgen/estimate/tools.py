"""Running the estimate's tools: GHDL (through `vhdlgen.ghdl`) and yosys, each into a log, with
a heartbeat while they run; the yosys script of each flow (`FLOWS`)."""
from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable

from vhdlgen import ghdl
from vhdlgen.errors import UserError

FAMILY = "xcup"  # yosys synth_xilinx family for Virtex/Kintex/Zynq UltraScale+
YOSYS_HINT = "install it (Debian: apt-get install yosys; or run `make build`)"
LOG_TAIL_LINES = 25
HEARTBEAT_S = 30.0

Progress = Callable[[str], None]


def yosys() -> str:
    """Path of the yosys executable; UserError naming the install command when missing."""
    path = shutil.which("yosys")
    if path is None:
        raise UserError(f"yosys not found on PATH; {YOSYS_HINT}")
    return path


def tool_versions() -> dict[str, str]:
    """First line of `ghdl --version` and `yosys -V`."""
    versions = {"ghdl": ghdl.version().splitlines()[0]}
    out = subprocess.run([yosys(), "-V"], capture_output=True, text=True, check=False)
    versions["yosys"] = (out.stdout.strip().splitlines() or ["unknown"])[0]
    return versions


def _tail(log: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(text[-lines:])


def run_tool(cmd: list[str], *, log: Path, cwd: Path, what: str, progress: Progress,
         start: float, stdout: Path | None = None) -> None:
    """Run one tool, its stderr (and stdout unless `stdout` is given) into `log`.

    Prints a heartbeat every HEARTBEAT_S seconds; raises UserError with the log tail on failure.
    """
    with open(log, "w", encoding="utf-8") as log_fh:
        log_fh.write("$ " + " ".join(cmd) + "\n")
        log_fh.flush()
        out_fh = open(stdout, "w", encoding="utf-8") if stdout else log_fh
        try:
            proc = subprocess.Popen(cmd, cwd=cwd, stdout=out_fh, stderr=log_fh,
                                    stdin=subprocess.DEVNULL)
            while True:
                try:
                    code = proc.wait(timeout=HEARTBEAT_S)
                    break
                except subprocess.TimeoutExpired:
                    progress(f"[{time.monotonic() - start:7.1f} s]   ... {what} still running")
                except BaseException:
                    proc.kill()
                    proc.wait()
                    raise
        finally:
            if stdout:
                out_fh.close()
    if code != 0:
        raise UserError(f"{what} failed (exit code {code}); the log is kept in {log}. "
                        f"Last lines:\n{_tail(log)}")


def drop_black_box_modules(verilog: str) -> str:
    """GHDL's Verilog without its empty modules of the UNISIM primitives the RTL instantiates
    (LUT6_2, CARRY8): yosys' read_verilog refuses their parameter without a default, and
    synth_xilinx has the cells."""
    return re.sub(r"module (LUT6_2|CARRY8)\b.*?endmodule\n", "", verilog, flags=re.S)


FLOWS = ("carry", "synth_xilinx")
DEFAULT_FLOW = "carry"
# yosys techmap: every $add/$sub of the RTL becomes its own $alu (one carry chain), so that
# `alumacc` has no adder chain to merge into a multi-operand $macc.
ADD_TO_ALU = """(* techmap_celltype = "$add $sub" *)
module _vhdlgen_add_to_alu (A, B, Y);
  parameter _TECHMAP_CELLTYPE_ = "";
  parameter A_SIGNED = 0;
  parameter B_SIGNED = 0;
  parameter A_WIDTH = 1;
  parameter B_WIDTH = 1;
  parameter Y_WIDTH = 1;
  input [A_WIDTH-1:0] A;
  input [B_WIDTH-1:0] B;
  output [Y_WIDTH-1:0] Y;
  localparam SUB = _TECHMAP_CELLTYPE_ == "$sub";
  wire [Y_WIDTH-1:0] X, CO;
  \\$alu #(.A_SIGNED(A_SIGNED), .B_SIGNED(B_SIGNED), .A_WIDTH(A_WIDTH), .B_WIDTH(B_WIDTH),
          .Y_WIDTH(Y_WIDTH)) _TECHMAP_REPLACE_ (
    .A(A), .B(B), .CI(SUB ? 1'b1 : 1'b0), .BI(SUB ? 1'b1 : 1'b0), .X(X), .Y(Y), .CO(CO));
endmodule
"""


def yosys_script(verilog: Path, top: str, flow: str = DEFAULT_FLOW) -> str:
    """The yosys script of a flow. `synth_xilinx`: the stock script. `carry`: the same script,
    with every RTL adder mapped to its own carry chain before `alumacc` (see the module doc)."""
    synth = f"synth_xilinx -family {FAMILY} -flatten -noiopad -noclkbuf -top {top}"
    if flow == "synth_xilinx":
        steps = [synth]
    else:
        steps = [f"{synth} -run begin:coarse", "techmap -map add_to_alu.v t:$add t:$sub",
                 f"{synth} -run coarse:"]
    return "\n".join([
        f"read_verilog {verilog.name}",
        *steps,
        "tee -q -o stat.json stat -json",
        # keep only the library cells in use (their port directions), drop source attributes
        f"hierarchy -top {top} -purge_lib",
        "setattr -unset src",
        "write_json netlist.json",
        "",
    ])
