"""The links of a run and the gangs that use them (docs/design.md §5, "Links").

:class:`LinkNetwork` holds the candidate links (the topology), advances their geometry and
capacity over each block of steps with :func:`twin.kernels.links.link_block`, and, at every
scheduler epoch, routes each running gang: the ring of its member satellites (in placement
order, as ring all-reduce passes data), each hop by the fewest live links. A link used by several
jobs is split evenly between them (``link_jobs``: the loads on each link). The job kernel
(:func:`twin.kernels.jobs.advance_jobs`) then lets each job progress at the rate its slowest link
allows, step by step; a link that drops between epochs stops the jobs routed over it until the
next epoch routes them around it.

A job's traffic per step (``comm_bits``) follows the workload's ``communication`` block
(:class:`twin.config.sections.Communication`).
"""
from __future__ import annotations

import math
import numpy as np

from twin.constants import BPS_PER_GBPS, EARTH_RADIUS_M, M_PER_KM
from twin.kernels.layout import ACC_LINK_CAPACITY, ACC_LINKS, MODE_SAFE
from twin.kernels.jobs import communicating_rate
from twin.kernels.links import fewest_hops, link_block

BITS_PER_BYTE = 8.0
NO_PATH = -1   # a route's link id where a hop has no path (the job cannot communicate)
ROUTE_CACHE_SIZE = 100_000   # placements whose routes are remembered while the live links stay the same
JOIN_K = 8     # nearest: spare terminals may bridge groups of satellites to any of the k + JOIN_K nearest


class Traffic:
    """What a job sends per step over its slowest path (the workload's ``communication``)."""

    def __init__(self, communication, bus_bps: float):
        self.kind = communication.kind
        self.bus_bps = bus_bps
        if self.kind == "flat":
            # a fixed rate R at full speed is R x 1 s of bits per 1-s step, fully overlapped:
            # the job then runs at min(compute rate, path rate / R)
            self.step_s, self.overlap = 1.0, 1.0
            self.flat_bits = communication.gbps_per_member * BPS_PER_GBPS
        else:
            self.step_s, self.overlap = communication.step_time_s, communication.overlap
            self.gradient_bits = communication.model_params * communication.bytes_per_param * BITS_PER_BYTE

    def bits(self, n_sats: int, n_accelerators: int) -> float:
        """Bits each member sends per step [bit]: ring all-reduce over the ``n_sats`` satellites
        (2(m−1)/m of the gradient), or over the accelerators of one satellite, on its bus."""
        if self.kind == "none":
            return 0.0
        if self.kind == "flat":
            return self.flat_bits if n_sats > 1 else 0.0
        ring = n_sats if n_sats > 1 else n_accelerators
        return 2.0 * (ring - 1) / ring * self.gradient_bits if ring > 1 else 0.0

    def efficiency(self, bits: float, path_bps: float) -> float:
        """Rate at full compute speed with this traffic over a path of ``path_bps`` [1]."""
        if bits <= 0.0:
            return 1.0
        return communicating_rate(1.0, bits, path_bps, self.step_s, self.overlap)   # the job kernel's own


