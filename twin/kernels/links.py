"""Inter-satellite link geometry: line of sight past the Earth, terminal limits (range, tracking
rate, field of regard), capacity from range, and a k-nearest-neighbour search on a cell grid.

Positions and velocities are Earth-centred inertial (GCRS) [m], [m/s]; the Earth is a sphere of
the given radius (grazing radius = Earth radius + the altitude the ray must stay above;
Hypatia, Kassing et al., IMC 2020, uses 80 km).
"""
import math

import numpy as np
from numba import njit
from twin.kernels.jit import kernel


@kernel(inline="always")
def _segment_min_dist2(ax, ay, az, dx, dy, dz, d2):
    """Squared distance [m^2] from the origin to the segment a -> a + d (d2 = |d|^2 [m^2]).

    The closest point of the infinite line has parameter t = -(a . d) / |d|^2; clipping t to
    [0, 1] keeps it on the segment, so a link whose line (not segment) dips into the Earth
    beyond one end is not blocked."""
    t = 0.0
    if d2 > 0.0:
        t = -(ax * dx + ay * dy + az * dz) / d2
        if t < 0.0:
            t = 0.0
        elif t > 1.0:
            t = 1.0
    px = ax + t * dx
    py = ay + t * dy
    pz = az + t * dz
    return px * px + py * py + pz * pz


@kernel
def _tracking2(wx, wy, wz, pos, vel, k, i):
    """Squared rate [rad^2/s^2] at which satellite i's terminal turns to follow a line of sight
    turning at (wx, wy, wz) [rad/s] inertially, on a bus turning with its orbit (r x v / |r|^2)."""
    rx, ry, rz = pos[k, i, 0], pos[k, i, 1], pos[k, i, 2]
    vx, vy, vz = vel[k, i, 0], vel[k, i, 1], vel[k, i, 2]
    r2 = rx * rx + ry * ry + rz * rz
    ex = wx - (ry * vz - rz * vy) / r2
    ey = wy - (rz * vx - rx * vz) / r2
    ez = wz - (rx * vy - ry * vx) / r2
    return ex * ex + ey * ey + ez * ez


@kernel
def segment_clears(ra, rb, radius_m):
    """True if the straight segment ra -> rb stays outside the sphere of ``radius_m``.

    Parameters
    ----------
    ra, rb : numpy.ndarray, shape (3,)
        End positions, Earth-centred [m].
    radius_m : float
        Sphere radius [m] (Earth radius + grazing altitude).

    Returns
    -------
    bool
        min over the segment of |r| > radius_m (False for NaN positions).
    """
    dx = rb[0] - ra[0]
    dy = rb[1] - ra[1]
    dz = rb[2] - ra[2]
    d2 = dx * dx + dy * dy + dz * dz
    return _segment_min_dist2(ra[0], ra[1], ra[2], dx, dy, dz, d2) > radius_m * radius_m


