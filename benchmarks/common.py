"""What every benchmark shares: the inputs (real Starlink TLEs, the default spacecraft), a timer,
peak memory and a description of the machine."""
from __future__ import annotations

import functools
import os
import platform
import resource
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = REPO / "configs" / "default.yaml"
STARLINK_TLE = REPO / "configs" / "data" / "celestrak_starlink_20260530.tle"
# the catalogue's own date: its TLEs are fresh there (71 days earlier, at the default config's
# epoch, 155 of them fail SGP4 with error 6, "decayed")
STARLINK_EPOCH = datetime(2026, 5, 30, tzinfo=timezone.utc)
STARLINK_EPOCH_ISO = "2026-05-30T00:00:00Z"


def default_config() -> dict:
    """configs/default.yaml as a dict."""
    return yaml.safe_load(DEFAULT_CONFIG.read_text())


def default_spacecraft():
    """The default config's spacecraft as a validated :class:`twin.config.Spacecraft`."""
    from twin.config import Spacecraft

    return Spacecraft(**default_config()["spacecraft"])


@functools.lru_cache(maxsize=1)
def _starlink_catalogue():
    from twin.orbits import load_tle

    return load_tle(STARLINK_TLE)


def starlink(n: int | None = None):
    """The first ``n`` satellites of the Starlink catalogue (all of them if None), in file order,
    as twin's ``kind: tle`` shell with ``max_satellites: n`` selects them."""
    sats = _starlink_catalogue()
    if n is None or n >= len(sats):
        return sats
    return replace(sats, satrecs=sats.satrecs[:n], name=sats.name[:n],
                   norad_id=sats.norad_id[:n], plane=sats.plane[:n])


def best_of(fn, repeats: int = 5, min_time_s: float = 0.0) -> float:
    """Shortest wall time of ``fn()`` over ``repeats`` calls (at least one; keeps calling until
    ``min_time_s`` has been spent) [s]. The minimum is the least disturbed by other processes."""
    best = float("inf")
    spent = 0.0
    n = 0
    while n < max(repeats, 1) or spent < min_time_s:
        t0 = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - t0
        best = min(best, elapsed)
        spent += elapsed
        n += 1
    return best


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far [MiB] (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def machine() -> dict:
    """The machine and the versions a result depends on."""
    import h5py
    import numba
    import numpy
    import sgp4
    import simpy
    import skyfield

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = float("nan")
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = int(line.split()[1]) / 1024 ** 2
                break
    except OSError:
        pass
    from sgp4.api import accelerated

    return {
        "nproc": os.cpu_count(), "cpu_model": cpu, "ram_gib": round(mem_gib, 1),
        "platform": platform.platform(), "python": platform.python_version(),
        "numpy": numpy.__version__, "numba": numba.__version__, "sgp4": sgp4.__version__,
        "sgp4_accelerated": bool(accelerated), "skyfield": skyfield.__version__,
        "simpy": simpy.__version__, "h5py": h5py.__version__, "hdf5": h5py.version.hdf5_version,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
