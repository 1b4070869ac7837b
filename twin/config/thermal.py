"""The radiator and the thermal nodes (``spacecraft.radiator``, ``spacecraft.thermal``).

The radiator's coating may be named (``coating: NAME``, a preset in
``configs/presets/coating/NAME.yaml`` that gives its emissivity, its beginning-of-life solar
absorptivity and how that ages, each with its source; the loader fills them in, keys given in
the radiator block win). Ageing follows the source's kind of data, one of two:

* flight data: ``absorptivity_eol`` reached after ``eol_years`` in orbit, linear in time from
  ``absorptivity`` at the coating's ``age_years`` 0;
* a ground UV test: ``absorptivity_uv`` after ``uv_dose_esh`` equivalent sun hours, linear in
  the UV dose the panel's coated faces receive in the run (from ``uv_dose_at_epoch_esh``).

Either way α stops at the last value the source measured: twin does not extrapolate past it
(twin/kernels/radiator.py). The physics of orientation, fin efficiency and the conductance
models is in twin/kernels/radiator.py and twin/kernels/conductance.py; docs/design.md §5.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from twin.config.base import Section
from twin.config.limits import (MAX_AMMONIA_K, MAX_AREAL_HEAT_CAPACITY_J_PER_M2_K, MAX_CONDUCTANCE_W_PER_K,
                                MAX_CONDUCTIVITY_W_PER_M_K, MAX_FIN_HALF_WIDTH_M, MAX_FIN_THICKNESS_M,
                                MAX_HEAT_CAPACITY_J_PER_K, MAX_NTU, MAX_UV_DOSE_ESH, MAX_VOLUME_RATIO, MAX_YEARS,
                                MIN_AMMONIA_K, Area, Direction, Fraction, Power, PositiveFraction, Temperature)

# where a radiator block names its coating, and the folder its presets are in (the loader,
# twin/config/load.py, merges them); the keys a coating preset may give
COATING_FIELD, COATING_KIND = "coating", "coating"
COATING_KEYS = ("emissivity", "absorptivity", "absorptivity_eol", "eol_years", "absorptivity_uv", "uv_dose_esh")

Years = Annotated[float, Field(ge=0, le=MAX_YEARS)]
PositiveYears = Annotated[float, Field(gt=0, le=MAX_YEARS)]
Dose = Annotated[float, Field(ge=0, le=MAX_UV_DOSE_ESH)]
PositiveDose = Annotated[float, Field(gt=0, le=MAX_UV_DOSE_ESH)]
AmmoniaTemperature = Annotated[float, Field(ge=MIN_AMMONIA_K, le=MAX_AMMONIA_K)]


class RadiatorFin(Section):
    """The radiator's face sheet as a fin between its tubes or heat pipes (``spacecraft.radiator.fin``):
    the panel radiates as if its area were η·A at the tubes' temperature, η = tanh(mL)/(mL) of
    a linearised radiating fin (twin/kernels/radiator.py), evaluated at ``reference_temp_k``."""
    thickness_m: Annotated[float, Field(gt=0, le=MAX_FIN_THICKNESS_M)] = Field(
        description="face sheet thickness conducting between the tubes [m] (both face sheets of a sandwich together)")
    conductivity_w_per_m_k: Annotated[float, Field(gt=0, le=MAX_CONDUCTIVITY_W_PER_M_K)] = Field(
        description="thermal conductivity of the face sheet [W/(m K)]")
    half_width_m: Annotated[float, Field(gt=0, le=MAX_FIN_HALF_WIDTH_M)] = Field(
        description="distance from a tube to the mid-line between tubes [m]")
    reference_temp_k: Temperature = Field(description="tube temperature the efficiency is evaluated at [K] "
                                                      "(the panel's design temperature)")


class Radiator(Section):
    """The radiator that rejects the heat to space (``spacecraft.radiator``)."""

    area_m2: Area = Field(12.0, description="panel area [m^2] (one face)")
    sides: Literal[1, 2] = Field(2, description="faces that radiate (2: a deployed panel seeing space on both sides)")
    coating: str | None = Field(None, description="coating preset (configs/presets/coating/NAME.yaml) giving emissivity, "
                                                  "absorptivity and its ageing; keys given here win")
    emissivity: PositiveFraction = Field(0.92, description="hemispherical infrared emissivity [1]; white coating (sourced: preset iss_class)")
    absorptivity: Fraction = Field(0.09, description="solar absorptivity at beginning of life [1]; the Starcloud white paper's value (mid-life: preset iss_class)")
    absorptivity_eol: Fraction | None = Field(None, description="solar absorptivity after eol_years in orbit (flight data) [1]; "
                                                                "null: no ageing with time")
    eol_years: PositiveYears | None = Field(None, description="time in orbit at which the coating reaches absorptivity_eol [year]")
    absorptivity_uv: Fraction | None = Field(None, description="solar absorptivity after a UV dose of uv_dose_esh (ground test) [1]; "
                                                               "null: no ageing with dose")
    uv_dose_esh: PositiveDose | None = Field(None, description="UV dose at which the coating reaches absorptivity_uv "
                                                               "[equivalent sun hours]")
    age_years: Years = Field(0.0, description="the coating's time in orbit at the epoch [year]")
    uv_dose_at_epoch_esh: Dose = Field(0.0, description="UV dose on the coating at the epoch [equivalent sun hours]")
    orientation: Literal["lvlh", "nadir", "zenith", "edge_on_sun", "body_fixed"] = Field(
        "lvlh", description="lvlh: normal_lvlh fixed in LVLH (turning with a yaw-steered bus); nadir, zenith: the front "
                            "face to nadir or zenith; edge_on_sun: turns about the local vertical to keep the Sun in its "
                            "plane (no direct Sun, the Earth edge-on); body_fixed: normal_body fixed in the bus, "
                            "whose attitude the solar array's pointing sets (Sun-pointing for body_fixed/sun)")
    normal_lvlh: Direction = Field((0.0, 1.0, 0.0), description="panel normal in LVLH (x along-track, y -orbit normal, z nadir); orientation lvlh")
    normal_body: Direction = Field((0.0, 1.0, 0.0), description="panel normal in the bus frame (orientation body_fixed): LVLH "
                                                                "axes on a nadir-pointing bus; on a Sun-pointing one z to the Sun, "
                                                                "y the LVLH y made perpendicular to it")
    areal_heat_capacity_j_per_m2_k: Annotated[float, Field(gt=0, le=MAX_AREAL_HEAT_CAPACITY_J_PER_M2_K)] = Field(
        8000.0, description="heat capacity per m^2 of panel [J/(m^2 K)]; generic (estimate: preset iss_class)")
    ir_absorbed_with_alpha: bool = Field(False, description="absorb Earth IR with alpha (Starcloud convention) instead of epsilon")
    fin: RadiatorFin | None = Field(None, description="face sheet between tubes (keys below); null: an isothermal panel")

    @field_validator("normal_lvlh", "normal_body")
    @classmethod
    def _nonzero(cls, v, info):
        if sum(x * x for x in v) == 0:
            raise ValueError(f"{info.field_name} must not be the zero vector")
        return v

    @model_validator(mode="after")
    def _ageing(self):
        for value, when, unit in (("absorptivity_eol", "eol_years", "years"), ("absorptivity_uv", "uv_dose_esh", "ESH")):
            a, t = getattr(self, value), getattr(self, when)
            if (a is None) != (t is None):
                raise ValueError(f"{value} and {when} go together: the absorptivity and the {unit} it is reached at")
            if a is not None and a < self.absorptivity:
                raise ValueError(f"{value} ({a}) is below absorptivity ({self.absorptivity}): coatings darken with age")
        if self.absorptivity_eol is not None and self.absorptivity_uv is not None:
            raise ValueError("give absorptivity_eol (flight ageing) or absorptivity_uv (UV-test ageing), not both: "
                             "flight data hold the UV already")
        return self


class Vchp(Section):
    """A gas-loaded variable-conductance heat pipe (``spacecraft.thermal.vchp``; conductance_model
    vchp): ammonia, cold reservoir on the radiator, flat-front model (twin/kernels/conductance.py).
    Fully open it conducts ``conductance_w_per_k``; blocked, ``min_conductance_w_per_k``."""
    full_open_temp_k: AmmoniaTemperature = Field(
        description="evaporator (electronics) temperature at which the condenser is just fully open, the radiator at "
                    "design_sink_temp_k [K]")
    design_sink_temp_k: Temperature = Field(description="radiator temperature of that design point [K]")
    reservoir_volume_ratio: Annotated[float, Field(gt=0, le=MAX_VOLUME_RATIO)] = Field(
        description="gas reservoir volume / condenser vapour volume [1]: larger holds the temperature tighter")
    min_conductance_w_per_k: Power = Field(description="conductance with the condenser blocked (wall and wick "
                                                       "conduction past the gas) [W/K]")

    @model_validator(mode="after")
    def _order(self):
        if not self.design_sink_temp_k < self.full_open_temp_k:
            raise ValueError("design_sink_temp_k must be below full_open_temp_k (heat flows from the evaporator)")
        return self


class BypassLoop(Section):
    """A pumped loop whose thermal control valve bypasses the radiator (``spacecraft.thermal.bypass_loop``;
    conductance_model bypass_loop): the radiator's share of the flow rises linearly from
    min_flow_fraction at closed_temp_k to 1 at open_temp_k of the electronics (twin/kernels/conductance.py)."""
    closed_temp_k: Temperature = Field(description="electronics temperature at and below which the valve sends only "
                                                   "min_flow_fraction through the radiator [K]")
    open_temp_k: Temperature = Field(description="electronics temperature at and above which all the flow goes "
                                                 "through the radiator [K]")
    min_flow_fraction: PositiveFraction = Field(description="radiator share of the flow with the valve closed [1]")
    ntu_full_flow: Annotated[float, Field(gt=0, le=MAX_NTU)] = Field(
        description="the radiator's number of transfer units UA/(m_dot c_p) at full flow [1]")

    @model_validator(mode="after")
    def _order(self):
        if not self.closed_temp_k < self.open_temp_k:
            raise ValueError("closed_temp_k must be below open_temp_k")
        return self


class Thermal(Section):
    """The two-node thermal model's capacities, conductance and limits (``spacecraft.thermal``)."""
    electronics_heat_capacity_j_per_k: Annotated[float, Field(gt=0, le=MAX_HEAT_CAPACITY_J_PER_K)] = Field(
        60_000.0, description="heat capacity of the electronics node [J/K]")
    conductance_w_per_k: Annotated[float, Field(gt=0, le=MAX_CONDUCTANCE_W_PER_K)] = Field(
        400.0, description="electronics-radiator conductance [W/K] (fully open, for a variable conductance)")
    conductance_model: Literal["fixed", "vchp", "bypass_loop"] = Field(
        "fixed", description="fixed: conductance_w_per_k always; vchp: a variable-conductance heat pipe (block vchp); "
                             "bypass_loop: a pumped loop with a radiator bypass valve (block bypass_loop)")
    vchp: Vchp | None = Field(None, description="the heat pipe of conductance_model vchp (keys below)")
    bypass_loop: BypassLoop | None = Field(None, description="the loop of conductance_model bypass_loop (keys below)")
    initial_electronics_temp_k: Temperature = Field(300.0, description="electronics temperature at the epoch [K]")
    initial_radiator_temp_k: Temperature = Field(285.0, description="radiator temperature at the epoch [K]")
    throttle_start_k: Temperature = Field(358.15, description="electronics temperature where throttling starts [K]")
    shutdown_k: Temperature = Field(378.15, description="electronics temperature of thermal shutdown [K]")
    heater_setpoint_k: Temperature = Field(263.15, description="heaters hold the electronics above this [K]")
    heater_max_w: Power = Field(500.0, description="heater power available to hold heater_setpoint_k [W]")

    @model_validator(mode="after")
    def _order(self):
        if not self.heater_setpoint_k < self.throttle_start_k < self.shutdown_k:
            raise ValueError("need heater_setpoint_k < throttle_start_k < shutdown_k")
        for block in ("vchp", "bypass_loop"):
            given = getattr(self, block) is not None
            if given != (self.conductance_model == block):
                raise ValueError(f"conductance_model {self.conductance_model} takes "
                                 + (f"its block {block}" if not given else f"no block {block}"))
        if self.vchp is not None and not self.vchp.min_conductance_w_per_k < self.conductance_w_per_k:
            raise ValueError("vchp.min_conductance_w_per_k must be below conductance_w_per_k (the pipe fully open)")
        return self