@njit(cache=True)
def link_block(pos, vel, a, b, node_ok, grazing_radius_m, max_range_m, max_slew_rad_s,
               max_elevation_rad, k_bps_m2, cap_bps, dt_s, capacity_kl, range_kl, acc_links):
    """Capacity and range of every candidate link at the start of each of K steps.

    A link (a[l], b[l]) is live at step k when, at boundary k: a != b, both ends are
    ``node_ok``, range <= ``max_range_m``, the segment between them stays outside
    ``grazing_radius_m``, the line-of-sight rate |r_rel x v_rel| / |r_rel|^2 <=
    ``max_slew_rad_s`` and, at both ends, |asin(r_hat . u_rel)| <= ``max_elevation_rad``.
    A NaN position (SGP4 failure) makes every comparison false: the link is down.

    Parameters
    ----------
    pos, vel : numpy.ndarray, shape (K+1, N, 3), float64
        GCRS positions [m] and velocities [m/s] at the step boundaries; boundary k is used
        for step k (0 <= k < K, K = capacity_kl.shape[0]).
    a, b : numpy.ndarray, shape (L,), int64
        The two ends of each candidate link.
    node_ok : numpy.ndarray, shape (N,), bool
        False: the satellite is down or in safe mode; its links drop.
    grazing_radius_m : float
        The link's ray must stay above this radius [m].
    max_range_m : float
        Terminal range limit [m] (inf: none).
    max_slew_rad_s : float
        Terminal tracking-rate limit [rad/s] (inf: none).
    max_elevation_rad : float
        Field of regard above/below each end's local horizontal [rad] (>= pi/2: none).
    k_bps_m2, cap_bps : float
        Link budget: capacity = min(cap_bps, k_bps_m2 / range^2) [bit/s].
    dt_s : float
        Step [s].
    capacity_kl : numpy.ndarray, shape (K, L), float64, out
        [bit/s], 0 where the link is down.
    range_kl : numpy.ndarray, shape (K, L), float64, out
        [m], the range whether the link is up or down.
    acc_links : numpy.ndarray, shape (2, N), float64, in/out
        Row 0 += dt_s x live links of the node [s]; row 1 += dt_s x their capacity [bit].
    """
    n_steps = capacity_kl.shape[0]
    n_links = a.shape[0]
    grazing2 = grazing_radius_m * grazing_radius_m
    range2_max = max_range_m * max_range_m            # inf stays inf
    check_slew = max_slew_rad_s < math.inf
    check_elev = max_elevation_rad < 0.5 * math.pi
    # |asin(r_hat . u)| <= e  <=>  (r . d)^2 <= sin^2(e) |r|^2 |d|^2: no sqrt, no asin per link
    sin2_elev = math.sin(max_elevation_rad) ** 2 if max_elevation_rad > 0.0 else 0.0
    for k in range(n_steps):
        for l in range(n_links):
            i = a[l]
            j = b[l]
            xi = pos[k, i, 0]
            yi = pos[k, i, 1]
            zi = pos[k, i, 2]
            dx = pos[k, j, 0] - xi
            dy = pos[k, j, 1] - yi
            dz = pos[k, j, 2] - zi
            d2 = dx * dx + dy * dy + dz * dz
            range_kl[k, l] = math.sqrt(d2)
            live = (i != j and node_ok[i] and node_ok[j] and d2 > 0.0 and d2 <= range2_max
                    and _segment_min_dist2(xi, yi, zi, dx, dy, dz, d2) > grazing2)
            if live and check_slew:
                # the line of sight turns at (d x u)/|d|^2 in inertial space; each terminal sits on
                # a bus that keeps its attitude to the local vertical, turning at (r x v)/|r|^2:
                # the terminal tracks the difference, at both ends
                ux = vel[k, j, 0] - vel[k, i, 0]
                uy = vel[k, j, 1] - vel[k, i, 1]
                uz = vel[k, j, 2] - vel[k, i, 2]
                wx = (dy * uz - dz * uy) / d2
                wy = (dz * ux - dx * uz) / d2
                wz = (dx * uy - dy * ux) / d2
                live = (_tracking2(wx, wy, wz, pos, vel, k, i) <= max_slew_rad_s * max_slew_rad_s
                        and _tracking2(wx, wy, wz, pos, vel, k, j) <= max_slew_rad_s * max_slew_rad_s)
            if live and check_elev:
                xj = xi + dx
                yj = yi + dy
                zj = zi + dz
                di = xi * dx + yi * dy + zi * dz        # sign irrelevant: above or below
                dj = xj * dx + yj * dy + zj * dz
                live = (di * di <= sin2_elev * (xi * xi + yi * yi + zi * zi) * d2
                        and dj * dj <= sin2_elev * (xj * xj + yj * yj + zj * zj) * d2)
            if live:
                cap = k_bps_m2 / d2
                if cap > cap_bps:
                    cap = cap_bps
                capacity_kl[k, l] = cap
                acc_links[0, i] += dt_s
                acc_links[0, j] += dt_s
                acc_links[1, i] += dt_s * cap
                acc_links[1, j] += dt_s * cap
            else:
                capacity_kl[k, l] = 0.0


