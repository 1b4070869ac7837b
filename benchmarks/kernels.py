"""Per-node kernels in nanoseconds per satellite-step, with realistic inputs.

Inputs are real: the first N Starlink satellites propagated by twin's :class:`Propagator` to
the K + 1 boundaries of K steps of 10 s from the catalogue's epoch (so the shadow sees sunlight,
penumbra and umbra in their true proportions), the default config's spacecraft, and half of the
nodes running jobs.

``advance_nodes`` runs in one thread, and the engine shares the nodes' chunks among numba's
threads (:class:`twin.engine.node_threads.NodeThreads`, ``advance_nodes_parallel``): it is timed
on one thread (process CPU time: docs/design.md §8 counts ns per satellite-step on one core) and
on as many threads as the engine would use, at least two (wall time). Its building blocks are
timed one by one inside small njit loops that carry their result forward, so that nothing is
optimised away.
"""
from __future__ import annotations

import math
import time

import numpy as np
from numba import njit

from twin.orbits.environment import sun_position_gcrs_m
from twin.kernels import layout as L
from twin.kernels import node as N
from twin.kernels.events import event_buffers
from twin.kernels.jobs import advance_jobs
from twin.kernels.shadow import shadow_fraction
from twin.kernels.battery import battery_limits_w, battery_step
from twin.kernels.power import shed_load
from twin.kernels.solar import array_power_w, incidence_cos_lvlh, lvlh_axes, solar_irradiance_w_m2
from twin.kernels.thermal import LANE_SCRATCH_ROWS, thermal_constants, two_node_step_lanes
from twin.engine.nodes import initial_state, node_params
from twin.engine.node_threads import NodeThreads, thread_count
from twin.orbits import Propagator

from benchmarks.common import STARLINK_EPOCH, default_spacecraft, starlink


# ------------------------------------------------------------------ the timed loops
@njit(cache=True)
def _constants(p):
    return thermal_constants(p.electronics_heat_capacity_j_per_k, p.radiator_heat_capacity_j_per_k,
                             p.conductance_w_per_k, p.radiator_area_m2 * p.radiator_sides,
                             p.radiator_emissivity, p.space_temp_k)


@njit(cache=True)
def shadow_loop(pos_m, sun_m, nu_out):
    for k in range(pos_m.shape[0]):
        sx, sy, sz = sun_m[k, 0], sun_m[k, 1], sun_m[k, 2]
        for i in range(pos_m.shape[1]):
            nu_out[k, i] = shadow_fraction(pos_m[k, i, 0], pos_m[k, i, 1], pos_m[k, i, 2], sx, sy, sz)


@njit(cache=True)
def geometry_loop(pos_m, vel_m_s, sun_m, p, out):
    """twin's boundary_geometry at every boundary: shadow, irradiance, incidence, beta, radiator
    view factors and albedo (what advance_nodes evaluates once per boundary)."""
    for k in range(pos_m.shape[0]):
        for i in range(pos_m.shape[1]):
            g = N.boundary_geometry(pos_m[k, i, 0], pos_m[k, i, 1], pos_m[k, i, 2], vel_m_s[k, i, 0],
                                    vel_m_s[k, i, 1], vel_m_s[k, i, 2], sun_m[k, 0], sun_m[k, 1],
                                    sun_m[k, 2], p)
            out[k, i] = g[0] + g[1] + g[2]


