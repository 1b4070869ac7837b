"""The fused per-node step: shadow -> solar -> power balance -> battery -> thermal -> compute rate.

Physics per step (docs/design.md §5): geometry at the step's two boundaries, averaged; array power;
demands (bus, compute at the thermal throttle, thermostat heaters); load shedding against array
plus battery; battery charge/discharge with losses and fade; two-node thermal with every
consumed electrical watt dissipated in the electronics; the compute rate that jobs progress at.

One call advances all N nodes K steps. Loops are node-major so that a node's state stays in
registers across its K steps. Inputs are plain arrays and a namedtuple of float parameters
(:class:`NodeParams`); everything is SI.
"""
import math
from collections import namedtuple

import numpy as np
from numba import njit, prange
from numba.np.unsafe.ndarray import to_fixed_tuple

from twin.constants import EARTH_MEAN_RADIUS_M, SECONDS_PER_YEAR
from twin.kernels.battery import battery_limits_w, battery_step, faded_capacity_j
from twin.kernels.layout import (ACC_BETA, ACC_MAX, ACC_MIN, ACC_COMPUTE, ACC_CURTAILED, ACC_HEATER, ACC_LOAD,
                                 ACC_LOSS, ACC_MODE_TIME, ACC_SOLAR, ACC_SUNLIT, ACC_THROTTLE, ACC_UTILIZATION,
                                 EVENT_ECLIPSE_ENTRY, N_EXTREMA, EVENT_ECLIPSE_EXIT, EVENT_MODE_CHANGE,
                                 MODE_IDLE, MODE_SAFE, STATE_BATTERY_J, STATE_CAPACITY_J,
                                 STATE_DOWN, STATE_EFC, STATE_ELECTRONICS_K, STATE_LOSS_W, STATE_RADIATOR_K, STATE_SUNLIT,
                                 STATE_VIEW_BACK, STATE_VIEW_FRONT)
from twin.kernels.power import compute_power_w, shed_load
from twin.kernels.shadow import shadow_fraction, shadow_fraction_from
from twin.kernels.solar import array_power_w, incidence_cos_lvlh, lvlh_axes, solar_irradiance_w_m2
from twin.kernels.thermal import (LANE_SCRATCH_ROWS, radiator_absorbed_w, thermal_constants, thermal_throttle,
                                  two_node_step_c, two_node_step_lanes)
from twin.kernels.viewfactor import earth_view_factor


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
    "radiator_normal_x", "radiator_normal_y", "radiator_normal_z", "radiator_normal_inv_norm",
    "radiator_front_nadir_rad", "radiator_heat_capacity_j_per_k",
    "ir_absorbed_with_alpha", "electronics_heat_capacity_j_per_k", "conductance_w_per_k",
    "throttle_start_k", "shutdown_k", "heater_setpoint_k", "heater_max_w",
    # environment
    "albedo", "earth_ir_w_m2", "space_temp_k",
    # output: 1.0 to track the minimum and maximum of flows over each record interval
    "record_extrema",
])

POINTING_CODES = {"sun_tracking": 0, "single_axis": 1, ("body_fixed", "nadir"): 2, ("body_fixed", "sun"): 3}


@njit(cache=True)
def mean_shadow_fraction(p0x, p0y, p0z, p1x, p1y, p1z, s0x, s0y, s0z, s1x, s1y, s1z, n_sub):
    """Mean visible solar fraction over a step whose ends disagree (an eclipse edge inside it).

    The arc between the step's end positions is sampled at ``n_sub`` midpoints (chord points
    pushed out to the interpolated radius), so the edge is placed to dt/n_sub and a step that
    holds an eclipse entry gets the sunlit share it really has, whatever dt.
    """
    r0 = math.sqrt(p0x * p0x + p0y * p0y + p0z * p0z)
    r1 = math.sqrt(p1x * p1x + p1y * p1y + p1z * p1z)
    total = 0.0
    for j in range(n_sub):
        f = (j + 0.5) / n_sub
        x, y, z = p0x + f * (p1x - p0x), p0y + f * (p1y - p0y), p0z + f * (p1z - p0z)
        scale = (r0 + f * (r1 - r0)) / math.sqrt(x * x + y * y + z * z)
        total += shadow_fraction(x * scale, y * scale, z * scale, s0x + f * (s1x - s0x),
                                 s0y + f * (s1y - s0y), s0z + f * (s1z - s0z))
    return total / n_sub


