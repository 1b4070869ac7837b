"""Solar array: irradiance at the satellite, panel incidence by pointing mode, delivered power.

Scalar numba kernels (float64 SI in and out) that the fused per-node step inlines. docs/design.md §5,
"Sun and shadow" and "Solar array".

References
----------
Kopp, G. & Lean, J. L. (2011). A new, lower value of total solar irradiance: evidence and climate
    significance. Geophys. Res. Lett. 38, L01706.  (TSI = 1360.8 ± 0.5 W/m² at solar minimum)
Patel, M. R. (2004). *Spacecraft Power Systems*, CRC Press, ch. 3-4 (array power, temperature and
    radiation degradation, MPPT).
Wertz, J. R. & Larson, W. J. (eds.) (1999). *Space Mission Analysis and Design* (SMAD), 3rd ed.,
    §11.4 "Power": P_BOL = P_0 · I_d · cos θ and life degradation L_d = (1 − d)^L.
Spectrolab (2016). XTJ Prime Space Grade Solar Cell datasheet (30.7 % BOL, AM0, 28 °C).
Bar-Sever, Y. E. (1996). A new model for GPS yaw attitude. J. Geodesy 70, 714-723. (Yaw steering:
    the bus turns about the Earth-pointing axis so that the solar-array axis stays perpendicular
    to the Sun, and the arrays, turning about that axis, face the Sun.)
"""
import math

from numba import njit

from twin.constants import ASTRONOMICAL_UNIT_M, SOLAR_CONSTANT_W_M2
from twin.kernels.jit import kernel

# Pointing modes of ``incidence_cos`` (kept as ints so that kernels take no Python objects).
SUN_TRACKING = 0
SINGLE_AXIS = 1
BODY_FIXED_NADIR = 2
BODY_FIXED_SUN = 3
SINGLE_AXIS_YAW = 4


@njit(cache=True)
def solar_irradiance_w_m2(sun_distance_m, visible_fraction):
    """Solar irradiance at the satellite.

    S = S_0 · (1 AU / r)² · ν, with S_0 = 1361 W/m² (Kopp & Lean 2011).

    Parameters
    ----------
    sun_distance_m : float
        distance from the satellite to the Sun [m]
    visible_fraction : float
        visible fraction of the solar disc ν from the shadow model [1], 0 in umbra, 1 in full Sun

    Returns
    -------
    float
        irradiance on a surface normal to the Sun [W/m^2]
    """
    ratio = ASTRONOMICAL_UNIT_M / sun_distance_m
    return SOLAR_CONSTANT_W_M2 * ratio * ratio * visible_fraction


@njit(cache=True)
def array_power_w(irradiance_w_m2, cos_incidence, area_m2, cell_efficiency, packing_factor,
                  degradation_per_year, age_years, temp_coeff_per_k, cell_temp_k, reference_temp_k,
                  mppt_efficiency):
    """Electrical power an array delivers to the bus.

    P = S · A · η · f_pack · max(cos θ, 0) · (1 − d)^years · (1 + γ (T_cell − T_ref)) · η_mppt,
    clamped at 0 (docs/design.md §5; SMAD §11.4 for the cosine and lifetime-degradation
    form; Patel 2004 ch. 3 for the linear temperature coefficient of maximum power).

    Parameters
    ----------
    irradiance_w_m2 : float
        solar irradiance at the satellite, shadow included [W/m^2]
    cos_incidence : float
        cosine of the angle between the panel normal and the Sun direction [1]
    area_m2 : float
        panel area [m^2]
    cell_efficiency : float
        cell efficiency at ``reference_temp_k``, beginning of life, AM0 [1]
    packing_factor : float
        fraction of the panel area covered by active cells [1]
    degradation_per_year : float
        fractional loss of power per year (radiation, UV, thermal cycling) [1/year]
    age_years : float
        time in orbit [year]
    temp_coeff_per_k : float
        relative temperature coefficient of maximum power γ, negative for real cells [1/K]
    cell_temp_k : float
        cell temperature [K]
    reference_temp_k : float
        temperature at which ``cell_efficiency`` is rated (28 °C = 301.15 K for space cells) [K]
    mppt_efficiency : float
        efficiency of the maximum-power-point tracker / array regulator [1]

    Returns
    -------
    float
        power delivered to the bus [W], >= 0

    Notes
    -----
    ``(1 − d)^years`` costs a ``pow`` call; it is skipped when ``age_years`` or
    ``degradation_per_year`` is 0, so a caller in a hurry can fold degradation into
    ``cell_efficiency`` once per run.
    """
    if cos_incidence <= 0.0 or irradiance_w_m2 <= 0.0:
        return 0.0
    life = 1.0
    if degradation_per_year != 0.0 and age_years != 0.0:
        life = (1.0 - degradation_per_year) ** age_years
    thermal = 1.0 + temp_coeff_per_k * (cell_temp_k - reference_temp_k)
    power = (irradiance_w_m2 * area_m2 * cell_efficiency * packing_factor * cos_incidence
             * life * thermal * mppt_efficiency)
    return power if power > 0.0 else 0.0


