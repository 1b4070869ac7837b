"""`twin sweep`: the sweep file and its members, a small sweep on a loopback LocalCluster (members
that fail are reported and lose nothing of the others; a re-run reuses complete members and retries
the rest), the summary table, and the security of the local cluster."""
import os

import h5py
import numpy as np
import pytest
import yaml

from conftest import REPO, small_config
from twin.scaleout.spec import SweepError, expand_members, load_sweep, member_id
from twin.output.sweep_table import read_summary_table
from twin.output.reader import read_summary

LOOPBACK = "tcp://127.0.0.1:"


def tiny_config(**overrides) -> dict:
    """8 satellites, 3 h at 60 s, uncompressed: a small member."""
    return small_config(**{"simulation.dt_s": 60, "simulation.duration_s": 10800,
                           "output.compression": 0, **overrides})


def write_sweep(folder, body: dict, base: dict | None = None, name="sweep.yaml"):
    (folder / "base.yaml").write_text(yaml.safe_dump(base or tiny_config()))
    path = folder / name
    path.write_text(yaml.safe_dump({"base": "base.yaml", **body}, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def client():
    """A 2-worker LocalCluster made the way `twin sweep` makes it."""
    from twin.scaleout.cluster import dask_client

    with dask_client(None, 2) as c:
        yield c


# ---------------------------------------------------------------------- the sweep file
def test_members_are_grid_x_samples_x_seeds_with_stable_ids(tmp_path):
    body = {"name": "m", "grid": {"spacecraft.radiator.area_m2": [4, 6, 8],
                                  "spacecraft.battery.capacity_wh": [4000, 8000]},
            "samples": {"n": 2, "seed": 3, "params": {"spacecraft.bus_power_w": {"uniform": [200, 400]},
                                                      "scheduler.policy": {"choice": ["fifo", "priority"]}}},
            "seeds": [1, 2]}
    sweep = load_sweep(write_sweep(tmp_path, body))
    members = sweep.members
    assert len(members) == 3 * 2 * 2 * 2
    assert len({m.id for m in members}) == len(members)
    assert members[0].overrides["spacecraft.radiator.area_m2"] == 4 and members[0].overrides["simulation.seed"] == 1
    assert all(200 <= m.overrides["spacecraft.bus_power_w"] <= 400 for m in members)
    assert member_id({"a": 1, "b": 2}) == member_id({"b": 2, "a": 1})   # key order is irrelevant
    # growing the sweep keeps the members it had: ids and sampled values
    body["samples"]["n"] = 5
    body["grid"]["spacecraft.radiator.area_m2"].append(10)
    grown = {m.id: m.overrides for m in expand_members(load_sweep(write_sweep(tmp_path, body)).spec)}
    assert all(grown[m.id] == m.overrides for m in members)


@pytest.mark.parametrize("body, fragment", [
    ({"name": "x", "grid": {"spacecraft.radiater.area_m2": [1]}}, "unknown key 'radiater' in spacecraft"),
    ({"name": "x", "grid": {"spacecraft.battery.capacity_wh": []}}, "grid.spacecraft.battery.capacity_wh"),
    ({"name": "x", "grid": {"simulation.seed": [1]}, "seeds": [1]}, "simulation.seed is given by seeds"),
    ({"name": "x", "samples": {"n": 2, "params": {"spacecraft.bus_power_w": {"uniform": [4, 2]}}}},
     "need low < high"),
    ({"name": "x", "grids": {}}, "grids: unknown key"),
    ({"name": "a b"}, "name: String should match pattern"),
    ({"name": "x", "shard": {"by": "orbit"}}, "shard.by"),
])
def test_bad_sweep_files_are_one_line_naming_the_field(tmp_path, body, fragment):
    with pytest.raises(SweepError) as err:
        load_sweep(write_sweep(tmp_path, body))
    message = str(err.value)
    assert "\n" not in message and fragment in message and "sweep.yaml" in message


def test_bad_sweep_file_via_the_cli_exits_2(tmp_path, capsys):
    from twin.cli.main import main

    path = write_sweep(tmp_path, {"name": "x", "set": {"spacecraft.radiator.colour": "red"}})
    assert main(["sweep", str(path), "-o", str(tmp_path / "out"), "-q"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.strip().count("\n") == 0 and "unknown key 'colour'" in err
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------- the local cluster
def test_local_cluster_listens_on_loopback_only(client):
    """Nothing is exposed unless the user names a scheduler: every socket the cluster listens on
    (scheduler, its HTTP endpoint, nannies, workers) is bound to 127.0.0.1; each worker is a
    single-threaded process with NUMBA_NUM_THREADS=1."""
    import psutil

    info = client.scheduler_info()
    assert client.scheduler.address.startswith(LOOPBACK) and info["address"].startswith(LOOPBACK)
    assert info["workers"] and all(w.startswith(LOOPBACK) for w in info["workers"])
    def listening(process):
        return [c.laddr for c in process.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]

    me = psutil.Process()
    # in this process: the scheduler, its HTTP endpoint and the nannies
    ports = {int(info["address"].rsplit(":", 1)[1]), info["services"]["dashboard"]}
    ports |= {int(w["nanny"].rsplit(":", 1)[1]) for w in info["workers"].values()}
    ours = [addr for addr in listening(me) if addr.port in ports]
    assert {addr.port for addr in ours} == ports and {addr.ip for addr in ours} == {"127.0.0.1"}, ours
    # the worker processes: everything they listen on
    children = [addr for child in me.children(recursive=True) for addr in listening(child)]
    assert len(children) >= len(info["workers"]) and {a.ip for a in children} == {"127.0.0.1"}, children
    assert info["services"]["dashboard"] != 8787   # a random port, not the well-known one
    assert set(client.nthreads().values()) == {1}

    def numba_threads():
        import numba

        return numba.config.NUMBA_NUM_THREADS, os.getpid()

    found = client.run(numba_threads)
    assert {threads for threads, _ in found.values()} == {1}
    assert os.getpid() not in {pid for _, pid in found.values()}   # processes, not threads


# ---------------------------------------------------------------------- a sweep end to end
@pytest.fixture(scope="module")
def swept(client, tmp_path_factory):
    """A 2 x 2 sweep on the LocalCluster in which two members fail at run time (Walker phasing
    7 in 2 planes passes the config but is refused when the constellation is built, in the
    worker)."""
    from twin.scaleout.sweep import run_sweep

    folder = tmp_path_factory.mktemp("sweep")
    path = write_sweep(folder, {"name": "tiny", "grid": {"spacecraft.radiator.area_m2": [2, 4],
                                                         "constellation.0.phasing": [0, 7]},
                                "seeds": [5]})
    out = folder / "runs"
    result = run_sweep(path, out, client=client, log=lambda m: None)
    return path, out, result


def test_sweep_runs_members_and_reports_failures(swept):
    _, out, result = swept
    frame = result.frame
    assert len(frame) == 4
    ok, bad = frame[frame.status == "complete"], frame[frame.status == "failed"]
    assert list(ok["constellation.0.phasing"]) == [0, 0] and list(bad["constellation.0.phasing"]) == [7, 7]
    assert all("phasing" in e and "\n" not in e for e in bad["error"])
    assert (bad["run_file"] == "").all() and not ok["reused"].any()
    for row in ok.itertuples():
        with h5py.File(out / row.run_file, "r") as f:
            assert f.attrs["status"] == "complete"
            cfg = yaml.safe_load(f.attrs["config_yaml"])
            assert cfg["spacecraft"]["radiator"]["area_m2"] == frame.loc[row.Index, "spacecraft.radiator.area_m2"]
            assert cfg["simulation"]["seed"] == 5 and cfg["simulation"]["dt_s"] == 60
            summary = read_summary(f)
        assert frame.loc[row.Index, "energy_solar_wh"] == summary["energy_solar_wh"]
        assert frame.loc[row.Index, "jobs_submitted"] == summary["jobs_submitted"]
    # the two radiators give two different thermal histories
    assert ok["energy_heater_wh"].nunique() == 2 or ok["node_hours_throttled"].nunique() == 2


def test_summary_table_csv_and_hdf5_agree(swept):
    import pandas as pd

    path, out, result = swept
    assert [p.name for p in result.tables] == ["summary.csv", "summary.h5"]
    csv = pd.read_csv(out / "summary.csv", keep_default_na=False, na_values=[""])
    h5, attrs = read_summary_table(out / "summary.h5")
    assert list(csv.columns) == list(h5.columns) == list(result.frame.columns)
    assert list(h5["member_id"]) == list(result.frame["member_id"])
    assert list(h5["status"]) == ["complete", "failed", "complete", "failed"]
    np.testing.assert_array_equal(h5["energy_solar_wh"], csv["energy_solar_wh"])
    assert attrs["schema"] == "twin.sweep" and attrs["name"] == "tiny"
    assert attrs["parameters"] == ["spacecraft.radiator.area_m2", "constellation.0.phasing", "simulation.seed"]
    assert attrs["sweep_yaml"] == path.read_text()
    with h5py.File(out / "summary.h5", "r") as f:
        assert f["members/energy_solar_wh"].attrs["units"] == "Wh"


def test_rerun_reuses_complete_members_and_retries_the_rest(swept, client):
    from twin.scaleout.sweep import run_sweep

    path, out, first = swept
    ok = first.frame[first.frame.status == "complete"]
    files = [out / name for name in ok["run_file"]]
    stamps = {p: p.stat().st_mtime_ns for p in files}
    again = run_sweep(path, out, client=client, log=lambda m: None)
    assert list(again.frame["status"]) == list(first.frame["status"])
    assert again.frame[again.frame.status == "complete"]["reused"].all()
    assert {p: p.stat().st_mtime_ns for p in files} == stamps
    # one member's file marked failed (as after an exception) is run again; the other is kept
    with h5py.File(files[0], "r+") as f:
        f.attrs["status"] = "failed"
    third = run_sweep(path, out, client=client, log=lambda m: None)
    rows = third.frame.set_index("member_id").loc[list(ok["member_id"])]
    assert list(rows["reused"]) == [False, True] and (rows["status"] == "complete").all()
    assert files[1].stat().st_mtime_ns == stamps[files[1]]
    with h5py.File(files[0], "r") as f:
        assert f.attrs["status"] == "complete"
    np.testing.assert_allclose(rows["energy_solar_wh"].to_numpy(), ok["energy_solar_wh"].to_numpy(), rtol=1e-12)


def test_serial_cli_sweep_with_an_invalid_member(tmp_path, capsys):
    """`twin sweep --workers 0` (no Dask): an invalid value fails its member only; exit code 1."""
    from twin.cli.main import main

    path = write_sweep(tmp_path, {"name": "serial",
                                  "grid": {"spacecraft.battery.capacity_wh": [4000, -1]},
                                  "set": {"simulation.duration_s": 3600}})
    assert main(["sweep", str(path), "-o", str(tmp_path / "out"), "--workers", "0", "-q"]) == 1
    out, err = capsys.readouterr()
    assert "2 member(s), 1 complete (0 reused), 1 failed" in out
    assert "capacity_wh: Input should be greater than 0" in err
    frame, _ = read_summary_table(tmp_path / "out" / "summary.h5")
    assert list(frame["status"]) == ["complete", "failed"]
    assert frame["simulated_s"][0] == 3600


def test_example_sweep_is_valid():
    sweep = load_sweep(REPO / "configs" / "sweeps" / "radiator-battery.yaml")
    assert len(sweep.members) == 12
    assert sweep.base_path == (REPO / "configs" / "sweeps" / "dawn-dusk-cluster.yaml").resolve()
    shard = load_sweep(REPO / "configs" / "sweeps" / "walker-by-plane.yaml")
    assert len(shard.members) == 1 and shard.spec.shard.by == "plane"


def test_an_exception_in_a_run_becomes_the_members_error(tmp_path, monkeypatch):
    from twin.engine import simulation as engine
    from twin.config import scenario_from_dict
    from twin.scaleout.runner import RunTask, execute

    def broken(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(engine, "run", broken)
    scenario = scenario_from_dict(tiny_config(), REPO / "configs")
    result = execute(RunTask("k", str(tmp_path / "m.h5"), scenario.to_yaml(), str(tmp_path), "test"))
    assert result["status"] == "failed" and result["summary"] is None
    assert result["error"].startswith("RuntimeError: boom second line (at twin/scaleout/runner.py:")


def test_file_states_decide_reuse_resume_or_rerun(tmp_path):
    """complete with the same config: reuse; running with a checkpoint: resume; a checkpoint that
    cannot be used falls back to a fresh run; anything else: run again."""
    from twin.engine.checkpoint import checkpoint_path
    from twin.config import scenario_from_dict
    from twin.scaleout.runner import RunTask, execute, file_state

    cfg = tiny_config(**{"simulation.duration_s": 1800})
    scenario = scenario_from_dict(cfg, REPO / "configs")
    path = tmp_path / "m.h5"
    assert file_state(path, scenario.sha256()) == "missing"
    task = RunTask("k", str(path), scenario.to_yaml(), str(tmp_path), "test")
    assert execute(task)["status"] == "complete"
    assert file_state(path, scenario.sha256()) == "complete"
    assert file_state(path, "another config") == "stale"
    with h5py.File(path, "r+") as f:
        f.attrs["status"] = "running"           # as after a kill -9
    assert file_state(path, scenario.sha256()) == "stale"   # no checkpoint: run again
    checkpoint_path(path).write_bytes(b"not a pickle")
    assert file_state(path, scenario.sha256()) == "resumable"
    result = execute(RunTask("k", str(path), scenario.to_yaml(), str(tmp_path), "test", resume=True))
    assert result["status"] == "complete" and result["summary"]["simulated_s"] == 1800
    assert file_state(path, scenario.sha256()) == "complete" and not checkpoint_path(path).exists()