N_GEOMETRY = 6  # values boundary_geometry returns


@njit(cache=True)
def boundary_geometry(rx, ry, rz, vx, vy, vz, sx, sy, sz, p):
    """What the physics needs from the geometry at one instant.

    Returns (ν, S·cos θ_array, β, S·max(cos,0) on the radiator's front and back faces,
    S·max(cos ζ,0)), with S the unshadowed irradiance [W/m²] and ζ the solar zenith angle at the
    sub-satellite point (the albedo load per unit albedo and view factor). The shadow fraction ν
    multiplies the sunlit terms later, once averaged over the step; the Earth view factors of a
    radiator fixed in LVLH depend on altitude alone and are held in the node state
    (STATE_VIEW_FRONT, STATE_VIEW_BACK), evaluated where the caller asks.
    """
    r = math.sqrt(rx * rx + ry * ry + rz * rz)
    dx, dy, dz = sx - rx, sy - ry, sz - rz
    d_sun = math.sqrt(dx * dx + dy * dy + dz * dz)
    nu = shadow_fraction_from(rx, ry, rz, dx, dy, dz, r, d_sun)
    s_full = solar_irradiance_w_m2(d_sun, 1.0)
    # the Sun's direction in LVLH: everything below is a dot product with it
    xx, xy, xz, yx, yy, yz, zx, zy, zz = lvlh_axes(rx, ry, rz, vx, vy, vz, r)
    inv_d = 1.0 / d_sun
    s_x = (dx * xx + dy * xy + dz * xz) * inv_d
    s_y = (dx * yx + dy * yy + dz * yz) * inv_d
    s_z = (dx * zx + dy * zy + dz * zz) * inv_d
    cos_inc = incidence_cos_lvlh(int(p.pointing_mode), s_x, s_y, s_z,
                                 p.array_normal_x, p.array_normal_y, p.array_normal_z)
    beta = math.asin(max(-1.0, min(1.0, -s_y)))
    cos_zenith = max(-s_z, 0.0)
    cos_front = (p.radiator_normal_x * s_x + p.radiator_normal_y * s_y + p.radiator_normal_z * s_z) \
        * p.radiator_normal_inv_norm
    return (nu, s_full * cos_inc, beta, s_full * max(cos_front, 0.0), s_full * max(-cos_front, 0.0),
            s_full * cos_zenith)


@njit(cache=True)
def _heater_w(t_elec, t_rad, p_base_w, q_abs_w, dt_s, p, tc):
    """Thermostat: the heater power that brings the electronics to the set point by the end of
    a (sub)step (the step is affine in power to first order, so two trial steps find it),
    clipped to [0, heater_max_w]. Returns (power [W], stepped, t_elec, t_rad): with the power 0
    or heater_max_w a trial step was the very step with it, and ``stepped`` is True with its
    temperatures [K]; otherwise the caller steps (a flag, not a NaN, so that no compiler
    option can fold the test away)."""
    t0, r0 = two_node_step_c(t_elec, t_rad, p_base_w, q_abs_w, dt_s, tc)
    if t0 >= p.heater_setpoint_k:
        return 0.0, True, t0, r0
    t1, r1 = two_node_step_c(t_elec, t_rad, p_base_w + p.heater_max_w, q_abs_w, dt_s, tc)
    if t1 <= p.heater_setpoint_k:
        return p.heater_max_w, True, t1, r1
    return _heater_between(t0, t1, p), False, t_elec, t_rad


@njit(cache=True)
def _heater_between(t0, t1, p):
    """The heater power [W] between the trial without heaters (the electronics end at t0 [K],
    below the set point) and the one at full power (t1 [K], above it)."""
    return p.heater_max_w * (p.heater_setpoint_k - t0) / (t1 - t0)


HEATER_SUBSTEP_S = 10.0  # s: the thermostat acts on this grid whatever dt, so results do not depend on dt
HEATER_BAND_K = 10.0     # K above the set point within which the thermostat is evaluated at all


@njit(cache=True)
def _thermal_substeps(dt_s, near):
    """Sub-steps of :func:`_thermal` over dt_s: 1 unless the thermostat is in play (``near``,
    :func:`_near_set_point`)."""
    if near:
        return max(1, int(math.ceil(dt_s / HEATER_SUBSTEP_S - 1e-9)))   # >= 1 for any part, however short
    return 1


