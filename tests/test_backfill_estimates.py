"""EASY backfilling with user runtime estimates (twin.ops.scheduling.backfill_run_s): the trace's
own estimate (workload.mapping.estimate_column) or the exact runtime × scheduler.runtime_overestimate."""
import math

import numpy as np
import pytest

from twin.config import Scheduler
from twin.ops.job import Job
from twin.ops.jobs import JobBook
from twin.ops.policy_choice import make_policy
from twin.ops.scheduling import NodeView, PolicyParams, PriorityBackfill, backfill_run_s, estimated_run_s
from twin.ops.trace import TraceError, TraceMapping, load_trace
from twin.ops.workload import JobSpec
from twin.output.schema import JOB_DTYPE

H = 3600.0


def job(job_id, n, hours, estimate_h=None, done_h=0.0, priority=0):
    """A job of ``hours`` at full rate on ``n`` accelerators, ``done_h`` of them done, with a
    runtime estimate of ``estimate_h`` hours (exact if None)."""
    spec = JobSpec(job_id, 0.0, hours * H * n, n, priority)
    return Job(spec, (hours - done_h) * H * n, None if estimate_h is None else estimate_h * H)


def running(j, placement):
    j.placement, j.status, j.run_start_s = placement, "running", 0.0
    return j


class TestTheDecisionFlips:
    """Two 4-accelerator nodes at t = 0. Running: A holds node 0 for 1 h, B two accelerators of
    node 1 and ends in 2.5 h. The head (high priority) needs all 8: its reservation is B's
    estimated end. The candidate takes B's neighbours on node 1 (which the head needs too), so it
    backfills only if its estimated end is no later than the reservation."""

    def place(self, b, candidate):
        a = running(job(100, 4, 1.0), [(0, 4)])
        b = running(b, [(1, 2)])
        head = job(0, 8, 1.0, priority=5)
        view = NodeView(now_s=0.0, running=(a, b))
        return [j.spec.job_id for j, _ in PriorityBackfill().place([head, candidate], np.array([0, 2]), view)]

    def test_candidate_over_estimate_flips_it_at_the_predicted_factor(self):
        # B's estimate exact (its own, from a trace); the 1-h candidate estimated at f × 1 h:
        # it backfills iff f × 1 h <= 2.5 h, i.e. f <= 2.5
        b = job(101, 2, 2.5, estimate_h=2.5)
        for f, backfills in ((1.0, True), (2.5, True), (2.5 * (1 + 1e-9), False), (3.0, False)):
            assert self.place(b, job(1, 2, 1.0, estimate_h=f)) == ([1] if backfills else []), f

    def test_over_estimate_of_a_half_done_job_opens_the_hole(self):
        # all jobs over-estimated f-fold; B has 1.5 h of 3 h done. B's estimated end: 1.5 h +
        # (f − 1) × 3 h; the 2-h candidate's: f × 2 h. Backfills iff 2 f <= 3 f − 1.5, f >= 1.5
        for f, backfills in ((1.0, False), (1.5, True), (1.5 * (1 - 1e-9), False), (3.0, True)):
            b = job(101, 2, 3.0, estimate_h=3.0 * f, done_h=1.5)
            assert self.place(b, job(1, 2, 2.0, estimate_h=2.0 * f)) == ([1] if backfills else []), f

    def test_a_job_outliving_its_estimate_is_planned_to_end_now(self):
        b = job(101, 2, 3.0, estimate_h=1.0, done_h=1.5)    # 1.5 h done of a "1-h" job: still running
        assert backfill_run_s(b) == 0.0                    # planned to end now; not killed
        # so the head's reservation is A's end, 1 h, not B's true end in 1.5 h
        assert self.place(b, job(1, 2, 1.0)) == [1]
        assert self.place(b, job(1, 2, 1.1)) == []


