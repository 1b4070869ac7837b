"""The mass budget and the cost of a delivered accelerator-hour (twin/economics/)."""
import math
import subprocess
import sys

import pytest

from conftest import REPO, small_config
from twin.config import scenario_from_dict
from twin.constants import SECONDS_PER_YEAR, SOLAR_CONSTANT_W_M2
from twin.economics.cost import annuity_factor, cost_of_run
from twin.economics.mass import PARTS, mass_budget


def scenario(**overrides):
    return scenario_from_dict(small_config(**overrides), REPO / "configs", "test")


# a year-long run's /summary as cost_of_run reads it: 8 satellites x 4 accelerators, 60 % delivered
SUMMARY = {"n_satellites": 8, "simulated_s": SECONDS_PER_YEAR, "delivered_accel_h": 0.6 * 32 * 8766.0,
           "node_failures": 2, "limiting_factor": "scheduling", "energy_solar_wh": 5e7}


def test_the_mass_budget_sums_its_parts_by_hand():
    s = scenario(**{"links.topology": "+grid"})
    m, sc = s.economics.mass, s.spacecraft
    parts = mass_budget(sc, s.links, m)
    array_w = sc.solar_array.area_m2 * SOLAR_CONSTANT_W_M2 * sc.solar_array.cell_efficiency * sc.solar_array.packing_factor
    by_hand = {"solar_array": array_w / m.solar_array_w_per_kg, "radiator": sc.radiator.area_m2 * m.radiator_kg_per_m2,
               "battery": sc.battery.capacity_wh / m.battery_wh_per_kg,
               "servers": sc.accelerator.count * m.server_kg_per_accelerator,
               "shielding": sc.accelerator.count * m.shielded_m2_per_accelerator * m.shielding_kg_per_m2,
               "terminals": 4 * m.terminal_kg}
    for part in PARTS:
        assert parts[part] == pytest.approx(by_hand[part], rel=1e-12), part
    dry = sum(by_hand.values()) / (1 - m.structure_fraction)
    assert parts["structure"] == pytest.approx(dry - sum(by_hand.values()), rel=1e-12)
    assert parts["total"] == pytest.approx(dry / (1 - m.propellant_fraction), rel=1e-12)
    assert parts["total"] == pytest.approx(sum(parts[p] for p in PARTS + ("structure", "propellant")), rel=1e-12)
    assert mass_budget(sc, scenario().links, m)["terminals"] == 0.0   # no links, no terminals


def test_cost_rises_with_the_launch_price_and_falls_with_delivered_work():
    prices = [0.0, 100.0, 1000.0, 3000.0, 10000.0]
    costs = [cost_of_run(scenario(**{"economics.launch.usd_per_kg": p}), SUMMARY)["cost_per_delivered_accel_h_usd"]
             for p in prices]
    assert all(a < b for a, b in zip(costs, costs[1:]))
    s = scenario()
    by_work = [cost_of_run(s, {**SUMMARY, "delivered_accel_h": f * SUMMARY["delivered_accel_h"]})
               ["cost_per_delivered_accel_h_usd"] for f in (0.25, 0.5, 1.0)]
    assert by_work[0] > by_work[1] > by_work[2]
    # twice the work, half the cost per hour: costs do not depend on the work delivered
    assert by_work[1] == pytest.approx(2 * by_work[2], rel=1e-12)


def test_at_the_breakeven_launch_price_orbit_costs_what_the_ground_does():
    summary = {**SUMMARY, "node_failures": 0}
    for rate in (0.0, 0.08):
        s = scenario(**{"economics.discount_rate": rate, "economics.accelerator_usd": 5000.0,
                        "economics.bus_usd_per_w": 1.0})
        price = cost_of_run(s, summary)["breakeven_launch_usd_per_kg"]
        assert price > 0   # cheap hardware: some launch price breaks even
        at = cost_of_run(scenario(**{"economics.discount_rate": rate, "economics.accelerator_usd": 5000.0,
                                     "economics.bus_usd_per_w": 1.0, "economics.launch.usd_per_kg": price}), summary)
        assert at["cost_per_delivered_accel_h_usd"] == pytest.approx(at["ground_cost_per_accel_h_usd"], rel=1e-6)


