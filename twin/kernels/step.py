"""The node step as named physics steps, each a small function of plain SI values.

In the order :func:`twin.kernels.node.advance_nodes` calls them for one node and one step
(docs/design.md §5): :func:`step_geometry` (visible fraction and β over the step) ->
:func:`step_array` (array power) -> :func:`step_array_loads` (what the array absorbs, with its
heat balance on) -> :func:`step_radiator_loads` (what the radiator absorbs) -> :func:`step_parts`
(the step split at an eclipse edge), then per part :func:`step_array_temperature` (the cells at the
array's mean temperature over the part) -> :func:`step_demand` -> :func:`step_thermostat` ->
:func:`step_power_balance` -> :func:`step_battery` -> :func:`step_array_settle` (the array with
the power the bus took) -> :func:`step_thermal`, and last :func:`step_compute_rate` (what jobs
progress at). Each can be
called alone (tests/test_node_steps.py); ``p`` is a :class:`twin.kernels.node.NodeParams` and
``tc`` :func:`twin.kernels.thermal.thermal_constants` of it.

The arithmetic is written out in the order the run files were made with: reassociating it
would change their bits.

The few functions handed the kernel's arrays (here :func:`step_geometry` and
:func:`step_radiator_loads`; the record's in :mod:`twin.kernels.accumulate`) only read or write
them, and are compiled with numba's ``_nrt=False``: otherwise each call, once per node-step, would
count references to every array it is handed, atomically, a large share of the step's cost
(benchmarks/RESULTS.md, "Node step as named physics steps"). They allocate nothing.
"""
import math


from twin.constants import EARTH_MEAN_RADIUS_M, STEFAN_BOLTZMANN_W_M2_K4
from twin.kernels.array_thermal import array_absorbed_w_m2, array_thermal_factor, coating_at_age, temperature_step
from twin.kernels.battery import battery_limits_w, battery_step, faded_capacity_j
from twin.kernels.conductance import CONDUCTANCE_FIXED, conductance_over_step, conductance_plan, with_conductance
from twin.kernels.junction import hottest_accel_w, junction_temp_k
from twin.kernels.layout import MODE_IDLE, MODE_SAFE
from twin.kernels.power import compute_power_w, shed_load
from twin.kernels.radiator import J_PER_M2_PER_ESH
from twin.kernels.shadow import SPHERE, shadow_fraction
from twin.kernels.solar import array_power_w
from twin.kernels.thermal import radiator_absorbed_w, thermal_throttle, two_node_step_c
from twin.kernels.viewfactor import earth_view_factor
from twin.kernels.jit import kernel

# ------------------------------------------------------------------ geometry


@kernel
def mean_shadow_fraction(p0x, p0y, p0z, p1x, p1y, p1z, s0x, s0y, s0z, s1x, s1y, s1z, n_sub, shape=SPHERE):
    """Mean visible solar fraction over a step whose ends disagree (an eclipse edge inside it).

    The arc between the step's end positions is sampled at ``n_sub`` midpoints (chord points
    pushed out to the interpolated radius), so the edge is placed to dt/n_sub and a step that
    holds an eclipse entry gets the sunlit share it really has, whatever dt. ``shape``: the
    Earth's figure (:mod:`twin.kernels.shadow`), the one the step's ends were evaluated with.
    """
    r0 = math.sqrt(p0x * p0x + p0y * p0y + p0z * p0z)
    r1 = math.sqrt(p1x * p1x + p1y * p1y + p1z * p1z)
    total = 0.0
    for j in range(n_sub):
        f = (j + 0.5) / n_sub
        x, y, z = p0x + f * (p1x - p0x), p0y + f * (p1y - p0y), p0z + f * (p1z - p0z)
        scale = (r0 + f * (r1 - r0)) / math.sqrt(x * x + y * y + z * z)
        total += shadow_fraction(x * scale, y * scale, z * scale, s0x + f * (s1x - s0x),
                                 s0y + f * (s1y - s0y), s0z + f * (s1z - s0z), shape)
    return total / n_sub


