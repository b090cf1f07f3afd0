"""`vhdlgen sweep` on Dask: a LocalCluster sweep (physics checked against the reference, RTL
simulated bit-exact), a rerun that computes nothing, `--report` from the store, and a sweep on a
real `dask scheduler` with two `dask worker` processes, one of them killed mid-sweep.

Points are tiny (500 events, 1 epoch, students at 0.5 of their width, no yosys estimate); the
estimate stage is tested on a hand-written register."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tools import require_tool
from vhdlgen.__main__ import main
from vhdlgen.errors import UserError

# one xdist worker runs this file's tests in order: the rerun test follows the first sweep
pytestmark = pytest.mark.xdist_group("sweep")

REPO = Path(__file__).resolve().parents[1]
TINY = ["--events", "500", "--epochs", "1", "--eval-events", "2000", "--width", "0.5",
        "--no-estimate"]


def _rows(folder: Path) -> list[dict]:
    db = sqlite3.connect(folder / "results.sqlite")
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT * FROM points ORDER BY bits, sparsity")]
    finally:
        db.close()


@pytest.fixture(scope="module")
def local(tmp_path_factory) -> Path:
    """3 bits x sparsity {0, 0.5} on a 2-worker LocalCluster, 30 events simulated per point."""
    require_tool("ghdl")
    out = tmp_path_factory.mktemp("sweep") / "local"
    assert main(["sweep", "--bits", "3", "--sparsity", "0", "0.5", *TINY, "--simulate", "30",
                 "--workers", "2", "--out", str(out)]) == 0
    return out


@pytest.mark.sim
def test_local_cluster_sweep(local: Path) -> None:
    """Two rows, done, simulated bit-exact; the plateau efficiency is the reference's, counted
    here directly on the same held-apart events."""
    import vhdlgen
    from vhdlgen.data import generate_events

    rows = _rows(local)
    assert [(r["bits"], r["sparsity"], r["status"]) for r in rows] == [(3, 0.0, "done"),
                                                                      (3, 0.5, "done")]
    ev = generate_events(2000, 20261121)
    for r in rows:
        assert r["sim_events"] == 30 and r["sim_bit_exact"] == 1 and r["latency_cycles"] > 0
        assert r["computed"] == "train,physics,build,simulate" and r["lut"] is None
        pt = vhdlgen.load(r["model"]).predict(ev["x"])[:, 0]
        plateau = ev["is_muon"].astype(bool) & (ev["pt"] >= 15.0)
        assert r["plateau_eff"] == np.mean(pt[plateau] >= 10.0)
        assert r["fake_rate"] == np.mean(pt[~ev["is_muon"].astype(bool)] >= 10.0)
    csv_lines = (local / "results.csv").read_text().splitlines()
    assert len(csv_lines) == 3 and csv_lines[0].startswith("point,bits,sparsity")
    assert (local / "table.md").read_text().count("| 3 | ") == 2
    assert (local / "pareto.png").stat().st_size > 10_000


@pytest.mark.sim
def test_rerun_computes_nothing_and_report_redraws(local: Path) -> None:
    models = {r["point"]: os.stat(r["model"]).st_mtime_ns for r in _rows(local)}
    before = {r["point"]: r for r in _rows(local)}
    assert main(["sweep", "--bits", "3", "--sparsity", "0", "0.5", *TINY, "--simulate", "30",
                 "--workers", "1", "--out", str(local)]) == 0
    for r in _rows(local):
        assert r["computed"] == "" and os.stat(r["model"]).st_mtime_ns == models[r["point"]]
        old = before[r["point"]]
        assert {k: v for k, v in r.items() if k not in ("updated", "seconds")} == \
            {k: v for k, v in old.items() if k not in ("updated", "seconds")} | {"computed": ""}
    table = (local / "table.md").read_text()
    for name in ("table.md", "results.csv", "pareto.png"):
        (local / name).unlink()
    assert main(["sweep", "--report", str(local)]) == 0
    assert (local / "table.md").read_text() == table and (local / "pareto.png").is_file()


def _start(cmd: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # the workers import this checkout's vhdlgen
    with open(log, "wb") as handle:
        return subprocess.Popen(cmd, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=REPO)


def _wait_for(test, what: str, timeout: float = 120.0):  # noqa: ANN001, ANN202
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = test()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def test_external_scheduler_survives_a_killed_worker(tmp_path: Path) -> None:
    """`dask scheduler` + two `dask worker` (no nanny) on 127.0.0.1; a worker busy with a
    point's task is killed; the sweep finishes and every point is in the store exactly once.
    The distilled points fail (a student given as the teacher has no pool1 layer): each is
    recorded with its error, and the others are done (exit code 1: some point failed)."""
    from distributed import Client

    dask = Path(sys.executable).with_name("dask")
    assert dask.is_file(), f"{dask} missing: distributed is a pinned dependency"
    info = tmp_path / "scheduler.json"
    procs = [_start([str(dask), "scheduler", "--host", "127.0.0.1", "--port", "0",
                     "--no-dashboard", "--scheduler-file", str(info)], tmp_path / "sched.log")]
    try:
        _wait_for(info.is_file, "the scheduler file")
        procs += [_start([str(dask), "worker", "--scheduler-file", str(info), "--nthreads", "1",
                          "--no-nanny", "--name", f"w{i}", "--local-directory",
                          str(tmp_path / f"w{i}")], tmp_path / f"w{i}.log") for i in (1, 2)]
        address = json.loads(info.read_text())["address"]
        client = Client(address, timeout="30s")
        _wait_for(lambda: len(client.scheduler_info()["workers"]) == 2, "two workers")
        out = tmp_path / "ext"
        sweep = _start([sys.executable, "-m", "vhdlgen", "sweep", "--bits", "2", "4", *TINY,
                        "--distill", "on", "off", "--teacher-model",
                        str(REPO / "models" / "student_4bit.h5"),
                        "--out", str(out), "--scheduler", address], tmp_path / "sweep.log")
        procs.append(sweep)
        busy = _wait_for(lambda: [w for w, keys in client.processing().items() if keys],
                         "a worker running a task")
        pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
        victim = next(p for p in procs if p.pid == pid)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(10)
        assert sweep.wait(300) == 1, (tmp_path / "sweep.log").read_text()[-3000:]
        client.close()
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(15)
    rows = sorted(_rows(out), key=lambda r: (r["bits"], r["distill"]))
    assert [(r["bits"], r["distill"], r["status"]) for r in rows] == [
        (2, 0, "done"), (2, 1, "failed"), (4, 0, "done"), (4, 1, "failed")]
    assert len({r["point"] for r in rows}) == 4 and victim.returncode == -signal.SIGKILL
    for r in rows:
        assert (r["error"] is None) == (not r["distill"]), r["error"]
        assert r["distill"] == 0 or (r["error"].startswith("train: ") and "pool1" in r["error"])


def test_estimate_stage_is_cached_by_the_rtl(tmp_path: Path) -> None:
    """The estimate stage on a hand-written register (17 flip-flops, no LUT: tests/tools.py):
    computed once, then reused; one edited RTL byte is a new key and a new run."""
    from tools import make_build
    from vhdlgen.train.sweep import tasks
    from vhdlgen.train.sweep.grid import Point, Settings

    require_tool("ghdl")
    require_tool("yosys")
    build = make_build(tmp_path, "register")
    point = Point(2, 0.0, False, 1.0, 1, Settings(out=str(tmp_path / "sweep")))
    first = tasks.estimate(point, {"build_dir": str(build)})
    assert (first["lut"], first["ff"], first["cached"]) == (0, 17, False)
    assert tasks.estimate(point, {"build_dir": str(build)}) == {**first, "cached": True}
    top = build / "rtl" / "tiny_top.vhd"
    top.write_text(top.read_text() + "-- edited\n")
    again = tasks.estimate(point, {"build_dir": str(build)})
    assert not again["cached"] and again["rtl_stamp"] != first["rtl_stamp"]
    assert len(list((tmp_path / "sweep" / "estimate").glob("*.json"))) == 2


def test_width_scales_the_student() -> None:
    """`--width 0.5`: filters 1, 1, 3, 3 (each at least 1) and dense layers of 5: parameters
    10 + 10 + 30 + 84 (convs) + 125 + 30 (dense, 1x8x3 = 24 inputs) + 12 (output) = 301."""
    from vhdlgen.train.models import build_student

    model = build_student(3, 0.5)
    assert model.count_params() == 301 and model.name == "student_3bit_w50"
    assert build_student(3).name == "student_3bit"


def test_grid_from_toml_with_command_line_override(tmp_path: Path) -> None:
    """TOML axes and settings; a command-line value replaces the file's."""
    import argparse

    from vhdlgen.train.sweep import cli, grid

    path = tmp_path / "grid.toml"
    path.write_text('[sweep]\nbits = [2, 5]\nsparsity = [0, 0.5]\ndistill = ["off"]\n'
                    'events = 700\neval-seed = 99\nout = "o"\n')
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers())
    args = parser.parse_args(["sweep", "--grid", str(path), "--bits", "3", "--epochs", "2"])
    toml = grid.read_toml(args.grid)
    settings = cli.settings(args, toml)
    axes = {name: grid.axis(name, getattr(args, name), toml) for name in grid.AXES}
    points = grid.expand(axes, settings)
    assert [(p.bits, p.sparsity, p.distill) for p in points] == [(3, 0.0, False), (3, 0.5, False)]
    assert (settings.events, settings.epochs, settings.eval_seed) == (700, 2, 99)
    assert settings.out == str(Path("o").resolve()) and len({p.key for p in points}) == 2