@njit(cache=True)
def solar_loop(pos_m, vel_m_s, sun_m, p, out):
    """The solar part of boundary_geometry alone: irradiance at the satellite, the LVLH frame,
    the array's incidence by pointing mode and the array power per boundary (no shadow); the
    array's efficiency chain evaluated once per call (advance_nodes: once per step for all nodes)."""
    w_per_w_m2 = array_power_w(1.0, 1.0, p.array_area_m2, p.cell_efficiency, p.packing_factor, 0.0, 0.0,
                               p.temp_coeff_per_k, p.cell_temp_k, p.reference_temp_k, p.mppt_efficiency)
    for k in range(pos_m.shape[0]):
        for i in range(pos_m.shape[1]):
            rx, ry, rz = pos_m[k, i, 0], pos_m[k, i, 1], pos_m[k, i, 2]
            dx, dy, dz = sun_m[k, 0] - rx, sun_m[k, 1] - ry, sun_m[k, 2] - rz
            d_sun = math.sqrt(dx * dx + dy * dy + dz * dz)
            xx, xy, xz, yx, yy, yz, zx, zy, zz = lvlh_axes(rx, ry, rz, vel_m_s[k, i, 0], vel_m_s[k, i, 1],
                                                           vel_m_s[k, i, 2], math.sqrt(rx * rx + ry * ry + rz * rz))
            inv_d = 1.0 / d_sun
            cos_inc = incidence_cos_lvlh(int(p.pointing_mode), (dx * xx + dy * xy + dz * xz) * inv_d,
                                         (dx * yx + dy * yy + dz * yz) * inv_d, (dx * zx + dy * zy + dz * zz) * inv_d,
                                         p.array_normal_x, p.array_normal_y, p.array_normal_z)
            out[k, i] = solar_irradiance_w_m2(d_sun, 1.0) * cos_inc * w_per_w_m2


@njit(cache=True)
def thermal_loop(p_elec_w, q_abs_w, dt_s, p, state, temps_out):
    """The two-node exponential step alone, as the engine takes it: its parameter-only constants
    once per call, the steps in time order over chunks of nodes, each step for all the chunk's
    nodes at once (``two_node_step_lanes``, inputs gathered into lanes and results scattered
    back as ``_advance_chunk`` does)."""
    temps_out[0] = state[L.STATE_ELECTRONICS_K]
    temps_out[1] = state[L.STATE_RADIATOR_K]
    tc = _constants(p)   # once per call, as advance_nodes does
    n = p_elec_w.shape[1]
    lane = np.empty((N.N_LANE_ROWS, N.CHUNK_NODES))
    scratch = np.empty((LANE_SCRATCH_ROWS, N.CHUNK_NODES))
    for lo in range(0, n, N.CHUNK_NODES):
        m = min(lo + N.CHUNK_NODES, n) - lo
        for k in range(p_elec_w.shape[0]):
            for j in range(m):
                lane[N.LANE_T_ELEC, j], lane[N.LANE_T_RAD, j] = temps_out[0, lo + j], temps_out[1, lo + j]
                lane[N.LANE_POWER, j], lane[N.LANE_ABSORBED, j] = p_elec_w[k, lo + j], q_abs_w[k, lo + j]
                lane[N.LANE_DURATION, j] = dt_s
            two_node_step_lanes(lane[N.LANE_T_ELEC], lane[N.LANE_T_RAD], lane[N.LANE_POWER],
                                lane[N.LANE_ABSORBED], lane[N.LANE_DURATION], m, tc, scratch)
            for j in range(m):
                temps_out[0, lo + j], temps_out[1, lo + j] = lane[N.LANE_T_ELEC, j], lane[N.LANE_T_RAD, j]


@njit(cache=True)
def power_battery_loop(solar_w, busy_accel, dt_s, p, state, out):
    """Demands, load shedding and the battery (:mod:`twin.kernels.power`,
    :mod:`twin.kernels.battery`) in time order over all nodes, the battery's energy carried."""
    out[0] = state[L.STATE_BATTERY_J]
    n = solar_w.shape[1]
    for lo in range(0, n, N.CHUNK_NODES):
        for k in range(solar_w.shape[0]):
            for i in range(lo, min(lo + N.CHUNK_NODES, n)):
                energy = out[0, i]
                capacity = state[L.STATE_CAPACITY_J, i]
                charge_w, discharge_w = battery_limits_w(
                    energy, capacity, p.min_soc, p.max_soc, dt_s, p.charge_efficiency, p.discharge_efficiency,
                    p.max_charge_w_per_j * p.nominal_capacity_j, p.max_discharge_w_per_j * p.nominal_capacity_j)
                _, _, compute_w, heater_w, bus_w = shed_load(
                    solar_w[k, i] + discharge_w, solar_w[k, i], p.bus_power_w, 0.0, p.n_accel, busy_accel[i],
                    p.accel_idle_w, p.accel_peak_w, 1.0, p.min_throttle, False)
                out[0, i], _, _, _ = battery_step(energy, solar_w[k, i] - bus_w - heater_w - compute_w,
                                                  charge_w, discharge_w, p.charge_efficiency,
                                                  p.discharge_efficiency, dt_s)


