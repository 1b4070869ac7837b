"""The SimPy engine: one Environment owns the clock and the discrete events; physics is advanced
lazily, in blocks, by numba kernels over all satellites at once (docs/design.md §4).

Processes: ``arrivals`` (jobs at their exact submit times) and ``clock`` (at each tick, in a fixed
order: advance the physics, record, checkpoint, dispatch). Any process that needs the present
state first calls :meth:`Simulation.advance_to`, which runs the kernels from the last advanced
step up to now; it is idempotent, so the order of processes at equal times does not change the
physics. There is no process per satellite.
"""
from __future__ import annotations

from pathlib import Path

import logging
import math
import os
from functools import partial

import numpy as np
import simpy

from twin.constants import (BPS_PER_GBPS, EARTH_RADIUS_M, J_PER_WH, M_PER_KM, SECONDS_PER_HOUR,
                            SECONDS_PER_MINUTE)
from twin.economics.cost import cost_of_run
from twin.errors import RunFailedError
from twin.engine.inputs import read_inputs
from twin.engine.node_threads import NodeThreads
from twin.ops.checkpoints import checkpoint_costs
from twin.ops.radiation import fault_model
from twin.ops.jobs import JobBook
from twin.kernels import layout as L
from twin.kernels.events import event_buffers, gather_events
from twin.kernels.node import advance_nodes_packed, packed_params
from twin.engine.nodes import (ask_view_factors, battery_energy_wh, battery_summary, close_interval, geometry_of,
                               initial_state, node_params, record_buffer, record_rows, reset_accumulators)
from twin.orbits.feed import OrbitFeed
from twin.output import ledger
from twin.output.hdf5 import RunWriter, failure_text, reserve_bytes
from twin.output.runlock import RunLock, check_target, partial_path
from twin.output.schema import EVENT_DTYPE
from twin.engine.checkpoint import (check_disk_space, checkpoint_bytes, checkpoint_path, load_checkpoint,
                                    move_checkpoint, remove_checkpoint, stop_signals, write_checkpoint)
from twin.engine.collector import collector_for_long_runs
from twin.engine.progress import Progress
from twin.numba_cache import will_compile
from twin.ops.eclipses import max_eclipse_s, predict_eclipses, semi_major_axis_m
from twin.ops.power_cap import dynamic_w
from twin.ops.policy_choice import make_policy
from twin.ops.scheduling import NodeView
from twin.ops.workload import job_source
from twin.ops.inference import inference_service


def _checkpoint_steps(scenario) -> int:
    every = scenario.output.checkpoint_every_s
    return int(round(every / scenario.simulation.dt_s)) if every else 0


# event kind codes -> the names written to /events (index = code)
EVENT_KIND_BYTES = np.array([L.EVENT_NAMES.get(code, "").encode() for code in range(max(L.EVENT_NAMES) + 1)],
                            dtype=EVENT_DTYPE["kind"])
# what a checkpoint holds of a Simulation, and a resume restores
CHECKPOINTED = ("step", "last_record_step", "last_dispatch_step", "state", "mode", "acc", "totals", "ledger_total",
                "battery_start_wh", "n_events", "jobs", "source", "faults", "eclipse_entry_s",
                "eclipse_exit_s", "allocated_accel_s", "array_power_w", "network", "inference")

logger = logging.getLogger(__name__)


