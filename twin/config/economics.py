"""The ``economics`` section: what a satellite weighs (``mass``, specific masses), what putting it in
orbit costs (``launch``), what it is built and run for, and the ground data centre it is set
against (``ground``). Used by :mod:`twin.economics`; every default carries its source, or says it
is an assumption. ``launch`` and ``mass`` take ``preset: NAME`` (configs/presets/launch/,
configs/presets/mass/).
"""
from __future__ import annotations

from typing import Annotated

from pydantic import Field

from twin.config.radiation import SUNCATCHER_HBM_IRREGULAR_KRAD
from twin.config.base import Section

Usd = Annotated[float, Field(ge=0, le=1e15)]
PositiveRate = Annotated[float, Field(gt=0, le=1e6)]


class Launch(Section):
    """The launch price and vehicle capacity (``economics.launch``)."""
    usd_per_kg: Usd = Field(
        2940.0, description="launch price to LEO [USD/kg]; Falcon 9 reusable, ~$67-70M for 22.8 t (\"SpaceX launch "
                            "costs at a glance\", early 2026; presets falcon9, falcon_heavy, starship_target, "
                            "suncatcher_2035, starcloud_stated)")
    payload_kg: Annotated[float, Field(gt=0, le=1e7)] = Field(
        22800.0, description="payload to LEO per launch [kg]; Falcon 9, 22.8 t (SpaceX, Falcon 9 capabilities)")


class Mass(Section):
    """Specific masses of a satellite's parts (twin/economics/mass.py)."""
    solar_array_w_per_kg: PositiveRate = Field(
        59.0, description="array specific power at beginning of life, 1 AU, normal incidence [W/kg]; ISS Roll-Out "
                          "Solar Array, ~20 kW per 340 kg wing (secondary: NASA iROSA releases)")
    radiator_kg_per_m2: Annotated[float, Field(ge=0, le=1e3)] = Field(
        14.2, description="radiator panel mass per m^2 of panel [kg/m^2]; ISS EATCS radiator ORU, 1,122.6 kg for "
                          "23.3 x 3.4 m (NASA ISS ATCS overview; Oren & Howell, SAE 951651, 1995)")
    battery_wh_per_kg: PositiveRate = Field(
        150.0, description="battery pack specific energy, cells with packaging [Wh/kg]; assumption: space Li-ion "
                           "packs sit at 100-160 Wh/kg")
    server_kg_per_accelerator: Annotated[float, Field(ge=0, le=1e4)] = Field(
        16.3, description="server mass per accelerator [kg]; NVIDIA DGX H100, 130.45 kg for 8 GPUs (DGX H100 "
                          "datasheet)")
    shielding_kg_per_m2: Annotated[float, Field(ge=0, le=1e3)] = Field(
        2.7, description="radiation shielding areal density [kg/m^2]; 1 mm of aluminium (2,700 kg/m^3)")
    shielded_m2_per_accelerator: Annotated[float, Field(ge=0, le=100)] = Field(
        0.1, description="area shielded per accelerator [m^2]; assumption")
    terminal_kg: Annotated[float, Field(ge=0, le=1e4)] = Field(
        15.0, description="mass of one inter-satellite link terminal [kg] (times links.terminals_per_sat when "
                          "links are on); assumption")
    structure_fraction: Annotated[float, Field(ge=0, lt=1)] = Field(
        0.25, description="structure, bus and harness as a fraction of the dry mass [1]; assumption")
    propellant_fraction: Annotated[float, Field(ge=0, lt=1)] = Field(
        0.05, description="propellant as a fraction of the wet mass [1]; assumption (LEO station keeping)")


class Ground(Section):
    """The ground data centre the same accelerators and the same delivered work are set against."""
    capex_usd_per_kw: Usd = Field(
        10000.0, description="data centre capital cost per kW of IT load, accelerators excluded [USD/kW]; the low "
                             "end of the $10-40k/kW ground benchmark of Turyshev (NASA JPL, arXiv:2604.27197, 2026)")
    pue: Annotated[float, Field(ge=1, le=5)] = Field(
        1.10, description="power usage effectiveness [1]; spacedc-mdao's Earth baseline (docs/whitepaper.md)")
    electricity_usd_per_kwh: Usd = Field(
        0.045, description="electricity price [USD/kWh]; the wholesale price the Starcloud white paper uses (2024)")


class Economics(Section):
    """Money on a run (twin/economics/cost.py): capital (launch, hardware, non-recurring) is
    spread over the mission life with a capital recovery factor at the discount rate; operations
    and replacements are yearly; work delivered is the run's rate, falling with the array's
    degradation where power limits the run."""
    launch: Launch = Launch()
    mass: Mass = Mass()
    ground: Ground = Ground()
    accelerator_usd: Usd = Field(
        30000.0, description="price of one accelerator with its share of the server [USD]; assumption: H100 "
                             "SXM systems sell at roughly $25-40k per GPU")
    bus_usd_per_w: Usd = Field(
        22.0, description="satellite cost excluding accelerators, per W of array power [USD/W]; Starlink V2 Mini "
                          "~$22/W (spacedc-mdao docs/whitepaper.md)")
    nonrecurring_usd: Usd = Field(0.0, description="design and development, once for the constellation [USD]")
    operations_usd_per_year: Usd = Field(
        0.0, description="ground segment and operations per year, whole constellation [USD/year]")
    mission_life_years: Annotated[float, Field(gt=0, le=50)] = Field(
        5.0, description="years the constellation delivers [year]; assumption (Starlink's design life is ~5 years)")
    discount_rate: Annotated[float, Field(ge=0, le=1)] = Field(
        0.08, description="real discount rate of the capital recovery factor [1/year]; assumption")
    replace_failures: bool = Field(
        True, description="satellites that fail at the run's rate (faults.mtbf_h) are replaced: hardware and "
                          "launch, yearly")
    accelerator_failures_per_year: Annotated[float, Field(ge=0, le=10)] = Field(
        0.061, description="accelerators that fail or wear out and are replaced (with their server's mass "
                           "launched), per accelerator and year [1/year]; Meta, \"The Llama 3 Herd of Models\" "
                           "(2024): 148 faulty GPUs in 54 days on 16,384 H100s; radiation end of life comes on top "
                           "(radiation_tolerance_krad)")
    radiation_tolerance_krad: Annotated[float, Field(ge=0, le=1e4)] = Field(
        SUNCATCHER_HBM_IRREGULAR_KRAD, description="total ionising dose an accelerator takes before it is replaced [krad(Si)]; Google's "
                         "Suncatcher proton tests of TPU v6e (arXiv:2511.19468, 2025): HBM first irregular after "
                         "~2 krad(Si), no hard failure to 15 krad(Si). 0 = no radiation end of life")
    battery_usd_per_kwh: Usd = Field(
        1000.0, description="price of a replacement battery [USD/kWh]; assumption (space-qualified packs cost "
                            "several times terrestrial ones)")
    battery_eol_fraction: Annotated[float, Field(gt=0, lt=1)] = Field(
        0.8, description="a battery is replaced when its capacity has faded to this fraction of nominal, at the "
                         "fade rate the run shows [1]; the usual 80 % end-of-life convention")
