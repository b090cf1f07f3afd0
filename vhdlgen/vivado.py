"""Vivado handoff: the `DIR/vivado/` folder of a build (design notes section 6).

`write_vivado` renders, from `templates/vivado/*.j2`:

- `constraints.xdc`  `create_clock` on port `clk` at the requested period (ns), zero-delay
  input/output constraints so port paths are timed out of context.
- `build.tcl`        non-project flow: `read_vhdl -vhdl2008` of every source in compile order,
  `synth_design -mode out_of_context` (`-retiming` with `-tclargs retiming`),
  opt/place/phys_opt/route, the post-route reports `vhdlgen timing --vivado-report` reads
  (`post_route_timing_summary.rpt`, `post_route_timing_paths.rpt`,
  `post_route_design_analysis.rpt`), utilization, and `reports/fmax.txt` (fmax_mhz = 1000 /
  (clock_ns - WNS)); exit status 1 with one line when WNS < 0 unless
  `-tclargs continue_on_violation`.
- `package_ip.tcl`   IP-XACT packaging (`ipx::package_project`) into `DIR/vivado_out/ip/`.
- `sources.f`        the file list, one path per line relative to `DIR/vivado/`.

Every path inside the scripts is relative to the script's own folder (`info script`), so the
whole build directory can be moved and `vivado -mode batch -source DIR/vivado/build.tcl` still
works from any working directory. Vivado's products go to `DIR/vivado_out/` (checkpoints,
`reports/`, `ip/`), never into `DIR/vivado/`, which holds generated files only: it is written
atomically (rendered into a temporary sibling folder, then renamed into place) and replaced as a
whole on regeneration.
"""
from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from vhdlgen.errors import UserError
from vhdlgen.templating import render

DEFAULT_PART = "xcvu13p-fhga2104-2L-e"
DEFAULT_CLOCK_NS = 3.125  # 320 MHz

VIVADO_DIR = "vivado"
XDC_NAME = "constraints.xdc"
BUILD_TCL = "build.tcl"
PACKAGE_TCL = "package_ip.tcl"
FILE_LIST = "sources.f"
RTL_REL = "../rtl"  # the rtl folder as seen from DIR/vivado/
OUT_REL = "../vivado_out"  # where Vivado writes checkpoints, reports and the IP (DIR/vivado_out/)

# device-package-speed[-temperature[-revision]], e.g. xcvu13p-fhga2104-2L-e, xc7a35tcpg236-1,
# xczu9eg-ffvb1156-2-e, xcvc1902-vsva2197-2MP-e-S (AMD/Xilinx parts start with xc, xa or xq).
_PART = re.compile(r"^x[caq][a-z0-9]+(-[a-z0-9]+){1,4}$", re.IGNORECASE)
_VHDL_ID = re.compile(r"^[A-Za-z](_?[A-Za-z0-9])*$")
# A source file name that needs no quoting inside a Tcl list or word.
_SAFE_FILE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-/]*\.(vhd|vhdl)$")
_TCL_WORD = re.compile(r"^[A-Za-z0-9_.\-]+$")


def _check_clock(clock_ns: float) -> str:
    """Validate the period (ns); return its shortest exact decimal text."""
    if isinstance(clock_ns, bool) or not isinstance(clock_ns, (int, float)):
        raise UserError(f"clock period {clock_ns!r} is not a number; give the period in ns, "
                        "e.g. 3.125 for 320 MHz")
    value = float(clock_ns)
    if not math.isfinite(value) or value <= 0:
        raise UserError(f"clock period {clock_ns!r} ns is not usable; it must be a finite "
                        "number of ns > 0, e.g. 3.125 for 320 MHz")
    if value < 0.5 or value > 1000:
        raise UserError(f"clock period {value!r} ns is implausible for an FPGA; accepted: "
                        "0.5 to 1000 ns (2 GHz to 1 MHz)")
    return repr(value)


def _check_part(part: str) -> str:
    if not isinstance(part, str) or not _PART.match(part):
        raise UserError(f"part {part!r} does not look like an AMD/Xilinx part name; accepted: "
                        f"device-package-speed[-temperature], e.g. {DEFAULT_PART}")
    return part


def _check_top(top: str) -> str:
    if not isinstance(top, str) or not _VHDL_ID.match(top):
        raise UserError(f"top entity name {top!r} is not a plain VHDL identifier; accepted: a "
                        "letter, then letters, digits and single underscores (no trailing _)")
    return top


