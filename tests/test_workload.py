"""Job sources: Poisson arrivals with lognormal or exponential sizes, priorities and deadlines;
trace replay of the real Alibaba trace through the shipped config and of another trace layout."""
import math
import pickle

import numpy as np
import pytest

from conftest import REPO
from twin.config import load_config
from twin.ops.workload import PoissonSource, TraceSource, job_source


def poisson(**kw):
    """A Poisson workload; 20 jobs/h unless said otherwise (the rate these tests were written at)."""
    from twin.config import PoissonWorkload
    if "offered_load" not in kw:
        kw.setdefault("arrival_rate_per_h", 20.0)
    return PoissonWorkload(**kw)


def drain(source, limit=None):
    jobs = []
    while source.peek() is not None and (limit is None or len(jobs) < limit):
        jobs.append(source.pop())
    return jobs


def test_poisson_rate_and_exponential_mean():
    wl = poisson(arrival_rate_per_h=30, work_distribution="exponential", median_runtime_h=2.0, accelerators=[1])
    jobs = drain(PoissonSource(wl, np.random.default_rng(1), 2000 * 3600.0))
    n = len(jobs)
    # Poisson count over 2000 h: mean 60,000, sd 245
    assert abs(n - 60_000) < 4 * math.sqrt(60_000)
    work_h = np.array([j.work_accel_s for j in jobs]) / 3600
    assert work_h.mean() == pytest.approx(2.0, rel=4 / math.sqrt(n))   # exponential: sd = mean
    gaps = np.diff([j.submit_s for j in jobs])
    assert gaps.std() / gaps.mean() == pytest.approx(1.0, abs=0.02)    # exponential gaps


def test_lognormal_median_and_gangs():
    wl = poisson(arrival_rate_per_h=50, median_runtime_h=3.0, work_sigma=1.2, accelerators=[1, 4])
    jobs = drain(PoissonSource(wl, np.random.default_rng(2), 500 * 3600.0))
    per_accel_h = np.array([j.work_accel_s / j.n_accelerators for j in jobs]) / 3600
    assert np.median(per_accel_h) == pytest.approx(3.0, rel=0.05)
    assert np.std(np.log(per_accel_h)) == pytest.approx(1.2, rel=0.03)
    assert {j.n_accelerators for j in jobs} == {1, 4}


def test_priorities_and_deadlines():
    wl = poisson(arrival_rate_per_h=20, priorities=[0, 5], deadline_slack=3.0)
    jobs = drain(PoissonSource(wl, np.random.default_rng(3), 100 * 3600.0))
    assert {j.priority for j in jobs} == {0, 5}
    for j in jobs[:50]:
        assert j.deadline_s == pytest.approx(j.submit_s + 3.0 * j.work_accel_s / j.n_accelerators)
    assert all(math.isnan(j.deadline_s) for j in drain(PoissonSource(poisson(), np.random.default_rng(3), 36000.0)))


def test_a_single_priority_draws_nothing():
    """Adding ``priorities: [k]`` must not change the stream of an existing scenario."""
    a = drain(PoissonSource(poisson(), np.random.default_rng(4), 50 * 3600.0))
    b = drain(PoissonSource(poisson(priorities=[7]), np.random.default_rng(4), 50 * 3600.0))
    assert [(j.submit_s, j.work_accel_s, j.n_accelerators) for j in a] == \
           [(j.submit_s, j.work_accel_s, j.n_accelerators) for j in b]
    assert {j.priority for j in b} == {7}


def test_a_pickled_source_continues_identically():
    source = PoissonSource(poisson(), np.random.default_rng(5), 100 * 3600.0)
    drain(source, 100)
    clone = pickle.loads(pickle.dumps(source))
    assert [repr(j) for j in drain(source)] == [repr(j) for j in drain(clone)]   # NaN deadlines


# ---------------------------------------------------------------------- offered load
@pytest.mark.parametrize("distribution, mean_h", [
    ("lognormal", 2.0 * math.exp(0.5)),   # median 2 h, sigma 1: mean = median exp(sigma^2 / 2) = 3.2974 h
    ("exponential", 2.0)])                # median_runtime_h is the exponential's mean
def test_offered_load_sets_the_rate_from_the_installed_accelerators(distribution, mean_h):
    """rate = load x accelerators / (mean accelerators per job x mean run time), by hand: 0.8 of
    one satellite's 4 accelerators with jobs of 1, 2, 4 or 8 (mean 3.75) is 0.8 x 4 / (3.75 x mean_h);
    and the drawn jobs do offer that load (their accelerator-hours over the span, over capacity)."""
    from twin.ops.workload import DEFAULT_OFFERED_LOAD, arrival_rate_per_h

    wl = poisson(offered_load=0.8, work_distribution=distribution)   # the default workload's sizes
    assert wl.arrival_rate_per_h is None
    expected = 0.8 * 4 / (3.75 * mean_h)
    assert arrival_rate_per_h(wl, 4) == pytest.approx(expected, rel=1e-12)
    assert arrival_rate_per_h(poisson(offered_load=None, arrival_rate_per_h=None,
                                      work_distribution=distribution), 4) == pytest.approx(
        DEFAULT_OFFERED_LOAD * 4 / (3.75 * mean_h), rel=1e-12)
    assert arrival_rate_per_h(poisson(arrival_rate_per_h=8.0), 4) == 8.0   # an explicit rate wins, whatever the size
    span_h = 400_000.0 / expected            # ~400,000 jobs
    jobs = drain(PoissonSource(wl, np.random.default_rng(11), span_h * 3600.0, installed_accelerators=4))
    assert abs(len(jobs) - 400_000) < 4 * math.sqrt(400_000)   # Poisson count: 4 sd
    offered = sum(j.work_accel_s for j in jobs) / 3600.0 / (4 * span_h)
    # a compound Poisson sum: relative sd sqrt(E[(n t)^2]) / E[n t] / sqrt(jobs), with E[n^2] / E[n]^2 =
    # 21.25 / 14.06 and E[t^2] / E[t]^2 = e (lognormal, sigma 1) or 2 (exponential): 2.03 or 1.74 over
    # sqrt(400,000), at most 0.32 %; 2 % is over 6 sd
    assert offered == pytest.approx(0.8, rel=0.02)


