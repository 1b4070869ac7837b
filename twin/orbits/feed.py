"""Geometry for the physics: positions, velocities and the Sun at every step boundary.

All satellites are propagated at once (``SatrecArray``) in blocks of steps. SGP4 is evaluated
every ``sgp4_step_s`` (a whole number of steps; the nodes) and the boundaries in between are
filled by Lagrange interpolation through the ``STENCIL`` nearest nodes
(:mod:`twin.kernels.interp`): ~2 mm in LEO at 120 s, 3 cm at the run's ends. The Sun (DE421)
is evaluated at the same nodes and interpolated with the same weights. Nodes are kept from one
block to the next, so each is propagated once.

Blocks are made ahead of the one asked for (BLOCKS_AHEAD of them, one when blocks are large),
whole, in the feed's own thread, while the engine steps the physics through the present block:
the block's new SGP4 nodes and the Sun (these hold the GIL, which the engine's thread mostly does
not need then: the node kernel runs without it), then the interpolation and ``derive``, which
turns the orbits into what the physics needs of them alone (numba functions that release the
GIL). One thread makes every block, in order, so the nodes and Sun it keeps from one block to the
next are never touched by two threads; a block's values come from the same functions and inputs
whatever the timing, and a block's length (from a memory budget) does not change any boundary's
values. The engine cuts the physics at fixed segments (:meth:`OrbitFeed.segment_end`),
never at block ends (a job that finishes frees its accelerators at the end of a call: where calls
end must not depend on the constellation's size); a call that spans blocks shorter than its
segment (a large constellation's) gets their boundaries joined.
"""
from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from twin.orbits.environment import sun_position_gcrs_m
from twin.kernels.interp import lagrange_fill, lagrange_weights
from twin.orbits.propagate import Propagator

SEGMENT_STEPS = 64  # the engine advances the physics in segments that end at multiples of this
#                     (rounded up to whole SGP4 intervals): fixed, so that where the physics is
#                     cut does not depend on the constellation's size (a shard's on its own)
BLOCK_BYTES = 8 * 2 ** 20   # a block's positions, velocities and derived geometry, about: a small
#                             constellation gets blocks of many segments (fewer SGP4 and ephemeris
#                             calls, each with a fixed cost), a large one blocks of part of one,
#                             whole SGP4 intervals and at least MIN_BLOCK_STEPS (issue 25: the blocks
#                             held were most of a large run's memory per satellite)
MIN_BLOCK_STEPS = 8   # a block shares its end boundary with the next, computed in both: at most an
#                       eighth more (with SGP4 at every step, ``every`` = 1)
MAX_BLOCK_STEPS = 1024
BYTES_PER_SAT_STEP = 96     # position, velocity (6 float64) and geometry (6 float64; the array's heat
#                             balance adds 3 of N_GEOMETRY's rows, its blocks ~25 % over BLOCK_BYTES)
STENCIL = 8       # nodes per interpolating polynomial (degree 7)
BLOCKS_AHEAD = 2  # blocks prepared ahead of the present one when they are small (one when a block
#                   is over BLOCK_BYTES): the feed's thread shares the other core with the HDF5
#                   writer's, and a chunk's compression can hold it for longer than a small block takes
SUN_BATCH = 720   # nodes whose Sun is computed in one call (a day at 120 s): a call's cost is mostly
#                   fixed, whatever its length. Batches start at multiples of SUN_BATCH, so a resumed
#                   run or a shard asks the ephemeris for exactly the same batches


