"""The node kernel's per-node event buffers, and their gathering into one time-ordered list."""
import numpy as np
from numba import njit

from twin.kernels.layout import EVENT_ECLIPSE_ENTRY, EVENT_ECLIPSE_EXIT

EVENTS_PER_STEP = 2   # a node's events in one step, at most: an eclipse entry or exit, a mode change
#                       (twin.kernels.accumulate.emit_events)


def event_buffers(n_nodes: int, n_steps: int, held=None):
    """Per-node event buffers for a call of :func:`twin.kernels.node.advance_nodes` of ``n_steps``
    steps: (ev_step (N, cap) int32, ev_kind (N, cap) int8, ev_value (N, cap) float64,
    ev_count (N,) int64), cap = EVENTS_PER_STEP · n_steps. ``held``, buffers made before, is
    returned as it is when it is large enough: sized per call, not per segment, they cost 13 bytes
    per node and slot (a step index within a call and an event kind fit; the values stay float64)."""
    cap = EVENTS_PER_STEP * max(n_steps, 1)
    if held is not None and held[0].shape[1] >= cap:
        return held
    return (np.empty((n_nodes, cap), np.int32), np.empty((n_nodes, cap), np.int8), np.empty((n_nodes, cap)),
            np.zeros(n_nodes, np.int64))


@njit(cache=True)
def gather_events(ev_step, ev_kind, ev_value, ev_count, n_steps, k0, dt_s, entry_s, exit_s):
    """The events :func:`twin.kernels.node.advance_nodes` left in its per-node buffers, ordered
    by (time, satellite, kind), and each node's last eclipse entry and exit noted.

    A stable counting sort by step: a node's events are in step order, and within a step an
    eclipse edge comes before a mode change, as their kinds do.

    Parameters
    ----------
    ev_step, ev_kind : (N, cap) integers (:func:`event_buffers`: int32, int8); ev_value : (N, cap)
        float64; ev_count : (N,) int64: the buffers as advance_nodes filled them (step k: the event is at boundary k + 1)
    n_steps : steps of that call; k0 : its first step; dt_s : step [s]
    entry_s, exit_s : (N,) time of each node's last eclipse entry / exit [s], updated in place

    Returns
    -------
    time_s, sat, kind, value : (M,) arrays, M = ev_count.sum()
    """
    n = ev_count.shape[0]
    start = np.zeros(n_steps + 1, np.int64)
    for i in range(n):
        for s in range(ev_count[i]):
            start[ev_step[i, s] + 1] += 1
    for k in range(n_steps):
        start[k + 1] += start[k]
    total = start[n_steps]
    time_s = np.empty(total)
    sat = np.empty(total, np.int64)
    kind = np.empty(total, np.int64)
    value = np.empty(total)
    for i in range(n):
        for s in range(ev_count[i]):
            k = ev_step[i, s]
            q = start[k]
            start[k] += 1
            t = (k0 + k + 1) * dt_s
            time_s[q], sat[q], kind[q], value[q] = t, i, ev_kind[i, s], ev_value[i, s]
            if kind[q] == EVENT_ECLIPSE_ENTRY:
                entry_s[i] = t   # steps ascend: the latest wins
            elif kind[q] == EVENT_ECLIPSE_EXIT:
                exit_s[i] = t
    return time_s, sat, kind, value
