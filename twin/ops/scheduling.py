"""Queue and placement policies. A policy decides in Python which jobs start on which nodes; the
heavy lifting (progress, energy) is in :mod:`twin.kernels.jobs`.

A policy is an object (or a plain function) with ``place(queue, free_accel, view) -> list[(job,
placement)]`` where ``placement`` is a list of ``(node, accelerators)``. ``queue`` holds the
eligible queued jobs in arrival order; ``free_accel`` (N,) int64 is the number of unallocated
accelerators per node (0 on failed nodes); ``view`` is a :class:`NodeView`. A policy must not
modify its arguments: the job book commits placements. A policy may also have ``revise(queue,
free_accel, view) -> list[action]``, called first at every epoch, whose actions act on running
jobs: ``("preempt", job)`` (roll back to the last checkpoint and requeue) or ``("migrate", job,
placement)`` (checkpoint now and move, paying the migration cost).

Policies are chosen by name in the config (``scheduler.policy``, :data:`twin.ops.policy_choice.POLICIES`):

``fifo``
    First-fit in arrival order; the head of the queue blocks the rest. Blind to power and heat.
``priority``
    Highest priority first with EASY backfilling (Lifka 1995; Mu'alem & Feitelson 2001): the
    first job that does not fit gets a reservation at the earliest time enough accelerators free
    up (running jobs' estimated ends, :func:`backfill_run_s`), and later jobs start now only if
    their estimated end is no later than it or they use accelerators the reservation does not
    need. Estimates are user runtime estimates (``Job.estimate_s``: the trace's
    ``estimate_column``, else the exact runtime × ``scheduler.runtime_overestimate``, 1 = exact),
    as production EASY schedulers plan with the run time users request; Mu'alem & Feitelson
    studied how such (mostly over-) estimates affect backfilling. A job that outlives its
    estimate keeps running (no kill at the requested time): it is then planned to end "now"
    until it does. With ``scheduler.preempt``, a blocked job preempts running jobs of strictly
    lower priority.
``power_aware``
    Arrival order; each node has a power budget, the busy accelerators its battery can carry
    through the next eclipse and its array can sustain over an orbit. Jobs pack into the nodes
    whose budget they fit most tightly (sunlit, charged nodes first on ties), and go over budget,
    to the node with the most to spare, only when no budget has room. Nodes shedding load
    (idle, safe, thermal shutdown) get nothing.
``thermal_aware``
    The same with a thermal budget: the busy accelerators whose steady heat keeps a node's
    electronics ``thermal_margin_k`` below where its throttle starts; past it, coolest nodes first.
``follow_the_sun``
    Places on the nodes that stay sunlit longest, and before a node's predicted eclipse entry
    checkpoints its jobs and migrates them to nodes that stay sunlit longer.
``power_cap``
    ``fifo``'s placement, then a power cap per node (:mod:`twin.ops.power_cap`): in eclipse the
    highest cap whose load the battery carries to the predicted exit, in sunlight full cap unless
    the next eclipse needs the energy; caps ride an eclipse where the others shed load.
``topology_aware``
    ``fifo`` whose gangs stay on linked satellites (:mod:`twin.ops.link_placement`): a gang over
    several satellites goes to a group joined by live links that carry its traffic at
    ``min_link_efficiency`` of its compute rate or better, or waits. ``scheduler.link_aware``
    does the same for any other policy's gangs.

Every policy puts a job on one node when one node can hold it, and makes a gang over several
only when none can (a gang runs at its slowest member and is hit by the faults of all of them).

References
----------
Lifka, D., "The ANL/IBM SP scheduling system", JSSPP 1995, LNCS 949, 295–303.
Mu'alem, A. W. & Feitelson, D. G., "Utilization, predictability, workloads, and user runtime
estimates in scheduling the IBM SP2 with backfilling", IEEE TPDS 12(6), 529–543, 2001.
"""
from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from twin.kernels.placement import first_fitting, gang_fill
from twin.kernels.layout import MODE_IDLE, MODE_SAFE, MODE_THERMAL_SHUTDOWN
from twin.ops.link_placement import is_linked_gang, linked_fit
from twin.ops.queue_index import demand_index

