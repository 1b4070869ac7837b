"""Earth shadow: visible fraction of the solar disc, conical model with penumbra, the Earth a
sphere or an oblate ellipsoid with an optional absorbing atmosphere.

Model: Montenbruck, O. & Gill, E., *Satellite Orbits: Models, Methods and Applications*,
Springer (2000), §3.4.2 "Shadow".  Seen from the satellite, the Sun and the Earth are discs
of apparent radii a and b a distance c apart; the visible fraction nu of the solar disc is
1 minus the overlap area of the two discs over pi a^2.

The Earth's figure is a *shape* tuple ``(radius_m, pole_x, pole_y, pole_z, stretch)``:

- a sphere of radius ``radius_m`` when ``stretch`` is 0 (:data:`SPHERE`: the WGS-84
  equatorial radius, twin's historical model; the pole is then unused);
- an ellipsoid of revolution about the unit vector ``pole`` with equatorial semi-axis
  ``radius_m`` = a' and polar semi-axis b' = a' / (1 + stretch) otherwise (WGS-84: a' = a + h,
  b' = b + h, h the atmosphere's grazing height; :func:`twin.orbits.environment.earth_shadow_shape`).

The ellipsoid is reduced to the sphere by the affine map x -> x + stretch (x . k) k, which
stretches coordinates along the pole k by a'/b' and turns the ellipsoid into the sphere of radius
a'; the conical model is applied there.  An affine map takes straight lines to straight lines and
keeps tangency, so whether a ray from the satellite to a point of the Sun meets the Earth is
decided exactly; what the map does not keep is the Sun's shape: the Sun, a sphere, becomes an
ellipsoid stretched by at most a'/b' - 1 = 0.34 % (WGS-84), taken here as the sphere of radius
R_sun at the mapped distance. That moves the umbra and penumbra edges by at most
f * asin(R_sun / 1 AU) = 1.6e-5 rad as seen from the satellite (0.014 s of a LEO edge at
beta = 0; in Earth radius, ~50 m at a limb 3,000 km away, against the 21.4 km of flattening) and
nu inside the penumbra by at most ~f/2 = 1.7e-3 (tests/test_shadow_shape.py measures both against
rays cast to the Sun's disc and intersected with the ellipsoid exactly).

Inputs in metres, GCRS axes (any common inertial frame works, the pole in the same frame),
Earth at the origin.
"""
import math

from numba import njit

from twin.constants import EARTH_RADIUS_M, SUN_RADIUS_M
from twin.kernels.jit import kernel

# the spherical Earth of the WGS-84 equatorial radius, no atmosphere
SPHERE = (EARTH_RADIUS_M, 0.0, 0.0, 1.0, 0.0)


@kernel
def params_shape(p):
    """The shape tuple of a :class:`twin.kernels.node.NodeParams` (its "Earth shape for the
    shadow" block)."""
    return (p.shadow_radius_m, p.shadow_pole_x, p.shadow_pole_y, p.shadow_pole_z, p.shadow_stretch)


@kernel
def shadow_fraction(rx, ry, rz, sx, sy, sz, shape=SPHERE):
    """Visible fraction of the solar disc from a satellite, nu in [0, 1].

    Parameters
    ----------
    rx, ry, rz : float
        Satellite position, Earth-centred [m].
    sx, sy, sz : float
        Sun position, Earth-centred [m].
    shape : tuple
        The Earth's figure (module docstring); default the sphere.

    Returns
    -------
    float
        1 in full sunlight, 0 in the umbra, in between in the penumbra (or, far from
        Earth, in an annular eclipse).

    Notes
    -----
    Sunlit and umbra are decided on cosines (no trigonometric calls) with the identities
    c >= a + b  <=>  cos c <= cos(a + b) and c <= b - a  <=>  cos c >= cos(b - a); only
    penumbra samples evaluate the angles themselves.

    References
    ----------
    Montenbruck & Gill (2000), §3.4.2, eqs. (3.85)-(3.87) for a, b, c, then the
    circle-overlap area A and nu = 1 - A / (pi a^2) that follow them.
    """
    # d = s - r, satellite -> Sun
    dx = sx - rx
    dy = sy - ry
    dz = sz - rz
    return shadow_fraction_from(rx, ry, rz, dx, dy, dz, math.sqrt(rx * rx + ry * ry + rz * rz),
                                math.sqrt(dx * dx + dy * dy + dz * dz), shape)


PENUMBRA = -1.0   # shadow_class_from's value where the discs overlap and ν needs their angles


@kernel
def shadow_fraction_from(rx, ry, rz, dx, dy, dz, r_norm, d_norm, shape=SPHERE):
    """:func:`shadow_fraction` from the satellite position r [m], the satellite-to-Sun vector
    d = s - r [m] and their lengths [m], for callers that have them already."""
    rx, ry, rz, dx, dy, dz, r_norm, d_norm = _to_sphere(rx, ry, rz, dx, dy, dz, r_norm, d_norm, shape)
    return _conical(rx, ry, rz, dx, dy, dz, r_norm, d_norm, shape[0])


