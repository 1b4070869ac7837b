"""Shards -> one run file that ``twin.open_run`` reads as one run (docs/schema.md, "Combined runs").

The state variables are HDF5 virtual datasets: each maps the shards' datasets side by side
along ``sat``, so nothing of them is copied and the shard files must stay where they are
(their paths are stored relative to the combined file, so the folder can move as a whole).
``/time`` is shard 0's (every shard's must be equal); ``/sat`` and its coordinates are
concatenated, with ``/shard`` added; ``/jobs`` are concatenated with each shard's local job ids mapped back to the
member's (see :mod:`twin.scaleout.shard`) and ``sat_first`` offset to the combined index;
``/events`` are concatenated with ``sat`` offset and sorted by time as a single run writes them;
``/summary`` adds totals, weights means by satellite-steps and recomputes waits and slowdowns
from the combined ``/jobs``.
"""
from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

import h5py
import numpy as np

from twin.economics.cost import cost_of_run
from twin.output.reader import _python, read_summary, state_names, table_rows
from twin.output import ledger, schema
from twin.output.hdf5 import FILE_FORMAT
from twin.output.static import compression_options, write_ledger_total, write_sat_variables, write_summary
from twin.output.tables import EVENTS, JOBS, append_rows, create_table

# How each /summary key combines over shards, by name (first match wins); docs/schema.md
# ("Combined runs") lists the rules. A key added to /summary later falls to the last rule: a sum.
SUMMARY_RULES = (
    (r"simulated_s|wall_s", "max"),          # shards run side by side
    (r"dose_end_krad_max", "max"),           # largest over the satellites
    (r"satellite_steps_per_s", "throughput"),
    (r"energy_balance_rel_error", "balance"),
    (r"ledger_closure_rel_error|limiting_factor", "ledger"),   # recomputed from the summed ledger
    # the economics (twin/economics/cost.py) are recomputed for the whole constellation in combine()
    (r"mass_.*|radiation_.*|n_launches|.*_usd|.*_usd_per_kg|launch_share|.*replacements_per_year|delivered_accel_h_per_year|"
     r"orbit_solar_.*", "economics"),
    (r"energy_per_accel_hour_wh", "per_accel_hour"),
    (r"wait_(mean|p\d+)_s|slowdown_(mean|p\d+)|energy_per_job_wh", "jobs_table"),
    (r".*_mean|.*_fraction", "weighted"),    # means over satellites and time
    (r".*", "sum"),                          # totals: energies, counts, node-hours, work
)


class CombineError(RuntimeError):
    """Shards that do not fit together (different times, a missing dataset)."""


def _fill(dtype) -> object:
    """Fill value of a virtual dataset where a source is missing: NaN (or -1) rather than a
    plausible zero. The reader refuses combined files with missing shards anyway."""
    return np.nan if np.dtype(dtype).kind == "f" else -1


def _rule(key: str) -> str:
    return next(rule for pattern, rule in SUMMARY_RULES if re.fullmatch(pattern, key))


def _job_statistic(key: str, jobs: np.ndarray) -> float:
    """A wait, slowdown or energy-per-job figure from the combined /jobs (one wait per started
    job, at its first start; slowdowns and energies of completed jobs)."""
    names = jobs.dtype.names or ()
    if key == "energy_per_job_wh" or key.startswith("slowdown"):
        done = jobs[jobs["status"] == b"completed"]
        if "censored" in names:   # a lower-bound duration: no slowdown or energy per job of it
            done = done[done["censored"] == 0]
        if key == "energy_per_job_wh":
            values = done["energy_wh"]
        elif "slowdown" in names:
            values = done["slowdown"]
        else:
            ideal_s = np.maximum(done["work_accel_s"] / done["n_accelerators"], 1e-9)
            values = (done["end_s"] - done["submit_s"]) / ideal_s
    else:
        started = jobs[np.isfinite(jobs["start_s"])]
        values = started["start_s"] - started["submit_s"]
    if len(values) == 0:
        return float("nan")
    stat = key.removesuffix("_s").rsplit("_", 1)[-1]
    return float(np.percentile(values, int(stat[1:]))) if stat.startswith("p") else float(np.mean(values))


