"""What a job's checkpoints, restores and migrations cost, and when its timer fires
(docs/design.md §5, "Checkpoints"; the config is :mod:`twin.config.checkpointing`).

A job's state of S bytes (:meth:`CheckpointCosts.state_bytes`) is held in shards, one per
satellite of its placement, as sharded data-parallel checkpoints are (each rank writes its part).

- **Checkpoint**: each satellite writes its shard S/m to its own storage at ``write_gbps``, all in
  parallel: δ = S / (m · B_write). The job stalls for (1 − overlap) · δ and the checkpoint
  counts once that is served (:func:`twin.kernels.jobs.advance_jobs`).
- **Restore** after a rollback (a fault or a preemption): the shards are read where they were
  written, at ``read_gbps``, if the job restarts there, else moved to where it restarts as a
  migration moves them. A restart always restores, even with no checkpoint yet (the job reloads
  its initial state), as the expected-time formula of Daly 2006 assumes.
- **Migration**: each shard goes from an old satellite to a new one (a satellite it keeps keeps
  its shard), over the fewest-hop path of live inter-satellite links at its bottleneck (each
  link's capacity shared with the jobs routed over it, this transfer one more:
  :meth:`twin.links.network.LinkNetwork.path_bps`), or over the relay off the constellation
  (``relay_gbps``) where no path is faster; the shards move in parallel, and the migration takes
  as long as the slowest. Rates are those at the decision, held for the transfer; the transfer's
  own traffic does not slow the links' other jobs.

While a job stalls it holds its accelerators, which draw the power of their node's compute rate,
as communication-bound accelerators do in twin (docs/design.md §5); the accelerator-seconds go to
the ledger's ``overhead``.

**The timer** (``checkpoint_interval_s``): a fixed compute time between checkpoints, or Young's
optimum (Young, "A first order approximation to the optimum checkpoint interval", Commun. ACM
17(9), 530–531, 1974) with Daly's first-order correction, τ = √(2δM) − δ (Daly, "A higher order
estimate of the optimum checkpoint interval for restart dumps", Future Gener. Comput. Syst. 22(3),
303–312, 2006), for the job's blocking write time δ and the mean time between failures M of its
satellites: 1/M = Σ over its satellites of 1/``mtbf_h`` + the upset rate at the orbit's mean
time in the SAA (:func:`saa_time_fraction`). Scripted outages are not random and are not
counted. For δ ≥ 2M (where √(2δM) − δ ≤ 0) Daly prescribes τ = M.
"""
from __future__ import annotations

import math

import numpy as np

from twin.constants import BPS_PER_GBPS, SECONDS_PER_DAY, SECONDS_PER_HOUR

BYTES_PER_GB = 1e9
BITS_PER_BYTE = 8.0
MIN_INTERVAL_S = 1.0   # a free checkpoint (δ = 0) would be taken continuously: every step will do


def young_daly_interval_s(write_s: float, mtbf_s: float) -> float:
    """Young/Daly's optimal compute time between checkpoints [s], first order: √(2δM) − δ for a
    checkpoint that costs ``write_s`` = δ [s] and failures at mean interval ``mtbf_s`` = M [s];
    M when δ ≥ 2M (Daly 2006); infinite without failures; at least :data:`MIN_INTERVAL_S`."""
    if not math.isfinite(mtbf_s):
        return math.inf
    if write_s >= 2.0 * mtbf_s:
        return mtbf_s
    return max(math.sqrt(2.0 * write_s * mtbf_s) - write_s, MIN_INTERVAL_S)


def saa_time_fraction(inclination_rad, center_lat_deg: float, semi_axis_lon_deg: float,
                      semi_axis_lat_deg: float, samples: int = 3600) -> np.ndarray:
    """Long-run share of time a circular orbit of inclination ``inclination_rad`` (N,) spends in
    the SAA ellipse of :func:`twin.ops.faults.in_saa` [1].

    The sub-satellite latitude is asin(sin i · sin u) with the argument of latitude u uniform in
    time; over many days the Earth's rotation makes the longitude uniform and independent of it,
    so the share is the mean over u of the ellipse's longitude width at that latitude over 360°
    (the ellipse's centre longitude does not matter). Midpoint rule over ``samples`` values of u."""
    u = (np.arange(samples) + 0.5) * (2.0 * np.pi / samples)
    incl = np.atleast_1d(np.asarray(inclination_rad, dtype=np.float64))
    lat_deg = np.degrees(np.arcsin(np.sin(incl)[:, None] * np.sin(u)[None, :]))
    dlat = (lat_deg - center_lat_deg) / semi_axis_lat_deg
    width_deg = 2.0 * semi_axis_lon_deg * np.sqrt(np.clip(1.0 - dlat ** 2, 0.0, None))
    return np.minimum(width_deg, 360.0).mean(axis=1) / 360.0


