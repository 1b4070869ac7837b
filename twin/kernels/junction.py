"""Accelerator junction temperature through a chain of thermal resistances (docs/design.md §5).

The two-node model's electronics node stands for the coolant loop and the cold plates it feeds.
Each accelerator's junction sits above it by the heat it dissipates times the chain from its
junction to the coolant,

    T_j = T_node + P_accel · R_chain,       R_chain = R_jc + R_cs + R_cp                  (1)

(junction to case, case to cold plate through the interface material, cold plate to coolant), a
quasi-steady relation: the junction's own time constant (a die of a few grams of silicon over
~0.03 K/W, seconds) is far below the engine's step, so the junction follows the node and the
power within the step.

The compute throttle x of a busy accelerator sets its power, P = P_idle + (P_peak − P_idle)·x,
and the junction temperature sets the throttle on a linear derating between the throttle and
shutdown junction temperatures (T_j0, T_js):

    x = (T_js − T_j) / (T_js − T_j0),  clipped to [0, 1].                                  (2)

(1) and (2) together are linear in x, so the throttle that puts T_j on the ramp is found in
closed form, not by iterating:

    x = (T_js − T_node − R·P_idle) / (T_js − T_j0 + R·(P_peak − P_idle)),  clipped,       (3)

which is the electronics-node ramp of :func:`twin.kernels.thermal.thermal_throttle` between the
node temperatures :func:`node_limits_k` gives: throttling starts when a busy accelerator at full
power reaches T_j0, T_node = T_j0 − R·P_peak, and compute stops when an idle one reaches T_js,
T_node = T_js − R·P_idle. The node kernel therefore steps the junction model at no cost per step
beyond recording T_j; the limits are set once, in :func:`twin.engine.nodes.node_params`, for
P_peak the rated power; under a power cap a busy accelerator's full power is the cap, and the
ramp's start moves up by R·(P_peak − P_cap) (:func:`twin.kernels.step.step_demand`).
"""
from numba import njit
from twin.kernels.jit import kernel


@njit(cache=True)
def node_limits_k(r_k_per_w, idle_w, peak_w, junction_throttle_k, junction_shutdown_k):
    """(throttle start, shutdown) [K] of the node temperature that put a busy accelerator's
    junction on its derating ramp (module docstring, Eq. 3): T_j0 − R·P_peak and T_js − R·P_idle.
    With T_j0 < T_js and P_idle <= P_peak the first is always below the second.

    Parameters
    ----------
    r_k_per_w : float
        junction-to-coolant resistance of one accelerator, R_chain [K/W]
    idle_w, peak_w : float
        one accelerator's power idle and at full speed [W]
    junction_throttle_k, junction_shutdown_k : float
        junction temperatures where throttling starts and where compute stops [K]
    """
    return junction_throttle_k - r_k_per_w * peak_w, junction_shutdown_k - r_k_per_w * idle_w


@kernel
def hottest_accel_w(compute_w, throttle, busy_accel, idle_w, peak_w):
    """Power of the node's hottest accelerator [W] over a step: a busy one at its throttle when
    any is busy, else an idle one; 0 when compute is off (``compute_w`` 0: safe mode, shutdown,
    a failed node), when the accelerators are unpowered and their junctions sit at the coolant's
    temperature."""
    if not compute_w > 0.0:
        return 0.0
    if busy_accel > 0.0:
        return idle_w + (peak_w - idle_w) * throttle
    return idle_w


@kernel
def junction_temp_k(t_node_k, accel_w, r_k_per_w):
    """Eq. (1): the junction temperature [K] of an accelerator dissipating ``accel_w`` [W] over a
    chain of ``r_k_per_w`` [K/W] to a node at ``t_node_k`` [K]."""
    return t_node_k + accel_w * r_k_per_w
