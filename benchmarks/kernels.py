"""Per-node kernels in nanoseconds per satellite-step, on one core, with realistic inputs.

Inputs are real: the first N Starlink satellites propagated by twin's :class:`Propagator` over K
steps of 10 s from the catalogue's epoch (so shadow sees sunlight, penumbra and umbra in their
true proportions), the default config's spacecraft, and half of the nodes running jobs.

Each scalar kernel is timed inside a small njit loop that carries its result forward (so that
nothing is optimised away) and, where the physics chains from step to step (battery, thermal),
runs node-major like :func:`twin.kernels.node.advance_nodes`. The pieces add up to more than
the fused kernel, which keeps each node's state in registers and writes nothing in between.
"""
from __future__ import annotations

import math
import time

import numpy as np
from numba import njit

from twin.environment import sun_position_gcrs_m
from twin.kernels import layout as L
from twin.kernels.battery import battery_limits_w, battery_step
from twin.kernels.jobs import advance_jobs
from twin.kernels.node import _lvlh_to_gcrs, advance_nodes
from twin.kernels.power import shed_load
from twin.kernels.shadow import shadow_fraction
from twin.kernels.solar import array_power_w, incidence_cos, solar_irradiance_w_m2
from twin.kernels.thermal import heater_power_w, radiator_absorbed_w, thermal_throttle, two_node_step
from twin.kernels.viewfactor import EARTH_MEAN_RADIUS_M, albedo_view_factor, earth_view_factor
from twin.nodes import initial_state, node_params
from twin.orbits import Propagator

from benchmarks.common import STARLINK_EPOCH, default_spacecraft, starlink

SECONDS_PER_YEAR = 365.25 * 86400.0  # s


# ------------------------------------------------------------------ the timed loops
@njit(cache=True)
def shadow_loop(pos_m, sun_m, nu_out):
    for k in range(pos_m.shape[0]):
        sx, sy, sz = sun_m[k, 0], sun_m[k, 1], sun_m[k, 2]
        for i in range(pos_m.shape[1]):
            nu_out[k, i] = shadow_fraction(pos_m[k, i, 0], pos_m[k, i, 1], pos_m[k, i, 2], sx, sy, sz)


@njit(cache=True)
def solar_loop(pos_m, vel_m_s, sun_m, nu, dt_s, p, solar_out):
    """Irradiance, panel incidence and array power (with its lifetime-degradation ``pow``)."""
    for k in range(pos_m.shape[0]):
        age = p.age_years + (k + 1) * dt_s / SECONDS_PER_YEAR
        for i in range(pos_m.shape[1]):
            rx, ry, rz = pos_m[k, i, 0], pos_m[k, i, 1], pos_m[k, i, 2]
            dx, dy, dz = sun_m[k, 0] - rx, sun_m[k, 1] - ry, sun_m[k, 2] - rz
            d_sun = math.sqrt(dx * dx + dy * dy + dz * dz)
            irradiance = solar_irradiance_w_m2(d_sun, nu[k, i])
            cos_inc = incidence_cos(int(p.pointing_mode), dx / d_sun, dy / d_sun, dz / d_sun,
                                    rx, ry, rz, vel_m_s[k, i, 0], vel_m_s[k, i, 1], vel_m_s[k, i, 2],
                                    p.array_normal_x, p.array_normal_y, p.array_normal_z)
            solar_out[k, i] = array_power_w(
                irradiance, cos_inc, p.array_area_m2, p.cell_efficiency, p.packing_factor,
                p.degradation_per_year, age, p.temp_coeff_per_k, p.cell_temp_k,
                p.reference_temp_k, p.mppt_efficiency)


