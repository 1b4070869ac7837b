"""The policies that read the nodes' state (:mod:`twin.ops.scheduling` describes them all):
``power_aware`` (a power budget per node), ``thermal_aware`` (a thermal one) and
``follow_the_sun`` (the nodes that stay sunlit longest, and migration before eclipse). Each is a
:class:`twin.ops.scheduling.Policy` that orders and limits the nodes (``tiers``); the queue is
taken in arrival order and its head blocks the rest, as for ``fifo``.
"""
from __future__ import annotations

import numpy as np

from twin.constants import J_PER_WH, SECONDS_PER_HOUR
from twin.ops.scheduling import SHEDDING_MODES, Policy, _take, estimated_run_s, first_fit


def _have(view, field: str) -> bool:
    return view is not None and getattr(view, field) is not None


class PowerAware(Policy):
    """Nodes with the most power to spare first: the accelerators a node can still power, both
    through its next eclipse (:meth:`eclipse_budget`) and on average over an orbit
    (:meth:`orbit_budget`), less those it runs; ties go to sunlit nodes, then to fuller
    batteries. Nodes shedding load (idle, safe, thermal shutdown) get nothing; eclipsed nodes
    within ``power_soc_margin`` of the battery floor come last."""
    name = "power_aware"

    def _accelerators(self, load_w):
        """Busy accelerators a node load of ``load_w`` [W] pays for, bus and idle accelerators
        first [1]."""
        p = self.params
        dynamic_w = max(p.peak_w - p.idle_w, 1e-9)
        return np.floor((load_w - p.bus_w - p.accel_per_node * p.idle_w) / dynamic_w)

    def orbit_budget(self, view) -> np.ndarray:
        """Busy accelerators the array can sustain over a whole orbit [1] (N,): a constant load
        L over sunlit time t_s and eclipse t_e balances when (P − L)·t_s·η_c = L·t_e/η_d, i.e.
        L = P·t_s·η_c / (t_s·η_c + t_e/η_d), P the array's full-sun output."""
        p = self.params
        t_e = np.minimum(view.eclipse_duration_s, view.period_s)
        t_s = view.period_s - t_e
        never = np.isinf(view.next_eclipse_entry_s) & (view.sunlit_fraction >= 0.5)
        t_e = np.where(never, 0.0, t_e)
        t_s = np.where(never, view.period_s, t_s)
        load_w = view.array_power_w * t_s * p.charge_efficiency / (
            t_s * p.charge_efficiency + t_e / p.discharge_efficiency)
        budget = np.clip(self._accelerators(load_w), 0, p.accel_per_node)
        return np.where(np.isnan(load_w), p.accel_per_node, budget).astype(np.int64)

    def eclipse_budget(self, view) -> np.ndarray:
        """Busy accelerators each node can run through its next (or present) eclipse [1] (N,).

        Usable energy: eclipsed nodes have what is above the floor now; sunlit nodes what they
        will have at eclipse entry, charging at most at the C-rate limit until then. Load that
        energy can carry over the eclipse, less bus and idle accelerators, over the dynamic
        power of one accelerator."""
        p = self.params
        eclipsed = view.sunlit_fraction < 0.5
        to_entry_h = np.clip(np.nan_to_num(view.next_eclipse_entry_s - view.now_s, posinf=1e9), 0, 1e9) / SECONDS_PER_HOUR
        soc_at_entry = np.where(eclipsed, view.soc,
                                np.minimum(p.max_soc, view.soc + p.charge_per_h * to_entry_h))
        energy_j = np.maximum(soc_at_entry - p.min_soc, 0.0) * p.battery_wh * J_PER_WH
        left_s = np.where(eclipsed, np.nan_to_num(view.next_eclipse_exit_s - view.now_s, nan=0.0),
                          view.eclipse_duration_s)
        never = ~eclipsed & np.isinf(view.next_eclipse_entry_s)
        budget = self._accelerators(energy_j / np.maximum(left_s, 1.0))
        return np.where(never, p.accel_per_node, np.clip(budget, 0, p.accel_per_node)).astype(np.int64)

    def tiers(self, free, placed, view):
        if not _have(view, "soc"):
            return super().tiers(free, placed, view)
        p = self.params
        eclipsed = view.sunlit_fraction < 0.5
        usable = ~np.isin(view.mode, SHEDDING_MODES)
        low = eclipsed & (view.soc < p.min_soc + p.power_soc_margin)
        spare = np.minimum(self.eclipse_budget(view), self.orbit_budget(view)) - (p.accel_per_node - free)
        index = np.arange(len(free))
        packed = np.lexsort((index, -view.soc, eclipsed, spare, low))      # tightest budget first
        roomy = np.lexsort((index, -view.soc, eclipsed, -spare, low))      # most to spare first
        within = np.clip(spare, 0, free)
        return [(within, packed[usable[packed]]), (free, roomy[usable[roomy]])]


