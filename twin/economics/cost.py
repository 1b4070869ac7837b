"""What each delivered accelerator-hour of a run costs over a mission, and against the ground.

From a run's ``/summary`` (its ledger's ``delivered``, node failures, energies) and its scenario:

- **Mass and launch**: the satellite's mass budget (:mod:`twin.economics.mass`); the constellation
  takes ``n_launches`` launches of ``economics.launch.payload_kg`` and pays ``usd_per_kg`` for
  each kg it launches (a part-filled last launch is shared, as a rideshare would be).
- **Capital**: launch + hardware (accelerators at ``accelerator_usd``, the rest of the satellite
  at ``bus_usd_per_w`` of its array's beginning-of-life power) + non-recurring.
- **Yearly**: operations; with ``replace_failures`` the satellites that fail at the run's rate
  (its ``node_failures`` per simulated year), rebuilt and launched at the per-kg price; the
  accelerators that fail or wear out (``accelerator_failures_per_year``) or reach their radiation
  tolerance at the run's dose (:mod:`twin.economics.radiation`), with their servers' mass;
  and batteries, when the capacity fade the run shows reaches ``battery_eol_fraction``.
- **Work**: the run's delivered accelerator-hours per year; where power limits the run it falls
  each year by the array's ``degradation_per_year`` (the run measures one stretch of the life).
- **Levelised cost**: present value of the costs over the present value of the work, both
  discounted at ``discount_rate`` over ``mission_life_years`` (year-end payments; with no
  degradation this is capital x capital recovery factor + yearly costs, over yearly work).
- **Ground**: the same accelerators and the same delivered work in a data centre: capital per kW
  of IT plus the accelerators, electricity at the PUE for the hours they deliver (peak power) and
  idle (idle power).
- **Break-even launch price**: the orbit's present cost is linear in the launch price, so the
  price at which it equals the ground's is exact (negative: orbit loses even with free launch).
"""
from __future__ import annotations

import math

from twin.constants import SECONDS_PER_DAY, SECONDS_PER_HOUR, SECONDS_PER_YEAR
from twin.economics.mass import array_power_w, mass_budget
from twin.economics.radiation import dose_krad_per_year, replacements_per_year

W_PER_KW = 1000.0
FLOP_PER_PFLOP = 1e15


def annuity_factor(rate: float, years: float) -> float:
    """Present value of 1 a year at each year's end for ``years`` years at ``rate`` [year]: the
    inverse of the capital recovery factor r / (1 − (1 + r)^−n)."""
    if rate == 0.0:
        return years
    return (1.0 - (1.0 + rate) ** -years) / rate


def decaying_annuity_factor(rate: float, years: float, decay: float) -> float:
    """Present value of a yearly flow that starts at 1 and falls by ``decay`` each year [year]."""
    q = (1.0 - decay) / (1.0 + rate)
    if abs(1.0 - q) < 1e-12:
        return years / (1.0 + rate)
    return (1.0 - q ** years) / ((1.0 + rate) * (1.0 - q))


