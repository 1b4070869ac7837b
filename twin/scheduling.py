"""Queue and placement policies. A policy decides in Python which jobs start on which nodes; the
heavy lifting (progress, energy) is in :mod:`twin.kernels.jobs`.

A policy is a function ``place(queue, free_accel, view) -> list[(job, placement)]`` where
``placement`` is a list of ``(node, accelerators)``. ``free_accel`` (N,) int64 is the number of
unallocated accelerators per node; the policy must not modify it (the engine commits placements).
"""
from __future__ import annotations

import numpy as np


def first_fit(n_accel: int, free: np.ndarray, order: np.ndarray) -> list[tuple[int, int]] | None:
    """Nodes for a job of ``n_accel`` accelerators, visiting nodes in ``order``.

    A job that fits on one node goes to the first such node; a larger one becomes a gang over
    the first nodes that together have enough free accelerators. None if it does not fit now.
    """
    fits = order[free[order] >= n_accel]
    if len(fits):
        return [(int(fits[0]), n_accel)]
    placement, need = [], n_accel
    for node in order:
        take = min(int(free[node]), need)
        if take > 0:
            placement.append((int(node), take))
            need -= take
            if need == 0:
                return placement
    return None


def fifo(queue, free_accel: np.ndarray, view) -> list:
    """FIFO first-fit, the baseline: jobs start strictly in arrival order; the head of the queue
    blocks the rest until it fits. Blind to power and heat."""
    free = free_accel.copy()
    order = np.arange(len(free))
    started = []
    for job in queue:
        placement = first_fit(job.n_accelerators, free, order)
        if placement is None:
            break
        for node, count in placement:
            free[node] -= count
        started.append((job, placement))
    return started


POLICIES = {"fifo": fifo}
