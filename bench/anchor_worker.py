"""Worker of bench/bench_anchors.py: rebuild a vhdlgen network with an anchor generator.

Runs in the anchors' own virtual environment (numpy>=2 plus da4ml or alkaid), never in
vhdlgen's: it imports neither vhdlgen nor TensorFlow. bench_anchors.py exports the network's
integer weights and formats from vhdlgen's IR to a JSON file and test vectors (input codes and
vhdlgen's reference output codes) to an .npz file; this script

1. traces the same integer arithmetic with the anchor's numpy-like symbolic interface
   (per output position a constant-matrix-vector product, optimised by the anchor's CMVM solver;
   bias as a constant add; every requantizer as round-half-to-even + saturate; HWConfig(1, -1,
   -1), so one two-input adder is one unit of latency);
2. pipelines it with the anchor's latency cutoff: da4ml `to_pipeline(comb, cutoff)`, alkaid
   `RTLModel(comb, ..., latency_cutoff=cutoff)` (ternary-adder fusion, then an FSM pipeline);
3. checks the correctness gate: the anchor's own bit-exact software model must give exactly
   vhdlgen's reference output codes on every test vector (numpy.array_equal), for the whole
   trace (C++ interpreter, `CombLogic.predict`) and for the pipelined design that is written out
   (da4ml: every stage's `predict` in turn; alkaid: its cycle-stepped `FSMEmu.predict`);
4. only then writes the anchor's RTL (VHDL by default) and lays it out for the estimate:
   `OUT/rtl/<files>` plus `rtl/sources.f` (compile order) and `OUT/report.json` (top name), the
   layout `vhdlgen.estimate` reads.

It writes `OUT/worker.json` (versions, stages, cycles, gate result, timings) and exits with 3 when
the gate fails (no RTL is written then), 2 on a usage or tool error.

    python anchor_worker.py --tool da4ml --spec net.json --vectors vec.npz --cutoff 3 \\
        --hdl vhdl --out DIR --top student_4bit_da4ml_c3
"""
from __future__ import annotations

import argparse
import importlib.metadata
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

TOOLS = ("da4ml", "alkaid")


# ----------------------------------------------------------------------------- the network
def _windows(x, kh: int, kw: int):
    """im2col of an (H, W, C) symbolic array: (OH*OW, KH*KW*C), rows in (oh, ow) order and
    columns in (i, j, c) order, matching kernel.reshape(KH*KW*C, COUT)."""
    h, w, c = x.shape
    oh, ow = h - kh + 1, w - kw + 1
    rows = [x[r:r + kh, s:s + kw, :].reshape(-1) for r in range(oh) for s in range(ow)]
    return np.stack(rows), (oh, ow)


def _requantize_da4ml(x, layer: dict):
    """vhdlgen's Requantizer with da4ml 0.6 primitives.

    da4ml's quantize rounds only 'TRN' (floor) or 'RND' (half up); vhdlgen rounds half to even.
    With s = in_frac - out_frac > 0 and b the lowest kept bit of floor(x * 2**out_frac):
    round_half_even(x) = floor(x + (2**(s-1) - 1 + b) * 2**-in_frac)   (at step 2**-out_frac)
    then saturate to [lo, hi] codes (max_of / min_of, a ReLU when lo == 0)."""
    in_frac, out_frac = layer["in_frac"], layer["out_frac"]
    lo, hi = layer["lo"] * 2.0 ** -out_frac, layer["hi"] * 2.0 ** -out_frac
    s = in_frac - out_frac
    flat = x.ravel()
    out = []
    for v in flat._vars:
        if s > 0:
            bit = v.quantize(0, 1 - out_frac, out_frac, "WRAP", "TRN")  # {0, 2**-out_frac}
            v = v + bit * 2.0 ** -s + (2 ** (s - 1) - 1) * 2.0 ** -in_frac
            v = v.quantize(1, 64, out_frac, "WRAP", "TRN")  # floor; 64 integer bits: no wrap
        v = v.max_of(lo).min_of(hi)
        out.append(v)
    return type(x)(np.array(out, dtype=object).reshape(x.shape), x.solver_options, hwconf=x.hwconf)