@kernel
def _insert(nbr_j, nbr_d2, count, j, d2):
    """Insert (d2, j) into the list sorted by (d2, index), keeping at most its length;
    returns the new count.  Ties in distance go to the lower index."""
    k = nbr_j.shape[0]
    if count == k and (d2 > nbr_d2[k - 1] or (d2 == nbr_d2[k - 1] and j > nbr_j[k - 1])):
        return count
    m = count if count < k else k - 1
    while m > 0 and (nbr_d2[m - 1] > d2 or (nbr_d2[m - 1] == d2 and nbr_j[m - 1] > j)):
        nbr_d2[m] = nbr_d2[m - 1]
        nbr_j[m] = nbr_j[m - 1]
        m -= 1
    nbr_d2[m] = d2
    nbr_j[m] = j
    return count + 1 if count < k else k


@kernel
def _scan_cell(pos, i, cell, start, members, nbr_j, nbr_d2, count, range2_max):
    for m in range(start[cell], start[cell + 1]):
        j = members[m]
        if j == i:
            continue
        dx = pos[j, 0] - pos[i, 0]
        dy = pos[j, 1] - pos[i, 1]
        dz = pos[j, 2] - pos[i, 2]
        d2 = dx * dx + dy * dy + dz * dz
        if d2 <= range2_max:
            count = _insert(nbr_j, nbr_d2, count, j, d2)
    return count


@njit(cache=True)
def nearest_within(pos, k, max_range_m):
    """Each point's k nearest others within ``max_range_m``, by (distance, index).

    Points are binned in a uniform grid of about N cells (counting sort, O(N) memory); each
    query scans shells of cells at Chebyshev index distance 0, 1, 2, ... and stops once it
    holds k neighbours no farther than rho x cell (nothing in shell rho + 1 can be nearer)
    or rho x cell exceeds the range.

    Parameters
    ----------
    pos : numpy.ndarray, shape (N, 3), float64
        Positions [m], finite.
    k : int
        Neighbours per point, >= 1.
    max_range_m : float
        [m], inf for none.

    Returns
    -------
    nbr : numpy.ndarray, shape (N, k), int64
        Neighbour indices, nearest first; -1 where fewer than k are in range.
    nbr_d2 : numpy.ndarray, shape (N, k), float64
        Squared distances [m^2]; inf where nbr is -1.
    """
    n = pos.shape[0]
    nbr = np.full((n, k), -1, np.int64)
    nbr_d2 = np.full((n, k), np.inf)
    if n == 0:
        return nbr, nbr_d2
    lo = np.empty(3)
    hi = np.empty(3)
    for ax in range(3):
        lo[ax] = pos[:, ax].min()
        hi[ax] = pos[:, ax].max()
    extent = max(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2])
    per_axis = max(1, int(round(n ** (1.0 / 3.0))))    # about N cells in the bounding cube
    cell_m = extent / per_axis if extent > 0.0 else 1.0
    g = np.empty(3, np.int64)
    for ax in range(3):
        g[ax] = int((hi[ax] - lo[ax]) / cell_m) + 1
    cell_of = np.empty((n, 3), np.int64)
    key = np.empty(n, np.int64)
    for i in range(n):
        for ax in range(3):
            cell_of[i, ax] = min(int((pos[i, ax] - lo[ax]) / cell_m), g[ax] - 1)
        key[i] = (cell_of[i, 0] * g[1] + cell_of[i, 1]) * g[2] + cell_of[i, 2]
    n_cells = g[0] * g[1] * g[2]
    start = np.zeros(n_cells + 1, np.int64)
    for i in range(n):
        start[key[i] + 1] += 1
    for c in range(n_cells):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    members = np.empty(n, np.int64)
    for i in range(n):
        members[fill[key[i]]] = i
        fill[key[i]] += 1
    range2_max = max_range_m * max_range_m
    rho_max = max(g[0], g[1], g[2])
    for i in range(n):
        ci = cell_of[i, 0]
        cj = cell_of[i, 1]
        ck = cell_of[i, 2]
        count = 0
        row_j = nbr[i]
        row_d2 = nbr_d2[i]
        for rho in range(rho_max + 1):
            for ox in range(-rho, rho + 1):
                x = ci + ox
                if x < 0 or x >= g[0]:
                    continue
                for oy in range(-rho, rho + 1):
                    y = cj + oy
                    if y < 0 or y >= g[1]:
                        continue
                    # on the shell's faces every z; inside, only its top and bottom cells
                    step_z = 1 if (ox == -rho or ox == rho or oy == -rho or oy == rho) else 2 * rho
                    oz = -rho
                    while oz <= rho:
                        z = ck + oz
                        if 0 <= z < g[2]:
                            count = _scan_cell(pos, i, (x * g[1] + y) * g[2] + z, start, members,
                                               row_j, row_d2, count, range2_max)
                        if step_z == 0:
                            break
                        oz += step_z
            # every point in shell rho + 1 is at least this far; strict, so a tie there (which
            # a lower index would win) is still scanned
            reach = rho * cell_m
            if reach * reach > range2_max or (count == k and row_d2[k - 1] < reach * reach):
                break
    return nbr, nbr_d2


