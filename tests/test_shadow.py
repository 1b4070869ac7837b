"""Tests of the conical shadow kernel: limits, the overlap area, skyfield's is_sunlit, and
eclipse durations from orbit geometry."""
import math
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from skyfield.api import EarthSatellite

from twin.orbits.environment import (
    beta_angle_rad, eclipse_intervals, ephemeris, skyfield_times, sun_position_gcrs_m,
    sunlit_fraction, timescale,
)
from twin.constants import EARTH_RADIUS_M as R_EARTH_M, SUN_RADIUS_M as R_SUN_M
from twin.kernels.shadow import shadow_fraction, shadow_fraction_array
from twin.orbits import Propagator, SatelliteSet, load_tle, teme_to_gcrs_matrices, walker_shell

DATA = Path(__file__).resolve().parent / "data"
EPOCH = datetime(2026, 5, 30, tzinfo=timezone.utc)
AU_M = 149_597_870_700.0  # m, IAU 2012
SUN_X = np.array([AU_M, 0.0, 0.0])


def python(kernel):
    """The pure-Python original of a numba kernel (the TWIN_DISABLE_JIT=1 path); with JIT
    already disabled the kernel is the Python function itself."""
    return getattr(kernel, "py_func", kernel)


def kernels():
    return [shadow_fraction, python(shadow_fraction)]


def position_at_separation(c_rad, r_m, sun=SUN_X):
    """Satellite at radius r_m whose Earth and Sun centres are about c_rad apart as seen
    from it (the Sun direction from the satellite is +x to within r/AU = 5e-5 rad)."""
    # Earth centre is seen at angle c from +x: r = -r_m (cos c, sin c, 0)
    return -r_m * np.array([math.cos(c_rad), math.sin(c_rad), 0.0])


def separation(pos, sun=SUN_X):
    """Angle between the Earth's and the Sun's centres seen from the satellite [rad]."""
    to_earth, to_sun = -pos, sun - pos
    return math.atan2(np.linalg.norm(np.cross(to_earth, to_sun)), to_earth @ to_sun)


@pytest.mark.parametrize("kernel", kernels())
def test_limits(kernel):
    r = 6_778e3
    assert kernel(r, 0.0, 0.0, *SUN_X) == 1.0  # day side
    assert kernel(-r, 0.0, 0.0, *SUN_X) == 0.0  # behind the Earth, deep in the umbra
    assert kernel(0.0, 0.0, r, *SUN_X) == 1.0  # over the pole, terminator plane
    assert kernel(-1e6, 0.0, 0.0, *SUN_X) == 0.0  # inside the Earth
    # beyond the umbra's tip (1.38e9 m) on the axis: annular, the Earth disc inside the Sun's
    far = 3.0e9
    a = math.asin(R_SUN_M / (AU_M + far))
    b = math.asin(R_EARTH_M / far)
    assert_allclose(kernel(-far, 0.0, 0.0, *SUN_X), 1.0 - b * b / (a * a), rtol=1e-12)
    assert math.isnan(kernel(math.nan, 0.0, 0.0, *SUN_X))


def overlap_fraction_by_quadrature(c, a, b, n=600):
    """Visible fraction of a disc of angular radius a whose centre is c from the centre of an
    occulting disc of radius b, both drawn on the unit sphere (exact spherical caps), by a
    polar grid over the solar disc."""
    rho = (np.arange(n) + 0.5) / n * a
    phi = (np.arange(2 * n) + 0.5) / (2 * n) * 2 * np.pi
    rho, phi = np.meshgrid(rho, phi, indexing="ij")
    # point at angular distance rho from the Sun centre, Sun centre at angle c from Earth's
    cos_d = np.cos(c) * np.cos(rho) + np.sin(c) * np.sin(rho) * np.cos(phi)
    weight = np.sin(rho)  # area element on the sphere
    return (weight * (cos_d < np.cos(b))).sum() / weight.sum()


