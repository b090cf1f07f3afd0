"""Start-up: TensorFlow and QKeras (seconds to import) are imported only where a Keras model is
read. No vhdlgen module imports them, every command's --help runs without them, and building from
the IR, `simulate`, `estimate`, `timing` (with --fit), the build and Vivado report readers and
the Vivado writer run without them. Each check runs in a fresh interpreter (`python -c`), since
this test process has TensorFlow loaded."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tools import require_tool

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("tensorflow", "keras", "qkeras")

REPORT = f"""
import json, sys
print(json.dumps(sorted(name for name in {HEAVY!r} if name in sys.modules)))
"""

EVERY_MODULE = """
import contextlib, importlib, io, pkgutil
import vhdlgen
from vhdlgen.__main__ import main, parser
for module in pkgutil.walk_packages(vhdlgen.__path__, "vhdlgen."):
    importlib.import_module(module.name)
commands = next(a for a in parser()._actions if a.dest == "command").choices
for name in commands:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        main([name, "--help"])
"""

COMMANDS = """
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
import numpy as np
import qmodels
from vhdlgen.__main__ import main
from vhdlgen.api import Design
from vhdlgen.network import Network
from vhdlgen.report import BuildReport
from vhdlgen.rtl.build import BuildOptions
from vhdlgen.rtl.manifest import load_build, read_build
import vhdlgen.vivado

out, x, y = Path({out!r}), {x!r}, {y!r}
Design(Network(qmodels.wide_edges_graph()), BuildOptions(test_vectors=20), "edges").build(out)
np.save(x, np.random.default_rng(5).integers(-1100, 1101, (40, 4)).astype(float))
assert main(["simulate", "--build", str(out), "--input", x, "--output", y]) == 0
assert main(["estimate", "--build", str(out)]) == 0
report, graph = load_build(out)
assert BuildReport.from_json(report).top == "edges" and read_build(out).typed.top == "edges"
from vhdlgen.timing.fit import fit_corners
from vhdlgen.timing.paths import load_calibration
from vhdlgen.timing.vivado_report import read_report
for report_file in sorted(Path({vivado!r}).glob("*.rpt")):
    read_report(report_file)
assert fit_corners(load_calibration())
report_file = Path({vivado!r}) / "rapidwright_microblaze4_report_timing.rpt"
assert main(["timing", "--vivado-report", str(report_file), "--fit", str(out / "fit.json")]) == 0
"""


def heavy_modules(script: str) -> list[str]:
    """The heavy modules loaded after `script` ran in a fresh interpreter (its stdout's last
    line); the script's failure fails the test with its stderr."""
    result = subprocess.run([sys.executable, "-c", script + REPORT], cwd=ROOT, timeout=600,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_module_and_no_help_imports_tensorflow() -> None:
    """Every module of the package (a new one included) and every command's --help."""
    assert heavy_modules(EVERY_MODULE) == []


def test_the_check_sees_tensorflow_where_a_model_is_read() -> None:
    """Not vacuous: reading a Keras model does load them, and the check says so."""
    script = ("from vhdlgen.frontend.keras_model import load_keras_model\n"
              "load_keras_model('models/student_2bit.h5')\n")
    assert heavy_modules(script) == ["keras", "qkeras", "tensorflow"]


@pytest.mark.sim
def test_build_simulate_estimate_and_report_readers_never_import_tensorflow(tmp_path) -> None:
    require_tool("ghdl")
    require_tool("yosys")
    script = COMMANDS.format(tests=str(ROOT / "tests"), out=str(tmp_path / "b"),
                             x=str(tmp_path / "x.npy"), y=str(tmp_path / "y.npy"),
                             vivado=str(ROOT / "tests" / "data" / "vivado"))
    assert heavy_modules(script) == []
    assert (tmp_path / "b" / "estimate.json").is_file() and (tmp_path / "y.npy").is_file()


def test_wall_time_counts_from_process_start() -> None:
    """seconds_since_start counts the interpreter's start and every import: a process that
    sleeps 1.5 s before importing vhdlgen reports at least that, and no more than the parent
    measures around it."""
    script = ("import time; time.sleep(1.5)\n"
              "from vhdlgen.__main__ import seconds_since_start\n"
              "print(seconds_since_start())\n")
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=True)
    outside = time.perf_counter() - start
    inside = float(result.stdout.strip())
    assert 1.5 <= inside <= outside + 0.02, (inside, outside)  # the kernel's 10 ms ticks
