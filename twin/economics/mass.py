"""What a satellite weighs, part by part, from its own components and the specific masses of
``economics.mass`` (twin/config/economics.py, each with its source).

Parts: the solar array (its beginning-of-life power at 1 AU and normal incidence over a specific
power), the radiator panel (area times areal mass), the battery (capacity over specific energy),
the accelerators' servers, radiation shielding, the link terminals; then structure and bus as a
fraction of the dry mass, and propellant as a fraction of the wet mass.
"""
from __future__ import annotations

from twin.constants import SOLAR_CONSTANT_W_M2

PARTS = ("solar_array", "radiator", "battery", "servers", "shielding", "terminals")


def array_power_w(solar_array) -> float:
    """An array's output at beginning of life, 1 AU, normal incidence, at its reference cell
    temperature, before the regulator [W]: area x solar constant x cell efficiency x packing."""
    return solar_array.area_m2 * SOLAR_CONSTANT_W_M2 * solar_array.cell_efficiency * solar_array.packing_factor


def mass_budget(spacecraft, links, mass) -> dict:
    """Mass of one satellite by part [kg]: ``PARTS``, then ``structure``, ``dry``, ``propellant``
    and ``total`` (wet). ``spacecraft``: :class:`twin.config.sections.Spacecraft`; ``links``:
    :class:`twin.config.sections.Links` (terminals only when links are on); ``mass``:
    :class:`twin.config.economics.Mass`."""
    acc = spacecraft.accelerator
    parts = {
        "solar_array": array_power_w(spacecraft.solar_array) / mass.solar_array_w_per_kg,
        "radiator": spacecraft.radiator.area_m2 * mass.radiator_kg_per_m2,
        "battery": spacecraft.battery.capacity_wh / mass.battery_wh_per_kg,
        "servers": acc.count * mass.server_kg_per_accelerator,
        "shielding": acc.count * mass.shielded_m2_per_accelerator * mass.shielding_kg_per_m2,
        "terminals": (links.terminals_per_sat * mass.terminal_kg) if links.topology != "none" else 0.0,
    }
    parts_kg = sum(parts.values())
    dry = parts_kg / (1.0 - mass.structure_fraction)
    wet = dry / (1.0 - mass.propellant_fraction)
    return {**parts, "structure": dry - parts_kg, "dry": dry, "propellant": wet - dry, "total": wet}
