"""Jobs that communicate: a gang's rate under its links, against the analytic step-time model
(twin.kernels.jobs: t = t_p + max(0, t_c − overlap·t_p), t_p = step / rate, t_c = bits / path)."""
import math

import numpy as np
import pytest

from twin.kernels import layout as L
from twin.kernels.jobs import advance_jobs

DT_S = 10.0
K = 30


def run_gang(capacity_bps, bits, step_s, overlap, rate=1.0, share=1.0, route=(0,), bus_bps=1e12, members=(0, 1),
             work_accel_s=1e5):
    """One job of 8 accelerators on ``members`` (4 each) for K steps at node rate ``rate`` over
    a route of links whose capacity is ``capacity_bps``; returns (work done [accelerator-s],
    network time [accelerator-s], ledger acc)."""
    n = 2
    rate_kn = np.full((K, n), rate)
    heat_kn = np.zeros((K, n))
    acc = np.zeros((L.N_ACC, n))
    remaining = np.array([work_accel_s])
    network = np.zeros(1)
    member_node = np.array(members, dtype=np.int64)
    member_accel = np.full(len(members), 8.0 / len(members))
    cap_kl = np.full((K, 1), float(capacity_bps))
    done = advance_jobs(rate_kn, 0.0, DT_S, np.array([0, len(members)]), member_node, member_accel, np.array([8.0]),
                        remaining, np.zeros(1), np.array([-1.0]), 80.0, 700.0, heat_kn=heat_kn, acc=acc,
                        waiting_from_s=math.inf, comm_bits=np.array([float(bits)]), cap_kl=cap_kl,
                        link_jobs=np.array([share]), route_lo=np.array([0]), route_hi=np.array([len(route)]),
                        route_link=np.array(route, dtype=np.int64), comm_step_s=step_s, comm_overlap=overlap,
                        bus_bps=bus_bps, network_accel_s=network)
    return done, network[0], acc


@pytest.mark.parametrize("capacity_gbps, bits, step_s, overlap", [
    (100.0, 224e9, 1.0, 0.0),    # a 7e9-parameter bf16 gradient (112 Gbit) all-reduced over 2 satellites
    (10.0, 16e9, 2.0, 0.5),      # half of the compute hides communication
    (1000.0, 1e9, 1.0, 0.0),     # fast links: ~0.1 % lost
])
def test_gang_on_two_satellites_runs_at_the_link_bound_rate(capacity_gbps, bits, step_s, overlap):
    done, network, acc = run_gang(capacity_gbps * 1e9, bits, step_s, overlap)
    comm_s = bits / (capacity_gbps * 1e9)
    expected_rate = step_s / (step_s + max(0.0, comm_s - overlap * step_s))
    held = 8 * K * DT_S
    # same closed form, summed over K steps: only float rounding (1e-9 relative) separates them
    assert done == pytest.approx(held * expected_rate, rel=1e-9)
    assert network == pytest.approx(held * (1 - expected_rate), rel=1e-9)
    ledger = acc[L.ACC_LEDGER:L.ACC_LEDGER + L.N_LEDGER].sum(axis=1)
    assert ledger[L.LEDGER_NETWORK] == pytest.approx(held * (1 - expected_rate), rel=1e-9)
    assert ledger[L.LEDGER_DELIVERED] == pytest.approx(done, rel=1e-9)
    assert ledger.sum() == pytest.approx(held, rel=1e-12)   # the ledger closes


def test_throttled_gang_communicates_at_its_compute_rate():
    """At compute rate r the step computes in step/r; the same bits then cost less of the rate,
    and what power took is not booked to the network."""
    step_s, bits, cap = 1.0, 50e9, 100e9
    done, network, acc = run_gang(cap, bits, step_s, 0.0, rate=0.5)
    compute_s = step_s / 0.5
    expected = 0.5 * compute_s / (compute_s + bits / cap)
    held = 8 * K * DT_S
    assert done == pytest.approx(held * expected, rel=1e-9)
    assert network == pytest.approx(held * (0.5 - expected), rel=1e-9)
    ledger = acc[L.ACC_LEDGER:L.ACC_LEDGER + L.N_LEDGER].sum(axis=1)
    assert ledger[L.LEDGER_POWER] == pytest.approx(held * 0.5, rel=1e-9)


def test_shared_link_halves_the_path_and_no_path_stops_the_job():
    bits, cap = 100e9, 100e9
    alone, _, _ = run_gang(cap, bits, 1.0, 0.0)
    shared, _, _ = run_gang(cap, bits, 1.0, 0.0, share=2.0)
    assert alone == pytest.approx(8 * K * DT_S * 1 / 2, rel=1e-9)      # t_c = 1 s
    assert shared == pytest.approx(8 * K * DT_S * 1 / 3, rel=1e-9)     # t_c = 2 s
    stopped, network, _ = run_gang(cap, bits, 1.0, 0.0, route=(-1,))
    assert stopped == 0.0 and network == pytest.approx(8 * K * DT_S)
    down, _, _ = run_gang(0.0, bits, 1.0, 0.0)
    assert down == 0.0


