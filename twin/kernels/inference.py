"""The inference queue over a block of steps: requests, replicas, batches (docs/design.md §5).

Requests wait in one first-come-first-served queue (arrival times, ascending, in
``queue[lo:hi]``). A replica lives on one node; when it is free and its node computes, it takes
the requests that have arrived, up to ``max_batch``, and serves them together: the batch needs
S(B) = fixed_s + per_request_s x B seconds of work at full rate (or an exponential time with that
mean), done at the node's compute rate of each step (``rate_kn`` from the node kernel: throttled by
power and heat, 0 while its compute is shed or the node is down). Replicas act in order of the
time they can start a batch (ties: the lower index), so the queue is shared exactly as by c
servers of an M/M/c queue; times are absolute (step k spans [k dt, (k + 1) dt)), so where the
engine cuts its blocks moves no event.

- A free replica whose node does not compute (rate 0: its compute shed for power, shut down by
  heat) takes nothing until a step where it does (the gateway routes around it); while requests
  wait meanwhile its time goes to the ledger's ``power`` and ``heat``, in the node's shares.
- A batch in service whose node stops computing is given up at the start of that step: its
  requests go back to the head of the queue in arrival order (the gateway retries them on
  another replica; a shed accelerator may lose its memory, and no client waits out an eclipse),
  and the work done on it leaves ``delivered`` for ``power`` and ``heat``.
- With ``timeout_s`` > 0 a free replica waits for its batch to fill to ``max_batch``, at most
  ``timeout_s`` after the oldest request came (its wait goes to ``scheduling``).
- A request that waited more than ``wait_limit_s`` when a replica could take it is refused: what
  a gateway dropping requests after that long does (M/M/c+D: customers who leave after a
  deterministic patience; the others' waits are the same whether the leavers leave early or at
  the head of the queue).

The ledger: a replica's accelerators serving a batch go to ``delivered`` at the rate, the rest of
the step's shortfall to ``heat`` and ``power`` (as :func:`twin.kernels.jobs.advance_jobs` books
a job's); a replica starting up (loading its model) to ``overhead``; idle, to ``no_demand``. A
down node's accelerators are the node kernel's (``faults``).

Random service times are drawn from a counter-based stream (SplitMix64's output function of key +
counter x golden gamma; Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
OOPSLA 2014): the n-th draw is a pure function of the key and n, so the state is one integer.
"""
import math

import numpy as np
from numba import config, njit

from twin.kernels.layout import (ACC_LEDGER, LEDGER_DELIVERED, LEDGER_HEAT, LEDGER_NO_DEMAND, LEDGER_OVERHEAD,
                                 LEDGER_POWER, LEDGER_SCHEDULING)
from twin.kernels.jit import kernel
from twin.kernels.power import dynamic_per_rate_w

# packed parameters (par)
P_FIXED_S, P_PER_REQUEST_S, P_MAX_BATCH, P_TIMEOUT_S, P_EXPONENTIAL, P_WAIT_LIMIT_S, P_OBJECTIVE_S, \
    P_NETWORK_S, P_ACCEL, P_IDLE_W, P_PEAK_W, P_MAX_QUEUE = range(12)
N_PAR = 12
# counters (int64)
C_SERVED, C_REFUSED, C_WITHIN, C_BATCHES, C_DRAWS, C_REQUEUED, C_QUEUE_FULL = range(7)
N_COUNTS = 7
# sums (float64)
F_LATENCY_S, F_WAIT_S, F_BATCH_REQUESTS, F_ENGAGED_S, F_ENERGY_J, F_LIVE_S = range(6)
N_SUMS = 6

# latency histogram: HIST_PER_DECADE log-spaced bins a decade from HIST_MIN_S, an underflow bin
# first and an overflow bin last; a quantile read from it is within half a bin, 0.12 %
HIST_MIN_S = 1e-6
HIST_PER_DECADE = 1000
HIST_DECADES = 14
N_HIST = HIST_PER_DECADE * HIST_DECADES + 2

GOLDEN_GAMMA = 0x9E3779B97F4A7C15
_MASK64 = (1 << 64) - 1
_INV_2_53 = 1.0 / 9007199254740992.0

