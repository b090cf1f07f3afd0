"""The stages of one sweep point, as pure functions of their inputs, each cached under the
sweep folder by a content hash (so a rerun, or a crashed sweep, computes only what is missing):

- ``train``: DIR/train/<point key>/ (key: model config + seed, `grid.Point.key`); the trainer
  itself resumes after its last finished epoch, so a killed training continues;
- ``physics``: DIR/physics/<key>.json, key: the model file's sha256 + evaluation settings + the
  code of the metrics, the reference and this module; computed on the bit-exact reference
  (``vhdlgen.load``) on a held-apart evaluation set (its own seed);
- ``build``: DIR/build/<key>/, key: the model's sha256 + the generator's code, default timing;
- ``estimate``: DIR/estimate/<key>.json, key: the estimate stamp of the build (every RTL file's
  sha256, tools, flow, estimator code; `vhdlgen.estimate.estimate_stamp`);
- ``simulate``: DIR/simulate/<key>.json, key: build key + K + evaluation seed.

A result is written atomically after its stage succeeded; a stage error is re-raised as
``StageError`` naming the stage, which the engine records for the point.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

from vhdlgen import cache
from vhdlgen.train.sweep.grid import Point


class StageError(RuntimeError):
    """A stage of a point failed; the message names the stage and the error."""


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _cached_json(path: Path, make: Callable[[], dict]) -> dict:
    """The JSON at ``path`` (cached=True), else ``make()`` written there atomically."""
    if path.is_file():
        return {**json.loads(path.read_text()), "cached": True}
    start = time.monotonic()
    result = {**make(), "seconds": round(time.monotonic() - start, 2)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(result, indent=1) + "\n")
    os.replace(tmp, path)
    return {**result, "cached": False}


def staged(name: str, fn: Callable[..., dict], *args: object) -> dict:
    """Run one stage; any error becomes a StageError naming the stage (picklable, one line)."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - recorded for the point, never swallowed
        raise StageError(f"{name}: {type(exc).__name__}: {exc}") from None


def train(point: Point) -> dict:
    """Train the point's student (or reuse it): {model, sha256, cached, ...}."""
    from vhdlgen.train.trainer import TrainConfig
    from vhdlgen.train.trainer import train as run

    s = point.settings
    folder = Path(s.out) / "train" / point.key
    model = folder / "model.h5"
    state_path = folder / "state.json"
    cached = model.is_file() and json.loads(state_path.read_text()).get("finished", False) \
        if state_path.is_file() else False
    start = time.monotonic()
    if not cached:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "point.json").write_text(json.dumps(point.train_config(), indent=1) + "\n")
        run(TrainConfig(kind="quantized", out=str(folder), bits=point.bits,
                        distill=point.distill,
                        teacher_model=os.path.abspath(s.teacher_model) if point.distill else None,
                        events=s.events, seed=point.seed, epochs=s.epochs,
                        sparsity=point.sparsity, pruning_schedule=s.pruning_schedule,
                        width=point.width, verbose=0))
    state = json.loads(state_path.read_text())
    recorded = state.get("train_seconds", 0.0) + state.get("prepare_seconds", 0.0)
    return {"model": str(model), "sha256": cache.sha256_file(model), "cached": cached,
            "seconds": round(recorded if cached else time.monotonic() - start, 2),
            "epochs_done": state["epoch"]}


def turn_on_50(pt_true: np.ndarray, pt_pred: np.ndarray, threshold: float) -> float:
    """True pT (GeV) from which the turn-on curve stays at or above 50 %, interpolated linearly
    between the bin centres around the crossing (nan if its last bin is below 50 %)."""
    from vhdlgen.train import metrics as M

    centres, eff, _ = M.turn_on(pt_true, pt_pred, threshold)
    below = np.flatnonzero(eff < 0.5)
    i = int(below[-1]) + 1 if len(below) else 0
    if i == len(eff):
        return float("nan")
    if i == 0:
        return float(centres[0])
    return float(centres[i - 1] + (0.5 - eff[i - 1]) / (eff[i] - eff[i - 1])
                 * (centres[i] - centres[i - 1]))


