"""The accelerator ledger of the nodes' free and failed accelerators over a block of steps.

Every installed accelerator-second falls to one cause (``ACC_LEDGER + LEDGER_*``, docs/design.md
§5). Those held by running jobs are accounted by :func:`twin.kernels.jobs.advance_jobs`; this
kernel takes the rest: a failed node's accelerators go to ``faults``; a working node's free ones to
``scheduling`` while some job waits (from ``waiting_from_s``: the queue's earliest submission) and
to ``no_demand`` before.
"""
from numba import njit

from twin.kernels.layout import ACC_LEDGER, LEDGER_FAULTS, LEDGER_NO_DEMAND, LEDGER_SCHEDULING


@njit(cache=True)
def ledger_free_nodes(acc, n_accel, busy_accel, down, t0_s, t1_s, waiting_from_s):
    """Add the block [t0_s, t1_s] [s since epoch] of every node's accelerators not held by a job.

    ``acc`` (N_ACC, N) incremented in place [accelerator-s]; ``n_accel`` installed per node [1];
    ``busy_accel`` (N,) held by jobs during the block [1]; ``down`` (N,) bool, failed nodes (they
    hold no job); ``waiting_from_s`` (+inf: no job waits)."""
    block_s = t1_s - t0_s
    waiting_s = max(0.0, t1_s - max(t0_s, waiting_from_s))
    for i in range(acc.shape[1]):
        if down[i]:
            acc[ACC_LEDGER + LEDGER_FAULTS, i] += n_accel * block_s
        else:
            free = n_accel - busy_accel[i]
            acc[ACC_LEDGER + LEDGER_SCHEDULING, i] += free * waiting_s
            acc[ACC_LEDGER + LEDGER_NO_DEMAND, i] += free * (block_s - waiting_s)
