"""Radiation end of life of the accelerators, for the economics: the total ionising dose a year
behind 5 mm of aluminium at the run's altitude and inclination, and the years until it reaches
the accelerators' tolerance (they are then replaced).

Dose table: R. McDonald, "Orbital-Datacenters" (github.com/rMcDonald17/Orbital-Datacenters,
README, "Radiation"), SPENVIS runs (ESA; AP-8/AE-8 trapped particles, SAPPHIRE solar protons),
krad(Si) per year at the centre of a 5 mm aluminium sphere, circular orbits, for dawn-dusk
sun-synchronous shells (97-105 deg) and 30 deg shells. Between its altitudes the dose is
interpolated log-linearly (it climbs close to log-linearly, the source notes); outside 500-2,000
km it is held at the nearest end (below 500 km that overstates the dose: conservative). Orbits
inclined 60 deg or more use the sun-synchronous column, the rest the 30 deg one: a coarse split
that the table's two families allow, no more.
"""
from __future__ import annotations

import math

import numpy as np

ALTITUDE_KM = np.array([500.0, 700.0, 1000.0, 1200.0, 1500.0, 2000.0])
DOSE_SSO_KRAD_PER_YEAR = np.array([0.38, 0.70, 1.79, 3.31, 7.82, 21.51])
DOSE_30DEG_KRAD_PER_YEAR = np.array([0.18, 0.76, 3.02, 6.57, 17.49, 47.81])
POLAR_FROM_DEG = 60.0   # inclinations from here on take the sun-synchronous column


def dose_krad_per_year(altitude_km: float, inclination_deg: float) -> float:
    """Total ionising dose behind 5 mm Al [krad(Si)/year] (module docstring)."""
    table = DOSE_SSO_KRAD_PER_YEAR if inclination_deg >= POLAR_FROM_DEG else DOSE_30DEG_KRAD_PER_YEAR
    h = float(np.clip(altitude_km, ALTITUDE_KM[0], ALTITUDE_KM[-1]))
    return float(np.exp(np.interp(h, ALTITUDE_KM, np.log(table))))


def replacements_per_year(dose_per_year: float, tolerance_krad: float, mission_years: float) -> float:
    """Accelerator replacements a year for radiation, per accelerator [1/year]: one each time the
    accumulated dose reaches the tolerance within the mission (whole replacements)."""
    if dose_per_year <= 0.0 or tolerance_krad <= 0.0:
        return 0.0
    life_years = tolerance_krad / dose_per_year
    return math.floor(mission_years / life_years - 1e-12) / mission_years
