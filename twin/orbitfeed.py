"""Geometry for the physics: positions, velocities and the Sun at every step boundary.

All satellites are propagated at once (``SatrecArray``) in blocks of steps. SGP4 is evaluated
every ``sgp4_step_s`` (a whole number of steps) and the boundaries in between are filled by
cubic Hermite interpolation (:mod:`twin.kernels.interp`), under a metre of error in LEO at 60 s;
the Sun (DE421) is evaluated at the same nodes and interpolated linearly (it moves 2.5e-4 rad
in 60 s, the chord error is ~3 m at 1 AU, i.e. nothing).
"""
from __future__ import annotations

import numpy as np

from twin.environment import sun_position_gcrs_m
from twin.kernels.interp import hermite_fill
from twin.orbits import Propagator

BLOCK_STEPS = 64  # step boundaries per propagation block, rounded up to whole SGP4 intervals


class OrbitFeed:
    """Step k runs from boundary k (t = k·dt) to boundary k + 1."""

    def __init__(self, sats, epoch_utc, dt_s: float, n_steps: int, sgp4_step_s: float = 0.0):
        self.propagator = Propagator(sats, epoch_utc)
        self.epoch_utc, self.dt_s, self.n_steps = epoch_utc, dt_s, n_steps
        self.every = max(1, int(round(sgp4_step_s / dt_s))) if sgp4_step_s else 1
        self.block = self.every * -(-BLOCK_STEPS // self.every)
        self.n_sats = len(sats)
        self._start = -1
        self._cache = None

    def block_end(self, step: int) -> int:
        return min((step // self.block + 1) * self.block, self.n_steps)

    def _propagate_block(self, start: int, stop: int):
        """Boundaries start..stop (inclusive) of one block."""
        steps = np.arange(start, stop + 1)
        if self.every == 1:
            t_s = steps * self.dt_s
            pos, vel, err = self.propagator.propagate(t_s)
            return pos, vel, sun_position_gcrs_m(self.epoch_utc, t_s), err
        # nodes every `every` steps and at the block's end (a shorter last interval at the run's end)
        node_steps = np.append(np.arange(start, stop, self.every), stop)
        node_t = node_steps * self.dt_s
        node_pos, node_vel, err = self.propagator.propagate(node_t)
        node_sun = sun_position_gcrs_m(self.epoch_utc, node_t)
        index = np.minimum(np.searchsorted(node_steps, steps, side="right") - 1, len(node_steps) - 2)
        span = node_steps[index + 1] - node_steps[index]
        frac = (steps - node_steps[index]) / span
        pos = np.empty((len(steps), self.n_sats, 3))
        vel = np.empty_like(pos)
        for span_steps in np.unique(span):
            sel = np.nonzero(span == span_steps)[0]
            part_pos, part_vel = np.empty((len(sel), self.n_sats, 3)), np.empty((len(sel), self.n_sats, 3))
            hermite_fill(node_pos, node_vel, index[sel], frac[sel], span_steps * self.dt_s, part_pos, part_vel)
            pos[sel], vel[sel] = part_pos, part_vel
        sun = node_sun[index] + frac[:, None] * (node_sun[index + 1] - node_sun[index])
        return pos, vel, sun, err

    def get(self, k0: int, k1: int):
        """Boundaries k0..k1 (inclusive) as (pos [m], vel [m/s], sun [m]); k0..k1 in one block."""
        start = (k0 // self.block) * self.block
        if start != self._start:
            stop = min(start + self.block, self.n_steps)
            pos, vel, sun, self.errors = self._propagate_block(start, stop)
            self._cache, self._start = (pos, vel, sun), start
        pos, vel, sun = self._cache
        a, b = k0 - start, k1 - start
        return pos[a:b + 1], vel[a:b + 1], sun[a:b + 1]
