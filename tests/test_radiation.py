"""Radiation and the terrestrial floor (twin/ops/radiation.py): the Llama 3 rate, the dose a
run records, wear-out and degradation where the dose says, a silent corruption's rollback, the
SAA and high-latitude rates, the Poisson rates, determinism and resume, bad input."""
import collections
import math
from datetime import datetime, timezone

import h5py
import numpy as np
import pytest

from conftest import REPO, small_config
from twin.config import Radiation, load_config, scenario_from_dict
from twin.config.radiation import LLAMA3_INTERRUPTIONS_PER_ACCEL_H
from twin.engine.simulation import run
from twin.kernels import layout as L
from twin.kernels.dose import DOSE_YEAR_S, dose_rate_krad_per_year
from twin.ops.faults import earth_rotation_angle_rad, subsatellite_lat_lon_deg
from twin.ops.jobs import JobBook
from twin.ops.radiation import fault_model, geomagnetic_latitude_deg
from twin.ops.scheduling import Fifo
from twin.ops.workload import JobSpec
from twin.orbits import walker_shell
from twin.output.reader import read_summary, table_rows

EPOCH = datetime(2026, 3, 20, tzinfo=timezone.utc)


# ---------------------------------------------------------------------- the floor's rate
def test_llama3_floor_rate():
    """Meta, "The Llama 3 Herd of Models" (2024) §3.3.4: 419 unexpected interruptions in 54 days on
    16,384 GPUs: 419 / (54 x 24 x 16,384) per GPU-hour, one per 5.8 years of one GPU."""
    assert LLAMA3_INTERRUPTIONS_PER_ACCEL_H == 419 / (54 * 24 * 16_384)
    assert LLAMA3_INTERRUPTIONS_PER_ACCEL_H == pytest.approx(1.9733e-5, abs=5e-10)
    assert 1 / LLAMA3_INTERRUPTIONS_PER_ACCEL_H / 8766 == pytest.approx(5.78, abs=0.01)   # years
    assert Radiation().floor_interruptions_per_accel_h == LLAMA3_INTERRUPTIONS_PER_ACCEL_H


# ---------------------------------------------------------------------- the model alone
def scenario(**over):
    return scenario_from_dict(small_config(**over), REPO)


def model(n_planes=5, per_plane=6, **over):
    """A fault model with its radiation model on a Walker shell, no jobs running."""
    sc = scenario(**over)
    sats = walker_shell(550.0, 53.0, n_planes, per_plane, min(1, n_planes - 1), "delta", EPOCH)
    jobs = JobBook(len(sats), sc.spacecraft.accelerator.count, Fifo(), 0.0, 1.0)
    return fault_model(sc, sats, jobs, np.random.SeedSequence(7).spawn(4)), jobs, sats, sc


def fixed_points(lat_lon, n_steps, dt_s, days0):
    """GCRS positions (n_steps, N, 3) [m] of points fixed on the Earth at ``lat_lon`` (N, 2) [deg],
    at the step ends 1..n_steps (the inverse of subsatellite_lat_lon_deg)."""
    era = earth_rotation_angle_rad(days0 + np.arange(1, n_steps + 1) * dt_s / 86400.0)[:, None]
    lat, lon = np.radians(lat_lon[:, 0])[None, :], np.radians(lat_lon[:, 1])[None, :]
    r = 6.9e6
    return np.stack([r * np.cos(lat) * np.cos(lon + era), r * np.cos(lat) * np.sin(lon + era),
                     r * np.sin(lat) * np.ones_like(era)], axis=-1)


def drive(fm, jobs, n_steps, pos=None, cut=64, full_scan=False):
    """Run the fault model alone through ``n_steps``, as the engine does: (step, sat, kind, value)."""
    out, k0 = [], 0
    while k0 < n_steps:
        k1 = min(k0 + cut, n_steps)
        stop = fm.next_stop(k0, k1, None if pos is None else pos[k0:k1])
        assert stop > k0, f"no progress from step {k0}: an event left unapplied"
        if full_scan:   # apply's shortcut off (FaultModel.due_step)
            del fm.due_step
        events, down, up = fm.apply(stop)
        jobs.restore_nodes(up)
        jobs.fail_nodes(down, stop * fm.dt_s)
        out += [(stop, *e) for e in events]
        k0 = stop
    return out


