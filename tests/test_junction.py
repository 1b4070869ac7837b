"""The accelerators' junction temperature (twin/kernels/junction.py, twin/config/junction.py):
the H100 preset's chain at TDP against the hand calculation and the derivation its sources give,
the closed-form throttle on the junction's ramp, the ledger's heat cause following the junction
limit, resume bit for bit with the junction limit on, and bad input."""
import subprocess
import sys

import h5py
import numpy as np
import pytest
import yaml

from conftest import REPO, small_config, stored
from test_ledger import SSO_NO_ECLIPSE, closes, run_cfg, saturated, stopped_and_resumed
from twin.config import load_config
from twin.config.junction import throttle_limits_k
from twin.engine.nodes import node_params
from twin.kernels.junction import hottest_accel_w, junction_temp_k, node_limits_k
from twin.kernels.step import step_demand, step_junction
from twin.kernels.thermal import thermal_throttle
from twin.output.reader import state_names

H100 = REPO / "configs" / "presets" / "accelerator" / "h100.yaml"
CELSIUS = 273.15


def h100_preset() -> dict:
    return yaml.safe_load(H100.read_text())


def scenario_with(**overrides):
    """configs/default.yaml with the H100 preset and ``overrides`` (dotted keys)."""
    return load_config(REPO / "configs" / "default.yaml",
                       ["spacecraft.accelerator.preset=h100", *(f"{k}={v}" for k, v in overrides.items())])


# ---------------------------------------------------------------------- the preset at TDP
def test_h100_junction_at_tdp_is_the_hand_calculation():
    """H100 SXM5 at its 700 W TDP over the preset's chain, coolant loop (the electronics node) at
    30 C: T_j = 30 C + 700 W x (0.0080 + 0.0098 + 0.0111) K/W = 30 + 20.23 = 50.23 C, by hand. The
    kernel adds the same numbers: 1e-9 K is rounding."""
    sc = scenario_with(**{"spacecraft.accelerator.thermal_limit": "junction"}).spacecraft
    p = node_params(sc)
    assert p.accel_peak_w == 700.0 and p.junction_r_k_per_w == pytest.approx(0.0289, abs=1e-15)
    t_node = 30.0 + CELSIUS
    by_hand = t_node + 700.0 * 0.0289
    assert by_hand - CELSIUS == pytest.approx(50.23, abs=1e-9)
    at_tdp = hottest_accel_w(4 * 700.0, 1.0, 4.0, p.accel_idle_w, p.accel_peak_w)
    assert at_tdp == 700.0
    assert abs(junction_temp_k(t_node, at_tdp, p.junction_r_k_per_w) - by_hand) < 1e-9
    assert abs(step_junction(t_node, 4 * 700.0, 1.0, 4.0, p) - by_hand) < 1e-9


def test_h100_chain_is_what_its_cited_sources_give():
    """NVIDIA publishes no H100 package resistances; the preset's are derived in its comments from
    cited inputs, re-derived here: die conduction t/(kA) (775 um, silicon 118.5 W/(m K) at 360 K,
    814 mm2), a 0.08 K cm2/W interface material and Tuckerman & Pease's 0.09 K cm2/W cold plate
    over the die. The preset quotes each to the fourth decimal: half a unit of it (5e-5 K/W, 0.035 K
    at 700 W) is the tolerance."""
    preset = h100_preset()
    area_m2 = 814e-6
    k_si = 148.0 + 0.6 * (98.9 - 148.0)   # linear between 300 K and 400 K, at 360 K
    assert k_si == pytest.approx(118.54)
    derived = {"junction_to_case_k_per_w": 775e-6 / (k_si * area_m2),
               "case_to_cold_plate_k_per_w": 0.08e-4 / area_m2,
               "cold_plate_to_coolant_k_per_w": 0.09e-4 / area_m2}
    for key, value in derived.items():
        assert abs(preset[key] - value) <= 5e-5, (key, preset[key], value)
    # the junction limits are NVML's 87 C (max operating) and 92 C (shutdown)
    assert preset["junction_throttle_k"] == pytest.approx(87 + CELSIUS)
    assert preset["junction_shutdown_k"] == pytest.approx(92 + CELSIUS)
    # Latif et al. (2025) measured liquid-cooled H100s under load at 41-50 C: with this chain at
    # 700 W that is coolant at 21-30 C, inside ASHRAE's W17-W32 supply classes (a plausibility
    # bound on the chain, not a calibration: the paper gives no coolant temperature)
    chain = sum(derived.values())
    assert 17.0 <= 50.0 - 700.0 * chain <= 32.0


