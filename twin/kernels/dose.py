"""Total ionising dose (TID) rate of each satellite, from its mean altitude, its inclination and
the shielding around the accelerators (docs/design.md §4, "Radiation"; docs/validation.md).
Plain numpy, once per run, not numba: it sits with the kernels because the run file's writer and
the economics (layer 3) need it as well as the radiation model (layer 5).

The table. R. McDonald, "Orbital-Datacenters" (github.com/rMcDonald17/Orbital-Datacenters):
SPENVIS runs (ESA; trapped protons AP-8 and electrons AE-8, solar protons SAPPHIRE at 95 %
confidence, dose by SHIELDOSE-2 at the centre of a solid aluminium sphere, silicon target),
circular orbits at 500-2,000 km, for dawn-dusk sun-synchronous shells (97.4-104.9 deg) and 30 deg
shells, 365-day missions:

- README, "Radiation" (= docs/radiation_altitude_trade.md §5): krad(Si) per year behind 5 mm Al,
  trapped models at solar minimum. This is the dose at 5 mm, reproduced exactly.
- docs/radiation_altitude_trade.md §6, "Lifetime map": five-year TID [krad(Si)] behind 2, 5 and
  10 mm Al (the worse of solar minimum and maximum). Only its ratios to its own 5 mm column are
  used, for the dependence on shielding: dose(t) = dose_5mm x five_year(t) / five_year(5 mm).

Interpolation: log(dose) bilinear in altitude and shielding thickness between the table's points
(the dose climbs close to log-linearly with altitude, trade §5; dose-depth curves are close to
exponential over a few mm), then linear in inclination between the 30 deg column and the
sun-synchronous column at the sun-synchronous inclination of that altitude (J2 nodal regression,
below). Outside the table: inclinations below 30 deg take the 30 deg column and altitudes are
held at 500 or 2,000 km (both with a warning: below 500 km that overstates the dose, above 2,000
km it understates it, steeply); inclinations beyond the sun-synchronous one take its column;
shielding outside 2-10 mm is refused by the config (:class:`twin.config.radiation.Radiation`).

What the table is not: a sphere, not a spacecraft; AP-8/AE-8 (legacy, epoch-limited models);
orbit averages (the SAA's instantaneous rates are far higher: trade §8).
"""
from __future__ import annotations

import math

import numpy as np

from twin.constants import EARTH_MU_M3_S2, EARTH_RADIUS_M, M_PER_KM, SECONDS_PER_DAY, SECONDS_PER_MINUTE

ALTITUDE_KM = np.array([500.0, 700.0, 1000.0, 1200.0, 1500.0, 2000.0])
# README "Radiation" table, krad(Si)/year behind 5 mm Al, at the altitudes above
DOSE_5MM_SSO_KRAD_PER_YEAR = np.array([0.38, 0.70, 1.79, 3.31, 7.82, 21.51])
DOSE_5MM_30DEG_KRAD_PER_YEAR = np.array([0.18, 0.76, 3.02, 6.57, 17.49, 47.81])
# trade §6 five-year TID [krad(Si)]: rows the altitudes above, columns SHIELDING_MM
SHIELDING_MM = np.array([2.0, 5.0, 10.0])
FIVE_YEAR_SSO_KRAD = np.array([[13.0, 2.0, 0.7], [21.4, 3.6, 1.8], [42.4, 8.9, 5.5], [67.1, 16.6, 10.8],
                               [140.4, 39.1, 26.0], [420.6, 107.5, 67.7]])
FIVE_YEAR_30DEG_KRAD = np.array([[1.3, 0.9, 0.7], [6.7, 3.8, 3.0], [32.8, 15.1, 11.4], [78.3, 32.8, 24.2],
                                 [238.6, 87.5, 61.9], [832.9, 239.1, 154.7]])
REFERENCE_MM = 5.0                 # the README table's shielding
LOW_INCLINATION_DEG = 30.0         # the low-inclination column's orbits
DOSE_YEAR_S = 365.0 * SECONDS_PER_DAY   # the table's year: SPENVIS missions of 365 days (trade §2)

# Sun-synchronous inclination: the J2 nodal regression -3/2 n J2 (R/a)^2 cos i of a circular
# orbit equals the Sun's mean motion, 360 deg per tropical year (Vallado, Fundamentals of
# Astrodynamics and Applications, 4th ed., 2013, §9.6, sun-synchronous orbits). The source gives
# 97.4 deg at 500 km and 104.9 deg at 2,000 km; this gives 97.40 and 104.89 (tests).
EARTH_J2 = 1.08262668e-3                              # EGM2008 (Pavlis et al. 2012), J2 = -sqrt(5) C20
TROPICAL_YEAR_S = 365.24219 * SECONDS_PER_DAY         # mean tropical year (Meeus, Astronomical Algorithms, 1998)


def _log_table(dose_5mm: np.ndarray, five_year: np.ndarray) -> np.ndarray:
    """log dose [log krad/year], (altitudes, SHIELDING_MM): the 5 mm dose times the five-year
    table's ratio of each thickness to 5 mm (module docstring)."""
    ref = five_year[:, list(SHIELDING_MM).index(REFERENCE_MM)]
    return np.log(dose_5mm)[:, None] + np.log(five_year / ref[:, None])


LOG_DOSE_SSO = _log_table(DOSE_5MM_SSO_KRAD_PER_YEAR, FIVE_YEAR_SSO_KRAD)
LOG_DOSE_30DEG = _log_table(DOSE_5MM_30DEG_KRAD_PER_YEAR, FIVE_YEAR_30DEG_KRAD)


