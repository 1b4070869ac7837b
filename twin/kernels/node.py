"""The node kernel: every node advanced K steps per call, each step a sequence of named physics
steps (:mod:`twin.kernels.step`, docs/design.md §5):

    geometry -> array (and its loads) -> radiator loads -> [per part: array temperature -> demand
    -> thermostat -> power balance -> junction -> battery -> array settles -> thermal] -> compute
    rate, then the record integrals and events
    (:mod:`twin.kernels.accumulate`).

This module batches them: the geometry at the boundaries (:func:`boundary_geometry`, for a whole
block at once by :func:`block_geometry`), the nodes in chunks of CHUNK_NODES across threads, and
the chunk's thermal steps gathered into lanes (:func:`twin.kernels.thermal.two_node_step_lanes`).
Within a chunk the steps go in time order, each over all the chunk's nodes, so that the CPU
overlaps one node's long thermal dependency chain with the next node's work. Inputs are plain
arrays and a namedtuple of float parameters (:class:`NodeParams`); everything is SI.
"""
from collections import namedtuple

import numpy as np
from numba import njit, prange
from numba.core import config as numba_config
from numba.np.unsafe.ndarray import to_fixed_tuple

from twin.constants import SECONDS_PER_YEAR
from twin.kernels.atomic import take_next
from twin.kernels.chunks import chunk_at, chunk_indices
from twin.kernels.accumulate import NO_FLOWS, accumulate_mode_time, accumulate_step, emit_events, integrate_part
from twin.kernels.ageing import step_ageing
from twin.kernels.conductance import CONDUCTANCE_FIXED
from twin.kernels.geometry import (N_GEOMETRY, N_GEOMETRY_FIXED, N_GEOMETRY_VIEWS, NO_GEOMETRY,  # noqa: F401
                                  array_geometry, block_geometry, boundary_geometry, boundary_views,
                                  geometry_rows, geometry_rows_jit)
from twin.kernels.layout import (ACC_JUNCTION, STATE_ARRAY_K, STATE_BATTERY_J, STATE_CAP_THROUGHPUT, STATE_CAPACITY_J,
                                 STATE_CYCLE_TURN, STATE_DOWN, STATE_EFC, STATE_ELECTRONICS_K, STATE_FADE_CALENDAR,
                                 STATE_FADE_CYCLE, STATE_LOSS_W, STATE_POWER_CAP, STATE_RADIATOR_K,
                                 STATE_RADIATOR_UV_ESH, STATE_SUNLIT, STATE_VIEW_BACK, STATE_VIEW_FRONT)
from twin.kernels.radiator import ORIENT_BODY_SUN, coating_absorptivity
from twin.kernels.shadow import params_shape
from twin.kernels.solar import SINGLE_AXIS_YAW
from twin.kernels.ledger import ledger_unheld
from twin.kernels.step import (NO_OPTICS, NO_PREDICTION, array_optics, array_w_per_w_m2, heater_between,
                               heater_trial, near_set_point, part_of_step, radiator_view_factors, step_array,
                               step_array_loads, step_array_settle, step_array_temperature, step_battery,
                               step_compute_rate, step_demand, step_geometry, step_junction, step_parts,
                               step_power_balance, step_radiator_loads, step_thermal, step_thermostat,
                               step_uv_dose_esh, thermal_substeps)
from twin.kernels.thermal import LANE_SCRATCH_ROWS, thermal_constants, two_node_step_lanes
from twin.kernels.jit import kernel

# the thermostat and its inputs also go by the names tests/test_node.py checks _thermostat_lanes against
_demand_w, _heater_w, _radiator_loads = step_demand, heater_trial, step_radiator_loads

