"""The geometry the node kernel needs at each step boundary: the shadow, the Sun on the array and
on the radiator's faces, the albedo load, the array's Earth view factors (its heat balance), and a
radiator's view factors on a Sun-pointing bus; per boundary (:func:`boundary_geometry`) and for a
whole propagation block (:func:`block_geometry`). Split from :mod:`twin.kernels.node`, which
re-exports these names."""
import math

import numpy as np
from numba import njit

from twin.constants import EARTH_MEAN_RADIUS_M
from twin.kernels.array_thermal import array_view_factors
from twin.kernels.radiator import ORIENT_BODY_SUN, sun_pointing_nadir_cos
from twin.kernels.shadow import PENUMBRA, params_shape, shadow_class_from, shadow_fraction
from twin.kernels.viewfactor import earth_view_factor
from twin.kernels.solar import (BODY_FIXED_NADIR, SINGLE_AXIS, SINGLE_AXIS_YAW, incidence_cos_lvlh, lvlh_axes,
                                solar_irradiance_w_m2, yaw_steered_sun)
from twin.kernels.jit import kernel


N_GEOMETRY = 9  # values boundary_geometry returns
N_GEOMETRY_FIXED = 6   # ... of which the kernel reads these with the array at a fixed temperature
N_GEOMETRY_VIEWS = N_GEOMETRY + 2   # ... and the radiator's Earth view factors (rows 9, 10), kept where
#                                     they vary (ORIENT_BODY_SUN)


def geometry_rows(p):
    """Rows of boundary geometry a run with parameters ``p`` keeps (:func:`block_geometry`)."""
    return N_GEOMETRY_VIEWS if int(p.radiator_orientation) == ORIENT_BODY_SUN else N_GEOMETRY


geometry_rows_jit = kernel(geometry_rows)


@kernel
def boundary_geometry(rx, ry, rz, vx, vy, vz, sx, sy, sz, p):
    """What the physics needs from the geometry at one instant: :func:`geometry_without_angles`
    finished by :func:`finish_geometry`.

    Returns (ν, S·cos θ_array, β, S·max(cos,0) on the radiator's front and back faces,
    S·max(cos ζ,0), the Earth view factors of the array's front and back faces, S·max(−cos θ,0) on
    the array's back), with S the unshadowed irradiance [W/m²] and ζ the solar zenith angle at the
    sub-satellite point (the albedo load per unit albedo and view factor). The last three are 0
    unless the array's heat balance is on (:func:`array_geometry`). On a yaw-steered bus
    (``single_axis_yaw``) the radiator's normal turns with the bus: its faces see the Sun in the
    yawed frame (:func:`twin.kernels.solar.yaw_steered_sun`). The shadow fraction ν
    multiplies the sunlit terms later, once averaged over the step; the Earth view factors of a
    radiator fixed in LVLH depend on altitude alone and are held in the node state
    (STATE_VIEW_FRONT, STATE_VIEW_BACK), evaluated where the caller asks.
    A radiator edge-on to the Sun has a zero normal here
    (:func:`twin.engine.nodes.radiator_orientation`) and sees it on neither face; one fixed on a
    Sun-pointing bus (ORIENT_BODY_SUN) at the angle its normal makes with the bus's Sun axis, and
    its Earth view factors are :func:`boundary_views`.
    """
    g = geometry_without_angles(rx, ry, rz, vx, vy, vz, sx, sy, sz, p)
    nu, beta = finish_geometry(g[0], g[2], rx, ry, rz, sx, sy, sz, params_shape(p))
    return nu, g[1], beta, g[3], g[4], g[5], g[6], g[7], g[8]


@kernel
def finish_geometry(nu, sin_beta, rx, ry, rz, sx, sy, sz, shape):
    """(ν [1], β [rad]) from :func:`geometry_without_angles`' ν and sin β: the penumbra's ν
    (:func:`twin.kernels.shadow.shadow_fraction` for the Earth's ``shape``) and β's arcsine, the
    geometry's only trigonometric calls. Takes the shape, not the parameters: a call that is not
    inlined copies what it is given."""
    if nu == PENUMBRA:
        nu = shadow_fraction(rx, ry, rz, sx, sy, sz, shape)
    return nu, math.asin(max(-1.0, min(1.0, sin_beta)))


