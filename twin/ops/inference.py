"""The inference service of a run (``inference:``; docs/design.md §5): its replicas, their queue
and what they report.

Replicas hold ``accelerators_per_replica`` accelerators on one satellite, taken from the job
book's free ones (:class:`twin.ops.jobs.JobBook`: its ``free`` and ``busy``), so that the node
kernel powers them as busy accelerators (at their throttled peak while held, whether serving or
not: an upper bound on the serving fleet's power) and hands back the compute rate they serve at.
The requests are served by :func:`twin.kernels.inference.serve_block` after the node kernel and
the jobs at each engine call; placement, moves off failed satellites and autoscaling happen at
scheduler epochs, before the training jobs are dispatched, so inference comes first for the
accelerators it takes.

- At the start, ``replicas`` are placed (``spread`` or ``pack``) before any job; they are a
  reservation the training workload never sees (the job book's ``capacity`` is lowered by them,
  with autoscale by ``min_replicas``).
- A satellite that fails takes its replicas down, and one that stops computing (compute shed for
  power, or shut down by heat) stops them: their batches in service are lost and their requests
  go back to the head of the queue (retried, ``inference_requeued``). At the next epoch
  a replica on a failed satellite moves to one with room (``priority: preempt``: room made by
  preempting training jobs); a replica that stays serves again, after ``startup_s``, once its
  satellite is repaired.
- Autoscaling (:class:`twin.config.inference.Autoscale`) adds replicas where there is room (or
  preempts) and removes idle ones, newest first.
"""
from __future__ import annotations

import math

import numpy as np

from twin.constants import J_PER_WH, SECONDS_PER_DAY, SECONDS_PER_HOUR
from twin.kernels import inference as K
from twin.kernels import layout as L
from twin.ops.requests import PoissonArrivals, TraceArrivals

SEED_CHILD = 3   # SeedSequence(seed).spawn(4)[3]: the engine's children 0-2 are the workload and faults'


