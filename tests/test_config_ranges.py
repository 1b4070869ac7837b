"""Config ranges: every number finite (NaN and ±inf refused, the field named), every quantity
within its physical range, and every shipped config still inside them."""
import subprocess
import sys

import pytest
import yaml

from conftest import DATA, REPO, small_config
from twin.config import ConfigError, load_config, scenario_from_dict

NONFINITE = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}

TLE = DATA / "starlink_sample_20260530.tle"
TRACE_CSV = DATA / "trace_small.csv"
TRACE_MAPPING = {"file": str(TRACE_CSV), "time_unit_s": 1e-3, "submit_column": "arrive_ms",
                 "duration_column": "run_ms", "accelerators_column": "gpus"}


def every_section_config() -> dict:
    """A small valid scenario with one shell of every kind, faults with an outage and every
    optional number set, so that each field below exists in it."""
    cfg = small_config()
    cfg["constellation"] = [
        {"kind": "walker", "altitude_km": 550, "inclination_deg": 53, "planes": 2, "sats_per_plane": 2},
        {"kind": "sso", "altitude_km": 600, "ltan_h": 10.5, "planes": 1, "sats_per_plane": 2},
        {"kind": "cluster", "altitude_km": 650, "ltan_h": 18, "n_sats": 3, "radius_km": 1.0},
        {"kind": "tle", "file": str(TLE), "max_satellites": 2},
    ]
    cfg["spacecraft"]["solar_array"]["normal_body"] = [0.0, 0.0, -1.0]
    cfg["spacecraft"]["radiator"]["normal_lvlh"] = [0.0, 1.0, 0.0]
    cfg["workload"] = {"kind": "poisson", "arrival_rate_per_h": 4, "deadline_slack": 3,
                       "accelerators": [1, 2], "priorities": [0, 1]}
    cfg["faults"] = {"mtbf_h": 100, "upset_rate_per_day": 0.5,
                     "outages": [{"sats": [0], "start_s": 600, "duration_s": 600}]}
    cfg["output"] = {"flush_every_records": 10, "checkpoint_every_s": 3600}
    return cfg


def trace_config() -> dict:
    cfg = small_config()
    cfg["workload"] = {"kind": "trace", "mapping": dict(TRACE_MAPPING), "deadline_slack": 2,
                       "checkpoint_interval_s": 900}
    return cfg


def set_dotted(cfg: dict, key: str, value) -> dict:
    node = cfg
    parts = key.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return cfg


def validate(cfg: dict):
    return scenario_from_dict(cfg, REPO / "configs", "config")


def rejection(cfg: dict) -> str:
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    return str(err.value)


def test_the_fixtures_are_valid():
    """Otherwise every rejection below could be for another reason."""
    assert len(validate(every_section_config()).constellation) == 4
    assert validate(trace_config()).workload.kind == "trace"


