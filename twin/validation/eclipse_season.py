"""Eclipse season of a dawn-dusk sun-synchronous orbit with a spherical Earth, the WGS-84
ellipsoid, and the ellipsoid with an atmosphere that stops grazing sunlight.

A dawn-dusk orbit (LTAN 18:00) rides the terminator: it sees the Earth's shadow only around the
June solstice, when its β angle drops below asin(R / r). The season's first and last eclipses
are grazing passes of the shadow's edge on the far side of the Earth from the Sun, where the
limb the sunlight grazes lies at high latitude and the WGS-84 Earth is up to 21.4 km below the
sphere of its equatorial radius (NIMA TR8350.2, 2000, Table 3.1). That shortens the season at
both ends; an atmosphere that extinguishes rays below a grazing height h lengthens it again.

For each altitude and Earth model: the first and last UTC day of 2026 with an eclipse (the
solar-disc fraction ν of :mod:`twin.kernels.shadow` below 0.5, i.e. the Sun's centre behind the
limb, as twin's eclipse events count them), the number of days with one, and the longest
eclipse [s]. One satellite, SGP4 from :func:`twin.orbits.sso_shell`'s mean elements at the
epoch (J2 keeps the plane sun-synchronous; no drag), the Sun from DE421; the pole of the
ellipsoid from :func:`twin.orbits.environment.earth_pole_gcrs` at the epoch.

Sampling: the year at COARSE_DT_S finds the season and the day of the longest eclipse; the days
at the season's edges are then sampled at FINE_DT_S and the edges moved while a neighbouring day
holds an eclipse at that resolution (a grazing eclipse can be shorter than the coarse step), and
the longest eclipse is measured at FINE_DT_S over the days whose coarse longest comes near the
coarse maximum (ν's 0.5 crossings by linear interpolation between samples: well under 0.1 s at
1 s sampling, the penumbra taking 10-40 s at these β). An eclipse is dated by the UTC day it begins in.

Run ``python -m twin.validation.eclipse_season`` for the table in docs/validation.md ("Earth's
shape and atmosphere in the shadow"); tests/test_eclipse_season.py recomputes rows of it.
"""
from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone

import numpy as np

from twin.constants import M_PER_KM, SECONDS_PER_DAY
from twin.orbits import Propagator, sso_shell
from twin.orbits.environment import earth_shadow_shape, eclipse_intervals, sun_position_gcrs_m, sunlit_fraction

EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
LTAN_H = 18.0
N_DAYS = 365
ALTITUDES_KM = (500.0, 650.0, 800.0, 1000.0, 1200.0)
# (label, shape, grazing height [km]); sources of the heights in twin/config/environment.py:
# 23 km the STK Astrogator default atmosphere altitude for eclipses, 75 km Danjon's rule
MODELS = (("sphere", "sphere", 0.0), ("wgs84", "wgs84", 0.0), ("wgs84 + 23 km", "wgs84", 23.0),
          ("wgs84 + 75 km", "wgs84", 75.0))
COARSE_DT_S = 30.0
FINE_DT_S = 1.0
THRESHOLD = 0.5   # ν below it: eclipse (the Sun's centre behind the limb)
CHUNK_DAYS = 10   # days propagated at once in the coarse pass (memory)


def shapes(models=MODELS, epoch=EPOCH):
    """The shadow kernel's shape tuple of each model."""
    return [earth_shadow_shape(shape, height_km * M_PER_KM, epoch) for _, shape, height_km in models]


class Orbit:
    """One dawn-dusk SSO satellite, sampled on demand: the ν of each Earth model over a span."""

    def __init__(self, altitude_km: float, models=MODELS, epoch: datetime = EPOCH, ltan_h: float = LTAN_H):
        self.epoch = epoch
        self.propagator = Propagator(sso_shell(altitude_km, ltan_h, 1, 1, epoch), epoch)
        self.shapes = shapes(models, epoch)

    def sample(self, first_day: int, n_days: int, dt_s: float):
        """(t_s, ν per model (M, B)) from the start of ``first_day`` for ``n_days`` days at ``dt_s``;
        the grid is aligned to the epoch, so every span samples the same instants."""
        n = int(round(n_days * SECONDS_PER_DAY / dt_s))
        t_s = first_day * SECONDS_PER_DAY + np.arange(n) * dt_s
        pos, _, error = self.propagator.propagate(t_s)
        if error.any():
            raise RuntimeError(f"SGP4 errors: {np.unique(error)}")
        sun = sun_position_gcrs_m(self.epoch, t_s)
        return t_s, np.array([sunlit_fraction(pos, sun, shape)[:, 0] for shape in self.shapes])

    def eclipses(self, first_day: int, n_days: int, dt_s: float):
        """Per model, the eclipses (start, end) [s] that begin inside the span (one in progress at
        its start is left out; one still going at its end ends there)."""
        t_s, nu = self.sample(first_day, n_days, dt_s)
        out = []
        for nu_m in nu:
            intervals = eclipse_intervals(t_s, nu_m, THRESHOLD)
            out.append(intervals[intervals[:, 0] > t_s[0]] if len(intervals) else intervals)
        return out


