"""Splitting one constellation into shards that run in parallel, each with its share of the jobs.

A shard is a contiguous range of the constellation's satellites (in the order a single run would
number them), made of whole *units* that are never split:

- ``by: shell``   one unit per config shell;
- ``by: plane``   one unit per orbital plane (``/sat/plane``); a ``kind: cluster`` shell is one
  plane; TLE satellites have no known plane and may be split anywhere;
- ``by: cluster`` one unit per ``kind: cluster`` shell (a formation that must stay whole); other
  shells are kept whole as well.

Units are grouped into ``n`` shards of about equal satellite counts (default: one shard per unit).
Each shard runs the member's scenario on its satellites only, so every satellite's orbit is the
very ``Satrec`` a single run would propagate, and with no job spanning shards the physics of each
satellite is the same as in the single run.

Jobs cannot migrate between shards, so the member's job stream is drawn once, exactly as the
single run would draw it (same seed, same source), and dealt to shards in proportion to their
accelerators: job ``j`` goes to shard ``j mod K`` when the shards are equal, otherwise to the shard
whose share of the accelerators covers ``frac((j + 1) φ)`` (a low-discrepancy sequence, so every
shard gets its share over any stretch of time); a job larger than its shard goes to the largest
shard that can hold it. Each shard replays its jobs as a trace (``<shard>.jobs.csv``, with the
original ``job_id`` and a trace member's ids, censored flags and estimates), so the combined
``/jobs`` table holds the same jobs as the single run, placed within shards. Scripted outages (``faults.outages``) are renumbered into their shards; random
faults are drawn per shard, so they are not the single run's draws.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from twin.scaleout.selection import ShardError, selected_satellites, shell_layout

GOLDEN = (5 ** 0.5 - 1) / 2   # frac of the golden ratio: the most evenly spreading step




@dataclass(frozen=True)
class ShardPlan:
    """Where each shard starts and how many satellites it has (contiguous, in single-run order)."""
    by: str
    starts: tuple
    counts: tuple

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def n_satellites(self) -> int:
        return int(sum(self.counts))

    def as_attrs(self) -> dict:
        return {"shard_by": self.by, "shard_sat_start": np.asarray(self.starts, dtype=np.int64),
                "shard_sat_count": np.asarray(self.counts, dtype=np.int64)}

    def matches(self, attrs) -> bool:
        """Whether a file's attributes describe this plan."""
        by = attrs.get("shard_by")
        by = by.decode() if isinstance(by, bytes) else by
        return (by == self.by
                and np.array_equal(np.asarray(attrs.get("shard_sat_start", [])), self.starts)
                and np.array_equal(np.asarray(attrs.get("shard_sat_count", [])), self.counts))


# ---------------------------------------------------------------- planning
def _units(scenario, by: str) -> tuple[list[int], int]:
    """Unit sizes in satellite order, and the default number of shards (designed shells are not
    built: their sizes and planes follow from the config, twin.scaleout.selection)."""
    from twin.orbits.satset import joined_planes

    shells = scenario.constellation
    shell_planes, _, _ = shell_layout(scenario)
    if by == "cluster" and not any(s.kind == "cluster" for s in shells):
        raise ShardError("shard.by: cluster needs at least one kind: cluster shell in the constellation")
    if by in ("shell", "cluster"):
        sizes = [len(p) for p in shell_planes]
        return sizes, len(sizes)
    plane = joined_planes(shell_planes)
    sizes, default, start = [], 0, 0
    for shell, own in zip(shells, shell_planes):
        p = plane[start:start + len(own)]
        start += len(own)
        if shell.kind == "tle" or (p < 0).any():   # no planes known: any split is allowed
            sizes += [1] * len(own)
            default += 1
            continue
        edges = np.flatnonzero(np.diff(p)) + 1
        runs = np.diff(np.r_[0, edges, len(p)])
        sizes += runs.tolist()
        default += len(runs)
    return sizes, default


def _partition(sizes: list[int], n: int) -> list[int]:
    """Cut ``sizes`` into ``n`` contiguous non-empty groups of about equal sum; returns the
    number of units before each cut (n - 1 cuts)."""
    cum = np.cumsum(sizes)
    total, m = float(cum[-1]), len(sizes)
    cuts, prev = [], 0
    for k in range(1, n):
        lo, hi = prev + 1, m - (n - k)            # units in the first k groups
        j = np.arange(lo, hi + 1)
        best = int(j[np.argmin(np.abs(cum[j - 1] - k * total / n))])
        cuts.append(best)
        prev = best
    return cuts


