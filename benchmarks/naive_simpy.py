"""The naive baseline: twin's physics, one SimPy process per satellite.

This is the design docs/design.md §4 rules out, kept as the yardstick of §8 ("≥ 30 × a naive
SimPy-process-per-satellite implementation"). It is meant to be honest and simple, not slow on
purpose: what a careful engineer would write first.

Per satellite and step, in that satellite's own SimPy process (one ``env.timeout(dt)`` each):

* ``Satrec.sgp4`` for this one satellite at this one time (TEME, km), at the step's end
  boundary (the start boundary is the previous step's end, kept);
* TEME -> GCRS with the rotation matrix of that time, as a plain-Python 3×3 product;
* twin's node step for this one satellite and this one step, run by the interpreter:
  :func:`twin.kernels.node.advance_nodes` on one node and one step, with it and every numba
  function it calls replaced by its plain-Python original (:func:`interpreted`; the code path of
  ``TWIN_DISABLE_JIT=1``). That is boundary geometry (conical shadow, irradiance, panel
  incidence, beta, radiator view factors and albedo), trapezoid means over the step, the split of
  a step at an eclipse edge, demands, thermostat heaters, load shedding, battery with fade and the
  two-node thermal step: twin's own source, so the baseline cannot drift from twin's physics as
  that evolves. The per-satellite arrays it works on (1 node × 2 boundaries) are allocated once.

Shared by all satellites and computed once per time, by the first process that needs it (they
do not depend on the satellite, and recomputing them per satellite would be a straw man): the
UTC Julian date SGP4 takes (:func:`twin.orbits.sgp4_utc_jd`), the TEME -> GCRS matrix
(:func:`twin.orbits.teme_to_gcrs_matrices` for that single time: skyfield's TEME frame,
interpolated between hourly nodes exactly as twin does) and the Sun
(:func:`twin.orbits.environment.sun_position_gcrs_m` for that single time: DE421 through skyfield).

No jobs: every node's accelerators are idle (busy = 0), so compute draws idle power only.
Parameters come from the same config wrapper as twin's (:func:`twin.engine.nodes.node_params`,
:func:`twin.engine.nodes.initial_state`), so only the way the work is organised differs.

``physics="minimal"`` keeps only SGP4, the rotation, the shadow (jitted scalar kernel) and a
battery bucket: a calibration point for docs/design.md §8's "a minimal one reaches about 330 k
satellite-steps/s", not a model of anything.
"""
from __future__ import annotations

import math
import time
import types
from dataclasses import dataclass

import numpy as np
import simpy
from numba.core.registry import CPUDispatcher

from twin.orbits.environment import skyfield_times, sun_position_gcrs_m
from twin.kernels import layout as L
from twin.kernels import node as _node
from twin.kernels.shadow import shadow_fraction
from twin.engine.nodes import ask_view_factors, initial_state, node_params, record_values
from twin.orbits.feed import SEGMENT_STEPS
from twin.orbits import sgp4_utc_jd, teme_to_gcrs_matrices

J_PER_WH = 3600.0  # J/Wh


def interpreted(dispatcher, _memo=None):
    """The plain-Python original of a numba function, calling the plain-Python originals of the
    numba functions it uses (found among its global names), recursively."""
    memo = {} if _memo is None else _memo
    if id(dispatcher) in memo:
        return memo[id(dispatcher)]
    fn = dispatcher.py_func
    namespace = dict(fn.__globals__)
    copy = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)
    memo[id(dispatcher)] = copy
    for name in fn.__code__.co_names:
        if isinstance(namespace.get(name), CPUDispatcher):
            namespace[name] = interpreted(namespace[name], memo)
    return copy


_node_step = interpreted(_node.advance_nodes)


@dataclass
class NaiveRun:
    """Records of a naive run, shaped like twin's /state: (R, N), record r ends at time[r].
    Flows (``*_power_w``, ``sunlit_fraction``) are means over the record interval, stocks values
    at its end, as in docs/schema.md."""

    time_s: np.ndarray
    battery_energy_wh: np.ndarray
    soc: np.ndarray
    electronics_temp_k: np.ndarray
    radiator_temp_k: np.ndarray
    mode: np.ndarray
    solar_power_w: np.ndarray
    load_power_w: np.ndarray
    heater_power_w: np.ndarray
    sunlit_fraction: np.ndarray
    wall_s: float
    satellite_steps: int

    @property
    def satellite_steps_per_s(self) -> float:
        return self.satellite_steps / max(self.wall_s, 1e-9)


