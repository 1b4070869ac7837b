"""End to end: ``twin.engine.simulation.run`` on real Starlink satellites, against bare SGP4 of the same
satellites at the same times, measured in the same process; also its memory: the process's
peak RSS (``ru_maxrss``, start-up included) and the largest RSS sampled during the run itself.

A case runs the scenario of configs/default.yaml with its constellation replaced by the first N
satellites of the Starlink catalogue (a ``kind: tle`` shell with ``max_satellites``), the epoch
moved to the catalogue's date, and the job load scaled with N (the default's 8 jobs/h on 24
satellites, 1/3 job per satellite-hour). Throughput leaves out building the constellation
(timed inside the run: reading the whole catalogue costs the same whatever N). Before the timed
run a tiny run of the same shape loads numba's cache and the ephemeris, so the numbers are those
of a warm ``twin run`` minus Python's start-up and imports.

"Bare SGP4" is ``SatrecArray.sgp4`` of the same satellites at every step's time, 64 times per
call, with the Julian dates prepared outside the timer: the floor
docs/design.md §8 measures the engine against (ratio = twin sat-steps/s ÷ bare sat-steps/s).

Run as ``python -m benchmarks.endtoend '<case as JSON>'`` a case runs in a fresh process and so
reports its own peak resident memory; the last line of its output is the result as JSON.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.common import (REPO, STARLINK_EPOCH, STARLINK_EPOCH_ISO, STARLINK_TLE, default_config,
                               peak_rss_mb, starlink)

JOBS_PER_SAT_H = 8.0 / 24.0  # the default scenario's job load per satellite [1/h]


def scenario_dict(n_sats: int | None, duration_s: float, dt_s: float = 10.0,
                  record_every_s: float = 60.0, compression: int | str | None = None,
                  jobs_per_sat_h: float = JOBS_PER_SAT_H) -> dict:
    """The default config on the first ``n_sats`` Starlink satellites (None: all of them)."""
    cfg = default_config()
    cfg["simulation"].update(epoch_utc=STARLINK_EPOCH_ISO, duration_s=duration_s, dt_s=dt_s,
                             record_every_s=record_every_s)
    shell = {"kind": "tle", "file": str(STARLINK_TLE)}
    if n_sats is not None:
        shell["max_satellites"] = int(n_sats)
    cfg["constellation"] = [shell]
    n = len(starlink(n_sats))
    cfg["workload"]["arrival_rate_per_h"] = jobs_per_sat_h * n
    if compression is not None:
        cfg.setdefault("output", {})["compression"] = compression
    return cfg


def _scenario(cfg: dict):
    from twin.config import scenario_from_dict

    return scenario_from_dict(cfg, REPO / "configs", "benchmark scenario")


def _cpu_s() -> float:
    """CPU time of this process, all threads [s] (immune to other processes' time slices)."""
    return time.process_time()


BARE_TIMES_PER_CALL = 64   # times per SatrecArray.sgp4 call in the bare baseline (its per-call cost
#                            matters only for the smallest constellations)


def bare_sgp4(n_sats: int | None, n_steps: int, dt_s: float) -> dict:
    """``SatrecArray.sgp4`` of the same satellites at the end of each of ``n_steps`` steps."""
    from sgp4.api import SatrecArray

    from twin.orbits.environment import skyfield_times
    from twin.orbits import sgp4_utc_jd

    array = SatrecArray(list(starlink(n_sats).satrecs))
    n = len(array)
    blocks = []
    for start in range(0, n_steps, BARE_TIMES_PER_CALL):
        t_s = (np.arange(start, min(start + BARE_TIMES_PER_CALL, n_steps)) + 1) * dt_s
        blocks.append(sgp4_utc_jd(skyfield_times(STARLINK_EPOCH, t_s)))
    wall0, cpu0 = time.perf_counter(), _cpu_s()
    for jd, fr in blocks:
        array.sgp4(jd, fr)
    wall, cpu = time.perf_counter() - wall0, _cpu_s() - cpu0
    steps = n * n_steps
    return {"sat_steps_per_s": steps / wall, "sat_steps_per_cpu_s": steps / cpu,
            "ns_per_sat_step": wall / steps * 1e9, "wall_s": wall}


class _RssSampler:
    """Samples this process's resident memory every ``interval_s`` in a background thread: the
    largest *current* RSS during a run, which ``ru_maxrss`` cannot show once start-up (imports,
    numba, the warm-up run) has set a higher peak."""

    def __init__(self, interval_s: float = 0.05):
        import threading

        self.interval_s, self.peak_mb = interval_s, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def current_mb() -> float:
        try:
            pages = int(Path("/proc/self/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            return float("nan")
        return pages * os.sysconf("SC_PAGE_SIZE") / 2 ** 20

    def _run(self):
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self.current_mb())
            self._stop.wait(self.interval_s)

    def __enter__(self):
        self.start_mb = self.current_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, self.current_mb())
        return False


class _TimedBuild:
    """Wraps ``twin.engine.inputs.build_constellation`` during a run to time it (wall and CPU), so that
    throughput is that of the simulation, not of reading 10,395 TLEs to keep the first 100."""

    def __enter__(self):
        import twin.engine.inputs as engine   # where a run builds its constellation

        self.engine, self.wall_s, self.cpu_s = engine, 0.0, 0.0
        self.original = engine.build_constellation

        def timed(*args, **kwargs):
            wall0, cpu0 = time.perf_counter(), _cpu_s()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.wall_s += time.perf_counter() - wall0
                self.cpu_s += _cpu_s() - cpu0
        engine.build_constellation = timed
        return self

    def __exit__(self, *exc):
        self.engine.build_constellation = self.original
        return False


def run_case(n_sats: int | None, duration_s: float, out_dir, dt_s: float = 10.0,
             record_every_s: float = 60.0, measure_bare: bool = True,
             compression: int | str | None = None, jobs_per_sat_h: float = JOBS_PER_SAT_H) -> dict:
    """One end-to-end case in this process; see the module docstring."""
    from twin.engine.node_threads import thread_count
    from twin.engine.simulation import run

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    quiet = lambda message: None  # noqa: E731
    # warm-up: the same satellites for 20 records with a few dozen jobs (that start and finish),
    # which loads or compiles every numba function the case calls, so the case does not pay for it
    n_warm = n_sats or 10395
    warm = scenario_dict(n_sats, 20 * record_every_s, dt_s, record_every_s, compression,
                         jobs_per_sat_h=max(jobs_per_sat_h, 120.0 / n_warm))
    run(_scenario(warm), out_dir / "warmup.h5", force=True, log=quiet)
    scenario = _scenario(scenario_dict(n_sats, duration_s, dt_s, record_every_s, compression,
                                       jobs_per_sat_h))
    out_path = out_dir / f"e2e_{n_sats or 'all'}_{int(duration_s)}s.h5"
    rss_before = peak_rss_mb()
    load_before = os.getloadavg()[0]
    with _TimedBuild() as build, _RssSampler() as rss:
        wall0, cpu0 = time.perf_counter(), _cpu_s()
        summary = run(scenario, out_path, force=True, log=quiet)
        wall, cpu = time.perf_counter() - wall0, _cpu_s() - cpu0
    rss_peak = peak_rss_mb()
    steps = summary["satellite_steps"]
    result = {
        "n_sats": summary["n_satellites"], "duration_s": duration_s, "dt_s": dt_s,
        "jobs_per_sat_h": jobs_per_sat_h,
        "record_every_s": record_every_s, "satellite_steps": steps,
        "wall_s": wall, "cpu_s": cpu, "engine_wall_s": summary.get("wall_s"),
        "constellation_build_s": build.wall_s,
        "sat_steps_per_s": steps / (wall - build.wall_s),
        "sat_steps_per_cpu_s": steps / (cpu - build.cpu_s),
        "sat_steps_per_s_whole_call": steps / wall,
        "peak_rss_mb": rss_peak, "rss_before_run_mb": rss_before,
        "run_rss_start_mb": rss.start_mb, "run_rss_peak_mb": rss.peak_mb,
        "run_rss_growth_mb": rss.peak_mb - rss.start_mb,
        "file_mb": out_path.stat().st_size / 2 ** 20,
        "jobs_submitted": summary["jobs_submitted"], "jobs_completed": summary["jobs_completed"],
        "jobs_queued_at_end": summary["jobs_queued_at_end"], "jobs_running_at_end": summary["jobs_running_at_end"],
        "energy_balance_rel_error": summary["energy_balance_rel_error"],
        "load_average_before": load_before, "load_average_after": os.getloadavg()[0],
        "numba_threads": thread_count(summary["n_satellites"]),
    }
    out_path.unlink()
    (out_dir / "warmup.h5").unlink(missing_ok=True)
    if measure_bare:
        bare = bare_sgp4(n_sats, int(round(duration_s / dt_s)), dt_s)
        result.update({"bare_sgp4_sat_steps_per_s": bare["sat_steps_per_s"],
                       "bare_sgp4_sat_steps_per_cpu_s": bare["sat_steps_per_cpu_s"],
                       "bare_sgp4_wall_s": bare["wall_s"],
                       "ratio_to_bare": result["sat_steps_per_s"] / bare["sat_steps_per_s"],
                       "ratio_to_bare_cpu": result["sat_steps_per_cpu_s"] / bare["sat_steps_per_cpu_s"]})
    return result


def run_case_in_subprocess(case: dict, threads: int | None = None, timeout_s: float = 3600.0) -> dict:
    """:func:`run_case` in a fresh Python process (its own peak RSS); ``case`` holds its kwargs,
    ``threads`` sets NUMBA_NUM_THREADS there (default: numba's, one per core)."""
    env = dict(os.environ)
    if threads:
        env["NUMBA_NUM_THREADS"] = str(threads)
    proc = subprocess.run([sys.executable, "-m", "benchmarks.endtoend", json.dumps(case)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout_s)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark case {case} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process"] = "own"
    return result


if __name__ == "__main__":
    kwargs = json.loads(sys.argv[1])
    print(json.dumps(run_case(**kwargs)))