@njit(cache=True)
def _near_set_point(t_elec, p):
    """The thermostat is in play: heaters fitted and the electronics within HEATER_BAND_K of
    the set point."""
    return p.heater_max_w > 0.0 and t_elec < p.heater_setpoint_k + HEATER_BAND_K


@njit(cache=True)
def _thermal(t_elec, t_rad, p_elec_w, heater_w, q_abs_w, dt_s, p, tc, thermostat):
    """Advance both thermal nodes over dt_s. With ``thermostat`` the heater is decided anew on
    a fixed sub-step grid (HEATER_SUBSTEP_S) and its mean power returned; otherwise the given
    constant ``heater_w`` is applied. Returns (t_elec, t_rad, mean heater power [W])."""
    near = _near_set_point(t_elec, p)
    n = _thermal_substeps(dt_s, near)
    h = dt_s / n
    heat = 0.0
    for _ in range(n):
        if thermostat and near:
            q, stepped, t_e, t_r = _heater_w(t_elec, t_rad, p_elec_w, q_abs_w, h, p, tc)
        else:
            q, stepped, t_e, t_r = heater_w, False, t_elec, t_rad
        heat += q
        if stepped:   # the thermostat's trial step was this step (p_elec_w + 0 or + heater_max_w)
            t_elec, t_rad = t_e, t_r
        else:
            t_elec, t_rad = two_node_step_c(t_elec, t_rad, p_elec_w + q, q_abs_w, h, tc)
    return t_elec, t_rad, heat / n


@njit(cache=True)
def _demand_w(t_elec, n_accel, busy, p):
    """(thermal throttle [1], demanded load [W]: bus and accelerators at that throttle)."""
    throttle_t = thermal_throttle(t_elec, p.throttle_start_k, p.shutdown_k)
    return throttle_t, p.bus_power_w + compute_power_w(n_accel, busy, p.accel_idle_w, p.accel_peak_w, throttle_t)


@njit(cache=True)
def _part_power(duration_s, solar_w, q_abs, n_accel, busy, energy, capacity, efc, t_elec, t_rad, node_mode,
                loss_hint_w, p, tc, heater_given, heater_in_w):
    """One part of a step with constant inputs up to its thermal step: demands, thermostat,
    shedding, battery. Returns the new (energy, capacity, efc, mode, throttle), the flows (load,
    compute, heater, curtailed, loss) [W] over the part, and the power dissipated in the
    electronics besides the heaters [W]; the caller then steps the temperatures with
    :func:`_thermal` (or, for a single step, :func:`twin.kernels.thermal.two_node_step_lanes`
    with the power plus the heaters'). With ``heater_given`` the thermostat's decision is
    ``heater_in_w`` (the caller took its trial steps: :func:`_thermostat_lanes`)."""
    throttle_t, demand_w = _demand_w(t_elec, n_accel, busy, p)
    # heaters: thermostat on the demanded load (and the last loss), as a trial pass, when near
    heater_w = 0.0
    if _near_set_point(t_elec, p):
        if heater_given:
            heater_w = heater_in_w
        else:
            _, _, heater_w = _thermal(t_elec, t_rad, demand_w + loss_hint_w, 0.0, q_abs, duration_s, p, tc, True)
    charge_w, discharge_w = battery_limits_w(
        energy, capacity, p.min_soc, p.max_soc, duration_s, p.charge_efficiency,
        p.discharge_efficiency, p.max_charge_w_per_j * p.nominal_capacity_j,
        p.max_discharge_w_per_j * p.nominal_capacity_j)
    soc = energy / capacity if capacity > 0.0 else 0.0
    recovering = (node_mode == MODE_IDLE or node_mode == MODE_SAFE) and soc < p.recover_soc
    new_mode, throttle, compute_w, heater_w, bus_w = shed_load(
        solar_w + discharge_w, solar_w, p.bus_power_w, heater_w, n_accel, busy,
        p.accel_idle_w, p.accel_peak_w, throttle_t, p.min_throttle, recovering)
    if n_accel == 0.0 and new_mode < MODE_SAFE:   # a failed node: bus only
        new_mode = MODE_SAFE
    load_w = bus_w + heater_w + compute_w
    energy, loss_w, curtailed_w, drawn_j = battery_step(
        energy, solar_w - load_w, charge_w, discharge_w, p.charge_efficiency,
        p.discharge_efficiency, duration_s)
    if drawn_j > 0.0 and p.fade_per_efc > 0.0:
        efc += drawn_j / p.nominal_capacity_j
        capacity = faded_capacity_j(p.nominal_capacity_j, efc, p.fade_per_efc)
        if energy > p.max_soc * capacity:  # fade took room away: the excess is lost
            loss_w += (energy - p.max_soc * capacity) / duration_s
            energy = p.max_soc * capacity
    # thermal: every electrical watt consumed, and the battery losses, heat the electronics
    return (energy, capacity, efc, new_mode, throttle, load_w, compute_w, heater_w, curtailed_w, loss_w,
            bus_w + compute_w + loss_w)


