"""Inter-satellite link geometry (twin.kernels.links) and candidate topologies (twin.links.topology)."""
import math
from datetime import datetime, timezone

import numpy as np
import pytest

from twin.constants import EARTH_MU_M3_S2, EARTH_RADIUS_M
from twin.kernels.links import link_block, segment_clears
from twin.links.topology import explicit, nearest, plane_slots, plus_grid, slots_from_elements
from twin.orbits.propagate import Propagator
from twin.orbits.satset import SatelliteSet
from twin.orbits.shells import walker_shell

EPOCH = datetime(2025, 3, 1, tzinfo=timezone.utc)
INF = math.inf
NO_LIMITS = dict(grazing_radius_m=0.0, max_range_m=INF, max_slew_rad_s=INF,
                 max_elevation_rad=0.5 * math.pi, k_bps_m2=1e21, cap_bps=1e10, dt_s=1.0)


def run_block(pos, vel, a, b, node_ok=None, acc=None, **kw):
    """link_block on boundary arrays; returns (capacity, range, acc)."""
    pos = np.ascontiguousarray(pos, dtype=np.float64)
    vel = np.zeros_like(pos) if vel is None else np.ascontiguousarray(vel, dtype=np.float64)
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    n_steps, n = pos.shape[0] - 1, pos.shape[1]
    node_ok = np.ones(n, dtype=bool) if node_ok is None else np.asarray(node_ok, dtype=bool)
    acc = np.zeros((2, n)) if acc is None else acc
    p = {**NO_LIMITS, **kw}
    cap = np.full((n_steps, a.size), -1.0)
    rng = np.full((n_steps, a.size), -1.0)
    link_block(pos, vel, a, b, node_ok, p["grazing_radius_m"], p["max_range_m"], p["max_slew_rad_s"],
               p["max_elevation_rad"], p["k_bps_m2"], p["cap_bps"], p["dt_s"], cap, rng, acc)
    return cap, rng, acc


def pair_at_half_angle(r_m, theta_rad):
    """Two satellites at radius r, central angle 2 theta apart, symmetric about the x axis;
    shape (2 boundaries, 2 satellites, 3) (one step)."""
    p = np.array([[r_m * math.cos(theta_rad), r_m * math.sin(theta_rad), 0.0],
                  [r_m * math.cos(theta_rad), -r_m * math.sin(theta_rad), 0.0]])
    return np.stack([p, p])


# ---------------------------------------------------------------- +Grid on a propagated Walker shell
ALT_KM, INC_DEG, P, S = 550.0, 53.0, 6, 10
ORBIT_S = 2.0 * math.pi * math.sqrt((EARTH_RADIUS_M + ALT_KM * 1e3) ** 3 / 3.986004418e14)


@pytest.fixture(scope="module")
def walker():
    sats = walker_shell(ALT_KM, INC_DEG, P, S, 1, "delta", EPOCH)
    t_s = np.arange(0.0, ORBIT_S + 60.0, 60.0)       # one orbit at 60 s, K + 1 boundaries
    pos, vel, err = Propagator(sats, EPOCH).propagate(t_s)
    assert (err == 0).all()
    return sats, pos, vel


def test_plus_grid_in_plane_ranges_match_the_chord(walker):
    sats, pos, vel = walker
    plane, slot, planes, per_plane = plane_slots(sats)
    a, b = plus_grid(plane, slot, planes, per_plane)
    cap, rng, _ = run_block(pos, vel, a, b, grazing_radius_m=EARTH_RADIUS_M + 80e3)
    # the kernel's range is the distance at boundary k (not k + 1) of the right two satellites
    expect = np.linalg.norm(pos[:-1, b] - pos[:-1, a], axis=-1)
    np.testing.assert_allclose(rng, expect, rtol=1e-14)
    in_plane = plane[a] == plane[b]
    assert in_plane.sum() == P * S
    chord_m = 2.0 * (EARTH_RADIUS_M + ALT_KM * 1e3) * math.sin(math.pi / S)   # 4282 km
    err_m = rng[:, in_plane] - chord_m
    # SGP4's short-periodic J2 terms, of scale J2 R^2 / a = 6.4 km here, move each satellite by
    # up to ~7 km radially and ~1e-3 rad along track (differing between neighbours 36 deg
    # apart); the chord moved by up to 4.8 km in this orbit. A neighbour two slots away (wrong
    # slots) would be 3.8 Mm off, a wrong plane more.
    assert np.abs(err_m).max() < 8e3
    # over one orbit the short-periodic terms average out; what stays is the offset of the mean
    # radius from the Brouwer mean semi-major axis (-0.4 km radially, -0.26 km on the chord)
    assert abs(err_m.mean()) < 1e3
    # in-plane rays bottom out at (R + h) cos 18 deg = 6589 km, well above R + 80 km: always live
    assert (cap[:, in_plane] > 0).all()
    # 6 planes 60 deg apart: near the equator cross-plane rays dip to (R + h) cos 30 deg = 6000 km,
    # under the surface, so some cross-plane links must drop and some stay up
    assert 0 < (cap[:, ~in_plane] > 0).mean() < 1


