"""What inter-satellite links cost: the link geometry kernel per link-step, and a whole run with
+Grid links against the same run without links (docs/design.md §8: links may add at most 20 %
to the end-to-end time at 1,000 satellites).

The run is configs/default.yaml on a Walker shell of ``planes`` x ``per_plane`` satellites (550 km,
53 deg: +Grid needs planes, which a TLE catalogue does not give), the default job load per
satellite, gangs of 1 to 8 accelerators over satellites of 4, data-parallel communication, fifo.
Both variants run in this process after a warm-up of each, alternately, ``repeats`` times; the
ratio is of the fastest run of each.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from benchmarks.common import default_config
from benchmarks.endtoend import JOBS_PER_SAT_H, _scenario


def _config(planes: int, per_plane: int, duration_s: float, topology: str, policy: str = "fifo") -> dict:
    cfg = default_config()
    cfg["simulation"].update(duration_s=duration_s, record_every_s=60.0)
    cfg["constellation"] = [{"kind": "walker", "altitude_km": 550, "inclination_deg": 53, "planes": planes,
                             "sats_per_plane": per_plane, "phasing": 1, "pattern": "delta"}]
    cfg["workload"]["arrival_rate_per_h"] = JOBS_PER_SAT_H * planes * per_plane
    cfg["workload"]["communication"] = {"kind": "data_parallel"}
    cfg["links"] = {"topology": topology}
    cfg["scheduler"]["policy"] = policy
    cfg["scheduler"]["min_link_efficiency"] = 0.5   # the default terminal carries the default gangs at 0.64
    return cfg


def run_cost(planes: int = 40, per_plane: int = 25, duration_s: float = 21600.0, out_dir=".",
             repeats: int = 3) -> dict:
    """Wall time of the same run with ``+grid`` links and without (fifo), and with links under
    ``topology_aware``; the ratios to the run without links."""
    from twin.engine.simulation import run

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    quiet = lambda message: None  # noqa: E731
    cases = {"none": ("none", "fifo"), "+grid": ("+grid", "fifo"), "+grid topology_aware": ("+grid", "topology_aware")}
    walls = {name: [] for name in cases}
    summaries = {}
    for topology, policy in cases.values():   # warm-up: numba's cache, the ephemeris
        run(_scenario(_config(planes, per_plane, 1200.0, topology, policy)), out / "warm.h5", force=True, log=quiet)
    for _ in range(repeats):
        for name, (topology, policy) in cases.items():
            scenario = _scenario(_config(planes, per_plane, duration_s, topology, policy))
            t0 = time.perf_counter()
            summaries[name] = run(scenario, out / "links.h5", force=True, log=quiet)
            walls[name].append(time.perf_counter() - t0)
    for name in ("warm.h5", "links.h5"):
        (out / name).unlink(missing_ok=True)
    best = {k: min(v) for k, v in walls.items()}
    return {"n_sats": planes * per_plane, "duration_s": duration_s, "wall_s_no_links": best["none"],
            "wall_s_plus_grid": best["+grid"], "walls_s": walls, "ratio": best["+grid"] / best["none"],
            "wall_s_topology_aware": best["+grid topology_aware"],
            "ratio_topology_aware": best["+grid topology_aware"] / best["none"],
            "links_live_mean": summaries["+grid"]["links_live_mean"],
            "lost_network_accel_h": summaries["+grid"]["lost_network_accel_h"]}


def kernel_cost(planes: int = 40, per_plane: int = 25, n_steps: int = 64, repeats: int = 5) -> dict:
    """ns per link-step of :func:`twin.kernels.links.link_block` on a +Grid shell."""
    from sgp4.api import SatrecArray, jday

    from twin.kernels.links import link_block
    from twin.links.topology import plane_slots, plus_grid
    from twin.orbits.shells import walker_shell

    from benchmarks.common import STARLINK_EPOCH

    sats = walker_shell(550, 53, planes, per_plane, 1, "delta", STARLINK_EPOCH)
    a, b = plus_grid(*plane_slots(sats))
    e = STARLINK_EPOCH
    jd = sum(jday(e.year, e.month, e.day, 0, 0, 0)) + np.arange(n_steps + 1) * 10.0 / 86400.0
    _, r, v = SatrecArray(sats.satrecs).sgp4(jd, np.zeros_like(jd))
    pos = np.ascontiguousarray(r.transpose(1, 0, 2)) * 1e3
    vel = np.ascontiguousarray(v.transpose(1, 0, 2)) * 1e3
    n = len(sats)
    ok = np.ones(n, bool)
    cap, rng = np.empty((n_steps, len(a))), np.empty((n_steps, len(a)))
    acc = np.zeros((2, n))
    args = (pos, vel, a, b, ok, 6458e3, 5.4e6, np.inf, np.pi / 2, 4.3e24, 2e11, 10.0, cap, rng, acc)
    link_block(*args)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(20):
            link_block(*args)
        best = min(best, (time.perf_counter() - t0) / 20)
    return {"n_links": len(a), "n_steps": n_steps, "ns_per_link_step": best / (len(a) * n_steps) * 1e9,
            "ns_per_sat_step": best / (n * n_steps) * 1e9}