if config.DISABLE_JIT:   # plain Python (TWIN_DISABLE_JIT=1): integers wrap by masking, not by overflow
    def uniform(key, counter):
        """The ``counter``-th uniform draw in [0, 1) of stream ``key`` (53 bits)."""
        z = (int(key) + (int(counter) + 1) * GOLDEN_GAMMA) & _MASK64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        z ^= z >> 31
        return (z >> 11) * _INV_2_53
else:
    @njit(cache=True)
    def uniform(key, counter):
        """The ``counter``-th uniform draw in [0, 1) of stream ``key`` (53 bits)."""
        z = np.uint64(key) + np.uint64(counter + 1) * np.uint64(GOLDEN_GAMMA)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
        return float(z >> np.uint64(11)) * _INV_2_53


@njit(cache=True)
def exponential(key, counter):
    """Exp(1) draw ``counter`` of stream ``key`` (1 − u lies in (0, 1]: no log of 0)."""
    return -math.log(1.0 - uniform(key, counter))


@njit(cache=True)
def poisson_arrivals(next_s, counter, key, rate_per_s, until_s, out, n, amplitude=0.0, peak_s=0.0,
                     period_s=86400.0):
    """Arrival times of a Poisson stream below ``until_s`` into ``out[n:]``, as long as it has room.

    ``next_s`` is the next arrival not yet given out, ``counter`` the draws so far. Returns (the new
    n, next_s, counter); the caller grows ``out`` and calls again while next_s < until_s.

    With ``amplitude`` A > 0 the rate is rate x (1 + A cos(2π (t − peak_s) / period_s)), drawn by
    thinning (Lewis & Shedler, "Simulation of nonhomogeneous Poisson processes by thinning", Naval
    Research Logistics Quarterly 26, 1979): candidates at the peak rate, each kept with
    probability rate(t) / peak rate; ``next_s`` is then the next candidate."""
    top = rate_per_s * (1.0 + amplitude)
    while next_s < until_s and n < out.shape[0]:
        keep = True
        if amplitude > 0.0:
            phase = 2.0 * math.pi * (next_s - peak_s) / period_s
            keep = uniform(key, counter) * top < rate_per_s * (1.0 + amplitude * math.cos(phase))
            counter += 1
        if keep:
            out[n] = next_s
            n += 1
        next_s += exponential(key, counter) / top
        counter += 1
    return n, next_s, counter


@kernel
def step_of(t_s, dt_s):
    """The step holding instant ``t_s`` (step k spans [k dt, (k + 1) dt)), robust to rounding."""
    k = int(math.floor(t_s / dt_s))
    if (k + 1) * dt_s <= t_s:
        k += 1
    elif k * dt_s > t_s:
        k -= 1
    return k


@kernel
def hist_bin(latency_s):
    if latency_s < HIST_MIN_S:
        return 0
    b = 1 + int(math.floor(math.log10(latency_s / HIST_MIN_S) * HIST_PER_DECADE))
    return min(b, N_HIST - 1)


def hist_quantile(hist, q):
    """Quantile ``q`` in [0, 1] of the histogram's values [s]: interpolated in log space within its
    bin; NaN when empty (underflow reads as HIST_MIN_S, overflow as the top edge)."""
    total = int(hist.sum())
    if total == 0:
        return math.nan
    target = q * total
    cum = np.cumsum(hist)
    b = int(np.searchsorted(cum, target, side="left"))
    if b == 0:
        return HIST_MIN_S
    if b >= N_HIST - 1:
        return HIST_MIN_S * 10.0 ** HIST_DECADES
    before = cum[b - 1]
    frac = min(max((target - before) / hist[b], 0.0), 1.0)
    return HIST_MIN_S * 10.0 ** ((b - 1 + frac) / HIST_PER_DECADE)


@kernel
def _book_engaged(acc, node, accel, rate, heat, span_s):
    acc[ACC_LEDGER + LEDGER_DELIVERED, node] += accel * rate * span_s
    acc[ACC_LEDGER + LEDGER_HEAT, node] += accel * heat * span_s
    acc[ACC_LEDGER + LEDGER_POWER, node] += accel * (1.0 - rate - heat) * span_s