def test_floor_interruptions_are_poisson_at_the_rate():
    """Per node a Bernoulli trial per step with p = 1 - exp(-C r dt) (events on step
    boundaries): 30 nodes x 4 accelerators at 0.01 per accelerator-hour over 2,000 h, ~2,400
    expected; bound 5 sigma. No job runs: every one hits an idle accelerator."""
    fm, jobs, _, sc = model(**{"radiation.floor_interruptions_per_accel_h": 0.01})
    dt, n_steps = sc.simulation.dt_s, 720_000
    events = drive(fm, jobs, n_steps, cut=4096)
    hits = [e for e in events if e[2] == L.EVENT_INTERRUPTION]
    p = 1 - math.exp(-4 * 0.01 / 3600 * dt)
    mean = 30 * n_steps * p
    assert abs(len(hits) - mean) < 5 * math.sqrt(mean * (1 - p))
    assert all(e[3] == -1.0 for e in hits)
    m = fm.metrics(n_steps)
    assert m["floor_interruptions"] == len(hits) and m["floor_rollbacks"] == 0


def test_apply_skips_only_boundaries_without_radiation_events():
    """The fault model's apply returns at once before the earliest event next_stop found: the
    events are those of the full scan at every boundary, with floor interruptions, single events,
    degradations and wear-outs all happening."""
    # rates far above the published ones, and doses just under the degradation and failure
    # thresholds, so that every kind of event falls within the 6 h driven
    over = {"radiation.upsets": True, "radiation.floor_interruptions_per_accel_h": 0.02,
            "radiation.sdc_rad_per_event": 0.5, "radiation.sdc_detection": "delay",
            "radiation.sdc_detection_delay_s": 300.0, "radiation.sefi_rad_per_event": 5.0,
            "radiation.initial_dose_krad": 14.9997, "radiation.degradation_krad": 14.9998,
            "radiation.hard_failure_krad": 14.99985, "radiation.hard_failure_log_sigma": 4e-6}
    runs = []
    for full_scan in (False, True):
        fm, jobs, sats, sc = model(**over)
        n_steps = 2160
        pos = fixed_points(np.tile([[-25.0, -45.0], [60.0, 10.0]], (15, 1)), n_steps, sc.simulation.dt_s,
                           fm.radiation.days0)
        runs.append(drive(fm, jobs, n_steps, pos, cut=6, full_scan=full_scan))
    kinds = collections.Counter(e[2] for e in runs[1])
    assert runs[0] == runs[1]
    assert all(kinds[k] > 0 for k in (L.EVENT_INTERRUPTION, L.EVENT_UPSET, L.EVENT_DEGRADED, L.EVENT_WEAR_OUT)), kinds