NodeView = namedtuple(
    "NodeView",
    "soc sunlit_fraction electronics_temp_k mode next_eclipse_entry_s next_eclipse_exit_s "
    "eclipse_duration_s period_s array_power_w now_s running links",
    defaults=(None,) * 12)
NodeView.__doc__ = """What a policy sees at a decision. Per node (N,): ``soc`` [1],
``sunlit_fraction`` [1] at the last step, ``electronics_temp_k`` [K], ``mode`` (layout codes),
``next_eclipse_entry_s``, ``next_eclipse_exit_s`` [s since epoch] and ``eclipse_duration_s`` [s]
(predicted, :func:`predict_eclipses`), ``period_s`` orbital period [s], ``array_power_w`` the
array's recent output in full sun [W] (NaN until measured); ``now_s`` [s]; ``running``: the
running jobs; ``links``: the run's :class:`twin.links.network.LinkNetwork` (None without links). Node fields are None when the caller has no physics (unit tests)."""

SHEDDING_MODES = (MODE_IDLE, MODE_SAFE, MODE_THERMAL_SHUTDOWN)


@dataclass(frozen=True)
class PolicyParams:
    """Knobs of the policies and the node figures they reason with (:func:`make_policy`)."""
    accel_per_node: int = 1
    preempt: bool = False                 # priority: preempt lower-priority jobs
    # power_aware: the node's power budget
    bus_w: float = 0.0                    # platform load [W]
    idle_w: float = 0.0                   # per accelerator [W]
    peak_w: float = 0.0                   # per accelerator [W]
    battery_wh: float = 0.0               # nominal capacity [Wh]
    min_soc: float = 0.0                  # battery floor [1]
    max_soc: float = 1.0                  # battery ceiling [1]
    charge_per_h: float = 0.5             # charge C-rate limit [1/h]
    charge_efficiency: float = 1.0        # [1]
    discharge_efficiency: float = 1.0     # [1]
    power_soc_margin: float = 0.1         # eclipsed nodes with soc < min_soc + this come last [1]
    # thermal_aware
    thermal_limit_k: float = np.inf       # nodes at or above this come last [K]
    heat_per_accel_k: float = 0.0         # steady electronics rise per busy accelerator [K]
    # follow_the_sun
    migration_lead_s: float = 300.0       # migrate this long before eclipse [s]
    migration_min_gain_s: float = 1200.0  # target stays sunlit this much longer [s]
    # links
    link_aware: bool = False              # gangs only on linked satellites (twin.ops.link_placement)
    min_link_efficiency: float = 0.8      # ... whose links let them run at this fraction or better [1]
    # priority: user runtime estimates (twin.ops.jobs.JobBook.estimate_s)
    runtime_overestimate: float = 1.0     # estimate / exact runtime of jobs without their own [1]


def first_fit(n_accel: int, free: np.ndarray, order: np.ndarray) -> list[tuple[int, int]] | None:
    """Nodes for a job of ``n_accel`` accelerators, visiting nodes in ``order``.

    A job that fits on one node goes to the first such node; a larger one becomes a gang over
    the first nodes that together have enough free accelerators. None if it does not fit now.
    """
    j = first_fitting(n_accel, free, order)
    if j >= 0:
        return [(int(order[j]), n_accel)]
    nodes = np.empty(min(n_accel, len(order)), dtype=np.int64)
    counts = np.empty_like(nodes)
    m = gang_fill(n_accel, free, order, nodes, counts)
    return None if m < 0 else list(zip(nodes[:m].tolist(), counts[:m].tolist()))


def tiered_fit(n_accel: int, tiers) -> list[tuple[int, int]] | None:
    """:func:`first_fit` over tiers ``[(usable, order)]``, best first: one node of any tier
    before a gang of several (a gang runs at its slowest member and is hit by the faults of
    all of them), then a gang within the first tier that can hold it."""
    for usable, order in tiers:
        j = first_fitting(n_accel, usable, order)
        if j >= 0:
            return [(int(order[j]), n_accel)]
    for usable, order in tiers:
        placement = first_fit(n_accel, usable, order)
        if placement is not None:
            return placement
    return None


def _room(usable: np.ndarray) -> int:
    """Accelerators a job could take now, on one node or a gang over several: a job needing more
    does not fit (:func:`first_fit` fills a gang from what each node has)."""
    return int(np.maximum(usable, 0).sum())