# ---------------------------------------------------------------- NaN and ±inf
FIELDS = [
    "simulation.duration_s", "simulation.dt_s", "simulation.record_every_s", "simulation.sgp4_step_s",
    "constellation.0.altitude_km", "constellation.0.inclination_deg", "constellation.0.raan0_deg",
    "constellation.0.planes",
    "constellation.1.altitude_km", "constellation.1.ltan_h",
    "constellation.2.altitude_km", "constellation.2.radius_km", "constellation.2.n_sats",
    "constellation.3.max_satellites",
    "spacecraft.bus_power_w",
    "spacecraft.solar_array.area_m2", "spacecraft.solar_array.cell_efficiency",
    "spacecraft.solar_array.normal_body.2", "spacecraft.solar_array.temp_coeff_per_k",
    "spacecraft.solar_array.cell_temp_k", "spacecraft.solar_array.age_years",
    "spacecraft.battery.capacity_wh", "spacecraft.battery.min_soc",
    "spacecraft.battery.max_discharge_c_rate_per_h", "spacecraft.battery.fade_per_efc",
    "spacecraft.accelerator.peak_flops", "spacecraft.accelerator.idle_power_w",
    "spacecraft.accelerator.peak_power_w", "spacecraft.accelerator.count",
    "spacecraft.radiator.area_m2", "spacecraft.radiator.emissivity", "spacecraft.radiator.normal_lvlh.1",
    "spacecraft.radiator.areal_heat_capacity_j_per_m2_k",
    "spacecraft.thermal.conductance_w_per_k", "spacecraft.thermal.electronics_heat_capacity_j_per_k",
    "spacecraft.thermal.heater_setpoint_k", "spacecraft.thermal.shutdown_k", "spacecraft.thermal.heater_max_w",
    "workload.arrival_rate_per_h", "workload.median_runtime_h", "workload.work_sigma",
    "workload.deadline_slack", "workload.checkpoint_interval_s", "workload.accelerators.1",
    "workload.priorities.0",
    "scheduler.epoch_s", "scheduler.power_soc_margin", "scheduler.thermal_margin_k",
    "scheduler.migration_lead_s", "scheduler.migration_cost_s",
    "faults.mtbf_h", "faults.mean_repair_h", "faults.upset_rate_per_day", "faults.saa_upset_rate_per_day",
    "faults.upset_reboot_s", "faults.saa_center_lon_deg", "faults.saa_semi_axis_lat_deg",
    "faults.outages.0.start_s", "faults.outages.0.duration_s", "faults.outages.0.sats.0",
    "output.checkpoint_every_s", "output.flush_every_records",
]


@pytest.mark.parametrize("word", NONFINITE)
@pytest.mark.parametrize("key", FIELDS)
def test_nonfinite_values_are_refused_naming_the_field(key, word):
    message = rejection(set_dotted(every_section_config(), key, NONFINITE[word]))
    assert message == f"config: {key}: Input should be a finite number"


@pytest.mark.parametrize("word", NONFINITE)
@pytest.mark.parametrize("key", ["workload.deadline_slack", "workload.checkpoint_interval_s"])
def test_nonfinite_values_in_a_trace_workload_are_refused(key, word):
    message = rejection(set_dotted(trace_config(), key, NONFINITE[word]))
    assert message == f"config: {key}: Input should be a finite number"


@pytest.mark.parametrize("text", [".nan", ".inf", "-.inf", ".NaN", "+.inf", "1.0e400", "'inf'"])
def test_yaml_spellings_of_nonfinite_numbers_are_refused_from_the_command_line_overrides(text):
    with pytest.raises(ConfigError) as err:
        load_config(REPO / "configs" / "default.yaml", [f"spacecraft.battery.capacity_wh={text}"])
    assert str(err.value) == (f"{REPO / 'configs' / 'default.yaml'}: spacecraft.battery.capacity_wh: "
                              "Input should be a finite number")


