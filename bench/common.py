"""Shared helpers of the bench scripts: progress lines, machine/tool description, build +
simulate + estimate of one design, markdown tables.

The bench scripts are run as files (`python bench/bench_students.py`), so this module is imported
as `common` from the bench folder; it is not part of the installed package.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
ESTIMATE_CACHE = REPO / "build" / "bench" / "estimate_cache"
HEARTBEAT_S = 30.0
_T0 = time.monotonic()


# ----------------------------------------------------------------------------- progress
def say(text: str) -> None:
    """A progress line on stderr with the elapsed time of the whole run."""
    print(f"[{time.monotonic() - _T0:7.1f} s] {text}", file=sys.stderr, flush=True)


@contextmanager
def heartbeat(what: str, every: float = HEARTBEAT_S):
    """Print `what ... still running (N s)` every `every` seconds while the body runs."""
    done = threading.Event()
    started = time.monotonic()

    def beat() -> None:
        while not done.wait(every):
            say(f"  {what}: still running ({time.monotonic() - started:.0f} s)")

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


class BenchFailure(RuntimeError):
    """Something the bench must not paper over (a bit-exactness or latency failure)."""


# ----------------------------------------------------------------------------- machine
def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _first_line(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    return (out.stdout.strip().splitlines() or ["unknown"])[0]


def machine() -> dict:
    """nproc, CPU model, memory, load at the start, and the versions of every tool involved."""
    try:
        mem_kb = next(int(l.split()[1]) for l in Path("/proc/meminfo").read_text().splitlines()
                      if l.startswith("MemTotal"))
        memory = f"{mem_kb / 1024 ** 2:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        memory = "unknown"
    import vhdlgen
    from vhdlgen import __version__

    source = Path(vhdlgen.__file__).resolve().parent.parent
    if source == REPO:
        code = _first_line(["git", "-C", str(REPO), "describe", "--always", "--dirty"])
    else:  # e.g. PYTHONPATH=<git archive of a commit>: say which code really ran
        code = (f"{os.environ.get('VHDLGEN_BENCH_COMMIT', 'unknown commit')} "
                f"(snapshot in {source})")

    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory": memory,
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "os": platform.platform(),
        "date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "tools": {
            "vhdlgen": __version__,
            "git": code,
            "python": platform.python_version(),
            "ghdl": _first_line(["ghdl", "--version"]),
            "yosys": _first_line(["yosys", "-V"]),
            "cocotb": _version("cocotb"),
            "numpy": _version("numpy"),
            "tensorflow": _version("tensorflow"),
            "qkeras": _version("qkeras"),
        },
    }


def format_machine(info: dict) -> str:
    tools = info["tools"]
    load = ", ".join(str(v) for v in info["load_average_at_start"])
    return "\n".join([
        f"Machine: {info['nproc']} CPUs (nproc), {info['cpu']}, {info['memory']} RAM, "
        f"load average at start {load}; {info['os']}; {info['date_utc']}.",
        f"Tools: vhdlgen {tools['vhdlgen']} (git {tools['git']}), Python {tools['python']}, "
        f"{tools['ghdl']}, {tools['yosys']}, cocotb {tools['cocotb']}, numpy {tools['numpy']}, "
        f"TensorFlow {tools['tensorflow']}, QKeras {tools['qkeras']}.",
    ])


# ----------------------------------------------------------------------------- one design
def realistic_inputs(events: int, seed: int):
    """`events` toy RPC events (docs/physics.md section 1; half muons, half noise-only), x only."""
    from vhdlgen.data.generator import generate_events

    return generate_events(events, seed)["x"]


def rtl_digest(build_dir: Path) -> str:
    """sha256 over the generated VHDL (names and bytes, in compile order) of a build."""
    rtl = Path(build_dir) / "rtl"
    digest = hashlib.sha256()
    for name in (rtl / "sources.f").read_text().split():
        digest.update(name.encode() + b"\0" + (rtl / name).read_bytes() + b"\0")
    return digest.hexdigest()


def cached_estimate(build_dir: Path, progress, use_cache: bool = True,
                    cache_only: bool = False, flow: str | None = None) -> tuple[dict | None, bool]:
    """`vhdlgen.estimate.estimate` with yosys flow `flow` (default: the estimate's default), or
    its earlier result for the same inputs: the key is `estimate_key`, which covers every RTL
    file's name and content, the top, the flow, GHDL's and yosys' versions and the estimator's
    code (yosys takes minutes; vhdlgen output is deterministic, so the same inputs give the
    same netlist). With `cache_only`, (None, False) when there is no earlier result instead of
    running yosys."""
    from vhdlgen.estimate import DEFAULT_FLOW, estimate

    flow = flow or DEFAULT_FLOW
    key = ESTIMATE_CACHE / f"{estimate_key(build_dir, flow)}.json"
    if use_cache and key.is_file():
        return json.loads(key.read_text()), True
    if cache_only:
        return None, False
    result = estimate(build_dir, progress=progress, flow=flow)
    ESTIMATE_CACHE.mkdir(parents=True, exist_ok=True)
    key.write_text(json.dumps(result, indent=2) + "\n")
    return result, False


def estimate_key(build_dir: Path, flow: str) -> str:
    """The estimate cache's key: sha256 of the estimate's stamp (vhdlgen.estimate.estimate_stamp)
    with the source paths relative to the build folder, so that byte-identical builds in other
    folders share a result (the netlist does not depend on where the files are)."""
    from vhdlgen import cache
    from vhdlgen.estimate import estimate_stamp

    return cache.stamp_digest(cache.relative(estimate_stamp(build_dir, flow), build_dir))


def run_design(model: Path, out_dir: Path, *, clock_ns: float, levels: int, x=None,
               estimate: bool = True, label: str = "", use_cache: bool = True,
               cache_only: bool = False, options: dict | None = None) -> dict:
    """Load, build, (simulate and require bit-exactness), (estimate). Returns a flat record.

    Raises BenchFailure when the RTL differs from the reference or the measured latency differs
    from the report: the bench must never print a table over a broken design. `options`:
    further BuildOptions fields (e.g. adder_inputs, goal), vhdlgen's defaults otherwise.
    """
    import vhdlgen
    from vhdlgen.chain.client import ChainOptions
    from vhdlgen.rtl.build import BuildOptions, build

    tag = label or model.stem
    record: dict = {"model": str(model), "label": tag, "build_dir": str(out_dir)}
    say(f"{tag}: loading {model}")
    t = time.perf_counter()
    network = vhdlgen.load(model)
    record["load_seconds"] = round(time.perf_counter() - t, 2)

    stages = f"{levels} adder levels per stage" if levels else "timing-driven stages"
    say(f"{tag}: building ({stages}, clock {clock_ns} ns) -> {out_dir}")
    with heartbeat(f"{tag} build"):
        report = build(network.graph, out_dir, BuildOptions(
            clock_ns=clock_ns, adder_levels_per_stage=levels, client=ChainOptions(),
            **(options or {}))).data
    record.update({
        "model_sha256": report["model_sha256"], "clock_ns": report["clock_ns"],
        "adder_levels_per_stage": report["adder_levels_per_stage"],
        "latency_cycles": report["latency_cycles"], "latency_ns": report["latency_ns"],
        "adders": report["adders"], "shared_adders": report["shared_adders"],
        "lut_estimate": report["lut_estimate"], "timing": report.get("timing"),
        "build_seconds": report["build_seconds"],
        "layers": [{k: l[k] for k in ("name", "latency_cycles", "adders", "shared_adders",
                                      "lut_estimate", "stage_delays", "max_adder_width")}
                   for l in report["layers"]],
    })
    say(f"{tag}: built in {report['build_seconds']:.1f} s: {report['latency_cycles']} cycles = "
        f"{report['latency_ns']:g} ns, {report['adders']} adders "
        f"({report['shared_adders']} shared), about {report['lut_estimate']} LUTs")

    if x is not None and len(x):
        from vhdlgen.sim.verify import simulate

        say(f"{tag}: simulating {len(x)} toy-dataset events on GHDL (compile + stream)")
        t = time.perf_counter()
        with heartbeat(f"{tag} simulation"):
            verdict = simulate(out_dir, x)
        wall = time.perf_counter() - t
        record.update({
            "sim_vectors": int(len(x)), "sim_vectors_per_second": round(verdict.vectors_per_second, 1),
            "sim_wall_seconds": round(wall, 1), "sim_latency_cycles": verdict.latency,
            "bit_exact": verdict.exact,
        })
        if verdict.first_mismatch is not None:
            raise BenchFailure(
                f"{tag}: RTL output differs from the NumPy reference at vector "
                f"{verdict.first_mismatch} of {len(x)} (first diverging layer: "
                f"{verdict.diverging_layer or 'unknown'}); build in {out_dir}")
        if verdict.latency != verdict.expected_latency:
            raise BenchFailure(
                f"{tag}: measured latency {verdict.latency} cycles != report "
                f"{verdict.expected_latency} cycles; build in {out_dir}")
        say(f"{tag}: RTL == reference bit for bit on {len(x)} vectors, latency "
            f"{verdict.latency} cycles, {verdict.vectors_per_second:,.0f} vectors/s streaming "
            f"({wall:.0f} s wall incl. GHDL compile)")

    if estimate:
        add_estimate(record, out_dir, tag, use_cache, cache_only)
    return record


def add_estimate(record: dict, out_dir: Path, tag: str, use_cache: bool = True,
                 cache_only: bool = False, flow: str | None = None) -> dict:
    """Run (or reuse) the GHDL + yosys estimate of a build with yosys `flow` and add it to
    `record["estimates"][flow]`; the default flow's figures also go to the record itself."""
    from vhdlgen.estimate import DEFAULT_FLOW

    flow = flow or DEFAULT_FLOW
    say(f"{tag}: estimating with GHDL + yosys, flow {flow} (minutes on a busy machine)")
    est, cached = cached_estimate(out_dir, lambda line: say(f"{tag}: estimate {line.strip()}"),
                                  use_cache, cache_only, flow)
    if est is None:
        say(f"{tag}: no cached {flow} estimate for this RTL (--cached-estimates-only): row "
            "left without LUT/FF/CARRY/levels")
        record["estimate_missing"] = True
        return record
    if cached:
        say(f"{tag}: estimate reused from {ESTIMATE_CACHE} (same RTL, tools, flow and "
            "estimator measured earlier; --no-cache to rerun yosys)")
    values = {k: est.get(k) for k in ("lut", "ff", "carry", "dsp", "bram", "max_logic_levels",
                                      "max_logic_levels_carry8", "critical_path_ns",
                                      "fmax_mhz")}
    values.update(estimate_cached=cached, estimate_seconds=est["seconds"],
                  carry8_equivalent=est["detail"].get("carry8_equivalent"),
                  muxf=est["detail"].get("muxf"), logic_path=est["logic_path"].get("cells"))
    record.setdefault("estimates", {})[flow] = values
    record["rtl_sha256"] = rtl_digest(out_dir)
    if flow == DEFAULT_FLOW:
        record.update(values)
    say(f"{tag}: estimate ({flow}) {est['lut']} LUT, {est['ff']} FF, {est['carry']} CARRY4, "
        f"{est['dsp']} DSP, {est['bram']} BRAM, {est['max_logic_levels']} logic levels "
        f"({est['max_logic_levels_carry8']} as CARRY8) in {est['seconds']['total']:.0f} s")
    return record


# ----------------------------------------------------------------------------- tables
def fmt(value, digits: int = 0) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def markdown_table(header: list[str], rows: list[list[str]], align: str = "") -> str:
    align = align or "l" + "r" * (len(header) - 1)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def write_results(stem: str, markdown: str, data: dict, results: Path = RESULTS) -> tuple[Path, Path]:
    """Write RESULTS/<stem>.md and .json, print the table and say where they went."""
    results.mkdir(parents=True, exist_ok=True)
    md, js = results / f"{stem}.md", results / f"{stem}.json"
    md.write_text(markdown + "\n")
    js.write_text(json.dumps(data, indent=2) + "\n")
    print(markdown)
    shown = [p.relative_to(REPO) if p.is_relative_to(REPO) else p for p in (md, js)]
    say(f"wrote {shown[0]} and {shown[1]}")
    return md, js


def abort(failure: BenchFailure) -> int:
    """Say loudly why the bench stopped (no table is written); the exit code."""
    bar = "!" * 78
    print(f"\n{bar}\nBENCH ABORTED: {failure}\n{bar}", file=sys.stderr, flush=True)
    return 1


def add_output_options(parser, build_root: Path, name: str) -> None:
    """--build-root, --results, --name and the yosys cache switches shared by the benches."""
    parser.add_argument("--build-root", type=Path, default=build_root)
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results",
                        help="where the .md/.json results go (default bench/results)")
    parser.add_argument("--name", default=name, help=f"results file stem (default {name})")
    parser.add_argument("--no-cache", action="store_true",
                        help="rerun yosys even when the same RTL was estimated before with "
                             "the same tools, flow and estimator (cache: "
                             "build/bench/estimate_cache/)")
    parser.add_argument("--cached-estimates-only", action="store_true",
                        help="never run yosys: use cached estimates, leave the others empty")


def estimate_notes(records: list[dict]) -> list[str]:
    """Notes under a table: rows without an estimate, and rows whose estimate came from the
    cache."""
    notes = []
    missing = [r["label"] for r in records if r.get("estimate_missing")]
    if missing:
        notes.append("No yosys estimate yet (--cached-estimates-only and nothing cached for this "
                     f"RTL) for: {', '.join(missing)}; rerun without that option.")
    cached = [r["label"] for r in records if r.get("estimate_cached")]
    if cached:
        notes.append("Estimate reused from an earlier yosys run on byte-identical RTL with the "
                     "same GHDL, yosys, flow and estimator code (build/bench/estimate_cache/) "
                     f"for: {', '.join(cached)}.")
    return notes
