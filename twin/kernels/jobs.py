"""Job progress over a block of steps, for gangs of accelerators spread over several nodes.

A job holding accelerators on several nodes (a gang) progresses at the rate of its slowest member
(docs/design.md §5): per step, work done = n_accelerators × min(rate of member nodes) × dt.
Job j's members are the nodes ``member_node[member_lo[j]:member_hi[j]]`` holding
``member_accel[...]`` accelerators each; without ``member_hi`` the members are in CSR form
(``member_hi[j] = member_lo[j + 1]``).

Jobs may live in slots: with ``slots`` given, job j's state is at index ``slots[j]`` of every
per-job array except ``done_s`` (the caller keeps running jobs in persistent arrays and passes the
slots in use); without it, job j is index j.

Checkpoints (optional arrays): a job checkpoints every ``checkpoint_interval_s`` of the time it
holds its accelerators (wall-clock cadence, as training jobs do), at the end of the step in which
the interval is reached; ``checkpoint_work_accel_s`` then holds the work done so far, which is
what survives a preemption or a node failure. ``stall_s`` is time the job holds its accelerators
without progress (restoring from a checkpoint after a migration), consumed first.

Checkpoint costs (optional, ``write_stall_s`` given; twin.ops.checkpoints): the timer counts
compute time only (time held less stalls, Young/Daly's interval between checkpoints); a
checkpoint adds ``write_stall_s[slot]`` to the stall, and counts only once the stall is served (a
rollback during the write falls back to the checkpoint before, as Daly 2006 assumes): whenever a
stall ends, the work done is the checkpoint (no work is done during a stall, so after a restore or
a migration this is the checkpoint the job already had).

Communication (optional, ``comm_bits`` given): a job exchanges ``comm_bits[slot]`` bits over its
slowest path per step of ``comm_step_s`` compute time at full speed, of which a fraction
``comm_overlap`` of the compute time hides communication (docs/design.md §5). The path's rate is
the smallest ``cap_kl[k, l] / max(link_jobs[l], 1)`` over the job's route, the links
``route_link[route_lo[slot]:route_hi[slot]]`` (a link shared by several jobs is split evenly; a
route with a link id of -1 has no path: rate 0); an empty route means all members are on one
satellite and talk over its bus at ``bus_bps``. At compute rate r a step takes
t_p = comm_step_s / r to compute and t_c = bits / rate to communicate, so the job runs at
r · t_p / (t_p + max(0, t_c − overlap · t_p)); what that takes from r is the ledger's ``network``
cause and adds to ``network_accel_s[slot]``.

The ledger (optional, ``acc`` given): every accelerator-second a running job holds goes to one
cause in the node's ``ACC_LEDGER`` rows (docs/design.md §5): ``delivered`` at the job's rate; what
the member's own node lost, to ``heat`` (``heat_kn``) and ``power`` (the rest); what a faster
member lost waiting for the slowest, to the slowest member's causes in the same shares; a stall to
``overhead``; the communication shortfall to ``network``; and the rest of the block after the job's work ran out, to ``scheduling`` while a job
waits (from ``waiting_from_s``) and ``no_demand`` before.
"""
from numba import njit

from twin.kernels.layout import (ACC_LEDGER, LEDGER_DELIVERED, LEDGER_HEAT, LEDGER_NETWORK, LEDGER_NO_DEMAND,
                                 LEDGER_OVERHEAD, LEDGER_POWER, LEDGER_SCHEDULING)
from twin.kernels.jit import kernel
from twin.kernels.power import dynamic_per_rate_w


