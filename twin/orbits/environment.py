"""Time, the Sun and the geometry of sunlight for Earth orbits.

Everything here is offline: the timescale is skyfield's builtin one (leap seconds and
Delta T shipped inside skyfield) and the ephemeris is JPL DE421 as shipped by
``skyfield-data``; nothing is ever downloaded.

Time convention used across twin: a run has an ``epoch_utc`` (a ``datetime``) and every
instant is ``t_s`` seconds (SI seconds, i.e. elapsed TAI/TT) after it.  A leap second
inside a run therefore shifts the UTC labels, not the physics.

References
----------
Rhodes, B., Skyfield: high precision research-grade positions for planets and Earth
satellites, Astrophysics Source Code Library ascl:1907.024 (2019).
Folkner, W. M. et al., The Planetary and Lunar Ephemeris DE 421, IPN Progress Report
42-178 (2009).
"""
from __future__ import annotations

import functools
import warnings
from datetime import datetime, timezone

import numpy as np

from twin.constants import EARTH_POLAR_RADIUS_M, EARTH_RADIUS_M, SECONDS_PER_DAY
from twin.kernels.shadow import SPHERE, shadow_fraction_array

EPHEMERIS_NAME = "de421.bsp"  # JPL DE421, 1900-2050, shipped by skyfield-data


@functools.lru_cache(maxsize=1)
def _loader():
    from skyfield.api import Loader
    from skyfield_data import get_skyfield_data_path

    with warnings.catch_warnings():
        # skyfield-data warns that its bundled finals2000A.all (IERS polar motion / UT1)
        # has expired; twin never reads that file (builtin timescale below).
        warnings.filterwarnings("ignore", message=".*finals2000A.all.*expired")
        path = get_skyfield_data_path()
    return Loader(path, verbose=False, expire=False)


@functools.lru_cache(maxsize=1)
def timescale():
    """Skyfield timescale built from the data shipped inside skyfield (offline).

    Returns
    -------
    skyfield.timelib.Timescale
    """
    return _loader().timescale(builtin=True)


@functools.lru_cache(maxsize=1)
def ephemeris():
    """JPL DE421 planetary ephemeris from ``skyfield-data``; never downloads.

    Returns
    -------
    skyfield.jpllib.SpiceKernel
    """
    return _loader()(EPHEMERIS_NAME)


@functools.lru_cache(maxsize=1)
def _earth_to_sun():
    eph = ephemeris()
    return eph["sun"] - eph["earth"]


def as_utc(epoch_utc: datetime) -> datetime:
    """Return ``epoch_utc`` as an aware UTC datetime; a naive datetime is taken as UTC."""
    if epoch_utc.tzinfo is None:
        return epoch_utc.replace(tzinfo=timezone.utc)
    return epoch_utc.astimezone(timezone.utc)


def skyfield_times(epoch_utc: datetime, t_s):
    """Skyfield ``Time`` array at ``t_s`` seconds after ``epoch_utc``.

    Parameters
    ----------
    epoch_utc : datetime
        Run epoch (naive datetimes are taken as UTC).
    t_s : array_like, shape (B,)
        Elapsed SI seconds since the epoch [s].

    Returns
    -------
    skyfield.timelib.Time
        Built as TT Julian date (whole day + fraction) so that elapsed time is exact.
    """
    ts = timescale()
    t0 = ts.from_datetime(as_utc(epoch_utc))
    t_s = np.asarray(t_s, dtype=np.float64)
    return ts.tt_jd(t0.whole, t0.tt_fraction + t_s / SECONDS_PER_DAY)


def sun_position_gcrs_m(epoch_utc: datetime, t_s) -> np.ndarray:
    """Vector from the Earth's centre to the Sun's centre [m], GCRS axes.

    This is the vector skyfield's ``ICRF.is_sunlit`` uses,
    ``(eph['sun'] - eph['earth']).at(t)``: the *geometric* position at time t (no
    light-time or aberration correction), from DE421.

    Parameters
    ----------
    epoch_utc : datetime
        Run epoch.
    t_s : array_like, shape (B,)
        Seconds since the epoch [s].

    Returns
    -------
    numpy.ndarray, shape (B, 3), float64
    """
    t = skyfield_times(epoch_utc, np.atleast_1d(t_s))
    return np.ascontiguousarray(_earth_to_sun().at(t).xyz.m.T)


def earth_pole_gcrs(epoch_utc: datetime) -> np.ndarray:
    """The Earth's rotation pole at ``epoch_utc``: unit vector, GCRS axes.

    The Celestial Intermediate Pole, the third row of skyfield's ``Time.M`` (frame bias,
    IAU 2006 precession and IAU 2000A nutation: GCRS -> true equator of date), which is also the
    z axis of the TEME frame the orbits come from. In 2026 it lies 0.145 deg from GCRS z and moves
    22.2 arcsec (1.07e-4 rad) a year; held at a run's epoch, the WGS-84 surface it orients is off
    by at most (a - b) * 1.07e-4 = 2.3 m after a year (the radius a(1 - f sin^2 phi) turned by
    that angle), against the 21.4 km of flattening. Polar motion (the crust's axis against this
    pole, ~0.3 arcsec) is left out: 3 cm.
    """
    t = skyfield_times(epoch_utc, [0.0])
    pole = np.asarray(t.M, dtype=np.float64)[2, :, 0]
    return pole / np.linalg.norm(pole)


