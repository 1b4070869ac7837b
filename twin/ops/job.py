"""A job of the run (:class:`Job`) and the arrays running jobs' progress lives in
(:class:`JobSlots`), which :func:`twin.kernels.jobs.advance_jobs` advances in one call; a Job
reads and sets its progress through them while it runs. ``Job.row`` is its /jobs row, built by
column name from the schema's declaration.
"""
from __future__ import annotations

import heapq
import operator

import numpy as np

from twin.constants import J_PER_WH
from twin.output.schema import JOB_DTYPE
from twin.ops.workload import JobSpec

_IN_COLUMN_ORDER = operator.itemgetter(*JOB_DTYPE.names)   # a job's values by name -> its /jobs row
# the fields of a Job that the kernel advances
PROGRESS_FIELDS = ("remaining_accel_s", "energy_j", "since_checkpoint_s", "checkpoint_work_accel_s", "stall_s",
                   "network_accel_s")



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
                 "first_sat", "run_start_s", "lost_accel_s", "estimate_s", "sdc_good_accel_s", "_slots", "_slot", "_remaining_accel_s", "_energy_j",
                 "_checkpoint_work_accel_s", "_since_checkpoint_s", "_stall_s", "_network_accel_s")

    remaining_accel_s = _Progress()        # work still to do [accelerator-s]
    energy_j = _Progress()                 # energy used so far [J]
    checkpoint_work_accel_s = _Progress()  # work done at the last checkpoint [accelerator-s]
    since_checkpoint_s = _Progress()       # time held since the last checkpoint [s]
    stall_s = _Progress()                  # progress-free time still to serve (migration) [s]
    network_accel_s = _Progress()          # held while communication held it back [accelerator-s]

    def __init__(self, spec: JobSpec, remaining_accel_s: float, estimate_s: float | None = None):
        self.spec = spec
        # runtime estimate at full rate on all its accelerators [s], fixed at submission: what EASY
        # backfilling plans with (twin.ops.scheduling.backfill_run_s); exact when None
        self.estimate_s = spec.work_accel_s / spec.n_accelerators if estimate_s is None else estimate_s
        self._slots, self._slot = None, -1   # while running: the book's JobSlots and the slot there
        self.remaining_accel_s = remaining_accel_s
        self.energy_j = self.checkpoint_work_accel_s = self.since_checkpoint_s = self.stall_s = 0.0
        self.network_accel_s = 0.0
        self.start_s = self.end_s = np.nan   # first start, end [s]
        self.status = "queued"
        self.preemptions = 0                 # interruptions that rolled it back (preemption or failure)
        self.migrations = 0
        self.placement = []                  # [(node, accelerators)]
        self.reason = ""
        self.first_sat = -1
        self.run_start_s = np.nan            # start of the present run [s]
        self.lost_accel_s = 0.0              # work lost to rollbacks [accelerator-s]
        # work at its last checkpoint before a silent corruption not yet rolled back (twin.ops.radiation)
        # [accelerator-s]; NaN while its work is clean
        self.sdc_good_accel_s = np.nan

    def __repr__(self) -> str:
        return f"Job({self.spec.job_id}, {self.status})"

    def __reduce__(self):
        # its slots as one tuple: a checkpoint pickles a saturated queue's jobs by the ten
        # thousand, and the default protocol for __slots__ (a dict of them) took ~3x as long
        return _rebuild, (_SLOT_VALUES(self),)

    @property
    def n_accelerators(self) -> int:
        return self.spec.n_accelerators

    @property
    def slowdown(self) -> float:
        """(end − submit) over the run time at full speed on all its accelerators [1]."""
        s = self.spec
        return (self.end_s - s.submit_s) / max(s.work_accel_s / s.n_accelerators, 1e-9)

    @property
    def comm_slowdown(self) -> float:
        """(work done + accelerator-seconds lost to communication) / work done [1]; NaN before any work."""
        done = self.spec.work_accel_s - self.remaining_accel_s + self.lost_accel_s
        return (done + self.network_accel_s) / done if done > 0 else float("nan")

    @property
    def done_accel_s(self) -> float:
        return self.spec.work_accel_s - self.remaining_accel_s

    def values(self, peak_flops: float) -> dict:
        """Its value of each /jobs column, by the column's name (``twin.output.schema.JOB_COLUMNS``)."""
        s = self.spec
        return {"job_id": s.job_id, "submit_s": s.submit_s, "start_s": self.start_s, "end_s": self.end_s,
                "n_accelerators": s.n_accelerators, "work_accel_s": s.work_accel_s, "sat_first": self.first_sat,
                "status": self.status, "energy_wh": self.energy_j / J_PER_WH, "preemptions": self.preemptions,
                "priority": s.priority, "deadline_s": s.deadline_s, "estimate_s": self.estimate_s,
                "wait_s": self.start_s - s.submit_s,
                "slowdown": self.slowdown, "flop": self.done_accel_s * peak_flops, "migrations": self.migrations,
                "lost_accel_s": self.lost_accel_s, "network_lost_accel_s": self.network_accel_s,
                "comm_slowdown": self.comm_slowdown, "reason": self.reason,
                "trace_id": b"", "censored": 0}   # a trace's: the book fills them (JobBook.replay)

    def row(self, peak_flops: float) -> tuple:
        """Its /jobs row: the values in the declared column order."""
        return _IN_COLUMN_ORDER(self.values(peak_flops))


_SLOT_VALUES = operator.attrgetter(*Job.__slots__)


def _rebuild(values: tuple) -> Job:
    """A pickled :class:`Job` (``Job.__reduce__``)."""
    job = Job.__new__(Job)
    for name, value in zip(Job.__slots__, values):
        object.__setattr__(job, name, value)
    return job


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
                                   "write_stall_s", "entry_lo", "entry_hi")

    def __init__(self, capacity: int = 64):
        for name in PROGRESS_FIELDS:                             # named as the Job's fields
            setattr(self, name, np.zeros(capacity))
        self.n_accelerators = np.zeros(capacity)                 # [1], float for the kernel
        self.work_accel_s = np.zeros(capacity)                   # total work [accelerator-s]
        self.checkpoint_interval_s = np.zeros(capacity)          # [s]
        self.write_stall_s = np.zeros(capacity)                  # a checkpoint's stall [s] (twin.ops.checkpoints)
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
        self.write_stall_s[slot] = 0.0
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