def sun_synchronous_inclination_deg(altitude_km):
    """Inclination [deg] of a circular sun-synchronous orbit at ``altitude_km`` (module docstring)."""
    a_m = EARTH_RADIUS_M + np.asarray(altitude_km, dtype=np.float64) * M_PER_KM
    n = np.sqrt(EARTH_MU_M3_S2 / a_m ** 3)
    cos_i = -(2.0 * math.pi / TROPICAL_YEAR_S) / (1.5 * n * EARTH_J2 * (EARTH_RADIUS_M / a_m) ** 2)
    return np.degrees(np.arccos(np.clip(cos_i, -1.0, 1.0)))


def _column(log_table: np.ndarray, altitude_km: np.ndarray, shielding_mm: float) -> np.ndarray:
    """A column family's dose [krad/year] at ``altitude_km`` (held inside the table) and one
    thickness: log dose bilinear in altitude and thickness."""
    h = np.clip(altitude_km, ALTITUDE_KM[0], ALTITUDE_KM[-1])
    j = min(int(np.searchsorted(SHIELDING_MM, shielding_mm, side="right")) - 1, len(SHIELDING_MM) - 2)
    w = (shielding_mm - SHIELDING_MM[j]) / (SHIELDING_MM[j + 1] - SHIELDING_MM[j])
    lo = np.interp(h, ALTITUDE_KM, log_table[:, j])
    hi = np.interp(h, ALTITUDE_KM, log_table[:, j + 1])
    # at a table thickness the other column's weight is exactly 0: the point is reproduced
    return np.exp(lo if w == 0.0 else hi if w == 1.0 else (1.0 - w) * lo + w * hi)


def dose_rate_krad_per_year(altitude_km, inclination_deg, shielding_mm: float = REFERENCE_MM) -> np.ndarray:
    """TID rate [krad(Si) per 365-day year] behind ``shielding_mm`` of aluminium (2-10 mm) at
    mean altitudes ``altitude_km`` and inclinations ``inclination_deg`` (module docstring)."""
    if not SHIELDING_MM[0] <= shielding_mm <= SHIELDING_MM[-1]:
        raise ValueError(f"shielding {shielding_mm} mm is outside the table's {SHIELDING_MM[0]:g}-"
                         f"{SHIELDING_MM[-1]:g} mm")
    h = np.asarray(altitude_km, dtype=np.float64)
    inc = np.asarray(inclination_deg, dtype=np.float64)
    low = _column(LOG_DOSE_30DEG, h, shielding_mm)
    sso = _column(LOG_DOSE_SSO, h, shielding_mm)
    i_sso = sun_synchronous_inclination_deg(np.clip(h, ALTITUDE_KM[0], ALTITUDE_KM[-1]))
    w = np.clip((inc - LOW_INCLINATION_DEG) / (i_sso - LOW_INCLINATION_DEG), 0.0, 1.0)
    return np.where(w == 0.0, low, np.where(w == 1.0, sso, (1.0 - w) * low + w * sso))


def outside_table(altitude_km, inclination_deg) -> str:
    """Why these orbits lie outside the table (one line), or '' if none does."""
    h = np.asarray(altitude_km, dtype=np.float64)
    inc = np.asarray(inclination_deg, dtype=np.float64)
    parts = []
    for count, what in ((int((h < ALTITUDE_KM[0]).sum()), f"below {ALTITUDE_KM[0]:,.0f} km: held at "
                         f"{ALTITUDE_KM[0]:,.0f} km, which overstates their dose"),
                        (int((h > ALTITUDE_KM[-1]).sum()), f"above {ALTITUDE_KM[-1]:,.0f} km: held at "
                         f"{ALTITUDE_KM[-1]:,.0f} km, which understates their dose"),
                        (int((inc < LOW_INCLINATION_DEG).sum()), f"inclined less than {LOW_INCLINATION_DEG:g} "
                         f"deg: given the {LOW_INCLINATION_DEG:g} deg column")):
        if count:
            parts.append(f"{count} satellite(s) {what}")
    return "; ".join(parts)


def semi_major_axis_m(period_s):
    """Semi-major axis [m] of an Earth orbit of period ``period_s`` [s], by Kepler's third law."""
    return (EARTH_MU_M3_S2 * (np.asarray(period_s, dtype=np.float64) / (2.0 * np.pi)) ** 2) ** (1.0 / 3.0)


def orbits_of(sats) -> tuple[np.ndarray, np.ndarray]:
    """Mean altitude [km] (semi-major axis from the Kozai mean motion, less the equatorial
    radius) and inclination [deg] of each satellite, as the engine's summary takes them."""
    period_s = np.array([2.0 * math.pi / r.no_kozai * SECONDS_PER_MINUTE for r in sats.satrecs])
    altitude_km = (semi_major_axis_m(period_s) - EARTH_RADIUS_M) / M_PER_KM
    return altitude_km, np.degrees(np.array([r.inclo for r in sats.satrecs]))


def satellite_dose_rates(scenario, sats) -> np.ndarray:
    """TID rate of each satellite [krad(Si) per 365-day year] (:func:`dose_rate_krad_per_year`)."""
    altitude_km, inclination_deg = orbits_of(sats)
    return dose_rate_krad_per_year(altitude_km, inclination_deg, scenario.radiation.shielding_mm_al)
