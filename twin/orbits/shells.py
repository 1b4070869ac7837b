"""Designed constellations as SGP4 mean-element sets: Walker shells, sun-synchronous shells by
local time of the ascending node, and close clusters (a formation within a radius).

References
----------
Vallado, D. A., Crawford, P., Hujsak, R. & Kelso, T. S., Revisiting Spacetrack Report #3,
AIAA 2006-6753 (2006): SGP4 and its WGS-72 constants.
Vallado, D. A., Fundamentals of Astrodynamics and Applications, 4th ed. (2013), ch. 9
(secular J2 effects) and ch. 11 (sun-synchronous orbits).
Wertz, J. R. & Larson, W. J. (eds.), Space Mission Analysis and Design, 3rd ed. (1999),
ch. 6 (orbit perturbations).
Walker, J. G., Satellite constellations, J. Br. Interplanet. Soc. 37, 559-572 (1984).
D'Amico, S., Autonomous formation flying in low Earth orbit, PhD thesis, TU Delft (2010),
ch. 2 (relative orbital elements).
"""
from __future__ import annotations

import math
from datetime import datetime

import numpy as np
from sgp4.api import SGP4_ERRORS, WGS72, Satrec, jday
from sgp4.earth_gravity import wgs72

from twin.constants import EARTH_RADIUS_M, M_PER_KM, SECONDS_PER_DAY
from twin.orbits.environment import as_utc, skyfield_times
from twin.orbits.satset import SYNTHETIC_NORAD_BASE, SatelliteSet

# SGP4's own gravity model, WGS-72 (Vallado et al. 2006, AIAA 2006-6753, Appendix B):
# synthetic mean elements are built with the constants SGP4 will propagate them with.
MU_SGP4_M3_S2 = wgs72.mu * 1e9  # m^3/s^2 (398600.8 km^3/s^2)
R_SGP4_M = wgs72.radiusearthkm * M_PER_KM  # m, the radius J2 is normalised to
J2_SGP4 = wgs72.j2  # 1, 0.001082616
XKE_SGP4 = wgs72.xke  # sqrt(mu / R^3) [1/min] in SGP4's canonical units
TROPICAL_YEAR_S = 365.242189 * SECONDS_PER_DAY  # s, mean tropical year (Astronomical Almanac)
SUN_SYNC_RATE_RAD_S = 2.0 * math.pi / TROPICAL_YEAR_S  # rad/s, mean Sun in RA: 0.98565 deg/day
JD_SGP4_EPOCH0 = 2433281.5  # JD of 1949-12-31 00:00 UT, origin of sgp4init's epoch


def kozai_mean_motion_rad_min(a_m: float, ecc: float, incl_rad: float) -> float:
    """TLE (Kozai) mean motion that SGP4 turns into the Brouwer mean semi-major axis ``a_m``.

    SGP4's initialisation (Vallado et al. 2006, ``initl``) converts the Kozai mean motion
    n_K of a TLE into the Brouwer mean motion n_B = n_K / (1 + delta(n_K)) and takes
    a = (xke / n_B)^(2/3).  We want a = ``a_m``, so we solve n_K = n_B (1 + delta(n_K))
    by fixed-point iteration (delta ~ 1e-3, converges to 1e-16 in a few steps).

    Parameters
    ----------
    a_m : float
        Brouwer mean semi-major axis [m].
    ecc : float
        Eccentricity [1].
    incl_rad : float
        Inclination [rad].

    Returns
    -------
    float
        Kozai mean motion [rad/min], the ``no_kozai`` argument of ``Satrec.sgp4init``.
    """
    n_brouwer = XKE_SGP4 * (a_m / R_SGP4_M) ** -1.5
    cosi = math.cos(incl_rad)
    omeosq = 1.0 - ecc * ecc
    d1 = 0.75 * J2_SGP4 * (3.0 * cosi * cosi - 1.0) / (math.sqrt(omeosq) * omeosq)
    n_kozai = n_brouwer
    for _ in range(50):
        ak = (XKE_SGP4 / n_kozai) ** (2.0 / 3.0)
        delta = d1 / (ak * ak)
        adel = ak * (1.0 - delta * delta - delta * (1.0 / 3.0 + 134.0 * delta * delta / 81.0))
        delta = d1 / (adel * adel)
        n_next = n_brouwer * (1.0 + delta)
        if abs(n_next - n_kozai) < 1e-15 * n_brouwer:
            return n_next
        n_kozai = n_next
    return n_kozai


