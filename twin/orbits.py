"""Constellations as SGP4 element sets, and their batched propagation to GCRS.

Builders return a :class:`SatelliteSet` (SGP4 ``Satrec`` objects plus per-satellite
coordinates): :func:`load_tle` reads TLE files, :func:`walker_shell`, :func:`sso_shell`
and :func:`cluster_shell` make synthetic mean-element sets.  :class:`Propagator` evaluates
all satellites at a block of times in one ``SatrecArray.sgp4`` call and rotates TEME to
GCRS with skyfield's TEME frame, one matrix per time shared by all satellites.

References
----------
Vallado, D. A., Crawford, P., Hujsak, R. & Kelso, T. S., Revisiting Spacetrack Report #3,
AIAA 2006-6753 (2006): SGP4, its WGS-72 constants, the TEME frame, the TLE format.
Vallado, D. A., Fundamentals of Astrodynamics and Applications, 4th ed. (2013), ch. 9
(secular J2 effects) and ch. 11 (sun-synchronous orbits).
Wertz, J. R. & Larson, W. J. (eds.), Space Mission Analysis and Design, 3rd ed. (1999),
ch. 6 (orbit perturbations).
Walker, J. G., Satellite constellations, J. Br. Interplanet. Soc. 37, 559-572 (1984).
D'Amico, S., Autonomous formation flying in low Earth orbit, PhD thesis, TU Delft (2010),
ch. 2 (relative orbital elements).
"""
from __future__ import annotations

import fnmatch
import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from sgp4.alpha5 import from_alpha5
from sgp4.api import SGP4_ERRORS, WGS72, Satrec, SatrecArray, jday
from sgp4.earth_gravity import wgs72

from twin.constants import EARTH_RADIUS_M, SECONDS_PER_DAY, SECONDS_PER_HOUR
from twin.environment import as_utc, skyfield_times
from twin.errors import InputError

# SGP4's own gravity model, WGS-72 (Vallado et al. 2006, AIAA 2006-6753, Appendix B):
# synthetic mean elements are built with the constants SGP4 will propagate them with.
MU_SGP4_M3_S2 = wgs72.mu * 1e9  # m^3/s^2 (398600.8 km^3/s^2)
R_SGP4_M = wgs72.radiusearthkm * 1e3  # m, the radius J2 is normalised to
J2_SGP4 = wgs72.j2  # 1, 0.001082616
XKE_SGP4 = wgs72.xke  # sqrt(mu / R^3) [1/min] in SGP4's canonical units
TROPICAL_YEAR_S = 365.242189 * SECONDS_PER_DAY  # s, mean tropical year (Astronomical Almanac)
SUN_SYNC_RATE_RAD_S = 2.0 * math.pi / TROPICAL_YEAR_S  # rad/s, mean Sun in RA: 0.98565 deg/day
JD_SGP4_EPOCH0 = 2433281.5  # JD of 1949-12-31 00:00 UT, origin of sgp4init's epoch
SYNTHETIC_NORAD_BASE = 900_000  # norad_id of synthetic satellite k is this + k
TLE_LINE_LENGTH = 69  # characters, including the checksum


class TLEError(InputError):
    """A TLE file that cannot be read: the message names the file, the line and the fault."""


