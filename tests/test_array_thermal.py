"""The solar array's heat balance (twin/kernels/array_thermal.py): its steady state in full Sun
against a balance solved here by hand, its cool-down in eclipse against the analytic solution,
coatings that age, a sunlit LEO array against published operating temperatures, resume, and
bad input."""
import math
import subprocess
import sys

import h5py
import numpy as np
import pytest

from conftest import REPO, small_config
from twin.config import load_config
from twin.constants import EARTH_MEAN_RADIUS_M, EARTH_RADIUS_M, SOLAR_CONSTANT_W_M2, STEFAN_BOLTZMANN_W_M2_K4
from twin.engine.nodes import initial_state, node_params
from twin.kernels import layout as L
from twin.kernels.array_thermal import array_temperature_step, coating_at_age, steady_array_temp_k
from twin.kernels.node import N_GEOMETRY, advance_nodes
from twin.kernels.viewfactor import earth_view_factor

S0 = SOLAR_CONSTANT_W_M2
SIGMA = STEFAN_BOLTZMANN_W_M2_K4
ALTITUDE_M = 550e3


@pytest.fixture(scope="module")
def scenario():
    return load_config(REPO / "configs" / "default.yaml")


def bisect(f, lo, hi, tol=1e-12):
    """The root of f in [lo, hi] (f(lo) and f(hi) of opposite signs), by bisection: independent of
    the kernel's integrator."""
    f_lo = f(lo)
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if (f(mid) > 0) == (f_lo > 0):
            lo, f_lo = mid, f(mid)
        else:
            hi = mid
    return 0.5 * (lo + hi)


def run_kernel(p, spacecraft, geo_row_values, n_steps, dt_s, t0_k, busy=4.0, soc=0.66):
    """One node advanced ``n_steps`` of ``dt_s`` through a constant geometry (``geo_row_values``:
    {row: value} of :func:`twin.kernels.node.boundary_geometry`, the rest 0) at 550 km; returns
    the state and the accumulators."""
    geo = np.zeros((n_steps + 1, N_GEOMETRY, 1))
    for row, value in geo_row_values.items():
        geo[:, row, 0] = value
    r = EARTH_RADIUS_M + ALTITUDE_M
    pos = np.tile([r, 0.0, 0.0], (n_steps + 1, 1, 1))
    vel = np.tile([0.0, 7600.0, 0.0], (n_steps + 1, 1, 1))
    sun = np.tile([1.496e11, 0.0, 0.0], (n_steps + 1, 1))
    state, mode = initial_state(spacecraft, 1)
    state[L.STATE_ARRAY_K] = t0_k
    state[L.STATE_BATTERY_J] = soc * state[L.STATE_CAPACITY_J]
    acc = np.zeros((L.N_ACC, 1))
    ev = (np.empty((1, 3 * n_steps), np.int64), np.empty((1, 3 * n_steps), np.int64),
          np.empty((1, 3 * n_steps)), np.zeros(1, np.int64))
    advance_nodes(pos, vel, sun, geo, 0.0, dt_s, np.array([busy]), p, state, mode, acc, np.empty((n_steps, 1)), *ev)
    return state, acc


