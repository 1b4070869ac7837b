"""SGP4 every 120 s (the default) with Lagrange interpolation through 8 nodes in between agrees
with SGP4 at every step to centimetres over a day, for real Starlink and ISS TLEs."""
from datetime import datetime, timezone

import numpy as np
import pytest

from conftest import DATA
from twin.config import Simulation
from twin.kernels.interp import lagrange_fill, lagrange_weights
from twin.orbits.feed import OrbitFeed
from twin.orbits import Propagator, SatelliteSet, load_tle

EPOCH = datetime(2026, 5, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def sats():
    iss = load_tle(DATA / "celestrak_iss_20260530.tle")
    starlink = load_tle(DATA / "starlink_sample_20260530.tle")   # 200 real TLEs
    return SatelliteSet.concat([iss, starlink])


def _worst_errors(feed, sats, dt, n_steps):
    direct = Propagator(sats, EPOCH)
    worst_pos = worst_vel = 0.0
    k = 0
    while k < n_steps:
        k1 = feed.block_end(k)
        pos, vel, sun = feed.get(k, k1)
        ref_pos, ref_vel, _ = direct.propagate(np.arange(k, k1 + 1) * dt)
        worst_pos = max(worst_pos, np.linalg.norm(pos - ref_pos, axis=-1).max())
        worst_vel = max(worst_vel, np.linalg.norm(vel - ref_vel, axis=-1).max())
        k = k1
    return worst_pos, worst_vel


def test_interpolated_positions_within_centimetres_over_a_day(sats):
    """The error estimate r (n h)^8 max|prod(s - j)| / 8! is 1 mm between central nodes and
    ~1.5 cm at the run's ends (one-sided stencil) at h = 120 s; SGP4's short-period and drag
    terms add to that (2.9 cm measured, at an end of the day): 5 cm is the test, 1 m the target of
    docs/design.md §8."""
    dt, n_steps = 10.0, 8640
    feed = OrbitFeed(sats, EPOCH, dt, n_steps, sgp4_step_s=Simulation.model_fields["sgp4_step_s"].default)
    assert feed.every == 12
    worst_pos, worst_vel = _worst_errors(feed, sats, dt, n_steps)
    print(f"max position error {worst_pos:.4f} m, velocity {worst_vel * 1000:.2f} mm/s")
    assert worst_pos < 0.05
    # velocities are the polynomial's derivative; SGP4's own velocity differs from the derivative
    # of its positions by up to 0.14 m/s in this sample (its short-period rates are approximate).
    # Velocities only orient the LVLH frame and give the beta angle: 0.5 m/s of 7.6 km/s is
    # 7e-5 rad (0.004 deg) of attitude, far below anything the physics resolves
    assert worst_vel < 0.5


def test_a_short_run_gets_closer_nodes(sats):
    """Fewer than 8 nodes at the asked spacing: the spacing shrinks so the stencil is full."""
    feed = OrbitFeed(sats, EPOCH, 10.0, 50, sgp4_step_s=120.0)
    assert feed.every == 7 and len(feed.node_steps) >= 8
    worst_pos, _ = _worst_errors(feed, sats, 10.0, 50)
    assert worst_pos < 0.01   # nodes 70 s apart: well under a millimetre in the middle


def test_a_polynomial_of_degree_seven_is_interpolated_exactly():
    """Weights on uneven nodes (as at a run's end) reproduce any polynomial of degree < 8."""
    rng = np.random.default_rng(1)
    node_t = np.array([0.0, 120.0, 240.0, 360.0, 480.0, 600.0, 720.0, 760.0])
    coef = rng.normal(size=8) / np.array([100.0 ** d for d in range(8)])
    x = np.polynomial.Polynomial(coef)
    node_pos = np.broadcast_to(x(node_t)[:, None, None], (8, 1, 3)).copy()
    t = np.linspace(0.0, 760.0, 39)
    lo = np.zeros(len(t), dtype=np.int64)
    w, dw = np.empty((len(t), 8)), np.empty((len(t), 8))
    lagrange_weights(node_t, lo, 8, t, w, dw)
    out_p, out_v = np.empty((len(t), 1, 3)), np.empty((len(t), 1, 3))
    lagrange_fill(node_pos, lo, w, dw, out_p, out_v)
    np.testing.assert_allclose(out_p[:, 0, 0], x(t), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(out_v[:, 0, 0], x.deriv()(t), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-12)   # constants are kept


def test_runs_of_any_length_end_on_a_node(sats):
    """A run whose length is not a whole number of SGP4 intervals ends on an exact node."""
    feed = OrbitFeed(sats, EPOCH, 10.0, 100, sgp4_step_s=60.0)   # 100 steps: last interval 4 steps
    k0 = feed.block_start(99)        # blocks are whole SGP4 intervals; the last one ends the run
    assert k0 % feed.every == 0 and feed.block_end(k0) == 100
    pos, _, _ = feed.get(k0, 100)
    ref, _, _ = Propagator(sats, EPOCH).propagate(np.array([1000.0]))
    np.testing.assert_allclose(pos[-1], ref[0], atol=1e-6)


def test_each_node_is_propagated_once(sats, monkeypatch):
    feed = OrbitFeed(sats, EPOCH, 10.0, 1000, sgp4_step_s=120.0)
    calls = []
    original = feed.propagator.propagate
    monkeypatch.setattr(feed.propagator, "propagate", lambda t: calls.append(np.asarray(t)) or original(t))
    k = 0
    while k < 1000:
        k1 = feed.block_end(k)
        feed.get(k, k1)
        k = k1
    propagated = np.concatenate(calls)
    np.testing.assert_array_equal(np.sort(propagated), feed.node_steps * 10.0)


def test_a_feed_started_mid_run_gives_the_same_bits(sats):
    """A resumed run starts its feed mid-run and propagates other batches of nodes than an
    uninterrupted one; every boundary must still come out bit for bit the same (the frame
    matrices and the Sun are evaluated in batches fixed by node number, never by what a caller
    asked for). 2,000 steps of 60 s (33 h) cross a batch boundary of both: the Sun's at node 720
    (24 h of 120 s nodes) and the frame's at 24 hourly nodes."""
    dt, n_steps = 60.0, 2000
    walked = OrbitFeed(sats, EPOCH, dt, n_steps, sgp4_step_s=120.0)
    k, blocks = 0, {}
    while k < n_steps:
        k1 = walked.block_end(k)
        blocks[k] = [a.copy() for a in walked.get(k, k1)]
        k = k1
    # block starts a resumed feed can begin at: one whose stencils straddle the batch boundary
    # at 24 h, one past it
    starts = [k for k in blocks if k * dt >= 18 * 3600][:2]
    assert len(starts) == 2 and starts[0] * dt < 86400 < starts[1] * dt
    for start in starts:
        fresh = OrbitFeed(sats, EPOCH, dt, n_steps, sgp4_step_s=120.0)
        k = start
        while k < n_steps:
            k1 = fresh.block_end(k)
            for got, want in zip(fresh.get(k, k1), blocks[k]):
                assert got.tobytes() == want.tobytes(), (start, k)
            k = k1
