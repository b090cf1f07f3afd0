"""`build`'s DIR/tb/: the self-checking VHDL testbench for any simulator, its vectors, run_ghdl.sh,
the component declaration and the Verilog stub.

- run_ghdl.sh (plain GHDL, no cocotb) passes from another working directory and prints
  "PASS: N vectors"; a changed expected word fails naming that vector's index and both words;
  a wrong LATENCY in the package, a missing or extra expected word, and a design whose out_valid
  ignores the in_valid gaps all fail.
- The clock period is the build's (`--clock-ns`), printed by the running testbench.
- The reset in mid-stream drops exactly the vectors a model of the stream says (in flight or
  driven during rst), the outputs are valid again LATENCY clocks after the next input, and a
  design whose reset does not clear the valid pipeline fails.
- The vectors are the NumPy reference: unpacked with vhdlgen.packing, the expected words
  equal Network.predict_codes of the unpacked inputs (numpy.array_equal); with the Level-0
  study as the build's client (the CLI's and convert's builds) a 9x16x1 model gets the toy
  dataset's events, any other model (or any model without it) uniform random codes, from the
  same fixed seed.
- `--test-vectors 0` writes no tb/ (and a rebuild with 0 removes an older tb/); the manifest
  lists every tb/ file; a rebuild is byte-identical.
- The component package compiles and its instantiation template elaborates against the entity;
  the Verilog stub has the entity's ports and widths (yosys reads it).
- The top's header says what each output element is.

GHDL (and yosys for the stub) missing is a FAILURE, never a skip. GHDL runs with the mcode
backend unless GHDL_BACKEND is set, as in rtl_tests/.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import qmodels
from tools import require_tool
from vhdlgen.__main__ import main
from vhdlgen.chain.client import ChainOptions
from vhdlgen.rtl.build import MANIFEST, BuildOptions, build
from vhdlgen.rtl.testbench import (EXPECTED_FILE, GAP_EVERY, INPUT_FILE, MID_RESET_CYCLES,
                                   QUESTA_SCRIPT, RUN_SCRIPT, VECTOR_SEED, XSIM_SCRIPT,
                                   make_vectors)
from vhdlgen.packing import unpack

BACKEND = os.environ.get("GHDL_BACKEND") or "mcode"
TOY = ChainOptions().test_inputs  # the Level-0 study's testbench inputs (toy-dataset events)
TB_FILES = ("{top}_tb.vhd", INPUT_FILE, EXPECTED_FILE, RUN_SCRIPT, XSIM_SCRIPT, QUESTA_SCRIPT,
            "{top}_component.vhd", "{top}_stub.v")


# ------------------------------------------------------------------------------------ helpers
@pytest.fixture(scope="module")
def ghdl() -> str:
    path = require_tool("ghdl")
    if not shutil.which(f"ghdl-{BACKEND}"):
        pytest.fail(f"GHDL backend ghdl-{BACKEND} not installed (apt-get install ghdl "
                    f"ghdl-{BACKEND}); choose another with GHDL_BACKEND=", pytrace=False)
    return path


def graph_of(name: str, model=None):
    from vhdlgen.frontend import graph_from_keras

    model = model if model is not None else qmodels.MODELS[name]()
    return graph_from_keras(model, source=f"{name}.h5", source_hash="0" * 64)


@pytest.fixture(scope="module")
def dense(tmp_path_factory, ghdl):
    """dense_only built with 200 test vectors: (graph, build dir, report)."""
    graph = graph_of("dense_only")
    out = tmp_path_factory.mktemp("tb") / "dense"
    return graph, out, build(graph, out, BuildOptions(test_vectors=200)).data


@pytest.fixture(scope="module")
def student(tmp_path_factory, ghdl):
    """The 2-bit student (9x16x1 input) built with 60 test vectors, the Level-0 study as the
    build's client (as the CLI and vhdlgen.convert build)."""
    graph = graph_of("student2")
    out = tmp_path_factory.mktemp("tb") / "student"
    return graph, out, build(graph, out, BuildOptions(test_vectors=60, client=ChainOptions())).data


