"""How build time, memory, RTL size and simulation speed grow with the model (issue #12).

    python bench/bench_scaling.py                         # widths 0.2 0.4 0.6 1.0, 200 vectors
    python bench/bench_scaling.py --widths 0.2 --vectors 100 --simulate-up-to 0.6

The models: the reference work's VGG-like teacher (Conv 10, Conv 10, MaxPool (1,2), Conv 17 x3,
MaxPool (2,2), Dense 10, Dense 10, Dense 2; 'same' padding) quantized to 5 bits as the students
are (`vhdlgen.train.models.build_teacher(5, width)`, the architecture `train --teacher --bits 5`
trains), with every layer's filter count scaled by a width factor (1.0: the full
10,655-parameter teacher). Weights: the trained float teacher's (models/teacher.h5), the first
channels of each layer (`vhdlgen.train.models.copy_teacher_weights`), quantized by the layer
quantizers. Each width is built in its own process (`--worker`), so its peak memory
(ru_maxrss) is its own: `vhdlgen.convert(model).build(DIR)` (conversion, lowering, rendering,
`ghdl --synth`), then, up to --simulate-up-to, `Design.simulate` on --vectors toy events,
required equal to `Design.predict` (numpy.array_equal). Writes bench/results/scaling.md/.json.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from common import (REPO, BenchFailure, abort, format_machine, machine,  # noqa: E402
                    markdown_table, realistic_inputs, say, write_results)

TEACHER = REPO / "models" / "teacher.h5"
EVENT_SEED = 20261201


def teacher_5bit(width: float, bits: int = 5):
    """The quantized teacher at `width` times the filters, weights from models/teacher.h5."""
    from tensorflow import keras

    from vhdlgen.train.models import build_teacher, copy_teacher_weights

    model = build_teacher(bits, width)
    copy_teacher_weights(model, keras.models.load_model(TEACHER, compile=False))
    return model


def worker(width: float, out_dir: Path, vectors: int, simulate: bool) -> dict:
    """One width: build, measure, optionally simulate; a JSON record on stdout."""
    import numpy as np
    import vhdlgen

    model = teacher_5bit(width)
    started = time.perf_counter()
    design = vhdlgen.convert(model)
    report = design.build(out_dir, force=False)
    seconds = time.perf_counter() - started
    rtl = Path(out_dir) / "rtl"
    files = [rtl / name for name in (rtl / "sources.f").read_text().split()]
    record = {
        "width": width, "parameters": int(model.count_params()),
        "build_seconds": round(seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "adders": report.adders,
        "latency_cycles": report.latency_cycles,
        "rtl_mb": round(sum(f.stat().st_size for f in files) / 1e6, 2),
        "rtl_lines": sum(f.read_text().count("\n") for f in files),
    }
    if simulate:
        x = realistic_inputs(vectors, EVENT_SEED)
        started = time.perf_counter()
        got = design.simulate(x)
        record["simulate_seconds"] = round(time.perf_counter() - started, 1)
        record["vectors"] = vectors
        if not np.array_equal(got, design.predict(x)):
            raise BenchFailure(f"width {width}: RTL != reference")
        record["bit_exact"] = True
    return record


def run(args: argparse.Namespace, info: dict) -> list[dict]:
    """Every width in its own process; the results files are rewritten after each width."""
    records = []
    for width in args.widths:
        out_dir = REPO / "build" / "bench" / "scaling" / f"w{round(width * 100)}"
        say(f"width {width}: building -> {out_dir} (own process)")
        cmd = [sys.executable, __file__, "--worker", str(width), "--out", str(out_dir),
               "--vectors", str(args.vectors)]
        if width <= args.simulate_up_to:
            cmd.append("--simulate")
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            raise BenchFailure(f"width {width} failed:\n{result.stderr[-3000:]}")
        record = json.loads(result.stdout.strip().splitlines()[-1])
        say(f"  {record}")
        records.append(record)
        write_results("scaling", "\n".join([table(records), "", format_machine(info)]),
                      {"machine": info, "records": records})
    return records


def table(records: list[dict]) -> str:
    header = ["width", "parameters", "adders", "cycles", "build s", "peak RSS MB", "RTL MB",
              "RTL lines", "simulation"]
    rows = []
    for r in records:
        sim = (f"{r['vectors']} vectors in {r['simulate_seconds']} s, bit-exact"
               if "simulate_seconds" in r else "not run")
        rows.append([f"{r['width']:g}", f"{r['parameters']:,}", f"{r['adders']:,}",
                     str(r["latency_cycles"]), f"{r['build_seconds']:g}",
                     str(r["peak_rss_mb"]), f"{r['rtl_mb']:g}", f"{r['rtl_lines']:,}", sim])
    return markdown_table(header, rows, "r" * 8 + "l")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=float, nargs="+", default=[0.2, 0.4, 0.6, 1.0])
    parser.add_argument("--vectors", type=int, default=200)
    parser.add_argument("--simulate-up-to", type=float, default=1.0,
                        help="simulate the widths up to this one (default: all)")
    parser.add_argument("--worker", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--simulate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        print(json.dumps(worker(args.worker, args.out, args.vectors, args.simulate)))
        return 0
    info = machine()
    try:
        run(args, info)
    except BenchFailure as failure:
        return abort(failure)
    return 0


if __name__ == "__main__":
    sys.exit(main())