@dataclass(frozen=True)
class SatelliteSet:
    """Satellites as SGP4 element sets plus the coordinates twin records per satellite.

    Attributes
    ----------
    satrecs : list of sgp4.api.Satrec
    name : numpy.ndarray, shape (N,), str
    norad_id : numpy.ndarray, shape (N,), int64 (synthetic: 900000 + running index)
    plane : numpy.ndarray, shape (N,), int32 (-1 when unknown, e.g. from a TLE)
    skipped : tuple of (name, reason)
        TLEs that were left out (bad checksum, SGP4 error at epoch, decayed).
    """

    satrecs: list
    name: np.ndarray
    norad_id: np.ndarray
    plane: np.ndarray
    skipped: tuple = ()

    def __len__(self) -> int:
        return len(self.satrecs)

    def select(self, keep: np.ndarray, skipped=()) -> "SatelliteSet":
        """The satellites where ``keep`` (bool mask or indices) holds; ``skipped`` is added."""
        index = np.nonzero(keep)[0] if np.asarray(keep).dtype == bool else np.asarray(keep)
        return SatelliteSet([self.satrecs[i] for i in index], self.name[index], self.norad_id[index],
                            self.plane[index], tuple(self.skipped) + tuple(skipped))

    @staticmethod
    def concat(sets: list["SatelliteSet"]) -> "SatelliteSet":
        """Join sets in order.  Plane indices are offset so they stay unique across sets
        (-1 stays -1); synthetic satellites are renumbered 900000, 900001, ... in order."""
        if not sets:
            raise ValueError("SatelliteSet.concat needs at least one set")
        planes = []
        offset = 0
        for s in sets:
            p = s.plane.astype(np.int32)
            planes.append(np.where(p >= 0, p + offset, -1).astype(np.int32))
            if (p >= 0).any():
                offset += int(p.max()) + 1
        norad = np.concatenate([s.norad_id for s in sets]).astype(np.int64)
        synthetic = norad >= SYNTHETIC_NORAD_BASE
        norad[synthetic] = SYNTHETIC_NORAD_BASE + np.arange(int(synthetic.sum()))
        ids, counts = np.unique(norad, return_counts=True)
        if (counts > 1).any():
            raise ValueError(f"NORAD ids appear in more than one set: {ids[counts > 1].tolist()}")
        return SatelliteSet(
            satrecs=[r for s in sets for r in s.satrecs],
            name=np.concatenate([s.name for s in sets]),
            norad_id=norad,
            plane=np.concatenate(planes),
            skipped=tuple(x for s in sets for x in s.skipped),
        )


# --------------------------------------------------------------------------- TLE files

def _tle_checksum(line: str) -> int:
    """Modulo-10 sum of the digits of columns 1-68, each '-' counting 1 (TLE format)."""
    head = line[:68]
    return (sum(digit * head.count(str(digit)) for digit in range(1, 10)) + head.count("-")) % 10


_IMPLIED_DECIMAL = re.compile(r"^ *[+-]?\d{1,5}[+-]\d$")  # e.g. ' 28098-4', '-11606-4'
_L1_FIELDS = (  # (name, first column index, end index) of numeric fields SGP4 reads
    ("epoch", 18, 32), ("first derivative of mean motion", 33, 43),
    ("second derivative of mean motion", 44, 52), ("B*", 53, 61))
_L2_FIELDS = (
    ("inclination", 8, 16), ("right ascension of the node", 17, 25),
    ("eccentricity", 26, 33), ("argument of perigee", 34, 42),
    ("mean anomaly", 43, 51), ("mean motion", 52, 63))


def _check_fields(path, lineno, line, fields):
    for field_name, lo, hi in fields:
        text = line[lo:hi]
        if field_name in ("second derivative of mean motion", "B*"):
            ok = bool(_IMPLIED_DECIMAL.match(text))
        elif field_name == "eccentricity":
            ok = text.strip().isdigit()
        else:
            try:
                float(text)
                ok = True
            except ValueError:
                ok = False
        if not ok:
            raise TLEError(f"{path}:{lineno}: {field_name} (columns {lo + 1}-{hi}) is not a "
                           f"number: {text!r}")


def _read_tle_records(path: Path):
    """Split a TLE file into (name or None, line1, line2, line number of line 1)."""
    data = path.read_bytes()
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as exc:
        lineno = data[:exc.start].count(b"\n") + 1
        raise TLEError(f"{path}:{lineno}: not a TLE file (non-ASCII byte)") from None
    lines = [(i, raw.rstrip()) for i, raw in enumerate(text.splitlines(), start=1)]
    lines = [(i, s) for i, s in lines if s and not s.startswith("#")]
    records = []
    name = None
    k = 0
    while k < len(lines):
        lineno, line = lines[k]
        if line.startswith("1 ") or (line[0] == "1" and len(line) == TLE_LINE_LENGTH):
            if len(line) != TLE_LINE_LENGTH:
                raise TLEError(f"{path}:{lineno}: TLE line 1 has {len(line)} characters, "
                               f"expected {TLE_LINE_LENGTH}")
            if k + 1 >= len(lines):
                raise TLEError(f"{path}:{lineno}: TLE line 1 is not followed by line 2")
            lineno2, line2 = lines[k + 1]
            if not line2.startswith("2 "):
                raise TLEError(f"{path}:{lineno2}: expected TLE line 2 (starting '2 '), "
                               f"found {line2[:30]!r}")
            if len(line2) != TLE_LINE_LENGTH:
                raise TLEError(f"{path}:{lineno2}: TLE line 2 has {len(line2)} characters, "
                               f"expected {TLE_LINE_LENGTH}")
            if line[2:7].strip() != line2[2:7].strip():
                raise TLEError(f"{path}:{lineno2}: satellite number {line2[2:7]!r} differs "
                               f"from line 1's {line[2:7]!r}")
            records.append((name, line, line2, lineno))
            name = None
            k += 2
            continue
        if line.startswith("2 "):
            raise TLEError(f"{path}:{lineno}: TLE line 2 without a preceding line 1")
        if name is not None:
            raise TLEError(f"{path}:{lineno}: expected TLE line 1 (starting '1 ') after the "
                           f"name line {name!r}, found {line[:30]!r}")
        name = line[2:].strip() if line.startswith("0 ") else line.strip()
        k += 1
    if name is not None:
        raise TLEError(f"{path}: name line {name!r} at the end of the file has no TLE lines")
    if not records:
        raise TLEError(f"{path}: no TLE found")
    return records