class Sky:
    """What all satellites share at a time: SGP4's Julian date, the TEME -> GCRS matrix and the
    Sun. Computed once per step, when the first satellite asks for it."""

    def __init__(self, epoch_utc, dt_s: float):
        self.epoch_utc, self.dt_s = epoch_utc, dt_s
        self._step = -1
        self._value = None

    def at(self, boundary: int):
        """(jd, fr, rotation as 9 floats row-major, sun xyz [m]) at t = boundary·dt."""
        if boundary != self._step:
            t_s = np.array([boundary * self.dt_s])
            jd, fr = sgp4_utc_jd(skyfield_times(self.epoch_utc, t_s))
            rot = teme_to_gcrs_matrices(self.epoch_utc, t_s)[0]
            sun = sun_position_gcrs_m(self.epoch_utc, t_s)[0]
            self._value = (float(jd[0]), float(fr[0]), tuple(float(x) for x in rot.ravel()),
                           (float(sun[0]), float(sun[1]), float(sun[2])))
            self._step = boundary
        return self._value


def _position_gcrs_m(satrec, jd, fr, rot):
    error, r, v = satrec.sgp4(jd, fr)
    if error:
        nan = math.nan
        return (nan, nan, nan), (nan, nan, nan)
    m00, m01, m02, m10, m11, m12, m20, m21, m22 = rot
    pos = ((m00 * r[0] + m01 * r[1] + m02 * r[2]) * 1e3,
           (m10 * r[0] + m11 * r[1] + m12 * r[2]) * 1e3,
           (m20 * r[0] + m21 * r[1] + m22 * r[2]) * 1e3)
    vel = ((m00 * v[0] + m01 * v[1] + m02 * v[2]) * 1e3,
           (m10 * v[0] + m11 * v[1] + m12 * v[2]) * 1e3,
           (m20 * v[0] + m21 * v[1] + m22 * v[2]) * 1e3)
    return pos, vel


def satellite(env, i, satrec, sky, p, state0, dt_s, n_steps, record_steps, out, view_steps=SEGMENT_STEPS):
    """One satellite's process: SGP4, rotation, then twin's node step in the interpreter (the
    radiator's view factors evaluated anew every ``view_steps``, as the engine does at the start
    of each of its segments: SEGMENT_STEPS when SGP4 runs at every step)."""
    pos = np.empty((2, 1, 3))  # [start, end] boundary of the step, one node
    vel = np.empty((2, 1, 3))
    sun = np.empty((2, 3))
    state = np.array(state0, dtype=np.float64).reshape(-1, 1)
    mode = np.zeros(1, dtype=np.int64)
    acc = np.zeros((L.N_ACC, 1))
    rate = np.empty((1, 1))
    busy = np.zeros(1)  # no jobs
    events = (np.empty((1, 3), np.int64), np.empty((1, 3), np.int64), np.empty((1, 3)),
              np.zeros(1, np.int64))
    jd, fr, rot, sun[1] = sky.at(0)
    pos[1, 0], vel[1, 0] = _position_gcrs_m(satrec, jd, fr, rot)
    for k in range(n_steps):
        yield env.timeout(dt_s)
        pos[0], vel[0], sun[0] = pos[1], vel[1], sun[1]
        jd, fr, rot, sun[1] = sky.at(k + 1)
        pos[1, 0], vel[1, 0] = _position_gcrs_m(satrec, jd, fr, rot)
        if k % view_steps == 0:
            ask_view_factors(state)
        _node_step(pos, vel, sun, _node.NO_GEOMETRY, k * dt_s, dt_s, busy, p, state, mode, acc, rate, *events)
        if (k + 1) % record_steps == 0:
            values = record_values(acc, state, mode, record_steps * dt_s)
            r = (k + 1) // record_steps - 1
            for name in out:
                out[name][r, i] = values[name][0]
            acc[:] = 0.0