NodeParams = namedtuple("NodeParams", [
    "bus_power_w",
    # solar array
    "array_area_m2", "pointing_mode", "array_normal_x", "array_normal_y", "array_normal_z",
    "cell_efficiency", "packing_factor", "degradation_per_year", "age_years", "temp_coeff_per_k",
    "cell_temp_k", "reference_temp_k", "mppt_efficiency",
    # array heat balance (twin/kernels/array_thermal.py): on (1.0) or the fixed cell_temp_k (0.0); losses past the
    # cells; areal heat capacity; each face's absorptivity and emissivity at beginning and end of life and the age
    # of the end-of-life values; bus power -> power leaving each m² of panel, 1 / (mppt (1 - harness_loss) area)
    "array_heat_balance", "inherent_degradation", "harness_loss", "array_heat_capacity_j_per_m2_k",
    "array_front_alpha_bol", "array_front_alpha_eol", "array_front_eps_bol", "array_front_eps_eol",
    "array_front_eol_years", "array_back_alpha_bol", "array_back_alpha_eol", "array_back_eps_bol",
    "array_back_eps_eol", "array_back_eol_years", "array_w_m2_per_bus_w",
    # battery
    "nominal_capacity_j", "min_soc", "max_soc", "charge_efficiency", "discharge_efficiency",
    "max_charge_w_per_j", "max_discharge_w_per_j", "fade_per_efc", "recover_soc",
    # battery ageing: 0 linear_efc (fade_per_efc), 1 xu2018 (twin.kernels.ageing); the stress
    # coefficients, S_T at the battery's temperature (ageing_cycle_stress [1]) and k_t·S_T [1/s]
    "ageing_model", "ageing_dod_k1", "ageing_dod_k2", "ageing_dod_k3", "ageing_soc_k", "ageing_soc_ref",
    "ageing_cycle_stress", "ageing_calendar_per_s", "ageing_sei_share", "ageing_sei_rate",
    # compute
    "n_accel", "accel_idle_w", "accel_peak_w", "min_throttle",
    # junction: one accelerator's junction-to-coolant resistance [K/W] (twin.kernels.junction);
    # with the junction limit on (junction_limit 1.0), throttle_start_k and shutdown_k are the node
    # temperatures it implies for an accelerator at accel_peak_w
    "junction_r_k_per_w", "junction_limit",
    # radiator and thermal
    "radiator_area_m2", "radiator_sides", "radiator_emissivity", "radiator_absorptivity",
    "radiator_normal_x", "radiator_normal_y", "radiator_normal_z", "radiator_normal_inv_norm",
    "radiator_front_nadir_rad", "radiator_heat_capacity_j_per_k",
    "ir_absorbed_with_alpha", "electronics_heat_capacity_j_per_k", "conductance_w_per_k",
    "throttle_start_k", "shutdown_k", "heater_setpoint_k", "heater_max_w",
    # environment
    "albedo", "earth_ir_w_m2", "space_temp_k",
    # Earth shape for the shadow (twin.kernels.shadow's shape tuple; twin.orbits.environment.earth_shadow_shape):
    # equatorial radius with the atmosphere's grazing height [m], the rotation pole (GCRS unit vector,
    # held at the run's epoch) and the stretch along it a'/b' - 1 [1] (0: a sphere)
    "shadow_radius_m", "shadow_pole_x", "shadow_pole_y", "shadow_pole_z", "shadow_stretch",
    # output: 1.0 to track the minimum and maximum of flows over each record interval
    "record_extrema",
    # radiator coating, orientation, variable conductance (twin/kernels/radiator.py, conductance.py):
    # the coating's absorptivity rises per year and per equivalent sun hour of UV up to a ceiling,
    # from its age at the epoch; orientation an ORIENT_* code; the fin efficiency scales the
    # panel's emitting and absorbing area; the conductance model a CONDUCTANCE_* code with the
    # parameters of the VCHP (volume ratio, gas inventory n_g·R/V_c) and of the bypass loop
    "radiator_alpha_per_year", "radiator_alpha_per_esh", "radiator_alpha_max", "radiator_age_years",
    "radiator_orientation", "radiator_fin_efficiency",
    "conductance_model", "conductance_min_w_per_k", "vchp_volume_ratio", "vchp_gas_pa_per_k",
    "bypass_closed_k", "bypass_open_k", "bypass_min_fraction", "bypass_ntu",
])

