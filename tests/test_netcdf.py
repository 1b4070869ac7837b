"""The run file opens in the tools users bring (docs/schema.md): xarray through h5netcdf, the
netCDF-C library (netCDF4), HDF5 1.10-era command-line tools (h5dump, ncdump from Debian's
hdf5-tools and netcdf-bin, which .ci/run installs where it can), with CF metadata whose units
UDUNITS parses."""
import shutil
import subprocess

import h5py
import numpy as np
import pytest

from conftest import REPO
from twin.kernels.layout import LEDGER_CAUSES, MODE_NAMES
from twin.output import cf, schema
from twin.output.reader import read_summary


@pytest.fixture(scope="module")
def full_file(tmp_path_factory):
    """A run with every optional part: positions, per-record extrema, links and /links."""
    from twin.config import load_config
    from twin.engine.simulation import run

    path = tmp_path_factory.mktemp("netcdf") / "full.h5"
    run(load_config(REPO / "configs" / "walker-isl.yaml",
                    ["simulation.duration_s=1800", "output.positions=true", "output.aggregate=[mean, min, max]",
                     "output.links=true"]), path, log=lambda message: None)
    return path


@pytest.fixture(params=["plain", "full"])
def any_file(request, run_file, full_file):
    return run_file if request.param == "plain" else full_file


def test_xarray_h5netcdf_reads_the_state_on_cf_coordinates(any_file):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("h5netcdf")
    with xr.open_dataset(any_file, engine="h5netcdf") as ds, h5py.File(any_file, "r") as f:
        assert ds["time"].dtype == np.dtype("datetime64[ns]")
        epoch = np.datetime64(f.attrs["epoch_utc"][:19], "ns")
        # decoded instants are the stored seconds after the epoch, to the nanosecond
        np.testing.assert_array_equal(ds["time"].values, epoch + (f["time"][...] * 1e9).astype("timedelta64[ns]"))
        for var in schema.STATE_VARIABLES:
            if var.name not in f:
                continue
            assert ds[var.name].dims == ("time", "sat"), var.name
            np.testing.assert_array_equal(ds[var.name].values, f[var.name][...], err_msg=var.name)
            assert ds[var.name].attrs.get("units") == cf.udunits(var.units), var.name
        assert set(ds["soc"].coords) >= {"time", "sat", "sat_name", "norad_id", "plane"}
        assert list(ds["cause"].values) == list(LEDGER_CAUSES) and ds["ledger"].dims == ("time", "cause")
        assert ds["mode"].attrs["flag_meanings"].split() == list(MODE_NAMES)
        assert list(ds["mode"].attrs["flag_values"]) == list(range(len(MODE_NAMES)))
        assert ds.attrs["Conventions"] == cf.CONVENTIONS and ds.attrs["history"] and ds.attrs["source"]
        assert ds["soc"].sel(time=ds["time"][3]).shape == (ds.sizes["sat"],)   # dates select
        if "position_gcrs_km" in ds:
            assert ds["position_gcrs_km"].dims == ("time", "sat", "xyz")
            assert list(ds["xyz"].values) == ["x", "y", "z"]


def test_xarray_reads_each_table_group_with_dates(any_file):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("h5netcdf")
    with h5py.File(any_file, "r") as f:
        groups = [g for g in ("jobs", "events", "links") if g in f]
        summary = read_summary(f)
    for group in groups:
        with xr.open_dataset(any_file, engine="h5netcdf", group=group) as table:
            dim = {"jobs": "job", "events": "event", "links": "link"}[group]
            assert set(table.dims) == {dim}
            assert table["time_s" if group != "jobs" else "submit_s"].dtype == np.dtype("datetime64[ns]")
            text = "status" if group == "jobs" else ("kind" if group == "events" else None)
            if text and table.sizes[dim]:
                assert isinstance(table[text].values[0], str)
    with xr.open_dataset(any_file, engine="h5netcdf", group="summary") as s:
        assert s["jobs_submitted"].item() == summary["jobs_submitted"]
        assert s["energy_solar_wh"].attrs["units"] == "W h"
        assert s["limiting_factor"].item() == summary["limiting_factor"]


