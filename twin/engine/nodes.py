"""Spacecraft config -> kernel parameters, initial node state, and per-record values.

This is the wrapper at the kernel boundary: config objects stop here, the kernels see a
:class:`twin.kernels.node.NodeParams` of floats and plain arrays.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from twin.config.junction import throttle_limits_k
from twin.config.power_cap import throughput_at
from twin.constants import DEEP_SPACE_K, EARTH_ALBEDO, EARTH_IR_W_M2, J_PER_WH, M_PER_KM, SECONDS_PER_HOUR
from twin.config.battery_ageing import AGEING_MODELS
from twin.kernels import layout as L
from twin.kernels.ageing import encode_turn, temperature_stress
from twin.kernels.conductance import CONDUCTANCE_MODELS, vchp_gas_pa_per_k
from twin.kernels.node import POINTING_CODES, NodeParams, block_geometry, geometry_rows
from twin.kernels.radiator import ORIENT_BODY_SUN, ORIENT_EDGE_ON_SUN, ORIENT_LVLH, radiating_fin_efficiency
from twin.kernels.shadow import SPHERE
from twin.orbits.environment import earth_shadow_shape
from twin.kernels.rows import READ_CODES, fill_rows
from twin.output import schema


def node_params(sc, record_extrema: bool = False, earth=None, epoch_utc=None) -> NodeParams:
    """Flatten a :class:`twin.config.Spacecraft` and the scenario's :class:`twin.config.environment.Earth`
    (None: the nominal Earth, :data:`twin.constants.EARTH_ALBEDO` and ``EARTH_IR_W_M2``, a
    spherical shadow) into the kernel's parameter tuple (SI). ``epoch_utc``: the run's epoch, where
    the Earth's pole orients a ``wgs84`` shadow."""
    a, b, c, r, t = sc.solar_array, sc.battery, sc.accelerator, sc.radiator, sc.thermal
    albedo, olr_w_m2 = (EARTH_ALBEDO, EARTH_IR_W_M2) if earth is None else (earth.albedo, earth.olr_w_m2)
    pointing = a.pointing if a.pointing != "body_fixed" else (a.pointing, a.attitude)
    capacity_j = b.capacity_wh * J_PER_WH
    orientation, normal = radiator_orientation(sc)
    normal_norm = math.sqrt(sum(x * x for x in normal))
    # LVLH z is nadir: the front face's angle from nadir is fixed by its normal (edge-on: 90°)
    front_nadir_rad = (math.pi / 2 if orientation == ORIENT_EDGE_ON_SUN
                       else math.acos(max(-1.0, min(1.0, normal[2] / normal_norm))))
    inv_norm = 0.0 if orientation == ORIENT_EDGE_ON_SUN else 1.0 / normal_norm
    shadow = SPHERE if earth is None else earth_shadow_shape(
        earth.shape, earth.shadow_grazing_height_km * M_PER_KM, epoch_utc)
    # the electronics node's limits, or those the accelerators' junction limits imply
    throttle_start_k, shutdown_k = throttle_limits_k(sc)
    return NodeParams(
        bus_power_w=sc.bus_power_w,
        array_area_m2=a.area_m2, pointing_mode=float(POINTING_CODES[pointing]),
        array_normal_x=a.normal_body[0], array_normal_y=a.normal_body[1], array_normal_z=a.normal_body[2],
        cell_efficiency=a.cell_efficiency, packing_factor=a.packing_factor,
        degradation_per_year=a.degradation_per_year, age_years=a.age_years,
        temp_coeff_per_k=a.temp_coeff_per_k, cell_temp_k=a.cell_temp_k,
        reference_temp_k=a.reference_temp_k, mppt_efficiency=a.mppt_efficiency,
        **array_heat_balance_params(a),
        nominal_capacity_j=capacity_j, min_soc=b.min_soc, max_soc=b.max_soc,
        charge_efficiency=b.charge_efficiency, discharge_efficiency=b.discharge_efficiency,
        # C-rate [1/h] -> watts per joule of capacity [1/s]
        max_charge_w_per_j=b.max_charge_c_rate_per_h / SECONDS_PER_HOUR,
        max_discharge_w_per_j=b.max_discharge_c_rate_per_h / SECONDS_PER_HOUR,
        fade_per_efc=b.fade_per_efc if b.ageing_model == "linear_efc" else 0.0, recover_soc=b.recover_soc,
        **ageing_params(b),
        n_accel=float(c.count), accel_idle_w=c.idle_power_w, accel_peak_w=c.peak_power_w,
        min_throttle=c.min_throttle, junction_r_k_per_w=c.chain_k_per_w,
        junction_limit=1.0 if c.thermal_limit == "junction" else 0.0,
        radiator_area_m2=r.area_m2, radiator_sides=float(r.sides), radiator_emissivity=r.emissivity,
        radiator_absorptivity=r.absorptivity, radiator_normal_x=normal[0],
        radiator_normal_y=normal[1], radiator_normal_z=normal[2],
        radiator_normal_inv_norm=inv_norm,
        radiator_front_nadir_rad=front_nadir_rad,
        radiator_heat_capacity_j_per_k=r.areal_heat_capacity_j_per_m2_k * r.area_m2,
        ir_absorbed_with_alpha=1.0 if r.ir_absorbed_with_alpha else 0.0,
        electronics_heat_capacity_j_per_k=t.electronics_heat_capacity_j_per_k,
        conductance_w_per_k=t.conductance_w_per_k, throttle_start_k=throttle_start_k,
        shutdown_k=shutdown_k, heater_setpoint_k=t.heater_setpoint_k, heater_max_w=t.heater_max_w,
        albedo=albedo, earth_ir_w_m2=olr_w_m2, space_temp_k=DEEP_SPACE_K,
        # Earth shape for the shadow
        shadow_radius_m=shadow[0], shadow_pole_x=shadow[1], shadow_pole_y=shadow[2], shadow_pole_z=shadow[3],
        shadow_stretch=shadow[4],
        record_extrema=1.0 if record_extrema else 0.0,
        **radiator_params(sc), radiator_orientation=float(orientation),
    )


