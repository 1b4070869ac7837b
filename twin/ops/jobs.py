"""The job book: queue, running jobs and their placements, completions, and the /jobs rows.

Decisions are made in Python (:mod:`twin.ops.scheduling`); progress, checkpoints and energy of all
running jobs are advanced by one numba call (:func:`twin.kernels.jobs.advance_jobs`) on arrays
the book keeps from tick to tick (:class:`twin.ops.job.JobSlots`), so that a tick costs Python time only for
the jobs that start, stop or move.

Life of a job: queued -> running -> completed, or rejected (with a reason) when it can never
run: more accelerators than the constellation has, or a deadline it can no longer meet. A
running job that is preempted, or whose node fails, rolls back to its last checkpoint (the work
since then is lost, counted in ``lost_accel_s``) and goes back to the queue at its arrival
position; a migrated job checkpoints first, so it loses only the migration cost.
"""
from __future__ import annotations

import bisect
import heapq
import math
from array import array

import numpy as np

from twin.constants import J_PER_WH, SECONDS_PER_HOUR
from twin.kernels import layout as L
from twin.kernels.jobs import advance_jobs
from twin.output.schema import JOB_DTYPE
from twin.ops.scheduling import NodeView
from twin.ops.job import Job, JobSlots
from twin.ops.queue_index import DemandIndex, Eligible, pack_queue, queue_key as _queue_key, remove_jobs, \
    unpack_queue
from twin.ops.trace_summary import trace_replay
from twin.ops.workload import JobSpec

# advance_jobs's communication arguments in a run without links (twin.links.network.kernel_args)
NO_COMMUNICATION = (None, None, None, None, None, None, 1.0, 0.0, 1.0)
NO_ROWS = np.empty(0, dtype=JOB_DTYPE)
NO_ROWS.flags.writeable = False


def _submit_s(job: Job) -> float:
    return job.spec.submit_s


