"""The fused node kernel: conservation, bounds and step-size independence, on synthetic geometry
and on whole runs."""
import math

import h5py
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from conftest import REPO
from twin.config import load_config
from twin.engine.simulation import run
from twin.kernels import layout as L
from twin.kernels.node import N_GEOMETRY, NO_GEOMETRY, advance_nodes, block_geometry
from twin.engine.nodes import ask_view_factors, initial_state, node_params
from twin.output.reader import table_rows
from twin.output.tables import n_rows

AU_M = 149_597_870_700.0


def circular_orbit(n_sats, n_steps, dt_s, altitude_m=550e3, inclination_deg=53.0, beta_offset=0.0):
    """Boundary positions/velocities of n_sats on one circular orbit, phased apart, Sun on +x."""
    mu = 3.986004418e14
    r = 6378137.0 + altitude_m
    n = math.sqrt(mu / r**3)
    t = np.arange(n_steps + 1) * dt_s
    phase = n * t[:, None] + np.linspace(0, 2 * np.pi, n_sats, endpoint=False)[None, :]
    inc = math.radians(inclination_deg)
    raan = beta_offset
    # orbit plane basis
    p_hat = np.array([math.cos(raan), math.sin(raan), 0.0])
    q_hat = np.array([-math.sin(raan) * math.cos(inc), math.cos(raan) * math.cos(inc), math.sin(inc)])
    pos = r * (np.cos(phase)[..., None] * p_hat + np.sin(phase)[..., None] * q_hat)
    vel = r * n * (-np.sin(phase)[..., None] * p_hat + np.cos(phase)[..., None] * q_hat)
    sun = np.tile([AU_M, 0.0, 0.0], (n_steps + 1, 1))
    return pos, vel, sun


def advance(scenario, pos, vel, sun, dt_s, busy, kernel=advance_nodes, geo=NO_GEOMETRY):
    n = pos.shape[1]
    k = pos.shape[0] - 1
    p = node_params(scenario.spacecraft)
    state, mode = initial_state(scenario.spacecraft, n)
    start_j = state[L.STATE_BATTERY_J].copy()
    acc = np.zeros((L.N_ACC, n))
    rate = np.empty((k, n))
    ev = (np.empty((n, 3 * k), np.int64), np.empty((n, 3 * k), np.int64), np.empty((n, 3 * k)), np.zeros(n, np.int64))
    kernel(pos, vel, sun, geo, 0.0, dt_s, busy, p, state, mode, acc, rate, *ev)
    return state, mode, acc, start_j, rate, ev


def default_scenario(*overrides):
    return load_config(REPO / "configs" / "default.yaml", list(overrides))


def test_energy_closes_in_the_kernel_to_1e_9():
    pos, vel, sun = circular_orbit(16, 600, 10.0)
    state, _, acc, start_j, _, _ = advance(default_scenario(), pos, vel, sun, 10.0, np.full(16, 4.0))
    stored = state[L.STATE_BATTERY_J] - start_j
    out = acc[L.ACC_LOAD] + acc[L.ACC_LOSS] + acc[L.ACC_CURTAILED] + stored
    assert np.all(np.abs(acc[L.ACC_SOLAR] - out) <= 1e-9 * acc[L.ACC_SOLAR])
    assert np.all(acc[L.ACC_LOSS] > 0) and np.all(acc[L.ACC_SUNLIT] < 600 * 10.0)  # they eclipse


def test_python_and_numba_paths_agree():
    pos, vel, sun = circular_orbit(3, 120, 30.0)
    jit = advance(default_scenario(), pos, vel, sun, 30.0, np.array([0.0, 2.0, 4.0]))
    py = advance(default_scenario(), pos, vel, sun, 30.0, np.array([0.0, 2.0, 4.0]), advance_nodes.py_func)
    np.testing.assert_allclose(jit[0], py[0], rtol=1e-12)
    np.testing.assert_allclose(jit[2], py[2], rtol=1e-12, atol=1e-9)
    assert np.array_equal(jit[1], py[1])