@njit(cache=True)
def _radiator_loads(geo, k, col, f_front, f_back, p, with_alpha):
    """(q_dark, q_sun) [W]: what the radiator absorbs over step k from the Earth (infrared and
    albedo) and from the direct Sun when fully visible, step means from ``geo[:, :, col]`` and
    the view factors; with a visible fraction ν it absorbs q_dark + q_sun·ν."""
    sun_front, sun_back = 0.5 * (geo[k, 3, col] + geo[k + 1, 3, col]), 0.5 * (geo[k, 4, col] + geo[k + 1, 4, col])
    albedo_load = 0.5 * (geo[k, 5, col] + geo[k + 1, 5, col])
    q_dark = radiator_absorbed_w(p.radiator_area_m2, p.radiator_absorptivity, p.radiator_emissivity,
                                 1.0, 0.0, 0.0, p.radiator_sides, f_front, f_back, p.albedo,
                                 p.earth_ir_w_m2, albedo_load * f_front, albedo_load * f_back,
                                 with_alpha)
    q_sun = p.radiator_area_m2 * p.radiator_absorptivity * (
        sun_front + (sun_back if p.radiator_sides > 1.5 else 0.0))
    return q_dark, q_sun


@njit(cache=True)
def _thermostat_lanes(k, lo, hi, geo, geo_lo, dt_s, busy_accel, p, tc, state, with_alpha, lane, scratch,
                      trial_node, first_t, heater_known, heater_w):
    """The thermostat's decision for step k of every node of lo..hi-1 under it whose step is one
    part (no eclipse edge) and one thermal sub-step, its trial steps taken for all such nodes
    at once (:func:`two_node_step_lanes`, the bits of :func:`_heater_w`'s
    :func:`twin.kernels.thermal.two_node_step_c`). Sets ``heater_known[j]`` and ``heater_w[j]``
    for node lo + j; the other nodes' thermostat, if any, runs in :func:`_part_power`.
    ``lane``, ``scratch``, ``trial_node`` and ``first_t`` are work arrays (m = hi - lo)."""
    n = 0
    for j in range(hi - lo):
        i = lo + j
        heater_known[j] = False
        t_elec = state[STATE_ELECTRONICS_K, i]
        col = geo_lo + j
        if not _near_set_point(t_elec, p) or geo[k, 0, col] != geo[k + 1, 0, col]:
            continue
        down = state[STATE_DOWN, i] > 0.5
        busy = 0.0 if down else busy_accel[i]
        n_accel = 0.0 if down else p.n_accel
        q_dark, q_sun = _radiator_loads(geo, k, col, state[STATE_VIEW_FRONT, i], state[STATE_VIEW_BACK, i],
                                        p, with_alpha)
        _, demand_w = _demand_w(t_elec, n_accel, busy, p)
        lane[LANE_T_ELEC, n], lane[LANE_T_RAD, n] = t_elec, state[STATE_RADIATOR_K, i]
        lane[LANE_POWER, n] = demand_w + state[STATE_LOSS_W, i]
        lane[LANE_ABSORBED, n] = q_dark + q_sun * geo[k, 0, col]   # one part: visible fraction ν
        lane[LANE_DURATION, n] = dt_s
        trial_node[n] = j
        n += 1
    if n == 0:
        return
    # trial 1, without heaters (the temperatures are kept for trial 2)
    for q in range(n):
        first_t[0, q], first_t[1, q] = lane[LANE_T_ELEC, q], lane[LANE_T_RAD, q]
    two_node_step_lanes(lane[LANE_T_ELEC], lane[LANE_T_RAD], lane[LANE_POWER], lane[LANE_ABSORBED],
                        lane[LANE_DURATION], n, tc, scratch)
    # trial 2, at full heater power, for those the first left below the set point (packed in place)
    n2 = 0
    for q in range(n):
        j = trial_node[q]
        t0 = lane[LANE_T_ELEC, q]
        if t0 >= p.heater_setpoint_k:
            heater_known[j], heater_w[j] = True, 0.0
            continue
        heater_w[j] = t0   # kept here until trial 2 is in
        lane[LANE_T_ELEC, n2], lane[LANE_T_RAD, n2] = first_t[0, q], first_t[1, q]
        lane[LANE_POWER, n2] = lane[LANE_POWER, q] + p.heater_max_w
        lane[LANE_ABSORBED, n2], lane[LANE_DURATION, n2] = lane[LANE_ABSORBED, q], lane[LANE_DURATION, q]
        trial_node[n2] = j
        n2 += 1
    two_node_step_lanes(lane[LANE_T_ELEC], lane[LANE_T_RAD], lane[LANE_POWER], lane[LANE_ABSORBED],
                        lane[LANE_DURATION], n2, tc, scratch)
    for q in range(n2):
        j = trial_node[q]
        t0, t1 = heater_w[j], lane[LANE_T_ELEC, q]
        heater_known[j] = True
        heater_w[j] = p.heater_max_w if t1 <= p.heater_setpoint_k else _heater_between(t0, t1, p)