def test_an_offered_load_needs_the_constellation_and_excludes_a_rate():
    from twin.config import ConfigError
    from twin.ops.workload import arrival_rate_per_h

    with pytest.raises(ValueError, match="accelerators"):
        arrival_rate_per_h(poisson(offered_load=0.5), None)
    with pytest.raises(ConfigError) as err:   # configs/default.yaml gives arrival_rate_per_h: 8
        load_config(REPO / "configs" / "default.yaml", ["workload.offered_load=0.5"])
    assert "give arrival_rate_per_h (8) or offered_load (0.5), not both (set the other to null)" in str(err.value)
    assert "\n" not in str(err.value)
    both_null = load_config(REPO / "configs" / "default.yaml", ["workload.arrival_rate_per_h=null"])
    assert both_null.workload.arrival_rate_per_h is None and both_null.workload.offered_load is None


# ---------------------------------------------------------------------- trace replay
def test_shipped_alibaba_config_replays_the_real_trace():
    scenario = load_config(REPO / "configs" / "alibaba-trace.yaml")
    source = job_source(scenario.workload, np.random.default_rng(0), scenario.simulation.duration_s)
    assert isinstance(source, TraceSource)
    jobs = drain(source)
    # 8,152 pods: 897 Pending, 1,052 CPU-only, 25 before day 115 are not replayed
    assert len(jobs) == 8152 - 897 - 1052 - 25
    assert source.dropped == {"filtered:pod_phase": 897, "too_few_accelerators": 1052, "before_offset": 25}
    submit = np.array([j.submit_s for j in jobs])
    assert submit.min() >= 0 and submit.max() / 86400 == pytest.approx(1.716, abs=0.01)  # 20x faster
    assert np.all(np.diff(submit) >= 0)
    n_acc = np.array([j.n_accelerators for j in jobs])
    assert np.mean(n_acc == 1) > 0.95                     # mostly single-GPU pods
    assert {j.priority for j in jobs} <= {0, 1, 2, 3}
    assert max(n_acc) <= scenario.spacecraft.accelerator.count * 32


def test_another_trace_layout_through_the_same_mapping(tmp_path, write_config):
    """A Helios/Philly-style table: durations in minutes, numeric priorities, a state filter."""
    (tmp_path / "jobs.csv").write_text(
        "job,state,submitted_min,run_min,gpus,prio\n"
        "a,COMPLETED,0,30,1,1\n"
        "b,CANCELLED,5,10,2,0\n"
        "c,COMPLETED,10,120,8,2\n"
        "d,FAILED,20,5,0,0\n")
    cfg = {"simulation": {"epoch_utc": "2026-01-01T00:00:00Z", "duration_s": 86400},
           "constellation": [{"kind": "walker", "altitude_km": 550, "inclination_deg": 53,
                              "planes": 1, "sats_per_plane": 2}],
           "workload": {"kind": "trace", "deadline_slack": 2.0, "mapping": {
               "file": "jobs.csv", "time_unit_s": 60, "submit_column": "submitted_min",
               "duration_column": "run_min", "accelerators_column": "gpus", "priority_column": "prio",
               "filters": {"state": ["COMPLETED", "FAILED"]}, "time_scale": 0.5, "size_scale": 2.0}}}
    scenario = load_config(write_config(cfg))
    jobs = drain(job_source(scenario.workload, np.random.default_rng(0), 86400.0))
    assert [(j.submit_s, j.work_accel_s, j.n_accelerators, j.priority) for j in jobs] == [
        (0.0, 30 * 60 * 1 * 2.0, 1, 1), (10 * 60 * 0.5, 120 * 60 * 8 * 2.0, 8, 2)]
    assert jobs[1].deadline_s == pytest.approx(300.0 + 2.0 * 120 * 60 * 2.0)


def test_an_offered_load_past_the_job_limit_is_one_line():
    """The expected-jobs limit (twin.config.limits.MAX_EXPECTED_JOBS), checked with the config for
    an explicit rate, is checked at the run for a rate from the load: 0.8 of a million satellites'
    4 accelerators is 258,786 jobs/h with the default sizes, 6.2 million a day, 43 million a week."""
    from twin.errors import InputError

    wl = poisson(offered_load=0.8)
    PoissonSource(wl, np.random.default_rng(0), 86400.0, installed_accelerators=4_000_000)
    with pytest.raises(InputError) as err:
        PoissonSource(wl, np.random.default_rng(0), 7 * 86400.0, installed_accelerators=4_000_000)
    assert str(err.value).startswith("workload.offered_load: 258,786 jobs/h on 4,000,000 accelerators") and "\n" not in str(err.value)
