"""Model cards: ``models/<name>.md`` from a saved model, its run state and evaluation metrics."""
from __future__ import annotations

import json
import os

from vhdlgen.train import labels


def _layer_rows(model) -> list[str]:  # noqa: ANN001
    rows = ["| layer | class | output shape | params | quantizers |", "|---|---|---|---|---|"]
    for layer in model.layers:
        quant = ""
        if hasattr(layer, "get_quantizers"):
            quant = ", ".join(str(q) for q in layer.get_quantizers() if q is not None)
        elif hasattr(layer, "quantizer"):
            quant = str(layer.quantizer)
        elif hasattr(layer, "activation") and type(layer).__name__ in ("Conv2D", "Dense",
                                                                       "Activation"):
            quant = f"float, activation {layer.activation.__name__}"
        shape = layer.output_shape
        shape = shape[0] if isinstance(shape, list) else shape
        shape = tuple(shape[1:])
        rows.append(f"| {layer.name} | {type(layer).__name__} | {shape} | "
                    f"{layer.count_params()} | {quant} |")
    return rows


def _metric_row(label: str, m: dict) -> str:
    if "note" in m:
        return f"| {label} | {m['note']} | | | |"
    fake = 1e3 * m["fake_rate"]
    return (f"| {label} | {m['plateau_efficiency']:.4f} +- {m['plateau_efficiency_err']:.4f} | "
            f"{fake:.2f} ({m['fake_count']}/{m['n_background']}) | "
            f"{m['low_pt_efficiency']:.3f} | {100 * m['resolution_near_threshold']:.1f}% |")


def write_card(path: str, name: str, model_path: str, run_dir: str, command: str,
               metrics_json: str, labels_in_metrics: list[str], summary: str) -> None:
    """Write the markdown card of ``model_path`` (trained in ``run_dir`` by ``command``)."""
    from vhdlgen.train.trainer import load_keras_model

    model = load_keras_model(model_path)
    with open(os.path.join(run_dir, "state.json")) as f:
        state = json.load(f)
    with open(metrics_json) as f:
        ev = json.load(f)
    cfg = state["config"]
    kd = (f"yes, from {cfg['teacher_model']}, hint weights gamma = {cfg['gammas']}"
          if cfg["distill"] else "no")
    if cfg.get("init_from"):
        kd += f"; initial weights from {cfg['init_from']}"
    lines = [
        f"# {name}", "", summary, "",
        f"File: `{os.path.basename(model_path)}` ({os.path.getsize(model_path)} bytes, Keras .h5; "
        "load with `qkeras.utils.load_qmodel`). Parameters: "
        f"{model.count_params():,}.", "",
        "Outputs: `[pT in GeV, local eta]`; local eta is the muon eta relative to the lower edge "
        "of the kept 32-strip window (absolute eta = local eta + "
        "`vhdlgen.data.window_eta_min(window)`). The training label scaling (pT / "
        f"{labels.PT_SCALE_GEV:g} GeV, local eta / {labels.ETA_SCALE:.5f}) is folded into the "
        "last Dense layer.", "",
        "## Architecture", "", *_layer_rows(model), "",
        "## Training", "",
        f"- data: toy RPC generator (`vhdlgen.data`, docs/physics.md), {cfg['events']:,} events, "
        f"seed {cfg['seed']}, 50% muons, {100 * cfg['val_fraction']:.0f}% held out for validation",
        f"- distillation: {kd}",
        f"- Adam, learning rate {cfg['learning_rate']:g} (halved after {cfg['lr_patience']} epochs "
        f"without improvement), batch {cfg['batch_size']}, early stopping patience "
        f"{cfg['patience']}",
        f"- epochs run: {state['epoch']} (best {state['best_epoch']}, validation error "
        f"{state['best']:.5f} in scaled units), training time {state['train_seconds'] / 60:.1f} "
        "min wall on 2 CPU cores (one run at a time, no GPU)",
        f"- run directory of the shipped file: `{run_dir}`", "",
        "Command:", "", "```", command, "```", "",
        "## Measured performance", "",
        f"Fresh sample of {ev['events']:,} events, seed {ev['seed']} (never used in training), "
        f"threshold {next(iter(ev['results'].values())).get('threshold', 10):g} GeV.", "",
        "| evaluated as | plateau efficiency (pT >= 15 GeV) | fake rate (per mille) | "
        "efficiency pT < 6 GeV | pT resolution at 10+-2 GeV |", "|---|---|---|---|---|",
        *[_metric_row(lab, ev["results"][lab]) for lab in labels_in_metrics
          if lab in ev["results"]],
        "",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines))


