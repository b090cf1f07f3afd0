"""Toy geometry of one barrel phi sector of the ATLAS RPC trigger, and muon propagation in it.

Coordinates: the r-z plane of the sector (metres), interaction point at the origin. A muon leaves
the IP at pseudorapidity eta (sinh(eta) = z/r on a straight line from the IP), crosses the
calorimeter (multiple scattering, modelled as one Gaussian angular kick at ``R_SCATTER_M``), flies
straight up to ``R_FIELD_IN_M``, is bent on a circle of radius ``BENDING_RADIUS_M_PER_GEV * p`` in
the r-z plane (the toroid field is azimuthal, so the whole momentum p = pT*cosh(eta) is
perpendicular to it) until ``R_FIELD_OUT_M``, and is straight again afterwards.

The strips of every RPC layer measure eta of the hit, eta = asinh(z/r). The eta range of the
sector, [``ETA_MIN``, ``ETA_MAX``], is divided into ``N_STRIPS`` pixels (strips).
"""
from __future__ import annotations

import numpy as np

# --- Stations and layers -------------------------------------------------------------------
#: Radii (m) of the 9 RPC layers, inner to outer: 3 inner layers (BI, r ~ 4.6 m), 4 middle layers
#: (BM, two doublets at 7.8-8.4 m), 2 outer layers (BO, r ~ 10.2 m), as in docs/physics.md section 1.
LAYER_RADII_M: np.ndarray = np.array([4.55, 4.60, 4.65, 7.80, 8.00, 8.20, 8.40, 10.15, 10.25])
N_LAYERS: int = 9
#: Strips (pixels) per layer along eta: the image width of the published study.
N_STRIPS: int = 384
#: Eta range of the sector (one half barrel, |eta| < 1.05 is the RPC barrel acceptance).
ETA_MIN: float = 0.0
ETA_MAX: float = 1.05
#: Width of one strip in eta (= 0.00273).
STRIP_ETA: float = (ETA_MAX - ETA_MIN) / N_STRIPS

# --- Magnetic field ------------------------------------------------------------------------
#: Bending radius per GeV of momentum: R = p / (0.3 B) with B = 0.5 T gives 6.67 m/GeV.
FIELD_T: float = 0.5
BENDING_RADIUS_M_PER_GEV: float = 1.0 / (0.3 * FIELD_T)
#: The toroid field region (m): a uniform 0.5 T between the inner and the outer station (a clean
#: toy; field-free inner and outer stations). The extent is chosen so that the lowest-pT signal
#: muons (3 GeV) span 16 (eta ~ 0) to 33 (eta ~ 1) strips between the first and the last layer:
#: "low-pT tracks span up to ~30 pixels", so a track almost always fits in one 32-strip window.
R_FIELD_IN_M: float = 6.0
R_FIELD_OUT_M: float = 9.8

# --- Material -----------------------------------------------------------------------------
#: Effective radius (m) of the calorimeter scattering plane (one thin scatterer).
R_SCATTER_M: float = 3.0
#: Multiple-scattering angle times momentum (rad*GeV): Highland formula for ~100 radiation
#: lengths of calorimeter, 13.6 MeV * sqrt(100) * (1 + 0.038 ln 100) = 0.16 GeV.
MS_THETA0_GEV: float = 0.16
#: Multiple scattering inside the spectrometer (rad*GeV), applied as a second kick at the field
#: entry: ~0.5 X0 of chamber and coil material gives 13.6 MeV * sqrt(0.5) * 0.97 ~ 9 MeV.
MS_SPECTRO_THETA0_GEV: float = 0.009


def propagate(eta: np.ndarray, p_gev: np.ndarray, charge: np.ndarray,
              kick1: np.ndarray, kick2: np.ndarray) -> np.ndarray:
    """Return the hit eta (N, 9) of muons on every layer.

    eta: initial pseudorapidity (N,); p_gev: total momentum in GeV (N,); charge: +-1 (N,);
    kick1, kick2: multiple-scattering angle kicks (rad, N,) applied at ``R_SCATTER_M`` and at
    ``R_FIELD_IN_M``. Directions are angles psi from the r axis (velocity = (cos psi, sin psi)).
    A track that would curl back inside the field gets NaN (never happens above ~1 GeV).
    """
    psi0 = np.arctan(np.sinh(eta))            # direction from the IP: tan(psi) = z/r
    z_sc = R_SCATTER_M * np.tan(psi0)
    psi1 = psi0 + kick1
    z_in = z_sc + (R_FIELD_IN_M - R_SCATTER_M) * np.tan(psi1)
    psi_in = psi1 + kick2
    kappa = charge / (BENDING_RADIUS_M_PER_GEV * p_gev)          # signed curvature (1/m)
    sin_in, cos_in = np.sin(psi_in), np.cos(psi_in)

    radii = LAYER_RADII_M[None, :]
    z = np.empty((eta.shape[0], N_LAYERS))
    inner = LAYER_RADII_M < R_FIELD_IN_M
    # Inner layers are between the scatterer and the field (the kick2 plane is at the field entry).
    z[:, inner] = z_sc[:, None] + (radii[:, inner] - R_SCATTER_M) * np.tan(psi1)[:, None]

    def arc(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """z and direction on the circle at radius r (inside the field)."""
        s = sin_in[:, None] + kappa[:, None] * (r - R_FIELD_IN_M)
        with np.errstate(invalid="ignore"):
            psi = np.arcsin(s)
        return z_in[:, None] + (cos_in[:, None] - np.cos(psi)) / kappa[:, None], psi

    middle = (LAYER_RADII_M >= R_FIELD_IN_M) & (LAYER_RADII_M <= R_FIELD_OUT_M)
    z[:, middle], _ = arc(radii[:, middle])
    z_out, psi_out = arc(np.full((1, 1), R_FIELD_OUT_M))
    outer = LAYER_RADII_M > R_FIELD_OUT_M
    z[:, outer] = z_out + (radii[:, outer] - R_FIELD_OUT_M) * np.tan(psi_out)
    return np.arcsinh(z / radii)


def eta_to_strip(eta: np.ndarray) -> np.ndarray:
    """Strip index (float, not rounded) of an eta: 384 * (eta - eta_min) / (eta_max - eta_min)."""
    return (eta - ETA_MIN) / STRIP_ETA