POINTING_CODES = {"sun_tracking": 0, "single_axis": 1, ("body_fixed", "nadir"): 2, ("body_fixed", "sun"): 3,
                  "single_axis_yaw": SINGLE_AXIS_YAW}




@kernel
def _thermostat_lanes(k, lo, hi, geo, geo_lo, dt_s, busy_accel, p, tc, state, with_alpha, lane, scratch,
                      trial_node, first_t, heater_known, heater_w, alpha_step=-1.0, views_in_geo=False, radiator_age=0.0):
    """The thermostat's decision for step k of every node of lo..hi-1 under it whose step is one
    part (no eclipse edge) and one thermal sub-step, its trial steps taken for all such nodes
    at once (:func:`two_node_step_lanes`, the bits of :func:`twin.kernels.step.heater_trial`'s
    :func:`twin.kernels.thermal.two_node_step_c`). Sets ``heater_known[j]`` and ``heater_w[j]``
    for node lo + j; the other nodes' thermostat, if any, runs in :func:`_advance_chunk`'s
    :func:`twin.kernels.step.step_thermostat`.
    ``alpha_step`` (negative: the coating's beginning-of-life absorptivity), ``views_in_geo`` and
    ``radiator_age`` are :func:`_radiator_now`'s.
    ``lane``, ``scratch``, ``trial_node`` and ``first_t`` are work arrays (m = hi - lo)."""
    n = np.int64(0)   # not the literal 0: numba would compile its callees for that type too
    for j in range(hi - lo):
        i = lo + j
        heater_known[j] = False
        t_elec = state[STATE_ELECTRONICS_K, i]
        col = geo_lo + j
        if not near_set_point(t_elec, p) or geo[k, 0, col] != geo[k + 1, 0, col]:
            continue
        down = state[STATE_DOWN, i] > 0.5
        busy = 0.0 if down else busy_accel[i]
        n_accel = 0.0 if down else p.n_accel
        alpha, f_front, f_back = _radiator_now(geo, k, col, state, i, p, alpha_step, views_in_geo, radiator_age)
        q_dark, q_sun = step_radiator_loads(geo, k, col, f_front, f_back, p, with_alpha, alpha)
        _, demand_w = step_demand(t_elec, n_accel, busy, p, p.accel_peak_w * state[STATE_POWER_CAP, i])
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
    n2 = np.int64(0)
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
        heater_w[j] = p.heater_max_w if t1 <= p.heater_setpoint_k else heater_between(t0, t1, p)


@kernel(_nrt=False)   # arrays borrowed, as in twin.kernels.step
def _radiator_now(geo, k, col, state, i, p, alpha_step, views_in_geo, radiator_age):
    """(α [1], F_front, F_back [1]) of node i's radiator over step k: its coating's solar
    absorptivity (``alpha_step``, the step's by age, unless it also ages with its UV dose) and
    the Earth view factors of its faces (the step's mean from ``geo[:, 6:8, col]`` where they
    vary, ``views_in_geo``; else held in the node state). ``radiator_age``: the coating's age at
    the step's middle [year]."""
    if views_in_geo:
        f_front = 0.5 * (geo[k, 6, col] + geo[k + 1, 6, col])
        f_back = 0.5 * (geo[k, 7, col] + geo[k + 1, 7, col])
    else:
        f_front, f_back = state[STATE_VIEW_FRONT, i], state[STATE_VIEW_BACK, i]
    alpha = alpha_step
    if p.radiator_alpha_per_esh != 0.0:
        alpha = coating_absorptivity(p.radiator_absorptivity, p.radiator_alpha_per_year, p.radiator_alpha_per_esh,
                                     p.radiator_alpha_max, radiator_age, state[STATE_RADIATOR_UV_ESH, i])
    return alpha, f_front, f_back


# rows of the lanes _advance_chunk gathers for two_node_step_lanes
LANE_T_ELEC, LANE_T_RAD, LANE_POWER, LANE_ABSORBED, LANE_DURATION = range(5)   # K, K, W, W, s
N_LANE_ROWS = 5


