"""Sharding one constellation: plans by shell, plane and cluster; dealing the job stream; and a
two-shard run on a LocalCluster, combined through HDF5 virtual datasets, against a single-process
run of the same scenario. With no jobs the physics must agree exactly (each satellite's physics is
independent of the others'); with jobs the job stream is the same, but placement is per shard."""
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml

from conftest import DATA, small_config
from twin.config import scenario_from_dict
from twin.output.reader import RunFileError, describe
from twin.output.run import open_run
from twin.scaleout.shard import (ShardError, _exact_duration, deal_jobs, full_job_stream, plan_shards,
                                 shard_scenarios)


def two_shell_config(**overrides) -> dict:
    """A Walker shell of 2 planes x 4 and a 2-satellite cluster (10 satellites), 3 h at 60 s."""
    cfg = small_config(**{"simulation.dt_s": 60, "simulation.duration_s": 10800,
                          "output.compression": 0, **overrides})
    cfg["constellation"].append({"kind": "cluster", "altitude_km": 650, "ltan_h": 18.0, "n_sats": 2,
                                 "radius_km": 1.0})
    return cfg


def scenario(cfg, folder=Path(".")):
    return scenario_from_dict(cfg, folder.resolve())


# ---------------------------------------------------------------------- plans
@pytest.mark.parametrize("by, n, counts", [
    ("shell", None, (8, 2)),
    ("plane", None, (4, 4, 2)),
    ("plane", 2, (4, 6)),        # the cut nearest to half the satellites, between whole planes
    ("cluster", None, (8, 2)),
    ("plane", 1, (10,)),
])
def test_plans_cut_between_whole_units(by, n, counts):
    plan = plan_shards(scenario(two_shell_config()), by, n)
    assert plan.counts == counts
    assert plan.starts == tuple(np.r_[0, np.cumsum(counts)][:-1])


def test_bad_plans_are_input_errors():
    with pytest.raises(ShardError, match="only 3 unit"):
        plan_shards(scenario(two_shell_config()), "plane", 4)
    with pytest.raises(ShardError, match="kind: cluster shell"):
        plan_shards(scenario(small_config()), "cluster")
    # links would be cut at the shards' edges: refused, and one shard is still a plan
    linked = small_config(**{"links.topology": "+grid"})
    with pytest.raises(ShardError, match="links.topology is \\+grid"):
        plan_shards(scenario(linked), "plane")
    assert plan_shards(scenario(linked), "plane", 1).counts == (8,)


def test_a_shard_builds_its_satellites_as_the_whole_constellation_numbers_them():
    """selected_satellites builds only the shells a shard's range is in; the satellites must be the
    very ones a whole-constellation build gives for that range: element sets, names, NORAD ids
    (synthetic ones numbered across shells), planes (unique across shells) and skipped TLEs."""
    from twin.orbits.constellation import build_constellation
    from twin.scaleout.selection import selected_satellites

    cfg = small_config(**{"simulation.duration_s": 600})
    cfg["constellation"] = [
        {"kind": "walker", "altitude_km": 550, "inclination_deg": 53, "planes": 3, "sats_per_plane": 2,
         "phasing": 1, "thickness_km": 20, "layers": 3},
        {"kind": "tle", "file": str(DATA / "starlink_sample_20260530.tle"), "max_satellites": 4},
        {"kind": "cluster", "altitude_km": 650, "ltan_h": 18.0, "n_sats": 3, "radius_km": 1.0},
        {"kind": "sso", "altitude_km": 800, "ltan_h": 6.0, "planes": 2, "sats_per_plane": 2, "ltan_span_h": 2}]
    sc = scenario(cfg)
    whole = build_constellation(sc.constellation, sc.simulation.epoch_utc, sc.simulation.seed)
    assert len(whole) == 17
    for start, count in ((0, 17), (0, 5), (5, 3), (6, 7), (9, 8), (13, 1), (16, 1)):
        part = selected_satellites(sc, start, count)
        stop = start + count
        assert list(part.name) == list(whole.name[start:stop])
        np.testing.assert_array_equal(part.norad_id, whole.norad_id[start:stop])
        np.testing.assert_array_equal(part.plane, whole.plane[start:stop])
        for a, b in zip(part.satrecs, whole.satrecs[start:stop]):
            assert (a.no_kozai, a.inclo, a.nodeo, a.ecco, a.argpo, a.mo, a.jdsatepoch, a.jdsatepochF) == \
                (b.no_kozai, b.inclo, b.nodeo, b.ecco, b.argpo, b.mo, b.jdsatepoch, b.jdsatepochF)
        assert part.skipped == (whole.skipped if start == 0 else ())
    with pytest.raises(ShardError, match="constellation has 17"):
        selected_satellites(sc, 10, 8)


def test_tle_satellites_have_no_planes_and_split_anywhere():
    cfg = small_config(**{"simulation.duration_s": 600})
    cfg["constellation"] = [{"kind": "tle", "file": str(DATA / "starlink_sample_20260530.tle"), "max_satellites": 7}]
    plan = plan_shards(scenario(cfg), "plane", 3)
    assert plan.counts == (2, 3, 2)