def _name_matcher(pattern: str):
    if pattern.startswith("re:"):
        try:
            regex = re.compile(pattern[3:], re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"name_pattern {pattern!r} is not a valid regular expression: "
                             f"{exc}") from None
        return lambda name: regex.search(name) is not None
    upper = pattern.upper()
    return lambda name: fnmatch.fnmatchcase(name.upper(), upper)


def load_tle(path, name_pattern: str | None = None,
             norad_ids: list[int] | None = None) -> SatelliteSet:
    """Read a 2-line or 3-line TLE file (LF or CRLF) into a :class:`SatelliteSet`.

    Blank lines and lines starting with ``#`` are ignored; a name line may carry the
    ``0 `` prefix of Space-Track's 3LE format.  Line 1 and 2 must be 69 characters (after
    trailing blanks are stripped) and carry the same satellite number.

    Parameters
    ----------
    path : str or Path
    name_pattern : str, optional
        Keep satellites whose name matches.  Shell-style (``fnmatch``) wildcards,
        case-insensitive, matched against the whole name (``"STARLINK-1*"``); prefix with
        ``re:`` for a regular expression searched anywhere in the name, also
        case-insensitive (``"re:^STARLINK-(1|2)\\d{3}$"``).  Satellites of a 2-line file are
        named by their NORAD number.
    norad_ids : list of int, optional
        Keep only these catalogue numbers; every one must be in the file.

    Returns
    -------
    SatelliteSet
        In file order, ``plane`` = -1.  TLEs that fail a checksum, return an SGP4 error at
        their own epoch, or have a perigee below the Earth's surface (decayed) are left out
        and listed in ``skipped`` as (name, reason).

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    TLEError
        The file is not a TLE file (wrong line length or prefix, unparsable field, name
        line without TLE lines), the selection matches nothing or misses a requested
        NORAD id, or every selected TLE was skipped.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"TLE file not found: {path}")
    records = _read_tle_records(path)

    wanted = None if norad_ids is None else {int(i) for i in norad_ids}
    matches = None if name_pattern is None else _name_matcher(name_pattern)
    selected = []
    for name, line1, line2, lineno in records:
        norad = from_alpha5(line1[2:7].strip())
        name = name or str(norad)
        if wanted is not None and norad not in wanted:
            continue
        if matches is not None and not matches(name):
            continue
        selected.append((name, norad, line1, line2, lineno))
    if not selected:
        raise TLEError(f"{path}: no TLE matches name_pattern={name_pattern!r}, "
                       f"norad_ids={norad_ids!r}")
    if wanted is not None:
        missing = sorted(wanted - {s[1] for s in selected})
        if missing:
            raise TLEError(f"{path}: NORAD ids not found (with name_pattern={name_pattern!r}): "
                           f"{missing}")

    satrecs, names, ids, skipped = [], [], [], []
    for name, norad, line1, line2, lineno in selected:
        bad = [(n, ln, line) for n, ln, line in ((1, lineno, line1), (2, lineno + 1, line2))
               if not line[68].isdigit() or int(line[68]) != _tle_checksum(line)]
        if bad:
            n, ln, line = bad[0]
            skipped.append((name, f"checksum error on line {n} ({path.name}:{ln}): "
                                  f"computed {_tle_checksum(line)}, found {line[68]!r}"))
            continue
        _check_fields(path, lineno, line1, _L1_FIELDS)
        _check_fields(path, lineno + 1, line2, _L2_FIELDS)
        satrec = Satrec.twoline2rv(line1, line2, WGS72)
        error, _, _ = satrec.sgp4(satrec.jdsatepoch, satrec.jdsatepochF)
        if satrec.error or error:
            code = satrec.error or error
            skipped.append((name, f"SGP4 error {code} at epoch: {SGP4_ERRORS[code]}"))
            continue
        perigee_m = satrec.a * (1.0 - satrec.ecco) * satrec.radiusearthkm * 1e3
        if perigee_m < EARTH_RADIUS_M:
            skipped.append((name, f"decayed: perigee {(perigee_m - EARTH_RADIUS_M) / 1e3:.0f} km "
                                  f"below the surface"))
            continue
        satrecs.append(satrec)
        names.append(name)
        ids.append(norad)
    if not satrecs:
        raise TLEError(f"{path}: all {len(selected)} selected TLEs were skipped, e.g. "
                       f"{skipped[0][0]}: {skipped[0][1]}")
    return SatelliteSet(
        satrecs=satrecs,
        name=np.array(names, dtype=str),
        norad_id=np.array(ids, dtype=np.int64),
        plane=np.full(len(satrecs), -1, dtype=np.int32),
        skipped=tuple(skipped),
    )


# ------------------------------------------------------------------ synthetic shells

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


def walker_shell(altitude_km, inclination_deg, planes, sats_per_plane, phasing, pattern,
                 epoch_utc: datetime, raan0_deg=0.0) -> SatelliteSet:
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
    a_m = EARTH_RADIUS_M + altitude_km * 1e3
    raans = [math.radians(raan0_deg) + p * spread / planes for p in range(planes)]
    return _circular_shell("WALKER", epoch_utc, a_m, math.radians(inclination_deg), raans,
                           sats_per_plane, phasing)


def _circular_shell(prefix, epoch_utc, a_m, incl, raans, sats_per_plane, phasing):
    """Circular planes at the given RAANs [rad], satellites evenly spaced in argument of
    latitude, plane p's shifted by p·F·360°/T (Walker's relative phasing, T = all satellites)."""
    total = len(raans) * sats_per_plane
    elements, plane_ids, slots = [], [], []
    for p, raan in enumerate(raans):
        for s in range(sats_per_plane):
            u = (s * 2.0 * math.pi / sats_per_plane
                 + p * phasing * 2.0 * math.pi / total) % (2.0 * math.pi)
            elements.append((a_m, 0.0, incl, raan % (2.0 * math.pi), 0.0, u))
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
    a = EARTH_RADIUS_M + altitude_km * 1e3
    n = math.sqrt(MU_SGP4_M3_S2 / a**3)
    p = a * (1.0 - ecc * ecc)
    cosi = -SUN_SYNC_RATE_RAD_S / (1.5 * n * J2_SGP4 * (R_SGP4_M / p) ** 2)
    if cosi < -1.0:
        raise ValueError(f"no sun-synchronous orbit at {altitude_km} km (cos i = {cosi:.3f})")
    return math.acos(cosi)


def j2_node_rate_rad_s(altitude_km: float, incl_rad: float, ecc: float = 0.0) -> float:
    """First-order secular J2 node rate -3/2 n J2 (R/p)^2 cos i [rad/s] (Vallado 2013, ch. 9)."""
    a = EARTH_RADIUS_M + altitude_km * 1e3
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
              ltan_span_h=24.0) -> SatelliteSet:
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

    Returns
    -------
    SatelliteSet
        Names ``SSO-P<p>-S<s>``.
    """
    _check_counts(planes, sats_per_plane)
    if int(phasing) != phasing or not 0 <= phasing < planes:
        raise ValueError(f"phasing must be an integer in [0, {planes - 1}], got {phasing!r}")
    incl = sso_inclination_rad(altitude_km)
    raan0 = raan_from_ltan_rad(ltan_h, epoch_utc)
    a_m = EARTH_RADIUS_M + altitude_km * 1e3
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
    a_m = EARTH_RADIUS_M + altitude_km * 1e3
    incl0 = sso_inclination_rad(altitude_km)
    raan0 = raan_from_ltan_rad(ltan_h, epoch_utc)
    budget_rad = 0.8 * radius_km * 1e3 / a_m  # bound on |dl| + 3|de| + |di| [rad]
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