@kernel(_nrt=False)   # arrays borrowed, as in twin.kernels.step
def _to_lanes(lane, lane_node, n, i, t_elec_k, t_rad_k, p_elec_w, q_abs_w, dt_s):
    """Node i's thermal step (:func:`twin.kernels.thermal.two_node_step_c`'s inputs) put in lane n
    for :func:`two_node_step_lanes`; returns the lanes' new count."""
    lane[LANE_T_ELEC, n], lane[LANE_T_RAD, n] = t_elec_k, t_rad_k
    lane[LANE_POWER, n], lane[LANE_ABSORBED, n], lane[LANE_DURATION, n] = p_elec_w, q_abs_w, dt_s
    lane_node[n] = i
    return n + 1


CHUNK_NODES = 32  # nodes advanced together, step by step: their steps are independent, so the
#                   CPU overlaps one node's long thermal dependency chain with the next node's work


def chunk_count(n_nodes: int) -> int:
    """Chunks of CHUNK_NODES nodes that ``n_nodes`` nodes make (the last may be short)."""
    return (n_nodes + CHUNK_NODES - 1) // CHUNK_NODES


chunk_count_jit = kernel(inline="always")(chunk_count)   # the same, for the kernel




@njit(cache=True, nogil=True)   # the orbit feed's and writer's threads go on meanwhile
def advance_nodes(pos_m, vel_m_s, sun_m, geo, t0_s, dt_s, busy_accel, p, state, mode, acc, rate_out,
                  ev_step, ev_kind, ev_value, ev_count, heat_out=None, waiting_from_s=np.inf):
    """Advance every node K steps, in one thread (:func:`advance_nodes_parallel` shares the nodes'
    chunks among threads: :mod:`twin.engine.node_threads`; each node's result is independent of
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
    geo : (K+1, :func:`geometry_rows`, N) :func:`block_geometry` of these boundaries, or
        NO_GEOMETRY (an empty array): computed here, chunk by chunk
    t0_s : time of the first boundary, since the epoch [s]; dt_s : step [s]
    busy_accel : (N,) accelerators allocated to jobs on each node during these steps [1]
    p : NodeParams
    state : (N_STATE, N) node state, updated in place (STATE_DOWN is set by the caller: a failed
        node draws bus power only and computes nothing; where the caller sets STATE_VIEW_FRONT to
        VIEW_UNSET (:func:`twin.engine.nodes.ask_view_factors`), both view factors are evaluated at the
        altitude of boundary 0 and kept until it does again; STATE_POWER_CAP and STATE_CAP_THROUGHPUT
        are the accelerators' power cap and the throughput it leaves, :mod:`twin.ops.power_cap`: a busy
        accelerator draws up to cap × accel_peak_w and progresses at throttle × that throughput);
        mode : (N,) int64, updated in place
    acc : (N_ACC, N) record accumulators, incremented in place; with ``p.record_extrema`` also the
        running minimum and maximum of the step means of the flows in EXTREMA_ACC
    rate_out : (K, N) compute rate of a busy accelerator per step [1] (0 = no progress)
    ev_step, ev_kind : (N, cap) integers; ev_value : (N, cap) float64; ev_count : (N,) int64 —
        per-node event buffers (cap >= 2·K; the engine's: twin.kernels.events.event_buffers, int32
        and int8): step index k (the event is at boundary k+1)
    heat_out : (K, N), optional: the share of each step a busy accelerator lost to heat (1 minus
        the thermal throttle, averaged over the step, times the throughput its power cap leaves) [1];
        what it lost besides, 1 - rate - heat, went to power, its power cap included (0 with no
        accelerator busy)
    waiting_from_s : since when a job has waited in the queue [s since epoch] (+inf: none). The
        ledger of the accelerators no job holds: a failed node's to faults, a working node's free
        ones to scheduling while a job waits and to no_demand before (those jobs hold are
        :func:`twin.kernels.jobs.advance_jobs`'s)
    """
    _advance_chunks(np.zeros(1, np.int64), np.int64(1), pos_m, vel_m_s, sun_m, geo, t0_s, dt_s,
                    busy_accel, p, state, mode, acc, rate_out, ev_step, ev_kind, ev_value, ev_count, heat_out,
                    waiting_from_s)


