"""Checkpoints, restores and migrations cost time (twin.ops.checkpoints), checked against analytic
cases: Young/Daly's interval and Daly's published optima, the expected run time of a job under
exponential failures (Daly 2006) simulated through the job book, S/B x accelerators of overhead
per checkpoint in a whole run, a migration at size over its path's bottleneck; the ledger closes,
a resumed run equals an uninterrupted one, bad input is one line."""
import math
import subprocess
import sys

import h5py
import numpy as np
import pytest
import yaml

from conftest import REPO, small_config, stored
from test_ledger import SSO_NO_ECLIPSE, closes, run_cfg, saturated, stopped_and_resumed
from twin.config.checkpointing import CheckpointCost
from twin.kernels import layout as L
from twin.ops.checkpoints import (CheckpointCosts, node_failure_rate_per_s, saa_time_fraction,
                                  young_daly_interval_s)
from twin.ops.faults import in_saa
from twin.ops.jobs import JobBook
from twin.ops.scheduling import Fifo, NodeView
from twin.ops.workload import JobSpec
from twin.output.reader import state_names

GBPS = 1e9


def costs(interval=1800.0, rates=(0.0,), migration_cost_s=None, **cfg) -> CheckpointCosts:
    return CheckpointCosts(CheckpointCost(**cfg), 7e9, interval, np.asarray(rates, dtype=float), migration_cost_s)


# ---------------------------------------------------------------------- Young/Daly
def test_young_daly_interval_is_the_first_order_optimum():
    # sqrt(2 delta M) - delta: 300-s checkpoints, a failure a day: sqrt(2 x 300 x 86,400) = 7,200 exactly
    assert young_daly_interval_s(300.0, 86400.0) == 6900.0
    assert young_daly_interval_s(300.0, math.inf) == math.inf        # nothing fails: never
    assert young_daly_interval_s(5000.0, 2000.0) == 2000.0          # delta >= 2M: M (Daly 2006)
    assert young_daly_interval_s(0.0, 3600.0) == 1.0                # free: as often as the clock allows


@pytest.mark.parametrize("mtbf_min, published_min", [(24 * 60, 117.0), (6 * 60, 57.0), (15, 9.1)])
def test_young_daly_is_within_its_next_term_of_dalys_published_optima(mtbf_min, published_min):
    """Daly 2006 (FGCS 22(3), 303-312), Figs. 3-5: delta = 5 min and M = 24 h, 6 h, 15 min give
    higher-order optima of 117, 57 and 9.1 min. The first order misses only his next terms,
    sqrt(2 delta M) (sqrt(delta / 2M) / 3 + delta / (18 M)); the published values are rounded to
    the last digit shown (0.5 min, 0.05 min)."""
    delta = 5.0
    first = young_daly_interval_s(delta * 60, mtbf_min * 60) / 60
    root = math.sqrt(2 * delta * mtbf_min)
    next_terms = root * (math.sqrt(delta / (2 * mtbf_min)) / 3 + delta / (18 * mtbf_min))
    rounding = 0.05 if published_min < 10 else 0.5
    assert abs(first + next_terms - published_min) <= rounding
    assert first < published_min


def daly_expected_s(work_s, tau, delta, restart, mtbf):
    """Expected wall time of ``work_s`` of compute in segments of ``tau``, each but the last ended
    by a checkpoint of ``delta``, under exponential failures of mean ``mtbf``, each followed by a
    restart of ``restart`` that failures can hit too: per segment of length L,
    M e^(R/M) (e^(L/M) - 1) (Daly 2006, the complete cost function; Bougeret et al., SC'11, Prop. 1)."""
    n = round(work_s / tau)
    segment = lambda length: mtbf * math.exp(restart / mtbf) * math.expm1(length / mtbf)   # noqa: E731
    return (n - 1) * segment(tau + delta) + segment(tau)