def radiator_orientation(sc) -> tuple[int, tuple]:
    """(ORIENT_* code, the panel's normal in LVLH, or in the Sun-pointing bus frame) of a
    :class:`twin.config.Spacecraft`'s radiator (twin/kernels/radiator.py). Edge-on to the Sun it
    has none, (0, 0, 0): the kernel's Sun cosine on it is then 0 with no test for it."""
    r, a = sc.radiator, sc.solar_array
    if r.orientation == "nadir":
        return ORIENT_LVLH, (0.0, 0.0, 1.0)
    if r.orientation == "zenith":
        return ORIENT_LVLH, (0.0, 0.0, -1.0)
    if r.orientation == "edge_on_sun":   # no normal: the Sun's cosine on it is 0 whatever the geometry
        return ORIENT_EDGE_ON_SUN, (0.0, 0.0, 0.0)
    if r.orientation == "body_fixed":
        sun_pointing = a.pointing == "body_fixed" and a.attitude == "sun"
        return (ORIENT_BODY_SUN if sun_pointing else ORIENT_LVLH), tuple(r.normal_body)
    return ORIENT_LVLH, tuple(r.normal_lvlh)


def radiator_params(sc) -> dict:
    """The NodeParams of the radiator's coating ageing, fin efficiency and the electronics-radiator
    conductance model, from a :class:`twin.config.Spacecraft` (twin/config/thermal.py)."""
    r, t = sc.radiator, sc.thermal
    per_year = per_esh = 0.0
    alpha_max = r.absorptivity
    if r.absorptivity_eol is not None:
        per_year, alpha_max = (r.absorptivity_eol - r.absorptivity) / r.eol_years, r.absorptivity_eol
    if r.absorptivity_uv is not None:
        per_esh, alpha_max = (r.absorptivity_uv - r.absorptivity) / r.uv_dose_esh, r.absorptivity_uv
    fin = r.fin
    eta = 1.0 if fin is None else radiating_fin_efficiency(
        fin.thickness_m, fin.conductivity_w_per_m_k, fin.half_width_m, r.emissivity, float(r.sides),
        fin.reference_temp_k)
    v, loop = t.vchp, t.bypass_loop
    return dict(
        radiator_alpha_per_year=per_year, radiator_alpha_per_esh=per_esh, radiator_alpha_max=alpha_max,
        radiator_age_years=r.age_years, radiator_fin_efficiency=eta,
        conductance_model=float(CONDUCTANCE_MODELS[t.conductance_model]),
        conductance_min_w_per_k=0.0 if v is None else v.min_conductance_w_per_k,
        vchp_volume_ratio=0.0 if v is None else v.reservoir_volume_ratio,
        vchp_gas_pa_per_k=0.0 if v is None else vchp_gas_pa_per_k(v.full_open_temp_k, v.design_sink_temp_k,
                                                                 v.reservoir_volume_ratio),
        bypass_closed_k=0.0 if loop is None else loop.closed_temp_k,
        bypass_open_k=0.0 if loop is None else loop.open_temp_k,
        bypass_min_fraction=0.0 if loop is None else loop.min_flow_fraction,
        bypass_ntu=0.0 if loop is None else loop.ntu_full_flow,
    )


