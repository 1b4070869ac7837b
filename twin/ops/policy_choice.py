"""The policies by config name (``scheduler.policy``) and :func:`make_policy`, which builds the one a
scenario names with its knobs. Its own module, above every policy's (twin.ops.scheduling: fifo,
priority, topology_aware; twin.ops.policies: power_aware, thermal_aware, follow_the_sun;
twin.ops.power_cap), so that none of them imports another's registry."""
from __future__ import annotations

from twin.constants import STEFAN_BOLTZMANN_W_M2_K4
from twin.ops.policies import FollowTheSun, PowerAware, ThermalAware
from twin.ops.power_cap import PowerCap
from twin.ops.scheduling import Fifo, Policy, PolicyParams, PriorityBackfill, TopologyAware

# the policies made from PolicyParams alone; power_cap also reads the scheduler and spacecraft
POLICIES = {cls.name: cls for cls in (Fifo, PriorityBackfill, PowerAware, ThermalAware, FollowTheSun,
                                      TopologyAware)}


def make_policy(scheduler, spacecraft) -> Policy:
    """The policy named in the config, with its knobs (``scheduler``: :class:`twin.config.Scheduler`,
    ``spacecraft``: :class:`twin.config.Spacecraft`)."""
    from twin.config.junction import throttle_limits_k

    acc, bat, rad, th = spacecraft.accelerator, spacecraft.battery, spacecraft.radiator, spacecraft.thermal
    # a busy accelerator under the fixed power cap draws cap x peak (the power_cap policy sets
    # caps of its own and does not read these); with the junction limit its throttle then starts
    # R·(peak − capped) higher in node temperature, as the kernel's step_demand has it
    capped_w = acc.power_cap_fraction * acc.peak_power_w
    limit_k = throttle_limits_k(spacecraft)[0] - scheduler.thermal_margin_k
    if acc.thermal_limit == "junction":
        limit_k += acc.chain_k_per_w * (acc.peak_power_w - capped_w)
    # steady rise per busy accelerator: its dynamic power through the electronics-radiator
    # conductance in series with the radiator's linearised emission 4·ε·σ·T³·A at the limit
    radiating_w_per_k = 4 * rad.emissivity * STEFAN_BOLTZMANN_W_M2_K4 * limit_k ** 3 * rad.area_m2 * rad.sides
    heat_k = (capped_w - acc.idle_power_w) * (1 / th.conductance_w_per_k + 1 / radiating_w_per_k)
    params = PolicyParams(
        accel_per_node=acc.count, preempt=scheduler.preempt,
        bus_w=spacecraft.bus_power_w, idle_w=acc.idle_power_w, peak_w=acc.peak_power_w,
        battery_wh=bat.capacity_wh, min_soc=bat.min_soc, max_soc=bat.max_soc,
        charge_per_h=bat.max_charge_c_rate_per_h, charge_efficiency=bat.charge_efficiency,
        discharge_efficiency=bat.discharge_efficiency, power_soc_margin=scheduler.power_soc_margin,
        thermal_limit_k=limit_k, heat_per_accel_k=heat_k,
        migration_lead_s=scheduler.migration_lead_s,
        migration_min_gain_s=scheduler.migration_min_gain_s,
        link_aware=scheduler.link_aware or scheduler.policy == TopologyAware.name,
        min_link_efficiency=scheduler.min_link_efficiency,
        runtime_overestimate=scheduler.runtime_overestimate)
    if scheduler.policy == PowerCap.name:
        return PowerCap(params, scheduler, spacecraft)
    return POLICIES[scheduler.policy](params)
