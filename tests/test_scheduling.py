"""Placement and job progress: first-fit, gangs, rejection, slowest-member progress."""
import numpy as np
import pytest

from twin.ops.jobs import JobBook
from twin.kernels import layout as L
from twin.kernels.jobs import advance_jobs
from twin.ops.scheduling import first_fit, fifo
from twin.ops.workload import JobSpec


def test_first_fit_single_node_then_gang():
    free = np.array([2, 4, 4])
    order = np.arange(3)
    assert first_fit(3, free, order) == [(1, 3)]
    assert first_fit(11, free, order) is None
    assert first_fit(6, np.array([2, 1, 4]), order) == [(0, 2), (1, 1), (2, 3)]


def test_fifo_head_blocks_the_queue():
    book = JobBook(2, 4, fifo, 80.0, 700.0)
    for i, n in enumerate([4, 8, 1]):
        book.submit(JobSpec(i, 0.0, 100.0 * n, n))
    book.dispatch(60.0, None)
    assert [j.spec.job_id for j in book.running] == [0]
    assert [j.spec.job_id for j in book.queue] == [1, 2]  # job 2 would fit, FIFO does not backfill


def test_a_job_larger_than_the_constellation_is_rejected_with_a_reason():
    book = JobBook(2, 4, fifo, 80.0, 700.0)
    book.submit(JobSpec(0, 0.0, 100.0, 9))
    book.dispatch(60.0, None)
    assert not book.queue
    row = book.take_rows()[0]
    assert row["status"] == b"rejected"
    assert book.counts["rejected"] == 1


@pytest.mark.parametrize("jit", [True, False])
def test_gang_progresses_at_its_slowest_member(jit):
    kernel = advance_jobs if jit else advance_jobs.py_func
    rate = np.array([[1.0, 0.5], [1.0, 0.5], [1.0, 0.0]])   # node 1 throttled, then off
    ptr, nodes, accels, n_acc = np.array([0, 2]), np.array([0, 1]), np.array([2.0, 2.0]), np.array([4.0])
    remaining, energy, done = np.array([1000.0]), np.zeros(1), np.array([-1.0])
    kernel(rate, 0.0, 10.0, ptr, nodes, accels, n_acc, remaining, energy, done, 80.0, 700.0)
    assert remaining[0] == pytest.approx(1000 - 2 * 4 * 0.5 * 10)
    # energy: node 0 at peak, node 1 at idle + half the dynamic range, then idle
    expect = 2 * 700 * 30 + 2 * (80 + 620 * 0.5) * 20 + 2 * 80 * 10
    assert energy[0] == pytest.approx(expect)
    assert done[0] < 0


def test_completion_time_is_interpolated_within_the_step():
    rate = np.ones((5, 1))
    remaining, done, energy = np.array([25.0]), np.array([-1.0]), np.zeros(1)
    advance_jobs(rate, 100.0, 10.0, np.array([0, 1]), np.array([0]), np.array([1.0]), np.array([1.0]),
                 remaining, energy, done, 0.0, 100.0)
    assert done[0] == pytest.approx(125.0) and remaining[0] == 0.0
    assert energy[0] == pytest.approx(100.0 * 25.0)


# ---------------------------------------------------------------------- checkpoints and rollback
def _kernel_args(n_steps, remaining, interval, stall=0.0, rate=1.0):
    rate_kn = np.full((n_steps, 1), rate)
    return dict(rate=rate_kn, ptr=np.array([0, 1]), nodes=np.array([0]), accels=np.array([1.0]),
                n_acc=np.array([1.0]), remaining=np.array([remaining]), energy=np.zeros(1),
                done=np.array([-1.0]), work=np.array([remaining]), interval=np.array([interval]),
                since=np.zeros(1), ckpt=np.zeros(1), stall=np.array([stall]))


@pytest.mark.parametrize("jit", [True, False])
def test_kernel_checkpoints_on_the_jobs_run_time(jit):
    kernel = advance_jobs if jit else advance_jobs.py_func
    a = _kernel_args(10, 1000.0, interval=30.0)
    kernel(a["rate"], 0.0, 10.0, a["ptr"], a["nodes"], a["accels"], a["n_acc"], a["remaining"],
           a["energy"], a["done"], 0.0, 100.0, a["work"], a["interval"], a["since"], a["ckpt"], a["stall"])
    # 100 s held, checkpoints at 30, 60 and 90 s: the last saved 90 s of work
    assert a["remaining"][0] == pytest.approx(900.0)
    assert a["ckpt"][0] == pytest.approx(90.0) and a["since"][0] == pytest.approx(10.0)


@pytest.mark.parametrize("jit", [True, False])
def test_kernel_stall_costs_progress_not_power(jit):
    kernel = advance_jobs if jit else advance_jobs.py_func
    a = _kernel_args(10, 50.0, interval=1e9, stall=25.0)
    kernel(a["rate"], 0.0, 10.0, a["ptr"], a["nodes"], a["accels"], a["n_acc"], a["remaining"],
           a["energy"], a["done"], 0.0, 100.0, a["work"], a["interval"], a["since"], a["ckpt"], a["stall"])
    assert a["done"][0] == pytest.approx(75.0)          # 25 s stalled, then 50 s of work
    assert a["energy"][0] == pytest.approx(100.0 * 75.0)
    assert a["stall"][0] == 0.0


