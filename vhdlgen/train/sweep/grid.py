"""The sweep's grid: its axes (bits, sparsity, distillation, width, seed) and shared settings,
from the command line and/or a TOML file, expanded into points with content keys."""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import tomllib
from dataclasses import asdict, dataclass, field

from vhdlgen.errors import UserError

#: Grid axes: name -> (type, default values).
AXES: dict[str, tuple[type, list]] = {
    "bits": (int, [4]), "sparsity": (float, [0.0]), "distill": (bool, [False]),
    "width": (float, [1.0]), "seeds": (int, [1]),
}


@dataclass(frozen=True)
class Settings:
    """What every point of a sweep shares."""

    out: str
    events: int = 300_000
    epochs: int = 30
    eval_events: int = 200_000
    eval_seed: int = 20261121
    threshold: float = 10.0
    plateau: float = 15.0
    pruning_schedule: str = "constant"
    teacher_model: str = "models/teacher.h5"
    estimate: bool = True
    simulate: int = 0


@dataclass(frozen=True)
class Point:
    """One point of the grid plus the shared settings; ``key`` names its trained model."""

    bits: int
    sparsity: float
    distill: bool
    width: float
    seed: int
    settings: Settings = field(compare=False)
    teacher_sha256: str = ""

    def train_config(self) -> dict:
        """What the trained model depends on (its cache key is the hash of this)."""
        s = self.settings
        return {"kind": "quantized", "bits": self.bits, "sparsity": self.sparsity,
                "pruning_schedule": s.pruning_schedule if self.sparsity else "",
                "distill": self.distill, "teacher_sha256": self.teacher_sha256 if self.distill
                else "", "width": self.width, "seed": self.seed, "events": s.events,
                "epochs": s.epochs}

    @property
    def key(self) -> str:
        """sha256 of the training configuration (model config + seed), 16 hex digits."""
        text = json.dumps(self.train_config(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def label(self) -> str:
        """Short readable name, e.g. 4b s0.5 kd w1 seed1."""
        return (f"{self.bits}b s{self.sparsity:g} {'kd' if self.distill else 'nokd'} "
                f"w{self.width:g} seed{self.seed}")

    def row(self) -> dict:
        """The grid coordinates as a store row's columns."""
        return {"point": self.key, "bits": self.bits, "sparsity": self.sparsity,
                "distill": int(self.distill), "width": self.width, "seed": self.seed,
                "events": self.settings.events, "epochs": self.settings.epochs}


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in ("on", "true", "yes", "1"):
        return True
    if text in ("off", "false", "no", "0"):
        return False
    raise UserError(f"distill value {value!r}: accepted on/off (true/false)")


def read_toml(path: str | None) -> dict:
    """The [sweep] table of a TOML grid file (or its top level); {} without a file."""
    if path is None:
        return {}
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise UserError(f"cannot read grid file {path!r} ({exc.strerror}); give a TOML file")
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"grid file {path!r} is not valid TOML: {exc}") from None
    data = data.get("sweep", data)
    known = set(AXES) | {f.replace("_", "-") for f in Settings.__dataclass_fields__} | \
        set(Settings.__dataclass_fields__)
    unknown = sorted(set(data) - known)
    if unknown:
        raise UserError(f"grid file {path!r}: unknown keys {', '.join(unknown)}; accepted: "
                        f"{', '.join(sorted(set(AXES) | set(Settings.__dataclass_fields__)))}")
    return {k.replace("-", "_"): v for k, v in data.items()}


def axis(name: str, cli: list | None, toml: dict) -> list:
    """The values of one axis: the command line's, else the TOML file's, else the default."""
    kind, default = AXES[name]
    values = cli if cli is not None else toml.get(name, default)
    values = values if isinstance(values, list) else [values]
    convert = _bool if kind is bool else kind
    try:
        out = [convert(v) for v in values]
    except (TypeError, ValueError):
        raise UserError(f"--{name} {values}: accepted {kind.__name__} values") from None
    if not out:
        raise UserError(f"--{name} has no values; give at least one")
    return list(dict.fromkeys(out))


def check(points: list[Point]) -> None:
    """UserError for a point the trainer would refuse (before anything is submitted)."""
    for p in points:
        if p.bits not in (2, 3, 4, 5):
            raise UserError(f"--bits {p.bits}: accepted 2, 3, 4 or 5")
        if not 0.0 <= p.sparsity < 1.0:
            raise UserError(f"--sparsity {p.sparsity:g}: accepted 0 <= S < 1")
        if not 0 < p.width <= 4:
            raise UserError(f"--width {p.width:g}: accepted 0 < W <= 4")
        if p.seed == p.settings.eval_seed:
            raise UserError(f"seed {p.seed} is the evaluation seed; the evaluation set must be "
                            "held apart: choose another --seeds or --eval-seed")
    s = points[0].settings
    if s.events < 100 or s.epochs < 1 or s.eval_events < 1000 or s.simulate < 0:
        raise UserError("accepted: --events >= 100, --epochs >= 1, --eval-events >= 1000, "
                        "--simulate K >= 0")
    if s.pruning_schedule not in ("constant", "polynomial"):
        raise UserError(f"pruning schedule {s.pruning_schedule!r}: accepted constant, polynomial")


def expand(axes: dict[str, list], settings: Settings) -> list[Point]:
    """Every combination of the axes, in a stable order."""
    from vhdlgen.cache import sha256_file

    teacher = ""
    if True in axes["distill"]:
        if not os.path.isfile(settings.teacher_model):
            raise UserError(f"teacher model {settings.teacher_model!r} does not exist; "
                            "distillation needs one (--teacher-model PATH)")
        teacher = sha256_file(settings.teacher_model)
    points = [Point(b, s, d, w, seed, settings, teacher) for b, s, d, w, seed in
              itertools.product(axes["bits"], axes["sparsity"], axes["distill"], axes["width"],
                                axes["seeds"])]
    check(points)
    return points


def settings_dict(settings: Settings) -> dict:
    """Plain dict of the settings (for the store's metadata)."""
    return asdict(settings)