# ------------------------------------------------------------------ steady state in full Sun
@pytest.mark.parametrize("noon", [True, False])
def test_steady_state_in_full_sun_is_the_hand_balance(scenario, noon):
    """A sun-tracking array in full Sun at normal incidence, 550 km. At orbit noon its front faces
    zenith and sees no Earth, its back faces nadir (Howell B-39: F = 1/H²) and takes the Earth's
    infrared and, with the sub-satellite point at noon (S cos ζ = S₀), its albedo; at the
    terminator (Sun on the horizon) the normal is horizontal, both faces see the Earth edge-on
    (Howell B-43 at 90°) and there is no albedo. The balance per m², solved here by bisection:

        α_f S₀ + (ε_f F_f + ε_b F_b) q_IR + a S₀ cos ζ (α_f F_f + α_b F_b)
            = S₀ η f_pack I_d (1 + γ (T − T_ref)) + σ (ε_f + ε_b)(T⁴ − T_space⁴)

    (the electrical power the panel gives up: the bus takes all of it, the battery charging below
    its limits, nothing curtailed). The kernel's step has this balance as its exact fixed point;
    after 2,400 s (~24 time constants c / 4σ(ε_f + ε_b)T³ ≈ 100 s) the start-up transient is
    below 1e-6 K, and 0.005 K covers the array's ageing over those 40 min (the efficiency's
    (1 − d)^t, 1e-6 relative: ~1e-4 K) with room to spare."""
    sc = scenario.spacecraft.model_copy(update={"solar_array": scenario.spacecraft.solar_array.model_copy(
        update={"pointing": "sun_tracking"})})
    p = node_params(sc)
    big_h = (EARTH_MEAN_RADIUS_M + ALTITUDE_M) / EARTH_MEAN_RADIUS_M
    if noon:
        f_front, f_back, albedo_sun = 0.0, 1.0 / big_h ** 2, S0
    else:
        f_front = f_back = earth_view_factor(ALTITUDE_M, math.pi / 2)
        albedo_sun = 0.0
    a = sc.solar_array
    af, ab = a.front_coating.absorptivity_bol, a.back_coating.absorptivity_bol
    ef, eb = a.front_coating.emissivity_bol, a.back_coating.emissivity_bol
    absorbed = af * S0 + (ef * f_front + eb * f_back) * p.earth_ir_w_m2 + p.albedo * albedo_sun * (af * f_front
                                                                                                    + ab * f_back)

    def net(t):
        electric = S0 * a.cell_efficiency * a.packing_factor * a.inherent_degradation * (
            1.0 + a.temp_coeff_per_k * (t - a.reference_temp_k))
        return absorbed - electric - SIGMA * (ef + eb) * (t ** 4 - p.space_temp_k ** 4)

    want = bisect(net, 200.0, 500.0)
    state, acc = run_kernel(p, sc, {0: 1.0, 1: S0, 5: albedo_sun, 6: f_front, 7: f_back}, 240, 10.0, 300.0)
    assert acc[L.ACC_CURTAILED, 0] == 0.0   # all the power left the panel
    got = state[L.STATE_ARRAY_K, 0]
    assert abs(got - want) < 0.005, (got, want)
    # where that lies: 46 °C at the terminator, 75 °C at noon (the range of test_sunlit_leo_array_...)
    assert 315.0 < want < 350.0


def test_curtailed_power_stays_in_the_panel_as_heat(scenario):
    """With the battery full and a small load the regulator leaves most of the array's power in
    the cells: the array settles hotter, at the balance with only the power used leaving it
    (checked here: hotter than with all of it leaving, colder than with none)."""
    sc = scenario.spacecraft.model_copy(update={"solar_array": scenario.spacecraft.solar_array.model_copy(
        update={"pointing": "sun_tracking"})})
    p = node_params(sc)
    geo = {0: 1.0, 1: S0, 6: 0.0, 7: 0.0}
    used, _ = run_kernel(p, sc, geo, 240, 10.0, 300.0, busy=4.0, soc=0.66)
    full, acc = run_kernel(p, sc, geo, 240, 10.0, 300.0, busy=0.0, soc=1.0)
    assert acc[L.ACC_CURTAILED, 0] > 0.0
    a = sc.solar_array
    none = steady_array_temp_k(a.front_coating.absorptivity_bol * S0, 0.0,
                               a.front_coating.emissivity_bol + a.back_coating.emissivity_bol, p.space_temp_k)
    assert used[L.STATE_ARRAY_K, 0] + 5.0 < full[L.STATE_ARRAY_K, 0] < none


# ------------------------------------------------------------------ the named steps
def test_array_loads_are_the_textbook_sum(scenario):
    """step_array_loads: with S cos θ = S₀ on the front, S₀/2 on the back, S₀ at the sub-satellite
    point and view factors F_f, F_b: q_sun = α_f S₀ + α_b S₀/2 (scaled by ν later) and q_dark =
    q_E (ε_f F_f + ε_b F_b) + a S₀ (α_f F_f + α_b F_b) (Gilmore 2002, ch. 2). To rounding."""
    from twin.kernels.step import array_optics, step_array_loads

    p = node_params(scenario.spacecraft)
    optics = array_optics(p, 0.0)
    af, ab, ef, eb = optics[:4]
    assert (af, ab, ef, eb) == (0.91, 0.95, 0.85, 0.87)
    geo = np.zeros((2, N_GEOMETRY, 1))
    geo[:, 1], geo[:, 5], geo[:, 6], geo[:, 7], geo[:, 8] = S0, S0, 0.2, 0.3, S0 / 2
    q_dark, q_sun = step_array_loads(geo, 0, 0, optics, p)
    assert q_sun == pytest.approx(af * S0 + ab * S0 / 2, rel=1e-14)
    assert q_dark == pytest.approx(p.earth_ir_w_m2 * (ef * 0.2 + eb * 0.3) + p.albedo * S0 * (af * 0.2 + ab * 0.3),
                                   rel=1e-14)