@pytest.mark.parametrize("kernel", kernels())
@pytest.mark.parametrize("depth", [0.02, 0.25, 0.5, 0.75, 0.98])
def test_penumbra_area_against_quadrature(kernel, depth):
    """nu inside the penumbra against brute-force quadrature on the sphere.  The model
    treats the two discs as flat circles; the Earth's limb (b ~ 70 deg) is a small circle
    whose curvature on the sphere (cot b) differs from a flat one (1/b), which bends the
    limb across the 0.5 deg solar disc by a few 1e-6 rad and shifts nu by ~2e-4 (measured);
    the 600-ring grid adds ~1e-4: tolerance 1e-3."""
    r_m = 6_778e3
    b = math.asin(R_EARTH_M / r_m)
    a = math.asin(R_SUN_M / AU_M)
    c = (b - a) + depth * 2 * a  # from the umbra edge (depth 0) to the sunlit edge (1)
    pos = position_at_separation(c, r_m)
    nu = kernel(*pos, *SUN_X)
    a_seen = math.asin(R_SUN_M / np.linalg.norm(SUN_X - pos))
    assert 0.0 < nu < 1.0
    assert_allclose(nu, overlap_fraction_by_quadrature(separation(pos), a_seen, b), atol=1e-3)


@settings(max_examples=300, deadline=None)
@given(st.floats(6.5e6, 5e8), st.floats(0.0, math.pi), st.floats(-math.pi, math.pi),
       st.floats(0.0, 2 * math.pi))
def test_nu_is_a_fraction(r_m, polar, azimuth, sun_ra):
    pos = r_m * np.array([math.sin(polar) * math.cos(azimuth),
                          math.sin(polar) * math.sin(azimuth), math.cos(polar)])
    sun = AU_M * np.array([math.cos(sun_ra), math.sin(sun_ra), 0.1])
    nu = shadow_fraction(*pos, *sun)
    assert 0.0 <= nu <= 1.0
    assert nu == python(shadow_fraction)(*pos, *sun)


def test_array_kernel_matches_scalar_and_python():
    """Numba-off path: the pure-Python functions give bit-identical results."""
    rng = np.random.default_rng(3)
    r_m = 6_778e3
    b = math.asin(R_EARTH_M / r_m)
    # a mix of sunlit, umbra and penumbra geometries
    c = np.concatenate([rng.uniform(0, np.pi, 20), b + rng.uniform(-0.006, 0.006, 20)])
    pos = np.array([position_at_separation(ci, r_m) for ci in c]).reshape(4, 10, 3)
    sun = np.tile(SUN_X, (4, 1))
    out_jit = np.empty((4, 10))
    out_py = np.empty((4, 10))
    shadow_fraction_array(pos, sun, out_jit)
    python(shadow_fraction_array)(pos, sun, out_py)
    scalar_py = np.array([[python(shadow_fraction)(*pos[i, j], *sun[i]) for j in range(10)]
                          for i in range(4)])
    assert_array_equal(out_jit, out_py)
    assert_array_equal(out_jit, scalar_py)
    assert ((out_jit > 0) & (out_jit < 1)).sum() >= 10


# ------------------------------------------------------------- real orbits and skyfield

@pytest.fixture(scope="module")
def leo_day():
    """ISS + 100 Starlink over one day at 10 s: positions, Sun, nu."""
    def records(path):
        lines = [s.rstrip() for s in path.read_text().splitlines() if s.strip()]
        return [(lines[i], lines[i + 1], lines[i + 2]) for i in range(0, len(lines), 3)]

    recs = records(DATA / "celestrak_iss_20260530.tle") + records(
        DATA / "starlink_sample_20260530.tle")[:100]
    sats = SatelliteSet.concat([
        load_tle(DATA / "celestrak_iss_20260530.tle"),
        load_tle(DATA / "starlink_sample_20260530.tle",
                 norad_ids=[int(r[1][2:7]) for r in recs[1:]])])
    t_s = np.arange(0.0, 86400.0, 10.0)
    pos, vel, error = Propagator(sats, EPOCH).propagate(t_s)
    assert not error.any()
    sun = sun_position_gcrs_m(EPOCH, t_s)
    return recs, t_s, pos, vel, sun, sunlit_fraction(pos, sun)