@njit(cache=True)
def environment_loop(pos_m, vel_m_s, sun_m, nu, p, q_out):
    """Radiator environment loads: LVLH frame, nadir and Sun-zenith angles, four view factors."""
    for k in range(pos_m.shape[0]):
        for i in range(pos_m.shape[1]):
            rx, ry, rz = pos_m[k, i, 0], pos_m[k, i, 1], pos_m[k, i, 2]
            r = math.sqrt(rx * rx + ry * ry + rz * rz)
            dx, dy, dz = sun_m[k, 0] - rx, sun_m[k, 1] - ry, sun_m[k, 2] - rz
            d_sun = math.sqrt(dx * dx + dy * dy + dz * dz)
            ux, uy, uz = dx / d_sun, dy / d_sun, dz / d_sun
            nx, ny, nz, yx, yy, yz, zx, zy, zz = _lvlh_to_gcrs(
                rx, ry, rz, vel_m_s[k, i, 0], vel_m_s[k, i, 1], vel_m_s[k, i, 2],
                p.radiator_normal_x, p.radiator_normal_y, p.radiator_normal_z)
            altitude = r - EARTH_MEAN_RADIUS_M
            front = math.acos(max(-1.0, min(1.0, nx * zx + ny * zy + nz * zz)))
            back = math.pi - front
            zenith = math.acos(max(-1.0, min(1.0, (rx * ux + ry * uy + rz * uz) / r)))
            cos_front = nx * ux + ny * uy + nz * uz
            irradiance = solar_irradiance_w_m2(d_sun, nu[k, i])
            q_out[k, i] = radiator_absorbed_w(
                p.radiator_area_m2, p.radiator_absorptivity, p.radiator_emissivity, irradiance,
                cos_front, -cos_front, p.radiator_sides, earth_view_factor(altitude, front),
                earth_view_factor(altitude, back), p.albedo, p.earth_ir_w_m2,
                albedo_view_factor(altitude, front, zenith), albedo_view_factor(altitude, back, zenith),
                p.ir_absorbed_with_alpha > 0.5)


@njit(cache=True)
def power_loop(solar_w, busy_accel, dt_s, p, state, load_out):
    """Heater demand, thermal throttle, battery limits, load shedding and the battery step,
    node-major with the battery carried from step to step (temperatures held at their start)."""
    for i in range(solar_w.shape[1]):
        energy = state[L.STATE_BATTERY_J, i]
        capacity = state[L.STATE_CAPACITY_J, i]
        t_elec = state[L.STATE_ELECTRONICS_K, i]
        t_rad = state[L.STATE_RADIATOR_K, i]
        for k in range(solar_w.shape[0]):
            heater = heater_power_w(t_elec, p.heater_setpoint_k, p.heater_max_w,
                                    p.electronics_heat_capacity_j_per_k, dt_s,
                                    p.conductance_w_per_k * (t_elec - t_rad) - p.bus_power_w)
            throttle_t = thermal_throttle(t_elec, p.throttle_start_k, p.shutdown_k)
            charge_w, discharge_w = battery_limits_w(
                energy, capacity, p.min_soc, p.max_soc, dt_s, p.charge_efficiency,
                p.discharge_efficiency, p.max_charge_w_per_j * p.nominal_capacity_j,
                p.max_discharge_w_per_j * p.nominal_capacity_j)
            s = solar_w[k, i]
            _, _, compute_w, heater, bus_w = shed_load(
                s + discharge_w, s, p.bus_power_w, heater, p.n_accel, busy_accel[i],
                p.accel_idle_w, p.accel_peak_w, throttle_t, p.min_throttle, False)
            load = bus_w + heater + compute_w
            energy, loss_w, _, _ = battery_step(energy, s - load, charge_w, discharge_w,
                                                p.charge_efficiency, p.discharge_efficiency, dt_s)
            load_out[k, i] = load + loss_w


@njit(cache=True)
def thermal_loop(p_elec_w, q_abs_w, dt_s, p, state, temps_out):
    """The two-node exponential step, node-major with both temperatures carried."""
    for i in range(p_elec_w.shape[1]):
        t_elec = state[L.STATE_ELECTRONICS_K, i]
        t_rad = state[L.STATE_RADIATOR_K, i]
        for k in range(p_elec_w.shape[0]):
            t_elec, t_rad = two_node_step(
                t_elec, t_rad, p_elec_w[k, i], q_abs_w[k, i], dt_s,
                p.electronics_heat_capacity_j_per_k, p.radiator_heat_capacity_j_per_k,
                p.conductance_w_per_k, p.radiator_area_m2 * p.radiator_sides,
                p.radiator_emissivity, p.space_temp_k)
        temps_out[0, i] = t_elec
        temps_out[1, i] = t_rad


