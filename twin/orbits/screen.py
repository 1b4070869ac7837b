"""Screening a constellation for a run: satellites SGP4 cannot carry from epoch to end are left
out and listed, instead of feeding NaN positions to the physics."""
from __future__ import annotations

from datetime import datetime

import numpy as np
from sgp4.api import SGP4_ERRORS, SatrecArray

from twin.constants import SECONDS_PER_HOUR
from twin.orbits.environment import skyfield_times
from twin.orbits.propagate import propagate_teme_km, sgp4_utc_jd
from twin.orbits.satset import SatelliteSet


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