def simulated_wall_s(tau, n_jobs, seed, work_s, mtbf, dt=1.0):
    """Wall times of ``n_jobs`` jobs, each alone on a node of one accelerator, through the job book:
    30-s checkpoints (30 GB at 1 GB/s), 20-s restores (30 GB read at 1.5 GB/s, or relayed at the
    same rate), each node failing at every step boundary with probability 1 - e^(-dt/M) and back
    at once; a failed job restarts at once, from its last finished checkpoint."""
    c = costs(tau, np.zeros(n_jobs), size_gb=30.0, write_gbps=8.0, read_gbps=12.0, relay_gbps=12.0)
    book = JobBook(n_jobs, 1, Fifo(), 0.0, 0.0, costs=c)
    for i in range(n_jobs):
        book.submit(JobSpec(i, -1.0, work_s, 1, checkpoint_interval_s=tau))
    book.dispatch(0.0, None)
    rng = np.random.default_rng(seed)
    p_fail = -math.expm1(-dt / mtbf)
    rate = np.ones((1, n_jobs))
    t = 0.0
    while book.running or book.queue:
        book.advance(rate, t, dt)
        t += dt
        down = np.flatnonzero(rng.random(n_jobs) < p_fail)
        if down.size:
            book.fail_nodes(down, t)
            book.restore_nodes(down)
            book.dispatch(t, None)
    assert len(book.done) == n_jobs and book.counts["rollbacks"] > n_jobs
    return np.array([j.end_s - j.start_s for j in book.done])


def test_simulated_run_time_under_exponential_failures_is_dalys_and_least_near_young_daly():
    """delta = 30 s, R = 20 s, M = 1,800 s: Young/Daly's interval is sqrt(2 x 30 x 1800) - 30 =
    299 s. For 9,000 s of work at tau = 100, 300 and 900 s (all dividing it), the mean simulated
    wall time of 300 jobs matches Daly's expected time within 4 standard errors of the sample
    mean (the discrete failure times shift it by O(dt/M) = 0.06 %, far less), and tau = 300 s is
    the fastest by more than 10 % (Daly: 10,950 s against ~12,260 s for both others)."""
    delta, restart, mtbf, work = 30.0, 20.0, 1800.0, 9000.0
    assert young_daly_interval_s(delta, mtbf) == pytest.approx(298.6, abs=0.1)
    means = {}
    for k, tau in enumerate((100.0, 300.0, 900.0)):
        wall = simulated_wall_s(tau, 300, 100 + k, work, mtbf)
        expected = daly_expected_s(work, tau, delta, restart, mtbf)
        se = wall.std(ddof=1) / math.sqrt(len(wall))
        assert abs(wall.mean() - expected) <= 4 * se, (tau, wall.mean(), expected, se)
        means[tau] = wall.mean()
    assert means[300.0] < 0.9 * min(means[100.0], means[900.0])


# ---------------------------------------------------------------------- checkpoint, restore, migration
def test_a_checkpoint_of_s_bytes_at_b_bytes_per_s_books_s_over_b_accelerators_to_overhead(tmp_path):
    """Every accelerator busy in full sun with power to spare (rate 1), one 4-accelerator job per
    satellite from the first epoch (60 s) to the end (21,600 s): 718 steps of 30 s. A checkpoint
    every 1,800 s of compute (60 steps) writes 90 GB at 1 GB/s: 90 s (3 steps) without progress,
    so writes start after compute steps 60, 123, ..., 690: 11 of them, each S/B x 4 = 360
    accelerator-s of overhead, exactly (sums of whole numbers)."""
    cfg = saturated(tmp_path, **{"simulation.epoch_utc": "2026-01-10T00:00:00Z",
                                 "spacecraft.battery.capacity_wh": 50_000, "spacecraft.solar_array.area_m2": 60,
                                 "spacecraft.radiator.area_m2": 12})
    cfg["constellation"] = [SSO_NO_ECLIPSE]
    cfg["workload"].update(checkpoint_interval_s=1800, checkpoint={"size_gb": 90.0, "write_gbps": 8.0})
    summary, out = run_cfg(cfg, tmp_path)
    closes(summary, out, 4)
    with h5py.File(out, "r") as f:
        overhead = f["ledger_total"][:, L.LEDGER_OVERHEAD]
    np.testing.assert_array_equal(overhead, 11 * 90.0 * 4)
    assert summary["lost_power_accel_h"] == 0.0 and summary["lost_heat_accel_h"] == 0.0


