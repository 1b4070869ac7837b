"""The run file's HDF5 format is fixed at HDF5 1.10's, whatever h5py writes it (readers built on
HDF5 1.10, such as Debian's h5dump or netCDF-C, fail on 1.14's layout messages)."""
import h5py

from conftest import REPO, small_config
from twin.config import scenario_from_dict
from twin.output.hdf5 import FILE_FORMAT, RunWriter


def test_the_writer_bounds_the_format_at_hdf5_1_10(tmp_path):
    scenario = scenario_from_dict(small_config(), REPO / "configs", "test")
    from twin.orbits.constellation import build_constellation

    sats = build_constellation(scenario.constellation, scenario.simulation.epoch_utc, 0)
    writer = RunWriter(tmp_path / "run.h5", scenario, sats, "lzf", 0)
    try:
        assert FILE_FORMAT == ("v110", "v110")
        assert writer.file.libver == FILE_FORMAT   # both bounds: not "latest", which follows the HDF5 at hand
        assert writer.file.swmr_mode               # and live reading still works with it
    finally:
        writer.close("complete")
    with h5py.File(tmp_path / "run.h5", "r") as f:
        assert f.attrs["status"] == "complete"