# ---------------------------------------------------------------- ranges
OUT_OF_RANGE = [
    # (field, value, what the message says)
    ("simulation.dt_s", 0.01, "greater than or equal to 0.1"),
    ("simulation.sgp4_step_s", 3600, "less than or equal to 600"),
    ("simulation.duration_s", 200 * 365.25 * 86400, "less than or equal to"),
    ("simulation.seed", 2 ** 64, "less than or equal to"),
    ("constellation.0.altitude_km", 100, "greater than or equal to 150"),
    ("constellation.0.altitude_km", 400_000, "less than or equal to 50000"),     # the Moon
    ("constellation.1.altitude_km", 120, "greater than or equal to 150"),
    ("constellation.2.altitude_km", 60_000, "less than or equal to 50000"),
    ("constellation.2.radius_km", 5000, "less than or equal to 100"),
    ("constellation.0.raan0_deg", 1e300, "less than or equal to 360"),
    ("constellation.0.sats_per_plane", 10 ** 9, "less than or equal to 1000000"),
    ("constellation.3.max_satellites", 10 ** 9, "less than or equal to 1000000"),
    ("spacecraft.bus_power_w", 1e12, "less than or equal to"),
    ("spacecraft.solar_array.area_m2", 1e12, "less than or equal to"),           # 1e6 km^2
    ("spacecraft.solar_array.normal_body.0", 1e200, "less than or equal to"),
    ("spacecraft.solar_array.temp_coeff_per_k", -0.5, "greater than or equal to -0.01"),
    ("spacecraft.solar_array.cell_temp_k", 1.0, "greater than or equal to 2.7"),  # below the CMB
    ("spacecraft.solar_array.cell_temp_k", 5000, "less than or equal to 1000"),
    ("spacecraft.solar_array.age_years", 1e4, "less than or equal to 100"),
    ("spacecraft.battery.capacity_wh", 1e15, "less than or equal to"),
    ("spacecraft.battery.max_charge_c_rate_per_h", 1e4, "less than or equal to 100"),
    ("spacecraft.accelerator.peak_flops", 1e21, "less than or equal to 1000000000000000000"),
    ("spacecraft.accelerator.peak_power_w", 1e15, "less than or equal to"),
    ("spacecraft.accelerator.count", 10 ** 12, "less than or equal to 10000000"),
    ("spacecraft.radiator.area_m2", 1e300, "less than or equal to"),
    ("spacecraft.radiator.areal_heat_capacity_j_per_m2_k", 1e9, "less than or equal to"),
    ("spacecraft.thermal.initial_radiator_temp_k", 0.5, "greater than or equal to 2.7"),
    ("spacecraft.thermal.conductance_w_per_k", 1e15, "less than or equal to"),
    ("spacecraft.thermal.electronics_heat_capacity_j_per_k", 1e15, "less than or equal to"),
    ("spacecraft.thermal.heater_max_w", 1e12, "less than or equal to"),
    ("workload.arrival_rate_per_h", 1e9, "less than or equal to"),
    ("workload.work_sigma", 100, "less than or equal to 5"),
    ("workload.median_runtime_h", 1e300, "less than or equal to"),
    ("workload.deadline_slack", 1e12, "less than or equal to"),
    ("workload.checkpoint_interval_s", 1e12, "less than or equal to"),
    ("workload.accelerators.0", 10 ** 9, "less than or equal to 10000000"),
    ("workload.priorities.1", 2 ** 40, "less than 2147483648"),
    ("scheduler.epoch_s", 1e12, "less than or equal to"),
    ("scheduler.thermal_margin_k", 1e6, "less than or equal to 1000"),
    ("scheduler.migration_lead_s", 1e12, "less than or equal to"),
    ("faults.mtbf_h", 1e300, "less than or equal to"),
    ("faults.mean_repair_h", 1e300, "less than or equal to"),
    ("faults.upset_rate_per_day", 1e9, "less than or equal to 86400"),
    ("faults.upset_reboot_s", 1e300, "less than or equal to"),
    ("faults.saa_semi_axis_lon_deg", 400, "less than or equal to 180"),
    ("faults.outages.0.duration_s", 1e300, "less than or equal to"),
    ("output.checkpoint_every_s", 1e300, "less than or equal to"),
    ("output.flush_every_records", 10 ** 9, "less than or equal to"),
]


@pytest.mark.parametrize("key, value, says", OUT_OF_RANGE, ids=[f"{k}={v:g}" for k, v, _ in OUT_OF_RANGE])
def test_out_of_range_values_are_refused_naming_the_field(key, value, says):
    message = rejection(set_dotted(every_section_config(), key, value))
    assert len(message.splitlines()) == 1, message
    assert message.startswith(f"config: {key}: Input should be "), message
    assert says in message


