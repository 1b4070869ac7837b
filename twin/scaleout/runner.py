"""Running a sweep: every member (or shard) is one call of ``twin.engine.simulation.run`` in a worker process.

The parent validates every member's config, decides what is already done, submits the rest as
Dask tasks, shows progress, and writes the summary table. A member whose run file is ``complete``
with the member's ``config_sha256`` is reused; one left ``running`` or ``interrupted`` with a
checkpoint (a sweep that was killed) is resumed; anything else is run afresh. A task never
raises: an error in a member becomes its ``failed`` row, with the error text, and the other
members go on. Run files, base configs and data files must be visible at the same paths to the
parent and to every worker (one machine, or a shared file system for ``--scheduler``).
"""
from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from twin.errors import InputError
from twin.output.hdf5 import FILE_FORMAT
from twin.scaleout.cluster import worker_threads
from twin.scaleout.shard import ShardPlan

_PACKAGE = Path(__file__).resolve().parents[1]   # twin/
POLL_S = 0.25          # how often the parent looks at the futures [s]
RUNNING_POLL_S = 1.0   # how often it asks the scheduler what is running [s]


# ---------------------------------------------------------------- tasks (run in workers)
@dataclass(frozen=True)
class RunTask:
    """One engine run: a member, or one shard of a member (``select = (start, count)``)."""
    key: str
    out_path: str
    config_yaml: str
    base_dir: str
    source: str
    select: tuple | None = None
    attrs: dict = field(default_factory=dict)   # written into the file once complete
    resume: bool = False                        # continue from the file's checkpoint (not shards)


def _where(err: BaseException) -> str:
    """The deepest frame of the traceback inside twin (else the deepest of all), as file:line."""
    frames = traceback.extract_tb(err.__traceback__)
    ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(_PACKAGE)]
    if not frames:
        return ""
    frame = (ours or frames)[-1]
    path = Path(frame.filename).resolve()
    name = path.relative_to(_PACKAGE.parent) if ours else path.name
    return f" (at {name}:{frame.lineno})"


def _error_text(err: BaseException) -> str:
    """One line: the message of bad input as it is; for anything else its type, message and place."""
    if isinstance(err, InputError):
        return "; ".join(line.strip() for line in str(err).splitlines() if line.strip())
    text = " ".join(str(err).split()) or "no message"
    return f"{type(err).__name__}: {text}{_where(err)}"


_NOT_RUN = object()


def execute(task: RunTask) -> dict:
    """Run ``task`` to its file; returns ``{status, error, summary, task_wall_s}`` (never raises)."""
    from twin.engine import simulation as engine
    from twin.config import load_config_text
    from twin.scaleout.shard import run_selected

    start = time.perf_counter()
    lines: list[str] = []
    out = Path(task.out_path)
    result = {"status": "failed", "error": "", "summary": None}
    try:
        scenario = load_config_text(task.config_yaml, Path(task.base_dir), task.source)
        summary = _NOT_RUN
        if task.resume:
            try:
                summary = engine.resume(out, log=lines.append)
            except Exception as err:  # a checkpoint that cannot be used: run it again
                lines.append(f"resume failed ({_error_text(err)}); running from the start")
        if summary is _NOT_RUN:
            summary = (run_selected(scenario, out, *task.select, log=lines.append)
                       if task.select else engine.run(scenario, out, force=True, log=lines.append))
        if summary is None:   # SIGINT/SIGTERM in a serial sweep: checkpointed, resumable
            result.update(status="interrupted", error="interrupted (resumable: run the sweep again)")
        else:
            if task.attrs:
                with h5py.File(out, "r+", libver=FILE_FORMAT) as f:
                    f.attrs.update(task.attrs)
            result.update(status="complete", summary=summary)
    except Exception as err:
        result["error"] = _error_text(err)
    result["task_wall_s"] = time.perf_counter() - start
    return result


@dataclass(frozen=True)
class CombineTask:
    key: str
    out_path: str
    shard_paths: tuple
    plan: ShardPlan
    config_yaml: str
    base_dir: str
    source: str
    jobs_csv: tuple      # per shard: its jobs CSV, or None


def combine_member(task: CombineTask, *shard_results) -> dict:
    """Combine the shards of a member once all are complete; otherwise report which failed."""
    from twin.config import load_config_text
    from twin.scaleout.combine import combine
    from twin.scaleout.shard import read_job_ids

    start = time.perf_counter()
    walls = [r.get("task_wall_s", 0.0) for r in shard_results]
    bad = [(k, r) for k, r in enumerate(shard_results) if r["status"] != "complete"]
    if bad:
        error = "; ".join(f"shard {k}: {r['error'] or r['status']}" for k, r in bad)
        return {"status": "failed", "error": error, "summary": None, "task_wall_s": max(walls)}
    try:
        scenario = load_config_text(task.config_yaml, Path(task.base_dir), task.source)
        job_ids = [read_job_ids(Path(p)) if p else None for p in task.jobs_csv]
        summary = combine(task.out_path, list(task.shard_paths), task.plan, scenario, job_ids)
        return {"status": "complete", "error": "", "summary": summary,
                "task_wall_s": max(walls) + time.perf_counter() - start}
    except Exception as err:
        return {"status": "failed", "error": f"combining shards: {_error_text(err)}", "summary": None,
                "task_wall_s": max(walls)}