# rows of the lanes _advance_chunk gathers for two_node_step_lanes
LANE_T_ELEC, LANE_T_RAD, LANE_POWER, LANE_ABSORBED, LANE_DURATION = range(5)   # K, K, W, W, s
N_LANE_ROWS = 5

CHUNK_NODES = 32  # nodes advanced together, step by step: their steps are independent, so the
#                   CPU overlaps one node's long thermal dependency chain with the next node's work


@njit(cache=True, nogil=True)
def block_geometry(pos_m, vel_m_s, sun_m, p, geo, lo=0, hi=-1):
    """:func:`boundary_geometry` at every boundary of nodes lo..hi-1 (hi = -1: all):
    ``geo[k, q, i - lo]`` is value q at boundary k of node i. Depends on the orbits alone, so the
    engine computes it for a whole propagation block at once, beside the orbits themselves.

    Parameters
    ----------
    pos_m, vel_m_s : (B, N, 3) GCRS position [m] and velocity [m/s]; sun_m : (B, 3) Sun [m]
    p : NodeParams
    geo : (B, N_GEOMETRY, >= hi - lo) float array, filled
    """
    hi = pos_m.shape[1] if hi < 0 else hi
    for k in range(pos_m.shape[0]):
        for i in range(lo, hi):
            g = boundary_geometry(pos_m[k, i, 0], pos_m[k, i, 1], pos_m[k, i, 2], vel_m_s[k, i, 0],
                                  vel_m_s[k, i, 1], vel_m_s[k, i, 2], sun_m[k, 0], sun_m[k, 1], sun_m[k, 2], p)
            for q in range(N_GEOMETRY):
                geo[k, q, i - lo] = g[q]


NO_GEOMETRY = np.empty((0, N_GEOMETRY, 0))   # advance_nodes' geo when it is to compute it itself


