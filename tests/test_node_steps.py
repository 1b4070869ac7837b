"""The node step's named physics steps (twin/kernels/step.py, twin/kernels/accumulate.py), each
called alone against an analytic result, and all of them together against the kernel."""
import math

import numpy as np
import pytest

from conftest import REPO
from twin.config import load_config
from twin.constants import ASTRONOMICAL_UNIT_M, EARTH_MU_M3_S2, EARTH_RADIUS_M, SOLAR_CONSTANT_W_M2
from twin.engine.nodes import initial_state, node_params
from twin.kernels import layout as L
from twin.kernels.accumulate import NO_FLOWS, accumulate_mode_time, accumulate_step, emit_events, integrate_part
from twin.kernels.battery import battery_limits_w
from twin.kernels.ledger import ledger_unheld
from twin.kernels.node import N_GEOMETRY, advance_nodes, block_geometry
from twin.kernels.step import (array_optics, array_w_per_w_m2, near_set_point, part_of_step, radiator_view_factors,
                               step_array, step_array_loads, step_array_settle, step_array_temperature,
                               step_battery, step_compute_rate, step_demand, step_geometry, step_junction, step_parts,
                               step_power_balance, step_radiator_loads, step_thermal, step_thermostat)
from twin.kernels.thermal import steady_state_radiator_temp_k, thermal_constants

S0 = SOLAR_CONSTANT_W_M2   # W/m², the Sun at 1 AU


@pytest.fixture(scope="module")
def p():
    """The default config's node parameters."""
    return node_params(load_config(REPO / "configs" / "default.yaml").spacecraft)


def constants(p):
    return thermal_constants(p.electronics_heat_capacity_j_per_k, p.radiator_heat_capacity_j_per_k,
                             p.conductance_w_per_k, p.radiator_area_m2 * p.radiator_sides,
                             p.radiator_emissivity, p.space_temp_k)


def equatorial_boundaries(angles_rad, altitude_m=550e3):
    """Positions, velocities [m, m/s] on a circular equatorial orbit at these angles from the
    Sun's direction (+x, 1 AU away), as (B, 1, 3) arrays, and the Sun (B, 3)."""
    r = EARTH_RADIUS_M + altitude_m
    v = math.sqrt(EARTH_MU_M3_S2 / r)
    a = np.asarray(angles_rad)
    pos = np.stack([r * np.cos(a), r * np.sin(a), 0.0 * a], axis=-1)[:, None, :]
    vel = np.stack([-v * np.sin(a), v * np.cos(a), 0.0 * a], axis=-1)[:, None, :]
    sun = np.tile([ASTRONOMICAL_UNIT_M, 0.0, 0.0], (len(a), 1))
    return pos, vel, sun


# ------------------------------------------------------------------ geometry
def test_geometry_step_places_an_eclipse_entry_at_its_time(p):
    """A 60 s step on a circular equatorial orbit that enters the Earth's shadow 23 s after it
    starts: its mean visible fraction times dt is the sunlit time, 23 s. Analytic entry: where
    the orbit meets the shadow cylinder, angle π − asin(R_E/r) from the Sun. Tolerance 0.3 s:
    the conical penumbra (~8 s wide here) is centred on that cylinder to ~0.04 s (its cones
    open at ±(R_sun ± R_E)/1 AU), and sub-sampling at dt/31 ≈ 2 s places the ramp to a fraction
    of a sample. β is 0: the Sun lies in the orbit plane."""
    r = EARTH_RADIUS_M + 550e3
    n = math.sqrt(EARTH_MU_M3_S2 / r ** 3)   # rad/s
    entry = math.pi - math.asin(EARTH_RADIUS_M / r)
    dt_s, lit_s = 60.0, 23.0
    start = entry - n * lit_s
    pos, vel, sun = equatorial_boundaries([start, start + n * dt_s])
    geo = np.empty((2, N_GEOMETRY, 1))
    block_geometry(pos, vel, sun, p, geo)
    n_sub = max(4, min(64, int(dt_s / 2.0) + 1))   # as advance_nodes
    nu0, nu1, nu, beta = step_geometry(geo, 0, 0, pos, sun, 0, n_sub)
    assert nu0 == 1.0 and nu1 == 0.0
    assert abs(nu * dt_s - lit_s) < 0.3
    assert abs(beta) < 1e-9