def test_section_defaults_are_the_h100_preset():
    """The section's defaults are the H100 preset's values, so a config without a preset gets the
    preset's sourced chain (one set of numbers, two places: this keeps them equal)."""
    default = load_config(REPO / "configs" / "default.yaml").spacecraft.accelerator
    for key, value in h100_preset().items():
        if key in ("junction_to_case_k_per_w", "case_to_cold_plate_k_per_w", "cold_plate_to_coolant_k_per_w",
                   "junction_throttle_k", "junction_shutdown_k"):
            assert getattr(default, key) == value, key
    assert default.thermal_limit == "electronics"


# ---------------------------------------------------------------------- the closed form
def fixed_point_throttle(t_node, r, idle, peak, tj0, tjs) -> float:
    """The reference: the throttle x in [0, 1] with x = clip((T_js - T_j(x)) / (T_js - T_j0)),
    T_j(x) = T_node + R (P_idle + (P_peak - P_idle) x), by bisection on the decreasing
    g(x) = clip(...) - x (60 halvings: 1e-18)."""
    def g(x):
        tj = t_node + r * (idle + (peak - idle) * x)
        return min(1.0, max(0.0, (tjs - tj) / (tjs - tj0))) - x
    lo, hi = 0.0, 1.0
    if g(hi) >= 0.0:
        return 1.0
    if g(lo) <= 0.0:
        return 0.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if g(mid) > 0.0 else (lo, mid)
    return 0.5 * (lo + hi)


@pytest.mark.parametrize("r, idle, peak, tj0, tjs", [
    (0.0289, 80.0, 700.0, 360.15, 365.15),      # default section: the H100 chain and limits
    (0.0289, 50.0, 200.0, 360.15, 365.15),      # tpu_v5e preset
    (0.1, 0.0, 1000.0, 350.0, 350.01),          # a hard limit: the ramp is 0.01 K wide
    (0.0, 80.0, 700.0, 358.15, 378.15),         # no chain: the electronics limit itself
])
def test_closed_form_throttle_puts_the_junction_on_its_ramp(r, idle, peak, tj0, tjs):
    """Over node temperatures across the whole ramp: the node kernel's throttle (thermal_throttle
    between node_limits_k's node temperatures) is the fixed point of the junction's own ramp
    (1e-12: the bisection's and the division's rounding); while it throttles, a busy accelerator's
    junction sits on the ramp, T_j = T_js - x (T_js - T_j0), to 1e-9 K (rounding of ~360 K
    sums); below it T_j <= T_j0, and at 0 an idle junction is at or over T_js."""
    start, stop = node_limits_k(r, idle, peak, tj0, tjs)
    assert start < stop
    for t_node in np.linspace(start - 5.0, stop + 5.0, 401):
        x = thermal_throttle(t_node, start, stop)
        assert abs(x - fixed_point_throttle(t_node, r, idle, peak, tj0, tjs)) < 1e-12, t_node
        tj = t_node + r * (idle + (peak - idle) * x)
        if 0.0 < x < 1.0:
            assert abs(tj - (tjs - x * (tjs - tj0))) < 1e-9, t_node
            assert tj0 - 1e-9 <= tj <= tjs + 1e-9
        elif x == 1.0:
            assert tj <= tj0 + 1e-9
        else:
            assert t_node + r * idle >= tjs - 1e-9


def test_step_demand_throttles_on_the_junction_only_when_asked():
    """With thermal_limit electronics the node kernel's limits are spacecraft.thermal's, bit for bit
    (runs without the junction limit stay as they were); with junction they are the node
    temperatures of the closed form, and step_demand's throttle is Eq. (3) of
    twin/kernels/junction.py."""
    plain = load_config(REPO / "configs" / "default.yaml").spacecraft
    p = node_params(plain)
    assert (p.throttle_start_k, p.shutdown_k) == (plain.thermal.throttle_start_k, plain.thermal.shutdown_k)
    sc = load_config(REPO / "configs" / "default.yaml", ["spacecraft.accelerator.thermal_limit=junction"]).spacecraft
    p = node_params(sc)
    acc = sc.accelerator
    r = acc.chain_k_per_w
    assert (p.throttle_start_k, p.shutdown_k) == throttle_limits_k(sc)
    assert p.throttle_start_k == pytest.approx(acc.junction_throttle_k - r * acc.peak_power_w, abs=1e-12)
    assert p.shutdown_k == pytest.approx(acc.junction_shutdown_k - r * acc.idle_power_w, abs=1e-12)
    for t_node in (330.0, 345.0, 350.0, 355.0, 362.0, 370.0):
        x, _ = step_demand(t_node, p.n_accel, 2.0, p)
        eq3 = (acc.junction_shutdown_k - t_node - r * acc.idle_power_w) / (
            acc.junction_shutdown_k - acc.junction_throttle_k + r * (acc.peak_power_w - acc.idle_power_w))
        assert x == pytest.approx(min(1.0, max(0.0, eq3)), abs=1e-12), t_node



