"""The naive baseline: twin's physics, one SimPy process per satellite.

This is the design DESIGN.md §1 rules out, kept as the yardstick of §5 ("≥ 30 × a naive
SimPy-process-per-satellite implementation"). It is meant to be honest and simple, not slow on
purpose: what a careful engineer would write first.

Per satellite and step, in that satellite's own SimPy process (one ``env.timeout(dt)`` each):

* ``Satrec.sgp4`` for this one satellite at this one time (TEME, km);
* TEME -> GCRS with the rotation matrix of that time, as a plain-Python 3×3 product;
* the node physics of :func:`twin.kernels.node.advance_nodes`, written out step by step in
  plain Python and calling the ``.py_func`` of twin's scalar kernels (the same source code,
  run by the interpreter): conical shadow, irradiance, panel incidence, array power, heaters,
  thermal throttle, battery limits, load shedding, battery step and fade, radiator environment
  loads (Earth and albedo view factors) and the two-node thermal step. The few helpers those
  functions call internally (``_h_phi1``, ``compute_power_w``, ``_survival`` and the
  ``earth_view_factor`` inside ``albedo_view_factor``) are numba dispatchers called from Python.

Shared by all satellites and computed once per time, by the first process that needs it (they
do not depend on the satellite, and recomputing them per satellite would be a straw man): the
UTC Julian date SGP4 takes (:func:`twin.orbits.sgp4_utc_jd`), the TEME -> GCRS matrix
(:func:`twin.orbits.teme_to_gcrs_matrices` for that single time: skyfield's TEME frame,
interpolated between hourly nodes exactly as twin does) and the Sun
(:func:`twin.environment.sun_position_gcrs_m` for that single time: DE421 through skyfield).

No jobs: every node's accelerators are idle (busy = 0), so compute draws idle power only.
Parameters come from the same config wrapper as twin's (:func:`twin.nodes.node_params`,
:func:`twin.nodes.initial_state`), so only the way the work is organised differs.

``physics="minimal"`` keeps only SGP4, the rotation, the shadow (jitted scalar kernel) and a
battery bucket: a calibration point for DESIGN.md §5's "a minimal one reaches about 330 k
satellite-steps/s", not a model of anything.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import simpy

from twin.environment import skyfield_times, sun_position_gcrs_m
from twin.kernels import layout as L
from twin.kernels.battery import battery_limits_w, battery_step, faded_capacity_j
from twin.kernels.node import SECONDS_PER_YEAR, _lvlh_to_gcrs
from twin.kernels.power import shed_load
from twin.kernels.shadow import shadow_fraction
from twin.kernels.solar import array_power_w, incidence_cos, solar_irradiance_w_m2
from twin.kernels.thermal import heater_power_w, radiator_absorbed_w, thermal_throttle, two_node_step
from twin.kernels.viewfactor import EARTH_MEAN_RADIUS_M, albedo_view_factor, earth_view_factor
from twin.nodes import initial_state, node_params
from twin.orbits import sgp4_utc_jd, teme_to_gcrs_matrices

J_PER_WH = 3600.0  # J/Wh

# plain-Python versions of the scalar kernels (numba's original Python functions)
_shadow = shadow_fraction.py_func
_irradiance = solar_irradiance_w_m2.py_func
_incidence = incidence_cos.py_func
_array_power = array_power_w.py_func
_lvlh = _lvlh_to_gcrs.py_func
_heater = heater_power_w.py_func
_throttle = thermal_throttle.py_func
_limits = battery_limits_w.py_func
_shed = shed_load.py_func
_battery = battery_step.py_func
_fade = faded_capacity_j.py_func
_absorbed = radiator_absorbed_w.py_func
_earth_vf = earth_view_factor.py_func
_albedo_vf = albedo_view_factor.py_func
_two_node = two_node_step.py_func


@dataclass
class NaiveRun:
    """Records of a naive run, shaped like twin's /state: (R, N), record r ends at time[r].
    Flows (``*_power_w``, ``sunlit_fraction``) are means over the record interval, stocks values
    at its end, as in DESIGN.md §4."""

    time_s: np.ndarray
    battery_energy_wh: np.ndarray
    soc: np.ndarray
    electronics_temp_k: np.ndarray
    radiator_temp_k: np.ndarray
    mode: np.ndarray
    solar_power_w: np.ndarray
    load_power_w: np.ndarray
    heater_power_w: np.ndarray
    sunlit_fraction: np.ndarray
    wall_s: float
    satellite_steps: int

    @property
    def satellite_steps_per_s(self) -> float:
        return self.satellite_steps / max(self.wall_s, 1e-9)


class Sky:
    """What all satellites share at a time: SGP4's Julian date, the TEME -> GCRS matrix and the
    Sun. Computed once per step, when the first satellite asks for it."""

    def __init__(self, epoch_utc, dt_s: float):
        self.epoch_utc, self.dt_s = epoch_utc, dt_s
        self._step = -1
        self._value = None

    def at(self, step: int):
        """(jd, fr, rotation as 9 floats row-major, sun xyz [m]) at the end of ``step``."""
        if step != self._step:
            t_s = np.array([(step + 1) * self.dt_s])
            jd, fr = sgp4_utc_jd(skyfield_times(self.epoch_utc, t_s))
            rot = teme_to_gcrs_matrices(self.epoch_utc, t_s)[0]
            sun = sun_position_gcrs_m(self.epoch_utc, t_s)[0]
            self._value = (float(jd[0]), float(fr[0]), tuple(float(x) for x in rot.ravel()),
                           (float(sun[0]), float(sun[1]), float(sun[2])))
            self._step = step
        return self._value


def _position_gcrs_m(satrec, jd, fr, rot):
    error, r, v = satrec.sgp4(jd, fr)
    if error:
        nan = math.nan
        return (nan, nan, nan), (nan, nan, nan)
    m00, m01, m02, m10, m11, m12, m20, m21, m22 = rot
    pos = ((m00 * r[0] + m01 * r[1] + m02 * r[2]) * 1e3,
           (m10 * r[0] + m11 * r[1] + m12 * r[2]) * 1e3,
           (m20 * r[0] + m21 * r[1] + m22 * r[2]) * 1e3)
    vel = ((m00 * v[0] + m01 * v[1] + m02 * v[2]) * 1e3,
           (m10 * v[0] + m11 * v[1] + m12 * v[2]) * 1e3,
           (m20 * v[0] + m21 * v[1] + m22 * v[2]) * 1e3)
    return pos, vel


def satellite(env, i, satrec, sky, p, state0, dt_s, n_steps, record_steps, out):
    """One satellite's process: the body of ``advance_nodes``' inner loop, in plain Python."""
    energy, capacity, t_elec, t_rad, efc, nu_prev = (float(x) for x in state0)
    node_mode = L.MODE_NOMINAL
    busy = 0.0  # no jobs
    pointing = int(p.pointing_mode)
    max_charge_w = p.max_charge_w_per_j * p.nominal_capacity_j
    max_discharge_w = p.max_discharge_w_per_j * p.nominal_capacity_j
    emissive_area_m2 = p.radiator_area_m2 * p.radiator_sides
    ir_with_alpha = p.ir_absorbed_with_alpha > 0.5
    sums = [0.0, 0.0, 0.0, 0.0]  # ∫ solar, load, heater [J], ∫ nu [s] over the record interval
    for k in range(n_steps):
        yield env.timeout(dt_s)
        jd, fr, rot, (sx, sy, sz) = sky.at(k)
        (rx, ry, rz), (vx, vy, vz) = _position_gcrs_m(satrec, jd, fr, rot)
        r = math.sqrt(rx * rx + ry * ry + rz * rz)
        # geometry: Sun direction from the satellite, shadow, array power
        dx, dy, dz = sx - rx, sy - ry, sz - rz
        d_sun = math.sqrt(dx * dx + dy * dy + dz * dz)
        ux, uy, uz = dx / d_sun, dy / d_sun, dz / d_sun
        nu = _shadow(rx, ry, rz, sx, sy, sz)
        irradiance = _irradiance(d_sun, nu)
        age = p.age_years + (k + 1) * dt_s / SECONDS_PER_YEAR
        cos_inc = _incidence(pointing, ux, uy, uz, rx, ry, rz, vx, vy, vz,
                             p.array_normal_x, p.array_normal_y, p.array_normal_z)
        solar_w = _array_power(irradiance, cos_inc, p.array_area_m2, p.cell_efficiency,
                               p.packing_factor, p.degradation_per_year, age, p.temp_coeff_per_k,
                               p.cell_temp_k, p.reference_temp_k, p.mppt_efficiency)
        nx, ny, nz, _, _, _, zx, zy, zz = _lvlh(
            rx, ry, rz, vx, vy, vz, p.radiator_normal_x, p.radiator_normal_y, p.radiator_normal_z)
        # demands and load shedding
        heater_w = _heater(t_elec, p.heater_setpoint_k, p.heater_max_w,
                           p.electronics_heat_capacity_j_per_k, dt_s,
                           p.conductance_w_per_k * (t_elec - t_rad) - p.bus_power_w)
        throttle_t = _throttle(t_elec, p.throttle_start_k, p.shutdown_k)
        charge_w, discharge_w = _limits(energy, capacity, p.min_soc, p.max_soc, dt_s,
                                        p.charge_efficiency, p.discharge_efficiency,
                                        max_charge_w, max_discharge_w)
        soc = energy / capacity if capacity > 0.0 else 0.0
        recovering = (node_mode == L.MODE_IDLE or node_mode == L.MODE_SAFE) and soc < p.recover_soc
        node_mode, _, compute_w, heater_w, bus_w = _shed(
            solar_w + discharge_w, solar_w, p.bus_power_w, heater_w, p.n_accel, busy,
            p.accel_idle_w, p.accel_peak_w, throttle_t, p.min_throttle, recovering)
        load_w = bus_w + heater_w + compute_w
        # battery, with capacity fade
        energy, loss_w, _, drawn_j = _battery(energy, solar_w - load_w, charge_w, discharge_w,
                                              p.charge_efficiency, p.discharge_efficiency, dt_s)
        if drawn_j > 0.0 and p.fade_per_efc > 0.0:
            efc += drawn_j / p.nominal_capacity_j
            capacity = _fade(p.nominal_capacity_j, efc, p.fade_per_efc)
            if energy > p.max_soc * capacity:
                loss_w += (energy - p.max_soc * capacity) / dt_s
                energy = p.max_soc * capacity
        # thermal: radiator environment loads, then the two-node step
        altitude = r - EARTH_MEAN_RADIUS_M
        front_nadir = math.acos(max(-1.0, min(1.0, nx * zx + ny * zy + nz * zz)))
        back_nadir = math.pi - front_nadir
        sun_zenith = math.acos(max(-1.0, min(1.0, (rx * ux + ry * uy + rz * uz) / r)))
        cos_front = nx * ux + ny * uy + nz * uz
        q_abs = _absorbed(p.radiator_area_m2, p.radiator_absorptivity, p.radiator_emissivity,
                          irradiance, cos_front, -cos_front, p.radiator_sides,
                          _earth_vf(altitude, front_nadir), _earth_vf(altitude, back_nadir),
                          p.albedo, p.earth_ir_w_m2,
                          _albedo_vf(altitude, front_nadir, sun_zenith),
                          _albedo_vf(altitude, back_nadir, sun_zenith), ir_with_alpha)
        t_elec, t_rad = _two_node(t_elec, t_rad, load_w + loss_w, q_abs, dt_s,
                                  p.electronics_heat_capacity_j_per_k,
                                  p.radiator_heat_capacity_j_per_k, p.conductance_w_per_k,
                                  emissive_area_m2, p.radiator_emissivity, p.space_temp_k)
        nu_prev = nu
        sums[0] += solar_w * dt_s
        sums[1] += load_w * dt_s
        sums[2] += heater_w * dt_s
        sums[3] += nu * dt_s
        if (k + 1) % record_steps == 0:
            _record(out, (k + 1) // record_steps - 1, i, energy, capacity, t_elec, t_rad,
                    node_mode, sums, record_steps * dt_s)


def satellite_minimal(env, i, satrec, sky, p, state0, dt_s, n_steps, record_steps, out):
    """SGP4, rotation, shadow (jitted scalar kernel) and a battery bucket: nothing else."""
    energy, capacity = float(state0[L.STATE_BATTERY_J]), float(state0[L.STATE_CAPACITY_J])
    peak_w = 1361.0 * p.array_area_m2 * p.cell_efficiency * p.packing_factor
    load_w = p.bus_power_w + p.n_accel * p.accel_idle_w
    sums = [0.0, 0.0, 0.0, 0.0]
    for k in range(n_steps):
        yield env.timeout(dt_s)
        jd, fr, rot, (sx, sy, sz) = sky.at(k)
        (rx, ry, rz), _ = _position_gcrs_m(satrec, jd, fr, rot)
        nu = shadow_fraction(rx, ry, rz, sx, sy, sz)
        solar_w = peak_w * nu
        energy = min(max(energy + (solar_w - load_w) * dt_s, 0.0), capacity)
        sums[0] += solar_w * dt_s
        sums[1] += load_w * dt_s
        sums[3] += nu * dt_s
        if (k + 1) % record_steps == 0:
            _record(out, (k + 1) // record_steps - 1, i, energy, capacity, math.nan, math.nan,
                    L.MODE_NOMINAL, sums, record_steps * dt_s)


def _record(out, r, i, energy, capacity, t_elec, t_rad, mode, sums, interval_s):
    out["battery_energy_wh"][r, i] = energy / J_PER_WH
    out["soc"][r, i] = energy / capacity if capacity > 0.0 else 0.0
    out["electronics_temp_k"][r, i] = t_elec
    out["radiator_temp_k"][r, i] = t_rad
    out["mode"][r, i] = mode
    out["solar_power_w"][r, i] = sums[0] / interval_s
    out["load_power_w"][r, i] = sums[1] / interval_s
    out["heater_power_w"][r, i] = sums[2] / interval_s
    out["sunlit_fraction"][r, i] = sums[3] / interval_s
    sums[:] = [0.0, 0.0, 0.0, 0.0]


def run_naive(sats, epoch_utc, dt_s: float, n_steps: int, spacecraft, record_every_steps: int = 1,
              physics: str = "full") -> NaiveRun:
    """Run ``sats`` (a :class:`twin.orbits.SatelliteSet`) for ``n_steps`` of ``dt_s`` seconds with
    one SimPy process per satellite.

    Parameters
    ----------
    sats : twin.orbits.SatelliteSet
    epoch_utc : datetime
        time 0 of the run; step k covers [k dt, (k + 1) dt] and uses the geometry at its end,
        as twin's engine does
    dt_s : float
        step [s]
    n_steps : int
    spacecraft : twin.config.Spacecraft
    record_every_steps : int
        record interval [steps]; a trailing partial interval is not recorded
    physics : {"full", "minimal"}

    Returns
    -------
    NaiveRun
        wall time covers the SimPy run only (not building the satellites).
    """
    if physics not in ("full", "minimal"):
        raise ValueError(f"physics must be 'full' or 'minimal', got {physics!r}")
    process = satellite if physics == "full" else satellite_minimal
    n = len(sats)
    n_records = n_steps // record_every_steps
    p = node_params(spacecraft)
    state, _ = initial_state(spacecraft, n)
    out = {name: np.full((n_records, n), np.nan) for name in (
        "battery_energy_wh", "soc", "electronics_temp_k", "radiator_temp_k", "solar_power_w",
        "load_power_w", "heater_power_w", "sunlit_fraction")}
    out["mode"] = np.zeros((n_records, n), dtype=np.int8)
    start = time.perf_counter()
    env = simpy.Environment()
    sky = Sky(epoch_utc, dt_s)
    for i, satrec in enumerate(sats.satrecs):
        env.process(process(env, i, satrec, sky, p, state[:, i], dt_s, n_steps,
                            record_every_steps, out))
    env.run()
    wall_s = time.perf_counter() - start
    time_s = (np.arange(n_records) + 1) * record_every_steps * dt_s
    return NaiveRun(time_s=time_s, wall_s=wall_s, satellite_steps=n * n_steps, **out)