def test_geometry_step_of_a_sunlit_step_is_fully_lit(p):
    """Both ends in full Sun (noon side of the orbit): ν = 1 exactly, no sub-sampling."""
    pos, vel, sun = equatorial_boundaries([0.1, 0.2])
    geo = np.empty((2, N_GEOMETRY, 1))
    block_geometry(pos, vel, sun, p, geo)
    assert step_geometry(geo, 0, 0, pos, sun, 0, 8)[:3] == (1.0, 1.0, 1.0)


def test_parts_split_at_an_eclipse_edge_keep_the_sunlit_time():
    """A step holding an edge is cut into a sunlit part ν·dt long and a dark part, in the order
    of the ends (entry: lit first; exit: dark first), so the array's energy, Σ duration·vis,
    is ν·dt (to rounding, 1e-12 s). A step whose ends agree (penumbra throughout) is one part
    at the mean ν."""
    dt_s, nu = 60.0, 0.3
    for nu0, nu1, lit_first in ((1.0, 0.0, True), (0.0, 1.0, False)):
        n_parts, first_lit, d1 = step_parts(nu, nu0, nu1, dt_s)
        assert (n_parts, first_lit) == (2, lit_first)
        parts = [part_of_step(q, n_parts, first_lit, d1, dt_s, nu) for q in range(n_parts)]
        assert abs(sum(d for d, _ in parts) - dt_s) < 1e-12
        assert abs(sum(d * vis for d, vis in parts) - nu * dt_s) < 1e-12
        assert sorted(vis for _, vis in parts) == [0.0, 1.0]
    n_parts, first_lit, d1 = step_parts(0.4, 0.4, 0.4, dt_s)
    assert n_parts == 1 and part_of_step(0, n_parts, first_lit, d1, dt_s, 0.4) == (dt_s, 0.4)


# ------------------------------------------------------------------ array
def test_array_step_in_full_sun_at_normal_incidence(p):
    """S·cos θ = S₀ at both boundaries, new cells at their rated temperature: the array delivers
    area × packing × efficiency × S₀ × MPPT × inherent degradation × (1 − harness loss)
    (20 m² × 0.9 × 0.3 × 1361 W/m² × 0.97 × 0.944 × 0.98 = 6596 W for the default spacecraft), to
    rounding (1e-9 W). After 10 years the degradation factor (1 − d)^10 scales it; half the
    trapezoid if one boundary sees no Sun; nothing with the Sun behind the array. (With the
    array's heat balance on, the kernel scales this by each node's temperature.)"""
    p = p._replace(cell_temp_k=p.reference_temp_k)
    expected = (p.array_area_m2 * p.packing_factor * p.cell_efficiency * S0 * p.mppt_efficiency
                * p.inherent_degradation * (1.0 - p.harness_loss))
    w = array_w_per_w_m2(p, 0.0)
    assert abs(step_array(S0, S0, w) - expected) < 1e-9
    assert abs(step_array(S0, 0.0, w) - expected / 2) < 1e-9
    assert step_array(-S0, -S0, w) == 0.0
    aged = step_array(S0, S0, array_w_per_w_m2(p, 10.0))
    assert abs(aged - expected * (1.0 - p.degradation_per_year) ** 10) < 1e-9


# ------------------------------------------------------------------ radiator environment
@pytest.mark.parametrize("with_alpha", [False, True])
def test_radiator_loads_are_the_textbook_sum(p, with_alpha):
    """A two-sided radiator of area A, front face normal to the Sun, sub-satellite point at noon
    (S·cos ζ = S₀), Earth view factors F_f, F_b: q_sun = A α S₀ (direct Sun, scaled by ν later)
    and q_dark = A (α a S₀ + ε_IR q_IR)(F_f + F_b), the Earth's infrared absorbed with ε (Kirchhoff)
    or with α (Starcloud's convention). Gilmore 2002, ch. 2. To rounding (1e-9 W)."""
    f_front, f_back = 0.3, 0.1
    geo = np.zeros((2, N_GEOMETRY, 1))
    geo[:, 3], geo[:, 5] = S0, S0
    q_dark, q_sun = step_radiator_loads(geo, 0, 0, f_front, f_back, p, with_alpha)
    a, alpha = p.radiator_area_m2, p.radiator_absorptivity
    eps_ir = alpha if with_alpha else p.radiator_emissivity
    assert abs(q_sun - a * alpha * S0) < 1e-9
    assert abs(q_dark - a * (alpha * p.albedo * S0 + eps_ir * p.earth_ir_w_m2) * (f_front + f_back)) < 1e-9


