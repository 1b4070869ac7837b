"""The placement policies, each on a small hand-made situation whose right answer is known."""
import numpy as np
import pytest

from twin.ops.job import Job
from twin.ops.jobs import JobBook
from twin.kernels import layout as L
from twin.ops.policies import FollowTheSun, PowerAware, ThermalAware
from twin.ops.policy_choice import POLICIES, make_policy
from twin.ops.scheduling import NodeView, PolicyParams, PriorityBackfill, tiered_fit
from twin.ops.eclipses import max_eclipse_s, predict_eclipses
from twin.ops.workload import JobSpec
from twin.output.reader import table_rows


def job(job_id, n, hours, submit_s=0.0, priority=0):
    return Job(JobSpec(job_id, submit_s, hours * 3600.0 * n, n, priority), hours * 3600.0 * n)


def running(job_id, placement, hours_left, priority=0, start_s=0.0):
    n = sum(c for _, c in placement)
    j = job(job_id, n, hours_left, priority=priority)
    j.placement, j.status, j.run_start_s = placement, "running", start_s
    return j


def test_every_policy_is_registered_by_its_config_name():
    assert set(POLICIES) == {"fifo", "priority", "power_aware", "thermal_aware", "follow_the_sun",
                             "topology_aware"}


def test_a_whole_node_before_a_gang_across_tiers():
    free = np.array([2, 2, 4])
    tiers = [(np.array([2, 2, 0]), np.array([0, 1, 2])), (free, np.array([2, 1, 0]))]
    assert tiered_fit(4, tiers) == [(2, 4)]
    assert tiered_fit(3, [tiers[0]]) == [(0, 2), (1, 1)]
    assert tiered_fit(9, tiers) is None


# ---------------------------------------------------------------------- priority + EASY
class TestEasyBackfilling:
    """Two 4-accelerator nodes. Running: A holds node 0 for 1 h, B two accelerators of node 1 for
    3 h. The head (high priority) needs 8 accelerators: it reserves the shadow time (3 h, when
    B ends)."""

    def setup_method(self):
        self.policy = PriorityBackfill()
        self.running = [running(100, [(0, 4)], 1.0), running(101, [(1, 2)], 3.0)]
        self.free = np.array([0, 2])
        self.view = NodeView(now_s=0.0, running=tuple(self.running))
        self.head = job(0, 8, 1.0, priority=5)

    def test_short_job_backfills_before_the_reservation(self):
        short = job(1, 2, 2.0)
        started = self.policy.place([self.head, short], self.free, self.view)
        assert [(j.spec.job_id, p) for j, p in started] == [(1, [(1, 2)])]

    def test_long_job_does_not_delay_the_reserved_head(self):
        long = job(1, 2, 4.0)
        assert self.policy.place([self.head, long], self.free, self.view) == []

    def test_long_job_may_use_accelerators_the_head_will_not_need(self):
        self.head = job(0, 4, 1.0, priority=5)   # reserves node 0 when A ends, in 1 h
        long = job(1, 2, 4.0)
        started = self.policy.place([self.head, long], self.free, self.view)
        assert [(j.spec.job_id, p) for j, p in started] == [(1, [(1, 2)])]
        self.head = job(0, 6, 1.0, priority=5)   # needs node 1's two as well: no backfill
        assert self.policy.place([self.head, long], self.free, self.view) == []

    def test_priority_order_then_arrival(self):
        low, high = job(1, 1, 1.0, submit_s=0.0), job(2, 1, 1.0, submit_s=5.0, priority=3)
        started = PriorityBackfill().place([low, high], np.array([1, 0]), NodeView(now_s=10.0))
        assert [j.spec.job_id for j, _ in started] == [2]

    def test_preemption_frees_the_cheapest_lower_priority_jobs(self):
        policy = PriorityBackfill(PolicyParams(preempt=True))
        low = running(100, [(0, 4)], 1.0, priority=0, start_s=0.0)
        mid = running(101, [(1, 4)], 1.0, priority=1, start_s=0.0)
        view = NodeView(now_s=60.0, running=(low, mid))
        actions = policy.revise([job(0, 4, 1.0, priority=2)], np.array([0, 0]), view)
        assert actions == [("preempt", low)]
        assert PriorityBackfill().revise([job(0, 4, 1.0, priority=2)], np.array([0, 0]), view) == []