def _sgp4_epoch_days(epoch_utc: datetime) -> float:
    e = as_utc(epoch_utc)
    jd, fr = jday(e.year, e.month, e.day, e.hour, e.minute, e.second + e.microsecond * 1e-6)
    return (jd - JD_SGP4_EPOCH0) + fr


def _satrec(index, epoch_days, a_m, ecc, incl, raan, argp, mean_anomaly):
    satrec = Satrec()
    # bstar = 0: no drag, so a synthetic shell keeps its altitude; ndot, nddot unused by SGP4
    satrec.sgp4init(WGS72, "i", index % 100_000, epoch_days, 0.0, 0.0, 0.0, ecc, argp,
                    incl, mean_anomaly, kozai_mean_motion_rad_min(a_m, ecc, incl), raan)
    if satrec.error:
        raise ValueError(f"SGP4 rejected element set {index}: {SGP4_ERRORS[satrec.error]}")
    return satrec


def _make_set(prefix, epoch_days, elements, planes, slots):
    """elements: rows of (a_m, ecc, incl, raan, argp, mean_anomaly) in rad."""
    satrecs = [_satrec(k, epoch_days, *row) for k, row in enumerate(elements)]
    n = len(satrecs)
    return SatelliteSet(
        satrecs=satrecs,
        name=np.array([f"{prefix}-P{p:03d}-S{s:03d}" for p, s in zip(planes, slots)], dtype=str),
        norad_id=SYNTHETIC_NORAD_BASE + np.arange(n, dtype=np.int64),
        plane=np.asarray(planes, dtype=np.int32),
    )


def _check_counts(planes, sats_per_plane):
    if int(planes) != planes or planes < 1 or int(sats_per_plane) != sats_per_plane \
            or sats_per_plane < 1:
        raise ValueError(f"planes and sats_per_plane must be positive integers, got "
                         f"{planes!r} and {sats_per_plane!r}")


def layer_altitudes_km(altitude_km: float, thickness_km: float, layers: int) -> np.ndarray:
    """Altitudes of ``layers`` evenly spaced layers spanning ``thickness_km`` about ``altitude_km``.

    A "shell" in a filing is a band of altitudes (SpaceX's orbital data-centre filing, FCC
    SAT-LOA-20260108-00016, 2026: "narrow orbital shells spanning up to 50 km each"); twin fills
    the band with ``layers`` layers of planes, the outermost at altitude +- thickness/2.
    """
    if int(layers) != layers or layers < 1:
        raise ValueError(f"layers must be a positive integer, got {layers!r}")
    if thickness_km < 0 or (thickness_km > 0 and layers < 2):
        raise ValueError(f"a shell {thickness_km:g} km thick needs layers >= 2 (and thickness_km >= 0), "
                         f"got layers {layers!r}")
    if layers == 1:
        return np.array([float(altitude_km)])
    return altitude_km + thickness_km * (np.arange(layers) / (layers - 1) - 0.5)


