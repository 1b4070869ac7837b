"""Ground solar-plus-battery baseline: what a square metre of fixed-tilt PV yields on Earth, what
array and battery keep a constant load running every hour of a year, and how that compares with
an orbital array's yield (the "solar is five times more efficient in orbit" claim).

Everything runs offline on the typical-meteorological-year (TMY3) files that pvlib ships in its
``data`` folder; nothing is downloaded. Units are SI except energies per year, which are kWh (or
Wh where the name says so) because that is how PV yields are quoted everywhere.

Model chain (pvlib, Holmgren, Hansen & Mikofski 2018, J. Open Source Softw. 3(29), 884):

- solar position: NREL SPA (Reda & Andreas 2004, Solar Energy 76, 577), at the middle of each
  hour, because TMY3 records are hour-ending integrals (Wilcox & Marion 2008, NREL/TP-581-43156);
- plane-of-array irradiance: Perez et al. 1990 (Solar Energy 44, 271) "allsitescomposite1990",
  the transposition PVWatts and SAM use (Hay & Davies 1980 selectable);
- reflection losses: the Fresnel/Beer "physical" IAM (De Soto et al. 2006, Solar Energy 80, 78),
  on the beam, and its diffuse integral (Marion 2017, Solar Energy 147, 344) on sky and ground
  diffuse;
- cell temperature: SAPM open rack (King, Boyson & Kratochvil 2004, SAND2004-3535);
- DC power: PVWatts linear temperature model (Dobos 2014, PVWatts Version 5 Manual,
  NREL/TP-6A20-62641), then PVWatts system losses;
- AC power: the PVWatts inverter curve with clipping at DC/AC ratio (Dobos 2014; the same
  coefficients PVWatts v8 uses, NREL SSC ``cmod_pvwattsv8.cpp``).

No spectral correction (PVWatts v8 applies an air-mass modifier; its annual effect is about 1 %)
and no row-to-row self-shading (a utility plant is assumed to space its rows; PVWatts v8 models it
at a ground coverage ratio of 0.4). docs/economics.md, "Ground solar baseline".
"""
from __future__ import annotations

import functools
import math
import warnings
from pathlib import Path

import numpy as np

from twin.constants import SOLAR_CONSTANT_W_M2

# ---- defaults, each with its source -------------------------------------------------------------
# A "premium" (~21 %) crystalline module: PVWatts v8 defines exactly this class (NREL SSC
# cmod_pvwattsv8.cpp, module_type PREMIUM: stc_eff 0.21, gamma -0.0035 /K, AR glass); current
# mono-PERC/TOPCon datasheets sit at 21-22 % and -0.29 to -0.35 %/K.
MODULE_EFFICIENCY = 0.21  # [1] at STC (1000 W/m^2, 25 C, AM1.5)
TEMP_COEFF_PER_K = -0.0035  # [1/K] relative power change per kelvin above 25 C
# pvlib.pvsystem.pvwatts_losses() defaults = PVWatts: soiling 2, shading 3, mismatch 2, wiring 2,
# connections 0.5, LID 1.5, nameplate 1, availability 3 % -> 14.08 % combined (Dobos 2014, Table 3).
SYSTEM_LOSSES = 0.1408  # [1]
INVERTER_EFFICIENCY = 0.96  # [1] nominal; PVWatts default (Dobos 2014)
DC_AC_RATIO = 1.2  # [1] array DC rating / inverter AC rating; PVWatts default (Dobos 2014)
# PVWatts v8 uses 0.2 when the weather file carries no albedo; 723170TYA.CSV's albedo column is 0
# throughout (missing), so the file value is not used unless it is positive.
ALBEDO = 0.2  # [1]
SAPM_RACKING = "open_rack_glass_polymer"  # pvlib TEMPERATURE_MODEL_PARAMETERS['sapm'] key
# Utility-scale Li-ion round-trip (AC-AC) efficiency: 85 % in NREL's ATB / Cole & Karmakar (2023),
# Cost Projections for Utility-Scale Battery Storage: 2023 Update, NREL/TP-6A40-85332.
BATTERY_ROUND_TRIP = 0.85  # [1]
# Module mass per module area. A 72-cell glass/aluminium-frame module: 24 kg over 1.956 m x 0.992 m
# = 12.4 kg/m^2 (e.g. a 310-335 W "PS...M-24/T" datasheet); large-format 2.2-2.6 m^2 modules of
# 27-32 kg sit at 11-12.5 kg/m^2. Assumption: 12 kg/m^2.
GROUND_MODULE_KG_PER_M2 = 12.0  # [kg/m^2]
# Racking (steel/aluminium structure and posts) per module area. ASSUMPTION, order of magnitude:
# ~713,000 t of racking steel and aluminium for US installs in 2019 (freeingenergy.com, "How much
# steel and aluminum is used in US solar racks each year?") over ~13 GWdc installed that year (a
# recalled figure) at ~200 W/m^2 gives ~11 kg/m^2; fixed-tilt designs vary ~5-15 kg/m^2 with wind
# and snow loads.
GROUND_RACKING_KG_PER_M2 = 10.0  # [kg/m^2]

