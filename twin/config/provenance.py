"""Where every numeric default of the config comes from, and the range its source gives.

One entry per numeric config field (a test holds the config to that): its kind —

- ``setting``: how the run is made (step, record interval, seed, compression), not physics;
- ``design``: a choice of the default spacecraft or workload (the user's to make: array area,
  battery size, accelerator count), sized as docs/design.md says;
- ``published``: a value read in a published source;
- ``estimate``: an engineering value drawn from published ones, with the reasoning;
- ``assumption``: a value with no published number behind it, labelled so —

its source (None where the field's own description already names it: the source is declared
once), and the range the source gives as a :class:`twin.scaleout.spec.Distribution` mapping
(``{triangular: [low, central, high]}``, ``{uniform: [low, high]}``, ...) that ``twin sweep`` samples
for ``params: {KEY: catalogue}``. Presets carry their own ranges (a ``ranges:`` block beside
``source:``); docs/parameters.md renders both (:mod:`twin.config.catalogue`).
"""
from __future__ import annotations

from typing import NamedTuple


class Provenance(NamedTuple):
    kind: str                 # setting, design, published, estimate, assumption
    source: str | None        # None: the field's description names it
    range: dict | None = None  # a Distribution mapping the source supports


KINDS = ("setting", "design", "published", "estimate", "assumption")

_S = Provenance("setting", "a choice of how the run is made, not physics")

