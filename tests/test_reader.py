"""Reading run files: open_run (lazy, values and units as written), SWMR reads of a file being
written, one-line errors for damaged or foreign files, and docs/schema.md kept in step."""
import shutil
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

import twin
from conftest import REPO
from twin.output import cf
from twin.output.reader import RunFileError, describe, read_summary, state_names, table_rows
from twin.output.run import open_run
from twin.output.schema import JOB_DTYPE, JOB_STATUSES, STATE_VARIABLES
from twin.report import write_report

# the /state variables of a run without links (links_live, link_capacity_gbps: only with links)
WITHOUT_LINKS = tuple(v for v in STATE_VARIABLES if not v.links)


def h5_values(path):
    with h5py.File(path, "r") as f:
        return ({v.name: f[v.name][...] for v in WITHOUT_LINKS}, f["time"][...],
                {k: f[k][...] for k in ("sat", "norad_id", "plane")},
                f["sat_name"].asstr()[...], read_summary(f))


# ---------------------------------------------------------------------- open_run
def test_open_run_values_equal_h5py_reads(run_file):
    state, time_s, sat, names, summary = h5_values(run_file)
    with open_run(run_file) as ds:
        assert dict(ds.sizes) == {"time": len(time_s), "sat": len(names), "cause": 8}
        np.testing.assert_array_equal(ds["time_s"].values, time_s)
        epoch = np.datetime64(ds.attrs["epoch_utc"][:19], "ns")
        np.testing.assert_array_equal(ds["time"].values, epoch + (time_s * 1e9).astype("timedelta64[ns]"))
        np.testing.assert_array_equal(ds["sat"].values, sat["sat"])
        np.testing.assert_array_equal(ds["norad_id"].values, sat["norad_id"])
        np.testing.assert_array_equal(ds["plane"].values, sat["plane"])
        assert list(ds["sat_name"].values) == list(names)
        for name, values in state.items():
            assert ds[name].dims == ("time", "sat")
            assert ds[name].dtype == values.dtype
            np.testing.assert_array_equal(ds[name].values, values)
        with h5py.File(run_file, "r") as f:   # the ledger, per record and per satellite
            np.testing.assert_array_equal(ds["ledger"].values, f["ledger"][...])
            np.testing.assert_array_equal(ds["ledger_total"].values, f["ledger_total"][...])
        assert ds["ledger"].dims == ("time", "cause") and ds["ledger_total"].dims == ("sat", "cause")
        assert list(ds["cause"].values) == ["delivered", "power", "heat", "faults", "network", "overhead",
                                            "scheduling", "no_demand"]
        assert ds.summary == pytest.approx(summary)
        assert ds.attrs["status"] == "complete" and ds.attrs["schema"] == "twin.run"


def test_open_run_is_lazy_without_dask(run_file, monkeypatch):
    """Nothing is read until values are asked for, and then only that variable; no dask arrays
    (open_run works with the core dependencies)."""
    from twin.output import run as run_module

    reads = []
    original = run_module._LazyState._read
    monkeypatch.setattr(run_module._LazyState, "_read", lambda self, key: reads.append(self.name) or original(self, key))
    ds = open_run(run_file)
    assert all(type(ds[v.name].variable._data).__name__ == "LazilyIndexedArray" for v in WITHOUT_LINKS)
    first = ds.soc.isel(time=slice(0, 5))   # indexing stays lazy
    assert reads == []
    assert first.min("sat").values.shape == (5,)   # a reduction reads, only what it needs
    assert set(reads) == {"soc"}
    ds.close()


