"""Load a QKeras model from disk (.h5 file or Keras SavedModel directory)."""
from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vhdlgen.errors import UserError


@contextmanager
def _native_logs_hidden() -> Iterator[None]:
    """Keep TensorFlow's C++ start-up lines (oneDNN, CUDA, CPU features) off the terminal while
    it is first imported, without touching the environment: file descriptor 2 goes to a
    temporary file meanwhile, whose text is shown after all when the import fails. A
    TF_CPP_MIN_LOG_LEVEL the user set is left to do its work."""
    if "tensorflow" in sys.modules or "TF_CPP_MIN_LOG_LEVEL" in os.environ:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode("utf-8", errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def model_hash(path: Path) -> str:
    """sha256 of the model file, or of every file of a SavedModel directory in name order."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def load_keras_model(path: str | Path):
    """The Keras model at `path`, with QKeras custom objects; UserError if it cannot be read."""
    path = Path(path)
    if not path.exists():
        raise UserError(
            f"model not found: {path}; expected a QKeras model saved as .h5 or a SavedModel folder"
        )
    if path.is_file() and path.suffix == ".keras":
        # QKeras 0.9's loader on TensorFlow 2.15 does not return on some Keras v3 zip files
        raise UserError(
            f"cannot read model {path}: the Keras v3 .keras format is not supported by the "
            "QKeras 0.9 loader; accepted: a .h5 file or a SavedModel folder, e.g. "
            "model.save('model.h5')"
        )
    if path.is_file() and path.suffix not in (".h5", ".hdf5"):
        raise UserError(
            f"cannot read model {path}: unknown file type {path.suffix!r}; "
            "accepted: a .h5 file or a Keras SavedModel folder"
        )
    with _native_logs_hidden():
        from qkeras.utils import load_qmodel

    try:
        return load_qmodel(str(path), compile=False)
    except Exception as error:  # Keras raises many types for a broken or foreign file
        raise UserError(
            f"cannot read model {path}: {error}; expected a QKeras model saved with model.save() "
            "as .h5 or a SavedModel folder"
        ) from error