@kernel(inline="always")   # in each caller: a library of its own to compile and link otherwise
def _advance_chunks(next_chunk, n_regions, pos_m, vel_m_s, sun_m, geo, t0_s, dt_s, busy_accel, p, state,
                    mode, acc, rate_out, ev_step, ev_kind, ev_value, ev_count, heat_out, waiting_from_s):
    """:func:`advance_nodes` for chunks of CHUNK_NODES nodes taken one at a time from the counter
    ``next_chunk[0]`` (:func:`twin.kernels.atomic.take_next`) until all are taken:
    threads that share the counter share the chunks, a slower thread taking fewer. The counter's
    values go round ``n_regions`` regions of the chunks (one per thread; :mod:`twin.kernels.chunks`)."""
    n_steps, n_nodes = pos_m.shape[0] - 1, pos_m.shape[1]
    n_sub = max(4, min(64, int(dt_s / 2.0) + 1))
    tc = thermal_constants(p.electronics_heat_capacity_j_per_k, p.radiator_heat_capacity_j_per_k,
                           p.conductance_w_per_k, p.radiator_area_m2 * p.radiator_fin_efficiency * p.radiator_sides,
                           p.radiator_emissivity, p.space_temp_k)
    given = geo.shape[0] > 0
    n_chunks = chunk_count_jit(n_nodes)
    n_values = chunk_indices(n_chunks, n_regions)
    while True:
        value = take_next(next_chunk, 0)
        if value >= n_values:
            break
        c = chunk_at(value, n_chunks, n_regions)
        if c < 0:
            continue
        lo, hi = c * CHUNK_NODES, min((c + 1) * CHUNK_NODES, n_nodes)
        chunk_geo, geo_lo = geo, lo
        if not given:
            chunk_geo, geo_lo = np.empty((n_steps + 1, geometry_rows_jit(p), hi - lo)), np.int64(0)
            block_geometry(pos_m, vel_m_s, sun_m, p, chunk_geo, lo, hi)
        _advance_chunk(lo, hi, pos_m, sun_m, chunk_geo, geo_lo, t0_s, dt_s, n_sub, busy_accel, p, tc,
                       state, mode, acc, rate_out, ev_step, ev_kind, ev_value, ev_count, heat_out, waiting_from_s)


