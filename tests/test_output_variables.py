"""output.variables: a run records only the /state variables it names, and everything that reads
run files (open_run, inspect, report, the size bound) takes such a file as a run like any other."""
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

from conftest import REPO, small_config
from twin import open_run
from twin.config import load_config
from twin.engine.filesize import expected_size_bytes, state_bytes
from twin.engine.simulation import run
from twin.output.reader import read_summary
from twin.output.schema import STATE_VARIABLES

CHOSEN = ["soc", "utilization", "mode", "solar_power_w"]
PER_RUN = ("wall_s", "satellite_steps_per_s")   # the machine's, not the simulation's


def twin(*args):
    return subprocess.run([sys.executable, "-m", "twin", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, env=dict(os.environ), timeout=300)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The same scenario recorded whole and with four variables (and the solar extrema)."""
    folder = tmp_path_factory.mktemp("variables")
    base = small_config(**{"simulation.duration_s": 3 * 3600, "output.aggregate": ["mean", "min", "max"]})
    import yaml
    paths = {}
    for name, extra in (("all", {}), ("some", {"variables": CHOSEN})):
        cfg = {**base, "output": {**base.get("output", {}), **extra}}
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(cfg))
        paths[name] = folder / f"{name}.h5"
        run(load_config(folder / f"{name}.yaml"), paths[name])
    return folder, paths


def test_only_the_chosen_variables_are_recorded_and_they_equal_the_whole_runs(pair):
    _, paths = pair
    with h5py.File(paths["all"]) as whole, h5py.File(paths["some"]) as some:
        recorded = {v.name for v in STATE_VARIABLES if v.name in some}
        assert recorded == set(CHOSEN)
        # a flow's extrema follow it when output.aggregate asks for them
        assert "solar_power_w_min" in some and "solar_power_w_max" in some
        assert "load_power_w_min" not in some
        extrema = [f"{v.name}_{stat}" for stat in ("min", "max") for v in STATE_VARIABLES
                   if v.extrema and v.name in CHOSEN]
        assert "solar_power_w_max" in extrema and "soc_min" not in extrema   # soc is a stock: no extrema
        assert some.attrs["state_variables"].split() == [v.name for v in STATE_VARIABLES if v.name in CHOSEN] + extrema
        for name in (*CHOSEN, *extrema):
            np.testing.assert_array_equal(some[name][...], whole[name][...])   # what is kept is the same, bit for bit
        # the physics does not depend on what is recorded: the summaries agree to the bit
        s_all, s_some = read_summary(whole), read_summary(some)
        for key in set(s_all) - set(PER_RUN):
            assert s_some[key] == s_all[key] or (s_all[key] != s_all[key] and s_some[key] != s_some[key]), key


def test_the_size_bound_shrinks_with_the_choice(pair):
    folder, _ = pair
    whole, some = load_config(folder / "all.yaml"), load_config(folder / "some.yaml")
    n = 8
    # the chosen variables' and their extrema's bytes per satellite and record, counted from the files
    with h5py.File(pair[1]["some"]) as f:
        per_sat = sum(f[name].dtype.itemsize for name in f.attrs["state_variables"].split())
    records = -(-whole.simulation.n_steps // whole.simulation.record_every_steps)
    assert expected_size_bytes(whole, n) - expected_size_bytes(some, n) > 0
    from twin.output.hdf5 import record_bytes
    assert record_bytes(some, n) - record_bytes(some, 0) == per_sat * n
    assert per_sat < (record_bytes(whole, n) - record_bytes(whole, 0)) / n / 4   # 41 of 257 bytes here
    from twin.output.hdf5 import chunk_records
    assert state_bytes(some, n) == (records + chunk_records(some, n)) * record_bytes(some, n)
    assert expected_size_bytes(whole, n) - expected_size_bytes(some, n) == state_bytes(whole, n) - state_bytes(some, n)


def test_open_run_inspect_and_report_take_the_file(pair, tmp_path):
    _, paths = pair
    r = open_run(paths["some"])
    assert set(r.state.data_vars) >= set(CHOSEN) and "electronics_temp_k" not in r.state.data_vars
    assert float(r.state["soc"].min()) > 0
    inspect = twin("inspect", paths["some"])
    assert inspect.returncode == 0, inspect.stderr
    assert "status complete" in inspect.stdout
    report = twin("report", paths["some"], "-o", tmp_path / "report")
    assert report.returncode == 0, report.stderr
    drawn = {p.name for p in (tmp_path / "report").glob("*.png")}
    assert {"soc.png", "utilization.png"} <= drawn
    assert not drawn & {"temperatures.png", "eclipse_map.png", "power.png"}   # their variables are not there
    assert "not recorded" in report.stderr   # the map says why it is missing


def test_an_unknown_variable_is_one_line_and_nothing_is_written(tmp_path, write_config):
    out = tmp_path / "run.h5"
    out.write_bytes(b"precious")
    cfg = write_config(small_config(**{"output.variables": ["soc", "sock"]}))
    result = twin("run", cfg, "-o", out, "-q", "--force")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "output.variables: 'sock' is not a /state variable of this run" in lines[0]
    assert out.read_bytes() == b"precious"
    links_only = write_config(small_config(**{"output.variables": ["links_live"]}), "links.yaml")
    result = twin("run", links_only, "-o", tmp_path / "other.h5", "-q")
    assert result.returncode == 2 and "recorded only in a run with links" in result.stderr
    assert not (tmp_path / "other.h5").exists()


@pytest.mark.parametrize("hours, compression", [(0.2, 0), (6.0, 0), (6.0, 1)])
def test_the_file_is_no_larger_than_said_before_the_run(tmp_path, write_config, hours, compression):
    """The size twin states before a run (and holds the disk to) covers the file it writes: /state
    uncompressed with its last chunk allocated whole, the coordinates, events and jobs."""
    cfg = small_config(**{"simulation.duration_s": hours * 3600, "output.compression": compression})
    scenario = load_config(write_config(cfg))
    out = tmp_path / "run.h5"
    summary = run(scenario, out)
    assert out.stat().st_size <= expected_size_bytes(scenario, summary["n_satellites"])