def _take(free: np.ndarray, placement, placed: np.ndarray | None = None) -> None:
    for node, count in placement:
        free[node] -= count
        if placed is not None:
            placed[node] += count


@lru_cache(maxsize=8)
def node_order(n: int) -> np.ndarray:
    """Nodes by number, 0..n-1 (read-only: shared by every call)."""
    order = np.arange(n)
    order.flags.writeable = False
    return order


def estimated_run_s(job) -> float:
    """Time a job still needs at full speed on all its accelerators (plus any stall) [s]: exact
    when no node throttles."""
    return job.remaining_accel_s / job.n_accelerators + job.stall_s


def backfill_run_s(job) -> float:
    """Time a job still needs by its runtime estimate [s], what EASY backfilling plans with:
    :func:`estimated_run_s` plus the excess of its estimate (``Job.estimate_s``, fixed at
    submission) over its exact runtime at full rate, never below zero (a job that outlives its
    estimate is planned to end now; it is not killed). For a job running at full speed since its
    start this is start + estimate − now, the planned end of EASY with user estimates; it also
    follows throttling, stalls and rollbacks as :func:`estimated_run_s` does. With an exact
    estimate (the default) the excess is 0 and this is :func:`estimated_run_s`, bit for bit."""
    run_s = estimated_run_s(job)
    excess_s = job.estimate_s - job.spec.work_accel_s / job.n_accelerators
    return run_s if excess_s == 0.0 else max(run_s + excess_s, 0.0)


class Policy:
    """First-fit in queue order; the head of the queue blocks the rest. Subclasses say where to
    look (:meth:`tiers`): a job goes to the first tier where it fits."""

    name = "base"
    uses_view = True     # False: the policy never reads node state (the engine skips building it)
    examined = 0         # queued jobs the last place() looked at (its work, whatever the queue's length)

    def __init__(self, params: PolicyParams = PolicyParams()):
        self.params = params

    def linked(self, placement, n_accel: int, tiers, view):
        """``placement`` as it is, or, for a gang over several satellites under link-aware
        placement with links in the run, one on linked satellites (None: the gang waits)."""
        if placement is None or not self.params.link_aware or view is None or view.links is None \
                or not is_linked_gang(placement):
            return placement
        return linked_fit(n_accel, tiers, view.links, self.params.min_link_efficiency)

    def tiers(self, free: np.ndarray, placed: np.ndarray, view) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[(usable accelerators per node, node order)]`` to try in turn for the next job;
        ``free`` is what is free now, ``placed`` what this epoch's decisions took already."""
        return [(free, node_order(len(free)))]

    def place(self, queue, free_accel: np.ndarray, view) -> list:
        free = free_accel.copy()
        placed = np.zeros_like(free)   # what this epoch's decisions took already
        started = []
        self.examined = 0
        for job in queue:   # a lazy walk (twin.ops.queue_index.Eligible): it stops at the head that blocks
            self.examined += 1
            tiers = self.tiers(free, placed, view)
            placement = self.linked(tiered_fit(job.n_accelerators, tiers), job.n_accelerators, tiers, view)
            if placement is None:
                break
            _take(free, placement, placed)
            started.append((job, placement))
        return started

    def __call__(self, queue, free_accel, view):
        return self.place(queue, free_accel, view)


class Fifo(Policy):
    """FIFO first-fit, the baseline: jobs start strictly in arrival order, each on the
    lowest-numbered nodes with room; the head of the queue blocks the rest until it fits.
    Blind to power and heat."""
    name = "fifo"
    uses_view = False


def fifo(queue, free_accel: np.ndarray, view) -> list:
    """:class:`Fifo` as a plain function."""
    return Fifo().place(queue, free_accel, view)


