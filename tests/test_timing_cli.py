"""`vhdlgen timing`: Vivado's reports against the delay model, RTL names with --build, --fit.

Vivado numbers were read off the excerpts in tests/data/vivado/ by eye; the model's numbers are
the lead's `fit.predict_path` (tested in its own tests), checked here only for being the ones
printed, and the ratio for being model / Vivado."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from vhdlgen.__main__ import main
from vhdlgen.timing.fit import predict_path
from vhdlgen.timing.model import corner_model, load_delay_model
from vhdlgen.timing.vivado_report import read_report

DATA = Path(__file__).parent / "data" / "vivado"
DA4ML = DATA / "da4ml_verilog_lc2_post_route_timing_summary.rpt"
DA4ML_VHDL = DATA / "da4ml_vhdl_lc2_post_route_timing_summary.rpt"
MICROBLAZE = DATA / "rapidwright_microblaze4_report_timing.rpt"
GNL = DATA / "rapidwright_gnl3500_report_timing.rpt"
ROOT = Path(__file__).resolve().parents[1]
_PRICED = re.compile(r"Vivado data path (\S+) ns \(\+ setup (\S+) = (\S+) ns\); model (\S+) ns; "
                     r"model/Vivado (\S+)")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["timing", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def priced(out: str) -> list[tuple[float, ...]]:
    return [tuple(float(x) for x in m.groups()) for m in _PRICED.finditer(out)]


def test_model_vivado_and_ratio_for_every_path(capsys):
    files = (DA4ML, DA4ML_VHDL, GNL, MICROBLAZE, DATA / "variant_2019_nworst2.rpt")
    code, out, _ = run(capsys, "--vivado-report", *files)
    assert code == 0
    rows = priced(out)
    # (data path, setup, data path + setup) as the reports print them; the variant's first
    # path is the da4ml one (same design, folder, ends, delay, slack): printed once
    assert [r[:3] for r in rows] == [(3.658, -0.025, 3.633), (3.626, -0.025, 3.601),
                                     (2.331, -0.025, 2.306), (1.846, 0.061, 1.907),
                                     (3.561, -0.025, 3.536)]
    model = corner_model("signoff")
    records = [p for f in files for p in read_report(f).paths]
    del records[4]
    for (_, _, vivado, model_ns, ratio), record in zip(rows, records):
        assert model_ns == round(predict_path(model, record), 3)
        assert ratio == pytest.approx(model_ns / vivado, abs=0.006)
    assert "path 1 [1]: stage9_inp_reg[1262]_bret__11/C -> stage10_inp_reg[546]/D" in out
    assert "6 levels (CARRY8=5 LUT2=1), routed, target 5.000 ns, slack 0.822 ns" in out
    assert "path 2 [2]: stage9_inp_reg[331]/C -> stage10_inp_reg[182]/D" in out
    assert "8 levels (CARRY8=5 LUT2=3), routed, target 5.000 ns, slack 0.853 ns" in out
    assert "skipped 1: hold check" in out
    ratios = [r[4] for r in rows]
    summary = re.search(r"model/Vivado over 5 of 5 path\(s\): median (\S+), min (\S+), max (\S+)",
                        out)
    assert summary
    assert (float(summary.group(2)), float(summary.group(3))) == (min(ratios), max(ratios))


def test_a_path_through_a_dsp_is_shown_without_a_model_delay(capsys):
    code, out, _ = run(capsys, "--vivado-report", DATA / "lakeroad_dsp_path.rpt")
    assert code == 0
    assert "Vivado data path 2.723 ns" in out
    assert ("model: - (it does not price DSP_ALU, DSP_MULTIPLIER, DSP_M_DATA, DSP_OUTPUT, "
            "DSP_PREADD_DATA)") in out
    assert "model/Vivado: none of the 1 path(s) is priced by the model" in out


def test_summary_design_analysis_and_utilization_reports_are_listed(capsys):
    code, out, _ = run(capsys, "--vivado-report", DA4ML,
                       DATA / "da4ml_verilog_lc2_post_route_timing_paths.rpt",
                       DATA / "da4ml_verilog_lc2_post_route_util.rpt",
                       DATA / "variant_design_analysis.rpt")
    assert code == 0
    assert "[2] " in out and "WNS 0.822 ns; 0 setup path(s)" in out
    assert "5804 LUTs" in out
    assert "end points per logic level (sys_clk) 0:212 1:140 2:301 3:177 4:95 5:61 6:14" in out


def test_does_not_import_tensorflow():
    code = ("import sys; from vhdlgen.__main__ import main; "
            f"main(['timing', '--vivado-report', {str(MICROBLAZE)!r}]); "
            "print('TF' if 'tensorflow' in sys.modules else 'no TF')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    assert result.stdout.strip().endswith("no TF")


# names of a real build (`vhdlgen build` of the 2-bit test student, unit conv3): a register
# variable after stage 0, an adder's register, a shared subexpression's
UNIT = """\
entity tiny_student_conv3 is
  port (clk : in std_logic);