@njit(cache=True, parallel=True, nogil=True)   # the orbit feed's and writer's threads go on meanwhile
def advance_nodes(pos_m, vel_m_s, sun_m, geo, t0_s, dt_s, busy_accel, p, state, mode, acc, rate_out,
                  ev_step, ev_kind, ev_value, ev_count):
    """Advance every node K steps (in parallel over nodes; each node's result is independent of
    the thread that computes it, so runs are deterministic).

    Inputs at the K+1 step boundaries are averaged over each step (trapezoid rule). A step that
    holds an eclipse edge is split at the edge (its sunlit share found by sub-sampling the
    shadow) into a sunlit and a dark part, each with its own power balance and thermal step, so
    that battery and temperatures see the edge at its time, not at the step's end.

    Parameters
    ----------
    pos_m, vel_m_s : (K+1, N, 3) GCRS position [m] and velocity [m/s] at the step boundaries
        t0_s + k·dt_s, k = 0..K
    sun_m : (K+1, 3) Earth-centred GCRS Sun position [m] at the same instants
    geo : (K+1, N_GEOMETRY, N) :func:`block_geometry` of these boundaries, or NO_GEOMETRY (an
        empty array): computed here, chunk by chunk
    t0_s : time of the first boundary, since the epoch [s]; dt_s : step [s]
    busy_accel : (N,) accelerators allocated to jobs on each node during these steps [1]
    p : NodeParams
    state : (N_STATE, N) node state, updated in place (STATE_DOWN is set by the caller: a failed
        node draws bus power only and computes nothing; where the caller sets STATE_VIEW_FRONT to
        VIEW_UNSET (:func:`twin.engine.nodes.ask_view_factors`), both view factors are evaluated at the
        altitude of boundary 0 and kept until it does again); mode : (N,) int64, updated in place
    acc : (N_ACC, N) record accumulators, incremented in place; with ``p.record_extrema`` also the
        running minimum and maximum of the step means of the flows in EXTREMA_ACC
    rate_out : (K, N) compute rate of a busy accelerator per step [1] (0 = no progress)
    ev_step, ev_kind : (N, cap) int64; ev_value : (N, cap) float64; ev_count : (N,) int64 —
        per-node event buffers (cap >= 3·K): step index k (the event is at boundary k+1)
    """
    n_steps, n_nodes = pos_m.shape[0] - 1, pos_m.shape[1]
    n_sub = max(4, min(64, int(dt_s / 2.0) + 1))
    tc = thermal_constants(p.electronics_heat_capacity_j_per_k, p.radiator_heat_capacity_j_per_k,
                           p.conductance_w_per_k, p.radiator_area_m2 * p.radiator_sides,
                           p.radiator_emissivity, p.space_temp_k)
    given = geo.shape[0] > 0
    n_chunks = (n_nodes + CHUNK_NODES - 1) // CHUNK_NODES
    for c in prange(n_chunks):
        lo, hi = c * CHUNK_NODES, min((c + 1) * CHUNK_NODES, n_nodes)
        if given:
            _advance_chunk(lo, hi, pos_m, sun_m, geo, lo, t0_s, dt_s, n_sub, busy_accel, p, tc,
                           state, mode, acc, rate_out, ev_step, ev_kind, ev_value, ev_count)
        else:
            own = np.empty((n_steps + 1, N_GEOMETRY, hi - lo))
            block_geometry(pos_m, vel_m_s, sun_m, p, own, lo, hi)
            _advance_chunk(lo, hi, pos_m, sun_m, own, 0, t0_s, dt_s, n_sub, busy_accel, p, tc,
                           state, mode, acc, rate_out, ev_step, ev_kind, ev_value, ev_count)