def test_agrees_with_skyfield_is_sunlit_outside_penumbra(leo_day):
    """Where nu is 0 or 1, skyfield's is_sunlit (ray to the Sun's centre against a sphere)
    must say the same on every 10 s sample of the day; penumbra samples are excluded."""
    recs, t_s, pos, _, _, nu = leo_day
    t = skyfield_times(EPOCH, t_s)
    ts, eph = timescale(), ephemeris()
    penumbra = 0
    for k, (name, line1, line2) in enumerate(recs):
        sunlit = EarthSatellite(line1, line2, name, ts).at(t).is_sunlit(eph)
        full = (nu[:, k] == 0.0) | (nu[:, k] == 1.0)
        penumbra += int((~full).sum())
        assert_array_equal(sunlit[full], nu[full, k] == 1.0, err_msg=name)
    n = nu.size
    print(f"\nis_sunlit: {n - penumbra} of {n} samples compared, all equal; "
          f"{penumbra} penumbra samples ({100 * penumbra / n:.2f} %) excluded")
    assert penumbra > 0 and ((nu == 0).sum() > 0.2 * n)


def test_penumbra_durations_in_leo(leo_day):
    """Penumbra crossings (nu from 1 to 0 or back) of satellites spanning beta, at 0.1 s.

    While the Sun's disc slides behind the limb the separation c sweeps 2a; on a circular
    orbit dc/dt = n sqrt(cos^2 beta - cos^2 b) / sin b (spherical trigonometry of the
    Earth-Sun-satellite triangle), so a crossing lasts
    2 a sin b / (n sqrt(cos^2 beta - cos^2 b)): 2a/n ~ 8.2 s at beta = 0 in LEO, longer
    toward grazing geometry.  Every crossing is compared within 3 %: the 0.1 s sampling
    alone is 1.2 % of 8 s, and c is slightly non-linear in time at high beta."""
    recs, t_s, pos, vel, sun, nu = leo_day
    beta_day = np.degrees(beta_angle_rad(pos[:1], vel[:1], sun[:1]))[0]
    eclipsed = np.flatnonzero((nu == 0.0).any(axis=0))
    chosen = eclipsed[np.argsort(np.abs(beta_day[eclipsed]))]
    chosen = np.unique(chosen[np.linspace(0, len(chosen) - 1, 8).round().astype(int)])
    sats = SatelliteSet.concat([
        load_tle(DATA / "celestrak_iss_20260530.tle", norad_ids=[25544])]
        + [load_tle(DATA / "starlink_sample_20260530.tle", norad_ids=[int(recs[k][1][2:7])])
           for k in chosen if k > 0])
    dt = 0.1
    t_fine = np.arange(0.0, 3 * 3600.0, dt)
    pos_f, vel_f, _ = Propagator(sats, EPOCH).propagate(t_fine)
    sun_f = sun_position_gcrs_m(EPOCH, t_fine)
    nu_f = sunlit_fraction(pos_f, sun_f)
    beta_f = beta_angle_rad(pos_f, vel_f, sun_f)
    print("\npenumbra crossings [s], measured (predicted):")
    measured_all, errors = [], []
    for k, name in enumerate(sats.name):
        partial = np.concatenate([[0], ((nu_f[:, k] > 0) & (nu_f[:, k] < 1)).astype(np.int8), [0]])
        edges = np.flatnonzero(np.diff(partial))
        starts, stops = edges[0::2], edges[1::2]  # [start, stop) runs of 0 < nu < 1
        keep = (starts > 0) & (stops < len(t_fine))  # complete crossings only
        starts, stops = starts[keep], stops[keep]
        measured = (stops - starts) * dt
        i = (starts + stops) // 2
        r = np.linalg.norm(pos_f[i, k], axis=-1)
        n = np.linalg.norm(np.cross(pos_f[i, k], vel_f[i, k]), axis=-1) / r**2  # rad/s
        a = np.arcsin(R_SUN_M / np.linalg.norm(sun_f[i] - pos_f[i, k], axis=-1))
        b = np.arcsin(R_EARTH_M / r)
        beta = beta_f[i, k]
        predicted = 2 * a * np.sin(b) / (n * np.sqrt(np.cos(beta) ** 2 - np.cos(b) ** 2))
        print(f"  {name:16s} beta {np.degrees(beta.mean()):6.1f} deg: "
              + ", ".join(f"{m:.1f} ({p:.1f})" for m, p in zip(measured, predicted)))
        measured_all.extend(measured)
        errors.extend(np.abs(measured / predicted - 1.0))
    measured_all = np.array(measured_all)
    assert measured_all.size >= 20
    assert 7.0 < measured_all.min() and measured_all.max() < 60.0  # s
    assert max(errors) < 0.03


