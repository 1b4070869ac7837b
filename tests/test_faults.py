"""Faults: node failures, radiation upsets (SAA), scripted outages — their statistics, their
geography, their effect on jobs, and determinism (same seed, any cut of the run, --resume)."""
import collections
from datetime import datetime, timezone

import h5py
import numpy as np
import pytest

from conftest import rerun_and_reseed, small_config
from twin.config import Faults, load_config
from twin.engine.simulation import run
from twin.errors import InputError
from twin.ops.faults import FaultModel, earth_rotation_angle_rad, in_saa, subsatellite_lat_lon_deg
from twin.kernels import layout as L
from twin.output.reader import read_summary, table_rows

EPOCH = datetime(2026, 3, 20, tzinfo=timezone.utc)


# ---------------------------------------------------------------------- geography
def test_earth_rotation_angle_agrees_with_skyfield():
    """Against skyfield's ``earth_rotation_angle`` (IERS 2010 eq. 5.15) from J2000 to 2050:
    within 1e-8 rad (6 cm at the equator), the rounding of a day count near 10^4 d."""
    from skyfield.earthlib import earth_rotation_angle

    for days in (0.0, 0.37, 1234.567, 9500.25, 18_262.9):
        ours = earth_rotation_angle_rad(days)
        theirs = 2 * np.pi * earth_rotation_angle(2451545.0 + days)
        assert abs((ours - theirs + np.pi) % (2 * np.pi) - np.pi) < 1e-8


def test_subsatellite_point_agrees_with_skyfield():
    """Against skyfield's WGS-84 sub-point: within 0.5° (twin leaves out precession-nutation,
    ~0.36° by 2026, and uses geocentric latitude, < 0.2° from geodetic)."""
    from skyfield.api import EarthSatellite, wgs84

    from twin.orbits.environment import timescale
    from twin.orbits import walker_shell

    sats = walker_shell(550.0, 53.0, 2, 3, 1, "delta", EPOCH)
    ts = timescale()
    t = ts.utc(2026, 3, 20, 0, np.arange(0, 180, 7))
    days = (t.ut1 - 2451545.0)
    for satrec in sats.satrecs:
        sat = EarthSatellite.from_satrec(satrec, ts)
        geo = sat.at(t)
        lat, lon = subsatellite_lat_lon_deg(geo.position.m.T, earth_rotation_angle_rad(days))
        ref = wgs84.subpoint_of(geo)
        dlon = (lon - ref.longitude.degrees + 180) % 360 - 180
        assert np.abs(dlon).max() < 0.5
        assert np.abs(lat - ref.latitude.degrees).max() < 0.5


def test_saa_region():
    assert in_saa(-25.0, -45.0) and in_saa(-30.0, -60.0) and in_saa(-10.0, -20.0)
    assert not in_saa(0.0, 0.0) and not in_saa(-25.0, 120.0) and not in_saa(-50.0, -45.0)
    assert not in_saa(30.0, -45.0)                    # the north Atlantic
    assert in_saa(-25.0, 315.0)                       # longitudes wrap


# ---------------------------------------------------------------------- the process
def drive(model, n_steps, cuts=None, pos=None):
    """Run a FaultModel through ``n_steps`` as the engine does, cutting segments at ``cuts``
    (the engine's propagation blocks and ticks)."""
    events, k = [], 0
    cuts = sorted(set(cuts or []) | {n_steps})
    for end in cuts:
        while k < end:
            k0, k = k, model.next_stop(k, end, None if pos is None else pos[k:end])
            assert k > k0, f"no progress from step {k0}: an event left unapplied"
            evs, _, _ = model.apply(k)
            events += [(k, *e) for e in evs]
    return events


def faults(**kw):
    return Faults(**kw)


def test_failures_follow_mtbf_and_repair():
    """Alternating renewal: a node fails every MTBF + MTTR on average. 200 nodes, 2,000 h,
    MTBF 100 h, fixed 10 h repairs: 3,636 failures expected; a Poisson-like spread of ±60."""
    model = FaultModel(faults(mtbf_h=100, mean_repair_h=10, repair_distribution="fixed"), 200, 600.0,
                       EPOCH, np.random.default_rng(1), np.random.default_rng(2))
    events = drive(model, 12_000)
    kinds = collections.Counter(e[2] for e in events)
    assert abs(kinds[L.EVENT_FAULT] - 200 * 2000 / 110) < 4 * 60
    assert kinds[L.EVENT_RECOVERY] <= kinds[L.EVENT_FAULT]
    downs = [e[3] for e in events if e[2] == L.EVENT_RECOVERY]
    assert set(downs) == {36000.0}                  # fixed repair time of 10 h
    assert model.metrics(12_000)["node_hours_down"] == pytest.approx(200 * 2000 * 10 / 110, rel=0.05)


