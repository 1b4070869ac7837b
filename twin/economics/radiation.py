"""Radiation end of life of the accelerators, for the economics: the total ionising dose a year
at the run's orbits (the run's own mean dose rate, ``dose_rate_krad_per_year_mean``, from
twin/kernels/dose.py: SPENVIS runs published by R. McDonald, "Orbital-Datacenters"), and the years
until it reaches the accelerators' tolerance (they are then replaced).
"""
from __future__ import annotations

import math

from twin.kernels.dose import REFERENCE_MM, dose_rate_krad_per_year


def dose_krad_per_year(altitude_km: float, inclination_deg: float, shielding_mm: float = REFERENCE_MM) -> float:
    """Total ionising dose behind ``shielding_mm`` of Al [krad(Si)/year] at one orbit
    (:func:`twin.kernels.dose.dose_rate_krad_per_year`): for a summary without the run's own rate."""
    return float(dose_rate_krad_per_year(altitude_km, inclination_deg, shielding_mm))


def replacements_per_year(dose_per_year: float, tolerance_krad: float, mission_years: float) -> float:
    """Accelerator replacements a year for radiation, per accelerator [1/year]: one each time the
    accumulated dose reaches the tolerance within the mission (whole replacements)."""
    if dose_per_year <= 0.0 or tolerance_krad <= 0.0:
        return 0.0
    life_years = tolerance_krad / dose_per_year
    return math.floor(mission_years / life_years - 1e-12) / mission_years