def earth_shadow_shape(shape: str = "sphere", grazing_height_m: float = 0.0, epoch_utc: datetime | None = None):
    """The Earth's figure for the shadow kernel (:mod:`twin.kernels.shadow`'s shape tuple).

    Parameters
    ----------
    shape : ``"sphere"`` or ``"wgs84"``
        ``sphere``: the sphere of the WGS-84 equatorial radius a (twin's historical model).
        ``wgs84``: the WGS-84 ellipsoid, a = 6,378,137 m, f = 1/298.257223563 (NIMA TR8350.2,
        2000, Table 3.1), its axis the rotation pole at ``epoch_utc`` (:func:`earth_pole_gcrs`).
    grazing_height_m : float
        Height of the layer below which the atmosphere is taken to extinguish sunlight [m],
        added to both semi-axes: a' = a + h, b' = b + h. (The surface h above the ellipsoid
        along its normal is not an ellipsoid; a' and b' put it within 0.1 m for h <= 75 km.)
    epoch_utc : datetime
        The run's epoch: the pole (``wgs84`` only).

    Returns
    -------
    tuple
        (radius_m, pole_x, pole_y, pole_z, stretch): a' [m], the pole, a'/b' - 1 [1].
    """
    if grazing_height_m < 0.0 or not np.isfinite(grazing_height_m):
        raise ValueError(f"grazing_height_m must be finite and >= 0, got {grazing_height_m!r}")
    if shape == "sphere":
        return (EARTH_RADIUS_M + grazing_height_m,) + SPHERE[1:]
    if shape != "wgs84":
        raise ValueError(f"shape must be 'sphere' or 'wgs84', got {shape!r}")
    if epoch_utc is None:
        raise ValueError("the wgs84 shape needs the run's epoch (the Earth's pole)")
    a_m, b_m = EARTH_RADIUS_M + grazing_height_m, EARTH_POLAR_RADIUS_M + grazing_height_m
    kx, ky, kz = (float(x) for x in earth_pole_gcrs(epoch_utc))
    return (a_m, kx, ky, kz, a_m / b_m - 1.0)


def beta_angle_rad(pos_m, vel_m_s, sun_m) -> np.ndarray:
    """Solar beta angle: elevation of the Sun above each orbit plane [rad].

    beta = asin(h_hat . s_hat) with h = r x v the orbit normal, so beta is signed:
    positive when the Sun is on the side of the orbit normal.  |beta| is the angle between
    the orbit plane and the Sun direction.

    Parameters
    ----------
    pos_m : array_like, shape (B, N, 3)
        Satellite positions [m] (GCRS).
    vel_m_s : array_like, shape (B, N, 3)
        Satellite velocities [m/s] (GCRS).
    sun_m : array_like, shape (B, 3)
        Earth-to-Sun vector [m] (GCRS).

    Returns
    -------
    numpy.ndarray, shape (B, N), in [-pi/2, pi/2]

    References
    ----------
    Gilmore, D. G. (ed.), Spacecraft Thermal Control Handbook, Vol. I, 2nd ed. (2002),
    ch. 2 (the orbit beta angle).
    """
    h = np.cross(np.asarray(pos_m, dtype=np.float64), np.asarray(vel_m_s, dtype=np.float64))
    h_hat = h / np.linalg.norm(h, axis=-1, keepdims=True)
    sun = np.asarray(sun_m, dtype=np.float64)
    s_hat = sun / np.linalg.norm(sun, axis=-1, keepdims=True)
    sin_beta = np.einsum("bnk,bk->bn", h_hat, s_hat)
    return np.arcsin(np.clip(sin_beta, -1.0, 1.0))


def sunlit_fraction(pos_m, sun_m, shape=SPHERE) -> np.ndarray:
    """Visible fraction of the solar disc, shape (B, N), from the conical shadow kernel;
    ``shape``: the Earth's figure (:func:`earth_shadow_shape`), default the sphere."""
    pos = np.ascontiguousarray(pos_m, dtype=np.float64)
    sun = np.ascontiguousarray(sun_m, dtype=np.float64)
    out = np.empty(pos.shape[:2], dtype=np.float64)
    shadow_fraction_array(pos, sun, out, tuple(float(x) for x in shape))
    return out


def eclipse_intervals(t_s, nu, threshold: float = 0.5) -> np.ndarray:
    """Intervals where the sunlit fraction of one satellite is below ``threshold``.

    Crossings are located by linear interpolation of ``nu`` between samples; an interval
    that is open at either end of the series is clipped to the first/last sample.

    Parameters
    ----------
    t_s : array_like, shape (B,)
        Sample times [s], increasing.
    nu : array_like, shape (B,)
        Sunlit fraction [1].
    threshold : float
        Shadow when ``nu < threshold`` [1]; 0.5 puts the edge at the centre of the
        penumbra, 1.0 counts every partial eclipse.

    Returns
    -------
    numpy.ndarray, shape (K, 2)
        Start and end times [s] of each shadow interval.
    """
    t = np.asarray(t_s, dtype=np.float64)
    f = np.asarray(nu, dtype=np.float64) - threshold
    dark = f < 0.0
    if not dark.any():
        return np.empty((0, 2))
    edges = np.flatnonzero(np.diff(dark.astype(np.int8)))
    # crossing between samples i and i+1 at the zero of the linear interpolant of f
    with np.errstate(divide="ignore", invalid="ignore"):
        w = f[edges] / (f[edges] - f[edges + 1])
    t_cross = t[edges] + np.nan_to_num(w) * (t[edges + 1] - t[edges])
    starts = list(t_cross[~dark[edges]])  # sunlit -> dark
    ends = list(t_cross[dark[edges]])  # dark -> sunlit
    if dark[0]:
        starts.insert(0, t[0])
    if dark[-1]:
        ends.append(t[-1])
    return np.column_stack([starts, ends])