def _requantize_alkaid(x, layer: dict):
    """vhdlgen's Requantizer with alkaid's own convergent rounding ('RND_CONV' = half to even),
    then saturate to [lo, hi] codes."""
    from alkaid.trace import FVArray

    out_frac = layer["out_frac"]
    lo, hi = layer["lo"] * 2.0 ** -out_frac, layer["hi"] * 2.0 ** -out_frac
    if layer["in_frac"] > out_frac:
        x = x.quantize(1, 64, out_frac, "WRAP", "RND_CONV")
    out = [v.max_of(lo).min_of(hi) for v in np.asarray(x).ravel()]
    return FVArray(np.array(out, dtype=object).reshape(x.shape), x.solver_options, hwconf=x.hwconf)


def build_network(x, spec: dict, requantize):
    """Apply the exported layers to the symbolic input `x` (values = codes * 2**-frac)."""
    frac = spec["input"]["frac"]
    for layer in spec["layers"]:
        kind = layer["type"]
        if kind in ("conv2d", "dense"):
            kernel = np.array(layer["kernel"], dtype=np.int64)
            if np.abs(kernel).max(initial=0) >= 2 ** 24:  # the CMVM solver takes float32
                raise SystemExit(f"{layer['name']}: weight codes do not fit float32 exactly")
            wf = layer["weight_frac"]
            weights = kernel.astype(np.float64) * 2.0 ** -wf
            bias = np.array(layer["bias"], dtype=np.float64) * 2.0 ** -(frac + wf)
            if kind == "conv2d":
                kh, kw, cin, cout = kernel.shape
                cols, (oh, ow) = _windows(x, kh, kw)
                x = (cols @ weights.reshape(kh * kw * cin, cout)).reshape(oh, ow, cout) + bias
            else:
                x = x @ weights + bias
            frac += wf
        elif kind == "activation":
            assert layer["in_frac"] == frac, (layer["name"], layer["in_frac"], frac)
            x = requantize(x, layer)
            frac = layer["out_frac"]
        elif kind == "flatten":
            x = x.reshape(-1)
        else:
            raise SystemExit(f"unknown layer type {kind!r}")
    assert frac == spec["output"]["frac"], (frac, spec["output"])
    return x


# ----------------------------------------------------------------------------- per tool
def run_da4ml(spec: dict, x_values: np.ndarray, args) -> tuple[dict, np.ndarray, np.ndarray]:
    from da4ml.codegen import RTLModel
    from da4ml.trace import FixedVariableArray, HWConfig, comb_trace, to_pipeline

    inp = spec["input"]
    step = 2.0 ** -inp["frac"]
    shape = tuple(inp["shape"])
    t = time.perf_counter()
    lo, hi = np.full(shape, inp["lo"] * step), np.full(shape, inp["hi"] * step)
    x = FixedVariableArray.from_lhs(lo, hi, np.full(shape, step), hwconf=HWConfig(1, -1, -1))
    y = build_network(x, spec, _requantize_da4ml)
    comb = comb_trace(x, y)
    t_trace = time.perf_counter() - t
    t = time.perf_counter()
    pipe = to_pipeline(comb, args.cutoff, verbose=False)
    t_pipe = time.perf_counter() - t

    # The gate: the bit-exact C++ interpreter on the whole trace and on the pipelined stages
    # that the RTL is generated from.
    t = time.perf_counter()
    comb_out = comb.predict(x_values, n_threads=1)
    pipe_out = x_values
    for stage in pipe.solutions:
        pipe_out = stage.predict(pipe_out, n_threads=1)
    t_gate = time.perf_counter() - t

    info = {
        "stages": len(pipe.solutions),
        "cycles": len(pipe.solutions) + 1,  # input register + one register after every stage
        "anchor_cost_luts": round(float(pipe.cost), 1),
        "anchor_reg_bits": int(pipe.reg_bits),
        "trace_seconds": round(t_trace, 2),
        "pipeline_seconds": round(t_pipe, 2),
        "adder_latency_max": float(max(comb.out_latency)),
        "_gate_seconds": t_gate,
    }

    def write(prj: Path, top: str) -> None:
        RTLModel(pipe, top, prj, flavor=args.hdl, print_latency=False,
                 clock_period=args.clock_ns).write()

    info["_write"] = write
    return info, comb_out, pipe_out


