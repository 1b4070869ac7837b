"""The fused per-node step: shadow -> solar -> power balance -> battery -> thermal -> compute rate.

One call advances all N nodes K steps. Loops are node-major so that a node's state stays in
registers across its K steps. Inputs are plain arrays and a namedtuple of float parameters
(:class:`NodeParams`); everything is SI.
"""
import math
from collections import namedtuple

from numba import njit

from twin.kernels.battery import battery_limits_w, battery_step, faded_capacity_j
from twin.kernels.layout import (ACC_BETA, ACC_COMPUTE, ACC_CURTAILED, ACC_HEATER, ACC_LOAD,
                                 ACC_LOSS, ACC_MODE_TIME, ACC_SOLAR, ACC_SUNLIT, ACC_THROTTLE, ACC_UTILIZATION,
                                 EVENT_ECLIPSE_ENTRY, EVENT_ECLIPSE_EXIT, EVENT_MODE_CHANGE,
                                 MODE_IDLE, MODE_SAFE, STATE_BATTERY_J, STATE_CAPACITY_J,
                                 STATE_EFC, STATE_ELECTRONICS_K, STATE_RADIATOR_K, STATE_SUNLIT)
from twin.kernels.power import shed_load
from twin.kernels.shadow import shadow_fraction
from twin.kernels.solar import array_power_w, incidence_cos, solar_irradiance_w_m2
from twin.kernels.thermal import heater_power_w, radiator_absorbed_w, thermal_throttle, two_node_step
from twin.kernels.viewfactor import EARTH_MEAN_RADIUS_M, albedo_view_factor, earth_view_factor

SECONDS_PER_YEAR = 365.25 * 86400.0  # s, Julian year

NodeParams = namedtuple("NodeParams", [
    "bus_power_w",
    # solar array
    "array_area_m2", "pointing_mode", "array_normal_x", "array_normal_y", "array_normal_z",
    "cell_efficiency", "packing_factor", "degradation_per_year", "age_years", "temp_coeff_per_k",
    "cell_temp_k", "reference_temp_k", "mppt_efficiency",
    # battery
    "nominal_capacity_j", "min_soc", "max_soc", "charge_efficiency", "discharge_efficiency",
    "max_charge_w_per_j", "max_discharge_w_per_j", "fade_per_efc", "recover_soc",
    # compute
    "n_accel", "accel_idle_w", "accel_peak_w", "min_throttle",
    # radiator and thermal
    "radiator_area_m2", "radiator_sides", "radiator_emissivity", "radiator_absorptivity",
    "radiator_normal_x", "radiator_normal_y", "radiator_normal_z", "radiator_heat_capacity_j_per_k",
    "ir_absorbed_with_alpha", "electronics_heat_capacity_j_per_k", "conductance_w_per_k",
    "throttle_start_k", "shutdown_k", "heater_setpoint_k", "heater_max_w",
    # environment
    "albedo", "earth_ir_w_m2", "space_temp_k",
])

POINTING_CODES = {"sun_tracking": 0, "single_axis": 1, ("body_fixed", "nadir"): 2, ("body_fixed", "sun"): 3}


@njit(cache=True)
def _lvlh_to_gcrs(rx, ry, rz, vx, vy, vz, nx, ny, nz):
    """A vector given in LVLH (x along-track, y = -orbit normal, z = nadir) expressed in GCRS."""
    r = math.sqrt(rx * rx + ry * ry + rz * rz)
    zx, zy, zz = -rx / r, -ry / r, -rz / r
    hx, hy, hz = ry * vz - rz * vy, rz * vx - rx * vz, rx * vy - ry * vx
    h = math.sqrt(hx * hx + hy * hy + hz * hz)
    yx, yy, yz = -hx / h, -hy / h, -hz / h
    xx, xy, xz = yy * zz - yz * zy, yz * zx - yx * zz, yx * zy - yy * zx
    return (nx * xx + ny * yx + nz * zx, nx * xy + ny * yy + nz * zy, nx * xz + ny * yz + nz * zz,
            yx, yy, yz, zx, zy, zz)


