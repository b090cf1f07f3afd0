"""Resumable training of the teachers (float and quantized), the float and quantized students.

``train(config)`` generates the dataset (deterministic from seed and size), trains with Adam and
writes into ``config.out``:

- ``ckpt/`` the last epoch's weights and optimizer state (TensorFlow checkpoint),
- ``best.weights.h5`` the weights with the lowest validation error so far,
- ``state.json`` epochs done, best validation error, patience counters, history, timings, and
  ``resumed_after``: the epochs after which an interrupted run was continued,
- ``model.h5`` at the end: the bare model (no adaptation layers) with the label scaling folded
  into its last Dense, so it returns [pT in GeV, local eta] directly.

Rerunning the same command continues after the last finished epoch (or only re-exports when the
run was already finished). Training is deterministic from the seed, but a continued run is not
bit-identical to an uninterrupted one: each ``fit`` draws the data order from the seed again, so
the epochs after the restart see another order (measured: a distilled 3-bit student resumed after
epoch 4 matches the uninterrupted run's history to epoch 4, then differs). Early stopping and learning-rate halving watch the validation error
e_S = ||y - y_S||^2 of the model itself (not the hint terms).
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from vhdlgen.errors import UserError
from vhdlgen.train import distill as kd
from vhdlgen.train import labels, pruning
from vhdlgen.train.models import build_student, build_teacher, fold_output_scaling


@dataclass
class TrainConfig:
    """What to train and how. ``kind`` is 'teacher', 'float', 'quantized' (a student, with
    ``bits``) or 'quantized_teacher' (with ``bits``)."""

    kind: str
    out: str
    bits: int | None = None
    distill: bool = False
    teacher_model: str | None = None
    init_from: str | None = None
    events: int = 300_000
    seed: int = 1
    epochs: int = 30
    batch_size: int = 512
    learning_rate: float = 3e-3
    patience: int = 5
    lr_patience: int = 2
    val_fraction: float = 0.1
    gammas: tuple[float, float, float] = kd.DEFAULT_GAMMAS
    sparsity: float = 0.0
    pruning_schedule: str = "constant"
    width: float = 1.0
    verbose: int = 1
    extra: dict = field(default_factory=dict)


class _EpochState:
    """Keras callback: checkpoint every epoch, early stopping and LR halving (resumable)."""

    def __init__(self, cfg: TrainConfig, state: dict) -> None:
        from tensorflow import keras

        class _Cb(keras.callbacks.Callback):
            def on_epoch_end(cb, epoch: int, logs: dict | None = None) -> None:  # noqa: N805
                self.on_epoch_end(cb.model, epoch, logs or {})

        self.cfg, self.state, self.callback = cfg, state, _Cb()
        self.t_epoch = time.perf_counter()

    def on_epoch_end(self, model, epoch: int, logs: dict) -> None:  # noqa: ANN001
        st, cfg = self.state, self.cfg
        now = time.perf_counter()
        st["train_seconds"] += now - self.t_epoch
        self.t_epoch = now
        val = float(logs["val_student_error"])
        lr = float(model.optimizer.learning_rate.numpy())
        st["history"].append({"epoch": epoch + 1, "lr": lr,
                              **{k: float(v) for k, v in logs.items()}})
        ramping = cfg.sparsity > 0 and epoch < pruning.ramp_epochs(cfg.pruning_schedule,
                                                                    cfg.epochs)
        if ramping or val < st["best"]:  # while the sparsity ramps up, the last epoch is best
            st["best"], st["best_epoch"], st["wait"], st["lr_wait"] = val, epoch + 1, 0, 0
            model.save_weights(os.path.join(cfg.out, "best.weights.h5"))
        else:
            st["wait"] += 1
            st["lr_wait"] += 1
            if st["lr_wait"] >= cfg.lr_patience:
                model.optimizer.learning_rate.assign(model.optimizer.learning_rate * 0.5)
                st["lr_wait"] = 0
        st["epoch"] = epoch + 1
        if st["wait"] >= cfg.patience:
            st["stopped_early"] = True
            model.stop_training = True
        model.save_weights(os.path.join(cfg.out, "ckpt", "last"))
        _write_state(cfg.out, st)


def _write_state(out: str, state: dict) -> None:
    tmp = os.path.join(out, "state.json.tmp")
    with open(tmp, "w") as f:
        json.dump(state, f, indent=1)
    os.replace(tmp, os.path.join(out, "state.json"))


def load_keras_model(path: str):  # noqa: ANN201
    """Load a saved .h5 (float Keras or QKeras) model; UserError if it is missing or unreadable
    (the frontend's loader: it also refuses a .keras file at once instead of hanging)."""
    from vhdlgen.frontend.keras_model import load_keras_model as load

    return load(path)


def _build(cfg: TrainConfig):  # noqa: ANN202
    if cfg.kind in ("teacher", "quantized_teacher"):
        model = build_teacher(cfg.bits if cfg.kind == "quantized_teacher" else None)
    else:
        model = build_student(cfg.bits if cfg.kind == "quantized" else None, cfg.width)
    if cfg.init_from:
        init_weights(model, load_keras_model(cfg.init_from))
    return model


def init_weights(model, source) -> None:  # noqa: ANN001
    """Copy the weights of ``source`` (a saved model of the same architecture) layer by layer.

    The saved output layer has the label scaling folded in; it is unfolded here, so training
    continues in scaled units. Used to start low-bit students from a trained higher-bit student:
    a 2-bit student from random initialisation often never leaves its dead start (all 1-filter
    conv activations at 0 or saturated, so the straight-through gradients vanish).
    """
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        try:
            src = source.get_layer(layer.name).get_weights()
        except ValueError as exc:
            raise UserError(f"--init-from model has no layer {layer.name!r}; it must have the "
                            "architecture of the model being trained") from exc
        if [w.shape for w in src] != [w.shape for w in weights]:
            raise UserError(f"--init-from layer {layer.name!r} has weight shapes "
                            f"{[w.shape for w in src]}, expected {[w.shape for w in weights]}")
        if layer.name == "output":
            src = [src[0] / labels.SCALE[None, :], (src[1] - labels.OFFSET) / labels.SCALE]
        layer.set_weights(src)


def _config(cfg: TrainConfig) -> dict:
    """What state.json records and a resumed run must match (the pruning and width keys only
    when not the default, so the runs made before they existed still resume)."""
    skip = ("out", "verbose", "epochs") + (() if cfg.sparsity else ("sparsity", "pruning_schedule"))
    skip += () if cfg.width != 1.0 else ("width",)
    return {k: v for k, v in asdict(cfg).items() if k not in skip}


def train(cfg: TrainConfig) -> str:
    """Train (or continue training) as configured; returns the path of the saved model.h5."""
    import tensorflow as tf
    from tensorflow import keras

    from vhdlgen.data import generate_events

    os.makedirs(os.path.join(cfg.out, "ckpt"), exist_ok=True)
    state_path = os.path.join(cfg.out, "state.json")
    config = _config(cfg)
    state = {"config": config, "epoch": 0, "best": float("inf"), "best_epoch": 0, "wait": 0,
             "lr_wait": 0, "stopped_early": False, "train_seconds": 0.0, "history": []}
    if os.path.isfile(state_path):
        with open(state_path) as f:
            old = json.load(f)
        if json.loads(json.dumps(old["config"])) != json.loads(json.dumps(config)):
            raise UserError(f"{cfg.out!r} holds a run with a different configuration "
                            f"({old['config']}); use another --out or the same options")
        state = old
    tf.keras.utils.set_random_seed(cfg.seed)
    t0 = time.perf_counter()
    ev = generate_events(cfg.events, cfg.seed)
    y, w = labels.targets(ev)
    x = ev["x"]
    model = _build(cfg)
    dims = None
    y_true = np.concatenate([y, w], axis=1)
    if cfg.distill:
        teacher = load_keras_model(cfg.teacher_model or "models/teacher.h5")
        extra, dims = kd.teacher_targets(teacher, x)
        y_true = np.concatenate([y_true, extra], axis=1)
    state["prepare_seconds"] = time.perf_counter() - t0
    n_val = int(len(x) * cfg.val_fraction)
    if cfg.sparsity:
        model = pruning.wrap(model, cfg.sparsity, cfg.pruning_schedule,
                             pruning.steps_per_epoch(len(x) - n_val, cfg.batch_size), cfg.epochs)
    train_model = kd.build_training_model(model, dims)
    train_model.compile(keras.optimizers.Adam(cfg.learning_rate),
                        loss=kd.make_loss(dims, tuple(cfg.gammas)),
                        metrics=[kd.student_error])
    done = state["stopped_early"] or state["epoch"] >= cfg.epochs
    if state["epoch"] > 0 and not done:
        train_model.load_weights(os.path.join(cfg.out, "ckpt", "last")).expect_partial()
        state.setdefault("resumed_after", []).append(state["epoch"])
        print(f"resuming {cfg.out} after epoch {state['epoch']} (weights and optimizer state "
              "restored; the data order restarts from the seed, so the result is a valid "
              "training of this configuration but not bit-identical to an uninterrupted one)")
    if not done:
        cb = _EpochState(cfg, state)
        train_model.fit(x[n_val:], y_true[n_val:], validation_data=(x[:n_val], y_true[:n_val]),
                        batch_size=cfg.batch_size, epochs=cfg.epochs, initial_epoch=state["epoch"],
                        shuffle=True, verbose=cfg.verbose,
                        callbacks=[*(pruning.callbacks() if cfg.sparsity else []), cb.callback])
    train_model.load_weights(os.path.join(cfg.out, "best.weights.h5"))
    if cfg.sparsity:
        model = pruning.strip(model)
        state["sparsity"] = pruning.layer_sparsity(model)
    fold_output_scaling(model, labels.SCALE, labels.OFFSET)
    path = os.path.join(cfg.out, "model.h5")
    model.save(path, include_optimizer=False)
    state["finished"] = True
    _write_state(cfg.out, state)
    print(f"saved {path} (best epoch {state['best_epoch']}, val e_S {state['best']:.5f}, "
          f"{state['train_seconds']:.0f} s of training)")
    return path