@pytest.mark.parametrize("cap", [1.0, 0.8, 0.6])
def test_under_a_power_cap_the_junction_ramp_starts_at_the_capped_power(cap):
    """A capped busy accelerator at full throttle draws cap x peak, so its junction reaches T_j0 at
    a node R (1 - cap) peak warmer than an uncapped one: step_demand's throttle with the capped peak
    is the fixed point of the junction's ramp for that power (1e-12, as above), across the ramp;
    with the electronics limit the cap leaves the node's own ramp as it is."""
    sc = load_config(REPO / "configs" / "default.yaml", ["spacecraft.accelerator.thermal_limit=junction"]).spacecraft
    p, acc = node_params(sc), sc.accelerator
    r, idle, capped = acc.chain_k_per_w, acc.idle_power_w, cap * acc.peak_power_w
    start, stop = node_limits_k(r, idle, capped, acc.junction_throttle_k, acc.junction_shutdown_k)
    for t_node in np.linspace(start - 5.0, stop + 5.0, 201):
        x, _ = step_demand(t_node, p.n_accel, 2.0, p, capped)
        expected = fixed_point_throttle(t_node, r, idle, capped, acc.junction_throttle_k, acc.junction_shutdown_k)
        assert abs(x - expected) < 1e-12, (cap, t_node)
    plain = node_params(load_config(REPO / "configs" / "default.yaml").spacecraft)
    for t_node in (330.0, 350.0, 355.0, 362.0):
        assert step_demand(t_node, plain.n_accel, 2.0, plain, capped)[0] == step_demand(t_node, plain.n_accel, 2.0,
                                                                                         plain)[0]


def test_thermal_aware_scheduler_keeps_clear_of_the_junction_limit():
    from twin.ops.policy_choice import make_policy

    scenario = scenario_with(**{"spacecraft.accelerator.thermal_limit": "junction", "scheduler.policy": "thermal_aware"})
    acc = scenario.spacecraft.accelerator
    policy = make_policy(scenario.scheduler, scenario.spacecraft)
    expected = acc.junction_throttle_k - acc.chain_k_per_w * acc.peak_power_w - scenario.scheduler.thermal_margin_k
    assert policy.params.thermal_limit_k == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("limit", ["junction", "electronics"])
def test_thermal_aware_scheduler_reads_a_fixed_power_cap(limit):
    """Under a fixed cap a busy accelerator draws cap x peak: its steady heat is (cap x peak − idle)
    through the same path, and with the junction limit its throttle starts R·peak·(1 − cap)
    higher in node temperature (the kernel's step_demand); with the electronics limit it does
    not move. Exact to rounding (1e-9 K): the same arithmetic as make_policy, written out."""
    from twin.constants import STEFAN_BOLTZMANN_W_M2_K4
    from twin.ops.policy_choice import make_policy

    cap = 0.6
    plain = scenario_with(**{"spacecraft.accelerator.thermal_limit": limit, "scheduler.policy": "thermal_aware"})
    capped = scenario_with(**{"spacecraft.accelerator.thermal_limit": limit, "scheduler.policy": "thermal_aware",
                              "spacecraft.accelerator.power_cap_fraction": cap})
    sc, acc = capped.spacecraft, capped.spacecraft.accelerator
    before = make_policy(plain.scheduler, plain.spacecraft).params
    after = make_policy(capped.scheduler, sc).params
    raised_k = acc.chain_k_per_w * acc.peak_power_w * (1 - cap) if limit == "junction" else 0.0
    assert after.thermal_limit_k - before.thermal_limit_k == pytest.approx(raised_k, abs=1e-9)
    rad = sc.radiator
    radiating_w_per_k = (4 * rad.emissivity * STEFAN_BOLTZMANN_W_M2_K4 * after.thermal_limit_k ** 3
                         * rad.area_m2 * rad.sides)
    heat_k = (cap * acc.peak_power_w - acc.idle_power_w) * (1 / sc.thermal.conductance_w_per_k + 1 / radiating_w_per_k)
    assert after.heat_per_accel_k == pytest.approx(heat_k, abs=1e-9)
    assert after.heat_per_accel_k < before.heat_per_accel_k