class JobBook:
    """Jobs of a run and the accelerators they hold.

    Parameters: ``n_nodes``, ``accel_per_node`` [1]; ``policy`` (see :mod:`twin.ops.scheduling`);
    ``idle_w``, ``peak_w`` per accelerator [W]; ``peak_flops`` per accelerator [FLOP/s];
    ``migration_cost_s`` [s] of lost progress per migration; ``costs``: what checkpoints,
    restores and migrations cost (:class:`twin.ops.checkpoints.CheckpointCosts`; None: free, and
    migrations cost ``migration_cost_s``).
    """

    trace = None   # a trace run's twin.ops.trace_summary.TraceReplay (:meth:`replay`)
    trace_estimate_s = None   # a trace run's user runtime estimates by job_id [s], NaN where none

    def __init__(self, n_nodes: int, accel_per_node: int, policy, idle_w: float, peak_w: float,
                 peak_flops: float = 0.0, migration_cost_s: float = 0.0, costs=None):
        self.free = np.full(n_nodes, accel_per_node, dtype=np.int64)
        self.accel_per_node = accel_per_node
        self.down = np.zeros(n_nodes, dtype=bool)
        self.capacity = n_nodes * accel_per_node
        # (time [s] no queued job can be rejected before, sequence, job): the queued jobs that may
        # become rejectable, soonest first, so that a long queue costs nothing per epoch
        self._reject_due: list[tuple[float, int, Job]] = []
        self._reject_seq = 0
        self.policy = policy
        self.idle_w, self.peak_w, self.peak_flops = idle_w, peak_w, peak_flops
        self.migration_cost_s = migration_cost_s
        self.costs = costs
        self.queue: list[Job] = []          # by (submit_s, job_id)
        self.demand = DemandIndex()         # the same jobs by accelerators and priority (backfilling)
        self.slots = JobSlots()
        self._running: dict[int, Job] = {}  # by slot, in start order
        self._active = np.zeros(0, dtype=np.int64)   # their slots, in the same order
        self.done: list[Job] = []           # completed or rejected, not yet written
        self.busy = np.zeros(n_nodes)
        self.work_done_accel_s = 0.0        # progress, including work later rolled back
        self.work_lost_accel_s = 0.0
        # work rolled back since the last record, per node [accelerator-s]: by a fault (row 0) or by
        # the policy's preemption (row 1); the engine moves it from delivered to those causes
        self.lost_by_node = np.zeros((2, n_nodes))
        self.lost_pending = False
        # per-job statistics for /summary, packed (8 bytes a value; a list holds 32-byte floats)
        self.waits = array("d")             # [s]
        self.slowdowns = array("d")         # [1]
        self.energies_wh = array("d")       # of completed jobs [Wh]
        self.counts = {"submitted": 0, "completed": 0, "rejected": 0, "preemptions": 0,
                       "rollbacks": 0, "migrations": 0, "deadline_missed": 0, "completed_corrupt": 0}
        self.events: list[tuple] = []       # (time_s, sat, kind, value) for /events
        self.links = None                   # the run's twin.links.network.LinkNetwork, if it has links

    def replay(self, trace, until_s: float) -> None:
        """The run replays ``trace`` (a :class:`twin.ops.trace.TraceJobs`, or None) up to ``until_s``:
        its job ids and censored flags go to /jobs, its row accounting to /summary (and the log),
        and its censored jobs stay out of the slowdown and energy-per-job statistics; its user runtime
        estimates (``estimate_column``) are the jobs' estimates (:meth:`submit`)."""
        self.trace = trace_replay(trace, until_s)
        if trace is not None and np.isfinite(trace.estimate_s).any():
            self.trace_estimate_s = trace.estimate_s[:len(self.trace.censored)]   # as TraceReplay: job_id 0, 1, …

    def _censored(self, job: Job) -> bool:
        return self.trace is not None and self.trace.is_censored(job.spec.job_id)

    @property
    def running(self) -> list[Job]:
        """The running jobs, in the order they started."""
        return list(self._running.values())

    # ------------------------------------------------------------ events
    def estimate_s(self, spec: JobSpec) -> float:
        """The runtime estimate [s] EASY backfilling plans ``spec`` with: its trace's own, else its
        runtime at full rate on all its accelerators times the policy's ``runtime_overestimate``."""
        if self.trace_estimate_s is not None:
            own = float(self.trace_estimate_s[spec.job_id])
            if not math.isnan(own):
                return own
        factor = getattr(getattr(self.policy, "params", None), "runtime_overestimate", 1.0)
        return spec.work_accel_s / spec.n_accelerators * factor

    def submit(self, spec: JobSpec) -> None:
        self.counts["submitted"] += 1
        job = Job(spec, spec.work_accel_s, self.estimate_s(spec))
        self.queue.append(job)
        self.demand.add(job)
        self._watch(job)

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
        eclipse = self.costs is not None and self.costs.before_eclipse and bool(self._running)
        if not self.queue and (revise is None or not self._running) and not eclipse:
            return
        eclipse_view = view
        if callable(view):   # the engine's Simulation.view: only built when someone looks, once
            looks = getattr(self.policy, "uses_view", True)
            eclipse_view = view() if looks or eclipse else None
            view = eclipse_view if looks else None
        running = tuple(self._running.values())
        view = (view if view is not None else NodeView())._replace(now_s=now_s, running=running, links=self.links)
        if revise is not None and self._running:
            actions = revise(self._waiting(now_s), self.available(), view)
            for action in actions:
                if action[0] == "preempt":
                    self._interrupt(action[1], now_s, L.EVENT_PREEMPTION, action[1].placement[0][0])
                else:
                    self._migrate(action[1], action[2], now_s)
            if actions:
                view = view._replace(running=tuple(self._running.values()))
        if eclipse:   # after migrations: a moved job has just checkpointed
            self.costs.checkpoint_before_eclipse(list(self._running.values()), eclipse_view, now_s)
        waiting = self._waiting(now_s)
        if not waiting:
            return
        place = getattr(self.policy, "place", self.policy)
        started = place(waiting, self.available(), view)
        if not started:
            return
        slots = []
        for job, placement in started:
            slots.append(self._start(job, placement))
            if math.isnan(job.start_s):
                job.start_s, job.first_sat = now_s, placement[0][0]
                self.waits.append(now_s - job.spec.submit_s)
            job.run_start_s, job.status = now_s, "running"
        self._active = np.concatenate((self._active, np.array(slots, dtype=np.int64)))
        self._dequeue([job for job, _ in started])

    def _eligible(self, now_s: float) -> int:
        """Number of queued jobs submitted before ``now_s`` (the queue is in arrival order)."""
        return bisect.bisect_left(self.queue, now_s, key=_submit_s)

    def _waiting(self, now_s: float) -> Eligible:
        """The queued jobs a policy sees at ``now_s``: those submitted before it, in arrival order
        (a view of the queue, with its index by demand: twin.ops.queue_index)."""
        return Eligible(self.queue, self._eligible(now_s), self.demand, now_s)

    def _dequeue(self, jobs) -> None:
        """Take ``jobs`` out of the queue and its index."""
        remove_jobs(self.queue, jobs)
        for job in jobs:
            self.demand.remove(job)

    def __getstate__(self) -> dict:
        # the queue packed (twin.ops.queue_index.pack_queue); its index and the rejection heap
        # are made again from it on restore
        state = {k: v for k, v in self.__dict__.items() if k not in ("demand", "_reject_due")}
        return {**state, "queue": pack_queue(self.queue)}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, queue=unpack_queue(state["queue"]), demand=DemandIndex(), _reject_due=[])
        for job in self.queue:
            self.demand.add(job)
            self._watch(job)

    def _rejectable_from_s(self, job: Job) -> float:
        """A time [s] no later than the first dispatch that could reject ``job`` while it waits
        (its remaining work does not change in the queue), with a margin for rounding."""
        if job.n_accelerators > self.capacity or self._links_too_slow(job):
            return job.spec.submit_s
        if math.isnan(job.spec.deadline_s):
            return math.inf
        latest_start = job.spec.deadline_s - job.remaining_accel_s / job.n_accelerators
        return latest_start - 1e-6 * (abs(latest_start) + 1.0)

    def _links_too_slow(self, job: Job) -> bool:
        """Under link-aware placement: a gang whose links could not carry it at the policy's
        ``min_link_efficiency`` even alone on the fastest link the terminal makes (it would wait
        for ever)."""
        params = getattr(self.policy, "params", None)
        if self.links is None or params is None or not params.link_aware:
            return False
        return self.links.best_efficiency(job.n_accelerators, self.accel_per_node) < params.min_link_efficiency

    def _watch(self, job: Job) -> None:
        """Check ``job`` for rejection from the earliest time it could be rejected (none: never)."""
        from_s = self._rejectable_from_s(job)
        if from_s < math.inf:
            heapq.heappush(self._reject_due, (from_s, self._reject_seq, job))
            self._reject_seq += 1

    def _reject_reason(self, job: Job, now_s: float) -> str:
        """Why ``job`` can never run if it has not started by ``now_s`` ("": it still may)."""
        if job.n_accelerators > self.capacity:
            return "too_many_accelerators"
        if self._links_too_slow(job):
            return "links_too_slow"
        if now_s + job.remaining_accel_s / job.n_accelerators > job.spec.deadline_s:
            return "deadline_unreachable"
        return ""

    def _reject(self, now_s: float) -> None:
        """Reject what can never run, in queue order. Only the jobs that could have become
        rejectable by ``now_s`` are looked at (:meth:`_watch`): a long queue costs nothing per
        epoch, and a job too large for the constellation costs one look, not one scan of the
        queue. A job not rejected yet (submitted at ``now_s``, or within the rounding margin of
        its deadline) is looked at again at the next dispatch."""
        due = self._reject_due
        if not due or due[0][0] > now_s:
            return
        seen, looked = set(), []
        while due and due[0][0] <= now_s:
            job = heapq.heappop(due)[2]
            if job.status == "queued" and id(job) not in seen:   # else started or gone (a requeue re-watches)
                seen.add(id(job))
                looked.append(job)
        looked.sort(key=_queue_key)
        rejected = []
        for job in looked:
            reason = self._reject_reason(job, now_s) if job.spec.submit_s < now_s else ""
            if not reason:   # not eligible yet, or within the rounding margin of its deadline
                self._watch(job)
                continue
            job.status, job.reason = "rejected", reason
            self.counts["rejected"] += 1
            rejected.append(job)
        if rejected:
            self.done += rejected
            self._dequeue(rejected)

    def _start(self, job: Job, placement) -> int:
        """Give ``job`` a slot and its accelerators; returns the slot (for ``_active``)."""
        slot = self.slots.take(job)
        self._running[slot] = job
        self._hold(job, placement)
        if self.costs is not None:   # a restart restores its state first
            job.stall_s = self.costs.restore_s(job, placement, self.links)
        return slot

    def _stop(self, job: Job) -> int:
        """Take ``job`` out of the running jobs and its slot; returns the slot it had (the
        caller takes it out of ``_active``)."""
        slot = job._slot
        del self._running[slot]
        self.slots.give_back(job)
        return slot

    def _hold(self, job: Job, placement) -> None:
        for node, count in placement:
            self.free[node] -= count
            self.busy[node] += count
        job.placement = placement
        self.slots.place(job._slot, placement)
        if self.costs is not None:
            self.costs.placed(job, self.slots, placement)
        if self.links is not None:
            self.links.place(job._slot, placement, job.n_accelerators)

    def _release(self, job: Job) -> None:
        for node, count in job.placement:
            self.free[node] += count
            self.busy[node] -= count
        job.placement = []
        if self.links is not None:
            self.links.release(job._slot)

    def _interrupt(self, job: Job, now_s: float, kind: int, sat: int) -> None:
        """Roll a running job back to its last checkpoint and requeue it at its arrival position."""
        lost = job.done_accel_s - job.checkpoint_work_accel_s
        job.lost_accel_s += lost
        self.work_lost_accel_s += lost
        row = 0 if kind == L.EVENT_ROLLBACK else 1
        for node, count in job.placement:   # a gang's work is its members' in proportion
            self.lost_by_node[row, node] += lost * count / job.n_accelerators
        self.lost_pending = True
        job.remaining_accel_s = job.spec.work_accel_s - job.checkpoint_work_accel_s
        if job.sdc_good_accel_s >= job.checkpoint_work_accel_s:   # back before a corruption: it is gone
            job.sdc_good_accel_s = math.nan
        job.since_checkpoint_s = job.stall_s = 0.0
        if self.costs is not None:
            self.costs.interrupted(job)
        job.preemptions += 1
        job.status = "queued"
        self.counts["preemptions" if kind == L.EVENT_PREEMPTION else "rollbacks"] += 1
        self.events.append((now_s, sat, kind, float(job.spec.job_id)))
        self._release(job)
        slot = self._stop(job)
        self._active = self._active[self._active != slot]
        bisect.insort(self.queue, job, key=_queue_key)
        self.demand.add(job)
        self._watch(job)

    def _migrate(self, job: Job, placement, now_s: float) -> None:
        """Checkpoint now and move to ``placement``; the job stalls for the migration cost."""
        self.events.append((now_s, job.placement[0][0], L.EVENT_MIGRATION, float(job.spec.job_id)))
        job.checkpoint_work_accel_s = job.done_accel_s
        job.since_checkpoint_s = 0.0
        job.stall_s = (self.migration_cost_s if self.costs is None
                       else self.costs.migration_s(job, placement, self.links))
        job.migrations += 1
        self.counts["migrations"] += 1
        self._release(job)
        self._hold(job, placement)

    def fail_nodes(self, nodes, now_s: float) -> None:
        """Nodes go down: every job with a member on one of them rolls back and is requeued."""
        nodes = [int(n) for n in nodes]
        self.down[nodes] = True
        hit = set(nodes)
        for slot in self.slots.holding(nodes, self._active).tolist():
            job = self._running[slot]
            first = next(node for node, _ in job.placement if node in hit)
            self._interrupt(job, now_s, L.EVENT_ROLLBACK, first)

    def job_on(self, node: int, index: float):
        """The running job holding accelerator ``index`` (0 <= index < accelerators per node; the
        held ones first, by job in start order) of ``node``, or None if that one is free."""
        if index >= self.busy[node]:
            return None
        for slot in self.slots.holding([node], self._active).tolist():
            job = self._running[slot]
            index -= sum(count for n, count in job.placement if n == node)
            if index < 0:
                return job
        return None

    def roll_back_to(self, job: Job, work_accel_s: float, now_s: float, sat: int) -> bool:
        """``job`` loses its work since its checkpoint at ``work_accel_s`` (an uncorrectable error,
        or a silent corruption found: twin.ops.radiation): running, it is interrupted back there
        and requeued; queued at a later (corrupt) checkpoint, it goes back to this one. The loss
        is booked on ``sat`` for a queued job (it holds no node). False if nothing was lost."""
        if math.isnan(work_accel_s) or job.status not in ("running", "queued"):
            return False
        if job.status == "running":
            job.checkpoint_work_accel_s = min(job.checkpoint_work_accel_s, work_accel_s)
            self._interrupt(job, now_s, L.EVENT_ROLLBACK, sat)
            return True
        lost = job.checkpoint_work_accel_s - work_accel_s   # a queued job's work is its checkpoint's
        job.sdc_good_accel_s = math.nan
        if lost <= 0.0:
            return False
        job.lost_accel_s += lost
        self.work_lost_accel_s += lost
        self.lost_by_node[0, sat] += lost
        self.lost_pending = True
        job.checkpoint_work_accel_s = work_accel_s
        job.remaining_accel_s = job.spec.work_accel_s - work_accel_s
        job.preemptions += 1
        self.counts["rollbacks"] += 1
        self.events.append((now_s, sat, L.EVENT_ROLLBACK, float(job.spec.job_id)))
        self._watch(job)
        return True

    def restore_nodes(self, nodes) -> None:
        self.down[[int(n) for n in nodes]] = False

    def waiting_from_s(self) -> float:
        """Since when some job has been waiting in the queue [s since epoch]; +inf if none."""
        return self.queue[0].spec.submit_s if self.queue else math.inf

    def take_lost_by_node(self) -> np.ndarray | None:
        """Work rolled back since the last call, per node: (fault, preemption) rows
        [accelerator-s]; None if nothing was."""
        if not self.lost_pending:
            return None
        lost, self.lost_by_node = self.lost_by_node, np.zeros_like(self.lost_by_node)
        self.lost_pending = False
        return lost

    def advance(self, rate_kn: np.ndarray, t0_s: float, dt_s: float, heat_kn=None, acc=None,
                capacity_kl=None, dynamic_w=None) -> None:
        """Progress running jobs through a block of steps; finish those whose work ran out. With
        ``heat_kn`` and ``acc``, their accelerator-seconds go to the ledger (twin.kernels.jobs);
        with links (``self.links``), ``capacity_kl`` (K, L) [bit/s] is their capacity per step;
        ``dynamic_w`` (N,) [W] the power per unit rate of capped nodes (twin.ops.power_cap)."""
        if not self._running:
            return
        slots, active = self.slots, self._active
        # positional: numba dispatches keyword arguments through its slow path, every call
        comm = self.links.kernel_args(capacity_kl) if self.links is not None else NO_COMMUNICATION
        done_s = np.full(len(active), -1.0)
        self.work_done_accel_s += advance_jobs(
            rate_kn, t0_s, dt_s, slots.entry_lo, slots.member_node, slots.member_accel,
            slots.n_accelerators, slots.remaining_accel_s, slots.energy_j, done_s, self.idle_w,
            self.peak_w, slots.work_accel_s, slots.checkpoint_interval_s, slots.since_checkpoint_s,
            slots.checkpoint_work_accel_s, slots.stall_s, active, slots.entry_hi, heat_kn, acc, self.waiting_from_s(),
            *comm, slots.network_accel_s, slots.write_stall_s if self.costs is not None else None, dynamic_w)
        finished = np.flatnonzero(done_s >= 0.0)
        if finished.size:
            for slot, end_s in zip(active[finished].tolist(), done_s[finished].tolist()):
                self._complete(self._running[slot], end_s)
            self._active = active[done_s < 0.0]

    def _complete(self, job: Job, end_s: float) -> None:
        job.end_s, job.status = end_s, "completed"
        self._release(job)
        self._stop(job)
        self.counts["completed"] += 1
        self.counts["completed_corrupt"] += not math.isnan(job.sdc_good_accel_s)   # results spoilt, unfound
        if end_s > job.spec.deadline_s:
            self.counts["deadline_missed"] += 1
        if not self._censored(job):   # a lower-bound duration: its slowdown and energy say nothing
            self.slowdowns.append(job.slowdown)
            self.energies_wh.append(job.energy_j / J_PER_WH)
        self.done.append(job)

    def reroute(self) -> None:
        """Route the running jobs over the links as they are now (after a dispatch)."""
        if self.links is not None:
            self.links.reroute()

    def take_events(self) -> list[tuple]:
        events, self.events = self.events, []
        return events

    # ------------------------------------------------------------ output
    def take_rows(self) -> np.ndarray:
        if not self.done:   # most records of a small constellation: skip numpy's structured setup
            return NO_ROWS
        rows = np.array([j.row(self.peak_flops) for j in self.done], dtype=JOB_DTYPE)
        self.done.clear()
        if self.trace is not None:
            self.trace.fill(rows)
        return rows

    def final_rows(self) -> np.ndarray:
        """Rows of the jobs still running or queued at the end of the run."""
        jobs = self.done + self.running + self.queue
        self.done.clear()
        rows = np.array([j.row(self.peak_flops) for j in jobs], dtype=JOB_DTYPE)
        if self.trace is not None:
            self.trace.fill(rows)
        return rows

    def metrics(self) -> dict:
        """Job totals for ``/summary`` (slowdowns and energy per job: of completed jobs not
        censored), and a trace run's row accounting (:meth:`TraceReplay.summary`)."""
        waits = np.asarray(self.waits) if self.waits else np.array([np.nan])
        slow = np.asarray(self.slowdowns) if self.slowdowns else np.array([np.nan])
        energy = np.asarray(self.energies_wh) if self.energies_wh else np.array([np.nan])
        c = self.counts
        return {
            "jobs_submitted": c["submitted"], "jobs_completed": c["completed"],
            "jobs_rejected": c["rejected"], "jobs_running_at_end": len(self._running),
            "jobs_queued_at_end": len(self.queue), "jobs_deadline_missed": c["deadline_missed"],
            "preemptions": c["preemptions"], "rollbacks": c["rollbacks"], "migrations": c["migrations"],
            "jobs_completed_corrupt": c["completed_corrupt"],
            "work_progress_accel_h": self.work_done_accel_s / SECONDS_PER_HOUR,
            "work_lost_accel_h": self.work_lost_accel_s / SECONDS_PER_HOUR,
            "work_delivered_accel_h": (self.work_done_accel_s - self.work_lost_accel_s) / SECONDS_PER_HOUR,
            "flop_delivered": (self.work_done_accel_s - self.work_lost_accel_s) * self.peak_flops,
            "wait_mean_s": float(np.mean(waits)), "wait_p50_s": float(np.percentile(waits, 50)),
            "wait_p95_s": float(np.percentile(waits, 95)), "wait_p99_s": float(np.percentile(waits, 99)),
            "slowdown_mean": float(np.mean(slow)), "slowdown_p50": float(np.percentile(slow, 50)),
            "slowdown_p95": float(np.percentile(slow, 95)),
            "energy_per_job_wh": float(np.mean(energy)),
            **(self.trace.summary() if self.trace is not None else {}),
        }
