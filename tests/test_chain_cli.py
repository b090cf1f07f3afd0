"""`predict --front-end rpc` and its options on the command line (simulate on a chain build:
rtl_tests/test_chain_stream.py)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vhdlgen.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
MODEL = str(ROOT / "models" / "student_4bit.h5")


def test_predict_front_end_reads_full_image_npz(tmp_path, capsys) -> None:
    import vhdlgen
    from vhdlgen.data import fragmentation

    data = tmp_path / "d.npz"
    assert main(["dataset", "--events", "60", "--seed", "8", "--full-image", "--out", str(data)]) == 0
    out = tmp_path / "y" / "chain.npy"
    assert main(["predict", "--model", MODEL, "--front-end", "rpc", "--threshold-gev", "12",
                 "--input", str(data), "--output", str(out)]) == 0
    assert "60 events x 4 outputs" in capsys.readouterr().out
    got = np.load(out)
    strips = np.load(data)["image"]
    x, window = fragmentation.fragment(strips)
    local = vhdlgen.load(MODEL).predict(x)
    assert np.array_equal(got[:, 0], local[:, 0]) and np.array_equal(got[:, 2], window)
    assert np.array_equal(got[:, 3], (local[:, 0] >= 12).astype(float))
    np.save(tmp_path / "s.npy", strips)
    assert main(["predict", "--model", MODEL, "--front-end", "rpc", "--input",
                 str(tmp_path / "s.npy"), "--output", str(tmp_path / "s_out.npy")]) == 0
    assert np.array_equal(np.load(tmp_path / "s_out.npy")[:, :3], got[:, :3])


@pytest.mark.parametrize("arrays,message", [
    ({"x": np.zeros((2, 9, 16, 1))}, "holds x but no array image (make it with --full-image)"),
    (None, "accepted (N, 9, 384) strip hits"),
])
def test_predict_front_end_input_errors(tmp_path, capsys, arrays, message) -> None:
    path = tmp_path / "in.npz"
    if arrays is None:
        path = tmp_path / "in.npy"
        np.save(path, np.zeros((2, 9, 16, 1)))
    else:
        np.savez(path, **arrays)
    code = main(["predict", "--model", MODEL, "--front-end", "rpc", "--input", str(path),
                 "--output", str(tmp_path / "o.npy")])
    assert code == 2 and message in capsys.readouterr().err


def test_unknown_front_end_is_refused(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["predict", "--front-end", "cnn", "--input", "a.npy", "--output", "b.npy"])
    assert "--front-end" in capsys.readouterr().err


def test_evaluate_front_end_compares_the_chain_with_the_9x16_path(tmp_path) -> None:
    import json

    out = tmp_path / "eval"
    assert main(["evaluate", f"4bit={MODEL}", "--front-end", "rpc", "--events", "1000",
                 "--seed", "77", "--out", str(out)]) == 0
    result = json.loads((out / "metrics.json").read_text())["results"][0]
    assert result["same_decisions"] and result["same_turn_on"] and result["same_fake_count"]
    for key in ("plateau_efficiency", "fake_count", "resolution_near_threshold"):
        assert result["chain"][key] == result["9x16"][key], key
    assert "4bit (chain)" in (out / "metrics.md").read_text()
    for name in ("turn_on.png", "pt_resolution.png", "background_pt.png", "fake_rate.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