def test_preempted_job_rolls_back_and_the_important_one_starts():
    book = JobBook(1, 4, PriorityBackfill(PolicyParams(preempt=True)), 80.0, 700.0)
    book.submit(JobSpec(0, 0.0, 4 * 7200.0, 4, priority=0, checkpoint_interval_s=600.0))
    book.dispatch(60.0, None)
    book.advance(np.ones((90, 1)), 60.0, 10.0)              # 900 s: one checkpoint at 600 s
    book.submit(JobSpec(1, 500.0, 3600.0, 4, priority=9))
    book.dispatch(960.0, None)
    assert [j.spec.job_id for j in book.running] == [1]
    victim = book.queue[0]
    assert victim.preemptions == 1 and victim.lost_accel_s == pytest.approx(4 * 300.0)
    assert book.counts["preemptions"] == 1
    assert book.take_events() == [(960.0, 0, L.EVENT_PREEMPTION, 0.0)]


# ---------------------------------------------------------------------- power and heat
def power_params(**kw):
    base = dict(accel_per_node=8, bus_w=300.0, idle_w=75.0, peak_w=700.0, battery_wh=8000.0,
                min_soc=0.7, max_soc=1.0, charge_per_h=0.5)
    return PolicyParams(**{**base, **kw})


def power_view(n=4, **kw):
    base = dict(soc=np.full(n, 1.0), sunlit_fraction=np.ones(n), electronics_temp_k=np.full(n, 300.0),
                mode=np.zeros(n, dtype=np.int64), next_eclipse_entry_s=np.full(n, 3600.0),
                next_eclipse_exit_s=np.full(n, np.nan), eclipse_duration_s=np.full(n, 2140.0),
                period_s=np.full(n, 5700.0), array_power_w=np.full(n, 7900.0), now_s=0.0)
    return NodeView(**{**base, **kw})


def test_power_budget_from_battery_and_array():
    policy = PowerAware(power_params())
    view = power_view(soc=np.array([1.0, 0.8, 0.75, 1.0]), array_power_w=np.array([7900.0, 7900, 7900, 4800]),
                      sunlit_fraction=np.array([1.0, 0.0, 0.0, 1.0]),
                      next_eclipse_exit_s=np.array([np.nan, 1000.0, 2000.0, np.nan]))
    # node 0: 2.4 kWh over 2140 s carries 4.04 kW: 900 W base + 5 accelerators at 625 W
    # node 1: 0.8 kWh over 1000 s: 2.88 kW -> 3; node 2: 0.4 kWh over 2000 s: 720 W -> none
    assert policy.eclipse_budget(view).tolist() == [5, 3, 0, 5]
    # the orbit: 7.9 kW over 3560 s of Sun balances 4.84 kW of load -> 6; 4.8 kW -> 3
    assert policy.orbit_budget(view).tolist() == [6, 6, 6, 3]


def test_power_aware_packs_within_budgets_and_skips_shedding_nodes():
    policy = PowerAware(power_params())
    view = power_view(mode=np.array([L.MODE_SAFE, 0, 0, 0]), array_power_w=np.array([7900.0, 7900, 4800, 7900]))
    free = np.array([8, 6, 8, 8])       # node 1 runs 2 accelerators: 3 left in its budget of 5
    started = policy.place([job(0, 3, 1.0), job(1, 4, 1.0), job(2, 8, 1.0)], free, view)
    placements = [p for _, p in started]
    # 3 fits exactly into node 1's budget; 4 goes to node 3 (budget 5; node 2 has only 3);
    # 8 is over every budget: the node with the most to spare that still has room, node 2
    assert placements == [[(1, 3)], [(3, 4)], [(2, 8)]]


