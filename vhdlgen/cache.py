"""Caches keyed by the content of their inputs.

A folder that vhdlgen reuses between runs (`DIR/sim`, GHDL's compiled library of a build; the
benches' estimate cache) is valid only for the exact inputs it was made from. Its *stamp* records
them: the absolute path and the sha256 of every input file, in the order they were used, and the
identity of the tools and options (versions, GHDL backend, yosys flow, ...). A cache is reused
only when its stored stamp equals the stamp of the current inputs; any difference (one edited
byte, a copied or moved folder, another tool version) means a fresh compile or run. Content
hashes, never modification times: an edit within the same second as the compile is caught.

The stamp is taken BEFORE the inputs are used: an edit made while a compile runs then leaves a
stamp that no longer matches the files, and the next run compiles again.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from vhdlgen.errors import UserError

STAMP_FILE = "stamp.json"
SHORT = 12  # hex digits of a sha256 shown in logs


@dataclass(frozen=True)
class Input:
    """One input file of a cache: its absolute path and the sha256 of its content."""

    path: str
    sha256: str

    @property
    def short(self) -> str:
        """The first SHORT hex digits of the hash, for logs."""
        return self.sha256[:SHORT]


def sha256_file(path: Path) -> str:
    """sha256 (hex) of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def hash_files(paths: Iterable[Path]) -> tuple[Input, ...]:
    """Input records of files, in the order given (a missing file: UserError naming it)."""
    inputs = []
    for path in paths:
        path = Path(path).resolve()
        try:
            inputs.append(Input(str(path), sha256_file(path)))
        except OSError as error:
            raise UserError(f"cannot read {path} ({error.strerror}); every source listed in "
                            "the build must exist and be readable") from None
    return tuple(inputs)


def code_digest(modules: Iterable[ModuleType]) -> str:
    """sha256 over the source of modules (a package: every file under its folder, data files
    included, except __pycache__), so that a cache of results computed by that code is
    invalidated when the code changes."""
    digest = hashlib.sha256()
    for module in modules:
        path = Path(module.__file__ or "")
        files = ([f for f in sorted(path.parent.rglob("*"))
                  if f.is_file() and "__pycache__" not in f.parts]
                 if path.name == "__init__.py" else [path])
        for file in files:
            name = file.relative_to(path.parent).as_posix()
            digest.update(name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def make_stamp(inputs: Iterable[Input], identity: Mapping[str, object]) -> dict:
    """The stamp of a cache: input files (path, sha256) in order, then tools and options.
    `identity` must be JSON-serialisable; it is normalised through JSON so that a stamp read
    back from disk compares equal."""
    stamp = {"inputs": [[item.path, item.sha256] for item in inputs], "identity": dict(identity)}
    return json.loads(json.dumps(stamp))


def relative(stamp: dict, root: Path) -> dict:
    """The stamp with input paths relative to `root` (for a cache shared by builds in other
    folders whose results do not depend on where the files are, e.g. a yosys estimate)."""
    root = Path(root).resolve()
    inputs = [[os.path.relpath(path, root), sha] for path, sha in stamp["inputs"]]
    return {"inputs": inputs, "identity": stamp["identity"]}


def stamp_digest(stamp: dict) -> str:
    """sha256 of a stamp's canonical JSON: a cache key."""
    return hashlib.sha256(json.dumps(stamp, sort_keys=True).encode()).hexdigest()


def read_stamp(folder: Path) -> dict | None:
    """The stamp stored in a cache folder (None: none, or unreadable)."""
    try:
        return json.loads((Path(folder) / STAMP_FILE).read_text())
    except (OSError, ValueError):
        return None


def is_current(folder: Path, stamp: dict) -> bool:
    """True only when the folder's stored stamp equals `stamp` exactly."""
    return read_stamp(folder) == stamp


def write_stamp(folder: Path, stamp: dict) -> None:
    """Store the stamp (atomically: a reader sees the old file or the new one). Write it only
    after the cache was made successfully."""
    path = Path(folder) / STAMP_FILE
    tmp = path.with_name(f".{STAMP_FILE}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(stamp, indent=1) + "\n")
    os.replace(tmp, path)


def clear(folder: Path, markers: Iterable[str]) -> None:
    """Remove a cache folder that vhdlgen made, before it is made afresh. It is recognised by
    its stamp or one of `markers` (names of files only vhdlgen's cache holds); a non-empty
    folder with neither is not vhdlgen's, and is refused rather than deleted."""
    folder = Path(folder)
    if not folder.is_dir() or not any(folder.iterdir()):
        return
    names = [STAMP_FILE, *markers]
    if not any((folder / name).exists() for name in names):
        raise UserError(f"{folder} is not a cache that vhdlgen made (it has none of "
                        f"{', '.join(names)}), so vhdlgen will not delete it; move it away "
                        "and run again")
    shutil.rmtree(folder)
