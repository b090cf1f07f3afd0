"""Every documented command on a catalogue of bad inputs: one message, a non-zero exit, never a
traceback, never a hang (#11 item 3).

Each case runs `python -m vhdlgen <command> ...` in a subprocess with a timeout and asserts: exit
code != 0, no 'Traceback' on stderr, and the words the message must contain (what was wrong:
the offending path or value, and the kind of problem). The commands come from `vhdlgen --help`,
and a test checks that every one of them has cases here. `estimate` runs with yosys and GHDL
off PATH, so a case that got past the check it is meant to hit fails on the missing tool
instead of starting a synthesis. Also: the ghdl --synth gate shows progress while it runs.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import qmodels

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 180  # a case that runs longer is a hang
VIVADO = ROOT / "tests" / "data" / "vivado"  # report excerpts (README there)


@dataclass(frozen=True)
class Case:
    """`vhdlgen <args>` must fail with every word of `words` (formatted with the folder
    `{d}`) in its message."""

    name: str
    args: tuple[str, ...]
    words: tuple[str, ...]
    no_tools: bool = False  # run with GHDL and yosys off PATH


def _cases(d: Path) -> list[Case]:
    model, build = f"{d}/model.h5", f"{d}/build"
    x = ("--input", f"{d}/x.npy")
    out = ("--output", f"{d}/y.npy")
    predict = ("predict", "--model", model)
    simulate = ("simulate", "--build", build)
    timing = ("timing", "--vivado-report")
    report = f"{VIVADO}/rapidwright_microblaze4_report_timing.rpt"
    cases = [
        # --- models (every command that reads one goes through the same loader)
        Case("missing model", ("inspect", "--model", f"{d}/nowhere.h5"),
             (f"{d}/nowhere.h5", "not found")),
        Case(".keras file", ("inspect", "--model", f"{d}/model.keras"),
             ("model.keras", ".keras", ".h5")),
        Case("unknown model type", ("inspect", "--model", f"{d}/model.txt"),
             ("model.txt", "unknown file type")),
        Case("corrupt .h5", ("inspect", "--model", f"{d}/junk.h5"), ("junk.h5", "cannot read")),
        Case("folder that is no model", ("inspect", "--model", f"{d}/notes"),
             (f"{d}/notes", "cannot read")),
        Case("float layer before a quantizer", ("inspect", "--model", f"{d}/float_middle.h5"),
             ("'float_conv'", "'after_q'", "kernel_quantizer")),
        Case("bad --input-format", ("inspect", "--model", model, "--input-format", "fixed<3>"),
             ("fixed<3>", "fixed<W,I>")),
        Case("bad --float-weight-bits", ("inspect", "--model", model,
                                         "--float-weight-bits", "1"),
             ("--float-weight-bits", "1")),
        # --- predict inputs and outputs
        Case("missing input", (*predict, "--input", f"{d}/none.npy", *out), ("none.npy", "not found")),
        Case("empty input", (*predict, "--input", f"{d}/empty.npy", *out), ("(0, 20)", "no vectors")),
        Case("complex input", (*predict, "--input", f"{d}/complex.npy", *out),
             ("complex", "real numbers")),
        Case("object input", (*predict, "--input", f"{d}/object.npy", *out),
             ("object.npy", "cannot read", "bject")),
        Case("wrong shape", (*predict, "--input", f"{d}/shape.npy", *out), ("(4, 21)", "(N, 20)")),
        Case("NaN input", (*predict, "--input", f"{d}/nan.npy", *out), ("nan", "finite")),
        Case("corrupt .npy", (*predict, "--input", f"{d}/junk.npy", *out), ("junk.npy", "cannot read")),
        Case(".npz without x", (*predict, "--input", f"{d}/other.npz", *out), ("other.npz", "no array x")),
        Case("output in /proc", (*predict, *x, "--output", "/proc/vhdlgen/y.npy"),
             ("/proc/vhdlgen/y.npy", "cannot write")),
        Case("output in /sys", (*predict, *x, "--output", "/sys/vhdlgen.npy"),
             ("/sys/vhdlgen.npy", "cannot write")),
        Case("output is a folder", (*predict, *x, "--output", f"{d}/notes"),
             (f"{d}/notes", "cannot write")),
        # --- build options and output folders
        Case("build into /proc", ("build", "--model", model, "--out", "/proc/vhdlgen"),
             ("/proc/vhdlgen", "cannot")),
        Case("build into /sys", ("build", "--model", model, "--out", "/sys/vhdlgen"),
             ("/sys/vhdlgen", "cannot")),
        Case("build into a file", ("build", "--model", model, "--out", f"{d}/x.npy"),
             (f"{d}/x.npy", "not a folder")),
        Case("build into a user folder", ("build", "--model", model, "--out", f"{d}/notes"),
             (f"{d}/notes", "--force")),
        Case("build missing model", ("build", "--model", f"{d}/nowhere.h5", "--out", f"{d}/b2"),
             ("nowhere.h5", "not found")),
        Case("negative clock", ("build", "--model", model, "--clock-ns", "-1"), ("--clock-ns",)),
        Case("negative test vectors", ("build", "--model", model, "--test-vectors", "-1"),
             ("--test-vectors", "-1")),
        Case("zero adder levels", ("build", "--model", model, "--adder-levels-per-stage", "0"),
             ("--adder-levels-per-stage", "0")),
        Case("share depth", ("build", "--model", model, "--share-depth", "99"),
             ("--share-depth", "99")),
        Case("adder inputs", ("build", "--model", model, "--adder-inputs", "4"),
             ("--adder-inputs", "4", "2 (binary adders), 3 (ternary adders) or auto")),
        Case("adder inputs text", ("build", "--model", model, "--adder-inputs", "three"),
             ("--adder-inputs", "three")),
        Case("goal", ("build", "--model", model, "--goal", "area"),
             ("--goal", "area", "flip-flops or cycles")),
        Case("zero max cycles", ("build", "--model", model, "--max-cycles", "0"),
             ("--max-cycles", "0", "1 or more")),
        Case("max cycles below the fastest", ("build", "--model", model, "--out", f"{d}/b4",
                                              "--max-cycles", "3"),
             ("--max-cycles 3", "fastest pipeline", "cycles; accepted")),
        Case("reserved top", ("build", "--model", model, "--out", f"{d}/b3", "--top", "entity"),
             ("'entity'", "reserved")),
        Case("build over a corrupt manifest", ("build", "--model", model, "--out",
                                               f"{d}/bad_manifest"),
             (f"{d}/bad_manifest",)),
        # --- simulate
        Case("simulate missing build", ("simulate", "--build", f"{d}/nobuild", *x, *out),
             (f"{d}/nobuild", "does not exist")),
        Case("simulate user folder", ("simulate", "--build", f"{d}/notes", *x, *out),
             (f"{d}/notes", "not a vhdlgen build")),
        Case("simulate corrupt manifest", ("simulate", "--build", f"{d}/bad_manifest", *x, *out),
             ("bad_manifest", "vhdlgen-build.json")),
        Case("simulate foreign manifest", ("simulate", "--build", f"{d}/foreign", *x, *out),
             ("foreign", "vhdlgen-build.json")),
        Case("simulate interrupted build", ("simulate", "--build", f"{d}/partial", *x, *out),
             ("partial", "interrupted")),
        Case("simulate build missing a source", ("simulate", "--build", f"{d}/no_source", *x,
                                                 *out), ("no_source", "does not exist")),
        Case("simulate empty input", (*simulate, "--input", f"{d}/empty.npy", *out), ("no vectors",)),
        Case("simulate output in /proc", (*simulate, *x, "--output", "/proc/vhdlgen/y.npy"),
             ("/proc/vhdlgen/y.npy", "cannot write")),
        Case("simulate missing input", (*simulate, "--input", f"{d}/none.npy", *out),
             ("none.npy", "not found")),
        # --- estimate (GHDL and yosys off PATH: every case must stop before them)
        Case("estimate missing build", ("estimate", "--build", f"{d}/nobuild"),
             (f"{d}/nobuild", "does not exist"), no_tools=True),
        Case("estimate user folder", ("estimate", "--build", f"{d}/notes"),
             (f"{d}/notes", "not a vhdlgen build"), no_tools=True),
        Case("estimate corrupt manifest", ("estimate", "--build", f"{d}/bad_manifest"),
             ("bad_manifest", "vhdlgen-build.json"), no_tools=True),
        Case("estimate foreign manifest", ("estimate", "--build", f"{d}/foreign"),
             ("foreign", "vhdlgen-build.json"), no_tools=True),
        Case("estimate build missing a source", ("estimate", "--build", f"{d}/no_source"),
             ("no_source", "does not exist"), no_tools=True),
        Case("estimate interrupted build", ("estimate", "--build", f"{d}/partial"),
             ("partial", "interrupted"), no_tools=True),
        # --- timing (Vivado reports read back)
        Case("timing missing report", (*timing, f"{d}/none.rpt"), ("none.rpt", "cannot read")),
        Case("timing not a report", (*timing, f"{d}/notes/thesis.tex"),
             ("thesis.tex", "line 1", "expected a Vivado report")),
        Case("timing no setup path", (*timing, f"{VIVADO}/lakeroad_unconstrained_port_path.rpt"),
             ("no setup path", "placed or routed")),
        Case("timing corner and model", (*timing, report, "--timing-corner", "typical",
                                         "--delay-model", f"{d}/m.json"),
             ("--timing-corner", "--delay-model")),
        Case("timing delay model not JSON", (*timing, report, "--delay-model",
                                             f"{d}/notes/thesis.tex"), ("thesis.tex", "not JSON")),
        Case("timing user folder as build", (*timing, report, "--build", f"{d}/notes"),
             (f"{d}/notes", "not a vhdlgen build")),
        Case("timing fit in /proc", (*timing, report, "--fit", "/proc/vhdlgen/m.json"),
             ("/proc/vhdlgen/m.json", "cannot write")),
        # --- dataset
        Case("dataset zero events", ("dataset", "--events", "0", "--seed", "1", "--out",
                                     f"{d}/ds.npz"), ("--events", "0")),
        Case("dataset bad fraction", ("dataset", "--events", "10", "--seed", "1", "--out",
                                      f"{d}/ds.npz", "--muon-fraction", "1.5"),
             ("--muon-fraction", "1.5")),
        Case("dataset into /proc", ("dataset", "--events", "10", "--seed", "1", "--out",
                                    "/proc/vhdlgen.npz"), ("/proc/vhdlgen.npz",)),
        Case("dataset into /sys", ("dataset", "--events", "10", "--seed", "1", "--out",
                                   "/sys/vhdlgen/ds.npz"), ("/sys/vhdlgen",)),
        Case("dataset into a missing folder", ("dataset", "--events", "10", "--seed", "1",
                                               "--out", f"{d}/missing/ds.npz"),
             (f"{d}/missing", "does not exist")),
        # --- train (every case must stop before training starts)
        Case("train bad bits", ("train", "--bits", "7", "--out", f"{d}/run"), ("--bits 7", "2, 3, 4")),
        Case("train missing teacher", ("train", "--bits", "4", "--distill", "--teacher-model",
                                       f"{d}/noteacher.h5", "--out", f"{d}/run"),
             ("noteacher.h5", "does not exist")),
        Case("train too few events", ("train", "--bits", "4", "--no-distill", "--events", "5",
                                      "--out", f"{d}/run"), ("--events 5", "at least")),
        Case("train into /proc", ("train", "--bits", "4", "--no-distill", "--events", "200",
                                  "--epochs", "1", "--out", "/proc/vhdlgen-run"),
             ("/proc/vhdlgen-run",)),
        # --- sweep
        Case("sweep bad bits", ("sweep", "--bits", "7", "--out", f"{d}/sw"), ("--bits 7", "2, 3, 4")),
        Case("sweep without --out", ("sweep", "--bits", "4"), ("--out",)),
        Case("sweep grid file not TOML", ("sweep", "--grid", f"{d}/notes/thesis.tex", "--out",
                                          f"{d}/sw"), ("thesis.tex", "not valid TOML")),
        Case("sweep report of no sweep", ("sweep", "--report", f"{d}/notes"),
             ("notes", "results.sqlite")),
        # --- evaluate
        Case("evaluate missing model", ("evaluate", "--out", f"{d}/ev", f"q={d}/nowhere.h5"),
             ("nowhere.h5", "does not exist")),
        Case("evaluate a model of another shape", ("evaluate", "--events", "1000", "--out",
                                                   f"{d}/ev", model), ("model.h5", "(20,)")),
        Case("evaluate too few events", ("evaluate", "--out", f"{d}/ev", "--events", "10",
                                         f"q={model}"), ("--events 10", "at least")),
        Case("evaluate into /proc", ("evaluate", "--events", "1000", "--out", "/proc/vhdlgen-ev",
                                     f"q={model}"), ("/proc/vhdlgen-ev",)),
        Case("evaluate .keras model", ("evaluate", "--events", "1000", "--out", f"{d}/ev",
                                       f"q={d}/model.keras"), ("model.keras", ".keras")),
    ]
    return cases


def _make_inputs(d: Path) -> None:
    """The catalogue's files: a small model, bad models, bad arrays, bad build folders."""
    from vhdlgen.frontend import graph_from_keras
    from vhdlgen.rtl.build import BuildOptions, build

    model = qmodels.dense_only()
    qmodels.save_h5(model, d, "model")
    qmodels.save_h5(qmodels.float_middle(), d, "float_middle")
    model.save(d / "model.keras")  # a real Keras v3 file: QKeras' loader could hang on it
    (d / "model.txt").write_text("a model?")
    (d / "junk.h5").write_bytes(os.urandom(2048))
    (d / "junk.npy").write_bytes(b"\x93NUMPY garbage")
    (d / "notes").mkdir()
    (d / "notes" / "thesis.tex").write_text("\\documentclass{article}")
    rng = np.random.default_rng(0)
    np.save(d / "x.npy", rng.uniform(-1, 1, (4, 20)).astype(np.float32))
    np.save(d / "empty.npy", np.zeros((0, 20), np.float32))
    np.save(d / "complex.npy", np.ones((4, 20), np.complex64))
    np.save(d / "object.npy", np.array([[None] * 20] * 4, dtype=object), allow_pickle=True)
    np.save(d / "shape.npy", np.zeros((4, 21), np.float32))
    nan = np.zeros((4, 20), np.float32)
    nan[1, 3] = np.nan
    np.save(d / "nan.npy", nan)
    np.savez(d / "other.npz", y=np.zeros(3))
    build(graph_from_keras(model), d / "build", BuildOptions(test_vectors=0))
    manifest = "vhdlgen-build.json"
    for name, damage in {
        "bad_manifest": lambda b: (b / manifest).write_text("{ not json"),
        "foreign": lambda b: (b / manifest).write_text(json.dumps({"someone": "else"})),
        "no_source": lambda b: next((b / "rtl").glob("*.vhd")).unlink(),
        "partial": lambda b: (b / manifest).write_text(json.dumps(
            {**json.loads((b / manifest).read_text()), "complete": False})),
    }.items():
        shutil.copytree(d / "build", d / name)
        damage(d / name)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("catalogue")
    _make_inputs(d)
    return d


