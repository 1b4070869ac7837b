"""A saturated queue never makes a run quadratic (issue 25, point 6): the work of a dispatch does
not grow with the queued jobs that cannot start, and the policies' order is what it was.

The work is counted, not timed: every read of a job's accelerator demand (``Job.n_accelerators``,
what rejection and placement look at first) and the policies' own ``examined`` count. The order
is checked against a reference: EASY backfilling written out over the whole queue, sorted, as
the policy did before the index (Lifka 1995; Mu'alem & Feitelson 2001).
"""
import numpy as np
import pytest

from twin.ops.job import Job
from twin.ops.jobs import JobBook
from twin.ops.queue_index import DemandIndex, Eligible
from twin.ops.scheduling import Fifo, NodeView, PolicyParams, PriorityBackfill, _take, backfill_run_s, first_fit, \
    node_order
from twin.ops.workload import JobSpec

H = 3600.0


@pytest.fixture
def demand_reads(monkeypatch):
    """Counts the reads of Job.n_accelerators from here on."""
    count = [0]
    plain = Job.n_accelerators

    def counted(job):
        count[0] += 1
        return plain.fget(job)

    monkeypatch.setattr(Job, "n_accelerators", property(counted))
    return count


def saturated_book(policy, n_queued: int) -> JobBook:
    """One satellite of 4 accelerators, all held by a long job, and ``n_queued`` jobs waiting
    behind it (2 or 4 accelerators each, none can start while it runs)."""
    book = JobBook(1, 4, policy, 80.0, 700.0)
    book.submit(JobSpec(0, 0.0, 1000 * H * 4, 4))
    book.dispatch(60.0, None)
    assert len(book.running) == 1
    for i in range(1, n_queued + 1):
        n = 2 if i % 2 else 4
        book.submit(JobSpec(i, 60.0 + i * 1e-3, H * n, n))
    return book


def dispatch_work(book: JobBook, reads, epochs: int = 20) -> int:
    """Demand reads over ``epochs`` dispatches, a job too large for the constellation arriving
    before each (every arrival of one made the old book rescan its whole queue)."""
    before = reads[0]
    for k in range(epochs):
        now = 600.0 + 60.0 * k
        book.submit(JobSpec(10**6 + k, now - 30.0, H * 8, 8))
        book.dispatch(now, None)
    return reads[0] - before


@pytest.mark.parametrize("policy", [Fifo(), PriorityBackfill()], ids=["fifo", "priority"])
def test_dispatch_work_does_not_grow_with_jobs_that_cannot_start(policy, demand_reads):
    small, large = saturated_book(policy, 100), saturated_book(policy, 10_000)
    work_small = dispatch_work(small, demand_reads)
    work_large = dispatch_work(large, demand_reads)
    # the too-large jobs are rejected, the others wait: the same outcome at both lengths
    assert small.counts["rejected"] == large.counts["rejected"] == 20
    assert len(small.queue) == 100 and len(large.queue) == 10_000
    # exactly equal: the work depends on what could start (nothing) and on the arrivals, not on N
    assert work_small == work_large
    assert work_large < 200   # a few reads per epoch; a scan of the queue would be >= 10,000
    assert policy.examined <= 1


def test_priority_backfill_skips_demands_larger_than_the_free_accelerators():
    """A queue of 4-accelerator jobs behind a blocked head, 2 accelerators free: none is looked at."""
    for n_queued in (100, 10_000):
        index = DemandIndex()
        jobs = [Job(JobSpec(i, float(i), H * 4, 4), H * 4) for i in range(n_queued)]
        for j in jobs:
            index.add(j)
        policy = PriorityBackfill()
        started = policy.place(Eligible(jobs, len(jobs), index, np.inf), np.array([2]), NodeView(now_s=0.0))
        assert started == [] and policy.examined == 1   # the head only


def test_priority_backfill_skips_jobs_that_would_delay_the_reservation():
    """2 of 4 accelerators free, the head wants 4 (reserved when the running job ends, in 1 h);
    behind it N 2-accelerator jobs of 5 h: each fits the free accelerators but would delay the
    head, so none starts; their bucket's shortest estimate says so without looking at them. One
    short job among them, the last, is found and started."""
    for n_queued in (100, 10_000):
        running = Job(JobSpec(10**6, 0.0, H * 2, 2), H * 2)   # 1 h left on 2 accelerators
        running.placement, running.status, running.run_start_s = [(0, 2)], "running", 0.0
        jobs = [Job(JobSpec(0, 0.0, H * 4, 4), H * 4)]
        jobs += [Job(JobSpec(i, float(i), 5 * H * 2, 2), 5 * H * 2) for i in range(1, n_queued + 1)]
        view = NodeView(now_s=0.0, running=(running,))
        policy = PriorityBackfill()
        index = DemandIndex(jobs)
        assert policy.place(Eligible(jobs, len(jobs), index, np.inf), np.array([2]), view) == []
        assert policy.examined == 1   # the head only
        short = Job(JobSpec(n_queued + 1, float(n_queued + 1), 0.5 * H * 2, 2), 0.5 * H * 2)
        jobs.append(short)
        index.add(short)
        started = policy.place(Eligible(jobs, len(jobs), index, np.inf), np.array([2]), view)
        assert started == [(short, [(0, 2)])]


