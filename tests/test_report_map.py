"""The ground-track map (twin.report.map): the shipped coastlines, GCRS -> longitude/latitude, the
figure for one and for many satellites; and the power figure's orbit means (twin.report.figures)."""
from __future__ import annotations

import math
from datetime import datetime, timezone
from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest

from twin.report import figures, map as gmap
from twin.report.style import STYLE

EPOCH = datetime(2026, 3, 20, tzinfo=timezone.utc)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png_pixels(path):
    import matplotlib.image

    assert path.read_bytes()[:8] == PNG_MAGIC
    return matplotlib.image.imread(path)[..., :3]


def _colour_pixels(pixels, hex_colour, tol=0.02) -> int:
    from matplotlib.colors import to_rgb

    return int((np.abs(pixels - np.array(to_rgb(hex_colour))).max(axis=-1) < tol).sum())


# ---------------------------------------------------------------- coastlines
def test_coastline_ships_with_the_package_and_spans_the_world():
    lon, lat = gmap.load_coastline()
    finite = np.isfinite(lon)
    assert np.array_equal(finite, np.isfinite(lat))
    assert finite.sum() > 4000 and (~finite).sum() > 50       # Natural Earth 110 m: ~5,000 points, ~130 lines
    assert -180.0 <= np.nanmin(lon) and np.nanmax(lon) <= 180.0
    assert -90.0 <= np.nanmin(lat) and np.nanmax(lat) <= 90.0
    assert np.nanmax(lon) - np.nanmin(lon) > 350.0 and np.nanmin(lat) < -60.0 and np.nanmax(lat) > 70.0
    # no polyline crosses the map: each step is short (the longest 110 m edges are a few degrees)
    step = np.hypot(np.diff(lon), np.diff(lat))
    assert np.nanmax(step) < 20.0
    # the Cape of Good Hope (18.5°E, 34.4°S) is on a shore, within 1° at this scale
    assert np.nanmin(np.hypot(lon - 18.5, lat + 34.4)) < 1.0


# ---------------------------------------------------------------- GCRS -> longitude, latitude
def _era_deg(when: datetime) -> float:
    """Earth rotation angle (IERS Conventions 2010 eq. 5.15), with UTC for UT1."""
    du = (when - datetime(2000, 1, 1, 12, tzinfo=timezone.utc)).total_seconds() / 86400.0
    return math.degrees(2.0 * math.pi * ((0.7790572732640 + 1.00273781191135448 * du) % 1.0))


def test_gcrs_x_axis_lies_at_minus_the_earth_rotation_angle():
    # The GCRS x axis is the J2000 origin; the Earth turns under it by the Earth rotation angle, so
    # its longitude is -ERA. Not -GMST: GMST counts from the equinox of date, 0.36° away in 2026 by
    # precession, which a hand-made GMST rotation would get wrong. Tolerance 0.01° (1 km on the
    # equator): |UT1 - UTC| < 0.9 s is 0.004°, the CIO locator and frame bias are milliarcseconds.
    t_s = np.array([0.0, 3600.0, 7.3 * 86400.0])
    pos = np.zeros((3, 1, 3))
    pos[..., 0] = 7000.0
    lon, lat = gmap.geodetic_lon_lat_deg(EPOCH, t_s, pos)
    for k, t in enumerate(t_s):
        expected = (-_era_deg(EPOCH.fromtimestamp(EPOCH.timestamp() + t, timezone.utc)) + 180.0) % 360.0 - 180.0
        assert abs((lon[k, 0] - expected + 180.0) % 360.0 - 180.0) < 0.01
    # the pole has precessed since J2000 by ~0.15° towards the x axis: a latitude that small
    assert np.all(np.abs(lat) < 0.3)


def test_lon_lat_match_skyfield_point_by_point():
    # the (time, satellite) arrays go through skyfield at once; each point alone must agree exactly
    # (a transposed axis would put satellites at the wrong times: degrees off)
    from skyfield.api import wgs84
    from skyfield.constants import AU_KM
    from skyfield.positionlib import Geocentric

    rng = np.random.default_rng(7)
    t_s = np.array([0.0, 900.0, 5000.0, 86400.0])
    pos = rng.normal(size=(4, 3, 3)) * 7000.0
    lon, lat = gmap.geodetic_lon_lat_deg(EPOCH, t_s, pos)
    assert lon.shape == lat.shape == (4, 3)
    for k in range(4):
        t = gmap.skyfield_times(EPOCH, t_s[k])
        for s in range(3):
            la, lo = wgs84.latlon_of(Geocentric(pos[k, s] / AU_KM, t=t, center=399))
            assert lo.degrees == pytest.approx(lon[k, s], abs=1e-9)
            assert la.degrees == pytest.approx(lat[k, s], abs=1e-9)


