"""The ``power_cap`` policy: lower the accelerators' power cap to ride an eclipse rather than shed.

Placement is :class:`twin.ops.scheduling.Fifo`'s; what the policy adds is a decision the engine
applies after every dispatch (:meth:`PowerCap.power_caps`): the power cap of each node's
accelerators for the next epoch (``spacecraft.accelerator.power_curve`` says what throughput it
leaves, :mod:`twin.config.power_cap`). The node kernel does the rest: a busy accelerator under cap
c draws at most c × peak and progresses at throughput(c) × its throttle; what the cap takes goes to
the ledger's ``power`` cause.

The plan, per node, from what a policy sees (:class:`twin.ops.scheduling.NodeView`: state of
charge, the predicted eclipse from :func:`twin.ops.eclipses.predict_eclipses`, the array's full-Sun
output) and the accelerators its jobs hold, b:

- The node's load at cap c is L(c) = bus + n·idle + b·(c·peak − idle) [W].
- In eclipse: the cap whose load the battery's usable energy (above ``min_soc`` plus
  ``scheduler.power_cap_reserve_soc``, times the discharge efficiency) carries to the predicted
  exit. Re-planned at every epoch, so heaters and errors of the prediction are caught up on.
- In sunlight: full cap (1) if the battery, charged from what the array leaves over the load at
  full cap until the predicted entry (at most the C-rate limit, times the charge efficiency; or
  drained by the array's shortfall), then carries the eclipse at the curve's lowest cap or
  better; otherwise the highest cap that leaves it enough energy for that (the lowest cap, if
  even that cannot). So a node whose array carries its full load rides the eclipse on a lowered
  cap and runs at full cap in sunlight; one whose array cannot (a high beta angle) is capped in
  sunlight too.
- A node with no job (b = 0), or no eclipse predicted, or whose array has not been seen in
  sunlight yet, runs uncapped.

A constant cap through an eclipse does the most work with a given energy where throughput is
concave in power, as measured curves are; the plan does not look past the next eclipse.
"""
from __future__ import annotations

import numpy as np

from twin.config.power_cap import throughput_at
from twin.constants import J_PER_WH, SECONDS_PER_HOUR
from twin.kernels import layout as L
from twin.ops.scheduling import Fifo

MIN_PLAN_S = 60.0   # s: the shortest eclipse (or rest of one) a cap is planned over, against dividing by ~0


class PowerCap(Fifo):
    """:class:`Fifo` placement whose nodes ride eclipses on a lowered power cap (module docstring)."""
    name = "power_cap"
    uses_view = False   # placement does not look at nodes; the caps do (:meth:`power_caps`)

    def __init__(self, params, scheduler, spacecraft):
        super().__init__(params)
        acc = spacecraft.accelerator
        self.curve = tuple(tuple(p) for p in acc.power_curve)
        self.lowest_cap = acc.lowest_cap
        self.reserve_soc = scheduler.power_cap_reserve_soc

    def load_w(self, cap, busy) -> np.ndarray:
        """A node's load at cap ``cap`` [1] with ``busy`` accelerators busy (N,) [W]."""
        p = self.params
        return p.bus_w + p.accel_per_node * p.idle_w + busy * (cap * p.peak_w - p.idle_w)

    def cap_for(self, load_w, busy) -> np.ndarray:
        """The cap [1] whose load is ``load_w`` [W] with ``busy`` accelerators busy, within the
        curve's range; 1 on nodes without a busy accelerator."""
        p = self.params
        dynamic_w = np.maximum(busy, 1e-300) * p.peak_w
        cap = (load_w - self.load_w(0.0, busy)) / dynamic_w
        return np.where(busy > 0, np.clip(np.nan_to_num(cap, nan=1.0), self.lowest_cap, 1.0), 1.0)

    def caps(self, view, busy) -> np.ndarray:
        """The cap of each node's accelerators for the next epoch (N,) [1] (module docstring)."""
        p = self.params
        busy = np.asarray(busy, dtype=np.float64)
        battery_j = p.battery_wh * J_PER_WH
        stored_j = view.soc * battery_j
        floor_j = (p.min_soc + self.reserve_soc) * battery_j
        ceiling_j = p.max_soc * battery_j
        eclipsed = view.sunlit_fraction < 0.5
        # in eclipse: what the battery carries to the predicted exit
        # (an exit predicted now or past, e.g. for a node that started the run in eclipse and has seen
        # no entry: as long as the longest eclipse, the prediction's own fallback)
        left_s = np.nan_to_num(view.next_eclipse_exit_s - view.now_s, nan=0.0)
        left_s = np.where(left_s > 0.0, np.maximum(left_s, MIN_PLAN_S), np.maximum(view.eclipse_duration_s, MIN_PLAN_S))
        in_eclipse = self.cap_for(np.maximum(stored_j - floor_j, 0.0) * p.discharge_efficiency / left_s, busy)
        # in sunlight: full cap if the eclipse can then be ridden at the lowest cap or better
        array_w = view.array_power_w
        to_entry_s = np.maximum(np.nan_to_num(view.next_eclipse_entry_s - view.now_s, posinf=0.0), 0.0)
        eclipse_s = np.maximum(view.eclipse_duration_s, MIN_PLAN_S)
        charge_w = p.charge_per_h * battery_j / SECONDS_PER_HOUR
        surplus_w = np.nan_to_num(array_w - self.load_w(1.0, busy))
        net_w = np.where(surplus_w >= 0, p.charge_efficiency * np.minimum(surplus_w, charge_w),
                         surplus_w / p.discharge_efficiency)
        at_entry_j = np.minimum(stored_j + net_w * to_entry_s, ceiling_j)
        need_j = self.load_w(self.lowest_cap, busy) * eclipse_s / p.discharge_efficiency   # above the floor
        # otherwise the highest cap whose sunlit load leaves the battery that energy at entry
        rate_w = (floor_j + need_j - stored_j) / np.maximum(to_entry_s, MIN_PLAN_S)   # net power needed in
        allowed_w = np.where(rate_w > 0, array_w - np.minimum(rate_w / p.charge_efficiency, charge_w),
                             array_w - rate_w * p.discharge_efficiency)
        in_sun = np.where(at_entry_j - floor_j >= need_j, 1.0, self.cap_for(allowed_w, busy))
        plan = np.isfinite(view.next_eclipse_entry_s) & np.isfinite(array_w)
        return np.where(eclipsed, in_eclipse, np.where(plan, in_sun, 1.0))

    def power_caps(self, view, busy, state) -> None:
        """Set the caps of :meth:`caps` and the throughput they leave in the node ``state``."""
        cap = self.caps(view, busy)
        state[L.STATE_POWER_CAP] = cap
        state[L.STATE_CAP_THROUGHPUT] = throughput_at(cap, self.curve)


def dynamic_w(state, idle_w: float, peak_w: float):
    """A busy accelerator's power above idle per unit of its node's rate (N,) [W], (cap × peak −
    idle) / throughput at the cap (the rate is throughput × throttle); None where no node is
    capped (every accelerator: peak − idle), as :func:`twin.kernels.jobs.advance_jobs` takes it."""
    cap = state[L.STATE_POWER_CAP]
    if np.all(cap == 1.0):
        return None
    return (cap * peak_w - idle_w) / state[L.STATE_CAP_THROUGHPUT]
