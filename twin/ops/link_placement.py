"""Placement that sees the links: a gang over several satellites goes to a group of satellites
joined by live inter-satellite links, and only where its links let it run at
``min_link_efficiency`` of its compute rate or better; otherwise it waits (docs/design.md §5).

Used by the ``topology_aware`` policy and by any policy with ``scheduler.link_aware``
(:mod:`twin.ops.scheduling`); the link graph and the traffic estimate are the run's
:class:`twin.links.network.LinkNetwork`.
"""
from __future__ import annotations

from collections import deque

import numpy as np


MAX_SEEDS = 32          # satellites tried as a group's first member, per tier: bounds a dispatch's cost
FIRST_SEEDS = 8         # of which the policy's first choices; the rest spread evenly over its order
MAX_VISITS_PER_MEMBER = 8   # a group's search visits at most this many satellites per member it needs


def linked_fit(n_accel: int, tiers, network, min_efficiency: float):
    """A placement [(node, accelerators)] of ``n_accel`` accelerators on linked satellites, from
    the first tier ``(usable, order)`` that has one running at ``min_efficiency`` or better; None
    if none does (the job waits)."""
    for usable, order in tiers:
        placement = _group(n_accel, usable, order, network, min_efficiency)
        if placement is not None:
            return placement
    return None


def _group(n_accel, usable, order, network, min_efficiency):
    start, nbr, _ = network.adjacency()
    for seed in _seeds(order, usable):
        placement = _grow(seed, n_accel, usable, start, nbr)
        if placement is not None and network.efficiency(placement, n_accel) >= min_efficiency:
            return placement
    return None


def _seeds(order, usable) -> list[int]:
    """The satellites a group may start from: the policy's first ``FIRST_SEEDS`` with usable
    accelerators, then others spread evenly over its order (groups grown from neighbouring seeds
    overlap, and fail alike)."""
    order = np.asarray(order)
    candidates = order[np.asarray(usable)[order] > 0]
    if len(candidates) <= MAX_SEEDS:
        return candidates.tolist()
    rest = candidates[FIRST_SEEDS:]
    step = len(rest) / (MAX_SEEDS - FIRST_SEEDS)
    return candidates[:FIRST_SEEDS].tolist() + [int(rest[int(i * step)]) for i in range(MAX_SEEDS - FIRST_SEEDS)]


def _grow(seed, n_accel, usable, start, nbr):
    """Satellites with usable accelerators reached from ``seed`` over live links between such
    satellites, nearest (in hops) first, until they hold ``n_accel``: a connected group of its
    own, whose ring need not cross the satellites of other jobs. The members come in the order of a depth-first walk of the search tree, so that the ring
    through them (twin.links.network) steps between near satellites and uses each direction of a
    tree link once. None if the search runs out first."""
    taken, need = {}, n_accel
    parent = {seed: -1}
    queue = deque([seed])
    budget = MAX_VISITS_PER_MEMBER * max(1, n_accel)
    while queue and budget > 0:
        node = queue.popleft()
        budget -= 1
        take = int(min(usable[node], need))
        if take > 0:
            taken[node] = take
            need -= take
            if need == 0:
                return [(member, taken[member]) for member in _depth_first(seed, parent) if member in taken]
        for e in range(start[node], start[node + 1]):
            nxt = int(nbr[e])
            if nxt not in parent and usable[nxt] > 0:
                parent[nxt] = node
                queue.append(nxt)
    return None


def _depth_first(root, parent) -> list[int]:
    """Nodes of the tree given by ``parent`` (node -> its parent, the root's -1), depth first from
    ``root``, children in the order they were reached."""
    children: dict[int, list[int]] = {}
    for node, up in parent.items():   # insertion order: the order the search reached them
        if up >= 0:
            children.setdefault(up, []).append(node)
    order, stack = [], [root]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(reversed(children.get(node, ())))
    return order


def is_linked_gang(placement) -> bool:
    """A placement over more than one satellite (the only kind the links affect)."""
    return len({node for node, _ in placement}) > 1