def test_open_run_works_without_dask(run_file):
    """In a process where dask cannot be imported, open_run still reads the state."""
    code = ("import sys; sys.modules['dask'] = None; import twin; "
            f"r = twin.open_run({str(run_file)!r}); print(float(r.soc.mean()), 'dask' in sys.modules and "
            "sys.modules['dask'] is not None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    mean, dask_loaded = out.stdout.split()
    assert 0.0 <= float(mean) <= 1.0 and dask_loaded == "False"


def test_open_run_attrs_carry_units_long_name_and_kind(run_file):
    with open_run(run_file) as ds:
        for var in WITHOUT_LINKS:
            attrs = ds[var.name].attrs
            assert (attrs.get("units"), attrs["long_name"], attrs["kind"]) == \
                (cf.udunits(var.units), var.long_name, var.kind)
        assert ds["time"].dtype == np.dtype("datetime64[ns]") and ds["time_s"].attrs["units"] == "s"
        assert ds.mode.attrs["flag_meanings"].split()[0] == "nominal"


def test_open_run_tables(run_file):
    with open_run(run_file) as ds:
        jobs, events = ds.jobs, ds.events
        assert list(jobs.columns) == list(JOB_DTYPE.names)
        assert len(jobs) == ds.summary["jobs_submitted"]
        assert set(jobs["status"]) <= set(JOB_STATUSES)
        assert list(events.columns) == ["time_s", "sat", "kind", "value"]
        assert set(events["kind"]) <= {"eclipse_entry", "eclipse_exit", "mode_change"}
        assert len(events) == ds.summary["events"]


def test_energy_closes_from_the_file_alone(run_file):
    """The recipe of docs/schema.md: flows are interval means, stocks end values."""
    with open_run(run_file) as ds:
        net_w = (ds.solar_power_w - ds.load_power_w - ds.loss_power_w - ds.curtailed_power_w).values
        dt_s = np.diff(ds["time_s"].values, prepend=0.0)
        stored_wh = ds.battery_energy_wh.values
        inflow_wh = (net_w[1:] * dt_s[1:, None]).sum(axis=0) / 3600.0
        # float64 flows and stocks: the residual is rounding, ~1e-9 Wh on ~1e3 Wh
        np.testing.assert_allclose(inflow_wh, stored_wh[-1] - stored_wh[0], rtol=0, atol=1e-6)
        s = ds.summary
        total_wh = (net_w * dt_s[:, None]).sum() / 3600.0
        np.testing.assert_allclose(total_wh, s["battery_end_wh"] - s["battery_start_wh"], rtol=1e-9)


def test_open_run_alongside_a_plain_h5py_handle(run_file):
    with h5py.File(run_file, "r") as f:
        with open_run(run_file) as ds:
            np.testing.assert_array_equal(ds.soc.values, f["soc"][...])


def test_open_run_follows_a_file_being_written(tmp_path):
    """SWMR: a running `twin run` is read up to its last flush; after a kill -9 the file still opens."""
    out = tmp_path / "live.h5"
    proc = subprocess.Popen(
        [sys.executable, "-m", "twin", "run", "configs/default.yaml", "-o", str(out), "-q",
         "--set", "simulation.duration_s=8640000", "--set", "output.flush_every_records=10"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60.0
        ds = None
        while time.monotonic() < deadline:
            try:
                ds = open_run(out)
                if ds.sizes["time"] > 0:
                    break
                ds.close()
            except RunFileError:  # not created yet, or still setting up before SWMR
                pass
            ds = None
            time.sleep(0.1)
        assert ds is not None, "no records appeared within 60 s"
        assert proc.poll() is None, "the run ended before it could be read while running"
        with ds:
            assert ds.attrs["status"] == "running" and ds.summary == {}
            assert np.all(np.diff(ds["time"].values) > 0)
            assert np.isfinite(ds.soc.values).all() and (ds.soc.values > 0).all()
            seen = ds.sizes["time"]
        assert "status running" in describe(out)
    finally:
        proc.kill()
        proc.wait()
    with open_run(out) as ds:  # a crashed writer leaves a readable file up to the last flush
        assert ds.sizes["time"] >= seen and ds.attrs["status"] == "running"
        assert np.isfinite(ds.battery_energy_wh.values).all()


# ---------------------------------------------------------------------- damaged files
def _truncated(src, dst):
    data = src.read_bytes()
    dst.write_bytes(data[:len(data) // 2])


def _random(src, dst):
    dst.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())


def _foreign(src, dst):
    with h5py.File(dst, "w") as f:
        f["x"] = np.arange(3)


def _no_soc(src, dst):
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        del f["soc"]


BAD_FILES = {"truncated": (_truncated, "truncated run file"),
             "random": (_random, "not a readable HDF5 file"),
             "foreign": (_foreign, "not a twin run file"),
             "no_soc": (_no_soc, "/soc missing")}


@pytest.fixture(scope="module")
def bad_files(run_file, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    paths = {}
    for kind, (make, _) in BAD_FILES.items():
        paths[kind] = folder / f"{kind}.h5"
        make(run_file, paths[kind])
    return paths


@pytest.mark.parametrize("kind", BAD_FILES)
def test_damaged_files_raise_run_file_error(bad_files, tmp_path, kind):
    path, fragment = bad_files[kind], BAD_FILES[kind][1]
    for call in (lambda: open_run(path), lambda: describe(path),
                 lambda: write_report(path, tmp_path / "report")):
        with pytest.raises(RunFileError) as err:
            call()
        message = str(err.value)
        assert "\n" not in message and str(path) in message and fragment in message
    assert not (tmp_path / "report").exists()


@pytest.mark.parametrize("kind", BAD_FILES)
@pytest.mark.parametrize("command", ["inspect", "report"])
def test_damaged_files_via_the_cli_main(bad_files, tmp_path, capsys, kind, command):
    """What `python -m twin inspect|report` runs, in-process: exit 2 and one line on stderr."""
    from twin.cli.main import main

    path = bad_files[kind]
    args = [command, str(path)] + (["-o", str(tmp_path / "report")] if command == "report" else [])
    assert main(args) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert out == "" and len(lines) == 1, lines
    assert str(path) in lines[0] and BAD_FILES[kind][1] in lines[0]


def test_damaged_files_via_python_m_twin(bad_files, tmp_path):
    """The same through real processes (two, run concurrently: each one pays for the imports):
    exit 2, one line on stderr, no traceback."""
    runs = {("truncated", "inspect"): ["inspect", str(bad_files["truncated"])],
            ("no_soc", "report"): ["report", str(bad_files["no_soc"]), "-o", str(tmp_path / "r")]}
    procs = {key: subprocess.Popen([sys.executable, "-m", "twin", *args], cwd=REPO, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for key, args in runs.items()}
    for (kind, command), proc in procs.items():
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 2, (kind, command, stderr)
        assert "Traceback" not in stderr
        lines = stderr.strip().splitlines()
        assert len(lines) == 1, (kind, command, lines)
        assert str(bad_files[kind]) in lines[0] and BAD_FILES[kind][1] in lines[0]


def test_corrupt_chunk_raises_when_read(run_file, tmp_path):
    """Metadata intact but a compressed /state/soc chunk overwritten: open_run still opens (it is
    lazy) and the read raises RunFileError."""
    path = tmp_path / "corrupt.h5"
    shutil.copy(run_file, path)
    with h5py.File(path, "r") as f:
        info = f["soc"].id.get_chunk_info(0)
    with open(path, "r+b") as raw:
        raw.seek(info.byte_offset)
        raw.write(b"\xff" * info.size)
    with open_run(path) as ds:
        with pytest.raises(RunFileError, match="damaged run file"):
            _ = ds.soc.values
    with pytest.raises(RunFileError, match="damaged run file"):
        write_report(path, tmp_path / "report")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(RunFileError, match="no such run file"):
        open_run(tmp_path / "none.h5")
    with pytest.raises(RunFileError, match="a folder"):
        describe(tmp_path)


def test_newer_schema_version_is_refused(run_file, tmp_path):
    path = tmp_path / "future.h5"
    shutil.copy(run_file, path)
    with h5py.File(path, "r+") as f:
        f.attrs["schema_version"] = 99
    with pytest.raises(RunFileError, match="schema version 99"):
        open_run(path)


# ---------------------------------------------------------------------- docs/schema.md
def test_schema_doc_names_everything_a_run_writes(run_file):
    doc = (REPO / "docs" / "schema.md").read_text()
    with h5py.File(run_file, "r") as f:
        names = {"/state variable": state_names(f), "/summary key": list(f["summary"]),
                 "root attribute": list(f.attrs), "/jobs column": [c for c in f["jobs"] if c != "job"],
                 "/events column": [c for c in f["events"] if c != "event"]}
        kinds = {k.decode() for k in table_rows(f, "events")["kind"]}
    assert set(names["/state variable"]) == {v.name for v in WITHOUT_LINKS}   # a run without links
    missing = [f"{what} {name}" for what, keys in names.items() for name in keys if f"`{name}`" not in doc]
    missing += [f"event kind {k}" for k in kinds | {"mode_change"} if f"`{k}`" not in doc]
    assert not missing, f"docs/schema.md does not mention: {', '.join(missing)}"


def test_schema_doc_tables_follow_the_declaration():
    """The generated parts of docs/schema.md (/state and /jobs tables, flows with extrema) are
    what twin/output/schema.py declares now."""
    from twin.output.schema_doc import render

    doc = (REPO / "docs" / "schema.md").read_text()
    assert render(doc) == doc, "docs/schema.md is stale: python -m twin.output.schema_doc"
    for v in STATE_VARIABLES:
        assert f"| `{v.name}` | {v.units} |" in doc, v.name


def test_public_open_run_is_the_reader(run_file):
    with twin.open_run(run_file) as ds:
        assert ds.soc.attrs["units"] == "1"


# ---------------------------------------------------------------------- combined (sharded) runs
def test_a_combined_run_reads_as_one_run(run_file, tmp_path, capsys):
    """Two shards (here: two copies of one run) combined through virtual datasets: open_run sees
    one run of 48 satellites; a missing shard makes every reader refuse the file in one line."""
    from twin.cli.main import main
    from twin.config import load_config_text
    from twin.scaleout.combine import combine
    from twin.scaleout.shard import ShardPlan

    shards = [tmp_path / "c.shards" / f"shard-{k:03d}.h5" for k in range(2)]
    shards[0].parent.mkdir()
    for shard in shards:
        shutil.copy(run_file, shard)
    with h5py.File(run_file, "r") as f:
        scenario = load_config_text(f.attrs["config_yaml"], REPO, "run_file")
    combined = tmp_path / "c.h5"
    combine(combined, shards, ShardPlan("plane", (0, 24), (24, 24)), scenario, [None, None])
    state, time_s, sat, names, summary = h5_values(run_file)
    with open_run(combined) as ds:
        assert dict(ds.sizes) == {"time": len(time_s), "sat": 48, "cause": 8}
        with h5py.File(run_file, "r") as f:   # two copies of the same run: twice its ledger
            np.testing.assert_allclose(ds["ledger"].values, 2 * f["ledger"][...], rtol=1e-15)
        np.testing.assert_array_equal(ds.soc.values, np.hstack([state["soc"], state["soc"]]))
        np.testing.assert_array_equal(ds["plane"].values, np.r_[sat["plane"], sat["plane"]])
        np.testing.assert_array_equal(ds["shard"].values, np.repeat([0, 1], 24))
        assert ds.soc.attrs["units"] == "1" and ds.attrs["shard_by"] == "plane"
        assert len(ds.jobs) == 2 * summary["jobs_submitted"]
        events = ds.events
        assert len(events) == 2 * summary["events"] and events["sat"].max() >= 24
        assert np.all(np.diff(events["time_s"].to_numpy()) >= 0)
        s = ds.summary
        assert s["n_satellites"] == 48 and s["simulated_s"] == summary["simulated_s"]
        np.testing.assert_allclose(s["energy_solar_wh"], 2 * summary["energy_solar_wh"], rtol=1e-12)
        np.testing.assert_allclose(s["utilization_mean"], summary["utilization_mean"], rtol=1e-12)
    assert "combined from 2 shard(s) by plane" in describe(combined)
    shards[1].unlink()
    assert main(["inspect", str(combined)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "shard-001.h5 missing" in err