IN_RANGE = [
    # published designs and textbook extremes that must stay valid
    ("constellation.0.altitude_km", 150),            # the lowest allowed orbit
    ("constellation.0.altitude_km", 35_786),         # GEO
    ("constellation.0.altitude_km", 50_000),
    ("constellation.2.radius_km", 100),
    ("constellation.0.raan0_deg", -360),
    ("spacecraft.solar_array.area_m2", 1.6e7),       # Starcloud's 5 GW array, ~4 km x 4 km
    ("spacecraft.radiator.area_m2", 63_200),         # Starcloud's 40 MW radiator in one piece
    ("spacecraft.accelerator.count", 57_160),        # 40 MW of H100s on one satellite
    ("spacecraft.battery.capacity_wh", 3e9),         # a 5 GW load through a 36 min eclipse
    ("spacecraft.battery.max_discharge_c_rate_per_h", 30),
    ("spacecraft.solar_array.cell_temp_k", 3),
    ("spacecraft.solar_array.temp_coeff_per_k", -0.0045),   # silicon
    ("spacecraft.accelerator.peak_flops", 1.8e16),  # NVIDIA B200, FP4 sparse
    ("workload.arrival_rate_per_h", 1e5),
    ("workload.work_sigma", 3),
    ("faults.mtbf_h", 2.5e6),
    ("faults.saa_upset_rate_per_day", 1000),
    ("simulation.dt_s", 1),
    ("simulation.sgp4_step_s", 600),
    ("simulation.seed", 2 ** 63 - 1),
]


@pytest.mark.parametrize("key, value", IN_RANGE, ids=[f"{k}={v:g}" for k, v in IN_RANGE])
def test_physically_sensible_extremes_stay_valid(key, value):
    cfg = set_dotted(every_section_config(), key, value)
    if key == "simulation.dt_s":
        cfg["simulation"]["sgp4_step_s"] = 120
    if key == "simulation.sgp4_step_s":
        cfg["simulation"]["dt_s"] = 60
        cfg["simulation"]["record_every_s"] = 60
    validate(cfg)


def test_the_expected_number_of_jobs_is_bounded_by_rate_times_duration():
    day = {"simulation.duration_s": 86_400}
    ok = small_config(**day, **{"workload.arrival_rate_per_h": 400_000})        # 9.6 million jobs
    assert validate(ok).workload.arrival_rate_per_h == 400_000
    too_many = small_config(**day, **{"workload.arrival_rate_per_h": 500_000})  # 12 million jobs
    message = rejection(too_many)
    assert len(message.splitlines()) == 1
    assert "workload.arrival_rate_per_h (500000) x simulation.duration_s (86400)" in message
    assert "12,000,000 expected jobs" in message
    # the same rate over a shorter run is fine: it is the count that is bounded, not the rate
    validate(small_config(**{"simulation.duration_s": 3600, "workload.arrival_rate_per_h": 500_000}))


@pytest.mark.parametrize("epoch, duration_s, says", [
    ("1850-01-01T00:00:00Z", 3600, "simulation.epoch_utc: 1850-01-01T00:00:00+00:00 is before 1899-07-30"),
    ("2060-01-01T00:00:00Z", 3600, "ends on 2060-01-01T01:00:00+00:00, after 2053-10-08"),
    ("2053-06-01T00:00:00Z", 365.25 * 86400, "ends on 2054-06-01"),
])
def test_the_run_must_lie_within_the_sun_ephemeris(epoch, duration_s, says):
    cfg = small_config(**{"simulation.epoch_utc": epoch, "simulation.duration_s": duration_s})
    message = rejection(cfg)
    assert len(message.splitlines()) == 1
    assert says in message and "DE421" in message


def test_runs_just_inside_the_ephemeris_are_valid():
    validate(small_config(**{"simulation.epoch_utc": "1899-07-30T00:00:00Z"}))
    validate(small_config(**{"simulation.epoch_utc": "2053-10-07T22:00:00Z"}))   # ends 2053-10-08


def test_a_shell_of_more_satellites_than_ever_filed_is_refused():
    cfg = set_dotted(every_section_config(), "constellation.0.planes", 2000)
    set_dotted(cfg, "constellation.0.sats_per_plane", 1000)
    message = rejection(cfg)
    assert message == ("config: constellation.0: planes x sats_per_plane (2,000,000) must not exceed "
                       "1,000,000 satellites")


