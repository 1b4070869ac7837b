"""The accelerators' thermal chain and junction limits (``spacecraft.accelerator``, docs/design.md §5).

These fields belong to :class:`twin.config.sections.Accelerator` (declared here to keep that
module small). With ``thermal_limit: junction`` the compute throttle acts on each accelerator's
junction temperature, the electronics node (the coolant loop) plus its power times the chain of
resistances below (:mod:`twin.kernels.junction`), between ``junction_throttle_k`` and
``junction_shutdown_k``; with ``electronics`` (the default, as twin has always run) it acts on the
electronics node between ``spacecraft.thermal.throttle_start_k`` and ``shutdown_k``, and the
junction temperature is still recorded (``/state/t_junction_k``).

Defaults are those of the H100 SXM5 preset (configs/presets/accelerator/h100.yaml), whose power
the section's defaults already are; the sources of every number are there.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from twin.config.base import Section
from twin.config.limits import Temperature

# [K/W] one link of the chain: a small device on a poor mount (a TO-220 package in still air is
# ~60 K/W) stays far below it; the largest accelerators sit at a few hundredths of a K/W
MAX_RESISTANCE_K_PER_W = 1000.0
ThermalResistance = Annotated[float, Field(ge=0, le=MAX_RESISTANCE_K_PER_W)]

# H100 SXM5 (configs/presets/accelerator/h100.yaml, where each is derived and sourced): estimates
# of the chain, and the junction limits the board reports through NVML
H100_JUNCTION_TO_CASE_K_PER_W = 0.0080
H100_CASE_TO_COLD_PLATE_K_PER_W = 0.0098
H100_COLD_PLATE_TO_COOLANT_K_PER_W = 0.0111
H100_JUNCTION_THROTTLE_K = 360.15   # 87 C, "GPU Max Operating Temp"
H100_JUNCTION_SHUTDOWN_K = 365.15   # 92 C, "GPU Shutdown Temp"


class AcceleratorThermal(Section):
    """The junction-to-coolant chain and the junction limits of one accelerator."""
    thermal_limit: Literal["electronics", "junction"] = Field(
        "electronics", description="what the compute throttle acts on: the electronics node "
                                   "(spacecraft.thermal.throttle_start_k, shutdown_k) or each accelerator's junction "
                                   "(junction_throttle_k, junction_shutdown_k, through the resistances below)")
    junction_to_case_k_per_w: ThermalResistance = Field(
        H100_JUNCTION_TO_CASE_K_PER_W, description="junction to case (through the die) of one accelerator [K/W]; "
                                                   "estimate (preset h100)")
    case_to_cold_plate_k_per_w: ThermalResistance = Field(
        H100_CASE_TO_COLD_PLATE_K_PER_W, description="case to cold plate, the thermal interface material [K/W]; "
                                                     "estimate (preset h100)")
    cold_plate_to_coolant_k_per_w: ThermalResistance = Field(
        H100_COLD_PLATE_TO_COOLANT_K_PER_W, description="cold plate to the coolant loop (the electronics node) "
                                                        "[K/W]; estimate (preset h100)")
    junction_throttle_k: Temperature = Field(
        H100_JUNCTION_THROTTLE_K, description="junction temperature where throttling starts [K]; "
                                              "H100 SXM5 87 C (preset h100)")
    junction_shutdown_k: Temperature = Field(
        H100_JUNCTION_SHUTDOWN_K, description="junction temperature where compute stops [K]; "
                                              "H100 SXM5 92 C (preset h100)")

    @model_validator(mode="after")
    def _junction_order(self):
        if not self.junction_throttle_k < self.junction_shutdown_k:
            raise ValueError(f"junction_throttle_k ({self.junction_throttle_k}) must be below "
                             f"junction_shutdown_k ({self.junction_shutdown_k})")
        return self

    @property
    def chain_k_per_w(self) -> float:
        """Junction to coolant [K/W]: the three resistances in series."""
        return self.junction_to_case_k_per_w + self.case_to_cold_plate_k_per_w + self.cold_plate_to_coolant_k_per_w


def throttle_limits_k(spacecraft) -> tuple[float, float]:
    """(throttle start, shutdown) [K] of the electronics node, the temperature the node kernel's
    throttle reads: ``spacecraft.thermal``'s, or with ``thermal_limit: junction`` those that put
    a busy accelerator's junction on its own ramp (:func:`twin.kernels.junction.node_limits_k`)."""
    from twin.kernels.junction import node_limits_k   # here: reading a config needs no numba

    acc, th = spacecraft.accelerator, spacecraft.thermal
    if acc.thermal_limit == "electronics":
        return th.throttle_start_k, th.shutdown_k
    start, stop = node_limits_k(acc.chain_k_per_w, acc.idle_power_w, acc.peak_power_w,
                                acc.junction_throttle_k, acc.junction_shutdown_k)
    return float(start), float(stop)
