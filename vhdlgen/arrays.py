"""Reading the array files the commands take: a .npy, or one named array of an .npz."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from vhdlgen.errors import UserError


def load_array(path: Path, key: str, accepted: str, hint: str = "") -> np.ndarray:
    """The array in the .npy `path`, or array `key` of the .npz `path` (as `vhdlgen dataset`
    writes them); one UserError naming what is wrong and `accepted` otherwise. `hint` follows
    the message when the .npz lacks `key` (how to make one that has it)."""
    if not path.is_file():
        raise UserError(f"input file not found: {path}; expected {accepted}")
    try:
        loaded = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as error:
        raise UserError(f"cannot read {path}: {error}; expected {accepted}") from error
    if isinstance(loaded, np.lib.npyio.NpzFile):
        with loaded:
            if key not in loaded.files:
                raise UserError(f"{path} holds {', '.join(loaded.files) or 'no arrays'} but no "
                                f"array {key}{hint}; expected {accepted}")
            return loaded[key]
    return loaded