def physics(point: Point, trained: dict) -> dict:
    """Trigger physics of the bit-exact reference on the held-apart evaluation set."""
    import vhdlgen.layers
    import vhdlgen.reference
    from vhdlgen.train import metrics as M

    s = point.settings
    key = _digest(trained["sha256"], s.eval_events, s.eval_seed, s.threshold, s.plateau,
                  cache.code_digest([M, vhdlgen.reference, vhdlgen.layers,
                                     sys.modules[__name__]]))

    def make() -> dict:
        from vhdlgen.data import generate_events
        from vhdlgen.train.evaluate import reference_predict

        ev = generate_events(s.eval_events, s.eval_seed)
        pred = reference_predict(trained["model"], ev["x"])
        m = M.compute(pred, ev, s.threshold, s.plateau)
        mu = ev["is_muon"].astype(bool)
        return {"plateau_eff": m.plateau_efficiency, "plateau_eff_err": m.plateau_efficiency_err,
                "fake_rate": m.fake_rate, "fake_rate_err": m.fake_rate_err,
                "fake_count": m.fake_count, "n_background": m.n_background,
                "turn_on_50": turn_on_50(ev["pt"][mu], pred[mu, 0], s.threshold),
                "resolution": m.resolution_near_threshold, "bias": m.bias_near_threshold}

    return _cached_json(Path(s.out) / "physics" / f"{key}.json", make)


def _generator_digest() -> str:
    import vhdlgen.frontend
    import vhdlgen.layers
    import vhdlgen.rtl
    import vhdlgen.templates
    import vhdlgen.timing

    return cache.code_digest([vhdlgen.rtl, vhdlgen.timing, vhdlgen.frontend, vhdlgen.layers,
                              vhdlgen.templates])


def build(point: Point, trained: dict) -> dict:
    """Build the RTL at the default options (default timing) into DIR/build/<key>/."""
    key = _digest(trained["sha256"], _generator_digest())
    folder = Path(point.settings.out) / "build" / key
    done = folder / "sweep-build.json"

    def make() -> dict:
        import vhdlgen

        design = vhdlgen.convert(trained["model"])
        report = design.build(folder, force=True)
        return {"build_dir": str(folder), "key": key, "latency_cycles": report.latency_cycles,
                "latency_ns": report.latency_ns, "clock_ns": report.clock_ns,
                "lut_report": report.data.get("lut_estimate"), "adders": report.adders}

    return _cached_json(done, make)


def estimate(point: Point, built: dict) -> dict:
    """yosys resources of the build (default carry flow), cached by the RTL's estimate stamp."""
    from vhdlgen.estimate import estimate as run
    from vhdlgen.estimate import estimate_stamp

    folder = Path(built["build_dir"])
    key = cache.stamp_digest(cache.relative(estimate_stamp(folder), folder))[:16]

    def make() -> dict:
        est = run(folder)
        return {"lut": est["lut"], "ff": est["ff"], "carry": est["carry"], "dsp": est["dsp"],
                "fmax_mhz": est.get("fmax_mhz"), "rtl_stamp": key}

    return _cached_json(Path(point.settings.out) / "estimate" / f"{key}.json", make)


def simulate(point: Point, built: dict) -> dict:
    """K evaluation events through the RTL on GHDL, checked bit-exact against the reference."""
    s = point.settings
    key = _digest(built["key"], s.simulate, s.eval_seed)

    def make() -> dict:
        from vhdlgen.api import SimulationMismatch, mismatch
        from vhdlgen.data import generate_events
        from vhdlgen.sim.verify import simulate as run

        x = generate_events(s.simulate, s.eval_seed)["x"]
        verdict = run(Path(built["build_dir"]), x)
        problem = mismatch(verdict)
        if problem or not np.array_equal(verdict.rtl_codes, verdict.reference_codes):
            raise SimulationMismatch(f"{built['build_dir']}: {problem or 'outputs differ'}")
        return {"sim_events": int(len(x)), "sim_bit_exact": True}

    return _cached_json(Path(s.out) / "simulate" / f"{key}.json", make)
