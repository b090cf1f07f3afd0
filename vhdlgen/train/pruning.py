"""Magnitude pruning of the QKeras layers (``train --sparsity S``).

tensorflow-model-optimization's ``prune_low_magnitude`` wraps every QConv2D and QDense (their
``get_prunable_weights`` is the kernel); the smallest-magnitude kernel weights are masked to zero
(Zhu and Gupta, "To prune, or not to prune", arXiv:1710.01878, for the polynomial schedule).
Zero weights cost nothing in vhdlgen's adder graphs. Before saving, the masks are applied once
more and ``strip_pruning`` removes the wrappers: the saved model is a plain QKeras model of the
same architecture and layer names.

Schedules: ``constant`` prunes to S from the first step; ``polynomial`` ramps from 0 to S over
the first half of the epochs (``ramp_epochs``), after which the best epoch is chosen.
"""
from __future__ import annotations

import math

import numpy as np

SCHEDULES: tuple[str, ...] = ("constant", "polynomial")
#: Steps between two updates of the masks.
FREQUENCY: int = 50


def ramp_epochs(schedule: str, epochs: int) -> int:
    """Epochs during which the sparsity is still below its target (0 for ``constant``)."""
    return max(1, epochs // 2) if schedule == "polynomial" else 0


def _schedule(sparsity: float, schedule: str, steps_per_epoch: int, epochs: int):  # noqa: ANN202
    from tensorflow_model_optimization.sparsity import keras as sparsity_keras

    frequency = max(1, min(FREQUENCY, steps_per_epoch))
    if schedule == "constant":
        return sparsity_keras.ConstantSparsity(sparsity, begin_step=0, frequency=frequency)
    last = ramp_epochs(schedule, epochs) * steps_per_epoch - 1
    end = max(frequency, last // frequency * frequency)  # the final sparsity is set on a turn
    return sparsity_keras.PolynomialDecay(0.0, sparsity, begin_step=0, end_step=end,
                                          frequency=frequency)


def is_prunable(layer) -> bool:  # noqa: ANN001
    """True for the QKeras layers with a kernel (QConv2D, QDense)."""
    return type(layer).__name__ in ("QConv2D", "QDense")


def wrap(model, sparsity: float, schedule: str, steps_per_epoch: int,  # noqa: ANN001, ANN201
         epochs: int):
    """The model with every QConv2D/QDense wrapped by ``prune_low_magnitude``; weights shared
    with ``model`` (call after any ``--init-from``)."""
    from tensorflow import keras
    from tensorflow_model_optimization.sparsity import keras as sparsity_keras

    from qkeras.utils import _add_supported_quantized_objects

    plan = _schedule(sparsity, schedule, steps_per_epoch, epochs)
    objects: dict = {}
    _add_supported_quantized_objects(objects)

    def clone(layer):  # noqa: ANN001, ANN202
        fresh = layer.__class__.from_config(layer.get_config())
        return sparsity_keras.prune_low_magnitude(fresh, pruning_schedule=plan) \
            if is_prunable(layer) else fresh

    with keras.utils.custom_object_scope(objects):
        pruned = keras.models.clone_model(model, clone_function=clone)
    for layer in pruned.layers:
        inner = getattr(layer, "layer", layer)
        if inner.weights:
            inner.set_weights(model.get_layer(inner.name).get_weights())
    return pruned


def callbacks() -> list:
    """The callbacks pruning needs during ``fit`` (step counter, masks re-applied per epoch)."""
    from tensorflow_model_optimization.sparsity import keras as sparsity_keras

    return [sparsity_keras.UpdatePruningStep()]


def strip(model):  # noqa: ANN001, ANN201
    """Apply every mask to its kernel, then remove the wrappers (the plain QKeras model)."""
    from tensorflow_model_optimization.sparsity import keras as sparsity_keras

    for layer in model.layers:
        for weight, mask, _ in getattr(layer, "pruning_vars", ()):  # the wrappers only
            weight.assign(weight * mask)
    return sparsity_keras.strip_pruning(model)


def layer_sparsity(model) -> dict[str, float]:  # noqa: ANN001
    """Fraction of exactly-zero kernel weights of every QConv2D/QDense, by layer name."""
    return {layer.name: float(np.mean(layer.get_weights()[0] == 0))
            for layer in model.layers if is_prunable(layer)}


def steps_per_epoch(n_train: int, batch_size: int) -> int:
    """Batches per epoch of ``fit``."""
    return max(1, math.ceil(n_train / batch_size))