HOURS_PER_YEAR = 8760.0  # h, a TMY year (no leap day)
STC_IRRADIANCE_W_M2 = 1000.0  # W/m^2, standard test conditions (IEC 60904-3)
TMY_SUFFIXES = (".csv",)  # pvlib's data folder: TMY3 files end in .csv/.CSV (12839.tm2 is TMY2)


def tmy_path(name: str = "723170TYA.CSV") -> Path:
    """Path of a typical meteorological year file shipped in pvlib's ``data`` folder.

    ``723170TYA.CSV`` is the TMY3 file for Greensboro, NC (Piedmont Triad Intl., 36.1 N, 79.95 W,
    273 m); ``703165TY.csv`` is the TMY3 file for Sand Point, AK. Both are read with
    ``pvlib.iotools.read_tmy3`` (Wilcox & Marion 2008). A full path is returned unchanged if it
    exists, so any TMY3 file on disk works too. No download, ever.

    Raises
    ------
    FileNotFoundError
        naming the TMY3 files that are available
    """
    import pvlib

    given = Path(name)
    if given.is_file():
        return given
    data = Path(pvlib.__file__).parent / "data"
    path = data / name
    if not path.is_file():
        shipped = sorted(p.name for p in data.iterdir()
                         if p.suffix.lower() in TMY_SUFFIXES and p.name[:1].isdigit())
        raise FileNotFoundError(f"no TMY file {name!r} in {data} (TMY3 files there: {', '.join(shipped)})")
    return path


@functools.lru_cache(maxsize=8)
def _weather_and_sun(path_str: str):
    """Read a TMY3 file once and compute the sun at mid-hour. Cached: callers must not mutate.

    Returns (weather DataFrame on the hour-ending index, metadata dict, solar position DataFrame,
    extraterrestrial normal irradiance [W/m^2], relative air mass [1])."""
    import pandas as pd
    import pvlib

    # coerce_year: TMY3 months come from different years; one year makes the index monotonic
    # (the last record, Dec 31 24:00, becomes 1991-01-01 00:00 and still means Dec 31's last hour)
    weather, meta = pvlib.iotools.read_tmy3(path_str, coerce_year=1990, map_variables=True)
    if len(weather) != HOURS_PER_YEAR:
        raise ValueError(f"{path_str}: {len(weather)} records, a TMY3 year has {HOURS_PER_YEAR:.0f}")
    mid_hour = weather.index - pd.Timedelta("30min")  # hour-ending integrals -> sun at mid-hour
    sun = pvlib.solarposition.get_solarposition(
        mid_hour, meta["latitude"], meta["longitude"], altitude=meta["altitude"],
        pressure=weather["pressure"].to_numpy() * 100.0,  # TMY3 station pressure is in mbar
        temperature=weather["temp_air"].to_numpy())
    sun.index = weather.index
    # day of year as numbers, not a DatetimeIndex: pvlib's DatetimeIndex path calls .dayofyear,
    # which pandas deprecates (Pandas4Warning); the numbers give the identical Spencer value
    dni_extra = pvlib.irradiance.get_extra_radiation(mid_hour.day_of_year.to_numpy())
    airmass = pvlib.atmosphere.get_relative_airmass(sun["apparent_zenith"].to_numpy())
    return weather, dict(meta), sun, np.asarray(dni_extra, dtype=float), np.asarray(airmass, dtype=float)