def test_single_event_rates_inside_the_saa_and_at_high_latitude():
    """Thinning: nodes held inside the SAA, at low and at high geomagnetic latitude see
    single events at mean x factor / mean factor of their orbit. Per node and step a trial with
    p = (1 - exp(-lambda_max dt)) x factor / largest factor; 10 nodes per place over 20,000
    steps; bound 5 sigma of the binomial count."""
    rad_per_event = 0.2
    fm, jobs, sats, sc = model(n_planes=5, per_plane=6, **{
        "radiation.upsets": True, "radiation.floor_interruptions_per_accel_h": 0.0,
        "radiation.sdc_rad_per_event": rad_per_event, "radiation.uecc_rad_per_event": 1e9,
        "radiation.sefi_rad_per_event": 1e9, "radiation.saa_factor": 8.0, "radiation.high_latitude_factor": 3.0})
    places = np.array([[-25.0, -45.0]] * 10 + [[0.0, 100.0]] * 10 + [[75.0, -72.0]] * 10)
    assert abs(geomagnetic_latitude_deg(75.0, -72.0)) > 54.7 > abs(geomagnetic_latitude_deg(0.0, 100.0))
    dt, n_steps = sc.simulation.dt_s, 20_000
    pos = fixed_points(places, n_steps, dt, fm.radiation.days0)
    hits = collections.Counter()
    single = fm.radiation._single_event

    def counted(node, *args):
        hits[node // 10] += 1
        single(node, *args)

    fm.radiation._single_event = counted
    drive(fm, jobs, n_steps, pos)
    rad = fm.radiation
    per_s = 4 * dose_rate_krad_per_year(550.0, 53.0) * 1000.0 / DOSE_YEAR_S / rad_per_event
    # the shell's satellites all have the same orbit: one mean factor
    mean_factor = rad.mean_factor[0]
    assert np.allclose(rad.mean_factor, mean_factor) and 1.0 < mean_factor < 2.0
    q = 1 - math.exp(-per_s * 8.0 / mean_factor * dt)
    for group, factor in enumerate((8.0, 1.0, 3.0)):
        p = q * factor / 8.0
        mean, sd = 10 * n_steps * p, math.sqrt(10 * n_steps * p * (1 - p))
        assert abs(hits[group] - mean) < 5 * sd, (group, hits[group], mean)


def test_the_mean_factor_is_the_orbit_average():
    """The mean factor a node is normalised by (a circular orbit, longitudes uniform) against
    the time average of the factor along the SGP4 orbit over 20 days at 60 s: within 0.03 (the
    ground track's coverage in 20 days, about 2 % of the mean)."""
    fm, jobs, sats, sc = model(n_planes=1, per_plane=1, **{"radiation.upsets": True, "radiation.saa_factor": 5.0,
                                                             "radiation.high_latitude_factor": 3.0})
    rad = fm.radiation
    sat = sats.satrecs[0]
    t_min = np.arange(0, 20 * 1440, 1.0)
    jd0 = sat.jdsatepoch + sat.jdsatepochF
    err, r_km, _ = sat.sgp4_array(np.full(t_min.size, sat.jdsatepoch), sat.jdsatepochF + t_min / 1440.0)
    assert not err.any()
    days = jd0 + t_min / 1440.0 - 2451545.0
    lat, lon = subsatellite_lat_lon_deg(r_km * 1000.0, earth_rotation_angle_rad(days))
    assert rad.regions.factor(lat, lon).mean() == pytest.approx(rad.mean_factor[0], abs=0.03)


def test_a_corruption_found_loses_the_work_since_the_checkpoint_before_it():
    """A job on one accelerator at full rate, checkpoints every hour: corrupted at 1.5 h (its
    last clean checkpoint at 1 h), a checkpoint at 2 h saves the corruption, found at 2.2 h: it
    loses 2.2 - 1 = 1.2 h of work exactly, not the 0.2 h since its last checkpoint."""
    book = JobBook(2, 1, Fifo(), 0.0, 1.0)
    book.submit(JobSpec(0, 0.0, 10 * 3600.0, 1, checkpoint_interval_s=3600.0))
    book.dispatch(1.0, None)
    (job,) = book.running
    node = job.placement[0][0]

    def advance(to_s, at_s):
        n = int(round((to_s - at_s) / 10.0))
        book.advance(np.ones((n, 2)), at_s, 10.0)
        return to_s

    t = advance(5400.0, 0.0)
    assert job.checkpoint_work_accel_s == pytest.approx(3600.0)
    job.sdc_good_accel_s = job.checkpoint_work_accel_s          # what the radiation model records
    t = advance(7920.0, t)
    assert job.checkpoint_work_accel_s == pytest.approx(7200.0)   # a corrupt checkpoint
    assert book.roll_back_to(job, job.sdc_good_accel_s, t, node)
    assert job.lost_accel_s == pytest.approx(7920.0 - 3600.0, abs=1e-6)
    assert job.remaining_accel_s == pytest.approx(10 * 3600.0 - 3600.0, abs=1e-6)
    assert job.status == "queued" and math.isnan(job.sdc_good_accel_s)
    assert book.take_lost_by_node()[0, node] == pytest.approx(4320.0, abs=1e-6)
    assert book.counts["rollbacks"] == 1


def test_a_node_failure_before_the_finding_keeps_the_corruption():
    """The node fails at 2.2 h: the job rolls back to its (corrupt) 2 h checkpoint; found later
    while queued, it goes back to 1 h. Lost in all: 1.2 h, as if found at the failure."""
    book = JobBook(2, 1, Fifo(), 0.0, 1.0)
    book.submit(JobSpec(0, 0.0, 10 * 3600.0, 1, checkpoint_interval_s=3600.0))
    book.dispatch(1.0, None)
    (job,) = book.running
    node = job.placement[0][0]
    book.advance(np.ones((540, 2)), 0.0, 10.0)
    job.sdc_good_accel_s = job.checkpoint_work_accel_s
    book.advance(np.ones((252, 2)), 5400.0, 10.0)
    book.fail_nodes([node], 7920.0)
    assert job.lost_accel_s == pytest.approx(720.0, abs=1e-6) and job.sdc_good_accel_s == pytest.approx(3600.0)
    assert book.roll_back_to(job, job.sdc_good_accel_s, 9000.0, node)
    assert job.lost_accel_s == pytest.approx(4320.0, abs=1e-6)
    assert job.remaining_accel_s == pytest.approx(10 * 3600.0 - 3600.0, abs=1e-6)
    # a rollback to before the corruption takes it away: nothing is found after
    assert not book.roll_back_to(job, job.sdc_good_accel_s, 9100.0, node)


# ---------------------------------------------------------------------- whole runs
def test_the_recorded_dose_is_rate_times_time(tmp_path):
    cfg = small_config(**{"radiation.initial_dose_krad": 0.5, "radiation.age_years": 2.0,
                          "radiation.shielding_mm_al": 3.0})
    out = tmp_path / "dose.h5"
    summary = run(load_config_from(cfg, tmp_path), out)
    with h5py.File(out, "r") as f:
        rate = f["dose_rate_krad_per_year"][...]
        dose = f["dose_krad"][...]
        t = f["time"][...]
        assert f["dose_krad"].attrs["units"] == "10 Gy"
        assert f["dose_rate_krad_per_year"].attrs["units"] == "10 Gy/(365 day)"
    # every satellite of the shell has the summary's mean altitude and inclination (to rounding)
    assert rate == pytest.approx(float(dose_rate_krad_per_year(summary["altitude_km_mean"],
                                                               summary["inclination_deg_mean"], 3.0)), rel=1e-9)
    # 2 years of 365.25 days at the rate, then the run; the table's year is 365 days
    start = 0.5 + rate * 2.0 * 365.25 / 365.0
    assert dose == pytest.approx(start[None, :] + rate[None, :] * t[:, None] / DOSE_YEAR_S, rel=1e-12)
    assert summary["dose_end_krad_mean"] == pytest.approx(float(dose[-1].mean()), rel=1e-12)
    assert summary["dose_rate_krad_per_year_mean"] == pytest.approx(float(rate.mean()), rel=1e-12)
    assert summary["radiation_dose_krad_per_year"] == summary["dose_rate_krad_per_year_mean"]


def load_config_from(cfg, tmp_path):
    import yaml
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return load_config(path)


def test_wear_out_and_degradation_happen_at_their_doses(tmp_path):
    """Doses just short of the thresholds at the epoch: every node degrades, then fails for
    good, at the step its dose crosses; its accelerators are in the ledger's faults from then."""
    rate = float(dose_rate_krad_per_year(550.0, 53.0))
    per_step = rate * 10.0 / DOSE_YEAR_S
    cfg = small_config(**{"radiation.initial_dose_krad": 2.0 - 100 * per_step, "radiation.hard_failure_krad": 2.0
                          + 400 * per_step, "radiation.floor_interruptions_per_accel_h": 0.0})
    out = tmp_path / "wear.h5"
    summary = run(load_config_from(cfg, tmp_path), out)
    with h5py.File(out, "r") as f:
        ev = table_rows(f, "events")
        total = f["ledger_total"][...]
        rates = f["dose_rate_krad_per_year"][...]
    degraded, worn = ev[ev["kind"] == b"degraded"], ev[ev["kind"] == b"wear_out"]
    assert len(degraded) == len(worn) == 8 == summary["nodes_degraded"] == summary["node_wear_outs"]
    # the mean altitudes differ from 550 km by metres: the step is 100 or 500, give or take one
    assert np.all(np.abs(degraded["time_s"] / 10.0 - 100) <= 1) and np.all(np.abs(worn["time_s"] / 10.0 - 500) <= 1)
    assert np.all(worn["value"] >= cfg["radiation"]["hard_failure_krad"])
    assert np.all(worn["value"] - rates * 10.0 / DOSE_YEAR_S < cfg["radiation"]["hard_failure_krad"])
    down_s = 7200.0 - worn["time_s"]
    assert summary["node_hours_down"] == pytest.approx(down_s.sum() / 3600.0, rel=1e-12)
    faults = total[:, L.LEDGER_CAUSES.index("faults")]
    assert np.all(faults[worn["sat"]] >= 4 * down_s - 1e-6)


RADIATION = {"radiation.upsets": True, "radiation.sdc_rad_per_event": 0.05, "radiation.uecc_rad_per_event": 0.1,
             "radiation.sefi_rad_per_event": 0.5, "radiation.saa_factor": 5.0,
             "radiation.high_latitude_factor": 2.0, "radiation.floor_interruptions_per_accel_h": 0.02,
             "simulation.duration_s": 43200, "workload.arrival_rate_per_h": 12,
             "workload.checkpoint_interval_s": 1800}


@pytest.fixture(scope="module")
def radiation_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("radiation")
    cfg = load_config_from(small_config(**RADIATION), tmp)
    out = tmp / "rad.h5"
    return out, run(cfg, out), tmp / "scenario.yaml"


def test_radiation_events_are_recorded_and_hit_the_jobs(radiation_run):
    out, s, _ = radiation_run
    with h5py.File(out, "r") as f:
        ev = table_rows(f, "events")
        jobs = table_rows(f, "jobs")
    kinds = collections.Counter(k.decode() for k in ev["kind"])
    assert kinds["interruption"] == s["floor_interruptions"] > s["floor_rollbacks"] > 0
    assert kinds["upset"] == s["node_upsets"] == s["see_sefi"] > 0
    assert kinds["memory_error"] == s["see_uecc"] > 0
    assert kinds["sdc"] == s["see_sdc_found"] > 0
    assert s["see_sdc"] >= s["see_sdc_corrupting"] >= s["see_sdc_found"]
    assert kinds["rollback"] == s["rollbacks"] >= s["see_sdc_found"] + s["see_uecc_rollbacks"] + s["floor_rollbacks"]
    assert s["work_lost_accel_h"] == pytest.approx(jobs["lost_accel_s"].sum() / 3600)
    assert np.all(ev["time_s"] % 10.0 == 0)
    # every corruption found names a job that rolled back then
    sdc = ev[ev["kind"] == b"sdc"]
    back = {(t, v) for t, v in zip(ev[ev["kind"] == b"rollback"]["time_s"], ev[ev["kind"] == b"rollback"]["value"])}
    assert all((t, v) in back for t, v in zip(sdc["time_s"], sdc["value"]))


def test_radiation_is_reproducible_from_the_seed(radiation_run, tmp_path):
    from conftest import rerun_and_reseed

    out, _, path = radiation_run
    again, other = rerun_and_reseed(path, tmp_path, 99)
    with h5py.File(out) as a, h5py.File(again) as b, h5py.File(other) as c:
        assert table_rows(a, "events").tobytes() == table_rows(b, "events").tobytes()
        assert table_rows(a, "jobs").tobytes() == table_rows(b, "jobs").tobytes()
        assert table_rows(a, "events").tobytes() != table_rows(c, "events").tobytes()


def test_radiation_leaves_the_workload_stream_alone(radiation_run, tmp_path):
    _, _, path = radiation_run
    calm = tmp_path / "calm.h5"
    run(load_config(path, ["radiation.upsets=false", "radiation.floor_interruptions_per_accel_h=0"]), calm)
    with h5py.File(radiation_run[0]) as a, h5py.File(calm) as b:
        ja, jb = np.sort(table_rows(a, "jobs"), order="job_id"), np.sort(table_rows(b, "jobs"), order="job_id")
        assert np.array_equal(ja["submit_s"], jb["submit_s"]) and np.array_equal(ja["work_accel_s"], jb["work_accel_s"])
        assert read_summary(b)["rollbacks"] == 0


class _Crash(RuntimeError):
    pass


def test_crash_and_resume_with_radiation_is_bit_for_bit(tmp_path, write_config, monkeypatch):
    """Killed past a checkpoint with corruptions pending, resumed: the same file as a run that
    was not (dose, events, rollbacks and pending detections are all in the checkpoint)."""
    from test_resume import identical
    from twin.engine import simulation as engine

    cfg = small_config(**{**RADIATION, "output.checkpoint_every_s": 3 * 3600, "output.flush_every_records": 30,
                          "radiation.sdc_detection": "delay", "radiation.sdc_detection_delay_s": 5000})
    path = write_config(cfg)
    ref = tmp_path / "ref.h5"
    summary = run(load_config(path), ref)
    assert summary["see_sdc_found"] > 0 and summary["floor_rollbacks"] > 0
    tick = engine.Simulation.tick
    crash_step = 4 * 3600 // 10 + 6 * 137

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


@pytest.mark.parametrize("key, value, fragment", [
    ("radiation.shielding_mm_al", 1.0, "radiation.shielding_mm_al"),
    ("radiation.sdc_detection", "sometimes", "radiation.sdc_detection"),
    ("radiation.saa_factor", 0.5, "radiation.saa_factor"),
    ("radiation.sdc_rad_per_event", 0.0, "radiation.sdc_rad_per_event")])
def test_bad_radiation_input_is_one_line_exit_2(tmp_path, write_config, key, value, fragment):
    from test_cli import assert_one_line_error, twin

    assert_one_line_error(twin("validate", write_config(small_config(**{key: value}))), fragment)