# --------------------------------------------------------------------- propagation

def propagate_teme_km(satrecs, jd, fr):
    """SGP4 for all satellites and times in one ``SatrecArray.sgp4`` call.

    Parameters
    ----------
    satrecs : list of Satrec or SatrecArray
    jd, fr : array_like, shape (B,)
        UTC Julian date as whole and fractional part [day] (SGP4 takes UTC, AIAA 2006-6753).

    Returns
    -------
    error : numpy.ndarray, shape (B, N), uint8
        SGP4 error code (0 = ok; see ``sgp4.api.SGP4_ERRORS``).
    r_km : numpy.ndarray, shape (B, N, 3), float64
        TEME position [km], NaN where error != 0.
    v_km_s : numpy.ndarray, shape (B, N, 3), float64
        TEME velocity [km/s], NaN where error != 0.

    Notes
    -----
    Error 6 (decayed) is raised only while the computed radius is below one Earth radius;
    SGP4 may return error-free (meaningless) states at later times.
    """
    array = satrecs if isinstance(satrecs, SatrecArray) else SatrecArray(list(satrecs))
    jd = np.ascontiguousarray(jd, dtype=np.float64)
    fr = np.ascontiguousarray(np.broadcast_to(fr, jd.shape), dtype=np.float64)
    error, r_km, v_km_s = array.sgp4(jd, fr)  # (N, B), (N, B, 3), (N, B, 3)
    failed = error != 0
    if failed.any():  # SGP4 still fills r, v for some codes (6: radius below 1 Earth radius)
        r_km[failed] = np.nan
        v_km_s[failed] = np.nan
    return error.T, r_km.transpose(1, 0, 2), v_km_s.transpose(1, 0, 2)