class InferenceService:
    """Replicas, queue and statistics of one run's inference (module docstring)."""

    def __init__(self, cfg, n_nodes: int, accel_per_node: int, idle_w: float, peak_w: float, seed: int,
                 trace=None, epoch_utc=None):
        """``cfg`` a :class:`twin.config.inference.Inference`; ``trace`` a request trace already read
        (:func:`twin.ops.requests.load_request_trace`) when ``cfg.arrivals`` is one; ``epoch_utc``
        the run's start (a datetime; None: midnight), for a daily cycle of arrivals."""
        self.cfg = cfg
        self.n_nodes, self.accel_per_node = n_nodes, accel_per_node
        self.accel = cfg.accelerators_per_replica
        arrival_key, service_key = np.random.SeedSequence(seed, spawn_key=(SEED_CHILD,)).generate_state(2, np.uint64)
        if cfg.arrivals.kind == "trace":
            self.source = TraceArrivals(trace)
        else:
            arr = cfg.arrivals
            peak_s = (arr.peak_hour_utc * SECONDS_PER_HOUR - seconds_of_day(epoch_utc)) % SECONDS_PER_DAY
            self.source = PoissonArrivals(arr.rate_per_s, arrival_key, arr.diurnal_amplitude, peak_s)
        self.service_key = np.uint64(service_key)
        par = np.zeros(K.N_PAR)
        par[K.P_FIXED_S] = cfg.output_tokens * cfg.step_s
        par[K.P_PER_REQUEST_S] = cfg.output_tokens * cfg.step_per_request_s
        par[K.P_MAX_BATCH] = cfg.max_batch
        par[K.P_TIMEOUT_S] = cfg.batch_timeout_s
        par[K.P_EXPONENTIAL] = 1.0 if cfg.service_distribution == "exponential" else 0.0
        par[K.P_WAIT_LIMIT_S] = cfg.wait_limit_s
        par[K.P_OBJECTIVE_S] = cfg.latency_objective_s
        par[K.P_NETWORK_S] = cfg.network_latency_s
        par[K.P_ACCEL], par[K.P_IDLE_W], par[K.P_PEAK_W] = self.accel, idle_w, peak_w
        par[K.P_MAX_QUEUE] = math.inf if cfg.max_queue is None else cfg.max_queue
        self.par = par
        slots = cfg.most_replicas
        self.node = np.full(slots, -1, np.int64)      # -1: the slot holds no replica
        self.ready_s = np.zeros(slots)                # model loaded [s]
        self.key_s = np.zeros(slots)                  # earliest it may take a batch [s]
        self.busy = np.zeros(slots, dtype=bool)
        self.work_s = np.zeros(slots)                 # full-rate work left of its batch [s]
        self.n = np.zeros(slots, np.int64)            # requests in its batch
        self.members = np.zeros((slots, cfg.max_batch))   # their arrival times [s]
        self.done = np.zeros(slots)                   # delivered for it so far [accelerator-s]
        self.lost_to_faults = np.zeros(n_nodes)       # work of batches lost with their node [accelerator-s]
        self.headroom = slots * cfg.max_batch         # queue room kept before lo: every batch in service
        self.placed_at = np.zeros(slots, np.int64)    # placement order (newest: largest)
        self.placements = 0
        self.queue = np.empty(self.headroom + 1024)   # arrival times of waiting requests: queue[lo:hi]
        self.lo = self.hi = self.headroom
        self.arrived = 0
        self.counts = np.zeros(K.N_COUNTS, np.int64)
        self.sums = np.zeros(K.N_SUMS)
        self.hist = np.zeros(K.N_HIST, np.int64)
        self.preemptions = 0
        self.replica_s = 0.0                          # ∫ replicas placed dt [s]
        self._window = (0.0, 0.0)                     # requests started and live replica-seconds, last epoch
        # what a replica serves at most, in full batches at full rate [1/s]
        self.capacity_per_s = cfg.max_batch / cfg.service_s(cfg.max_batch)

    # ------------------------------------------------------------ placement
    @property
    def placed(self) -> np.ndarray:
        return np.flatnonzero(self.node >= 0)

    def reserve(self, jobs) -> None:
        """Place the initial replicas before any job, and keep them from the training workload:
        ValueError if they do not fit."""
        want = self.cfg.replicas
        free = jobs.available()
        nodes = []
        if self.cfg.placement == "pack":
            for node in range(self.n_nodes):
                nodes += [node] * min(int(free[node]) // self.accel, want - len(nodes))
        else:
            for k in range(int(free.max(initial=0)) // self.accel):   # one replica per satellite a round,
                room = np.flatnonzero(free // self.accel > k)            # evenly spaced over the constellation
                take = min(len(room), want - len(nodes))
                nodes += [int(room[i]) for i in (np.arange(take) * len(room)) // max(take, 1)]
        if len(nodes) < want:
            raise ValueError(f"inference.replicas ({want}) x accelerators_per_replica ({self.accel}) do not fit on "
                             f"the constellation's {self.n_nodes} satellites ({len(nodes)} replicas fit)")
        for r, node in enumerate(nodes):
            self._take(jobs, r, node, 0.0, startup=False)
        floor = want if self.cfg.autoscale is None else self.cfg.autoscale.min_replicas
        jobs.capacity -= floor * self.accel

    def _take(self, jobs, r: int, node: int, now_s: float, startup: bool = True) -> None:
        jobs.free[node] -= self.accel
        jobs.busy[node] += self.accel
        self.node[r] = node
        self.ready_s[r] = now_s + (self.cfg.startup_s if startup else 0.0)
        self.key_s[r] = now_s
        self.placements += 1
        self.placed_at[r] = self.placements

    def _release(self, jobs, r: int) -> None:
        node = self.node[r]
        jobs.free[node] += self.accel
        jobs.busy[node] -= self.accel
        self.node[r] = -1
        self.busy[r] = False
        self.n[r] = 0

    def _room(self, jobs, now_s: float) -> int:
        """A working node with room for one more replica (spread: the one with fewest replicas; pack:
        the first), making room by preemption under ``priority: preempt``; -1 if there is none."""
        free = jobs.available()
        fits = np.flatnonzero(free >= self.accel)
        if len(fits):
            if self.cfg.placement == "pack":
                return int(fits[0])
            mine = np.bincount(self.node[self.node >= 0], minlength=self.n_nodes)
            return int(fits[np.argmin(mine[fits])])
        if self.cfg.priority != "preempt":
            return -1
        mine = np.bincount(self.node[self.node >= 0], minlength=self.n_nodes) * self.accel
        training = jobs.busy - mine
        can = np.flatnonzero(~jobs.down & (free + training >= self.accel))
        if not len(can):
            return -1
        node = int(can[np.argmin(self.accel - free[can])])
        victims = sorted((j for j in jobs.running if any(n == node for n, _ in j.placement)),
                         key=lambda j: (j.spec.priority, -j.run_start_s, -j.spec.job_id))
        for job in victims:
            if jobs.free[node] >= self.accel:
                break
            jobs._interrupt(job, now_s, L.EVENT_PREEMPTION, node)
            self.preemptions += 1
        return node if jobs.free[node] >= self.accel else -1

    def rebalance(self, now_s: float, jobs) -> None:
        """At a scheduler epoch, before jobs are dispatched: move replicas off failed satellites
        and follow the load (autoscale)."""
        for r in self.placed:
            if jobs.down[self.node[r]]:
                node = self._room(jobs, now_s)
                if node < 0:
                    break
                self._release(jobs, r)
                self._take(jobs, r, node, now_s)
        if self.cfg.autoscale is not None:
            self._autoscale(now_s, jobs)

    def _autoscale(self, now_s: float, jobs) -> None:
        auto = self.cfg.autoscale
        started, live = self.sums[K.F_BATCH_REQUESTS], self.sums[K.F_LIVE_S]
        d_started, d_live = started - self._window[0], live - self._window[1]
        self._window = (started, live)
        placed = self.placed
        waiting = self.hi > self.lo
        if d_live > 0.0:
            ratio = (d_started / (d_live * self.capacity_per_s)) / auto.target_utilization
            desired = len(placed) if abs(ratio - 1.0) <= auto.tolerance else math.ceil(len(placed) * ratio)
        else:
            desired = len(placed)
        if len(placed) == 0 and waiting:
            desired = max(desired, 1)
        desired = min(max(desired, auto.min_replicas), auto.max_replicas)
        if desired > len(placed):
            for r in np.flatnonzero(self.node < 0)[:desired - len(placed)]:
                node = self._room(jobs, now_s)
                if node < 0:
                    break
                self._take(jobs, int(r), node, now_s)
        elif desired < len(placed):
            idle = [int(r) for r in placed if not self.busy[r]]
            # replicas on failed satellites first, then the newest
            idle.sort(key=lambda r: (not jobs.down[self.node[r]], -self.placed_at[r]))
            for r in idle[:len(placed) - desired]:
                self._release(jobs, r)

    # ------------------------------------------------------------ faults
    def fail_nodes(self, nodes) -> None:
        """Satellites ``nodes`` went down: their replicas' batches are lost (their work leaves
        ``delivered`` for ``faults`` at the next call), and their requests go back to the head of
        the queue, in arrival order."""
        hit = np.flatnonzero(np.isin(self.node, np.asarray(list(nodes), dtype=np.int64)) & self.busy)
        if not len(hit):
            return
        np.add.at(self.lost_to_faults, self.node[hit], self.done[hit])
        back = np.concatenate([self.members[r, :self.n[r]] for r in hit])
        self.counts[K.C_REQUEUED] += len(back)
        merged = np.sort(np.concatenate((back, self.queue[self.lo:self.hi])), kind="stable")
        self._store(merged)
        self.busy[hit] = False
        self.n[hit] = 0
        self.done[hit] = 0.0

    def _store(self, waiting: np.ndarray) -> None:
        """``waiting`` (ascending) becomes the queue, with the head room the kernel needs before it."""
        if len(self.queue) < self.headroom + 2 * len(waiting) + 1024:
            self.queue = np.empty(self.headroom + 2 * len(waiting) + 1024)
        self.queue[self.headroom:self.headroom + len(waiting)] = waiting
        self.lo, self.hi = self.headroom, self.headroom + len(waiting)

    def on_faults(self, down, up, now_s: float) -> None:
        """Faults and repairs at a step boundary (the engine's ``FaultModel.apply``)."""
        if len(up):
            self.restore_nodes(up, now_s)
        if len(down):
            self.fail_nodes(down)

    def restore_nodes(self, nodes, now_s: float) -> None:
        """Satellites ``nodes`` are back: their replicas load their model again."""
        back = np.isin(self.node, np.asarray(list(nodes), dtype=np.int64))
        self.ready_s[back] = now_s + self.cfg.startup_s
        self.key_s[back] = now_s

    # ------------------------------------------------------------ the queue
    def advance(self, rate_kn: np.ndarray, heat_kn: np.ndarray, k0: int, dt_s: float, down: np.ndarray,
                acc: np.ndarray, dynamic_w: np.ndarray | None = None) -> None:
        """Serve the requests through steps k0 .. k0 + K − 1 at the node kernel's rates (K, N);
        ``dynamic_w`` (N,) [W] the power per unit rate of capped nodes (:func:`twin.ops.power_cap.dynamic_w`;
        None: no node capped, peak − idle)."""
        n_steps = rate_kn.shape[0]
        waiting = self.hi - self.lo
        if self.lo < self.headroom or self.lo - self.headroom > waiting + 65536:   # room before; drop the served
            self._store(self.queue[self.lo:self.hi].copy())
        if self.lost_to_faults.any():
            acc[L.ACC_LEDGER + L.LEDGER_DELIVERED] -= self.lost_to_faults
            acc[L.ACC_LEDGER + L.LEDGER_FAULTS] += self.lost_to_faults
            self.lost_to_faults[:] = 0.0
        before = self.hi
        self.queue, self.hi = self.source.fill(self.queue, self.hi, (k0 + n_steps) * dt_s)
        self.arrived += self.hi - before
        up = (self.node >= 0) & ~down[np.maximum(self.node, 0)]
        self.lo, self.hi = K.serve_block(k0, n_steps, dt_s, rate_kn, heat_kn, self.queue, self.lo, before, self.hi,
                                         self.node, up, self.ready_s, self.key_s, self.busy, self.work_s, self.n,
                                         self.members, self.done, self.par, self.service_key, self.counts, self.sums,
                                         self.hist, acc, dynamic_w)
        self.replica_s += len(self.placed) * n_steps * dt_s

    # ------------------------------------------------------------ output
    def metrics(self, simulated_s: float) -> dict:
        """The run's inference totals for /summary (docs/schema.md)."""
        c, s = self.counts, self.sums
        served, within = int(c[K.C_SERVED]), int(c[K.C_WITHIN])
        refused = int(c[K.C_REFUSED]) + int(c[K.C_QUEUE_FULL])
        in_service = int(self.n[self.busy].sum())
        started = served + in_service
        decided = served + refused
        attainment = within / decided if decided else math.nan
        nan = math.nan
        return {
            "inference_requests": int(self.arrived), "inference_served": served, "inference_refused": refused,
            "inference_refused_queue_full": int(c[K.C_QUEUE_FULL]),
            "inference_late": served - within, "inference_pending_at_end": int(self.hi - self.lo) + in_service,
            "inference_requeued": int(c[K.C_REQUEUED]),
            "inference_throughput_per_s": served / simulated_s if simulated_s > 0 else nan,
            "latency_mean_s": s[K.F_LATENCY_S] / served if served else nan,
            "latency_p50_s": K.hist_quantile(self.hist, 0.50),
            "latency_p99_s": K.hist_quantile(self.hist, 0.99),
            "inference_wait_mean_s": s[K.F_WAIT_S] / started if started else nan,
            "slo_attainment": attainment,
            "inference_slo_met": float(attainment >= self.cfg.objective_percentile / 100.0) if decided else nan,
            "inference_batch_mean": s[K.F_BATCH_REQUESTS] / c[K.C_BATCHES] if c[K.C_BATCHES] else nan,
            "inference_replicas_mean": self.replica_s / simulated_s if simulated_s > 0 else nan,
            "inference_utilization": s[K.F_ENGAGED_S] / s[K.F_LIVE_S] if s[K.F_LIVE_S] > 0 else nan,
            "inference_load": (s[K.F_BATCH_REQUESTS] / (s[K.F_LIVE_S] * self.capacity_per_s)
                               if s[K.F_LIVE_S] > 0 else nan),
            "inference_preemptions": self.preemptions,
            "inference_energy_wh": s[K.F_ENERGY_J] / J_PER_WH,
            "inference_energy_per_request_wh": s[K.F_ENERGY_J] / J_PER_WH / served if served else nan,
        }


def inference_service(scenario, n_nodes: int, jobs, requests=None) -> InferenceService | None:
    """The run's inference service with its initial replicas reserved in ``jobs`` (None without
    ``inference``); ``requests`` is its request trace, read by :func:`twin.engine.inputs.read_inputs`."""
    if scenario.inference is None:
        return None
    acc = scenario.spacecraft.accelerator
    service = InferenceService(scenario.inference, n_nodes, acc.count, acc.idle_power_w, acc.peak_power_w,
                               scenario.simulation.seed, requests, scenario.simulation.epoch_utc)
    service.reserve(jobs)
    return service


def replicas_fit(cfg, n_nodes: int, accel_per_node: int) -> int:
    """How many replicas of ``cfg`` fit on ``n_nodes`` empty satellites."""
    return n_nodes * (accel_per_node // cfg.accelerators_per_replica)


def seconds_of_day(epoch_utc) -> float:
    """Seconds since midnight UTC of ``epoch_utc`` (0 for None)."""
    if epoch_utc is None:
        return 0.0
    return epoch_utc.hour * SECONDS_PER_HOUR + epoch_utc.minute * 60.0 + epoch_utc.second + epoch_utc.microsecond / 1e6