def _run(case: Case, d: Path) -> tuple[Case, subprocess.CompletedProcess | None]:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    if case.no_tools:
        env["PATH"] = str(d / "no-tools")  # an empty folder: no ghdl, no yosys
    try:
        result = subprocess.run([sys.executable, "-m", "vhdlgen", *case.args], cwd=d, env=env,
                                capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return case, None
    return case, result


def test_every_bad_input_is_one_message(folder: Path) -> None:
    (folder / "no-tools").mkdir(exist_ok=True)
    cases = _cases(folder)
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda c: _run(c, folder), cases))
    failures = []
    for case, result in results:
        if result is None:
            failures.append(f"{case.name}: no answer within {TIMEOUT_S} s (a hang)")
            continue
        err = result.stderr
        problems = []
        if result.returncode == 0:
            problems.append("exit code 0")
        if "Traceback" in err:
            problems.append("a traceback")
        problems += [f"no {word!r}" for word in case.words if word not in err]
        if problems:
            failures.append(f"{case.name} ({' '.join(case.args)}): {', '.join(problems)}\n"
                            f"    stderr: {err.strip()[-600:]}")
    assert not failures, "\n".join(failures)
    # the user's files are untouched by every refused command
    assert (folder / "notes" / "thesis.tex").read_text() == "\\documentclass{article}"
    assert sorted(p.name for p in (folder / "notes").iterdir()) == ["thesis.tex"]