def test_beta_zero_400km_eclipse_and_period():
    """Circular 400 km orbit whose plane contains the Sun (polar, node toward the Sun).

    Textbook values: period 2 pi sqrt(a^3/mu) = 92.56 min, shadow 2 asin(R/a) / 2 pi of it
    = 36.07 min (cylindrical shadow), docs/validation.md row 1: 36.1 of 92.6 min.  The nodal period from
    SGP4 is longer by the J2 factor 1 + 3/2 J2 (R/a)^2 for a polar orbit (Vallado 2013,
    ch. 9: secular rates of M and omega), 92.69 min.  Shadow measured as the integral of
    (1 - nu) over one nodal period at 0.5 s; tolerance 0.2 min covers the J2 wobble of the
    radius and the choice of period."""
    epoch = datetime(2026, 3, 20, 12, tzinfo=timezone.utc)
    sun_gcrs = sun_position_gcrs_m(epoch, [0.0])[0]
    sun_teme = teme_to_gcrs_matrices(epoch, [0.0])[0].T @ sun_gcrs
    raan_deg = math.degrees(math.atan2(sun_teme[1], sun_teme[0]))
    sats = walker_shell(400.0, 90.0, 1, 1, 0, "delta", epoch, raan0_deg=raan_deg)
    t_s = np.arange(0.0, 2.2 * 5600.0, 0.5)
    pos, vel, _ = Propagator(sats, epoch).propagate(t_s)
    sun = sun_position_gcrs_m(epoch, t_s)
    beta_deg = np.degrees(beta_angle_rad(pos, vel, sun))
    assert np.abs(beta_deg).max() < 0.5
    z = pos[:, 0, 2]
    up = np.flatnonzero((z[:-1] < 0) & (z[1:] >= 0))
    t_node = t_s[up] - z[up] / (z[up + 1] - z[up]) * 0.5
    period_min = (t_node[1] - t_node[0]) / 60.0
    mu, a, j2, r_j2 = 3.986004418e14, R_EARTH_M + 400e3, 1.082616e-3, 6_378_135.0
    kepler_min = 2 * math.pi * math.sqrt(a**3 / mu) / 60.0
    assert abs(kepler_min - 92.6) < 0.05
    assert abs(period_min - kepler_min * (1 + 1.5 * j2 * (r_j2 / a) ** 2)) < 0.005
    one_orbit = (t_s >= t_node[0]) & (t_s < t_node[1])
    nu = sunlit_fraction(pos, sun)[:, 0]
    shadow_min = (1.0 - nu[one_orbit]).sum() * 0.5 / 60.0
    intervals = eclipse_intervals(t_s, nu, threshold=0.5)
    print(f"\nbeta 0, 400 km: shadow {shadow_min:.2f} min of nodal period {period_min:.2f} min "
          f"(Keplerian {kepler_min:.2f}); nu < 0.5 for {np.diff(intervals[0])[0] / 60:.2f} min")
    assert abs(shadow_min - 36.1) < 0.2
    assert abs(np.diff(intervals[0])[0] / 60.0 - 36.1) < 0.2
