"""Where the time of one end-to-end run goes.

Timing wrappers are put around the functions the engine calls (by dotted name, so that a
refactor that renames one only leaves it out of the table), each accumulating its *exclusive*
time: a nested wrapped call is subtracted from its caller's bucket. What no wrapper covers is
the engine's own Python (SimPy, the tick loop, bookkeeping). Calls in other threads than the
main one (the orbit feed's interpolation and geometry) get buckets of their own, marked as such:
they run beside the main thread and are not part of its total. A cProfile run of the same case
gives the top functions by own time, as a cross-check.
"""
from __future__ import annotations

import cProfile
import importlib
import io
import pstats
import threading
import time
from pathlib import Path

OTHER_THREAD = " [feed thread, beside the main one]"

# (bucket, "module:attribute" or "module:Class.method"); the engine imports some functions
# into its own namespace, so they are wrapped where the engine looks them up
TARGETS = (
    ("SGP4 (SatrecArray.sgp4, NaN mask, transposes)", "twin.orbits:propagate_teme_km"),
    ("TEME->GCRS matrices (skyfield, hourly nodes)", "twin.orbits:teme_to_gcrs_matrices"),
    ("time scales (skyfield Time, UTC Julian date)", "twin.orbits:skyfield_times"),
    ("time scales (skyfield Time, UTC Julian date)", "twin.orbits:sgp4_utc_jd"),
    ("rotation matmul + glue (Propagator.propagate)", "twin.orbits:Propagator.propagate"),
    ("Sun (DE421 via skyfield)", "twin.orbits.feed:sun_position_gcrs_m"),
    ("orbit feed: waiting for a block from its thread", "twin.orbits.feed:OrbitFeed._load"),
    ("Lagrange interpolation between SGP4 nodes", "twin.orbits.feed:lagrange_fill"),
    ("Lagrange interpolation between SGP4 nodes", "twin.orbits.feed:lagrange_weights"),
    ("advance_nodes (numba)", "twin.engine.node_threads:NodeThreads.run"),
    ("boundary geometry (numba)", "twin.engine.simulation:geometry_of"),
    ("advance_jobs (numba)", "twin.ops.jobs:advance_jobs"),
    ("job bookkeeping (JobBook.advance, Python)", "twin.ops.jobs:JobBook.advance"),
    ("scheduling (dispatch + FIFO first-fit)", "twin.ops.jobs:JobBook.dispatch"),
    ("job arrivals (submit)", "twin.ops.jobs:JobBook.submit"),
    ("events (gather, encode)", "twin.engine.simulation:Simulation._write_events"),
    ("checkpoints (state pickles)", "twin.engine.simulation:Simulation.checkpoint"),
    ("records (numba rows, into the writer's buffers)", "twin.engine.simulation:record_rows"),
    ("records (numba rows, into the writer's buffers)", "twin.engine.simulation:close_interval"),
    ("records (numba rows, into the writer's buffers)", "twin.output.hdf5:RunWriter.add_record"),
    ("HDF5: batching rows, waiting for the writer thread (RunWriter.flush)", "twin.output.hdf5:RunWriter.flush"),
    ("HDF5 file setup and close", "twin.output.hdf5:RunWriter.__init__"),
    ("HDF5 file setup and close", "twin.output.hdf5:RunWriter.close"),
    ("constellation build (TLE parse, Satrec init)", "twin.engine.inputs:build_constellation"),
    ("constellation screening (SGP4 through the run)", "twin.engine.inputs:screen_for_run"),
)


class _Clock:
    def __init__(self):
        self.totals: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.local = threading.local()   # .stack: time spent in wrapped callees of each open frame
        self.lock = threading.Lock()

    def wrap(self, bucket: str, fn):
        clock = self

        def timed(*args, **kwargs):
            stack = clock.local.__dict__.setdefault("stack", [])
            stack.append(0.0)
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - t0
                inner = stack.pop()
                name = bucket if threading.current_thread() is threading.main_thread() else bucket + OTHER_THREAD
                with clock.lock:
                    clock.totals[name] = clock.totals.get(name, 0.0) + elapsed - inner
                    clock.calls[name] = clock.calls.get(name, 0) + 1
                if stack:
                    stack[-1] += elapsed
        timed.__wrapped__ = fn
        return timed


def _resolve(target: str):
    module_name, _, attr = target.partition(":")
    owner = importlib.import_module(module_name)
    *path, name = attr.split(".")
    for part in path:
        owner = getattr(owner, part)
    return owner, name


def attribute(run_fn) -> dict:
    """Run ``run_fn()`` (one end-to-end run) with timing wrappers; returns seconds per bucket,
    the total wall time, the unattributed rest and the targets that could not be found."""
    clock = _Clock()
    patched, missing = [], []
    for bucket, target in TARGETS:
        try:
            owner, name = _resolve(target)
            original = getattr(owner, name)
        except (ImportError, AttributeError):
            missing.append(target)
            continue
        setattr(owner, name, clock.wrap(bucket, original))
        patched.append((owner, name, original))
    try:
        t0 = time.perf_counter()
        run_fn()
        total = time.perf_counter() - t0
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)
    buckets = dict(sorted(clock.totals.items(), key=lambda kv: -kv[1]))
    rest = total - sum(v for k, v in buckets.items() if not k.endswith(OTHER_THREAD))
    return {"total_s": total, "buckets_s": buckets, "calls": clock.calls,
            "engine_python_and_other_s": rest,
            "fractions": {**{k: v / total for k, v in buckets.items()},
                          "engine Python, SimPy and the rest": rest / total},
            "missing_targets": missing}


def cprofile_top(run_fn, n: int = 20, out_path: Path | None = None) -> list[dict]:
    """The ``n`` functions with the most own time in a cProfile run of ``run_fn()``."""
    profile = cProfile.Profile()
    profile.enable()
    try:
        run_fn()
    finally:
        profile.disable()
    stats = pstats.Stats(profile)
    if out_path is not None:
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(40)
        Path(out_path).write_text(text.getvalue())
    rows = []
    for (filename, line, func), (_, ncalls, tottime, cumtime, _) in stats.stats.items():
        rows.append({"function": f"{Path(filename).name}:{line}({func})", "calls": ncalls,
                     "own_s": tottime, "cumulative_s": cumtime})
    rows.sort(key=lambda r: -r["own_s"])
    return rows[:n]
