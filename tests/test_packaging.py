"""twin as an installed package: the configs, presets and data it ships, a shipped example copied
elsewhere, "did you mean" for misspelt keys and presets, and ``twin examples``.

The slow test installs twin (not editable) into a fresh virtual environment outside the
repository and runs every shipped example scenario copied to another folder.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import REPO, small_config
from twin.cli.examples import add_parser, copy_examples
from twin.config import ConfigError, load_config
from twin.config import resources
from twin.config.keys import config_key_problem
from twin.config.resources import example_configs, input_file, shipped_dir, shipped_file
from twin.errors import InputError

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
SCENARIOS = sorted(p.stem for p in (REPO / "configs").glob("*.yaml"))


def repo_files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


# ---------------------------------------------------------------------- what the wheel carries
def test_pyproject_lists_every_package_of_twin():
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "twin").rglob("__init__.py")}
    assert set(SETUPTOOLS["packages"]) == found | {"twin.configs"}
    assert SETUPTOOLS["package-dir"] == {"twin.configs": "configs"}


def test_package_data_globs_cover_every_file_of_configs():
    root = REPO / "configs"
    shipped = {p for pattern in SETUPTOOLS["package-data"]["twin.configs"] for p in root.glob(pattern)}
    assert repo_files(root) - shipped == set()
    assert {"data/SOURCES.md", "data/TRACE_SOURCES.md"} <= {p.relative_to(root).as_posix() for p in shipped}
    package = REPO / "twin"
    data = {p for pattern in SETUPTOOLS["package-data"]["twin"] for p in package.glob(pattern)}
    assert {p for p in repo_files(package) if p.suffix != ".py"} - data == set()
    assert package / "py.typed" in data


def test_the_checkout_ships_its_configs_folder():
    assert shipped_dir() == REPO / "configs"
    assert (shipped_dir() / "presets" / "battery" / "leo_li_ion.yaml").is_file()
    assert set(example_configs()) == set(SCENARIOS) | {f"sweeps/{p.stem}" for p in (REPO / "configs/sweeps").glob("*.yaml")}


def test_an_installed_package_ships_twin_configs(tmp_path, monkeypatch):
    """importlib.resources' twin/configs wins over the checkout's folder when it is there."""
    packaged = tmp_path / "site-packages" / "twin"
    (packaged / "configs" / "data").mkdir(parents=True)
    (packaged / "configs" / "data" / "x.tle").write_text("tle")
    monkeypatch.setattr(resources.resources, "files", lambda package: packaged)
    resources.shipped_dir.cache_clear()
    try:
        assert shipped_dir() == packaged / "configs"
        assert shipped_file("data/x.tle") == (packaged / "configs" / "data" / "x.tle").resolve()
    finally:
        resources.shipped_dir.cache_clear()


# ---------------------------------------------------------------------- files a config names
def test_a_file_beside_the_config_wins_over_the_shipped_one(tmp_path):
    (tmp_path / "data").mkdir()
    mine = tmp_path / "data" / "celestrak_iss_20260530.tle"
    mine.write_text("mine")
    assert input_file(Path("data/celestrak_iss_20260530.tle"), tmp_path, "TLE file") == mine.resolve()
    shutil.rmtree(tmp_path / "data")
    assert input_file(Path("data/celestrak_iss_20260530.tle"), tmp_path, "TLE file") == \
        (REPO / "configs" / "data" / "celestrak_iss_20260530.tle").resolve()


def test_only_files_inside_the_shipped_folder_are_found_there(tmp_path):
    assert shipped_file("../pyproject.toml") is None
    assert shipped_file(REPO / "configs" / "default.yaml") is None   # absolute: not a shipped name
    assert shipped_file("data") is None                               # a folder
    with pytest.raises(ValueError, match=r"TLE file not found: \.\./pyproject.toml is neither in"):
        input_file(Path("../pyproject.toml"), tmp_path, "TLE file")


def test_a_missing_file_names_the_field_the_file_and_both_folders(tmp_path, write_config):
    cfg = small_config()
    cfg["constellation"] = [{"kind": "tle", "file": "data/nowhere.tle"}]
    with pytest.raises(ConfigError) as err:
        load_config(write_config(cfg))
    message = str(err.value)
    assert "\n" not in message
    assert "constellation.0.file: TLE file not found: data/nowhere.tle" in message
    assert str(tmp_path) in message and str(shipped_dir()) in message


@pytest.mark.parametrize("name", ["starlink-shell", "alibaba-trace"])
def test_a_shipped_config_copied_elsewhere_finds_the_shipped_data(tmp_path, name):
    copy = tmp_path / f"{name}.yaml"
    shutil.copyfile(REPO / "configs" / f"{name}.yaml", copy)
    scenario = load_config(copy)
    used = (scenario.workload.mapping.file if scenario.workload.kind == "trace" else scenario.constellation[0].file)
    assert used.parent == (REPO / "configs" / "data").resolve()


def test_a_preset_beside_the_config_wins_over_the_shipped_one(tmp_path, write_config):
    cfg = small_config()
    cfg["spacecraft"]["battery"] = {"preset": "leo_li_ion"}
    shipped = load_config(write_config(cfg)).spacecraft.battery
    mine = yaml.safe_load((REPO / "configs/presets/battery/leo_li_ion.yaml").read_text())
    mine["charge_efficiency"] = round(shipped.charge_efficiency - 0.01, 6)
    (tmp_path / "presets" / "battery").mkdir(parents=True)
    (tmp_path / "presets" / "battery" / "leo_li_ion.yaml").write_text(yaml.safe_dump(mine))
    assert load_config(write_config(cfg)).spacecraft.battery.charge_efficiency == mine["charge_efficiency"]


# ---------------------------------------------------------------------- did you mean
@pytest.mark.parametrize("key, value, expect", [
    ("spacecraft.batery.capacity_wh", 5000, "spacecraft.batery: unknown key; did you mean 'battery'?"),
    ("spacecraft.battery.capacty_wh", 5000, "spacecraft.battery.capacty_wh: unknown key; did you mean 'capacity_wh'?"),
    ("simulaton.dt_s", 10, "simulaton: unknown key; did you mean 'simulation'?"),
    ("constellation.0.altitud_km", 500, "constellation.0.altitud_km: unknown key; did you mean 'altitude_km'?"),
    ("workload.arival_rate_per_h", 3, "workload.arival_rate_per_h: unknown key; did you mean 'arrival_rate_per_h'?"),
    ("spacecraft.battery.presett", "leo_li_ion", "spacecraft.battery.presett: unknown key; did you mean 'preset'?"),
])
def test_a_misspelt_key_gets_the_close_name(write_config, key, value, expect):
    with pytest.raises(ConfigError) as err:          # in the file
        load_config(write_config(small_config(**{key: value})))
    assert str(err.value).endswith(": " + expect) and "\n" not in str(err.value)
    with pytest.raises(ConfigError) as err:          # and given with --set
        load_config(REPO / "configs" / "default.yaml", [f"{key}={value}"])
    assert str(err.value).endswith(": " + expect) and "\n" not in str(err.value)


def test_a_key_like_no_other_gets_no_guess():
    with pytest.raises(ConfigError) as err:
        load_config(REPO / "configs" / "default.yaml", ["spacecraft.xyzzy=1"])
    assert str(err.value).endswith("spacecraft.xyzzy: unknown key")


def test_a_misspelt_sweep_key_gets_the_close_name():
    assert config_key_problem("spacecraft.radiater.area_m2") == \
        "unknown key 'radiater' in spacecraft; did you mean 'radiator'?"


def test_a_misspelt_preset_gets_the_close_names_and_where_it_looked(write_config, tmp_path):
    cfg = small_config()
    cfg["economics"] = {"launch": {"preset": "falcon_9"}}
    with pytest.raises(ConfigError) as err:
        load_config(write_config(cfg))
    message = str(err.value)
    assert "economics.launch.preset: no preset 'falcon_9' in " in message and "\n" not in message
    assert str((tmp_path / "presets" / "launch").resolve()) in message
    assert str(shipped_dir() / "presets" / "launch") in message
    assert message.endswith("did you mean 'falcon9' or 'falcon_heavy'?")


def test_a_preset_like_no_other_lists_them_all(write_config):
    cfg = small_config()
    cfg["spacecraft"]["battery"] = {"preset": "unobtainium"}
    with pytest.raises(ConfigError) as err:
        load_config(write_config(cfg))
    assert "spacecraft.battery.preset: no preset 'unobtainium' in " in str(err.value)
    assert str(err.value).endswith("; there are: leo_li_ion")


# ---------------------------------------------------------------------- twin examples
def examples(*argv) -> int:
    """``twin examples ...`` through the parser add_parser builds, as twin's main calls it."""
    parser = argparse.ArgumentParser(prog="twin")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["examples", *map(str, argv)])
    return args.func(args)


