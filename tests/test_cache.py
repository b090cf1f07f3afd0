"""Caches keyed by content (vhdlgen.cache), the estimate's stamp and the benches' estimate cache.

A cache is reused only when its stored stamp (absolute path and sha256 of every input, tools,
options) equals the current one: an edited byte with the old mtime, a copy in another folder, an
edited package, another tool version or flow each mean a fresh run. Hashes here are computed with
hashlib in the test, not read from the code under test. No yosys run: the estimate itself is
replaced by a counter in the bench-cache tests.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import types
from pathlib import Path

import pytest

from tools import make_build, require_tool
from vhdlgen import cache
from vhdlgen import estimate as est
from vhdlgen.estimate import flow as estimate_flow
from vhdlgen.errors import UserError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import common  # noqa: E402  (bench/common.py)


def write(path: Path, text: str, keep_mtime: bool = False) -> None:
    """Write a file; optionally keep the old mtime (an edit in the same second as a compile, on
    a file system that stores whole seconds, looks like this)."""
    before = path.stat() if keep_mtime else None
    path.write_text(text)
    if before:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "a"
    folder.mkdir()
    paths = [folder / "pkg.vhd", folder / "top.vhd"]
    write(paths[0], "package p is end package;\n")
    write(paths[1], "entity top is end entity;\n")
    return paths


def stamp_of(paths: list[Path], **identity) -> dict:
    return cache.make_stamp(cache.hash_files(paths), {"tool": "ghdl 1", **identity})


def test_inputs_are_absolute_paths_and_content_hashes_in_order(files, monkeypatch) -> None:
    monkeypatch.chdir(files[0].parent)
    inputs = cache.hash_files([Path("top.vhd"), Path("pkg.vhd")])
    assert [item.path for item in inputs] == [str(files[1]), str(files[0])]
    assert inputs[1].sha256 == hashlib.sha256(files[0].read_bytes()).hexdigest()
    assert inputs[1].short == inputs[1].sha256[:12] and len(inputs[1].short) == 12


def test_a_missing_input_is_named(files) -> None:
    with pytest.raises(UserError, match="ghost.vhd"):
        cache.hash_files([files[0].parent / "ghost.vhd"])


def test_stored_stamp_is_current_until_anything_differs(files, tmp_path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    cache.write_stamp(folder, stamp_of(files))
    assert cache.is_current(folder, stamp_of(files))
    assert not cache.is_current(folder, stamp_of(files, tool="ghdl 2"))
    assert not cache.is_current(folder, stamp_of(files, flow="carry"))
    assert not cache.is_current(folder, stamp_of(files[::-1]))
    assert not cache.is_current(tmp_path / "elsewhere", stamp_of(files))


def test_an_edit_with_the_same_mtime_and_size_is_caught(files, tmp_path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    cache.write_stamp(folder, stamp_of(files))
    text = files[0].read_text()
    write(files[0], text.replace("p", "q", 1), keep_mtime=True)  # same size, same mtime
    assert not cache.is_current(folder, stamp_of(files))


def test_a_copied_folder_does_not_match_the_original(files, tmp_path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    cache.write_stamp(folder, stamp_of(files))
    copy = Path(shutil.copytree(files[0].parent, tmp_path / "b"))
    assert not cache.is_current(folder, stamp_of([copy / f.name for f in files]))


def test_a_damaged_stamp_is_not_current(files, tmp_path) -> None:
    (tmp_path / cache.STAMP_FILE).write_text("{not json")
    assert cache.read_stamp(tmp_path) is None
    assert not cache.is_current(tmp_path, stamp_of(files))


def test_clear_removes_only_a_folder_vhdlgen_made(tmp_path) -> None:
    ours, marked, foreign = tmp_path / "ours", tmp_path / "marked", tmp_path / "foreign"
    for folder in (ours, marked, foreign):
        folder.mkdir()
        (folder / "notes.txt").write_text("x")
    cache.write_stamp(ours, {"inputs": [], "identity": {}})
    (marked / "top-obj08.cf").write_text("lib")
    cache.clear(ours, ())
    cache.clear(marked, ("top-obj08.cf",))
    assert not ours.exists() and not marked.exists()
    with pytest.raises(UserError, match="not a cache that vhdlgen made"):
        cache.clear(foreign, ("top-obj08.cf",))
    assert (foreign / "notes.txt").read_text() == "x"
    cache.clear(tmp_path / "absent", ())  # nothing to do


def test_relative_paths_and_digest(files) -> None:
    stamp = stamp_of(files)
    moved = cache.relative(stamp, files[0].parent)
    assert [path for path, _ in moved["inputs"]] == ["pkg.vhd", "top.vhd"]
    assert cache.stamp_digest(moved) == cache.stamp_digest(json.loads(json.dumps(moved)))
    assert cache.stamp_digest(moved) != cache.stamp_digest(stamp)


def test_code_digest_follows_the_code(tmp_path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "model.py").write_text("DELAY = 1\n")
    module = types.ModuleType("pkg")
    module.__file__ = str(package / "__init__.py")
    before = cache.code_digest([module])
    (package / "model.py").write_text("DELAY = 2\n")
    assert cache.code_digest([module]) != before


# ----------------------------------------------------------------------------- the estimate
@pytest.fixture
def tiny(tmp_path) -> Path:
    require_tool("ghdl")
    require_tool("yosys")
    return make_build(tmp_path / "a", "register")


def test_estimate_stamp_covers_sources_package_flow_and_tools(tiny, monkeypatch) -> None:
    first = est.estimate_stamp(tiny, "carry")
    rtl = tiny / "rtl"
    assert [path for path, _ in first["inputs"]] == [str((rtl / "tiny_pkg.vhd").resolve()),
                                                      str((rtl / "tiny_top.vhd").resolve())]
    assert first["inputs"][0][1] == hashlib.sha256((rtl / "tiny_pkg.vhd").read_bytes()).hexdigest()
    assert est.estimate_stamp(tiny, "carry") == first
    assert est.estimate_stamp(tiny, "synth_xilinx") != first
    write(rtl / "tiny_pkg.vhd", (rtl / "tiny_pkg.vhd").read_text().replace("16", "18"),
          keep_mtime=True)
    assert est.estimate_stamp(tiny, "carry") != first
    monkeypatch.setattr(estimate_flow, "tool_versions", lambda: {"ghdl": "GHDL 9", "yosys": "Yosys 9"})
    assert est.estimate_stamp(tiny, "carry")["identity"]["tools"]["yosys"] == "Yosys 9"


# ----------------------------------------------------------------------------- bench cache
@pytest.fixture
def bench_cache(tmp_path, monkeypatch) -> list[Path]:
    """bench/common's estimate cache in tmp_path, the estimate replaced by a call counter."""
    calls: list[Path] = []
    monkeypatch.setattr(common, "ESTIMATE_CACHE", tmp_path / "estimate_cache")

    def fake(build_dir, progress=None, *, flow=est.DEFAULT_FLOW, keep_netlist=False):
        calls.append(Path(build_dir))
        return {"lut": len(calls), "flow": flow}

    monkeypatch.setattr(est, "estimate", fake)
    return calls


def test_bench_cache_reuses_only_the_same_inputs(tiny, bench_cache, monkeypatch) -> None:
    first, cached = common.cached_estimate(tiny, None)
    assert not cached and len(bench_cache) == 1
    assert common.cached_estimate(tiny, None) == (first, True)
    same = Path(shutil.copytree(tiny, tiny.parent.parent / "b" / "register"))
    assert common.cached_estimate(same, None) == (first, True)  # identical files elsewhere
    assert common.cached_estimate(tiny, None, flow="synth_xilinx")[1] is False
    pkg = same / "rtl" / "tiny_pkg.vhd"
    write(pkg, pkg.read_text().replace("16", "18"), keep_mtime=True)
    assert common.cached_estimate(same, None)[1] is False  # an edited package
    calls = len(bench_cache)
    real = est.tool_versions()
    monkeypatch.setattr(estimate_flow, "tool_versions", lambda: {**real, "yosys": real["yosys"] + " +1"})
    assert common.cached_estimate(tiny, None)[1] is False  # another yosys
    assert len(bench_cache) == calls + 1
