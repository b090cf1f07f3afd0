"""The strip geometry the fragmentation stage is generated for (the dataset's, by default)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from vhdlgen.data import fragmentation as frag
from vhdlgen.data import geometry as geo
from vhdlgen.errors import UserError


@dataclass(frozen=True)
class StripGeometry:
    """One sector: `layers` x `strips` 0/1 strips over eta [eta_min, eta_max], cut into fixed
    windows of `window_strips` strips, each pooled by `pool` adjacent strips.

    Defaults are the toy dataset's (vhdlgen/data/geometry.py, fragmentation.py)."""

    layers: int = geo.N_LAYERS
    strips: int = geo.N_STRIPS
    window_strips: int = frag.WINDOW_STRIPS
    pool: int = frag.POOL
    eta_min: float = geo.ETA_MIN
    eta_max: float = geo.ETA_MAX

    def __post_init__(self) -> None:
        for name in ("layers", "strips", "window_strips", "pool"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise UserError(f"strip geometry: {name} = {value!r}; accepted a positive integer")
        if self.strips % self.window_strips:
            raise UserError(f"strip geometry: {self.strips} strips do not split into windows of "
                            f"{self.window_strips}; accepted a window width dividing the strips")
        if self.window_strips % self.pool:
            raise UserError(f"strip geometry: a {self.window_strips}-strip window does not pool "
                            f"by {self.pool}; accepted a pool size dividing the window width")
        if self.windows < 2:
            raise UserError(f"strip geometry: {self.windows} window; accepted at least 2")
        if not self.eta_max > self.eta_min:
            raise UserError(f"strip geometry: eta range [{self.eta_min}, {self.eta_max}] is "
                            "empty; accepted eta_max > eta_min")

    @property
    def windows(self) -> int:
        return self.strips // self.window_strips

    @property
    def pooled_width(self) -> int:
        """Columns of the network input (window strips / pool)."""
        return self.window_strips // self.pool

    @property
    def network_shape(self) -> tuple[int, int, int]:
        """The (H, W, C) input the CNN must take."""
        return (self.layers, self.pooled_width, 1)

    @property
    def window_bits(self) -> int:
        """Strips of one window over all layers (what its fired-pixel count sums)."""
        return self.layers * self.window_strips

    def window_eta_min(self, window: int) -> float:
        """Lower eta edge of a window, as `vhdlgen.data.window_eta_min` computes it."""
        strip_eta = (self.eta_max - self.eta_min) / self.strips
        return self.eta_min + float(window) * self.window_strips * strip_eta

    def as_json(self) -> dict:
        return {**asdict(self), "windows": self.windows, "pooled_width": self.pooled_width}