def _check_files(rtl_dir: Path, rtl_files: list[str]) -> list[str]:
    if isinstance(rtl_files, str) or not rtl_files:
        raise UserError("no RTL source files given; pass the compile-ordered list of "
                        "DIR/rtl/sources.f (at least one .vhd file)")
    checked: list[str] = []
    for name in rtl_files:
        name = str(name)
        posix = PurePosixPath(name)
        if (not _SAFE_FILE.match(name) or posix.is_absolute() or ".." in posix.parts):
            raise UserError(f"RTL file name {name!r} cannot be used; accepted: a .vhd/.vhdl path "
                            "relative to DIR/rtl made of letters, digits, _ . - and /")
        if not (rtl_dir / posix).is_file():
            raise UserError(f"RTL file {name!r} listed for Vivado does not exist in {rtl_dir}")
        if name in checked:
            raise UserError(f"RTL file {name!r} is listed twice; list each source once")
        checked.append(name)
    return checked


def _header() -> str:
    import vhdlgen
    version = getattr(vhdlgen, "__version__", None)
    tool = f"vhdlgen {version}" if version else "vhdlgen"
    return f"Generated by {tool}. Do not edit: regenerate instead."


def vivado_context(top: str, rtl_files: list[str], clock_ns: float, part: str,
                   *, ip_vendor: str = "user.org", ip_library: str = "vhdlgen",
                   ip_version: str = "1.0", io_delay_ns: float = 0.0) -> dict[str, object]:
    """The render context shared by the Vivado templates (all values already validated text)."""
    clock_text = _check_clock(clock_ns)
    for label, word in (("IP vendor", ip_vendor), ("IP library", ip_library),
                        ("IP version", ip_version)):
        if not isinstance(word, str) or not _TCL_WORD.match(word):
            raise UserError(f"{label} {word!r} cannot be used; accepted: letters, digits, _ . -")
    if not (isinstance(io_delay_ns, (int, float)) and 0 <= io_delay_ns < float(clock_ns)):
        raise UserError(f"I/O delay {io_delay_ns!r} ns is not usable; accepted: 0 <= delay < "
                        "clock period")
    return {
        "header": _header(),
        "top": top,
        "part": part,
        "clock_ns": clock_text,
        "clock_mhz": f"{1000.0 / float(clock_ns):.3f}",
        "clock_hz": str(round(1e9 / float(clock_ns))),
        "io_delay_ns": repr(float(io_delay_ns)),
        "rtl_files": list(rtl_files),
        "rtl_rel": RTL_REL,
        "out_rel": OUT_REL,
        "xdc_name": XDC_NAME,
        "ip_vendor": ip_vendor,
        "ip_library": ip_library,
        "ip_version": ip_version,
        "description": f"{top}: fully parallel pipelined CNN generated by vhdlgen "
                       f"(clock {clock_text} ns on {part})",
    }


def write_vivado(build_dir: Path, top: str, rtl_files: list[str], clock_ns: float, part: str,
                 **options: object) -> list[Path]:
    """Write `build_dir/vivado/` (replacing an older one) and return the files written.

    `rtl_files` are paths relative to `build_dir/rtl` in compile order (as in rtl/sources.f);
    `clock_ns` is the clock period in ns; `part` an AMD/Xilinx part name. Keyword `options`
    (ip_vendor, ip_library, ip_version, io_delay_ns) go to `vivado_context`.
    Raises UserError naming what is wrong and what is accepted.
    """
    build_dir = Path(build_dir)
    if not build_dir.is_dir():
        raise UserError(f"build directory {build_dir} does not exist; generate the RTL first")
    _check_part(part)
    _check_top(top)
    files = _check_files(build_dir / "rtl", rtl_files)
    context = vivado_context(top, files, clock_ns, part, **options)  # type: ignore[arg-type]

    outputs = {
        XDC_NAME: "vivado/constraints.xdc.j2",
        BUILD_TCL: "vivado/build.tcl.j2",
        PACKAGE_TCL: "vivado/package_ip.tcl.j2",
        FILE_LIST: "vivado/sources.f.j2",
    }
    # Render everything first: a template error leaves nothing behind.
    texts = {name: render(template, **context) for name, template in outputs.items()}

    final = build_dir / VIVADO_DIR
    tmp = Path(tempfile.mkdtemp(prefix=".vivado.tmp-", dir=build_dir))
    old: Path | None = None
    try:
        for name, text in texts.items():
            (tmp / name).write_text(text, encoding="utf-8", newline="\n")
        os.chmod(tmp, 0o755)  # mkdtemp makes it 0700
        if final.exists():
            old = Path(tempfile.mkdtemp(prefix=".vivado.old-", dir=build_dir))
            os.replace(final, old / VIVADO_DIR)
        os.replace(tmp, final)
    except BaseException:
        if old is not None and (old / VIVADO_DIR).exists() and not final.exists():
            os.replace(old / VIVADO_DIR, final)  # put the previous folder back
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return [final / name for name in outputs]