def walker_shell(altitude_km, inclination_deg, planes, sats_per_plane, phasing, pattern,
                 epoch_utc: datetime, raan0_deg=0.0, thickness_km=0.0, layers=1) -> SatelliteSet:
    """Walker constellation T/P/F of circular orbits.

    Plane p (0..P-1) has RAAN raan0 + p * 360/P ("delta") or raan0 + p * 180/P ("star");
    slot s (0..S-1) of plane p has argument of latitude s * 360/S + p * F * 360/T, T = P*S
    (Walker 1984).  Elements are SGP4 mean elements in TEME at ``epoch_utc``: Brouwer mean
    semi-major axis R_earth + altitude, e = 0, argument of perigee 0, B* = 0.

    Parameters
    ----------
    altitude_km : float
        Mean altitude above the WGS-84 equatorial radius [km].
    inclination_deg : float
        [deg]
    planes, sats_per_plane : int
        P and S.
    phasing : int
        Walker F, 0 <= F < P.
    pattern : {"delta", "star"}
    epoch_utc : datetime
    raan0_deg : float
        RAAN of plane 0 [deg].
    thickness_km, layers : float, int
        Plane p flies at layer p mod ``layers`` of :func:`layer_altitudes_km` (interleaved, so
        every layer's planes are spread in RAAN); the default is one layer at ``altitude_km``.

    Returns
    -------
    SatelliteSet
        Ordered plane by plane; names ``WALKER-P<p>-S<s>``.
    """
    _check_counts(planes, sats_per_plane)
    if pattern not in ("delta", "star"):
        raise ValueError(f"Walker pattern must be 'delta' or 'star', got {pattern!r}")
    if int(phasing) != phasing or not 0 <= phasing < planes:
        raise ValueError(f"Walker phasing F must be an integer in [0, {planes - 1}], "
                         f"got {phasing!r}")
    if altitude_km <= 0:
        raise ValueError(f"altitude_km must be positive, got {altitude_km!r}")
    spread = 2.0 * math.pi if pattern == "delta" else math.pi
    heights = _plane_altitudes_km(altitude_km, thickness_km, layers, planes)
    a_m = [EARTH_RADIUS_M + h * M_PER_KM for h in heights]
    raans = [math.radians(raan0_deg) + p * spread / planes for p in range(planes)]
    return _circular_shell("WALKER", epoch_utc, a_m, [math.radians(inclination_deg)] * planes, raans,
                           sats_per_plane, phasing)


def _plane_altitudes_km(altitude_km, thickness_km, layers, planes) -> list[float]:
    heights = layer_altitudes_km(altitude_km, thickness_km, layers)
    if layers > planes:
        raise ValueError(f"layers ({layers}) must not exceed planes ({planes}): a layer needs a plane")
    if heights[0] <= 0:
        raise ValueError(f"the lowest layer of a {thickness_km:g} km shell at {altitude_km:g} km is "
                         f"below the surface")
    return [float(heights[p % layers]) for p in range(planes)]


def _circular_shell(prefix, epoch_utc, a_m, incl, raans, sats_per_plane, phasing):
    """Circular planes at the given RAANs [rad], semi-major axes [m] and inclinations [rad] (one
    each per plane), satellites evenly spaced in argument of latitude, plane p's shifted by
    p·F·360°/T (Walker's relative phasing, T = all satellites)."""
    total = len(raans) * sats_per_plane
    elements, plane_ids, slots = [], [], []
    for p, raan in enumerate(raans):
        for s in range(sats_per_plane):
            u = (s * 2.0 * math.pi / sats_per_plane
                 + p * phasing * 2.0 * math.pi / total) % (2.0 * math.pi)
            elements.append((a_m[p], 0.0, incl[p], raan % (2.0 * math.pi), 0.0, u))
            plane_ids.append(p)
            slots.append(s)
    return _make_set(prefix, _sgp4_epoch_days(epoch_utc), elements, plane_ids, slots)


def sso_inclination_rad(altitude_km: float, ecc: float = 0.0) -> float:
    """Inclination of a sun-synchronous orbit from the J2 secular node rate.

    dOmega/dt = -3/2 n J2 (R/p)^2 cos i  (first-order secular J2 rate; Vallado 2013, ch. 9;
    Wertz & Larson, SMAD, ch. 6) set equal to the mean Sun's rate in right ascension,
    360 deg per tropical year (0.98565 deg/day).  n = sqrt(mu/a^3), p = a (1 - e^2), with
    SGP4's WGS-72 mu, R and J2.

    SGP4 adds J2^2 and J4 secular terms, so it propagates such an orbit with a node rate
    0.3 % lower (0.9826 deg/day at 650 km): the node falls behind the mean Sun by ~1 deg,
    4 min of LTAN, per year.  Station-kept missions fly ~0.02 deg higher to cancel this.

    Parameters
    ----------
    altitude_km : float
        Mean altitude above the WGS-84 equatorial radius [km].
    ecc : float
        Eccentricity [1].

    Returns
    -------
    float
        [rad], retrograde (> pi/2).
    """
    a = EARTH_RADIUS_M + altitude_km * M_PER_KM
    n = math.sqrt(MU_SGP4_M3_S2 / a**3)
    p = a * (1.0 - ecc * ecc)
    cosi = -SUN_SYNC_RATE_RAD_S / (1.5 * n * J2_SGP4 * (R_SGP4_M / p) ** 2)
    if cosi < -1.0:
        raise ValueError(f"no sun-synchronous orbit at {altitude_km} km (cos i = {cosi:.3f})")
    return math.acos(cosi)