# ---------------------------------------------------------------------- whole runs
# a dawn-dusk orbit in January (no eclipse), power to spare, every accelerator busy, a radiator
# that holds the loop near 350 K at full load: under the electronics limit (throttling from
# 358.15 K) nothing throttles, while the H100's junctions (87 C from a loop at 339.9 K) must
RADIATOR_M2 = 2.6


def full_sun_runs(tmp_path, limit):
    cfg = saturated(tmp_path, **{"simulation.epoch_utc": "2026-01-10T00:00:00Z",
                                 "spacecraft.battery.capacity_wh": 50_000, "spacecraft.solar_array.area_m2": 60,
                                 "spacecraft.radiator.area_m2": RADIATOR_M2,
                                 "spacecraft.accelerator.preset": "h100",
                                 "spacecraft.accelerator.thermal_limit": limit})
    cfg["constellation"] = [SSO_NO_ECLIPSE]
    return run_cfg(cfg, tmp_path, limit)


def test_heat_follows_the_junction_limit_and_the_ledger_closes(tmp_path):
    """The same loop, two limits. Electronics: the loop stays under 358.15 K, no heat loss, but the
    junctions run past their 92 C shutdown (what the old limit never saw). Junction: heat takes
    its share, the ledger still closes to 1e-9, and the recorded junction temperature (a record
    mean) stays on or under the ramp: at most T_js, and, once throttling settles, within the
    ramp's 5 K of T_j0."""
    summaries, files = {}, {}
    for limit in ("electronics", "junction"):
        summaries[limit], files[limit] = full_sun_runs(tmp_path, limit)
        closes(summaries[limit], files[limit], 4)
    old, new = summaries["electronics"], summaries["junction"]
    assert old["lost_heat_accel_h"] == 0.0
    assert new["lost_heat_accel_h"] > 0.0 and new["limiting_factor"] == "heat"
    assert new["lost_heat_accel_h"] <= 4 * (new["node_hours_throttled"] + new["node_hours_thermal_shutdown"]) + 1e-9
    tjs, tj0 = 92 + CELSIUS, 87 + CELSIUS
    with h5py.File(files["electronics"], "r") as f:
        assert f["electronics_temp_k"][...].max() < 358.15
        assert f["t_junction_k"][...].max() > tjs
        assert f["t_junction_k"].attrs["units"] == "K" and f["t_junction_k"].attrs["cell_methods"] == "time: mean"
    with h5py.File(files["junction"], "r") as f:
        tj = f["t_junction_k"][...].astype(np.float64)
        throttle = f["throttle"][...].astype(np.float64)
    # float32 storage: 3e-5 K at 365 K
    assert tj.max() <= tjs + 1e-4
    late = slice(tj.shape[0] // 2, None)   # the loop has settled on the ramp
    assert np.all(throttle[late] < 1.0) and np.all(tj[late] >= tj0 - 0.5)


def test_resume_with_the_junction_limit_equals_an_uninterrupted_run(tmp_path, monkeypatch):
    cfg = small_config(**{"spacecraft.accelerator.thermal_limit": "junction", "spacecraft.radiator.area_m2": 2.0,
                          "workload.arrival_rate_per_h": 30, "output.checkpoint_every_s": 1800,
                          "simulation.duration_s": 4 * 3600})
    whole = stopped_and_resumed(cfg, tmp_path, monkeypatch)
    names = ["time", "jobs", "events", "ledger", "ledger_total"]
    with h5py.File(whole, "r") as a, h5py.File(tmp_path / "parts.h5", "r") as b:
        assert "t_junction_k" in state_names(a)
        assert stored(a, names + state_names(a)) == stored(b, names + state_names(a))
        assert a["throttle"][...].min() < 1.0   # the junction limit acted


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize("setting, message", [
    ("spacecraft.accelerator.junction_throttle_k=365.15",
     "spacecraft.accelerator: junction_throttle_k (365.15) must be below junction_shutdown_k (365.15)"),
    ("spacecraft.accelerator.junction_throttle_k=380",
     "spacecraft.accelerator: junction_throttle_k (380.0) must be below junction_shutdown_k (365.15)"),
    ("spacecraft.accelerator.cold_plate_to_coolant_k_per_w=-0.01",
     "spacecraft.accelerator.cold_plate_to_coolant_k_per_w: Input should be greater than or equal to 0"),
    ("spacecraft.accelerator.thermal_limit=case",
     "spacecraft.accelerator.thermal_limit: Input should be 'electronics' or 'junction'"),
])
def test_bad_junction_input_is_one_line_and_exit_2(setting, message):
    result = subprocess.run([sys.executable, "-m", "twin", "validate", "configs/default.yaml", "--set", setting],
                            capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [f"twin: configs/default.yaml: {message}"]
    assert result.stdout == ""