class MoveOnce(Fifo):
    """Places the first job on ``start`` (FIFO's first fit if None), and at the next epoch moves it
    to ``target``."""

    def __init__(self, target, start=None):
        super().__init__()
        self.target, self.start, self.moved = target, start, False

    def place(self, queue, free_accel, view):
        if self.start is None:
            return super().place(queue, free_accel, view)
        return [(queue[0], self.start)] if queue else []

    def revise(self, queue, free_accel, view):
        if self.moved or not view.running:
            return []
        self.moved = True
        return [("migrate", view.running[0], self.target)]


def chain(capacity_gbps, loads):
    """Satellites 0-1-2-3 linked in a chain (links 0-1, 1-2, 2-3) with these capacities and jobs on each."""
    from twin.config.sections import Communication, Links
    from twin.links.network import LinkNetwork

    net = LinkNetwork(Links(topology="pairs", pairs=[(0, 1)]), Communication(), (np.array([0, 1, 2]),
                                                                               np.array([1, 2, 3])), 4)
    net.capacity_bps[:] = np.asarray(capacity_gbps) * GBPS
    net.link_jobs[:] = loads
    return net


@pytest.mark.parametrize("start, target, n_accel, expected_s", [
    # 50 GB from 0 to 2 over 0-1 (100 Gbit/s, free) and 1-2 (40 Gbit/s shared with one job: 20 for
    # this transfer, the bottleneck): 400 Gbit / 20 Gbit/s
    ([(0, 1)], [(2, 1)], 1, 20.0),
    # a gang on 0 and 1 moves to 1 and 3: the shard on 1 stays; 0's half (200 Gbit) goes to 3 over
    # 0-1-2-3, bottleneck 20 Gbit/s
    ([(0, 1), (1, 1)], [(1, 1), (3, 1)], 2, 10.0),
])
def test_a_migration_takes_its_size_over_the_bottleneck_of_its_path(start, target, n_accel, expected_s):
    book = JobBook(4, 1, MoveOnce(target, start), 0.0, 0.0, costs=costs(size_gb=50.0))
    book.links = chain([100.0, 40.0, 100.0], [0.0, 1.0, 0.0])
    book.submit(JobSpec(0, -1.0, 3600.0 * n_accel, n_accel))
    book.dispatch(0.0, None)
    job = book.running[0]
    assert job.placement == start
    book.dispatch(60.0, None)
    assert job.placement == target and job.migrations == 1
    assert job.stall_s == pytest.approx(expected_s, rel=1e-12)
    acc = np.zeros((L.N_ACC, 4))
    book.advance(np.ones((1, 4)), 60.0, 60.0, np.zeros((1, 4)), acc)
    assert acc[L.ACC_LEDGER + L.LEDGER_OVERHEAD].sum() == pytest.approx(n_accel * expected_s, rel=1e-12)


def test_without_a_path_a_migration_goes_by_the_relay_and_a_fixed_cost_stays_fixed():
    for links, cost, expected in [(None, None, 50e9 * 8 / 1.8e9), (chain([100.0, 0.0, 100.0], 0.0), None,
                                                                    50e9 * 8 / 1.8e9),
                                  (None, 60.0, 60.0)]:
        book = JobBook(4, 1, MoveOnce([(2, 1)]), 0.0, 0.0, costs=costs(size_gb=50.0, migration_cost_s=cost))
        book.links = links
        book.submit(JobSpec(0, -1.0, 3600.0, 1))
        book.dispatch(0.0, None)
        book.dispatch(60.0, None)
        assert book.running[0].stall_s == pytest.approx(expected, rel=1e-12)