def plan_shards(scenario, by: str, n: int | None = None) -> ShardPlan:
    """Split the scenario's constellation into ``n`` shards (default: one per unit)."""
    sizes, default = _units(scenario, by)
    n = default if n is None else n
    if n > 1 and scenario.links.topology != "none":
        raise ShardError(f"shard: links.topology is {scenario.links.topology}, and a shard cannot link its "
                         f"satellites to another shard's: run a constellation with links in one process")
    if n > 1 and scenario.inference is not None:
        raise ShardError("shard: inference serves one queue from every satellite's replicas, which shards cannot "
                         "share: run a scenario with inference in one process")
    if n > len(sizes):
        raise ShardError(f"shard.n: {n} shards, but the constellation has only {len(sizes)} "
                         f"unit(s) by {by}")
    cuts = _partition(sizes, n)
    bounds = [0] + cuts + [len(sizes)]
    cum = np.r_[0, np.cumsum(sizes)]
    starts = tuple(int(cum[a]) for a in bounds[:-1])
    counts = tuple(int(cum[b] - cum[a]) for a, b in zip(bounds[:-1], bounds[1:]))
    return ShardPlan(by, starts, counts)


# ---------------------------------------------------------------- jobs
@dataclass(frozen=True)
class JobStream:
    job_id: np.ndarray        # (J,) int64, as numbered by the single run
    submit_s: np.ndarray      # (J,) float64 [s]
    work_accel_s: np.ndarray  # (J,) float64 [accelerator-s]
    n_accelerators: np.ndarray
    priority: np.ndarray
    # a trace member's own columns, which its shards must keep (None: a Poisson member)
    trace_id: np.ndarray | None = None    # (J,) S32, the job's id in the trace
    censored: np.ndarray | None = None    # (J,) bool
    estimate_s: np.ndarray | None = None  # (J,) float64 user runtime estimate [s], NaN where none

    def __len__(self) -> int:
        return len(self.job_id)

    def take(self, mask) -> "JobStream":
        return JobStream(*(None if a is None else a[mask] for a in (
            self.job_id, self.submit_s, self.work_accel_s, self.n_accelerators, self.priority,
            self.trace_id, self.censored, self.estimate_s)))


def full_job_stream(scenario, n_satellites: int | None = None) -> JobStream:
    """Every job the single run of ``scenario`` (on ``n_satellites``: needed for an offered load) would submit, drawn as the
    engine draws them (``twin.engine.simulation.Simulation``: child 0 of ``SeedSequence(seed)``, the
    same whatever the number of children spawned)."""
    from twin.ops.workload import job_source

    sim = scenario.simulation
    seeds = np.random.SeedSequence(sim.seed).spawn(2)
    trace = None
    if scenario.workload.kind == "trace":
        from twin.ops.trace import load_trace

        trace = load_trace(scenario.workload.mapping)
    source = job_source(scenario.workload, np.random.default_rng(seeds[0]), sim.duration_s, trace,
                        None if n_satellites is None else n_satellites * scenario.spacecraft.accelerator.count)
    specs = []
    while source.peek() is not None:
        specs.append(source.pop())
    job_id = np.array([s.job_id for s in specs], dtype=np.int64)
    own = (None, None, None) if trace is None else (   # a trace source numbers its jobs by row
        trace.trace_id[job_id], trace.censored[job_id], trace.estimate_s[job_id])
    return JobStream(job_id, np.array([s.submit_s for s in specs], dtype=np.float64),
                     np.array([s.work_accel_s for s in specs], dtype=np.float64),
                     np.array([s.n_accelerators for s in specs], dtype=np.int64),
                     np.array([s.priority for s in specs], dtype=np.int64), *own)


