"""Side by side: vhdlgen and general-purpose generators (da4ml, alkaid) on the same students.

    python bench/bench_anchors.py                   # all students, da4ml + alkaid, cutoffs 3 and 2
    python bench/bench_anchors.py --models models/student_4bit.h5 --cutoffs 3 --anchors-only
    python bench/bench_anchors.py --cached-estimates-only          # never start yosys

The anchors need numpy>=2, which vhdlgen (TensorFlow 2.15) cannot use, so they never become
vhdlgen dependencies: this script makes its own virtual environment (`--venv`, default
build/bench/anchors-venv, reused when it already has the pinned versions; created with
`python3.11 -m venv` and `pip install` of PINS below) and runs bench/anchor_worker.py in it.
An anchor that cannot be installed is reported as not run (output and JSON), never faked.

For every model and every pipelining setting:

- vhdlgen row: `run_design` of bench/common.py, as bench/bench_students.py does (load, build with
  N adder levels per stage, optionally simulate `--vectors` toy events on GHDL with the
  bit-exactness gate), then the cached GHDL + yosys estimate (`vhdlgen.estimate.estimate`);
- anchor rows: the network's exact integer weights, biases and formats are exported from
  vhdlgen's IR (`vhdlgen.network.load(path).graph`) to JSON, with test vectors (uniform random
  valid input codes plus toy-dataset events) and vhdlgen's reference output codes
  (`Network.predict_codes`) to .npz. The worker rebuilds the network with the anchor's own API
  (symbolic fixed-point arrays, CMVM-optimised constant matrix products), pipelines it with the
  anchor's latency cutoff (C adder delays per stage, C = `--cutoffs`), and checks that the
  pipelined design, run through the anchor's bit-exact software model, gives exactly vhdlgen's
  codes on every vector (numpy.array_equal). A mismatch aborts the run (BENCH ABORTED, exit code
  1): the bench never synthesises a different function. Then the anchor's VHDL goes through the
  same `vhdlgen.estimate.estimate` as vhdlgen's own RTL (ghdl --synth, yosys `synth_xilinx
  -family xcup -flatten -noiopad -noclkbuf`, `stat -json`, the same cell and logic-level counts),
  cached like the other benches (bench/common.py estimate_key: RTL, tools, flow, estimator).

Writes bench/results/anchors.md and anchors.json; build folders in build/bench/anchors/.
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from vhdlgen.rtl.build_options import DEFAULT_PART  # noqa: E402
from vhdlgen.rtl.manifest import MANIFEST, manifest_text  # noqa: E402
from common import (REPO, BenchFailure, abort, add_estimate, add_output_options,  # noqa: E402
                    cached_estimate, estimate_notes, fmt, format_machine, heartbeat, machine,
                    markdown_table, realistic_inputs, run_design, say, write_results)

SHIPPED = [REPO / "models" / f"student_{b}bit.h5" for b in (2, 3, 4, 5)]
WORKER = Path(__file__).resolve().parent / "anchor_worker.py"
# Exact versions installed in the anchors' virtual environment (PyPI, 2026-11).
PINS = {"da4ml": "0.6.0", "alkaid": "0.8.2", "numpy": "2.4.6", "quantizers": "1.2.2"}
ANCHORS = ("da4ml", "alkaid")
# Why an anchor has no rows, when it cannot be run (printed under the table and in the JSON).
NOT_RUN: dict[str, str] = {}
DATA_SEED = 20261121  # toy-dataset events, as bench_students.py
RANDOM_VECTORS, EVENT_VECTORS, VECTOR_SEED = 300, 200, 1

HEADER = ["generator", "model", "pipelining", "cycles", "LUT", "FF", "CARRY4",
          "max logic levels (CARRY8)", "critical path ns", "build s"]


# ----------------------------------------------------------------------------- the venv
def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _installed(venv: Path) -> dict[str, str]:
    code = ("import importlib.metadata as m, json; n=%r; v={}\n"
            "for d in n:\n"
            "    try: v[d]=m.version(d)\n"
            "    except m.PackageNotFoundError: pass\n"
            "print(json.dumps(v))" % (list(PINS),))
    out = subprocess.run([str(_venv_python(venv)), "-c", code], capture_output=True, text=True,
                         check=False)
    return json.loads(out.stdout) if out.returncode == 0 else {}


def ensure_venv(venv: Path, anchors: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """The anchors' virtual environment with PINS installed (created or reused).

    Returns (installed versions, {anchor: why it could not be installed})."""
    base = {d: PINS[d] for d in ("numpy", "quantizers")}
    wanted = {**base, **{a: PINS[a] for a in anchors}}
    if _venv_python(venv).exists():
        have = _installed(venv)
        if all(have.get(d) == v for d, v in wanted.items()):
            say(f"anchors venv {venv}: reused ({', '.join(f'{d}=={v}' for d, v in have.items())})")
            return have, {}
    python = shutil.which("python3.11") or sys.executable
    if not _venv_python(venv).exists():
        say(f"anchors venv {venv}: creating with {python} -m venv")
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
    failed: dict[str, str] = {}
    for anchor in anchors:  # one at a time: an anchor that cannot be had must not stop the other
        pins = [f"{d}=={v}" for d, v in {**base, anchor: PINS[anchor]}.items()]
        say(f"anchors venv: pip install {' '.join(pins)}")
        with heartbeat("pip install"):
            done = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", *pins],
                                  capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            failed[anchor] = f"`pip install {' '.join(pins)}` failed: {tail}"
            say(f"{anchor}: NOT AVAILABLE: {failed[anchor]}")
    return _installed(venv), failed


# ----------------------------------------------------------------------------- export
def export_network(model: Path, out_dir: Path) -> tuple[Path, Path, dict]:
    """The IR's integer weights and formats (JSON) and test vectors with vhdlgen's reference
    output codes (.npz) for the worker."""
    import numpy as np

    import vhdlgen
    from vhdlgen.layers.activation import Activation
    from vhdlgen.layers.conv2d import Conv2D
    from vhdlgen.layers.dense import Dense
    from vhdlgen.layers.reshape import Flatten

    network = vhdlgen.network.load(model)
    graph = network.graph
    layers = []
    for layer in graph.layers:
        if isinstance(layer, (Conv2D, Dense)):
            layers.append({"type": "conv2d" if isinstance(layer, Conv2D) else "dense",
                           "name": layer.name, "kernel": layer.kernel.tolist(),
                           "bias": layer.bias.tolist(), "weight_frac": layer.weight_frac})
        elif isinstance(layer, Activation):
            rq = layer.requantizer
            layers.append({"type": "activation", "name": layer.name, "kind": layer.kind,
                           "in_frac": rq.in_frac, "out_frac": rq.out.frac,
                           "out_signed": rq.out.signed, "out_width": rq.out.width,
                           "lo": rq.lo, "hi": rq.hi})
        elif isinstance(layer, Flatten):
            layers.append({"type": "flatten", "name": layer.name})
        else:
            raise BenchFailure(f"{model}: layer {layer.name!r} ({type(layer).__name__}) has no "
                               "export to the anchors")
    spec_in = graph.input
    spec = {"model": model.name,
            "input": {"shape": list(spec_in.shape), "signed": spec_in.fmt.signed,
                      "width": spec_in.fmt.width, "frac": spec_in.fmt.frac,
                      "lo": spec_in.lo, "hi": spec_in.hi},
            "layers": layers,
            "output": {"shape": list(graph.output.shape), "frac": graph.output.fmt.frac}}

    # Uniform random valid codes (every input saturated or not) plus realistic sparse events:
    # the events reach the round-half-to-even ties that dense random inputs mostly saturate away.
    rng = np.random.default_rng(VECTOR_SEED)
    x = rng.integers(spec_in.lo, spec_in.hi + 1, size=(RANDOM_VECTORS, *spec_in.shape))
    events = network.input_codes(realistic_inputs(EVENT_VECTORS, DATA_SEED))
    x = np.concatenate([x, events]).astype(np.int64)
    y = network.predict_codes(x)
    # predict (float in, float out) is predict_codes behind the input quantizer: same answer
    exact = (network.predict(realistic_inputs(EVENT_VECTORS, DATA_SEED))
             * 2.0 ** graph.output.fmt.frac)
    if not np.array_equal(exact, y[RANDOM_VECTORS:]):
        raise BenchFailure(f"{model}: predict and predict_codes disagree")

    out_dir.mkdir(parents=True, exist_ok=True)
    spec_path, vec_path = out_dir / "network.json", out_dir / "vectors.npz"
    spec_path.write_text(json.dumps(spec) + "\n")
    np.savez(vec_path, x_codes=x, y_codes=y)
    return spec_path, vec_path, {"model_sha256": graph.source_hash, "vectors": int(len(x)),
                                 "random_vectors": RANDOM_VECTORS, "event_vectors": EVENT_VECTORS}


# ----------------------------------------------------------------------------- one anchor
def write_manifest(out_dir: Path, top: str, sources: list[str], cycles: int, clock_ns: float,
                   generator: str) -> None:
    """A build manifest without a network for the anchor's RTL (docs/vivado.md: RTL vhdlgen did
    not generate), so that `vhdlgen.estimate` and the Vivado writer read it like a build."""
    report = {"top": top, "sources": sources, "latency_cycles": cycles, "clock_ns": clock_ns,
              "part": DEFAULT_PART, "generator": generator}
    files = ["rtl/sources.f", *(f"rtl/{name}" for name in sources)]
    (out_dir / MANIFEST).write_text(manifest_text(top, files, ["rtl"], True, report))


def run_anchor(tool: str, model: Path, cutoff: int, spec: Path, vectors: Path, out_dir: Path,
               venv: Path, clock_ns: float) -> dict:
    """Worker: rebuild, pipeline, gate, write RTL. Raises BenchFailure on a gate mismatch."""
    top = f"{model.stem}_{tool}_c{cutoff}"
    label = f"{model.stem} {tool} c{cutoff}"
    cmd = [str(_venv_python(venv)), str(WORKER), "--tool", tool, "--spec", str(spec),
           "--vectors", str(vectors), "--cutoff", str(cutoff), "--hdl", "vhdl",
           "--clock-ns", str(clock_ns), "--out", str(out_dir), "--top", top]
    say(f"{label}: {tool} trace + CMVM + pipeline (latency cutoff {cutoff}) + gate + RTL")
    with heartbeat(f"{label} worker"):
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    result_path = out_dir / "worker.json"
    if done.returncode not in (0, 3) or not result_path.is_file():
        raise BenchFailure(f"{label}: worker failed (exit code {done.returncode}):\n"
                           f"{done.stderr[-3000:]}")
    result = json.loads(result_path.read_text())
    gate = result["gate"]
    for name, g in gate.items():
        if not g["equal"]:
            raise BenchFailure(
                f"{label}: the {tool} design ({name}) does NOT compute vhdlgen's function: "
                f"{g['mismatching_vectors']} of {g['vectors']} vectors differ, first vector "
                f"{g['first_mismatch']}: got {g['got']}, vhdlgen reference {g['expected']}. "
                f"Not benchmarked. Spec {spec}, vectors {vectors}, worker output {out_dir}")
    write_manifest(out_dir, top, result["sources"], result["cycles"], clock_ns,
                   f"{tool} {result['version']}")
    say(f"{label}: gate passed: {tool}'s bit-exact software model == vhdlgen reference on "
        f"{gate['pipeline']['vectors']} vectors (whole trace and the {result['stages']} "
        f"pipeline stages); {result['cycles']} cycles, built in {result['build_seconds']} s")
    return {"generator": f"{tool} {result['version']}", "tool": tool, "label": label,
            "model": str(model), "pipelining": f"latency cutoff {cutoff}", "cutoff": cutoff,
            "build_dir": str(out_dir), "latency_cycles": result["cycles"],
            "stages": result["stages"], "build_seconds": result["build_seconds"],
            "worker": result}


# ----------------------------------------------------------------------------- estimates
def _estimate_details(record: dict) -> None:
    """Flow and `critical_path_ns` of the estimate just added to `record`, read back through
    common.cached_estimate (whatever its cache layout); the critical path only when this
    version of vhdlgen.estimate provides it."""
    est, _ = cached_estimate(Path(record["build_dir"]), lambda line: None, True, True,
                             **_flow_kwargs(cached_estimate, record.get("requested_flow")))
    if est is None:
        return
    record["estimate_flow"] = est.get("flow") or "synth_xilinx"  # older estimates: stock script
    value = record.get("critical_path_ns", est.get("critical_path_ns"))
    if value is None:
        import vhdlgen.estimate as estimate_module

        func = getattr(estimate_module, "critical_path_ns", None)
        if callable(func):
            for arg in (est, est.get("logic_path")):
                try:
                    value = func(arg)
                    break
                except Exception:  # noqa: BLE001 - an unknown signature: leave the column empty
                    value = None
    if isinstance(value, dict):  # e.g. {"ns": ..., ...}
        value = value.get("ns", value.get("critical_path_ns"))
    if isinstance(value, (int, float)):
        record["critical_path_ns"] = float(value)
        if est.get("fmax_mhz") is not None:
            record["fmax_mhz"] = est["fmax_mhz"]
    else:
        record.pop("critical_path_ns", None)


def _flow_kwargs(func, flow: str | None) -> dict:
    """{"flow": flow} when `func` (bench/common.py) takes a yosys flow, else {}."""
    return {"flow": flow} if flow and "flow" in inspect.signature(func).parameters else {}


def estimate_record(record: dict, args: argparse.Namespace) -> None:
    record["requested_flow"] = args.flow
    add_estimate(record, Path(record["build_dir"]), record["label"], not args.no_cache,
                 args.cached_estimates_only, **_flow_kwargs(add_estimate, args.flow))
    # common.add_estimate keeps a non-default flow's figures under record["estimates"][flow]
    by_flow = record.get("estimates", {})
    if args.flow in by_flow:
        record.update(by_flow[args.flow])
    if not record.get("estimate_missing"):
        _estimate_details(record)


# ----------------------------------------------------------------------------- output
DEFAULT_ROW = 99  # the `cutoff` of vhdlgen's default-build row (sorted first)


def _ratio(ours: dict, theirs: dict, key: str) -> str:
    if ours.get(key) is None or theirs.get(key) is None:
        return "-"
    return f"{ours[key] / theirs[key]:.2f}"


def ratio_table(records: list[dict]) -> list[str]:
    """vhdlgen's default build over each anchor row of the same model, per LUT, FF and cycles
    (the same estimate flow); the table's lines, empty without both sides."""
    rows = []
    for ours in records:
        if not ours["generator"].startswith("vhdlgen") or ours["cutoff"] != DEFAULT_ROW:
            continue
        for theirs in records:
            if theirs["model"] != ours["model"] or theirs["generator"].startswith("vhdlgen"):
                continue
            rows.append([Path(ours["model"]).stem, f"{theirs['generator']}, {theirs['pipelining']}",
                         _ratio(ours, theirs, "lut"), _ratio(ours, theirs, "ff"),
                         _ratio(ours, theirs, "latency_cycles")])
    if not rows:
        return []
    header = ["model", "against", "LUT ratio", "FF ratio", "cycles ratio"]
    return ["vhdlgen's default build / the anchor (below 1: vhdlgen smaller or shorter):", "",
            markdown_table(header, rows, align="llrrr"), ""]