@kernel
def shadow_class_from(rx, ry, rz, dx, dy, dz, r_norm, d_norm, shape=SPHERE):
    """:func:`shadow_fraction_from` where it needs no angle: 1 (sunlit), 0 (umbra, or inside the
    Earth), NaN for a NaN position; PENUMBRA where the discs overlap (call
    :func:`shadow_fraction_from` there). No trigonometric call: a loop over many satellites
    leaves the rare penumbra, and its four, to a pass of its own (twin.kernels.geometry)."""
    rx, ry, rz, dx, dy, dz, r_norm, d_norm = _to_sphere(rx, ry, rz, dx, dy, dz, r_norm, d_norm, shape)
    return _cases_without_angles(rx, ry, rz, dx, dy, dz, r_norm, d_norm, shape[0])


@kernel
def _to_sphere(rx, ry, rz, dx, dy, dz, r_norm, d_norm, shape):
    """r, d and their lengths mapped so that the shape's Earth is the sphere of radius shape[0]
    (module docstring; unchanged for a sphere)."""
    radius_m, kx, ky, kz, stretch = shape
    if stretch != 0.0:
        # the ellipsoid to the sphere of radius radius_m: stretch along the pole (module docstring)
        u = stretch * (rx * kx + ry * ky + rz * kz)
        rx, ry, rz = rx + u * kx, ry + u * ky, rz + u * kz
        v = stretch * (dx * kx + dy * ky + dz * kz)
        dx, dy, dz = dx + v * kx, dy + v * ky, dz + v * kz
        r_norm = math.sqrt(rx * rx + ry * ry + rz * rz)
        d_norm = math.sqrt(dx * dx + dy * dy + dz * dz)
    return rx, ry, rz, dx, dy, dz, r_norm, d_norm


@kernel
def _cases_without_angles(rx, ry, rz, dx, dy, dz, r_norm, d_norm, earth_radius_m):
    """The conical model's cases without angles, for a spherical Earth of radius
    ``earth_radius_m`` [m]: 1, 0, NaN, or PENUMBRA (:func:`shadow_class_from`)."""
    if math.isnan(r_norm):
        return math.nan
    if r_norm <= earth_radius_m:
        return 0.0  # inside the Earth: no light

    sin_a = SUN_RADIUS_M / d_norm  # Eq. (3.85): a = asin(R_sun / |s - r|)
    sin_b = earth_radius_m / r_norm  # Eq. (3.86): b = asin(R_earth / |r|)
    cos_a = math.sqrt(1.0 - sin_a * sin_a)
    cos_b = math.sqrt(1.0 - sin_b * sin_b)
    # Eq. (3.87): c = acos(-r . (s - r) / (|r| |s - r|)), angle between Earth and Sun centres
    cos_c = -(rx * dx + ry * dy + rz * dz) / (r_norm * d_norm)

    if cos_c <= cos_a * cos_b - sin_a * sin_b:  # c >= a + b: discs apart
        return 1.0
    if sin_b >= sin_a and cos_c >= cos_a * cos_b + sin_a * sin_b:  # c <= b - a: umbra
        return 0.0
    return PENUMBRA


@kernel
def _conical(rx, ry, rz, dx, dy, dz, r_norm, d_norm, earth_radius_m):
    """The conical model for a spherical Earth of radius ``earth_radius_m`` [m]."""
    nu = _cases_without_angles(rx, ry, rz, dx, dy, dz, r_norm, d_norm, earth_radius_m)
    if nu != PENUMBRA:   # NaN included
        return nu

    sin_a = SUN_RADIUS_M / d_norm
    sin_b = earth_radius_m / r_norm
    a = math.asin(sin_a)
    b = math.asin(sin_b)
    # atan2 keeps full precision for small c where acos would not
    cx = ry * dz - rz * dy
    cy = rz * dx - rx * dz
    cz = rx * dy - ry * dx
    c = math.atan2(math.sqrt(cx * cx + cy * cy + cz * cz), -(rx * dx + ry * dy + rz * dz))

    if c <= a - b:  # annular: the whole Earth disc in front of the Sun
        return 1.0 - (b * b) / (a * a)

    # partial occultation: overlap area of two discs of radii a, b at distance c
    x = (c * c + a * a - b * b) / (2.0 * c)
    y = math.sqrt(max(a * a - x * x, 0.0))
    arg_a = min(max(x / a, -1.0), 1.0)
    arg_b = min(max((c - x) / b, -1.0), 1.0)
    area = a * a * math.acos(arg_a) + b * b * math.acos(arg_b) - c * y
    nu = 1.0 - area / (math.pi * a * a)
    return min(max(nu, 0.0), 1.0)


@njit(cache=True)
def shadow_fraction_array(pos_m, sun_m, out, shape=SPHERE):
    """Fill ``out`` with the visible solar-disc fraction of every satellite and time.

    Parameters
    ----------
    pos_m : float64 array, shape (B, N, 3)
        Satellite positions, Earth-centred [m].
    sun_m : float64 array, shape (B, 3)
        Earth-to-Sun vectors [m].
    out : float64 array, shape (B, N)
        Written in place with nu in [0, 1].
    shape : tuple
        The Earth's figure (module docstring); default the sphere.
    """
    n_times, n_sats = out.shape
    for i in range(n_times):
        sx = sun_m[i, 0]
        sy = sun_m[i, 1]
        sz = sun_m[i, 2]
        for j in range(n_sats):
            out[i, j] = shadow_fraction(pos_m[i, j, 0], pos_m[i, j, 1], pos_m[i, j, 2], sx, sy, sz, shape)