def test_thermal_aware_prefers_headroom_and_avoids_hot_nodes():
    policy = ThermalAware(PolicyParams(accel_per_node=4, thermal_limit_k=350.0, heat_per_accel_k=10.0))
    view = power_view(n=3, electronics_temp_k=np.array([345.0, 300.0, 322.0]))
    # headroom: node 0 none, node 1 4 accelerators (clipped), node 2 two
    assert policy.headroom(np.zeros(3, dtype=np.int64), view).tolist() == [0, 4, 2]
    started = policy.place([job(0, 2, 1.0), job(1, 4, 1.0), job(2, 4, 1.0)], np.array([4, 4, 4]), view)
    # 2 packs into node 2 (least headroom that fits); 4 into node 1; the last 4 only fits on the
    # hot node 0, taken as a last resort
    assert [p for _, p in started] == [[(2, 2)], [(1, 4)], [(0, 4)]]


# ---------------------------------------------------------------------- follow the sun
def sun_view(now_s, entry, sunlit, exit_=None):
    n = len(entry)
    return NodeView(soc=np.ones(n), sunlit_fraction=np.asarray(sunlit, float), electronics_temp_k=np.full(n, 300.0),
                    mode=np.zeros(n, dtype=np.int64), next_eclipse_entry_s=np.asarray(entry, float),
                    next_eclipse_exit_s=np.full(n, 4000.0) if exit_ is None else np.asarray(exit_, float),
                    eclipse_duration_s=np.full(n, 2100.0), period_s=np.full(n, 5700.0), now_s=now_s)


def test_follow_the_sun_places_where_the_sun_lasts():
    view = sun_view(0.0, entry=[600.0, 4000.0, 2500.0, np.inf], sunlit=[1, 1, 1, 0])
    started = FollowTheSun().place([job(0, 4, 1.0), job(1, 4, 1.0)], np.array([4, 4, 4, 4]), view)
    assert [p for _, p in started] == [[(1, 4)], [(2, 4)]]


def test_follow_the_sun_migrates_before_eclipse():
    policy = FollowTheSun(PolicyParams(migration_lead_s=300.0, migration_min_gain_s=1200.0))
    soon = running(0, [(0, 2)], hours_left=2.0)
    short = running(1, [(0, 2)], hours_left=0.05)      # ends before the eclipse: stays
    view = sun_view(1000.0, entry=[1200.0, 2000.0, 5000.0], sunlit=[1, 1, 1])
    view = view._replace(running=(soon, short))
    actions = policy.revise([], np.array([0, 4, 4]), view)
    # node 1 enters eclipse in 1000 s: not enough gain over the 300 s lead; node 2 it is
    assert actions == [("migrate", soon, [(2, 2)])]


def test_migration_checkpoints_and_charges_the_cost():
    book = JobBook(2, 2, FollowTheSun(PolicyParams(migration_lead_s=300.0, migration_min_gain_s=600.0)),
                   80.0, 700.0, migration_cost_s=60.0)
    book.submit(JobSpec(0, 0.0, 2 * 7200.0, 2, checkpoint_interval_s=1800.0))
    book.dispatch(60.0, sun_view(60.0, entry=[5000.0, 1500.0], sunlit=[1, 1]))
    assert book.running[0].placement == [(0, 2)]
    book.advance(np.ones((100, 2)), 60.0, 10.0)
    book.dispatch(1060.0, sun_view(1060.0, entry=[1300.0, 5000.0], sunlit=[1, 1]))
    moved = book.running[0]
    assert moved.placement == [(1, 2)] and moved.migrations == 1
    assert moved.checkpoint_work_accel_s == pytest.approx(2000.0) and moved.stall_s == 60.0
    assert book.free.tolist() == [2, 0]
    assert book.take_events() == [(1060.0, 0, L.EVENT_MIGRATION, 0.0)]