def _row(r: dict) -> list[str]:
    levels = "-"
    if r.get("max_logic_levels") is not None:
        levels = f"{r['max_logic_levels']} ({r['max_logic_levels_carry8']})"
    return [r["generator"], Path(r["model"]).stem, r["pipelining"], fmt(r["latency_cycles"]),
            fmt(r.get("lut")), fmt(r.get("ff")), fmt(r.get("carry")), levels,
            fmt(r.get("critical_path_ns"), 2), fmt(float(r["build_seconds"]), 1)]


def render(records: list[dict], info: dict, args: argparse.Namespace, command: str,
           versions: dict, not_run: dict) -> str:
    order = {"vhdlgen": 0, "da4ml": 1, "alkaid": 2}
    rows = sorted(records, key=lambda r: (Path(r["model"]).stem,
                                          order.get(r["generator"].split()[0], 9), -r["cutoff"]))
    table = markdown_table(HEADER, [_row(r) for r in rows], align="lllrrrrrrr")
    ratios = ratio_table(records)
    pins = ", ".join(f"{d} {v}" for d, v in versions.items())
    used = sorted({r["estimate_flow"] for r in records if r.get("estimate_flow")})
    if not used:  # nothing estimated: name the flow that was asked for
        import vhdlgen.estimate as estimate_module

        used = [args.flow or getattr(estimate_module, "DEFAULT_FLOW", "synth_xilinx")]
    stock = "`synth_xilinx -family xcup -flatten -noiopad -noclkbuf`"
    described = {"synth_xilinx": f"'synth_xilinx' (the stock {stock})",
                 "carry": f"'carry' ({stock} with every RTL $add/$sub techmapped to its own "
                          "$alu, one carry chain per adder, before alumacc)"}
    flows = " / ".join(described.get(f, f"'{f}'") for f in used)
    notes = [
        f"Measured by `{command}`. Anchors run in their own venv ({pins}; Python "
        f"{next((r['worker']['python'] for r in records if 'worker' in r), '?')}), never "
        "imported by vhdlgen.",
        "Every anchor design was rebuilt from vhdlgen's integer weights and formats and, before "
        "synthesis, checked through the anchor's own bit-exact software model against vhdlgen's "
        "reference codes (numpy.array_equal, all equal) on "
        f"{RANDOM_VECTORS} uniform random valid inputs + {EVENT_VECTORS} toy-dataset events "
        f"(seed {DATA_SEED}) per model and setting: the whole trace in the anchor's C++ "
        "interpreter (CombLogic.predict), and the pipelined design that was written out, stage "
        "after stage (da4ml) or cycle by cycle in alkaid's FSM emulator (FSMEmu.predict).",
        "Requantizers (round half to even, saturate): alkaid has it built in (quantize "
        "'RND_CONV', then max_of/min_of); da4ml 0.6 rounds only to floor or half-up, so its "
        "requantizer is floor(x + half - 1 ulp + lowest kept bit), then max_of/min_of, all "
        "da4ml operations. Both traced with HWConfig(1, -1, -1) (one adder = one latency unit).",
        "cycles: clock edges from the input port to the output port (vhdlgen: latency_cycles, "
        "confirmed in simulation; da4ml and alkaid: pipeline stages + 1, as their tops register "
        "the input and every stage output; alkaid's own `latency` and da4ml's emulator count "
        "one less). Pipelining: vhdlgen N adder levels per stage; anchors: latency cutoff C in "
        "adder-delay units (one two-input adder = 1), so C = N is the like-for-like setting; "
        "alkaid's RTLModel then fuses single-use adder pairs into ternary adders, keeping the "
        "schedule.",
        "LUT/FF/CARRY4/logic levels: vhdlgen.estimate for every row (ghdl --synth of the VHDL, "
        f"then yosys, flow {flows}; a proxy, not Vivado); bracketed levels count CARRY4 pairs "
        "as one CARRY8. vhdlgen's top also has in_valid/out_valid and a reset (a 1-bit valid "
        "pipeline); the anchors' have neither.",
        "build s: vhdlgen `build` (lowering, rendering, ghdl --synth gate); anchors: trace + "
        "CMVM optimisation + pipelining + RTL writing in the worker (not the gate, not the venv "
        "start-up). Machine-dependent, and the machine was shared.",
    ]
    vrows = [r for r in records if r["generator"].startswith("vhdlgen")]
    if vrows:
        sim = (f"simulated on {vrows[0]['sim_vectors']} toy-dataset events (cocotb + GHDL): "
               "RTL == reference bit for bit, latency == report" if "sim_vectors" in vrows[0]
               else "not simulated here (--vectors 0)")
        notes.append(f"vhdlgen rows: bench/common.py run_design, as bench_students.py; {sim}.")
    if any("critical_path_ns" in r for r in records):
        notes.append("critical path ns: vhdlgen.estimate's modelled UltraScale+ -2 critical "
                     "path (vhdlgen.timing; a model, not Vivado).")
    no_cp = [r["label"] for r in records if r.get("lut") is not None
             and "critical_path_ns" not in r]
    if no_cp:
        notes.append("critical path ns: not in the estimate (made by a vhdlgen.estimate "
                     f"without critical_path_ns; rerun with --no-cache) for: {', '.join(no_cp)}.")
    for tool, why in not_run.items():
        notes.append(f"{tool}: not run. {why}")
    notes += estimate_notes(records)
    return "\n".join([table, "", *ratios, *[f"- {n}" for n in notes], "",
                      format_machine(info)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", type=Path, default=None,
                        help="models (default: the shipped models/student_{2,3,4,5}bit.h5)")
    parser.add_argument("--anchors", nargs="+", choices=ANCHORS, default=list(ANCHORS),
                        help="anchor generators (default: da4ml alkaid)")
    parser.add_argument("--cutoffs", nargs="+", type=int, default=[3, 2],
                        help="anchor latency cutoffs = vhdlgen adder levels per stage "
                             "(default 3 2)")
    parser.add_argument("--anchors-only", action="store_true",
                        help="no vhdlgen rows (no vhdlgen build or yosys run)")
    parser.add_argument("--vectors", type=int, default=500,
                        help="toy events simulated on GHDL per vhdlgen build (default 500, "
                             "0 = skip; the anchors are gated by their software model)")
    parser.add_argument("--skip-estimate", action="store_true", help="no GHDL + yosys at all")
    parser.add_argument("--venv", type=Path, default=REPO / "build" / "bench" / "anchors-venv",
                        help="the anchors' virtual environment (created when missing)")
    parser.add_argument("--clock-ns", type=float, default=None, help="default: vhdlgen's 3.125")
    import vhdlgen.estimate as estimate_module

    flows = getattr(estimate_module, "FLOWS", None)
    parser.add_argument("--flow", choices=flows, default=None,
                        help="yosys flow of vhdlgen.estimate for every row (default: its default"
                             + (f", {estimate_module.DEFAULT_FLOW})" if flows else ")"))
    add_output_options(parser, REPO / "build" / "bench" / "anchors", "anchors")
    args = parser.parse_args(argv)
    args.build_root = args.build_root.resolve()
    args.venv = args.venv.resolve()

    from vhdlgen.rtl.build import DEFAULT_CLOCK_NS

    args.clock_ns = args.clock_ns or DEFAULT_CLOCK_NS
    command = "python bench/bench_anchors.py" + (" " + " ".join(argv if argv is not None
                                                               else sys.argv[1:])).rstrip()
    models = [m if m.is_absolute() else (Path.cwd() / m) for m in (args.models or SHIPPED)]
    for model in models:
        if not model.exists():
            parser.error(f"model not found: {model}")

    info = machine()
    say(format_machine(info).replace("\n", " "))
    not_run = {a: NOT_RUN[a] for a in args.anchors if a in NOT_RUN}
    anchors = [a for a in args.anchors if a not in NOT_RUN]
    for tool, why in not_run.items():
        say(f"{tool}: NOT RUN: {why}")

    records: list[dict] = []
    started = time.monotonic()
    versions: dict = {}
    try:
        if anchors:
            versions, failed = ensure_venv(args.venv, anchors)
            not_run.update(failed)
            anchors = [a for a in anchors if a not in failed]
            say("anchor versions: " + ", ".join(f"{d}=={v}" for d, v in versions.items()))
        # Build and gate everything first (a mismatch stops the run before any yosys job),
        # then estimate one design after the other.
        for model in models:
            if not args.anchors_only:
                from vhdlgen import __version__

                x = realistic_inputs(args.vectors, DATA_SEED) if args.vectors else None
                record = run_design(model, args.build_root / model.stem / "vhdlgen_default",
                                    clock_ns=args.clock_ns, levels=None, x=x, estimate=False,
                                    label=f"{model.stem} vhdlgen default")
                record.update(generator=f"vhdlgen {__version__}", cutoff=DEFAULT_ROW,
                              pipelining="default build (signoff corner)")
                records.append(record)
                for levels in args.cutoffs:
                    tag = f"{model.stem} vhdlgen N={levels}"
                    record = run_design(model, args.build_root / model.stem / f"vhdlgen_n{levels}",
                                        clock_ns=args.clock_ns, levels=levels, x=x,
                                        estimate=False, label=tag)
                    record.update(generator=f"vhdlgen {__version__}",
                                  pipelining=f"{levels} adder levels/stage", cutoff=levels)
                    records.append(record)
            if anchors:
                spec, vectors, meta = export_network(model, args.build_root / model.stem)
                for tool in anchors:
                    for cutoff in args.cutoffs:
                        record = run_anchor(tool, model, cutoff, spec, vectors,
                                            args.build_root / model.stem / f"{tool}_c{cutoff}",
                                            args.venv, args.clock_ns)
                        record.update(meta)
                        records.append(record)
        if not args.skip_estimate:
            for record in records:
                estimate_record(record, args)
    except BenchFailure as failure:
        return abort(failure)

    markdown = render(records, info, args, command, versions, not_run)
    data = {"command": command, "machine": info, "clock_ns": args.clock_ns,
            "anchor_versions": versions, "pins": PINS, "not_run": not_run,
            "records": records, "wall_seconds": round(time.monotonic() - started, 1)}
    write_results(args.name, markdown, data, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