# ---------------------------------------------------------------- planning (in the parent)
def file_state(path: Path, sha256: str, plan: ShardPlan | None = None, member_sha: str | None = None) -> str:
    """``missing``, ``complete`` (same config, and the same shard plan if any), ``resumable``
    (same config, stopped with a checkpoint, or killed or failed with one in its partial file)
    or ``stale``."""
    from twin.output.runlock import partial_path

    state = _file_state(path, sha256, plan, member_sha)
    part = partial_path(path)
    if state != "complete" and part.is_file() and _file_state(part, sha256, plan, member_sha) == "resumable":
        return "resumable"   # what --resume continues (twin.engine.checkpoint.resume_source)
    return state


def _file_state(path: Path, sha256: str, plan: ShardPlan | None, member_sha: str | None) -> str:
    from twin.engine.checkpoint import checkpoint_path

    if not path.is_file():
        return "missing"
    from twin.output.h5open import open_swmr

    try:
        with open_swmr(path) as f:   # bounded retries: a damaged file is stale, not a hang
            attrs = dict(f.attrs)
    except (OSError, RuntimeError, ValueError, KeyError):
        return "stale"
    text = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in attrs.items()}
    if text.get("config_sha256") != sha256:
        return "stale"
    if member_sha is not None and text.get("shard_of_config_sha256") != member_sha:
        return "stale"
    if plan is not None and not plan.matches(text):
        return "stale"
    if plan is None and member_sha is None and "shards" in text:
        return "stale"   # a combined file where a plain run is wanted
    status = text.get("status")
    if status == "complete":
        shards = np.atleast_1d(attrs.get("shards", [])).astype(str)
        return "complete" if all((path.parent / s).is_file() for s in shards) else "stale"
    # a shard is marked as one only once complete, so shards are never resumed: run again
    if status in ("running", "interrupted", "failed") and member_sha is None and checkpoint_path(path).is_file():
        return "resumable"
    return "stale"


def read_summary(path: Path) -> dict:
    from twin.output import reader
    from twin.output.h5open import open_swmr

    with open_swmr(path) as f:
        return reader.read_summary(f)


@dataclass
class MemberJob:
    """What the parent does for one member: nothing (reused or invalid), a run, or shards."""
    member: object
    run_file: Path
    result: dict | None = None                   # known without running (reused or invalid)
    task: RunTask | None = None
    shard_tasks: list = field(default_factory=list)    # RunTask or a reused shard's result
    combine: CombineTask | None = None


def plan_member(sweep, member, out_dir: Path, token: str = "") -> MemberJob:
    """What to do for ``member``; ``token`` makes its Dask keys unique to this invocation (a
    key still known to the scheduler from an earlier run would return that run's result)."""
    from twin.config import scenario_from_dict
    from twin.scaleout.shard import plan_shards, shard_scenarios
    from twin.scaleout.spec import member_config

    spec = sweep.spec
    out_dir = out_dir.resolve()   # tasks may run with another working directory
    run_file = out_dir / f"{member.id}.h5"
    job = MemberJob(member, run_file)
    source = "member config"
    try:
        data = member_config(sweep.base, spec, member)
        scenario = scenario_from_dict(data, sweep.base_dir, source)
        plan = plan_shards(scenario, spec.shard.by, spec.shard.n) if spec.shard else None
    except InputError as err:
        job.result = {"status": "failed", "error": _error_text(err), "summary": None, "task_wall_s": 0.0}
        return job
    sha = scenario.sha256()
    if plan is None:
        state = file_state(run_file, sha)
        if state == "complete":
            job.result = {"status": "complete", "error": "", "summary": read_summary(run_file),
                          "task_wall_s": 0.0, "reused": True}
        else:
            job.task = RunTask(f"run-{member.id}{token}", str(run_file), scenario.to_yaml(),
                               str(sweep.base_dir), source, resume=state == "resumable")
        return job
    if file_state(run_file, sha, plan) == "complete":
        job.result = {"status": "complete", "error": "", "summary": read_summary(run_file),
                      "task_wall_s": 0.0, "reused": True}
        return job
    folder = out_dir / f"{member.id}.shards"
    try:
        shards = shard_scenarios(scenario, plan, folder)
    except InputError as err:
        job.result = {"status": "failed", "error": _error_text(err), "summary": None, "task_wall_s": 0.0}
        return job
    paths, csvs = [], []
    for k, (shard, start, count) in enumerate(zip(shards, plan.starts, plan.counts)):
        path = folder / f"shard-{k:03d}.h5"
        paths.append(str(path))
        csv = folder / f"shard-{k:03d}.jobs.csv"
        csvs.append(str(csv) if csv.is_file() else None)
        attrs = {"shard_index": k, "shard_count": len(plan), "shard_of_config_sha256": sha, **plan.as_attrs()}
        state = file_state(path, shard.sha256(), plan, member_sha=sha)
        if state == "complete":
            job.shard_tasks.append({"status": "complete", "error": "", "summary": read_summary(path),
                                    "task_wall_s": 0.0})
        else:
            job.shard_tasks.append(RunTask(f"shard-{member.id}-{k:03d}{token}", str(path), shard.to_yaml(),
                                           str(folder), f"{source} shard {k}", (start, count), attrs))
    job.combine = CombineTask(f"combine-{member.id}{token}", str(run_file), tuple(paths), plan,
                              scenario.to_yaml(), str(sweep.base_dir), source, tuple(csvs))
    return job