def test_geometry_given_or_computed_in_the_kernel_gives_the_same_bits():
    """The engine hands advance_nodes the geometry of a whole block, computed beside the orbits
    (block_geometry); tests and benchmarks let the kernel compute it chunk by chunk. Same bits."""
    pos, vel, sun = circular_orbit(70, 90, 10.0)   # 70 nodes: three chunks, the last one short
    scenario = default_scenario()
    geo = np.empty((pos.shape[0], N_GEOMETRY, pos.shape[1]))
    block_geometry(pos, vel, sun, node_params(scenario.spacecraft), geo)
    busy = np.arange(70) % 5 * 1.0
    inside = advance(scenario, pos, vel, sun, 10.0, busy)
    given = advance(scenario, pos, vel, sun, 10.0, busy, geo=geo)
    for x, y in zip(inside[:5], given[:5]):   # state, mode, accumulators, start, rates
        assert np.array_equal(x, y)
    count = inside[5][3]
    assert np.array_equal(count, given[5][3]) and count.sum() > 0
    for buf_a, buf_b in zip(inside[5][:3], given[5][:3]):   # the events written (the rest is unset)
        assert all(np.array_equal(buf_a[i, :count[i]], buf_b[i, :count[i]]) for i in range(len(count)))
    assert np.any(inside[2][L.ACC_SUNLIT] < 900.0)   # some nodes eclipse: the geometry matters


spacecraft = st.fixed_dictionaries({
    "spacecraft.solar_array.area_m2": st.floats(1, 200),
    "spacecraft.solar_array.pointing": st.sampled_from(["sun_tracking", "single_axis", "body_fixed"]),
    "spacecraft.battery.capacity_wh": st.floats(100, 50_000),
    "spacecraft.battery.min_soc": st.floats(0.05, 0.6),
    "spacecraft.battery.charge_efficiency": st.floats(0.8, 1.0),
    "spacecraft.battery.discharge_efficiency": st.floats(0.8, 1.0),
    "spacecraft.battery.fade_per_efc": st.floats(0, 1e-3),
    "spacecraft.bus_power_w": st.floats(0, 2000),
    "spacecraft.accelerator.count": st.integers(1, 16),
    "spacecraft.accelerator.peak_power_w": st.floats(100, 1500),
    "spacecraft.radiator.area_m2": st.floats(0.5, 50),
    "spacecraft.radiator.sides": st.sampled_from([1, 2]),
    "spacecraft.radiator.absorptivity": st.floats(0.05, 0.9),
    "spacecraft.thermal.conductance_w_per_k": st.floats(5, 5000),
    "spacecraft.thermal.heater_max_w": st.floats(0, 2000),
})


@settings(max_examples=40, deadline=None)
@given(params=spacecraft, dt_s=st.sampled_from([1.0, 10.0, 60.0]), busy_share=st.floats(0, 1),
       inclination=st.floats(0, 98), raan=st.floats(0, 6.28))
def test_properties_over_random_valid_spacecraft(params, dt_s, busy_share, inclination, raan):
    """SOC within bounds, temperatures finite and positive, no NaN, energy closes."""
    overrides = [f"{k}={v}" for k, v in params.items()]
    overrides += ["spacecraft.battery.initial_soc=0.8", "spacecraft.battery.recover_soc=0.8"]
    scenario = default_scenario(*overrides)
    steps = int(2 * 5700 / dt_s)  # two orbits
    pos, vel, sun = circular_orbit(4, steps, dt_s, inclination_deg=inclination, beta_offset=raan)
    busy = np.full(4, busy_share * scenario.spacecraft.accelerator.count)
    state, mode, acc, start_j, rate, _ = advance(scenario, pos, vel, sun, dt_s, busy)
    b = scenario.spacecraft.battery
    cap = state[L.STATE_CAPACITY_J]
    soc = state[L.STATE_BATTERY_J] / cap
    assert np.all((soc >= b.min_soc - 1e-9) & (soc <= b.max_soc + 1e-9))
    for t in (state[L.STATE_ELECTRONICS_K], state[L.STATE_RADIATOR_K]):
        assert np.all(np.isfinite(t)) and np.all(t > 0)
    assert np.all(np.isfinite(acc)) and np.all(np.isfinite(rate))
    assert np.all((rate >= 0) & (rate <= 1))
    stored = state[L.STATE_BATTERY_J] - start_j
    out = acc[L.ACC_LOAD] + acc[L.ACC_LOSS] + acc[L.ACC_CURTAILED] + stored
    scale = np.maximum(acc[L.ACC_SOLAR], b.capacity_wh * 3600.0)
    assert np.all(np.abs(acc[L.ACC_SOLAR] - out) <= 1e-9 * scale)