@kernel(_nrt=False)   # arrays borrowed (module docstring)
def step_geometry(geo, k, col, pos_m, sun_m, i, n_sub, shape=SPHERE):
    """The step's geometry from its boundaries: (ν₀, ν₁, ν, β) — the visible solar fraction at
    the step's start and end [1], its mean over the step [1] (sub-sampled with
    :func:`mean_shadow_fraction` when the ends differ: an eclipse edge inside) and the mean β
    angle [rad] (trapezoid).

    ``geo[k, :, col]`` is :func:`twin.kernels.node.boundary_geometry` at boundary k; ``pos_m[k, i]``
    and ``sun_m[k]`` the GCRS position of the satellite and the Sun there [m]; ``shape`` the
    Earth's figure for the shadow (:mod:`twin.kernels.shadow`).
    """
    nu0, nu1 = geo[k, 0, col], geo[k + 1, 0, col]
    if nu0 == nu1:
        nu = nu0
    else:
        nu = mean_shadow_fraction(
            pos_m[k, i, 0], pos_m[k, i, 1], pos_m[k, i, 2],
            pos_m[k + 1, i, 0], pos_m[k + 1, i, 1], pos_m[k + 1, i, 2],
            sun_m[k, 0], sun_m[k, 1], sun_m[k, 2], sun_m[k + 1, 0], sun_m[k + 1, 1], sun_m[k + 1, 2], n_sub, shape)
    return nu0, nu1, nu, 0.5 * (geo[k, 2, col] + geo[k + 1, 2, col])


@kernel
def step_parts(nu, nu0, nu1, dt_s):
    """How the step is cut: (parts, first part sunlit, first part's duration [s]). A step that
    holds an eclipse edge (0 < ν < 1 and its ends differ) is two parts, sunlit and dark, the
    sunlit one ν·dt long, in the order of the ends; any other step is one part."""
    if 0.0 < nu < 1.0 and nu0 != nu1:
        first_lit = nu0 > nu1
        return 2, first_lit, (nu if first_lit else 1.0 - nu) * dt_s
    return 1, nu > 0.0, dt_s


@kernel
def part_of_step(part, n_parts, first_lit, d1_s, dt_s, nu):
    """(duration [s], visible solar fraction [1]) of part ``part`` of :func:`step_parts`' cut: a
    whole step sees the mean ν, the sunlit part of a split step full Sun, a dark part none."""
    lit = first_lit if part == 0 else not first_lit
    duration = d1_s if part == 0 else dt_s - d1_s
    vis = (nu if n_parts == 1 else 1.0) if lit else 0.0
    return duration, vis


# ------------------------------------------------------------------ array


@kernel
def array_w_per_w_m2(p, age_years):
    """The array's bus power per unit of irradiance × cos θ [W per W/m²] at ``age_years``: area,
    packing, cell efficiency, degradation, temperature and MPPT (:func:`twin.kernels.solar.array_power_w`),
    inherent degradation and harness loss. With the array's heat balance on, at the reference
    temperature: the kernel scales it by each node's temperature
    (:func:`twin.kernels.array_thermal.array_thermal_factor`)."""
    cell_temp_k = p.reference_temp_k if p.array_heat_balance > 0.5 else p.cell_temp_k
    return array_power_w(1.0, 1.0, p.array_area_m2, p.cell_efficiency, p.packing_factor,
                         p.degradation_per_year, age_years, p.temp_coeff_per_k, cell_temp_k,
                         p.reference_temp_k, p.mppt_efficiency) * p.inherent_degradation * (1.0 - p.harness_loss)


@kernel
def step_array(s_cos_start_w_m2, s_cos_end_w_m2, w_per_w_m2):
    """Unshadowed array power over the step [W]: the step mean (trapezoid) of S·cos θ at its two
    boundaries [W/m²] times :func:`array_w_per_w_m2`, clamped at 0 (Sun behind the array). The
    shadow scales it later, part by part."""
    solar_full_w = 0.5 * (s_cos_start_w_m2 + s_cos_end_w_m2) * w_per_w_m2
    if solar_full_w < 0.0:
        solar_full_w = 0.0
    return solar_full_w