@kernel
def incidence_cos(mode, sx, sy, sz, rx, ry, rz, vx, vy, vz, nx, ny, nz):
    """Cosine of the Sun's incidence angle on a panel, by pointing mode.

    Parameters
    ----------
    mode : int
        0 ``sun_tracking``: two-axis tracking, the normal follows the Sun; returns 1.
        1 ``single_axis``: the panel rotates about the orbit normal ĥ = r × v / |r × v| and
        keeps its normal as close to the Sun as that axis allows: cos θ = cos β =
        sqrt(1 − (ŝ·ĥ)²), β the Sun's elevation above the orbit plane.
        4 ``single_axis_yaw``: ``single_axis`` on a yaw-steered bus (:func:`yaw_steered_sun`): the
        array axis is kept perpendicular to the Sun, so cos θ = 1 whatever β.
        2 ``body_fixed`` on a nadir-pointing bus: ``n`` is given in the LVLH frame below,
        rotated to GCRS and dotted with ŝ; clamped at 0 (Sun behind the panel).
        3 ``body_fixed`` on a Sun-pointing bus: ``n`` is given in a body frame whose +z points
        at the Sun; returns max(n_z, 0) / |n|.
    sx, sy, sz : float
        direction from the satellite towards the Sun, GCRS, any length (normalised here). At LEO
        the Earth-centred Sun direction differs by < 0.003° and may be used instead.
    rx, ry, rz : float
        satellite position, GCRS [m]
    vx, vy, vz : float
        satellite velocity, GCRS [m/s]
    nx, ny, nz : float
        panel normal (modes 2 and 3), any length [1]

    Returns
    -------
    float
        cos θ in [0, 1] [1]; 0 for a zero-length normal or Sun vector

    Notes
    -----
    LVLH convention (mode 2): the usual local-vertical/local-horizontal frame of crewed and
    Earth-pointing spacecraft (z towards the Earth's centre, y against the orbit's angular
    momentum, x completing the right-handed triad):

        ẑ = −r̂                       (nadir)
        ŷ = −ĥ = −(r × v)/|r × v|    (negative orbit normal)
        x̂ = ŷ × ẑ = ĥ × r̂            (along-track; equal to v̂ on a circular orbit)

    so a zenith-facing panel is n = (0, 0, −1) and a nadir-facing one n = (0, 0, 1).
    An unknown mode raises ``ValueError``.
    """
    if mode == SUN_TRACKING:
        return 1.0
    s_norm = math.sqrt(sx * sx + sy * sy + sz * sz)
    if s_norm == 0.0:
        return 0.0
    if mode == BODY_FIXED_SUN:
        return incidence_cos_lvlh(mode, 0.0, 0.0, 1.0, nx, ny, nz)
    if mode == SINGLE_AXIS or mode == BODY_FIXED_NADIR or mode == SINGLE_AXIS_YAW:
        r_norm = math.sqrt(rx * rx + ry * ry + rz * rz)
        hx, hy, hz = ry * vz - rz * vy, rz * vx - rx * vz, rx * vy - ry * vx
        if r_norm == 0.0 or hx * hx + hy * hy + hz * hz == 0.0:
            return 0.0   # no orbit plane
        xx, xy, xz, yx, yy, yz, zx, zy, zz = lvlh_axes(rx, ry, rz, vx, vy, vz, r_norm)
        return incidence_cos_lvlh(mode, (sx * xx + sy * xy + sz * xz) / s_norm,
                                  (sx * yx + sy * yy + sz * yz) / s_norm,
                                  (sx * zx + sy * zy + sz * zz) / s_norm, nx, ny, nz)
    raise ValueError("incidence_cos: mode must be 0 sun_tracking, 1 single_axis, "
                     "2 body_fixed nadir-pointing, 3 body_fixed sun-pointing or 4 single_axis_yaw")


