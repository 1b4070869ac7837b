"""Runs with inter-satellite links: gangs at the rate their links allow, the ledger's network
cause, links that drop with their satellites, resume, placement that sees the links, bad input."""
import subprocess
import sys

import h5py
import numpy as np
import pytest
import yaml

from conftest import REPO, small_config, stored
from twin.config import load_config
from twin.engine.simulation import Simulation, resume, run
from twin.output.reader import table_rows, state_names

RING = {"constellation": [{"kind": "walker", "altitude_km": 550, "inclination_deg": 53, "planes": 1,
                           "sats_per_plane": 16, "phasing": 0, "pattern": "delta"}]}


def ring_config(**overrides) -> dict:
    """16 satellites in one plane, 22.5 deg apart (chord 2(R+h) sin(pi/16) = 2,703 km; the ray
    clears 80 km by 340 km), +grid links (a ring), 4 accelerators each, power to spare."""
    cfg = small_config(**{"links.topology": "+grid", "spacecraft.battery.capacity_wh": 1e6,
                          "spacecraft.battery.min_soc": 0.0, "spacecraft.solar_array.area_m2": 200,
                          "spacecraft.radiator.area_m2": 20, **overrides})
    cfg.update(RING)
    return cfg


def run_cfg(cfg, folder, name="run"):
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    out = folder / f"{name}.h5"
    return run(load_config(path), out, log=lambda message: None), out


def test_a_gang_over_two_linked_satellites_runs_at_the_link_bound_rate(tmp_path):
    """Jobs of 8 accelerators span two neighbours; a 10 Gbit/s link cap (the budget's 1/R^2 rate
    is far above it at 2,703 km with 1 m apertures) carries the 16 Gbit each member exchanges per
    1.6-s step (1e9 parameters, bf16, ring of two: 2(2-1)/2 of the gradient) in 1.6 s: half the
    time is communication, so every completed job took exactly twice its compute time."""
    cfg = ring_config(**{"workload.accelerators": [8], "workload.arrival_rate_per_h": 1.0,
                         "workload.median_runtime_h": 0.2, "simulation.duration_s": 6 * 3600,
                         "links.terminal.max_rate_gbps": 10.0, "links.terminal.tx_aperture_m": 1.0,
                         "links.terminal.rx_aperture_m": 1.0,
                         "workload.communication.kind": "data_parallel",
                         "workload.communication.model_params": 1e9,
                         "workload.communication.step_time_s": 1.6})
    summary, out = run_cfg(cfg, tmp_path)
    with h5py.File(out, "r") as f:
        jobs = table_rows(f, "jobs")
        links = f["links_live"][...]
        capacity = f["link_capacity_gbps"][...]
    done = jobs[jobs["status"] == b"completed"]
    assert len(done) >= 3
    # 2.0 exactly but for float rounding of the per-step sums (1e-9 relative)
    np.testing.assert_allclose(done["comm_slowdown"], 2.0, rtol=1e-9)
    np.testing.assert_allclose(done["network_lost_accel_s"], done["work_accel_s"], rtol=1e-9)
    assert np.all(links == 2.0) and np.allclose(capacity, 20.0, rtol=1e-6)   # a ring: 2 links of 10
    assert summary["lost_network_accel_h"] == pytest.approx(
        (done["network_lost_accel_s"].sum() + jobs[jobs["status"] == b"running"]["network_lost_accel_s"].sum())
        / 3600, rel=1e-9)


def test_links_drop_while_a_satellite_is_down(tmp_path):
    cfg = ring_config(**{"simulation.duration_s": 3 * 3600, "workload.arrival_rate_per_h": 0.0})
    cfg["faults"] = {"outages": [{"sats": [1], "start_s": 3600, "duration_s": 3600}]}
    _, out = run_cfg(cfg, tmp_path)
    with h5py.File(out, "r") as f:
        t = f["time"][...]
        live = f["links_live"][...]
    during = (t > 3600) & (t <= 7200)
    assert np.all(live[during, 1] == 0.0)                       # the satellite that is down
    assert np.all(live[during, 0] == 1.0) and np.all(live[during, 2] == 1.0)   # its neighbours
    assert np.all(live[~during] == 2.0)


def test_ledger_closes_with_links_faults_and_gangs(tmp_path):
    from test_ledger import closes

    cfg = ring_config(**{"workload.accelerators": [4, 8, 16], "workload.arrival_rate_per_h": 20,
                         "faults.mtbf_h": 3.0, "faults.mean_repair_h": 0.5, "scheduler.policy": "topology_aware",
                         "scheduler.min_link_efficiency": 0.5,
                         "workload.communication.kind": "data_parallel"})
    summary, out = run_cfg(cfg, tmp_path)
    closes(summary, out, 4)
    assert summary["lost_network_accel_h"] > 0 and summary["rollbacks"] > 0