def _run(tmp_path, name, *overrides):
    out = tmp_path / f"{name}.h5"
    run(default_scenario(*overrides), out)
    return h5py.File(out, "r")


def test_halving_dt_changes_temperatures_by_under_0p1_k(tmp_path):
    """Default scenario at dt 60 s and 30 s, compared at every shared record (60 s). Inputs are
    averaged over steps, eclipse edges split and heaters decided on a fixed 10 s grid, so what
    is left is the thermal integrator's own error (second order) and where a thermostat toggles.
    The battery is 10 kWh rather than 8 so that no node sheds load: with the array's losses
    (inherent degradation, harness, its temperature) the default spacecraft reaches its state of
    charge floor late in one eclipse, and a mode change a step earlier or later moves the
    electronics by ~1 K, the shedding's step quantisation rather than an integrator's error.
    Checkpoints are free for the same reason: a checkpoint's write stall lasts whole steps, so at
    another dt the jobs draw a little more or less power, ~1 K again; and the terrestrial
    interruption floor is off, its draws falling on other steps at another dt."""
    free = ("spacecraft.battery.capacity_wh=10000", "workload.checkpoint.size_gb=0",
            "radiation.floor_interruptions_per_accel_h=0")
    with _run(tmp_path, "dt60", "simulation.dt_s=60", *free) as a, \
            _run(tmp_path, "dt30", "simulation.dt_s=30", *free) as b:
        for var in ("electronics_temp_k", "radiator_temp_k"):
            diff = np.abs(a[var][...].astype(float) - b[var][...].astype(float))
            assert diff.max() < 0.1, (var, diff.max())
        assert a["heater_power_w"][...].max() > 0   # the cold case is exercised


def test_a_satellite_that_never_enters_shadow_never_discharges(tmp_path):
    """Dawn-dusk SSO at 650 km in March: no eclipse (the season is May-August)."""
    overrides = ["constellation=[{kind: sso, altitude_km: 650, ltan_h: 18, sats_per_plane: 4}]",
                 "spacecraft.solar_array.pointing=sun_tracking", "workload.arrival_rate_per_h=20"]
    with _run(tmp_path, "sso", *overrides) as f:
        assert f["sunlit_fraction"][...].min() == 1.0
        assert n_rows(f["events"]) == 0 or b"eclipse_entry" not in set(table_rows(f, "events")["kind"])
        energy = f["battery_energy_wh"][...]
        assert np.all(np.diff(energy, axis=0) >= -1e-9)
        assert f["utilization"][...].max() > 0  # it did work


def test_an_eclipsing_satellite_cycles_its_battery_once_per_orbit(tmp_path):
    """550 km, 53 deg, sun-tracking array (so it only discharges in shadow): one discharge
    episode per eclipse."""
    with _run(tmp_path, "cyc", "spacecraft.solar_array.pointing=sun_tracking") as f:
        energy = f["battery_energy_wh"][...]
        events = table_rows(f, "events")
    falling = np.diff(energy, axis=0) < -1e-6
    starts = (falling[1:] & ~falling[:-1]).sum(axis=0) + falling[0]
    entries = np.array([np.sum((events["sat"] == s) & (events["kind"] == b"eclipse_entry"))
                        for s in range(energy.shape[1])])
    assert entries.min() >= 14  # ~15.2 orbits in a day
    assert np.all(np.abs(starts - entries) <= 1), (starts, entries)


def test_a_failed_node_draws_bus_power_only_and_computes_nothing():
    pos, vel, sun = circular_orbit(2, 60, 10.0)
    scenario = default_scenario()
    p = node_params(scenario.spacecraft)
    state, mode = initial_state(scenario.spacecraft, 2)
    state[L.STATE_DOWN, 1] = 1.0
    acc = np.zeros((L.N_ACC, 2))
    rate = np.empty((60, 2))
    ev = (np.empty((2, 180), np.int64), np.empty((2, 180), np.int64), np.empty((2, 180)), np.zeros(2, np.int64))
    advance_nodes(pos, vel, sun, NO_GEOMETRY, 0.0, 10.0, np.array([4.0, 4.0]), p, state, mode, acc, rate, *ev)
    assert acc[L.ACC_COMPUTE, 1] == 0.0 and np.all(rate[:, 1] == 0.0) and mode[1] == L.MODE_SAFE
    assert acc[L.ACC_LOAD, 1] == pytest.approx(scenario.spacecraft.bus_power_w * 600.0)   # bus only, no heater
    assert acc[L.ACC_COMPUTE, 0] > 0 and np.all(rate[:, 0] == 1.0)