NO_OPTICS = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)   # array_optics' tuple where the heat balance is off
NO_PREDICTION = (0.0, 0.0, 0.0, 0.0, 0.0)   # step_array_temperature's second value where it is off


@kernel
def array_optics(p, age_years):
    """(α_front, α_back, ε_front, ε_back [1], k = σ(ε_front + ε_back) [W/(m² K⁴)], 1/c [m² K/J],
    k T_space⁴ [W/m²]) of the array at ``age_years`` (its coatings:
    :func:`twin.kernels.array_thermal.coating_at_age`)."""
    eps_f = coating_at_age(p.array_front_eps_bol, p.array_front_eps_eol, p.array_front_eol_years, age_years)
    eps_b = coating_at_age(p.array_back_eps_bol, p.array_back_eps_eol, p.array_back_eol_years, age_years)
    k = STEFAN_BOLTZMANN_W_M2_K4 * (eps_f + eps_b)
    t_space2 = p.space_temp_k * p.space_temp_k
    return (coating_at_age(p.array_front_alpha_bol, p.array_front_alpha_eol, p.array_front_eol_years, age_years),
            coating_at_age(p.array_back_alpha_bol, p.array_back_alpha_eol, p.array_back_eol_years, age_years),
            eps_f, eps_b, k, 1.0 / p.array_heat_capacity_j_per_m2_k, k * t_space2 * t_space2)


@kernel(_nrt=False)   # arrays borrowed (module docstring)
def step_array_loads(geo, k, col, optics, p):
    """(q_dark, q_sun) [W/m²]: what the array absorbs per m² over step k from the Earth (infrared
    and albedo on both faces) and from the direct Sun when fully visible, step means of
    ``geo[:, :, col]`` (:func:`twin.kernels.node.boundary_geometry`); with a visible fraction ν it
    absorbs q_dark + q_sun·ν."""
    alpha_f, alpha_b, eps_f, eps_b = optics[0], optics[1], optics[2], optics[3]
    sun_front = 0.5 * (geo[k, 1, col] + geo[k + 1, 1, col])
    f_front, f_back = 0.5 * (geo[k, 6, col] + geo[k + 1, 6, col]), 0.5 * (geo[k, 7, col] + geo[k + 1, 7, col])
    q_dark = array_absorbed_w_m2(0.0, 0.0, 0.0, f_front, f_back, 0.5 * (geo[k, 5, col] + geo[k + 1, 5, col]),
                                 alpha_f, alpha_b, eps_f, eps_b, p.albedo, p.earth_ir_w_m2)
    q_sun = alpha_f * max(sun_front, 0.0) + alpha_b * 0.5 * (geo[k, 8, col] + geo[k + 1, 8, col])
    return q_dark, q_sun


@kernel
def step_array_temperature(t_array_k, absorbed_w_m2, solar_ref_w, visible, dt_s, optics, p):
    """The array over a part of dt_s with ``absorbed_w_m2`` absorbed per m² and the power its cells
    give at full Sun and the reference temperature, ``solar_ref_w``, times ``visible``, taken by
    the bus at the temperature at the part's start (the panel gives up the bus's power before the
    regulator and the harness). Returns (the array's full-Sun power at its mean temperature over
    the part [W]; the end and mean temperatures [K] and their gains per W/m² absorbed, or -1, of
    :func:`twin.kernels.array_thermal.temperature_step`; the extracted power assumed [W/m²]): the
    power balance takes the first, :func:`step_array_settle` ends the part."""
    extracted = (solar_ref_w * visible * array_thermal_factor(t_array_k, p.temp_coeff_per_k, p.reference_temp_k)
                 * p.array_w_m2_per_bus_w)
    t_end, t_mean, gain, mean_gain = temperature_step(t_array_k, absorbed_w_m2 - extracted + optics[6],
                                                      optics[4], optics[5], dt_s)
    solar_part_w = solar_ref_w * array_thermal_factor(t_mean, p.temp_coeff_per_k, p.reference_temp_k)
    return solar_part_w, (t_end, t_mean, gain, mean_gain, extracted)