@pytest.mark.parametrize("topology", ["+grid", "nearest"])
def test_a_stopped_and_resumed_run_with_links_equals_an_uninterrupted_one(tmp_path, monkeypatch, topology):
    cfg = ring_config(**{"links.topology": topology, "workload.accelerators": [4, 8, 16],
                         "workload.arrival_rate_per_h": 12, "workload.communication.kind": "data_parallel",
                         "scheduler.policy": "topology_aware", "output.links": True,
                         "output.checkpoint_every_s": 1800, "simulation.duration_s": 4 * 3600})
    _, whole = run_cfg(cfg, tmp_path, "whole")
    tick = Simulation.tick

    def stop_midway(self, step):
        if step == 600:   # 100 min in: stop at the next record, with a checkpoint
            self.stop_requested = True
        tick(self, step)

    monkeypatch.setattr(Simulation, "tick", stop_midway)
    assert run_cfg(cfg, tmp_path, "parts")[0] is None
    monkeypatch.setattr(Simulation, "tick", tick)
    resume(tmp_path / "parts.h5", log=lambda message: None)
    with h5py.File(whole, "r") as a, h5py.File(tmp_path / "parts.h5", "r") as b:
        assert stored(a, ["time", "jobs", "events", "ledger", "ledger_total", "links", *state_names(a)]) == \
            stored(b, ["time", "jobs", "events", "ledger", "ledger_total", "links", *state_names(a)])
        assert a["links/link"].shape[0] > 0


def test_topology_aware_keeps_gangs_on_linked_satellites_and_waits_rather_than_crawl():
    from twin.config.sections import Communication, Links
    from twin.links.network import LinkNetwork
    from twin.ops.link_placement import linked_fit

    # a chain 0-1-2-3 and a separate pair 4-5, 100 Gbit/s each
    a, b = np.array([0, 1, 2, 4]), np.array([1, 2, 3, 5])
    net = LinkNetwork(Links(topology="pairs", pairs=[(0, 1)]),
                      Communication(kind="data_parallel", model_params=1e9, step_time_s=1.0), (a, b), 6)
    net.capacity_bps[:] = 100e9
    usable = np.array([4, 0, 4, 4, 4, 4])
    order = np.arange(6)
    # 0 and 2 are linked only through busy 1: the group starts at 2 and takes its neighbour 3
    placement = linked_fit(8, [(usable, order)], net, 0.5)
    assert placement == [(2, 4), (3, 4)]
    # 16 Gbit per 1-s step at 100 Gbit/s: efficiency 1 / 1.16 = 0.862; asked for 0.9, it waits
    assert net.efficiency(placement, 8) == pytest.approx(1 / 1.16)
    assert linked_fit(8, [(usable, order)], net, 0.9) is None
    # no linked group holds 16 accelerators: it waits
    assert linked_fit(16, [(usable, order)], net, 0.0) is None


def bad_run(tmp_path, cfg):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg))
    out = tmp_path / "out.h5"
    p = subprocess.run([sys.executable, "-m", "twin", "run", str(path), "-o", str(out), "-q"], cwd=REPO,
                       capture_output=True, text=True, timeout=300)
    return p, out


@pytest.mark.parametrize("links, words", [
    ({"topology": "+grid"}, "links.topology"),
    ({"topology": "pairs", "pairs": [[0, 99]]}, "99"),
])
def test_links_that_do_not_fit_the_constellation_are_refused_before_any_output(tmp_path, links, words):
    cfg = small_config(**{"simulation.duration_s": 600})
    cfg["constellation"] = [{"kind": "tle", "file": str(REPO / "configs/data/celestrak_starlink_20260530.tle"),
                             "max_satellites": 4}]
    cfg["simulation"]["epoch_utc"] = "2026-05-30T00:00:00Z"
    cfg["links"] = links
    p, out = bad_run(tmp_path, cfg)
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr and words in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == [tmp_path / "bad.yaml"]


@pytest.mark.parametrize("drop", [True, False])
def test_links_of_a_satellite_in_safe_mode_drop_when_asked(drop):
    """``links.drop_in_safe_mode``: a satellite whose mode is safe at the block's start switches its
    terminals off; otherwise its links stay up."""
    from twin.config.sections import Communication, Links
    from twin.kernels import layout as L
    from twin.links.network import LinkNetwork

    r = 6_928e3   # two satellites 100 km apart at 550 km, moving together
    pos = np.array([[[r, 0.0, 0.0], [r, 100e3, 0.0]]] * 3)
    vel = np.array([[[0.0, 7.6e3, 0.0], [0.0, 7.6e3, 0.0]]] * 3)
    net = LinkNetwork(Links(topology="pairs", pairs=[(0, 1)], drop_in_safe_mode=drop), Communication(),
                      (np.array([0]), np.array([1])), 2)
    acc = np.zeros((L.N_ACC, 2))
    mode = np.array([L.MODE_SAFE, L.MODE_NOMINAL], dtype=np.int8)
    capacity = net.advance(pos, vel, np.zeros(2, bool), mode, 10.0, acc)
    assert (capacity == 0.0).all() == drop and (capacity > 0.0).all() != drop
    assert acc[L.ACC_LINKS, 1] == (0.0 if drop else 20.0)   # 2 steps of 10 s with one link up