def test_radiator_view_factors_depend_on_altitude_only(p):
    """A radiator edge-on to the Earth (front normal 90° from nadir) sees half the Earth's
    disc's projection at any position of the same altitude; the back face of a two-sided one the
    same. Same values at two positions of one altitude, to rounding."""
    r = EARTH_RADIUS_M + 550e3
    f1 = radiator_view_factors(r, 0.0, 0.0, p)
    f2 = radiator_view_factors(0.0, r * math.sqrt(0.5), r * math.sqrt(0.5), p)
    assert abs(f1[0] - f2[0]) < 1e-12 and abs(f1[0] - f1[1]) < 1e-12 and 0.0 < f1[0] < 0.5


# ------------------------------------------------------------------ demand and power balance
def test_demand_follows_the_thermal_throttle(p):
    """Bus + all accelerators at idle + busy ones up to peak scaled by the throttle: 1 below
    throttle_start_k, ½ halfway to shutdown_k, 0 at it (300 + 4·80 + 2·620·throttle W)."""
    base = p.bus_power_w + p.n_accel * p.accel_idle_w
    per = 2.0 * (p.accel_peak_w - p.accel_idle_w)
    for t_k, throttle in ((p.throttle_start_k - 10.0, 1.0), (0.5 * (p.throttle_start_k + p.shutdown_k), 0.5),
                          (p.shutdown_k, 0.0)):
        assert step_demand(t_k, p.n_accel, 2.0, p) == pytest.approx((throttle, base + per * throttle), abs=1e-9)


def test_power_balance_sheds_in_the_documented_order(p):
    """With the battery at its floor (nothing to discharge) the supply is the array alone. As it
    falls the node goes nominal -> throttled (compute cut to what the supply allows, down to
    min_throttle) -> idle -> safe (bus only), as docs/design.md §5 orders it; the load served
    never exceeds the supply (to rounding, 1e-9 W), and a throttled node uses all of it."""
    capacity = p.nominal_capacity_j
    floor = p.min_soc * capacity
    busy = p.n_accel
    idle_w = p.bus_power_w + p.n_accel * p.accel_idle_w
    full_w = idle_w + busy * (p.accel_peak_w - p.accel_idle_w)           # 3100 W
    min_throttled_w = idle_w + p.min_throttle * busy * (p.accel_peak_w - p.accel_idle_w)
    supplies = (full_w + 500.0, 0.5 * (full_w + min_throttled_w), 0.5 * (idle_w + min_throttled_w),
                0.5 * idle_w)
    modes = []
    for supply in supplies:
        mode, throttle, compute_w, heater_w, bus_w, _, discharge_w = step_power_balance(
            supply, floor, capacity, L.MODE_NOMINAL, 1.0, 0.0, p.n_accel, busy, 60.0, p)
        assert discharge_w == 0.0
        assert bus_w + heater_w + compute_w <= supply + 1e-9
        if mode == L.MODE_THROTTLED:
            assert abs(bus_w + compute_w - supply) < 1e-9 and p.min_throttle <= throttle < 1.0
        modes.append(mode)
    assert modes == [L.MODE_NOMINAL, L.MODE_THROTTLED, L.MODE_IDLE, L.MODE_SAFE]
    # the battery adds to the supply: full, it carries the whole load in the dark
    assert step_power_balance(0.0, capacity, capacity, L.MODE_NOMINAL, 1.0, 0.0, p.n_accel, busy, 60.0, p)[0] \
        == L.MODE_NOMINAL
    # a failed node (no accelerators) is safe whatever the supply
    assert step_power_balance(1e5, capacity, capacity, L.MODE_NOMINAL, 1.0, 0.0, 0.0, 0.0, 60.0, p)[0] \
        == L.MODE_SAFE
    # hysteresis: a safe node under recover_soc stays idle until the array alone carries the load
    low = 0.5 * (p.min_soc + p.recover_soc) * capacity
    assert step_power_balance(full_w - 1.0, low, capacity, L.MODE_SAFE, 1.0, 0.0, p.n_accel, busy, 60.0, p)[0] \
        == L.MODE_IDLE
    assert step_power_balance(full_w + 1.0, low, capacity, L.MODE_SAFE, 1.0, 0.0, p.n_accel, busy, 60.0, p)[0] \
        == L.MODE_NOMINAL