def test_plane_slots_recover_walker_slots_in_any_order():
    sats = walker_shell(ALT_KM, INC_DEG, 5, 7, 2, "delta", EPOCH)   # F/P = 0.4 < 1/2
    perm = np.random.default_rng(3).permutation(len(sats))
    shuffled = sats.select(perm)
    plane, slot, planes, per_plane = plane_slots(shuffled)
    assert (planes, per_plane) == (5, 7)
    built_plane = np.array([int(n.split("-P")[1][:3]) for n in shuffled.name])
    built_slot = np.array([int(n.split("-S")[1][:3]) for n in shuffled.name])
    np.testing.assert_array_equal(plane, built_plane)
    np.testing.assert_array_equal(slot, built_slot)


def test_plane_slots_reject_unknown_and_unequal_planes():
    sats = walker_shell(ALT_KM, INC_DEG, 3, 4, 0, "delta", EPOCH)
    unknown = SatelliteSet(sats.satrecs, sats.name, sats.norad_id, np.full(len(sats), -1, np.int32))
    with pytest.raises(ValueError, match="plane -1"):
        plane_slots(unknown)
    mixed = SatelliteSet.concat([sats, walker_shell(600.0, 70.0, 2, 5, 0, "delta", EPOCH)])
    with pytest.raises(ValueError, match="equal size"):
        plane_slots(mixed)


def test_slots_survive_catalogue_noise():
    # planes in phase (F = 0) with +-0.01 rad of noise: slot 0 of plane 1 sits just behind plane
    # 0's slot 0 and must still be slot 0 (nearest in phase), not the satellite a slot ahead
    per_plane = 8
    plane = np.repeat([0, 1, 2], per_plane)
    u = np.tile(np.arange(per_plane) * 2 * math.pi / per_plane, 3)
    u += np.random.default_rng(1).uniform(-0.01, 0.01, u.size)
    u[per_plane] = -0.009 + 2 * math.pi                  # plane 1, built slot 0, behind the node
    np.testing.assert_array_equal(slots_from_elements(plane, u), np.tile(np.arange(per_plane), 3))


# ---------------------------------------------------------------- +Grid structure
def hypatia_plus_grid(n_orbits, n_sats_per_orbit, isl_shift):
    """Hypatia's generate_plus_grid_isls (satgenpy/satgen/isls/generate_plus_grid_isls.py), as
    written there, orbit-major numbering."""
    out = set()
    for i in range(n_orbits):
        for j in range(n_sats_per_orbit):
            sat = i * n_sats_per_orbit + j
            same = i * n_sats_per_orbit + ((j + 1) % n_sats_per_orbit)
            adjacent = ((i + 1) % n_orbits) * n_sats_per_orbit + ((j + isl_shift) % n_sats_per_orbit)
            out.add((min(sat, same), max(sat, same)))
            out.add((min(sat, adjacent), max(sat, adjacent)))
    return out


@pytest.mark.parametrize("planes,per_plane,shift", [(5, 7, 0), (5, 7, 2), (3, 3, 1), (4, 6, -1)])
def test_plus_grid_is_hypatias_with_four_links_each(planes, per_plane, shift):
    n = planes * per_plane
    plane = np.repeat(np.arange(planes), per_plane)
    slot = np.tile(np.arange(per_plane), planes)
    a, b = plus_grid(plane, slot, planes, per_plane, shift=shift)
    assert set(zip(a.tolist(), b.tolist())) == hypatia_plus_grid(planes, per_plane, shift)
    assert (a < b).all() and (np.diff(a * n + b) > 0).all()        # sorted, unique
    np.testing.assert_array_equal(np.bincount(np.r_[a, b], minlength=n), 4)
    # shuffled satellite order: the same links between the same (plane, slot)s
    perm = np.random.default_rng(0).permutation(n)          # new satellite i is built one perm[i]
    a2, b2 = plus_grid(plane[perm], slot[perm], planes, per_plane, shift)
    back = set(zip(perm[a2].tolist(), perm[b2].tolist()))
    assert {(min(x, y), max(x, y)) for x, y in back} == hypatia_plus_grid(planes, per_plane, shift)