@kernel
def _walk(r, node, accel, s, work, k0, n_steps, dt_s, rate_kn, heat_kn, acc, sums, rep_done):
    """Serve ``work`` full-rate seconds from ``s`` on node ``node``'s rates, booking the time to
    the ledger (and what was delivered to ``rep_done[r]``). Returns (the end, the work left, the
    stall): the end when it is within the block (else +inf); the stall, the start of the first step
    in which the node computes nothing, where the batch is given up (else +inf)."""
    k = step_of(s, dt_s) - k0
    t = s
    engaged = 0.0
    while k < n_steps:
        rate = rate_kn[k, node]
        if rate <= 0.0:
            sums[F_ENGAGED_S] += engaged
            return math.inf, work, t
        end = (k0 + k + 1) * dt_s
        span = end - t
        if work <= rate * span:
            used = work / rate
            _book_engaged(acc, node, accel, rate, heat_kn[k, node], used)
            rep_done[r] += accel * rate * used
            sums[F_ENGAGED_S] += engaged + used
            return t + used, 0.0, math.inf
        _book_engaged(acc, node, accel, rate, heat_kn[k, node], span)
        rep_done[r] += accel * rate * span
        engaged += span
        work -= rate * span
        t = end
        k += 1
    sums[F_ENGAGED_S] += engaged
    return math.inf, work, math.inf


@kernel
def _admit(queue, first, hi, end, lo, until_s, max_queue, counts):
    """Arrivals ``queue[first:hi]`` up to ``until_s`` join the waiting ``queue[lo:end]`` in turn,
    each refused if it finds ``max_queue`` waiting (M/M/c/K); the waiting ones are written on at
    ``end`` (never past what is read). Returns (first, end)."""
    while first < hi and queue[first] <= until_s:
        if end - lo < max_queue:
            queue[end] = queue[first]
            end += 1
        else:
            counts[C_QUEUE_FULL] += 1
        first += 1
    return first, end


@kernel
def _requeue(queue, lo, hi, members, n):
    """Put ``members[:n]`` (ascending arrival times) back at the head of ``queue[lo:hi]`` in
    arrival order; there is room before ``lo`` (the caller keeps it). Returns the new ``lo``."""
    m = 0
    while lo + m < hi and queue[lo + m] < members[n - 1]:
        m += 1
    i, j, out = 0, lo, lo - n
    while i < n and j < lo + m:   # a merge; writing stays behind reading (out < j while i < n)
        if members[i] <= queue[j]:
            queue[out] = members[i]
            i += 1
        else:
            queue[out] = queue[j]
            j += 1
        out += 1
    while i < n:
        queue[out] = members[i]
        i += 1
        out += 1
    return lo - n


@njit(cache=True)
def _finish(r, end_s, rep_n, rep_members, par, counts, sums, hist):
    """Replica ``r``'s batch ends at ``end_s``: its requests' latencies into the statistics."""
    n = rep_n[r]
    for j in range(n):
        latency = end_s - rep_members[r, j] + par[P_NETWORK_S]
        sums[F_LATENCY_S] += latency
        hist[hist_bin(latency)] += 1
        if latency <= par[P_OBJECTIVE_S]:
            counts[C_WITHIN] += 1
    counts[C_SERVED] += n
    rep_n[r] = 0


# ---------------------------------------------------------------- a heap of (time, replica)
@kernel
def _before(t_a, r_a, t_b, r_b):
    return t_a < t_b or (t_a == t_b and r_a < r_b)


@kernel
def _push(ht, hr, size, t, r):
    i = size
    ht[i], hr[i] = t, r
    while i > 0:
        p = (i - 1) // 2
        if not _before(ht[i], hr[i], ht[p], hr[p]):
            break
        ht[i], ht[p] = ht[p], ht[i]
        hr[i], hr[p] = hr[p], hr[i]
        i = p
    return size + 1


@kernel
def _pop(ht, hr, size):
    """Remove the first entry (returned by the caller from ht[0], hr[0] beforehand)."""
    size -= 1
    ht[0], hr[0] = ht[size], hr[size]
    i = 0
    while True:
        a, b, m = 2 * i + 1, 2 * i + 2, i
        if a < size and _before(ht[a], hr[a], ht[m], hr[m]):
            m = a
        if b < size and _before(ht[b], hr[b], ht[m], hr[m]):
            m = b
        if m == i:
            return size
        ht[i], ht[m] = ht[m], ht[i]
        hr[i], hr[m] = hr[m], hr[i]
        i = m


