"""``python -m benchmarks --scale``: every figure of issue 25 (the million-satellite constellation
of the FCC filing) measured on this machine, each beside its goal; not in the quick or full suite
(hours, most of them the million-satellite day).

Parts (``--only`` runs some of them):

- ``compile``: a first ``twin run`` (configs/default.yaml, 1 h) in a fresh process with an empty
  numba cache folder (``XDG_CACHE_HOME``), then the same again: wall seconds of each.
- ``kernel``: the fused node kernel, one thread, K = 64 steps per call, 1,000 nodes (ns per
  satellite-step, process CPU time; :func:`benchmarks.kernels.bench_kernels`).
- ``floor``: what the same workload's calls of libm's functions (exp, expm1, asin, ...) cost by
  themselves per satellite-step, counted and timed (:mod:`benchmarks.floor`): the part of the
  kernel's time no rewrite of the rest can remove.
- ``e2e``: end to end against bare SGP4 (``SatrecArray`` at every step) of the same satellites
  and times, in one process, at 100 (a day), 1,000 (6 h) and 10,000 (1 h) satellites
  (:func:`benchmarks.endtoend.run_case`); and the orbit feed's largest position error against
  SGP4 at every step (:func:`benchmarks.experiments.interpolation`, 1,000 satellites, 6 h).
- ``starlink``: the whole Starlink catalogue for a day, end to end.
- ``memory``: bytes per satellite at 10,000 and 100,000 satellites, 1 h and 3 h
  (:mod:`benchmarks.memory`).
- ``queue``: one satellite under the default workload for a year (:mod:`benchmarks.queue`).
- ``million``: ``twin sweep configs/sweeps/fcc-million.yaml`` (``--million-hours`` of it, default
  24) on a LocalCluster: wall seconds, the largest RSS of any process of the sweep (workers
  included, sampled every second), the combined file's size against the size predicted before
  the run, and that ``open_run`` and ``twin inspect`` read it.

Writes ``benchmarks/out/scale.json`` and prints one line per figure: measured, goal, met or not,
with the machine and its load.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out" / "scale.json"
DAY_S = 86400.0
PARTS = ("compile", "kernel", "floor", "e2e", "starlink", "memory", "queue", "million")
# issue 25's goals: (figure, comparison, goal, unit)
GOALS = {
    "compile_first_s": ("<=", 15.0, "s"),
    "node_kernel_ns": ("<=", 30.0, "ns per satellite-step"),
    "ratio_100": (">=", 1.5, "x bare SGP4"),
    "ratio_1000": (">=", 3.0, "x bare SGP4"),
    "ratio_10000": (">=", 3.0, "x bare SGP4"),
    "max_position_error_m": ("<=", 1.0, "m"),
    "starlink_day_s": ("<=", 10.0, "s"),
    "bytes_per_sat_10000": ("<=", 8000.0, "B"),
    "bytes_per_sat_100000": ("<=", 8000.0, "B"),
    "million_wall_s": ("<=", 1800.0, "s"),
    "million_peak_rss_gb": ("<=", 8.0, "GB (largest process)"),
    "million_file_gb": ("<=", 20.0, "GB"),
}


def _twin(args, env=None, timeout_s=3600.0) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "twin", *map(str, args)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout_s)
    if proc.returncode != 0:
        raise RuntimeError(f"twin {' '.join(map(str, args))} failed:\n{proc.stderr[-2000:]}")
    return time.perf_counter() - t0


def part_compile(work: Path) -> dict:
    cache = work / "cache"
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(cache)
    args = ["run", "configs/default.yaml", "--set", "simulation.duration_s=3600", "-o", work / "c.h5", "-q",
            "--force"]
    first = _twin(args, env)
    second = _twin(args, env)
    shutil.rmtree(cache, ignore_errors=True)
    return {"compile_first_s": first, "compile_second_s": second}


def part_kernel() -> dict:
    from benchmarks.kernels import bench_kernels

    rows = bench_kernels(1000, 64, repeats=5, pieces=False)
    fused = next(r for r in rows if r["name"].startswith("advance_nodes (fused), 1 thread, K=64"))
    return {"node_kernel_ns": fused["ns_per_sat_step"]}


def part_e2e(work: Path) -> dict:
    from benchmarks.endtoend import run_case_in_subprocess
    from benchmarks.experiments import interpolation

    out = {}
    for n, duration in ((100, DAY_S), (1000, 21600.0), (10000, 3600.0)):
        row = run_case_in_subprocess({"n_sats": n, "duration_s": duration, "out_dir": str(work)})
        out[f"ratio_{n}"] = row["ratio_to_bare"]
        out[f"sat_steps_per_s_{n}"] = row["sat_steps_per_s"]
    feed = interpolation(1000, 21600.0, every_steps=(12,), repeats=1)   # twin's default: SGP4 every 120 s
    out["max_position_error_m"] = max(r["max_pos_err_m"] for r in feed)
    return out


def part_starlink(work: Path) -> dict:
    from benchmarks.endtoend import run_case_in_subprocess

    row = run_case_in_subprocess({"n_sats": None, "duration_s": DAY_S, "out_dir": str(work), "measure_bare": False})
    return {"starlink_day_s": row["wall_s"], "starlink_sats": row["n_sats"]}


def part_memory() -> dict:
    from benchmarks.memory import bench_memory

    res = bench_memory((10_000, 100_000), (1.0, 3.0), log=lambda line: None)
    out = {}
    for row in res["cases"]:
        key = f"bytes_per_sat_{row['n_sats']}"
        out[key] = max(out.get(key, 0.0), row["bytes_per_sat"])   # the longer run's, if larger
        out[f"{key}_{row['hours']:g}h"] = row["bytes_per_sat"]
    return out


def part_queue(work: Path) -> dict:
    from benchmarks.queue import saturated_run

    row = saturated_run(365.0, out_dir=work)
    return {f"queue_year_{k}": v for k, v in row.items() if isinstance(v, (int, float))}


class _PeakRss:
    """The largest RSS of this process's children and their children, sampled every second."""

    def __init__(self):
        import psutil

        self.psutil, self.peak, self._stop = psutil, 0, threading.Event()

    def __enter__(self):
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self):
        me = self.psutil.Process()
        while not self._stop.wait(1.0):
            for child in me.children(recursive=True):
                try:
                    self.peak = max(self.peak, child.memory_info().rss)
                except self.psutil.Error:
                    pass

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5.0)