def combine_summary(summaries: list[dict], jobs: np.ndarray) -> dict:
    """One /summary from the shards' (``SUMMARY_RULES``) and the combined /jobs table."""
    steps = np.array([s.get("satellite_steps", 1) for s in summaries], dtype=np.float64)
    keys = list(dict.fromkeys(k for s in summaries for k in s))
    out = {}
    for key in keys:
        values = [s[key] for s in summaries if key in s]
        rule = _rule(key)
        if rule == "max":
            out[key] = float(max(values))
        elif rule == "sum":
            exact = all(isinstance(v, (int, np.integer)) for v in values)
            out[key] = int(sum(values)) if exact else float(sum(values))
        elif rule == "weighted":
            w = np.array([steps[i] for i, s in enumerate(summaries) if key in s])
            out[key] = float(np.dot(values, w) / max(w.sum(), 1.0))
        elif rule == "jobs_table":
            out[key] = _job_statistic(key, jobs)
    if "energy_balance_rel_error" in keys:
        solar = out["energy_solar_wh"]
        balance = out["energy_load_wh"] + out["energy_loss_wh"] + out["energy_curtailed_wh"] \
            + (out["battery_end_wh"] - out["battery_start_wh"])
        out["energy_balance_rel_error"] = abs(solar - balance) / max(abs(solar), 1e-300)
    if "energy_per_accel_hour_wh" in keys:
        work = out.get("work_delivered_accel_h", 0.0)
        out["energy_per_accel_hour_wh"] = out["energy_compute_wh"] / work if work > 0 else float("nan")
    if "capacity_accel_h" in keys:
        ledger.finish(out)
    if "satellite_steps_per_s" in keys:   # the combined run's throughput: all steps, slowest shard
        out["satellite_steps_per_s"] = float(steps.sum() / max(out.get("wall_s", 0.0), 1e-9))
    return {k: out[k] for k in keys if k in out}   # economics keys: combine() recomputes them


def member_trace_summary(summary: dict, scenario) -> dict:
    """``summary`` with the trace accounting of the member: its shards replay CSVs of the jobs
    dealt to them, so their ``trace_*`` keys count those files (every row a job), not the rows
    the member's trace read and dropped. A Poisson member has none."""
    out = {k: v for k, v in summary.items() if not k.startswith("trace_")}
    if scenario.workload.kind != "trace":
        return out
    from twin.ops.trace import load_trace
    from twin.ops.trace_summary import TraceReplay

    return {**out, **TraceReplay(load_trace(scenario.workload.mapping), scenario.simulation.duration_s).summary()}


def _shard_jobs(f, k: int, offset: int, job_ids: np.ndarray | None) -> np.ndarray:
    rows = table_rows(f, JOBS)
    if len(rows):
        local = rows["job_id"]
        if job_ids is not None and local.max() >= len(job_ids):
            raise CombineError(f"shard {k}: job id {local.max()} beyond its {len(job_ids)} dealt jobs")
        rows["job_id"] = job_ids[local] if job_ids is not None else local
        placed = rows["sat_first"] >= 0
        rows["sat_first"][placed] += offset
    return rows


def combine(out_path, shard_paths: list, plan, member_scenario, job_ids: list) -> dict:
    """Write the combined run file ``out_path`` from complete shard files; returns its summary.

    ``job_ids[k]`` maps shard k's local job ids to the member's (None: keep them)."""
    out_path = Path(out_path)
    folder = out_path.parent
    rel = [os.path.relpath(Path(p).resolve(), folder.resolve()) for p in shard_paths]
    files = [h5py.File(p, "r") for p in shard_paths]
    try:
        return _write(out_path, files, rel, plan, member_scenario, job_ids)
    finally:
        for f in files:
            f.close()