def test_every_command_is_in_the_catalogue(folder: Path) -> None:
    """The catalogue covers every command `vhdlgen --help` lists."""
    result = subprocess.run([sys.executable, "-m", "vhdlgen", "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=TIMEOUT_S)
    listed = re.search(r"\{([a-z,]+)\}", result.stdout)
    commands = set(listed.group(1).split(",")) if listed else set(
        re.findall(r"^    (\w+)\s{2,}", result.stdout, flags=re.M))
    assert {"predict", "inspect", "build", "simulate", "estimate", "dataset", "train",
            "evaluate"} <= commands
    covered = {case.args[0] for case in _cases(folder)}
    assert commands <= covered, commands - covered


def test_ghdl_gate_shows_progress() -> None:
    """A long step prints its elapsed time while it runs (here a 0.35 s stand-in process,
    reported every 0.1 s), and its stderr and exit code come back."""
    import io

    from vhdlgen.ghdl import run_with_progress

    stream = io.StringIO()
    script = "import sys, time; time.sleep(0.35); sys.stderr.write('done'); sys.exit(3)"
    result = run_with_progress([sys.executable, "-c", script], ROOT, "step", 0.1, stream)
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 2 and all(re.fullmatch(r"step: \d+ s", line) for line in lines)
    assert result.returncode == 3 and result.stderr == "done"