def test_plus_grid_shift_is_applied():
    plane = np.repeat(np.arange(4), 6)
    slot = np.tile(np.arange(6), 4)
    a, b = plus_grid(plane, slot, 4, 6, shift=2)
    cross = {(int(x), int(y)) for x, y in zip(a, b) if plane[x] != plane[y]}
    assert (0 * 6 + 0, 1 * 6 + 2) in cross and (0, 6) not in cross   # slot 0 -> slot 2 of plane 1
    assert (1 * 6 + 5, 2 * 6 + 1) in cross                           # wraps: 5 + 2 = 1 mod 6


def test_plus_grid_degenerate_shells():
    ring_a, ring_b = plus_grid(np.zeros(5), np.arange(5), 1, 5, terminals=2)   # 1 plane: a ring
    assert list(zip(ring_a, ring_b)) == [(0, 1), (0, 4), (1, 2), (2, 3), (3, 4)]
    plane, slot = np.repeat([0, 1], 4), np.tile(np.arange(4), 2)
    a, b = plus_grid(plane, slot, 2, 4, shift=0)              # plane 1 -> 0 is plane 0 -> 1
    np.testing.assert_array_equal(np.bincount(np.r_[a, b]), 3)
    a, b = plus_grid(plane, slot, 2, 4, shift=1)              # the wrap link differs: kept
    np.testing.assert_array_equal(np.bincount(np.r_[a, b]), 4)
    a, b = plus_grid(np.repeat([0, 1, 2], 2), np.tile([0, 1], 3), 3, 2)   # 2 per plane
    assert ((a == 0) & (b == 1)).sum() == 1
    np.testing.assert_array_equal(np.bincount(np.r_[a, b]), 3)


def test_plus_grid_errors():
    plane, slot = np.repeat(np.arange(3), 3), np.tile(np.arange(3), 3)
    with pytest.raises(ValueError, match="4 links but it has 3 terminals"):
        plus_grid(plane, slot, 3, 3, terminals=3)
    with pytest.raises(ValueError, match="no satellite"):
        plus_grid(plane, np.r_[slot[:-1], 0], 3, 3)
    with pytest.raises(ValueError, match="outside"):
        plus_grid(plane, np.r_[slot[:-1], 3], 3, 3)


# ---------------------------------------------------------------- line of sight, limits, budget
def test_segment_not_line():
    r = EARTH_RADIUS_M + 550e3
    # the infinite line through these passes 0.0995 r = 690 km from the centre, but the segment's
    # closest point is its end ra, at r: it clears the Earth
    ra, rb = np.array([r, 0.0, 0.0]), np.array([2 * r, 0.1 * r, 0.0])
    assert segment_clears(ra, rb, EARTH_RADIUS_M)
    assert not segment_clears(ra, -ra, EARTH_RADIUS_M)                 # straight through
    assert not segment_clears(ra, np.array([np.nan, 0.0, 0.0]), EARTH_RADIUS_M)


def test_grazing_line_of_sight_hand_case():
    # same altitude h = 550 km, r = R + h = 6 928 137 m, central angle 2 theta = 40 deg: the
    # chord's lowest point is its midpoint at r cos 20 deg = 6 510 319.2 m. Grazing radius 1 m
    # above it drops the link, 1 m below keeps it (double rounding here is ~1e-9 m).
    r, theta = EARTH_RADIUS_M + 550e3, math.radians(20.0)
    lowest_m = r * math.cos(theta)
    assert abs(lowest_m - 6_510_319.2) < 0.1
    pos = pair_at_half_angle(r, theta)
    cap, rng, _ = run_block(pos, None, [0], [1], grazing_radius_m=lowest_m - 1.0)
    assert cap[0, 0] > 0
    assert rng[0, 0] == pytest.approx(2 * r * math.sin(theta), abs=1e-6)
    cap, rng, _ = run_block(pos, None, [0], [1], grazing_radius_m=lowest_m + 1.0)
    assert cap[0, 0] == 0 and rng[0, 0] == pytest.approx(2 * r * math.sin(theta), abs=1e-6)
    assert segment_clears(pos[0, 0], pos[0, 1], lowest_m - 1.0)
    assert not segment_clears(pos[0, 0], pos[0, 1], lowest_m + 1.0)


