"""`build --out DIR` never deletes what vhdlgen did not write (no yosys; `ghdl --synth` runs
inside every build of the tiny model, well under a second each).

- A folder of the user's (a thesis.tex, a notes/ folder) is refused with one clear message
  naming DIR, its entry count and what is accepted; nothing in it changes. With --force the
  build is written beside the user's files, which stay byte for byte; a user file with a name
  vhdlgen writes is refused even with --force.
- The model's own folder: the .h5 survives (refused, then --force, then a rebuild).
- `--out .` through the CLI in a temporary working directory: refused (exit 2, no traceback)
  without --force; with --force nothing is deleted; a rebuild works without --force.
- A rebuild into a build folder replaces exactly the files the old manifest lists: files of the
  old build that the new one no longer writes are removed, a user's files (also inside rtl/) and
  vivado_out/ survive, the simulate/estimate caches of the old RTL are removed; the result is
  byte-identical to a fresh build. A build from before the manifest (no vhdlgen-build.json) is
  recognised by its fixed files and rebuilt the same way.
- An interrupt (KeyboardInterrupt) while writing, or at any step of moving the files in, leaves
  no staging folder and the old build exactly as it was; into a new folder it leaves nothing.
- Folders come out with normal permissions (umask), not mkdtemp's 0700.
- `simulate` / `estimate` on a corrupt manifest, a manifest whose network is damaged, a build
  from before manifest format 2 (graph.pkl), a user's folder or an interrupted build: exit code
  2, one message naming the file, no traceback.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import qmodels
from tools import require_tool
from vhdlgen.__main__ import main
from vhdlgen.errors import UserError
from vhdlgen.rtl import writer
from vhdlgen.rtl import outdir
from vhdlgen.rtl.build import MANIFEST, BuildOptions, build
from vhdlgen.rtl.manifest import load_build

ROOT = Path(__file__).resolve().parents[1]
USER_FILES = {"thesis.tex": b"\\documentclass{article}\n", "notes/todo.md": b"- ask about II\n",
              "data.bin": bytes(range(256))}


# ------------------------------------------------------------------------------------ helpers
@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A tiny two-layer model saved as .h5: (keras model, path of the .h5, its bytes)."""
    require_tool("ghdl")  # build() runs the `ghdl --synth` gate
    keras_model = qmodels.dense_only(n_in=6)
    path = qmodels.save_h5(keras_model, tmp_path_factory.mktemp("model"), "tiny")
    return keras_model, path, path.read_bytes()


def graph_for(model, source: Path | None = None):
    from vhdlgen.frontend import graph_from_keras

    return graph_from_keras(model[0], source=str(source or model[1]), source_hash="0" * 64)


def tree(root: Path) -> dict[str, bytes | None]:
    """Every entry under root: file -> bytes, folder -> None."""
    return {p.relative_to(root).as_posix(): None if p.is_dir() else p.read_bytes()
            for p in sorted(root.rglob("*"))}


def put(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)