def _write(out_path: Path, files, rel, plan, scenario, job_ids) -> dict:
    first = files[0]
    time = first[schema.TIME][...]
    for k, f in enumerate(files[1:], 1):
        if not np.array_equal(f[schema.TIME][...], time):
            raise CombineError(f"{rel[k]}: /time differs from {rel[0]}'s")
    counts = [f[schema.SAT].shape[0] for f in files]
    if tuple(counts) != tuple(plan.counts):
        raise CombineError(f"shards hold {counts} satellites, the plan says {list(plan.counts)}")
    offsets = np.r_[0, np.cumsum(counts)][:-1]
    n_sat, n_rec = int(sum(counts)), len(time)
    summaries = [read_summary(f) for f in files]
    tmp = out_path.with_name(out_path.name + ".combining")
    with h5py.File(tmp, "w", libver=FILE_FORMAT) as out:
        out.attrs.update({key: _python(value) for key, value in first.attrs.items()
                        if not key.startswith("shard_")})   # shard k's own place in the plan
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        sim = scenario.simulation
        out.attrs.update({
            "created_utc": created, "history": f"{_python(first.attrs['history'])}\n{created} twin: combined from "
                                               f"{len(files)} shards",
            "title": f"twin run: {n_sat:,} satellites, {sim.duration_s / 86400:g} d from {sim.epoch_utc:%Y-%m-%d} "
                     f"(combined from {len(files)} shards)",
            "status": "complete", "config_yaml": scenario.to_yaml(), "config_sha256": scenario.sha256(),
            "seed": sim.seed})
        out.attrs["shards"] = np.array(rel, dtype=h5py.string_dtype())
        out.attrs.update(plan.as_attrs())
        t = out.create_dataset(schema.TIME, data=time)
        t.attrs.update(_own(first[schema.TIME].attrs))
        t.make_scale(schema.TIME)
        index = out.create_dataset(schema.SAT, data=np.arange(n_sat, dtype=np.int64))
        index.attrs.update(_own(first[schema.SAT].attrs))
        index.make_scale(schema.SAT)
        cause = out.create_dataset(schema.CAUSE, data=first[schema.CAUSE].asstr()[...].astype(object),
                                   dtype=h5py.string_dtype())
        cause.attrs.update(_own(first[schema.CAUSE].attrs))
        cause.make_scale(schema.CAUSE)
        scales = {schema.TIME: t, schema.SAT: index, schema.CAUSE: cause}
        if schema.XYZ in first:
            xyz = out.create_dataset(schema.XYZ, data=first[schema.XYZ].asstr()[...].astype(object),
                                     dtype=h5py.string_dtype())
            xyz.make_scale(schema.XYZ)
            scales[schema.XYZ] = xyz
        name = schema.SAT_COORDS[0]
        d = out.create_dataset(name, data=np.concatenate([f[name].asstr()[...] for f in files]).astype(object),
                               dtype=h5py.string_dtype())
        for name in schema.SAT_COORDS[1:]:
            d = out.create_dataset(name, data=np.concatenate([f[name][...] for f in files]))
        shard = out.create_dataset("shard", data=np.repeat(np.arange(len(files), dtype=np.int32), counts))
        shard.attrs.update({"units": "1", "long_name": "shard of the satellite"})
        for name in schema.SAT_COORDS:
            out[name].attrs.update(_own(first[name].attrs))
        for name in (*schema.SAT_COORDS, "shard"):
            out[name].dims[0].attach_scale(index)
        write_sat_variables(out, {name: np.concatenate([f[name][...] for f in files])
                                  for name in schema.SAT_VARIABLES if all(name in f for f in files)})
        coordinates = " ".join((*schema.SAT_COORDS, "shard"))
        # every state variable the shards have (the schema's, then optional ones such as
        # positions or per-record extrema, when every shard recorded them)
        names = [n for n in state_names(first) if all(n in f for f in files)]
        for name in names:
            src = first[name]
            layout = h5py.VirtualLayout(shape=(n_rec, n_sat, *src.shape[2:]), dtype=src.dtype)
            for f, path, off, n in zip(files, rel, offsets, counts):
                d = f[name]
                if d.shape[0] != n_rec:
                    raise CombineError(f"{path}: /{name} has {d.shape[0]} records, /time {n_rec}")
                layout[:, off:off + n] = h5py.VirtualSource(path, name, shape=d.shape)
            v = out.create_virtual_dataset(name, layout, fillvalue=_fill(src.dtype))
            v.attrs.update({**_own(src.attrs), "coordinates": coordinates})
            for axis, scale in enumerate((schema.TIME, schema.SAT, schema.XYZ)[:len(src.shape)]):
                v.dims[axis].attach_scale(scales[scale])
        # the constellation's ledger: the shards' summed
        ledger = out.create_dataset(schema.LEDGER, data=sum(f[schema.LEDGER][:n_rec] for f in files))
        ledger.attrs.update(_own(first[schema.LEDGER].attrs))
        ledger.dims[0].attach_scale(t)
        ledger.dims[1].attach_scale(cause)
        if all(schema.LEDGER_TOTAL in f for f in files):   # per satellite: the shards' side by side
            write_ledger_total(out, np.concatenate([f[schema.LEDGER_TOTAL][...] for f in files]))
        jobs = np.concatenate([_shard_jobs(f, k, int(off), job_ids[k])
                               for k, (f, off) in enumerate(zip(files, offsets))])
        events = []
        for f, off in zip(files, offsets):
            rows = table_rows(f, EVENTS)
            rows["sat"] += off
            events.append(rows)
        events = np.concatenate(events)
        # a single run writes events sorted by time, then satellite (then kind code): each
        # satellite lives in one shard, so a stable sort on (time, sat) restores that order
        events = events[np.lexsort((events["sat"], events["time_s"]))]
        epoch = datetime.fromisoformat(str(_python(first.attrs["epoch_utc"])))
        opts = compression_options(scenario.output.compression)
        append_rows(create_table(out, JOBS, epoch, opts), jobs)
        append_rows(create_table(out, EVENTS, epoch, opts), events)
        summary = member_trace_summary(combine_summary(summaries, jobs), scenario)
        if any("cost_per_delivered_accel_h_usd" in s for s in summaries):   # the whole constellation's economics
            summary.update(cost_of_run(scenario, summary))
        out.create_group(schema.SUMMARY, track_order=True)
        write_summary(out, summary)
    os.replace(tmp, out_path)
    return summary


def _own(attrs) -> dict:
    """A variable's attributes less those of its dimension scales (set anew in the combined file)."""
    return {k: v for k, v in attrs.items() if k not in ("CLASS", "NAME", "REFERENCE_LIST", "DIMENSION_LIST")}