def test_eclipse_prediction_from_the_last_entry_and_exit():
    period = np.full(4, 5700.0)
    last_entry = np.array([1000.0, 6700.0, 1000.0, np.nan])
    last_exit = np.array([3100.0, 3100.0, 3100.0, np.nan])
    sunlit = np.array([1.0, 0.0, 1.0, 1.0])
    entry, exit_, length = predict_eclipses(7000.0, sunlit, last_entry, last_exit, period)
    assert entry[0] == pytest.approx(12400.0)      # the last one plus whole periods, after now
    assert entry[1] == pytest.approx(12400.0) and exit_[1] == pytest.approx(8800.0)  # eclipsed now
    assert np.isnan(exit_[0])
    assert length[0] == pytest.approx(2100.0) and length[1] == pytest.approx(2100.0)
    assert length[3] == pytest.approx(0.4 * 5700.0)  # never seen: the default longest
    entry, _, _ = predict_eclipses(8000.0, sunlit, last_entry, last_exit, period)
    assert np.isinf(entry[2])                       # none for 1.2 periods: out of season
    assert np.isinf(entry[3])                       # never seen, after more than a period
    entry, _, _ = predict_eclipses(100.0, sunlit, last_entry, last_exit, period)
    assert entry[3] == pytest.approx(100.0 + 2850.0)  # unknown yet: half a period ahead


def test_longest_eclipse_of_a_550_km_orbit():
    # 95.6 min orbit: 35.6 min of cylindrical shadow at beta 0 (docs/validation.md row 1: 36.1 min at 400 km)
    assert max_eclipse_s(95.6 * 60) / 60 == pytest.approx(35.6, abs=0.1)


def test_make_policy_reads_the_config():
    from conftest import REPO
    from twin.config import load_config
    sc = load_config(REPO / "configs" / "eclipsing-reference.yaml", ["scheduler.policy=thermal_aware"])
    policy = make_policy(sc.scheduler, sc.spacecraft)
    assert isinstance(policy, ThermalAware)
    assert policy.params.thermal_limit_k == pytest.approx(sc.spacecraft.thermal.throttle_start_k - 10.0)
    assert 5.0 < policy.params.heat_per_accel_k < 15.0   # ~625 W through ~70 W/K


def test_policy_and_fault_keys_are_validated(write_config):
    from conftest import small_config
    from twin.config import ConfigError, load_config
    with pytest.raises(ConfigError, match="scheduler.policy"):
        load_config(write_config(small_config(**{"scheduler.policy": "random"})))
    with pytest.raises(ConfigError, match="faults.outages.0.duration_s"):
        load_config(write_config(small_config(**{"faults.outages": [{"sats": [0], "start_s": 0}]})))
    with pytest.raises(ConfigError, match="faults.mtbf_hours: unknown key"):
        load_config(write_config(small_config(**{"faults.mtbf_hours": 10})))


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_every_policy_runs_the_eclipsing_reference(tmp_path, policy):
    """Three hours of the shipped reference scenario (faults on) under each policy: the run
    completes, energy closes, and jobs only ever use accelerators that exist."""
    from conftest import REPO
    from twin.config import load_config
    from twin.engine.simulation import run
    import h5py

    scenario = load_config(REPO / "configs" / "eclipsing-reference.yaml",
                           [f"scheduler.policy={policy}", "simulation.duration_s=10800",
                            "output.checkpoint_every_s=0", "scheduler.preempt=true"])
    summary = run(scenario, tmp_path / "r.h5", log=lambda *a: None)
    assert summary["jobs_completed"] > 0 and summary["energy_balance_rel_error"] < 1e-9
    assert 0.0 < summary["allocation_mean"] <= 1.0
    with h5py.File(tmp_path / "r.h5") as f:
        jobs = table_rows(f, "jobs")
    assert len(jobs) == summary["jobs_submitted"]
    assert np.all(jobs["sat_first"][np.isfinite(jobs["start_s"])] >= 0)