def test_netcdf_c_opens_every_variable(any_file):
    netCDF4 = pytest.importorskip("netCDF4")
    seen = []

    def walk(group):
        for name, var in group.variables.items():
            var.set_auto_mask(False)
            values = var[...]
            assert np.size(values) == int(np.prod(var.shape)), name
            seen.append(f"{group.path.rstrip('/')}/{name}")
        for child in group.groups.values():
            walk(child)

    with netCDF4.Dataset(any_file) as ds, h5py.File(any_file, "r") as f:
        assert ds.dimensions["time"].isunlimited() and len(ds.dimensions["sat"]) == f["sat"].shape[0]
        assert ds["soc"].dimensions == ("time", "sat")
        walk(ds)
        expected = []
        f.visititems(lambda path, obj: expected.append("/" + path) if isinstance(obj, h5py.Dataset) else None)
    assert sorted(seen) == sorted(expected)   # every dataset is a netCDF variable


def test_every_units_attribute_is_udunits(any_file):
    cf_units = pytest.importorskip("cf_units")
    bad = []

    def check(path, obj):
        if "units" in obj.attrs:
            units = obj.attrs["units"]
            units = units.decode() if isinstance(units, bytes) else str(units)
            try:
                cf_units.Unit(units)
            except ValueError as err:
                bad.append(f"/{path}: {units!r} ({err})")

    with h5py.File(any_file, "r") as f:
        f.visititems(check)
    assert not bad, "; ".join(bad)


def test_compression_is_gzip_by_default(run_file):
    """Deflate is built into every HDF5: no plugin is needed to read the file."""
    with h5py.File(run_file, "r") as f:
        assert f["soc"].compression == "gzip" and f["jobs/energy_wh"].compression == "gzip"


@pytest.mark.skipif(shutil.which("h5dump") is None, reason="h5dump absent (Debian: apt-get install hdf5-tools)")
def test_hdf5_command_line_tools_read_the_file(any_file):
    """h5dump of the HDF5 release installed (1.10.8 in Debian 12) reads the header and the data."""
    header = subprocess.run(["h5dump", "-H", str(any_file)], capture_output=True, text=True, timeout=120)
    assert header.returncode == 0, header.stderr[-2000:]
    assert 'DATASET "soc"' in header.stdout and 'GROUP "jobs"' in header.stdout
    data = subprocess.run(["h5dump", "-d", "/soc", "-c", "2,3", str(any_file)], capture_output=True, text=True,
                          timeout=120)
    assert data.returncode == 0 and "DATA" in data.stdout, data.stderr[-2000:]


@pytest.mark.skipif(shutil.which("ncdump") is None, reason="ncdump absent (Debian: apt-get install netcdf-bin)")
def test_ncdump_reads_the_file(any_file):
    out = subprocess.run(["ncdump", "-h", str(any_file)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "time = UNLIMITED" in out.stdout and ':Conventions = "CF-1.10"' in out.stdout
    assert "group: jobs" in out.stdout and "soc(time, sat)" in out.stdout
    values = subprocess.run(["ncdump", "-v", "soc", str(any_file)], capture_output=True, text=True, timeout=120)
    assert values.returncode == 0, values.stderr[-2000:]
    # -t decodes CF times to dates: only from char (fixed-length) units attributes
    dates = subprocess.run(["ncdump", "-t", "-v", "time", str(any_file)], capture_output=True, text=True, timeout=120)
    with h5py.File(any_file, "r") as f:
        first = np.datetime64(f.attrs["epoch_utc"][:19]) + np.timedelta64(int(f["time"][0]), "s")
    expected = str(first).replace("T", " ")[:16]   # ncdump -t prints minutes when seconds are zero
    assert dates.returncode == 0 and f' time = "{expected}"' in dates.stdout, dates.stdout[-500:]


def test_open_run_round_trips_through_netcdf(run_file, tmp_path):
    """What twin.open_run returns writes to netCDF and reads back equal (no tables in attrs)."""
    xr = pytest.importorskip("xarray")
    import twin

    out = tmp_path / "copy.nc"
    with twin.open_run(run_file) as run:
        run.to_netcdf(out, engine="h5netcdf")
        run.state.drop_vars("ledger_total").to_netcdf(tmp_path / "state.nc", engine="h5netcdf")
        tree = xr.open_datatree(out, engine="h5netcdf")
        np.testing.assert_array_equal(tree["soc"].values, run.soc.values)
        np.testing.assert_array_equal(tree["time"].values, run.state["time"].values)
        assert len(tree["jobs"]["job_id"]) == len(run.jobs)
        assert tree["summary"]["jobs_submitted"].item() == run.summary["jobs_submitted"]
        assert all(not hasattr(v, "shape") or np.size(v) < 64 for v in run.attrs.values())