def test_a_rolled_back_job_restores_from_where_its_state_was_written():
    """A fault on the job's satellite: it restarts on the first free one. Where it wrote its state
    (the same satellite, once repaired) it reads it at read_gbps; elsewhere it comes by the relay."""
    book = JobBook(2, 1, Fifo(), 0.0, 0.0, costs=costs(size_gb=64.0, read_gbps=32.0, relay_gbps=16.0))
    book.submit(JobSpec(0, -1.0, 7200.0, 1))
    book.dispatch(0.0, None)
    job = book.running[0]
    assert job.stall_s == 0.0                       # a first start restores nothing
    book.fail_nodes([0], 60.0)
    book.dispatch(60.0, None)                       # node 0 is down: to node 1, by the relay
    assert job.placement == [(1, 1)] and job.stall_s == pytest.approx(64e9 * 8 / 16e9)
    book.restore_nodes([0])
    book.fail_nodes([1], 120.0)
    book.restore_nodes([1])
    book.dispatch(120.0, None)                      # back on node 0? no: its state is now on node 1
    assert job.placement == [(0, 1)] and job.stall_s == pytest.approx(64e9 * 8 / 16e9)
    book.fail_nodes([0], 180.0)
    book.restore_nodes([0])
    book.dispatch(180.0, None)                      # node 0 again, where it was: a local read
    assert job.placement == [(0, 1)] and job.stall_s == pytest.approx(64e9 * 8 / 32e9)


def test_a_checkpoint_counts_only_once_written():
    """A fault during the write rolls back to the checkpoint before it (Daly 2006's assumption).
    While it writes, the job holds its accelerator, drawing its node's compute power (700 W at rate 1)."""
    book = JobBook(1, 1, Fifo(), 80.0, 700.0, costs=costs(600.0, size_gb=100.0, write_gbps=8.0))   # 100-s write
    book.submit(JobSpec(0, -1.0, 7200.0, 1, checkpoint_interval_s=600.0))
    book.dispatch(0.0, None)
    job = book.running[0]
    book.advance(np.ones((65, 1)), 0.0, 10.0)      # 600 s of compute, then 50 s of the write
    assert job.stall_s == pytest.approx(50.0) and job.checkpoint_work_accel_s == 0.0
    book.advance(np.ones((5, 1)), 650.0, 10.0)     # the write ends: the checkpoint holds 600 s
    assert job.stall_s == 0.0 and job.checkpoint_work_accel_s == 600.0 and job.done_accel_s == 600.0
    assert job.energy_j == 700.0 * 700.0                # 600 s of compute and 100 s of writing at 700 W
    book.advance(np.ones((65, 1)), 700.0, 10.0)    # 600 s more, the next write half done
    book.fail_nodes([0], 1350.0)
    assert job.lost_accel_s == pytest.approx(600.0) and job.remaining_accel_s == pytest.approx(6600.0)


def test_young_daly_interval_per_placement_from_its_satellites_failure_rates():
    """A gang on two satellites failing at 1/day and 3/day: M = 1/(4/day) = 21,600 s; its 56 GB
    written in two shards at 3.5 GB/s each: delta = 8 s; tau = sqrt(2 x 8 x 21,600) - 8 = 579.9 s."""
    day = 86400.0
    c = costs("young_daly", [1 / day, 3 / day, 0.0], size_gb=56.0, write_gbps=28.0)
    book = JobBook(3, 2, Fifo(), 0.0, 0.0, costs=c)
    book.submit(JobSpec(0, -1.0, 3600.0 * 4, 4, checkpoint_interval_s=math.inf))
    book.dispatch(0.0, None)
    slot = book.running[0]._slot
    assert book.running[0].placement == [(0, 2), (1, 2)]
    assert book.slots.write_stall_s[slot] == pytest.approx(8.0)
    assert book.slots.checkpoint_interval_s[slot] == pytest.approx(math.sqrt(2 * 8 * 21600) - 8)


