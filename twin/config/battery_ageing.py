"""The battery's ageing model and its parameters: the fields of ``spacecraft.battery`` that say how
capacity fades (:class:`twin.config.sections.Battery` takes them from :class:`BatteryAgeing`).

``ageing_model: linear_efc`` (the default) fades capacity linearly with equivalent full cycles,
``fade_per_efc`` per EFC, blind to depth of discharge, temperature and time.

``ageing_model: xu2018`` is the semi-empirical model of B. Xu, A. Oudalov, A. Ulbig, G. Andersson
and D. S. Kirschen, "Modeling of Lithium-Ion Battery Degradation for Cell Life Assessment", IEEE
Transactions on Smart Grid 9(2), 1131-1140 (2018), doi:10.1109/TSG.2016.2578950: damage per
charge or discharge half-cycle by its depth, mean state of charge and the cell temperature, plus
calendar damage by time, state of charge and temperature, and a nonlinear life model with the
early SEI-film loss (equations in :mod:`twin.kernels.ageing`). The coefficient defaults below
are the paper's fit for its LMO/graphite cells (section IV, the coefficient table of the
LMO cell: k_δ1 = 1.40e5, k_δ2 = -5.01e-1, k_δ3 = -1.23e5, k_σ = 1.04, σ_ref = 0.50,
k_T = 6.93e-2 /K, T_ref = 25 °C, k_t = 4.14e-10 /s, α_sei = 5.75e-2, β_sei = 121). Their
calendar and temperature terms were fitted at and above room temperature; below it S_T keeps
falling exponentially and the model has no lithium-plating term for charging cold, so below
~10 °C it is optimistic. The parameters of a space cell are not published in this form: the
defaults are a terrestrial LMO cell's, the chemistry of the 3 Ah cells flown on JAXA's REIMEI
in LEO (docs/validation.md compares the model with published LEO cycle lives).

``temperature_k``: the cells' temperature, constant (the battery is held in its own band by its
heaters and radiator, apart from the compute electronics of the two-node thermal model, which run
20-80 K warmer). Default 10 °C: the temperature of the "LEO" condition of Cook, Swan & Plucknett,
"Impact of Test Conditions While Screening Lithium-Ion Batteries for Capacity Degradation in Low
Earth Orbit CubeSat Space Applications", Batteries 7(1), 20 (2021), doi:10.3390/batteries7010020
(abstract: 0.2 kPa, 10 °C), the low end of the 10-30 °C range JAXA found proper for LEO cycling
(X. Wang et al., J. Power Sources 140, 129-138, 2005, abstract).
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from twin.config.base import Section
from twin.config.limits import Fraction, Temperature

AGEING_MODELS = ("linear_efc", "xu2018")
# ranges of the xu2018 coefficients: an order of magnitude (or more) around the published fits
# of LMO, NMC and LFP cells, so a refit of another cell fits while a slipped exponent does not
MAX_DOD_K = 1.0e9          # [1] |k_δ1|, |k_δ3|: 1/S_δ of one full cycle, ~1.7e4 for the LMO fit
MAX_DOD_EXPONENT = 10.0    # [1] |k_δ2|: -0.501 for the LMO fit (a square-root law)
MAX_SOC_K = 100.0          # [1] |k_σ|: 1.04 for the LMO fit; e^100 overflows nothing, e^(k σ) for σ in [0, 1]
MAX_TEMP_K_PER_K = 1.0     # [1/K] k_T: 6.93e-2 for the LMO fit (doubling per ~10 K); 1/K would be e^10 per 10 K
MAX_CALENDAR_PER_S = 1.0e-5   # [1/s] k_t: 4.14e-10 for the LMO fit; 1e-5 is a lifetime's damage in a day
MAX_SEI_RATE = 1.0e4       # [1] β_sei: 121 for the LMO fit


class BatteryAgeing(Section):
    """How the battery's capacity fades (part of ``spacecraft.battery``; module docstring)."""
    ageing_model: Literal["linear_efc", "xu2018"] = Field(
        "linear_efc", description="linear_efc: fade_per_efc per equivalent full cycle; xu2018: by depth of discharge, "
                                  "state of charge and temperature per half-cycle plus calendar fade (Xu et al. 2018, "
                                  "IEEE Trans. Smart Grid 9:1131; twin/config/battery_ageing.py, docs/design.md)")
    fade_per_efc: Annotated[float, Field(ge=0, lt=1)] = Field(
        2e-5, description="capacity lost per equivalent full cycle [1] (linear_efc; ignored with xu2018)")
    temperature_k: Temperature = Field(
        283.15, description="cell temperature [K], held by the battery's own thermal control (xu2018); "
                            "10 C, the LEO test condition of Cook et al. 2021")
    dod_stress_k1: Annotated[float, Field(gt=0, le=MAX_DOD_K)] = Field(
        1.40e5, description="k_d1 of the depth stress 1/(k_d1 DoD^k_d2 + k_d3) per full cycle [1] (xu2018; Xu et al. 2018, LMO)")
    dod_stress_k2: Annotated[float, Field(ge=-MAX_DOD_EXPONENT, lt=0)] = Field(
        -5.01e-1, description="k_d2, the exponent of the depth of discharge [1] (xu2018; Xu et al. 2018, LMO)")
    dod_stress_k3: Annotated[float, Field(ge=-MAX_DOD_K, le=MAX_DOD_K)] = Field(
        -1.23e5, description="k_d3 [1] (xu2018; Xu et al. 2018, LMO); k_d1 + k_d3 > 0")
    soc_stress_k: Annotated[float, Field(ge=-MAX_SOC_K, le=MAX_SOC_K)] = Field(
        1.04, description="k_sigma of the state-of-charge stress exp(k_sigma (soc - soc_ref)) [1] (xu2018; Xu et al. 2018, LMO)")
    soc_stress_ref: Fraction = Field(0.50, description="soc_ref [1] (xu2018; Xu et al. 2018, LMO)")
    temp_stress_k_per_k: Annotated[float, Field(ge=0, le=MAX_TEMP_K_PER_K)] = Field(
        6.93e-2, description="k_T of the temperature stress exp(k_T (T - T_ref) T_ref / T) [1/K] (xu2018; Xu et al. 2018, LMO)")
    temp_stress_ref_k: Temperature = Field(298.15, description="T_ref [K] (xu2018; Xu et al. 2018: 25 C)")
    calendar_per_s: Annotated[float, Field(ge=0, le=MAX_CALENDAR_PER_S)] = Field(
        4.14e-10, description="k_t, calendar damage per second at soc_ref and T_ref [1/s] (xu2018; Xu et al. 2018, LMO)")
    sei_share: Annotated[float, Field(ge=0, lt=1)] = Field(
        5.75e-2, description="alpha_sei, the capacity share lost fast to SEI film formation [1] (xu2018; Xu et al. 2018, LMO)")
    sei_rate: Annotated[float, Field(gt=0, le=MAX_SEI_RATE)] = Field(
        121.0, description="beta_sei, the SEI loss's rate per unit damage [1] (xu2018; Xu et al. 2018, LMO)")

    @model_validator(mode="after")
    def _positive_stress(self):
        # 1/(k1 δ^k2 + k3) with k2 < 0 is smallest in its denominator at δ = 1: k1 + k3 > 0 keeps
        # every cycle's damage positive and finite for depths in (0, 1]
        if self.ageing_model == "xu2018" and not self.dod_stress_k1 + self.dod_stress_k3 > 0:
            raise ValueError(f"dod_stress_k1 + dod_stress_k3 ({self.dod_stress_k1 + self.dod_stress_k3:g}) must be "
                             "positive: a full cycle's damage 1/(k1 + k3) would not be")
        return self
