"""The radiator panel: its coating's ageing, its orientation, its fin efficiency.

Scalar numba kernels (float64 SI in and out). docs/design.md §5, "Thermal".

* **Coating ageing**: the solar absorptivity α rises from its beginning-of-life value, by a
  rate per year of flight (flight data: the value a source measured after so many years) or
  per equivalent sun hour of ultraviolet dose on the panel (ground UV tests: the value after so
  many hours), up to the last value the source measured: twin does not extrapolate past it
  (:func:`coating_absorptivity`). The infrared emissivity of the coatings modelled is stable
  and stays fixed.
* **Orientation** (``ORIENT_*``): fixed in LVLH (also nadir- and zenith-facing, and the body of
  a nadir-pointing or yaw-steered bus), edge-on to the Sun (turning about the local vertical to
  keep the Sun in the panel's plane), or fixed in the body of a Sun-pointing bus.
* **Fin efficiency** (:func:`radiating_fin_efficiency`): a panel whose heat enters along tubes
  or heat pipes and spreads by conduction through the face sheet to a half-width L between
  them radiates as if its area were η·A at the tube temperature.

References
----------
Incropera, F. P., DeWitt, D. P., Bergman, T. L. & Lavine, A. S. (2007). *Fundamentals of Heat and
    Mass Transfer*, 6th ed., Wiley, §3.6.4, eq. 3.89 and Table 3.5: a straight fin of uniform
    cross-section with an adiabatic tip has efficiency η = tanh(mL)/(mL), m² = h·P/(k·A_c).
Gilmore, D. G. (ed.) (2002). *Spacecraft Thermal Control Handbook*, vol. 1, 2nd ed., "Radiators"
    chapter: radiator fin efficiency; "Thermal Surface Finishes" chapter: α degradation.
"""
import math

from numba import njit

from twin.constants import SOLAR_CONSTANT_W_M2, STEFAN_BOLTZMANN_W_M2_K4
from twin.kernels.jit import kernel

ORIENT_LVLH = 0           # normal fixed in LVLH (nadir, zenith, and body_fixed on a nadir-pointing bus too)
ORIENT_EDGE_ON_SUN = 1    # turns about the local vertical: the Sun in the panel's plane, the Earth edge-on
ORIENT_BODY_SUN = 2       # fixed in the body of a Sun-pointing bus: Sun fixed on the panel, the Earth turns
ORIENTATIONS = ("lvlh", "nadir", "zenith", "edge_on_sun", "body_fixed")

# an equivalent sun hour (ESH), the unit of UV exposure of materials tests: an hour of sunlight at
# one solar constant (twin.constants.SOLAR_CONSTANT_W_M2) at normal incidence [J/m²]
J_PER_M2_PER_ESH = 3600.0 * SOLAR_CONSTANT_W_M2


@kernel
def coating_absorptivity(alpha_bol, per_year, per_esh, alpha_max, age_years, dose_esh):
    """Solar absorptivity of an ageing coating [1]: α_BOL + rate·years + rate·ESH, at most
    ``alpha_max`` (the last value the source measured). Exactly ``alpha_bol`` when neither
    rate is set.

    Parameters
    ----------
    alpha_bol : float, beginning-of-life solar absorptivity [1]
    per_year : float, rise per year in orbit [1/year] (flight data)
    per_esh : float, rise per equivalent sun hour of UV on the panel [1/h] (ground UV tests)
    alpha_max : float, ceiling [1]
    age_years : float, time in orbit [year]
    dose_esh : float, UV dose: equivalent sun hours on the panel [h]
    """
    if per_year == 0.0 and per_esh == 0.0:
        return alpha_bol
    alpha = alpha_bol + per_year * age_years + per_esh * dose_esh
    return alpha if alpha < alpha_max else alpha_max


@njit(cache=True)
def radiating_fin_efficiency(thickness_m, conductivity_w_per_m_k, half_width_m, emissivity, faces,
                             temp_k):
    """Efficiency of a radiator's face sheet as a fin between its tubes [1], linearised.

    The sheet (thickness t, conductivity k) carries heat from a tube at T_b to the mid-line
    between tubes, a half-width L away, where by symmetry no heat crosses (adiabatic tip), and
    radiates from ``faces`` faces. Linearising the emission about the tube's temperature,
    εσT⁴ ≈ 4εσT_b³ (T − 3T_b/4), makes it a straight fin with h = 4εσT_b³ (Incropera et al.
    2007, eq. 3.89): η = tanh(mL)/(mL), m² = faces·h/(k·t), and the sheet rejects
    η·εσA·T_b⁴, what an isothermal panel of area η·A would (into a sink at 0 K). T⁴ lies above
    its tangent, so the cooler sheet radiates more than the linear fin: η is underestimated (a
    conservative panel), against the exact radiating fin (solved numerically,
    tests/test_radiator_panel.py) by 0.6 % where it is 0.89, 3 % at 0.75 and 5 % at 0.66.
    """
    h = 4.0 * emissivity * STEFAN_BOLTZMANN_W_M2_K4 * temp_k ** 3
    ml = half_width_m * math.sqrt(faces * h / (conductivity_w_per_m_k * thickness_m))
    if ml < 1e-8:
        return 1.0
    return math.tanh(ml) / ml


@kernel
def sun_pointing_nadir_cos(s_x, s_y, s_z, nx, ny, nz, inv_norm):
    """cos of the angle between nadir and a normal (nx, ny, nz) [any length, 1/|n| =
    ``inv_norm``] fixed in the body of a Sun-pointing bus, given the Sun's unit direction in
    LVLH (s_x, s_y, s_z). Body frame: z_b to the Sun, y_b the LVLH y (−orbit normal) made
    perpendicular to it (the LVLH x where the Sun lies along y), x_b = y_b × z_b."""
    ux, uy, uz = 0.0, 1.0, 0.0
    if abs(s_y) > 0.999999:
        ux, uy, uz = 1.0, 0.0, 0.0
    d = ux * s_x + uy * s_y + uz * s_z
    yx, yy, yz = ux - d * s_x, uy - d * s_y, uz - d * s_z
    inv_y = 1.0 / math.sqrt(yx * yx + yy * yy + yz * yz)
    yx, yy, yz = yx * inv_y, yy * inv_y, yz * inv_y
    # nadir is LVLH z: its body components are the z components of x_b, y_b, z_b
    x_bz = yx * s_y - yy * s_x
    c = (nx * x_bz + ny * yz + nz * s_z) * inv_norm
    return -1.0 if c < -1.0 else (1.0 if c > 1.0 else c)