def test_gathered_events_are_in_time_satellite_kind_order():
    """gather_events (a counting sort by step) orders the kernel's per-node buffers as a lexsort
    by (step, satellite, kind) does, and notes each node's last eclipse entry and exit."""
    from twin.kernels.events import gather_events
    from twin.kernels.layout import EVENT_ECLIPSE_ENTRY, EVENT_ECLIPSE_EXIT, EVENT_MODE_CHANGE

    rng = np.random.default_rng(3)
    n, n_steps, k0, dt = 40, 12, 500, 10.0
    ev_step, ev_kind = np.zeros((n, 3 * n_steps), np.int64), np.zeros((n, 3 * n_steps), np.int64)
    ev_value, ev_count = rng.random((n, 3 * n_steps)), np.zeros(n, np.int64)
    for i in range(n):   # as the kernel writes them: steps ascending, an edge before a mode change
        for k in np.flatnonzero(rng.random(n_steps) < 0.3):
            kinds = [rng.choice([EVENT_ECLIPSE_ENTRY, EVENT_ECLIPSE_EXIT])] if rng.random() < 0.7 else []
            kinds += [EVENT_MODE_CHANGE] if rng.random() < 0.5 else []
            for kind in kinds:
                ev_step[i, ev_count[i]], ev_kind[i, ev_count[i]] = k, kind
                ev_count[i] += 1
    entry, exit_ = np.full(n, np.nan), np.full(n, np.nan)
    time_s, sat, kind, value = gather_events(ev_step, ev_kind, ev_value, ev_count, n_steps, k0, dt, entry, exit_)
    rows = [(k0 + ev_step[i, s] + 1) * dt for i in range(n) for s in range(ev_count[i])]
    sats = np.repeat(np.arange(n), ev_count)
    kinds = np.concatenate([ev_kind[i, :ev_count[i]] for i in range(n)])
    values = np.concatenate([ev_value[i, :ev_count[i]] for i in range(n)])
    order = np.lexsort((kinds, sats, np.array(rows)))
    assert len(order) > 50
    assert np.array_equal(time_s, np.array(rows)[order]) and np.array_equal(sat, sats[order])
    assert np.array_equal(kind, kinds[order]) and np.array_equal(value, values[order])
    for code, last in ((EVENT_ECLIPSE_ENTRY, entry), (EVENT_ECLIPSE_EXIT, exit_)):
        for i in range(n):
            hit = time_s[(sat == i) & (kind == code)]
            assert (np.isnan(last[i]) and not hit.size) or last[i] == hit.max()


