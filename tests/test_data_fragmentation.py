"""Fragmentation on hand-made images, and the `dataset` CLI."""
from __future__ import annotations

import argparse

import numpy as np
import pytest

from vhdlgen.data import fragment, load_npz
from vhdlgen.data.cli import add_parser
from vhdlgen.data.fragmentation import window_counts, window_eta_min
from vhdlgen.errors import UserError


def _empty(n: int = 1) -> np.ndarray:
    return np.zeros((n, 9, 384), dtype=np.uint8)


def test_keeps_window_with_most_pixels_and_pools() -> None:
    img = _empty()
    img[0, 0, 3 * 32 + 4] = 1                  # window 3: strips 4 and 5 -> pooled column 2 = 1.0
    img[0, 0, 3 * 32 + 5] = 1
    img[0, 4, 3 * 32 + 31] = 1                 # window 3, last strip -> column 15 = 0.5
    img[0, 8, 3 * 32 + 0] = 1                  # window 3, first strip -> column 0 = 0.5
    img[0, 2, 7 * 32 + 10] = 1                 # window 7: two pixels only, dropped
    img[0, 3, 7 * 32 + 11] = 1
    x, window = fragment(img)
    assert window.tolist() == [3]
    expected = np.zeros((9, 16), np.float32)
    expected[0, 2], expected[4, 15], expected[8, 0] = 1.0, 0.5, 0.5
    assert np.array_equal(x[0, :, :, 0], expected)
    assert x.shape == (1, 9, 16, 1) and x.dtype == np.float32


def test_ties_go_to_lowest_window_and_empty_is_window_0() -> None:
    img = _empty(2)
    img[0, 1, 5 * 32 + 2] = 1
    img[0, 1, 9 * 32 + 2] = 1
    x, window = fragment(img)
    assert window.tolist() == [5, 0]
    assert x[0].sum() == 0.5 and x[1].sum() == 0


def test_window_counts_and_eta_edges() -> None:
    img = _empty()
    img[0, :, 383] = 1
    counts = window_counts(img)
    assert counts.shape == (1, 12) and counts[0, 11] == 9 and counts.sum() == 9
    assert window_eta_min(np.array([0, 12]))[1] == pytest.approx(1.05)


def test_bad_image_shape() -> None:
    with pytest.raises(ValueError):
        fragment(np.zeros((1, 9, 100)))


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    return parser.parse_args(argv)


def test_cli_writes_npz(tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "d.npz"
    args = _parse(["dataset", "--events", "300", "--seed", "3", "--out", str(out), "--full-image"])
    assert args.func(args) == 0
    data = load_npz(str(out))
    assert {"x", "pt", "eta", "is_muon", "window", "image"} <= set(data)
    assert data["x"].shape == (300, 9, 16, 1) and data["image"].shape == (300, 9, 384)
    args = _parse(["dataset", "--events", "10", "--seed", "3", "--out", str(tmp_path / "e.npz")])
    args.func(args)
    assert "image" not in load_npz(str(tmp_path / "e.npz"))


@pytest.mark.parametrize("argv", [
    ["--events", "0", "--seed", "1", "--out", "{tmp}/a.npz"],
    ["--events", "5", "--seed", "1", "--out", "{tmp}/a.txt"],
    ["--events", "5", "--seed", "1", "--out", "{tmp}/missing/a.npz"],
    ["--events", "5", "--seed", "1", "--muon-fraction", "2", "--out", "{tmp}/a.npz"],
])
def test_cli_user_errors(tmp_path, argv: list[str]) -> None:  # noqa: ANN001
    args = _parse(["dataset", *[a.format(tmp=tmp_path) for a in argv]])
    with pytest.raises(UserError):
        args.func(args)