def ground_array_yield(tmy=None, module_efficiency=MODULE_EFFICIENCY, tilt_deg=None, azimuth_deg=180.0,
                       system_losses=SYSTEM_LOSSES, temp_coeff_per_k=TEMP_COEFF_PER_K,
                       inverter_efficiency=INVERTER_EFFICIENCY, dc_ac_ratio=DC_AC_RATIO, albedo=None,
                       transposition="perez", racking=SAPM_RACKING, diffuse_iam=True) -> dict:
    """Annual yield of one square metre of fixed-tilt ground PV over a TMY3 year.

    Chain (module docstring for the papers): NREL SPA sun at mid-hour -> Perez (or Hay-Davies)
    plane-of-array irradiance -> physical IAM -> SAPM open-rack cell temperature -> PVWatts DC
    (P = G_eff/1000 W/m^2 * eta * 1000 W/m^2 * (1 + gamma (T_cell - 25 C))) x (1 - system_losses)
    -> PVWatts inverter (eta_nom, eta_ref = 0.9637) with clipping at P_dc0 / dc_ac_ratio.

    Parameters
    ----------
    tmy : str or Path or None
        TMY3 file name in pvlib's data folder or a path; None is ``723170TYA.CSV`` (Greensboro, NC)
    module_efficiency : float
        module efficiency at STC [1]; DC rating per module area = efficiency * 1000 W/m^2
    tilt_deg : float or None
        surface tilt from horizontal [deg]; None is the site latitude
    azimuth_deg : float
        surface azimuth, clockwise from north [deg]; 180 faces south
    system_losses : float
        PVWatts DC system losses [1]
    temp_coeff_per_k : float
        temperature coefficient of maximum power [1/K]
    inverter_efficiency, dc_ac_ratio : float
        PVWatts nominal inverter efficiency [1] and array-to-inverter rating ratio [1]
    albedo : float or None
        ground reflectance [1]; None uses the file's hourly albedo where positive, else 0.2
    transposition : {'perez', 'haydavies'}
    racking : str
        SAPM thermal-model key (``pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS['sapm']``)
    diffuse_iam : bool
        apply the physical IAM's diffuse integral (Marion 2017) to sky and ground diffuse; False
        leaves diffuse unreflected, as pvlib's ModelChain does (used to test against it)

    Returns
    -------
    dict
        ``ghi_kwh_per_m2_year`` / ``poa_kwh_per_m2_year`` [kWh/m^2/yr] irradiation on the horizontal /
        the array plane; ``peak_sun_hours_per_day`` [h/day] = POA kWh/m^2/day at 1 kW/m^2;
        ``dc_kwh_per_m2_year`` (after system losses) and ``ac_kwh_per_m2_year`` [kWh/m^2/yr] per
        m^2 of module area; ``specific_yield_kwh_per_kwp_year`` [kWh/kWp/yr];
        ``capacity_factor_ac`` [1] = AC energy / (DC rating x 8760 h), the PVWatts convention;
        ``performance_ratio`` [1] = AC / (POA x efficiency); ``hourly_ac_w_per_m2`` and
        ``hourly_dc_w_per_m2`` [W/m^2] numpy arrays of 8760 hour-ending means (Jan 1 01:00 first);
        ``site`` and ``parameters`` (the inputs used).
    """
    import pvlib

    if not 0.0 < module_efficiency <= 1.0:
        raise ValueError(f"module_efficiency must be in (0, 1], got {module_efficiency}")
    if not 0.0 <= system_losses < 1.0:
        raise ValueError(f"system_losses must be in [0, 1), got {system_losses}")
    if not 0.0 < inverter_efficiency <= 1.0 or dc_ac_ratio <= 0.0:
        raise ValueError("inverter_efficiency must be in (0, 1] and dc_ac_ratio > 0")
    if transposition not in ("perez", "haydavies"):
        raise ValueError(f"transposition must be 'perez' or 'haydavies', got {transposition!r}")
    path = tmy_path() if tmy is None else tmy_path(str(tmy))
    weather, meta, sun, dni_extra, airmass = _weather_and_sun(str(path))
    tilt = float(meta["latitude"]) if tilt_deg is None else float(tilt_deg)
    if albedo is None:
        file_albedo = weather["albedo"].to_numpy(dtype=float)
        albedo_used = np.where((file_albedo > 0.0) & (file_albedo < 1.0), file_albedo, ALBEDO)
    else:
        albedo_used = float(albedo)

    zenith = sun["apparent_zenith"].to_numpy()
    sun_az = sun["azimuth"].to_numpy()
    dni, ghi, dhi = (weather[c].to_numpy(dtype=float) for c in ("dni", "ghi", "dhi"))
    poa = pvlib.irradiance.get_total_irradiance(
        tilt, azimuth_deg, zenith, sun_az, dni, ghi, dhi, dni_extra=dni_extra, airmass=airmass,
        albedo=albedo_used, model=transposition)
    # Perez returns NaN where the sun is down (no air mass) or the inputs are all zero: no light
    poa_direct = np.nan_to_num(np.asarray(poa["poa_direct"], dtype=float))
    poa_sky = np.nan_to_num(np.asarray(poa["poa_sky_diffuse"], dtype=float))
    poa_ground = np.nan_to_num(np.asarray(poa["poa_ground_diffuse"], dtype=float))
    poa_global = poa_direct + poa_sky + poa_ground

    aoi = pvlib.irradiance.aoi(tilt, azimuth_deg, zenith, sun_az)
    iam_beam = np.nan_to_num(np.asarray(pvlib.iam.physical(aoi), dtype=float))  # 0 beyond 90 deg
    if diffuse_iam:
        iam_diffuse = {k: float(v) for k, v in pvlib.iam.marion_diffuse("physical", tilt).items()}
    else:
        iam_diffuse = {"sky": 1.0, "ground": 1.0}
    effective = poa_direct * iam_beam + poa_sky * iam_diffuse["sky"] + poa_ground * iam_diffuse["ground"]

    thermal = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"][racking]
    temp_cell = pvlib.temperature.sapm_cell(poa_global, weather["temp_air"].to_numpy(dtype=float),
                                            weather["wind_speed"].to_numpy(dtype=float), **thermal)
    pdc0_w_per_m2 = module_efficiency * STC_IRRADIANCE_W_M2
    dc = pvlib.pvsystem.pvwatts_dc(effective, temp_cell, pdc0_w_per_m2, temp_coeff_per_k)
    dc = np.clip(np.asarray(dc, dtype=float), 0.0, None) * (1.0 - system_losses)
    # pvlib's inverter pdc0 is the DC input limit: AC rating / nominal efficiency (as PVWatts v8)
    inverter_pdc0 = pdc0_w_per_m2 / dc_ac_ratio / inverter_efficiency
    with np.errstate(divide="ignore", invalid="ignore"):  # pdc = 0 at night: pvlib masks it to 0
        ac = pvlib.inverter.pvwatts(dc, inverter_pdc0, eta_inv_nom=inverter_efficiency)
    ac = np.clip(np.nan_to_num(np.asarray(ac, dtype=float)), 0.0, None)

    ghi_kwh = float(ghi.sum()) / 1e3  # hourly means [W/m^2] x 1 h -> Wh/m^2, summed -> kWh/m^2
    poa_kwh = float(poa_global.sum()) / 1e3
    dc_kwh = float(dc.sum()) / 1e3
    ac_kwh = float(ac.sum()) / 1e3
    kwp_per_m2 = pdc0_w_per_m2 / 1e3
    return {
        "site": {"name": str(meta.get("Name", "")).strip('"'), "state": meta.get("State"),
                 "latitude_deg": float(meta["latitude"]), "longitude_deg": float(meta["longitude"]),
                 "altitude_m": float(meta["altitude"]), "file": path.name},
        "tilt_deg": tilt, "azimuth_deg": float(azimuth_deg),
        "ghi_kwh_per_m2_year": ghi_kwh,
        "poa_kwh_per_m2_year": poa_kwh,
        "peak_sun_hours_per_day": poa_kwh / (HOURS_PER_YEAR / 24.0),
        "dc_kwh_per_m2_year": dc_kwh,
        "ac_kwh_per_m2_year": ac_kwh,
        "specific_yield_kwh_per_kwp_year": ac_kwh / kwp_per_m2,
        "capacity_factor_ac": ac_kwh / (kwp_per_m2 * HOURS_PER_YEAR),
        "performance_ratio": ac_kwh / (poa_kwh * module_efficiency) if poa_kwh > 0 else math.nan,
        "hourly_ac_w_per_m2": ac,
        "hourly_dc_w_per_m2": dc,
        "parameters": {"module_efficiency": module_efficiency, "temp_coeff_per_k": temp_coeff_per_k,
                       "system_losses": system_losses, "inverter_efficiency": inverter_efficiency,
                       "dc_ac_ratio": dc_ac_ratio, "albedo": "file, else 0.2" if albedo is None else albedo,
                       "transposition": transposition, "racking": racking, "diffuse_iam": diffuse_iam},
    }