@pytest.mark.parametrize("argv, match", [
    (["--bits", "6"], "--bits 6"),
    (["--sparsity", "1"], "--sparsity 1"),
    (["--distill", "maybe"], "on/off"),
    (["--seeds", "20261121"], "held apart"),
    (["--distill", "on", "--teacher-model", "missing.h5"], "teacher model"),
    (["--events", "10"], "--events >= 100"),
])
def test_sweep_errors(tmp_path: Path, argv: list[str], match: str) -> None:
    from vhdlgen.__main__ import parser

    args = parser().parse_args(["sweep", *argv, "--out", str(tmp_path / "s")])
    with pytest.raises(UserError, match=match):
        args.func(args)
    assert not (tmp_path / "s").exists()


def test_sweep_needs_out_and_report_needs_a_store(tmp_path: Path) -> None:
    from vhdlgen.__main__ import parser

    for argv, match in ((["sweep"], "--out"), (["sweep", "--report", str(tmp_path)], "no "
                                                                                      "results")):
        args = parser().parse_args(argv)
        with pytest.raises(UserError, match=match):
            args.func(args)


def test_local_cluster_serves_the_dashboard() -> None:
    """bokeh is pinned, so the address the sweep prints serves Dask's dashboard pages."""
    from distributed import Client, LocalCluster

    from vhdlgen.train.sweep.engine import dashboard

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        address = dashboard(client)
    assert address.startswith("http://") and address.endswith("/status"), address


def test_a_requirement_far_above_the_points_leaves_them_the_axis() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vhdlgen.train.sweep.plots import _limit

    fig, (far, near) = plt.subplots(1, 2)
    _limit(far, 1_728_000, [4_000, 40_000], "xcvu13p")
    assert not far.lines and "every point far below" in far.get_title()
    _limit(near, 100_000, [4_000, 40_000], "xcvu13p")
    assert [line.get_ydata()[0] for line in near.lines] == [100_000] and not near.get_title()
    plt.close(fig)
