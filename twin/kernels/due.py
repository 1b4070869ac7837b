"""Where the fault and radiation models' next events fall: the earliest step index over all
nodes, in one pass instead of the handful of numpy masks and reductions it takes otherwise
(each a call of a few µs, every segment of every run with faults on; benchmarks/RESULTS.md).
"""
from numba import njit


@njit(cache=True)
def next_fault_step(down_until, next_failure, never):
    """The first step at which a node comes back (``down_until[i]`` >= 0: down) or fails
    (``next_failure[i]``, for a node that is up); ``never`` if none (int64 step indices)."""
    first = never
    for i in range(down_until.shape[0]):
        step = down_until[i] if down_until[i] >= 0 else next_failure[i]
        if step < first:
            first = step
    return first


@njit(cache=True)
def first_pending(steps, done, never):
    """The smallest ``steps[i]`` of the nodes whose ``done[i]`` is False; ``never`` if none."""
    first = never
    for i in range(steps.shape[0]):
        if not done[i] and steps[i] < first:
            first = steps[i]
    return first