@kernel
def lvlh_axes(rx, ry, rz, vx, vy, vz, r_norm):
    """The LVLH unit vectors x̂ (along-track), ŷ (−orbit normal), ẑ (nadir) in the frame of r, v
    (see :func:`incidence_cos`), given |r| = ``r_norm``; 9 floats, x̂ first."""
    inv_r = 1.0 / r_norm
    zx, zy, zz = -rx * inv_r, -ry * inv_r, -rz * inv_r
    hx, hy, hz = ry * vz - rz * vy, rz * vx - rx * vz, rx * vy - ry * vx
    inv_h = 1.0 / math.sqrt(hx * hx + hy * hy + hz * hz)
    yx, yy, yz = -hx * inv_h, -hy * inv_h, -hz * inv_h
    return (yy * zz - yz * zy, yz * zx - yx * zz, yx * zy - yy * zx, yx, yy, yz, zx, zy, zz)


@kernel
def incidence_cos_lvlh(mode, s_x, s_y, s_z, nx, ny, nz):
    """:func:`incidence_cos` from the unit Sun direction in LVLH components (s_x, s_y, s_z) [1]
    (for ``BODY_FIXED_SUN`` any Sun direction: the normal is in a Sun-pointing body frame)."""
    if mode == SUN_TRACKING:
        return 1.0
    if mode == SINGLE_AXIS:   # ŝ·ĥ = −s_y: cos θ = cos β = sqrt(1 − s_y²) = sqrt(s_x² + s_z²),
        return math.sqrt(s_x * s_x + s_z * s_z)   # the second form exact as β -> ±90°
    if mode == SINGLE_AXIS_YAW:   # the single-axis formula in the yawed frame, where s_y is 0
        b_x, b_y, b_z = yaw_steered_sun(s_x, s_y, s_z)
        return math.sqrt(b_x * b_x + b_z * b_z)
    n_norm = math.sqrt(nx * nx + ny * ny + nz * nz)
    if n_norm == 0.0:
        return 0.0
    if mode == BODY_FIXED_NADIR:
        c = (nx * s_x + ny * s_y + nz * s_z) / n_norm
        if c <= 0.0:
            return 0.0
        return c if c < 1.0 else 1.0
    if mode == BODY_FIXED_SUN:
        return nz / n_norm if nz > 0.0 else 0.0
    raise ValueError("incidence_cos: mode must be 0 sun_tracking, 1 single_axis, "
                     "2 body_fixed nadir-pointing, 3 body_fixed sun-pointing or 4 single_axis_yaw")


@kernel
def yaw_steered_sun(s_x, s_y, s_z):
    """The Sun's direction in the frame of a yaw-steered bus, from its LVLH components [1].

    The bus turns about nadir (LVLH ẑ) by the yaw ψ that takes the Sun out of its y-z plane:
    x_b = (cos ψ, sin ψ, 0), y_b = (−sin ψ, cos ψ, 0), z_b = ẑ with tan ψ = s_y / s_x, the branch
    that keeps the Sun on the +x_b side (ψ continuous over an orbit while β ≠ 0, GPS-style; ideal
    steering: the yaw rate near orbit noon and midnight at small β is not limited). The array's
    rotation axis, y_b, is then perpendicular to the Sun:

        (ŝ·x_b, ŝ·y_b, ŝ·z_b) = (sqrt(s_x² + s_y²), 0, s_z)

    Body-fixed directions given in LVLH at zero yaw (the radiator's ``normal_lvlh``) are dotted
    with this vector on such a bus. The single-axis array's cos θ becomes sqrt(b_x² + b_z²) = |ŝ|
    = 1: the cos β of a fixed-yaw bus is gone.
    """
    return math.sqrt(s_x * s_x + s_y * s_y), 0.0, s_z