class OrbitFeed:
    """Step k runs from boundary k (t = k·dt) to boundary k + 1."""

    def __init__(self, sats, epoch_utc, dt_s: float, n_steps: int, sgp4_step_s: float = 0.0, derive=None,
                 velocities: bool = True):
        """``derive(pos, vel, sun)``, if given, is computed for each block with it (in the
        feed's thread) and returned by :meth:`derived`. Without ``velocities`` (and with
        ``derive``) a block keeps no velocities once ``derive`` has used them: :meth:`get` gives
        an empty array for them, and a held block 24 bytes less per satellite and boundary."""
        self.propagator = Propagator(sats, epoch_utc)
        self.epoch_utc, self.dt_s, self.n_steps = epoch_utc, dt_s, n_steps
        every = max(1, int(sgp4_step_s / dt_s + 1e-9)) if sgp4_step_s else 1
        if every > 1 and -(-n_steps // every) + 1 < STENCIL:   # a short run: closer nodes
            every = max(1, n_steps // (STENCIL - 1))
        self.every = every
        self.n_sats = len(sats)
        self.segment = self.every * -(-SEGMENT_STEPS // self.every)
        step_bytes = BYTES_PER_SAT_STEP * max(self.n_sats, 1)
        block_bytes = step_bytes * self.segment
        segments = max(1, min(BLOCK_BYTES, BYTES_PER_SAT_STEP * self.n_sats * MAX_BLOCK_STEPS) // block_bytes)
        self.block = self.segment * segments
        self.blocks_ahead = BLOCKS_AHEAD if block_bytes * segments <= BLOCK_BYTES else 1
        if block_bytes > BLOCK_BYTES:   # part of a segment: whole SGP4 intervals
            least = self.every * -(-MIN_BLOCK_STEPS // self.every)
            self.block = min(self.segment, max(least, self.every * (BLOCK_BYTES // (step_bytes * self.every))))
            self.blocks_ahead = BLOCKS_AHEAD if step_bytes * self.block <= BLOCK_BYTES else 1
        # block starts: one segment (or block), then blocks doubling up to ``block`` (the engine
        # waits for the first; the feed's thread keeps ahead of the engine from then on), then
        # every ``block`` steps. Every segment boundary starts a block, so no block spans two
        # segments; blocks shorter than a segment tile it from its start.
        starts, length = [0], min(self.segment, self.block)
        while starts[-1] + length < n_steps:
            starts.append(starts[-1] + length)
            length = min(2 * length, self.block)
            if self.block < self.segment:
                length = min(length, self.segment_end(starts[-1]) - starts[-1])
        self._block_starts = np.array(starts + [n_steps])
        # nodes every `every` steps and at the run's end (a shorter last interval)
        self.node_steps = np.append(np.arange(0, n_steps, every), n_steps)
        self.n_points = min(STENCIL, len(self.node_steps))
        self._start = self._end = -1   # the block held: steps _start.._end - 1
        self._cache = None
        self._joined = None   # (k0, k1, window): boundaries of a call that spans blocks (_window)
        self.derive = derive
        self.velocities = velocities or derive is None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="twin-orbits")
        self._ahead = deque()   # (first step, future) of the blocks computed ahead, in order
        self._nodes = None   # (index of the first node held, positions, Sun)
        self._sun_batch = (-1, None)   # (batch number, Sun at its nodes [m])

    def segment_end(self, step: int) -> int:
        """End of the segment that holds step ``step``: where the engine cuts the physics."""
        return min((step // self.segment + 1) * self.segment, self.n_steps)

    def block_start(self, step: int) -> int:
        """First step of the block that holds step ``step`` (see ``_block_starts``): a
        boundary's values do not depend on the block it is computed in."""
        return int(self._block_starts[np.searchsorted(self._block_starts, step, side="right") - 1])

    def block_end(self, step: int) -> int:
        b = np.searchsorted(self._block_starts, step, side="right")
        return int(self._block_starts[min(b, len(self._block_starts) - 1)])

    def _stencils(self, steps: np.ndarray) -> np.ndarray:
        """Index of the first of the ``n_points`` nodes that interpolate each boundary: the
        interval holding it in the middle, shifted inwards at the run's ends."""
        interval = np.minimum(np.searchsorted(self.node_steps, steps, side="right") - 1,
                              len(self.node_steps) - 2)
        return np.clip(interval - (self.n_points // 2 - 1), 0, len(self.node_steps) - self.n_points)

    def _node_states(self, first: int, last: int):
        """Positions [m] and Sun [m] at nodes first..last, propagating only those not held."""
        index = np.arange(first, last + 1)
        pos = np.empty((len(index), self.n_sats, 3))
        sun = np.empty((len(index), 3))
        held = np.zeros(len(index), dtype=bool)
        if self._nodes is not None:
            held_first, held_pos, held_sun = self._nodes
            src = index - held_first
            held = (src >= 0) & (src < len(held_pos))
            pos[held], sun[held] = held_pos[src[held]], held_sun[src[held]]
        if not held.all():
            t_s = self.node_steps[index[~held]] * self.dt_s
            pos[~held], _, _ = self.propagator.propagate(t_s)   # SGP4 failures: NaN (screened before the run)
            sun[~held] = [self._sun_at_node(i) for i in index[~held]]
        self._nodes = (first, pos, sun)
        return pos, sun

    def _sun_at_node(self, i: int) -> np.ndarray:
        """The Sun [m] at node i, from the cached batch of SUN_BATCH nodes that holds it."""
        batch, i0 = divmod(int(i), SUN_BATCH)
        if batch != self._sun_batch[0]:
            nodes = self.node_steps[batch * SUN_BATCH:(batch + 1) * SUN_BATCH]
            self._sun_batch = (batch, sun_position_gcrs_m(self.epoch_utc, nodes * self.dt_s))
        return self._sun_batch[1][i0]

    def _submit(self, start: int):
        """The block from step ``start`` made in the feed's thread (:meth:`_make`); a future. Its
        positions and velocities are allocated here, in the engine's thread, as they were when
        SGP4 ran here: made in the feed's thread, glibc served them from a second heap arena,
        which kept 14 MB more at its peak (the memory benchmark at 10,000 satellites: 8.0 against
        6.7 kB per satellite)."""
        n_boundaries = self.block_end(start) - start + 1
        pos = np.empty((n_boundaries, self.n_sats, 3)) if self.every > 1 else None
        return self._pool.submit(self._make, start, pos, None if pos is None else np.empty_like(pos))

    def _make(self, start: int, pos, vel):
        """The block from step ``start``, in the feed's thread (module docstring): (pos, vel, sun,
        derived); ``pos`` and ``vel`` are filled where SGP4 is interpolated."""
        steps = np.arange(start, self.block_end(start) + 1)
        t_s = steps * self.dt_s
        if self.every == 1:
            pos, vel, _ = self.propagator.propagate(t_s)
            sun = sun_position_gcrs_m(self.epoch_utc, t_s)
        else:
            lo = self._stencils(steps)
            first = int(lo.min())
            node_pos, node_sun = self._node_states(first, int(lo.max()) + self.n_points - 1)
            w = np.empty((len(steps), self.n_points))
            dw = np.empty_like(w)
            lagrange_weights(self.node_steps * self.dt_s, lo, self.n_points, t_s, w, dw)
            sun = np.einsum("bj,bjc->bc", w, node_sun[(lo - first)[:, None] + np.arange(self.n_points)])
            lagrange_fill(node_pos, lo - first, w, dw, pos, vel)
        derived = self.derive(pos, vel, sun) if self.derive is not None else None
        if not self.velocities:
            vel = np.empty((0,) + vel.shape[1:])   # not a view: the block's velocities are freed
        return pos, vel, sun, derived

    def _load(self, start: int) -> None:
        if self._ahead and self._ahead[0][0] == start:
            future = self._ahead.popleft()[1]
        else:   # not the block made ahead (a jump): what was made ahead is dropped
            self._ahead.clear()
            future = self._submit(start)
        self._cache, self._start, self._end = future.result(), start, self.block_end(start)
        following = self.block_end(self._ahead[-1][0] if self._ahead else start)
        while len(self._ahead) < self.blocks_ahead and following < self.n_steps:
            self._ahead.append((following, self._submit(following)))
            following = self.block_end(following)

    def get(self, k0: int, k1: int):
        """Boundaries k0..k1 (inclusive) as (pos [m], vel [m/s], sun [m]); k0..k1 in one segment."""
        (pos, vel, sun, _), a = self._window(k0, k1)
        b = a + k1 - k0
        return pos[a:b + 1], vel[a:b + 1], sun[a:b + 1]

    def derived(self, k0: int, k1: int):
        """``derive``'s result for boundaries k0..k1 (its first axis), as :meth:`get`."""
        window, a = self._window(k0, k1)
        return window[3][a:a + k1 - k0 + 1]

    def _window(self, k0: int, k1: int):
        """(pos, vel, sun, derived) holding boundaries k0..k1, and the index of k0 in them: the
        block's, or, where k0..k1 spans blocks shorter than its segment, the pieces joined (a
        copy of one call's boundaries, kept while calls ask within it)."""
        joined = self._joined
        if joined is not None and joined[0] <= k0 and k1 <= joined[1]:
            return joined[2], k0 - joined[0]
        self._joined = None
        if not self._start <= k0 < self._end:
            self._load(self.block_start(k0))
        if k1 <= self._end:
            return self._cache, k0 - self._start
        parts, k = [], k0
        while True:   # the blocks after the first are those made ahead: no jump
            hi = min(k1, self._end)
            a, b = k - self._start, hi - self._start + (hi == k1)   # a shared boundary once
            parts.append([x if x is None or len(x) == 0 else x[a:b] for x in self._cache])
            if hi == k1:
                break
            k = hi
            self._load(self.block_start(k))
        window = tuple(p[0] if p[0] is None or len(p[0]) == 0 else np.concatenate(p) for p in zip(*parts))
        self._joined = (k0, k1, window)
        return window, 0

    def close(self) -> None:
        """Stop the feed's thread (a block being computed ahead is finished first)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._ahead.clear()