def test_latitude_is_geodetic_not_geocentric():
    # WGS 84: on the surface at 45° geocentric latitude the geodetic latitude is e²/2 rad = 0.192°
    # more (to first order in the flattening); the geocentric latitude is taken in ITRS, where
    # the pole has precessed 0.15° from the GCRS z axis
    from skyfield.framelib import itrs

    r = 6367.49   # km, the WGS 84 ellipsoid's radius at 45° geocentric
    pos = np.array([[[r * math.cos(math.radians(45.0)), 0.0, r * math.sin(math.radians(45.0))]]])
    _, lat = gmap.geodetic_lon_lat_deg(EPOCH, [0.0], pos)
    x, y, z = itrs.rotation_at(gmap.skyfield_times(EPOCH, 0.0)) @ pos[0, 0]
    geocentric = math.degrees(math.atan2(z, math.hypot(x, y)))
    assert lat[0, 0] - geocentric == pytest.approx(0.192, abs=0.005)


def test_geodetic_lon_lat_rejects_a_wrong_shape():
    with pytest.raises(ValueError):
        gmap.geodetic_lon_lat_deg(EPOCH, [0.0, 60.0], np.zeros((3, 2, 3)))


# ---------------------------------------------------------------- tracks and the figure
def test_tracks_are_cut_at_the_antimeridian():
    lon = np.array([[170.0], [178.0], [-176.0], [-170.0], [np.nan], [-160.0]])
    lat = np.array([[10.0], [11.0], [12.0], [13.0], [14.0], [15.0]])
    segments, at = gmap.track_segments(lon, lat)
    assert len(segments) == 2                        # 170->178 and -176->-170; the jump and the NaN go
    assert np.abs(np.diff(segments[:, :, 0], axis=1)).max() < 10.0
    assert at[:, 0].tolist() == [1, 3]


def _walker_lon_lat(n_sats: int, n_times: int = 97):
    """Circular 53° orbits at 550 km, spread in node and phase, as lon/lat (T, S) [deg]."""
    t_s = np.linspace(0.0, 5760.0, n_times)
    n = 2.0 * math.pi / 5736.0
    raan = np.linspace(0.0, 2.0 * math.pi, n_sats, endpoint=False)
    phase = (np.arange(n_sats) * 2.399) % (2.0 * math.pi)
    u = phase[None, :] + n * t_s[:, None]
    inc = math.radians(53.0)
    x = np.cos(raan) * np.cos(u) - np.sin(raan) * np.sin(u) * math.cos(inc)
    y = np.sin(raan) * np.cos(u) + np.cos(raan) * np.sin(u) * math.cos(inc)
    z = np.sin(u) * math.sin(inc)
    pos = 6928.0 * np.stack([x, y, z], axis=-1)
    lon, lat = gmap.geodetic_lon_lat_deg(EPOCH, t_s, pos)
    return t_s, lon, lat


@pytest.mark.parametrize("n_sats", [1, 300])
def test_map_renders_for_one_and_for_many_satellites(tmp_path, n_sats):
    t_s, lon, lat = _walker_lon_lat(n_sats)
    sunlit = (np.sin(t_s / 900.0)[:, None] > 0) * np.ones((1, n_sats))
    modes = np.zeros((len(t_s), n_sats), dtype=np.int8)
    modes[-1, ::2] = 3   # safe
    with matplotlib.rc_context(STYLE):
        a = gmap.ground_track_figure(lon, lat, sunlit, "sunlit", tmp_path / "sunlit.png", "sunlit",
                                     time_s=t_s, names=[f"S{i}" for i in range(n_sats)])
        b = gmap.ground_track_figure(lon, lat, modes, "mode", tmp_path / "mode.png", "mode", time_s=t_s)
    with matplotlib.rc_context(STYLE):
        c = gmap.ground_track_figure(lon, lat, np.zeros_like(modes), "mode", tmp_path / "nominal.png", "nominal",
                                     time_s=t_s)
    sunlit_px = _png_pixels(a)
    assert sunlit_px.shape[1] > sunlit_px.shape[0] > 400
    # the dots are drawn in their state's colour: safe red where satellites are safe (the legend
    # shows every mode's colour, so it is the count of red pixels that tells)
    red_safe, red_nominal = _colour_pixels(_png_pixels(b), figures.MODE_COLOURS[3]), \
        _colour_pixels(_png_pixels(c), figures.MODE_COLOURS[3])
    assert red_safe > red_nominal + 50


def test_map_refuses_an_unknown_colour_kind(tmp_path):
    t_s, lon, lat = _walker_lon_lat(1, 5)
    with pytest.raises(ValueError, match="colour_kind"):
        gmap.ground_track_figure(lon, lat, np.zeros_like(lon), "beta", tmp_path / "x.png", "x")