end entity tiny_student_conv3;
architecture rtl of tiny_student_conv3 is
begin
  pipeline : process (clk)
    variable x_h1_w0_c0_s1_r0 : integer range 0 to 4;
    variable y_h0_w0_c1_a1_r0 : integer range -8 to 7;
    variable t1_r0 : integer range -4 to 3;
  begin
  end process;
end architecture rtl;
"""
TOP = """\
entity tiny_student is
  port (clk : in std_logic);
end entity tiny_student;
architecture rtl of tiny_student is
begin
  u_conv3 : entity work.tiny_student_conv3 port map (clk => clk);
end architecture rtl;
"""


def tiny_build(root: Path) -> Path:
    build = root / "build"
    (build / "rtl").mkdir(parents=True)
    (build / "rtl" / "tiny_student_conv3.vhd").write_text(UNIT)
    (build / "rtl" / "tiny_student.vhd").write_text(TOP)
    sources = ["tiny_student_conv3.vhd", "tiny_student.vhd"]
    report = {"top": "tiny_student", "sources": sources, "latency_cycles": 1, "clock_ns": 3.125,
              "part": "xcvu13p-flga2577-2-e",
              "layers": [{"name": "conv3", "entity": "tiny_student_conv3"}]}
    (build / "report.json").write_text(json.dumps(report))
    manifest = {"format": 2, "tool": "vhdlgen", "complete": True, "top": "tiny_student",
                "files": ["report.json"] + [f"rtl/{s}" for s in sources], "folders": ["rtl"],
                "report": report}
    (build / "vhdlgen-build.json").write_text(json.dumps(manifest))
    return build


def test_build_maps_start_and_end_to_rtl_names(capsys, tmp_path):
    text = DATA.joinpath("variant_2019_nworst2.rpt").read_text()
    text = text.replace("stage9_inp_reg[1262]_bret__11", "u_conv3/x_h1_w0_c0_s1_r0_reg[1]_bret__11")
    text = text.replace("stage10_inp_reg[546]", "u_conv3/pipeline.y_h0_w0_c1_a1_r0_reg[2]")
    text = text.replace("stage9_inp_reg[1261]", "u_conv3/t1_r0_reg[0]_rep")
    report = tmp_path / "route.rpt"
    report.write_text(text)
    code, out, _ = run(capsys, "--vivado-report", report, "--build", tiny_build(tmp_path))
    assert code == 0
    assert ("from tiny_student_conv3 (u_conv3): x_h1_w0_c0_s1, register after stage 0 bit 1"
            in out)
    assert ("to   tiny_student_conv3 (u_conv3): y_h0_w0_c1 adder 1, register after stage 0 "
            "bit 2") in out
    assert ("from tiny_student_conv3 (u_conv3): shared subexpression t1, register after stage 0 "
            "bit 0") in out


def test_build_of_another_design_is_said(capsys, tmp_path):
    code, out, _ = run(capsys, "--vivado-report", DA4ML, "--build", tiny_build(tmp_path))
    assert code == 0
    assert "from stage9_inp_reg[1262]_bret__11/C (not a register of this build)" in out


def test_fit_writes_a_model_that_delay_model_reads(capsys, tmp_path):
    out_json = tmp_path / "fits" / "mine.json"
    code, out, _ = run(capsys, "--vivado-report", MICROBLAZE, DA4ML, "--fit", out_json,
                       "--timing-corner", "typical")
    assert code == 0 and f"wrote {out_json}: typical corner" in out
    fitted = load_delay_model(out_json)
    assert fitted.corner == "typical" and "xcvu3p-ffvc1517 -2" in fitted.fitted_on
    code, out, _ = run(capsys, "--vivado-report", MICROBLAZE, "--delay-model", out_json)
    assert code == 0 and "model: typical corner" in out


@pytest.mark.parametrize("argv, message", [
    (["--vivado-report", MICROBLAZE, "--timing-corner", "typical", "--delay-model", "x.json"],
     "give --timing-corner or --delay-model, not both"),
    (["--vivado-report", DATA / "missing.rpt"], "cannot read the Vivado report"),
    (["--vivado-report", DATA / "lakeroad_unconstrained_port_path.rpt"],
     "no setup path of a placed or routed design in 1 report(s)"),
    (["--vivado-report", MICROBLAZE, "--build", DATA / "no_such_build"], "does not exist"),
    (["--vivado-report", MICROBLAZE, "--delay-model", DATA / "README.md"], "not JSON"),
    (["--vivado-report", DATA / "README.md"], "README.md, line 1: expected a Vivado report"),
])
def test_errors_are_one_line_without_traceback(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("vhdlgen timing: error: ") and message in err
    assert "Traceback" not in err


def test_fit_on_relaxed_runs_only_is_refused(capsys, tmp_path):
    code, _, err = run(capsys, "--vivado-report", DA4ML, "--fit", tmp_path / "m.json")
    assert code == 2 and "tight" in err and not (tmp_path / "m.json").exists()


def test_unwritable_fit_output(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run(capsys, "--vivado-report", MICROBLAZE, "--fit", blocker / "m.json")
    assert code == 2 and "--fit" in err and "cannot write it" in err