@kernel
def step_array_settle(t_array_k, absorbed_w_m2, predicted, solar_ref_w, solar_part_w, visible, curtailed_w, dt_s,
                      optics, p):
    """End a part of :func:`step_array_temperature` (``predicted``, its second value) with the
    power the bus used or stored, solar_part_w·visible − curtailed_w [W], leaving the panel instead
    of the power assumed: what the regulator left in the cells stays as heat. The step is linear
    in that power, so a one-step part moves by the difference times its gains; a part in
    sub-steps is stepped again. Where power was curtailed, the cells ran at the hotter mean
    temperature that follows and gave less, all of it from the curtailed share (the bus took what
    it took). Returns (temperature [K] at the part's end, full-Sun power [W], curtailed [W])."""
    t_end, t_mean, gain, mean_gain, extracted = predicted
    taken_w = solar_part_w * visible - curtailed_w
    taken = taken_w * p.array_w_m2_per_bus_w
    if gain >= 0.0:
        t_end += (extracted - taken) * gain
        t_mean += (extracted - taken) * mean_gain
    else:
        t_end, t_mean, _, _ = temperature_step(t_array_k, absorbed_w_m2 - taken + optics[6], optics[4],
                                               optics[5], dt_s)
    if curtailed_w > 0.0:
        solar_hot_w = solar_ref_w * array_thermal_factor(t_mean, p.temp_coeff_per_k, p.reference_temp_k)
        if solar_hot_w * visible >= taken_w:
            return t_end, solar_hot_w, solar_hot_w * visible - taken_w
    return t_end, solar_part_w, curtailed_w


# ------------------------------------------------------------------ radiator environment


@kernel
def radiator_view_factors(x_m, y_m, z_m, p):
    """(front, back) Earth view factors [1] of the radiator, fixed in LVLH, at GCRS position
    (x, y, z) [m]: they depend on the altitude alone (0 for the back of a one-sided radiator)."""
    altitude = math.sqrt(x_m ** 2 + y_m ** 2 + z_m ** 2) - EARTH_MEAN_RADIUS_M
    front = earth_view_factor(altitude, p.radiator_front_nadir_rad)
    back = earth_view_factor(altitude, math.pi - p.radiator_front_nadir_rad) if p.radiator_sides > 1.5 else 0.0
    return front, back


@kernel(_nrt=False)   # arrays borrowed (module docstring)
def step_radiator_loads(geo, k, col, f_front, f_back, p, with_alpha, alpha=-1.0):
    """(q_dark, q_sun) [W]: what the radiator absorbs over step k from the Earth (infrared and
    albedo) and from the direct Sun when fully visible, step means from ``geo[:, :, col]`` and
    the view factors; with a visible fraction ν it absorbs q_dark + q_sun·ν. ``alpha``: the
    coating's solar absorptivity now [1] (:func:`twin.kernels.radiator.coating_absorptivity`;
    negative: its beginning-of-life value). Loads fall on the panel's effective area, area ×
    fin efficiency: what of them reaches the tubes (:mod:`twin.kernels.radiator`)."""
    if alpha < 0.0:
        alpha = p.radiator_absorptivity
    area = p.radiator_area_m2 * p.radiator_fin_efficiency
    sun_front, sun_back = 0.5 * (geo[k, 3, col] + geo[k + 1, 3, col]), 0.5 * (geo[k, 4, col] + geo[k + 1, 4, col])
    albedo_load = 0.5 * (geo[k, 5, col] + geo[k + 1, 5, col])
    q_dark = radiator_absorbed_w(area, alpha, p.radiator_emissivity,
                                 1.0, 0.0, 0.0, p.radiator_sides, f_front, f_back, p.albedo,
                                 p.earth_ir_w_m2, albedo_load * f_front, albedo_load * f_back,
                                 with_alpha)
    q_sun = area * alpha * (sun_front + (sun_back if p.radiator_sides > 1.5 else 0.0))
    return q_dark, q_sun