class Simulation:
    """All mutable state of one run: node arrays, jobs, accumulators, the clock in steps."""

    def __init__(self, scenario, sats, writer: RunWriter, progress: Progress, trace=None, links=None, requests=None):
        """``links``: the run's :class:`twin.links.network.LinkNetwork` (from
        :func:`twin.engine.inputs.read_inputs`), or None without inter-satellite links; ``requests``
        an inference request trace read there."""
        sim = scenario.simulation
        self.scenario, self.writer, self.progress = scenario, writer, progress
        self.dt_s = sim.dt_s
        self.n_steps = sim.n_steps
        self.n = len(sats)
        self.n_accel = float(scenario.spacecraft.accelerator.count)   # installed per satellite
        self.node_threads = NodeThreads(self.n)
        logger.debug("%d satellites on %d node thread(s)", self.n, self.node_threads.threads)
        self.epoch_steps = int(round(scenario.scheduler.epoch_s / sim.dt_s))
        sc = scenario.spacecraft
        self.extrema = len(scenario.output.aggregate) > 1
        self.params = node_params(sc, self.extrema, scenario.earth, sim.epoch_utc)
        self.packed_params = packed_params(self.params)
        self.orbits = OrbitFeed(sats, sim.epoch_utc, sim.dt_s, sim.n_steps, sim.sgp4_step_s,
                                derive=partial(geometry_of, self.params), velocities=links is not None)
        self.state, self.mode = initial_state(sc, self.n)
        self.acc = np.zeros((L.N_ACC, self.n))
        reset_accumulators(self.acc)
        self.totals = np.zeros(L.N_ACC)
        self._rows = record_buffer(self.n, self.extrema)   # a record
        self.jobs = JobBook(self.n, sc.accelerator.count, make_policy(scenario.scheduler, sc),
                            sc.accelerator.idle_power_w, sc.accelerator.peak_power_w, sc.accelerator.peak_flops,
                            scenario.scheduler.migration_cost_s or 0.0, checkpoint_costs(scenario, sats))
        self.jobs.replay(trace, sim.duration_s)   # a trace's ids, censored flags and row accounting
        # one stream per purpose: the workload (child 0) draws the same jobs whether faults
        # (children 1 and 2) or radiation (3) are on or off
        seeds = np.random.SeedSequence(sim.seed).spawn(4)
        self.source = job_source(scenario.workload, np.random.default_rng(seeds[0]), sim.duration_s, trace,
                                 self.n * sc.accelerator.count)
        self.faults = fault_model(scenario, sats, self.jobs, seeds)
        # orbital period from the Kozai mean motion [rad/min], for eclipse prediction
        self.period_s = np.array([2.0 * math.pi / r.no_kozai * SECONDS_PER_MINUTE for r in sats.satrecs])
        self.inclination_rad = np.array([r.inclo for r in sats.satrecs])
        self.max_eclipse_s = max_eclipse_s(self.period_s, self.params.shadow_radius_m)
        self.eclipse_entry_s = np.full(self.n, np.nan)   # last eclipse entry of each node [s]
        self.eclipse_exit_s = np.full(self.n, np.nan)    # last eclipse exit [s]
        self.allocated_accel_s = 0.0                     # ∫ allocated accelerators dt [s]
        self.ledger_total = np.zeros((L.N_LEDGER, self.n))   # each node's ledger over the run [accelerator-s]
        self.array_power_w = np.full(self.n, np.nan)      # array output in full sun, last seen [W]
        self.step = self.start_step = 0
        self.last_record_step = 0
        self.last_dispatch_step = -1
        self.checkpoint_steps = _checkpoint_steps(scenario)
        self.stop_requested = False
        self.battery_start_wh = battery_energy_wh(self.state)
        self._ev = None   # per-node event buffers, sized for the longest call yet (event_buffers)
        self.n_events = 0
        self.network = links
        self._rebuild_links(0)
        self.inference = inference_service(scenario, self.n, self.jobs, requests)   # None without inference

    @property
    def network(self):
        return self.jobs.links

    @network.setter
    def network(self, links) -> None:
        self.jobs.links = links

    def step_at(self, t_s: float) -> int:
        return min(int(round(t_s / self.dt_s)), self.n_steps)

    def advance_to(self, step: int) -> None:
        while self.step < step:
            k0 = self.step
            k1 = min(step, self.orbits.segment_end(k0))   # cut where the feed says, whatever its blocks
            if self.faults.enabled:   # cut the segment at the next fault (docs/design.md §4: exact boundaries)
                pos_ends = self.orbits.get(k0, k1)[0][-(k1 - k0):]
                k1 = self.faults.next_stop(k0, k1, pos_ends)
            pos, vel, sun = self.orbits.get(k0, k1)
            rate = np.empty((k1 - k0, self.n))
            heat = np.empty((k1 - k0, self.n))
            self._ev = event_buffers(self.n, k1 - k0, self._ev)
            ev_step, ev_kind, ev_value, ev_count = self._ev
            self.state[L.STATE_DOWN] = self.jobs.down
            mode_at_start = self.mode.copy() if self.network is not None and self.network.drop_in_safe_mode else None
            if k0 % self.orbits.segment == 0:   # view factors at each segment's start, wherever calls cut
                ask_view_factors(self.state)
            self.node_threads.run(pos, vel, sun, self.orbits.derived(k0, k1), k0 * self.dt_s, self.dt_s, self.jobs.busy,
                                  self.packed_params, self.state, self.mode, self.acc, rate, ev_step, ev_kind, ev_value,
                                  ev_count, heat, self.jobs.waiting_from_s())
            if ev_count.any():
                self._write_events(k0, k1 - k0)
            self.allocated_accel_s += self.jobs.busy.sum() * (k1 - k0) * self.dt_s
            capacity = None
            if self.network is not None:
                capacity = self.network.advance(pos, vel, self.jobs.down, mode_at_start, self.dt_s, self.acc)
            capped_w = dynamic_w(self.state, self.params.accel_idle_w, self.params.accel_peak_w)
            self.jobs.advance(rate, k0 * self.dt_s, self.dt_s, heat, self.acc, capacity, capped_w)
            if self.inference is not None:
                self.inference.advance(rate, heat, k0, self.dt_s, self.jobs.down, self.acc, capped_w)
            del pos, vel, sun   # views of the feed's block: not held while it loads the next one
            self.step = k1
            if self.faults.enabled:
                self._apply_faults(k1)
            self.progress.update(k1 * self.dt_s)

    def _write_events(self, k0: int, n_steps: int) -> None:
        time_s, sat, kind, value = gather_events(*self._ev, n_steps, k0, self.dt_s, self.eclipse_entry_s,
                                                 self.eclipse_exit_s)
        rows = np.empty(len(time_s), dtype=EVENT_DTYPE)
        rows["time_s"], rows["sat"], rows["kind"], rows["value"] = time_s, sat, EVENT_KIND_BYTES[kind], value
        self.writer.add_events(rows)
        self.n_events += len(rows)

    def _apply_faults(self, step: int) -> None:
        """Faults and recoveries at boundary ``step``; jobs on nodes that went down roll back."""
        events, down, up = self.faults.apply(step)
        self.jobs.restore_nodes(up)
        if self.inference is not None:
            self.inference.on_faults(down, up, step * self.dt_s)
        if down:
            self.jobs.fail_nodes(down, step * self.dt_s)
        self._write_other_events([(step * self.dt_s, sat, kind, value) for sat, kind, value in events]
                                 + self.jobs.take_events())

    def _write_other_events(self, events) -> None:
        """Events made outside the kernel: faults, preemptions, migrations (time, sat, kind, value)."""
        if not events:
            return
        rows = np.empty(len(events), dtype=EVENT_DTYPE)
        rows["time_s"] = [e[0] for e in events]
        rows["sat"] = [e[1] for e in events]
        rows["kind"] = EVENT_KIND_BYTES[[e[2] for e in events]]
        rows["value"] = [e[3] for e in events]
        self.writer.add_events(rows)
        self.n_events += len(rows)

    def record(self) -> None:
        """Write one record covering the steps since the last one (if any)."""
        if self.step == self.last_record_step:
            return
        interval_s = (self.step - self.last_record_step) * self.dt_s
        self._book_rollbacks()
        self.state[L.STATE_DOSE_KRAD] = self.faults.radiation.dose_krad(self.step)
        record_rows(self.acc, self.state, self.mode, interval_s, self._rows)
        position_km = None
        if self.writer.positions:
            pos, _, _ = self.orbits.get(self.step - 1, self.step)
            position_km = pos[-1] / M_PER_KM
        held = self.acc[L.ACC_LEDGER:L.ACC_LEDGER + L.N_LEDGER]
        self.ledger_total += held
        self.writer.add_record(self.step * self.dt_s, self._rows, position_km, held.sum(axis=1) / interval_s)
        self.writer.add_jobs(self.jobs.take_rows())
        if self.writer.links and self.network is not None:
            self.writer.add_links(self.network.live_rows(self.step * self.dt_s))
        close_interval(self.acc, self.totals)
        self.last_record_step = self.step

    def _book_rollbacks(self) -> None:
        """Work rolled back since the last record leaves ``delivered`` for the cause that lost it
        (a fault, or the policy's preemption: scheduling), on the nodes that had done it."""
        lost = self.jobs.take_lost_by_node()
        if lost is None:
            return
        self.acc[L.ACC_LEDGER + L.LEDGER_DELIVERED] -= lost[0] + lost[1]
        self.acc[L.ACC_LEDGER + L.LEDGER_FAULTS] += lost[0]
        self.acc[L.ACC_LEDGER + L.LEDGER_SCHEDULING] += lost[1]

    def tick(self, step: int) -> None:
        """Advance to ``step``; record, checkpoint and dispatch where they are due."""
        self.advance_to(step)
        if step % self.scenario.simulation.record_every_steps == 0 or step == self.n_steps:
            self.record()
            if self.stop_requested and step < self.n_steps:
                self.checkpoint()
                raise StopRequested
            if self.checkpoint_steps and step % self.checkpoint_steps == 0 and step < self.n_steps:
                self.checkpoint()
        if step % self.epoch_steps == 0 and step < self.n_steps:
            self._rebuild_links(step)
            if self.inference is not None:   # before the jobs: inference comes first for accelerators
                self.inference.rebalance(step * self.dt_s, self.jobs)
            self.jobs.dispatch(step * self.dt_s, self.view)
            if hasattr(self.jobs.policy, "power_caps"):   # the caps until the next epoch (twin.ops.power_cap)
                self.jobs.policy.power_caps(self.view(), self.jobs.busy, self.state)
            self.jobs.reroute()
            self._write_other_events(self.jobs.take_events())
            self.last_dispatch_step = step

    def _rebuild_links(self, step: int) -> None:
        """Links that follow the geometry (``nearest``): rebuilt at the positions of ``step``."""
        if self.network is not None and self.network.rebuilds and step < self.n_steps:
            pos, vel, _ = self.orbits.get(step, step)
            self.network.rebuild(pos[0], vel[0], self.jobs.down, self.mode)

    def checkpoint(self) -> None:
        """Snapshot the state now; the writer thread writes it once the records before it are on
        disk (a checkpoint never refers to data that is not), while the simulation goes on."""
        payload = checkpoint_bytes({**{key: getattr(self, key) for key in CHECKPOINTED},
                                    "writer_counts": self.writer.counts()})
        self.writer.flush(to_disk=True, then=partial(write_checkpoint, self.writer.path, payload))

    def restore(self, ckpt: dict) -> None:
        for key in CHECKPOINTED:
            setattr(self, key, ckpt[key])
        self.start_step = self.step

    def view(self) -> NodeView:
        """What the policy sees at a dispatch (:class:`twin.ops.scheduling.NodeView`). Updates the
        array-power estimate from the record accumulators: called by the job book at most once
        per dispatch, and only when the policy has something to decide."""
        cap = self.state[L.STATE_CAPACITY_J]
        now_s = self.step * self.dt_s
        sunlit = self.state[L.STATE_SUNLIT]
        entry_s, exit_s, length_s = predict_eclipses(now_s, sunlit, self.eclipse_entry_s, self.eclipse_exit_s,
                                                     self.period_s, self.max_eclipse_s)
        # full-sun array output over the record interval so far: ∫P dt / ∫ν dt (kept when dark)
        lit_s = self.acc[L.ACC_SUNLIT]
        seen = lit_s > 0.5 * self.dt_s
        self.array_power_w[seen] = self.acc[L.ACC_SOLAR, seen] / lit_s[seen]
        return NodeView(self.state[L.STATE_BATTERY_J] / np.where(cap > 0, cap, 1.0), sunlit,
                        self.state[L.STATE_ELECTRONICS_K], self.mode, entry_s, exit_s, length_s,
                        self.period_s, self.array_power_w.copy(), now_s)

    def summary(self) -> dict:
        t = self.totals / J_PER_WH
        end_wh = battery_energy_wh(self.state)
        solar = t[L.ACC_SOLAR]
        out = t[L.ACC_LOAD] + t[L.ACC_LOSS] + t[L.ACC_CURTAILED] + (end_wh - self.battery_start_wh)
        node_s = self.n * self.step * self.dt_s
        jobs = self.jobs.metrics()
        summary = {
            "n_satellites": self.n, "simulated_s": self.step * self.dt_s,
            "satellite_steps": self.n * self.step,
            "energy_solar_wh": solar, "energy_load_wh": t[L.ACC_LOAD],
            "energy_compute_wh": t[L.ACC_COMPUTE], "energy_heater_wh": t[L.ACC_HEATER],
            "energy_curtailed_wh": t[L.ACC_CURTAILED], "energy_loss_wh": t[L.ACC_LOSS],
            "battery_start_wh": self.battery_start_wh, "battery_end_wh": end_wh,
            # capacity left after fade, of the nominal (the economics' battery replacements), and the ageing
            **battery_summary(self.state, self.scenario.spacecraft.battery.capacity_wh),
            "energy_balance_rel_error": abs(solar - out) / max(abs(solar), 1e-300),
            "sunlit_fraction_mean": self.totals[L.ACC_SUNLIT] / node_s,
            "utilization_mean": self.totals[L.ACC_UTILIZATION] / node_s,
            "allocation_mean": self.allocated_accel_s / (node_s * self.scenario.spacecraft.accelerator.count),
            **jobs,
            "energy_per_accel_hour_wh": (t[L.ACC_COMPUTE] / jobs["work_delivered_accel_h"]
                                                      if jobs["work_delivered_accel_h"] > 0 else float("nan")),
            **self.faults.metrics(self.step),
            "events": self.n_events,
            # the orbits, for the economics' radiation dose: mean altitude over the equatorial radius
            # (semi-major axis from the Kozai mean motion) and mean inclination
            "altitude_km_mean": float(np.mean(semi_major_axis_m(self.period_s) - EARTH_RADIUS_M) / M_PER_KM),
            "inclination_deg_mean": float(np.degrees(np.mean(self.inclination_rad))),
            # per satellite, mean over the run: live inter-satellite links [1] and their capacity
            "links_live_mean": self.totals[L.ACC_LINKS] / node_s,
            "link_capacity_gbps_mean": self.totals[L.ACC_LINK_CAPACITY] / node_s / BPS_PER_GBPS,
        }
        for m, name in enumerate(L.MODE_NAMES):
            summary[f"node_hours_{name}"] = self.totals[L.ACC_MODE_TIME + m] / SECONDS_PER_HOUR
        summary.update(ledger.summary_keys(self.totals[L.ACC_LEDGER:L.ACC_LEDGER + L.N_LEDGER],
                                           node_s * self.n_accel))
        summary.update(self.inference.metrics(self.step * self.dt_s) if self.inference is not None else {})
        summary.update(cost_of_run(self.scenario, summary))
        return {k: (float(v) if isinstance(v, (np.floating, float)) else v) for k, v in summary.items()}


