"""The waiting queue seen by a policy, indexed by what could fit, so that a dispatch costs what it
can start, not the length of the queue.

A saturated constellation queues jobs by the ten thousand (issue 25: one satellite under the
default workload for a year). A policy that scanned every queued job at every epoch made such a
run quadratic in its length. Two things keep the per-epoch cost independent of the jobs that
cannot start:

- :class:`Eligible`: the queued jobs submitted before now, in arrival order, as a read-only
  sequence over the book's queue (no copy). Head-of-line policies (FIFO and those that only
  reorder nodes) stop at the first job that does not fit, so they touch the jobs they start
  and one more.
- :class:`DemandIndex`: the same jobs in buckets of equal accelerator demand and priority, each in
  arrival order. A backfilling policy walks them merged in its own order (:meth:`DemandIndex.merged`)
  and drops a whole bucket as soon as its demand exceeds the accelerators still free anywhere
  (a job needs at least that many to start, one node or a gang): with nothing free, a dispatch
  examines no job at all.

The book (:class:`twin.ops.jobs.JobBook`) keeps the index up to date as jobs enter and leave
its queue; a policy called with a plain list (unit tests, a user's function) builds one.
"""
from __future__ import annotations

import bisect
import heapq
import itertools
import operator
from collections.abc import Sequence

import numpy as np


def queue_key(job) -> tuple:
    """A job's place in the queue: arrival order, ties by id."""
    return (job.spec.submit_s, job.spec.job_id)


def _submit_s(job) -> float:
    return job.spec.submit_s


class Eligible(Sequence):
    """The first ``n`` jobs of ``queue`` (a list in arrival order), without copying it: those
    submitted before ``before_s`` [s]. ``index`` is the :class:`DemandIndex` of the whole queue
    (None: built from these jobs on demand)."""

    __slots__ = ("_queue", "_n", "_index", "before_s")

    def __init__(self, queue: list, n: int, index: DemandIndex | None = None, before_s: float = float("inf")):
        self._queue, self._n, self._index, self.before_s = queue, n, index, before_s

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return self._queue[:self._n][i]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return self._queue[i]

    def __iter__(self):
        queue = self._queue
        for i in range(self._n):
            yield queue[i]

    def __eq__(self, other) -> bool:
        return list(self) == list(other) if isinstance(other, (list, tuple, Eligible)) else NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"Eligible({list(self)!r})"

    def index(self) -> DemandIndex:
        """The jobs by demand and priority (the book's, or one built from these jobs)."""
        if self._index is None:
            self._index, self.before_s = DemandIndex(self), float("inf")
        return self._index


def demand_index(queue) -> tuple[DemandIndex, float]:
    """``queue``'s :class:`DemandIndex` and the time before which its jobs were submitted [s]:
    the book's for an :class:`Eligible`, else one built from the jobs (all of them eligible)."""
    if isinstance(queue, Eligible):
        index = queue.index()
        return index, queue.before_s
    return DemandIndex(queue), float("inf")


class DemandIndex:
    """Queued jobs in buckets ``(accelerators, priority)``, each a list in arrival order; and, on
    demand, each bucket's least value of a function of its jobs (:meth:`least`)."""

    def __init__(self, jobs=()):
        self.buckets: dict[tuple[int, int], list] = {}
        self._least_of = None                 # the function least() keeps bucket minima of
        self._least: dict[tuple[int, int], tuple] = {}   # bucket -> (least value, the job with it)
        for job in jobs:
            self.add(job)

    def least(self, key: tuple[int, int], value_of) -> float:
        """The least ``value_of(job)`` over bucket ``key``, kept from call to call: a job entering
        lowers it, the job that has it leaving makes it be found again (a walk of the bucket, once).
        ``value_of`` must not decrease while a job waits (a backfill estimate only grows, when a
        queued job loses work): a kept value is then never above the bucket's least."""
        if value_of is not self._least_of:
            self._least_of, self._least = value_of, {}
        kept = self._least.get(key)
        if kept is None:
            bucket = self.buckets[key]
            values = list(map(value_of, bucket))
            i = min(range(len(values)), key=values.__getitem__)
            kept = self._least[key] = (values[i], bucket[i])
        return kept[0]

    def add(self, job) -> None:
        key = (job.n_accelerators, job.spec.priority)
        kept = self._least.get(key)
        if kept is not None and self._least_of(job) < kept[0]:
            self._least[key] = (self._least_of(job), job)
        bucket = self.buckets.setdefault(key, [])
        if not bucket or queue_key(bucket[-1]) < queue_key(job):
            bucket.append(job)
        else:   # a requeued job goes back to its arrival position
            bucket.insert(bisect.bisect_left(bucket, queue_key(job), key=queue_key), job)

    def remove(self, job) -> None:
        key = (job.n_accelerators, job.spec.priority)
        bucket = self.buckets[key]
        i = bisect.bisect_left(bucket, queue_key(job), key=queue_key)
        if i >= len(bucket) or bucket[i] is not job:   # not where its key says: find it
            i = next(k for k, j in enumerate(bucket) if j is job)
        del bucket[i]
        if not bucket:
            del self.buckets[key]
        kept = self._least.get(key)
        if kept is not None and kept[1] is job:
            del self._least[key]

    def __len__(self) -> int:
        return sum(len(b) for b in self.buckets.values())

    def merged(self, before_s: float, fits):
        """Jobs submitted before ``before_s`` in priority order (larger priority first, then
        arrival, then id), skipping, for good, every bucket for which ``fits((accelerators,
        priority))`` is False when its next job comes up; ``fits`` may change its answer between
        jobs (as accelerators are taken) but must never turn True again for a bucket it refused. Yields
        ``(job, examined)``: ``examined`` counts the jobs looked at so far (the work done)."""
        heap = []
        for (n_accel, priority), bucket in self.buckets.items():
            if bucket[0].spec.submit_s < before_s:
                heap.append(((-priority,) + queue_key(bucket[0]), n_accel, priority, 0))
        heapq.heapify(heap)
        examined = 0
        while heap:
            _, n_accel, priority, i = heap[0]
            if not fits((n_accel, priority)):
                heapq.heappop(heap)
                continue
            bucket = self.buckets[(n_accel, priority)]
            job = bucket[i]
            examined += 1
            if i + 1 < len(bucket) and bucket[i + 1].spec.submit_s < before_s:
                heapq.heapreplace(heap, ((-priority,) + queue_key(bucket[i + 1]), n_accel, priority, i + 1))
            else:
                heapq.heappop(heap)
            yield job, examined


