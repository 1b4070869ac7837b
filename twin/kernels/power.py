"""Power management: which load a node serves given what the array and battery can supply.

Shedding order (docs/design.md §5): throttle compute -> idle compute -> safe mode (bus only).
A node that had to go idle or safe stays there, charging, until its state of charge is back above
``recover_soc`` or the array alone carries the full load: hysteresis, so that a node at the
bottom of its battery does not flap between modes every step.
"""

from twin.kernels.layout import (MODE_IDLE, MODE_NOMINAL, MODE_SAFE, MODE_THERMAL_SHUTDOWN,
                                 MODE_THROTTLED)
from twin.kernels.jit import kernel


@kernel
def compute_power_w(n_accel, busy_accel, idle_w, peak_w, throttle):
    """Accelerator power [W]: all powered at idle, busy ones up to peak scaled by the throttle."""
    return n_accel * idle_w + busy_accel * (peak_w - idle_w) * throttle


@kernel(_nrt=False)   # dynamic_w borrowed, as the arrays of twin.kernels.step
def dynamic_per_rate_w(dynamic_w, node, idle_w, peak_w):
    """A busy accelerator's power above idle per unit of node ``node``'s rate [W]: ``dynamic_w[node]``
    where a power cap is in force (:func:`twin.ops.power_cap.dynamic_w`), peak − idle where
    ``dynamic_w`` is None (no node capped). What jobs and inference replicas draw alike."""
    if dynamic_w is None:
        return peak_w - idle_w
    return dynamic_w[node]


@kernel
def shed_load(supply_w, solar_w, bus_w, heater_w, n_accel, busy_accel, idle_w, peak_w,
              thermal_throttle, min_throttle, recovering):
    """Choose the node's mode and the load it serves.

    Parameters [W unless noted]: supply_w = array + available battery discharge; solar_w = array
    alone; bus_w, heater_w = demands; n_accel, busy_accel [1]; idle_w, peak_w per accelerator;
    thermal_throttle [1] from the temperature curve; min_throttle [1]; recovering [bool].

    Returns (mode, throttle, compute_w, heater_w, bus_w) actually served.
    """
    if thermal_throttle <= 0.0:
        heater, bus = _survival(supply_w, bus_w, heater_w)
        return MODE_THERMAL_SHUTDOWN, 0.0, 0.0, heater, bus
    full_w = bus_w + heater_w + compute_power_w(n_accel, busy_accel, idle_w, peak_w, thermal_throttle)
    if recovering and solar_w < full_w:
        idle_load = bus_w + heater_w + n_accel * idle_w
        if idle_load <= supply_w:
            return MODE_IDLE, 0.0, n_accel * idle_w, heater_w, bus_w
        heater, bus = _survival(supply_w, bus_w, heater_w)
        return MODE_SAFE, 0.0, 0.0, heater, bus
    if full_w <= supply_w:
        mode = MODE_NOMINAL if thermal_throttle >= 1.0 else MODE_THROTTLED
        return mode, thermal_throttle, full_w - bus_w - heater_w, heater_w, bus_w
    if busy_accel > 0.0:
        spare_w = supply_w - bus_w - heater_w - n_accel * idle_w
        throttle = spare_w / (busy_accel * (peak_w - idle_w)) if peak_w > idle_w else 0.0
        if throttle >= min_throttle:
            throttle = min(throttle, thermal_throttle)
            return (MODE_THROTTLED, throttle,
                    compute_power_w(n_accel, busy_accel, idle_w, peak_w, throttle), heater_w, bus_w)
    if bus_w + heater_w + n_accel * idle_w <= supply_w:
        return MODE_IDLE, 0.0, n_accel * idle_w, heater_w, bus_w
    heater, bus = _survival(supply_w, bus_w, heater_w)
    return MODE_SAFE, 0.0, 0.0, heater, bus


@kernel
def _survival(supply_w, bus_w, heater_w):
    """(heater_w, bus_w) served with compute off: the bus first, heaters with what is left (a
    brown-out if even that fails). No mode argument: a constant one would compile once per mode."""
    bus = min(bus_w, supply_w)
    heater = min(heater_w, max(supply_w - bus, 0.0))
    return heater, bus