# ---------------------------------------------------------------- SimPy processes
def arrivals(env: simpy.Environment, sim: "Simulation"):
    """Jobs enter the queue at their exact submit times."""
    source = sim.source
    while source.peek() is not None:
        yield env.timeout(max(source.peek().submit_s - env.now, 0.0))
        sim.jobs.submit(source.pop())


def clock(env: simpy.Environment, sim: "Simulation", tick_steps: int):
    """The periodic work, in a fixed order at each tick: advance the physics, record, checkpoint,
    then dispatch. One process, so that equal-time ordering never depends on SimPy's queue; a
    resumed run re-enters the tick where the checkpoint left it (at dispatch)."""
    step = sim.step
    if sim.last_dispatch_step == step:   # resumed right after a checkpoint: dispatch, then go on
        step += tick_steps
    while step <= sim.n_steps:
        yield env.timeout(step * sim.dt_s - env.now)
        sim.tick(step)
        step += tick_steps


class StopRequested(Exception):
    """SIGINT/SIGTERM: stop at the next record boundary with a checkpoint."""


# ---------------------------------------------------------------- a whole run
def _tick_steps(scenario) -> int:
    sim = scenario.simulation
    epoch = int(round(scenario.scheduler.epoch_s / sim.dt_s))
    return math.gcd(epoch, sim.record_every_steps)


