"""The job book: queue, running jobs and their placements, completions, and the /jobs rows.

Decisions are made in Python (:mod:`twin.scheduling`); progress, checkpoints and energy of all
running jobs are advanced by one numba call (:func:`twin.kernels.jobs.advance_jobs`).

Life of a job: queued -> running -> completed, or rejected (with a reason) when it can never
run: more accelerators than the constellation has, or a deadline it can no longer meet. A
running job that is preempted, or whose node fails, rolls back to its last checkpoint (the work
since then is lost, counted in ``lost_accel_s``) and goes back to the queue at its arrival
position; a migrated job checkpoints first, so it loses only the migration cost.
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

import numpy as np

from twin.constants import J_PER_WH
from twin.kernels import layout as L
from twin.kernels.jobs import advance_jobs
from twin.output.schema import JOB_DTYPE
from twin.scheduling import NodeView
from twin.workload import JobSpec


@dataclass
class Job:
    spec: JobSpec
    remaining_accel_s: float
    start_s: float = np.nan          # first start [s]
    end_s: float = np.nan
    status: str = "queued"
    energy_j: float = 0.0
    preemptions: int = 0             # interruptions that rolled it back (preemption or failure)
    migrations: int = 0
    placement: list = field(default_factory=list)   # [(node, accelerators)]
    reason: str = ""
    first_sat: int = -1
    run_start_s: float = np.nan      # start of the present run [s]
    checkpoint_work_accel_s: float = 0.0   # work done at the last checkpoint [accelerator-s]
    since_checkpoint_s: float = 0.0  # time held since the last checkpoint [s]
    stall_s: float = 0.0             # progress-free time still to serve (migration) [s]
    lost_accel_s: float = 0.0        # work lost to rollbacks [accelerator-s]

    @property
    def n_accelerators(self) -> int:
        return self.spec.n_accelerators

    @property
    def done_accel_s(self) -> float:
        return self.spec.work_accel_s - self.remaining_accel_s

    def row(self, peak_flops: float) -> tuple:
        s = self.spec
        wait = self.start_s - s.submit_s
        slowdown = (self.end_s - s.submit_s) / max(s.work_accel_s / s.n_accelerators, 1e-9)
        return (s.job_id, s.submit_s, self.start_s, self.end_s, s.n_accelerators, s.work_accel_s,
                self.first_sat, self.status, self.energy_j / J_PER_WH, self.preemptions, s.priority,
                s.deadline_s, wait, slowdown, self.done_accel_s * peak_flops, self.migrations,
                self.lost_accel_s, self.reason)


def _queue_key(job: Job) -> tuple:
    return (job.spec.submit_s, job.spec.job_id)


class JobBook:
    """Jobs of a run and the accelerators they hold.

    Parameters: ``n_nodes``, ``accel_per_node`` [1]; ``policy`` (see :mod:`twin.scheduling`);
    ``idle_w``, ``peak_w`` per accelerator [W]; ``peak_flops`` per accelerator [FLOP/s];
    ``migration_cost_s`` [s] of lost progress per migration.
    """

    def __init__(self, n_nodes: int, accel_per_node: int, policy, idle_w: float, peak_w: float,
                 peak_flops: float = 0.0, migration_cost_s: float = 0.0):
        self.free = np.full(n_nodes, accel_per_node, dtype=np.int64)
        self.down = np.zeros(n_nodes, dtype=bool)
        self.capacity = n_nodes * accel_per_node
        self.policy = policy
        self.idle_w, self.peak_w, self.peak_flops = idle_w, peak_w, peak_flops
        self.migration_cost_s = migration_cost_s
        self.queue: list[Job] = []          # by (submit_s, job_id)
        self.running: list[Job] = []
        self.done: list[Job] = []           # completed or rejected, not yet written
        self.busy = np.zeros(n_nodes)
        self.work_done_accel_s = 0.0        # progress, including work later rolled back
        self.work_lost_accel_s = 0.0
        self.waits: list[float] = []
        self.slowdowns: list[float] = []
        self.energies_wh: list[float] = []  # of completed jobs
        self.counts = {"submitted": 0, "completed": 0, "rejected": 0, "preemptions": 0,
                       "rollbacks": 0, "migrations": 0, "deadline_missed": 0}
        self.events: list[tuple] = []       # (time_s, sat, kind, value) for /events
        self._csr = None

    # ------------------------------------------------------------ events
    def submit(self, spec: JobSpec) -> None:
        self.counts["submitted"] += 1
        self.queue.append(Job(spec, spec.work_accel_s))

    def available(self) -> np.ndarray:
        """Free accelerators per node as policies see them: none on failed nodes."""
        return np.where(self.down, 0, self.free)

    def dispatch(self, now_s: float, view) -> None:
        """Reject what can never run, let the policy revise running jobs, then place jobs
        submitted before ``now_s``. ``view`` is a :class:`NodeView`, None, or a function that
        returns one (called only if the policy has something to decide and looks at nodes).

        Jobs submitted exactly at ``now_s`` wait for the next epoch, so that the outcome never
        depends on the order of equal-time events (and a resumed run equals an uninterrupted one).
        """
        self._reject(now_s)
        revise = getattr(self.policy, "revise", None)
        if not self.queue and (revise is None or not self.running):
            return
        if callable(view):   # the engine's Simulation.view: only built when the policy looks
            view = view() if getattr(self.policy, "uses_view", True) else None
        view = (view if view is not None else NodeView())._replace(now_s=now_s, running=tuple(self.running))
        if revise is not None and self.running:
            actions = revise(self.queue[:self._eligible(now_s)], self.available(), view)
            for action in actions:
                if action[0] == "preempt":
                    self._interrupt(action[1], now_s, L.EVENT_PREEMPTION, action[1].placement[0][0])
                else:
                    self._migrate(action[1], action[2], now_s)
            if actions:
                view = view._replace(running=tuple(self.running))
        eligible = self._eligible(now_s)
        if not eligible:
            return
        place = getattr(self.policy, "place", self.policy)
        started = place(self.queue[:eligible], self.available(), view)
        if not started:
            return
        ids = set()
        for job, placement in started:
            self._hold(job, placement)
            if math.isnan(job.start_s):
                job.start_s, job.first_sat = now_s, placement[0][0]
                self.waits.append(now_s - job.spec.submit_s)
            job.run_start_s, job.status = now_s, "running"
            self.running.append(job)
            ids.add(id(job))
        self.queue = [j for j in self.queue if id(j) not in ids]

    def _eligible(self, now_s: float) -> int:
        n = 0
        while n < len(self.queue) and self.queue[n].spec.submit_s < now_s:
            n += 1
        return n

    def _reject(self, now_s: float) -> None:
        rejected = []
        for job in self.queue[:self._eligible(now_s)]:
            if job.n_accelerators > self.capacity:
                job.reason = "too_many_accelerators"
            elif now_s + job.remaining_accel_s / job.n_accelerators > job.spec.deadline_s:
                job.reason = "deadline_unreachable"
            else:
                continue
            job.status = "rejected"
            self.counts["rejected"] += 1
            rejected.append(job)
        if rejected:
            self.done += rejected
            self.queue = [j for j in self.queue if j.status != "rejected"]

    def _hold(self, job: Job, placement) -> None:
        for node, count in placement:
            self.free[node] -= count
            self.busy[node] += count
        job.placement = placement
        self._csr = None

    def _release(self, job: Job) -> None:
        for node, count in job.placement:
            self.free[node] += count
            self.busy[node] -= count
        job.placement = []
        self._csr = None

    def _interrupt(self, job: Job, now_s: float, kind: int, sat: int) -> None:
        """Roll a running job back to its last checkpoint and requeue it at its arrival position."""
        lost = job.done_accel_s - job.checkpoint_work_accel_s
        job.lost_accel_s += lost
        self.work_lost_accel_s += lost
        job.remaining_accel_s = job.spec.work_accel_s - job.checkpoint_work_accel_s
        job.since_checkpoint_s = job.stall_s = 0.0
        job.preemptions += 1
        job.status = "queued"
        self.counts["preemptions" if kind == L.EVENT_PREEMPTION else "rollbacks"] += 1
        self.events.append((now_s, sat, kind, float(job.spec.job_id)))
        self._release(job)
        self.running = [j for j in self.running if j is not job]
        bisect.insort(self.queue, job, key=_queue_key)

    def _migrate(self, job: Job, placement, now_s: float) -> None:
        """Checkpoint now and move to ``placement``; the job stalls for the migration cost."""
        self.events.append((now_s, job.placement[0][0], L.EVENT_MIGRATION, float(job.spec.job_id)))
        job.checkpoint_work_accel_s = job.done_accel_s
        job.since_checkpoint_s = 0.0
        job.stall_s = self.migration_cost_s
        job.migrations += 1
        self.counts["migrations"] += 1
        self._release(job)
        self._hold(job, placement)

    def fail_nodes(self, nodes, now_s: float) -> None:
        """Nodes go down: every job with a member on one of them rolls back and is requeued."""
        nodes = [int(n) for n in nodes]
        self.down[nodes] = True
        hit = set(nodes)
        for job in list(self.running):
            members = [node for node, _ in job.placement if node in hit]
            if members:
                self._interrupt(job, now_s, L.EVENT_ROLLBACK, members[0])

    def restore_nodes(self, nodes) -> None:
        self.down[[int(n) for n in nodes]] = False

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
            work = np.array([job.spec.work_accel_s for job in self.running])
            interval = np.array([job.spec.checkpoint_interval_s for job in self.running])
            self._csr = (ptr, np.array(nodes, dtype=np.int64), np.array(accels, dtype=np.float64),
                         n_acc, work, interval)
        ptr, nodes, accels, n_acc, work, interval = self._csr
        running = self.running
        remaining = np.array([job.remaining_accel_s for job in running])
        energy = np.array([job.energy_j for job in running])
        since = np.array([job.since_checkpoint_s for job in running])
        ckpt = np.array([job.checkpoint_work_accel_s for job in running])
        stall = np.array([job.stall_s for job in running])
        done_s = np.full(len(running), -1.0)
        before = remaining.sum()
        advance_jobs(rate_kn, t0_s, dt_s, ptr, nodes, accels, n_acc, remaining, energy, done_s,
                     self.idle_w, self.peak_w, work, interval, since, ckpt, stall)
        self.work_done_accel_s += before - remaining.sum()
        finished = False
        for j, job in enumerate(running):
            job.remaining_accel_s, job.energy_j = float(remaining[j]), float(energy[j])
            job.since_checkpoint_s, job.checkpoint_work_accel_s = float(since[j]), float(ckpt[j])
            job.stall_s = float(stall[j])
            if done_s[j] >= 0.0:
                self._complete(job, float(done_s[j]))
                finished = True
        if finished:
            self.running = [j for j in self.running if j.status == "running"]

    def _complete(self, job: Job, end_s: float) -> None:
        job.end_s, job.status = end_s, "completed"
        self._release(job)
        self.counts["completed"] += 1
        if end_s > job.spec.deadline_s:
            self.counts["deadline_missed"] += 1
        self.slowdowns.append((end_s - job.spec.submit_s) / max(job.spec.work_accel_s / job.n_accelerators, 1e-9))
        self.energies_wh.append(job.energy_j / J_PER_WH)
        self.done.append(job)

    def take_events(self) -> list[tuple]:
        events, self.events = self.events, []
        return events

    # ------------------------------------------------------------ output
    def take_rows(self) -> np.ndarray:
        rows = np.array([j.row(self.peak_flops) for j in self.done], dtype=JOB_DTYPE)
        self.done.clear()
        return rows

    def final_rows(self) -> np.ndarray:
        """Rows of the jobs still running or queued at the end of the run."""
        jobs = self.done + self.running + self.queue
        self.done.clear()
        return np.array([j.row(self.peak_flops) for j in jobs], dtype=JOB_DTYPE)

    def metrics(self) -> dict:
        """Job totals for ``/summary``."""
        waits = np.asarray(self.waits) if self.waits else np.array([np.nan])
        slow = np.asarray(self.slowdowns) if self.slowdowns else np.array([np.nan])
        energy = np.asarray(self.energies_wh) if self.energies_wh else np.array([np.nan])
        c = self.counts
        return {
            "jobs_submitted": c["submitted"], "jobs_completed": c["completed"],
            "jobs_rejected": c["rejected"], "jobs_running_at_end": len(self.running),
            "jobs_queued_at_end": len(self.queue), "jobs_deadline_missed": c["deadline_missed"],
            "preemptions": c["preemptions"], "rollbacks": c["rollbacks"], "migrations": c["migrations"],
            "work_progress_accel_h": self.work_done_accel_s / 3600.0,
            "work_lost_accel_h": self.work_lost_accel_s / 3600.0,
            "work_delivered_accel_h": (self.work_done_accel_s - self.work_lost_accel_s) / 3600.0,
            "flop_delivered": (self.work_done_accel_s - self.work_lost_accel_s) * self.peak_flops,
            "wait_mean_s": float(np.mean(waits)), "wait_p50_s": float(np.percentile(waits, 50)),
            "wait_p95_s": float(np.percentile(waits, 95)), "wait_p99_s": float(np.percentile(waits, 99)),
            "slowdown_mean": float(np.mean(slow)), "slowdown_p50": float(np.percentile(slow, 50)),
            "slowdown_p95": float(np.percentile(slow, 95)),
            "energy_per_job_wh": float(np.mean(energy)),
        }