def _days(intervals) -> np.ndarray:
    """UTC day (since the epoch) each eclipse begins in."""
    return np.unique(np.floor(intervals[:, 0] / SECONDS_PER_DAY).astype(np.int64)) if len(intervals) else \
        np.empty(0, np.int64)


def has_eclipse(orbit: Orbit, day: int, model: int) -> bool:
    """Whether an eclipse begins on ``day`` at FINE_DT_S sampling."""
    return len(orbit.eclipses(day, 1, FINE_DT_S)[model]) > 0


def longest_by_day(orbit: Orbit, first_day: int, last_day: int):
    """{day: longest eclipse beginning that day [s]} for days first_day..last_day at FINE_DT_S,
    per model (a list of dicts); sampled through the next day, so an eclipse across midnight is
    whole."""
    out = []
    for intervals in orbit.eclipses(first_day, last_day - first_day + 2, FINE_DT_S):
        days = np.floor(intervals[:, 0] / SECONDS_PER_DAY).astype(np.int64) if len(intervals) else []
        length = np.diff(intervals, axis=1)[:, 0] if len(intervals) else []
        by_day = {}
        for d, x in zip(days, length):
            if first_day <= d <= last_day:
                by_day[int(d)] = max(by_day.get(int(d), 0.0), float(x))
        out.append(by_day)
    return out


# days whose coarse longest eclipse is within this of the coarse maximum are measured finely: the
# coarse edges are off by up to a few seconds each, the daily maximum near the solstice changes by
# less than a second a day
COARSE_MARGIN_S = 20.0


def season(altitude_km: float, models=MODELS, n_days: int = N_DAYS) -> list[dict]:
    """One row per model: altitude, model, first and last eclipse day (since the epoch), days
    with an eclipse, longest eclipse [s] and its day."""
    orbit = Orbit(altitude_km, models)
    per_model = [[] for _ in models]
    for d0 in range(0, n_days, CHUNK_DAYS):
        for m, intervals in enumerate(orbit.eclipses(d0, min(CHUNK_DAYS, n_days - d0), COARSE_DT_S)):
            per_model[m].append(intervals)
    rows, near_peak = [], set()
    for m, (label, _, _) in enumerate(models):
        intervals = np.concatenate(per_model[m])
        row = {"altitude_km": altitude_km, "model": label, "first": None, "last": None, "days": 0,
               "longest_s": 0.0, "longest_day": None}
        rows.append(row)
        if not len(intervals):
            continue
        days = _days(intervals)
        first, last = int(days[0]), int(days[-1])
        while first > 0 and has_eclipse(orbit, first - 1, m):
            first -= 1
        while last < n_days - 1 and has_eclipse(orbit, last + 1, m):
            last += 1
        row.update(first=first, last=last, days=len(days) + int(days[0]) - first + last - int(days[-1]))
        length = np.diff(intervals, axis=1)[:, 0]
        near_peak |= set(np.floor(intervals[length >= length.max() - COARSE_MARGIN_S, 0] / SECONDS_PER_DAY)
                         .astype(int).tolist())
    if near_peak:
        for row, by_day in zip(rows, longest_by_day(orbit, min(near_peak), max(near_peak))):
            if by_day:
                row["longest_day"] = max(by_day, key=by_day.get)
                row["longest_s"] = by_day[row["longest_day"]]
    return rows