def test_examples_lists_each_with_its_first_comment_line(capsys):
    assert examples() == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(example_configs())
    first = (REPO / "configs" / "default.yaml").read_text().splitlines()[0].lstrip("# ")
    assert any(line.startswith("default ") and line.endswith(first) for line in lines)


def test_examples_copies_one_and_a_sweep_with_its_base(tmp_path, capsys):
    assert examples("default", "--to", tmp_path) == 0
    assert (tmp_path / "default.yaml").read_bytes() == (REPO / "configs" / "default.yaml").read_bytes()
    assert examples("economics-mc", "--to", tmp_path) == 0     # its base, ../default.yaml, is there already
    assert sorted(p.relative_to(tmp_path).as_posix() for p in repo_files(tmp_path)) == \
        ["default.yaml", "sweeps/economics-mc.yaml"]
    assert capsys.readouterr().out.split() == [str(tmp_path / "default.yaml"), str(tmp_path / "sweeps/economics-mc.yaml")]
    from twin.scaleout.spec import load_sweep

    assert load_sweep(tmp_path / "sweeps" / "economics-mc.yaml").base_path == tmp_path / "default.yaml"


def test_examples_all_copies_every_example_and_each_loads(tmp_path):
    assert examples("all", "--to", tmp_path / "mine") == 0
    copied = {p.relative_to(tmp_path / "mine").with_suffix("").as_posix() for p in repo_files(tmp_path / "mine")}
    assert copied == set(example_configs())
    assert not (tmp_path / "mine" / "data").exists() and not (tmp_path / "mine" / "presets").exists()
    for name in SCENARIOS:
        load_config(tmp_path / "mine" / f"{name}.yaml")     # its presets and data: the shipped ones