@kernel
def _advance_chunk(lo, hi, pos_m, sun_m, geo, geo_lo, t0_s, dt_s, n_sub, busy_accel, p, tc,
                   state, mode, acc, rate_out, ev_step, ev_kind, ev_value, ev_count, heat_out, waiting_from_s):
    """:func:`advance_nodes` for nodes lo..hi-1, the steps in time order, each for all the chunk's
    nodes; their geometry is ``geo[:, :, geo_lo + j]`` for node lo + j.

    The body of the node loop is the node step (module docstring). It stays written out here
    rather than in a function of its own: a call handed the kernel's dozen arrays, once per
    node-step, is a large share of the step's cost (benchmarks/RESULTS.md)."""
    n_steps, m = pos_m.shape[0] - 1, hi - lo
    for i in range(lo, hi):
        if state[STATE_VIEW_FRONT, i] < 0.0:   # VIEW_UNSET: the radiator's Earth view factors, where asked
            state[STATE_VIEW_FRONT, i], state[STATE_VIEW_BACK, i] = radiator_view_factors(
                pos_m[0, i, 0], pos_m[0, i, 1], pos_m[0, i, 2], p)
        ev_count[i] = 0
    with_alpha, extrema = p.ir_absorbed_with_alpha > 0.5, p.record_extrema > 0.5
    ageing = p.ageing_model > 0.5   # xu2018: the ageing state rows are read and written
    array_hb = p.array_heat_balance > 0.5
    optics = NO_OPTICS
    inv_n_accel = 1.0 / p.n_accel   # once per chunk, not a division per node-step (count > 0: config)
    # each step's last thermal step of every node not under the thermostat is taken for all
    # such nodes at once (two_node_step_lanes): their inputs, gathered as lanes
    lane = np.empty((N_LANE_ROWS, m))
    lane_node = np.empty(m, np.int64)
    scratch = np.empty((LANE_SCRATCH_ROWS, m))
    # the thermostat's trial steps in lanes too, where a step is one thermal sub-step; lanes hold one
    # conductance for all: with a variable one each node steps alone (step_thermal)
    fixed_g = p.conductance_model == CONDUCTANCE_FIXED
    heaters = p.heater_max_w > 0.0   # (True here) a variable, not the literal True: one signature
    trials_in_lanes = fixed_g and heaters and thermal_substeps(dt_s, heaters) == 1
    views_in_geo = int(p.radiator_orientation) == ORIENT_BODY_SUN
    dose_ageing = p.radiator_alpha_per_esh != 0.0
    first_t = np.empty((2, m))
    shape = params_shape(p)   # the Earth's shape for the shadow, once per chunk
    thermostat_known = np.zeros(m, np.bool_)   # the thermostat's decision per node, from the lanes
    thermostat_w = np.empty(m)
    for k in range(n_steps):
        # the array's and the radiator coating's age (degradation) at the step's middle
        mid_years = (t0_s + (k + 0.5) * dt_s) / SECONDS_PER_YEAR
        w_per_w_m2 = array_w_per_w_m2(p, p.age_years + mid_years)
        radiator_age = p.radiator_age_years + mid_years
        alpha_step = coating_absorptivity(p.radiator_absorptivity, p.radiator_alpha_per_year, 0.0,
                                          p.radiator_alpha_max, radiator_age, 0.0)
        if trials_in_lanes:
            _thermostat_lanes(k, lo, hi, geo, geo_lo, dt_s, busy_accel, p, tc, state, with_alpha, lane, scratch,
                              lane_node, first_t, thermostat_known, thermostat_w, alpha_step, views_in_geo, radiator_age)
        if array_hb:   # the array's coatings at the step's middle
            optics = array_optics(p, p.age_years + mid_years)
        step_start_s = t0_s + k * dt_s
        waiting_s = max(0.0, step_start_s + dt_s - max(step_start_s, waiting_from_s))   # of this step
        n_lanes = np.int64(0)   # as n in _thermostat_lanes
        for j in range(m):
            i, col = lo + j, geo_lo + j
            energy, capacity, efc = state[STATE_BATTERY_J, i], state[STATE_CAPACITY_J, i], state[STATE_EFC, i]
            t_elec, t_rad = state[STATE_ELECTRONICS_K, i], state[STATE_RADIATOR_K, i]
            loss_w = state[STATE_LOSS_W, i]   # the last part's, until this step's first part
            node_mode = new_mode = mode[i]
            down = state[STATE_DOWN, i] > 0.5   # a failed node: bus only, compute off
            busy = 0.0 if down else busy_accel[i]
            n_accel = 0.0 if down else p.n_accel
            peak_w = p.accel_peak_w * state[STATE_POWER_CAP, i]   # a busy accelerator at full throttle, capped

            nu0, nu1, nu, beta = step_geometry(geo, k, col, pos_m, sun_m, i, n_sub, shape)
            solar_full_w = step_array(geo[k, 1, col], geo[k + 1, 1, col], w_per_w_m2)
            solar_ref_w, t_array, q_array_dark, q_array_sun = solar_full_w, 0.0, 0.0, 0.0
            q_array = solar_part_w = 0.0
            predicted = NO_PREDICTION
            if array_hb:   # solar_full_w at the reference temperature until a sunlit part sets it
                t_array = state[STATE_ARRAY_K, i]
                q_array_dark, q_array_sun = step_array_loads(geo, k, col, optics, p)
            alpha, f_front, f_back = _radiator_now(geo, k, col, state, i, p, alpha_step, views_in_geo, radiator_age)
            q_dark, q_sun = step_radiator_loads(geo, k, col, f_front, f_back, p, with_alpha, alpha)
            n_parts, first_lit, d1 = step_parts(nu, nu0, nu1, dt_s)
            sums = NO_FLOWS
            heat_s = 0.0   # ∫(1 - thermal throttle) dt: what heat took from a busy accelerator
            junction_ks = 0.0   # ∫T_j dt of the hottest accelerator [K s]
            for part in range(n_parts):
                duration, vis = part_of_step(part, n_parts, first_lit, d1, dt_s, nu)
                solar_w, q_abs = solar_full_w * vis, q_dark + q_sun * vis
                if array_hb:   # the cells at the array's mean temperature over the part
                    q_array = q_array_dark + q_array_sun * vis
                    solar_part_w, predicted = step_array_temperature(t_array, q_array, solar_ref_w, vis, duration,
                                                                     optics, p)
                    solar_w = solar_part_w * vis
                throttle_t, demand_w = step_demand(t_elec, n_accel, busy, p, peak_w)
                heat_s += (1.0 - throttle_t) * duration
                heater_w = step_thermostat(t_elec, t_rad, demand_w + loss_w, q_abs, duration, p, tc,
                                           n_parts == 1 and thermostat_known[j], thermostat_w[j])
                new_mode, throttle, compute_w, heater_w, bus_w, charge_w, discharge_w = step_power_balance(
                    solar_w, energy, capacity, new_mode, throttle_t, heater_w, n_accel, busy, duration, p, peak_w)
                load_w = bus_w + heater_w + compute_w
                soc_prev = energy / capacity if ageing and capacity > 0.0 else 0.0
                junction_ks += step_junction(t_elec, compute_w, throttle, busy, p, peak_w) * duration
                energy, capacity, efc, loss_w, curtailed_w = step_battery(
                    energy, capacity, efc, solar_w - load_w, charge_w, discharge_w, duration, p)
                if ageing:
                    energy, capacity, state[STATE_CYCLE_TURN, i], state[STATE_FADE_CYCLE, i], \
                        state[STATE_FADE_CALENDAR, i], loss_w = step_ageing(
                            energy, capacity, soc_prev, state[STATE_CYCLE_TURN, i], state[STATE_FADE_CYCLE, i],
                            state[STATE_FADE_CALENDAR, i], loss_w, duration, p)
                dissipated_w = bus_w + compute_w + loss_w   # heat in the electronics besides the heaters
                if array_hb:   # with the power the bus took
                    t_array, solar_part_w, curtailed_w = step_array_settle(
                        t_array, q_array, predicted, solar_ref_w, solar_part_w, vis, curtailed_w, duration, optics, p)
                    if vis > 0.0:   # the step's record takes its sunlit part's power (one part at most)
                        solar_full_w = solar_part_w
                if part == n_parts - 1 and fixed_g and thermal_substeps(duration, near_set_point(t_elec, p)) == 1:
                    n_lanes = _to_lanes(lane, lane_node, n_lanes, i, t_elec, t_rad, dissipated_w + heater_w, q_abs,
                                        duration)
                else:
                    t_elec, t_rad = step_thermal(t_elec, t_rad, dissipated_w, heater_w, q_abs, duration, p, tc)
                sums = integrate_part(sums, load_w, compute_w, heater_w, curtailed_w, loss_w, throttle, duration)
                accumulate_mode_time(acc, i, new_mode, duration)
            cap_throughput = state[STATE_CAP_THROUGHPUT, i]
            rate = step_compute_rate(sums[5], dt_s, busy, cap_throughput)

            rate_out[k, i] = rate
            if heat_out is not None:   # heat took its share of what the cap left (the rest of 1 - rate: power)
                heat_out[k, i] = heat_s / dt_s * cap_throughput if busy > 0.0 else 0.0
            accumulate_step(acc, i, dt_s, nu, beta, solar_full_w, sums, busy * rate * inv_n_accel, extrema)
            acc[ACC_JUNCTION, i] += junction_ks
            ev_count[i] = emit_events(ev_step, ev_kind, ev_value, i, ev_count[i], k, nu0, nu1, node_mode, new_mode)
            ledger_unheld(acc, i, down, p.n_accel - busy, waiting_s, dt_s)
            state[STATE_BATTERY_J, i], state[STATE_CAPACITY_J, i], state[STATE_EFC, i] = energy, capacity, efc
            state[STATE_ELECTRONICS_K, i], state[STATE_RADIATOR_K, i] = t_elec, t_rad   # lanes: overwritten below
            state[STATE_SUNLIT, i], state[STATE_LOSS_W, i] = nu1, loss_w
            if dose_ageing:
                state[STATE_RADIATOR_UV_ESH, i] += step_uv_dose_esh(geo, k, col, nu, dt_s, p)
            if array_hb:
                state[STATE_ARRAY_K, i] = t_array
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


