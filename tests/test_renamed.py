"""Renamed config keys (twin/config/renamed.py): the old name still reads, as the new one."""
import subprocess
import sys

import yaml

from conftest import REPO, small_config
from twin.config import ConfigError, load_config, load_config_text
from twin.config.renamed import RENAMED


def _with_old_name(cfg: dict, value) -> dict:
    cfg["workload"].pop("median_runtime_h", None)
    cfg["workload"]["median_work_accel_h"] = value
    return cfg


def test_the_old_name_reads_as_the_new_one(write_config):
    new = load_config(write_config(small_config(**{"workload.median_runtime_h": 3.5}), "new.yaml"))
    old = load_config(write_config(_with_old_name(small_config(), 3.5), "old.yaml"))
    assert new.workload.median_runtime_h == 3.5
    assert old == new   # the same scenario, value for value


def test_a_run_files_stored_config_with_the_old_name_still_loads():
    """A run written before the rename stores its config with the old key; resume reads it."""
    text = yaml.safe_dump(_with_old_name(small_config(), 1.25))
    assert load_config_text(text, REPO / "configs", "run file").workload.median_runtime_h == 1.25


def test_an_override_by_the_old_name_replaces_the_new_ones_value():
    """--set and a sweep's grid by the old name (set_dotted) set the key the config now uses."""
    scenario = load_config(REPO / "configs" / "default.yaml", ["workload.median_work_accel_h=5"])
    assert scenario.workload.median_runtime_h == 5.0


def test_both_names_at_once_are_one_line_and_exit_2(tmp_path):
    cfg = small_config()
    cfg["workload"]["median_work_accel_h"] = 3.0   # beside median_runtime_h from default.yaml
    path = tmp_path / "both.yaml"
    path.write_text(yaml.safe_dump(cfg))
    try:
        load_config(path)
    except ConfigError as err:
        assert str(err) == (f"{path}: workload.median_work_accel_h: renamed median_runtime_h, "
                            "which is given too; keep only median_runtime_h")
    else:
        raise AssertionError("both names were accepted")
    out = tmp_path / "run.h5"
    result = subprocess.run([sys.executable, "-m", "twin", "run", str(path), "-o", str(out), "-q"],
                            capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_every_new_name_is_a_field_and_no_old_one_is():
    from twin.config.sections import PoissonWorkload

    sections = {"workload": PoissonWorkload}
    for section, names in RENAMED.items():
        fields = sections[section].model_fields
        for old, new in names.items():
            assert new in fields and old not in fields


def test_a_sweep_grid_by_the_old_name_sets_the_new_key(tmp_path):
    """A sweep's members are the base config with the grid set by set_dotted: a grid key by the
    old name replaces the base's value under the new one (not both given: an error)."""
    from twin.scaleout.spec import load_sweep, member_config

    sweep_path = tmp_path / "sweep.yaml"
    sweep_path.write_text(yaml.safe_dump({"name": "renamed", "base": str(REPO / "configs" / "default.yaml"),
                                          "grid": {"workload.median_work_accel_h": [1.5, 3.0]}}))
    sweep = load_sweep(sweep_path)
    values = [load_config_text(yaml.safe_dump(member_config(sweep.base, sweep.spec, m)), REPO / "configs",
                               m.id).workload.median_runtime_h for m in sweep.members]
    assert sorted(values) == [1.5, 3.0]
