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


def test_run_and_inspect_print_the_summary_as_json(tmp_path):
    import json
    import subprocess
    import sys

    import yaml

    cfg = tmp_path / "s.yaml"
    cfg.write_text(yaml.safe_dump(small_config(**{"simulation.duration_s": 1800})))
    out = tmp_path / "s.h5"
    p = subprocess.run([sys.executable, "-m", "twin", "run", str(cfg), "-o", str(out), "-q", "--json"], cwd=REPO,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    ran = json.loads(p.stdout)   # stdout is the JSON alone (the banner went to stderr)
    assert ran["limiting_factor"] and ran["capacity_accel_h"] > 0 and "cost_per_delivered_accel_h_usd" in ran
    p = subprocess.run([sys.executable, "-m", "twin", "inspect", str(out), "--json"], cwd=REPO,
                       capture_output=True, text=True, timeout=120)
    read = json.loads(p.stdout)
    assert read["delivered_accel_h"] == ran["delivered_accel_h"] and set(read) >= set(ran) - {"wall_s"}
    v = subprocess.run([sys.executable, "-m", "twin", "--version"], cwd=REPO, capture_output=True, text=True)
    assert v.returncode == 0 and v.stdout.startswith("twin ")