# ------------------------------------------------------------------ inputs
def realistic_inputs(n_nodes: int, n_steps: int, dt_s: float = 10.0, seed: int = 7) -> dict:
    """Geometry of the first ``n_nodes`` Starlink satellites at the ``n_steps + 1`` boundaries,
    the default spacecraft's parameters and state, and a job load (half the nodes busy with 1-4
    accelerators)."""
    sats = starlink(n_nodes)
    t_s = np.arange(n_steps + 1) * dt_s
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


def nodes_call(inp, k_steps: int, kernel=None, threads: int = 0):
    """A closure that runs advance_nodes over all nodes in calls of ``k_steps`` steps (fresh
    state each time) as the engine does, and returns the rate array of the whole pass; with
    ``threads``, the engine's way: :class:`twin.engine.node_threads.NodeThreads`."""
    kernel = kernel or N.advance_nodes
    if threads:
        pool, packed = NodeThreads(inp["n"], threads), N.packed_params(inp["params"])
        kernel = lambda *a: pool.run(*a[:7], packed, *a[8:], None, np.inf)  # noqa: E731
    pos, vel, sun, dt_s, p = inp["pos"], inp["vel"], inp["sun"], inp["dt_s"], inp["params"]
    n, k_total = inp["n"], inp["k"]
    ev = event_buffers(n, k_steps)   # as the engine makes them
    rate = np.empty((k_total, n))
    starts = list(range(0, k_total, k_steps))
    blocks = [(pos[a:a + k_steps + 1], vel[a:a + k_steps + 1], sun[a:a + k_steps + 1]) for a in starts]

    def call():
        state, mode = inp["state"].copy(), inp["mode"].copy()
        acc = np.zeros((L.N_ACC, n))
        for a, (ps, vs, ss) in zip(starts, blocks):
            kernel(ps, vs, ss, N.NO_GEOMETRY, a * dt_s, dt_s, inp["busy"], p, state, mode, acc,
                   rate[a:a + len(ps) - 1], *ev)
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


def time_kernel(fn, args_factory, repeats: int, clock=time.process_time) -> float:
    """Least time of ``fn(*args_factory())`` over ``repeats`` calls by ``clock``, the factory
    outside the timer, after one untimed call (compile or load from numba's cache) [s]. Process
    CPU time by default: other processes on a shared machine would add their time slices to a
    wall clock, not to this one."""
    fn(*args_factory())
    best = float("inf")
    for _ in range(max(repeats, 1)):
        args = args_factory()
        t0 = clock()
        fn(*args)
        best = min(best, clock() - t0)
    return best


def best_cpu(fn, repeats: int = 5) -> float:
    """Least process CPU time of ``fn()`` over ``repeats`` calls, after one untimed call [s]."""
    return time_kernel(fn, tuple, repeats)


