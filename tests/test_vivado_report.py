"""The Vivado report reader (vhdlgen.timing.vivado_report) and the calibration records.

Expected numbers were read off the excerpts in tests/data/vivado/ by eye (see the README there
for their sources), not taken from the reader's output."""
from pathlib import Path

import pytest

from vhdlgen.errors import UserError
from vhdlgen.timing.paths import Element, PathRecord, load_calibration, load_design_summaries
from vhdlgen.timing.vivado_report import combine, parse_report, read_report

DATA = Path(__file__).parent / "data" / "vivado"
DA4ML = DATA / "da4ml_verilog_lc2_post_route_timing_summary.rpt"


def test_da4ml_post_route_summary_setup_path():
    report = read_report(DA4ML)
    assert (report.kind, report.design, report.part) == ("report_timing_summary", "vmodel",
                                                         "xcvu13p-flga2577")
    assert (report.speed_grade, report.vivado, report.state) == ("-2", "2025.1", "routed")
    assert report.clocks == {"sys_clk": 5.0}
    timing = report.design_timing
    assert (timing.wns_ns, timing.tns_ns, timing.failing_endpoints, timing.total_endpoints) == (
        0.822, 0.0, 0, 7451)
    assert (timing.whs_ns, timing.ths_ns) == (-0.267, -512.44)
    [path] = report.paths
    assert path.startpoint == "stage9_inp_reg[1262]_bret__11/C"
    assert path.endpoint == "stage10_inp_reg[546]/D"
    assert (path.target_ns, path.slack_ns, path.data_path_ns) == (5.0, 0.822, 3.658)
    assert (path.logic_ns, path.route_ns, path.logic_levels) == (0.847, 2.811, 6)
    assert (path.clock_skew_ns, path.clock_uncertainty_ns) == (-0.009, 0.535)
    assert path.setup_ns == -0.025  # "FDRE (Setup_EFF_SLICEM_C_D)  0.025  4.511"
    assert path.elements[0] == Element("clock_to_q", "FDRE", "HFF_SLICEM_C_Q", 0.079)
    assert path.elements[1] == Element("net", "", "", 1.081, 7, "routed")
    assert path.elements[2] == Element("cell", "CARRY8", "CARRY8_SLICEL_S[0]_CO[7]", 0.190)
    assert path.elements[2].pins == ("S[0]", "CO[7]")
    assert path.elements[8] == Element("cell", "LUT2", "G6LUT_SLICEM_I1_O", 0.123)
    assert [e.cell for e in path.cells] == ["FDRE", "CARRY8", "CARRY8", "CARRY8", "LUT2",
                                            "CARRY8", "CARRY8"]
    assert [e.fanout for e in path.nets] == [7, 1, 5, 2, 1, 1, 1]


def test_hold_path_is_skipped_with_its_reason():
    [hold] = read_report(DA4ML).skipped
    assert hold.startpoint == "stage7/op_116/accum/DSP_A_B_DATA_INST/CLK"
    assert hold.endpoint == "stage7/op_116/accum/DSP_OUTPUT_INST/ALU_OUT[10]"
    assert hold.reason.startswith("hold check")
    line = DA4ML.read_text().splitlines()[hold.line - 1]
    assert line.startswith("Slack (VIOLATED) :        -0.267ns")


def test_unconstrained_port_path_is_skipped():
    report = read_report(DATA / "lakeroad_unconstrained_port_path.rpt")
    assert report.paths == ()
    [skipped] = report.skipped
    assert (skipped.startpoint, skipped.endpoint) == ("mem0_read_data[21]", "mem0_write_data[21]")
    assert skipped.reason.startswith("unconstrained")
    assert report.wns_ns is None


def test_path_summary_table_with_wrapped_rows_gives_the_wns():
    report = read_report(DATA / "da4ml_verilog_lc2_post_route_timing_paths.rpt")
    rows = report.summary_paths
    assert len(rows) == 10
    assert (rows[0].startpoint, rows[0].endpoint, rows[0].slack_ns) == (
        "stage9_inp_reg[1262]_bret__11/C", "stage10_inp_reg[546]/D", 0.822)
    assert (rows[1].startpoint, rows[1].endpoint, rows[1].slack_ns) == (
        "stage9_inp_reg[676]/C", "stage10_inp_reg[307]/D", 0.823)
    assert rows[-1].slack_ns == 0.857
    assert report.wns_ns == 0.822


