"""The Earth as a thermal environment (albedo and outgoing longwave radiation) and as the body
that casts the shadow (its shape and atmosphere) (``earth:``).

``case: hot | nominal | cold`` picks a pair of values from :data:`EARTH_CASE_VALUES` (each with
its source below); ``albedo`` and ``olr_w_m2`` given beside it win.
The values are filled in when the config is read, so the run file's config records the numbers
the run used. ``nominal`` is the global annual mean twin has always used (albedo 0.30, OLR
239 W/m², :mod:`twin.constants`), so a config without ``earth:`` runs as before.

The hot and cold cases are bounding: the range ECSS-E-ST-10-04C, Annex F.5 gives for what an
orbiting spacecraft sees (albedo 0.05-0.6, OLR 150-350 W/m²), both at their maximum or both at
their minimum. Those are local, short-time extremes, and albedo and OLR are anti-correlated, so
they bound an orbit-averaged radiator widely; the design pairs by inclination band and averaging
time of NASA/TM-2001-211221 (Anderson, Justus & Batts 2001) are narrower and can be given
explicitly. Albedo and OLR are uniform over the globe here: no variation with latitude
(ECSS-E-ST-10-04C, Annex F.5, eqs. F-1 and F-2, gives a zonal model that would need the
sub-satellite latitude in the node kernel).

The shadow (:mod:`twin.kernels.shadow`): ``shape: sphere`` (the default) is the sphere of the
WGS-84 equatorial radius, twin's historical model, which default runs keep bit for bit;
``shape: wgs84`` the WGS-84 ellipsoid (a = 6,378,137 m, f = 1/298.257223563; NIMA TR8350.2,
3rd ed., 2000, Table 3.1) about the rotation pole at the run's epoch, 21.4 km flatter at the
poles, where a dawn-dusk orbit's eclipse season begins and ends (docs/validation.md, "Earth's
shape and atmosphere in the shadow"). ``shadow_grazing_height_km`` raises the surface that stops
sunlight by a height h (added to both semi-axes): rays grazing the Earth lower than h are taken
as extinguished. Default 0 (the geometric Earth). What is in use:

- 23 km: the "atmospheric altitude for eclipse" of AGI's STK Astrogator solar-pressure models,
  "a simple model to account for some measure of attenuation that simply increases the shape of
  the Earth by the defined altitude height, often taken to be 23 km" (STK Astrogator
  documentation, IAgVASRPGSPM04aIIR.AtmosAlt, for the Bar-Sever GPS solar-pressure models).
- 75 km: Danjon's rule for lunar eclipses (Danjon 1951; Espenak & Meeus, *Five Millennium Canon
  of Lunar Eclipses: -1999 to +3000*, NASA/TP-2009-214172, 2009, "Enlargement of Earth's
  shadows"): the Earth's diameter enlarged by 1/85 to fit the timings of the umbra on the Moon,
  6,378 km / 85 = 75 km. That is the edge of the *umbra* seen 384,000 km away, where refracted and
  scattered light makes it; a satellite at a few hundred km sees the limb sharper.

The real atmosphere dims grazing sunlight gradually (refraction, Rayleigh scattering, ozone,
aerosol, clouds) rather than cutting it at a height; a grazing height is the one-parameter
stand-in models in use adopt.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from twin.config.base import Section
from twin.config.limits import Fraction
from twin.constants import EARTH_ALBEDO, EARTH_IR_W_M2

# case -> (albedo [1], OLR at the top of the atmosphere [W/m²]). Declared once, here (the
# ``preset:`` mechanism of twin/config/load.py serves two-level blocks such as
# spacecraft.radiator, not a top-level section).
#
# nominal: the global, annual means twin has always used (twin.constants). Albedo 0.30:
#   ECSS-E-ST-10-04C (2008), Space environment, Annex F.5.1, "The average albedo of the Earth is
#   0,3". OLR 239 W/m²: the global annual mean outgoing longwave radiation of the satellite era
#   (ERBE, CERES: ~239-240 W/m²), kept for bit-identical runs; ECSS-E-ST-10-04C Annex F.5.2
#   rounds the average to 230 W/m². Long-term global means: no averaging time, no inclination.
# hot, cold: ECSS-E-ST-10-04C Annex F.5.1, "For an orbiting spacecraft, the albedo can vary
#   between 0,05 (open ocean) and 0,6 (high cloud/icecap)", and F.5.2, the infrared "can vary from
#   150 W m-2 to 350 W m-2": both maxima (hot) or both minima (cold) at once. These are local,
#   short-time (instrument-footprint) extremes for any inclination, not orbit averages, and
#   albedo and OLR are anti-correlated (bright cloud tops are cold), so the pairs bound an
#   orbit-averaged radiator by a wide margin. The orbit-average design pairs by inclination band
#   and averaging time of Anderson, Justus & Batts, NASA/TM-2001-211221 (2001) are narrower; they
#   could not be retrieved to check and are not used: give albedo and olr_w_m2 to use them.
EARTH_CASE_VALUES = {
    "hot": (0.6, 350.0),
    "nominal": (EARTH_ALBEDO, EARTH_IR_W_M2),   # 0.30, 239.0
    "cold": (0.05, 150.0),
}
EARTH_CASES = tuple(EARTH_CASE_VALUES)
# a grazing height above 100 km (the Kármán line) would darken rays through air too thin to
# extinguish them: Danjon's 75 km, the largest value in use, includes refraction and clouds
MAX_GRAZING_HEIGHT_KM = 100.0
# OLR: the hottest local value on Earth is ~350 W/m² (ECSS-E-ST-10-04C F.5.2); a blackbody at
# 400 K emits 1,450 W/m², beyond any Earth-like planet
MAX_OLR_W_M2 = 1500.0


def case_values(case: str) -> tuple[float, float]:
    """(albedo [1], olr_w_m2 [W/m²]) of a named case."""
    return EARTH_CASE_VALUES[case]


class Earth(Section):
    """The Earth's albedo and outgoing infrared that the radiators see, and its shape for the
    shadow (``earth:``)."""
    case: Literal["hot", "nominal", "cold"] = Field(
        "nominal", description="design case setting albedo and olr_w_m2 (twin/config/environment.py, sources there); "
                               "nominal = the global annual mean (0.30, 239 W/m^2); hot and cold = the bounds "
                               "of ECSS-E-ST-10-04C Annex F.5 (0.6 and 350 W/m^2, 0.05 and 150 W/m^2)")
    albedo: Fraction = Field(EARTH_ALBEDO, description="Bond albedo [1]; default: the case's")
    olr_w_m2: Annotated[float, Field(gt=0, le=MAX_OLR_W_M2)] = Field(
        EARTH_IR_W_M2, description="outgoing longwave radiation at the top of the atmosphere [W/m^2]; "
                                   "default: the case's")
    shape: Literal["sphere", "wgs84"] = Field(
        "sphere", description="the Earth's figure for the shadow: sphere = WGS-84 equatorial radius (default, "
                              "twin's historical model); wgs84 = the WGS-84 ellipsoid (NIMA TR8350.2) about the "
                              "rotation pole at the epoch, 21.4 km flatter at the poles")
    shadow_grazing_height_km: Annotated[float, Field(ge=0, le=MAX_GRAZING_HEIGHT_KM)] = Field(
        0.0, description="height of the atmosphere below which sunlight is taken as extinguished, added to the "
                         "Earth's semi-axes [km]; 0 = geometric Earth; in use: 23 (STK Astrogator), 75 (Danjon's "
                         "lunar-eclipse rule); sources in twin/config/environment.py")

    @model_validator(mode="before")
    @classmethod
    def _from_case(cls, data):
        """Fill albedo and olr_w_m2 from the case where the config does not give them."""
        if not isinstance(data, dict):
            return data
        case = data.get("case", "nominal")
        if case not in EARTH_CASES:
            return data   # pydantic names the field and the allowed cases
        albedo, olr = case_values(case)
        return {"albedo": albedo, "olr_w_m2": olr, **data}