# ------------------------------------------------------------------ battery
@pytest.mark.parametrize("net_w, charge_limit_w, fade", [(1000.0, 4000.0, 0.0), (1000.0, 500.0, 0.0),
                                                         (-1000.0, 4000.0, 0.0), (-1000.0, 4000.0, 2e-5),
                                                         (-1000.0, 4000.0, 2.0)])
def test_battery_step_closes_energy_with_its_efficiencies(p, net_w, charge_limit_w, fade):
    """Energy closes in every branch: net·dt = ΔE + (loss + curtailed)·dt, to 1e-6 J. Charging
    stores η_c·P·dt (the rest is loss; beyond the charge limit, curtailed); discharging draws
    P/η_d·dt from the cells; with fade, the capacity shrinks by fade × EFC, the cycles counted as
    the energy drawn over the nominal capacity, and with a fade so strong that the charge no
    longer fits, the excess is lost."""
    p = p._replace(fade_per_efc=fade)
    dt_s = 60.0
    capacity = p.nominal_capacity_j
    energy = 0.8 * capacity if net_w > 0 else capacity
    energy1, capacity1, efc, loss_w, curtailed_w = step_battery(
        energy, capacity, 0.0, net_w, charge_limit_w, 8000.0, dt_s, p)
    assert abs(net_w * dt_s - ((energy1 - energy) + (loss_w + curtailed_w) * dt_s)) < 1e-6
    if net_w > 0:
        charged = min(net_w, charge_limit_w)
        assert abs(energy1 - energy - p.charge_efficiency * charged * dt_s) < 1e-6
        assert abs(curtailed_w - (net_w - charged)) < 1e-9 and efc == 0.0
    else:
        drawn_j = -net_w / p.discharge_efficiency * dt_s
        assert abs(efc - (drawn_j / p.nominal_capacity_j if fade > 0 else 0.0)) < 1e-15   # cycles count for fade
        assert abs(capacity1 - p.nominal_capacity_j * (1.0 - fade * efc)) < 1e-6
        assert energy1 <= p.max_soc * capacity1 + 1e-6
        if energy - drawn_j <= p.max_soc * capacity1:
            assert abs(energy1 - (energy - drawn_j)) < 1e-6


# ------------------------------------------------------------------ thermal and thermostat
def test_thermal_step_approaches_the_analytic_steady_state(p):
    """Held at 2 kW dissipated (1.7 kW + 300 W of heaters) and 500 W absorbed for two days (~80
    of the slow time constant, (C_e + C_r)/(4εσA T³) ≈ 2000 s), the nodes reach the steady state
    of Eqs. (1)-(2): εσA(T_r⁴ − T_space⁴) = P + Q and T_e = T_r + P/G. Tolerance 1e-6 K: the
    exponential integrator keeps the ODE's fixed point (its update is φ-weighted f(T), 0 there)."""
    tc = constants(p)
    t_e, t_r = 280.0, 250.0
    for _ in range(2 * 1440):
        t_e, t_r = step_thermal(t_e, t_r, 1700.0, 300.0, 500.0, 60.0, p, tc)
    want_r = steady_state_radiator_temp_k(2000.0, 500.0, p.radiator_area_m2 * p.radiator_sides,
                                          p.radiator_emissivity, p.space_temp_k)
    assert abs(t_r - want_r) < 1e-6
    assert abs(t_e - (want_r + 2000.0 / p.conductance_w_per_k)) < 1e-6