def test_fifo_blocks_where_backfilling_does_not():
    """Hand-built: 4 free of 8; the head wants 8. FIFO starts nothing; EASY starts the short
    2-accelerator job behind it (it ends before the head's reservation) and not the long one."""
    running = Job(JobSpec(99, 0.0, 2 * H * 4, 4), 2 * H * 4)   # 2 h on 4 accelerators of node 0
    running.placement, running.status, running.run_start_s = [(0, 4)], "running", 0.0
    queue = [Job(JobSpec(0, 1.0, H * 8, 8), H * 8),            # head: needs both nodes
             Job(JobSpec(1, 2.0, 5 * H * 2, 2), 5 * H * 2),    # 5 h: would delay the head
             Job(JobSpec(2, 3.0, H * 2, 2), H * 2)]            # 1 h: ends before the reservation
    free = np.array([0, 4])
    view = NodeView(now_s=0.0, running=(running,))
    assert Fifo().place(queue, free, view) == []
    started = PriorityBackfill().place(queue, free, view)
    assert [(j.spec.job_id, p) for j, p in started] == [(2, [(1, 2)])]


def reference_easy(queue, free_accel, view):
    """EASY backfilling over the whole queue sorted by (priority desc, submit, id): the policy's
    algorithm without the index, every job examined."""
    jobs = sorted(queue, key=lambda j: (-j.spec.priority, j.spec.submit_s, j.spec.job_id))
    free, order, started = free_accel.copy(), node_order(len(free_accel)), []
    i = 0
    while i < len(jobs):
        placement = first_fit(jobs[i].n_accelerators, free, order)
        if placement is None:
            break
        _take(free, placement)
        started.append((jobs[i], placement))
        i += 1
    if i == len(jobs):
        return started
    shadow_s, spare = PriorityBackfill._reservation(jobs[i], free, order, view.now_s, list(view.running), started)
    for job in jobs[i + 1:]:
        if view.now_s + backfill_run_s(job) <= shadow_s:
            placement = first_fit(job.n_accelerators, free, order)
        else:
            placement = first_fit(job.n_accelerators, np.minimum(free, spare), order)
            if placement is not None:
                _take(spare, placement)
        if placement is not None:
            _take(free, placement)
            started.append((job, placement))
    return started


@pytest.mark.parametrize("seed", range(40))
def test_priority_backfill_order_is_the_reference_easy(seed):
    """Random queues (sizes 1-8, priorities 0-2, runtimes 0.1-10 h, some jobs submitted after
    now) on 3 nodes of 4, some running: the indexed policy starts exactly the reference's jobs
    on the reference's nodes, through the book's view and from a plain list."""
    rng = np.random.default_rng(seed)
    n_nodes, per_node, now = 3, 4, 1000.0
    running = []
    free = np.full(n_nodes, per_node)
    for r in range(rng.integers(0, 4)):
        node, n = int(rng.integers(n_nodes)), int(rng.integers(1, per_node + 1))
        if free[node] >= n:
            j = Job(JobSpec(500 + r, 0.0, float(rng.uniform(0.1, 5)) * H * n, n), 0.0)
            j.remaining_accel_s = float(rng.uniform(0.1, 5)) * H * n
            j.placement, j.status, j.run_start_s = [(node, n)], "running", 0.0
            free[node] -= n
            running.append(j)
    queue = []
    for i in range(int(rng.integers(1, 60))):
        n = int(rng.choice([1, 2, 3, 4, 8]))
        hours = float(rng.uniform(0.1, 10))
        submit = float(rng.uniform(0, 1100))
        queue.append(Job(JobSpec(i, submit, hours * H * n, n, int(rng.integers(0, 3))), hours * H * n,
                         hours * H * float(rng.choice([1.0, 2.0]))))
    queue.sort(key=lambda j: (j.spec.submit_s, j.spec.job_id))
    eligible = [j for j in queue if j.spec.submit_s < now]
    view = NodeView(now_s=now, running=tuple(running))
    expected = [(j.spec.job_id, p) for j, p in reference_easy(eligible, free, view)]
    index = DemandIndex(queue)   # the whole queue, as the book's: the view hides the later jobs
    indexed = PriorityBackfill().place(Eligible(queue, len(eligible), index, now), free, view)
    assert [(j.spec.job_id, p) for j, p in indexed] == expected
    assert [(j.spec.job_id, p) for j, p in PriorityBackfill().place(eligible, free, view)] == expected


def test_a_requeued_job_goes_back_to_its_arrival_position_in_its_bucket():
    index = DemandIndex()
    jobs = [Job(JobSpec(i, float(i), H, 1), H) for i in range(5)]
    for j in (jobs[0], jobs[2], jobs[4]):
        index.add(j)
    index.add(jobs[1])
    index.remove(jobs[2])
    index.add(jobs[3])
    walk = [j.spec.job_id for j, _ in index.merged(np.inf, lambda n: True)]
    assert walk == [0, 1, 3, 4] and len(index) == 4