def cost_of_run(scenario, summary: dict) -> dict:
    """The economics of a run: /summary keys (see docs/economics.md) from its scenario and the
    run's summary values (``n_satellites``, ``simulated_s``, ``delivered_accel_h``,
    ``node_failures``, ``limiting_factor``, ``energy_solar_wh``)."""
    eco, sc = scenario.economics, scenario.spacecraft
    launch, ground = eco.launch, eco.ground
    n_sats = float(summary["n_satellites"])
    run_years = summary["simulated_s"] / SECONDS_PER_YEAR
    parts = mass_budget(sc, scenario.links, eco.mass)
    sat_kg = parts["total"]
    mass_kg = n_sats * sat_kg
    n_launches = math.ceil(mass_kg / launch.payload_kg - 1e-9) if mass_kg > 0 else 0
    launched_kg = mass_kg
    array_w = array_power_w(sc.solar_array)
    accel = sc.accelerator
    hardware_per_sat = accel.count * eco.accelerator_usd + eco.bus_usd_per_w * array_w
    failures_per_year = (summary.get("node_failures", 0) / run_years
                         if eco.replace_failures and run_years > 0 else 0.0)
    # wear-out: accelerators at their failure rate; batteries when the run's fade reaches end of life
    if "dose_rate_krad_per_year_mean" in summary:   # the run's own (twin/ops/radiation.py)
        dose = summary["dose_rate_krad_per_year_mean"]
    elif "altitude_km_mean" in summary:
        dose = dose_krad_per_year(summary["altitude_km_mean"], summary["inclination_deg_mean"],
                                  scenario.radiation.shielding_mm_al)
    else:
        dose = 0.0
    radiation_rate = replacements_per_year(dose, eco.radiation_tolerance_krad, eco.mission_life_years)
    accel_per_year = n_sats * accel.count * (eco.accelerator_failures_per_year + radiation_rate)
    fade_per_year = (max(0.0, 1.0 - summary.get("battery_capacity_end_fraction", 1.0)) / run_years
                     if run_years > 0 else 0.0)
    batteries_per_year = n_sats * fade_per_year / (1.0 - eco.battery_eol_fraction)
    battery_kwh = sc.battery.capacity_wh / W_PER_KW

    years, rate = eco.mission_life_years, eco.discount_rate
    annuity = annuity_factor(rate, years)
    decay = sc.solar_array.degradation_per_year if summary.get("limiting_factor") == "power" else 0.0
    delivered_per_year = summary["delivered_accel_h"] / run_years if run_years > 0 else 0.0
    pv_delivered_h = delivered_per_year * decaying_annuity_factor(rate, years, decay)

    # present cost = fixed + per_usd_per_kg x launch price
    operations_pv = annuity * eco.operations_usd_per_year
    replacement_hw_pv = annuity * (failures_per_year * hardware_per_sat + accel_per_year * eco.accelerator_usd
                                   + batteries_per_year * battery_kwh * eco.battery_usd_per_kwh)
    replaced_kg_per_year = (failures_per_year * sat_kg + accel_per_year * eco.mass.server_kg_per_accelerator
                            + batteries_per_year * parts["battery"])
    fixed = n_sats * hardware_per_sat + eco.nonrecurring_usd + operations_pv + replacement_hw_pv
    per_usd_per_kg = launched_kg + annuity * replaced_kg_per_year
    launch_pv = per_usd_per_kg * launch.usd_per_kg
    orbit_pv = fixed + launch_pv

    it_kw = n_sats * accel.count * accel.peak_power_w / W_PER_KW
    capacity_h_per_year = n_sats * accel.count * SECONDS_PER_YEAR / SECONDS_PER_HOUR
    idle_h = max(capacity_h_per_year - delivered_per_year, 0.0)
    ground_kwh_per_year = ground.pue * (delivered_per_year * accel.peak_power_w + idle_h * accel.idle_power_w) / W_PER_KW
    ground_parts = {"ground_capex_usd": it_kw * ground.capex_usd_per_kw,
                    "ground_accelerators_usd": n_sats * accel.count * eco.accelerator_usd,
                    "ground_energy_pv_usd": annuity * ground_kwh_per_year * ground.electricity_usd_per_kwh}
    ground_pv = sum(ground_parts.values())

    per_h = orbit_pv / pv_delivered_h if pv_delivered_h > 0 else math.inf
    ground_per_h = ground_pv / pv_delivered_h if pv_delivered_h > 0 else math.inf
    accel_h_per_pflop_day = FLOP_PER_PFLOP * SECONDS_PER_DAY / (accel.peak_flops * SECONDS_PER_HOUR)
    array_m2 = n_sats * sc.solar_array.area_m2
    solar_kwh_per_year = summary.get("energy_solar_wh", 0.0) / W_PER_KW / run_years if run_years > 0 else 0.0
    costs = {
        "mass_kg_per_satellite": sat_kg,
        **{f"mass_{part}_kg_per_satellite": kg for part, kg in parts.items() if part not in ("total", "dry")},
        "mass_kg": mass_kg,
        "n_launches": n_launches,
        "launch_cost_usd": launched_kg * launch.usd_per_kg,
        "hardware_cost_usd": n_sats * hardware_per_sat,
        "nonrecurring_cost_usd": eco.nonrecurring_usd,
        "operations_pv_usd": operations_pv,
        "replacements_pv_usd": replacement_hw_pv + annuity * replaced_kg_per_year * launch.usd_per_kg,
        "cost_pv_usd": orbit_pv,
        "launch_share": launch_pv / orbit_pv if orbit_pv > 0 else math.nan,
        "replacements_per_year": failures_per_year,
        "accelerator_replacements_per_year": accel_per_year,
        "radiation_dose_krad_per_year": dose,
        "radiation_replacements_per_year": n_sats * accel.count * radiation_rate,
        "battery_replacements_per_year": batteries_per_year,
        "delivered_accel_h_per_year": delivered_per_year,
        "cost_per_delivered_accel_h_usd": per_h,
        "cost_per_delivered_pflop_day_usd": per_h * accel_h_per_pflop_day,
        "cost_per_kw_year_usd": orbit_pv / annuity / it_kw if it_kw > 0 and annuity > 0 else math.nan,
        "ground_cost_per_accel_h_usd": ground_per_h,
        "ground_cost_pv_usd": ground_pv,
        **ground_parts,
        "breakeven_launch_usd_per_kg": (ground_pv - fixed) / per_usd_per_kg if per_usd_per_kg > 0 else math.nan,
        "orbit_solar_kwh_per_m2_year": solar_kwh_per_year / array_m2 if array_m2 > 0 else math.nan,
        "orbit_solar_kwh_per_kg_year": (solar_kwh_per_year / (n_sats * parts["solar_array"])
                                        if parts["solar_array"] > 0 else math.nan),
    }
    # plain Python numbers (the summary values it reads may be numpy scalars)
    return {key: value if isinstance(value, int) else float(value) for key, value in costs.items()}


def cost_line(costs: dict) -> str:
    """One line for the terminal: the cost of a delivered accelerator-hour against the ground. A
    negative break-even launch price (stored as it is, for sweeps) reads as none: orbit costs more
    even with free launch."""
    breakeven = costs["breakeven_launch_usd_per_kg"]
    price = (f"${breakeven:,.0f}/kg" if breakeven >= 0 else "none (orbit costs more even with free launch)") \
        if math.isfinite(breakeven) else "n/a"
    return (f"cost  ${costs['cost_per_delivered_accel_h_usd']:,.2f} per delivered accelerator-hour "
            f"(ground ${costs['ground_cost_per_accel_h_usd']:,.2f}); launch {100 * costs['launch_share']:.0f} % "
            f"of it, {costs['n_launches']:,} launch(es) for {costs['mass_kg'] / 1000:,.1f} t; "
            f"break-even launch price {price}")