def cylinder_check(altitude_km: float, day: int) -> dict:
    """The longest eclipse by the textbook formula for a cylindrical shadow, for comparison:
    T = (P/π) acos(cos ρ / cos β), sin ρ = R/r (Wertz & Larson, *Space Mission Analysis and
    Design*, 3rd ed., 1999, §5.1: the eclipse's half-angle Φ/2 with cos(Φ/2) = cos ρ / cos β;
    at β = 0 it is :func:`twin.ops.eclipses.max_eclipse_s`), with r, β and
    the period P at the orbit's point farthest behind the Earth on ``day``, for R = a (the
    sphere) and for R = the polar semi-axis of the WGS-84 Earth's outline seen from the Sun,
    sqrt(b² cos² δ + a² sin² δ) at the Sun's declination δ: an oblate Earth's eclipse lies
    between the two, the one nearer the second the closer it passes the outline's pole."""
    from twin.constants import EARTH_POLAR_RADIUS_M, EARTH_RADIUS_M
    from twin.orbits.environment import beta_angle_rad

    orbit = Orbit(altitude_km, MODELS[:1])
    t_s = day * SECONDS_PER_DAY + np.arange(0.0, SECONDS_PER_DAY, 10.0)
    pos, vel, _ = orbit.propagator.propagate(t_s)
    sun = sun_position_gcrs_m(orbit.epoch, t_s)
    s_hat = sun / np.linalg.norm(sun, axis=1)[:, None]
    k = int(np.argmin(np.einsum("bi,bi->b", pos[:, 0], s_hat)))
    r_m = float(np.linalg.norm(pos[k, 0]))
    beta = float(beta_angle_rad(pos[k:k + 1], vel[k:k + 1], sun[k:k + 1])[0, 0])
    period_s = 2.0 * np.pi * r_m**2 / float(np.linalg.norm(np.cross(pos[k, 0], vel[k, 0])))
    dec = float(np.arcsin(s_hat[k, 2]))
    outline_m = float(np.hypot(EARTH_POLAR_RADIUS_M * np.cos(dec), EARTH_RADIUS_M * np.sin(dec)))

    def length(radius_m):
        x = np.sqrt(1.0 - (radius_m / r_m) ** 2) / np.cos(beta)
        return float(period_s / np.pi * np.arccos(x)) if x < 1.0 else 0.0
    return {"beta_deg": float(np.degrees(beta)), "outline_polar_m": outline_m, "sphere_s": length(EARTH_RADIUS_M),
            "outline_pole_s": length(outline_m)}


def date(day) -> str:
    """``day`` since the epoch as a date, e.g. ``7 May``."""
    return "—" if day is None else f"{(EPOCH + timedelta(days=int(day))):%-d %b}"


def table(rows) -> str:
    """The markdown table of docs/validation.md."""
    lines = ["| altitude | Earth | first eclipse | last eclipse | days | longest eclipse | vs sphere: first, last, "
             "longest |",
             "|---|---|---|---|---|---|---|"]
    sphere = {}
    for r in rows:
        if r["model"] == "sphere":
            sphere[r["altitude_km"]] = r
        s = sphere[r["altitude_km"]]
        diff = "" if r is s else (f"{r['first'] - s['first']:+d} d, {r['last'] - s['last']:+d} d, "
                                  f"{r['longest_s'] - s['longest_s']:+.1f} s")
        lines.append(f"| {r['altitude_km']:.0f} km | {r['model']} | {date(r['first'])} (day {r['first']}) | "
                     f"{date(r['last'])} (day {r['last']}) | {r['days']} | {r['longest_s']:.1f} s "
                     f"({date(r['longest_day'])}) | {diff} |")
    return "\n".join(lines)


def main(altitudes=ALTITUDES_KM) -> None:
    rows = []
    for altitude in altitudes:
        rows.extend(season(altitude))
        print(f"{altitude:.0f} km done", file=sys.stderr)
    print(f"Dawn-dusk SSO, LTAN {LTAN_H:05.2f} h, {EPOCH:%Y}, eclipse = ν < {THRESHOLD} "
          f"(coarse {COARSE_DT_S:.0f} s, edges and longest at {FINE_DT_S:.0f} s)")
    print(table(rows))
    print("\ncylindrical shadow, textbook formula, on each altitude's longest-eclipse day (sphere):")
    for r in rows:
        if r["model"] == "sphere" and r["longest_day"] is not None:
            c = cylinder_check(r["altitude_km"], r["longest_day"])
            print(f"  {r['altitude_km']:.0f} km, β {c['beta_deg']:.2f}°: R = a {c['sphere_s']:.1f} s; R = outline's "
                  f"polar semi-axis {c['outline_polar_m'] / 1e3:.1f} km {c['outline_pole_s']:.1f} s")


if __name__ == "__main__":
    main([float(a) for a in sys.argv[1:]] or ALTITUDES_KM)
