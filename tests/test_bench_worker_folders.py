"""bench/anchor_worker.py replaces rtl/, project/ and its result files in --out: it must never
do that in a folder it did not make (the benchmark anchor worker, run outside vhdlgen)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import anchor_worker  # noqa: E402  (numpy only at import; da4ml/alkaid load inside run_*)

ARGS = ["--tool", "da4ml", "--spec", "no_spec.json", "--vectors", "no_vectors.npz",
        "--cutoff", "3", "--top", "t"]


def test_foreign_folder_is_refused_and_left_alone(tmp_path: Path) -> None:
    (tmp_path / "rtl").mkdir()
    (tmp_path / "rtl" / "mine.vhd").write_text("user file")
    (tmp_path / "report.json").write_text("{}")
    with pytest.raises(SystemExit, match="did not write"):
        anchor_worker.main([*ARGS, "--out", str(tmp_path)])
    assert (tmp_path / "rtl" / "mine.vhd").read_text() == "user file"
    assert (tmp_path / "report.json").read_text() == "{}"
    assert not (tmp_path / anchor_worker.MARKER).exists()


def test_new_empty_and_own_folders_are_claimed(tmp_path: Path) -> None:
    new = tmp_path / "new" / "setting"
    anchor_worker.claim_out_dir(new)
    assert (new / anchor_worker.MARKER).is_file()
    (new / "rtl").mkdir()
    anchor_worker.claim_out_dir(new)  # its own folder again: accepted
    empty = tmp_path / "empty"
    empty.mkdir()
    anchor_worker.claim_out_dir(empty)
    older = tmp_path / "older"  # made by a worker before the marker existed
    older.mkdir()
    (older / "worker.json").write_text("{}")
    anchor_worker.claim_out_dir(older)
    assert (older / anchor_worker.MARKER).is_file()