@njit(cache=True)
def serve_block(k0, n_steps, dt_s, rate_kn, heat_kn, queue, lo, first, hi, rep_node, rep_up, rep_ready_s, rep_key_s,
                rep_busy, rep_work_s, rep_n, rep_members, rep_done, par, key, counts, sums, hist, acc, dynamic_w):
    """Serve the queue through steps k0 .. k0 + n_steps − 1 (module docstring).

    ``queue[lo:first]``: arrival times [s] of the requests waiting, ascending; ``queue[first:hi]``
    those arriving in the block (before its end), which join the queue at their time unless it
    holds ``max_queue`` already. Per replica r (R,): ``rep_node`` its node; ``rep_up`` placed on a node that is up;
    ``rep_ready_s`` when its model is loaded [s]; ``rep_key_s`` the earliest it may take a batch
    [s]; ``rep_busy``, ``rep_work_s`` (full-rate seconds left), ``rep_n`` and ``rep_members`` (R,
    max_batch) its batch in service, ``rep_done`` (R,) what the ledger booked delivered for it
    [accelerator-s]. ``queue`` has room for every batch in service before ``lo``. ``par`` (N_PAR,) the parameters, ``key`` the service-time
    stream; ``counts``, ``sums``, ``hist`` and the ledger rows of ``acc`` (N_ACC, N) are
    incremented. ``dynamic_w`` (N,) [W]: a busy accelerator's power above idle per unit of its
    node's rate under a power cap (:func:`twin.ops.power_cap.dynamic_w`; None: no node capped,
    peak − idle, as :func:`twin.kernels.jobs.advance_jobs` takes it), for the replicas' energy. Returns (lo, hi): the requests waiting at the block's end."""
    t0, t1 = k0 * dt_s, (k0 + n_steps) * dt_s
    accel = par[P_ACCEL]
    max_batch = int(par[P_MAX_BATCH])
    n_rep = rep_node.shape[0]
    booked = np.zeros(n_rep)   # seconds of the block each replica spent other than idle
    ht = np.empty(n_rep)
    hr = np.empty(n_rep, np.int64)
    size = 0
    end_w = first   # the waiting requests are queue[lo:end_w]; queue[first:hi] yet to arrive
    max_queue = par[P_MAX_QUEUE]
    for r in range(n_rep):
        if not rep_up[r]:
            continue
        node = rep_node[r]
        if rep_ready_s[r] > t0:   # loading its model: overhead
            loading = min(rep_ready_s[r], t1) - t0
            acc[ACC_LEDGER + LEDGER_OVERHEAD, node] += accel * loading
            booked[r] += loading
        if rep_busy[r]:   # a batch carried over from the last block
            before = sums[F_ENGAGED_S]
            end, rep_work_s[r], stall = _walk(r, node, accel, t0, rep_work_s[r], k0, n_steps, dt_s, rate_kn, heat_kn,
                                              acc, sums, rep_done)
            booked[r] += sums[F_ENGAGED_S] - before
            if end < math.inf:
                _finish(r, end, rep_n, rep_members, par, counts, sums, hist)
                rep_busy[r] = False
                rep_key_s[r] = end
            elif stall < math.inf:   # given up at the stall: an event in turn
                size = _push(ht, hr, size, stall, r)
                continue
            else:
                continue
        size = _push(ht, hr, size, max(rep_key_s[r], rep_ready_s[r], t0), r)

    while size > 0:
        key_s, r = ht[0], hr[0]
        size = _pop(ht, hr, size)
        node = rep_node[r]
        first, end_w = _admit(queue, first, hi, end_w, lo, key_s, max_queue, counts)
        if rep_busy[r]:   # its node stopped computing: the batch goes back to the queue, its work lost
            heat = heat_kn[step_of(key_s, dt_s) - k0, node]
            acc[ACC_LEDGER + LEDGER_DELIVERED, node] -= rep_done[r]
            acc[ACC_LEDGER + LEDGER_HEAT, node] += rep_done[r] * heat
            acc[ACC_LEDGER + LEDGER_POWER, node] += rep_done[r] * (1.0 - heat)
            rep_done[r] = 0.0
            lo = _requeue(queue, lo, end_w, rep_members[r], rep_n[r])
            counts[C_REQUEUED] += rep_n[r]
            rep_n[r] = 0
            rep_busy[r] = False
        if lo == end_w:   # nothing waits: idle until the next arrival, or the next block
            if first < hi:
                size = _push(ht, hr, size, queue[first], r)
            else:
                rep_key_s[r] = key_s
            continue
        s = max(key_s, queue[lo])
        if s >= t1:
            rep_key_s[r] = s
            continue
        if s > key_s:   # it could start only later: in turn with the others
            size = _push(ht, hr, size, s, r)
            continue
        k = step_of(s, dt_s) - k0
        if rate_kn[k, node] <= 0.0:   # the node computes nothing: wait for a step where it does
            t, resume = s, math.inf
            while k < n_steps:
                end = (k0 + k + 1) * dt_s
                heat = heat_kn[k, node]
                acc[ACC_LEDGER + LEDGER_HEAT, node] += accel * heat * (end - t)
                acc[ACC_LEDGER + LEDGER_POWER, node] += accel * (1.0 - heat) * (end - t)
                booked[r] += end - t
                t = end
                k += 1
                if k < n_steps and rate_kn[k, node] > 0.0:
                    resume = t
                    break
            if resume == math.inf:
                rep_key_s[r] = t1
            else:
                size = _push(ht, hr, size, resume, r)
            continue
        while lo < end_w and s - queue[lo] > par[P_WAIT_LIMIT_S]:   # waited too long: refused
            counts[C_REFUSED] += 1
            lo += 1
        if lo == end_w:
            if first < hi:
                size = _push(ht, hr, size, queue[first], r)
            else:
                rep_key_s[r] = s
            continue
        n = 0
        while lo + n < end_w and n < max_batch and queue[lo + n] <= s:
            n += 1
        if n < max_batch and par[P_TIMEOUT_S] > 0.0:   # wait for the batch to fill, or the time-out
            fill_s = queue[lo] + par[P_TIMEOUT_S]
            more = first + max_batch - 1 - (end_w - lo)   # the arrival that would fill the batch
            if more < hi:
                fill_s = min(fill_s, queue[more])
            if fill_s > s:
                until = min(fill_s, t1)
                acc[ACC_LEDGER + LEDGER_SCHEDULING, node] += accel * (until - s)
                booked[r] += until - s
                if fill_s >= t1:
                    rep_key_s[r] = t1
                else:
                    size = _push(ht, hr, size, fill_s, r)
                continue
        for j in range(n):
            rep_members[r, j] = queue[lo + j]
            sums[F_WAIT_S] += s - queue[lo + j]
        lo += n
        rep_n[r] = n
        work = par[P_FIXED_S] + par[P_PER_REQUEST_S] * n
        if par[P_EXPONENTIAL] > 0.5:
            work *= exponential(key, counts[C_DRAWS])
            counts[C_DRAWS] += 1
        counts[C_BATCHES] += 1
        sums[F_BATCH_REQUESTS] += n
        before = sums[F_ENGAGED_S]
        rep_done[r] = 0.0
        end, rep_work_s[r], stall = _walk(r, node, accel, s, work, k0, n_steps, dt_s, rate_kn, heat_kn, acc, sums,
                                          rep_done)
        booked[r] += sums[F_ENGAGED_S] - before
        if end == math.inf:
            rep_busy[r] = True
            if stall < math.inf:
                size = _push(ht, hr, size, stall, r)
            continue
        _finish(r, end, rep_n, rep_members, par, counts, sums, hist)
        rep_key_s[r] = end
        size = _push(ht, hr, size, end, r)

    first, end_w = _admit(queue, first, hi, end_w, lo, t1, max_queue, counts)   # after the last event
    # the rest of each working replica's block: idle; and its accelerators' energy
    for r in range(n_rep):
        if not rep_up[r]:
            continue
        node = rep_node[r]
        acc[ACC_LEDGER + LEDGER_NO_DEMAND, node] += accel * max(0.0, (t1 - t0) - booked[r])
        sums[F_LIVE_S] += max(0.0, t1 - max(t0, min(rep_ready_s[r], t1)))
        dyn_w = dynamic_per_rate_w(dynamic_w, node, par[P_IDLE_W], par[P_PEAK_W])
        for k in range(n_steps):
            sums[F_ENERGY_J] += accel * (par[P_IDLE_W] + dyn_w * rate_kn[k, node]) * dt_s
    return lo, end_w