def test_record_rows_are_the_means_and_end_values_numpy_gives():
    """record_rows (numba, one pass) against the same record written with numpy, bit for bit:
    flows are integrals over the interval / its length, stocks the state at its end."""
    from twin.engine.nodes import RECORD_ROW_NAMES, close_interval, record_values, reset_accumulators
    from twin.output.schema import EXTREMA_NAMES

    rng = np.random.default_rng(8)
    n, interval = 37, 60.0
    acc = rng.uniform(-1e6, 1e6, (L.N_ACC, n))
    state = rng.uniform(1.0, 1e8, (L.N_STATE, n))
    state[L.STATE_CAPACITY_J, :3] = 0.0   # a node without battery: soc 0
    mode = rng.integers(0, 5, n)
    got = record_values(acc, state, mode, interval, extrema=True)
    mean = acc[:L.N_FLOW_ACC] / interval
    cap = state[L.STATE_CAPACITY_J]
    want = {"sunlit_fraction": mean[L.ACC_SUNLIT], "beta_deg": np.degrees(mean[L.ACC_BETA]),
            "solar_power_w": mean[L.ACC_SOLAR], "load_power_w": mean[L.ACC_LOAD],
            "compute_power_w": mean[L.ACC_COMPUTE], "heater_power_w": mean[L.ACC_HEATER],
            "curtailed_power_w": mean[L.ACC_CURTAILED], "loss_power_w": mean[L.ACC_LOSS],
            "battery_energy_wh": state[L.STATE_BATTERY_J] / 3600.0,
            "soc": np.divide(state[L.STATE_BATTERY_J], cap, out=np.zeros(n), where=cap > 0),
            "battery_efc": state[L.STATE_EFC], "electronics_temp_k": state[L.STATE_ELECTRONICS_K],
            "radiator_temp_k": state[L.STATE_RADIATOR_K], "t_array_k": state[L.STATE_ARRAY_K],
            "utilization": mean[L.ACC_UTILIZATION],
            "throttle": mean[L.ACC_THROTTLE], "mode": mode.astype(np.int8),
            "links_live": mean[L.ACC_LINKS], "link_capacity_gbps": mean[L.ACC_LINK_CAPACITY] / 1e9,
            "t_junction_k": mean[L.ACC_JUNCTION], "dose_krad": state[L.STATE_DOSE_KRAD]}
    for j, name in enumerate(EXTREMA_NAMES):
        want[f"{name}_min"], want[f"{name}_max"] = acc[L.ACC_MIN + j], acc[L.ACC_MAX + j]
    assert set(want) == set(RECORD_ROW_NAMES) == set(got)
    for name in RECORD_ROW_NAMES:
        assert np.array_equal(got[name], want[name]), name
    assert got["mode"].dtype == np.int8
    # closing the interval adds each flow's sum over nodes to the totals and resets
    totals = np.ones(L.N_ACC)
    sums = acc[:L.N_FLOW_ACC].sum(axis=1)
    close_interval(acc, totals)
    np.testing.assert_allclose(totals[:L.N_FLOW_ACC], 1.0 + sums, rtol=1e-12, atol=1e-3)
    fresh = np.empty_like(acc)
    reset_accumulators(fresh)
    assert np.array_equal(acc, fresh) and np.all(acc[L.ACC_MIN:L.ACC_MIN + L.N_EXTREMA] == np.inf)


def _with_scalar_thermal_lanes():
    """advance_nodes recompiled with two_node_step_lanes replaced by the definition of what it
    must compute, two_node_step_c on each lane, one at a time, and without the thermostat's
    lanes (_thermostat_lanes decides nothing: every thermostat runs its own trial steps)."""
    import types
    from numba import njit
    from twin.kernels import node as N
    from twin.kernels.thermal import two_node_step_c

    @njit
    def one_lane_at_a_time(t_elec_k, t_rad_k, p_elec_w, q_abs_w, dt_s, n, consts, scratch):
        for j in range(n):
            t_elec_k[j], t_rad_k[j] = two_node_step_c(t_elec_k[j], t_rad_k[j], p_elec_w[j], q_abs_w[j],
                                                      dt_s[j], consts)

    @njit
    def no_thermostat_lanes(k, lo, hi, geo, geo_lo, dt_s, busy_accel, p, tc, state, with_alpha, lane, scratch,
                            trial_node, first_t, heater_known, heater_w, alpha_step, views_in_geo, radiator_age):
        heater_known[:] = False

    def rebuilt(fn, **swap):
        py = fn.py_func
        namespace = {**py.__globals__, **swap}
        return njit(types.FunctionType(py.__code__, namespace, py.__name__, py.__defaults__, py.__closure__))

    chunk = rebuilt(N._advance_chunk, two_node_step_lanes=one_lane_at_a_time, _thermostat_lanes=no_thermostat_lanes)
    return rebuilt(N.advance_nodes, _advance_chunk=chunk)


