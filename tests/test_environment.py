"""Tests of twin.orbits.environment: offline time and ephemeris, the Sun vector, beta angle, and a
year of eclipses of a dawn-dusk sun-synchronous orbit."""
import math
import warnings
from datetime import datetime, timedelta, timezone

import numpy as np
from numpy.testing import assert_allclose, assert_array_equal

from twin.orbits import environment
from twin.orbits.environment import (
    beta_angle_rad, eclipse_intervals, ephemeris, skyfield_times, sun_position_gcrs_m,
    sunlit_fraction, timescale,
)
from twin.constants import EARTH_RADIUS_M as R_EARTH_M
from twin.orbits import Propagator, sso_shell

AU_M = 149_597_870_700.0  # m, IAU 2012 Resolution B2


def test_timescale_and_ephemeris_are_offline_and_cached():
    """Both come from files shipped in packages (the suite runs with the network blocked);
    skyfield-data's 'finals2000A.all has expired' warning is not shown."""
    from skyfield_data import get_skyfield_data_path

    environment._loader.cache_clear()
    environment.timescale.cache_clear()
    environment.ephemeris.cache_clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ts, eph = timescale(), ephemeris()
    assert not [w for w in caught if "finals2000A" in str(w.message)]
    assert timescale() is ts and ephemeris() is eph
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert environment._loader().directory == get_skyfield_data_path()
    assert "de421" in eph.filename


def test_skyfield_times_count_elapsed_si_seconds():
    epoch = datetime(2026, 5, 30, 12, 0, 0, 250_000, tzinfo=timezone.utc)
    t = skyfield_times(epoch, np.array([0.0, 10.0, 365 * 86400.0]))
    elapsed_s = ((t.whole - t.whole[0]) + (t.tt_fraction - t.tt_fraction[0])) * 86400.0
    assert_allclose(elapsed_s, [0.0, 10.0, 365 * 86400.0], rtol=0, atol=1e-5)  # 10 us: float64 of a JD
    assert abs((t[0].utc_datetime() - epoch).total_seconds()) < 1e-5
    naive = skyfield_times(epoch.replace(tzinfo=None), [0.0])
    shifted = skyfield_times(epoch.astimezone(timezone(timedelta(hours=5))), [0.0])
    assert naive.tt[0] == t.tt[0] == shifted.tt[0]


def test_sun_vector_is_the_one_is_sunlit_uses():
    epoch = datetime(2026, 6, 21, 8, 24, tzinfo=timezone.utc)  # June solstice 2026
    t_s = np.arange(0.0, 86400.0, 3600.0)
    sun = sun_position_gcrs_m(epoch, t_s)
    eph = ephemeris()
    expected = (eph["sun"] - eph["earth"]).at(skyfield_times(epoch, t_s)).xyz.m.T
    assert sun.shape == (24, 3)
    assert_array_equal(sun, expected)
    dist_au = np.linalg.norm(sun, axis=1) / AU_M
    assert (0.983 < dist_au).all() and (dist_au < 1.017).all()  # perihelion..aphelion
    dec_deg = np.degrees(np.arcsin(sun[0, 2] / np.linalg.norm(sun[0])))
    assert abs(dec_deg - 23.44) < 0.01  # obliquity, at the solstice


def test_beta_angle_geometry():
    pos = np.array([[[7e6, 0.0, 0.0]]])
    vel = np.array([[[0.0, 7.5e3, 0.0]]])  # orbit normal +z
    for sun_dir, beta_deg in (((0, 0, 1), 90.0), ((0, 0, -1), -90.0), ((1, 0, 0), 0.0),
                              ((0, 1, 1), 45.0), ((-1, 0, -1), -45.0)):
        sun = AU_M * np.array([sun_dir], dtype=float) / np.linalg.norm(sun_dir)
        assert_allclose(np.degrees(beta_angle_rad(pos, vel, sun)), [[beta_deg]], atol=1e-12)


