"""Batched SGP4 propagation to GCRS: :class:`Propagator` evaluates all satellites at a block of
times in one ``SatrecArray.sgp4`` call and rotates TEME to GCRS with skyfield's TEME frame, one
matrix per time shared by all satellites.

References
----------
Vallado, D. A., Crawford, P., Hujsak, R. & Kelso, T. S., Revisiting Spacetrack Report #3,
AIAA 2006-6753 (2006): SGP4 takes UTC; the TEME frame.
"""
from __future__ import annotations

import math
from datetime import datetime

import numpy as np
from sgp4.api import SatrecArray

from twin.constants import M_PER_KM, SECONDS_PER_DAY, SECONDS_PER_HOUR
from twin.orbits.environment import as_utc, skyfield_times
from twin.orbits.satset import SatelliteSet


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


FRAME_BATCH = 24   # frame nodes evaluated per call of skyfield (a call's cost is mostly fixed)


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
        self.n_sats = len(sats)   # not the set: its Satrec objects (~1 kB each) go once the array has them
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
            n = self.n_sats
            return np.empty((0, n, 3)), np.empty((0, n, 3)), np.empty((0, n), dtype=np.uint8)
        jd, fr = sgp4_utc_jd(skyfield_times(self.epoch_utc, t_s))
        error, r_km, v_km_s = propagate_teme_km(self._array, jd, fr)
        rot_t = teme_to_gcrs_matrices(self.epoch_utc, t_s, self.frame_node_step_s, self._frames)
        rot_t = rot_t.transpose(0, 2, 1)  # row vectors: x_gcrs = x_teme @ R^T
        pos = np.matmul(r_km, rot_t)
        pos *= M_PER_KM
        vel = np.matmul(v_km_s, rot_t)
        vel *= M_PER_KM
        return pos, vel, error