def test_thermostat_brings_the_electronics_to_the_set_point(p):
    """Electronics just under the heater set point: the heater power it chooses lands them on
    the set point at the end of the step (to 0.01 K: the thermal step is affine in power to
    first order only, and the thermostat interpolates between two trial steps). Far under it
    the heaters run flat out; above the set point's band they are off."""
    tc = constants(p)
    dt_s, q_abs = 10.0, 300.0
    t_e, t_r = p.heater_setpoint_k - 0.05, p.heater_setpoint_k - 1.0
    assert near_set_point(t_e, p)
    heater_w = step_thermostat(t_e, t_r, p.bus_power_w, q_abs, dt_s, p, tc, False, 0.0)
    assert 0.0 < heater_w < p.heater_max_w
    t_end, _ = step_thermal(t_e, t_r, p.bus_power_w, heater_w, q_abs, dt_s, p, tc)
    assert abs(t_end - p.heater_setpoint_k) < 0.01
    cold = p.heater_setpoint_k - 30.0
    assert step_thermostat(cold, cold, p.bus_power_w, q_abs, dt_s, p, tc, False, 0.0) == p.heater_max_w
    warm = p.heater_setpoint_k + 20.0
    assert step_thermostat(warm, warm, p.bus_power_w, q_abs, dt_s, p, tc, False, 0.0) == 0.0
    # a decision taken elsewhere (the kernel's lanes) is used as it is
    assert step_thermostat(t_e, t_r, p.bus_power_w, q_abs, dt_s, p, tc, True, 123.0) == 123.0


# ------------------------------------------------------------------ compute
def test_compute_rate_is_the_mean_throttle_of_a_busy_node():
    """Jobs progress at the throttle averaged over the step (∫throttle dt / dt): throttle 1 over
    18 s of a 60 s step and 0 after gives 0.3; a node with nothing busy reports 0."""
    sums = integrate_part(NO_FLOWS, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 18.0)
    sums = integrate_part(sums, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 42.0)
    assert abs(step_compute_rate(sums[5], 60.0, 2.0) - 0.3) < 1e-15
    assert step_compute_rate(sums[5], 60.0, 0.0) == 0.0


# ------------------------------------------------------------------ record and events
def test_record_integrals_give_the_step_means():
    """Two parts (18 s at 1000 W load, 42 s at 400 W) integrate to 1000·18 + 400·42 J; over a
    record of two such steps the integrals over its length are the flows' means (W), ν's and
    β's means, and the array's energy ν·P·dt. The extrema are those of the step means."""
    acc = np.zeros((L.N_ACC, 1))
    acc[L.ACC_MIN:L.ACC_MIN + L.N_EXTREMA], acc[L.ACC_MAX:] = np.inf, -np.inf
    dt_s = 60.0
    for nu, load2 in ((0.3, 400.0), (1.0, 1000.0)):
        sums = integrate_part(NO_FLOWS, 1000.0, 600.0, 50.0, 0.0, 10.0, 1.0, 18.0)
        sums = integrate_part(sums, load2, 0.0, 0.0, 0.0, 20.0, 0.0, 42.0)
        accumulate_mode_time(acc, 0, L.MODE_NOMINAL, 18.0)
        accumulate_mode_time(acc, 0, L.MODE_IDLE, 42.0)
        accumulate_step(acc, 0, dt_s, nu, 0.2, 7000.0, sums, 0.25, True)
    record_s = 2 * dt_s
    loads = np.array([(1000.0 * 18 + 400.0 * 42) / 60, 1000.0])
    assert abs(acc[L.ACC_LOAD, 0] / record_s - loads.mean()) < 1e-9
    assert abs(acc[L.ACC_SUNLIT, 0] / record_s - 0.65) < 1e-12
    assert abs(acc[L.ACC_BETA, 0] / record_s - 0.2) < 1e-12
    assert abs(acc[L.ACC_SOLAR, 0] - 7000.0 * (0.3 + 1.0) * dt_s) < 1e-6
    assert abs(acc[L.ACC_LOSS, 0] - 2 * (10.0 * 18 + 20.0 * 42)) < 1e-9
    assert abs(acc[L.ACC_UTILIZATION, 0] / record_s - 0.25) < 1e-12
    assert acc[L.ACC_MODE_TIME + L.MODE_NOMINAL, 0] == 36.0 and acc[L.ACC_MODE_TIME + L.MODE_IDLE, 0] == 84.0
    load_row = L.EXTREMA_ACC.index(L.ACC_LOAD)
    assert acc[L.ACC_MIN + load_row, 0] == pytest.approx(loads.min(), abs=1e-9)
    assert acc[L.ACC_MAX + load_row, 0] == pytest.approx(loads.max(), abs=1e-9)