def test_faults_rates_per_node_weigh_the_upsets_by_the_orbits_time_in_the_saa():
    from twin.config.sections import Faults

    faults = Faults(mtbf_h=100.0, upset_rate_per_day=0.5, saa_upset_rate_per_day=20.0)
    incl = np.radians([0.0, 53.0])
    inside = saa_time_fraction(incl, -25.0, 40.0, 20.0)
    expected = 1 / 360000.0 + (0.5 * (1 - inside) + 20.0 * inside) / 86400.0
    np.testing.assert_allclose(node_failure_rate_per_s(faults, incl), expected, rtol=1e-15)


def test_saa_time_fraction_of_an_orbit():
    """An equatorial orbit sees the ellipse's width at the equator: 2 x 40 x sqrt(1 - (25/20)^2) = 0
    (the default SAA lies south of it) and, centred at 10 S, 2 x 40 x sqrt(1 - (10/20)^2) / 360.
    At 53 deg the share equals the one of the SAA model (twin.ops.faults.in_saa) sampled along
    a circular orbit's ground track every 10 s over 30 days (the Earth turning under it): the
    sampled share has ~0.1 % of its own error (3,000 passes), 0.002 absolute is ~10 of those."""
    assert saa_time_fraction(0.0, -25.0, 40.0, 20.0)[0] == 0.0
    assert saa_time_fraction(0.0, -10.0, 40.0, 20.0)[0] == pytest.approx(2 * 40 * math.sqrt(0.75) / 360, rel=1e-12)
    incl, period = math.radians(53.0), 5736.0
    t = np.arange(0.0, 30 * 86400.0, 10.0)
    u = 2 * math.pi * t / period
    lat = np.degrees(np.arcsin(math.sin(incl) * np.sin(u)))
    lon_inertial = np.degrees(np.arctan2(math.cos(incl) * np.sin(u), np.cos(u)))
    lon = (lon_inertial - 360.0 * t / 86164.1 + 180.0) % 360.0 - 180.0
    sampled = in_saa(lat, lon).mean()
    assert saa_time_fraction(incl, -25.0, 40.0, 20.0)[0] == pytest.approx(sampled, abs=0.002)
    assert 0.05 < sampled < 0.2


def test_checkpoint_before_a_predicted_eclipse():
    """Lead 300 s: a job whose satellite enters eclipse in 200 s and that has computed 1,000 s
    since its last checkpoint checkpoints now (its write stall, the timer reset); 60 s later it
    does not again; a job whose eclipse is 400 s away, one on an eclipsed satellite and one that
    ends before the eclipse do not."""
    c = costs(3600.0, size_gb=38.0, write_gbps=30.4, before_eclipse=True, eclipse_lead_s=300.0)   # 10-s write
    book = JobBook(4, 1, Fifo(), 0.0, 0.0, costs=c)
    for i, work in enumerate((7200.0, 7200.0, 7200.0, 100.0)):
        book.submit(JobSpec(i, -1.0, work, 1, checkpoint_interval_s=3600.0))
    book.dispatch(0.0, None)
    jobs = book.running
    for job in jobs:
        job.since_checkpoint_s = 1000.0
    view = NodeView(sunlit_fraction=np.array([1.0, 1.0, 0.0, 1.0]),
                    next_eclipse_entry_s=np.array([1200.0, 1400.0, 6000.0, 1200.0]))
    book.dispatch(1000.0, lambda: view)
    assert [j.stall_s for j in jobs] == [pytest.approx(10.0), 0.0, 0.0, 0.0]
    assert jobs[0].since_checkpoint_s == 0.0 and jobs[1].since_checkpoint_s == 1000.0
    book.advance(np.ones((6, 4)), 1000.0, 10.0)
    assert jobs[0].checkpoint_work_accel_s == 0.0 and jobs[0].done_accel_s == 50.0   # written, then 50 s on
    book.dispatch(1060.0, lambda: view)
    assert jobs[0].stall_s == 0.0 and c.eclipse_checkpoints == 1


