"""How large a run file will be, said before the run starts and checked against the free disk
(:func:`twin.engine.checkpoint.check_disk_space`): /state exactly as recorded (uncompressed, an
upper bound), and the rest — the per-satellite coordinates, the event and job tables — estimated.
"""
from __future__ import annotations

import math

from twin.config.limits import MIN_ALTITUDE_KM
from twin.constants import EARTH_MU_M3_S2, EARTH_RADIUS_M, M_PER_KM, SECONDS_PER_HOUR

# attributes (the config among them), dimension scales, object headers and the tables' first
# chunks: 1.5 MB measured for a small run (8 satellites, 12 min, tests/test_output_variables.py)
FIXED_BYTES = 2_000_000
# /sat coordinates per satellite: index and NORAD id (int64), plane (int32), dose rate (float64),
# and the name: a 16-byte variable-length reference and its ~20 characters in the global heap
STATIC_BYTES_PER_SAT = 8 + 8 + 4 + 8 + 16 + 20
# events per satellite and orbit: an eclipse entry and exit, and the mode change each may bring
# (faults and upsets add more where they are on)
EVENTS_PER_ORBIT = 4
# the shortest orbit twin accepts, circular at MIN_ALTITUDE_KM: 87.5 min; events counted per
# such orbit over-count those of higher orbits and of orbits in sunlight all along (dawn-dusk)
SHORTEST_ORBIT_S = 2.0 * math.pi * math.sqrt((EARTH_RADIUS_M + MIN_ALTITUDE_KM * M_PER_KM) ** 3 / EARTH_MU_M3_S2)


def state_bytes(scenario, n_sats: int) -> int:
    """Uncompressed size of /state (and /ledger, /links): every record, and the last HDF5 chunk of
    each variable allocated whole (chunks are ``chunk_records`` records; a short run is one chunk)."""
    from twin.output.hdf5 import chunk_records, record_bytes

    sim = scenario.simulation
    n_records = -(-sim.n_steps // sim.record_every_steps)
    per_record = record_bytes(scenario, n_sats)
    return int((n_records + chunk_records(scenario, n_sats)) * per_record)


def table_bytes(scenario, n_sats: int) -> int:
    """The estimated size of /events and (Poisson workloads) /jobs, and of the /sat coordinates."""
    from twin.ops.workload import arrival_rate_per_h
    from twin.output.schema import EVENT_DTYPE, JOB_DTYPE

    sim = scenario.simulation
    events = n_sats * EVENTS_PER_ORBIT * sim.duration_s / SHORTEST_ORBIT_S
    jobs = 0.0
    if scenario.workload.kind == "poisson":
        rate = arrival_rate_per_h(scenario.workload, n_sats * scenario.spacecraft.accelerator.count)
        jobs = rate * sim.duration_s / SECONDS_PER_HOUR
    return int(n_sats * STATIC_BYTES_PER_SAT + events * EVENT_DTYPE.itemsize + jobs * JOB_DTYPE.itemsize)


def expected_size_bytes(scenario, n_sats: int) -> int:
    """The run file's expected size, uncompressed: /state and the estimated rest."""
    return state_bytes(scenario, n_sats) + table_bytes(scenario, n_sats) + FIXED_BYTES
