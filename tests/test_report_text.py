"""report.txt's port table and the --output-format output unit row.

- Every port of the top has a row: name, direction, width, format, LSB weight; the packed
  vectors say where each element sits. The widths and formats are checked against the graph and
  the VHDL entity, not against report.json alone.
- The chain's out_data fields read as what they are: a window index and a trigger bit have their
  own widths, and the bits above them are said to be 0; the reference's expected words of
  DIR/tb agree (every such bit is 0 in every vector). The chain's generated testbench passes
  with the reset in mid-stream.
- The --output-format requantizer's cycle is booked under an output unit row: the last layer
  keeps the cycles it has without --output-format, and the cycles add up to the latency.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

import qmodels
from chain_events import tiny_graph
from tools import require_tool
from vhdlgen.chain.client import ChainOptions
from vhdlgen.chain.geometry import StripGeometry
from vhdlgen.fixed import FixedType, unsigned_width
from vhdlgen.network import load
from vhdlgen.output_format import LAYER_NAME, with_output_format
from vhdlgen.rtl.build import BuildOptions, build
from vhdlgen.rtl.port_table import lsb_weight
from vhdlgen.rtl.testbench import EXPECTED_FILE, RUN_SCRIPT

SMALL = StripGeometry(layers=4, strips=96, window_strips=16, pool=2)  # 6 windows


def table(text: str, title: str) -> dict[str, list[str]]:
    """Rows of the table under the line `title` (split on runs of 2+ spaces), by first cell."""
    lines = text.splitlines()
    start = lines.index(title) + 1
    rows = {}
    for line in lines[start:]:
        cells = re.split(r"\s{2,}", line.strip())
        if not line.startswith("  ") or ":" in cells[0]:  # the layouts below the table
            break
        rows[cells[0]] = cells[1:]
    return rows


def entity_ports(vhdl: str, entity: str) -> dict[str, tuple[str, int]]:
    """(direction, width) of every port of `entity` in its VHDL text."""
    body = vhdl[vhdl.index(f"entity {entity} is"):vhdl.index(f"end entity {entity};")]
    ports = {}
    for name, direction, kind in re.findall(r"^\s*(\w+)\s*:\s*(in|out)\s+(.*?);?$", body, re.M):
        match = re.match(r"std_logic_vector\((\d+) downto 0\)", kind)
        ports[name] = (direction, int(match.group(1)) + 1 if match else 1)
    return ports


@pytest.fixture(scope="module")
def dense(tmp_path_factory):
    from vhdlgen.frontend import graph_from_keras

    graph = graph_from_keras(qmodels.dense_only(), source="tiny.h5", source_hash="0" * 64)
    out = tmp_path_factory.mktemp("ports") / "dense"
    return graph, out, build(graph, out, BuildOptions(test_vectors=0)).data


def test_port_table_names_every_port(dense) -> None:
    graph, out, report = dense
    text = (out / "report.txt").read_text()
    rows = table(text, f"ports of {report['top']}:")
    vhdl = (out / "rtl" / f"{report['top']}.vhd").read_text()
    ports = entity_ports(vhdl, report["top"])
    assert list(rows) == ["port", *ports]  # every port of the entity, in its order
    for name, (direction, width) in ports.items():
        assert rows[name][:2] == [direction, str(width)], rows[name]
    for name, tensor in (("in_data", graph.input_tensor), ("out_data", graph.output)):
        fmt = tensor.fmt
        assert rows[name][2] == str(fmt)
        assert rows[name][3] == lsb_weight(fmt.frac)
        assert lsb_weight(fmt.frac).startswith(f"2**{-fmt.frac}")
        count = int(np.prod(tensor.shape))
        assert rows[name][4] == f"{count} elements of {fmt.width} bits, below"
        w = fmt.width
        kind = "two's complement" if fmt.signed else "unsigned"
        assert (f"  {name}: element i at {name}(i*{w} + {w - 1} downto i*{w}), {kind}, "
                f"row-major over shape {tuple(tensor.shape)}") in text
        assert f"element {count - 1} " in text and f"{name}({count * w - 1} downto " in text
    assert rows["clk"][4].startswith(f"clock, rising edge; {report['clock_ns']:g} ns")
    assert rows["out_valid"][4].endswith(f"input of {report['latency_cycles']} clocks before")
    assert "synchronous, active high" in rows["rst"][4]


def test_lsb_weight_text() -> None:
    assert [lsb_weight(f) for f in (0, 1, 3, 17, -2)] == [
        "1", "2**-1 = 0.5", "2**-3 = 0.125", "2**-17", "2**2 = 4"]


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    out = tmp_path_factory.mktemp("ports") / "chain"
    report = build(tiny_graph(SMALL), out, BuildOptions(test_vectors=40, client=ChainOptions(
        front_end="rpc", strip_geometry=SMALL))).data
    return out, report


def test_chain_fields_read_as_what_they_are(chain) -> None:
    out, report = chain
    text = (out / "report.txt").read_text()
    port = report["out_data"]
    w = port["element_width"]
    assert "per element, see fields" not in text
    assert (f"out_data {4 * w} bits (4 fields of {w} bits: pt {port['fields'][0]['format']}, "
            f"eta {port['fields'][1]['format']}, window ufixed<") in text
    fields = table(text, "ports of tiny_trigger_chain:")
    assert fields["out_data"][:2] == ["out", str(4 * w)]
    rows = {line.split()[0]: line for line in text.splitlines()
            if line.startswith("    ") and line.split()[0] in ("window", "trigger")}
    window_bits = unsigned_width(SMALL.windows - 1)  # 3 bits for 6 windows
    lsb = 2 * w
    assert (f"out_data({lsb + window_bits - 1} downto {lsb}); "
            f"out_data({lsb + w - 1} downto {lsb + window_bits}) always 0") in rows["window"]
    assert f"ufixed<{window_bits},{window_bits}>" in rows["window"]
    assert f"0 to {SMALL.windows - 1}" in rows["window"]
    assert (f"out_data({3 * w}); out_data({4 * w - 1} downto {3 * w + 1}) always 0"
            ) in rows["trigger"]
    # the reference's words agree: the bits said to be 0 are 0, the window fits its bits
    words = [int(line, 16) for line in (out / "tb" / EXPECTED_FILE).read_text().split()]
    mask = (1 << w) - 1
    windows = [(word >> lsb) & mask for word in words]
    triggers = [(word >> (3 * w)) & mask for word in words]
    assert max(windows) < 2 ** window_bits and set(triggers) <= {0, 1}
    assert len(set(windows)) > 1, "vectors too uniform to tell"


def test_chain_testbench_passes_with_the_mid_stream_reset(chain, tmp_path) -> None:
    require_tool("ghdl")
    out, _ = chain
    proc = subprocess.run([str(out / "tb" / RUN_SCRIPT)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert lines[-2].startswith("mid-stream reset: rst = '1' for 2 clocks")
    assert re.fullmatch(r"PASS: \d+ vectors", lines[-1])


@pytest.fixture(scope="module")
def formatted(tmp_path_factory):
    """student_2bit without and with --output-format fixed<12,6>: (plain report, dir, report)."""
    graph = load(Path(__file__).resolve().parents[1] / "models" / "student_2bit.h5").graph
    base = tmp_path_factory.mktemp("format")
    # two adder levels per stage: the requantizer cannot join the last adder's stage, so it has
    # a cycle of its own, which the output unit must book (with the delay model it may fit the
    # last stage, 0 cycles, which would test nothing)
    options = BuildOptions(test_vectors=0, adder_levels_per_stage=2)
    plain = build(graph, base / "plain", options).data
    fmt_graph = with_output_format(graph, FixedType.parse("fixed<12,6>"))
    out = base / "formatted"
    return plain, out, build(fmt_graph, out, options).data


def test_output_format_cycle_is_the_output_units(formatted) -> None:
    plain, out, report = formatted
    last, extra = report["layers"][-1], report["output_unit"]
    assert extra["name"] == LAYER_NAME and extra["entity"] == last["entity"]
    # the layer keeps the cycles it has without --output-format; the requantizer has the rest
    assert last["latency_cycles"] == plain["layers"][-1]["latency_cycles"]
    assert extra["latency_cycles"] == report["latency_cycles"] - plain["latency_cycles"] == 1
    assert last["entity_latency_cycles"] == last["latency_cycles"] + extra["latency_cycles"]
    assert sum(l["latency_cycles"] for l in report["layers"]) + extra["latency_cycles"] == \
        report["latency_cycles"]
    assert len(extra["stage_delays"]) == 1 and extra["output"]["format"] == "fixed<12,6>"
    text = (out / "report.txt").read_text().split("\n\n")[1]  # the unit table
    rows = {cells[0]: cells[1:] for cells in (re.split(r"\s{2,}", line)
                                              for line in text.splitlines())}
    assert rows["output"][:2] == ["output", str(plain["layers"][-1]["latency_cycles"])]
    assert rows["output unit"][:2] == [LAYER_NAME, "1"]
    assert rows["output unit"][-1] == "fixed<12,6>"
    assert "output_unit" not in plain


def test_build_report_reads_the_output_unit(formatted) -> None:
    import json

    from vhdlgen.report import BuildReport

    plain, out, _ = formatted
    data = json.loads((out / "report.json").read_text())
    report = BuildReport.from_json(data).at(out)
    assert report.output_unit is not None and report.output_unit.latency_cycles == 1
    assert report.output_unit.output.format == "fixed<12,6>"
    assert report.units[-1].latency_cycles == plain["layers"][-1]["latency_cycles"]
    assert report.build_dir == out and BuildReport.from_json(plain).output_unit is None


def test_a_requantizer_in_the_last_adder_stage_has_no_cycle(tmp_path) -> None:
    """When the requantizer fits the last adder's stage (a generous clock), the layer keeps every
    cycle of its entity and the output unit row says it takes none."""
    graph = load(Path(__file__).resolve().parents[1] / "models" / "student_2bit.h5").graph
    fmt_graph = with_output_format(graph, FixedType.parse("fixed<12,6>"))
    report = build(fmt_graph, tmp_path / "slow", BuildOptions(test_vectors=0, clock_ns=20.0)).data
    last, extra = report["layers"][-1], report["output_unit"]
    assert extra["latency_cycles"] == 0 and extra["stage_delays"] == []
    assert last["latency_cycles"] == last["entity_latency_cycles"]
    text = (tmp_path / "slow" / "report.txt").read_text()
    row = next(l for l in text.splitlines() if l.startswith("output unit"))
    assert re.split(r"\s{2,}", row) == ["output unit", LAYER_NAME, "0", "-", "-", "-",
                                        f"in {last['name']}'s last", "fixed<12,6>"]
