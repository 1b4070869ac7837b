"""Propagation alone: bare ``SatrecArray.sgp4`` (the floor of docs/design.md §8) and twin's
``Propagator.propagate`` (SGP4, TEME -> GCRS rotation, time scales) on the same satellites and
times: the first N Starlink satellites, T steps of 10 s from the catalogue's epoch."""
from __future__ import annotations

import numpy as np
from sgp4.api import SatrecArray

from twin.orbits.environment import skyfield_times
from twin.orbits import Propagator, sgp4_utc_jd

from benchmarks.common import STARLINK_EPOCH, starlink
from benchmarks.kernels import best_cpu


def bench_propagation(n_sats: int, n_times: int, dt_s: float = 10.0, repeats: int = 3) -> list[dict]:
    """Rows for bare SGP4 and Propagator.propagate: ns per satellite-step, sat-steps/s (CPU)."""
    sats = starlink(n_sats)
    n = len(sats)
    t_s = (np.arange(n_times) + 1) * dt_s
    array = SatrecArray(list(sats.satrecs))
    jd, fr = sgp4_utc_jd(skyfield_times(STARLINK_EPOCH, t_s))
    prop = Propagator(sats, STARLINK_EPOCH)
    rows = []
    for name, fn in (("SatrecArray.sgp4 (bare)", lambda: array.sgp4(jd, fr)),
                     ("Propagator.propagate (SGP4 + TEME->GCRS + time scales)",
                      lambda: prop.propagate(t_s))):
        seconds = best_cpu(fn, repeats)
        steps = n * n_times
        rows.append({"name": name, "n_sats": n, "n_times": n_times,
                     "ns_per_sat_step": seconds / steps * 1e9, "sat_steps_per_s": steps / seconds})
    rows[1]["ratio_to_bare"] = rows[0]["ns_per_sat_step"] / rows[1]["ns_per_sat_step"]
    return rows