@njit(cache=True)
def _advance_chunk(lo, hi, pos_m, sun_m, geo, geo_lo, t0_s, dt_s, n_sub, busy_accel, p, tc,
                   state, mode, acc, rate_out, ev_step, ev_kind, ev_value, ev_count):
    """:func:`advance_nodes` for nodes lo..hi-1, the steps in time order, each for all the chunk's
    nodes; their geometry is ``geo[:, :, geo_lo + j]`` for node lo + j."""
    n_steps, m = pos_m.shape[0] - 1, hi - lo
    for i in range(lo, hi):
        if state[STATE_VIEW_FRONT, i] < 0.0:   # VIEW_UNSET: the radiator's Earth view factors, where asked
            altitude = math.sqrt(pos_m[0, i, 0] ** 2 + pos_m[0, i, 1] ** 2 + pos_m[0, i, 2] ** 2) - EARTH_MEAN_RADIUS_M
            state[STATE_VIEW_FRONT, i] = earth_view_factor(altitude, p.radiator_front_nadir_rad)
            state[STATE_VIEW_BACK, i] = (earth_view_factor(altitude, math.pi - p.radiator_front_nadir_rad)
                                         if p.radiator_sides > 1.5 else 0.0)
        ev_count[i] = 0
    with_alpha = p.ir_absorbed_with_alpha > 0.5
    inv_n_accel = 1.0 / p.n_accel   # a division per node-step cost ~10 % of the kernel (count > 0: config)
    # each step's last thermal step of every node not under the thermostat is taken for all
    # such nodes at once (two_node_step_lanes): their inputs, gathered as lanes
    lane = np.empty((N_LANE_ROWS, m))
    lane_node = np.empty(m, np.int64)
    scratch = np.empty((LANE_SCRATCH_ROWS, m))
    # the thermostat's trial steps in lanes too, where a step is one thermal sub-step
    trials_in_lanes = p.heater_max_w > 0.0 and _thermal_substeps(dt_s, True) == 1
    first_t = np.empty((2, m))
    thermostat_known = np.zeros(m, np.bool_)   # the thermostat's decision per node, from the lanes
    thermostat_w = np.empty(m)
    for k in range(n_steps):
        if trials_in_lanes:
            _thermostat_lanes(k, lo, hi, geo, geo_lo, dt_s, busy_accel, p, tc, state, with_alpha, lane, scratch,
                              lane_node, first_t, thermostat_known, thermostat_w)
        # array power per unit irradiance·cos, the array's age (degradation) at the step's middle
        age = p.age_years + (t0_s + (k + 0.5) * dt_s) / SECONDS_PER_YEAR
        array_w_per_w_m2 = array_power_w(1.0, 1.0, p.array_area_m2, p.cell_efficiency, p.packing_factor,
                                         p.degradation_per_year, age, p.temp_coeff_per_k, p.cell_temp_k,
                                         p.reference_temp_k, p.mppt_efficiency)
        n_lanes = 0
        for j in range(m):
            i = lo + j
            col = geo_lo + j   # this node's column of geo
            energy = state[STATE_BATTERY_J, i]
            capacity = state[STATE_CAPACITY_J, i]
            t_elec = state[STATE_ELECTRONICS_K, i]
            t_rad = state[STATE_RADIATOR_K, i]
            efc = state[STATE_EFC, i]
            loss_hint = state[STATE_LOSS_W, i]
            node_mode = mode[i]
            down = state[STATE_DOWN, i] > 0.5
            busy = 0.0 if down else busy_accel[i]
            n_accel = 0.0 if down else p.n_accel
            n_ev = ev_count[i]
            nu0, nu1 = geo[k, 0, col], geo[k + 1, 0, col]
            if nu0 == nu1:
                nu = nu0
            else:
                nu = mean_shadow_fraction(
                    pos_m[k, i, 0], pos_m[k, i, 1], pos_m[k, i, 2],
                    pos_m[k + 1, i, 0], pos_m[k + 1, i, 1], pos_m[k + 1, i, 2],
                    sun_m[k, 0], sun_m[k, 1], sun_m[k, 2], sun_m[k + 1, 0], sun_m[k + 1, 1], sun_m[k + 1, 2], n_sub)
            # unshadowed step means (trapezoid) of what sunlight drives
            solar_full_w = 0.5 * (geo[k, 1, col] + geo[k + 1, 1, col]) * array_w_per_w_m2
            if solar_full_w < 0.0:
                solar_full_w = 0.0
            q_dark, q_sun = _radiator_loads(geo, k, col, state[STATE_VIEW_FRONT, i], state[STATE_VIEW_BACK, i],
                                            p, with_alpha)
            # the step in one or two parts: (duration, visible fraction) in time order
            if 0.0 < nu < 1.0 and nu0 != nu1:
                first_lit = nu0 > nu1
                d1 = (nu if first_lit else 1.0 - nu) * dt_s
                n_parts = 2
            else:
                first_lit = nu > 0.0
                d1 = dt_s
                n_parts = 1
            load_j = compute_j = heater_j = curtailed_j = loss_j = throttle_s = 0.0
            new_mode = node_mode
            for part in range(n_parts):
                lit = first_lit if part == 0 else not first_lit
                duration = d1 if part == 0 else dt_s - d1
                vis = (nu if n_parts == 1 else 1.0) if lit else 0.0
                q_abs = q_dark + q_sun * vis
                (energy, capacity, efc, part_mode, throttle, load_w, compute_w, heater_w, curtailed_w, loss_w,
                 dissipated_w) = _part_power(duration, solar_full_w * vis, q_abs, n_accel, busy, energy,
                                             capacity, efc, t_elec, t_rad, new_mode, loss_hint, p, tc,
                                             n_parts == 1 and thermostat_known[j], thermostat_w[j])
                if part == n_parts - 1 and _thermal_substeps(duration, _near_set_point(t_elec, p)) == 1:
                    # as _thermal's single step: two_node_step_c(t_e, t_r, dissipated + heater, ...)
                    lane[LANE_T_ELEC, n_lanes], lane[LANE_T_RAD, n_lanes] = t_elec, t_rad
                    lane[LANE_POWER, n_lanes], lane[LANE_ABSORBED, n_lanes] = dissipated_w + heater_w, q_abs
                    lane[LANE_DURATION, n_lanes] = duration
                    lane_node[n_lanes] = i
                    n_lanes += 1
                else:
                    t_elec, t_rad, _ = _thermal(t_elec, t_rad, dissipated_w, heater_w, q_abs, duration, p, tc, False)
                loss_hint = loss_w
                new_mode = part_mode
                load_j += load_w * duration
                compute_j += compute_w * duration
                heater_j += heater_w * duration
                curtailed_j += curtailed_w * duration
                loss_j += loss_w * duration
                throttle_s += throttle * duration
                acc[ACC_MODE_TIME + part_mode, i] += duration
            solar_j = solar_full_w * nu * dt_s
            rate = throttle_s / dt_s if busy > 0.0 else 0.0
            rate_out[k, i] = rate
            acc[ACC_SUNLIT, i] += nu * dt_s
            acc[ACC_BETA, i] += 0.5 * (geo[k, 2, col] + geo[k + 1, 2, col]) * dt_s
            acc[ACC_SOLAR, i] += solar_j
            acc[ACC_LOAD, i] += load_j
            acc[ACC_COMPUTE, i] += compute_j
            acc[ACC_HEATER, i] += heater_j
            acc[ACC_CURTAILED, i] += curtailed_j
            acc[ACC_LOSS, i] += loss_j
            acc[ACC_UTILIZATION, i] += busy * rate * inv_n_accel * dt_s
            acc[ACC_THROTTLE, i] += throttle_s
            if p.record_extrema > 0.5:
                step_means = (nu, solar_j / dt_s, load_j / dt_s, compute_j / dt_s, heater_j / dt_s,
                              curtailed_j / dt_s, loss_j / dt_s, busy * rate * inv_n_accel, throttle_s / dt_s)
                for q in range(N_EXTREMA):
                    acc[ACC_MIN + q, i] = min(acc[ACC_MIN + q, i], step_means[q])
                    acc[ACC_MAX + q, i] = max(acc[ACC_MAX + q, i], step_means[q])
            # events, at the step's end boundary
            if nu0 >= 0.5 and nu1 < 0.5:
                ev_step[i, n_ev], ev_kind[i, n_ev], ev_value[i, n_ev] = k, EVENT_ECLIPSE_ENTRY, nu1
                n_ev += 1
            elif nu0 < 0.5 and nu1 >= 0.5:
                ev_step[i, n_ev], ev_kind[i, n_ev], ev_value[i, n_ev] = k, EVENT_ECLIPSE_EXIT, nu1
                n_ev += 1
            if new_mode != node_mode:
                ev_step[i, n_ev], ev_kind[i, n_ev], ev_value[i, n_ev] = k, EVENT_MODE_CHANGE, new_mode
                n_ev += 1
            ev_count[i] = n_ev
            state[STATE_BATTERY_J, i] = energy
            state[STATE_CAPACITY_J, i] = capacity
            state[STATE_ELECTRONICS_K, i] = t_elec
            state[STATE_RADIATOR_K, i] = t_rad
            state[STATE_EFC, i] = efc
            state[STATE_SUNLIT, i] = nu1
            state[STATE_LOSS_W, i] = loss_hint
            mode[i] = new_mode
        two_node_step_lanes(lane[LANE_T_ELEC], lane[LANE_T_RAD], lane[LANE_POWER], lane[LANE_ABSORBED],
                            lane[LANE_DURATION], n_lanes, tc, scratch)
        for q in range(n_lanes):
            state[STATE_ELECTRONICS_K, lane_node[q]] = lane[LANE_T_ELEC, q]
            state[STATE_RADIATOR_K, lane_node[q]] = lane[LANE_T_RAD, q]


N_PARAMS = len(NodeParams._fields)


def packed_params(p) -> np.ndarray:
    """NodeParams as a float64 array, for :func:`advance_nodes_packed`."""
    return np.array(p, dtype=np.float64)


@njit(cache=True)
def unpacked_params(a):
    """The NodeParams of :func:`packed_params`' array."""
    return NodeParams(*to_fixed_tuple(a, N_PARAMS))


@njit(cache=True, nogil=True)
def advance_nodes_packed(pos_m, vel_m_s, sun_m, geo, t0_s, dt_s, busy_accel, p_packed, state, mode, acc, rate_out,
                         ev_step, ev_kind, ev_value, ev_count):
    """:func:`advance_nodes` with the parameters as :func:`packed_params` gives them: numba
    types a 48-field namedtuple argument field by field at every call (~3 us), an array at once."""
    advance_nodes(pos_m, vel_m_s, sun_m, geo, t0_s, dt_s, busy_accel, unpacked_params(p_packed), state, mode, acc,
                  rate_out, ev_step, ev_kind, ev_value, ev_count)