# ------------------------------------------------------------------ the benchmark
def _pieces(row, rows, inp, repeats: int) -> None:
    """The building blocks of advance_nodes, each in its own loop."""
    pos, vel, sun, dt_s, p, n, k = (inp[x] for x in ("pos", "vel", "sun", "dt_s", "params", "n", "k"))
    nu = np.empty((k + 1, n))
    row("shadow_fraction (per boundary)", time_kernel(shadow_loop, lambda: (pos, sun, nu), repeats),
        "conical shadow, Montenbruck & Gill §3.4.2", design_kernel="shadow")
    geo = np.empty((k + 1, n))
    row("solar (irradiance, LVLH frame, incidence, array power; per boundary)",
        time_kernel(solar_loop, lambda: (pos, vel, sun, p, geo), repeats), design_kernel="solar")
    row("boundary_geometry (per boundary: shadow, solar, beta, radiator Sun and albedo)",
        time_kernel(geometry_loop, lambda: (pos, vel, sun, p, geo), repeats))
    # realistic part inputs: array power and absorbed load from the sunlit fraction
    solar = np.ascontiguousarray(7000.0 * nu[1:])
    q_abs = np.ascontiguousarray(900.0 + 300.0 * nu[1:])
    # power dissipated in the electronics: the bus, busy accelerators at peak, the others idle
    busy = inp["busy"]
    dissipated = p.bus_power_w + busy * p.accel_peak_w + (p.n_accel - busy) * p.accel_idle_w
    load = np.ascontiguousarray(np.broadcast_to(dissipated, (k, n)))
    energy = np.empty((1, n))
    row("power and battery (demands, shedding, battery limits and step)",
        time_kernel(power_battery_loop, lambda: (solar, inp["busy"], dt_s, p, inp["state"], energy), repeats),
        design_kernel="power and battery")
    temps = np.empty((2, n))
    row("thermal: two_node_step_lanes (a chunk's nodes at once, constants once per call)",
        time_kernel(thermal_loop, lambda: (load, q_abs, dt_s, p, inp["state"], temps), repeats),
        design_kernel="thermal")


def bench_kernels(n_nodes: int, n_steps: int, repeats: int = 5, pieces: bool = True) -> list[dict]:
    """ns per satellite-step of each kernel; rows ``{"name", "ns_per_sat_step", ...}``.
    ``pieces=False`` times only the fused advance_nodes and advance_jobs."""
    inp = realistic_inputs(n_nodes, n_steps)
    dt_s, p, n, k = (inp[x] for x in ("dt_s", "params", "n", "k"))
    steps = n * k
    rows = []

    def row(name, seconds, note="", design_kernel=None):
        rows.append({"name": name, "ns_per_sat_step": seconds / steps * 1e9, "n_nodes": n,
                     "n_steps": k, "note": note, "design_kernel": design_kernel})

    threads = NodeThreads(n, max(2, thread_count(n))).threads   # at most numba's
    if pieces:
        _pieces(row, rows, inp, repeats)
    call64 = nodes_call(inp, 64)
    row("advance_nodes (fused), 1 thread, K=64 per call", time_kernel(call64, tuple, repeats),
        "process CPU time; the engine's propagation block")
    call6 = nodes_call(inp, 6)
    row("advance_nodes (fused), 1 thread, K=6 per call", time_kernel(call6, tuple, repeats),
        "what the engine calls per 60 s tick")
    rate = call64()
    ptr, member_node, member_accel, n_accel, n_jobs = _jobs_problem(rate, int(p.n_accel))

    def jobs_args():
        return (rate, 0.0, dt_s, ptr, member_node, member_accel, n_accel,
                np.full(n_jobs, 1e12), np.zeros(n_jobs), np.full(n_jobs, -1.0),
                inp["accel_idle_w"], inp["accel_peak_w"])
    seconds = time_kernel(advance_jobs, jobs_args, repeats)
    row("advance_jobs", seconds, f"{n_jobs} running jobs on half the nodes, 20 % gangs of 2; "
                                 f"{seconds / (n_jobs * k) * 1e9:.1f} ns per job-step",
        design_kernel="job progress")
    call64 = nodes_call(inp, 64, threads=threads)
    row(f"advance_nodes (fused), {threads} threads, K=64 per call",
        time_kernel(call64, tuple, repeats, clock=time.perf_counter),
        "wall time, so other processes on the machine count against it")
    return rows