class _Band(FaultModel):
    """SAA membership by node, not geography: nodes 0..49 always inside, the rest outside."""
    def in_saa(self, k0, pos_end_m):
        inside = np.zeros((pos_end_m.shape[0], self.n), dtype=bool)
        inside[:, :50] = True
        return inside


def test_upset_rates_inside_and_outside_the_saa():
    model = _Band(faults(upset_rate_per_day=0.5, saa_upset_rate_per_day=20, upset_reboot_s=60), 100, 60.0,
                  EPOCH, np.random.default_rng(3), np.random.default_rng(4))
    days = 20
    n_steps = days * 1440
    events = drive(model, n_steps, cuts=range(0, n_steps, 64), pos=np.zeros((n_steps, 100, 3)))
    upsets = [e for e in events if e[2] == L.EVENT_UPSET]
    inside = sum(1 for e in upsets if e[1] < 50)
    outside = len(upsets) - inside
    # Poisson counts (the 60 s reboots remove < 1.5 % of the exposure): 20,000 and 500 expected
    assert abs(inside - 50 * 20 * days) < 4 * np.sqrt(50 * 20 * days) + 0.015 * 20_000
    assert abs(outside - 50 * 0.5 * days) < 4 * np.sqrt(50 * 0.5 * days)
    assert all(e[3] == 1.0 for e in upsets if e[1] < 50) and all(e[3] == 0.0 for e in upsets if e[1] >= 50)


def test_faults_do_not_depend_on_how_the_run_is_cut():
    def fresh():
        return _Band(faults(mtbf_h=30, mean_repair_h=2, upset_rate_per_day=1, saa_upset_rate_per_day=30,
                            outages=[{"sats": [3, 4], "start_s": 3000, "duration_s": 7200}]),
                     20, 60.0, EPOCH, np.random.default_rng(5), np.random.default_rng(6))
    pos = np.zeros((5000, 20, 3))
    one = drive(fresh(), 5000, cuts=range(0, 5000, 64), pos=pos)
    many = drive(fresh(), 5000, cuts=list(range(0, 5000, 7)) + [999, 1001], pos=pos)
    assert one == many and len(one) > 100


def test_apply_skips_only_boundaries_without_events():
    """apply returns at once before the earliest event next_stop found (``due_step``): the events
    are those of the full scan at every boundary, where every kind of fault happens."""
    def fresh():
        return _Band(faults(mtbf_h=20, mean_repair_h=1, upset_rate_per_day=1, saa_upset_rate_per_day=30,
                            outages=[{"sats": [3, 4], "start_s": 3000, "duration_s": 7200}]),
                     20, 60.0, EPOCH, np.random.default_rng(7), np.random.default_rng(8))

    class FullScan:   # the same model with the shortcut off: no due_step when apply runs
        def __init__(self, model):
            self.model = model

        def next_stop(self, *args):
            stop = self.model.next_stop(*args)
            del self.model.due_step
            return stop

        def apply(self, step):
            return self.model.apply(step)

    pos = np.zeros((5000, 20, 3))
    cuts = range(0, 5000, 6)
    shortcut, full = drive(fresh(), 5000, cuts, pos), drive(FullScan(fresh()), 5000, cuts, pos)
    kinds = collections.Counter(e[2] for e in full)
    assert shortcut == full
    assert all(kinds[k] > 0 for k in (L.EVENT_FAULT, L.EVENT_RECOVERY, L.EVENT_UPSET, L.EVENT_OUTAGE))


def test_outages_name_existing_satellites():
    with pytest.raises(InputError, match="satellite 9 does not exist"):
        FaultModel(faults(outages=[{"sats": [9], "start_s": 0, "duration_s": 60}]), 4, 10.0, EPOCH,
                   np.random.default_rng(0), np.random.default_rng(0))


# ---------------------------------------------------------------------- whole runs
FAULTY = {"faults.mtbf_h": 10, "faults.mean_repair_h": 1, "faults.upset_rate_per_day": 0.5,
          "faults.saa_upset_rate_per_day": 30,
          "faults.outages": [{"sats": [2, 5], "start_s": 1800, "duration_s": 1200}],
          "simulation.duration_s": 21600, "workload.arrival_rate_per_h": 12}


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory):
    import yaml
    tmp = tmp_path_factory.mktemp("faults")
    path = tmp / "faulty.yaml"
    path.write_text(yaml.safe_dump(small_config(**FAULTY)))
    out = tmp / "faulty.h5"
    return out, run(load_config(path), out), path