def ageing_params(b) -> dict:
    """The NodeParams of the battery's ageing model (:mod:`twin.kernels.ageing`): its code, the
    coefficients, and the temperature stress at the battery's temperature folded into the cycle
    and calendar rates (the temperature is constant over a run)."""
    s_t = temperature_stress(b.temperature_k, b.temp_stress_k_per_k, b.temp_stress_ref_k)
    return dict(ageing_model=float(AGEING_MODELS.index(b.ageing_model)), ageing_dod_k1=b.dod_stress_k1,
                ageing_dod_k2=b.dod_stress_k2, ageing_dod_k3=b.dod_stress_k3, ageing_soc_k=b.soc_stress_k,
                ageing_soc_ref=b.soc_stress_ref, ageing_cycle_stress=s_t, ageing_calendar_per_s=b.calendar_per_s * s_t,
                ageing_sei_share=b.sei_share, ageing_sei_rate=b.sei_rate)


def array_heat_balance_params(a) -> dict:
    """The NodeParams of the array's heat balance and losses from a :class:`twin.config.SolarArray`."""
    front, back = a.front_coating, a.back_coating
    heat_balance = a.temperature_model == "heat_balance"
    bus_share = a.mppt_efficiency * (1.0 - a.harness_loss)   # > 0 with the heat balance (config check)
    return dict(
        array_heat_balance=1.0 if heat_balance else 0.0,
        inherent_degradation=a.inherent_degradation, harness_loss=a.harness_loss,
        array_heat_capacity_j_per_m2_k=a.areal_heat_capacity_j_per_m2_k,
        array_front_alpha_bol=front.absorptivity_bol, array_front_alpha_eol=front.absorptivity_eol,
        array_front_eps_bol=front.emissivity_bol, array_front_eps_eol=front.emissivity_eol,
        array_front_eol_years=front.eol_years,
        array_back_alpha_bol=back.absorptivity_bol, array_back_alpha_eol=back.absorptivity_eol,
        array_back_eps_bol=back.emissivity_bol, array_back_eps_eol=back.emissivity_eol,
        array_back_eol_years=back.eol_years,
        array_w_m2_per_bus_w=1.0 / (bus_share * a.area_m2) if bus_share > 0.0 else 0.0,
    )


def initial_state(sc, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Node state (N_STATE, N) and modes (N,) at the epoch."""
    state = np.zeros((L.N_STATE, n_nodes))
    capacity_j = sc.battery.capacity_wh * J_PER_WH
    state[L.STATE_BATTERY_J] = sc.battery.initial_soc * capacity_j
    state[L.STATE_CAPACITY_J] = capacity_j
    state[L.STATE_ELECTRONICS_K] = sc.thermal.initial_electronics_temp_k
    state[L.STATE_RADIATOR_K] = sc.thermal.initial_radiator_temp_k
    state[L.STATE_SUNLIT] = 1.0
    state[L.STATE_CYCLE_TURN] = encode_turn(sc.battery.initial_soc, True)   # ageing: a range starts at the epoch
    state[L.STATE_RADIATOR_UV_ESH] = sc.radiator.uv_dose_at_epoch_esh
    a = sc.solar_array
    state[L.STATE_ARRAY_K] = a.initial_temp_k if a.temperature_model == "heat_balance" else a.cell_temp_k
    acc = sc.accelerator   # the run's power cap and the throughput it leaves (twin.config.power_cap)
    state[L.STATE_POWER_CAP] = acc.power_cap_fraction
    state[L.STATE_CAP_THROUGHPUT] = throughput_at(acc.power_cap_fraction, acc.power_curve)
    ask_view_factors(state)   # from the first position
    return state, np.zeros(n_nodes, dtype=np.int64)


def ask_view_factors(state: np.ndarray) -> None:
    """Have the node kernel evaluate the radiator's Earth view factors anew, at the altitude of
    its next call's first boundary (the engine asks at each segment's start)."""
    state[L.STATE_VIEW_FRONT] = L.VIEW_UNSET


@njit(cache=True)
def reset_accumulators(acc: np.ndarray) -> None:
    """Zero the flow integrals; extrema start at +inf (minimum) and -inf (maximum). Row by row:
    each row is contiguous, so each loop is a fill the compiler vectorises."""
    for a in range(L.N_FLOW_ACC):
        acc[a, :] = 0.0
    for q in range(L.N_EXTREMA):
        acc[L.ACC_MIN + q, :] = np.inf
        acc[L.ACC_MAX + q, :] = -np.inf


def record_plan() -> tuple[np.ndarray, np.ndarray]:
    """What :func:`twin.kernels.rows.fill_rows` computes, made from the declaration
    (``twin.output.schema.record_variables``, every extremum included; a buffer without extrema
    rows computes only the first rows): ``how`` (rows, 3) int64 (read, row, of) and ``scale``
    (rows, 2) float64 (per, times). Made again only when the declaration changes."""
    declared = schema.STATE_VARIABLES
    if _plan[0] is not declared:
        schema.check(declared)
        sources = [v.source for v in schema.record_variables()]
        how = np.array([(READ_CODES[s.read], s.row, s.of) for s in sources], dtype=np.int64)
        scale = np.array([(s.per, s.times) for s in sources], dtype=np.float64)
        _plan[:] = [declared, (how, scale)]
    return _plan[1]


_plan = [None, None]   # [the declaration the plan was made from, the plan]


def record_rows(acc, state, mode, interval_s, rows):
    """The /state variables of one record, in the order of ``schema.record_variables()`` (the
    extrema rows only if ``rows`` has them), as their sources declare: flows are means over the
    interval, stocks end values, the mode as a float. ``rows`` is :func:`record_buffer`'s."""
    how, scale = record_plan()
    fill_rows(acc, state, mode, interval_s, how, scale, rows)