def test_a_trace_declares_each_jobs_state(tmp_path):
    from twin.config.trace_mapping import TraceMapping
    from twin.ops.trace import load_trace
    from twin.ops.workload import TraceSource

    csv = tmp_path / "t.csv"
    csv.write_text("submit,duration,gpus,state_gb\n0,100,1,12.5\n10,100,2,\n")
    mapping = TraceMapping(file=csv, submit_column="submit", duration_column="duration",
                           accelerators_column="gpus", checkpoint_gb_column="state_gb")
    jobs = load_trace(mapping)
    np.testing.assert_array_equal(jobs.checkpoint_bytes, [12.5e9, np.nan])

    class Workload:
        checkpoint_interval_s, deadline_slack = "young_daly", None

    source = TraceSource(Workload(), 1e9, jobs)
    first, second = source.pop(), source.pop()
    c = costs(size_gb=3.0)
    assert c.state_bytes(type("J", (), {"spec": first})) == 12.5e9
    assert c.state_bytes(type("J", (), {"spec": second})) == 3e9
    assert first.checkpoint_interval_s == math.inf   # young_daly: set per placement


# ---------------------------------------------------------------------- whole runs
COSTLY = {"workload.checkpoint_interval_s": "young_daly", "faults.mtbf_h": 3.0, "faults.mean_repair_h": 0.5,
          "faults.upset_rate_per_day": 2.0, "faults.saa_upset_rate_per_day": 40.0,
          "workload.checkpoint.before_eclipse": True, "workload.accelerators": [1, 2, 4, 8]}


@pytest.mark.parametrize("policy", ["fifo", "follow_the_sun", "priority"])
def test_the_ledger_closes_with_checkpoint_costs(tmp_path, policy):
    cfg = small_config(**{**COSTLY, "scheduler.policy": policy, "scheduler.preempt": policy == "priority",
                          "workload.priorities": [0, 1, 2], "workload.arrival_rate_per_h": 20,
                          "simulation.duration_s": 4 * 3600})
    summary, out = run_cfg(cfg, tmp_path, policy)
    closes(summary, out, 4)
    assert summary["lost_overhead_accel_h"] > 0 and summary["rollbacks"] > 0
    if policy == "follow_the_sun":
        assert summary["migrations"] > 0


def test_a_stopped_and_resumed_run_with_checkpoint_costs_equals_an_uninterrupted_one(tmp_path, monkeypatch):
    cfg = small_config(**{**COSTLY, "scheduler.policy": "follow_the_sun", "workload.arrival_rate_per_h": 20,
                          "output.checkpoint_every_s": 1800, "simulation.duration_s": 4 * 3600})
    whole = stopped_and_resumed(cfg, tmp_path, monkeypatch)
    with h5py.File(whole, "r") as a, h5py.File(tmp_path / "parts.h5", "r") as b:
        names = ["time", "jobs", "events", "ledger", "ledger_total", *state_names(a)]
        assert stored(a, names) == stored(b, names)
        assert a["ledger_total"][:, L.LEDGER_OVERHEAD].sum() > 0


@pytest.mark.parametrize("key, value, words", [
    ("workload.checkpoint_interval_s", "often", ["workload.checkpoint_interval_s", "young_daly"]),
    ("workload.checkpoint_interval_s", -60, ["workload.checkpoint_interval_s", "greater than 0"]),
    ("workload.checkpoint.write_gbps", 0, ["workload.checkpoint.write_gbps", "greater than 0"]),
    ("workload.checkpoint.overlap", 1.5, ["workload.checkpoint.overlap", "less than or equal to 1"]),
    ("workload.checkpoint.size_gb", -1, ["workload.checkpoint.size_gb", "greater than or equal to 0"]),
    ("scheduler.migration_cost_s", "free", ["scheduler.migration_cost_s"]),
])
def test_bad_checkpoint_settings_are_one_line_and_exit_2(tmp_path, key, value, words):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(small_config(**{key: value})))
    p = subprocess.run([sys.executable, "-m", "twin", "run", str(path), "-o", str(tmp_path / "out.h5"), "-q"],
                       cwd=REPO, capture_output=True, text=True, timeout=300)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr, lines
    assert all(w in lines[0] for w in words), lines[0]
    assert not (tmp_path / "out.h5").exists()
