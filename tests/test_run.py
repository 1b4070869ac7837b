"""A whole run: the file follows docs/schema.md, energy closes from the file alone, runs are
deterministic, and nothing is downloaded."""
import socket

import h5py
import numpy as np
import pytest

from conftest import REPO, NetworkBlocked, rerun_and_reseed, small_config, stored
from twin.config import load_config
from twin.engine.simulation import run
from twin.output import cf
from twin.output.schema import EVENT_DTYPE, JOB_DTYPE, SCHEMA_VERSION, STATE_VARIABLES
from twin.output.reader import read_summary, table_rows, state_names
from twin.output.tables import n_rows

# the /state variables of a run without links (links_live, link_capacity_gbps: only with links)
WITHOUT_LINKS = tuple(v for v in STATE_VARIABLES if not v.links)

ROOT_ATTRS = ["schema", "schema_version", "twin_version", "created_utc", "status", "epoch_utc",
              "dt_s", "record_every_steps", "seed", "config_yaml", "config_sha256", "skyfield_version",
              "sgp4_version", "numba_version", "h5py_version", "numpy_version", "simpy_version", "ephemeris"]


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run")
    path = tmp / "scenario.yaml"
    import yaml
    path.write_text(yaml.safe_dump(small_config()))
    out = tmp / "run.h5"
    summary = run(load_config(path), out)
    return out, summary, path


def test_file_follows_the_schema(small_run):
    out, summary, _ = small_run
    with h5py.File(out, "r") as f:
        for attr in ROOT_ATTRS:
            assert attr in f.attrs, attr
        assert f.attrs["schema"] == "twin.run" and f.attrs["schema_version"] == SCHEMA_VERSION
        assert f.attrs["status"] == "complete"
        time = f["time"][...]
        assert np.allclose(np.diff(time), 60.0) and time[-1] == 7200.0
        n = f["sat"].shape[0]
        assert n == 8 and f["sat_name"].shape == (8,)
        for var in WITHOUT_LINKS:
            d = f[var.name]
            assert d.shape == (len(time), n), var.name
            assert d.attrs.get("units") == cf.udunits(var.units) and d.attrs["long_name"]
            if d.dtype.kind == "f":
                assert np.all(np.isfinite(d[...])), var.name
        assert set(JOB_DTYPE.names) <= set(f["jobs"])
        assert set(EVENT_DTYPE.names) <= set(f["events"])
        assert read_summary(f)["jobs_submitted"] == summary["jobs_submitted"] > 0
        soc = f["soc"][...]
        assert 0.0 <= soc.min() and soc.max() <= 1.0
        assert n_rows(f["events"]) > 0  # 2 h at 550 km: every satellite passes through eclipse


def test_energy_closes_from_the_file_alone(small_run):
    """Per satellite and record: (solar - load - loss - curtailed)·Δt = Δ battery energy.
    Recorded flows are float64, so closure holds to float rounding; docs/design.md §6 asks 1e-6 relative."""
    out, _, _ = small_run
    with h5py.File(out, "r") as f:
        dt = np.diff(np.concatenate([[0.0], f["time"][...]]))[:, None]
        s = {v: f[v][...] for v in ("solar_power_w", "load_power_w", "loss_power_w",
                                               "curtailed_power_w", "battery_energy_wh")}
        capacity_wh = load_config(small_run[2]).spacecraft.battery.capacity_wh
        start = load_config(small_run[2]).spacecraft.battery.initial_soc * capacity_wh
    flows_wh = (s["solar_power_w"] - s["load_power_w"] - s["loss_power_w"] - s["curtailed_power_w"]) * dt / 3600
    stored = np.vstack([np.full((1, flows_wh.shape[1]), start), s["battery_energy_wh"]])
    residual = flows_wh - np.diff(stored, axis=0)
    solar_total_wh = (s["solar_power_w"] * dt / 3600).sum()
    assert np.abs(residual.sum(axis=0)).max() / solar_total_wh < 1e-6
    assert np.abs(residual).max() < 1e-6 * capacity_wh


def test_jobs_table_is_consistent(small_run):
    out, summary, _ = small_run
    with h5py.File(out, "r") as f:
        jobs = table_rows(f, "jobs")
    assert len(jobs) == summary["jobs_submitted"]
    assert len(np.unique(jobs["job_id"])) == len(jobs)
    done = jobs[jobs["status"] == b"completed"]
    assert len(done) == summary["jobs_completed"] > 0
    assert np.all(done["start_s"] >= done["submit_s"]) and np.all(done["end_s"] > done["start_s"])
    # a job cannot run faster than its accelerators at full speed
    assert np.all(done["end_s"] - done["start_s"] >= done["work_accel_s"] / done["n_accelerators"] - 1e-6)