# ------------------------------------------------------------------ inputs
def realistic_inputs(n_nodes: int, n_steps: int, dt_s: float = 10.0, seed: int = 7) -> dict:
    """Geometry of the first ``n_nodes`` Starlink satellites for ``n_steps`` steps, the default
    spacecraft's parameters and state, and a job load (half the nodes busy with 1-4 accelerators)."""
    sats = starlink(n_nodes)
    t_s = (np.arange(n_steps) + 1) * dt_s
    pos, vel, _ = Propagator(sats, STARLINK_EPOCH).propagate(t_s)
    sun = sun_position_gcrs_m(STARLINK_EPOCH, t_s)
    sc = default_spacecraft()
    state, mode = initial_state(sc, len(sats))
    rng = np.random.default_rng(seed)
    n_accel = sc.accelerator.count
    busy = np.where(rng.random(len(sats)) < 0.5, rng.integers(1, n_accel + 1, len(sats)), 0).astype(float)
    return {"pos": pos, "vel": vel, "sun": sun, "dt_s": dt_s, "params": node_params(sc),
            "state": state, "mode": mode, "busy": busy, "n": len(sats), "k": n_steps,
            "accel_idle_w": sc.accelerator.idle_power_w, "accel_peak_w": sc.accelerator.peak_power_w}


def _nodes_call(inp, k_steps: int):
    """A closure that runs advance_nodes over all nodes in calls of ``k_steps`` steps (fresh
    state each time) and returns the rate array of the last full pass."""
    pos, vel, sun, dt_s, p = inp["pos"], inp["vel"], inp["sun"], inp["dt_s"], inp["params"]
    n, k_total = inp["n"], inp["k"]
    cap = 3 * k_steps * n
    ev = (np.empty(cap, np.int64), np.empty(cap, np.int64), np.empty(cap, np.int64), np.empty(cap))
    rate = np.empty((k_total, n))
    starts = list(range(0, k_total, k_steps))
    slices = [(pos[a:a + k_steps], vel[a:a + k_steps], sun[a:a + k_steps]) for a in starts]

    def call():
        state, mode = inp["state"].copy(), inp["mode"].copy()
        acc = np.zeros((L.N_ACC, n))
        for a, (ps, vs, ss) in zip(starts, slices):
            advance_nodes(ps, vs, ss, a * dt_s, dt_s, inp["busy"], p, state, mode, acc,
                          rate[a:a + len(ps)], *ev)
        return rate
    return call