def test_events_mark_eclipse_edges_at_half_the_disc_and_mode_changes():
    """ν crossing 0.5 downwards is an eclipse entry, upwards an exit (value: ν at the step's end);
    a mode change follows the edge of the same step (value: the new mode); nothing else."""
    buf = (np.zeros((1, 6), np.int64), np.zeros((1, 6), np.int64), np.zeros((1, 6)))
    n = emit_events(*buf, 0, 0, 7, 0.6, 0.4, L.MODE_NOMINAL, L.MODE_NOMINAL)
    n = emit_events(*buf, 0, n, 8, 0.4, 0.45, L.MODE_NOMINAL, L.MODE_NOMINAL)
    n = emit_events(*buf, 0, n, 9, 0.45, 1.0, L.MODE_NOMINAL, L.MODE_IDLE)
    assert n == 3
    assert list(buf[0][0, :n]) == [7, 9, 9]
    assert list(buf[1][0, :n]) == [L.EVENT_ECLIPSE_ENTRY, L.EVENT_ECLIPSE_EXIT, L.EVENT_MODE_CHANGE]
    assert list(buf[2][0, :n]) == [0.4, 1.0, float(L.MODE_IDLE)]


# ------------------------------------------------------------------ all together
def test_the_named_steps_in_order_are_the_kernels_step(p):
    """One node over an orbit's worth of 30 s steps, eclipse edges included, stepped here by
    calling the named steps in the order advance_nodes does: the same state and record integrals
    as the kernel (which takes the thermal steps in lanes), to 1e-12 relative."""
    dt_s, n_steps = 30.0, 200
    r = EARTH_RADIUS_M + 550e3
    n = math.sqrt(EARTH_MU_M3_S2 / r ** 3)
    pos, vel, sun = equatorial_boundaries(2.0 + n * dt_s * np.arange(n_steps + 1))
    scenario = load_config(REPO / "configs" / "default.yaml")
    state, mode = initial_state(scenario.spacecraft, 1)
    busy = np.array([3.0])
    acc = np.zeros((L.N_ACC, 1))
    ev = (np.empty((1, 3 * n_steps), np.int64), np.empty((1, 3 * n_steps), np.int64),
          np.empty((1, 3 * n_steps)), np.zeros(1, np.int64))
    advance_nodes(pos, vel, sun, np.empty((0, N_GEOMETRY, 0)), 0.0, dt_s, busy, p, state, mode, acc,
                  np.empty((n_steps, 1)), *ev)

    geo = np.empty((n_steps + 1, N_GEOMETRY, 1))
    block_geometry(pos, vel, sun, p, geo)
    tc = constants(p)
    s, _ = initial_state(scenario.spacecraft, 1)
    energy, capacity, efc = s[L.STATE_BATTERY_J, 0], s[L.STATE_CAPACITY_J, 0], 0.0
    t_e, t_r, loss_w, node_mode = s[L.STATE_ELECTRONICS_K, 0], s[L.STATE_RADIATOR_K, 0], 0.0, L.MODE_NOMINAL
    f_front, f_back = radiator_view_factors(*pos[0, 0], p)
    mine = np.zeros((L.N_ACC, 1))
    n_sub = max(4, min(64, int(dt_s / 2.0) + 1))
    edges = 0
    t_array = s[L.STATE_ARRAY_K, 0]
    assert p.array_heat_balance == 1.0   # the default
    for k in range(n_steps):
        age_years = p.age_years + (k + 0.5) * dt_s / (365.25 * 86400.0)
        w = array_w_per_w_m2(p, age_years)
        optics = array_optics(p, age_years)
        nu0, nu1, nu, beta = step_geometry(geo, k, 0, pos, sun, 0, n_sub)
        solar_full_w = step_array(geo[k, 1, 0], geo[k + 1, 1, 0], w)
        solar_ref_w = solar_full_w
        q_array_dark, q_array_sun = step_array_loads(geo, k, 0, optics, p)
        q_dark, q_sun = step_radiator_loads(geo, k, 0, f_front, f_back, p, False)
        n_parts, first_lit, d1 = step_parts(nu, nu0, nu1, dt_s)
        edges += n_parts - 1
        sums = NO_FLOWS
        junction_ks = 0.0
        for part in range(n_parts):
            duration, vis = part_of_step(part, n_parts, first_lit, d1, dt_s, nu)
            q_abs = q_dark + q_sun * vis
            q_array = q_array_dark + q_array_sun * vis
            solar_part_w, predicted = step_array_temperature(t_array, q_array, solar_ref_w, vis, duration, optics, p)
            solar_w = solar_part_w * vis
            throttle_t, demand_w = step_demand(t_e, p.n_accel, busy[0], p)
            heater_w = step_thermostat(t_e, t_r, demand_w + loss_w, q_abs, duration, p, tc, False, 0.0)
            node_mode, throttle, compute_w, heater_w, bus_w, charge_w, discharge_w = step_power_balance(
                solar_w, energy, capacity, node_mode, throttle_t, heater_w, p.n_accel, busy[0], duration, p)
            load_w = bus_w + heater_w + compute_w
            junction_ks += step_junction(t_e, compute_w, throttle, busy[0], p) * duration
            energy, capacity, efc, loss_w, curtailed_w = step_battery(
                energy, capacity, efc, solar_w - load_w, charge_w, discharge_w, duration, p)
            t_array, solar_part_w, curtailed_w = step_array_settle(t_array, q_array, predicted, solar_ref_w,
                                                                   solar_part_w, vis, curtailed_w, duration, optics, p)
            if vis > 0.0:
                solar_full_w = solar_part_w   # what the step's record takes: the sunlit part's
            t_e, t_r = step_thermal(t_e, t_r, bus_w + compute_w + loss_w, heater_w, q_abs, duration, p, tc)
            sums = integrate_part(sums, load_w, compute_w, heater_w, curtailed_w, loss_w, throttle, duration)
            accumulate_mode_time(mine, 0, node_mode, duration)
        rate = step_compute_rate(sums[5], dt_s, busy[0])
        accumulate_step(mine, 0, dt_s, nu, beta, solar_full_w, sums, busy[0] * rate / p.n_accel, False)
        mine[L.ACC_JUNCTION, 0] += junction_ks
        ledger_unheld(mine, 0, False, p.n_accel - busy[0], 0.0, dt_s)   # no job waits: no_demand
    assert edges >= 2   # the orbit's eclipse entry and exit were split
    got = np.array([energy, capacity, t_e, t_r, efc, t_array])
    want = state[[L.STATE_BATTERY_J, L.STATE_CAPACITY_J, L.STATE_ELECTRONICS_K, L.STATE_RADIATOR_K, L.STATE_EFC,
                  L.STATE_ARRAY_K], 0]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(mine[:L.N_FLOW_ACC], acc[:L.N_FLOW_ACC], rtol=1e-12, atol=1e-9)
    assert node_mode == mode[0]