def sgp4_utc_jd(t):
    """(whole, fraction) UTC Julian date of skyfield Time ``t``, exactly as skyfield's
    ``EarthSatellite`` hands time to SGP4 (TAI fraction minus the leap seconds)."""
    fraction = t.tai_fraction - t._leap_seconds() / SECONDS_PER_DAY
    whole = np.broadcast_to(t.whole, np.shape(fraction))
    return np.ascontiguousarray(whole, dtype=np.float64), np.asarray(fraction, dtype=np.float64)


FRAME_BATCH = 24   # frame nodes evaluated per call of skyfield (~0.5 ms a call, whatever its length)


def teme_to_gcrs_matrices(epoch_utc: datetime, t_s, node_step_s: float | None = SECONDS_PER_HOUR,
                          cache: dict | None = None):
    """Rotation matrices TEME -> GCRS, shape (B, 3, 3), from skyfield's TEME frame.

    skyfield's ``EarthSatellite.at`` applies the transpose of ``TEME.rotation_at(t)``
    (GMST-1982 minus GAST about z, then the precession-nutation matrix).  That matrix
    holds no Earth rotation and changes only with precession and nutation (shortest
    significant term 13.7 d, 0.2"), so it is evaluated exactly at nodes every
    ``node_step_s`` seconds (aligned to the epoch, so blocks give identical results) and
    interpolated linearly: the error is h^2/8 times its second derivative, about 1e-11 rad
    for h = 1 h, far below a millimetre.  ``node_step_s=None`` evaluates every time exactly.
    ``cache`` (a dict kept by the caller, for one epoch and node step) holds node matrices
    between calls: a run asks for the same hourly nodes block after block.
    """
    from skyfield.sgp4lib import TEME

    t_s = np.atleast_1d(np.asarray(t_s, dtype=np.float64))
    if not node_step_s:
        m = TEME.rotation_at(skyfield_times(epoch_utc, t_s))  # (3, 3, B), GCRS -> TEME
        return np.ascontiguousarray(np.moveaxis(m, -1, 0).transpose(0, 2, 1))
    k = np.floor(t_s / node_step_s)
    nodes = np.unique(np.concatenate([k, k + 1.0]))
    cache = {} if cache is None else cache
    for node in nodes:
        if node not in cache:
            # FRAME_BATCH nodes per call, the batch fixed by the node's number: numpy's
            # vectorised sin/cos can round differently by position in an array, and a node's
            # matrix must not depend on which nodes a caller happened to ask for with it (a
            # resumed run asks for other blocks than an uninterrupted one)
            first = math.floor(node / FRAME_BATCH) * FRAME_BATCH
            batch = first + np.arange(FRAME_BATCH, dtype=np.float64)
            m = TEME.rotation_at(skyfield_times(epoch_utc, batch * node_step_s))
            for b, mat in zip(batch, np.moveaxis(m, -1, 0).transpose(0, 2, 1)):   # TEME -> GCRS
                cache[b] = mat
    mats = np.stack([cache[node] for node in nodes])  # (K, 3, 3)
    if len(cache) > 4 * FRAME_BATCH:   # runs move forward: keep the latest nodes
        for node in sorted(cache)[:len(cache) - 4 * FRAME_BATCH]:
            del cache[node]
    i0 = np.searchsorted(nodes, k)
    w = (t_s / node_step_s - k)[:, None, None]
    return (1.0 - w) * mats[i0] + w * mats[i0 + 1]