def j2_node_rate_rad_s(altitude_km: float, incl_rad: float, ecc: float = 0.0) -> float:
    """First-order secular J2 node rate -3/2 n J2 (R/p)^2 cos i [rad/s] (Vallado 2013, ch. 9)."""
    a = EARTH_RADIUS_M + altitude_km * M_PER_KM
    n = math.sqrt(MU_SGP4_M3_S2 / a**3)
    p = a * (1.0 - ecc * ecc)
    return -1.5 * n * J2_SGP4 * (R_SGP4_M / p) ** 2 * math.cos(incl_rad)


def raan_from_ltan_rad(ltan_h: float, epoch_utc: datetime) -> float:
    """TEME right ascension of the ascending node that has local time ``ltan_h`` at epoch.

    LTAN is mean local solar time, as in mission specifications: the node's longitude
    lambda satisfies LTAN = UT1 + lambda / 15 deg/h, and lambda = RAAN - GMST.  With SGP4's
    GMST (IAU-82, the angle between TEME and the Earth-fixed frame) this gives
    RAAN = GMST + 15 deg/h (LTAN - UT1), i.e. the mean Sun's right ascension
    + 15 deg/h (LTAN - 12 h).  The true Sun is ahead of or behind the mean Sun by the
    equation of time (up to 16 min, 4 deg); a sun-synchronous node follows the mean Sun.

    Parameters
    ----------
    ltan_h : float
        Local time of the ascending node [h], e.g. 18.0 for a dusk-dawn orbit.
    epoch_utc : datetime

    Returns
    -------
    float
        RAAN [rad] in [0, 2 pi).
    """
    from skyfield.sgp4lib import theta_GMST1982

    t = skyfield_times(epoch_utc, np.zeros(1))
    theta, _ = theta_GMST1982(t.whole, t.ut1_fraction)
    ut1_h = ((t.whole - 0.5) % 1.0 + t.ut1_fraction) % 1.0 * 24.0  # UT1 hours of the day
    raan = float(theta[0]) + math.radians(15.0 * (ltan_h - float(ut1_h[0])))
    return raan % (2.0 * math.pi)


def sso_shell(altitude_km, ltan_h, planes, sats_per_plane, epoch_utc: datetime, phasing=0,
              ltan_span_h=24.0, thickness_km=0.0, layers=1) -> SatelliteSet:
    """Sun-synchronous circular shell.

    Inclination from :func:`sso_inclination_rad`.  Plane p has local time of ascending node
    ltan_h + p * ltan_span_h / P: with the default 24 h the planes are spread evenly in RAAN
    (360/P apart, a Walker-delta-like SSO constellation); a small span keeps every plane
    near ``ltan_h`` (e.g. ``ltan_span_h=1`` for several dawn-dusk planes within an hour).
    Slot s of plane p has argument of latitude s * 360/S + p * F * 360/(P S).

    Parameters
    ----------
    altitude_km : float
        Mean altitude above the WGS-84 equatorial radius [km].
    ltan_h : float
        Local time of the ascending node of plane 0 [h] (18.0 = dusk-dawn, 6.0 = dawn-dusk).
    planes, sats_per_plane : int
    epoch_utc : datetime
    phasing : int
        Walker-style F, 0 <= F < P.
    ltan_span_h : float
        Span of LTAN the planes are spread over [h].
    thickness_km, layers : float, int
        As in :func:`walker_shell`; each layer has its own sun-synchronous inclination.

    Returns
    -------
    SatelliteSet
        Names ``SSO-P<p>-S<s>``.
    """
    _check_counts(planes, sats_per_plane)
    if int(phasing) != phasing or not 0 <= phasing < planes:
        raise ValueError(f"phasing must be an integer in [0, {planes - 1}], got {phasing!r}")
    heights = _plane_altitudes_km(altitude_km, thickness_km, layers, planes)
    incl = [sso_inclination_rad(h) for h in heights]
    raan0 = raan_from_ltan_rad(ltan_h, epoch_utc)
    a_m = [EARTH_RADIUS_M + h * M_PER_KM for h in heights]
    raans = [raan0 + math.radians(15.0 * p * ltan_span_h / planes) for p in range(planes)]
    return _circular_shell("SSO", epoch_utc, a_m, incl, raans, sats_per_plane, phasing)


