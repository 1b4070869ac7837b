"""``twin sweep SWEEP.yaml``: parameter sweeps, Monte Carlo ensembles and sharded runs on Dask.

Each member of the sweep (a grid point x a random sample x a seed, see
:mod:`twin.scaleout.spec`) is one ``twin.engine.simulation.run`` in a worker of a ``LocalCluster`` on
loopback (one single-threaded worker process per core by default), or of the scheduler given
with ``--scheduler tcp://HOST:PORT`` or ``--scheduler-file PATH``; ``--workers 0`` runs the members
one by one in this process, without Dask. Each member writes ``<out>/<member_id>.h5``;
``<out>/summary.csv`` (or ``.parquet``) and ``<out>/summary.h5`` gather every member's parameters,
status, error and ``/summary``. Running the same sweep again reuses complete members and retries failed ones.
With ``shard:``, every member is split into shards that run in parallel and are combined into one
run file (:mod:`twin.scaleout.shard`, :mod:`twin.scaleout.combine`). docs/sweeps.md is the guide.
"""
from __future__ import annotations

import logging
import signal
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from twin.scaleout.spec import Sweep, SweepError, load_sweep, parameter_names  # noqa: F401 (API)

logger = logging.getLogger(__name__)


@dataclass
class SweepResult:
    sweep: Sweep
    out_dir: Path
    frame: object          # pandas DataFrame, one row per member
    tables: list           # paths of summary.csv|parquet and summary.h5
    wall_s: float

    @property
    def n_failed(self) -> int:
        return int((self.frame["status"] != "complete").sum())


# ---------------------------------------------------------------- progress
def _label(member, names: list[str]) -> str:
    short = [n.rsplit(".", 1)[-1] for n in names]
    keys = short if len(set(short)) == len(short) else names
    text = " ".join(f"{k}={member.overrides[n]!r}" if isinstance(member.overrides[n], str)
                    else f"{k}={member.overrides[n]:g}" if isinstance(member.overrides[n], float)
                    else f"{k}={member.overrides[n]}" for k, n in zip(keys, names) if n in member.overrides)
    return f"{member.id} ({text})" if text else member.id


class SweepProgress:
    """Members done, running and failed: a rich line on a terminal, a log line per member
    elsewhere; failed members only when not ``enabled``. Lines go to this module's logger (failures
    as warnings), or to ``log`` (a callable) if given."""

    def __init__(self, total: int, names: list[str], enabled: bool, log=None):
        self.total, self.names, self.enabled = total, names, enabled
        self.log, self.warn = log or logger.info, log or logger.warning
        self.done = self.failed = self.reused = 0
        self.n_running = 0
        self._live = None
        if enabled and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._live = Progress(TextColumn("[bold]twin sweep"), BarColumn(),
                                  TextColumn("{task.fields[counts]}"), TimeElapsedColumn(),
                                  console=Console(stderr=True), transient=False)
            self._live.start()
            self._task = self._live.add_task("sweep", total=total, counts=self._counts())

    def _counts(self) -> str:
        return (f"{self.done}/{self.total} done ({self.reused} reused), {self.n_running} running, "
                f"{self.failed} failed")

    def _refresh(self) -> None:
        if self._live is not None:
            self._live.update(self._task, completed=self.done + self.failed, counts=self._counts())

    def running(self, ids: set) -> None:
        self.n_running = len(ids)
        self._refresh()

    def finished(self, job, result: dict) -> None:
        ok = result["status"] == "complete"
        if ok:
            self.done += 1
            self.reused += bool(result.get("reused"))
        else:
            self.failed += 1
        self.n_running = max(0, self.n_running - 1)
        self._refresh()
        label = _label(job.member, self.names)
        if not ok:
            self.warn(f"member {label} {result['status']}: {result.get('error', '')}")
        elif self.enabled and not result.get("reused"):
            self.log(f"member {label} complete in {result.get('task_wall_s', float('nan')):.1f} s   "
                     f"[{self._counts()}]")

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None