@pytest.mark.parametrize("dt_s", [10.0, 60.0, 600.0])
def test_settling_a_part_is_stepping_it_with_the_power_taken(scenario, dt_s):
    """step_array_settle ends a part with the power the bus took instead of the one assumed: the
    same temperature as a step taken with that power from the start (the step is linear in the
    power leaving: exact to rounding, 1e-9 K, for a one-step part; a part in sub-steps, 600 s, is
    stepped again), and where power was curtailed the array's power follows the hotter mean
    temperature, all of the difference taken from the curtailed share."""
    from twin.kernels.array_thermal import temperature_step
    from twin.kernels.step import array_optics, step_array_settle, step_array_temperature

    p = node_params(scenario.spacecraft)
    optics = array_optics(p, 0.0)
    t0, absorbed, solar_ref_w = 320.0, 1300.0, 6000.0
    solar_part_w, predicted = step_array_temperature(t0, absorbed, solar_ref_w, 1.0, dt_s, optics, p)
    curtailed_w = 2000.0   # the bus took solar_part_w - 2 kW
    t1, solar_hot_w, curtailed_after = step_array_settle(t0, absorbed, predicted, solar_ref_w, solar_part_w, 1.0,
                                                         curtailed_w, dt_s, optics, p)
    taken = (solar_part_w - curtailed_w) * p.array_w_m2_per_bus_w
    want_end, want_mean, _, _ = temperature_step(t0, absorbed - taken + optics[6], optics[4], optics[5], dt_s)
    assert abs(t1 - want_end) < 1e-9
    assert t1 > predicted[0]   # power left in the cells heats them
    factor = 1.0 + p.temp_coeff_per_k * (want_mean - p.reference_temp_k)
    assert solar_hot_w == pytest.approx(solar_ref_w * factor, rel=1e-12) and solar_hot_w < solar_part_w
    assert solar_hot_w - curtailed_after == pytest.approx(solar_part_w - curtailed_w, rel=1e-12)


# ------------------------------------------------------------------ eclipse cool-down
@pytest.mark.parametrize("dt_s, tol_k", [(10.0, 0.01), (60.0, 0.3), (600.0, 6.0)])
def test_radiative_cool_down_is_the_analytic_one(dt_s, tol_k):
    """A plate radiating from both faces with nothing absorbed, c dT/dt = −σ(ε_f + ε_b) T⁴
    (T_space → 0): T(t) = (T₀⁻³ + 3σ(ε_f + ε_b) t / c)^(−1/3). From 340 K over a 35 min eclipse
    with c = 1,500 J/(m² K), ε 0.85 + 0.87 it ends at 132.0 K. The exponential Rosenbrock-Euler
    step is second order, its error ∝ dt²: 0.003 K at 10 s, 0.14 K at 60 s (tolerances about
    twice those); at 600 s, sub-steps of at most a time constant at each step's start (~100 s
    at 340 K, growing as the plate cools) land 4.3 K off a 208 K drop (2 %): 6 K."""
    c, eps, t0, span = 1500.0, 0.85 + 0.87, 340.0, 2100.0
    t = t0
    for _ in range(int(round(span / dt_s))):
        t = array_temperature_step(t, 0.0, 0.0, eps, c, 0.0, dt_s)[0]
    want = (t0 ** -3 + 3.0 * SIGMA * eps * span / c) ** (-1.0 / 3.0)
    assert abs(t - want) < tol_k, (t, want)


def cool_down_time_s(t_k, t0_k, t_eq_k, k_w_m2_k4, c):
    """Time [s] for c dT/dt = −k (T⁴ − T_eq⁴) to take T from t0_k down to t_k (> t_eq_k): with
    G(T) = ln((T − a)/(T + a))/(4a³) − atan(T/a)/(2a³) = ∫dT/(T⁴ − a⁴), t = (c/k)(G(T₀) − G(T))."""
    a = t_eq_k

    def g(t):
        return math.log((t - a) / (t + a)) / (4 * a ** 3) - math.atan(t / a) / (2 * a ** 3)

    return c / k_w_m2_k4 * (g(t0_k) - g(t_k))


