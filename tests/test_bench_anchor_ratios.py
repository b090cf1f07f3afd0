"""bench/bench_anchors.py's ratio table: vhdlgen's default build over every anchor row of the
same model, LUT, FF and cycles (issue 22's yardstick), and nothing without both sides."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import bench_anchors  # noqa: E402  (no anchor package at import)


def record(generator: str, model: str, cutoff: int, lut, ff, cycles) -> dict:
    return {"generator": generator, "model": f"/models/{model}.h5", "cutoff": cutoff,
            "pipelining": f"latency cutoff {cutoff}", "lut": lut, "ff": ff,
            "latency_cycles": cycles}


def test_ratios_pair_the_default_build_with_each_anchor_of_its_model() -> None:
    records = [
        record("vhdlgen 1.0", "student_4bit", bench_anchors.DEFAULT_ROW, 24_000, 12_000, 16),
        record("vhdlgen 1.0", "student_4bit", 3, 30_000, 9_000, 12),  # not the default: unused
        record("da4ml 0.6.0", "student_4bit", 3, 32_000, 15_000, 20),
        record("alkaid 0.8.2", "student_4bit", 3, 40_000, None, 20),
        record("da4ml 0.6.0", "student_2bit", 3, 8_000, 3_000, 17),  # no vhdlgen row: no ratio
    ]
    lines = bench_anchors.ratio_table(records)
    rows = [row for line in lines for row in line.splitlines() if row.startswith("| student")]
    assert rows == ["| student_4bit | da4ml 0.6.0, latency cutoff 3 | 0.75 | 0.80 | 0.80 |",
                    "| student_4bit | alkaid 0.8.2, latency cutoff 3 | 0.60 | - | 0.80 |"]
    assert bench_anchors.ratio_table(records[2:]) == []


def test_anchor_rtl_gets_a_manifest_the_estimate_reads(tmp_path: Path) -> None:
    """An anchor's RTL folder is read as a build without a network (the estimate's stamp needs
    the manifest: without one, every new anchor estimate stopped with 'not a vhdlgen build')."""
    from vhdlgen.estimate.flow import estimate_stamp
    from vhdlgen.rtl.manifest import read_build

    (tmp_path / "rtl").mkdir()
    sources = ["binop.vhd", "top_c3.vhd"]
    for name in sources:
        (tmp_path / "rtl" / name).write_text(f"-- {name}\n")
    (tmp_path / "rtl" / "sources.f").write_text("".join(f"{name}\n" for name in sources))
    bench_anchors.write_manifest(tmp_path, "top_c3", sources, 17, 3.125, "da4ml 0.6.0")
    build = read_build(tmp_path)
    assert (build.top, build.sources, build.latency_cycles, build.graph) == (
        "top_c3", tuple(sources), 17, None)
    stamp = estimate_stamp(tmp_path)
    assert [Path(path).name for path, _ in stamp["inputs"]] == sources