class ThermalAware(Policy):
    """Nodes with thermal headroom: a node may take the busy accelerators whose steady heat
    (``heat_per_accel_k`` each) keeps its electronics below ``thermal_limit_k``, counting the
    accelerators this epoch's decisions gave it already; jobs pack into the nodes with the least
    headroom that still fits (keeping cool nodes free for large jobs), and go to the coolest
    nodes only when no node has headroom for them. Nodes shedding load get nothing."""
    name = "thermal_aware"

    def headroom(self, placed, view) -> np.ndarray:
        """Busy accelerators each node can still add below the limit [1] (N,)."""
        p = self.params
        margin_k = p.thermal_limit_k - view.electronics_temp_k
        fit = np.floor(margin_k / max(p.heat_per_accel_k, 1e-9)) if p.heat_per_accel_k > 0 else \
            np.where(margin_k > 0, p.accel_per_node, 0)
        return np.clip(fit - placed, 0, p.accel_per_node).astype(np.int64)

    def tiers(self, free, placed, view):
        if not _have(view, "electronics_temp_k"):
            return super().tiers(free, placed, view)
        usable = ~np.isin(view.mode, SHEDDING_MODES)
        room = self.headroom(placed, view)
        projected = view.electronics_temp_k + self.params.heat_per_accel_k * placed
        index = np.arange(len(free))
        packed = np.lexsort((index, room))
        coolest = np.lexsort((index, projected))
        return [(np.minimum(room, free), packed[usable[packed]]), (free, coolest[usable[coolest]])]


class FollowTheSun(Policy):
    """Work goes where the Sun shines longest, and leaves a node before its eclipse."""
    name = "follow_the_sun"

    @staticmethod
    def _sun_order(view, n: int) -> np.ndarray:
        """Sunlit nodes by predicted eclipse entry (latest first), then eclipsed nodes by
        predicted exit (soonest first); nodes shedding load last."""
        eclipsed = view.sunlit_fraction < 0.5
        shedding = np.isin(view.mode, SHEDDING_MODES)
        key = np.where(eclipsed, view.next_eclipse_exit_s, -view.next_eclipse_entry_s)
        return np.lexsort((np.arange(n), key, eclipsed, shedding))

    def tiers(self, free, placed, view):
        if not _have(view, "next_eclipse_entry_s"):
            return super().tiers(free, placed, view)
        return [(free, self._sun_order(view, len(free)))]

    def revise(self, queue, free_accel, view) -> list:
        """Checkpoint-and-migrate the jobs whose nodes enter eclipse within the lead time (or
        are in eclipse) to nodes that stay sunlit at least ``migration_min_gain_s`` longer."""
        if not _have(view, "next_eclipse_entry_s") or not view.running:
            return []
        p, now = self.params, view.now_s
        entry, eclipsed = view.next_eclipse_entry_s, view.sunlit_fraction < 0.5
        target = ~eclipsed & (entry - now >= p.migration_lead_s + p.migration_min_gain_s)
        target &= ~np.isin(view.mode, SHEDDING_MODES)
        order = np.lexsort((np.arange(len(free_accel)), -entry))
        order = order[target[order]]
        free = free_accel.copy()
        urgent = []
        for job in view.running:
            if job.stall_s > 0.0:     # restoring after a migration: let it work
                continue
            nodes = np.array([node for node, _ in job.placement])
            if eclipsed[nodes].any():
                leave_by = now
            else:
                first_entry = entry[nodes].min()
                if first_entry - p.migration_lead_s > now or now + estimated_run_s(job) <= first_entry:
                    continue          # eclipse not yet close, or the job ends before it
                leave_by = first_entry - p.migration_lead_s
            urgent.append((leave_by, job.spec.job_id, job, nodes))
        urgent.sort(key=lambda u: (u[0], u[1]))
        actions = []
        for _, _, job, nodes in urgent:
            elsewhere = order[~np.isin(order, nodes)]
            placement = self.linked(first_fit(job.n_accelerators, free, elsewhere), job.n_accelerators,
                                    [(free, elsewhere)], view)
            if placement is not None:
                _take(free, placement)
                actions.append(("migrate", job, placement))
        return actions
