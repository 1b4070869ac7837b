"""The solar array (``spacecraft.solar_array``): area, cells, pointing, losses, and the array's own
heat balance with the optical properties of its two faces (``front_coating``, ``back_coating``).

The array's temperature is either a constant (``temperature_model: fixed``, ``cell_temp_k``) or
follows from its heat balance (``heat_balance``, the default; :mod:`twin.kernels.array_thermal`):
absorbed sunlight, Earth albedo and infrared on both faces, minus the electrical power that
leaves the panel and the infrared both faces emit, over an areal heat capacity. The cells'
efficiency then follows that temperature through ``temp_coeff_per_k``.

Each face's coating is a block that takes ``preset: NAME`` (``configs/presets/array_coating/``)
with a beginning-of-life and an end-of-life solar absorptivity
and infrared emissivity; between them the properties change linearly with the array's age over
``eol_years`` and are held at their end-of-life values after.

Defaults and their sources (where a source's text was not seen, it says so):

* front (cells under ceria-doped cover glass): α = 0.91, the solar absorptivity attributed to
  AZUR SPACE's 3G30C-Advanced triple-junction cell with CMX 100 AR cover glass (datasheet,
  "thermal properties", 2016), and ε = 0.85, attributed to Gilmore (ed.), *Spacecraft Thermal
  Control Handbook* vol. 1, 2nd ed., 2002, Appendix A, "solar cells with cover glass" (ε 0.80-0.85
  by cover type and thickness). Neither was verified against the primary text: the datasheet was
  not reachable, and of Appendix A only its opening rows (optical solar reflectors) were read.
  A table that was read gives close values: Fortescue, Swinerd & Stark (eds.), *Spacecraft
  Systems Engineering*, 4th ed., Wiley, 2011, Table 11.3, "Solar cells, GaAs (typical values)":
  α 0.88, ε 0.80. Cover glass doped with cerium is made not to darken under UV and particles,
  and no change of α or ε over life is given: held (preset ``cmx_cover_glass``);
* back (a rigid panel's carbon-fibre face sheet painted black): α = 0.95, ε = 0.87, attributed to
  Aeroglaze (Chemglaze) Z306 flat black polyurethane in Gilmore 2002, Appendix A (α 0.92-0.98,
  ε 0.87-0.89), not verified against the appendix; Fortescue et al. 2011, Table 11.3 (read),
  gives "Black paint (polyurethane)" α 0.95, ε 0.90. A black paint is at its highest absorptivity
  from the start: held (preset ``back_black_paint``);
* ``inherent_degradation`` 0.944: from Wertz & Larson (eds.), *Space Mission Analysis and Design*
  (SMAD), 3rd ed., 1999, §11.4, the table of the elements of inherent degradation, as recalled
  and NOT verified against the book (the table was not reachable): design and assembly 0.85
  (0.77-0.90), temperature of array 0.85 (0.80-0.98), shadowing of cells 1.00 (0.80-1.00). Those
  multiply to 0.72, while sizing codes that cite SMAD (secondary) give its nominal I_d as 0.77:
  the recalled elements and that nominal cannot both be the book's. Temperature is modelled
  here, so it is left out; the design-and-assembly element covers everything between the bare
  cells and the panel's output, the cells' coverage of the panel included, which twin carries
  as ``packing_factor`` (0.90 by default): 0.85 / 0.90 = 0.944 is what remains (mismatch,
  interconnects, cover-glass and adhesive losses). A config that changes ``packing_factor``
  should revisit it;
* ``harness_loss`` 0.02: I²R loss of the wiring from the array to the power regulator, a share of
  the array's power. SMAD §11.4 ("power distribution") sizes harness conductors for a voltage
  drop of a few percent of the bus voltage (as recalled, not verified against the book); 2 % is
  that allowance (an engineering value);
* ``areal_heat_capacity_j_per_m2_k`` 1,500: an estimate, not a published figure. A rigid panel of
  triple-junction cells (Ge substrate, ~0.85 kg/m² with cover glass, ~330 J/(kg K) for Ge and
  ~800 J/(kg K) for glass) on a carbon-fibre and aluminium-honeycomb substrate (~1.2 kg/m²,
  ~900 J/(kg K)) holds 1,300-1,600 J/(m² K); flexible arrays hold about half.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from twin.config.base import Section
from twin.config.limits import (MAX_AREAL_HEAT_CAPACITY_J_PER_M2_K, MAX_TEMP_COEFF_PER_K, MAX_YEARS, Area,
                                Direction, Fraction, PositiveFraction, Temperature)


class ArrayCoating(Section):
    """A face of the solar array: solar absorptivity and infrared emissivity at beginning and end of life."""
    absorptivity_bol: Fraction = Field(description="solar absorptivity at beginning of life [1]")
    absorptivity_eol: Fraction = Field(description="solar absorptivity at end of life (eol_years of age) [1]")
    emissivity_bol: PositiveFraction = Field(description="hemispherical infrared emissivity at beginning of life [1]")
    emissivity_eol: PositiveFraction = Field(description="hemispherical infrared emissivity at end of life [1]")
    eol_years: Annotated[float, Field(gt=0, le=MAX_YEARS)] = Field(
        15.0, description="age at which the end-of-life values are reached [year]; linear from the beginning-of-life "
                          "values, held after")


class ArrayFrontCoating(ArrayCoating):
    """The array's sunlit face: cells under cover glass (``spacecraft.solar_array.front_coating``; sources:
    twin/config/array.py, preset cmx_cover_glass)."""
    absorptivity_bol: Fraction = Field(0.91, description="solar absorptivity at beginning of life [1]")
    absorptivity_eol: Fraction = Field(0.91, description="solar absorptivity at end of life (eol_years of age) [1]")
    emissivity_bol: PositiveFraction = Field(0.85, description="hemispherical infrared emissivity at beginning of life [1]")
    emissivity_eol: PositiveFraction = Field(0.85, description="hemispherical infrared emissivity at end of life [1]")


class ArrayBackCoating(ArrayCoating):
    """The array's back face (``spacecraft.solar_array.back_coating``; sources: twin/config/array.py, preset
    back_black_paint)."""
    absorptivity_bol: Fraction = Field(0.95, description="solar absorptivity at beginning of life [1]")
    absorptivity_eol: Fraction = Field(0.95, description="solar absorptivity at end of life (eol_years of age) [1]")
    emissivity_bol: PositiveFraction = Field(0.87, description="hemispherical infrared emissivity at beginning of life [1]")
    emissivity_eol: PositiveFraction = Field(0.87, description="hemispherical infrared emissivity at end of life [1]")


class SolarArray(Section):
    """The solar array: area, cell efficiency, pointing, losses and temperature (``spacecraft.solar_array``)."""

    area_m2: Area = Field(60.0, description="array area [m^2]")
    pointing: Literal["sun_tracking", "single_axis", "single_axis_yaw", "body_fixed"] = Field(
        "single_axis", description="sun_tracking: normal to the Sun; single_axis: rotates about the orbit normal (loses cos beta); "
                                   "single_axis_yaw: single_axis on a bus that yaws about nadir to keep the array axis "
                                   "perpendicular to the Sun (no cos beta loss; the radiator's normal_lvlh yaws with the bus); "
                                   "body_fixed: fixed in the body frame")
    attitude: Literal["nadir", "sun"] = Field("nadir", description="body frame for body_fixed arrays")
    normal_body: Direction = Field((0.0, 0.0, -1.0), description="array normal in the body frame (LVLH: z nadir)")
    cell_efficiency: Fraction = Field(0.30, description="cell efficiency at reference_temp_k, AM0 [1]; generic triple-junction value (sourced: preset xtj_prime)")
    packing_factor: Fraction = Field(0.90, description="active-cell fraction of the array area [1]; generic (sourced: preset xtj_prime)")
    degradation_per_year: Fraction = Field(0.0275, description="relative power lost per year of age [1/year]; generic (sourced: preset xtj_prime)")
    age_years: Annotated[float, Field(ge=0, le=MAX_YEARS)] = Field(0.0, description="array age at the epoch [year]")
    temp_coeff_per_k: Annotated[float, Field(ge=-MAX_TEMP_COEFF_PER_K, le=MAX_TEMP_COEFF_PER_K)] = Field(
        -0.0022, description="relative power change per kelvin [1/K]")
    reference_temp_k: Temperature = Field(301.15, description="temperature at which cell_efficiency is rated [K]; 28 C, the space-cell datasheet convention")
    mppt_efficiency: Fraction = Field(0.97, description="array regulator / peak-power tracker efficiency [1]; generic (sourced: preset xtj_prime)")
    inherent_degradation: PositiveFraction = Field(
        0.944, description="power kept past the packed cells besides temperature: mismatch, interconnects, cover glass "
                           "[1]; SMAD's design and assembly (0.85, not verified against the book) over the default "
                           "packing_factor (twin/config/array.py)")
    harness_loss: Annotated[float, Field(ge=0, lt=1)] = Field(
        0.02, description="share of the array's power lost in the wiring to the regulator [1]; an allowance of a few "
                          "percent (SMAD §11.4, twin/config/array.py)")
    # array heat balance
    temperature_model: Literal["fixed", "heat_balance"] = Field(
        "heat_balance", description="fixed: the cells stay at cell_temp_k; heat_balance: the array's temperature "
                                    "follows its own heat balance (recorded as t_array_k)")
    cell_temp_k: Temperature = Field(301.15, description="cell temperature with temperature_model fixed [K]")
    initial_temp_k: Temperature = Field(300.0, description="array temperature at the epoch with heat_balance [K]")
    areal_heat_capacity_j_per_m2_k: Annotated[float, Field(gt=0, le=MAX_AREAL_HEAT_CAPACITY_J_PER_M2_K)] = Field(
        1500.0, description="heat capacity per m^2 of array [J/(m^2 K)]; estimate for a rigid panel (twin/config/array.py)")
    front_coating: ArrayFrontCoating = Field(ArrayFrontCoating(), description="the sunlit face (cells under cover glass)")
    back_coating: ArrayBackCoating = Field(ArrayBackCoating(), description="the back face")

    @model_validator(mode="after")
    def _power_path(self):
        if self.temperature_model == "heat_balance" and self.mppt_efficiency * (1.0 - self.harness_loss) <= 0.0:
            raise ValueError("mppt_efficiency must be above 0 with temperature_model heat_balance (the power that "
                             "leaves the panel is the bus power over the regulator's and harness's efficiency)")
        return self
