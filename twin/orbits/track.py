"""Positions of a scenario's satellites for pictures (the ground-track map, the CZML export) when
the run file did not record them: the constellation is built and propagated again with the
engine's own functions, so the positions are those the run used (SGP4, TEME -> GCRS by skyfield)."""
from __future__ import annotations

import numpy as np

from twin.constants import M_PER_KM
from twin.orbits.constellation import build_constellation
from twin.orbits.propagate import Propagator

MAX_POSITIONS = 20_000_000   # times x satellites: 480 MB of float64 positions, more than any figure needs


def positions_for(scenario, time_s, epoch_utc=None, norad_id=None) -> np.ndarray:
    """GCRS positions [km], shape (T, S, 3), of the scenario's satellites at ``time_s``.

    Parameters
    ----------
    scenario : twin.config.Scenario
        The run's scenario (e.g. loaded from the run file's ``config_yaml``).
    time_s : array_like, shape (T,)
        Seconds since the epoch [s]; a figure needs a few hundred (one orbit every 60 s is 95).
    epoch_utc : datetime, optional
        Defaults to ``scenario.simulation.epoch_utc``.
    norad_id : array_like of int, shape (S,), optional
        The satellites wanted, in this order, by NORAD id (the run file's ``sat/norad_id``):
        it holds only the satellites the run kept (screening, a shard). Default: every one
        the scenario builds.

    Raises ValueError for an id the scenario does not build, or more than MAX_POSITIONS values.
    """
    sim = scenario.simulation
    epoch = sim.epoch_utc if epoch_utc is None else epoch_utc
    sats = build_constellation(scenario.constellation, sim.epoch_utc, sim.seed)
    if norad_id is not None:
        wanted = np.asarray(norad_id, dtype=np.int64)
        where = {int(n): i for i, n in enumerate(sats.norad_id)}
        missing = [int(n) for n in wanted if int(n) not in where]
        if missing:
            raise ValueError(f"the scenario builds no satellite with NORAD id {missing[:5]}")
        sats = sats.select(np.array([where[int(n)] for n in wanted], dtype=np.int64))
    time_s = np.atleast_1d(np.asarray(time_s, dtype=np.float64))
    if len(time_s) * len(sats) > MAX_POSITIONS:
        raise ValueError(f"{len(time_s):,} times x {len(sats):,} satellites is over {MAX_POSITIONS:,} "
                         "positions: take fewer times or satellites")
    pos_m, _, _ = Propagator(sats, epoch).propagate(time_s)
    return pos_m / M_PER_KM