# ---------------------------------------------------------------------- jobs
def test_jobs_are_dealt_by_share_and_fit_their_shard():
    n_acc = np.ones(10_000, dtype=np.int64)
    equal = deal_jobs(n_acc, np.array([16, 16, 16]))
    np.testing.assert_array_equal(equal, np.arange(10_000) % 3)          # job id modulo
    shard = deal_jobs(n_acc, np.array([16, 48]))
    assert abs((shard == 1).mean() - 0.75) < 1e-3                         # by accelerator share
    assert abs((shard[:40] == 1).mean() - 0.75) <= 0.05                   # at every horizon
    big = deal_jobs(np.array([32] * 30 + [128]), np.array([16, 32, 64]))
    assert set(big[:30]) == {1, 2}       # none on the shard too small; moved ones to the smallest that fits
    assert big[30] == 2                  # too big for any shard: the largest (where it is rejected)


def test_job_traces_round_trip_exactly(tmp_path):
    """A shard replays its jobs as a trace CSV: submit times come back bit for bit, and work too
    unless no float64 duration times the accelerator count gives it (then within an ulp)."""
    from twin.config import TraceWorkload
    from twin.scaleout.shard import JobStream, shard_workload, write_jobs_csv
    from twin.ops.trace import load_trace

    rng = np.random.default_rng(1)
    n = 500
    jobs = JobStream(np.arange(n) * 3, np.sort(rng.uniform(0, 1e6, n)), rng.lognormal(8, 2, n),
                     rng.choice([1, 2, 3, 5, 7, 8], n), rng.integers(0, 4, n))
    # d x n = work exactly wherever such a float64 d exists (always for power-of-two counts)
    back_work = _exact_duration(jobs.work_accel_s, jobs.n_accelerators) * jobs.n_accelerators
    two = np.isin(jobs.n_accelerators, [1, 2, 8])
    assert np.array_equal(back_work[two], jobs.work_accel_s[two])
    np.testing.assert_allclose(back_work, jobs.work_accel_s, rtol=2.3e-16, atol=0)
    write_jobs_csv(tmp_path / "jobs.csv", jobs)
    workload = TraceWorkload.model_validate(shard_workload(_Workload(), tmp_path / "jobs.csv"))
    assert workload.checkpoint == _Workload.checkpoint   # the shard's jobs checkpoint as the member's
    back = load_trace(workload.mapping)
    np.testing.assert_array_equal(back.submit_s, jobs.submit_s)
    np.testing.assert_array_equal(back.work_accel_s, back_work)
    np.testing.assert_array_equal(back.n_accelerators, jobs.n_accelerators)
    np.testing.assert_array_equal(back.priority, jobs.priority)


class _Workload:
    from twin.config.checkpointing import CheckpointCost
    from twin.config.sections import Communication

    checkpoint_interval_s = 900.0
    checkpoint = CheckpointCost(size_gb=12.0, before_eclipse=True)
    communication = Communication()


def test_shards_share_the_single_run_job_stream(tmp_path):
    sc = scenario(two_shell_config(**{"workload.arrival_rate_per_h": 40}))
    plan = plan_shards(sc, "plane", 2)
    shards = shard_scenarios(sc, plan, tmp_path)
    whole = full_job_stream(sc)
    parts = [full_job_stream(s) for s in shards]
    assert sum(len(p) for p in parts) == len(whole) > 50
    ids = np.concatenate([np.loadtxt(tmp_path / f"shard-{k:03d}.jobs.csv", delimiter=",", skiprows=1,
                                     usecols=0, ndmin=1) for k in range(2)]).astype(int)
    assert sorted(ids) == list(whole.job_id)
    assert [len(p) for p in parts] == pytest.approx([len(whole) * 0.4, len(whole) * 0.6], abs=3)


# ---------------------------------------------------------------------- on a LocalCluster
@pytest.fixture(scope="module")
def combined(tmp_path_factory):
    """A sharded sweep (2 shards by plane; jobs off and on) on a 2-worker LocalCluster, and the
    single-process runs of the same two scenarios."""
    from twin.engine.simulation import run
    from twin.scaleout.cluster import dask_client
    from twin.scaleout.sweep import run_sweep

    folder = tmp_path_factory.mktemp("shard")
    # the cells at a fixed temperature: the array's power then follows the orbit alone, so the
    # single run and the shards, which place jobs differently, take the same solar energy (with
    # its heat balance a more curtailed array runs hotter and gives less)
    fixed = {"spacecraft.solar_array.temperature_model": "fixed"}
    (folder / "base.yaml").write_text(yaml.safe_dump(two_shell_config(**fixed)))
    (folder / "sweep.yaml").write_text(yaml.safe_dump({
        "name": "sharded", "base": "base.yaml", "shard": {"by": "plane", "n": 2},
        "grid": {"workload.arrival_rate_per_h": [0, 40]}}))
    with dask_client(None, 2) as client:
        result = run_sweep(folder / "sweep.yaml", folder / "runs", client=client, log=lambda m: None)
        again = run_sweep(folder / "sweep.yaml", folder / "runs", client=client, log=lambda m: None)
    singles = []
    for rate in (0, 40):
        path = folder / f"single-{rate}.h5"
        run(scenario(two_shell_config(**{"workload.arrival_rate_per_h": rate, **fixed}), folder), path,
            log=lambda m: None)
        singles.append(path)
    files = [folder / "runs" / name for name in result.frame["run_file"]]
    return result, again, files, singles