def assert_has(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        assert (root / name).read_bytes() == data, f"{name} changed"


def no_staging(*folders: Path) -> None:
    for folder in folders:
        left = [p.name for p in folder.iterdir() if "partial" in p.name or ".old" in p.name]
        assert not left, f"staging left in {folder}: {left}"


def manifest(out: Path) -> dict:
    return json.loads((out / MANIFEST).read_text())


def build_files(out: Path) -> set[str]:
    return {k for k, v in tree(out).items() if v is not None}


# ------------------------------------------------------------------------------------ tests
def test_user_folder_is_refused_then_forced_without_losing_a_byte(model, tmp_path) -> None:
    out = tmp_path / "thesis"
    put(out, USER_FILES)
    before = tree(out)
    with pytest.raises(UserError) as refused:
        build(graph_for(model), out)
    message = str(refused.value)
    for words in (str(out), "not a vhdlgen build folder", "holds 3 entries", "thesis.tex",
                  "new or empty folder", "previous vhdlgen build", "--force"):
        assert words in message, message
    assert tree(out) == before
    no_staging(out, tmp_path)

    report = build(graph_for(model), out, force=True).data
    assert_has(out, USER_FILES)
    written = set(manifest(out)["files"])
    assert written == build_files(out) - set(USER_FILES)
    assert {"report.json", MANIFEST, "rtl/sources.f", "vivado/build.tcl",
            f"rtl/{report['top']}.vhd"} <= written
    no_staging(out, tmp_path)

    # now it is a build folder: a rebuild needs no --force and keeps the user's files
    build(graph_for(model), out, BuildOptions(top="again"))
    assert_has(out, USER_FILES)
    assert not (out / f"rtl/{report['top']}.vhd").exists()


def test_force_never_overwrites_a_user_file(model, tmp_path) -> None:
    out = tmp_path / "mine"
    put(out, {**USER_FILES, "report.txt": b"my own report\n"})
    before = tree(out)
    with pytest.raises(UserError, match="report.txt.*not written by vhdlgen"):
        build(graph_for(model), out, force=True)
    assert tree(out) == before
    no_staging(out, tmp_path)


def test_a_killed_builds_staging_goes_but_a_user_folder_with_its_prefix_stays(model,
                                                                              tmp_path) -> None:
    """A rebuild removes the staging folder a killed build left (only what the writer puts
    there), never a user's folder whose name merely starts with the same prefix."""
    out = tmp_path / "out"
    build(graph_for(model), out)
    killed = out / f"{outdir.STAGING_PREFIX}killed"
    put(killed, {"tree/rtl/x.vhd": b"-- half written\n", "partial.json": b"{}"})
    mine = out / f"{outdir.STAGING_PREFIX}mine"
    put(mine, {"thesis.tex": USER_FILES["thesis.tex"]})
    build(graph_for(model), out)
    assert not killed.exists()
    assert_has(mine, {"thesis.tex": USER_FILES["thesis.tex"]})


def test_model_folder_keeps_the_model(model, tmp_path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    h5 = folder / "tiny.h5"
    shutil.copy(model[1], h5)
    graph = graph_for(model, h5)
    with pytest.raises(UserError, match="holds 1 entry"):
        build(graph, folder)
    assert h5.read_bytes() == model[2]
    build(graph, folder, force=True)
    assert h5.read_bytes() == model[2]
    build(graph, folder, BuildOptions(top="second"))
    assert h5.read_bytes() == model[2]
    assert "tiny.h5" not in manifest(folder)["files"]
    no_staging(folder, tmp_path)


def test_cli_out_dot_in_a_working_directory(model, tmp_path, monkeypatch, capsys) -> None:
    cwd = tmp_path / "work"
    put(cwd, USER_FILES)
    shutil.copy(model[1], cwd / "tiny.h5")
    before = tree(cwd)
    proc = subprocess.run([sys.executable, "-m", "vhdlgen", "build", "--model", "tiny.h5",
                           "--out", "."], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    for words in (str(cwd), "not a vhdlgen build folder", "holds 4 entries", "--force"):
        assert words in proc.stderr, proc.stderr
    assert tree(cwd) == before

    monkeypatch.chdir(cwd)
    assert main(["build", "--model", "tiny.h5", "--out", ".", "--force"]) == 0
    assert "wrote ./rtl" in capsys.readouterr().out
    after = tree(cwd)
    assert all(after.get(name) == data for name, data in before.items()), "a user file changed"
    assert (cwd / "report.json").is_file() and (cwd / MANIFEST).is_file()
    assert main(["build", "--model", "tiny.h5", "--out", ".", "--top", "other"]) == 0
    after = tree(cwd)
    assert all(after.get(name) == data for name, data in before.items()), "a user file changed"
    assert (cwd / "rtl" / "other.vhd").is_file() and not (cwd / "rtl" / "tiny.vhd").exists()
    no_staging(cwd, tmp_path)


def test_rebuild_replaces_only_what_the_old_build_wrote(model, tmp_path) -> None:
    out = tmp_path / "b"
    build(graph_for(model), out, BuildOptions(top="alpha"))
    old_files = set(manifest(out)["files"])
    # a file and a folder an older build wrote (listed in its manifest) that the new one won't
    put(out, {"rtl/stale_layer.vhd": b"-- old\n", "old_only/x.txt": b"old\n"})
    data = manifest(out)
    data["files"] += ["rtl/stale_layer.vhd", "old_only/x.txt"]
    data["folders"] += ["old_only"]
    (out / MANIFEST).write_text(json.dumps(data))
    mine = {"notes.txt": b"mine\n", "rtl/my_testbench.vhd": b"-- mine\n",
            "vivado_out/reports/fmax.txt": b"fmax_mhz 333\n"}
    put(out, mine)
    put(out, {"sim/top-obj08.cf": b"lib", "estimate/yosys.log": b"log", "estimate.json": b"{}",
              "waves.ghw": b"w"})

    build(graph_for(model), out, BuildOptions(top="beta"))
    assert_has(out, mine)
    for gone in ("rtl/alpha.vhd", "rtl/stale_layer.vhd", "old_only", "sim", "estimate",
                 "estimate.json", "waves.ghw"):
        assert not (out / gone).exists(), gone
    assert any(f.startswith("rtl/alpha") for f in old_files)
    new = manifest(out)
    assert new["complete"] is True and new["top"] == "beta" and new["vhdlgen_version"]
    assert set(new["files"]) == build_files(out) - set(mine)
    primitives = {"rtl/unisim"} if new["report"].get("unisim_sources") else set()
    assert set(new["folders"]) == {"rtl", "tb", "vivado"} | primitives

    fresh = tmp_path / "fresh"
    build(graph_for(model), fresh, BuildOptions(top="beta"))
    rebuilt = tree(out)
    for name in mine:
        del rebuilt[name]
    del rebuilt["vivado_out"], rebuilt["vivado_out/reports"]
    assert rebuilt == tree(fresh)
    no_staging(out, tmp_path)


def test_build_from_before_the_manifest_is_rebuilt_in_place(model, tmp_path) -> None:
    out = tmp_path / "legacy"
    # no tb/ back then, and no ternary adders (no rtl/unisim/)
    build(graph_for(model), out, BuildOptions(top="alpha", test_vectors=0, adder_inputs=2))
    (out / MANIFEST).unlink()  # what vhdlgen wrote before the manifest existed: the pickled IR
    (out / "graph.pkl").write_bytes(b"\x80\x04pickled graph")
    put(out, {"notes.txt": b"mine\n"})
    build(graph_for(model), out, BuildOptions(top="beta"))
    assert (out / "notes.txt").read_bytes() == b"mine\n"
    assert not list((out / "rtl").glob("alpha*")) and (out / "rtl" / "beta.vhd").is_file()
    assert "notes.txt" not in manifest(out)["files"]
    assert not (out / "graph.pkl").exists()  # the old build's file, replaced by the manifest


def test_damaged_manifest_is_refused(model, tmp_path) -> None:
    out = tmp_path / "b"
    build(graph_for(model), out)
    (out / MANIFEST).write_text(json.dumps({"format": 1, "files": ["../../etc/passwd"]}))
    before = tree(out)
    with pytest.raises(UserError, match="damaged"):
        build(graph_for(model), out)
    assert tree(out) == before


def test_interrupt_while_writing_keeps_the_old_build(model, tmp_path, monkeypatch) -> None:
    out = tmp_path / "b"
    build(graph_for(model), out, BuildOptions(top="alpha"))
    put(out, {"notes.txt": b"mine\n", "sim/x": b"cache"})
    before = tree(out)
    real = writer._write_new

    def interrupt_at_vivado(path: Path, text: str) -> None:  # after rtl/ and the report
        if "vivado" in path.parts:
            raise KeyboardInterrupt
        real(path, text)

    monkeypatch.setattr(writer, "_write_new", interrupt_at_vivado)
    with pytest.raises(KeyboardInterrupt):
        build(graph_for(model), out, BuildOptions(top="beta"))
    assert tree(out) == before
    no_staging(out, tmp_path)

    fresh = tmp_path / "new" / "deeper"
    with pytest.raises(KeyboardInterrupt):
        build(graph_for(model), fresh)
    assert not (tmp_path / "new").exists()  # the folders it created are gone again
    no_staging(tmp_path)


def test_interrupt_at_any_step_of_moving_in_restores_the_old_build(model, tmp_path,
                                                                  monkeypatch) -> None:
    """Moving in is a sequence of renames (stash the caches and the old report.json, place each
    new file, stash the stale ones, place report.json and the manifest last). Cut it at every
    single step: the old build comes back exactly, and no staging folder stays."""
    old = tmp_path / "old"
    build(graph_for(model), old, BuildOptions(top="alpha"))
    put(old, {"notes.txt": b"mine\n", "sim/x": b"cache", "estimate.json": b"{}"})
    before = tree(old)
    real, calls = outdir._move, []

    def counting(source, destination):
        calls.append(destination)
        real(source, destination)

    monkeypatch.setattr(outdir, "_move", counting)
    shutil.copytree(old, tmp_path / "count")
    build(graph_for(model), tmp_path / "count", BuildOptions(top="beta"))
    steps = len(calls)
    assert steps > 20

    for step in range(1, steps + 1):
        out = tmp_path / f"cut{step}"
        shutil.copytree(old, out)
        calls.clear()

        def cut(source, destination):
            calls.append(destination)
            if len(calls) == step:
                raise KeyboardInterrupt
            real(source, destination)

        monkeypatch.setattr(outdir, "_move", cut)
        with pytest.raises(KeyboardInterrupt):
            build(graph_for(model), out, BuildOptions(top="beta"))
        assert tree(out) == before, f"interrupted at step {step} of {steps}"
        no_staging(out)
        shutil.rmtree(out)
    no_staging(tmp_path)


def test_folders_have_normal_permissions(model, tmp_path) -> None:
    previous = os.umask(0o022)
    try:
        out = tmp_path / "a" / "b"
        build(graph_for(model), out)
    finally:
        os.umask(previous)
    for folder in (tmp_path / "a", out, out / "rtl", out / "vivado"):
        assert folder.stat().st_mode & 0o777 == 0o755, folder
    for file in (out / "report.json", out / MANIFEST, out / "rtl" / "sources.f"):
        assert file.stat().st_mode & 0o777 == 0o644, file


def test_broken_builds_give_one_clear_message(model, tmp_path) -> None:
    """simulate and estimate (subprocesses: the real exit code and stderr) on broken folders."""
    good = tmp_path / "good"
    build(graph_for(model), good)
    x = tmp_path / "x.npy"
    np.save(x, np.zeros((2, 6), dtype=np.float32))
    corrupt, network, old, interrupted, user = (
        tmp_path / n for n in ("corrupt", "network", "old", "interrupted", "user"))
    for folder in (corrupt, network, old, interrupted):
        shutil.copytree(good, folder)
    (corrupt / MANIFEST).write_text('{"format": 2, "files": [')
    data = manifest(network)
    data["network"]["layers"][0]["kernel"]["codes"] = "not codes"
    (network / MANIFEST).write_text(json.dumps(data))
    data = manifest(old)  # what vhdlgen wrote before format 2: lists, and the IR in graph.pkl
    (old / MANIFEST).write_text(json.dumps({"format": 1, "complete": True, "top": "tiny",
                                            "files": data["files"] + ["graph.pkl"],
                                            "folders": data["folders"]}))
    data = manifest(interrupted)
    (interrupted / MANIFEST).write_text(json.dumps({**data, "complete": False}))
    put(user, USER_FILES)
    cases = {
        ("simulate", corrupt): "vhdlgen-build.json is damaged",
        ("estimate", corrupt): "vhdlgen-build.json is damaged",
        ("simulate", network): "not a readable vhdlgen build manifest",
        ("simulate", old): "built by an older vhdlgen",
        ("estimate", old): "built by an older vhdlgen",
        ("simulate", interrupted): "interrupted",
        ("simulate", user): "is not a vhdlgen build",
        ("estimate", user): "is not a vhdlgen build",
        ("simulate", tmp_path / "absent"): "does not exist",
    }
    procs = {}
    for (command, folder), words in cases.items():
        argv = [command, "--build", str(folder)]
        if command == "simulate":
            argv += ["--input", str(x), "--output", str(tmp_path / "y.npy")]
        procs[command, folder] = subprocess.Popen(
            [sys.executable, "-m", "vhdlgen", *argv], cwd=ROOT, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
    for key, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 2, (key, err)
        assert "Traceback" not in err and cases[key] in err, (key, err)
        assert err.count("error:") == 1 and str(key[1]) in err, (key, err)
    with pytest.raises(UserError, match="not a readable vhdlgen build manifest"):
        load_build(network)
    report, graph = load_build(good)
    assert report["top"] == "tiny" and graph.output is not None