def _storage_steps_wh(load_w, hourly_w_per_m2, area_m2, round_trip, step_h):
    """Change of stored energy each step if the battery had no limits [Wh].

    Surplus (A p - L) goes in at sqrt(round trip); a deficit draws (L - A p) / sqrt(round trip)
    out of storage (the loss split evenly between charge and discharge, AC-coupled)."""
    eta = math.sqrt(round_trip)
    net_w = area_m2 * hourly_w_per_m2 - load_w
    return np.where(net_w >= 0.0, net_w * eta, net_w / eta) * step_h


def soc_walk(load_w, hourly_w_per_m2, area_m2, battery_wh, battery_round_trip=BATTERY_ROUND_TRIP,
             years=2, initial_soc_wh=None, step_h=1.0) -> dict:
    """Walk the battery's state of charge through the year, ``years`` times over (TMY repeats).

    Each step: store surplus (x sqrt(rt)) up to ``battery_wh``, curtail the rest; draw the deficit
    (/ sqrt(rt)). The state may go negative in the walk: that is unserved energy, reported in
    load-side Wh, and the state is then set back to 0. Starts full unless told otherwise.

    Returns
    -------
    dict
        ``soc_wh`` (last year's state after each step), ``min_soc_wh`` (lowest state reached
        before flooring, over all years), ``unserved_wh`` and ``curtailed_wh`` over the last year
        [Wh], ``charged_wh`` / ``discharged_wh`` (into / out of storage over the last year) [Wh].
    """
    steps = _storage_steps_wh(load_w, np.asarray(hourly_w_per_m2, dtype=float), area_m2,
                              battery_round_trip, step_h).tolist()
    eta = math.sqrt(battery_round_trip)
    soc = float(battery_wh if initial_soc_wh is None else initial_soc_wh)
    lowest = soc
    n = len(steps)
    trace = np.empty(n)
    for _year in range(years):
        unserved = curtailed = charged = discharged = 0.0
        for i, d in enumerate(steps):  # sequential by nature: each hour depends on the last
            new = soc + d
            if d >= 0.0:
                charged += d
                if new > battery_wh:
                    curtailed += (new - battery_wh) / eta  # back to the array side of the charger
                    charged -= new - battery_wh
                    new = battery_wh
            else:
                discharged -= d
                if new < lowest:
                    lowest = new
                if new < 0.0:
                    unserved += -new * eta  # storage-side shortfall -> load-side Wh
                    discharged += new
                    new = 0.0
            soc = new
            trace[i] = soc
    return {"soc_wh": trace, "min_soc_wh": lowest, "unserved_wh": unserved, "curtailed_wh": curtailed,
            "charged_wh": charged, "discharged_wh": discharged}