@pytest.mark.parametrize("dt_s", [10.0, pytest.param(30.0, marks=pytest.mark.slow)])
def test_thermal_lanes_give_the_bits_of_one_node_at_a_time(dt_s):
    """The node kernel steps each step's last thermal step of a chunk's nodes together
    (two_node_step_lanes), and the thermostat's trial steps too where a step is one thermal
    sub-step (dt 10 s); against the same kernel stepping them one at a time: identical state,
    modes, accumulators, rates and events, over eclipse edges, with electronics starting inside
    the thermostat's band (its sub-steps at dt 30 s), a failed node and 3 accelerators (a count
    whose reciprocal is not exact)."""
    n_steps = int(3 * 5760 / dt_s)
    pos, vel, sun = circular_orbit(40, n_steps, dt_s)
    scenario = default_scenario("spacecraft.accelerator.count=3", "spacecraft.thermal.initial_electronics_temp_k=266")
    busy = (np.arange(40) % 4).astype(float)
    outs = []
    for kernel in (advance_nodes, _with_scalar_thermal_lanes()):
        p = node_params(scenario.spacecraft)
        state, mode = initial_state(scenario.spacecraft, 40)
        state[L.STATE_DOWN, 7] = 1.0
        acc = np.zeros((L.N_ACC, 40))
        rate = np.empty((n_steps, 40))
        ev = (np.zeros((40, 3 * n_steps), np.int64), np.zeros((40, 3 * n_steps), np.int64),
              np.zeros((40, 3 * n_steps)), np.zeros(40, np.int64))
        kernel(pos, vel, sun, NO_GEOMETRY, 0.0, dt_s, busy, p, state, mode, acc, rate, *ev)
        outs.append((state, mode, acc, rate) + ev)
    for a, b in zip(*outs):
        assert a.tobytes() == b.tobytes()
    state, mode, acc = outs[0][:3]
    assert np.any(acc[L.ACC_HEATER] > 0) and np.any(acc[L.ACC_SUNLIT] < n_steps * dt_s)   # thermostat, eclipses