def test_range_limit_and_node_ok():
    r, theta = EARTH_RADIUS_M + 550e3, math.radians(20.0)
    pos = pair_at_half_angle(r, theta)
    range_m = 2 * r * math.sin(theta)                         # 4 739 125 m
    # 1 m either side of the range: far beyond rounding of a 4.7e6 m distance (1e-9 m)
    assert run_block(pos, None, [0], [1], max_range_m=range_m + 1.0)[0][0, 0] > 0
    cap, rng, _ = run_block(pos, None, [0], [1], max_range_m=range_m - 1.0)
    assert cap[0, 0] == 0 and rng[0, 0] == pytest.approx(range_m, abs=1e-6)
    cap, rng, acc = run_block(pos, None, [0], [1], node_ok=[True, False])
    assert cap[0, 0] == 0 and rng[0, 0] == pytest.approx(range_m, abs=1e-6)
    assert (acc == 0).all()
    bad = pos.copy()
    bad[0, 1] = np.nan                                         # failed propagation: down
    assert run_block(bad, None, [0], [1])[0][0, 0] == 0


def test_field_of_regard_hand_case():
    # the chord between satellites at one altitude leaves each end theta = 20 deg below its local
    # horizontal (tangent-chord angle = half the central angle)
    pos = pair_at_half_angle(EARTH_RADIUS_M + 550e3, math.radians(20.0))
    assert run_block(pos, None, [0], [1], max_elevation_rad=math.radians(20.01))[0][0, 0] > 0
    assert run_block(pos, None, [0], [1], max_elevation_rad=math.radians(19.99))[0][0, 0] == 0


def test_slew_limit_constructed_case():
    # A at (r, 0, 0) at rest (its bus does not turn), B at (r, d, 0) moving at w along z: the line
    # of sight turns at |d y x w z| / d^2 = w / d = 1000 / 1e6 = 1e-3 rad/s, all of which A's
    # terminal must track; B's bus turns at r w / (r^2 + d^2) = 1.4e-4 rad/s about -y, so B's
    # terminal tracks |(1e-3 - 2e-5, 1.4e-4, 0)| = 9.9e-4 rad/s: a 10 % margin either side of 1e-3
    r, d, w = EARTH_RADIUS_M + 550e3, 1e6, 1e3
    p = np.array([[r, 0.0, 0.0], [r, d, 0.0]])
    v = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, w]])
    pos, vel = np.stack([p, p]), np.stack([v, v])
    assert run_block(pos, vel, [0], [1], max_slew_rad_s=1.1e-3)[0][0, 0] > 0
    assert run_block(pos, vel, [0], [1], max_slew_rad_s=0.9e-3)[0][0, 0] == 0


def test_in_plane_neighbours_need_no_tracking_on_earth_pointing_buses():
    """Two satellites 22.5 deg apart on one circular orbit: inertially the line of sight turns at
    the orbital rate (1.1e-3 rad/s), but so do both buses: their terminals hold still (to
    rounding), so even a 1e-9 rad/s tracking limit keeps the link."""
    r = EARTH_RADIUS_M + 550e3
    speed = math.sqrt(EARTH_MU_M3_S2 / r)
    u = np.radians([0.0, 22.5])
    p = np.stack([r * np.cos(u), r * np.sin(u), np.zeros(2)], axis=1)
    v = np.stack([-speed * np.sin(u), speed * np.cos(u), np.zeros(2)], axis=1)
    pos, vel = np.stack([p, p]), np.stack([v, v])
    assert run_block(pos, vel, [0], [1], max_slew_rad_s=1e-9)[0][0, 0] > 0
    assert speed / r > 1e-3   # what an inertial limit would have had to allow


def test_capacity_and_accumulation():
    # three satellites far from Earth (no blocking), on a line along y: 0-1 is 1000 km, 1-2 is
    # 3000 km; budget k = 4e21 bit m^2/s, cap 2e9 bit/s: 0-1 gets min(2e9, 4e9) = 2e9 (capped),
    # 1-2 gets 4e21 / 9e12 = 4.444e8 (range-limited); link 0-0 never exists.
    p = np.array([[1e8, 0.0, 0.0], [1e8, 1e6, 0.0], [1e8, 4e6, 0.0]])
    pos = np.stack([p, p, p])                                  # K = 2 steps
    acc0 = np.array([[5.0, 0.0, 0.0], [1.0, 0.0, 0.0]])          # added to, not overwritten
    cap, rng, acc = run_block(pos, None, [0, 1, 0], [1, 2, 0], acc=acc0.copy(), k_bps_m2=4e21,
                              cap_bps=2e9, dt_s=10.0)
    c12 = 4e21 / 9e12
    np.testing.assert_allclose(cap, [[2e9, c12, 0.0]] * 2, rtol=1e-12)
    np.testing.assert_allclose(rng, [[1e6, 3e6, 0.0]] * 2, rtol=1e-12)
    dt_total = 2 * 10.0
    np.testing.assert_allclose(acc[0], acc0[0] + dt_total * np.array([1, 2, 1]), rtol=1e-12)
    np.testing.assert_allclose(acc[1], acc0[1] + dt_total * np.array([2e9, 2e9 + c12, c12]),
                               rtol=1e-12)