def remove_jobs(queue: list, jobs) -> None:
    """Take ``jobs`` out of ``queue`` (a list by :func:`queue_key`), which keeps its order: a
    head-of-line policy's starts (the queue's first jobs) in one cut, any others each where its
    key says."""
    k = len(jobs)
    if k <= len(queue) and all(queue[i] is job for i, job in enumerate(jobs)):
        del queue[:k]
        return
    for job in jobs:
        i = bisect.bisect_left(queue, queue_key(job), key=queue_key)
        if i >= len(queue) or queue[i] is not job:   # not where its key says: find it
            i = next(n for n, j in enumerate(queue) if j is job)
        del queue[i]


# A checkpoint holds the queue (twin.engine.checkpoint). A saturated queue's jobs are nearly all
# as they were submitted; pickled one object at a time they made every checkpoint cost ~20 µs per
# queued job here (seconds for 70,000), so those go as columns and are made again on restore.
_SPEC_COLUMNS = {"job_id": np.int64, "submit_s": float, "work_accel_s": float, "n_accelerators": np.int64,
                 "priority": np.int64, "checkpoint_interval_s": float, "deadline_s": float, "checkpoint_bytes": float}


def _column(jobs: list, attribute: str, dtype) -> np.ndarray:
    return np.fromiter(map(operator.attrgetter(attribute), jobs), dtype=dtype, count=len(jobs))


def pack_queue(queue: list) -> dict:
    """``queue`` for a checkpoint: its untouched jobs (never started, so never rolled back,
    moved or corrupted: each is its spec and estimate) as columns, the others as they are, and
    where each goes (:func:`unpack_queue`). Read column by column in C (``map``/``attrgetter``):
    about 1 µs a job."""
    # a queued job's progress is in its own slots (twin.ops.job._Progress): read them directly
    untouched = np.isnan(_column(queue, "run_start_s", float)) & (
        _column(queue, "_remaining_accel_s", float) == _column(queue, "spec.work_accel_s", float))
    plain = list(itertools.compress(queue, untouched.tolist()))
    columns = {name: _column(plain, "spec." + name, dtype) for name, dtype in _SPEC_COLUMNS.items()}
    columns["estimate_s"] = _column(plain, "estimate_s", float)
    return {"untouched": untouched, "columns": columns,
            "others": list(itertools.compress(queue, (~untouched).tolist()))}


def unpack_queue(packed: dict) -> list:
    """The queue :func:`pack_queue` packed, its untouched jobs made again as submitted."""
    from twin.ops.job import Job
    from twin.ops.workload import JobSpec

    cols = packed["columns"]
    specs = zip(*(cols[name].tolist() for name in _SPEC_COLUMNS))
    plain = iter([Job(spec, spec.work_accel_s, estimate_s)
                  for spec, estimate_s in zip((JobSpec(*values) for values in specs), cols["estimate_s"].tolist())])
    others = iter(packed["others"])
    return [next(plain) if u else next(others) for u in packed["untouched"].tolist()]