def test_the_report_of_a_run_with_links_shows_them(tmp_path):
    from test_report import assert_valid_png
    from twin.report import write_report

    cfg = ring_config(**{"workload.accelerators": [8], "workload.arrival_rate_per_h": 4.0,
                         "workload.median_runtime_h": 0.2, "simulation.duration_s": 3 * 3600,
                         "workload.communication.kind": "data_parallel"})
    _, out = run_cfg(cfg, tmp_path)
    paths = write_report(out, tmp_path / "report")
    assert "links.png" in [p.name for p in paths]
    assert_valid_png(tmp_path / "report" / "links.png")
    assert "](links.png)" in (tmp_path / "report" / "summary.md").read_text()


def chain_network(n_sats=4, gbps=100.0):
    """Satellites 0-1-...-(n-1) in a chain, each link ``gbps``, data-parallel 1e9 parameters
    (16 Gbit per member and step of 1 s over a ring of two)."""
    from twin.config.sections import Communication, Links
    from twin.links.network import LinkNetwork

    a, b = np.arange(n_sats - 1), np.arange(1, n_sats)
    net = LinkNetwork(Links(topology="pairs", pairs=[(0, 1)]),
                      Communication(kind="data_parallel", model_params=1e9, step_time_s=1.0), (a, b), n_sats)
    net.capacity_bps[:] = gbps * 1e9
    return net


def test_preemption_under_link_aware_placement_only_frees_a_linked_group():
    """Priority with preemption: the 8-accelerator head could take satellites 0 and 3 (free after
    preempting the job there), but they are not linked; link-aware, it preempts nothing (before,
    it preempted the same victim at every epoch and never started)."""
    from twin.ops.scheduling import NodeView, PolicyParams, PriorityBackfill
    from test_policies import job, running

    net = chain_network(gbps=1.0)   # 1 Gbit/s: 16 s of communication per 1-s step
    victims = (running(100, [(0, 4)], 5.0), running(101, [(3, 4)], 5.0))
    view = NodeView(now_s=0.0, running=victims, links=net)
    head = [job(0, 8, 1.0, priority=5)]
    free = np.array([0, 0, 0, 0])
    plain = PriorityBackfill(PolicyParams(accel_per_node=4, preempt=True))
    assert [a[0] for a in plain.revise(head, free, view)] == ["preempt", "preempt"]
    aware = PriorityBackfill(PolicyParams(accel_per_node=4, preempt=True, link_aware=True, min_link_efficiency=0.5))
    assert aware.revise(head, free, view) == []


def test_follow_the_sun_migrates_a_linked_gang_only_to_linked_satellites():
    from twin.ops.policies import FollowTheSun
    from twin.ops.scheduling import NodeView, PolicyParams
    from test_policies import running

    net = chain_network(n_sats=6)
    gang = running(7, [(0, 4), (1, 4)], 5.0)
    now = 1000.0
    # 0 and 1 enter eclipse now; 2 and 4 stay sunlit longest, then 3 and 5: 2 and 4 are not linked
    entry = np.array([now, now, now + 9000, now + 5000, now + 9000, now + 5000])
    view = NodeView(sunlit_fraction=np.ones(6), mode=np.zeros(6, np.int8), next_eclipse_entry_s=entry,
                    now_s=now, running=(gang,), links=net)
    free = np.array([0, 0, 4, 4, 4, 4])
    plain = FollowTheSun(PolicyParams(accel_per_node=4))
    assert plain.revise([], free, view)[0][2] == [(2, 4), (4, 4)]
    aware = FollowTheSun(PolicyParams(accel_per_node=4, link_aware=True, min_link_efficiency=0.5))
    target = aware.revise([], free, view)[0][2]
    assert sorted(n for n, _ in target) in ([2, 3], [3, 4], [4, 5])   # neighbours in the chain


def test_a_gang_its_links_could_never_carry_is_rejected_not_queued_for_ever(tmp_path):
    """Default communication (7e9 parameters, 1-s steps, no overlap) over Starlink-class links
    (200 Gbit/s at best): a gang of two satellites runs at 1 / (1 + 112/200) = 0.64 at best, below
    the default min_link_efficiency 0.8: topology_aware rejects it at once (reason links_too_slow);
    one-satellite jobs still run."""
    cfg = ring_config(**{"workload.accelerators": [4, 8], "workload.arrival_rate_per_h": 6.0,
                         "simulation.duration_s": 3 * 3600, "scheduler.policy": "topology_aware",
                         "workload.communication.kind": "data_parallel"})
    summary, out = run_cfg(cfg, tmp_path)
    with h5py.File(out, "r") as f:
        jobs = table_rows(f, "jobs")
    gangs, singles = jobs[jobs["n_accelerators"] == 8], jobs[jobs["n_accelerators"] == 4]
    assert len(gangs) and np.all(gangs["reason"] == b"links_too_slow") and np.all(gangs["status"] == b"rejected")
    assert np.all(singles["status"] != b"rejected") and summary["jobs_completed"] > 0
    cfg["scheduler"]["min_link_efficiency"] = 0.6
    summary, _ = run_cfg(cfg, tmp_path, "lenient")
    assert summary["jobs_rejected"] == 0