# ---------------------------------------------------------------- the sweep
def _rows(jobs, results: dict) -> list[dict]:
    rows = []
    for job in jobs:
        r = results.get(job.member.id) or {"status": "cancelled", "error": "not run", "summary": None}
        rows.append({"member_id": job.member.id, "status": r["status"], "error": r.get("error", ""),
                     "run_file": job.run_file.name if r["status"] == "complete" else "",
                     "reused": bool(r.get("reused", False)), "task_wall_s": r.get("task_wall_s", float("nan")),
                     "overrides": job.member.overrides, "summary": r.get("summary")})
    return rows


def _table_attrs(sweep: Sweep) -> dict:
    from twin.version import __version__

    spec = sweep.spec
    return {"name": spec.name, "sweep_file": str(sweep.path), "sweep_yaml": sweep.text,
            "base_file": str(sweep.base_path), "base_yaml": sweep.base_path.read_text(),
            "parameters": parameter_names(sweep), "n_members": len(sweep.members),
            "shard_by": spec.shard.by if spec.shard else "", "twin_version": __version__}


def run_sweep(path, out=None, scheduler: str | None = None, workers: int | None = None,
              progress: bool = False, log=None, client=None, scheduler_file=None) -> SweepResult:
    """Run (or complete) the sweep in ``path``; returns the table and where it was written.

    ``client``: an existing ``distributed.Client`` to use (then ``scheduler``,
    ``scheduler_file`` and ``workers`` are ignored); ``scheduler_file``: a Dask scheduler file
    (``dask scheduler --scheduler-file``); ``workers=0``: no Dask, members one by one in this
    process. Messages go to this module's logger, or to ``log`` (a callable) if given.
    Raises SweepError (and other InputError) for a bad sweep file; failed members do not raise.
    """
    from twin.scaleout.cluster import dask_client
    from twin.scaleout.runner import SweepInterrupted, plan_member, run_dask, run_serial
    from twin.output.sweep_table import build_frame, write_tables

    start = time.perf_counter()
    sweep = load_sweep(path)
    out_dir = Path(out) if out else Path("runs") / sweep.spec.name
    out_dir.mkdir(parents=True, exist_ok=True)
    token = f"-{uuid.uuid4().hex[:8]}"
    jobs = [plan_member(sweep, m, out_dir, token) for m in sweep.members]
    names = parameter_names(sweep)
    meter = SweepProgress(len(jobs), names, progress, log)
    interrupted = None
    try:
        if client is not None:
            results = run_dask(jobs, client, meter)
        elif workers == 0:
            results = run_serial(jobs, meter)
        else:
            with dask_client(scheduler, workers, scheduler_file) as own:
                results = run_dask(jobs, own, meter)
    except SweepInterrupted as stop:
        results, interrupted = stop.results, stop
    finally:
        meter.close()
    frame = build_frame(_rows(jobs, results), names)
    tables = write_tables(out_dir, frame, _table_attrs(sweep), sweep.spec.table)
    result = SweepResult(sweep, out_dir, frame, tables, time.perf_counter() - start)
    if interrupted is not None:
        raise KeyboardInterrupt(result)
    return result


def main(args) -> int:
    """The ``twin sweep`` command (``twin.cli.main``): exit 0 if every member completed, 1 if some
    failed, 2 for a bad sweep file, 130 if interrupted (143 by SIGTERM)."""
    from twin.engine.checkpoint import stop_signal

    received = [0]

    def terminate(signum, frame):   # SIGTERM stops a sweep as Ctrl-C does
        received[0] = signum
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        result = run_sweep(args.sweep, args.out, args.scheduler, args.workers, progress=not args.quiet,
                           scheduler_file=getattr(args, "scheduler_file", None))
    except KeyboardInterrupt as stop:
        if stop.args and isinstance(stop.args[0], SweepResult):
            logger.warning(f"sweep interrupted; table of what is done in {stop.args[0].tables[0]}; "
                           f"run it again to go on")
        return 128 + (received[0] or stop_signal() or signal.SIGINT)   # a serial run's own stop
    finally:
        signal.signal(signal.SIGTERM, previous)
    frame = result.frame
    n_ok = int((frame["status"] == "complete").sum())
    n_reused = int(frame["reused"].sum())
    print(f"twin sweep {result.sweep.spec.name}: {len(frame)} member(s), {n_ok} complete "
          f"({n_reused} reused), {result.n_failed} failed, in {result.wall_s:.1f} s")
    for path in result.tables:
        print(path)
    return 1 if result.n_failed else 0