def _min_battery_wh(steps):
    """Smallest storage with no deficit in the periodic steady state: the sequent-peak algorithm
    (Thomas & Fiering 1963; Loucks & van Beek 2017, Water Resource Systems Planning, §11.3).
    K_t = max(0, K_{t-1} - d_t) over two cycles of the year; the capacity is max K. K_t is how far
    below full a battery that started full would be, so it is exact and independent of capacity."""
    deficit = peak = 0.0
    for d in steps + steps:  # the second pass starts from the first's end: the periodic state
        deficit -= d
        if deficit < 0.0:
            deficit = 0.0
        elif deficit > peak:
            peak = deficit
    return peak


def min_firm_area_m2(load_w, hourly_w_per_m2, battery_round_trip=BATTERY_ROUND_TRIP, step_h=1.0):
    """Smallest array area whose year, through a lossy but unlimited battery, covers the load [m^2].

    The year's net storage change S(A) = sum_t d_t(A) rises monotonically with area A (each d_t
    does); the root S(A) = 0 is found by bisection to 1e-12 relative, returning the upper bracket
    so S >= 0. Below it no battery of any size keeps the load up year after year."""
    p = np.asarray(hourly_w_per_m2, dtype=float)
    mean_w = float(p.mean())
    if mean_w <= 0.0:
        raise ValueError("the hourly yield is zero all year: no array can carry a load")
    lo = 0.0
    hi = load_w / (mean_w * battery_round_trip)  # every hour through the battery: always enough
    while _storage_steps_wh(load_w, p, hi, battery_round_trip, step_h).sum() < 0.0:
        hi *= 2.0  # guards rounding only; the bound above already holds analytically
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _storage_steps_wh(load_w, p, mid, battery_round_trip, step_h).sum() >= 0.0:
            hi = mid
        else:
            lo = mid
        if hi - lo <= 1e-12 * hi:
            break
    return hi


