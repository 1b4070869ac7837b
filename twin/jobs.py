"""The job book: queue, running jobs and their placements, completions, and the /jobs rows.

Decisions are made in Python (:mod:`twin.scheduling`); progress and energy of all running jobs
are advanced by one numba call (:func:`twin.kernels.jobs.advance_jobs`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from twin.constants import J_PER_WH
from twin.kernels.jobs import advance_jobs
from twin.output.schema import JOB_DTYPE
from twin.workload import JobSpec


@dataclass
class Job:
    spec: JobSpec
    remaining_accel_s: float
    start_s: float = np.nan
    end_s: float = np.nan
    status: str = "queued"
    energy_j: float = 0.0
    preemptions: int = 0
    placement: list = field(default_factory=list)   # [(node, accelerators)]
    reason: str = ""

    @property
    def n_accelerators(self) -> int:
        return self.spec.n_accelerators

    def row(self) -> tuple:
        s = self.spec
        first = self.placement[0][0] if self.placement else -1
        return (s.job_id, s.submit_s, self.start_s, self.end_s, s.n_accelerators, s.work_accel_s,
                first, self.status, self.energy_j / J_PER_WH, self.preemptions, s.priority)


class JobBook:
    def __init__(self, n_nodes: int, accel_per_node: int, policy, idle_w: float, peak_w: float):
        self.free = np.full(n_nodes, accel_per_node, dtype=np.int64)
        self.capacity = n_nodes * accel_per_node
        self.policy = policy
        self.idle_w, self.peak_w = idle_w, peak_w
        self.queue: list[Job] = []
        self.running: list[Job] = []
        self.done: list[Job] = []           # completed or rejected, not yet written
        self.busy = np.zeros(n_nodes)
        self.work_done_accel_s = 0.0
        self.waits: list[float] = []
        self.slowdowns: list[float] = []
        self.counts = {"submitted": 0, "completed": 0, "rejected": 0}
        self._csr = None

    # ------------------------------------------------------------ events
    def submit(self, spec: JobSpec) -> None:
        self.counts["submitted"] += 1
        self.queue.append(Job(spec, spec.work_accel_s))

    def dispatch(self, now_s: float, view) -> None:
        """Reject what can never fit, then let the policy place jobs submitted before ``now_s``.

        Jobs submitted exactly at ``now_s`` wait for the next epoch, so that the outcome never
        depends on the order of equal-time events (and a resumed run equals an uninterrupted one).
        """
        eligible = 0
        while eligible < len(self.queue) and self.queue[eligible].spec.submit_s < now_s:
            eligible += 1
        if not eligible:
            return
        rejected = [j for j in self.queue[:eligible] if j.n_accelerators > self.capacity]
        for job in rejected:
            job.status = "rejected"
            job.reason = f"needs {job.n_accelerators} accelerators, the constellation has {self.capacity}"
            self.counts["rejected"] += 1
            self.done.append(job)
        if rejected:
            self.queue = [j for j in self.queue if j.status != "rejected"]
            eligible -= len(rejected)
        started = self.policy(self.queue[:eligible], self.free, view)
        if not started:
            return
        ids = set()
        for job, placement in started:
            for node, count in placement:
                self.free[node] -= count
                self.busy[node] += count
            job.placement, job.start_s, job.status = placement, now_s, "running"
            self.waits.append(now_s - job.spec.submit_s)
            self.running.append(job)
            ids.add(id(job))
        self.queue = [j for j in self.queue if id(j) not in ids]
        self._csr = None

    def advance(self, rate_kn: np.ndarray, t0_s: float, dt_s: float) -> None:
        """Progress running jobs through a block of steps; finish those whose work ran out."""
        if not self.running:
            return
        if self._csr is None:
            ptr = np.zeros(len(self.running) + 1, dtype=np.int64)
            nodes, accels = [], []
            for j, job in enumerate(self.running):
                ptr[j + 1] = ptr[j] + len(job.placement)
                nodes += [n for n, _ in job.placement]
                accels += [a for _, a in job.placement]
            n_acc = np.array([job.n_accelerators for job in self.running], dtype=np.float64)
            self._csr = (ptr, np.array(nodes, dtype=np.int64), np.array(accels, dtype=np.float64), n_acc)
        ptr, nodes, accels, n_acc = self._csr
        remaining = np.array([job.remaining_accel_s for job in self.running])
        energy = np.array([job.energy_j for job in self.running])
        done_s = np.full(len(self.running), -1.0)
        before = remaining.sum()
        advance_jobs(rate_kn, t0_s, dt_s, ptr, nodes, accels, n_acc, remaining, energy, done_s,
                     self.idle_w, self.peak_w)
        self.work_done_accel_s += before - remaining.sum()
        finished = False
        for job, rem, e, t in zip(self.running, remaining, energy, done_s):
            job.remaining_accel_s, job.energy_j = float(rem), float(e)
            if t >= 0.0:
                job.end_s, job.status = float(t), "completed"
                for node, count in job.placement:
                    self.free[node] += count
                    self.busy[node] -= count
                self.counts["completed"] += 1
                self.slowdowns.append((job.end_s - job.spec.submit_s) /
                                      max(job.spec.work_accel_s / job.n_accelerators, 1e-9))
                self.done.append(job)
                finished = True
        if finished:
            self.running = [j for j in self.running if j.status == "running"]
            self._csr = None

    # ------------------------------------------------------------ output
    def take_rows(self) -> np.ndarray:
        rows = np.array([j.row() for j in self.done], dtype=JOB_DTYPE)
        self.done.clear()
        return rows

    def final_rows(self) -> np.ndarray:
        """Rows of the jobs still running or queued at the end of the run."""
        rows = [j.row() for j in self.done] + [j.row() for j in self.running] + [j.row() for j in self.queue]
        self.done.clear()
        return np.array(rows, dtype=JOB_DTYPE)
