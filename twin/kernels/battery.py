"""Battery: limits and one step of charge or discharge, with losses and capacity fade.

A lumped energy-reservoir model with constant charge and discharge efficiencies, C-rate power
limits and state-of-charge bounds, as used for LEO power-system sizing (Patel, *Spacecraft Power
Systems*, 2004, ch. 9; Wertz & Larson, *Space Mission Analysis and Design*, 3rd ed., §11.4).
Capacity fades linearly with equivalent full cycles (EFC = discharged energy / nominal capacity),
the usual first-order cycle-ageing model (e.g. Wang et al. 2011, J. Power Sources 196, 3942).
All powers are bus-side [W], energies [J].
"""
from twin.kernels.jit import kernel


@kernel
def battery_limits_w(energy_j, capacity_j, min_soc, max_soc, dt_s, charge_efficiency,
                     discharge_efficiency, max_charge_w, max_discharge_w):
    """Bus-side power the battery can accept and deliver over the next step [W].

    Parameters: energy_j, capacity_j [J]; min_soc, max_soc [1]; dt_s [s]; efficiencies [1];
    max_charge_w, max_discharge_w [W] (C-rate limits).
    """
    room_j = max_soc * capacity_j - energy_j
    if room_j < 0.0:
        room_j = 0.0
    available_j = energy_j - min_soc * capacity_j
    if available_j < 0.0:
        available_j = 0.0
    charge_w = min(max_charge_w, room_j / (charge_efficiency * dt_s))
    discharge_w = min(max_discharge_w, available_j * discharge_efficiency / dt_s)
    return charge_w, discharge_w


@kernel
def battery_step(energy_j, net_w, charge_limit_w, discharge_limit_w, charge_efficiency,
                 discharge_efficiency, dt_s):
    """Apply a bus surplus (net_w > 0) or deficit (net_w < 0) for one step.

    Returns (energy_j, loss_w, curtailed_w, discharged_j): the new stored energy [J], the
    conversion loss [W], the surplus the battery could not take [W] and the energy drawn from the
    cells [J]. The deficit must not exceed ``discharge_limit_w`` (load shedding sees to that).
    Energy closes exactly: net_w·dt = ΔE + loss·dt + curtailed·dt.
    """
    if net_w >= 0.0:
        charge_w = min(net_w, charge_limit_w)
        energy_j += charge_w * charge_efficiency * dt_s
        return energy_j, charge_w * (1.0 - charge_efficiency), net_w - charge_w, 0.0
    out_w = min(-net_w, discharge_limit_w)
    drawn_j = out_w / discharge_efficiency * dt_s
    energy_j -= drawn_j
    return energy_j, out_w * (1.0 / discharge_efficiency - 1.0), 0.0, drawn_j


@kernel
def faded_capacity_j(nominal_capacity_j, efc, fade_per_efc):
    """Capacity after ``efc`` equivalent full cycles with linear fade [J] (floored at zero)."""
    capacity = nominal_capacity_j * (1.0 - fade_per_efc * efc)
    return capacity if capacity > 0.0 else 0.0
