"""Battery and load-shedding kernels against hand computations and conservation."""
import pytest
from hypothesis import given, settings, strategies as st

from twin.kernels.battery import battery_limits_w, battery_step, faded_capacity_j
from twin.kernels.layout import MODE_IDLE, MODE_NOMINAL, MODE_SAFE, MODE_THERMAL_SHUTDOWN, MODE_THROTTLED
from twin.kernels.power import compute_power_w, shed_load

WH = 3600.0


@pytest.mark.parametrize("jit", [True, False])
def test_charge_and_discharge_by_hand(jit):
    step = battery_step if jit else battery_step.py_func
    # 1 kW surplus into a battery that takes at most 400 W, 95 % efficient, for 10 s
    e, loss, curtailed, drawn = step(1000.0 * WH, 1000.0, 400.0, 800.0, 0.95, 0.9, 10.0)
    assert e == pytest.approx(1000.0 * WH + 400 * 0.95 * 10)
    assert loss == pytest.approx(400 * 0.05) and curtailed == pytest.approx(600.0) and drawn == 0
    # 450 W deficit, 90 % discharge efficiency: the cells give 500 W
    e, loss, curtailed, drawn = step(1000.0 * WH, -450.0, 400.0, 800.0, 0.95, 0.9, 10.0)
    assert drawn == pytest.approx(5000.0) and loss == pytest.approx(50.0) and curtailed == 0.0


@settings(max_examples=300, deadline=None)
@given(energy=st.floats(0, 1), net=st.floats(-5000, 5000), eta_c=st.floats(0.5, 1), eta_d=st.floats(0.5, 1),
       dt=st.floats(0.1, 600), capacity_wh=st.floats(10, 1e5), min_soc=st.floats(0, 0.5), max_soc=st.floats(0.6, 1))
def test_battery_energy_closes_and_soc_stays_in_bounds(energy, net, eta_c, eta_d, dt, capacity_wh, min_soc, max_soc):
    cap = capacity_wh * WH
    e0 = (min_soc + energy * (max_soc - min_soc)) * cap
    charge_w, discharge_w = battery_limits_w(e0, cap, min_soc, max_soc, dt, eta_c, eta_d, cap / 3600, cap / 3600)
    net = max(net, -discharge_w)  # shedding never asks for more than the battery can give
    e1, loss, curtailed, _ = battery_step(e0, net, charge_w, discharge_w, eta_c, eta_d, dt)
    # energy closes: net·dt = ΔE + (loss + curtailed)·dt, to rounding of the stored energy
    assert abs(net * dt - (e1 - e0) - (loss + curtailed) * dt) <= 1e-9 * max(cap, abs(net * dt))
    # bounds to float rounding of the stored energy (1e-12 of capacity, far below a joule here)
    assert min_soc * cap - 1e-12 * cap <= e1 <= max_soc * cap + 1e-12 * cap
    assert loss >= 0 and curtailed >= 0


def test_capacity_fade_is_linear_in_cycles():
    assert faded_capacity_j(100.0, 1000.0, 2e-4) == pytest.approx(80.0)
    assert faded_capacity_j(100.0, 1e9, 2e-4) == 0.0


def test_shedding_order_throttle_idle_safe():
    bus, heater, n, busy, idle, peak = 300.0, 50.0, 4.0, 4.0, 80.0, 700.0
    full = bus + heater + compute_power_w(n, busy, idle, peak, 1.0)
    args = (bus, heater, n, busy, idle, peak, 1.0, 0.3, False)
    mode, throttle, compute, h, b = shed_load(full + 1, 0.0, *args)
    assert mode == MODE_NOMINAL and throttle == 1.0 and compute == pytest.approx(n * peak)
    # 1 kW short: throttle so that load == supply exactly
    mode, throttle, compute, h, b = shed_load(full - 1000, 0.0, *args)
    assert mode == MODE_THROTTLED and b + h + compute == pytest.approx(full - 1000)
    assert throttle == pytest.approx(1 - 1000 / (busy * (peak - idle)))
    # not enough for the lowest throttle, enough for idle accelerators
    mode, throttle, compute, h, b = shed_load(bus + heater + n * idle + 10, 0.0, *args)
    assert mode == MODE_IDLE and throttle == 0.0 and compute == n * idle
    # not even idle: safe mode, bus first, heaters with what is left
    mode, throttle, compute, h, b = shed_load(bus + 20, 0.0, *args)
    assert mode == MODE_SAFE and compute == 0.0 and b == bus and h == pytest.approx(20)


def test_recovering_node_stays_idle_until_the_array_carries_it():
    args = (300.0, 0.0, 4.0, 4.0, 80.0, 700.0, 1.0, 0.3, True)
    mode, *_ = shed_load(10_000.0, 1000.0, *args)       # battery could, array could not: stay idle
    assert mode == MODE_IDLE
    mode, *_ = shed_load(10_000.0, 5000.0, *args)       # array alone carries the full load
    assert mode == MODE_NOMINAL


def test_thermal_shutdown_and_thermal_throttle():
    mode, throttle, compute, *_ = shed_load(1e5, 1e5, 300.0, 0.0, 4.0, 4.0, 80.0, 700.0, 0.0, 0.3, False)
    assert mode == MODE_THERMAL_SHUTDOWN and compute == 0.0
    mode, throttle, *_ = shed_load(1e5, 1e5, 300.0, 0.0, 4.0, 4.0, 80.0, 700.0, 0.5, 0.3, False)
    assert mode == MODE_THROTTLED and throttle == 0.5