def execute(sim: "Simulation") -> dict:
    """Run the SimPy environment from the simulation's present step to the end."""
    env = simpy.Environment(initial_time=sim.step * sim.dt_s)
    env.process(arrivals(env, sim))
    env.process(clock(env, sim, _tick_steps(sim.scenario)))
    env.run()
    sim.advance_to(sim.n_steps)
    sim.record()
    sim.writer.add_jobs(sim.jobs.final_rows())
    return sim.summary()


def _finish(sim, meter, writer, log, target: Path) -> dict | None:
    """Run ``sim`` to its end or a stop, close its file and put it in place: a complete or
    stopped run's file (the partial one) is renamed to ``target``; a failed run's is left
    beside it, marked ``failed``, and :class:`RunFailedError` says why and how to resume."""
    status, summary, failure = "failed", None, None
    try:
        with stop_signals(sim), collector_for_long_runs():
            summary = execute(sim)
        summary["wall_s"] = meter.elapsed()
        summary["satellite_steps_per_s"] = (summary["satellite_steps"] - sim.start_step * sim.n) / max(summary["wall_s"], 1e-9)
        status = "complete"
    except StopRequested:
        status = "interrupted"
    except BaseException as err:   # a failed write, or a fault of twin's own: the file says so
        failure = err
    finally:
        sim.orbits.close()
        meter.close()
    status, reason = writer.close(status, summary, failure_text(failure) if failure is not None else "",
                                  ledger_total=sim.ledger_total.T)
    part = writer.path
    if status == "complete":
        os.replace(part, target)
        remove_checkpoint(part)
        remove_checkpoint(target)   # of the file this run replaced
        return summary
    if status == "interrupted":
        os.replace(part, target)
        move_checkpoint(part, target)
        (log or logger.warning)(f"interrupted at {sim.step * sim.dt_s:,.0f} s simulated; checkpoint written. "
                                f"Resume with: twin run --resume {target}")
        return None
    if failure is not None and writer.failure is None and not isinstance(failure, OSError):
        raise failure   # not a write that failed: twin's own fault, with its traceback
    how = (f"free the cause, then resume from its last checkpoint with: twin run --resume {target}"
           if checkpoint_path(part).is_file() else "it had no checkpoint yet: run it again")
    raise RunFailedError(f"{target}: the run failed at {sim.step * sim.dt_s:,.0f} s simulated: {reason}; "
                         f"its file so far is {part} (status failed); {how}") from None