# ---------------------------------------------------------------- shipped configs
SCENARIOS = sorted(REPO.glob("configs/*.yaml")) + sorted(
    p for p in REPO.glob("configs/sweeps/*.yaml") if "simulation" in yaml.safe_load(p.read_text()))
SWEEPS = sorted(p for p in REPO.glob("configs/sweeps/*.yaml") if p not in SCENARIOS)


def test_the_shipped_configs_are_all_found():
    assert len(SCENARIOS) >= 7 and len(SWEEPS) >= 2


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_shipped_scenario_is_valid(path):
    load_config(path)


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_member_of_every_shipped_sweep_is_valid(path):
    from twin.scaleout.spec import load_sweep, member_config

    sweep = load_sweep(path)
    for member in sweep.members:
        scenario_from_dict(member_config(sweep.base, sweep.spec, member), sweep.base_dir, member.id)


@pytest.mark.parametrize("preset", sorted(REPO.glob("configs/presets/*/*.yaml")), ids=lambda p: p.stem)
def test_every_preset_is_within_range(preset):
    from twin.config.sections import PRESET_KINDS
    from twin.config.thermal import COATING_FIELD, COATING_KIND

    cfg = small_config()
    if preset.parent.name == COATING_KIND:   # named in the radiator block: ``coating: NAME``
        cfg.setdefault("spacecraft", {})["radiator"] = {COATING_FIELD: preset.stem}
        validate(cfg)
        return
    where = {kind: place for place, kind in PRESET_KINDS.items()}[preset.parent.name]
    cfg = small_config()
    set_dotted(cfg, where, {"preset": preset.stem})
    validate(cfg)


# ---------------------------------------------------------------- sweeps
@pytest.mark.parametrize("word", NONFINITE)
@pytest.mark.parametrize("kind", ["uniform", "normal", "loguniform"])
def test_a_sweep_distribution_with_a_nonfinite_parameter_is_refused(tmp_path, kind, word):
    from twin.scaleout.spec import SweepError, load_sweep

    path = tmp_path / "sweep.yaml"
    text = {"nan": ".nan", "inf": ".inf", "-inf": "-.inf"}[word]
    path.write_text(f"name: s\nbase: {REPO / 'configs' / 'default.yaml'}\n"
                    f"samples: {{n: 2, params: {{spacecraft.bus_power_w: {{{kind}: [200, {text}]}}}}}}\n")
    with pytest.raises(SweepError) as err:
        load_sweep(path)
    assert f"samples.params.spacecraft.bus_power_w.{kind}.1: Input should be a finite number" in str(err.value)


def test_a_sweep_grid_value_out_of_range_fails_its_member_with_the_field_named(tmp_path):
    from twin.scaleout.spec import load_sweep, member_config

    path = tmp_path / "sweep.yaml"
    path.write_text(f"name: s\nbase: {REPO / 'configs' / 'default.yaml'}\n"
                    "grid: {spacecraft.radiator.area_m2: [4, .inf]}\n")
    sweep = load_sweep(path)
    outcomes = []
    for member in sweep.members:
        try:
            scenario_from_dict(member_config(sweep.base, sweep.spec, member), sweep.base_dir, "member")
            outcomes.append("valid")
        except ConfigError as err:
            outcomes.append(str(err))
    assert outcomes == ["valid", "member: spacecraft.radiator.area_m2: Input should be a finite number"]


# ---------------------------------------------------------------- command line
def test_validate_refuses_an_infinite_arrival_rate_in_one_line_with_exit_2():
    """An infinite rate draws zero gaps between jobs: the run would never end."""
    result = subprocess.run(
        [sys.executable, "-m", "twin", "validate", "configs/default.yaml",
         "--set", "workload.arrival_rate_per_h=.inf"],
        capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == ["twin: configs/default.yaml: workload.arrival_rate_per_h: Input should be a finite number"]
    assert result.stdout == ""
