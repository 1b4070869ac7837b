"""Placement and job progress: first-fit, gangs, rejection, slowest-member progress."""
import numpy as np
import pytest

from twin.jobs import JobBook
from twin.kernels.jobs import advance_jobs
from twin.scheduling import first_fit, fifo
from twin.workload import JobSpec


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
    ptr = np.array([0, 2]); nodes = np.array([0, 1]); accels = np.array([2.0, 2.0]); n_acc = np.array([4.0])
    remaining = np.array([1000.0]); energy = np.zeros(1); done = np.array([-1.0])
    kernel(rate, 0.0, 10.0, ptr, nodes, accels, n_acc, remaining, energy, done, 80.0, 700.0)
    assert remaining[0] == pytest.approx(1000 - 2 * 4 * 0.5 * 10)
    # energy: node 0 at peak, node 1 at idle + half the dynamic range, then idle
    expect = 2 * 700 * 30 + 2 * (80 + 620 * 0.5) * 20 + 2 * 80 * 10
    assert energy[0] == pytest.approx(expect)
    assert done[0] < 0


def test_completion_time_is_interpolated_within_the_step():
    rate = np.ones((5, 1))
    remaining = np.array([25.0]); done = np.array([-1.0]); energy = np.zeros(1)
    advance_jobs(rate, 100.0, 10.0, np.array([0, 1]), np.array([0]), np.array([1.0]), np.array([1.0]),
                 remaining, energy, done, 0.0, 100.0)
    assert done[0] == pytest.approx(125.0) and remaining[0] == 0.0
    assert energy[0] == pytest.approx(100.0 * 25.0)
