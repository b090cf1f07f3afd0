"""Evaluate models on a fresh toy sample: metrics table (markdown + JSON) and PNG plots.

Every model is run in Keras (float, or QKeras quantization-aware). Quantized students are also run
through the bit-exact fixed-point reference, ``vhdlgen.load(path).predict(x)``, which returns the
float value of the exact integer outputs the generated VHDL computes: that is the trigger's real
behaviour, and its row is what the requirements are checked on.
"""
from __future__ import annotations

import json
import os
import sys
import time

import numpy as np

from vhdlgen.errors import UserError
from vhdlgen.train import metrics as M

#: Target plateau efficiency (true pT >= plateau) of the shipped 4-bit student.
PLATEAU_TARGET: float = 0.90


def is_quantized(model) -> bool:  # noqa: ANN001
    """True if the model has QKeras layers (then it has a bit-exact reference)."""
    return any(type(layer).__name__.startswith("Q") for layer in model.layers)


def reference_predict(path: str, x: np.ndarray) -> np.ndarray:
    """Outputs (N, 2) of the bit-exact fixed-point reference of the model saved at ``path``.

    >>> REFERENCE CALL: the public API of vhdlgen (vhdlgen/__init__.py, vhdlgen/reference.py). <<<
    """
    import vhdlgen

    return np.asarray(vhdlgen.load(path).predict(x), dtype=np.float64)


def _predict_all(models: list[tuple[str, str]], x: np.ndarray,
                 reference: bool) -> list[tuple[str, np.ndarray | None, str]]:
    """[(row label, predictions or None, note)] for every model (and reference)."""
    from vhdlgen.train.trainer import load_keras_model

    rows = []
    for label, path in models:
        _progress(f"{label}: Keras predict on {len(x):,} events ({path})")
        model = load_keras_model(path)
        if tuple(model.input_shape[1:]) != x.shape[1:]:
            raise UserError(f"model {path!r} takes inputs {tuple(model.input_shape[1:])}; "
                            f"evaluate runs the toy RPC events {x.shape[1:]} through it")
        rows.append((label, model.predict(x, batch_size=4096, verbose=0).astype(np.float64), ""))
        if reference and is_quantized(model):
            _progress(f"{label}: bit-exact reference")
            try:
                rows.append((f"{label} (bit-exact reference)", reference_predict(path, x), ""))
            except (ImportError, AttributeError, NotImplementedError) as exc:
                rows.append((f"{label} (bit-exact reference)", None,
                             f"reference not available: {type(exc).__name__}: {exc}"))
    return rows


_START = time.monotonic()


def _progress(text: str) -> None:
    """One progress line on stderr with the elapsed time (stdout keeps the table)."""
    print(f"[{time.monotonic() - _START:6.1f} s] {text}", file=sys.stderr, flush=True)


def markdown_table(results: list[tuple[str, M.Metrics | None, str]]) -> str:
    """The comparison table (rates in per cent / per mille, resolution in per cent)."""
    head = ("| model | plateau eff. (pT >= {p:g} GeV) | fake rate (per mille) | "
            "eff. pT < {lo:g} GeV | pT resolution at {t:g}+-{h:g} GeV | pT bias | "
            "eta resolution (1e-3) |\n|---|---|---|---|---|---|---|\n")
    first = next((m for _, m, _ in results if m is not None), None)
    text = head.format(p=first.plateau if first else 15, t=first.threshold if first else 10,
                       h=M.RESOLUTION_HALF_WIDTH_GEV, lo=M.LOW_PT_GEV)
    for label, m, note in results:
        if m is None:
            text += f"| {label} | {note} | | | | | |\n"
            continue
        fake = (f"{1e3 * m.fake_rate:.2f} +- {1e3 * m.fake_rate_err:.2f} "
                f"({m.fake_count}/{m.n_background})" if m.fake_count
                else f"< {1e3 * m.fake_rate_err:.2f} (0/{m.n_background}, 95% CL)")
        text += (f"| {label} | {m.plateau_efficiency:.4f} +- {m.plateau_efficiency_err:.4f} | "
                 f"{fake} | {m.low_pt_efficiency:.3f} | "
                 f"{100 * m.resolution_near_threshold:.1f}% | "
                 f"{100 * m.bias_near_threshold:+.1f}% | "
                 f"{1e3 * m.eta_resolution:.1f} |\n")
    return text


def evaluate(models: list[tuple[str, str]], out: str, events: int = 200_000,
             seed: int = 20261121, threshold: float = 10.0, plateau: float = 15.0,
             reference: bool = True) -> list[tuple[str, M.Metrics | None, str]]:
    """Evaluate ``models`` [(label, .h5 path)]; write metrics.md, metrics.json and plots to out."""
    from vhdlgen.data import generate_events
    from vhdlgen.train import plots

    _progress(f"generating {events:,} toy events (seed {seed})")
    ev = generate_events(events, seed)
    rows = _predict_all(models, ev["x"], reference)
    results = [(label, M.compute(pred, ev, threshold, plateau) if pred is not None else None, note)
               for label, pred, note in rows]
    table = markdown_table(results)
    n_mu = int(ev["is_muon"].sum())
    header = (f"Evaluation sample: {events} events (seed {seed}), {n_mu} muons, "
              f"{events - n_mu} background; threshold {threshold:g} GeV.\n\n")
    with open(os.path.join(out, "metrics.md"), "w") as f:
        f.write(header + table)
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump({"events": events, "seed": seed, "models": dict(models),
                   "results": {label: (m.as_dict() if m else {"note": note})
                               for label, m, note in results}}, f, indent=1)
    curves = [(label, pred) for label, pred, _ in rows if pred is not None]
    drawn = plots.write_all(curves, ev, seed, threshold, plateau, out)
    print(header + table)
    _progress(f"wrote {out}/metrics.md, metrics.json and the plots {', '.join(drawn)}")
    return results
