"""Fixtures of the cocotb benches (rtl_tests/): GHDL required, designs built once per run.

See benchlib.py for the configurations and the on-disk layout shared by pytest-xdist workers.

GHDL backend: these benches run GHDL's mcode backend unless GHDL_BACKEND is set when pytest
starts (e.g. `GHDL_BACKEND=llvm pytest rtl_tests`). The suite compiles a dozen designs with
layer files of up to a few MB and streams a few thousand vectors through each: LLVM code
generation then dominates (about 100 s for wide_conv's 2.3 MB 5x5 layer on a busy 2-core
machine, against under 1 s for mcode), while mcode simulates only ~2x slower. Long runs through
`vhdlgen simulate` keep the runner's llvm default.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from benchlib import Design, file_lock, prepare
from tools import require_tool

# read at import (collection): the user's GHDL_BACKEND, if any (the runner never sets it)
BACKEND = os.environ.get("GHDL_BACKEND") or "mcode"


@pytest.fixture(scope="session", autouse=True)
def require_ghdl() -> str:
    """Every bench here needs GHDL: missing is a loud failure with the install hint."""
    path = require_tool("ghdl")
    if not shutil.which(f"ghdl-{BACKEND}"):
        pytest.fail(f"GHDL backend ghdl-{BACKEND} not installed (apt-get install ghdl "
                    f"ghdl-{BACKEND}); choose another with GHDL_BACKEND=", pytrace=False)
    os.environ["GHDL_BACKEND"] = BACKEND
    return path


@pytest.fixture(scope="session")
def builds_root(tmp_path_factory) -> Path:
    """rtl_builds/ in the base temp folder shared by all xdist workers of this run."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    root = base / "rtl_builds"
    root.mkdir(exist_ok=True)
    return root


@pytest.fixture(scope="session")
def designs(builds_root, require_ghdl):
    """designs(key) -> Design, built/compiled/streamed once per run (across workers)."""
    from vhdlgen.network import Network
    from vhdlgen.rtl.manifest import load_build
    from vhdlgen.sim.runner import StreamResult

    cache: dict[str, Design] = {}

    def get(key: str) -> Design:
        if key not in cache:
            lock_path = builds_root / f"{key}.lock"
            with file_lock(lock_path):
                prepare(key, builds_root)
            report, graph = load_build(builds_root / key)
            vectors = np.load(builds_root / f"{key}.vectors.npz")
            stream = np.load(builds_root / f"{key}.stream.npz")
            bounds = {str(n): (int(a), int(b))
                      for n, (a, b) in zip(vectors["set_names"], vectors["set_bounds"])}
            result = StreamResult(stream["outputs"], stream["out_edges"], stream["sampled"],
                                  float(stream["seconds"]))
            keras = vectors["keras"] if vectors["keras"].size else None
            cache[key] = Design(key, builds_root / key, report, graph, Network(graph),
                                vectors["codes"], bounds, keras, result, lock_path)
        return cache[key]

    return get