def test_examples_never_replaces_a_different_file_without_force(tmp_path):
    (tmp_path / "default.yaml").write_text("mine")
    with pytest.raises(InputError) as err:
        examples("all", "--to", tmp_path)
    assert str(err.value) == f"{tmp_path / 'default.yaml'}: exists and differs from the example; --force replaces it"
    assert repo_files(tmp_path) == {tmp_path / "default.yaml"}      # nothing else written either
    assert (tmp_path / "default.yaml").read_text() == "mine"
    assert examples("default", "--to", tmp_path, "--force") == 0
    assert (tmp_path / "default.yaml").read_bytes() == (REPO / "configs" / "default.yaml").read_bytes()
    assert copy_examples("default", tmp_path) == []                  # the same bytes: nothing to do


@pytest.mark.parametrize("argv, expect", [
    (["defualt"], "no example 'defualt'; did you mean 'default'?"),
    (["zzz"], "no example 'zzz'; there are: all, alibaba-trace, "),
])
def test_examples_unknown_name_is_one_line(tmp_path, argv, expect):
    with pytest.raises(InputError) as err:
        examples(*argv, "--to", tmp_path)
    assert str(err.value).startswith(expect) and "\n" not in str(err.value)
    assert not any(tmp_path.iterdir())


def test_examples_to_a_file_is_one_line(tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(InputError, match=r"f: not a folder"):
        examples("default", "--to", tmp_path / "f")


# ---------------------------------------------------------------------- installed for real
def run(cmd, timeout, **kwargs):
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, **kwargs)
    assert result.returncode == 0, f"{cmd}: exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.mark.slow
def test_installed_twin_runs_every_shipped_example_copied_elsewhere(tmp_path):
    """pip builds a wheel of a copy of the repository (so nothing is written into it), installs it
    with its dependencies into a fresh environment, and that environment's ``twin`` copies the
    examples out and runs each scenario for one record interval."""
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "runs", "build", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "out"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")     # numba's cache of this install, not the user's
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv], 300)
    python, twin = venv / "bin" / "python", venv / "bin" / "twin"

    run([python, "-m", "pip", "wheel", "--no-deps", "-w", tmp_path / "wheel", source], 900, env=env, cwd=tmp_path)
    wheel, = (tmp_path / "wheel").glob("twin-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    configs = {f"twin/configs/{p.relative_to(source / 'configs').as_posix()}" for p in repo_files(source / "configs")}
    assert configs - names == set()
    assert "twin/py.typed" in names and any(n.endswith(".dist-info/licenses/LICENSE") for n in names)

    run([python, "-m", "pip", "install", wheel], 1800, env=env, cwd=tmp_path)
    where = run([python, "-c", "import twin; print(twin.__file__)"], 300, env=env, cwd=tmp_path).stdout.strip()
    assert Path(where).is_relative_to(venv), where

    work = tmp_path / "elsewhere"
    run([twin, "examples", "all", "--to", work], 300, env=env, cwd=tmp_path)
    copied = sorted(p.stem for p in work.glob("*.yaml"))
    assert copied == SCENARIOS and not (work / "data").exists()
    (tmp_path / "runs").mkdir()
    for name in copied:
        sim = yaml.safe_load((work / f"{name}.yaml").read_text())["simulation"]
        short = sim.get("record_every_s", 60)      # one record interval, a multiple of dt_s
        out = tmp_path / "runs" / f"{name}.h5"
        run([twin, "run", work / f"{name}.yaml", "-o", out, "-q", "--set", f"simulation.duration_s={short}"],
            900, env=env, cwd=tmp_path)
        assert out.is_file(), name