@njit(cache=True)
def greedy_accept(a, b, n_nodes, terminals):
    """Accept candidate links in the given order while both ends have a free terminal.

    Parameters
    ----------
    a, b : numpy.ndarray, shape (L,), int64
        Candidate links, in order of preference.
    n_nodes, terminals : int

    Returns
    -------
    numpy.ndarray, shape (L,), bool
        Accepted links.
    """
    used = np.zeros(n_nodes, np.int64)
    ok = np.zeros(a.shape[0], np.bool_)
    for l in range(a.shape[0]):
        if used[a[l]] < terminals and used[b[l]] < terminals:
            used[a[l]] += 1
            used[b[l]] += 1
            ok[l] = True
    return ok


@kernel
def _root(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@njit(cache=True)
def join_components(a, b, ok, n_nodes, terminals):
    """After :func:`greedy_accept`: accept, in the given order, candidates not yet accepted that
    join two separate groups of linked satellites while both ends have a free terminal (a
    union-find over the accepted links), so that nearest-neighbour links do not leave a cluster
    in islands where a spare terminal can bridge them. Updates ``ok`` in place."""
    parent = np.arange(n_nodes)
    used = np.zeros(n_nodes, np.int64)
    for l in range(a.shape[0]):
        if ok[l]:
            used[a[l]] += 1
            used[b[l]] += 1
            ra, rb = _root(parent, a[l]), _root(parent, b[l])
            if ra != rb:
                parent[ra] = rb
    for l in range(a.shape[0]):
        if ok[l] or used[a[l]] >= terminals or used[b[l]] >= terminals:
            continue
        ra, rb = _root(parent, a[l]), _root(parent, b[l])
        if ra != rb:
            parent[ra] = rb
            used[a[l]] += 1
            used[b[l]] += 1
            ok[l] = True


@njit(cache=True)
def fewest_hops(start, nbr, via, src, dst, out):
    """A path of fewest links from ``src`` to ``dst`` over the graph in CSR form (node i's
    neighbours ``nbr[start[i]:start[i + 1]]`` over links ``via[...]``), breadth first with
    neighbours in their order: its link ids, from ``src``, in ``out[:count]``; returns count, or
    -1 when ``dst`` cannot be reached. ``out`` must hold the longest path (the number of nodes)."""
    n = start.shape[0] - 1
    if src == dst:
        return 0
    came = np.full(n, -1, np.int64)      # the CSR entry a node was reached by
    seen = np.zeros(n, np.bool_)
    queue = np.empty(n, np.int64)
    seen[src] = True
    queue[0] = src
    head, tail = 0, 1
    while head < tail:
        node = queue[head]
        head += 1
        for e in range(start[node], start[node + 1]):
            nxt = nbr[e]
            if seen[nxt]:
                continue
            seen[nxt] = True
            came[nxt] = e
            if nxt == dst:
                count, at = 0, nxt
                while at != src:   # walk back: the entry's other end is in the node that pushed it
                    e_at = came[at]
                    out[count] = via[e_at]
                    count += 1
                    at = _entry_owner(start, e_at)
                for i in range(count // 2):
                    out[i], out[count - 1 - i] = out[count - 1 - i], out[i]
                return count
            queue[tail] = nxt
            tail += 1
    return -1


@kernel
def _entry_owner(start, e):
    """The node whose CSR row holds entry ``e`` (binary search over ``start``)."""
    lo, hi = 0, start.shape[0] - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if start[mid] <= e:
            lo = mid
        else:
            hi = mid
    return lo