# ---------------------------------------------------------------- running
def run_serial(jobs: list[MemberJob], progress) -> dict:
    """Every member in this process, one after the other (``--workers 0``: no Dask)."""
    results = {}
    for i, job in enumerate(jobs):
        if job.result is not None:
            results[job.member.id] = job.result
            progress.finished(job, job.result)
            continue
        progress.running({job.member.id})
        try:
            if job.task is not None:
                result = execute(job.task)
            else:
                shard_results = [execute(t) if isinstance(t, RunTask) else t for t in job.shard_tasks]
                result = combine_member(job.combine, *shard_results)
        except KeyboardInterrupt:
            result = {"status": "interrupted", "error": "sweep interrupted", "summary": None}
        results[job.member.id] = result
        progress.finished(job, result)
        if result["status"] == "interrupted":   # Ctrl-C reached the engine: stop the sweep
            for rest in jobs[i + 1:]:
                results[rest.member.id] = rest.result or {"status": "cancelled", "error": "sweep interrupted",
                                                          "summary": None}
            raise SweepInterrupted(results)
    return results


def _task_keys(job: MemberJob) -> set:
    keys = {job.combine.key} if job.combine else set()
    if job.task is not None:
        keys.add(job.task.key)
    keys |= {t.key for t in job.shard_tasks if isinstance(t, RunTask)}
    return keys


def run_dask(jobs: list[MemberJob], client, progress) -> dict:
    """Members as Dask tasks (a sharded member: its shards, then a combine task)."""
    futures = {}
    results = {}
    for job in jobs:
        if job.result is not None:
            results[job.member.id] = job.result
            progress.finished(job, job.result)
        elif job.task is not None:
            futures[job.member.id] = client.submit(execute, job.task, key=job.task.key, pure=False)
        else:
            parts = [client.submit(execute, t, key=t.key, pure=False) if isinstance(t, RunTask) else t
                     for t in job.shard_tasks]
            futures[job.member.id] = client.submit(combine_member, job.combine, *parts,
                                                   key=job.combine.key, pure=False)
    by_id = {job.member.id: job for job in jobs}
    keys = {mid: _task_keys(by_id[mid]) for mid in futures}
    pending = dict(futures)
    last_running = 0.0
    threads = worker_threads(client)
    try:
        while pending:
            for mid, fut in list(pending.items()):
                if not fut.done():
                    continue
                del pending[mid]
                if fut.status == "finished":
                    result = fut.result()
                else:   # the worker died, or the task was cancelled
                    err = fut.exception() if fut.status == "error" else None
                    result = {"status": "failed", "summary": None, "task_wall_s": float("nan"),
                              "error": _error_text(err) if err is not None else f"task {fut.status}"}
                results[mid] = result
                progress.finished(by_id[mid], result)
            now = time.monotonic()
            if pending and now - last_running >= RUNNING_POLL_S:
                last_running = now
                # tasks the scheduler has sent to workers; a worker may hold one more than it
                # runs (Dask's worker-saturation), so no more than its threads count as running
                busy = {k for tasks in client.processing().values() for k in tasks}
                running = [mid for mid in pending if keys[mid] & busy]
                progress.running(set(running[:threads]))
            if pending:
                time.sleep(POLL_S)
    except KeyboardInterrupt:
        for fut in pending.values():
            fut.cancel()
        for mid in pending:
            results[mid] = {"status": "cancelled", "error": "sweep interrupted", "summary": None,
                            "task_wall_s": float("nan")}
        raise SweepInterrupted(results) from None
    return results


class SweepInterrupted(Exception):
    """Ctrl-C during a sweep; carries the results so far (the rest ``cancelled``)."""

    def __init__(self, results: dict):
        super().__init__("sweep interrupted")
        self.results = results