def test_same_seed_same_output_and_other_seed_differs(small_run, tmp_path):
    out, _, cfg_path = small_run
    again, other = rerun_and_reseed(cfg_path, tmp_path, 43)
    with h5py.File(out) as a, h5py.File(again) as b, h5py.File(other) as c:
        for var in WITHOUT_LINKS:
            assert np.array_equal(a[var.name][...], b[var.name][...]), var.name
        # bit for bit (queued jobs hold NaN start times, which == would call unequal)
        assert table_rows(a, "jobs").tobytes() == table_rows(b, "jobs").tobytes()
        assert table_rows(a, "events").tobytes() == table_rows(b, "events").tobytes()
        assert table_rows(a, "jobs").tobytes() != table_rows(c, "jobs").tobytes()


def test_nothing_is_downloaded():
    """The suite-wide guard blocks sockets; prove it is active, then build everything that could
    fetch data (timescale, ephemeris) from scratch and run."""
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("example.com", 80), timeout=1)
    from twin.orbits import environment
    for fn in (environment.timescale, environment.ephemeris):
        if hasattr(fn, "cache_clear"):
            fn.cache_clear()
    scenario = load_config(REPO / "configs" / "default.yaml", ["simulation.duration_s=600"])
    assert environment.sun_position_gcrs_m(scenario.simulation.epoch_utc, np.array([0.0])).shape == (1, 3)


def test_aggregation_min_mean_max(tmp_path):
    """output.aggregate [mean, min, max]: min <= mean <= max per record; with one step per
    record the three coincide (to float32 storage)."""
    cfg = REPO / "configs" / "default.yaml"
    out = tmp_path / "agg.h5"
    run(load_config(cfg, ["simulation.duration_s=7200", "output.aggregate=[mean, min, max]"]), out)
    one = tmp_path / "one.h5"
    run(load_config(cfg, ["simulation.duration_s=1200", "simulation.record_every_s=10",
                          "scheduler.epoch_s=10", "output.aggregate=[mean, min, max]"]), one)
    with h5py.File(out) as f, h5py.File(one) as g:
        for name in ("solar_power_w", "load_power_w", "sunlit_fraction", "utilization"):
            lo, mean, hi = (f[name + s][...].astype(float) for s in ("_min", "", "_max"))
            assert np.all(lo <= mean * (1 + 1e-6) + 1e-6) and np.all(mean <= hi * (1 + 1e-6) + 1e-6)
            assert f[name + "_min"].attrs["units"] == f[name].attrs["units"]
            lo, mean, hi = (g[name + s][...].astype(float) for s in ("_min", "", "_max"))
            np.testing.assert_allclose(lo, mean, rtol=1e-6, atol=1e-6)
            np.testing.assert_allclose(hi, mean, rtol=1e-6, atol=1e-6)
        assert (f["solar_power_w_max"][...] > f["solar_power_w_min"][...]).any()
    import twin
    with twin.open_run(out) as ds:
        assert ds["load_power_w_max"].attrs["units"] == "W"
        assert float(ds["load_power_w_max"].max()) >= float(ds["load_power_w"].max())


def test_output_does_not_depend_on_how_big_the_feed_blocks_are(tmp_path, write_config, monkeypatch):
    """The orbit feed's block length follows the constellation's size (a memory budget), so a
    shard gets other blocks than the whole run; the physics must not: the engine cuts it at
    fixed segments, never at block ends. Hourly records with 10-minute epochs (ticks of 60
    steps, not dividing the 72-step segments) and a budget that gives 8 satellites one segment
    per block or twelve."""
    import twin.orbits.feed as feed

    cfg = write_config(small_config(**{"simulation.duration_s": 86400, "simulation.record_every_s": 3600,
                                       "scheduler.epoch_s": 600}))
    outs = []
    for budget in (feed.BLOCK_BYTES, 1):
        monkeypatch.setattr(feed, "BLOCK_BYTES", budget)
        outs.append(tmp_path / f"budget_{budget}.h5")
        run(load_config(cfg), outs[-1], log=lambda m: None)
    with h5py.File(outs[0], "r") as a, h5py.File(outs[1], "r") as b:
        assert a["time"].shape[0] == 24
        names = [*state_names(a), "jobs", "events"]
        assert stored(a, names) == stored(b, names)
