"""The command line as a user meets it: run, validate, inspect; bad input -> one line, exit 2."""
import os
import subprocess
import sys

import pytest

from conftest import DATA, REPO, small_config


def twin(*args, cwd=None):
    env = {k: v for k, v in os.environ.items()}
    return subprocess.run([sys.executable, "-m", "twin", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or REPO, env=env, timeout=300)


def assert_one_line_error(result, *fragments):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    for fragment in fragments:
        assert fragment in lines[0]


def test_run_writes_a_complete_file_and_prints_a_summary(tmp_path, write_config):
    out = tmp_path / "run.h5"
    result = twin("run", write_config(small_config()), "-o", out, "-q")
    assert result.returncode == 0, result.stderr
    assert "energy" in result.stdout and "jobs" in result.stdout
    inspect = twin("inspect", out)
    assert inspect.returncode == 0
    assert "status complete" in inspect.stdout and "8 satellites" in inspect.stdout


def test_existing_output_is_never_overwritten_without_force(tmp_path, write_config):
    out = tmp_path / "run.h5"
    out.write_bytes(b"precious")
    cfg = write_config(small_config(**{"simulation.duration_s": 600}))
    assert_one_line_error(twin("run", cfg, "-o", out, "-q"), str(out), "--force")
    assert out.read_bytes() == b"precious"
    assert twin("run", cfg, "-o", out, "-q", "--force").returncode == 0
    assert out.read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"


@pytest.mark.parametrize("key, value, fragment", [
    ("spacecraft.battery.capacity_wh", -5, "spacecraft.battery.capacity_wh"),
    ("spacecraft.radiator.area_m2", 0, "spacecraft.radiator.area_m2"),
    ("simulation.duration_s", "long", "simulation.duration_s"),
    ("spacecraft.bus.power_w", 1, "spacecraft.bus: unknown key"),
])
def test_bad_config_is_one_line_and_leaves_output_alone(tmp_path, write_config, key, value, fragment):
    out = tmp_path / "run.h5"
    out.write_bytes(b"precious")
    result = twin("run", write_config(small_config(**{key: value})), "-o", out, "-q", "--force")
    assert_one_line_error(result, fragment)
    assert out.read_bytes() == b"precious"


def test_missing_and_malformed_tle_files(tmp_path, write_config):
    cfg = small_config()
    cfg["constellation"] = [{"kind": "tle", "file": str(tmp_path / "missing.tle")}]
    assert_one_line_error(twin("run", write_config(cfg), "-q"), "missing.tle")
    bad = tmp_path / "bad.tle"
    lines = (DATA / "celestrak_iss_20260530.tle").read_text().splitlines()
    bad.write_text("\n".join([lines[0], lines[1][:40], lines[2]]) + "\n")
    cfg["constellation"] = [{"kind": "tle", "file": str(bad)}]
    assert_one_line_error(twin("run", write_config(cfg), "-o", tmp_path / "x.h5", "-q"), "bad.tle")
    assert not (tmp_path / "x.h5").exists()


def test_missing_config_and_bad_yaml(tmp_path):
    assert_one_line_error(twin("validate", tmp_path / "none.yaml"), "none.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("simulation: [unclosed\n")
    assert_one_line_error(twin("validate", broken), "broken.yaml", "not valid YAML")


def test_validate_prints_the_resolved_config():
    result = twin("validate", "configs/default.yaml", "--set", "simulation.seed=7")
    assert result.returncode == 0
    assert "seed: 7" in result.stdout and "capacity_wh" in result.stdout


def test_inspect_rejects_files_that_are_not_runs(tmp_path):
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not hdf5 at all")
    assert_one_line_error(twin("inspect", junk), "junk.h5")
    import h5py
    with h5py.File(tmp_path / "foreign.h5", "w") as f:
        f["x"] = 1
    assert_one_line_error(twin("inspect", tmp_path / "foreign.h5"), "not a twin run file")


@pytest.mark.parametrize("shell, fragment", [
    ("[{kind: walker, altitude_km: 550, inclination_deg: 53, planes: 4, sats_per_plane: 2, phasing: 9}]",
     "constellation.0 (walker): Walker phasing F must be an integer in [0, 3]"),
    ("[{kind: sso, altitude_km: 9000, ltan_h: 18, sats_per_plane: 2}]",
     "constellation.0 (sso): no sun-synchronous orbit at 9000.0 km"),
])
def test_shells_the_builders_cannot_make_are_one_line_errors(tmp_path, shell, fragment):
    out = tmp_path / "run.h5"
    out.write_bytes(b"precious")
    result = twin("run", "configs/default.yaml", "-o", out, "--force", "-q", "--set", f"constellation={shell}")
    assert_one_line_error(result, fragment)
    assert out.read_bytes() == b"precious"
