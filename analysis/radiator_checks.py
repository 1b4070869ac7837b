"""twin's side of docs/validation.md, "Radiator coatings, orientation, fins and variable
conductance": the numbers of each check, from twin's kernels and from short runs of
configs/starcloud-40mw.yaml.

    .venv/bin/python analysis/radiator_checks.py [--work DIR]

1. Each coating preset at beginning of life and at the last value its source measured: the
   steady temperature of a sun-facing one-sided panel, and the Starcloud white paper's net per m²
   at 20 °C (twin.validation.radiator_budget, Earth IR absorbed with ε) and the area for 40 MW.
2. The Starcloud module at full load in March (12 h, every accelerator at peak) with the
   panel's own coating (α 0.09), silver Teflon new and after 8.25 years, and silver Teflon
   after 8.25 years edge-on to the Sun: radiator and electronics temperatures.
3. The VCHP's and the bypass loop's conductance against temperature.
4. Fin efficiency of aluminium face sheets, linearised (twin) and exact.
5. An idle Starcloud module (no jobs, January) on its second day, fixed conductance against
   the radiator bypass loop and a VCHP: electronics temperature and heater energy.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import math
import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml

import twin
from twin.config import load_config
from twin.engine.nodes import node_params
from twin.kernels.conductance import (ammonia_saturation_pressure_pa, bypass_conductance_w_per_k, bypass_flow_fraction,
                                      vchp_active_fraction, vchp_gas_pa_per_k)
from twin.kernels.radiator import radiating_fin_efficiency
from twin.kernels.thermal import STEFAN_BOLTZMANN
from twin.validation.radiator_budget import (STARCLOUD_ALBEDO, STARCLOUD_EARTH_TEMP_K, STARCLOUD_EARTH_VIEW_FACTOR,
                                             STARCLOUD_HEAT_W, STARCLOUD_SOLAR_W_M2, STARCLOUD_TEMP_K,
                                             net_radiator_flux_w_m2)

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs"
S0 = 1361.0   # W/m², twin.constants.SOLAR_CONSTANT_W_M2
BYPASS = ["spacecraft.thermal.conductance_model=bypass_loop",
          "spacecraft.thermal.bypass_loop={closed_temp_k: 273.15, open_temp_k: 283.15, min_flow_fraction: 0.02, "
          "ntu_full_flow: 3}"]
VCHP = ["spacecraft.thermal.conductance_model=vchp",
        "spacecraft.thermal.vchp={full_open_temp_k: 300, design_sink_temp_k: 290, reservoir_volume_ratio: 10, "
        "min_conductance_w_per_k: 250}"]


def run(name: str, out: Path, overrides: list[str]) -> Path:
    scenario = load_config(CONFIGS / f"{name}.yaml", overrides)
    with contextlib.redirect_stdout(io.StringIO()):
        twin.run(scenario, out, force=True)
    return out


def coatings():
    print("1. coatings at beginning of life and at the source's last value")
    print(f"   {'coating':26s} {'eps':>5s} {'alpha':>6s} {'sun-facing T':>12s} {'net at 20 C':>11s} {'40 MW area':>11s}")
    for path in sorted((CONFIGS / "presets" / "coating").glob("*.yaml")):
        c = yaml.safe_load(path.read_text())
        eps = c["emissivity"]
        ends = [("BOL", c["absorptivity"])]
        if "absorptivity_eol" in c:
            ends.append((f"{c['eol_years']} y", c["absorptivity_eol"]))
        if "absorptivity_uv" in c:
            ends.append((f"{c['uv_dose_esh']:.0f} ESH", c["absorptivity_uv"]))
        for when, alpha in ends:
            t_sun = (alpha * S0 / (eps * STEFAN_BOLTZMANN)) ** 0.25
            net = net_radiator_flux_w_m2(STARCLOUD_TEMP_K, eps, alpha, STARCLOUD_SOLAR_W_M2, STARCLOUD_EARTH_VIEW_FACTOR,
                                         STARCLOUD_ALBEDO, STARCLOUD_EARTH_TEMP_K)["net_w_m2"]
            print(f"   {path.stem + ' ' + when:26s} {eps:5.2f} {alpha:6.3f} {t_sun:10.2f} K {net:8.1f} W/m2 "
                  f"{STARCLOUD_HEAT_W / net:9,.0f} m2")


def full_load(work: Path):
    print("2. starcloud-40mw at full load, 20 March, 12 h (means over the last 6 h)")
    full = ["simulation.epoch_utc=2026-03-20T00:00:00Z", "simulation.duration_s=43200",
            "workload.arrival_rate_per_h=0", "spacecraft.accelerator.idle_power_w=700"]
    # the config gives emissivity and absorptivity itself, and keys given win over a coating's:
    # they are set to the coating's here
    teflon = ["spacecraft.radiator.coating=silver_teflon", "spacecraft.radiator.emissivity=0.78",
              "spacecraft.radiator.absorptivity=0.074"]
    cases = {"as configured (alpha 0.09, eps 0.92)": [],
             "silver_teflon, new": teflon,
             "silver_teflon, 8.25 years": [*teflon, "spacecraft.radiator.age_years=8.25"],
             "silver_teflon, 8.25 years, edge_on_sun": [*teflon, "spacecraft.radiator.age_years=8.25",
                                                        "spacecraft.radiator.orientation=edge_on_sun"]}
    for i, (label, extra) in enumerate(cases.items()):
        path = run("starcloud-40mw", work / f"full-{i}.h5", full + extra)
        with twin.open_run(path) as r:
            s = r.state
            late = slice(s.sizes["time"] // 2, None)
            print(f"   {label:42s} radiator {float(s['radiator_temp_k'][late].mean()) - 273.15:6.1f} C, "
                  f"electronics {float(s['electronics_temp_k'][late].mean()) - 273.15:6.1f} C, "
                  f"throttle {float(s['throttle'][late].mean()):.3f}")


def conductance_curves():
    print("3. conductance against the electronics' temperature")
    gas = vchp_gas_pa_per_k(300.0, 280.0, 10.0)
    print("   VCHP (open at 300 K with the radiator at 280 K, reservoir 10 x condenser), active fraction:")
    for t_r in (280.0, 260.0):
        row = "  ".join(f"{t:.1f}:{vchp_active_fraction(t, t_r, 10.0, gas)[0]:.3f}" for t in
                        np.arange(296.0, 301.5, 0.5) - (280.0 - t_r) * 0.45)
        print(f"     radiator {t_r:.0f} K  {row}")
    p_s = ammonia_saturation_pressure_pa(280.0)
    on = off = None
    for t in np.arange(290.0, 305.0, 1e-4):
        a = vchp_active_fraction(t, 280.0, 10.0, gas)[0]
        off = t if a == 0.0 else off
        if a == 1.0:
            on = t
            break
    print(f"     radiator 280 K: blocked below {off:.4f} K, open above {on:.4f} K; (P_on - P_s)/(P_off - P_s) = "
          f"{(ammonia_saturation_pressure_pa(on) - p_s) / (ammonia_saturation_pressure_pa(off) - p_s):.5f} "
          f"(Marcus: 1 + 1/10 = 1.1)")
    print("   bypass loop (closed 273.15 K, open 283.15 K, 2 % minimum flow, NTU 3 at full flow), G/G_full:")
    row = "  ".join(f"{t:.2f}:{bypass_conductance_w_per_k(1.0, bypass_flow_fraction(t, 273.15, 283.15, 0.02)[0], 3.0)[0]:.4f}"
                    for t in (270.0, 273.15, 275.15, 278.15, 281.15, 283.15, 290.0))
    print(f"     {row}")


def fins():
    print("4. fin efficiency, aluminium 6061 (167 W/(m K)), both faces radiating, eps 0.92, 300 K")
    for t_mm, half_cm in ((1.0, 5.0), (0.5, 10.0), (1.0, 10.0), (2.0, 10.0)):
        eta = radiating_fin_efficiency(t_mm / 1e3, 167.0, half_cm / 1e2, 0.92, 2.0, 300.0)
        nc = 2 * 0.92 * STEFAN_BOLTZMANN * 300.0 ** 3 * (half_cm / 1e2) ** 2 / (167.0 * t_mm / 1e3)
        sys.path.insert(0, str(REPO / "tests"))
        from test_radiator_panel import exact_radiating_fin_efficiency
        print(f"   sheet {t_mm:.1f} mm, half-width {half_cm:.0f} cm: mL {2 * math.sqrt(nc):.3f}, eta {eta:.4f} "
              f"(exact {exact_radiating_fin_efficiency(nc):.4f})")


def idle(work: Path):
    print("5. idle starcloud-40mw module (no jobs), January, day 2 of 2")
    for label, extra in (("fixed 25 kW/K", []), ("bypass loop", BYPASS), ("VCHP", VCHP)):
        path = run("starcloud-40mw", work / f"idle-{label.split()[0]}.h5",
                   ["simulation.duration_s=172800", "workload.arrival_rate_per_h=0", *extra])
        with twin.open_run(path) as r:
            s = r.state
            seconds = (s.time.values - s.time.values[0]) / np.timedelta64(1, "s")
            day2 = seconds >= 86400.0 - 1.0
            te, tr = s["electronics_temp_k"].values[day2], s["radiator_temp_k"].values[day2]
            heater = s["heater_power_w"].values[day2]
        print(f"   {label:14s} electronics {te.min():.2f}-{te.max():.2f} K, radiator {tr.mean():.2f} K, heaters "
              f"{heater.mean() / 1e3:7.3f} kW = {heater.mean() * 86400 / 3.6e9:.3f} MWh per module-day")
    p = node_params(load_config(CONFIGS / "starcloud-40mw.yaml", []).spacecraft)
    print(f"   (set point {p.heater_setpoint_k} K, heaters up to {p.heater_max_w / 1e3:.0f} kW)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, help="folder for the run files (default: a temporary one)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        coatings()
        full_load(work)
        conductance_curves()
        fins()
        idle(work)


if __name__ == "__main__":
    main()
