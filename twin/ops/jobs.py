"""The job book: queue, running jobs and their placements, completions, and the /jobs rows.

Decisions are made in Python (:mod:`twin.ops.scheduling`); progress, checkpoints and energy of all
running jobs are advanced by one numba call (:func:`twin.kernels.jobs.advance_jobs`) on arrays
the book keeps from tick to tick (:class:`JobSlots`), so that a tick costs Python time only for
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
import operator
from array import array

import numpy as np

from twin.constants import J_PER_WH, SECONDS_PER_HOUR
from twin.kernels import layout as L
from twin.kernels.jobs import advance_jobs
from twin.output.schema import JOB_DTYPE
from twin.ops.scheduling import NodeView
from twin.ops.workload import JobSpec

NO_ROWS = np.empty(0, dtype=JOB_DTYPE)
NO_ROWS.flags.writeable = False
_IN_COLUMN_ORDER = operator.itemgetter(*JOB_DTYPE.names)   # a job's values by name -> its /jobs row
# the fields of a Job that the kernel advances
PROGRESS_FIELDS = ("remaining_accel_s", "energy_j", "since_checkpoint_s", "checkpoint_work_accel_s", "stall_s")


class _Progress:
    """A progress field of :class:`Job`: in the book's slot arrays while the job runs (where the
    kernel advances it, so whoever holds the Job sees it current), in the Job's own slot
    ``_<name>`` otherwise."""

    def __set_name__(self, owner, name):
        self.name, self.own = name, "_" + name

    def __get__(self, job, owner=None):
        if job is None:
            return self
        if job._slots is None:
            return getattr(job, self.own)
        return getattr(job._slots, self.name).item(job._slot)

    def __set__(self, job, value):
        if job._slots is None:
            setattr(job, self.own, value)
        else:
            getattr(job._slots, self.name)[job._slot] = value


class Job:
    """A job and its life: queued, running (its progress in the book's slot arrays), completed
    or rejected. With ``__slots__``: a saturated constellation queues jobs by the ten thousand
    (a Job with a ``__dict__`` took ~2x the memory)."""

    __slots__ = ("spec", "start_s", "end_s", "status", "preemptions", "migrations", "placement", "reason",
                 "first_sat", "run_start_s", "lost_accel_s", "_slots", "_slot", "_remaining_accel_s", "_energy_j",
                 "_checkpoint_work_accel_s", "_since_checkpoint_s", "_stall_s")

    remaining_accel_s = _Progress()        # work still to do [accelerator-s]
    energy_j = _Progress()                 # energy used so far [J]
    checkpoint_work_accel_s = _Progress()  # work done at the last checkpoint [accelerator-s]
    since_checkpoint_s = _Progress()       # time held since the last checkpoint [s]
    stall_s = _Progress()                  # progress-free time still to serve (migration) [s]

    def __init__(self, spec: JobSpec, remaining_accel_s: float):
        self.spec = spec
        self._slots, self._slot = None, -1   # while running: the book's JobSlots and the slot there
        self.remaining_accel_s = remaining_accel_s
        self.energy_j = self.checkpoint_work_accel_s = self.since_checkpoint_s = self.stall_s = 0.0
        self.start_s = self.end_s = np.nan   # first start, end [s]
        self.status = "queued"
        self.preemptions = 0                 # interruptions that rolled it back (preemption or failure)
        self.migrations = 0
        self.placement = []                  # [(node, accelerators)]
        self.reason = ""
        self.first_sat = -1
        self.run_start_s = np.nan            # start of the present run [s]
        self.lost_accel_s = 0.0              # work lost to rollbacks [accelerator-s]

    def __repr__(self) -> str:
        return f"Job({self.spec.job_id}, {self.status})"

    @property
    def n_accelerators(self) -> int:
        return self.spec.n_accelerators

    @property
    def slowdown(self) -> float:
        """(end − submit) over the run time at full speed on all its accelerators [1]."""
        s = self.spec
        return (self.end_s - s.submit_s) / max(s.work_accel_s / s.n_accelerators, 1e-9)

    @property
    def done_accel_s(self) -> float:
        return self.spec.work_accel_s - self.remaining_accel_s

    def values(self, peak_flops: float) -> dict:
        """Its value of each /jobs column, by the column's name (``twin.output.schema.JOB_COLUMNS``)."""
        s = self.spec
        return {"job_id": s.job_id, "submit_s": s.submit_s, "start_s": self.start_s, "end_s": self.end_s,
                "n_accelerators": s.n_accelerators, "work_accel_s": s.work_accel_s, "sat_first": self.first_sat,
                "status": self.status, "energy_wh": self.energy_j / J_PER_WH, "preemptions": self.preemptions,
                "priority": s.priority, "deadline_s": s.deadline_s, "wait_s": self.start_s - s.submit_s,
                "slowdown": self.slowdown, "flop": self.done_accel_s * peak_flops, "migrations": self.migrations,
                "lost_accel_s": self.lost_accel_s, "reason": self.reason}

    def row(self, peak_flops: float) -> tuple:
        """Its /jobs row: the values in the declared column order."""
        return _IN_COLUMN_ORDER(self.values(peak_flops))


class JobSlots:
    """The running jobs' state as arrays for :func:`twin.kernels.jobs.advance_jobs`, one slot
    (index) per running job, kept from tick to tick.

    A job that starts takes the lowest free slot (deterministic, so a resumed run assigns the
    same slots) and moves its progress there; one that stops moves it back and frees the slot.
    A slot's members (node, accelerators) are the entries ``entry_lo:entry_hi`` of append-only
    member arrays; a new placement appends, and the member arrays are compacted when more than
    half of their entries belong to no slot. Arrays double when full.
    """

    _PER_SLOT = PROGRESS_FIELDS + ("n_accelerators", "work_accel_s", "checkpoint_interval_s",
                                   "entry_lo", "entry_hi")

    def __init__(self, capacity: int = 64):
        for name in PROGRESS_FIELDS:                             # named as the Job's fields
            setattr(self, name, np.zeros(capacity))
        self.n_accelerators = np.zeros(capacity)                 # [1], float for the kernel
        self.work_accel_s = np.zeros(capacity)                   # total work [accelerator-s]
        self.checkpoint_interval_s = np.zeros(capacity)          # [s]
        self.entry_lo = np.zeros(capacity, dtype=np.int64)
        self.entry_hi = np.zeros(capacity, dtype=np.int64)
        self.free_slots = list(range(capacity))                  # a heap
        self.member_node = np.zeros(2 * capacity, dtype=np.int64)
        self.member_accel = np.zeros(2 * capacity)               # accelerators held [1]
        self.n_entries = 0                                       # used, by slots or garbage
        self.n_garbage = 0

    def take(self, job: Job) -> int:
        """Give ``job`` the lowest free slot and move its progress there."""
        if not self.free_slots:
            capacity = len(self.entry_lo)
            for name in self._PER_SLOT:
                setattr(self, name, _grown(getattr(self, name), 2 * capacity))
            self.free_slots = list(range(capacity, 2 * capacity))
        slot = heapq.heappop(self.free_slots)
        for name in PROGRESS_FIELDS:
            getattr(self, name)[slot] = getattr(job, name)
        self.n_accelerators[slot] = job.n_accelerators
        self.work_accel_s[slot] = job.spec.work_accel_s
        self.checkpoint_interval_s[slot] = job.spec.checkpoint_interval_s
        job._slots, job._slot = self, slot
        return slot

    def give_back(self, job: Job) -> None:
        """Move ``job``'s progress back onto it and free its slot."""
        slot = job._slot
        progress = [getattr(self, name).item(slot) for name in PROGRESS_FIELDS]
        job._slots, job._slot = None, -1
        for name, value in zip(PROGRESS_FIELDS, progress):
            setattr(job, name, value)
        self.n_garbage += int(self.entry_hi[slot] - self.entry_lo[slot])
        self.entry_lo[slot] = self.entry_hi[slot] = 0
        heapq.heappush(self.free_slots, slot)

    def place(self, slot: int, placement) -> None:
        """Make ``placement`` [(node, accelerators)] the members of ``slot``."""
        self.n_garbage += int(self.entry_hi[slot] - self.entry_lo[slot])
        self.entry_lo[slot] = self.entry_hi[slot] = 0      # so that a compaction drops them
        n = len(placement)
        if self.n_entries + n > len(self.member_node):
            if 2 * self.n_garbage > self.n_entries:
                self._compact()
            if self.n_entries + n > len(self.member_node):
                size = 2 * max(len(self.member_node), self.n_entries + n)
                self.member_node = _grown(self.member_node, size)
                self.member_accel = _grown(self.member_accel, size)
        lo = self.n_entries
        for i, (node, count) in enumerate(placement):
            self.member_node[lo + i] = node
            self.member_accel[lo + i] = count
        self.entry_lo[slot], self.entry_hi[slot] = lo, lo + n
        self.n_entries += n

    def _compact(self) -> None:
        """Move every slot's entries to the front, in slot order, dropping the garbage."""
        count = self.entry_hi - self.entry_lo          # 0 for free slots
        held = np.flatnonzero(count)
        count = count[held]
        new_lo = np.cumsum(count) - count
        total = int(count.sum())
        source = np.repeat(self.entry_lo[held] - new_lo, count) + np.arange(total)
        self.member_node[:total] = self.member_node[source]
        self.member_accel[:total] = self.member_accel[source]
        self.entry_lo[held], self.entry_hi[held] = new_lo, new_lo + count
        self.n_entries, self.n_garbage = total, 0

    def holding(self, nodes, slots: np.ndarray) -> np.ndarray:
        """Those of ``slots`` with a member on one of ``nodes``, in the order given."""
        on = np.isin(self.member_node[:self.n_entries], nodes)
        seen = np.concatenate(([0], np.cumsum(on)))
        return slots[seen[self.entry_hi[slots]] > seen[self.entry_lo[slots]]]


def _grown(array: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size, dtype=array.dtype)
    out[:len(array)] = array
    return out


def _submit_s(job: Job) -> float:
    return job.spec.submit_s


def _queue_key(job: Job) -> tuple:
    return (job.spec.submit_s, job.spec.job_id)


class JobBook:
    """Jobs of a run and the accelerators they hold.

    Parameters: ``n_nodes``, ``accel_per_node`` [1]; ``policy`` (see :mod:`twin.ops.scheduling`);
    ``idle_w``, ``peak_w`` per accelerator [W]; ``peak_flops`` per accelerator [FLOP/s];
    ``migration_cost_s`` [s] of lost progress per migration.
    """

    def __init__(self, n_nodes: int, accel_per_node: int, policy, idle_w: float, peak_w: float,
                 peak_flops: float = 0.0, migration_cost_s: float = 0.0):
        self.free = np.full(n_nodes, accel_per_node, dtype=np.int64)
        self.down = np.zeros(n_nodes, dtype=bool)
        self.capacity = n_nodes * accel_per_node
        self._reject_check_s = math.inf   # no queued job can be rejected before this [s]
        self.policy = policy
        self.idle_w, self.peak_w, self.peak_flops = idle_w, peak_w, peak_flops
        self.migration_cost_s = migration_cost_s
        self.queue: list[Job] = []          # by (submit_s, job_id)
        self.slots = JobSlots()
        self._running: dict[int, Job] = {}  # by slot, in start order
        self._active = np.zeros(0, dtype=np.int64)   # their slots, in the same order
        self.done: list[Job] = []           # completed or rejected, not yet written
        self.busy = np.zeros(n_nodes)
        self.work_done_accel_s = 0.0        # progress, including work later rolled back
        self.work_lost_accel_s = 0.0
        # per-job statistics for /summary, packed (8 bytes a value; a list holds 32-byte floats)
        self.waits = array("d")             # [s]
        self.slowdowns = array("d")         # [1]
        self.energies_wh = array("d")       # of completed jobs [Wh]
        self.counts = {"submitted": 0, "completed": 0, "rejected": 0, "preemptions": 0,
                       "rollbacks": 0, "migrations": 0, "deadline_missed": 0}
        self.events: list[tuple] = []       # (time_s, sat, kind, value) for /events

    @property
    def running(self) -> list[Job]:
        """The running jobs, in the order they started."""
        return list(self._running.values())

    # ------------------------------------------------------------ events
    def submit(self, spec: JobSpec) -> None:
        self.counts["submitted"] += 1
        job = Job(spec, spec.work_accel_s)
        self.queue.append(job)
        self._reject_check_s = min(self._reject_check_s, self._rejectable_from_s(job))

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
        if not self.queue and (revise is None or not self._running):
            return
        if callable(view):   # the engine's Simulation.view: only built when the policy looks
            view = view() if getattr(self.policy, "uses_view", True) else None
        running = tuple(self._running.values())
        view = (view if view is not None else NodeView())._replace(now_s=now_s, running=running)
        if revise is not None and self._running:
            actions = revise(self.queue[:self._eligible(now_s)], self.available(), view)
            for action in actions:
                if action[0] == "preempt":
                    self._interrupt(action[1], now_s, L.EVENT_PREEMPTION, action[1].placement[0][0])
                else:
                    self._migrate(action[1], action[2], now_s)
            if actions:
                view = view._replace(running=tuple(self._running.values()))
        eligible = self._eligible(now_s)
        if not eligible:
            return
        place = getattr(self.policy, "place", self.policy)
        started = place(self.queue[:eligible], self.available(), view)
        if not started:
            return
        ids, slots = set(), []
        for job, placement in started:
            slots.append(self._start(job, placement))
            if math.isnan(job.start_s):
                job.start_s, job.first_sat = now_s, placement[0][0]
                self.waits.append(now_s - job.spec.submit_s)
            job.run_start_s, job.status = now_s, "running"
            ids.add(id(job))
        self._active = np.concatenate((self._active, np.array(slots, dtype=np.int64)))
        self.queue = [j for j in self.queue if id(j) not in ids]

    def _eligible(self, now_s: float) -> int:
        """Number of queued jobs submitted before ``now_s`` (the queue is in arrival order)."""
        return bisect.bisect_left(self.queue, now_s, key=_submit_s)

    def _rejectable_from_s(self, job: Job) -> float:
        """A time [s] no later than the first dispatch that could reject ``job`` while it waits
        (its remaining work does not change in the queue), with a margin for rounding."""
        if job.n_accelerators > self.capacity:
            return job.spec.submit_s
        if math.isnan(job.spec.deadline_s):
            return math.inf
        latest_start = job.spec.deadline_s - job.remaining_accel_s / job.n_accelerators
        return latest_start - 1e-6 * (abs(latest_start) + 1.0)

    def _reject(self, now_s: float) -> None:
        """Reject what can never run, in queue order. The queue is scanned only from the
        earliest time a queued job can become rejectable: a long queue costs nothing per epoch."""
        if now_s < self._reject_check_s:
            return
        self._scan_for_rejects(now_s)
        self._reject_check_s = min((self._rejectable_from_s(j) for j in self.queue), default=math.inf)

    def _scan_for_rejects(self, now_s: float) -> None:
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

    def _start(self, job: Job, placement) -> int:
        """Give ``job`` a slot and its accelerators; returns the slot (for ``_active``)."""
        slot = self.slots.take(job)
        self._running[slot] = job
        self._hold(job, placement)
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

    def _release(self, job: Job) -> None:
        for node, count in job.placement:
            self.free[node] += count
            self.busy[node] -= count
        job.placement = []

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
        slot = self._stop(job)
        self._active = self._active[self._active != slot]
        bisect.insort(self.queue, job, key=_queue_key)
        self._reject_check_s = min(self._reject_check_s, self._rejectable_from_s(job))

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
        for slot in self.slots.holding(nodes, self._active).tolist():
            job = self._running[slot]
            first = next(node for node, _ in job.placement if node in hit)
            self._interrupt(job, now_s, L.EVENT_ROLLBACK, first)

    def restore_nodes(self, nodes) -> None:
        self.down[[int(n) for n in nodes]] = False

    def advance(self, rate_kn: np.ndarray, t0_s: float, dt_s: float) -> None:
        """Progress running jobs through a block of steps; finish those whose work ran out."""
        if not self._running:
            return
        slots, active = self.slots, self._active
        done_s = np.full(len(active), -1.0)
        self.work_done_accel_s += advance_jobs(
            rate_kn, t0_s, dt_s, slots.entry_lo, slots.member_node, slots.member_accel,
            slots.n_accelerators, slots.remaining_accel_s, slots.energy_j, done_s, self.idle_w,
            self.peak_w, slots.work_accel_s, slots.checkpoint_interval_s, slots.since_checkpoint_s,
            slots.checkpoint_work_accel_s, slots.stall_s, active, slots.entry_hi)
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
        if end_s > job.spec.deadline_s:
            self.counts["deadline_missed"] += 1
        self.slowdowns.append(job.slowdown)
        self.energies_wh.append(job.energy_j / J_PER_WH)
        self.done.append(job)

    def take_events(self) -> list[tuple]:
        events, self.events = self.events, []
        return events

    # ------------------------------------------------------------ output
    def take_rows(self) -> np.ndarray:
        if not self.done:   # most records of a small constellation: skip numpy's structured setup
            return NO_ROWS
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
            "jobs_rejected": c["rejected"], "jobs_running_at_end": len(self._running),
            "jobs_queued_at_end": len(self.queue), "jobs_deadline_missed": c["deadline_missed"],
            "preemptions": c["preemptions"], "rollbacks": c["rollbacks"], "migrations": c["migrations"],
            "work_progress_accel_h": self.work_done_accel_s / SECONDS_PER_HOUR,
            "work_lost_accel_h": self.work_lost_accel_s / SECONDS_PER_HOUR,
            "work_delivered_accel_h": (self.work_done_accel_s - self.work_lost_accel_s) / SECONDS_PER_HOUR,
            "flop_delivered": (self.work_done_accel_s - self.work_lost_accel_s) * self.peak_flops,
            "wait_mean_s": float(np.mean(waits)), "wait_p50_s": float(np.percentile(waits, 50)),
            "wait_p95_s": float(np.percentile(waits, 95)), "wait_p99_s": float(np.percentile(waits, 99)),
            "slowdown_mean": float(np.mean(slow)), "slowdown_p50": float(np.percentile(slow, 50)),
            "slowdown_p95": float(np.percentile(slow, 95)),
            "energy_per_job_wh": float(np.mean(energy)),
        }
