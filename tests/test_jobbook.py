"""The job book's slot arrays: running jobs' progress lives in arrays the book keeps from tick to
tick; whoever holds a Job still sees (and sets) its progress, and the result equals gathering
every job into fresh arrays each tick (the reference the slot arrays must match)."""
import pickle

import numpy as np
import pytest

from twin.ops.job import PROGRESS_FIELDS, JobSlots
from twin.ops.jobs import JobBook
from twin.kernels.jobs import advance_jobs
from twin.ops.scheduling import Fifo, first_fit
from twin.ops.workload import JobSpec

N_NODES, ACCEL = 12, 4


class Churn(Fifo):
    """FIFO placement, and at every epoch a random running job preempted and another migrated
    (first fit on other nodes): starts, stops and moves on every tick."""

    def __init__(self, seed):
        super().__init__()
        self.rng = np.random.default_rng(seed)

    def revise(self, queue, free_accel, view):
        running = list(view.running)
        if len(running) < 2:
            return []
        victim, mover = self.rng.choice(len(running), 2, replace=False)
        free = free_accel.copy()
        actions = [("preempt", running[victim])]
        for node, count in running[victim].placement:
            free[node] += count
        job = running[mover]
        others = np.array([n for n in range(len(free)) if n not in {m for m, _ in job.placement}])
        placement = first_fit(job.n_accelerators, free, others)
        if placement is not None:
            actions.append(("migrate", job, placement))
        return actions