def test_launches_are_counted_and_the_levelised_cost_matches_the_capital_recovery_factor():
    s = scenario(**{"economics.discount_rate": 0.07, "economics.mission_life_years": 6.0,
                    "economics.replace_failures": False, "economics.operations_usd_per_year": 1e6,
                    "economics.accelerator_failures_per_year": 0.0})
    c = cost_of_run(s, SUMMARY)
    eco = s.economics
    assert c["n_launches"] == math.ceil(c["mass_kg"] / eco.launch.payload_kg)
    assert c["launch_cost_usd"] == pytest.approx(c["mass_kg"] * eco.launch.usd_per_kg, rel=1e-12)
    assert (c["n_launches"] - 1) * eco.launch.payload_kg < c["mass_kg"] <= c["n_launches"] * eco.launch.payload_kg
    crf = 0.07 / (1 - 1.07 ** -6)
    assert 1 / annuity_factor(0.07, 6.0) == pytest.approx(crf, rel=1e-12)
    capital = c["launch_cost_usd"] + c["hardware_cost_usd"]
    yearly = capital * crf + eco.operations_usd_per_year
    assert c["cost_per_delivered_accel_h_usd"] == pytest.approx(yearly / SUMMARY["delivered_accel_h"], rel=1e-9)


def test_failures_are_replaced_yearly():
    base = cost_of_run(scenario(), {**SUMMARY, "node_failures": 0})
    more = cost_of_run(scenario(), {**SUMMARY, "node_failures": 4})
    assert more["replacements_per_year"] == pytest.approx(4.0)
    assert more["cost_pv_usd"] > base["cost_pv_usd"]