def deal_jobs(n_accelerators: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """The shard of each job (see the module docstring); ``capacity`` = accelerators per shard."""
    k = len(capacity)
    j = np.arange(len(n_accelerators))
    if np.all(capacity == capacity[0]):
        shard = j % k
    else:
        edges = np.cumsum(capacity) / capacity.sum()
        shard = np.minimum(np.searchsorted(edges, ((j + 1) * GOLDEN) % 1.0, side="right"), k - 1)
    too_big = np.flatnonzero(n_accelerators > capacity[shard])
    if len(too_big):
        order = np.argsort(-capacity, kind="stable")
        for i in too_big:
            fits = order[capacity[order] >= n_accelerators[i]]
            shard[i] = fits[-1] if len(fits) else order[0]  # the smallest that fits, or the largest
    return shard


def _exact_duration(work: np.ndarray, n_acc: np.ndarray) -> np.ndarray:
    """Per-accelerator durations d such that d * n == work in float64 (the trace loader multiplies
    back), nudged by an ulp where plain division does not round-trip. Exact for power-of-two
    counts; for others some work values have no such d, and come back within an ulp."""
    n = n_acc.astype(np.float64)
    d = work / n
    for _ in range(4):
        off = d * n != work
        if not off.any():
            break
        d[off] = np.nextafter(d[off], np.where(d[off] * n[off] < work[off], np.inf, -np.inf))
    return d


def write_jobs_csv(path: Path, jobs: JobStream) -> None:
    import pandas as pd

    frame = pd.DataFrame({"job_id": jobs.job_id, "submit_s": jobs.submit_s,
                          "duration_s": _exact_duration(jobs.work_accel_s, jobs.n_accelerators),
                          "accelerators": jobs.n_accelerators, "priority": jobs.priority})
    if jobs.trace_id is not None:
        frame["trace_id"] = [t.decode("utf-8") for t in jobs.trace_id]
        frame["censored"] = jobs.censored.astype(np.int8)
        frame["estimate_s"] = jobs.estimate_s   # NaN -> empty: no estimate
    frame.to_csv(path, index=False, float_format="%.17g")


def read_job_ids(path: Path) -> np.ndarray:
    """The original job ids of a shard's trace, in the order the shard numbers its jobs."""
    import pandas as pd

    return pd.read_csv(path, usecols=["job_id"])["job_id"].to_numpy(np.int64)


def shard_workload(workload, jobs_csv: Path | None, jobs: JobStream | None = None) -> dict:
    """The shard's workload section: its jobs (``jobs``, written to ``jobs_csv``) as a trace, or no
    arrivals if it has none; the member's checkpoints (what they cost: their state from the same
    model), deadlines and communication model, and a trace member's job ids, censored flags and
    runtime estimates, kept."""
    common = {"checkpoint_interval_s": workload.checkpoint_interval_s}
    for name in ("checkpoint", "deadline_slack", "communication"):
        if hasattr(workload, name):
            value = getattr(workload, name)
            common[name] = value.model_dump(mode="json") if hasattr(value, "model_dump") else value
    if jobs_csv is None:
        return {"kind": "poisson", "arrival_rate_per_h": 0.0, **common}
    mapping = {"file": str(jobs_csv), "time_unit_s": 1.0, "submit_column": "submit_s",
               "duration_column": "duration_s", "accelerators_column": "accelerators",
               "priority_column": "priority"}
    if jobs is not None and jobs.trace_id is not None:
        mapping.update(id_column="trace_id", censored={"censored": ["1"]}, estimate_column="estimate_s")
    return {"kind": "trace", **common, "mapping": mapping}


def _local_outages(outages: list, start: int, count: int) -> list:
    """Scripted outages of the satellites in ``start .. start + count - 1``, renumbered from 0
    (``faults.outages.sats`` are /sat/index values)."""
    out = []
    for outage in outages:
        sats = [s - start for s in outage["sats"] if start <= s < start + count]
        if sats:
            out.append({**outage, "sats": sats})
    return out


def shard_scenarios(scenario, plan: ShardPlan, folder: Path) -> list:
    """One scenario per shard (the member's, with its share of the jobs as a trace written into
    ``folder``); the satellites are chosen when the shard runs (:func:`run_selected`)."""
    from twin.config import scenario_from_dict

    folder.mkdir(parents=True, exist_ok=True)
    jobs = full_job_stream(scenario, int(sum(plan.counts)))
    capacity = np.asarray(plan.counts, dtype=np.int64) * scenario.spacecraft.accelerator.count
    dealt = deal_jobs(jobs.n_accelerators, capacity) if len(jobs) else np.zeros(0, np.int64)
    base = scenario.model_dump(mode="json")
    out = []
    for k in range(len(plan)):
        mine = jobs.take(dealt == k)
        csv = None
        if len(mine):
            csv = folder / f"shard-{k:03d}.jobs.csv"
            write_jobs_csv(csv, mine)
        else:
            (folder / f"shard-{k:03d}.jobs.csv").unlink(missing_ok=True)
        data = {**base, "workload": shard_workload(scenario.workload, csv, mine)}
        if isinstance(base.get("faults"), dict) and base["faults"].get("outages"):
            data["faults"] = {**base["faults"], "outages": _local_outages(
                base["faults"]["outages"], plan.starts[k], plan.counts[k])}
        out.append(scenario_from_dict(data, folder, f"shard {k}"))
    return out


# ---------------------------------------------------------------- running a subset
def run_selected(scenario, out_path, start: int, count: int, log):
    """``twin.engine.simulation.run`` of satellites ``start .. start + count - 1`` only."""
    from twin.engine import simulation as engine

    sats = selected_satellites(scenario, start, count)   # only the shells it is in are built
    return engine.run(scenario, out_path, force=True, log=log, satellites=sats)