@kernel(inline="always")   # a library of its own to compile and link for one call site otherwise
def _unpacked_params(a):
    return NodeParams(*to_fixed_tuple(a, N_PARAMS))


def _unpacked_params_python(a):
    return NodeParams(*a.tolist())


# The NodeParams of packed_params' array; to_fixed_tuple is a numba intrinsic, which plain Python
# (TWIN_DISABLE_JIT=1) cannot run: there the same tuple from the array's items
unpacked_params = _unpacked_params_python if numba_config.DISABLE_JIT else _unpacked_params


@njit(cache=True, nogil=True)
def advance_nodes_packed(pos_m, vel_m_s, sun_m, geo, t0_s, dt_s, busy_accel, p_packed, state, mode, acc, rate_out,
                         ev_step, ev_kind, ev_value, ev_count, heat_out, waiting_from_s, next_chunk):
    """:func:`advance_nodes` for the chunks of CHUNK_NODES nodes it takes from the counter
    ``next_chunk`` ((1,) int64, from 0; :func:`chunk_count` chunks in all), with the
    parameters as :func:`packed_params` gives them: numba types a namedtuple argument of dozens of
    fields field by field at every call, an array at once. The engine calls it where it runs on
    one thread, :func:`advance_nodes_parallel` on more (:mod:`twin.engine.node_threads`), so that
    small runs never compile the parallel loop (3.5 s of a first run's 16; benchmarks/RESULTS.md)."""
    _advance_chunks(next_chunk, np.int64(1), pos_m, vel_m_s, sun_m, geo, t0_s, dt_s, busy_accel,
                    unpacked_params(p_packed), state, mode, acc, rate_out, ev_step, ev_kind, ev_value, ev_count,
                    heat_out, waiting_from_s)