def firm_ground_power(load_w, hourly_ac_w_per_m2, battery_round_trip=BATTERY_ROUND_TRIP, area_m2=None,
                      oversize=1.0, step_h=1.0) -> dict:
    """Array area and battery that carry a constant load every hour of the TMY year.

    Method: (1) the smallest area is the root of the year's net storage balance
    (``min_firm_area_m2``); (2) for the chosen area (``oversize`` x the smallest, or ``area_m2``)
    the smallest battery is the sequent-peak maximum deficit over two passes of the year, i.e. the
    periodic steady state of a year that repeats; (3) ``soc_walk`` then runs two years from full
    with that battery and reports unserved (0 by construction; checked, not assumed) and curtailed
    energy over the steady-state year. The smallest area needs seasonal storage; oversizing the
    array trades area for battery.

    Parameters
    ----------
    load_w : float
        constant load [W] (an AI data centre runs around the clock)
    hourly_ac_w_per_m2 : array of float
        hourly mean power per m^2 of array over the year [W/m^2] (``ground_array_yield``)
    battery_round_trip : float
        AC-AC round-trip efficiency [1], split as sqrt() on charge and on discharge
    area_m2 : float or None
        array area [m^2]; None is ``oversize`` x the smallest area
    oversize : float
        area / smallest area [1], >= 1, used when ``area_m2`` is None
    step_h : float
        length of one record [h]

    Returns
    -------
    dict
        ``area_m2``, ``min_area_m2`` [m^2]; ``battery_wh`` usable storage [Wh] and
        ``battery_hours`` [h] = battery_wh / load_w; ``unserved_wh``, ``curtailed_wh``,
        ``generation_wh``, ``load_wh`` over the steady-state year [Wh]; ``battery_losses_wh`` [Wh].
    """
    p = np.asarray(hourly_ac_w_per_m2, dtype=float)
    if not load_w > 0.0 or not math.isfinite(load_w):
        raise ValueError(f"load_w must be a positive number, got {load_w}")
    if p.ndim != 1 or p.size == 0 or not np.all(np.isfinite(p)) or np.any(p < 0.0):
        raise ValueError("hourly_ac_w_per_m2 must be a 1-D array of finite values >= 0")
    if not 0.0 < battery_round_trip <= 1.0:
        raise ValueError(f"battery_round_trip must be in (0, 1], got {battery_round_trip}")
    min_area = min_firm_area_m2(load_w, p, battery_round_trip, step_h)
    if area_m2 is None:
        if oversize < 1.0:
            raise ValueError(f"oversize must be >= 1, got {oversize}")
        area = oversize * min_area
    else:
        area = float(area_m2)
        if area < min_area:
            raise ValueError(f"area_m2 = {area:.6g} m^2 is below the smallest firm area "
                             f"{min_area:.6g} m^2: no battery can carry {load_w:g} W through the year")
    steps = _storage_steps_wh(load_w, p, area, battery_round_trip, step_h).tolist()
    battery = _min_battery_wh(steps)
    walk = soc_walk(load_w, p, area, battery, battery_round_trip, years=2, step_h=step_h)
    eta = math.sqrt(battery_round_trip)
    return {
        "area_m2": area, "min_area_m2": min_area, "battery_wh": battery,
        "battery_hours": battery / load_w,
        "unserved_wh": walk["unserved_wh"], "curtailed_wh": walk["curtailed_wh"],
        "generation_wh": float(p.sum()) * area * step_h, "load_wh": load_w * p.size * step_h,
        "battery_losses_wh": walk["charged_wh"] * (1.0 / eta - 1.0) + walk["discharged_wh"] * (1.0 - eta),
        "battery_round_trip": battery_round_trip,
    }