def test_book_view_and_index_follow_starts_rejections_and_requeues():
    """The book's queue, its index and the policies' view agree after every kind of change."""
    book = JobBook(2, 4, PriorityBackfill(PolicyParams(accel_per_node=4)), 80.0, 700.0)
    for i, (n, prio) in enumerate([(4, 0), (2, 1), (9, 0), (1, 2), (4, 1), (2, 0)]):
        book.submit(JobSpec(i, float(i), H * n, n, prio))
    book.dispatch(60.0, None)
    assert book.counts["rejected"] == 1   # the 9-accelerator job
    book.fail_nodes([0], 120.0)           # its jobs roll back to the queue
    book.dispatch(180.0, None)
    in_index = sorted(j.spec.job_id for b in book.demand.buckets.values() for j in b)
    assert in_index == sorted(j.spec.job_id for j in book.queue)
    assert book.queue == sorted(book.queue, key=lambda j: (j.spec.submit_s, j.spec.job_id))
    assert all(j.status == "queued" for j in book.queue)


def test_a_checkpointed_book_restores_its_queue_index_and_rejections():
    """The queue goes into a checkpoint packed (untouched jobs as columns, requeued ones as they
    are); restored, the book decides exactly as the original does from then on."""
    import math
    import pickle

    from twin.ops.job import _SLOT_VALUES

    def book():
        b = JobBook(2, 4, PriorityBackfill(PolicyParams(accel_per_node=4)), 80.0, 700.0)
        for i in range(40):
            n = (1, 2, 4, 8, 9)[i % 5]
            b.submit(JobSpec(i, 10.0 * i, H * n * (1 + i % 3), n, i % 3, deadline_s=math.nan if i % 4 else 5e4))
        b.dispatch(100.0, None)
        b.fail_nodes([0], 150.0)   # its jobs go back to the queue, no longer as submitted
        b.dispatch(200.0, None)
        return b

    def same(x, y):
        return x == y or (isinstance(x, float) and math.isnan(x) and math.isnan(y))

    original = book()
    restored = pickle.loads(pickle.dumps(original))
    assert any(not math.isnan(j.run_start_s) for j in original.queue)   # a requeued job among them
    for a, b in zip(original.queue, restored.queue, strict=True):
        assert all(same(x, y) for x, y in zip(_SLOT_VALUES(a)[1:], _SLOT_VALUES(b)[1:]))
        assert a.spec.job_id == b.spec.job_id and same(a.spec.deadline_s, b.spec.deadline_s)
    for b in (original, restored):
        b.restore_nodes([0])
        for k in range(5):
            b.dispatch(1000.0 + 3e4 * k, None)
    assert [j.spec.job_id for j in original.queue] == [j.spec.job_id for j in restored.queue]
    assert [j.spec.job_id for j in original.running] == [j.spec.job_id for j in restored.running]
    assert original.counts == restored.counts


@pytest.mark.parametrize("seed", range(10))
def test_rejections_are_the_full_scans(seed):
    """Rejection by due time (a heap) rejects exactly what a scan of every eligible queued job at
    every dispatch rejects, in queue order: jobs too large for the constellation and jobs whose
    deadline can no longer be met, among others that wait, start, fail and come back."""
    rng = np.random.default_rng(seed)
    book = JobBook(3, 4, PriorityBackfill(PolicyParams(accel_per_node=4)), 80.0, 700.0)
    specs = []
    t = 0.0
    for i in range(300):
        t += float(rng.exponential(120.0))
        n = int(rng.choice([1, 2, 4, 8, 16]))
        hours = float(rng.uniform(0.05, 3.0))
        deadline = t + float(rng.uniform(1.0, 4.0)) * hours * 3600.0 if rng.random() < 0.5 else float("nan")
        specs.append(JobSpec(i, t, hours * H * n, n, int(rng.integers(0, 2)), deadline_s=deadline))
    k = 0
    for epoch in range(1, 2000):
        now = 60.0 * epoch
        while k < len(specs) and specs[k].submit_s <= now:
            book.submit(specs[k])
            k += 1
        if epoch % 97 == 0:
            book.fail_nodes([epoch % 3], now - 30.0)
        if epoch % 97 == 5:
            book.restore_nodes([0, 1, 2])
        eligible = [j for j in book.queue if j.spec.submit_s < now]
        expected = [j.spec.job_id for j in eligible if j.n_accelerators > book.capacity
                    or now + j.remaining_accel_s / j.n_accelerators > j.spec.deadline_s]
        before = len(book.done)
        book.dispatch(now, None)
        got = [j.spec.job_id for j in book.done[before:] if j.status == "rejected"]
        assert got == expected, (epoch, got, expected)
        rates = np.ones((1, 3))
        book.advance(rates, now, 60.0)
    assert book.counts["rejected"] > 20