@njit(cache=True)
def advance_jobs(rate_kn, t0_s, dt_s, member_lo, member_node, member_accel, n_accel,
                 remaining_accel_s, energy_j, done_s, idle_w, peak_w,
                 work_accel_s=None, checkpoint_interval_s=None, since_checkpoint_s=None,
                 checkpoint_work_accel_s=None, stall_s=None, slots=None, member_hi=None,
                 heat_kn=None, acc=None, waiting_from_s=0.0, comm_bits=None, cap_kl=None, link_jobs=None,
                 route_lo=None, route_hi=None, route_link=None, comm_step_s=1.0, comm_overlap=0.0,
                 bus_bps=1.0, network_accel_s=None, write_stall_s=None, dynamic_w=None):
    """Progress every running job through the K steps of ``rate_kn`` (K, N) [1].

    Updates in place: ``remaining_accel_s`` [accelerator-s], ``energy_j`` [J] (the accelerators'
    power, idle share plus throttled dynamic share, while the job holds them) and ``done_s`` (J,)
    [s since epoch]: the time the work ran out, interpolated inside its step, or left as is
    (negative) while work remains. Jobs whose ``done_s`` is already set are skipped.

    With checkpointing (all five optional arrays given): ``work_accel_s`` total work
    [accelerator-s]; ``checkpoint_interval_s`` [s]; ``since_checkpoint_s`` [s] time held since the
    last checkpoint, updated; ``checkpoint_work_accel_s`` [accelerator-s] work done at the last
    checkpoint, updated; ``stall_s`` [s] progress-free time still to serve, updated;
    ``write_stall_s`` (slots,) [s] the stall of one checkpoint (module docstring), or None.

    ``slots`` (J,) int and ``member_hi`` go together (module docstring).

    Ledger (module docstring): ``heat_kn`` (K, N) [1] from the node kernel, ``acc`` (N_ACC, N)
    incremented in place [accelerator-s], ``waiting_from_s`` [s since epoch] (+inf: no job waits).

    Communication (module docstring): ``comm_bits`` (slots,) [bit per step], ``cap_kl`` (K, L)
    [bit/s] link capacity per step, ``link_jobs`` (L,) [1] the loads on each link, ``route_lo``/``route_hi`` (slots,)
    and ``route_link`` (E,) int64, ``comm_step_s`` [s], ``comm_overlap`` [1], ``bus_bps``
    [bit/s], ``network_accel_s`` (slots,) [accelerator-s] incremented. ``cap_kl`` may be None
    (no links: every multi-satellite route has rate 0).

    ``dynamic_w`` (N,) [W]: a busy accelerator's power above idle per unit of its node's rate,
    where power caps are set ((cap × peak − idle) / throughput at the cap, :mod:`twin.ops.power_cap`);
    None: ``peak_w − idle_w`` on every node.

    Returns the work done by all jobs in the block [accelerator-s].
    """
    n_steps = rate_kn.shape[0]
    total_work = 0.0
    for j in range(done_s.shape[0]):
        if done_s[j] >= 0.0:
            continue
        if slots is None:
            slot, lo, hi = j, member_lo[j], member_lo[j + 1]
        else:
            slot = slots[j]
            lo, hi = member_lo[slot], member_hi[slot]
        remaining_before = remaining_accel_s[slot]
        for k in range(n_steps):
            rate = 1.0
            power_w = 0.0
            slowest = member_node[lo]
            for m in range(lo, hi):
                node_rate = rate_kn[k, member_node[m]]
                if node_rate < rate:
                    rate, slowest = node_rate, member_node[m]
                dyn_w = dynamic_per_rate_w(dynamic_w, member_node[m], idle_w, peak_w)
                power_w += member_accel[m] * (idle_w + dyn_w * node_rate)
            stalled = 0.0
            if stall_s is not None and stall_s[slot] > 0.0:
                stalled = min(stall_s[slot], dt_s)
                stall_s[slot] -= stalled
                if write_stall_s is not None and stall_s[slot] <= 0.0:   # a write (or restore) is done
                    checkpoint_work_accel_s[slot] = work_accel_s[slot] - remaining_accel_s[slot]
            compute_rate = rate
            if comm_bits is not None and comm_bits[slot] > 0.0 and rate > 0.0:
                path_bps = _path_bps(k, route_lo[slot], route_hi[slot], route_link, cap_kl, link_jobs, bus_bps)
                rate = communicating_rate(rate, comm_bits[slot], path_bps, comm_step_s, comm_overlap)
            work = n_accel[slot] * rate * (dt_s - stalled)
            if work >= remaining_accel_s[slot] and rate > 0.0 and work > 0.0:
                used_s = stalled + remaining_accel_s[slot] / work * (dt_s - stalled)
                if network_accel_s is not None:
                    network_accel_s[slot] += n_accel[slot] * (compute_rate - rate) * (used_s - stalled)
                energy_j[slot] += power_w * used_s
                done_s[j] = t0_s + k * dt_s + used_s
                remaining_accel_s[slot] = 0.0
                if acc is not None:
                    _ledger_held(acc, heat_kn, rate_kn, k, lo, hi, member_node, member_accel, compute_rate, rate,
                                 slowest, stalled, used_s - stalled)
                    # the rest of the block: held, but the work has run out
                    _ledger_free(acc, lo, hi, member_node, member_accel, t0_s + k * dt_s + used_s,
                                 t0_s + n_steps * dt_s, waiting_from_s)
                break
            if acc is not None:
                _ledger_held(acc, heat_kn, rate_kn, k, lo, hi, member_node, member_accel, compute_rate, rate,
                             slowest, stalled, dt_s - stalled)
            remaining_accel_s[slot] -= work
            energy_j[slot] += power_w * dt_s
            if network_accel_s is not None:
                network_accel_s[slot] += n_accel[slot] * (compute_rate - rate) * (dt_s - stalled)
            if checkpoint_interval_s is not None:
                since_checkpoint_s[slot] += dt_s if write_stall_s is None else dt_s - stalled
                if since_checkpoint_s[slot] >= checkpoint_interval_s[slot]:
                    if write_stall_s is not None and write_stall_s[slot] > 0.0:
                        stall_s[slot] += write_stall_s[slot]   # counts once written (above)
                    else:
                        checkpoint_work_accel_s[slot] = work_accel_s[slot] - remaining_accel_s[slot]
                    since_checkpoint_s[slot] -= checkpoint_interval_s[slot] * (
                        since_checkpoint_s[slot] // checkpoint_interval_s[slot])
        total_work += remaining_before - remaining_accel_s[slot]
    return total_work


@njit(cache=True, _nrt=False)   # borrows its arrays
def _path_bps(k, lo, hi, route_link, cap_kl, link_jobs, bus_bps):
    """Rate of a job's slowest path at step ``k`` [bit/s]: the least capacity share over its
    route's links; the bus when the route is empty (one satellite); 0 when it has no path."""
    if hi <= lo:
        return bus_bps
    if cap_kl is None:
        return 0.0
    best = bus_bps
    for e in range(lo, hi):
        link = route_link[e]
        if link < 0:
            return 0.0
        share = cap_kl[k, link] / max(link_jobs[link], 1.0)
        if share < best:
            best = share
    return best


@njit(cache=True, _nrt=False)
def communicating_rate(rate, bits, path_bps, step_s, overlap):
    """A job's rate [1] when, at compute rate ``rate``, each step of ``step_s`` at full speed also
    moves ``bits`` at ``path_bps``, ``overlap`` of the compute time hiding it."""
    if path_bps <= 0.0:
        return 0.0
    compute_s = step_s / rate
    comm_s = bits / path_bps
    return rate * compute_s / (compute_s + max(0.0, comm_s - overlap * compute_s))


@kernel(_nrt=False)   # borrows its arrays (twin.kernels.step: no reference counting per call)
def _ledger_held(acc, heat_kn, rate_kn, k, lo, hi, member_node, member_accel, compute_rate, rate, slowest, stalled_s,
                 run_s):
    """A job's members over one step: ``stalled_s`` to overhead, then ``run_s`` at the job's
    ``rate``: delivered, what communication took from its ``compute_rate`` (network), each
    member's own shortfall (heat, power) and its wait for the slowest member (that member's
    causes, in their shares)."""
    network = compute_rate - rate
    rate = compute_rate
    short = 1.0 - rate
    slow_heat = heat_kn[k, slowest] / short if short > 0.0 else 0.0   # heat's share of the slowest's loss
    for m in range(lo, hi):
        node, a = member_node[m], member_accel[m]
        own_rate, own_heat = rate_kn[k, node], heat_kn[k, node]
        acc[ACC_LEDGER + LEDGER_OVERHEAD, node] += a * stalled_s
        acc[ACC_LEDGER + LEDGER_DELIVERED, node] += a * (rate - network) * run_s
        acc[ACC_LEDGER + LEDGER_NETWORK, node] += a * network * run_s
        waited = a * (own_rate - rate) * run_s
        acc[ACC_LEDGER + LEDGER_HEAT, node] += a * own_heat * run_s + waited * slow_heat
        acc[ACC_LEDGER + LEDGER_POWER, node] += a * (1.0 - own_rate - own_heat) * run_s + waited * (1.0 - slow_heat)


@kernel(_nrt=False)   # borrows its arrays
def _ledger_free(acc, lo, hi, member_node, member_accel, from_s, to_s, waiting_from_s):
    """Accelerators of a job's members free from ``from_s`` to ``to_s`` [s since epoch]."""
    waiting_s = max(0.0, to_s - max(from_s, waiting_from_s))
    for m in range(lo, hi):
        node, a = member_node[m], member_accel[m]
        acc[ACC_LEDGER + LEDGER_SCHEDULING, node] += a * waiting_s
        acc[ACC_LEDGER + LEDGER_NO_DEMAND, node] += a * ((to_s - from_s) - waiting_s)