@kernel(inline="always")   # into the satellite loop: a call would copy the parameters
def geometry_without_angles(rx, ry, rz, vx, vy, vz, sx, sy, sz, p):
    """:func:`boundary_geometry` without its trigonometric calls, which :func:`finish_geometry`
    adds: ν is PENUMBRA where the discs overlap (:func:`twin.kernels.shadow.shadow_class_from`),
    and the third value sin β. :func:`block_geometry` runs this for every satellite, inlined in its
    loop, and finishes the few in penumbra and the arcsines in a second pass: a third less time
    than a call of :func:`boundary_geometry` per satellite (benchmarks/RESULTS.md), the same bits."""
    r = math.sqrt(rx * rx + ry * ry + rz * rz)
    dx, dy, dz = sx - rx, sy - ry, sz - rz
    d_sun = math.sqrt(dx * dx + dy * dy + dz * dz)
    nu = shadow_class_from(rx, ry, rz, dx, dy, dz, r, d_sun, params_shape(p))
    s_full = solar_irradiance_w_m2(d_sun, 1.0)
    # the Sun's direction in LVLH: everything below is a dot product with it
    xx, xy, xz, yx, yy, yz, zx, zy, zz = lvlh_axes(rx, ry, rz, vx, vy, vz, r)
    inv_d = 1.0 / d_sun
    s_x = (dx * xx + dy * xy + dz * xz) * inv_d
    s_y = (dx * yx + dy * yy + dz * yz) * inv_d
    s_z = (dx * zx + dy * zy + dz * zz) * inv_d
    mode = int(p.pointing_mode)
    cos_inc = incidence_cos_lvlh(mode, s_x, s_y, s_z, p.array_normal_x, p.array_normal_y, p.array_normal_z)
    cos_zenith = max(-s_z, 0.0)
    cos_front = (p.radiator_normal_x * s_x + p.radiator_normal_y * s_y + p.radiator_normal_z * s_z) \
        * p.radiator_normal_inv_norm
    if mode == SINGLE_AXIS_YAW:   # the radiator turns with the bus: the Sun in the yawed frame
        b_x, b_y, b_z = yaw_steered_sun(s_x, s_y, s_z)
        cos_front = (p.radiator_normal_x * b_x + p.radiator_normal_y * b_y + p.radiator_normal_z * b_z) \
            * p.radiator_normal_inv_norm
    if p.radiator_orientation == ORIENT_BODY_SUN:   # the Sun fixed on the panel
        cos_front = p.radiator_normal_z * p.radiator_normal_inv_norm
    f_front = f_back = sun_back = 0.0
    if p.array_heat_balance > 0.5:
        f_front, f_back, sun_back = array_geometry(mode, s_x, s_y, s_z, s_full, r, p)
    return (nu, s_full * cos_inc, -s_y, s_full * max(cos_front, 0.0), s_full * max(-cos_front, 0.0),
            s_full * cos_zenith, f_front, f_back, sun_back)


@kernel
def array_geometry(mode, s_x, s_y, s_z, s_full, r_m, p):
    """(F_front, F_back, S·max(−cos θ, 0)): the Earth view factors of the array's faces [1] and the
    sunlight on its back [W/m²], from the Sun's LVLH direction (s_x, s_y, s_z) (z nadir), the
    unshadowed irradiance ``s_full`` and the distance from the Earth's centre ``r_m``.

    The front normal by pointing mode: sun-tracking and yaw-steered arrays face the Sun, so their
    normal's nadir component is the Sun's, s_z; a single-axis array's normal is the Sun's
    direction projected on the orbit plane, (s_x, 0, s_z) normalised; a body-fixed array on a
    nadir-pointing bus has its fixed normal_body, and only it can have the Sun behind it. A
    body-fixed array on a Sun-pointing bus is taken as facing the Sun (its roll about the Sun line
    is not given)."""
    if mode == SINGLE_AXIS:
        in_plane = math.sqrt(s_x * s_x + s_z * s_z)
        cos_nadir = s_z / in_plane if in_plane > 0.0 else 0.0
    elif mode == BODY_FIXED_NADIR:
        n_norm = math.sqrt(p.array_normal_x ** 2 + p.array_normal_y ** 2 + p.array_normal_z ** 2)
        cos_nadir = p.array_normal_z / n_norm
        cos_sun = (p.array_normal_x * s_x + p.array_normal_y * s_y + p.array_normal_z * s_z) / n_norm
        f_front, f_back = array_view_factors(r_m, cos_nadir)
        return f_front, f_back, s_full * max(-cos_sun, 0.0)
    else:
        cos_nadir = s_z
    f_front, f_back = array_view_factors(r_m, cos_nadir)
    return f_front, f_back, 0.0