def node_failure_rate_per_s(faults, inclination_rad) -> np.ndarray:
    """Each node's rate of random failures and radiation upsets [1/s] (N,) from the config's
    ``faults`` section: 1/mtbf + the upset rate outside the SAA and inside it, weighted by the
    orbit's time there (:func:`saa_time_fraction`)."""
    incl = np.asarray(inclination_rad, dtype=np.float64)
    rate = np.full(incl.shape, 1.0 / (faults.mtbf_h * SECONDS_PER_HOUR) if faults.mtbf_h else 0.0)
    if faults.upset_rate_per_day > 0 or faults.saa_upset_rate_per_day > 0:
        inside = saa_time_fraction(incl, faults.saa_center_lat_deg, faults.saa_semi_axis_lon_deg,
                                   faults.saa_semi_axis_lat_deg)
        rate += (faults.upset_rate_per_day * (1.0 - inside) + faults.saa_upset_rate_per_day * inside) / SECONDS_PER_DAY
    return rate


def _satellites(placement) -> list[int]:
    return list(dict.fromkeys(int(node) for node, _ in placement))


class CheckpointCosts:
    """The checkpoint, restore and migration costs of a run's jobs (module docstring); a plain
    object, pickled with the job book in a checkpoint.

    ``cfg``: :class:`twin.config.checkpointing.CheckpointCost`; ``model_params`` [1];
    ``interval``: seconds or ``"young_daly"``; ``failure_rate_per_s`` (N,) per node
    (:func:`node_failure_rate_per_s`); ``migration_cost_s``: a fixed migration stall [s], or None
    for the state moved over its path."""

    def __init__(self, cfg, model_params: float, interval, failure_rate_per_s, migration_cost_s=None):
        self.default_bytes = (cfg.size_gb * BYTES_PER_GB if cfg.size_gb is not None
                              else model_params * cfg.bytes_per_param)
        self.write_bytes_per_s = cfg.write_gbps * BPS_PER_GBPS / BITS_PER_BYTE
        self.read_bytes_per_s = cfg.read_gbps * BPS_PER_GBPS / BITS_PER_BYTE
        self.relay_bps = cfg.relay_gbps * BPS_PER_GBPS
        self.blocking = 1.0 - cfg.overlap
        self.young_daly = interval == "young_daly"
        self.failure_rate_per_s = np.asarray(failure_rate_per_s, dtype=np.float64)
        self.migration_cost_s = migration_cost_s
        self.before_eclipse, self.eclipse_lead_s = cfg.before_eclipse, cfg.eclipse_lead_s
        self.stored: dict[int, list[int]] = {}   # job_id -> satellites holding its state, until it restarts
        self.eclipse_checkpoints = 0

    # ------------------------------------------------------------ sizes and times
    def state_bytes(self, job) -> float:
        """The job's state [B]: its own (a trace column), else the run's."""
        own = job.spec.checkpoint_bytes
        return self.default_bytes if math.isnan(own) else own

    def write_s(self, job, n_sats: int) -> float:
        """Time to write the job's state, one shard per satellite in parallel [s]."""
        return self.state_bytes(job) / max(n_sats, 1) / self.write_bytes_per_s

    def stall_s(self, job, n_sats: int) -> float:
        """The part of a checkpoint write the job waits for [s]."""
        return self.blocking * self.write_s(job, n_sats)

    def mtbf_s(self, sats) -> float:
        """Mean time between failures of a job on satellites ``sats`` [s] (inf: none fail)."""
        rate = float(self.failure_rate_per_s[list(sats)].sum())
        return 1.0 / rate if rate > 0.0 else math.inf

    def interval_s(self, job, sats) -> float:
        """The job's timer on satellites ``sats`` [s]: its own, or Young/Daly's."""
        if not self.young_daly:
            return job.spec.checkpoint_interval_s
        return young_daly_interval_s(self.stall_s(job, len(sats)), self.mtbf_s(sats))

    def move_s(self, job, src, dst, links, from_storage: bool) -> float:
        """Time to move the job's shards from satellites ``src`` to ``dst`` [s] (module
        docstring); a shard that stays on its satellite costs a read ``from_storage``, else nothing."""
        if not src:
            return 0.0
        shard_bytes = self.state_bytes(job) / len(src)
        stay = [s for s in src if s in dst]
        free = [d for d in dst if d not in src] or list(dst)
        longest = shard_bytes / self.read_bytes_per_s if stay and from_storage else 0.0
        for i, s in enumerate(s for s in src if s not in dst):
            rate_bps = max(self._path_bps(links, s, free[i % len(free)]), self.relay_bps)
            longest = max(longest, shard_bytes * BITS_PER_BYTE / rate_bps)
        return longest

    @staticmethod
    def _path_bps(links, src: int, dst: int) -> float:
        """Rate of the fewest-hop path of live links [bit/s], shared with the jobs on it (0: none)."""
        if links is None:
            return 0.0
        hop = links.path(src, dst)
        if not hop:
            return 0.0
        return links.path_bps((hop, [1.0] * len(hop)), extra=True)

    # ------------------------------------------------------------ the job book's hooks
    def placed(self, job, slots, placement) -> None:
        """``job`` now holds ``placement`` in its slot of ``slots``: its timer and write stall there."""
        sats = _satellites(placement)
        slots.checkpoint_interval_s[job._slot] = self.interval_s(job, sats)
        slots.write_stall_s[job._slot] = self.stall_s(job, len(sats))

    def migration_s(self, job, placement, links) -> float:
        """The stall of ``job`` moving from its placement to ``placement`` [s]."""
        if self.migration_cost_s is not None:
            return self.migration_cost_s
        return self.move_s(job, _satellites(job.placement), _satellites(placement), links, from_storage=False)

    def interrupted(self, job) -> None:
        """``job`` rolls back: its state stays on the satellites it ran on."""
        self.stored[job.spec.job_id] = _satellites(job.placement)

    def restore_s(self, job, placement, links) -> float:
        """The stall of ``job`` starting on ``placement`` [s]: a restore if it was interrupted, else 0."""
        src = self.stored.pop(job.spec.job_id, None)
        if src is None:
            return 0.0
        return self.move_s(job, src, _satellites(placement), links, from_storage=True)

    def checkpoint_before_eclipse(self, running, view, now_s: float) -> None:
        """Checkpoint the running jobs (not stalled) one of whose satellites enters its predicted
        eclipse within ``eclipse_lead_s`` while all are sunlit, unless they checkpointed since that
        window opened (their compute time since the last checkpoint is at most the window's age)."""
        if view is None or view.next_eclipse_entry_s is None:
            return
        entry, sunlit = view.next_eclipse_entry_s, view.sunlit_fraction >= 0.5
        for job in running:
            if job.stall_s > 0.0:
                continue
            sats = _satellites(job.placement)
            to_entry = float(entry[sats].min()) - now_s
            if not (0.0 <= to_entry <= self.eclipse_lead_s) or not sunlit[sats].all():
                continue
            if job.remaining_accel_s / job.n_accelerators <= to_entry:
                continue                       # it ends before the eclipse
            if job.since_checkpoint_s <= self.eclipse_lead_s - to_entry:
                continue
            job.since_checkpoint_s = 0.0
            self.eclipse_checkpoints += 1
            stall = self.stall_s(job, len(sats))
            if stall > 0.0:
                job.stall_s = stall            # the kernel counts the checkpoint once it is served
            else:
                job.checkpoint_work_accel_s = job.done_accel_s


def checkpoint_costs(scenario, sats) -> CheckpointCosts | None:
    """The run's :class:`CheckpointCosts` from its config on satellites ``sats`` (a
    :class:`twin.orbits.SatelliteSet`); None when checkpoints are free (``size_gb: 0``, no trace
    column) with a fixed timer and no eclipse checkpoints: twin's model before checkpoint costs."""
    workload = scenario.workload
    cfg = workload.checkpoint
    declared = workload.kind == "trace" and workload.mapping.checkpoint_gb_column is not None
    if cfg.size_gb == 0 and workload.checkpoint_interval_s != "young_daly" and not declared \
            and not cfg.before_eclipse:
        return None
    inclination_rad = np.array([r.inclo for r in sats.satrecs], dtype=np.float64)
    return CheckpointCosts(cfg, workload.communication.model_params, workload.checkpoint_interval_s,
                           node_failure_rate_per_s(scenario.faults, inclination_rad),
                           scenario.scheduler.migration_cost_s)