def part_million(work: Path, hours: float) -> dict:
    import yaml

    from twin.config import load_config
    from twin.engine.filesize import expected_size_bytes

    base = REPO / "configs" / "fcc-million.yaml"
    sweep = work / "fcc-million.yaml"
    sweep.write_text(yaml.safe_dump({"name": "fcc-million-bench", "base": str(base), "shard": {"by": "shell"},
                                     "grid": {"simulation.duration_s": [hours * 3600.0]}}))
    scenario = load_config(base, [f"simulation.duration_s={hours * 3600.0:g}"])
    n_sats = sum(s.planes * s.sats_per_plane for s in scenario.constellation)
    predicted = expected_size_bytes(scenario, n_sats)
    out_dir = work / "million"
    with _PeakRss() as rss:
        wall = _twin(["sweep", sweep, "-o", out_dir, "-q"], timeout_s=6 * 3600.0)
    run_file = next(p for p in out_dir.glob("*.h5") if p.name != "summary.h5")
    shards = sum(p.stat().st_size for p in run_file.with_suffix(".shards").glob("*.h5"))
    t0 = time.perf_counter()
    _twin(["inspect", run_file])
    inspect_s = time.perf_counter() - t0
    import twin

    with twin.open_run(run_file) as run:
        opened = dict(run.state.sizes)
    return {"million_hours": hours, "million_sats": n_sats, "million_wall_s": wall,
            "million_peak_rss_gb": rss.peak / 1e9, "million_file_gb": (run_file.stat().st_size + shards) / 1e9,
            "million_predicted_gb": predicted / 1e9, "million_inspect_s": inspect_s,
            "million_open_run_sats": opened.get("sat")}


def verdicts(results: dict) -> list[str]:
    lines = []
    for key, (op, goal, unit) in GOALS.items():
        if key not in results:
            continue
        value = results[key]
        met = value <= goal if op == "<=" else value >= goal
        lines.append(f"{key:<24} {value:>12,.3f}   goal {op} {goal:g} {unit:<22} {'met' if met else 'NOT met'}")
    return lines


def main(parts=PARTS, million_hours: float = 24.0, out_path=None, log=print) -> int:
    from benchmarks.common import machine

    results = {"machine": machine(), "load_average_start": os.getloadavg(),
               "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with tempfile.TemporaryDirectory(prefix="twin-scale-") as tmp:
        work = Path(tmp)
        for part in parts:
            t0 = time.perf_counter()
            log(f"{part} ...")
            if part == "million":
                results.update(part_million(work, million_hours))
            elif part == "floor":
                from benchmarks.floor import part_floor

                results.update(part_floor())
            elif part in ("kernel", "memory"):
                results.update(globals()[f"part_{part}"]())
            else:
                results.update(globals()[f"part_{part}"](work))
            log(f"  {part}: {time.perf_counter() - t0:.0f} s")
    results["load_average_end"] = os.getloadavg()
    path = Path(out_path) if out_path else OUT
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1))
    for line in verdicts(results):
        log(line)
    if "floor_libm_ns" in results:
        goal = GOALS["node_kernel_ns"][1]
        log(f"{'floor_libm_ns':<24} {results['floor_libm_ns']:>12,.3f}   the kernel's libm calls alone "
            f"(benchmarks/floor.py), against the kernel's goal of {goal:g} ns")
        log(f"{'floor_steady_libm_ns':<24} {results['floor_steady_libm_ns']:>12,.3f}   the same after "
            f"{results['floor_warm_steps']} steps, where the kernel takes {results['steady_kernel_ns']:,.1f} ns")
    log(f"results: {path}")
    return 0
