"""Run a sweep's points on Dask distributed (https://distributed.dask.org).

Each point is a chain of tasks (``tasks``): train -> physics and build -> estimate and
simulate. Tasks are keyed by stage and point, so the scheduler runs each once per sweep;
a task on a worker that dies is rescheduled on another (Dask's own retry), and the cached
stages make the retry resume where it stopped. The sweep folder must be visible at the same
path to every worker (one machine, or a shared filesystem).

Without a scheduler address, a LocalCluster sized to the machine (one single-threaded worker
process per core: TensorFlow, GHDL and yosys each use a core) is started and stopped.
"""
from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from vhdlgen.errors import UserError
from vhdlgen.train.sweep import store, tasks
from vhdlgen.train.sweep.grid import Point

STAGES = ("train", "physics", "build", "estimate", "simulate")


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def connect(scheduler: str | None, workers: int | None):  # noqa: ANN201 - (client, cluster)
    """A Dask client to ``scheduler`` or, with None, to a new LocalCluster."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError) as exc:
            raise UserError(f"cannot reach the Dask scheduler {scheduler!r} ({exc}); accepted: "
                            "the address `dask scheduler` prints, e.g. tcp://HOST:8786") from None
    n = workers or max(1, os.cpu_count() or 1)
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                           dashboard_address=":0")
    return Client(cluster), cluster


def dashboard(client) -> str:  # noqa: ANN001
    """The dashboard address, or why there is none."""
    services = client.scheduler_info().get("services", {})
    if "dashboard" not in services:
        return "none (the scheduler serves no dashboard)"
    try:
        import bokeh  # noqa: F401 - the dashboard's pages need it
    except ImportError:
        return (f"{client.dashboard_link} (status pages need bokeh, which vhdlgen does not "
                "install)")
    return client.dashboard_link


def submit(client, point: Point) -> dict:  # noqa: ANN001
    """The futures of one point's stages (only the stages the settings ask for)."""
    k, s = point.key, point.settings
    fut = {"train": client.submit(tasks.staged, "train", tasks.train, point, key=f"train-{k}")}
    fut["physics"] = client.submit(tasks.staged, "physics", tasks.physics, point, fut["train"],
                                   key=f"physics-{k}")
    fut["build"] = client.submit(tasks.staged, "build", tasks.build, point, fut["train"],
                                 key=f"build-{k}")
    if s.estimate:
        fut["estimate"] = client.submit(tasks.staged, "estimate", tasks.estimate, point,
                                        fut["build"], key=f"estimate-{k}")
    if s.simulate:
        fut["simulate"] = client.submit(tasks.staged, "simulate", tasks.simulate, point,
                                        fut["build"], key=f"simulate-{k}")
    return fut


def collect(point: Point, futures: dict) -> dict:
    """The store row of a point whose futures are all finished or failed."""
    row, errors, computed, seconds = point.row(), [], [], 0.0
    for stage in STAGES:
        future = futures.get(stage)
        if future is None:
            continue
        if future.status != "finished":
            exc = future.exception()
            text = str(exc) if isinstance(exc, tasks.StageError) else \
                f"{stage}: {type(exc).__name__}: {exc}"
            if not any(text in e for e in errors):
                errors.append(text)
            continue
        result = future.result()
        seconds += result.get("seconds", 0.0)
        if not result.get("cached"):
            computed.append(stage)
        row.update({k: v for k, v in result.items() if k in store.NAMES and k != "seconds"})
    row.update(status="failed" if errors else "done", error="; ".join(errors) or None,
               computed=",".join(computed), seconds=round(seconds, 2))
    return row


def run(points: list[Point], folder: Path, scheduler: str | None = None,
        workers: int | None = None, every: float = 10.0,
        say: Callable[[str], None] = _say) -> list[dict]:
    """Run every point; record each row as its point finishes; returns the rows."""
    from distributed import wait

    start = time.monotonic()
    db = store.connect(folder)
    client, cluster = connect(scheduler, workers)
    try:
        info = client.scheduler_info()
        say(f"sweep: {len(points)} points on {client.scheduler.address} "
            f"({len(info['workers'])} workers); dashboard: {dashboard(client)}")
        pending = {p.key: (p, submit(client, p)) for p in points}
        rows, failed, shown = [], 0, 0.0
        while pending:
            todo = [f for _, fs in pending.values() for f in fs.values() if not f.done()]
            try:
                wait(todo, timeout=every, return_when="FIRST_COMPLETED")
            except TimeoutError:
                pass
            finished = 0
            for key, (point, fs) in list(pending.items()):
                if all(f.done() for f in fs.values()):
                    row = collect(point, fs)
                    store.record(db, row)
                    rows.append(row)
                    failed += row["status"] == "failed"
                    finished += 1
                    del pending[key]
                    say(f"[{time.monotonic() - start:7.1f} s] {point.label()}: {row['status']}"
                        + (f" ({row['error']})" if row["error"] else
                           f" (computed: {row['computed'] or 'nothing, all cached'})"))
            if finished or time.monotonic() - shown >= every:
                say(progress(client, pending, len(rows) - failed, failed, start))
                shown = time.monotonic()
        return rows
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
        db.close()


def progress(client, pending: dict, done: int, failed: int, start: float) -> str:  # noqa: ANN001
    """One progress line: points done, failed, running (a stage sent to a worker: with a
    single-threaded worker, Dask may queue a second task on it), waiting."""
    try:
        busy = {key for keys in client.processing().values() for key in keys}
    except (OSError, TimeoutError):
        busy = set()
    running = sum(any(f.key in busy for f in fs.values()) for _, fs in pending.values())
    return (f"[{time.monotonic() - start:7.1f} s] points: {done} done, {failed} failed, "
            f"{running} running, {len(pending) - running} waiting")