def satellite_minimal(env, i, satrec, sky, p, state0, dt_s, n_steps, record_steps, out):
    """SGP4, rotation, shadow (jitted scalar kernel) and a battery bucket: nothing else."""
    energy, capacity = float(state0[L.STATE_BATTERY_J]), float(state0[L.STATE_CAPACITY_J])
    peak_w = 1361.0 * p.array_area_m2 * p.cell_efficiency * p.packing_factor
    load_w = p.bus_power_w + p.n_accel * p.accel_idle_w
    sums = [0.0, 0.0, 0.0, 0.0]
    for k in range(n_steps):
        yield env.timeout(dt_s)
        jd, fr, rot, (sx, sy, sz) = sky.at(k + 1)
        (rx, ry, rz), _ = _position_gcrs_m(satrec, jd, fr, rot)
        nu = shadow_fraction(rx, ry, rz, sx, sy, sz)
        solar_w = peak_w * nu
        energy = min(max(energy + (solar_w - load_w) * dt_s, 0.0), capacity)
        sums[0] += solar_w * dt_s
        sums[1] += load_w * dt_s
        sums[3] += nu * dt_s
        if (k + 1) % record_steps == 0:
            _record(out, (k + 1) // record_steps - 1, i, energy, capacity, math.nan, math.nan,
                    L.MODE_NOMINAL, sums, record_steps * dt_s)


def _record(out, r, i, energy, capacity, t_elec, t_rad, mode, sums, interval_s):
    """The minimal process's record, in the same places as the full one's."""
    out["battery_energy_wh"][r, i] = energy / J_PER_WH
    out["soc"][r, i] = energy / capacity if capacity > 0.0 else 0.0
    out["electronics_temp_k"][r, i] = t_elec
    out["radiator_temp_k"][r, i] = t_rad
    out["mode"][r, i] = mode
    out["solar_power_w"][r, i] = sums[0] / interval_s
    out["load_power_w"][r, i] = sums[1] / interval_s
    out["heater_power_w"][r, i] = sums[2] / interval_s
    out["sunlit_fraction"][r, i] = sums[3] / interval_s
    sums[:] = [0.0, 0.0, 0.0, 0.0]


def run_naive(sats, epoch_utc, dt_s: float, n_steps: int, spacecraft, record_every_steps: int = 1,
              physics: str = "full") -> NaiveRun:
    """Run ``sats`` (a :class:`twin.orbits.SatelliteSet`) for ``n_steps`` of ``dt_s`` seconds with
    one SimPy process per satellite.

    Parameters
    ----------
    sats : twin.orbits.SatelliteSet
    epoch_utc : datetime
        time 0 of the run; step k runs from boundary k (t = k dt) to boundary k + 1, with the
        geometry of both, as twin's engine does
    dt_s : float
        step [s]
    n_steps : int
    spacecraft : twin.config.Spacecraft
    record_every_steps : int
        record interval [steps]; a trailing partial interval is not recorded
    physics : {"full", "minimal"}

    Returns
    -------
    NaiveRun
        wall time covers the SimPy run only (not building the satellites).
    """
    if physics not in ("full", "minimal"):
        raise ValueError(f"physics must be 'full' or 'minimal', got {physics!r}")
    process = satellite if physics == "full" else satellite_minimal
    n = len(sats)
    n_records = n_steps // record_every_steps
    p = node_params(spacecraft)
    state, _ = initial_state(spacecraft, n)
    out = {name: np.full((n_records, n), np.nan) for name in (
        "battery_energy_wh", "soc", "electronics_temp_k", "radiator_temp_k", "solar_power_w",
        "load_power_w", "heater_power_w", "sunlit_fraction")}
    out["mode"] = np.zeros((n_records, n), dtype=np.int8)
    start = time.perf_counter()
    env = simpy.Environment()
    sky = Sky(epoch_utc, dt_s)
    for i, satrec in enumerate(sats.satrecs):
        env.process(process(env, i, satrec, sky, p, state[:, i], dt_s, n_steps,
                            record_every_steps, out))
    env.run()
    wall_s = time.perf_counter() - start
    time_s = (np.arange(n_records) + 1) * record_every_steps * dt_s
    return NaiveRun(time_s=time_s, wall_s=wall_s, satellite_steps=n * n_steps, **out)