def test_eclipse_intervals_interpolate_crossings():
    t = np.arange(0.0, 10.0)
    nu = np.array([1, 1, 0.6, 0.0, 0.0, 0.0, 0.2, 1.0, 1.0, 0.0])
    iv = eclipse_intervals(t, nu, threshold=0.5)
    # nu - 0.5 goes 0.1 -> -0.5 between t = 2 and 3, -0.3 -> 0.5 between 6 and 7,
    # 0.5 -> -0.5 between 8 and 9, and the series ends in shadow
    assert_allclose(iv, [[2.0 + 0.1 / 0.6, 6.0 + 0.3 / 0.8], [8.5, 9.0]])
    assert eclipse_intervals(t, np.ones(10)).shape == (0, 2)
    assert_allclose(eclipse_intervals(t, np.zeros(10)), [[0.0, 9.0]])


def eclipse_minutes_per_orbit(altitude_km, ltan_h, epoch, n_days, dt_s=30.0):
    """Shadow minutes, integral of (1 - nu) dt over one nodal period starting at each day."""
    sats = sso_shell(altitude_km, ltan_h, 1, 1, epoch)
    satrec = sats.satrecs[0]
    period_s = 2 * math.pi / (satrec.mdot + satrec.argpdot) * 60.0  # SGP4 secular rates
    in_orbit = np.arange(0.0, period_s, dt_s)
    t_s = (np.arange(n_days)[:, None] * 86400.0 + in_orbit[None, :]).ravel()
    pos, vel, error = Propagator(sats, epoch).propagate(t_s)
    assert not error.any()
    sun = sun_position_gcrs_m(epoch, t_s)
    nu = sunlit_fraction(pos, sun)[:, 0].reshape(n_days, -1)
    beta = beta_angle_rad(pos, vel, sun)[:, 0].reshape(n_days, -1)
    return (1.0 - nu).sum(axis=1) * dt_s / 60.0, beta.mean(axis=1), period_s


def test_dawn_dusk_sso_eclipse_season():
    """650 km, LTAN 18:00, through 2026, one orbit per day at 30 s.

    The orbit normal stays ~90 deg from the mean Sun in right ascension, so |beta| is set by
    the Sun's declination: it is lowest around the June solstice (the Sun's declination
    tilts it toward the plane of a retrograde dusk orbit) and the orbit sees shadow only
    when |beta| < asin(R / a) = 65 deg.  At the lowest beta the textbook shadow fraction
    acos(sqrt(h^2 + 2 R h) / (a cos beta)) / pi (Wertz & Larson, SMAD, 3rd ed., ch. 5) gives
    the maximum minutes per orbit; 0.3 min covers the penumbra and the 30 s sampling.
    """
    epoch = datetime(2026, 1, 1, tzinfo=timezone.utc)
    minutes, beta, period_s = eclipse_minutes_per_orbit(650.0, 18.0, epoch, 365)
    days = np.flatnonzero(minutes > 0)
    first = epoch + timedelta(days=int(days[0]))
    last = epoch + timedelta(days=int(days[-1]))
    print(f"\ndawn-dusk SSO 650 km: shadow from {first:%d %b} to {last:%d %b}, max "
          f"{minutes.max():.2f} min/orbit on day {minutes.argmax()}; period "
          f"{period_s / 60:.2f} min")
    assert datetime(2026, 4, 20, tzinfo=timezone.utc) < first < datetime(2026, 5, 31, tzinfo=timezone.utc)
    assert datetime(2026, 7, 15, tzinfo=timezone.utc) < last < datetime(2026, 8, 31, tzinfo=timezone.utc)
    assert (minutes[days[0]:days[-1] + 1] > 0).all()  # one season, no gaps
    assert 160 <= minutes.argmax() <= 185  # around the solstice, day 171
    assert 15.0 < minutes.max() < 21.0
    h, a = 650e3, R_EARTH_M + 650e3
    b_min = np.abs(beta).min()
    analytic = math.acos(math.sqrt(h * h + 2 * R_EARTH_M * h) / (a * math.cos(b_min))) / math.pi
    assert abs(minutes.max() - analytic * period_s / 60.0) < 0.3