@njit(cache=True)
def close_interval(acc, totals):
    """End of a record interval: add each flow integral, summed over the nodes, to ``totals``
    (N_FLOW_ACC,) and reset the accumulators. Each row is summed in node order, as ever (the
    same bits), but all rows in one pass: one row's sum is a chain of dependent additions, and
    the rows' chains side by side keep the CPU busy (10,000 nodes, warm, with the reset: 308 -> 160 µs
    per record)."""
    sums = np.zeros(L.N_FLOW_ACC)
    for i in range(acc.shape[1]):
        for a in range(L.N_FLOW_ACC):
            sums[a] += acc[a, i]
    for a in range(L.N_FLOW_ACC):
        totals[a] += sums[a]
    reset_accumulators(acc)


def record_buffer(n_nodes: int, extrema: bool = False) -> np.ndarray:
    """Rows for :func:`record_rows`: (variables [+ their minima and maxima], n_nodes) float64."""
    n_rows = len(schema.record_variables(schema.EXTREMA_STATS if extrema else ()))
    return np.empty((n_rows, n_nodes))


def record_values(acc: np.ndarray, state: np.ndarray, mode: np.ndarray, interval_s: float,
                  extrema: bool = False) -> dict:
    """:func:`record_rows` by name: {variable: (N,) array}, float64, or the declared dtype
    where that is an integer (the mode)."""
    rows = record_buffer(acc.shape[1], extrema)
    record_rows(acc, state, mode, interval_s, rows)
    return {v.name: row if np.dtype(v.dtype).kind == "f" else row.astype(v.dtype)
            for v, row in zip(schema.record_variables(), rows)}


def __getattr__(name):
    if name == "RECORD_ROW_NAMES":   # the declaration's, when asked for
        return schema.RECORD_ROW_NAMES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def battery_energy_wh(state: np.ndarray) -> float:
    return float(state[L.STATE_BATTERY_J].sum() / J_PER_WH)


def battery_summary(state: np.ndarray, nominal_wh: float) -> dict:
    """The /summary keys of the batteries' ageing: the capacity left over the nominal
    (``nominal_wh`` per battery), and with ``ageing_model: xu2018`` the linearised damage from
    cycles and from time (:mod:`twin.kernels.ageing`), means over the satellites [1] (0 with
    linear_efc)."""
    n = state.shape[1]
    return {"battery_capacity_end_fraction": float(state[L.STATE_CAPACITY_J].sum()
                                                   / max(n * nominal_wh * J_PER_WH, 1e-300)),
            "battery_fade_cycle_damage_mean": float(state[L.STATE_FADE_CYCLE].mean()) if n else 0.0,
            "battery_fade_calendar_damage_mean": float(state[L.STATE_FADE_CALENDAR].mean()) if n else 0.0}


def geometry_of(params, pos_m, vel_m_s, sun_m) -> np.ndarray:
    """What the node physics needs of the orbits alone at every boundary of a block,
    (B, :func:`twin.kernels.node.geometry_rows`, N) (:func:`twin.kernels.node.block_geometry`): given to the
    orbit feed, which computes it in its own thread (``OrbitFeed(derive=partial(geometry_of, params))``)."""
    geo = np.empty((pos_m.shape[0], geometry_rows(params), pos_m.shape[1]))
    # lo and hi given as the node kernel gives them: one compiled signature for both callers
    block_geometry(pos_m, vel_m_s, sun_m, params, geo, 0, pos_m.shape[1])
    return geo