# ---------------------------------------------------------------- nearest neighbours
def nearest_reference(pos, k, terminals, max_range_m):
    """Brute force over the N x N distance matrix, the same rule as topology.nearest."""
    n = len(pos)
    d = pos[None, :, :] - pos[:, None, :]                       # d[i, j] = pos[j] - pos[i]
    d2 = d[..., 0] * d[..., 0] + d[..., 1] * d[..., 1] + d[..., 2] * d[..., 2]
    cand = {}
    for i in range(n):
        order = np.lexsort((np.arange(n), d2[i]))               # by distance, then index
        picked = [j for j in order if j != i and d2[i, j] <= max_range_m ** 2][:k]
        for j in picked:
            cand[(min(i, j), max(i, j))] = d2[i, j]
    used = np.zeros(n, int)
    out = []
    for (x, y), _ in sorted(cand.items(), key=lambda kv: (kv[1], kv[0])):
        if used[x] < terminals and used[y] < terminals:
            used[x] += 1
            used[y] += 1
            out.append((x, y))
    return sorted(out)


@pytest.mark.parametrize("k,terminals,max_range_m", [(3, 3, 60e3), (4, 2, INF), (6, 4, 30e3)])
def test_nearest_matches_brute_force_on_a_cluster(k, terminals, max_range_m):
    pos = np.random.default_rng(7).uniform(-100e3, 100e3, (120, 3)) + [7e6, 0.0, 0.0]
    a, b = nearest(pos, k, terminals, max_range_m)
    assert list(zip(a.tolist(), b.tolist())) == nearest_reference(pos, k, terminals, max_range_m)
    assert np.bincount(np.r_[a, b], minlength=len(pos)).max() <= terminals
    assert (a < b).all() and (np.diff(a * len(pos) + b) > 0).all()


def test_nearest_ties_and_a_shell():
    # a lattice has many equal distances: ties are broken by index as in the reference
    g = np.arange(4) * 10e3
    lattice = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(-1, 3)
    a, b = nearest(lattice, 6, 4, INF)
    assert list(zip(a.tolist(), b.tolist())) == nearest_reference(lattice, 6, 4, INF)
    # satellites on a sphere shell (a Walker shell at epoch): most grid cells are empty
    sats = walker_shell(ALT_KM, INC_DEG, 20, 30, 1, "delta", EPOCH)
    pos = Propagator(sats, EPOCH).propagate([0.0])[0][0]
    a, b = nearest(pos, 4, 4, 3000e3)
    assert list(zip(a.tolist(), b.tolist())) == nearest_reference(pos, 4, 4, 3000e3)


# ---------------------------------------------------------------- explicit lists
def test_explicit():
    a, b = explicit([[3, 1], [0, 1], [2, 3]], 4, 2)
    assert list(zip(a.tolist(), b.tolist())) == [(0, 1), (1, 3), (2, 3)]
    assert explicit([], 3, 1)[0].size == 0
    with pytest.raises(ValueError, match=r"link 1 \[0, 4\]: satellite index outside"):
        explicit([[0, 1], [0, 4]], 4, 4)
    with pytest.raises(ValueError, match=r"link 0 \[-1, 2\]"):
        explicit([[-1, 2]], 4, 4)
    with pytest.raises(ValueError, match=r"link 0 \[2, 2\]: a satellite cannot link to itself"):
        explicit([[2, 2]], 4, 4)
    with pytest.raises(ValueError, match=r"link 2 \[1, 0\]: duplicates link 0"):
        explicit([[0, 1], [1, 2], [1, 0]], 4, 4)
    with pytest.raises(ValueError, match=r"link 2 \[1, 3\]: satellite 1 would have 3 links but has 2"):
        explicit([[0, 1], [1, 2], [1, 3]], 4, 2)