def orbit_vs_ground(orbit_solar_wh_per_m2_year, orbit_array_kg_per_m2, ground=None,
                    ground_kg_per_m2=GROUND_MODULE_KG_PER_M2 + GROUND_RACKING_KG_PER_M2, firm=None,
                    orbit_sunlit_fraction=None) -> dict:
    """Orbit against ground: yield per m^2 and per kg of array, and their ratios (the "5x" test).

    Like with like: the orbit number is what a twin run delivers to the bus per m^2 of array per
    year (``energy_solar_wh`` / area / years, after the regulator: DC), so the ground's DC yield
    after system losses is the primary comparison; AC (after the inverter) is given too.

    Parameters
    ----------
    orbit_solar_wh_per_m2_year : float
        orbital array energy to the bus per m^2 of array per year [Wh/m^2/yr]
    orbit_array_kg_per_m2 : float
        orbital array specific mass [kg/m^2]
    ground : dict or None
        a ``ground_array_yield`` result; None runs it with the defaults (Greensboro, NC)
    ground_kg_per_m2 : float
        module + racking mass per m^2 of module [kg/m^2] (defaults: 12 + 10, see the constants)
    firm : dict or None
        a ``firm_ground_power`` result: adds the firm (round-the-clock) energy per m^2 of array
    orbit_sunlit_fraction : float or None
        fraction of the year the orbital array is lit [1]; adds the ratio of incident sunlight
        (S0 = 1361 W/m^2, sun-pointing) to the ground's plane-of-array irradiation

    Returns
    -------
    dict of floats: ``*_kwh_per_m2_year``, ``*_kwh_per_kg_year`` and ``ratio_*`` (orbit / ground).
    """
    if orbit_solar_wh_per_m2_year < 0.0 or not orbit_array_kg_per_m2 > 0.0 or not ground_kg_per_m2 > 0.0:
        raise ValueError("orbit yield must be >= 0 and both specific masses > 0")
    g = ground_array_yield() if ground is None else ground
    orbit_kwh = orbit_solar_wh_per_m2_year / 1e3
    out = {
        "orbit_kwh_per_m2_year": orbit_kwh,
        "ground_dc_kwh_per_m2_year": g["dc_kwh_per_m2_year"],
        "ground_ac_kwh_per_m2_year": g["ac_kwh_per_m2_year"],
        "ratio_per_m2_dc": orbit_kwh / g["dc_kwh_per_m2_year"],
        "ratio_per_m2_ac": orbit_kwh / g["ac_kwh_per_m2_year"],
        "orbit_kwh_per_kg_year": orbit_kwh / orbit_array_kg_per_m2,
        "ground_dc_kwh_per_kg_year": g["dc_kwh_per_m2_year"] / ground_kg_per_m2,
        "ratio_per_kg_dc": (orbit_kwh / orbit_array_kg_per_m2) / (g["dc_kwh_per_m2_year"] / ground_kg_per_m2),
        "orbit_array_kg_per_m2": orbit_array_kg_per_m2, "ground_kg_per_m2": ground_kg_per_m2,
    }
    if firm is not None:
        firm_kwh = firm["load_wh"] / firm["area_m2"] / 1e3
        out["ground_firm_kwh_per_m2_year"] = firm_kwh
        out["ratio_per_m2_firm"] = orbit_kwh / firm_kwh
    if orbit_sunlit_fraction is not None:
        if not 0.0 <= orbit_sunlit_fraction <= 1.0:
            raise ValueError(f"orbit_sunlit_fraction must be in [0, 1], got {orbit_sunlit_fraction}")
        orbit_sun_kwh = SOLAR_CONSTANT_W_M2 * orbit_sunlit_fraction * HOURS_PER_YEAR / 1e3
        out["orbit_insolation_kwh_per_m2_year"] = orbit_sun_kwh
        out["ratio_insolation"] = orbit_sun_kwh / g["poa_kwh_per_m2_year"]
    return out