def test_power_balance_limits_are_the_batterys(p):
    """step_power_balance hands step_battery the battery's own limits (battery_limits_w), so
    the deficit it serves from the battery never exceeds what the battery can deliver."""
    capacity = p.nominal_capacity_j
    energy = 0.7 * capacity
    want = battery_limits_w(energy, capacity, p.min_soc, p.max_soc, 60.0, p.charge_efficiency,
                            p.discharge_efficiency, p.max_charge_w_per_j * p.nominal_capacity_j,
                            p.max_discharge_w_per_j * p.nominal_capacity_j)
    got = step_power_balance(0.0, energy, capacity, L.MODE_NOMINAL, 1.0, 0.0, p.n_accel, p.n_accel, 60.0, p)
    assert got[5:] == want
    _, _, compute_w, heater_w, bus_w = got[:5]
    assert bus_w + compute_w + heater_w <= want[1] + 1e-9


def test_unheld_accelerators_split_at_the_first_waiting_job():
    """A node's free accelerators over a 10 s step: scheduling for the part after a job began to
    wait, no_demand before; a failed node's accelerators all go to faults."""
    acc = np.zeros((L.N_ACC, 2))
    ledger_unheld(acc, 0, False, 3.0, 4.0, 10.0)   # 3 free, a job waiting the last 4 s
    ledger_unheld(acc, 1, True, 8.0, 4.0, 10.0)
    row = L.ACC_LEDGER
    assert acc[row + L.LEDGER_SCHEDULING, 0] == 12.0 and acc[row + L.LEDGER_NO_DEMAND, 0] == 18.0
    assert acc[row + L.LEDGER_FAULTS, 1] == 80.0 and acc[row:row + L.N_LEDGER].sum() == 110.0