def test_eclipse_cool_down_in_the_node_kernel_is_the_analytic_one(scenario):
    """The node kernel through the first 8 min of an eclipse (ν = 0) at 550 km with the Sun behind the Earth, a
    sun-tracking array's front facing nadir (F_f = 1/H², F_b = 0): it takes the Earth's infrared
    q_E ε_f F_f and emits from both faces, c dT/dt = −σ(ε_f + ε_b)(T⁴ − T_eq⁴) with
    T_eq⁴ = q_E ε_f F_f / σ(ε_f + ε_b) + T_space⁴. The analytic time to reach the kernel's final
    temperature equals the time elapsed to 1 s at 10 s steps (second order: the kernel's error is
    ~0.002 K, well under 1 s of cooling)."""
    sc = scenario.spacecraft.model_copy(update={"solar_array": scenario.spacecraft.solar_array.model_copy(
        update={"pointing": "sun_tracking"})})
    p = node_params(sc)
    a = sc.solar_array
    big_h = (EARTH_MEAN_RADIUS_M + ALTITUDE_M) / EARTH_MEAN_RADIUS_M
    f_front = 1.0 / big_h ** 2
    span, dt_s, t0 = 480.0, 10.0, 340.0
    state, acc = run_kernel(p, sc, {6: f_front}, int(span / dt_s), dt_s, t0)
    ef, eb = a.front_coating.emissivity_bol, a.back_coating.emissivity_bol
    k = SIGMA * (ef + eb)
    t_eq = (p.earth_ir_w_m2 * ef * f_front / k + p.space_temp_k ** 4) ** 0.25
    got = state[L.STATE_ARRAY_K, 0]
    assert t_eq + 5.0 < got < t0 - 50.0, (got, t_eq)   # well into the cool-down, short of its floor
    elapsed = cool_down_time_s(got, t0, t_eq, k, a.areal_heat_capacity_j_per_m2_k)
    assert abs(elapsed - span) < 1.0, (elapsed, got, t_eq)


# ------------------------------------------------------------------ view factors
def test_tabulated_view_factors_are_howells_b43():
    """The array's Earth view factors come from a table of Howell's B-43 (twin/kernels/array_thermal.py
    VIEW_TABLE): against B-43 itself at random altitudes from 150 km to 40,000 km and angles, within
    5e-4 (bilinear interpolation: its error, largest at low altitude where F changes fastest with
    r, measured 4.5e-4 there and 3e-4 in LEO); exact (to rounding) where the whole disc is in front of
    the face (F = cos λ / H²) or none of it is, and on the surface (the plane's (1 + cos λ)/2)."""
    from twin.kernels.array_thermal import array_view_factors

    rng = np.random.default_rng(5)
    for _ in range(5000):
        altitude_m = rng.uniform(150e3, 40000e3)
        c = rng.uniform(-1.0, 1.0)
        front, back = array_view_factors(EARTH_MEAN_RADIUS_M + altitude_m, c)
        assert abs(front - earth_view_factor(altitude_m, math.acos(c))) < 5e-4
        assert abs(back - earth_view_factor(altitude_m, math.pi - math.acos(c))) < 5e-4
    big_h = (EARTH_MEAN_RADIUS_M + ALTITUDE_M) / EARTH_MEAN_RADIUS_M
    front, back = array_view_factors(EARTH_MEAN_RADIUS_M + ALTITUDE_M, -1.0)   # facing zenith
    assert front == 0.0 and abs(back - 1.0 / big_h ** 2) < 1e-15
    assert array_view_factors(EARTH_MEAN_RADIUS_M, 0.3) == (0.65, 0.35)


# ------------------------------------------------------------------ coatings that age
def test_coatings_age_linearly_to_their_end_of_life_values():
    """α(t) = α_BOL + (α_EOL − α_BOL) t / t_EOL up to t_EOL, held after (the white back paint
    preset: 0.17 -> 0.30 over 10 years)."""
    assert coating_at_age(0.17, 0.30, 10.0, 0.0) == 0.17
    assert coating_at_age(0.17, 0.30, 10.0, 5.0) == pytest.approx(0.235, abs=1e-15)
    assert coating_at_age(0.17, 0.30, 10.0, 10.0) == 0.30
    assert coating_at_age(0.17, 0.30, 10.0, 25.0) == 0.30