def test_utilization_gives_the_luts_and_combine_fills_them_in():
    util = read_report(DATA / "da4ml_verilog_lc2_post_route_util.rpt")
    assert (util.kind, util.luts, util.part) == ("report_utilization", 5804, "xcvu13p-flga2577")
    [path] = combine([read_report(DA4ML), util])
    assert (path.design_luts, path.design_wns_ns) == (5804, 0.822)
    assert not path.tight  # 0.822 ns of slack at 5 ns


def test_hierarchical_utilization_gives_the_top_rows_luts():
    report = read_report(DATA / "variant_utilization_hier.rpt")
    assert (report.luts, report.speed_grade, report.part) == (21034, "-2L", "xcvu13p-fhga2104")


def test_combine_lists_a_path_of_two_reports_once():
    """build.tcl's timing summary and its report_timing hold the same worst paths."""
    paths = combine([read_report(DA4ML), read_report(DATA / "variant_2019_nworst2.rpt")])
    assert [(p.startpoint, p.slack_ns) for p in paths] == [
        ("stage9_inp_reg[1262]_bret__11/C", 0.822), ("stage9_inp_reg[1261]/C", 0.920)]


def test_vivado_2020_header_without_design_state():
    report = read_report(DATA / "rapidwright_microblaze4_report_timing.rpt")
    assert (report.vivado, report.part, report.speed_grade) == ("2020.1", "xcvu3p-ffvc1517", "-2")
    assert report.state == "routed"  # from its nets: no Design State line before 2022
    [path] = combine([report])
    assert (path.data_path_ns, path.logic_levels, path.setup_ns) == (1.846, 7, 0.061)
    assert path.design_wns_ns == 0.051  # a bare report_timing lists the worst path
    assert path.tight
    assert path.nets[-2] == Element("net", "", "", 0.472, 324, "routed")
    assert path.elements[-2] == Element("cell", "LUT2", "F6LUT_SLICEM_I1_O", 0.051)


def test_older_labels_and_nworst_two_paths_to_one_endpoint():
    report = read_report(DATA / "variant_2019_nworst2.rpt")
    assert (report.vivado, report.state) == ("2019.2", "routed")
    first, second = report.paths
    assert first.endpoint == second.endpoint == "stage10_inp_reg[546]/D"
    assert (first.startpoint, second.startpoint) == ("stage9_inp_reg[1262]_bret__11/C",
                                                     "stage9_inp_reg[1261]/C")
    assert (first.slack_ns, second.slack_ns) == (0.822, 0.920)
    assert second.data_path_ns == 3.561
    assert first.elements[0] == Element("clock_to_q", "FDRE", "FDRE_C_Q", 0.079)
    assert first.elements[2] == Element("cell", "CARRY8", "CARRY8_S[0]_CO[7]", 0.190)
    assert first.elements[8] == Element("cell", "LUT2", "LUT2_I1_O", 0.123)
    assert first.elements[8].pins == ("I1", "O")
    assert second.elements[1] == Element("net", "", "", 0.990, 3, "routed")
    assert report.wns_ns == 0.822


def test_logic_level_distribution():
    report = read_report(DATA / "variant_design_analysis.rpt")
    [row] = report.logic_levels
    assert (row.clock, row.requirement_ns) == ("sys_clk", 5.0)
    assert row.counts == {"0": 212, "1": 140, "2": 301, "3": 177, "4": 95, "5": 61, "6": 14}


def test_every_parsed_path_adds_up_to_its_data_path_delay():
    for name in ("rapidwright_gnl3500_report_timing.rpt", "variant_2019_nworst2.rpt",
                 DA4ML.name):
        for path in read_report(DATA / name).paths:
            assert sum(e.delay_ns for e in path.elements) == pytest.approx(path.data_path_ns,
                                                                           abs=0.002)


def _error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bad.rpt"
    path.write_text(text)
    with pytest.raises(UserError) as error:
        read_report(path)
    return str(error.value)