def test_faults_are_recorded_and_hit_the_jobs(faulty_run):
    out, summary, _ = faulty_run
    with h5py.File(out, "r") as f:
        ev = table_rows(f, "events")
        jobs = table_rows(f, "jobs")
    kinds = collections.Counter(k.decode() for k in ev["kind"])
    assert kinds["outage"] == summary["node_outages"] == 2
    outage = ev[ev["kind"] == b"outage"]
    assert outage["time_s"].tolist() == [1800.0, 1800.0] and outage["sat"].tolist() == [2, 5]
    assert kinds["fault"] == summary["node_failures"] > 0
    assert kinds["upset"] == summary["node_upsets"] > 0
    assert summary["node_upsets_in_saa"] > summary["node_upsets"] / 2   # 60x the rate inside
    assert 0.01 < summary["saa_time_fraction"] < 0.15
    assert kinds["rollback"] == summary["rollbacks"] > 0
    # every rolled-back job says so in /jobs, and lost only what its checkpoints did not save
    hit = np.unique(ev[ev["kind"] == b"rollback"]["value"]).astype(np.int64)
    rows = jobs[np.isin(jobs["job_id"], hit)]
    assert np.all(rows["preemptions"] >= 1)
    assert np.all(rows["lost_accel_s"] <= rows["work_accel_s"])
    # at most one checkpoint interval per rollback
    assert np.all(rows["lost_accel_s"] <= rows["preemptions"] * rows["n_accelerators"] * 1800.0 + 1e-6)
    assert summary["work_lost_accel_h"] == pytest.approx(jobs["lost_accel_s"].sum() / 3600)
    # events are in time order, faults exactly on step boundaries
    assert np.all(np.diff(ev["time_s"]) >= 0)
    assert np.all(ev["time_s"] % 10.0 == 0)


def test_faults_are_reproducible_from_the_seed(faulty_run, tmp_path):
    out, _, path = faulty_run
    again, other = rerun_and_reseed(path, tmp_path, 99)
    with h5py.File(out) as a, h5py.File(again) as b, h5py.File(other) as c:
        assert table_rows(a, "events").tobytes() == table_rows(b, "events").tobytes()
        assert table_rows(a, "jobs").tobytes() == table_rows(b, "jobs").tobytes()
        assert table_rows(a, "events").tobytes() != table_rows(c, "events").tobytes()


def test_faults_leave_the_workload_stream_alone(faulty_run, tmp_path):
    """Faults draw from their own streams: the same jobs arrive with and without them."""
    _, _, path = faulty_run
    calm = tmp_path / "calm.h5"
    run(load_config(path, ["faults.mtbf_h=null", "faults.upset_rate_per_day=0",
                           "faults.saa_upset_rate_per_day=0", "faults.outages=[]",
                           "radiation.floor_interruptions_per_accel_h=0"]), calm)
    with h5py.File(faulty_run[0]) as a, h5py.File(calm) as b:
        ja, jb = np.sort(table_rows(a, "jobs"), order="job_id"), np.sort(table_rows(b, "jobs"), order="job_id")
        assert np.array_equal(ja["submit_s"], jb["submit_s"]) and np.array_equal(ja["work_accel_s"], jb["work_accel_s"])
        assert read_summary(b)["rollbacks"] == 0


class _Crash(RuntimeError):
    pass


@pytest.mark.parametrize("policy", ["follow_the_sun", "priority"])
def test_crash_and_resume_with_faults_is_bit_for_bit(tmp_path, write_config, monkeypatch, policy):
    """A crash mid-run (as a kill -9 would leave it: the last periodic checkpoint and records
    beyond it), then resume: identical to an uninterrupted run, with faults, migrations and
    preemptions in flight (their state is all in the checkpoint)."""
    from test_resume import identical
    from twin.engine import simulation as engine

    cfg = small_config(**{**FAULTY, "simulation.duration_s": 43200, "output.checkpoint_every_s": 3 * 3600,
                          "output.flush_every_records": 30, "scheduler.policy": policy,
                          "scheduler.preempt": True, "workload.priorities": [0, 1, 2],
                          "faults.mtbf_h": 20})
    path = write_config(cfg)
    ref = tmp_path / "ref.h5"
    summary = run(load_config(path), ref)
    assert summary["rollbacks"] > 0
    assert summary["migrations" if policy == "follow_the_sun" else "preemptions"] > 0

    tick = engine.Simulation.tick
    crash_step = 4 * 3600 // 10 + 6 * 137          # past the first checkpoint, between records

    def crashing_tick(self, step):
        if step == crash_step:
            raise _Crash
        tick(self, step)

    out = tmp_path / "crashed.h5"
    monkeypatch.setattr(engine.Simulation, "tick", crashing_tick)
    with pytest.raises(_Crash):
        run(load_config(path), out)
    monkeypatch.setattr(engine.Simulation, "tick", tick)
    engine.resume(out, log=lambda *a: None)
    identical(ref, out)
