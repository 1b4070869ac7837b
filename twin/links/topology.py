"""Candidate inter-satellite links: which satellite pairs carry a terminal pointed at each other.

Every builder returns ``(a, b)``, two int64 arrays of satellite indices with a < b, sorted
lexicographically, without duplicates. Whether a candidate link is live at a step (line of sight,
range, tracking rate, field of regard) is decided per step by :func:`twin.kernels.links.link_block`.

References
----------
Kassing, S., Bhattacherjee, D., Aguas, A. B., Saethre, J. E. & Singla, A., Exploring the
"Internet from space" with Hypatia, ACM IMC 2020; source github.com/snkas/hypatia,
``satgenpy/satgen/isls/generate_plus_grid_isls.py`` (the +Grid).
"""
from __future__ import annotations

import math

import numpy as np

from twin.kernels.links import join_components, greedy_accept, nearest_within

PLUS_GRID_TERMINALS = 4   # fore, aft, left, right


def _sorted_unique(a, b, n_sats):
    """(min, max) pairs sorted lexicographically, duplicates removed, as int64 arrays."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    lo = np.minimum(a, b)
    hi = np.maximum(a, b)
    key = np.unique(lo * np.int64(max(n_sats, 1)) + hi)
    return key // max(n_sats, 1), key % max(n_sats, 1)


def _check_terminals(a, b, n_sats, terminals, what):
    degree = np.bincount(np.concatenate([a, b]), minlength=n_sats) if len(a) else np.zeros(n_sats, int)
    if (degree > terminals).any():
        worst = int(np.argmax(degree))
        raise ValueError(f"{what} gives satellite {worst} {int(degree[worst])} links but it has "
                         f"{terminals} terminals")


def plus_grid(plane, slot, planes, sats_per_plane, shift=0, terminals=PLUS_GRID_TERMINALS):
    """Hypatia's +Grid: every satellite links to the next one in its plane and to one in the
    next plane.

    Following Hypatia's ``generate_plus_grid_isls`` (github.com/snkas/hypatia, satgenpy/satgen/
    isls/generate_plus_grid_isls.py): satellite j of orbit i links to
    ``i * S + ((j + 1) % S)`` (same orbit) and to ``((i + 1) % P) * S + ((j + isl_shift) % S)``
    (adjacent orbit, wrapping from the last orbit to the first). Here satellites are addressed by
    (plane, slot) instead of Hypatia's orbit-major numbering, so any satellite order works.

    Hypatia requires P >= 3 and S >= 3; this also accepts the degenerate shells, with the
    duplicates removed: 1 plane is a ring only (no inter-plane links); with 2 planes the wrap
    link from plane 1 back to plane 0 is kept when it differs from plane 0's link to plane 1
    (shift != 0), dropped when it is the same pair (shift = 0); 2 satellites per plane have one
    in-plane link; 1 satellite per plane has none.

    Parameters
    ----------
    plane, slot : array_like, shape (N,), int
        Plane index in [0, planes) and slot (rank by argument of latitude in the plane,
        see :func:`slots_from_elements`) in [0, sats_per_plane) of each satellite; every
        (plane, slot) exactly once.
    planes, sats_per_plane : int
        P and S.
    shift : int
        Hypatia's ``isl_shift``: slot j links to slot (j + shift) mod S of the next plane.
    terminals : int
        Terminals per satellite; a +Grid uses up to 4 (fewer only in degenerate shells).

    Returns
    -------
    a, b : numpy.ndarray, shape (L,), int64
    """
    plane = np.asarray(plane, dtype=np.int64)
    slot = np.asarray(slot, dtype=np.int64)
    planes, sats_per_plane = int(planes), int(sats_per_plane)
    n = plane.size
    if plane.shape != (n,) or slot.shape != (n,):
        raise ValueError(f"plane and slot must be 1-D of one length, got {plane.shape} and {slot.shape}")
    if planes < 1 or sats_per_plane < 1 or n != planes * sats_per_plane:
        raise ValueError(f"+Grid needs planes x sats_per_plane = N satellites, got {planes} x "
                         f"{sats_per_plane} for N = {n}")
    if int(shift) != shift:
        raise ValueError(f"+Grid shift must be an integer, got {shift!r}")
    bad = np.nonzero((plane < 0) | (plane >= planes) | (slot < 0) | (slot >= sats_per_plane))[0]
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"satellite {i} has plane {int(plane[i])}, slot {int(slot[i])}: outside "
                         f"{planes} planes x {sats_per_plane} slots")
    index = np.full((planes, sats_per_plane), -1, dtype=np.int64)
    index[plane, slot] = np.arange(n)
    if (index < 0).any():
        p, s = (int(x[0]) for x in np.nonzero(index < 0))
        raise ValueError(f"+Grid: (plane {p}, slot {s}) has no satellite (another holds two slots)")
    p = np.repeat(np.arange(planes), sats_per_plane)
    s = np.tile(np.arange(sats_per_plane), planes)
    a = [index[p, s]]
    b = [index[p, (s + 1) % sats_per_plane]]
    if planes > 1:
        a.append(index[p, s])
        b.append(index[(p + 1) % planes, (s + int(shift)) % sats_per_plane])
    a = np.concatenate(a)
    b = np.concatenate(b)
    keep = a != b   # 1 satellite per plane: no in-plane link to itself
    a, b = _sorted_unique(a[keep], b[keep], n)
    if terminals < PLUS_GRID_TERMINALS:
        _check_terminals(a, b, n, terminals, f"+Grid ({planes} planes x {sats_per_plane})")
    return a, b


def slots_from_elements(plane, arg_lat_rad):
    """Slot of each satellite: its rank by argument of latitude within its plane.

    Slot s + 1 is the next satellite ahead of slot s (argument of latitude grows along the
    orbit). Which satellite is slot 0 fixes how a +Grid pairs neighbouring planes: in the
    first plane (lowest plane index) it is the first satellite at or after the ascending node;
    in each later plane it is the satellite nearest in argument of latitude to the previous
    plane's slot 0 (ahead of it on a tie), so slot j of neighbouring planes are as close in
    phase as the planes allow, whatever noise a catalogue has. For a Walker shell of
    :func:`twin.orbits.shells.walker_shell` (plane p's phase offset p F 360/T) this recovers
    the construction slots when F/P < 1/2; for F/P > 1/2 the later planes are numbered from
    the satellite one slot behind (offset F/P - 1 slots instead of F/P: the shorter way round).

    Parameters
    ----------
    plane : array_like, shape (N,), int
        Plane label; planes are taken in increasing label order.
    arg_lat_rad : array_like, shape (N,), float
        Argument of latitude [rad] (any multiple of 2 pi).

    Returns
    -------
    numpy.ndarray, shape (N,), int64
    """
    plane = np.asarray(plane, dtype=np.int64)
    u = np.mod(np.asarray(arg_lat_rad, dtype=np.float64), 2.0 * math.pi)
    if plane.shape != u.shape or plane.ndim != 1:
        raise ValueError(f"plane and arg_lat_rad must be 1-D of one length, got {plane.shape} "
                         f"and {u.shape}")
    if not np.isfinite(u).all():
        raise ValueError("arg_lat_rad has non-finite values")
    slot = np.empty(plane.size, dtype=np.int64)
    u_ref = None
    for label in np.unique(plane):
        members = np.nonzero(plane == label)[0]           # ascending index: ties go to the lowest
        if u_ref is None:
            ahead = np.mod(u[members], 2.0 * math.pi)
            first = members[np.argmin(ahead)]
        else:
            ahead = np.mod(u[members] - u_ref, 2.0 * math.pi)   # [0, 2 pi): distance ahead
            behind = 2.0 * math.pi - ahead                        # (0, 2 pi]: distance behind
            i_ahead, i_behind = int(np.argmin(ahead)), int(np.argmin(behind))
            # within 1 nrad counts as a tie: rounding of u must not flip the numbering
            first = members[i_ahead if ahead[i_ahead] <= behind[i_behind] + 1e-9 else i_behind]
        u_ref = u[first]
        phase = np.mod(u[members] - u_ref, 2.0 * math.pi)
        order = np.lexsort((members, phase))
        slot[members[order]] = np.arange(members.size)
    return slot


def plane_slots(sats):
    """(plane, slot, planes, sats_per_plane) of a :class:`twin.orbits.satset.SatelliteSet`
    for :func:`plus_grid`.

    Planes are renumbered 0..P-1 in label order; slots come from :func:`slots_from_elements`
    with the argument of latitude at epoch u = argpo + mo [rad] (the mean argument of
    latitude, exact for circular orbits and within 2e for near-circular ones).

    Raises
    ------
    ValueError
        If a satellite has no plane (-1, e.g. from a TLE catalogue not grouped into planes) or
        the planes have unequal sizes.
    """
    labels = np.asarray(sats.plane, dtype=np.int64)
    if labels.size == 0:
        raise ValueError("plane_slots: no satellites")
    unknown = np.nonzero(labels < 0)[0]
    if unknown.size:
        raise ValueError(f"+Grid needs every satellite's plane: {unknown.size} have none (plane -1), "
                         f"first {sats.name[unknown[0]]!s} (index {int(unknown[0])}); group the "
                         f"catalogue into planes first")
    names, plane, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if (counts != counts[0]).any():
        raise ValueError(f"+Grid needs planes of equal size; sizes by plane label: "
                         f"{dict(zip(names.tolist(), counts.tolist()))}")
    u = np.array([r.argpo + r.mo for r in sats.satrecs], dtype=np.float64)
    return plane.astype(np.int64), slots_from_elements(plane, u), int(names.size), int(counts[0])


def nearest(pos_m, k, terminals, max_range_m, keep=None, join_k=0):
    """Links to nearest neighbours, as many as the terminals allow.

    ``keep``: links (a, b) already up, taken first (terminals stay on the neighbour they track
    rather than re-pointing at every rebuild). ``join_k`` > 0: candidates also among each
    satellite's ``k + join_k`` nearest, accepted after the greedy pass only where they join two
    separate groups of linked satellites and both ends have a free terminal
    (:func:`twin.kernels.links.join_components`).

    Candidates are the pairs (i, j) where j is among i's k nearest others within
    ``max_range_m`` (or i among j's). They are taken by increasing distance (ties by the lower
    first index, then the lower second) and a pair is accepted only if both ends still have a
    free terminal, so no satellite has more than ``terminals`` links (and one may get fewer
    than k when its neighbours' terminals are taken). Neighbours are found on a cell grid
    (:func:`twin.kernels.links.nearest_within`): O(N k) memory, no N x N matrix.

    Parameters
    ----------
    pos_m : array_like, shape (N, 3)
        Positions [m] (e.g. GCRS at the epoch), finite.
    k : int
        Nearest neighbours each satellite asks for, >= 1.
    terminals : int
        Terminals per satellite, >= 1.
    max_range_m : float
        [m], > 0; inf for no limit.

    Returns
    -------
    a, b : numpy.ndarray, shape (L,), int64
    """
    pos = np.ascontiguousarray(pos_m, dtype=np.float64)
    if pos.ndim != 2 or pos.shape[1] != 3:
        raise ValueError(f"pos_m must have shape (N, 3), got {pos.shape}")
    if not np.isfinite(pos).all():
        raise ValueError("pos_m has non-finite positions (a failed propagation?)")
    if int(k) != k or k < 1 or int(terminals) != terminals or terminals < 1:
        raise ValueError(f"k and terminals must be integers >= 1, got {k!r} and {terminals!r}")
    if not max_range_m > 0:
        raise ValueError(f"max_range_m must be > 0, got {max_range_m!r}")
    n = pos.shape[0]
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    wide = min(int(k) + int(join_k), n - 1)
    nbr, nbr_d2 = nearest_within(pos, wide, float(max_range_m))
    rank = np.broadcast_to(np.arange(wide)[None, :], nbr.shape)
    found = nbr >= 0
    i = np.broadcast_to(np.arange(n)[:, None], nbr.shape)[found]
    j = nbr[found]
    d2 = nbr_d2[found]
    near = rank[found] < k     # among the k nearest (from this end)
    if keep is not None and len(keep[0]):   # the links kept are candidates wherever they rank
        ka, kb = np.asarray(keep[0], np.int64), np.asarray(keep[1], np.int64)
        i, j = np.concatenate((i, ka)), np.concatenate((j, kb))
        d2 = np.concatenate((d2, ((pos[ka] - pos[kb]) ** 2).sum(axis=1)))
        near = np.concatenate((near, np.ones(len(ka), bool)))
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    # the same pair found from both ends has bit-identical d2 ((x_j - x_i)^2 = (x_i - x_j)^2);
    # it is a k-nearest candidate if it is one from either end
    key = lo * n + hi
    order = np.lexsort((~near, key))
    key, lo, hi, d2, near = key[order], lo[order], hi[order], d2[order], near[order]
    _, first = np.unique(key, return_index=True)
    lo, hi, d2, near = lo[first], hi[first], d2[first], near[first]
    kept = np.zeros(len(lo), bool)
    if keep is not None and len(keep[0]):
        kept = np.isin(lo * n + hi, np.asarray(keep[0], np.int64) * n + np.asarray(keep[1], np.int64))
    order = np.lexsort((hi, lo, d2, ~kept))     # kept links first, then by distance
    lo, hi, near, kept = lo[order], hi[order], near[order], kept[order]
    first_pass = near | kept
    ok = np.zeros(len(lo), bool)
    ok[first_pass] = greedy_accept(lo[first_pass], hi[first_pass], n, int(terminals))
    if join_k:
        join_components(lo, hi, ok, n, int(terminals))
    return _sorted_unique(lo[ok], hi[ok], n)


def explicit(pairs, n_sats, terminals):
    """Links listed by hand, checked.

    Parameters
    ----------
    pairs : array_like, shape (L, 2), int
        [a, b] satellite indices per link (either order).
    n_sats, terminals : int

    Returns
    -------
    a, b : numpy.ndarray, shape (L,), int64

    Raises
    ------
    ValueError
        Naming the offending pair: an index outside [0, n_sats), a == b, a pair listed twice
        (in either order), or a satellite in more than ``terminals`` links.
    """
    rows = [list(p) for p in pairs]
    seen = {}
    for m, pair in enumerate(rows):
        if len(pair) != 2 or any(isinstance(x, bool) or int(x) != x for x in pair):
            raise ValueError(f"link {m} {pair!r}: expected two integer satellite indices")
        x, y = int(pair[0]), int(pair[1])
        if not (0 <= x < n_sats and 0 <= y < n_sats):
            raise ValueError(f"link {m} [{x}, {y}]: satellite index outside [0, {n_sats})")
        if x == y:
            raise ValueError(f"link {m} [{x}, {y}]: a satellite cannot link to itself")
        key = (min(x, y), max(x, y))
        if key in seen:
            raise ValueError(f"link {m} [{x}, {y}]: duplicates link {seen[key]}")
        seen[key] = m
    degree = np.zeros(max(int(n_sats), 0), dtype=np.int64)
    for x, y in seen:   # in the order listed, so the first link over the limit is named
        degree[x] += 1
        degree[y] += 1
        over = x if degree[x] > terminals else y if degree[y] > terminals else None
        if over is not None:
            raise ValueError(f"link {seen[(x, y)]} [{x}, {y}]: satellite {over} would have "
                             f"{int(degree[over])} links but has {terminals} terminals")
    if not seen:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    keys = np.array(sorted(seen), dtype=np.int64)
    return keys[:, 0].copy(), keys[:, 1].copy()