@kernel(_nrt=False)   # arrays borrowed (module docstring)
def step_uv_dose_esh(geo, k, col, nu, dt_s, p):
    """The radiator coating's UV dose over step k [equivalent sun hours]: the direct Sun on its
    coated faces (the front, and the back of a two-sided panel), step means from
    ``geo[:, :, col]``, over the step's sunlit time ν·dt."""
    sun = 0.5 * (geo[k, 3, col] + geo[k + 1, 3, col])
    if p.radiator_sides > 1.5:
        sun += 0.5 * (geo[k, 4, col] + geo[k + 1, 4, col])
    return sun * nu * dt_s / J_PER_M2_PER_ESH


# ------------------------------------------------------------------ demand and power balance


@kernel
def step_demand(t_elec_k, n_accel, busy_accel, p, peak_w=None):
    """(thermal throttle [1], demanded load [W]: the bus, every accelerator at idle and the busy
    ones up to peak scaled by that throttle). The throttle ramps down between the node
    temperatures ``throttle_start_k`` and ``shutdown_k``: the electronics node's own limits, or,
    with the junction limit, those that put a busy accelerator's junction on its ramp
    (:func:`twin.kernels.junction.node_limits_k`, the throttle in closed form). ``peak_w``: a
    busy accelerator's power at full throttle [W], its power cap (None: ``p.accel_peak_w``); under
    a cap a busy accelerator's junction reaches its throttle temperature only at a node
    temperature higher by R·(peak − cap), where the junction ramp starts."""
    if peak_w is None:
        peak_w = p.accel_peak_w
    start_k = p.throttle_start_k
    if p.junction_limit > 0.5:   # T_j0 − R·P at full throttle (twin.kernels.junction, Eq. 3), P the cap
        start_k += p.junction_r_k_per_w * (p.accel_peak_w - peak_w)
    throttle_t = thermal_throttle(t_elec_k, start_k, p.shutdown_k)
    return throttle_t, p.bus_power_w + compute_power_w(n_accel, busy_accel, p.accel_idle_w, peak_w, throttle_t)


@kernel
def step_power_balance(solar_w, energy_j, capacity_j, node_mode, throttle_t, heater_w, n_accel, busy_accel,
                       dt_s, p, peak_w=None):
    """What the node serves from the array plus what the battery can deliver over dt_s, shedding
    in :func:`twin.kernels.power.shed_load`'s order (throttle -> idle -> safe; a node that went
    idle or safe stays there while its state of charge is under ``recover_soc``; a node without
    accelerators, failed, is safe at best).

    Returns (mode, throttle [1], compute, heater, bus [W] served, the battery's charge and
    discharge limits [W] over dt_s). ``peak_w`` as in :func:`step_demand`.
    """
    if peak_w is None:
        peak_w = p.accel_peak_w
    charge_w, discharge_w = battery_limits_w(
        energy_j, capacity_j, p.min_soc, p.max_soc, dt_s, p.charge_efficiency,
        p.discharge_efficiency, p.max_charge_w_per_j * p.nominal_capacity_j,
        p.max_discharge_w_per_j * p.nominal_capacity_j)
    soc = energy_j / capacity_j if capacity_j > 0.0 else 0.0
    recovering = (node_mode == MODE_IDLE or node_mode == MODE_SAFE) and soc < p.recover_soc
    new_mode, throttle, compute_w, heater_w, bus_w = shed_load(
        solar_w + discharge_w, solar_w, p.bus_power_w, heater_w, n_accel, busy_accel,
        p.accel_idle_w, peak_w, throttle_t, p.min_throttle, recovering)
    if n_accel == 0.0 and new_mode < MODE_SAFE:
        new_mode = MODE_SAFE
    return new_mode, throttle, compute_w, heater_w, bus_w, charge_w, discharge_w