_KD = "python -m vhdlgen train --bits {b} --distill --teacher-model models/teacher.h5{init} " \
      "--events 300000 --seed 1 --epochs 40 --quiet --out runs/s{b}_kd\n" \
      "cp runs/s{b}_kd/model.h5 models/student_{b}bit.h5"
_INIT2 = " --init-from runs/s4_nokd/model.h5 --learning-rate 1e-3"
#: Shipped models: card name -> (run directory under --runs, command, metric labels, summary).
SHIPPED: dict[str, tuple[str, str, list[str], str]] = {
    "teacher": ("teacher",
                "python -m vhdlgen train --teacher --events 300000 --seed 1 --epochs 30 --quiet "
                "--out runs/teacher\ncp runs/teacher/model.h5 models/teacher.h5",
                ["teacher"],
                "The VGG-like float teacher (10,655 parameters) used to distil the students. "
                "Not meant for the FPGA."),
    "teacher_5bit": ("teacher_5bit",
                     "python -m vhdlgen train --teacher --bits 5 --init-from models/teacher.h5 "
                     "--learning-rate 1e-3 --events 300000 --seed 1 --epochs 8 --quiet "
                     "--out runs/teacher_5bit\n"
                     "# then continued (resumed after epoch 8) up to 20 epochs; early stopping "
                     "ended it after 12\n"
                     "python -m vhdlgen train --teacher --bits 5 --init-from models/teacher.h5 "
                     "--learning-rate 1e-3 --events 300000 --seed 1 --epochs 20 --quiet "
                     "--out runs/teacher_5bit\n"
                     "cp runs/teacher_5bit/model.h5 models/teacher_5bit.h5",
                     ["teacher_5bit", "teacher_5bit (bit-exact reference)", "teacher"],
                     "The teacher's architecture ('same' padding, MaxPooling2D, 10,655 parameters) "
                     "quantized to 5 bits as the students are, trained quantization-aware starting "
                     "from the float teacher's weights (models/teacher.h5). A scaling test of "
                     "vhdlgen (issue #12), not a design that fits the FPGA: its full-width build "
                     "has 669,774 adders and took 783 s; `predict` equals QKeras at every "
                     "quantized layer, and build + simulate equal `predict` on 300 events at "
                     "full width (GHDL's mcode backend; 710 s with the build) and, in the default "
                     "test suite, at 0.1 of its width (docs/benchmarks.md). The `teacher` row is "
                     "the float teacher on the same sample, for comparison."),
    **{f"student_{b}bit": (
        f"s{b}_kd",
        ("# 2-bit starts from the 4-bit baseline (trained first, see models/reproduce.sh)\n"
         if b == 2 else "") + _KD.format(b=b, init=_INIT2 if b == 2 else ""),
        [f"{b}bit_kd", f"{b}bit_kd (bit-exact reference)", f"{b}bit_nokd",
         f"{b}bit_nokd (bit-exact reference)"],
        f"The 1,032-parameter {b}-bit QKeras student (distilled from models/teacher.h5) for the "
        "toy ATLAS L0 muon barrel trigger. The `*_nokd` rows are the same student trained "
        "without distillation (not shipped), for comparison.")
        for b in (2, 3, 4, 5)},
}


def main(argv: list[str] | None = None) -> int:
    """Write models/<name>.md for every shipped model (see models/reproduce.sh)."""
    import argparse

    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument("--runs", required=True, help="directory holding the training runs")
    p.add_argument("--metrics", required=True, help="metrics.json written by `evaluate`")
    p.add_argument("--models", default="models", help="directory of the shipped .h5 files")
    p.add_argument("--only", nargs="+", choices=sorted(SHIPPED), default=None,
                   help="write only these cards (default: every shipped model)")
    args = p.parse_args(argv)
    for name, (run, command, labels_, summary) in SHIPPED.items():
        if args.only and name not in args.only:
            continue
        write_card(os.path.join(args.models, f"{name}.md"), name,
                   os.path.join(args.models, f"{name}.h5"), os.path.join(args.runs, run),
                   command, args.metrics, labels_, summary)
        print(f"wrote {args.models}/{name}.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