def test_coating_presets_load_and_an_aged_white_back_runs_hotter(write_config, tmp_path):
    """``front_coating: {preset: ...}`` and ``back_coating: {preset: ...}`` read
    configs/presets/array_coating/; the white back (Z-93) leaves the array cooler than the black one
    at beginning of life, and its end-of-life absorptivity (0.30) warms it."""
    cfg = small_config(**{"spacecraft.solar_array.back_coating": {"preset": "back_white_paint"},
                          "spacecraft.solar_array.front_coating": {"preset": "cmx_cover_glass"}})
    s = load_config(write_config(cfg))
    assert s.spacecraft.solar_array.back_coating.absorptivity_eol == 0.30
    assert s.spacecraft.solar_array.front_coating.absorptivity_bol == 0.91
    sc_white = s.spacecraft
    sc_black = load_config(REPO / "configs" / "default.yaml").spacecraft
    temps = []
    for sc, age in ((sc_black, 0.0), (sc_white, 0.0), (sc_white, 10.0)):
        sc = sc.model_copy(update={"solar_array": sc.solar_array.model_copy(update={"age_years": age})})
        p = node_params(sc)
        # noon at 550 km, back to nadir: the back's absorptivity takes the albedo
        big_h = (EARTH_MEAN_RADIUS_M + ALTITUDE_M) / EARTH_MEAN_RADIUS_M
        state, _ = run_kernel(p, sc, {0: 1.0, 1: S0, 5: S0, 7: 1.0 / big_h ** 2}, 240, 10.0, 300.0)
        temps.append(state[L.STATE_ARRAY_K, 0])
    black, white_bol, white_eol = temps
    assert white_bol < white_eol < black


# ------------------------------------------------------------------ a sunlit LEO array in a run
@pytest.fixture(scope="module")
def tracking_run(tmp_path_factory):
    """8 satellites at 550 km (default spacecraft, sun-tracking array), 4 h: the run file."""
    from twin.config import scenario_from_dict
    from twin.engine.simulation import run

    cfg = small_config(**{"simulation.duration_s": 4 * 3600, "spacecraft.solar_array.pointing": "sun_tracking"})
    path = tmp_path_factory.mktemp("array") / "tracking.h5"
    run(scenario_from_dict(cfg, REPO / "configs"), path, log=lambda message: None)
    return path


def test_sunlit_leo_array_runs_at_published_operating_temperatures(tracking_run):
    """Published range: LEO arrays operate at about 50-80 °C in sunlight (the figure power-system
    texts give, e.g. Patel, *Spacecraft Power Systems*, 2004, ch. 3; Fortescue, Swinerd & Stark
    (eds.), *Spacecraft Systems Engineering*, 4th ed., 2011, ch. 10) and the cells are qualified for
    thermal cycles between -100 and +100 °C (Space Power 10(1), 1991, p. 33: LEO and GEO arrays of
    up to 30,000 cycles "from -100° to +100°C"). Here: the records in full Sun for at least the
    last 10 min (the array has warmed up after the eclipse: its time constant is 2-8 min) whose
    power was taken (less than 1 % curtailed: power left in the cells heats them further). Their
    median must lie in the published range; every one within 10 K of it (the range is typical,
    not a bound: a broken balance is off by tens of kelvin); the coldest record, late in
    eclipse, within the qualification range and below -40 °C (the array cools towards the
    Earth's infrared equilibrium, ~-68 °C)."""
    with h5py.File(tracking_run, "r") as f:
        t_c = f["t_array_k"][...].astype(np.float64) - 273.15
        nu, solar_w, curtailed_w = f["sunlit_fraction"][...], f["solar_power_w"][...], f["curtailed_power_w"][...]
        assert f["t_array_k"].attrs["units"] == b"K" or f["t_array_k"].attrs["units"] == "K"
    settled = np.zeros_like(nu, dtype=bool)
    settled[10:] = True
    for lag in range(10):   # records every 60 s: sunlit through the last 10
        settled[10:] &= nu[10 - lag:len(nu) - lag] >= 1.0
    operating = settled & (curtailed_w < 0.01 * solar_w)
    assert operating.sum() > 100
    median = np.median(t_c[operating])
    assert 50.0 <= median <= 80.0, median
    assert 40.0 <= t_c[operating].min() and t_c[operating].max() <= 90.0
    assert -100.0 <= t_c.min() <= -40.0, t_c.min()