# ------------------------------------------------------------------ battery


@kernel
def step_battery(energy_j, capacity_j, efc, net_w, charge_w, discharge_w, dt_s, p):
    """The battery over dt_s with the bus surplus (net_w > 0) or deficit (< 0) [W] and the limits
    of :func:`step_power_balance`: charge or discharge with losses, then capacity fade by the
    equivalent full cycles drawn (energy above the faded ceiling is lost). With ``ageing_model``
    xu2018 the EFC are counted, ``fade_per_efc`` is 0 and the capacity is
    :func:`twin.kernels.ageing.step_ageing`'s.

    Returns (energy [J], capacity [J], EFC [1], loss [W], curtailed [W]); energy closes:
    net_w·dt = ΔE + (loss + curtailed)·dt.
    """
    energy_j, loss_w, curtailed_w, drawn_j = battery_step(
        energy_j, net_w, charge_w, discharge_w, p.charge_efficiency, p.discharge_efficiency, dt_s)
    if drawn_j > 0.0 and (p.fade_per_efc > 0.0 or p.ageing_model > 0.5):
        efc += drawn_j / p.nominal_capacity_j
        if p.fade_per_efc > 0.0:
            capacity_j = faded_capacity_j(p.nominal_capacity_j, efc, p.fade_per_efc)
            if energy_j > p.max_soc * capacity_j:
                loss_w += (energy_j - p.max_soc * capacity_j) / dt_s
                energy_j = p.max_soc * capacity_j
    return energy_j, capacity_j, efc, loss_w, curtailed_w


# ------------------------------------------------------------------ thermal and thermostat

HEATER_SUBSTEP_S = 10.0  # s: the thermostat acts on this grid whatever dt, so results do not depend on dt
HEATER_BAND_K = 10.0     # K above the set point within which the thermostat is evaluated at all


@kernel
def heater_trial(t_elec, t_rad, p_base_w, q_abs_w, dt_s, p, tc):
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
    return heater_between(t0, t1, p), False, t_elec, t_rad


@kernel
def heater_between(t0, t1, p):
    """The heater power [W] between the trial without heaters (the electronics end at t0 [K],
    below the set point) and the one at full power (t1 [K], above it)."""
    return p.heater_max_w * (p.heater_setpoint_k - t0) / (t1 - t0)


@kernel
def thermal_substeps(dt_s, near):
    """Sub-steps of :func:`thermal_advance` over dt_s: 1 unless the thermostat is in play
    (``near``, :func:`near_set_point`)."""
    if near:
        return max(1, int(math.ceil(dt_s / HEATER_SUBSTEP_S - 1e-9)))   # >= 1 for any part, however short
    return 1


@kernel
def near_set_point(t_elec, p):
    """The thermostat is in play: heaters fitted and the electronics within HEATER_BAND_K of
    the set point."""
    return p.heater_max_w > 0.0 and t_elec < p.heater_setpoint_k + HEATER_BAND_K


THERMOSTAT_DECIDES = -1.0   # thermal_advance's heater power when the thermostat is to decide it