def run_alkaid(spec: dict, x_values: np.ndarray, args) -> tuple[dict, np.ndarray, np.ndarray]:
    from alkaid.codegen import RTLModel
    from alkaid.stateful.fsm import FSMEmu
    from alkaid.trace import FVArray, HWConfig, trace

    inp = spec["input"]
    step = 2.0 ** -inp["frac"]
    shape = tuple(inp["shape"])
    t = time.perf_counter()
    x = FVArray.from_lhs(np.full(shape, inp["lo"] * step), np.full(shape, inp["hi"] * step),
                         np.full(shape, step), hwconf=HWConfig(1, -1, -1))
    y = build_network(x, spec, _requantize_alkaid)
    comb = trace(x, y)
    t_trace = time.perf_counter() - t
    holder: dict = {}

    def write(prj: Path, top: str) -> None:
        holder["model"].write()
        produced = holder["prj"]
        if produced != prj:
            shutil.move(str(produced), str(prj))

    # RTLModel does alkaid's own lowering (ternary-adder fusion) and pipelining (an FSM with
    # registered input and output); the FSM it will write is what the gate runs.
    t = time.perf_counter()
    prj = args.out / "project"
    if prj.exists():
        shutil.rmtree(prj)
    model = RTLModel(comb, prj, prj_name=args.top, flavor=args.hdl, latency_cutoff=args.cutoff,
                     print_latency=False, clock_period=args.clock_ns)
    t_pipe = time.perf_counter() - t
    holder.update(model=model, prj=prj)

    t = time.perf_counter()
    comb_out = comb.predict(x_values, n_threads=1)
    emu = FSMEmu(model.fsm)
    outs = emu.predict(x_values)
    (name,) = outs
    pipe_out = outs[name][: len(x_values)]
    t_gate = time.perf_counter() - t
    info = {
        "stages": len(model.fsm.logic),
        # clock edges from model_inp to model_out: the output port's schedule offset (input
        # register + a register after every stage, the last one being model_out)
        "cycles": int(max(sig.schedule.bias for sig in model.fsm.out_signals)),
        "anchor_latency": model.latency,
        "anchor_reg_bits": int(model.reg_bits),
        "trace_seconds": round(t_trace, 2),
        "pipeline_seconds": round(t_pipe, 2),
        "_write": write,
        "_gate_seconds": t_gate,
    }
    return info, comb_out, pipe_out


# ----------------------------------------------------------------------------- layout
MARKER = ".anchor-worker"  # written into every --out folder this worker owns


def claim_out_dir(out: Path) -> None:
    """Make `out` this worker's folder, or stop: the worker replaces OUT/rtl, OUT/project and
    its result files, so it only works in a new or empty folder, or one it marked before."""
    ours = (out / MARKER).is_file() or (out / "worker.json").is_file()  # or an older run's
    if out.exists() and any(out.iterdir()) and not ours:
        raise SystemExit(f"{out} holds files this worker did not write (no {MARKER}); give "
                         "--out a new or empty folder, or one an earlier worker run made")
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("made by bench/anchor_worker.py; it replaces rtl/, project/, "
                              "report.json and worker.json here\n")