# ---------------------------------------------------------------- the power figure's orbit means
def test_orbit_mean_is_the_running_mean_over_whole_records():
    t = 60.0 * np.arange(1, 11)                         # records end at 60, 120, ... 600 s
    v = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0])
    got = figures.orbit_mean(t, v[:, None], 300.0)[:, 0]
    assert np.isnan(got[:4]).all()                      # the first 4 records hold less than 300 s
    for k in range(4, 10):
        assert got[k] == pytest.approx(v[k - 4:k + 1].mean(), rel=1e-12)


def test_orbit_mean_counts_part_of_the_first_record_in_its_window():
    t = 60.0 * np.arange(1, 11)
    v = np.arange(10.0) ** 2
    got = figures.orbit_mean(t, v, 330.0)              # 5.5 records: half of record k-5 counts
    for k in range(5, 10):
        assert got[k] == pytest.approx((0.5 * v[k - 5] + v[k - 4:k + 1].sum()) * 60.0 / 330.0, rel=1e-12)
    assert np.isnan(got[4])


def test_orbit_mean_leaves_out_nan_records():
    t = 60.0 * np.arange(1, 7)
    v = np.array([[1.0], [2.0], [np.nan], [4.0], [5.0], [6.0]])
    got = figures.orbit_mean(t, v, 240.0)[:, 0]
    assert got[3] == pytest.approx((1.0 + 2.0 + 4.0) / 3.0)
    assert got[5] == pytest.approx((4.0 + 5.0 + 6.0) / 3.0)


def test_orbit_mean_bands_are_percentiles_over_satellites():
    t = 60.0 * np.arange(1, 21)
    power = np.tile(np.arange(11.0) * 1e3, (20, 1))    # satellite s draws s kW all the time
    lo, mid, hi = figures.orbit_mean_bands(t, power, 600.0)
    assert np.isnan(mid[:9]).all()
    assert lo[-1] == pytest.approx(1e3) and mid[-1] == pytest.approx(5e3) and hi[-1] == pytest.approx(9e3)


def test_orbit_mean_removes_the_eclipse_swing():
    # 7 kW in sunlight, 0 in a 35-min eclipse, every 95 min: every record swings 0..7 kW, the
    # orbit mean holds at 7 x 60/95 kW whatever the phase (the old min-max band said 0..7 kW)
    period, t = 5700.0, 60.0 * np.arange(1, 24 * 60 + 1)
    phase = np.linspace(0.0, period, 24, endpoint=False)
    sunlit = ((t[:, None] + phase[None, :]) % period) >= 35 * 60.0
    means = figures.orbit_mean(t, 7e3 * sunlit, period)[200:]
    assert means == pytest.approx(np.full_like(means, 7e3 * 60.0 / 95.0), abs=7e3 * 60.0 / period)


def test_kepler_and_eclipse_periods():
    assert figures.kepler_period_s(550.0) == pytest.approx(5736.0, abs=5.0)   # 95.6 min at 550 km
    t = 60.0 * np.arange(1, 1441)
    sunlit = ((t % 5700.0) > 2100.0).astype(float)[:, None] * np.ones((1, 3))
    assert figures.orbit_period_from_sunlit(t, sunlit) == pytest.approx(5700.0, abs=60.0)
    assert figures.orbit_period_from_sunlit(t, np.ones((len(t), 2))) is None


def _power_sample(n_records=600, n_sats=12, with_values=True):
    t = 60.0 * np.arange(1, n_records + 1)
    sunlit = (((t[:, None] + 300.0 * np.arange(n_sats)) % 5700.0) > 2100.0).astype(float)
    values = {name: 7e3 * sunlit * (0.5 + k / 8.0) for k, (name, _, _) in enumerate(figures.POWER_PANELS)}
    bands = {name: (v.min(1), np.median(v, 1), v.max(1)) for name, v in values.items()}
    sample = SimpleNamespace(time_s=t, attrs={"epoch_utc": "2026-03-20T00:00:00+00:00"}, config={},
                             n_sats=n_sats, sat_stride=1, window_time_s=t, window_sunlit=sunlit, bands=bands)
    if with_values:
        sample.power_time_s, sample.power_values = t, values
    return sample


def test_power_figure_draws_orbit_means_and_falls_back_to_bands(tmp_path):
    with matplotlib.rc_context(STYLE):
        new = figures.fig_power(_power_sample(), tmp_path / "power.png")
        old = figures.fig_power(_power_sample(with_values=False), tmp_path / "power_bands.png")
        short = figures.fig_power(_power_sample(n_records=30), tmp_path / "power_short.png")
    for path in (new, old, short):
        assert _png_pixels(path).shape[0] > 400
    assert figures._orbit_period(_power_sample()) == pytest.approx(5700.0, abs=60.0)
