"""Eclipses ahead, as policies see them: the next entry and exit of each node predicted from
its last observed ones and its orbital period, and the longest eclipse an orbit can have."""
import numpy as np

from twin.kernels.dose import semi_major_axis_m  # noqa: F401  (its home is the orbits layer)


def predict_eclipses(now_s: float, sunlit_fraction, last_entry_s, last_exit_s, period_s,
                     max_eclipse_s=None):
    """Next eclipse entry and exit of each node [s since epoch] and the length of its eclipses
    [s], from its last observed entry and exit and its orbital period: eclipses recur once per
    orbit, and over one orbit the Sun–orbit geometry (beta angle) barely moves, so the next
    entry is the last one plus whole periods. All arguments (N,) [s] but ``now_s``; NaN where
    never observed.

    Where the prediction has nothing to go on, it says so plainly: a node that has not entered
    eclipse in the last 1.1 periods is out of eclipse season (entry = +inf); before the first
    period has passed an unobserved entry is guessed half a period ahead. For eclipsed nodes
    the exit is the last exit plus one period (or the entry plus ``max_eclipse_s`` when no exit
    has been seen yet). The length is the last observed one, else ``max_eclipse_s`` (default
    0.4 periods, longer than any LEO eclipse).
    """
    period = np.asarray(period_s, dtype=np.float64)
    longest = 0.4 * period if max_eclipse_s is None else np.asarray(max_eclipse_s, dtype=np.float64)
    eclipsed = np.asarray(sunlit_fraction) < 0.5
    since = now_s - last_entry_s
    periods = np.maximum(np.ceil(since / period), 1.0)
    entry = last_entry_s + periods * period
    entry = np.where(eclipsed, last_entry_s + period, entry)
    stale = ~eclipsed & (since > 1.1 * period)
    entry = np.where(stale, np.inf, entry)
    unseen = np.isnan(last_entry_s)
    entry = np.where(unseen, np.where(now_s > 1.1 * period, np.inf, now_s + 0.5 * period), entry)
    seen_exit = ~np.isnan(last_exit_s) & (last_exit_s >= last_entry_s - period)
    exit_ = np.where(seen_exit, last_exit_s + period, last_entry_s + longest)
    exit_ = np.where(eclipsed, np.maximum(np.nan_to_num(exit_, nan=now_s), now_s), np.nan)
    # the last whole eclipse: exit after its entry (sunlit now), or the one before (eclipsed now)
    length = np.where(last_exit_s > last_entry_s, last_exit_s - last_entry_s,
                      last_exit_s - (last_entry_s - period))
    length = np.where(np.isfinite(length) & (length > 0) & (length < period), length, longest)
    return entry, exit_, length


def max_eclipse_s(period_s, earth_radius_m=None):
    """Longest eclipse of a circular orbit [s]: at beta = 0, in the cylindrical shadow,
    T·asin(R_E / a)/π (Wertz & Larson, *Space Mission Analysis and Design*, 3rd ed., Eq. 5-7);
    ``a`` from the period by Kepler's third law. ``earth_radius_m``: the shadow's equatorial
    radius, the atmosphere's grazing height included (default the WGS-84 equatorial radius; an
    oblate Earth's eclipses are no longer than its equatorial radius makes them)."""
    from twin.constants import EARTH_RADIUS_M

    radius_m = EARTH_RADIUS_M if earth_radius_m is None else earth_radius_m
    period = np.asarray(period_s, dtype=np.float64)
    a_m = semi_major_axis_m(period)
    return period * np.arcsin(np.minimum(radius_m / a_m, 1.0)) / np.pi