class LinkNetwork:
    """The links of a run: candidate pairs ``a``, ``b`` (L,), their capacity and range at the last
    step, the per-node link accumulators (in the node's ``acc`` rows), and the routes of running
    gangs by job slot."""

    def __init__(self, links, communication, topology_links, n_nodes: int):
        """``links``: :class:`twin.config.sections.Links`; ``topology_links``: (a, b) int64 arrays
        (:func:`twin.links.topology.build`), empty for ``nearest`` until :meth:`rebuild`."""
        from twin.links.budget import rate_range_product

        terminal = links.terminal
        self.kind = links.topology
        self.terminals, self.nearest_k = links.terminals_per_sat, links.nearest_k
        self.k_bps_m2, self.cap_bps = rate_range_product(terminal)
        self.grazing_radius_m = EARTH_RADIUS_M + links.grazing_altitude_km * M_PER_KM
        self.max_range_m = terminal.max_range_km * M_PER_KM
        self.max_slew_rad_s = (math.radians(terminal.max_slew_deg_per_s)
                               if terminal.max_slew_deg_per_s is not None else math.inf)
        self.max_elevation_rad = (math.radians(terminal.field_of_regard_deg)
                                  if terminal.field_of_regard_deg is not None else math.pi / 2)
        self.drop_in_safe_mode = links.drop_in_safe_mode
        self.traffic = Traffic(communication, links.bus_gbps * BPS_PER_GBPS)
        self.n = n_nodes
        self._set_links(*topology_links)
        self.route_lo = np.zeros(0, np.int64)     # by job slot
        self.route_hi = np.zeros(0, np.int64)
        self.comm_bits = np.zeros(0)              # [bit per step]
        self.route_link = np.zeros(0, np.int64)   # the routes' link ids
        self._n_entries = self._garbage = 0       # of route_link: used, of which no job's
        self._job_route: dict[int, tuple] = {}   # slot -> ((links, loads), bits, satellites)

    def _set_links(self, a: np.ndarray, b: np.ndarray) -> None:
        self.a, self.b = np.asarray(a, np.int64), np.asarray(b, np.int64)
        self.capacity_bps = np.zeros(len(self.a))   # at the last step advanced
        self.range_m = np.zeros(len(self.a))
        self.link_jobs = np.zeros(len(self.a))     # loads of the running jobs on each link
        self._adjacency = None
        self._routes = {}   # placement's satellites -> ring route, while the live links stay the same
        self._stale_routes = True   # the live links changed since the running jobs were routed

    @property
    def rebuilds(self) -> bool:
        """Whether the candidate links change during the run (``nearest``)."""
        return self.kind == "nearest"

    def rebuild(self, pos_m: np.ndarray, vel_m_s: np.ndarray, down, mode) -> None:
        """``nearest``: the candidate links at positions ``pos_m`` (N, 3) [m] and velocities
        ``vel_m_s``. Links up now stay (a terminal keeps tracking its neighbour); free terminals
        take the nearest others, and spare ones bridge separate groups
        (:func:`twin.links.topology.nearest`). A new set of links gets its state at once (so that
        the dispatch that follows sees them), not counted in the link accumulators."""
        from twin.links.topology import nearest

        up = np.flatnonzero(~np.asarray(down, dtype=bool))   # a failed satellite's terminals are off
        local = np.full(self.n, -1, np.int64)
        local[up] = np.arange(len(up))
        live = (self.capacity_bps > 0.0) & (local[self.a] >= 0) & (local[self.b] >= 0)
        a, b = nearest(pos_m[up], self.nearest_k, self.terminals, self.max_range_m,
                       keep=(local[self.a[live]], local[self.b[live]]), join_k=JOIN_K)
        a, b = up[a], up[b]   # increasing: the order (a < b, sorted) holds
        if np.array_equal(a, self.a) and np.array_equal(b, self.b):
            return
        self._set_links(a, b)
        scratch = np.zeros((ACC_LINK_CAPACITY + 1, self.n))
        self.advance(np.stack((pos_m, pos_m)), np.stack((vel_m_s, vel_m_s)), down, mode, 0.0, scratch)
        self._route_all()   # link ids changed: the running jobs' routes must name the new ones

    # ------------------------------------------------------------ physics
    def advance(self, pos, vel, down, mode, dt_s: float, acc: np.ndarray) -> np.ndarray:
        """Link capacity over a block: ``pos``, ``vel`` (K+1, N, 3) at the step boundaries;
        ``down`` (N,) bool; ``mode`` (N,) at the block's start; adds to ``acc``'s link rows.
        Returns ``capacity_kl`` (K, L) [bit/s]."""
        n_steps = pos.shape[0] - 1
        node_ok = ~np.asarray(down, dtype=bool)
        if self.drop_in_safe_mode:
            node_ok &= mode != MODE_SAFE
        capacity, ranges = self._buffers(n_steps)
        link_block(pos, vel, self.a, self.b, node_ok, self.grazing_radius_m, self.max_range_m, self.max_slew_rad_s,
                   self.max_elevation_rad, self.k_bps_m2, self.cap_bps, dt_s, capacity, ranges,
                   acc[ACC_LINKS:ACC_LINK_CAPACITY + 1])
        if n_steps:
            live_before = self.capacity_bps > 0.0
            self.capacity_bps, self.range_m = capacity[-1].copy(), ranges[-1].copy()
            if not np.array_equal(live_before, self.capacity_bps > 0.0):
                self._adjacency = None
                self._stale_routes = True
        return capacity

    def _buffers(self, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
        """Capacity and range of every link over a block, (K, L) each: views of arrays kept from
        block to block (each block's are used within it), not part of a checkpoint."""
        held = self.__dict__.get("_held")
        if held is None or held[0].shape[0] < n_steps or held[0].shape[1] != len(self.a):
            shape = (max(n_steps, held[0].shape[0] if held is not None else 0), len(self.a))
            held = self._held = (np.empty(shape), np.empty(shape))
        return held[0][:n_steps], held[1][:n_steps]

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_held", None)
        return state

    # ------------------------------------------------------------ graph
    def adjacency(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Live links as CSR: node i's neighbours ``nbr[start[i]:start[i+1]]`` over links
        ``via[...]``, by link order (deterministic)."""
        if self._adjacency is None:
            live = np.flatnonzero(self.capacity_bps > 0.0)
            ends = np.concatenate((self.a[live], self.b[live]))
            others = np.concatenate((self.b[live], self.a[live]))
            via = np.concatenate((live, live))
            order = np.lexsort((via, ends))
            start = np.zeros(self.n + 1, np.int64)
            np.add.at(start, ends + 1, 1)
            self._adjacency = (np.cumsum(start), others[order], via[order])
            self._routes = {}
        return self._adjacency

    def path(self, src: int, dst: int) -> list[int] | None:
        """Link ids of a fewest-hop path of live links from ``src`` to ``dst``; None if none."""
        start, nbr, via = self.adjacency()
        out = np.empty(self.n, np.int64)
        count = fewest_hops(start, nbr, via, src, dst, out)
        return None if count < 0 else out[:count].tolist()

    def ring_route(self, nodes) -> tuple[list[int], list[float]]:
        """The ring through ``nodes`` (distinct satellites, in order), each hop by the fewest live
        links: its links, each once, and how many of the ring's hops cross each in the same
        direction (links are full duplex: a ring walked out and back along a chain crosses each
        link once each way, one load; crossing it twice the same way is two). ``([NO_PATH], [1])``
        if some hop has no path; empty for one satellite."""
        if len(nodes) < 2:
            return [], []
        self.adjacency()   # up to date (and the route cache with it)
        key = tuple(nodes)
        if key in self._routes:
            return self._routes[key]
        if len(self._routes) >= ROUTE_CACHE_SIZE:
            self._routes.clear()
        self._routes[key] = route = self._ring_route(nodes)
        return route

    def _ring_route(self, nodes) -> tuple[list[int], list[float]]:
        hops = list(zip(nodes, nodes[1:] + nodes[:1])) if len(nodes) > 2 else [(nodes[0], nodes[1])]
        crossings: dict[int, list[int]] = {}   # link -> [crossings a->b, crossings b->a]
        for src, dst in hops:
            hop = self.path(src, dst)
            if hop is None:
                return [NO_PATH], [1.0]
            node = src
            for link in hop:
                forward = self.a[link] == node
                crossings.setdefault(link, [0, 0])[0 if forward else 1] += 1
                node = self._other(link, node)
        return list(crossings), [float(max(c)) for c in crossings.values()]

    def _other(self, link: int, node: int) -> int:
        return int(self.b[link]) if self.a[link] == node else int(self.a[link])

    def path_bps(self, route: tuple[list[int], list[float]], extra: bool = False) -> float:
        """Rate of a route now [bit/s]: the least capacity share over its links (with ``extra``,
        the route's own loads added to those of the jobs already routed); the bus for an empty
        route; 0 without a path."""
        links, loads = route
        if not links:
            return self.traffic.bus_bps
        if links[0] == NO_PATH:
            return 0.0
        ids = np.asarray(links)
        jobs = self.link_jobs[ids] + (np.asarray(loads) if extra else 0.0)
        return float(np.min(self.capacity_bps[ids] / np.maximum(jobs, 1.0)))

    def efficiency(self, placement, n_accelerators: int) -> float:
        """Estimated rate at full compute speed [1] of a job placed on ``placement`` [(node,
        accelerators)] now, sharing its links with the jobs already routed."""
        nodes = _satellites(placement)
        bits = self.traffic.bits(len(nodes), n_accelerators)
        if bits <= 0.0:
            return 1.0
        return self.traffic.efficiency(bits, self.path_bps(self.ring_route(nodes), extra=True))

    def best_efficiency(self, n_accelerators: int, accel_per_node: int) -> float:
        """The highest rate at full compute speed [1] a job of ``n_accelerators`` could run at
        over links: on the fewest satellites that hold it, every hop one link at the terminal's
        rate cap, shared with no other job (1 on one satellite: the bus is not a link)."""
        n_sats = -(-n_accelerators // max(accel_per_node, 1))
        if n_sats < 2:
            return 1.0
        return self.traffic.efficiency(self.traffic.bits(n_sats, n_accelerators), self.cap_bps)

    # ------------------------------------------------------------ routes of running jobs
    # The kernel reads job slot j's route as route_link[route_lo[j]:route_hi[j]]: routes are
    # appended as jobs start, a stopped job's entries become garbage, and the buffer is compacted
    # when more than half of it is garbage, so that a dispatch costs Python time only for the jobs
    # that start or stop.
    def place(self, slot: int, placement, n_accelerators: int) -> None:
        """Route the job that now holds ``placement`` in job slot ``slot``."""
        nodes = _satellites(placement)
        route = self.ring_route(nodes)
        bits = self.traffic.bits(len(nodes), n_accelerators)
        self._count(route, 1.0)
        self._lay_out(slot, route[0], bits)   # before it joins _job_route: a compaction there lays out the others
        self._job_route[slot] = (route, bits, nodes)

    def release(self, slot: int) -> None:
        """The job in ``slot`` no longer holds its placement."""
        route, _, _ = self._job_route.pop(slot)
        self._count(route, -1.0)
        self._garbage += int(self.route_hi[slot] - self.route_lo[slot])
        self.route_lo[slot] = self.route_hi[slot] = 0
        self.comm_bits[slot] = 0.0

    def _count(self, route: tuple[list[int], list[float]], sign: float) -> None:
        links, loads = route
        if links and links[0] != NO_PATH:
            jobs = self.link_jobs
            for link, load in zip(links, loads):   # a few links: plain Python beats numpy's fancy indexing
                jobs[link] += sign * load

    def _lay_out(self, slot: int, route: list[int], bits: float) -> None:
        if slot >= len(self.route_lo):
            size = max(2 * len(self.route_lo), slot + 1, 64)
            self.route_lo, self.route_hi = _grown(self.route_lo, size), _grown(self.route_hi, size)
            self.comm_bits = _grown(self.comm_bits, size)
        n = len(route)
        self.comm_bits[slot] = bits
        if n == 0:   # one satellite: no links (most jobs)
            self.route_lo[slot] = self.route_hi[slot] = 0
            return
        if self._n_entries + n > len(self.route_link):
            if 2 * self._garbage > self._n_entries:
                self._compact()
            if self._n_entries + n > len(self.route_link):
                self.route_link = _grown(self.route_link, 2 * max(len(self.route_link), self._n_entries + n))
        lo = self._n_entries
        self.route_link[lo:lo + n] = route
        self.route_lo[slot], self.route_hi[slot] = lo, lo + n
        self._n_entries += n

    def _compact(self) -> None:
        """Lay every running job's route out again from the start, in slot order."""
        self._n_entries = self._garbage = 0
        self.route_lo[:] = self.route_hi[:] = 0
        for slot, (route, bits, _) in sorted(self._job_route.items()):
            self._lay_out(slot, route[0], bits)

    def _route_all(self) -> None:
        """Route every running job over the live links now."""
        self.adjacency()
        self.link_jobs[:] = 0.0
        for slot, (_, bits, nodes) in self._job_route.items():
            route = self.ring_route(nodes)
            self._job_route[slot] = (route, bits, nodes)
            links, loads = route
            if links and links[0] != NO_PATH:
                self.link_jobs[links] += np.asarray(loads)
        self._compact()
        self._stale_routes = False

    def reroute(self) -> None:
        """After a dispatch: route every running job again if the live links changed since they
        were routed."""
        if self._stale_routes:
            self._route_all()

    def kernel_args(self, capacity_kl) -> tuple:
        """The communication arguments of :func:`twin.kernels.jobs.advance_jobs`, in its order
        (``comm_bits`` to ``bus_bps``)."""
        t = self.traffic
        return (self.comm_bits, capacity_kl, self.link_jobs, self.route_lo, self.route_hi, self.route_link,
                t.step_s, t.overlap, t.bus_bps)

    # ------------------------------------------------------------ output
    def live_rows(self, time_s: float) -> dict:
        """The live links now, as /links columns."""
        live = np.flatnonzero(self.capacity_bps > 0.0)
        return {"time_s": np.full(len(live), time_s), "sat_a": self.a[live], "sat_b": self.b[live],
                "range_km": self.range_m[live] / M_PER_KM, "capacity_gbps": self.capacity_bps[live] / BPS_PER_GBPS}


def _satellites(placement) -> list[int]:
    """The distinct satellites of a placement, in placement order."""
    return list(dict.fromkeys(int(node) for node, _ in placement))


def build_network(scenario, sats) -> LinkNetwork | None:
    """The run's links (None when ``links.topology`` is none); ValueError naming the problem when
    the topology does not fit the constellation (e.g. +grid on satellites without planes)."""
    from twin.links import topology

    links = scenario.links
    if links.topology == "none":
        return None
    n = len(sats)
    if links.topology == "+grid":
        plane, slot, planes, per_plane = topology.plane_slots(sats)
        pairs = topology.plus_grid(plane, slot, planes, per_plane, links.grid_shift, links.terminals_per_sat)
    elif links.topology == "pairs":
        pairs = topology.explicit(links.pairs, n, links.terminals_per_sat)
    else:
        pairs = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    return LinkNetwork(links, scenario.workload.communication, pairs, n)


def _grown(array: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size, dtype=array.dtype)
    out[:len(array)] = array
    return out
