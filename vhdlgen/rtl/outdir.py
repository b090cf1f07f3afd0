"""`build`'s output folder: what `build --out DIR` may write into, and moving a finished build
in. A build never deletes what it did not write: DIR/vhdlgen-build.json (the manifest) lists
every file and folder the build wrote, relative to DIR; a rebuild replaces exactly those and
leaves everything else in DIR alone (the user's notes, vivado_out/ with Vivado runs, ...)."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from vhdlgen.errors import UserError
from vhdlgen.ir import Graph
from vhdlgen.rtl.manifest import MANIFEST, manifest_text, read_listing, relative

STAGING_PREFIX = ".vhdlgen-partial-"  # DIR/.vhdlgen-partial-*: the build being written
# Written later by `simulate` / `estimate` from the RTL of this build: a rebuild removes them (a
# GHDL library or a resource estimate of the old RTL must not pass for the new one's).
DERIVED = ("sim", "estimate", "estimate.json", "waves.ghw")
# What a vhdlgen from before the manifest wrote, besides rtl/<report.json "sources">.
LEGACY_GRAPH_FILE = "graph.pkl"  # the pickled IR of those builds (now the manifest's network)
_LEGACY_FILES = ("report.json", "report.txt", LEGACY_GRAPH_FILE, "rtl/sources.f",
                 "vivado/constraints.xdc", "vivado/build.tcl", "vivado/package_ip.tcl",
                 "vivado/sources.f")
_ACCEPTED = ("accepted: a new or empty folder, or a previous vhdlgen build (replaced file by "
             "file); or add --force to write vhdlgen's files into it without deleting anything "
             "else")


@dataclass(frozen=True)
class OutDir:
    """What `build --out DIR` found at DIR (see `check_out_dir`)."""

    path: Path
    kind: str  # "new" (absent), "empty", "build" (manifest), "legacy" (build without one), "forced"
    old_files: frozenset[str] = frozenset()  # files a previous build wrote: replaced or removed
    old_folders: frozenset[str] = frozenset()  # folders it created: removed once empty

    @property
    def is_build(self) -> bool:
        return self.kind in ("build", "legacy")


def _legacy_files(out_dir: Path) -> frozenset[str] | None:
    """Files of a build written before the manifest existed, or None if DIR is not one."""
    try:
        report = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (not isinstance(report, dict) or "vhdlgen_version" not in report
            or not isinstance(report.get("sources"), list)
            or not (out_dir / LEGACY_GRAPH_FILE).is_file()
            or not (out_dir / "rtl" / "sources.f").is_file()):
        return None
    names = [f"rtl/{s}" for s in report["sources"] if isinstance(s, str) and "/" not in s]
    return frozenset(n for n in (*_LEGACY_FILES, *names)
                     if relative(n) and (out_dir / n).is_file())


STAGING_ENTRIES = frozenset({"tree", "partial.json", "attic"})  # what `commit` puts there


def is_staging_leftover(path: Path) -> bool:
    """A staging folder a killed build left: the prefix, a real folder, and nothing in it but
    what the writer puts there (a user's folder that happens to share the prefix is kept)."""
    return (path.name.startswith(STAGING_PREFIX) and path.is_dir() and not path.is_symlink()
            and all(entry.name in STAGING_ENTRIES for entry in path.iterdir()))


def _entries(out_dir: Path) -> list[str]:
    """DIR's entries, without staging folders a killed build may have left."""
    return sorted(p.name + ("/" if p.is_dir() else "") for p in out_dir.iterdir()
                  if not is_staging_leftover(p))


def check_out_dir(out_dir: Path, force: bool = False) -> OutDir:
    """Decide whether `build` may write into `out_dir`, without touching anything.

    Accepted: a missing folder (created), an empty one, a previous vhdlgen build (its manifest
    says what it wrote), or with `force` any folder (nothing in it is deleted). UserError else."""
    out_dir = Path(out_dir).resolve()
    if not out_dir.exists():
        return OutDir(out_dir, "new")
    if not out_dir.is_dir():
        raise UserError(f"--out {out_dir} is a file, not a folder; give a new or empty folder "
                        "or a previous vhdlgen build")
    manifest = read_listing(out_dir)
    if manifest is not None:
        return OutDir(out_dir, "build", frozenset(manifest["files"]) | {MANIFEST},
                      frozenset(manifest.get("folders", [])))
    legacy = _legacy_files(out_dir)
    if legacy is not None:
        return OutDir(out_dir, "legacy", legacy, frozenset({"rtl", "vivado"}))
    entries = _entries(out_dir)
    if not entries:
        return OutDir(out_dir, "empty")
    if force:
        return OutDir(out_dir, "forced")
    shown = ", ".join(entries[:4]) + (", ..." if len(entries) > 4 else "")
    raise UserError(
        f"--out {out_dir} is not a vhdlgen build folder (no {MANIFEST}) and holds "
        f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'} ({shown}); vhdlgen replaces "
        f"only what it wrote itself; {_ACCEPTED}")


def _tree_files(root: Path) -> tuple[list[str], list[str]]:
    """(files, folders) under root, relative POSIX paths, sorted."""
    files, folders = [], []
    for path in sorted(root.rglob("*")):
        (folders if path.is_dir() and not path.is_symlink() else files).append(
            path.relative_to(root).as_posix())
    return files, folders


def _conflicts(target: OutDir, files: list[str]) -> list[str]:
    """Paths of DIR the new build would have to overwrite although no vhdlgen build wrote them."""
    problems = []
    for rel in files:
        for parent in reversed(PurePosixPath(rel).parents[:-1]):
            path = target.path / parent
            if path.exists() and not path.is_dir():
                problems.append(f"{path} (a file where vhdlgen writes a folder)")
        path = target.path / rel
        if path.is_dir() and not path.is_symlink():
            problems.append(f"{path} (a folder where vhdlgen writes a file)")
        elif os.path.lexists(path) and rel not in target.old_files:
            problems.append(f"{path} (not written by vhdlgen)")
    return sorted(set(problems))


def _move(source: Path, destination: Path) -> None:
    """The one way a build moves things inside DIR: an atomic rename, per file or folder."""
    os.replace(source, destination)


class _Swap:
    """Moves finished files into DIR one at a time. Every step is journaled before it is done,
    so that any exception, KeyboardInterrupt included, can put DIR back exactly as it was: what
    a step replaces or removes is kept in `attic` until the whole build is in place."""

    def __init__(self, out_dir: Path, attic: Path) -> None:
        self.out_dir, self.attic = out_dir, attic
        self.journal: list[tuple[str, str, Path]] = []
        attic.mkdir()

    def stash(self, rel: str) -> None:
        """Move DIR/rel (file or folder) into the attic; deleted with it after success."""
        if os.path.lexists(self.out_dir / rel):
            keep = self.attic / str(len(self.journal))
            self.journal.append(("stash", rel, keep))
            _move(self.out_dir / rel, keep)

    def place(self, rel: str, source: Path) -> None:
        for parent in reversed(PurePosixPath(rel).parents[:-1]):
            if not (self.out_dir / parent).is_dir():
                self.journal.append(("mkdir", parent.as_posix(), self.out_dir / parent))
                (self.out_dir / parent).mkdir()  # umask applies: normal permissions
        self.stash(rel)
        self.journal.append(("place", rel, source))
        _move(source, self.out_dir / rel)

    def rollback(self) -> None:
        for action, rel, other in reversed(self.journal):
            path = self.out_dir / rel
            try:
                if action == "place" and os.path.lexists(path) and not os.path.lexists(other):
                    _move(path, other)
                elif action == "stash" and os.path.lexists(other):
                    _move(other, path)
                elif action == "mkdir":
                    path.rmdir()
            except OSError:
                pass  # best effort; the attic is removed with the staging folder


def commit(target: OutDir, staging: Path, tree: Path, report: dict, graph: Graph) -> None:
    """Move the finished tree into DIR file by file; old files that the new build no longer
    writes are removed last. DIR never looks like a complete build while it is mixed: the old
    report.json leaves first, the new one and the final manifest arrive last."""
    files, folders = _tree_files(tree)
    files.append(MANIFEST)
    problems = _conflicts(target, files)
    if problems:
        raise UserError(f"--out {target.path}: the build would overwrite "
                        f"{len(problems)} path{'s' if len(problems) != 1 else ''} that no "
                        f"vhdlgen build wrote: {'; '.join(problems[:5])}; move "
                        f"{'it' if len(problems) == 1 else 'them'} away or choose another "
                        "folder (nothing was changed)")
    kept_folders = [f for f in folders
                    if f in target.old_folders or not (target.path / f).exists()]
    top = report["top"]
    (staging / "partial.json").write_text(manifest_text(
        top, sorted(set(files) | target.old_files),
        sorted(set(kept_folders) | target.old_folders), complete=False))
    (tree / MANIFEST).write_text(manifest_text(top, files, kept_folders, True, report, graph))
    last = ("report.json", MANIFEST)
    swap = _Swap(target.path, staging / "attic")
    try:
        if target.is_build:
            for name in DERIVED:
                swap.stash(name)
        if "report.json" in target.old_files:
            swap.stash("report.json")
        swap.place(MANIFEST, staging / "partial.json")  # a killed swap is still a known build
        for rel in files:
            if rel not in last:
                swap.place(rel, tree / rel)
        for rel in sorted(target.old_files - set(files)):
            swap.stash(rel)
        for rel in last:
            swap.place(rel, tree / rel)
    except BaseException:
        swap.rollback()
        raise
    for folder in sorted(target.old_folders - set(folders), key=len, reverse=True):
        try:
            (target.path / folder).rmdir()  # only once empty: a user's file inside keeps it
        except OSError:
            pass
