"""First-fit searches for job placement: the inner loops of :mod:`twin.ops.scheduling`.

A policy visits nodes in an order of its own; these loops stop at the first node (or the first
few nodes, for a gang) with room, so a placement costs what it visits, not the constellation.
"""
from numba import njit


@njit(cache=True)
def first_fitting(n_accel, usable, order):
    """Position in ``order`` of the first node with ``usable[node] >= n_accel``, or -1."""
    for j in range(order.shape[0]):
        if usable[order[j]] >= n_accel:
            return j
    return -1


@njit(cache=True)
def gang_fill(n_accel, usable, order, nodes_out, counts_out):
    """Gang over the first nodes in ``order`` with room: fills ``nodes_out``/``counts_out`` and
    returns the number of members, or -1 when the nodes together lack ``n_accel`` accelerators."""
    need = n_accel
    m = 0
    for j in range(order.shape[0]):
        node = order[j]
        take = min(int(usable[node]), need)
        if take > 0:
            nodes_out[m] = node
            counts_out[m] = take
            m += 1
            need -= take
            if need == 0:
                return m
    return -1