def layout_rtl(prj: Path, out: Path, top: str, hdl: str) -> list[str]:
    """Copy the generated sources to OUT/rtl in compile order; write sources.f, report.json."""
    suffix = "vhd" if hdl == "vhdl" else "v"
    rtl = out / "rtl"
    if rtl.exists():
        shutil.rmtree(rtl)
    rtl.mkdir(parents=True)
    static = sorted((prj / "src" / "static").glob(f"*.{suffix}"))
    # stage entities (da4ml: <top>_stage<i>, alkaid: logic<i>), in stage order; the top last;
    # the emulator's I/O wrapper (<top>_wrapper) is not part of the design
    skip = {f"{top}.{suffix}", f"{top}_wrapper.{suffix}"}
    parts = [p for p in (prj / "src").glob(f"*.{suffix}") if p.name not in skip]
    stem = lambda p: (p.stem.rstrip("0123456789"),  # noqa: E731
                      int(p.stem[len(p.stem.rstrip("0123456789")):] or -1))
    order = static + sorted(parts, key=stem) + [prj / "src" / f"{top}.{suffix}"]
    for path in order:
        shutil.copy(path, rtl / path.name)
    memfiles = list((prj / "src" / "memfiles").glob("*"))
    if memfiles:
        raise SystemExit(f"{prj}: lookup-table memory files were generated; not expected here")
    (rtl / "sources.f").write_text("".join(p.name + "\n" for p in order))
    (out / "report.json").write_text(json.dumps({"top": top, "generator": "anchor"}) + "\n")
    return [p.name for p in order]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tool", choices=TOOLS, required=True)
    parser.add_argument("--spec", type=Path, required=True)
    parser.add_argument("--vectors", type=Path, required=True)
    parser.add_argument("--cutoff", type=float, required=True, help="latency cutoff per stage")
    parser.add_argument("--hdl", choices=("vhdl", "verilog"), default="vhdl")
    parser.add_argument("--clock-ns", type=float, default=3.125)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--top", required=True)
    args = parser.parse_args(argv)
    claim_out_dir(args.out)

    spec = json.loads(args.spec.read_text())
    vectors = np.load(args.vectors)
    x_codes, y_codes = vectors["x_codes"], vectors["y_codes"]
    x_values = x_codes.reshape(len(x_codes), -1).astype(np.float64) * 2.0 ** -spec["input"]["frac"]
    out_frac = spec["output"]["frac"]

    for stale in ("worker.json", "report.json"):  # a failed gate must not leave old RTL behind
        (args.out / stale).unlink(missing_ok=True)
    if (args.out / "rtl").exists():
        shutil.rmtree(args.out / "rtl")
    t0 = time.perf_counter()
    run = run_da4ml if args.tool == "da4ml" else run_alkaid
    info, comb_out, pipe_out = run(spec, x_values, args)
    write = info.pop("_write")
    t_gate = info.pop("_gate_seconds")

    def codes(values: np.ndarray) -> np.ndarray:
        scaled = np.asarray(values, dtype=np.float64).reshape(len(x_codes), -1) * 2.0 ** out_frac
        if not np.array_equal(scaled, np.round(scaled)):
            return np.full(y_codes.shape, np.iinfo(np.int64).min)  # off the output grid
        return scaled.astype(np.int64)

    gate = {}
    for name, values in (("trace", comb_out), ("pipeline", pipe_out)):
        got = codes(values)
        equal = bool(np.array_equal(got, y_codes))
        gate[name] = {"vectors": int(len(y_codes)), "equal": equal}
        if not equal:
            bad = np.argwhere(np.any(got != y_codes, axis=1)).ravel()
            gate[name].update(mismatching_vectors=int(len(bad)), first_mismatch=int(bad[0]),
                              got=got[bad[0]].tolist(), expected=y_codes[bad[0]].tolist())
    result = {
        "tool": args.tool, "version": importlib.metadata.version(args.tool),
        "numpy": np.__version__, "python": sys.version.split()[0],
        "cutoff": args.cutoff, "hdl": args.hdl, "top": args.top, "gate": gate, **info,
    }
    result["gate_seconds"] = round(t_gate, 2)
    ok = all(g["equal"] for g in gate.values())
    if ok:
        t = time.perf_counter()
        prj = args.out / "project"
        if prj.exists():
            shutil.rmtree(prj)
        write(prj, args.top)
        result["sources"] = layout_rtl(prj, args.out, args.top, args.hdl)
        result["write_seconds"] = round(time.perf_counter() - t, 2)
        # build = trace + CMVM + pipelining + RTL writing (the gate excluded)
        result["build_seconds"] = round(info["trace_seconds"] + info["pipeline_seconds"]
                                        + result["write_seconds"], 2)
    result["total_seconds"] = round(time.perf_counter() - t0, 2)
    (args.out / "worker.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))
    return 0 if ok else 3


if __name__ == "__main__":
    sys.exit(main())
