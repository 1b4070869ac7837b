"""The Python API a notebook user lives in: ``twin.Scenario`` and its sections, ``twin.run`` returning
the run opened (in a temporary folder when no path is given), messages through ``logging``."""
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

import twin
from conftest import REPO, small_config

TINY = {"simulation.duration_s": 1800, "output.compression": 0}


def opened(run) -> bool:
    return callable(getattr(run, "close", None)) and (hasattr(run, "state") or hasattr(run, "data_vars"))


def test_run_of_a_dict_returns_the_run_opened_in_a_temporary_folder():
    run = twin.run(small_config(**TINY), progress=False)
    try:
        path = Path(getattr(run, "path", None) or run.encoding["source"])
        assert opened(run) and path.is_file() and path.name == "run.h5"
        assert path.parent.name.startswith("twin-") and path.parent.parent == Path(tempfile.gettempdir())
    finally:
        run.close()
        import shutil

        shutil.rmtree(path.parent)


def test_run_of_a_scenario_or_a_yaml_path_to_a_given_file(tmp_path):
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(yaml.safe_dump(small_config(**TINY)))
    scenario = twin.load_config(cfg)
    assert isinstance(scenario, twin.Scenario) and isinstance(scenario.simulation, twin.Simulation)
    with twin.run(scenario, tmp_path / "a.h5", progress=False) as run:
        assert opened(run)
    with pytest.raises(twin.InputError, match="exists"):
        twin.run(str(cfg), tmp_path / "a.h5", progress=False)
    with twin.run(str(cfg), tmp_path / "a.h5", force=True, progress=False) as run:
        assert opened(run) and (tmp_path / "a.h5").is_file()


def test_a_bad_scenario_is_one_error_naming_the_field():
    cfg = small_config(**TINY)
    cfg["simulation"]["dt_s"] = -1
    with pytest.raises(twin.ConfigError, match="simulation.dt_s"):
        twin.run(cfg)
    with pytest.raises(TypeError, match="twin.Scenario"):
        twin.run(42)


def test_an_interrupted_run_raises_keyboard_interrupt(monkeypatch, tmp_path):
    from twin.engine import simulation

    monkeypatch.setattr(simulation, "run", lambda *args, **kwargs: None)   # what a stopped run returns
    with pytest.raises(KeyboardInterrupt, match="twin run --resume"):
        twin.run(small_config(**TINY), tmp_path / "x.h5")


def test_messages_go_through_logging(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="twin"):
        twin.run(small_config(**TINY), tmp_path / "r.h5", progress=False).close()
    assert any(r.name == "twin.engine.simulation" and r.getMessage().startswith("expected run file size")
               for r in caplog.records)


def test_every_exported_name_resolves_and_is_documented():
    """Each name in ``twin.__all__`` is there and named in docs/api.md; the functions have docstrings."""
    api_doc = (REPO / "docs" / "api.md").read_text()
    for name in twin.__all__:
        assert getattr(twin, name) is not None, name
        assert f"`{name}`" in api_doc or f"twin.{name}" in api_doc, f"docs/api.md does not name twin.{name}"
    for function in (twin.run, twin.open_run, twin.load_config):
        assert function.__doc__
    assert {"Scenario", "Simulation", "WalkerShell", "Spacecraft", "Economics", "Output", "run",
            "open_run", "load_config"} <= set(twin.__all__)
    with pytest.raises(AttributeError):
        twin.NoSuchThing   # noqa: B018
    assert "Scenario" in dir(twin)


def test_sections_build_a_scenario_in_python():
    base = twin.load_config(REPO / "configs" / "default.yaml")
    longer = base.model_copy(update={"simulation": base.simulation.model_copy(update={"duration_s": 7200.0})})
    assert longer.simulation.duration_s == 7200.0 and base.simulation.duration_s != 7200.0


def test_names_are_imported_on_first_use():
    code = ("import sys, twin\nprint('twin.config' in sys.modules)\n"
            "twin.Scenario\nprint('twin.config' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                         env=dict(os.environ), timeout=120, check=True).stdout.split()
    assert out == ["False", "True"]