class Propagator:
    """Batched SGP4 for a :class:`SatelliteSet`, output in GCRS.

    Parameters
    ----------
    sats : SatelliteSet
    epoch_utc : datetime
        Times given to :meth:`propagate` are seconds after this instant.
    frame_node_step_s : float or None
        Node spacing of the interpolated TEME -> GCRS matrices [s]
        (see :func:`teme_to_gcrs_matrices`); None for an exact matrix at every time.
    """

    def __init__(self, sats: SatelliteSet, epoch_utc: datetime,
                 frame_node_step_s: float | None = SECONDS_PER_HOUR):
        if len(sats) == 0:
            raise ValueError("Propagator needs at least one satellite")
        self.sats = sats
        self.epoch_utc = as_utc(epoch_utc)
        self.frame_node_step_s = frame_node_step_s
        self._array = SatrecArray(list(sats.satrecs))
        self._frames = {}   # TEME -> GCRS matrices at frame nodes, kept between calls

    def propagate(self, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions and velocities of every satellite at every time.

        Parameters
        ----------
        t_s : array_like, shape (B,)
            Seconds since ``epoch_utc`` [s].

        Returns
        -------
        pos_gcrs_m : numpy.ndarray, shape (B, N, 3), float64
            [m], NaN where error != 0.
        vel_gcrs_m_s : numpy.ndarray, shape (B, N, 3), float64
            [m/s], rotated with the same matrix as the position, as skyfield does; the
            neglected term dR/dt r (precession-nutation rate) is below 1e-3 m/s.
        error : numpy.ndarray, shape (B, N), uint8
            SGP4 error code, 0 = ok.
        """
        t_s = np.atleast_1d(np.asarray(t_s, dtype=np.float64))
        if t_s.size == 0:
            n = len(self.sats)
            return np.empty((0, n, 3)), np.empty((0, n, 3)), np.empty((0, n), dtype=np.uint8)
        jd, fr = sgp4_utc_jd(skyfield_times(self.epoch_utc, t_s))
        error, r_km, v_km_s = propagate_teme_km(self._array, jd, fr)
        rot_t = teme_to_gcrs_matrices(self.epoch_utc, t_s, self.frame_node_step_s, self._frames)
        rot_t = rot_t.transpose(0, 2, 1)  # row vectors: x_gcrs = x_teme @ R^T
        pos = np.matmul(r_km, rot_t)
        pos *= 1e3
        vel = np.matmul(v_km_s, rot_t)
        vel *= 1e3
        return pos, vel, error


def screen_for_run(sats: SatelliteSet, epoch_utc: datetime, duration_s: float) -> SatelliteSet:
    """Leave out satellites that SGP4 cannot carry through the run.

    Propagates every satellite at up to ~2,000 instants spread over the run (at least hourly)
    and at its end; a satellite with an SGP4 error at any of them (e.g. a TLE that decays a few
    weeks after its epoch) is listed in ``skipped`` with the error and when it occurs, instead
    of feeding NaN positions to the physics.
    """
    if len(sats) == 0:
        return sats
    every_s = max(SECONDS_PER_HOUR, duration_s / 2000.0)
    t_s = np.unique(np.append(np.arange(0.0, duration_s, every_s), duration_s))
    array = SatrecArray(list(sats.satrecs))
    jd, fr = sgp4_utc_jd(skyfield_times(epoch_utc, t_s))
    # error codes only: SGP4 in slices of 100 instants, no frame rotation (a year of 10,000
    # satellites would otherwise hold GB of positions and velocities at once)
    err = np.concatenate([propagate_teme_km(array, jd[i:i + 100], fr[i:i + 100])[0]
                          for i in range(0, len(t_s), 100)])
    bad = err.any(axis=0)
    if not bad.any():
        return sats
    skipped = []
    for i in np.nonzero(bad)[0]:
        k = int(np.argmax(err[:, i] != 0))
        code = int(err[k, i])
        skipped.append((str(sats.name[i]), f"SGP4 error {code} ({SGP4_ERRORS.get(code, 'unknown')}) "
                                           f"at {t_s[k]:.0f} s into the run"))
    return sats.select(~bad, skipped)