def _running_book(n_nodes=2, accel=4, work=3600.0, n=4, interval=600.0):
    book = JobBook(n_nodes, accel, fifo, 80.0, 700.0, peak_flops=1e15)
    book.submit(JobSpec(0, 0.0, work * n, n, 0, interval))
    book.dispatch(60.0, None)
    return book


def test_a_node_failure_rolls_the_job_back_to_its_last_checkpoint():
    book = _running_book()
    book.advance(np.ones((100, 2)), 60.0, 10.0)      # 1000 s held: checkpoints at 600 s
    job = book.running[0]
    assert job.done_accel_s == pytest.approx(4000.0) and job.checkpoint_work_accel_s == pytest.approx(2400.0)
    book.fail_nodes([0], 1060.0)
    assert not book.running and book.queue == [job]
    assert job.remaining_accel_s == pytest.approx(4 * 3600.0 - 2400.0)
    assert job.lost_accel_s == pytest.approx(1600.0) and job.preemptions == 1
    assert book.free.tolist() == [4, 4] and book.busy.tolist() == [0.0, 0.0]
    assert book.available().tolist() == [0, 4]
    assert book.take_events() == [(1060.0, 0, L.EVENT_ROLLBACK, 0.0)]
    book.dispatch(1080.0, None)                        # restarts on the node still up
    assert job.placement == [(1, 4)] and job.start_s == 60.0 and list(book.waits) == [60.0]
    m = book.metrics()
    assert m["work_lost_accel_h"] == pytest.approx(1600.0 / 3600)
    assert m["work_delivered_accel_h"] == pytest.approx(2400.0 / 3600)


def test_requeued_jobs_go_back_to_their_arrival_position():
    book = JobBook(1, 4, fifo, 80.0, 700.0)
    book.submit(JobSpec(0, 0.0, 4000.0, 4))
    book.dispatch(60.0, None)
    for i in (1, 2):
        book.submit(JobSpec(i, 100.0 * i, 400.0, 4))
    book.fail_nodes([0], 300.0)
    assert [j.spec.job_id for j in book.queue] == [0, 1, 2]


def test_unreachable_deadline_is_rejected_with_a_reason():
    book = JobBook(1, 1, fifo, 80.0, 700.0)
    book.submit(JobSpec(0, 0.0, 3600.0, 1, deadline_s=1800.0))
    book.submit(JobSpec(1, 0.0, 600.0, 1, deadline_s=7200.0))
    book.dispatch(60.0, None)
    rows = book.take_rows()
    assert rows["reason"].tolist() == [b"deadline_unreachable"] and rows["status"][0] == b"rejected"
    assert [j.spec.job_id for j in book.running] == [1]


def test_a_deadline_that_passes_while_a_job_waits_rejects_it_at_the_next_epoch():
    """The queue is scanned for rejections only from the earliest time a queued job can become
    rejectable: the job must still go at the first epoch after its latest start, not later."""
    book = JobBook(1, 1, fifo, 80.0, 700.0)
    book.submit(JobSpec(0, 0.0, 36000.0, 1))                    # holds the only accelerator
    book.submit(JobSpec(1, 10.0, 600.0, 1, deadline_s=4000.0))  # latest start 3400 s
    for now in (60.0, 1200.0, 3360.0):
        book.dispatch(now, None)
        assert [j.spec.job_id for j in book.queue] == [1] and not book.take_rows().size
    book.dispatch(3420.0, None)
    rows = book.take_rows()
    assert rows["job_id"].tolist() == [1] and rows["reason"].tolist() == [b"deadline_unreachable"]
    assert not book.queue


def test_a_requeued_job_is_checked_against_its_deadline_again():
    """A job that rejoins the queue (rolled back by a failure) brings its own latest start."""
    book = JobBook(2, 1, fifo, 80.0, 700.0)
    book.submit(JobSpec(0, 0.0, 3000.0, 1, checkpoint_interval_s=600.0, deadline_s=5000.0))
    book.submit(JobSpec(1, 0.0, 1e6, 1))
    book.dispatch(60.0, None)                          # both start; job 0 on node 0
    book.advance(np.ones((198, 2)), 60.0, 10.0)        # to 2040 s
    book.dispatch(2040.0, None)                        # past job 0's first latest start: a scan
    book.advance(np.ones((6, 2)), 2040.0, 10.0)        # to 2100 s: checkpoints at 600, 1200, 1800 s held
    book.fail_nodes([0], 2100.0)                       # back to 1800 s done: 1200 s left, latest start 3800 s
    for now in (2160.0, 3780.0):                       # node 0 down, node 1 busy: it waits
        book.dispatch(now, None)
        assert [j.spec.job_id for j in book.queue] == [0] and not book.take_rows().size
    book.dispatch(3840.0, None)
    assert book.take_rows()["reason"].tolist() == [b"deadline_unreachable"]


def test_job_rows_carry_wait_slowdown_and_flop():
    book = _running_book(work=100.0, n=1)
    book.advance(np.ones((20, 2)), 60.0, 10.0)
    row = book.take_rows()[0]
    assert row["status"] == b"completed" and row["wait_s"] == 60.0
    assert row["slowdown"] == pytest.approx((160.0 - 0.0) / 100.0)
    assert row["flop"] == pytest.approx(100.0 * 1e15)
    assert np.isnan(row["deadline_s"]) and row["reason"] == b""
