"""What the node step leaves for the record and the event list: the integrals of its flows over
the record interval (``acc``, rows in :mod:`twin.kernels.layout`), their extrema, and its events.

The sums are written out in the order the run files were made with: reassociating them would
change their bits. The functions borrow the arrays they are handed (numba's ``_nrt=False``: no
reference counting at each call, once per node-step; see :mod:`twin.kernels.step`).
"""

from twin.kernels.layout import (ACC_BETA, ACC_COMPUTE, ACC_CURTAILED, ACC_HEATER, ACC_LOAD, ACC_LOSS, ACC_MAX,
                                 ACC_MIN, ACC_MODE_TIME, ACC_SOLAR, ACC_SUNLIT, ACC_THROTTLE, ACC_UTILIZATION,
                                 EVENT_ECLIPSE_ENTRY, EVENT_ECLIPSE_EXIT, EVENT_MODE_CHANGE, N_EXTREMA)
from twin.kernels.jit import kernel

NO_FLOWS = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)   # integrate_part's sums at a step's start


@kernel
def integrate_part(sums, load_w, compute_w, heater_w, curtailed_w, loss_w, throttle, duration_s):
    """The step's integrals so far (∫load, ∫compute, ∫heater, ∫curtailed, ∫loss dt [J], ∫throttle
    dt [s]) with one part's flows [W] and throttle [1] held over duration_s [s] added."""
    load_j, compute_j, heater_j, curtailed_j, loss_j, throttle_s = sums
    return (load_j + load_w * duration_s, compute_j + compute_w * duration_s, heater_j + heater_w * duration_s,
            curtailed_j + curtailed_w * duration_s, loss_j + loss_w * duration_s, throttle_s + throttle * duration_s)


@kernel(_nrt=False)   # arrays borrowed (module docstring)
def accumulate_mode_time(acc, i, mode, duration_s):
    """Node i spent duration_s [s] in ``mode``."""
    acc[ACC_MODE_TIME + mode, i] += duration_s


@kernel(_nrt=False)   # arrays borrowed (module docstring)
def accumulate_step(acc, i, dt_s, nu, beta, solar_full_w, sums, utilization, extrema):
    """Add a step of node i to its record integrals: visible fraction ν [1] and β [rad] (step
    means), the array's unshadowed power [W], :func:`integrate_part`'s ``sums`` and the share of
    the node's accelerators busy times their rate [1]; with ``extrema`` the step means also move
    the running minimum and maximum (EXTREMA_ACC's order)."""
    load_j, compute_j, heater_j, curtailed_j, loss_j, throttle_s = sums
    solar_j = solar_full_w * nu * dt_s
    acc[ACC_SUNLIT, i] += nu * dt_s
    acc[ACC_BETA, i] += beta * dt_s
    acc[ACC_SOLAR, i] += solar_j
    acc[ACC_LOAD, i] += load_j
    acc[ACC_COMPUTE, i] += compute_j
    acc[ACC_HEATER, i] += heater_j
    acc[ACC_CURTAILED, i] += curtailed_j
    acc[ACC_LOSS, i] += loss_j
    acc[ACC_UTILIZATION, i] += utilization * dt_s
    acc[ACC_THROTTLE, i] += throttle_s
    if extrema:
        step_means = (nu, solar_j / dt_s, load_j / dt_s, compute_j / dt_s, heater_j / dt_s,
                      curtailed_j / dt_s, loss_j / dt_s, utilization, throttle_s / dt_s)
        for q in range(N_EXTREMA):
            acc[ACC_MIN + q, i] = min(acc[ACC_MIN + q, i], step_means[q])
            acc[ACC_MAX + q, i] = max(acc[ACC_MAX + q, i], step_means[q])


@kernel(_nrt=False)   # arrays borrowed (module docstring)
def emit_events(ev_step, ev_kind, ev_value, i, n_ev, k, nu0, nu1, old_mode, new_mode):
    """Node i's events of step k, at its end boundary, appended to its buffers from slot n_ev: an
    eclipse entry or exit where ν crosses 0.5, a mode change. Returns the new count."""
    if nu0 >= 0.5 and nu1 < 0.5:
        ev_step[i, n_ev], ev_kind[i, n_ev], ev_value[i, n_ev] = k, EVENT_ECLIPSE_ENTRY, nu1
        n_ev += 1
    elif nu0 < 0.5 and nu1 >= 0.5:
        ev_step[i, n_ev], ev_kind[i, n_ev], ev_value[i, n_ev] = k, EVENT_ECLIPSE_EXIT, nu1
        n_ev += 1
    if new_mode != old_mode:
        ev_step[i, n_ev], ev_kind[i, n_ev], ev_value[i, n_ev] = k, EVENT_MODE_CHANGE, new_mode
        n_ev += 1
    return n_ev