def test_one_satellite_talks_over_its_bus():
    """An empty route: all members on one satellite, at the bus rate."""
    bus = 7.2e12
    bits = 2 * 7 / 8 * 112e9
    done, _, _ = run_gang(0.0, bits, 1.0, 0.0, route=(), bus_bps=bus, members=(0,))
    assert done == pytest.approx(8 * K * DT_S / (1 + bits / bus), rel=1e-9)


def test_flat_need_caps_the_rate_at_path_over_need():
    """``flat``: one 1-s step of need x 1 s bits, fully overlapped: rate = min(r, path / need)."""
    from twin.links.network import Traffic

    class Flat:
        kind, gbps_per_member = "flat", 40.0

    t = Traffic(Flat, 7.2e12)
    assert t.bits(2, 8) == 40e9 and t.bits(1, 8) == 0.0
    done, _, _ = run_gang(10e9, t.bits(2, 8), t.step_s, t.overlap)
    assert done == pytest.approx(8 * K * DT_S * 10 / 40, rel=1e-9)
    assert t.efficiency(t.bits(2, 8), 10e9) == pytest.approx(0.25)
    done, _, _ = run_gang(80e9, t.bits(2, 8), t.step_s, t.overlap)
    assert done == pytest.approx(8 * K * DT_S, rel=1e-9)


def test_data_parallel_bits_follow_ring_all_reduce():
    """2(m−1)/m of the gradient per member and step (Patarasuk & Yuan 2009)."""
    from twin.links.network import Traffic

    class DataParallel:
        kind, model_params, bytes_per_param, step_time_s, overlap = "data_parallel", 7e9, 2.0, 1.0, 0.0

    t = Traffic(DataParallel, 7.2e12)
    gradient_bits = 7e9 * 2 * 8
    assert t.bits(2, 16) == pytest.approx(gradient_bits)
    assert t.bits(4, 32) == pytest.approx(1.5 * gradient_bits)
    assert t.bits(1, 8) == pytest.approx(2 * 7 / 8 * gradient_bits)   # over the bus, among 8 accelerators
    assert t.bits(1, 1) == 0.0


def test_routes_take_the_fewest_live_links_and_a_ring_uses_each_link_once():
    """A ring 0-1-2-3-4-5-0 with a chord 0-3: 0 to 3 is one hop; with the chord down, three."""
    from twin.config.sections import Communication, Links
    from twin.links.network import NO_PATH, LinkNetwork

    a = np.array([0, 1, 2, 3, 4, 0, 0])
    b = np.array([1, 2, 3, 4, 5, 5, 3])
    net = LinkNetwork(Links(topology="pairs", pairs=[(0, 1)]), Communication(), (a, b), 7)
    net.capacity_bps[:] = 1e9
    assert net.path(0, 3) == [6]
    assert net.path(0, 6) is None                       # satellite 6 has no link
    assert net.ring_route([0, 3]) == ([6], [1.0])
    # 1-2 (link 1), 2-3-4 (links 2, 3), then back 4-3-2-1 (links 3, 2, 1: three hops, as 4-3-0-1
    # or 4-5-0-1, and breadth first reaches 2 from 3 before 0): the ring walks the chain out and
    # back, each link once in each direction, and each counts once
    assert net.ring_route([1, 2, 4]) == ([1, 2, 3], [1.0, 1.0, 1.0])
    net.capacity_bps[6] = 0.0                           # the chord drops
    net._adjacency = None
    assert net.path(0, 3) in ([0, 1, 2], [5, 4, 3])
    assert len(net.path(0, 3)) == 3
    assert net.ring_route([0, 6]) == ([NO_PATH], [1.0])


def test_a_ring_crossing_a_link_twice_the_same_way_loads_it_twice():
    """Chain 0-1-2-3, ring in the order 0, 2, 1, 3: hops 0-1-2, 2-1, 1-2-3, 3-2-1-0 cross the link
    1-2 twice each way: two loads on it, which halve the job's rate over it."""
    from twin.config.sections import Communication, Links
    from twin.links.network import LinkNetwork

    a, b = np.array([0, 1, 2]), np.array([1, 2, 3])
    net = LinkNetwork(Links(topology="pairs", pairs=[(0, 1)]), Communication(kind="flat", gbps_per_member=1.0),
                      (a, b), 4)
    net.capacity_bps[:] = 1e9
    assert net.ring_route([0, 2, 1, 3]) == ([0, 1, 2], [1.0, 2.0, 1.0])
    assert net.ring_route([0, 1, 2, 3]) == ([0, 1, 2], [1.0, 1.0, 1.0])   # out and back: one load each
    placement = [(0, 1), (2, 1), (1, 1), (3, 1)]
    assert net.efficiency(placement, 4) == pytest.approx(0.5)            # 1 Gbit/s need over a half share
    net.place(0, placement, 4)
    assert list(net.link_jobs) == [1.0, 2.0, 1.0] and list(np.maximum(net.link_jobs, 1.0)) == [1.0, 2.0, 1.0]
    net.release(0)
    assert list(net.link_jobs) == [0.0, 0.0, 0.0]
