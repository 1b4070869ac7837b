"""Measured evidence for speeding twin up, without changing twin: each experiment rebuilds or
wraps a piece of twin outside the package and times it against the original.

* ``interpolation``: twin's orbit feed with SGP4 every M steps and Lagrange interpolation in
  between, against SGP4 at every step: position error and cost (constellation setup included).
* ``numba_flags``: advance_nodes and every kernel it calls recompiled with
  ``error_model="numpy"`` and/or ``fastmath=True`` (one thread).
* ``hdf5``: the writer thread's time for lzf (twin's default) and gzip levels 4, 1 and 0.
* ``tle_load``: where reading the 10,395-line catalogue spends its time.
"""
from __future__ import annotations

import time
import types
from pathlib import Path

import numpy as np
from numba import njit
from numba.core.registry import CPUDispatcher

from twin.kernels.node import advance_nodes
from twin.orbits.feed import OrbitFeed
from twin.orbits import Propagator

from benchmarks import kernels as K
from benchmarks.common import STARLINK_EPOCH, STARLINK_TLE, best_of, starlink


# ------------------------------------------------------------------ interpolation between SGP4 nodes
def interpolation(n_sats: int, duration_s: float, dt_s: float = 10.0, every_steps=(3, 6, 12, 18, 24),
                  repeats: int = 3) -> list[dict]:
    """Error and cost of twin's own :class:`twin.orbits.feed.OrbitFeed` (SGP4 every ``m`` steps,
    Lagrange through 8 nodes in between, the Sun with it) against SGP4 at every step (GCRS)."""
    sats = starlink(n_sats)
    prop = Propagator(sats, STARLINK_EPOCH)
    n = prop.n_sats
    n_steps = int(round(duration_s / dt_s))
    t_s = np.arange(n_steps + 1) * dt_s
    ref_pos, ref_vel, _ = prop.propagate(t_s)
    direct = K.best_cpu(lambda: prop.propagate(t_s), repeats)
    rows = [{"every_steps": 1, "node_step_s": dt_s, "max_pos_err_m": 0.0, "max_vel_err_m_s": 0.0,
             "ns_per_sat_step": direct / (n * (n_steps + 1)) * 1e9, "speedup": 1.0}]
    for m in every_steps:
        pos, vel = np.empty_like(ref_pos), np.empty_like(ref_vel)

        def coarse(m=m, pos=pos, vel=vel):   # the whole feed, as the engine walks it block by block
            feed = OrbitFeed(sats, STARLINK_EPOCH, dt_s, n_steps, sgp4_step_s=m * dt_s)
            k = 0
            while k < n_steps:
                k1 = feed.block_end(k)
                pos[k:k1 + 1], vel[k:k1 + 1], _ = feed.get(k, k1)
                k = k1
        coarse()
        seconds = K.best_cpu(coarse, repeats)
        rows.append({
            "every_steps": m, "node_step_s": m * dt_s,
            "max_pos_err_m": float(np.nanmax(np.linalg.norm(pos - ref_pos, axis=-1))),
            "max_vel_err_m_s": float(np.nanmax(np.linalg.norm(vel - ref_vel, axis=-1))),
            "ns_per_sat_step": seconds / (n * (n_steps + 1)) * 1e9, "speedup": direct / seconds})
    for r in rows:
        r.update(n_sats=n, duration_s=duration_s, dt_s=dt_s)
    return rows


# ------------------------------------------------------------------ numba flags
def rejit(dispatcher, memo: dict | None = None, **flags):
    """Recompile a numba function and every numba function it calls (by global name) with its
    own options plus ``flags`` (uncached); twin's own dispatchers are left untouched."""
    memo = {} if memo is None else memo
    if id(dispatcher) in memo:
        return memo[id(dispatcher)]
    fn = dispatcher.py_func
    namespace = dict(fn.__globals__)
    for name in fn.__code__.co_names:
        if isinstance(namespace.get(name), CPUDispatcher):
            namespace[name] = rejit(namespace[name], memo, **flags)
    copy = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)
    options = {k: v for k, v in dispatcher.targetoptions.items() if k in ("parallel", "fastmath", "error_model")}
    memo[id(dispatcher)] = njit(**{**options, **flags})(copy)
    return memo[id(dispatcher)]


def numba_flags(inp: dict, repeats: int = 5) -> list[dict]:
    """advance_nodes (K=64, one thread) recompiled from source with each set of flags."""
    rows = []
    for flags in ({}, {"error_model": "numpy"}, {"fastmath": True},
                  {"error_model": "numpy", "fastmath": True}):
        call = K.nodes_call(inp, 64, kernel=rejit(advance_nodes, **flags))
        seconds = K.time_kernel(call, tuple, repeats)
        rows.append({"flags": flags or "twin's own (recompiled)",
                     "ns_per_sat_step": seconds / (inp["n"] * inp["k"]) * 1e9})
    return rows


# ------------------------------------------------------------------ HDF5
def hdf5(n_sats: int, duration_s: float, out_dir: Path, levels=("lzf", 4, 1, 0)) -> list[dict]:
    """Time the writer thread spends writing (compression and HDF5, ``RunWriter._write``) over
    one run, per ``output.compression`` (twin's own chunking)."""
    import twin.output.hdf5 as H
    from twin.engine.simulation import run

    from benchmarks.endtoend import _scenario, scenario_dict

    rows = []
    for level in levels:
        scenario = _scenario(scenario_dict(n_sats, duration_s, compression=level))
        spent = [0.0]
        original_write = H.RunWriter._write

        def write(self, *args, _orig=original_write, _spent=spent, **kwargs):   # one writer thread: no race
            t0 = time.perf_counter()
            try:
                return _orig(self, *args, **kwargs)
            finally:
                _spent[0] += time.perf_counter() - t0
        H.RunWriter._write = write
        path = Path(out_dir) / "hdf5_experiment.h5"
        try:
            t0 = time.perf_counter()
            run(scenario, path, force=True, log=lambda m: None)
            wall = time.perf_counter() - t0
        finally:
            H.RunWriter._write = original_write
        size = path.stat().st_size
        path.unlink()
        n = len(starlink(n_sats))
        records = int(duration_s // scenario.simulation.record_every_s)
        rows.append({"compression": level, "write_s": spent[0], "run_wall_s": wall,
                     "file_mb": size / 2 ** 20,
                     "ns_per_sat_step": spent[0] / (n * duration_s / scenario.simulation.dt_s) * 1e9,
                     "us_per_record_per_sat": spent[0] / records / n * 1e6,
                     "n_sats": n, "duration_s": duration_s})
    return rows


# ------------------------------------------------------------------ TLE loading
def tle_load(repeats: int = 3) -> dict:
    """Wall time of load_tle on the whole Starlink file, and of its checksum alone."""
    from twin.orbits.tle import _tle_checksum, load_tle

    lines = [ln.strip() for ln in STARLINK_TLE.read_text().splitlines() if ln[:2] in ("1 ", "2 ")]
    whole = best_of(lambda: load_tle(STARLINK_TLE), repeats)
    checksum = best_of(lambda: [_tle_checksum(ln) for ln in lines], repeats)

    def checksum_counting(line):
        head = line[:68]
        return (sum(d * head.count(str(d)) for d in range(1, 10)) + head.count("-")) % 10
    assert all(checksum_counting(ln) == _tle_checksum(ln) for ln in lines[:2000])
    counting = best_of(lambda: [checksum_counting(ln) for ln in lines], repeats)
    return {"load_tle_s": whole, "checksum_s": checksum, "checksum_with_str_count_s": counting,
            "n_lines": len(lines)}