def test_where_calls_cut_a_segment_does_not_change_the_physics():
    """The engine cuts the physics at fixed segments, and within them wherever ticks and faults
    fall. The radiator's view factors are taken at each segment's start (the engine asks:
    ask_view_factors) and the array's age at each step's middle, so one call per segment and calls of 6 or
    7 steps give the same bits: state, modes, accumulators and rates. An orbit whose radius
    varies by ±1 % (so the view factors change along it) and an array that degrades 3 %/year
    from an age of 5 years (so its age matters)."""
    n, n_steps, segment = 24, 192, 64
    pos, vel, sun = circular_orbit(n, n_steps, 10.0)
    pos = pos * (1.0 + 0.01 * np.sin(np.arange(n_steps + 1) / 40.0))[:, None, None]
    scenario = default_scenario("spacecraft.thermal.initial_electronics_temp_k=268")
    p = node_params(scenario.spacecraft)._replace(age_years=5.0, degradation_per_year=0.03)
    busy = (np.arange(n) % 5).astype(float)
    outs = []
    for cut in (segment, 6, 7):
        state, mode = initial_state(scenario.spacecraft, n)
        acc = np.zeros((L.N_ACC, n))
        rate = np.empty((n_steps, n))
        ev = (np.zeros((n, 3 * segment), np.int64), np.zeros((n, 3 * segment), np.int64),
              np.zeros((n, 3 * segment)), np.zeros(n, np.int64))
        k0 = 0
        while k0 < n_steps:
            k1 = min(k0 + cut, (k0 // segment + 1) * segment)
            if k0 % segment == 0:
                ask_view_factors(state)
            advance_nodes(pos[k0:k1 + 1], vel[k0:k1 + 1], sun[k0:k1 + 1], NO_GEOMETRY, k0 * 10.0, 10.0, busy,
                          p, state, mode, acc, rate[k0:k1], *ev)
            k0 = k1
        outs.append((state, mode, acc, rate))
    for other in outs[1:]:
        for a, b in zip(outs[0], other):
            assert a.tobytes() == b.tobytes()
    # the view factors held at the end are those of the last segment's start, not the run's
    from twin.constants import EARTH_MEAN_RADIUS_M
    from twin.kernels.viewfactor import earth_view_factor
    altitude = np.linalg.norm(pos[[0, 2 * segment], 0], axis=1) - EARTH_MEAN_RADIUS_M
    front = [earth_view_factor(h, p.radiator_front_nadir_rad) for h in altitude]
    assert outs[0][0][L.STATE_VIEW_FRONT, 0] == front[1] and abs(front[1] - front[0]) > 1e-4
    assert np.any(outs[0][2][L.ACC_HEATER] > 0)   # the thermostat was in play


def test_packed_parameters_are_the_same_parameters():
    """The engine hands the kernel its parameters as a float64 array (numba types it at once);
    unpacked, every field is the namedtuple's, and a kernel call gives the same bits."""
    from twin.kernels.node import advance_nodes_packed, packed_params, unpacked_params

    scenario = default_scenario()
    p = node_params(scenario.spacecraft, record_extrema=True)
    assert unpacked_params(packed_params(p)) == p
    pos, vel, sun = circular_orbit(8, 40, 10.0)
    outs = []
    for kernel, params, tail in ((advance_nodes, p, ()),
                                 (advance_nodes_packed, packed_params(p), (None, np.inf, np.zeros(1, np.int64)))):
        state, mode = initial_state(scenario.spacecraft, 8)
        acc = np.zeros((L.N_ACC, 8))
        rate = np.empty((40, 8))
        ev = (np.zeros((8, 120), np.int64), np.zeros((8, 120), np.int64), np.zeros((8, 120)), np.zeros(8, np.int64))
        kernel(pos, vel, sun, NO_GEOMETRY, 0.0, 10.0, np.full(8, 2.0), params, state, mode, acc, rate, *ev, *tail)
        outs.append((state, mode, acc, rate) + ev)
    for a, b in zip(*outs):
        assert a.tobytes() == b.tobytes()


def test_thermostat_lanes_decide_as_the_one_node_thermostat():
    """_thermostat_lanes takes the thermostat's trial steps for a chunk's nodes together; for
    every node it decides on, the heater power is _heater_w's, bit for bit, over all three of its
    outcomes (no heat, full heat, the interpolated power between), and nodes outside its reach
    (an eclipse edge in the step, electronics far above the set point) are left to the kernel."""
    from twin.kernels import node as N
    from twin.kernels.thermal import LANE_SCRATCH_ROWS, thermal_constants

    rng = np.random.default_rng(5)
    m = 64
    scenario = default_scenario()
    p = node_params(scenario.spacecraft)
    tc = thermal_constants(p.electronics_heat_capacity_j_per_k, p.radiator_heat_capacity_j_per_k,
                           p.conductance_w_per_k, p.radiator_area_m2 * p.radiator_sides,
                           p.radiator_emissivity, p.space_temp_k)
    state, _ = initial_state(scenario.spacecraft, m)
    state[L.STATE_ELECTRONICS_K] = p.heater_setpoint_k + rng.uniform(-3.0, 12.0, m)   # some beyond the band
    state[L.STATE_RADIATOR_K] = rng.uniform(150.0, 300.0, m)
    state[L.STATE_LOSS_W] = rng.uniform(0.0, 50.0, m)
    state[L.STATE_VIEW_FRONT], state[L.STATE_VIEW_BACK] = 0.3, 0.1
    state[L.STATE_DOWN, :4] = 1.0
    busy = rng.integers(0, 5, m).astype(float)
    geo = rng.uniform(0.0, 1300.0, (2, N.N_GEOMETRY, m))
    geo[:, 0] = rng.choice([0.0, 1.0, 0.4], m)   # the visible fraction, equal at both ends...
    geo[1, 0, :6] = 0.7                          # ...except across an edge
    work = (np.empty((N.N_LANE_ROWS, m)), np.empty((LANE_SCRATCH_ROWS, m)), np.empty(m, np.int64),
            np.empty((2, m)), np.zeros(m, np.bool_), np.empty(m))
    N._thermostat_lanes(0, 0, m, geo, 0, 10.0, busy, p, tc, state, False, *work)
    known, heater = work[4], work[5]
    outcomes = set()
    for j in range(m):
        near = state[L.STATE_ELECTRONICS_K, j] < p.heater_setpoint_k + 10.0
        edge = geo[0, 0, j] != geo[1, 0, j]
        assert known[j] == (near and not edge)
        if not known[j]:
            continue
        down = state[L.STATE_DOWN, j] > 0.5
        _, demand = N._demand_w(state[L.STATE_ELECTRONICS_K, j], 0.0 if down else p.n_accel,
                                0.0 if down else busy[j], p)
        q_dark, q_sun = N._radiator_loads(geo, 0, j, 0.3, 0.1, p, False)
        want, _, _, _ = N._heater_w(state[L.STATE_ELECTRONICS_K, j], state[L.STATE_RADIATOR_K, j],
                                    demand + state[L.STATE_LOSS_W, j], q_dark + q_sun * geo[0, 0, j], 10.0, p, tc)
        assert heater[j] == want
        outcomes.add("none" if want == 0.0 else "full" if want == p.heater_max_w else "between")
    assert outcomes == {"none", "full", "between"}