def churning_book(seed=1, n_jobs=120):
    rng = np.random.default_rng(seed)
    book = JobBook(N_NODES, ACCEL, Churn(seed), 80.0, 700.0, peak_flops=1e15, migration_cost_s=30.0)
    for i in range(n_jobs):
        n = int(rng.choice([1, 2, 4, 8]))
        book.submit(JobSpec(i, 60.0 * (i // 4), n * float(rng.uniform(60.0, 900.0)), n,
                            checkpoint_interval_s=float(rng.choice([120.0, 600.0]))))
    return book


def tick(book, k, rng, dt_s=10.0, steps=6):
    """One engine epoch of ``steps`` steps: random node rates, a node failure now and then."""
    rate = rng.uniform(0.0, 1.0, (steps, N_NODES))
    rate[:, rng.integers(N_NODES)] = 1.0
    book.advance(rate, k * steps * dt_s, dt_s)
    now_s = (k + 1) * steps * dt_s
    book.restore_nodes(np.flatnonzero(book.down))
    if k % 7 == 3:
        book.fail_nodes([int(rng.integers(N_NODES))], now_s)
    book.dispatch(now_s, None)
    return rate


def gathered_advance(jobs, rate, t0_s, dt_s):
    """What one advance should do to ``jobs``: their progress gathered into fresh arrays and their
    placements into CSR form, one kernel call (the reference the slot arrays must match)."""
    ptr = np.cumsum([0] + [len(j.placement) for j in jobs])
    nodes = np.array([n for j in jobs for n, _ in j.placement], dtype=np.int64)
    accels = np.array([a for j in jobs for _, a in j.placement], dtype=np.float64)
    n_acc = np.array([j.n_accelerators for j in jobs], dtype=np.float64)
    work = np.array([j.spec.work_accel_s for j in jobs])
    interval = np.array([j.spec.checkpoint_interval_s for j in jobs])
    progress = {name: np.array([getattr(j, name) for j in jobs]) for name in PROGRESS_FIELDS}
    done_s = np.full(len(jobs), -1.0)
    work_done = advance_jobs(rate, t0_s, dt_s, ptr, nodes, accels, n_acc, progress["remaining_accel_s"],
                             progress["energy_j"], done_s, 80.0, 700.0, work, interval,
                             progress["since_checkpoint_s"], progress["checkpoint_work_accel_s"],
                             progress["stall_s"])
    return progress, done_s, work_done


def test_jobs_progress_as_if_gathered_afresh_every_tick():
    book, rng = churning_book(), np.random.default_rng(7)
    book.dispatch(0.0, None)
    seen_done = 0
    for k in range(60):
        jobs = book.running
        rate = rng.uniform(0.3, 1.0, (6, N_NODES))
        expected, done_s, work_done = gathered_advance(jobs, rate, k * 60.0, 10.0)
        before = book.work_done_accel_s
        book.advance(rate, k * 60.0, 10.0)
        # bit for bit: the same arithmetic on the same numbers, only the arrays differ
        for j, job in enumerate(jobs):
            assert [getattr(job, name) for name in PROGRESS_FIELDS] == \
                [expected[name][j] for name in PROGRESS_FIELDS]
            if done_s[j] >= 0.0:
                assert job.status == "completed" and job.end_s == done_s[j]
            else:
                assert job.status == "running"
        assert book.work_done_accel_s - before == pytest.approx(work_done, rel=1e-12)
        seen_done += int((done_s >= 0).sum())
        book.restore_nodes(np.flatnonzero(book.down))
        if k % 7 == 3:
            book.fail_nodes([int(rng.integers(N_NODES))], (k + 1) * 60.0)
        book.dispatch((k + 1) * 60.0, None)
        assert_slots_match_jobs(book)
    assert seen_done > 20 and book.counts["migrations"] > 20 and book.counts["rollbacks"] > 0


def assert_slots_match_jobs(book):
    """Every running job holds a slot whose members are its placement; free slots hold none."""
    slots = book.slots
    running = book.running
    assert book._active.tolist() == [job._slot for job in running]
    for job in running:
        lo, hi = slots.entry_lo[job._slot], slots.entry_hi[job._slot]
        assert list(zip(slots.member_node[lo:hi].tolist(), slots.member_accel[lo:hi].tolist())) == \
            [(n, float(a)) for n, a in job.placement]
    assert len(running) + len(slots.free_slots) == len(slots.entry_lo)
    held = np.zeros(N_NODES)
    for job in running:
        for node, count in job.placement:
            held[node] += count
    np.testing.assert_array_equal(book.busy, held)


def test_a_job_seen_from_outside_is_current_and_settable_while_it_runs():
    book = JobBook(2, 4, Fifo(), 80.0, 700.0)
    book.submit(JobSpec(0, 0.0, 4 * 3600.0, 4, checkpoint_interval_s=600.0))
    book.dispatch(60.0, None)
    job = book.running[0]
    book.advance(np.ones((100, 2)), 60.0, 10.0)
    assert job.remaining_accel_s == 4 * 3600.0 - 4000.0 and job.energy_j == 4 * 700.0 * 1000.0
    assert job.checkpoint_work_accel_s == 2400.0 and job.since_checkpoint_s == 400.0
    job.stall_s = 50.0                          # as a migration sets it: the kernel serves it
    book.advance(np.ones((10, 2)), 1060.0, 10.0)
    assert job.stall_s == 0.0 and job.remaining_accel_s == 4 * 3600.0 - 4000.0 - 4 * 50.0
    assert isinstance(job.remaining_accel_s, float)


def test_a_finished_job_keeps_its_values_and_frees_its_slot_for_the_next():
    book = JobBook(1, 4, Fifo(), 80.0, 700.0)
    for i, work in enumerate([100.0, 140.0, 300.0]):
        book.submit(JobSpec(i, 0.0, work, 1))
    book.dispatch(60.0, None)
    first, second, third = book.running
    assert [j._slot for j in (first, second, third)] == [0, 1, 2]
    book.advance(np.ones((15, 1)), 60.0, 10.0)          # first and second end, third runs on
    assert (first.status, second.status, third.status) == ("completed", "completed", "running")
    assert first.remaining_accel_s == 0.0 and first.energy_j == pytest.approx(700.0 * 100.0)
    assert first._slot == -1 and book.slots.free_slots[0] == 0
    book.submit(JobSpec(3, 100.0, 400.0, 1))
    book.dispatch(240.0, None)
    assert [(j.spec.job_id, j._slot) for j in book.running] == [(2, 2), (3, 0)]   # lowest free slot


def test_member_arrays_are_compacted_and_grow():
    book, rng = churning_book(seed=3, n_jobs=400), np.random.default_rng(3)
    book.slots = JobSlots(capacity=2)        # small, so that the slot arrays grow too
    book.dispatch(0.0, None)
    sizes, compactions = set(), 0
    for k in range(120):
        entries = book.slots.n_entries
        tick(book, k, rng)
        compactions += book.slots.n_entries < entries
        sizes.add(len(book.slots.member_node))
        assert_slots_match_jobs(book)
        assert book.slots.n_entries <= len(book.slots.member_node)
    assert compactions > 0 and len(sizes) > 1 and len(book.slots.entry_lo) > 2


def test_a_pickled_book_continues_exactly_like_the_original():
    book, rng = churning_book(seed=5), np.random.default_rng(5)
    book.dispatch(0.0, None)
    for k in range(20):
        tick(book, k, rng)
    copy = pickle.loads(pickle.dumps(book))
    assert copy.running[0]._slots is copy.slots
    rows = []
    for b in (book, copy):
        state = np.random.default_rng(11)
        for k in range(20, 60):
            tick(b, k, state)
        rows.append((b.take_rows().tobytes(), b.final_rows().tobytes(), b.metrics(),
                     [j._slot for j in b.running]))
    assert rows[0] == rows[1]


@pytest.mark.parametrize("jit", [True, False])
def test_slot_form_equals_csr_form(jit):
    """Jobs in slots 3 and 0 of larger arrays, members out of order, progress like CSR jobs 0, 1."""
    kernel = advance_jobs if jit else advance_jobs.py_func
    rate = np.array([[1.0, 0.5, 0.2], [0.9, 0.0, 1.0]])
    csr = dict(ptr=np.array([0, 2, 3]), nodes=np.array([0, 1, 2]), accels=np.array([2.0, 2.0, 1.0]),
               n_acc=np.array([4.0, 1.0]), remaining=np.array([1000.0, 5.0]), energy=np.zeros(2))
    done = np.full(2, -1.0)
    total = kernel(rate, 0.0, 10.0, csr["ptr"], csr["nodes"], csr["accels"], csr["n_acc"],
                   csr["remaining"], csr["energy"], done, 80.0, 700.0)
    slots, lo, hi = np.array([3, 0]), np.array([0, 0, 0, 2]), np.array([1, 0, 0, 4])
    nodes, accels = np.array([2, 9, 0, 1]), np.array([1.0, 0.0, 2.0, 2.0])
    n_acc, remaining = np.array([1.0, 0, 0, 4.0]), np.array([5.0, 0, 0, 1000.0])
    energy, slot_done = np.zeros(4), np.full(2, -1.0)
    zeros = np.zeros(4)
    slot_total = kernel(rate, 0.0, 10.0, lo, nodes, accels, n_acc, remaining, energy, slot_done,
                        80.0, 700.0, np.full(4, 1e9), np.full(4, 1e9), zeros.copy(), zeros.copy(),
                        zeros.copy(), slots, hi)
    assert remaining[[3, 0]].tolist() == csr["remaining"].tolist()
    assert energy[[3, 0]].tolist() == csr["energy"].tolist()
    assert slot_done.tolist() == done.tolist() and slot_total == total
    assert total == pytest.approx(1000.0 - csr["remaining"][0] + 5.0)
