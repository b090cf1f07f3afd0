"""Knowledge distillation with three hints and the conditional loss.

The training graph is the student plus three small trainable *adaptation* layers (one Dense each)
that map the flattened student features after conv 2, conv 4 and dense 2 (``STUDENT_HINTS``) onto
the teacher features after its first pooling, its second pooling and its dense 2
(``TEACHER_HINTS``). Teacher outputs and features are computed once, before training, and
normalised (each hint divided by its RMS over the training set), so the gammas are comparable.

Per sample, with e_S = ||y - y_S||^2 and e_T = ||y - y_T||^2 (scaled targets, background eta
weight 0) and H_i = mean over the feature elements of (A_i - T_i)^2:

    L = e_S + sum_i gamma_i H_i   if e_T < e_S   (the teacher is better: learn from it)
    L = e_S                       otherwise.

The adaptation layers are not part of the student: the saved model is the bare student.
"""
from __future__ import annotations

import numpy as np

from vhdlgen.train import labels
from vhdlgen.train.models import STUDENT_HINTS, TEACHER_HINTS

#: Default hint weights gamma_1..3 (hints after conv 2, conv 4, dense 2). The student error e_S
#: is ~1e-2 in scaled units; a normalised hint is O(0.1-1), so 0.01 makes hints a comparable term.
DEFAULT_GAMMAS: tuple[float, float, float] = (0.01, 0.01, 0.01)


def teacher_targets(teacher, x: np.ndarray,  # noqa: ANN001
                    batch_size: int = 2048) -> tuple[np.ndarray, list[int]]:
    """Teacher outputs (scaled) and normalised hint features: ((N, 2 + sum dims), dims)."""
    from tensorflow import keras

    feats = [teacher.get_layer(n).output for n in TEACHER_HINTS]
    probe = keras.Model(teacher.input, [teacher.output, *feats])
    outs = probe.predict(x, batch_size=batch_size, verbose=0)
    y_t = labels.to_scaled(outs[0])
    blocks, dims = [y_t], []
    for f in outs[1:]:
        f = f.reshape(f.shape[0], -1).astype(np.float32)
        rms = float(np.sqrt(np.mean(f ** 2))) or 1.0
        blocks.append(f / rms)
        dims.append(f.shape[1])
    return np.concatenate(blocks, axis=1), dims


def build_training_model(student, dims: list[int] | None):  # noqa: ANN001, ANN201
    """Student (+ adaptation layers when ``dims`` is given): output [y_S, A_1, A_2, A_3]."""
    from tensorflow import keras
    from tensorflow.keras import layers as L

    if not dims:
        return student
    outs = [student.output]
    for i, (name, dim) in enumerate(zip(STUDENT_HINTS, dims), 1):
        f = L.Flatten(name=f"adapt{i}_flatten")(student.get_layer(name).output)
        outs.append(L.Dense(dim, name=f"adapt{i}")(f))
    return keras.Model(student.input, L.Concatenate(name="kd_concat")(outs), name="kd_train")


def make_loss(dims: list[int] | None,  # noqa: ANN201
              gammas: tuple[float, float, float] = DEFAULT_GAMMAS):
    """Loss on y_true = [y (2), w (2), y_T (2), T_1..3] and y_pred = [y_S (2), A_1..3].

    Without ``dims`` (no distillation, teacher, float student) y_true = [y, w] and L = e_S.
    """
    import tensorflow as tf

    def loss(y_true, y_pred):  # noqa: ANN001, ANN202
        y, w, y_s = y_true[:, 0:2], y_true[:, 2:4], y_pred[:, 0:2]
        e_s = tf.reduce_sum(w * tf.square(y - y_s), axis=1)
        if not dims:
            return e_s
        e_t = tf.reduce_sum(w * tf.square(y - y_true[:, 4:6]), axis=1)
        hint, t0, a0 = tf.zeros_like(e_s), 6, 2
        for gamma, dim in zip(gammas, dims):
            diff = y_true[:, t0:t0 + dim] - y_pred[:, a0:a0 + dim]
            hint += gamma * tf.reduce_mean(tf.square(diff), axis=1)
            t0, a0 = t0 + dim, a0 + dim
        return e_s + tf.where(e_t < e_s, hint, tf.zeros_like(hint))

    loss.__name__ = "kd_loss" if dims else "mse_loss"
    return loss


def student_error(y_true, y_pred):  # noqa: ANN001, ANN201
    """Metric: e_S = ||y - y_S||^2 alone (what early stopping watches)."""
    import tensorflow as tf

    return tf.reduce_sum(y_true[:, 2:4] * tf.square(y_true[:, 0:2] - y_pred[:, 0:2]), axis=1)