def test_truncated_report_names_file_and_line(tmp_path):
    lines = DA4ML.read_text().splitlines()
    cut = next(i for i, line in enumerate(lines) if "stage9/op_113/accum_carry__0/O[5]" in line)
    message = _error(tmp_path, "\n".join(lines[:cut + 1]) + "\n")
    assert "bad.rpt" in message and f"line {cut + 1}" in message
    assert "the final 'slack <x>' line" in message


def test_garbage_and_missing_header(tmp_path):
    message = _error(tmp_path, "this is not a report\n\x00\x01 at all\n")
    assert "bad.rpt, line 1: expected a Vivado report" in message
    headless = DA4ML.read_text().replace("| Device            : xcvu13p-flga2577\n", "")
    assert "expected the report header line '| Device : ...'" in _error(tmp_path, headless)


@pytest.mark.parametrize("routing, expected", [
    ("??????", "expected a cell line '<TYPE> (Prop_<arc>)', a net line"),
    ("unset", "expected a data path net that is one of routed/estimated/unplaced")])
def test_damaged_net_line_names_its_line(tmp_path, routing, expected):
    lines = DA4ML.read_text().splitlines()
    broken = next(i for i, line in enumerate(lines) if "net (fo=5, routed)" in line)
    lines[broken] = lines[broken].replace("net (fo=5, routed)", f"net (fo=5, {routing})")
    message = _error(tmp_path, "\n".join(lines))
    assert f"bad.rpt, line {broken + 1}: {expected}" in message


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="cannot read the Vivado report"):
        read_report(tmp_path / "nope.rpt")


def test_post_synthesis_paths_are_skipped(tmp_path):
    text = DA4ML.read_text().replace("Design State      : Routed",
                                     "Design State      : Synthesized")
    report = parse_report(text, "synth.rpt", "synth.rpt")
    assert report.paths == () and report.state == "synthesized"
    assert any("not placed" in s.reason for s in report.skipped)


def test_calibration_records_round_trip_and_are_sound():
    records = load_calibration()
    assert 20 <= len(records) <= 150
    for record in records:
        assert PathRecord.from_json(record.to_json()) == record
        assert record.state in ("routed", "placed") and record.target_ns > 0
        assert record.elements[0].kind == "clock_to_q"
        assert sum(e.delay_ns for e in record.elements) == pytest.approx(
            record.data_path_ns, abs=0.0015 * len(record.elements))
        # Vivado's slack: requirement + skew - uncertainty - setup - data path
        assert record.target_ns + record.clock_skew_ns - record.clock_uncertainty_ns - \
            record.setup_ns - record.data_path_ns == pytest.approx(record.slack_ns, abs=0.003)
    sources = {r.source.split("@")[0].split(":")[0] for r in records}
    assert {"calad0i/da4ml", "gussmith23/lakeroad-evaluation",
            "https"} <= sources
    assert any(r.tight for r in records)


def test_calibration_holds_the_issue_18_paths():
    """The two da4ml worst paths quoted in issue 18 and the RapidWright example of model.py."""
    records = {(r.design, r.state): r for r in load_calibration()}
    verilog = records[("da4ml vivado_example_verilog_model_lc=2", "routed")]
    vhdl = records[("da4ml vivado_example_vhdl_model_lc=2", "routed")]
    assert (verilog.data_path_ns, verilog.logic_levels) == (3.658, 6)
    assert (vhdl.data_path_ns, vhdl.logic_levels, vhdl.logic_ns, vhdl.route_ns) == (
        3.626, 8, 1.155, 2.471)
    microblaze = records[("RapidWright design_1", "routed")]
    assert (microblaze.part, microblaze.data_path_ns, microblaze.target_ns) == (
        "xcvu3p-ffvc1517", 1.846, 2.0)


def test_jedi_design_summaries():
    designs = load_design_summaries()
    assert len(designs) == 20
    assert all(d.target_ns == 2.0 and d.wns_ns < 0 for d in designs)  # all 20 missed 2.0 ns
    worst_small = [d for d in designs if "32-particle-3-feature." in d.source]
    assert [(d.wns_ns, d.luts) for d in worst_small] == [(-1.325, 45299)]