@njit(cache=True)
def advance_nodes(pos_m, vel_m_s, sun_m, t0_s, dt_s, busy_accel, p, state, mode, acc, rate_out,
                  ev_step, ev_sat, ev_kind, ev_value):
    """Advance every node K steps.

    Parameters
    ----------
    pos_m, vel_m_s : (K, N, 3) GCRS position [m] and velocity [m/s] at the end of each step
    sun_m : (K, 3) Earth-centred GCRS Sun position [m]
    t0_s : time at the start of the first step, since the epoch [s]; dt_s : step [s]
    busy_accel : (N,) accelerators allocated to jobs on each node during these steps [1]
    p : NodeParams
    state : (N_STATE, N) node state, updated in place; mode : (N,) int64, updated in place
    acc : (N_ACC, N) record accumulators, incremented in place
    rate_out : (K, N) compute rate of a busy accelerator per step [1] (0 = no progress)
    ev_step, ev_sat, ev_kind : (cap,) int64; ev_value : (cap,) float64 event buffer, cap >= 3·K·N

    Returns the number of events written.
    """
    n_steps, n_nodes = pos_m.shape[0], pos_m.shape[1]
    n_events = 0
    max_charge_w = p.max_charge_w_per_j
    for i in range(n_nodes):
        energy = state[STATE_BATTERY_J, i]
        capacity = state[STATE_CAPACITY_J, i]
        t_elec = state[STATE_ELECTRONICS_K, i]
        t_rad = state[STATE_RADIATOR_K, i]
        efc = state[STATE_EFC, i]
        nu_prev = state[STATE_SUNLIT, i]
        node_mode = mode[i]
        busy = busy_accel[i]
        for k in range(n_steps):
            rx, ry, rz = pos_m[k, i, 0], pos_m[k, i, 1], pos_m[k, i, 2]
            vx, vy, vz = vel_m_s[k, i, 0], vel_m_s[k, i, 1], vel_m_s[k, i, 2]
            sx, sy, sz = sun_m[k, 0], sun_m[k, 1], sun_m[k, 2]
            r = math.sqrt(rx * rx + ry * ry + rz * rz)
            # geometry: Sun direction from the satellite, beta angle, shadow
            dx, dy, dz = sx - rx, sy - ry, sz - rz
            d_sun = math.sqrt(dx * dx + dy * dy + dz * dz)
            ux, uy, uz = dx / d_sun, dy / d_sun, dz / d_sun
            nu = shadow_fraction(rx, ry, rz, sx, sy, sz)
            irradiance = solar_irradiance_w_m2(d_sun, nu)
            age = p.age_years + (t0_s + (k + 1) * dt_s) / SECONDS_PER_YEAR
            cos_inc = incidence_cos(int(p.pointing_mode), ux, uy, uz, rx, ry, rz, vx, vy, vz,
                                    p.array_normal_x, p.array_normal_y, p.array_normal_z)
            solar_w = array_power_w(irradiance, cos_inc, p.array_area_m2, p.cell_efficiency,
                                    p.packing_factor, p.degradation_per_year, age, p.temp_coeff_per_k,
                                    p.cell_temp_k, p.reference_temp_k, p.mppt_efficiency)
            nx, ny, nz, yx, yy, yz, zx, zy, zz = _lvlh_to_gcrs(
                rx, ry, rz, vx, vy, vz, p.radiator_normal_x, p.radiator_normal_y, p.radiator_normal_z)
            beta = math.asin(max(-1.0, min(1.0, -(ux * yx + uy * yy + uz * yz))))
            # demands
            heater_w = heater_power_w(t_elec, p.heater_setpoint_k, p.heater_max_w,
                                      p.electronics_heat_capacity_j_per_k, dt_s,
                                      p.conductance_w_per_k * (t_elec - t_rad) - p.bus_power_w)
            throttle_t = thermal_throttle(t_elec, p.throttle_start_k, p.shutdown_k)
            charge_w, discharge_w = battery_limits_w(
                energy, capacity, p.min_soc, p.max_soc, dt_s, p.charge_efficiency,
                p.discharge_efficiency, max_charge_w * p.nominal_capacity_j,
                p.max_discharge_w_per_j * p.nominal_capacity_j)
            soc = energy / capacity if capacity > 0.0 else 0.0
            recovering = (node_mode == MODE_IDLE or node_mode == MODE_SAFE) and soc < p.recover_soc
            new_mode, throttle, compute_w, heater_w, bus_w = shed_load(
                solar_w + discharge_w, solar_w, p.bus_power_w, heater_w, p.n_accel, busy,
                p.accel_idle_w, p.accel_peak_w, throttle_t, p.min_throttle, recovering)
            load_w = bus_w + heater_w + compute_w
            # battery
            energy, loss_w, curtailed_w, drawn_j = battery_step(
                energy, solar_w - load_w, charge_w, discharge_w, p.charge_efficiency,
                p.discharge_efficiency, dt_s)
            if drawn_j > 0.0 and p.fade_per_efc > 0.0:
                efc += drawn_j / p.nominal_capacity_j
                capacity = faded_capacity_j(p.nominal_capacity_j, efc, p.fade_per_efc)
                if energy > p.max_soc * capacity:  # fade took room away: the excess is lost
                    loss_w += (energy - p.max_soc * capacity) / dt_s
                    energy = p.max_soc * capacity
            # thermal: every electrical watt consumed, and the battery losses, heat the electronics
            altitude = r - EARTH_MEAN_RADIUS_M  # the view factors' sphere
            front_nadir = math.acos(max(-1.0, min(1.0, nx * zx + ny * zy + nz * zz)))
            back_nadir = math.pi - front_nadir
            sun_zenith = math.acos(max(-1.0, min(1.0, (rx * ux + ry * uy + rz * uz) / r)))
            cos_front = nx * ux + ny * uy + nz * uz
            q_abs = radiator_absorbed_w(
                p.radiator_area_m2, p.radiator_absorptivity, p.radiator_emissivity, irradiance,
                cos_front, -cos_front, p.radiator_sides,
                earth_view_factor(altitude, front_nadir), earth_view_factor(altitude, back_nadir),
                p.albedo, p.earth_ir_w_m2,
                albedo_view_factor(altitude, front_nadir, sun_zenith),
                albedo_view_factor(altitude, back_nadir, sun_zenith), p.ir_absorbed_with_alpha > 0.5)
            t_elec, t_rad = two_node_step(
                t_elec, t_rad, load_w + loss_w, q_abs, dt_s, p.electronics_heat_capacity_j_per_k,
                p.radiator_heat_capacity_j_per_k, p.conductance_w_per_k,
                p.radiator_area_m2 * p.radiator_sides, p.radiator_emissivity, p.space_temp_k)
            # compute progress and records
            rate = throttle if busy > 0.0 else 0.0
            rate_out[k, i] = rate
            acc[ACC_SUNLIT, i] += nu * dt_s
            acc[ACC_BETA, i] += beta * dt_s
            acc[ACC_SOLAR, i] += solar_w * dt_s
            acc[ACC_LOAD, i] += load_w * dt_s
            acc[ACC_COMPUTE, i] += compute_w * dt_s
            acc[ACC_HEATER, i] += heater_w * dt_s
            acc[ACC_CURTAILED, i] += curtailed_w * dt_s
            acc[ACC_LOSS, i] += loss_w * dt_s
            acc[ACC_UTILIZATION, i] += busy * rate / p.n_accel * dt_s
            acc[ACC_THROTTLE, i] += throttle * dt_s
            acc[ACC_MODE_TIME + new_mode, i] += dt_s
            # events
            if nu_prev >= 0.5 and nu < 0.5:
                ev_step[n_events], ev_sat[n_events], ev_kind[n_events], ev_value[n_events] = k, i, EVENT_ECLIPSE_ENTRY, nu
                n_events += 1
            elif nu_prev < 0.5 and nu >= 0.5:
                ev_step[n_events], ev_sat[n_events], ev_kind[n_events], ev_value[n_events] = k, i, EVENT_ECLIPSE_EXIT, nu
                n_events += 1
            if new_mode != node_mode:
                ev_step[n_events], ev_sat[n_events], ev_kind[n_events], ev_value[n_events] = k, i, EVENT_MODE_CHANGE, new_mode
                n_events += 1
            node_mode = new_mode
            nu_prev = nu
        state[STATE_BATTERY_J, i] = energy
        state[STATE_CAPACITY_J, i] = capacity
        state[STATE_ELECTRONICS_K, i] = t_elec
        state[STATE_RADIATOR_K, i] = t_rad
        state[STATE_EFC, i] = efc
        state[STATE_SUNLIT, i] = nu_prev
        mode[i] = node_mode
    return n_events