@njit(cache=True, parallel=True, nogil=True)
def advance_nodes_parallel(pos_m, vel_m_s, sun_m, geo, t0_s, dt_s, busy_accel, p_packed, state, mode, acc, rate_out,
                           ev_step, ev_kind, ev_value, ev_count, heat_out, waiting_from_s, next_chunk, n_threads):
    """:func:`advance_nodes_packed` on ``n_threads`` of numba's threads (numba.set_num_threads
    first), each taking chunks from the one counter as it comes free, so that one slowed by
    another thread of the engine (the orbit feed's) takes fewer. numba starts its threads faster
    than a Python thread pool hands a call over (about 0.25 ms a call: 137 against 119 ns per
    satellite-step at 1,000 nodes, 6 steps a call, 2 threads; benchmarks/RESULTS.md); compiled
    only for runs that use threads, as it costs 3.5 s to compile. The parameters are unpacked in
    each thread: a namedtuple made outside cannot enter numba's parallel region."""
    for _ in prange(n_threads):
        _advance_chunks(next_chunk, n_threads, pos_m, vel_m_s, sun_m, geo, t0_s, dt_s, busy_accel,
                        unpacked_params(p_packed), state, mode, acc, rate_out, ev_step, ev_kind, ev_value, ev_count,
                        heat_out, waiting_from_s)