@kernel
def thermal_advance(t_elec, t_rad, p_elec_w, heater_w, q_abs_w, dt_s, p, tc):
    """Advance both thermal nodes over dt_s with the heaters at the constant ``heater_w`` [W], or,
    where it is negative (THERMOSTAT_DECIDES), with the heater decided anew on a fixed sub-step grid
    (HEATER_SUBSTEP_S). Returns (t_elec, t_rad, mean heater power [W]). (A flag argument would be
    a constant at each call site, and numba compiles a function once per constant.)

    With a variable conductance (``p.conductance_model``) each sub-step holds G at the mean of
    its values at the sub-step's start and at the end a trial step reaches, in as many
    sub-steps as its feedback needs (:func:`twin.kernels.conductance.conductance_plan`)."""
    thermostat = heater_w < 0.0
    if thermostat:
        heater_w = 0.0
    near = near_set_point(t_elec, p)
    n = thermal_substeps(dt_s, near)
    variable = p.conductance_model != CONDUCTANCE_FIXED
    g_step = 0.0
    if variable:
        n_g, g_step = conductance_plan(dt_s, t_elec, t_rad, p_elec_w + heater_w, q_abs_w, p, tc)
        n = max(n, n_g)
    h = dt_s / n
    heat = 0.0
    for _ in range(n):
        tcs = tc
        if variable:
            g = g_step if n == 1 else conductance_over_step(t_elec, t_rad, p_elec_w + heater_w, q_abs_w, h, p, tc)
            tcs = with_conductance(tc, g)
        if thermostat and near:
            q, stepped, t_e, t_r = heater_trial(t_elec, t_rad, p_elec_w, q_abs_w, h, p, tcs)
        else:
            q, stepped, t_e, t_r = heater_w, False, t_elec, t_rad
        heat += q
        if stepped:   # the thermostat's trial step was this step (p_elec_w + 0 or + heater_max_w)
            t_elec, t_rad = t_e, t_r
        else:
            t_elec, t_rad = two_node_step_c(t_elec, t_rad, p_elec_w + q, q_abs_w, h, tcs)
    return t_elec, t_rad, heat / n


@kernel
def step_thermostat(t_elec, t_rad, p_elec_w, q_abs_w, dt_s, p, tc, decided, decided_w):
    """Heater power [W] over dt_s: 0 unless the thermostat is in play (:func:`near_set_point`);
    then ``decided_w`` if ``decided`` (the caller took the trial steps), otherwise the mean
    power of the thermostat's trial pass with ``p_elec_w`` dissipated and ``q_abs_w`` absorbed."""
    if not near_set_point(t_elec, p):
        return 0.0
    if decided:
        return decided_w
    _, _, heater_w = thermal_advance(t_elec, t_rad, p_elec_w, THERMOSTAT_DECIDES, q_abs_w, dt_s, p, tc)
    return heater_w


@kernel
def step_thermal(t_elec, t_rad, p_elec_w, heater_w, q_abs_w, dt_s, p, tc):
    """(electronics, radiator) temperatures [K] after dt_s with ``p_elec_w`` plus the heaters
    dissipated in the electronics and ``q_abs_w`` absorbed by the radiator [W]."""
    t_elec, t_rad, _ = thermal_advance(t_elec, t_rad, p_elec_w, heater_w, q_abs_w, dt_s, p, tc)
    return t_elec, t_rad


# ------------------------------------------------------------------ compute


@kernel
def step_compute_rate(throttle_s, dt_s, busy_accel, cap_throughput=1.0):
    """Rate a busy accelerator progresses at over the step [1]: the mean throttle (∫throttle dt
    over dt_s) times the throughput its power cap leaves it (``cap_throughput`` [1], 1 uncapped:
    :mod:`twin.config.power_cap`), 0 with no accelerator busy."""
    return throttle_s / dt_s * cap_throughput if busy_accel > 0.0 else 0.0


# ------------------------------------------------------------------ junction


@kernel
def step_junction(t_elec_k, compute_w, throttle, busy_accel, p, peak_w=None):
    """The junction temperature [K] of the node's hottest accelerator over a (part of a) step:
    the electronics node (the coolant loop) at the part's start, which the throttle read, plus
    that accelerator's power at the throttle served times its junction-to-coolant chain
    (:mod:`twin.kernels.junction`). ``peak_w`` as in :func:`step_demand`."""
    if peak_w is None:
        peak_w = p.accel_peak_w
    return junction_temp_k(t_elec_k, hottest_accel_w(compute_w, throttle, busy_accel, p.accel_idle_w, peak_w),
                           p.junction_r_k_per_w)