def main() -> None:
    """Print the baseline numbers quoted in docs/economics.md (Greensboro, NC, defaults)."""
    g = ground_array_yield()
    s = g["site"]
    print(f"site {s['name']}, {s['state']} ({s['latitude_deg']:.2f} N, {s['longitude_deg']:.2f} E), "
          f"tilt {g['tilt_deg']:.1f} deg, azimuth {g['azimuth_deg']:.0f} deg")
    print(f"GHI {g['ghi_kwh_per_m2_year']:,.0f}  POA {g['poa_kwh_per_m2_year']:,.0f} kWh/m^2/yr  "
          f"peak-sun {g['peak_sun_hours_per_day']:.2f} h/day")
    print(f"DC {g['dc_kwh_per_m2_year']:.1f}  AC {g['ac_kwh_per_m2_year']:.1f} kWh/m^2/yr  "
          f"{g['specific_yield_kwh_per_kwp_year']:,.0f} kWh/kWp  CF {100 * g['capacity_factor_ac']:.2f} %  "
          f"PR {g['performance_ratio']:.3f}")
    for k in (1.0, 1.25, 1.5, 2.0, 3.0, 4.0):
        f = firm_ground_power(1e6, g["hourly_ac_w_per_m2"], oversize=k)
        print(f"1 MW firm, area x{k:<4}: {f['area_m2']:>9,.0f} m^2 ({f['area_m2'] * MODULE_EFFICIENCY / 1e3:,.2f} MWp)"
              f"  battery {f['battery_wh'] / 1e6:>8,.1f} MWh ({f['battery_hours']:,.1f} h)"
              f"  curtailed {100 * f['curtailed_wh'] / f['generation_wh']:.1f} %  unserved {f['unserved_wh']:.0f} Wh")


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the regeneration command must be warning-free too
        main()
