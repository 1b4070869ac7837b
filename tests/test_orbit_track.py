"""Positions re-propagated for pictures (twin.orbits.track) are those of skyfield's own SGP4 pipeline."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from twin.config.load import load_config
from twin.orbits.constellation import build_constellation
from twin.orbits.track import positions_for

REPO = Path(__file__).resolve().parents[1]


def test_positions_match_skyfield_earth_satellite():
    # skyfield's EarthSatellite runs SGP4 and rotates TEME to GCRS exactly at each time; twin
    # interpolates the rotation between hourly nodes (~1e-11 rad, far below a metre): 1 m tolerance
    from skyfield.api import EarthSatellite

    from twin.orbits.environment import skyfield_times, timescale

    scenario = load_config(REPO / "configs" / "default.yaml")
    sim = scenario.simulation
    sats = build_constellation(scenario.constellation, sim.epoch_utc, sim.seed)
    t_s = np.array([0.0, 1234.5, 86400.0])
    wanted = sats.norad_id[[5, 0]]
    pos = positions_for(scenario, t_s, norad_id=wanted)
    assert pos.shape == (3, 2, 3)
    for j, i in enumerate([5, 0]):
        ref = EarthSatellite.from_satrec(sats.satrecs[i], timescale()).at(skyfield_times(sim.epoch_utc, t_s))
        assert np.abs(pos[:, j] - ref.position.km.T).max() < 1e-3


def test_unknown_ids_and_huge_requests_are_refused():
    scenario = load_config(REPO / "configs" / "default.yaml")
    with pytest.raises(ValueError, match="NORAD"):
        positions_for(scenario, [0.0], norad_id=[12345])
    with pytest.raises(ValueError, match="positions"):
        positions_for(scenario, np.arange(1_000_000.0))