def test_fixed_temperature_model_holds_the_cells_at_cell_temp_k(tmp_path):
    """``temperature_model: fixed`` (the behaviour before the heat balance): t_array_k records
    cell_temp_k throughout."""
    from twin.config import scenario_from_dict
    from twin.engine.simulation import run

    cfg = small_config(**{"simulation.duration_s": 3600, "spacecraft.solar_array.temperature_model": "fixed",
                          "spacecraft.solar_array.cell_temp_k": 333.15})
    path = tmp_path / "fixed.h5"
    run(scenario_from_dict(cfg, REPO / "configs"), path, log=lambda message: None)
    with h5py.File(path, "r") as f:
        assert np.all(f["t_array_k"][...] == np.float32(333.15))


# ------------------------------------------------------------------ resume
def test_a_checkpointed_kernel_resumes_bit_for_bit(scenario):
    """An orbit's 200 steps of 30 s through an eclipse in one call, and in two calls with the node
    state, modes and accumulators pickled between them as a checkpoint pickles them: the same
    bits (the array's temperature lives in the node state, STATE_ARRAY_K, and nothing else of it
    is carried between steps). The engine's resume after SIGKILL compares every /state variable,
    t_array_k among them (tests/test_resume.py)."""
    import pickle

    from test_node_steps import equatorial_boundaries
    from twin.constants import EARTH_MU_M3_S2

    p = node_params(scenario.spacecraft)
    dt_s, n_steps, half = 30.0, 200, 100
    r = EARTH_RADIUS_M + ALTITUDE_M
    pos, vel, sun = equatorial_boundaries(2.0 + math.sqrt(EARTH_MU_M3_S2 / r ** 3) * dt_s * np.arange(n_steps + 1))
    busy = np.array([3.0])

    def advance(k0, k1, state, mode, acc):
        ev = (np.empty((1, 3 * n_steps), np.int64), np.empty((1, 3 * n_steps), np.int64),
              np.empty((1, 3 * n_steps)), np.zeros(1, np.int64))
        advance_nodes(pos[k0:k1 + 1], vel[k0:k1 + 1], sun[k0:k1 + 1], np.empty((0, N_GEOMETRY, 0)), k0 * dt_s, dt_s,
                      busy, p, state, mode, acc, np.empty((k1 - k0, 1)), *ev)

    whole_state, whole_mode = initial_state(scenario.spacecraft, 1)
    whole_acc = np.zeros((L.N_ACC, 1))
    advance(0, n_steps, whole_state, whole_mode, whole_acc)
    state, mode = initial_state(scenario.spacecraft, 1)
    acc = np.zeros((L.N_ACC, 1))
    advance(0, half, state, mode, acc)
    state, mode, acc = pickle.loads(pickle.dumps((state, mode, acc)))
    advance(half, n_steps, state, mode, acc)
    assert np.ptp([whole_state[L.STATE_ARRAY_K, 0], initial_state(scenario.spacecraft, 1)[0][L.STATE_ARRAY_K, 0]]) > 1
    assert state.tobytes() == whole_state.tobytes() and acc.tobytes() == whole_acc.tobytes()
    assert mode.tobytes() == whole_mode.tobytes()


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("setting, message", [
    ("spacecraft.solar_array.temperature_model=hot",
     "spacecraft.solar_array.temperature_model: Input should be 'fixed' or 'heat_balance'"),
    ("spacecraft.solar_array.front_coating.absorptivity_bol=1.5",
     "spacecraft.solar_array.front_coating.absorptivity_bol: Input should be less than or equal to 1"),
    ("spacecraft.solar_array.harness_loss=1", "spacecraft.solar_array.harness_loss: Input should be less than 1"),
    ("spacecraft.solar_array.areal_heat_capacity_j_per_m2_k=0",
     "spacecraft.solar_array.areal_heat_capacity_j_per_m2_k: Input should be greater than 0"),
    ("spacecraft.solar_array.back_coating={preset: back_paint}",
     "spacecraft.solar_array.back_coating.preset: no preset 'back_paint'"),
])
def test_bad_array_input_is_one_line_and_exit_2(setting, message):
    result = subprocess.run([sys.executable, "-m", "twin", "validate", "configs/default.yaml", "--set", setting],
                            capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines
