"""Config: validation, defaults, overrides, presets, and the generated reference."""

import pytest
import yaml

from conftest import REPO, small_config
from twin.config import ConfigError, load_config


def test_default_config_validates_and_is_frozen():
    scenario = load_config(REPO / "configs" / "default.yaml")
    assert scenario.simulation.dt_s == 10
    with pytest.raises(ValueError):   # pydantic's ValidationError: the model is frozen
        scenario.simulation.dt_s = 5


def test_minimal_config_gets_documented_defaults(write_config):
    cfg = {"simulation": {"epoch_utc": "2026-01-01T00:00:00Z", "duration_s": 600},
           "constellation": [{"kind": "walker", "altitude_km": 550, "inclination_deg": 53,
                              "planes": 1, "sats_per_plane": 2}]}
    scenario = load_config(write_config(cfg))
    assert scenario.spacecraft.battery.capacity_wh > 0
    assert scenario.scheduler.policy == "fifo"
    assert scenario.workload.kind == "poisson"


@pytest.mark.parametrize("key, value, expect", [
    ("spacecraft.battery.capacity_wh", 0, "spacecraft.battery.capacity_wh: Input should be greater than 0"),
    ("spacecraft.radiator.area_m2", -1, "spacecraft.radiator.area_m2: Input should be greater than 0"),
    ("spacecraft.solar_array.area_m2", 0, "spacecraft.solar_array.area_m2"),
    ("simulation.dt_s", "ten", "simulation.dt_s: Input should be a valid number"),
    ("spacecraft.battery.colour", "red", "spacecraft.battery.colour: unknown key"),
    ("simulation.record_every_s", 15, "record_every_s (15.0) must be a whole multiple of dt_s"),
    ("constellation.0.layers", 2, "thickness_km (0) and layers (2) go together"),
    ("constellation.0.layers", 3, "layers (3) must not exceed planes (2)"),
])
def test_bad_values_name_the_field(write_config, key, value, expect):
    path = write_config(small_config(**{key: value}))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert expect in str(err.value)
    assert len(str(err.value).splitlines()) == 1


def test_a_shell_too_thick_for_its_altitude_is_one_line(write_config):
    cfg = small_config(**{"constellation.0.thickness_km": 900, "constellation.0.layers": 2})
    with pytest.raises(ConfigError) as err:
        load_config(write_config(cfg))
    assert "constellation.0: the lowest layer (altitude_km - thickness_km/2 = 100 km) is below 150 km" \
        in str(err.value)
    assert len(str(err.value).splitlines()) == 1


def test_missing_tle_file_is_named(write_config):
    cfg = small_config()
    cfg["constellation"] = [{"kind": "tle", "file": "nowhere.tle"}]
    with pytest.raises(ConfigError, match="TLE file not found: .*nowhere.tle"):
        load_config(write_config(cfg))


def test_set_overrides_dotted_keys_and_list_items():
    scenario = load_config(REPO / "configs" / "default.yaml",
                           ["simulation.duration_s=3600", "constellation.0.altitude_km=600",
                            "spacecraft.battery.capacity_wh=1234.5"])
    assert scenario.simulation.duration_s == 3600
    assert scenario.constellation[0].altitude_km == 600
    assert scenario.spacecraft.battery.capacity_wh == 1234.5


def test_bad_override_is_reported():
    with pytest.raises(ConfigError, match="--set"):
        load_config(REPO / "configs" / "default.yaml", ["constellation.7.altitude_km=600"])


def test_presets_load_by_name_and_config_keys_win(write_config):
    presets = sorted((REPO / "configs" / "presets").glob("*/*.yaml"))
    assert presets, "presets missing"
    for path in presets:
        assert "source" in yaml.safe_load(path.read_text()), f"{path} lacks a source: line"
    cfg = small_config()
    cfg["spacecraft"]["battery"] = {"preset": "leo_li_ion", "capacity_wh": 5000}
    scenario = load_config(write_config(cfg))
    preset = yaml.safe_load((REPO / "configs/presets/battery/leo_li_ion.yaml").read_text())
    assert scenario.spacecraft.battery.capacity_wh == 5000
    assert scenario.spacecraft.battery.charge_efficiency == preset["charge_efficiency"]


def test_unknown_preset_is_named(write_config):
    cfg = small_config()
    cfg["spacecraft"]["battery"] = {"preset": "unobtainium"}
    with pytest.raises(ConfigError, match="spacecraft.battery.preset: no preset 'unobtainium'"):
        load_config(write_config(cfg))


def test_config_reference_is_up_to_date():
    from twin.config.doc import render

    assert (REPO / "docs" / "config.md").read_text() == render(), \
        "docs/config.md is stale: python -m twin.config.doc > docs/config.md"