@kernel
def boundary_views(rx, ry, rz, vx, vy, vz, sx, sy, sz, p):
    """Earth view factors (F_front, F_back) [1] at one instant of a radiator fixed in the body of
    a Sun-pointing bus (ORIENT_BODY_SUN), whose angle to nadir turns along the orbit: rows 6 and 7
    of the block geometry (:func:`block_geometry`)."""
    r = math.sqrt(rx * rx + ry * ry + rz * rz)
    dx, dy, dz = sx - rx, sy - ry, sz - rz
    inv_d = 1.0 / math.sqrt(dx * dx + dy * dy + dz * dz)
    xx, xy, xz, yx, yy, yz, zx, zy, zz = lvlh_axes(rx, ry, rz, vx, vy, vz, r)
    s_x = (dx * xx + dy * xy + dz * xz) * inv_d
    s_y = (dx * yx + dy * yy + dz * yz) * inv_d
    s_z = (dx * zx + dy * zy + dz * zz) * inv_d
    cos_nadir = sun_pointing_nadir_cos(s_x, s_y, s_z, p.radiator_normal_x, p.radiator_normal_y,
                                       p.radiator_normal_z, p.radiator_normal_inv_norm)
    altitude, lam = r - EARTH_MEAN_RADIUS_M, math.acos(cos_nadir)
    f_back = earth_view_factor(altitude, math.pi - lam) if p.radiator_sides > 1.5 else 0.0
    return earth_view_factor(altitude, lam), f_back


@njit(cache=True, nogil=True)
def block_geometry(pos_m, vel_m_s, sun_m, p, geo, lo=0, hi=-1):
    """:func:`boundary_geometry` at every boundary of nodes lo..hi-1 (hi = -1: all):
    ``geo[k, q, i - lo]`` is value q at boundary k of node i. Depends on the orbits alone, so the
    engine computes it for a whole propagation block at once, beside the orbits themselves.

    Parameters
    ----------
    pos_m, vel_m_s : (B, N, 3) GCRS position [m] and velocity [m/s]; sun_m : (B, 3) Sun [m]
    p : NodeParams
    geo : (B, :func:`geometry_rows`, >= hi - lo) float array, filled (rows N_GEOMETRY_FIXED to
        N_GEOMETRY only with the array's heat balance on: the kernel reads them only then)
    """
    hi = pos_m.shape[1] if hi < 0 else hi
    views = geo.shape[1] > N_GEOMETRY
    array_rows = p.array_heat_balance > 0.5   # the array's rows only where the kernel reads them
    shape = params_shape(p)
    for k in range(pos_m.shape[0]):
        for i in range(lo, hi):
            g = geometry_without_angles(pos_m[k, i, 0], pos_m[k, i, 1], pos_m[k, i, 2], vel_m_s[k, i, 0],
                                        vel_m_s[k, i, 1], vel_m_s[k, i, 2], sun_m[k, 0], sun_m[k, 1], sun_m[k, 2], p)
            for q in range(N_GEOMETRY_FIXED):
                geo[k, q, i - lo] = g[q]
            if views:
                geo[k, N_GEOMETRY, i - lo], geo[k, N_GEOMETRY + 1, i - lo] = boundary_views(
                    pos_m[k, i, 0], pos_m[k, i, 1], pos_m[k, i, 2], vel_m_s[k, i, 0], vel_m_s[k, i, 1],
                    vel_m_s[k, i, 2], sun_m[k, 0], sun_m[k, 1], sun_m[k, 2], p)
            if array_rows:
                for q in range(N_GEOMETRY_FIXED, N_GEOMETRY):
                    geo[k, q, i - lo] = g[q]
        for i in range(lo, hi):   # the second pass (geometry_without_angles)
            geo[k, 0, i - lo], geo[k, 2, i - lo] = finish_geometry(
                geo[k, 0, i - lo], geo[k, 2, i - lo], pos_m[k, i, 0], pos_m[k, i, 1], pos_m[k, i, 2],
                sun_m[k, 0], sun_m[k, 1], sun_m[k, 2], shape)


NO_GEOMETRY = np.empty((0, N_GEOMETRY, 0))   # advance_nodes' geo when it is to compute it itself