DEFAULTS: dict[str, Provenance] = {
    "simulation.dt_s": _S,
    "simulation.record_every_s": _S,
    "simulation.seed": _S,
    "simulation.sgp4_step_s": _S,
    "output.compression": _S,
    "output.checkpoint_every_s": _S,
    "scheduler.epoch_s": _S,
    "spacecraft.bus_power_w": Provenance(
        "assumption", "platform load of a small LEO bus (attitude control, avionics, communications), "
                      "a few hundred watts", {"uniform": [200.0, 500.0]}),
    "spacecraft.solar_array.area_m2": Provenance("design", "sized for the default load (docs/design.md)"),
    "spacecraft.solar_array.cell_efficiency": Provenance("published", None, {"uniform": [0.28, 0.307]}),
    "spacecraft.solar_array.packing_factor": Provenance(
        "published", None, {"uniform": [0.85, 0.90]}),   # SMAD ch. 11: 0.85-0.90 (as recalled; not verified)
    "spacecraft.solar_array.degradation_per_year": Provenance(
        "estimate", None, {"uniform": [0.005, 0.0375]}),   # preset's 0.5 %/yr to SMAD's 3.75 %/yr (Si; not verified)
    "spacecraft.solar_array.age_years": Provenance("design", "a new array at the epoch"),
    "spacecraft.solar_array.temp_coeff_per_k": Provenance(
        "published", "Patel, Spacecraft Power Systems (2004), ch. 3: lattice-matched triple junctions "
                     "lose 0.20-0.25 %/K of maximum power", {"uniform": [-0.0025, -0.0020]}),
    "spacecraft.solar_array.reference_temp_k": Provenance("published", None),
    "spacecraft.solar_array.cell_temp_k": Provenance(
        "assumption", "the rating temperature, 28 C; sunlit LEO arrays run hotter (docs/validation.md)"),
    "spacecraft.solar_array.mppt_efficiency": Provenance(
        "published", None, {"uniform": [0.95, 0.98]}),   # Patel 2004, ch. 6: 95-98 %
    "spacecraft.battery.capacity_wh": Provenance("design", "sized for the default eclipse load (docs/design.md)"),
    "spacecraft.battery.initial_soc": Provenance("assumption", "a battery charged but not full at the epoch"),
    "spacecraft.battery.min_soc": Provenance(
        "published", "Borthomieu, 'Saft: overcoming the challenges of LEO satellite batteries', SatMagazine "
                     "(Sept. 2018): LEO batteries cycle at 20-35 % depth of discharge",
        {"uniform": [0.65, 0.80]}),
    "spacecraft.battery.max_soc": Provenance("design", "charged to full"),
    "spacecraft.battery.charge_efficiency": Provenance("estimate", None, {"uniform": [0.95, 0.98]}),
    "spacecraft.battery.discharge_efficiency": Provenance("estimate", None, {"uniform": [0.95, 0.98]}),
    "spacecraft.battery.max_charge_c_rate_per_h": Provenance(
        "estimate", "C/2 charge, the LEO practice of the preset leo_li_ion (Saft VES cells)"),
    "spacecraft.battery.max_discharge_c_rate_per_h": Provenance(
        "estimate", "1 C eclipse discharge, the preset leo_li_ion's limit"),
    "spacecraft.battery.fade_per_efc": Provenance(
        "estimate", "about 20 % after 10,000 equivalent full cycles, JAXA and Saft LEO life tests "
                    "(preset leo_li_ion)", {"uniform": [1e-5, 4e-5]}),
    "spacecraft.battery.recover_soc": Provenance("design", "hysteresis above min_soc, so shed nodes do not flap"),
    # battery ageing (twin/config/battery_ageing.py): Xu et al. 2018's LMO fit, named in each description
    "spacecraft.battery.temperature_k": Provenance(
        "published", None, {"uniform": [283.15, 303.15]}),   # 10-30 C proper for LEO cycling (X. Wang et al. 2005)
    **{f"spacecraft.battery.{k}": Provenance("published", None)
       for k in ("dod_stress_k1", "dod_stress_k2", "dod_stress_k3", "soc_stress_k", "soc_stress_ref",
                 "temp_stress_k_per_k", "temp_stress_ref_k", "calendar_per_s", "sei_share", "sei_rate")},
    "spacecraft.accelerator.count": Provenance("design", "one 8-GPU server per satellite (NVIDIA DGX H100)"),
    "spacecraft.accelerator.idle_power_w": Provenance("estimate", None, {"uniform": [60.0, 100.0]}),
    "spacecraft.accelerator.peak_power_w": Provenance("published", None),
    "spacecraft.accelerator.peak_flops": Provenance(
        "published", "NVIDIA H100 Tensor Core GPU datasheet (2023): 989 TFLOP/s dense BF16 (preset h100)"),
    "spacecraft.accelerator.power_cap_fraction": Provenance("design", "no cap: accelerators at their rated power"),
    "spacecraft.accelerator.min_throttle": Provenance(
        "assumption", "below ~30 % of its clock an accelerator is taken as idle: DVFS floors are not published"),
    "spacecraft.radiator.area_m2": Provenance("design", "sized for the default load (docs/design.md)"),
    "spacecraft.radiator.sides": Provenance("design", "a deployed panel radiating from both faces"),
    "spacecraft.radiator.emissivity": Provenance("published", None, {"uniform": [0.88, 0.93]}),
    "spacecraft.radiator.absorptivity": Provenance(
        "published", None, {"uniform": [0.09, 0.30]}),   # Starcloud's BOL to Z-93's aged ~0.3 (preset iss_class)
    "spacecraft.radiator.areal_heat_capacity_j_per_m2_k": Provenance("estimate", None, {"uniform": [5000.0, 9000.0]}),
    "spacecraft.thermal.electronics_heat_capacity_j_per_k": Provenance(
        "estimate", "an 8-GPU server with its cold plates and coolant: ~130 kg (NVIDIA DGX H100 datasheet) "
                    "at ~460 J/(kg K) (aluminium/copper/steel mix), about 60 kJ/K",
        {"uniform": [30000.0, 120000.0]}),
    "spacecraft.thermal.conductance_w_per_k": Provenance(
        "assumption", "a pumped loop moving ~6 kW at a 15 K electronics-radiator difference",
        {"uniform": [200.0, 800.0]}),
    "spacecraft.thermal.initial_electronics_temp_k": Provenance("assumption", "room temperature at the epoch"),
    "spacecraft.thermal.initial_radiator_temp_k": Provenance("assumption", "a little below the electronics"),
    "spacecraft.thermal.throttle_start_k": Provenance(
        "assumption", "85 C on the lumped electronics node; NVIDIA's datasheets give no H100 limits"),
    "spacecraft.thermal.shutdown_k": Provenance("assumption", "105 C on the lumped electronics node"),
    "spacecraft.thermal.heater_setpoint_k": Provenance(
        "assumption", "-10 C: electronics held well above their storage limits while idle"),
    "spacecraft.thermal.heater_max_w": Provenance("design", "a heater sized to hold an idle node"),
    "scheduler.min_link_efficiency": Provenance("design", "a placement threshold of the link-aware policy"),
    "scheduler.power_soc_margin": Provenance("design", "a policy threshold"),
    "scheduler.thermal_margin_k": Provenance("design", "a policy threshold"),
    "scheduler.migration_lead_s": Provenance("design", "a policy threshold"),
    "scheduler.migration_min_gain_s": Provenance("design", "a policy threshold"),
    "scheduler.runtime_overestimate": Provenance("published", None),
    "scheduler.power_cap_reserve_soc": Provenance(
        "design", "a policy margin: about three minutes of a capped node's eclipse load in the default 10 kWh battery"),
    "faults.mean_repair_h": Provenance(
        "assumption", "a reboot or power cycle from the ground within a few passes; no repair in orbit"),
    "faults.upset_rate_per_day": Provenance("assumption", "off by default: rates in twin's radiation model"),
    "faults.saa_upset_rate_per_day": Provenance("assumption", "off by default: rates in twin's radiation model"),
    "faults.upset_reboot_s": Provenance("assumption", "a board reboot of about two minutes"),
    "faults.saa_center_lon_deg": Provenance(
        "estimate", "the South Atlantic Anomaly's centre near 45 W, 25 S at LEO altitudes (Heirtzler, "
                    "'The future of the South Atlantic anomaly and implications for radiation damage in "
                    "space', J. Atmos. Sol.-Terr. Phys. 64 (2002) 1701)"),
    "faults.saa_center_lat_deg": Provenance("estimate", "as saa_center_lon_deg"),
    "faults.saa_semi_axis_lon_deg": Provenance("estimate", "the SAA's extent at ~500 km, as saa_center_lon_deg"),
    "faults.saa_semi_axis_lat_deg": Provenance("estimate", "as saa_semi_axis_lon_deg"),
    "links.terminals_per_sat": Provenance("design", "four, the +grid's in-plane and cross-plane neighbours"),
    "links.nearest_k": Provenance("design", "as terminals_per_sat"),
    "links.grid_shift": Provenance("design", "Hypatia's default isl_shift of 0"),
    "links.grazing_altitude_km": Provenance("published", None),
    "links.bus_gbps": Provenance("published", None),
    "links.terminal.wavelength_nm": Provenance("estimate", None),
    "links.terminal.transmit_power_w": Provenance("assumption", None, {"uniform": [1.0, 10.0]}),
    "links.terminal.tx_aperture_m": Provenance("assumption", None, {"uniform": [0.05, 0.15]}),
    "links.terminal.rx_aperture_m": Provenance("assumption", None, {"uniform": [0.05, 0.15]}),
    "links.terminal.optics_efficiency": Provenance("estimate", None),
    "links.terminal.pointing_error_urad": Provenance("assumption", None, {"uniform": [0.5, 2.0]}),
    "links.terminal.photons_per_bit": Provenance("published", None, {"uniform": [10.0, 40.0]}),
    "links.terminal.max_rate_gbps": Provenance("published", None),
    "links.terminal.max_range_km": Provenance("published", None),
    "earth.albedo": Provenance(
        "published", "the design case's (twin/config/environment.py): ECSS-E-ST-10-04C (2008) Annex F.5.1, "
                     "0.30 on average, 0.05-0.6 for an orbiting spacecraft", {"uniform": [0.05, 0.6]}),
    "earth.olr_w_m2": Provenance(
        "published", "the design case's (twin/config/environment.py): ERBE/CERES global mean ~239 W/m^2; "
                     "ECSS-E-ST-10-04C Annex F.5.2, 150-350 W/m^2", {"uniform": [150.0, 350.0]}),
    "economics.launch.usd_per_kg": Provenance("published", None, {"loguniform": [67.0, 2940.0]}),
    "economics.launch.payload_kg": Provenance("published", None),
    "economics.mass.solar_array_w_per_kg": Provenance("published", None, {"uniform": [30.0, 200.0]}),
    "economics.mass.radiator_kg_per_m2": Provenance("published", None, {"uniform": [14.2, 17.5]}),
    "economics.mass.battery_wh_per_kg": Provenance("assumption", None, {"uniform": [100.0, 160.0]}),
    "economics.mass.server_kg_per_accelerator": Provenance("published", None),
    "economics.mass.shielding_kg_per_m2": Provenance("assumption", None),
    "economics.mass.shielded_m2_per_accelerator": Provenance("assumption", None),
    "economics.mass.terminal_kg": Provenance("assumption", None),
    "economics.mass.structure_fraction": Provenance("assumption", None),
    "economics.mass.propellant_fraction": Provenance("assumption", None),
    "economics.ground.capex_usd_per_kw": Provenance("published", None, {"uniform": [10000.0, 40000.0]}),
    "economics.ground.pue": Provenance("published", None),
    "economics.ground.electricity_usd_per_kwh": Provenance("published", None),
    "economics.accelerator_usd": Provenance("assumption", None, {"triangular": [25000.0, 30000.0, 40000.0]}),
    "economics.bus_usd_per_w": Provenance("published", None, {"triangular": [5.0, 22.0, 32.0]}),
    "economics.nonrecurring_usd": Provenance("assumption", "none counted unless given"),
    "economics.operations_usd_per_year": Provenance("assumption", "none counted unless given"),
    "economics.mission_life_years": Provenance("assumption", None, {"triangular": [3.0, 5.0, 7.0]}),
    "economics.discount_rate": Provenance("assumption", None, {"triangular": [0.05, 0.08, 0.12]}),
    "economics.accelerator_failures_per_year": Provenance("published", None),
    "economics.radiation_tolerance_krad": Provenance("published", None, {"uniform": [2.0, 15.0]}),
    "economics.battery_usd_per_kwh": Provenance("assumption", None),
    "economics.battery_eol_fraction": Provenance("published", None),
    # accelerator junction chain (twin/config/junction.py; derivations in preset h100)
    "spacecraft.accelerator.junction_to_case_k_per_w": Provenance("estimate", None),
    "spacecraft.accelerator.case_to_cold_plate_k_per_w": Provenance("estimate", None),
    "spacecraft.accelerator.cold_plate_to_coolant_k_per_w": Provenance(
        "estimate", None, {"uniform": [0.0111, 0.0222]}),   # the preset: copper plates up to about twice
    "spacecraft.accelerator.junction_throttle_k": Provenance("published", None),
    "spacecraft.accelerator.junction_shutdown_k": Provenance("published", None),
    # radiator coating ageing (twin/config/thermal.py)
    "spacecraft.radiator.age_years": Provenance("design", "a new coating at the epoch"),
    "spacecraft.radiator.uv_dose_at_epoch_esh": Provenance("design", "a new coating at the epoch"),
    # radiation (twin/config/radiation.py, twin/kernels/dose.py)
    "radiation.shielding_mm_al": Provenance("design", "5 mm, the dose table's reference thickness (twin/kernels/dose.py)", {"uniform": [2.0, 10.0]}),
    "radiation.initial_dose_krad": Provenance("design", "a new satellite at the epoch"),
    "radiation.age_years": Provenance("design", "a new satellite at the epoch"),
    "radiation.degradation_krad": Provenance("published", None),
    "radiation.degraded_rate_factor": Provenance("assumption", None),
    "radiation.hard_failure_krad": Provenance("published", None),
    "radiation.hard_failure_log_sigma": Provenance("assumption", "no spread published: every accelerator at the bound"),
    "radiation.floor_interruptions_per_accel_h": Provenance("published", None),
    "radiation.sdc_rad_per_event": Provenance("published", None, {"uniform": [14.4, 20.0]}),
    "radiation.uecc_rad_per_event": Provenance("published", None),
    "radiation.sefi_rad_per_event": Provenance("published", None),
    "radiation.sdc_corrupting_fraction": Provenance("published", None),
    "radiation.sdc_detection_delay_s": Provenance("assumption", "detected at once unless given"),
    "radiation.saa_factor": Provenance("assumption", None),
    "radiation.high_latitude_factor": Provenance("assumption", None),
    "radiation.high_latitude_deg": Provenance("published", None),
    "earth.shadow_grazing_height_km": Provenance("published", None, {"uniform": [0.0, 75.0]}),
    # the solar array's heat balance (twin/config/array.py, its docstring gives each source)
    "spacecraft.solar_array.inherent_degradation": Provenance(
        "estimate", "SMAD (1999) §11.4 design-and-assembly element 0.85 over packing_factor 0.90; the SMAD table "
                    "not verified against the book (twin/config/array.py)", {"uniform": [0.855, 1.0]}),
    "spacecraft.solar_array.harness_loss": Provenance("estimate", None, {"uniform": [0.01, 0.05]}),
    "spacecraft.solar_array.initial_temp_k": Provenance("assumption", "room temperature at the epoch"),
    "spacecraft.solar_array.areal_heat_capacity_j_per_m2_k": Provenance("estimate", None, {"uniform": [1000.0, 2500.0]}),
    "spacecraft.solar_array.front_coating.absorptivity_bol": Provenance(
        "published", "attributed to the AZUR SPACE 3G30C-Advanced datasheet (2016) with CMX cover glass, not "
                     "verified against it; Fortescue et al. (2011) Table 11.3, read: GaAs cells 0.88 "
                     "(preset cmx_cover_glass)"),
    "spacecraft.solar_array.front_coating.absorptivity_eol": Provenance("estimate", "held: ceria-doped glass, preset cmx_cover_glass"),
    "spacecraft.solar_array.front_coating.emissivity_bol": Provenance(
        "published", "attributed to Gilmore (ed.), Spacecraft Thermal Control Handbook (2002), Appendix A, "
                     "0.80-0.85, not verified against it; Fortescue et al. (2011) Table 11.3, read: GaAs cells 0.80",
        {"uniform": [0.80, 0.85]}),
    "spacecraft.solar_array.front_coating.emissivity_eol": Provenance("estimate", "held, as emissivity_bol"),
    "spacecraft.solar_array.front_coating.eol_years": Provenance("design", "a 15-year design life"),
    "spacecraft.solar_array.back_coating.absorptivity_bol": Provenance(
        "published", "Z306 black polyurethane, attributed to Gilmore (2002) Appendix A, 0.92-0.98 (not verified); "
                     "Fortescue et al. (2011) Table 11.3, read: 0.95", {"uniform": [0.92, 0.98]}),
    "spacecraft.solar_array.back_coating.absorptivity_eol": Provenance("estimate", "held: a black paint starts at its highest"),
    "spacecraft.solar_array.back_coating.emissivity_bol": Provenance(
        "published", "Z306, attributed to Gilmore (2002) Appendix A, 0.87-0.89 (not verified); Fortescue et al. "
                     "(2011) Table 11.3, read: polyurethane black 0.90", {"uniform": [0.87, 0.89]}),
    "spacecraft.solar_array.back_coating.emissivity_eol": Provenance("estimate", "held, as emissivity_bol"),
    "spacecraft.solar_array.back_coating.eol_years": Provenance("design", "a 15-year design life"),
}

from twin.config.inference import AUTOSCALE_PROVENANCE, PROVENANCE as _INFERENCE  # noqa: E402 (after Provenance)

DEFAULTS.update({key: Provenance(*value) for key, value in {**_INFERENCE, **AUTOSCALE_PROVENANCE}.items()})

# Fields whose config default is null, the code then using a value it declares once (the field's
# description names the constant): that value and where it comes from, for docs/parameters.md.
from twin.config.limits import DEFAULT_OFFERED_LOAD  # noqa: E402

NULL_DEFAULTS: dict[str, tuple[float, Provenance]] = {
    "workload.offered_load": (DEFAULT_OFFERED_LOAD, Provenance(
        "design", "used when workload.arrival_rate_per_h is null: the load the reference designs offer "
                  "(docs/validation.md: Starlink shell and ISS-like 80 %, Suncatcher and Starcloud 85 %), "
                  "below 1 so that the queue is stable (Kleinrock, Queueing Systems vol. 1, 1975)",
        {"uniform": [0.5, 0.95]})),
}
