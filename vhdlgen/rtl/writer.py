"""THE writer of a build: the emitters' files (`vhdlgen.rtl.emitters`), committed into DIR.

Everything is written into a staging folder DIR/.vhdlgen-partial-*/tree first, checked there
(`check`, e.g. `ghdl --synth` of the RTL), then moved in file by file with the manifest
(`vhdlgen.rtl.outdir.commit`: the old report.json leaves first, the new one and the manifest
arrive last, nothing that vhdlgen did not write is deleted). Any error or interrupt puts DIR
back as it was and removes the staging folder and the folders this build created.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import Callable

from vhdlgen.ir import Graph
from vhdlgen.rtl.outdir import STAGING_PREFIX, OutDir, commit, is_staging_leftover

Check = Callable[[Path], None]  # gets the staged tree; raises to stop the build


def _write_new(path: Path, text: str) -> None:
    """Write a file that must not exist yet: a generated file never replaces another one. A
    script (text starting with '#!') becomes executable wherever it is readable (umask
    applies)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    if text.startswith("#!"):
        mode = path.stat().st_mode
        path.chmod(mode | (mode & 0o444) >> 2)


def _prepare(target: OutDir) -> list[Path]:
    """Create DIR (and its missing parents: returned, innermost first) or remove the staging
    folders a killed build left in it."""
    created = []
    if target.kind == "new":
        missing = target.path
        while not missing.exists():
            created.append(missing)
            missing = missing.parent
        target.path.mkdir(parents=True)  # normal permissions (umask), unlike mkdtemp's 0700
    else:
        for leftover in target.path.glob(f"{STAGING_PREFIX}*"):
            if is_staging_leftover(leftover):
                shutil.rmtree(leftover, ignore_errors=True)
    return created


def write_build(target: OutDir, files: dict[str, str], report: dict, graph: Graph,
                check: Check | None = None) -> None:
    """Stage `files` ({path relative to DIR: text}), run `check` on the staged tree, then
    commit them with the manifest (`report`: report.json's content, `graph`: the network)."""
    created = _prepare(target)
    staging = None
    try:
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=target.path))
        tree = staging / "tree"
        tree.mkdir()
        for rel, text in files.items():
            _write_new(tree / PurePosixPath(rel), text)
        if check is not None:
            check(tree)
        commit(target, staging, tree, report, graph)
    except BaseException:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        for folder in created:  # innermost first; only the ones this build made, only if empty
            try:
                folder.rmdir()
            except OSError:
                break
        raise
    shutil.rmtree(staging, ignore_errors=True)
