"""`vhdlgen train` and `vhdlgen evaluate` subcommands."""
from __future__ import annotations

import argparse
import os

from vhdlgen.errors import UserError

_Sub = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add_train_parser(subparsers: _Sub) -> None:
    """Register the `train` subcommand."""
    p = subparsers.add_parser(
        "train", help="train the teacher, the float student or a quantized student",
        description="Train on a freshly generated toy dataset (deterministic from --seed and "
                    "--events). --out is resumable: rerunning the same command continues after "
                    "the last finished epoch. The result is OUT/model.h5.")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--teacher", action="store_true",
                      help="the VGG-like teacher (float; quantized with --bits)")
    what.add_argument("--float-student", action="store_true", help="the unquantized student")
    p.add_argument("--bits", type=int,
                   help="quantized QKeras student with 2, 3, 4 or 5 bits; with --teacher the "
                        "quantized teacher ('same' padding, MaxPooling2D, 10,655 parameters)")
    p.add_argument("--distill", action=argparse.BooleanOptionalAction, default=False,
                   help="knowledge distillation from --teacher-model (students only)")
    p.add_argument("--teacher-model", default="models/teacher.h5",
                   help="teacher .h5 for --distill (default models/teacher.h5)")
    p.add_argument("--init-from", default=None, metavar="MODEL.h5",
                   help="start from the weights of a saved model of the same architecture "
                        "(e.g. a 4-bit student for a 2-bit one)")
    p.add_argument("--sparsity", type=float, default=0.0, metavar="S",
                   help="prune the QKeras layers' kernels to this fraction of zeros, 0 <= S < 1 "
                        "(magnitude pruning, tensorflow-model-optimization; default 0: none)")
    p.add_argument("--pruning-schedule", choices=("constant", "polynomial"), default="constant",
                   help="constant: S from the first step; polynomial: from 0 to S over the first "
                        "half of the epochs (default constant)")
    p.add_argument("--width", type=float, default=1.0,
                   help="students: scale every filter count and dense width (default 1)")
    p.add_argument("--events", type=int, default=300_000, help="training events (default 300000)")
    p.add_argument("--seed", type=int, default=1, help="dataset and initialisation seed")
    p.add_argument("--epochs", type=int, default=30, help="maximum epochs (early stopping)")
    p.add_argument("--batch-size", type=int, default=512)
    p.add_argument("--learning-rate", type=float, default=3e-3)
    p.add_argument("--patience", type=int, default=5, help="early-stopping patience (epochs)")
    p.add_argument("--gammas", type=float, nargs=3, default=None, metavar="G",
                   help="hint weights after conv2, conv4, dense2 (default 0.01 0.01 0.01)")
    p.add_argument("--out", required=True, help="run directory (checkpoints, state, model.h5)")
    p.add_argument("--quiet", action="store_true", help="one line per epoch, no progress bar")
    p.set_defaults(func=run_train)