def run_tb(build_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """DIR/tb/run_ghdl.sh, started from another working directory."""
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.run([str(build_dir / "tb" / RUN_SCRIPT), *args], cwd=cwd,
                          capture_output=True,
                          text=True, timeout=600, env={**os.environ, "GHDL_BACKEND": BACKEND})


def copy_of(build_dir: Path, dest: Path) -> Path:
    return Path(shutil.copytree(build_dir, dest, ignore=shutil.ignore_patterns("ghdl_work")))


def stream_model(n: int, latency: int, gap_every: int = GAP_EVERY, reset_cycles: int =
                 MID_RESET_CYCLES) -> dict:
    """What the documented stimulus does, clock by clock after the first reset: vector k is
    driven on its clock, in_valid low on every gap_every-th clock, rst high for reset_cycles
    clocks from the clock of vector n // 2 (or the gap before it). A synchronous reset clears the
    valid pipeline: a vector sampled with rst high, or with rst high on one of the latency - 1
    clocks after it (still in flight), never comes out."""
    clocks: list[tuple[int | None, bool]] = []  # (vector driven or None, rst) per clock
    left = 0
    for vector in range(n):
        if vector == n // 2 and vector > 0:
            left = reset_cycles
        steps = [None, vector] if gap_every and len(clocks) % gap_every == gap_every - 1 \
            else [vector]
        for driven in steps:
            clocks.append((driven, left > 0))
            left = max(left - 1, 0)
    clocks += [(None, True)] * left
    resets = [c for c, (_, rst) in enumerate(clocks) if rst]
    dropped = [v for c, (v, rst) in enumerate(clocks) if v is not None
               and any(r for _, r in clocks[c:c + latency])]
    after = next((v for c, (v, rst) in enumerate(clocks) if v is not None and resets
                  and c > resets[-1]), None)
    return {"dropped": dropped, "reset_clock": resets[0] if resets else None,
            "reset_clocks": len(resets), "after": after, "checked": n - len(dropped)}


def reset_line(model: dict, latency: int) -> str:
    """The testbench's line on the reset in mid-stream, as the model predicts it."""
    d = model["dropped"]
    return (f"mid-stream reset: rst = '1' for {model['reset_clocks']} clocks from clock "
            f"{model['reset_clock']} after reset; {len(d)} vectors dropped (in flight or driven "
            f"during rst): {d[0]} to {d[-1]}; outputs valid again from vector {model['after']}, "
            f"{latency} clocks after its input (LATENCY = {latency})")


def words(path: Path) -> list[int]:
    return [int(line, 16) for line in path.read_text().splitlines()]


def failure(proc: subprocess.CompletedProcess) -> str:
    """The testbench's FAIL message (GHDL prefixes it with file:line:time)."""
    lines = [l for l in (proc.stdout + proc.stderr).splitlines() if "FAIL: " in l]
    assert lines, f"no FAIL line (exit {proc.returncode}):\n{proc.stdout[-3000:]}" \
        f"{proc.stderr[-3000:]}"
    return lines[0][lines[0].index("FAIL: "):]


# ------------------------------------------------------------------------------------ tests
def test_run_ghdl_passes_from_any_directory(dense, tmp_path) -> None:
    _, out, report = dense
    proc = run_tb(out, tmp_path / "elsewhere")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    latency = report["latency_cycles"]
    model = stream_model(200, latency)
    assert lines[-1] == f"PASS: {model['checked']} vectors", proc.stdout[-2000:]
    assert lines[-2] == reset_line(model, latency)
    assert "clock: CLK_PERIOD = 3125 ps" in lines  # the build's default 3.125 ns
    assert "FAIL" not in proc.stdout + proc.stderr
    commands = [l for l in lines if l.startswith("+ ")]
    assert any("--work=unisim" in l for l in commands) == bool(report.get("unisim_sources"))
    analyse = next(l for l in commands if " -a " in l and "--work=unisim" not in l)
    sources = (out / "rtl" / "sources.f").read_text().split()
    assert analyse.split()[-len(sources) - 1:] == [f"../rtl/{s}" for s in sources] + \
        [f"{report['top']}_tb.vhd"], analyse
    assert "--std=08" in analyse
    assert any(" -e " in l for l in commands) and any(" -r " in l for l in commands)
    assert not (tmp_path / "elsewhere" / "ghdl_work").exists(), "wrote into the caller's folder"


def test_changed_expected_word_fails_naming_the_vector(dense, tmp_path) -> None:
    _, out, report = dense
    copy = copy_of(out, tmp_path / "bad")
    path = copy / "tb" / EXPECTED_FILE
    lines = path.read_text().splitlines()
    good = lines[137]
    bad = f"{int(good, 16) ^ 1:0{len(good)}X}"
    lines[137] = bad
    path.write_text("\n".join(lines) + "\n")
    proc = run_tb(copy, tmp_path)
    assert proc.returncode != 0
    assert "PASS" not in proc.stdout
    message = failure(proc)
    assert message.startswith(f"FAIL: vector 137: expected {bad}, got {good} "), message
    assert f"{EXPECTED_FILE} line 138" in message, message


@pytest.mark.parametrize("shift", [-1, 1])
def test_wrong_latency_fails(dense, tmp_path, shift) -> None:
    _, out, report = dense
    copy = copy_of(out, tmp_path / "latency")
    latency = report["latency_cycles"]
    pkg = copy / "rtl" / f"{report['top']}_pkg.vhd"
    text = pkg.read_text()
    pattern = re.compile(r"(constant LATENCY\s*: natural := )(\d+);")
    assert int(pattern.search(text).group(2)) == latency
    pkg.write_text(pattern.sub(lambda m: f"{m.group(1)}{latency + shift};", text))
    proc = run_tb(copy, tmp_path)
    assert proc.returncode != 0
    message = failure(proc)
    if shift > 0:
        assert message == (f"FAIL: the first output came {latency} clocks after the first "
                           f"input; LATENCY = {latency + 1}"), message
    else:
        assert message.startswith(f"FAIL: no output LATENCY = {latency - 1} clocks after the "
                                  "first input"), message


@pytest.mark.parametrize("change", ["missing", "extra"])
def test_output_count_is_checked(dense, tmp_path, change) -> None:
    _, out, _ = dense
    copy = copy_of(out, tmp_path / change)
    path = copy / "tb" / EXPECTED_FILE
    lines = path.read_text().splitlines()
    lines = lines[:-1] if change == "missing" else lines + [lines[0]]
    path.write_text("\n".join(lines) + "\n")
    proc = run_tb(copy, tmp_path)
    assert proc.returncode != 0
    expected = {"missing": f"FAIL: vector 199: an output, but {EXPECTED_FILE} has only 199 words",
                "extra": f"FAIL: {EXPECTED_FILE} has more words than the 200 vectors of "
                         f"{INPUT_FILE}"}[change]
    assert failure(proc) == expected


def test_in_valid_gaps_are_checked(dense, tmp_path) -> None:
    """A design that flags every clock valid (in_valid tied high) fails at the first gap."""
    _, out, report = dense
    copy = copy_of(out, tmp_path / "gaps")
    top = copy / "rtl" / f"{report['top']}.vhd"
    text = top.read_text()
    assert text.count("in_valid  => in_valid,") == 1
    top.write_text(text.replace("in_valid  => in_valid,", "in_valid  => '1',"))
    proc = run_tb(copy, tmp_path)
    assert proc.returncode != 0
    assert re.match(r"FAIL: out_valid = '1' at clock \d+ after reset, but in_valid was '0' "
                    r"LATENCY = \d+ clocks before", failure(proc)), failure(proc)


def test_a_reset_that_keeps_vectors_in_flight_fails(dense, tmp_path) -> None:
    """The valid pipeline ignores rst after the first reset: the vectors in flight at the
    mid-stream reset come out, and the testbench names the first one."""
    _, out, report = dense
    copy = copy_of(out, tmp_path / "sticky")
    pipe = copy / "rtl" / "vhdlgen_valid_pipe.vhd"
    text = pipe.read_text()
    assert text.count("if rst = '1' then") == 1
    pipe.write_text(text.replace("if rst = '1' then", "if rst = '1' and now < 100 ns then"))
    proc = run_tb(copy, tmp_path)
    assert proc.returncode != 0 and "PASS" not in proc.stdout
    model = stream_model(200, report["latency_cycles"])
    assert failure(proc).startswith(
        f"FAIL: out_valid = '1' at clock {model['reset_clock'] + 1} after reset for vector "
        f"{model['dropped'][0]}, which the reset in mid-stream from clock "
        f"{model['reset_clock']} should have dropped"), failure(proc)


def test_a_slow_recovery_after_reset_fails(dense, tmp_path) -> None:
    """A design whose reset lasts two clocks longer inside (rst stretched by two registers,
    after the first reset) drops the first vector after the mid-stream reset, whose output the
    testbench awaits."""
    _, out, report = dense
    latency = report["latency_cycles"]
    model = stream_model(200, latency)
    end = model["reset_clock"] + model["reset_clocks"]  # the first clock with rst low again
    clocks = [c for c in range(end, end + 2) if (c % GAP_EVERY) != GAP_EVERY - 1]
    assert clocks, "the stretched reset must cover the first vector after the reset"
    copy = copy_of(out, tmp_path / "slow")
    top = copy / "rtl" / f"{report['top']}.vhd"
    head, body = top.read_text().split("\nbegin\n", 1)
    assert "rst       => rst," in body
    top.write_text(
        head + "\n  signal rst_q1, rst_q2 : std_logic := '1';\n  signal rst_late : std_logic;"
        "\nbegin\n  rst_q1 <= rst when rising_edge(clk);\n"
        "  rst_q2 <= rst_q1 when rising_edge(clk);\n"
        "  rst_late <= (rst or rst_q1 or rst_q2) when now > 100 ns else rst;\n"
        + body.replace("rst       => rst,", "rst       => rst_late,"))
    proc = run_tb(copy, tmp_path)
    assert proc.returncode != 0 and "PASS" not in proc.stdout
    assert failure(proc).startswith(
        f"FAIL: vector {model['after']}: out_valid = '0' LATENCY = {latency} clocks after its "
        "input"), failure(proc)


def test_testbench_runs_at_the_build_clock(tmp_path, ghdl) -> None:
    """A build at --clock-ns 4.2 gets a 4.2 ns testbench clock, and the running testbench's
    clock edges are 4.2 ns apart (GHDL's VCD of the clock)."""
    graph = graph_of("dense_only", qmodels.dense_only(n_in=6))
    out = tmp_path / "slow_clock"
    report = build(graph, out, BuildOptions(test_vectors=12, clock_ns=4.2)).data
    text = (out / "tb" / f"{report['top']}_tb.vhd").read_text()
    assert "CLK_PERIOD    : time    := 4200 ps;" in text
    proc = run_tb(out, tmp_path, "--vcd=waves.vcd")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "clock: CLK_PERIOD = 4200 ps" in proc.stdout.splitlines()
    vcd = (out / "tb" / "waves.vcd").read_text().splitlines()
    clk = next(l.split()[3] for l in vcd if l.startswith("$var") and l.split()[4] == "clk")
    times, now = [], 0
    for line in vcd:
        if line.startswith("#"):
            now = int(line[1:])
        elif line == f"1{clk}":
            times.append(now)
    scale = next(vcd[i + 1].strip() for i, l in enumerate(vcd) if l.startswith("$timescale"))
    assert scale in ("1 fs", "1fs"), scale
    assert len(times) > 20 and set(np.diff(times)) == {4_200_000}  # fs


def test_vectors_are_the_reference(dense) -> None:
    from vhdlgen.network import Network

    graph, out, report = dense
    inp, outp = report["in_data"], report["out_data"]
    codes = unpack(words(out / "tb" / INPUT_FILE), inp["elements"], inp["element_width"],
                   inp["signed"])
    expected = unpack(words(out / "tb" / EXPECTED_FILE), outp["elements"],
                      outp["element_width"], outp["signed"])
    assert codes.shape == (200, inp["elements"]) and expected.shape == (200, outp["elements"])
    reference = Network(graph).predict_codes(codes.reshape(200, *inp["shape"]))
    assert np.array_equal(expected, reference)
    # uniform random codes over the whole input range (not the toy dataset: not a 9x16x1 model)
    spec = graph.input
    assert codes.min() >= spec.lo and codes.max() <= spec.hi
    assert codes.min() == spec.lo and codes.max() == spec.hi
    rng = np.random.default_rng(VECTOR_SEED)
    again = rng.integers(spec.lo, spec.hi, size=(200, *spec.shape), endpoint=True)
    assert np.array_equal(codes, again.reshape(200, -1))
    # hex: zero-padded to ceil(width / 4) digits, upper case, one word per line
    for name, port in ((INPUT_FILE, inp), (EXPECTED_FILE, outp)):
        text = (out / "tb" / name).read_text()
        assert re.fullmatch(rf"(?:[0-9A-F]{{{(port['width'] + 3) // 4}}}\n){{200}}", text), name


def test_student_gets_toy_dataset_events_and_passes(student, tmp_path) -> None:
    from vhdlgen.data import generate_events
    from vhdlgen.network import Network

    graph, out, report = student
    assert tuple(graph.input.shape) == (9, 16, 1)
    inp, outp = report["in_data"], report["out_data"]
    codes = unpack(words(out / "tb" / INPUT_FILE), inp["elements"], inp["element_width"],
                   inp["signed"])
    events = generate_events(60, seed=VECTOR_SEED, muon_fraction=0.5)
    network = Network(graph)
    toy = network.input_codes(events["x"])
    assert np.array_equal(codes, toy.reshape(60, -1))
    assert 0 < events["is_muon"].sum() < 60  # muons and noise
    expected = unpack(words(out / "tb" / EXPECTED_FILE), outp["elements"],
                      outp["element_width"], outp["signed"])
    assert np.array_equal(expected, network.predict_codes(toy))
    assert np.array_equal(expected, make_vectors(graph, 60, inputs=TOY)[1])
    assert "toy-dataset events" in (out / "tb" / f"{report['top']}_tb.vhd").read_text()
    proc = run_tb(out, tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    model = stream_model(60, report["latency_cycles"])
    assert proc.stdout.splitlines()[-1] == f"PASS: {model['checked']} vectors"


def test_manifest_lists_the_tb_files_and_the_script_is_executable(dense) -> None:
    _, out, report = dense
    names = [f"tb/{n.format(top=report['top'])}" for n in TB_FILES]
    assert sorted(p.relative_to(out).as_posix() for p in (out / "tb").iterdir()
                  if p.name != "ghdl_work") == sorted(names)
    manifest = json.loads((out / MANIFEST).read_text())
    assert set(names) <= set(manifest["files"]) and "tb" in manifest["folders"]
    mode = (out / "tb" / RUN_SCRIPT).stat().st_mode
    assert mode & 0o111 == 0o111 and (out / "tb" / RUN_SCRIPT).read_text().startswith("#!/bin/sh")


def test_zero_vectors_means_no_tb_and_rebuilds_are_identical(tmp_path, ghdl) -> None:
    graph = graph_of("dense_only", qmodels.dense_only(n_in=6))
    out = tmp_path / "b"
    build(graph, out, BuildOptions(test_vectors=30))
    first = {p.name: p.read_bytes() for p in (out / "tb").iterdir()}
    build(graph, out, BuildOptions(test_vectors=30))
    assert {p.name: p.read_bytes() for p in (out / "tb").iterdir()} == first
    build(graph, tmp_path / "other", BuildOptions(test_vectors=30))
    assert {p.name: p.read_bytes() for p in (tmp_path / "other" / "tb").iterdir()} == first
    build(graph, out, BuildOptions(test_vectors=0))  # a rebuild removes the old tb/
    assert not (out / "tb").exists()
    manifest = json.loads((out / MANIFEST).read_text())
    assert not [f for f in manifest["files"] + manifest["folders"] if f.startswith("tb")]
    build(graph, tmp_path / "none", BuildOptions(test_vectors=0))
    assert not (tmp_path / "none" / "tb").exists()


def test_cli_test_vectors_option(tmp_path, ghdl, capsys) -> None:
    model = qmodels.save_h5(qmodels.dense_only(n_in=6), tmp_path, "tiny")
    out = tmp_path / "cli"
    assert main(["build", "--model", str(model), "--out", str(out), "--test-vectors", "7"]) == 0
    assert len((out / "tb" / INPUT_FILE).read_text().splitlines()) == 7
    assert f"{out}/tb (7 test vectors" in capsys.readouterr().out
    assert main(["build", "--model", str(model), "--out", str(out), "--test-vectors", "-1"]) == 2
    assert "--test-vectors -1: accepted 0" in capsys.readouterr().err
    assert len((out / "tb" / INPUT_FILE).read_text().splitlines()) == 7  # nothing changed
    assert main(["build", "--model", str(model), "--out", str(out), "--test-vectors", "0"]) == 0
    assert not (out / "tb").exists()


def test_component_and_verilog_stub_match_the_entity(dense, tmp_path) -> None:
    _, out, report = dense
    top, tb = report["top"], out / "tb"
    work = tmp_path / "work"
    work.mkdir()
    # the instantiation template, uncommented, in an architecture using the component package
    text = (tb / f"{top}_component.vhd").read_text()
    template = text[text.index(f"--   u_{top} : {top}"):]
    instance = "\n".join(l[4:] for l in template.splitlines() if l.startswith("--   "))
    wrapper = tmp_path / "wrapper.vhd"
    wrapper.write_text(f"""library ieee;
use ieee.std_logic_1164.all;
use work.{top}_component_pkg.all;
entity wrapper is end entity wrapper;
architecture a of wrapper is
  signal clk, rst, in_valid, out_valid : std_logic;
  signal in_data  : std_logic_vector({report['in_data']['width'] - 1} downto 0);
  signal out_data : std_logic_vector({report['out_data']['width'] - 1} downto 0);
begin
{instance}
end architecture a;
""")
    sources = [str(out / "rtl" / s) for s in (out / "rtl" / "sources.f").read_text().split()]
    unisim = [str(out / "rtl" / s) for s in json.loads(
        (out / "report.json").read_text()).get("unisim_sources", [])]
    env = {**os.environ, "GHDL_BACKEND": BACKEND}
    steps = [["-a", "--work=unisim", *unisim]] if unisim else []  # the primitives' models
    for args in (*steps, ["-a", "-P.", *sources, str(tb / f"{top}_component.vhd"),
                          str(wrapper)], ["-e", "-P.", "wrapper"]):
        proc = subprocess.run(["ghdl", args[0], "--std=08", f"--workdir={work}", *args[1:]],
                              cwd=work, capture_output=True, text=True, env=env, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]

    yosys = require_tool("yosys")
    proc = subprocess.run([yosys, "-q", "-p", f"read_verilog {tb / f'{top}_stub.v'}; "
                           f"write_json {tmp_path / 'stub.json'}"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    module = json.loads((tmp_path / "stub.json").read_text())["modules"][top]
    ports = {name: (p["direction"], len(p["bits"])) for name, p in module["ports"].items()}
    assert ports == {"clk": ("input", 1), "rst": ("input", 1), "in_valid": ("input", 1),
                     "in_data": ("input", report["in_data"]["width"]),
                     "out_valid": ("output", 1),
                     "out_data": ("output", report["out_data"]["width"])}
    assert not module["cells"]
    assert list(module["ports"]) == ["clk", "rst", "in_valid", "in_data", "out_valid",
                                     "out_data"]


def test_top_header_says_what_each_output_is(dense, student) -> None:
    for _, out, report in (dense, student):
        port = report["out_data"]
        text = (out / "rtl" / f"{report['top']}.vhd").read_text()
        header = text[:text.index("library ieee;")]
        signedness = "signed two's complement" if port["signed"] else "unsigned"
        assert (f"-- out_data: {port['elements']} x {port['format']} ({signedness} codes, "
                f"real value = code x 2**{-port['frac_bits']}), shape {tuple(port['shape'])}"
                ) in header, header
        assert "Meaningful only while out_valid = '1'" in header
        w = port["element_width"]
        for i in range(port["elements"]):
            assert f"--   element {i}: out_data({(i + 1) * w - 1} downto {i * w})" in header


def test_top_header_of_a_multi_dimensional_output() -> None:
    """A conv output: element indices over (h, w, c), listing capped at 16 elements."""
    from qkeras import QActivation, QConv2D, quantized_bits, quantized_relu
    from tensorflow import keras

    from vhdlgen.rtl.design import make_design
    from vhdlgen.rtl.render import render_files

    inp = keras.layers.Input((4, 5, 1), name="x")
    y = QActivation(quantized_bits(2, 1, keep_negative=False), name="q")(inp)
    y = QConv2D(2, (2, 2), kernel_quantizer=quantized_bits(3, 0, symmetric=1),
                bias_quantizer=quantized_bits(3, 0, symmetric=1), name="c")(y)
    y = QActivation(quantized_relu(3), name="r")(y)
    model = keras.Model(inp, y)
    qmodels.randomize(model, 3)
    graph = graph_of("conv_out", model)
    files = render_files(make_design(graph, BuildOptions(adder_levels_per_stage=3,
                                                         top="conv_out")))
    header = files["conv_out.vhd"].split("library ieee;")[0]
    assert "shape (3, 4, 2)" in header and "unsigned codes" in header
    assert "--   element 0: out_data(2 downto 0), index (0, 0, 0)\n" in header
    assert "--   element 3: out_data(11 downto 9), index (0, 1, 1)\n" in header
    assert "--   element 15: out_data(47 downto 45), index (1, 3, 1)\n" in header
    assert "element 16:" not in header and "up to element 23" in header


def test_toy_events_off_the_input_grid_fall_back_to_random_codes() -> None:
    """A 9x16x1 model without an input quantizer whose --input-format cannot hold 0.5 gets
    uniform random codes (and says so); the same seed gives the same vectors."""
    from vhdlgen.fixed import FixedType
    from vhdlgen.frontend import Options, graph_from_keras

    graph = graph_from_keras(qmodels.MODELS["no_input_quant"](),
                             Options(input_format=FixedType(False, 3, 3)), source="n.h5")
    codes, expected, source = make_vectors(graph, 50, inputs=TOY)
    assert "uniform random input codes over 0 to 7" in source
    again = np.random.default_rng(VECTOR_SEED).integers(0, 7, size=(50, 9, 16, 1), endpoint=True)
    assert np.array_equal(codes, again)
    assert expected.shape == (50, 2)
    default = graph_of("no_input_quant")  # ufixed<2,1> holds the toy data: events
    assert "toy-dataset events" in make_vectors(default, 5, inputs=TOY)[2]
    # the generator alone knows no dataset: without the study's inputs, random codes
    alone = make_vectors(default, 5)
    assert "uniform random input codes" in alone[2]
    rng = np.random.default_rng(VECTOR_SEED)
    spec = default.input
    assert np.array_equal(alone[0], rng.integers(spec.lo, spec.hi, size=(5, *spec.shape),
                                                 endpoint=True))
