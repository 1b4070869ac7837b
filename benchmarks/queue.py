"""What a saturated queue costs (issue 25, point 6): one dispatch against the length of the queue of
jobs that cannot start, and a whole saturated run.

``dispatch_cost``: a job book of one satellite (4 accelerators, all held by a long job) with N
jobs of 2 or 4 accelerators waiting behind it, under fifo and priority; each dispatch follows the
arrival of a job too large for the constellation (rejected), as in the default workload on one
satellite. Reports the CPU time per dispatch and the jobs the policy examined. Seconds.

``saturated_run``: configs/default.yaml on one satellite (the default workload, 8 jobs/h, offers
that satellite ~25 times what it can run) for ``days``; the queue grows to tens of thousands. A
year is minutes: the full suite only (``python -m benchmarks --full``), or
``python -m benchmarks.queue --days 365``.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks.common import DEFAULT_CONFIG

ONE_SATELLITE = ["constellation.0.planes=1", "constellation.0.sats_per_plane=1", "constellation.0.phasing=0"]


def _book(policy_name: str, n_queued: int):
    from twin.ops.jobs import JobBook
    from twin.ops.scheduling import Fifo, PriorityBackfill
    from twin.ops.workload import JobSpec

    policy = {"fifo": Fifo, "priority": PriorityBackfill}[policy_name]()
    book = JobBook(1, 4, policy, 80.0, 700.0)
    book.submit(JobSpec(0, 0.0, 1e9, 4))
    book.dispatch(60.0, None)
    for i in range(1, n_queued + 1):
        n = 2 if i % 2 else 4
        book.submit(JobSpec(i, 60.0 + i * 1e-3, 3600.0 * n, n))
    return book, policy


def dispatch_cost(lengths=(100, 10_000, 70_000), dispatches: int = 200) -> list[dict]:
    """CPU time per dispatch [µs] and jobs examined, by queue length and policy."""
    from twin.ops.workload import JobSpec

    rows = []
    for policy_name in ("fifo", "priority"):
        for n in lengths:
            book, policy = _book(policy_name, n)
            t0 = time.process_time()
            for k in range(dispatches):
                now = 600.0 + 60.0 * k
                book.submit(JobSpec(10**7 + k, now - 30.0, 8 * 3600.0, 8))   # too large: rejected
                book.dispatch(now, None)
            cpu = time.process_time() - t0
            rows.append({"policy": policy_name, "queued": n, "us_per_dispatch": 1e6 * cpu / dispatches,
                         "examined": getattr(policy, "examined", None), "rejected": book.counts["rejected"]})
    return rows


def saturated_run(days: float, out_dir=".", policy: str = "fifo") -> dict:
    """Wall and CPU time of configs/default.yaml on one satellite for ``days``."""
    from twin.config import load_config
    from twin.engine.simulation import run

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    scenario = load_config(DEFAULT_CONFIG, ONE_SATELLITE + [f"simulation.duration_s={int(days * 86400)}",
                                                            f"scheduler.policy={policy}"])
    path = out / "queue_saturated.h5"
    t0, c0 = time.perf_counter(), time.process_time()
    summary = run(scenario, path, force=True, log=lambda message: None)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    path.unlink(missing_ok=True)
    return {"days": days, "policy": policy, "wall_s": wall, "cpu_s": cpu,
            "jobs_submitted": summary["jobs_submitted"], "jobs_queued_at_end": summary["jobs_queued_at_end"],
            "jobs_rejected": summary["jobs_rejected"], "jobs_completed": summary["jobs_completed"]}


def run_all(days: float = 365.0, out_dir=".") -> dict:
    return {"dispatch": dispatch_cost(), "run": saturated_run(days, out_dir)}


def lines(result: dict) -> list[str]:
    """The suite's table lines for this experiment."""
    out = []
    for r in result["dispatch"]:
        out.append(f"  dispatch, {r['policy']}, {r['queued']:,} queued jobs that cannot start: "
                   f"{r['us_per_dispatch']:.0f} µs CPU, {r['examined']} examined")
    r = result["run"]
    out.append(f"  one satellite, default workload, {r['days']:g} d: {r['wall_s']:.0f} s wall "
               f"({r['cpu_s']:.0f} s CPU), {r['jobs_queued_at_end']:,} queued at the end")
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.queue", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=365.0, help="simulated span of the saturated run [d]")
    parser.add_argument("--out", default="benchmarks/out/work", help="folder for the run file (deleted after)")
    args = parser.parse_args()
    result = run_all(args.days, args.out)
    print("\n".join(lines(result)))
    print(json.dumps(result, indent=1))