@pytest.mark.parametrize("setting, words", [
    ("economics.launch.usd_per_kg=-5", "economics.launch.usd_per_kg"),
    ("economics.launch.preset=unobtainium", "economics.launch.preset: no preset 'unobtainium'"),
    ("economics.mass.preset=unobtainium", "economics.mass.preset: no preset 'unobtainium'"),
])
def test_bad_economics_input_is_one_line_and_exit_2(tmp_path, setting, words):
    out = tmp_path / "out.h5"
    p = subprocess.run([sys.executable, "-m", "twin", "run", str(REPO / "configs/default.yaml"), "-o", str(out),
                        "-q", "--set", setting], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert p.returncode == 2, p.stderr
    assert words in p.stderr and "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_twin_cost_recomputes_a_finished_run_with_other_inputs(tmp_path):
    from twin.cli.cost import recost
    from twin.engine.simulation import run

    cfg = small_config(**{"simulation.duration_s": 3600})
    out = tmp_path / "run.h5"
    summary = run(scenario_from_dict(cfg, REPO / "configs", "test"), out, log=lambda message: None)
    same = recost(out)
    for key, value in same.items():
        if key.startswith("solar_"):   # twin cost adds the orbit-against-ground array yields
            continue
        assert value == pytest.approx(summary[key], rel=1e-12, nan_ok=True), key
    assert same["solar_ratio_per_m2_dc"] == pytest.approx(
        same["solar_orbit_kwh_per_m2_year"] / same["solar_ground_dc_kwh_per_m2_year"], rel=1e-12)
    cheap = recost(out, ["economics.launch.preset=starship_target"])
    assert cheap["cost_per_delivered_accel_h_usd"] < same["cost_per_delivered_accel_h_usd"]
    assert cheap["n_launches"] == 1 and cheap["launch_cost_usd"] == pytest.approx(cheap["mass_kg"] * 67.0, rel=1e-12)
    p = subprocess.run([sys.executable, "-m", "twin", "cost", str(out), "--set", "simulation.seed=3"], cwd=REPO,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "only economics" in p.stderr


def test_the_present_cost_is_the_sum_of_its_parts():
    c = cost_of_run(scenario(**{"economics.operations_usd_per_year": 2e6, "economics.nonrecurring_usd": 5e7}),
                    SUMMARY)
    parts = ("launch_cost_usd", "hardware_cost_usd", "nonrecurring_cost_usd", "operations_pv_usd",
             "replacements_pv_usd")
    assert sum(c[p] for p in parts) == pytest.approx(c["cost_pv_usd"], rel=1e-12)
    ground = ("ground_capex_usd", "ground_accelerators_usd", "ground_energy_pv_usd")
    assert sum(c[p] for p in ground) == pytest.approx(c["ground_cost_pv_usd"], rel=1e-12)


def test_worn_accelerators_and_faded_batteries_are_replaced_yearly():
    """A year in which batteries lose 2 % of capacity reach 80 % in 10 years: 0.1 of each
    satellite's battery a year; accelerators at 0.061 a year each (Meta's Llama 3 fleet)."""
    s = scenario(**{"economics.replace_failures": False})
    fresh = cost_of_run(s, {**SUMMARY, "battery_capacity_end_fraction": 1.0})
    faded = cost_of_run(s, {**SUMMARY, "battery_capacity_end_fraction": 0.98})
    assert fresh["battery_replacements_per_year"] == 0.0
    assert faded["battery_replacements_per_year"] == pytest.approx(8 * 0.02 / 0.2, rel=1e-12)
    assert faded["accelerator_replacements_per_year"] == pytest.approx(8 * 4 * 0.061, rel=1e-12)
    eco = s.economics
    annuity = annuity_factor(eco.discount_rate, eco.mission_life_years)
    battery_kg = s.spacecraft.battery.capacity_wh / eco.mass.battery_wh_per_kg
    extra = annuity * faded["battery_replacements_per_year"] * (
        s.spacecraft.battery.capacity_wh / 1000 * eco.battery_usd_per_kwh + battery_kg * eco.launch.usd_per_kg)
    assert faded["replacements_pv_usd"] - fresh["replacements_pv_usd"] == pytest.approx(extra, rel=1e-9)


def test_radiation_dose_follows_the_published_table_and_ends_accelerators_life():
    from twin.economics.radiation import dose_krad_per_year, replacements_per_year

    from twin.kernels.dose import sun_synchronous_inclination_deg as sso

    # the table's own points (McDonald, Orbital-Datacenters README), sun-synchronous at the
    # inclination of their altitude: exact
    assert dose_krad_per_year(700.0, float(sso(700.0))) == pytest.approx(0.70, rel=1e-12)
    assert dose_krad_per_year(1200.0, 30.0) == pytest.approx(6.57, rel=1e-12)
    # log-linear between 500 and 700 km: the geometric mean at 600 km
    assert dose_krad_per_year(600.0, float(sso(600.0))) == pytest.approx(math.sqrt(0.38 * 0.70), rel=1e-12)
    # held at the 500 km values below them, linear in inclination between 30 deg and sun-synchronous
    w = (53.0 - 30.0) / (float(sso(500.0)) - 30.0)
    assert dose_krad_per_year(400.0, 53.0) == pytest.approx((1 - w) * 0.18 + w * 0.38, rel=1e-12)
    # 2 krad at 0.70 krad/yr: replaced at 2.86 and 5.71 years; in 5 years, once
    assert replacements_per_year(0.70, 2.0, 5.0) == pytest.approx(1 / 5.0)
    assert replacements_per_year(0.70, 2.0, 6.0) == pytest.approx(2 / 6.0)
    assert replacements_per_year(0.70, 0.0, 5.0) == 0.0
    s = scenario(**{"economics.accelerator_failures_per_year": 0.0})
    at_650 = cost_of_run(s, {**SUMMARY, "altitude_km_mean": 650.0, "inclination_deg_mean": 98.0})
    assert at_650["radiation_replacements_per_year"] == pytest.approx(8 * 4 * replacements_per_year(
        dose_krad_per_year(650.0, 98.0), 2.0, s.economics.mission_life_years), rel=1e-12)


@pytest.mark.parametrize("breakeven, says", [(1234.4, "break-even launch price $1,234/kg"),
                                             (-353.0, "break-even launch price none (orbit costs more even with free launch)"),
                                             (float("nan"), "break-even launch price n/a")])
def test_the_terminal_line_reads_a_negative_break_even_price_as_none(breakeven, says):
    """The stored price may be negative (orbit loses even with free launch: docs/schema.md); the
    terminal line says so in words rather than printing a negative price."""
    from twin.economics.cost import cost_line

    costs = {"cost_per_delivered_accel_h_usd": 14.95, "ground_cost_per_accel_h_usd": 1.36, "launch_share": 0.81,
             "n_launches": 1, "mass_kg": 10100.0, "breakeven_launch_usd_per_kg": breakeven}
    assert cost_line(costs).endswith(says)
