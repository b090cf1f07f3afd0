"""`evaluate --front-end rpc`: trigger metrics of the whole chain (strips in) next to those of
the 9x16 path (the dataset's own fragmentation, then the bit-exact network) on the same events.

The chain's turn-on uses its trigger bit; the 9x16 path's uses pT >= threshold. Both rows come
from `vhdlgen.train.metrics` (the chain's local eta is its absolute eta less the window edge),
the plots from `vhdlgen.train.plots`, as for the 9x16 evaluate.
"""
from __future__ import annotations

import json
import os

import numpy as np

from vhdlgen.chain.reference import Chain
from vhdlgen.data import generate_events, window_eta_min
from vhdlgen.train import metrics as M


def compare(label: str, path: str, events: dict, threshold: float,
            plateau: float) -> tuple[dict, np.ndarray, np.ndarray]:
    """Metrics of both paths for one model, and whether their trigger decisions agree; with the
    predictions of the 9x16 path (N, 2) and of the chain (N, 4)."""
    import vhdlgen

    network = vhdlgen.load(path)
    nine = network.predict(events["x"])
    out = Chain(network, threshold_gev=threshold).predict(events["image"])
    chain = np.stack([out[:, 0], out[:, 1] - window_eta_min(out[:, 2])], axis=1)
    mu = events["is_muon"]
    _, turn_on_9x16, _ = M.turn_on(events["pt"][mu], nine[mu, 0], threshold)
    _, turn_on_chain, _ = M.turn_on(events["pt"][mu], out[mu, 3], 0.5)  # the trigger bit
    return {
        "label": label,
        "9x16": M.compute(nine, events, threshold, plateau),
        "chain": M.compute(chain, events, threshold, plateau),
        "same_turn_on": bool(np.array_equal(turn_on_9x16, turn_on_chain)),
        "same_fake_count": int(out[~mu, 3].sum()) == int((nine[~mu, 0] >= threshold).sum()),
        "same_decisions": bool(np.array_equal(out[:, 3] == 1, nine[:, 0] >= threshold)),
        "same_pt": bool(np.array_equal(out[:, 0], nine[:, 0])),
    }, nine, out


def evaluate_chain(models: list[tuple[str, str]], out: str, events: int, seed: int,
                   threshold: float, plateau: float) -> list[dict]:
    """Compare the chain with the 9x16 path for every model; write metrics.md, metrics.json and
    the plots of `vhdlgen.train.plots` with a curve per path (the chain's drawn over its 9x16
    curve)."""
    from vhdlgen.train import plots
    from vhdlgen.train.evaluate import markdown_table

    ev = generate_events(events, seed, full_image=True)
    results, curves = [], []
    for label, path in models:
        result, nine, out_chain = compare(label, path, ev, threshold, plateau)
        results.append(result)
        curves += [(label + plots.NINE_SUFFIX, nine), (label + plots.CHAIN_SUFFIX, out_chain)]
    rows = [(f"{r['label']} ({kind})", r[kind], "") for r in results
            for kind in ("9x16", "chain")]
    n_mu = int(ev["is_muon"].sum())
    text = (f"Evaluation sample: {events} events (seed {seed}, full 9x384 images), {n_mu} "
            f"muons, {events - n_mu} background; threshold {threshold:g} GeV. '9x16': the "
            "dataset's fragmentation, then the bit-exact network; 'chain': the strips through "
            "`--front-end rpc` (its trigger bit).\n\n" + markdown_table(rows) + "\n")
    for r in results:
        text += (f"{r['label']}: same pT {r['same_pt']}, same trigger decisions "
                 f"{r['same_decisions']}, same turn-on {r['same_turn_on']}, same fake count "
                 f"{r['same_fake_count']}\n")
    with open(os.path.join(out, "metrics.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump({"events": events, "seed": seed, "models": dict(models), "front_end": "rpc",
                   "results": [{**r, "9x16": r["9x16"].as_dict(), "chain": r["chain"].as_dict()}
                               for r in results]}, f, indent=1)
    drawn = plots.write_all(curves, ev, seed, threshold, plateau, out)
    print(text + f"wrote {out}/metrics.md, metrics.json and the plots {', '.join(drawn)}")
    return results
