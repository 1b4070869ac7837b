"""Orbits: where every satellite is, and where the Sun is, at every step.

``satset``         :class:`SatelliteSet`, a constellation as SGP4 element sets
``tle``            TLE files -> SatelliteSet (checked line by line)
``shells``         designed shells: Walker, sun-synchronous by local time, close clusters
``constellation``  a config's shells -> one SatelliteSet
``screen``         satellites SGP4 cannot carry through the run, left out and listed
``propagate``      batched SGP4 to GCRS (:class:`Propagator`)
``environment``    time scales, the Sun, and the shadow over a block of positions
``feed``           the engine's geometry feed: positions and the Sun at every step boundary

A new way to design a constellation goes in ``shells`` (and a config section in
:mod:`twin.config.sections`); a new orbit propagator beside ``propagate``.
"""
from twin.orbits.propagate import Propagator, propagate_teme_km, sgp4_utc_jd, teme_to_gcrs_matrices  # noqa: F401
from twin.orbits.satset import SYNTHETIC_NORAD_BASE, SatelliteSet  # noqa: F401
from twin.orbits.screen import screen_for_run  # noqa: F401
from twin.orbits.shells import (cluster_shell, j2_node_rate_rad_s, kozai_mean_motion_rad_min,  # noqa: F401
                                raan_from_ltan_rad, sso_inclination_rad, sso_shell, walker_shell)
from twin.orbits.tle import TLE_LINE_LENGTH, TLEError, load_tle  # noqa: F401