def test_exact_estimates_reproduce_the_exact_runtimes_bit_for_bit():
    rng = np.random.default_rng(7)
    for _ in range(200):
        n, hours = int(rng.integers(1, 9)), float(rng.uniform(0.01, 50.0))
        j = job(0, n, hours, done_h=float(rng.uniform(0, hours)))
        j.stall_s = float(rng.choice([0.0, rng.uniform(0, 600)]))
        assert backfill_run_s(j) == estimated_run_s(j)
    book = JobBook(1, 4, PriorityBackfill(), 80.0, 700.0)
    spec = JobSpec(0, 0.0, 7.3 * H * 3, 3)
    book.submit(spec)
    assert book.queue[0].estimate_s == spec.work_accel_s / spec.n_accelerators


def test_the_book_fixes_the_estimate_at_submission_and_writes_it_to_jobs():
    book = JobBook(1, 4, PriorityBackfill(PolicyParams(runtime_overestimate=3.0)), 80.0, 700.0)
    book.submit(JobSpec(0, 0.0, 2 * H * 4, 4))
    j = book.queue[0]
    assert j.estimate_s == pytest.approx(6 * H)
    j.remaining_accel_s = H * 4          # progress does not change the estimate
    assert j.estimate_s == pytest.approx(6 * H)
    assert backfill_run_s(j) == pytest.approx(H + 4 * H)
    row = np.array([j.row(0.0)], dtype=JOB_DTYPE)
    assert row["estimate_s"][0] == pytest.approx(6 * H)


def test_make_policy_passes_the_factor():
    from twin.config import Spacecraft
    policy = make_policy(Scheduler(policy="priority", runtime_overestimate=2.5), Spacecraft())
    assert policy.params.runtime_overestimate == 2.5
    assert Scheduler().runtime_overestimate == 1.0
    with pytest.raises(ValueError):
        Scheduler(runtime_overestimate=0.5)


# ---------------------------------------------------------------- traces with an estimate column
CSV = """id,arrive,run,req,gpus,milli
a,0,100,300,2,1000
b,10,50,,1,500
c,20,40,60,4,250
"""


def mapping(path, **kw):
    return TraceMapping(file=path, submit_column="arrive", duration_column="run", estimate_column="req",
                        accelerators_column="gpus", id_column="id", **kw)


def test_a_trace_estimate_column_is_read(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(CSV)
    jobs = load_trace(mapping(path, time_unit_s=60.0))
    assert jobs.estimate_s[0] == 300 * 60.0
    assert math.isnan(jobs.estimate_s[1])            # empty cell: no estimate of its own
    assert jobs.estimate_s[2] == 60 * 60.0
    # scaled as the duration: the ratio estimate / runtime at full rate stays the trace's
    scaled = load_trace(mapping(path, accelerator_fraction_column="milli", size_scale=2.0))
    runtime_s = scaled.work_accel_s / scaled.n_accelerators
    assert scaled.estimate_s[[0, 2]] / runtime_s[[0, 2]] == pytest.approx([3.0, 1.5])
    assert np.isnan(load_trace(mapping(path).model_copy(update={"estimate_column": None})).estimate_s).all()


def test_a_jsonl_trace_estimate_and_a_negative_one(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"id": "a", "arrive": 0, "run": 10, "req": 25, "gpus": 1}\n'
                    '{"id": "b", "arrive": 5, "run": 10, "gpus": 1}\n')
    jobs = load_trace(mapping(path))
    assert jobs.estimate_s[0] == 25.0 and math.isnan(jobs.estimate_s[1])
    bad = tmp_path / "bad.csv"
    bad.write_text("id,arrive,run,req,gpus,milli\na,0,10,-1,1,1000\n")
    with pytest.raises(TraceError, match="req"):
        load_trace(mapping(bad))


def test_the_book_takes_a_trace_job_s_own_estimate_else_the_factor(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(CSV)
    trace = load_trace(mapping(path))
    book = JobBook(2, 4, PriorityBackfill(PolicyParams(runtime_overestimate=2.0)), 80.0, 700.0)
    book.replay(trace, 1e9)
    for i in range(len(trace)):
        book.submit(JobSpec(i, float(trace.submit_s[i]), float(trace.work_accel_s[i]),
                            int(trace.n_accelerators[i])))
    assert [j.estimate_s for j in book.queue] == [300.0, 2.0 * 50.0, 60.0]