class PriorityBackfill(Policy):
    """Priority order (larger first, then arrival) with EASY backfilling; optional preemption.
    Reads only the running jobs, not the nodes."""
    name = "priority"
    uses_view = False

    @staticmethod
    def ordered(queue) -> list:
        return sorted(queue, key=lambda j: (-j.spec.priority, j.spec.submit_s, j.spec.job_id))

    def place(self, queue, free_accel, view) -> list:
        """Jobs in priority order until one does not fit (the head, which gets the reservation),
        then EASY backfilling over the rest. The walk goes by demand (twin.ops.queue_index): a
        bucket of jobs none of which could start is skipped whole, so that jobs that cannot start
        cost nothing here (:meth:`_could_start`)."""
        index, before_s = demand_index(queue)
        free = free_accel.copy()
        order = node_order(len(free))
        started = []
        room = None   # once backfilling: (now, shadow time, free accelerators, those outside the reservation)
        walk = index.merged(before_s, lambda key: room is None or self._could_start(key, index, *room))
        self.examined = 0
        head = None
        for job, self.examined in walk:
            placement = self.linked(first_fit(job.n_accelerators, free, order), job.n_accelerators,
                                    [(free, order)], view)
            if placement is None:
                head = job
                break
            _take(free, placement)
            started.append((job, placement))
        if head is None:
            return started
        now = view.now_s if view is not None and view.now_s is not None else 0.0
        running = list(view.running) if view is not None and view.running is not None else []
        shadow_s, spare = self._reservation(head, free, order, now, running, started)
        room = (now, shadow_s, _room(free), _room(np.minimum(free, spare)))
        for job, self.examined in walk:
            if now + backfill_run_s(job) <= shadow_s:
                placement = self.linked(first_fit(job.n_accelerators, free, order), job.n_accelerators,
                                        [(free, order)], view)
            else:
                usable = np.minimum(free, spare)
                placement = self.linked(first_fit(job.n_accelerators, usable, order), job.n_accelerators,
                                        [(usable, order)], view)
                if placement is not None:
                    _take(spare, placement)
            if placement is not None:
                _take(free, placement)
                started.append((job, placement))
                room = (now, shadow_s, _room(free), _room(np.minimum(free, spare)))
        return started

    @staticmethod
    def _could_start(key, index, now, shadow_s, free, outside) -> bool:
        """Whether a job of bucket ``key`` (accelerators, priority) might backfill: it needs no
        more accelerators than are free anywhere (``free``: on one node or a gang), and either no
        more than are free outside the reservation (``outside``) or an end by the shadow time (the
        bucket's least estimate: twin.ops.queue_index.DemandIndex.least). Both only tighten as
        jobs start, so a bucket refused stays refused within a pass."""
        n_accel = key[0]
        if n_accel > free:
            return False
        return n_accel <= outside or now + index.least(key, backfill_run_s) <= shadow_s

    @staticmethod
    def _reservation(head, free, order, now, running, started):
        """Shadow time [s] at which ``head`` can start by the running jobs' estimated ends, and the
        accelerators per node that are free then and not needed by it (EASY's "extra" nodes)."""
        ends = [(now + backfill_run_s(j), j.spec.job_id, j.placement) for j in running]
        ends += [(now + backfill_run_s(j), j.spec.job_id, p) for j, p in started]
        ends.sort(key=lambda e: (e[0], e[1]))
        future = free.copy()
        for end_s, _, placement in ends:
            for node, count in placement:
                future[node] += count
            reserved = first_fit(head.n_accelerators, future, order)
            if reserved is not None:
                _take(future, reserved)
                return end_s, future
        # not even when everything running has ended (nodes down): nothing to protect
        return np.inf, np.full_like(free, np.iinfo(free.dtype).max // 2)

    def revise(self, queue, free_accel, view) -> list:
        """Preempt lower-priority running jobs for the most important blocked job."""
        if not self.params.preempt or not queue or view is None or not view.running:
            return []
        index, before_s = demand_index(queue)
        head = next(index.merged(before_s, lambda key: True))[0]
        order = node_order(len(free_accel))

        def fits(free) -> bool:   # where the head could start (on linked satellites, if link-aware)
            return self.linked(first_fit(head.n_accelerators, free, order), head.n_accelerators,
                               [(free, order)], view) is not None

        if fits(free_accel):
            return []
        victims = sorted((j for j in view.running if j.spec.priority < head.spec.priority),
                         key=lambda j: (j.spec.priority, -j.run_start_s, -j.spec.job_id))
        future = free_accel.copy()
        chosen = []
        for job in victims:
            for node, count in job.placement:
                future[node] += count
            chosen.append(job)
            if fits(future):
                return [("preempt", j) for j in chosen]
        return []


class TopologyAware(Fifo):
    """:class:`Fifo` whose gangs stay on linked satellites that carry their traffic
    (``link_aware`` always on)."""
    name = "topology_aware"
