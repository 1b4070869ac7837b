"""Job progress over a block of steps, for gangs of accelerators spread over several nodes.

A job holding accelerators on several nodes (a gang) progresses at the rate of its slowest member
(DESIGN.md §3): per step, work done = n_accelerators × min(rate of member nodes) × dt.
Members are given in CSR form: job j's nodes are ``member_node[member_ptr[j]:member_ptr[j+1]]``
holding ``member_accel[...]`` accelerators each.
"""
from numba import njit


@njit(cache=True)
def advance_jobs(rate_kn, t0_s, dt_s, member_ptr, member_node, member_accel, n_accel,
                 remaining_accel_s, energy_j, done_s, idle_w, peak_w):
    """Progress every running job through the K steps of ``rate_kn`` (K, N) [1].

    Updates in place: ``remaining_accel_s`` (J,) [accelerator-s], ``energy_j`` (J,) [J] (the
    accelerators' power, idle share plus throttled dynamic share, while the job holds them) and
    ``done_s`` (J,) [s since epoch]: the time the work ran out, interpolated inside its step, or
    left as is (negative) while work remains.
    """
    n_steps = rate_kn.shape[0]
    for j in range(remaining_accel_s.shape[0]):
        if done_s[j] >= 0.0:
            continue
        lo, hi = member_ptr[j], member_ptr[j + 1]
        for k in range(n_steps):
            rate = 1.0
            power_w = 0.0
            for m in range(lo, hi):
                node_rate = rate_kn[k, member_node[m]]
                if node_rate < rate:
                    rate = node_rate
                power_w += member_accel[m] * (idle_w + (peak_w - idle_w) * node_rate)
            work = n_accel[j] * rate * dt_s
            if work >= remaining_accel_s[j] and rate > 0.0:
                fraction = remaining_accel_s[j] / work
                energy_j[j] += power_w * dt_s * fraction
                done_s[j] = t0_s + (k + fraction) * dt_s
                remaining_accel_s[j] = 0.0
                break
            remaining_accel_s[j] -= work
            energy_j[j] += power_w * dt_s