def _open_writer(path: Path, scenario, sats, copy_from=None) -> RunWriter:
    """The run file's writer (which leaves nothing behind if it cannot be made); a file system
    that refuses it (full, read-only) is RunFailedError."""
    out = scenario.output
    try:
        return RunWriter(path, scenario, sats, out.compression, out.flush_every_records, out.positions,
                         copy_from=copy_from)
    except (OSError, RuntimeError) as err:   # not RunFileError: a resume's damaged source is bad input
        raise RunFailedError(f"{path}: cannot write the run file: {failure_text(err)}") from None


def run(scenario, out_path, force: bool = False, progress: bool = False, log=None,
        satellites=None) -> dict | None:
    """Run ``scenario`` to ``out_path``; returns the run's summary (None if stopped by a signal).

    Every input is read and checked (:func:`twin.engine.inputs.read_inputs`) before anything is
    written; the run then writes ``out_path``'s partial file under its lock
    (:mod:`twin.output.runlock`) and renames it into place when it ends or stops, so an
    existing ``out_path`` is untouched until then. ``satellites`` (a
    :class:`twin.orbits.SatelliteSet`) replaces the scenario's constellation, e.g. one shard of
    it; satellites SGP4 cannot carry through the run are left out and named.

    Messages go to the ``twin.engine`` loggers, or to ``log`` (a callable taking one line) if
    given; ``progress`` shows a progress display (:class:`twin.engine.progress.Progress`)."""
    target = Path(out_path)
    check_target(target, force)
    inputs = read_inputs(scenario, satellites, log)
    sim_cfg = scenario.simulation
    with RunLock(target):
        check_target(target, force, locked=True)   # again: another run may have started meanwhile
        part = partial_path(target)
        check_disk_space(scenario, len(inputs.sats), target, log or logger.info,
                         reserve_bytes(scenario, len(inputs.sats)))
        remove_checkpoint(part)   # a stopped run's, which --force discards
        writer = _open_writer(part, scenario, inputs.sats)
        meter = Progress(sim_cfg.duration_s, len(inputs.sats), enabled=progress, log=log, dt_s=sim_cfg.dt_s,
                         compiling=will_compile(advance_nodes_packed))
        sim = _simulation(scenario, inputs, writer, meter)
        del inputs   # the Satrec objects, ~1 kB per satellite (the feed's SatrecArray has copies)
        return _finish(sim, meter, writer, log, target)