def cluster_shell(altitude_km, ltan_h, n_sats, radius_km, epoch_utc: datetime,
                  seed: int = 0) -> SatelliteSet:
    """Compact formation around a circular sun-synchronous reference orbit.

    Like Google's Suncatcher study (81 satellites within about 1 km).  Satellite 0 flies the
    reference orbit; the others get random relative orbital elements (D'Amico 2010): same
    mean semi-major axis (no along-track drift), relative mean longitude dl, relative
    eccentricity vector de and relative inclination vector di.  To first order the offset
    from the reference in the radial/along-track/cross-track frame is
    a (-de cos(u - phi), dl + 2 de sin(u - phi), di sin(u - theta)), bounded by
    a (|dl| + 3 |de| + |di|); that bound is drawn to be at most 0.8 ``radius_km``, the
    rest a margin for J2 and second-order terms.  Satellites are not kept apart from each
    other (no collision avoidance).

    Parameters
    ----------
    altitude_km : float
        Mean altitude of the reference [km].
    ltan_h : float
        Local time of ascending node of the reference [h].
    n_sats : int
    radius_km : float
        Every satellite stays within this distance of satellite 0 [km].
    epoch_utc : datetime
    seed : int
        Seed of the ``numpy.random.Generator`` that draws the offsets.

    Returns
    -------
    SatelliteSet
        All in plane 0; names ``CLUSTER-P000-S<k>``.
    """
    if int(n_sats) != n_sats or n_sats < 1 or radius_km <= 0:
        raise ValueError(f"need n_sats >= 1 and radius_km > 0, got {n_sats!r}, {radius_km!r}")
    rng = np.random.default_rng(seed)
    a_m = EARTH_RADIUS_M + altitude_km * M_PER_KM
    incl0 = sso_inclination_rad(altitude_km)
    raan0 = raan_from_ltan_rad(ltan_h, epoch_utc)
    budget_rad = 0.8 * radius_km * M_PER_KM / a_m  # bound on |dl| + 3|de| + |di| [rad]
    elements = [(a_m, 0.0, incl0, raan0, 0.0, 0.0)]
    for _ in range(int(n_sats) - 1):
        # radius ~ U^(1/3) fills the ball evenly; Dirichlet splits it among dl, de, di
        total = budget_rad * rng.random() ** (1.0 / 3.0)
        w_l, w_e, w_i = rng.dirichlet((1.0, 1.0, 1.0))
        dl = total * w_l * rng.choice((-1.0, 1.0))
        de = total * w_e / 3.0
        di = total * w_i
        phi, theta = rng.uniform(0.0, 2.0 * math.pi, 2)
        d_incl = di * math.cos(theta)  # di_x = delta i
        d_raan = di * math.sin(theta) / math.sin(incl0)  # di_y = delta RAAN sin i
        ecc = de
        argp = phi if de > 0 else 0.0
        # mean argument of latitude u = u0 + dl - dRAAN cos i (definition of dl)
        u = dl - d_raan * math.cos(incl0)
        elements.append((a_m, ecc, incl0 + d_incl, (raan0 + d_raan) % (2.0 * math.pi),
                         argp, (u - argp) % (2.0 * math.pi)))
    n = len(elements)
    return _make_set("CLUSTER", _sgp4_epoch_days(epoch_utc), elements, [0] * n, range(n))