def _jobs_problem(rate_kn: np.ndarray, n_accel_per_node: int, seed: int = 11):
    """Jobs on the busy nodes: 80 % on one node, 20 % gangs of two (CSR membership)."""
    rng = np.random.default_rng(seed)
    n = rate_kn.shape[1]
    nodes = rng.permutation(n)[: max(n // 2, 1)]
    ptr, member_node, member_accel = [0], [], []
    j = 0
    while j < len(nodes):
        size = 2 if (rng.random() < 0.2 and j + 1 < len(nodes)) else 1
        for m in range(size):
            member_node.append(int(nodes[j + m]))
            member_accel.append(float(rng.integers(1, n_accel_per_node + 1)))
        ptr.append(ptr[-1] + size)
        j += size
    n_jobs = len(ptr) - 1
    n_accel = np.array([sum(member_accel[ptr[q]:ptr[q + 1]]) for q in range(n_jobs)])
    return (np.array(ptr, np.int64), np.array(member_node, np.int64), np.array(member_accel),
            n_accel, n_jobs)


def _time_kernel(fn, args_factory, repeats: int) -> float:
    """Least CPU time of this thread for ``fn(*args_factory())`` over ``repeats`` calls, the
    factory outside the timer [s]. Thread CPU time rather than wall time: the kernels run on one
    core, and other processes on a shared 2-core machine would otherwise add their time slices."""
    fn(*args_factory())  # compile or load from numba's cache
    best = float("inf")
    for _ in range(max(repeats, 1)):
        args = args_factory()
        t0 = time.thread_time()
        fn(*args)
        best = min(best, time.thread_time() - t0)
    return best


def best_cpu(fn, repeats: int = 5) -> float:
    """Least thread CPU time of ``fn()`` over ``repeats`` calls, after one untimed call [s]."""
    return _time_kernel(fn, tuple, repeats)


# ------------------------------------------------------------------ the benchmark
def _pieces(row, rows, inp, repeats: int) -> None:
    """Each scalar kernel in its own loop, fed the previous loop's output."""
    pos, vel, sun, dt_s, p, n, k = (inp[x] for x in ("pos", "vel", "sun", "dt_s", "params", "n", "k"))
    nu = np.empty((k, n))
    row("shadow_fraction", _time_kernel(shadow_loop, lambda: (pos, sun, nu), repeats),
        "conical shadow, M&G §3.4.2")
    solar = np.empty((k, n))
    row("solar (irradiance, incidence, array power)",
        _time_kernel(solar_loop, lambda: (pos, vel, sun, nu, dt_s, p, solar), repeats))
    q_abs = np.empty((k, n))
    row("radiator environment (LVLH, 2 acos, 4 view factors)",
        _time_kernel(environment_loop, lambda: (pos, vel, sun, nu, p, q_abs), repeats))
    load = np.empty((k, n))
    row("power + battery (heater, throttle, limits, shedding, step)",
        _time_kernel(power_loop, lambda: (solar, inp["busy"], dt_s, p, inp["state"].copy(), load), repeats))
    temps = np.empty((2, n))
    row("two-node thermal step",
        _time_kernel(thermal_loop, lambda: (load, q_abs, dt_s, p, inp["state"], temps), repeats))
    parts = sum(r["ns_per_sat_step"] for r in rows)
    rows.append({"name": "sum of the pieces above", "ns_per_sat_step": parts, "n_nodes": n,
                 "n_steps": k, "note": "each piece stores its output; the fused kernel does not"})


def bench_kernels(n_nodes: int, n_steps: int, repeats: int = 5, pieces: bool = True) -> list[dict]:
    """ns per satellite-step of each kernel; rows ``{"name", "ns_per_sat_step", ...}``.
    ``pieces=False`` times only the fused advance_nodes and advance_jobs."""
    inp = realistic_inputs(n_nodes, n_steps)
    dt_s, p, n, k = (inp[x] for x in ("dt_s", "params", "n", "k"))
    steps = n * k
    rows = []

    def row(name, seconds, note=""):
        rows.append({"name": name, "ns_per_sat_step": seconds / steps * 1e9, "n_nodes": n,
                     "n_steps": k, "note": note})

    if pieces:
        _pieces(row, rows, inp, repeats)
    call64 = _nodes_call(inp, 64)
    row("advance_nodes (fused), K=64 per call", _time_kernel(call64, tuple, repeats),
        "the engine's propagation block")
    call6 = _nodes_call(inp, 6)
    row("advance_nodes (fused), K=6 per call", _time_kernel(call6, tuple, repeats),
        "what the engine calls per 60 s tick")
    rate = call64()

    ptr, member_node, member_accel, n_accel, n_jobs = _jobs_problem(rate, int(p.n_accel))

    def jobs_args():
        return (rate, 0.0, dt_s, ptr, member_node, member_accel, n_accel,
                np.full(n_jobs, 1e12), np.zeros(n_jobs), np.full(n_jobs, -1.0),
                inp["accel_idle_w"], inp["accel_peak_w"])
    seconds = _time_kernel(advance_jobs, jobs_args, repeats)
    row("advance_jobs", seconds, f"{n_jobs} running jobs on half the nodes, 20 % gangs of 2; "
                                 f"{seconds / (n_jobs * k) * 1e9:.1f} ns per job-step")
    return rows