def _simulation(scenario, inputs, writer, meter) -> "Simulation":
    """The Simulation of a run whose writer exists; if it cannot be made, the writer's file is
    closed as failed first."""
    try:
        return Simulation(scenario, inputs.sats, writer, meter, inputs.trace, inputs.links, inputs.requests)
    except BaseException as err:
        meter.close()
        writer.close("failed", reason=failure_text(err))
        raise


def resume(run_path, progress: bool = False, log=None) -> dict | None:
    """Continue an interrupted, killed or failed run to ``run_path`` from its last checkpoint
    (messages and ``progress`` as :func:`run`)."""
    target = Path(run_path)
    with RunLock(target, "resume"):
        source, scenario, ckpt = load_checkpoint(target)
        sim_cfg = scenario.simulation
        inputs = read_inputs(scenario, None, log)
        part = partial_path(target)
        tmp = part.with_name(part.name + ".resuming")
        writer = _open_writer(tmp, scenario, inputs.sats, copy_from=(source, ckpt["writer_counts"]))
        if source != part:   # the partial file gets its checkpoint before it exists
            write_checkpoint(part, checkpoint_path(source).read_bytes())
        os.replace(tmp, part)
        writer.path = part
        meter = Progress(sim_cfg.duration_s, len(inputs.sats), enabled=progress, log=log, dt_s=sim_cfg.dt_s,
                         start_s=ckpt["step"] * sim_cfg.dt_s, compiling=will_compile(advance_nodes_packed))
        sim = _simulation(scenario, inputs, writer, meter)
        del inputs   # as in run
        sim.restore(ckpt)
        (log or logger.info)(f"resuming {target} at {sim.step * sim.dt_s:,.0f} s of {sim_cfg.duration_s:,.0f} s")
        return _finish(sim, meter, writer, log, target)