def run_train(args: argparse.Namespace) -> int:
    """Validate the options and train; returns the exit code."""
    from vhdlgen.train.distill import DEFAULT_GAMMAS
    from vhdlgen.train.trainer import TrainConfig, train

    if not (args.teacher or args.float_student or args.bits is not None):
        raise UserError("say what to train; accepted: --bits N (quantized student), --teacher "
                        "(float teacher), --teacher --bits N (quantized teacher) or "
                        "--float-student")
    if args.float_student and args.bits is not None:
        raise UserError("--float-student is unquantized and takes no --bits; accepted: "
                        "--float-student, or --bits N for a quantized student")
    if args.bits is not None and args.bits not in (2, 3, 4, 5):
        raise UserError(f"--bits {args.bits} is not supported; accepted: 2, 3, 4 or 5")
    if args.distill and args.teacher:
        raise UserError("--distill applies to students; accepted: --bits N or --float-student "
                        "(a teacher, float or quantized, is trained without distillation)")
    if args.distill and not os.path.isfile(args.teacher_model):
        raise UserError(f"teacher model {args.teacher_model!r} does not exist; train one with "
                        "`train --teacher --out DIR` and pass --teacher-model DIR/model.h5")
    if args.init_from is not None and not os.path.isfile(args.init_from):
        raise UserError(f"--init-from model {args.init_from!r} does not exist; give a saved .h5")
    if not 0.0 <= args.sparsity < 1.0:
        raise UserError(f"--sparsity {args.sparsity:g} is out of range; accepted: 0 <= S < 1")
    if args.sparsity and args.bits is None:
        raise UserError("--sparsity prunes the QKeras layers; accepted with --bits N (a quantized "
                        "student or, with --teacher, the quantized teacher)")
    if args.width != 1.0 and (args.teacher or not 0 < args.width <= 4):
        raise UserError(f"--width {args.width:g}: accepted 0 < W <= 4, for students only")
    for name in ("events", "epochs", "batch_size", "patience"):
        if getattr(args, name) < 1:
            raise UserError(f"--{name.replace('_', '-')} must be a positive integer")
    if args.events < 100:
        raise UserError(f"--events {args.events} is too small; accepted: at least 100")
    kind = ("quantized_teacher" if args.teacher and args.bits is not None else
            "teacher" if args.teacher else "float" if args.float_student else "quantized")
    cfg = TrainConfig(kind=kind, out=args.out, bits=args.bits, distill=args.distill,
                      teacher_model=args.teacher_model if args.distill else None,
                      init_from=args.init_from, events=args.events, seed=args.seed,
                      epochs=args.epochs,
                      batch_size=args.batch_size, learning_rate=args.learning_rate,
                      patience=args.patience,
                      gammas=tuple(args.gammas) if args.gammas else DEFAULT_GAMMAS,
                      sparsity=args.sparsity, pruning_schedule=args.pruning_schedule,
                      width=args.width,
                      verbose=2 if args.quiet else 1)
    train(cfg)
    return 0


def add_evaluate_parser(subparsers: _Sub) -> None:
    """Register the `evaluate` subcommand."""
    from vhdlgen.chain import FRONT_ENDS

    p = subparsers.add_parser(
        "evaluate", help="physics metrics, turn-on plots and a comparison table",
        description="Evaluate models on a fresh toy sample: efficiency vs true pT at a pT "
                    "threshold, plateau efficiency, fake rate on background, pT resolution near "
                    "threshold. Quantized models are also run through the bit-exact fixed-point "
                    "reference (vhdlgen.load(path).predict).")
    p.add_argument("models", nargs="+", metavar="LABEL=PATH",
                   help="models to compare, e.g. teacher=models/teacher.h5 "
                        "4bit=models/student_4bit.h5")
    p.add_argument("--events", type=int, default=200_000, help="evaluation events (default 200000)")
    p.add_argument("--seed", type=int, default=20261121,
                   help="evaluation seed; never used for training (default 20261121)")
    p.add_argument("--threshold", type=float, default=10.0, help="pT threshold in GeV (default 10)")
    p.add_argument("--plateau", type=float, default=15.0,
                   help="plateau region: true pT >= this (GeV, default 15)")
    p.add_argument("--no-reference", action="store_true",
                   help="skip the bit-exact reference column")
    p.add_argument("--front-end", choices=FRONT_ENDS, default="none",
                   help="rpc: compare the whole Level-0 chain (9x384 strips in, its trigger "
                        "bit) with the 9x16 path of each model, on the same events (default none)")
    p.add_argument("--out", required=True, help="directory for the PNG plots and metrics.md/json")
    p.set_defaults(func=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    """Validate the options and evaluate; returns the exit code."""
    from vhdlgen.train.evaluate import evaluate

    models = []
    for item in args.models:
        label, sep, path = item.partition("=")
        if not sep:
            label, path = os.path.splitext(os.path.basename(item))[0], item
        if not os.path.isfile(path):
            raise UserError(f"model file {path!r} does not exist; give LABEL=PATH of an .h5 model")
        models.append((label, path))
    if args.events < 1000:
        raise UserError(f"--events {args.events} is too small; accepted: at least 1000")
    os.makedirs(args.out, exist_ok=True)
    if args.front_end == "rpc":
        from vhdlgen.train.chain_evaluate import evaluate_chain

        evaluate_chain(models, args.out, args.events, args.seed, args.threshold, args.plateau)
        return 0
    evaluate(models, args.out, events=args.events, seed=args.seed, threshold=args.threshold,
             plateau=args.plateau, reference=not args.no_reference)
    return 0