def test_sharded_members_complete_and_are_reused(combined):
    result, again, files, _ = combined
    assert list(result.frame["status"]) == ["complete", "complete"], list(result.frame["error"])
    assert list(again.frame["reused"]) == [True, True]
    with h5py.File(files[0], "r") as f:
        assert list(f.attrs["shards"]) == [f"{files[0].stem}.shards/shard-000.h5",
                                           f"{files[0].stem}.shards/shard-001.h5"]
        assert f.attrs["shard_by"] == "plane" and list(f.attrs["shard_sat_count"]) == [4, 6]
        assert f["soc"].is_virtual and f.attrs["status"] == "complete"
        assert list(f["shard"][...]) == [0] * 4 + [1] * 6


def test_combined_physics_equals_the_single_process_run(combined):
    _, _, files, singles = combined
    with open_run(singles[0]) as one, open_run(files[0]) as both:
        assert dict(both.sizes) == dict(one.sizes) == {"time": 180, "sat": 10, "cause": 8}
        for name in one.data_vars:   # bit for bit: each satellite's physics is its own
            if name == "ledger":   # the constellation's sum, over the shards in another order
                np.testing.assert_allclose(both[name].values, one[name].values, rtol=1e-13, err_msg=name)
            else:
                np.testing.assert_array_equal(both[name].values, one[name].values, err_msg=name)
        for coord in ("time", "sat", "sat_name", "norad_id", "plane"):
            np.testing.assert_array_equal(both[coord].values, one[coord].values)
        assert both.events.equals(one.events)
        assert both.attrs["config_sha256"] == one.attrs["config_sha256"]
        s1, s2 = one.summary, both.summary
        assert set(s2) == set(s1)
        for key in s1:
            if isinstance(s1[key], str):
                assert s2[key] == s1[key], key
            elif key not in ("wall_s", "satellite_steps_per_s"):
                # sums over shards in another order: the last bits of a float total may differ
                # (and the balance error is itself rounding, ~1e-16)
                atol = 1e-12 if key == "energy_balance_rel_error" else 0.0
                np.testing.assert_allclose(s2[key], s1[key], rtol=1e-12, atol=atol, equal_nan=True, err_msg=key)


def test_combined_jobs_are_the_single_run_jobs_placed_within_shards(combined):
    _, _, files, singles = combined
    with open_run(singles[1]) as one, open_run(files[1]) as both:
        j1 = one.jobs.sort_values("job_id").reset_index(drop=True)
        j2 = both.jobs.sort_values("job_id").reset_index(drop=True)
        for col in ("job_id", "submit_s", "work_accel_s", "n_accelerators", "priority"):
            np.testing.assert_array_equal(j2[col], j1[col], err_msg=col)
        s1, s2 = one.summary, both.summary
        assert s2["jobs_submitted"] == s1["jobs_submitted"] == len(j2) > 50
        assert s2["jobs_completed"] + s2["jobs_running_at_end"] + s2["jobs_queued_at_end"] \
            + s2["jobs_rejected"] == s2["jobs_submitted"]
        np.testing.assert_allclose(s2["energy_solar_wh"], s1["energy_solar_wh"], rtol=1e-12)
        # the same work offered, less freedom to place it: delivered work within a third
        assert 0.67 < s2["work_delivered_accel_h"] / s1["work_delivered_accel_h"] < 1.5
        placed = j2[j2.sat_first >= 0]
        np.testing.assert_array_equal(both["shard"].values, np.repeat([0, 1], [4, 6]))
        assert set(both["shard"].values[placed.sat_first]) == {0, 1}   # jobs ran in both shards
        assert both.events["sat"].max() == 9


def test_combined_file_reads_through_inspect_and_report_sampling(combined):
    from twin.report.sample import read_sample

    _, _, files, _ = combined
    text = describe(files[0])
    assert "combined from 2 shard(s) by plane" in text and "10 satellites" in text
    sample = read_sample(files[0])
    assert sample.n_sats == 10 and np.isfinite(sample.bands["soc"][1]).all()


def test_combined_folder_moves_as_a_whole_and_needs_every_shard(combined, tmp_path):
    _, _, files, _ = combined
    moved = tmp_path / "moved"
    shutil.copytree(files[0].parent, moved)
    path = moved / files[0].name
    with open_run(path) as ds, open_run(files[0]) as ref:
        np.testing.assert_array_equal(ds.soc.values, ref.soc.values)
    (moved / f"{files[0].stem}.shards" / "shard-001.h5").unlink()
    with pytest.raises(RunFileError, match="shard file .*shard-001.h5 missing"):
        open_run(path)
