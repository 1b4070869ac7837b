"""The Earth's shape in the shadow (twin/kernels/shadow.py): the WGS-84 ellipsoid against analytic
edges and against rays cast to the Sun and intersected with the ellipsoid exactly, the
atmosphere's grazing height against the analytic enlargement, skyfield's ``is_sunlit`` where its
sphere and the ellipsoid agree, the config's path to the kernel, and bad input."""
import math
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from skyfield.api import EarthSatellite

from twin.config import load_config
from twin.constants import (ASTRONOMICAL_UNIT_M as AU_M, EARTH_POLAR_RADIUS_M as B_M, EARTH_RADIUS_M as A_M,
                            EARTH_FLATTENING, SUN_RADIUS_M)
from twin.engine.nodes import node_params
from twin.kernels.node import N_GEOMETRY, block_geometry
from twin.kernels.shadow import SPHERE, shadow_fraction
from twin.kernels.step import mean_shadow_fraction, step_geometry
from twin.orbits import Propagator, SatelliteSet, load_tle, sso_shell
from twin.orbits.environment import (earth_pole_gcrs, earth_shadow_shape, ephemeris, skyfield_times,
                                     sun_position_gcrs_m, sunlit_fraction, timescale)

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
EPOCH = datetime(2026, 5, 30, tzinfo=timezone.utc)


def shape_about(pole, height_m=0.0):
    """The WGS-84 ellipsoid (plus a grazing height) about an arbitrary unit pole."""
    k = np.asarray(pole, float) / np.linalg.norm(pole)
    a, b = A_M + height_m, B_M + height_m
    return (a, float(k[0]), float(k[1]), float(k[2]), a / b - 1.0)


def ellipsoid_matrix(k, a, b):
    """x^T E x = 1 on the ellipsoid of semi-axes a (equator) and b (along the unit pole k)."""
    kk = np.outer(k, k)
    return (np.eye(3) - kk) / a**2 + kk / b**2


def rays_hit(origin, directions, e):
    """Whether rays origin + t d, t > 0, meet the ellipsoid x^T E x <= 1 (exactly, a quadratic in t)."""
    qa = np.einsum("...i,ij,...j->...", directions, e, directions)
    qb = 2.0 * np.einsum("...i,ij,...j->...", origin, e, directions)
    qc = np.einsum("...i,ij,...j->...", origin, e, origin) - 1.0
    disc = qb * qb - 4.0 * qa * qc
    return (disc >= 0.0) & (-qb + np.sqrt(np.maximum(disc, 0.0)) > 0.0)


def ray_cast_nu(r, s, shape, n=400):
    """Visible fraction of the solar disc by rays from the satellite to a polar grid over the disc
    (uniform in solid angle, no limb darkening: the model's disc), each intersected with the
    ellipsoid exactly: a reference that makes none of the kernel's approximations."""
    a, kx, ky, kz, stretch = shape
    k = np.array([kx, ky, kz])
    d = s - r
    u = d / np.linalg.norm(d)
    alpha = math.asin(SUN_RADIUS_M / np.linalg.norm(d))
    e1 = np.cross(u, [0.3, 0.5, 0.8])
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(u, e1)
    rho = (np.arange(n) + 0.5) / n * alpha
    phi = (np.arange(2 * n) + 0.5) / (2 * n) * 2 * np.pi
    rho, phi = np.meshgrid(rho, phi, indexing="ij")
    w = (np.cos(rho)[..., None] * u
         + np.sin(rho)[..., None] * (np.cos(phi)[..., None] * e1 + np.sin(phi)[..., None] * e2))
    weight = np.sin(rho)
    hit = rays_hit(r, w, ellipsoid_matrix(k, a, a / (1.0 + stretch)))
    return (weight * ~hit).sum() / weight.sum()


# ------------------------------------------------------------------ analytic edges

FAR_SUN_M = 1e15   # the Sun's disc 7e-7 rad: the penumbra ~5 m wide at a limb 7,000 km away


@pytest.mark.parametrize("height_m", [0.0, 50e3])
@pytest.mark.parametrize("tilt_deg", [0.0, 30.0])
def test_umbra_edge_at_the_polar_and_equatorial_radii(height_m, tilt_deg):
    """With the Sun far away along +x and the pole in the y-z plane, the shadow is the cylinder
    of the ellipsoid's outline: its edge is b + h along the pole and a + h across it (21.4 km
    apart), where the sphere puts both at a + h. The far Sun's penumbra (7e-7 rad × 7,000 km =
    5 m) and parallax (7e6/1e15 rad) leave the edge within 20 m of those radii."""
    t = math.radians(tilt_deg)
    k = np.array([0.0, math.sin(t), math.cos(t)])
    across = np.array([0.0, math.cos(t), -math.sin(t)])
    wgs84 = shape_about(k, height_m)
    sphere = earth_shadow_shape("sphere", height_m)
    sun = (FAR_SUN_M, 0.0, 0.0)
    behind = np.array([-7e6, 0.0, 0.0])
    for direction, edge_m in ((k, B_M + height_m), (across, A_M + height_m)):
        assert shadow_fraction(*(behind + (edge_m - 20.0) * direction), *sun, wgs84) == 0.0
        assert shadow_fraction(*(behind + (edge_m + 20.0) * direction), *sun, wgs84) == 1.0
    # the sphere of the equatorial radius shadows the polar band between b and a as well
    assert shadow_fraction(*(behind + (B_M + height_m + 20.0) * k), *sun, sphere) == 0.0
    assert shadow_fraction(*(behind + (A_M + height_m + 20.0) * k), *sun, sphere) == 1.0


def test_equatorial_plane_sees_the_sphere_of_the_equatorial_radius():
    """Satellite and Sun in the equatorial plane: the stretch along the pole moves nothing, so
    the ellipsoid's ν is the sphere's, bit for bit."""
    wgs84 = shape_about([0.0, 0.0, 1.0])
    rng = np.random.default_rng(5)
    for _ in range(200):
        phi, r = rng.uniform(0, 2 * math.pi), rng.uniform(6.6e6, 8e6)
        pos = (r * math.cos(phi), r * math.sin(phi), 0.0)
        sun = (AU_M, 0.0, 0.0)
        assert shadow_fraction(*pos, *sun, wgs84) == shadow_fraction(*pos, *sun)


def edge_separation(shape, r_m, level):
    """(c, a) [rad] where ν crosses ``level`` coming out of the umbra, for a satellite at radius
    r_m in the equatorial plane (bisection on its angle from the anti-Sun direction, to 1e-14
    rad): c the separation of the Earth's and the Sun's centres seen from it, a the Sun's
    angular radius there."""
    sun = np.array([AU_M, 0.0, 0.0])

    def pos(theta):
        return -r_m * np.array([math.cos(theta), math.sin(theta), 0.0])

    lo, hi = 0.0, 1.5
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if shadow_fraction(*pos(mid), *sun, shape) <= level else (lo, mid)
    p = pos(0.5 * (lo + hi))
    to_earth, to_sun = -p, sun - p
    c = math.atan2(np.linalg.norm(np.cross(to_earth, to_sun)), to_earth @ to_sun)
    return c, math.asin(SUN_RADIUS_M / np.linalg.norm(to_sun))


@pytest.mark.parametrize("height_km", [23.0, 50.0, 75.0])
def test_grazing_height_enlarges_the_shadow_by_the_analytic_angle(height_km):
    """A grazing height h makes the Earth's disc seen from r wider by
    Δb = asin((R + h)/r) - asin(R/r) (Montenbruck & Gill eq. 3.86 with R + h): the umbra's edge
    (c = b - a) and the penumbra's outer edge (c = b + a) both move out by Δb (less or more the
    change of the Sun's radius a between the two places, ~5e-9 rad: the Sun is 170 km nearer or
    farther). The edges are taken where ν crosses 1e-3 and 1 - 1e-3, 6.5e-5 rad inside them (ν
    grows as the 3/2 power of the distance from an edge), which Δb moves by 5e-10 rad at most
    (the limb's curvature changes by Δb/b); rounding in the overlap area is below 1e-10 rad there:
    tolerance 2e-9 rad, 6 mm at the limb."""
    r_m = A_M + 650e3
    h_m = height_km * 1e3
    expected = math.asin((A_M + h_m) / r_m) - math.asin(A_M / r_m)
    for shape_name in ("sphere", "wgs84"):   # in the equatorial plane the ellipsoid is the sphere
        base = earth_shadow_shape(shape_name, 0.0, EPOCH)
        high = earth_shadow_shape(shape_name, h_m, EPOCH)
        base = (base[0], 0.0, 0.0, 1.0, base[4])   # pole along z: the orbit plane is the equator
        high = (high[0], 0.0, 0.0, 1.0, high[4])
        for level, sign in ((1e-3, -1.0), (1.0 - 1e-3, 1.0)):   # umbra side c = b - a, outer c = b + a
            (c0, a0), (c1, a1) = edge_separation(base, r_m, level), edge_separation(high, r_m, level)
            moved = (c1 - c0) - sign * (a1 - a0)
            assert abs(moved - expected) < 2e-9, (shape_name, level, moved, expected)


# ------------------------------------------------------------------ against ray casting

def test_penumbra_against_rays_cast_to_the_ellipsoid():
    """ν at points through the penumbra (ν = 0.02 ... 0.98, found on the kernel) against
    :func:`ray_cast_nu`, for random poles, Sun directions and radii. The kernel maps the ellipsoid
    to a sphere and leaves the Sun a sphere there, where it is an ellipsoid stretched by up to f:
    ν is off by at most ~f/2 = 1.7e-3 (the disc's width along the stretch); measured 7e-4,
    together with the flat-disc overlap (2e-4, tests/test_shadow.py) and the 400-ring grid (1e-4).
    The spherical Earth, at the same points, is off by far more: the test tells the shapes apart."""
    rng = np.random.default_rng(1)
    worst, sphere_worst = 0.0, 0.0
    for _ in range(6):
        k = rng.normal(size=3)
        s_dir = rng.normal(size=3)
        s_dir /= np.linalg.norm(s_dir)
        sun = AU_M * s_dir
        perp = np.cross(s_dir, rng.normal(size=3))
        perp /= np.linalg.norm(perp)
        r_m = rng.uniform(6.8e6, 8e6)
        shape = shape_about(k)

        def pos(theta, r_m=r_m, s_dir=s_dir, perp=perp):
            return r_m * (-math.cos(theta) * s_dir + math.sin(theta) * perp)

        for target in (0.02, 0.25, 0.5, 0.75, 0.98):
            lo, hi = 0.5, 1.5
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                lo, hi = (mid, hi) if shadow_fraction(*pos(mid), *sun, shape) < target else (lo, mid)
            p = pos(0.5 * (lo + hi))
            reference = ray_cast_nu(p, sun, shape)
            worst = max(worst, abs(shadow_fraction(*p, *sun, shape) - reference))
            sphere_worst = max(sphere_worst, abs(shadow_fraction(*p, *sun) - reference))
    print(f"\nellipsoid ν against ray casting: worst {worst:.1e}; the sphere's at the same points {sphere_worst:.2f}")
    assert worst < EARTH_FLATTENING / 2.0
    assert sphere_worst > 0.1


# ------------------------------------------------------------------ real orbits, skyfield

@pytest.fixture(scope="module")
def day_of_orbits():
    """ISS, 20 Starlink and a 650 km dawn-dusk SSO in its eclipse season (grazing the shadow over
    the poles, where the flattening counts) over one day at 10 s."""
    iss = load_tle(DATA / "celestrak_iss_20260530.tle")
    starlink = load_tle(DATA / "starlink_sample_20260530.tle")
    sats = SatelliteSet.concat([iss, starlink.select(np.arange(len(starlink)) < 20),
                                sso_shell(650.0, 18.0, 1, 1, EPOCH)])
    t_s = np.arange(0.0, 86400.0, 10.0)
    pos, _, error = Propagator(sats, EPOCH).propagate(t_s)
    assert not error.any()
    return sats, t_s, pos, sun_position_gcrs_m(EPOCH, t_s)


def test_ellipsoid_full_sun_and_umbra_are_exact_and_agree_with_skyfield_where_it_applies(day_of_orbits):
    """Where the WGS-84 kernel says full Sun (ν = 1) or umbra (ν = 0), the ray to the Sun's centre
    misses or meets the ellipsoid, exactly: the affine map keeps which rays meet it. skyfield's
    ``is_sunlit`` (a ray against a sphere of 6,378,136.6 m) must agree wherever that ray passes
    the Earth's centre farther out than a + 1 m or nearer than b - 1 m, where the two shapes
    cannot differ; in between (the flattening's band) some samples must differ."""
    sats, t_s, pos, sun = day_of_orbits
    shape = earth_shadow_shape("wgs84", 0.0, EPOCH)
    nu = sunlit_fraction(pos, sun, shape)
    k = np.array(shape[1:4])
    e = ellipsoid_matrix(k, A_M, B_M)
    t = skyfield_times(EPOCH, t_s)
    ts, eph = timescale(), ephemeris()
    in_band, compared = 0, 0
    for j, satrec in enumerate(sats.satrecs):
        r, w = pos[:, j], sun - pos[:, j]
        hit = rays_hit(r, w, e)
        full = (nu[:, j] == 0.0) | (nu[:, j] == 1.0)
        assert_array_equal(nu[full, j] == 0.0, hit[full], err_msg=sats.name[j])
        # the ray's closest approach to the Earth's centre (the satellite itself if it points away)
        t_star = np.maximum(-np.einsum("bi,bi->b", r, w) / np.einsum("bi,bi->b", w, w), 0.0)
        rho = np.linalg.norm(r + t_star[:, None] * w, axis=1)
        clear = full & ((rho > A_M + 1.0) | (rho < B_M - 1.0))
        sunlit = EarthSatellite.from_satrec(satrec, ts).at(t).is_sunlit(eph)
        assert_array_equal(sunlit[clear], nu[clear, j] == 1.0, err_msg=sats.name[j])
        in_band += int((full & ~clear).sum())
        compared += int(clear.sum())
    sphere_nu = sunlit_fraction(pos, sun)
    differ = int((sphere_nu != nu).sum())
    print(f"\nwgs84 against is_sunlit: {compared} samples equal; {in_band} in the flattening's band; "
          f"ν differs from the sphere's on {differ} samples")
    assert compared > 0.9 * nu.size and in_band > 0 and differ > 0


def test_the_pole_is_skyfields_true_pole_at_the_epoch():
    """The pole is the z axis of the TEME frame the orbits come from (skyfield's
    ``TEME.rotation_at``: true equator of date), about 0.147° from GCRS z in 2026: precession
    moves the pole 20.04"/yr in declination (IAU 2006, 2004.19"/century; Lieske et al. 1977
    give 2004.31"), and nutation adds up to sqrt(9.2² + (17.2 sin 23.4°)²) = 11.5" = 0.0032°:
    tolerance 0.004°."""
    from skyfield.sgp4lib import TEME

    pole = earth_pole_gcrs(EPOCH)
    teme_z = TEME.rotation_at(skyfield_times(EPOCH, [0.0]))[2, :, 0]   # GCRS -> TEME, its third row
    assert np.abs(pole - teme_z).max() < 1e-15
    years = (EPOCH - datetime(2000, 1, 1, 12, tzinfo=timezone.utc)).days / 365.25
    assert abs(math.degrees(math.acos(pole[2])) - years * 20.04 / 3600.0) < 0.004


# ------------------------------------------------------------------ config -> kernel

def test_config_reaches_the_kernel_and_the_default_is_the_sphere():
    """``earth.shape`` and ``earth.shadow_grazing_height_km`` become NodeParams' shadow block;
    the default config gives exactly :data:`SPHERE` (default runs unchanged, bit for bit), and
    block_geometry's ν and step_geometry's mean are the shape's."""
    scenario = load_config(REPO / "configs" / "default.yaml")
    p = node_params(scenario.spacecraft, earth=scenario.earth, epoch_utc=scenario.simulation.epoch_utc)
    assert (p.shadow_radius_m, p.shadow_pole_x, p.shadow_pole_y, p.shadow_pole_z, p.shadow_stretch) == SPHERE
    assert node_params(scenario.spacecraft) == p
    s = load_config(REPO / "configs" / "default.yaml", ["earth.shape=wgs84", "earth.shadow_grazing_height_km=23"])
    q = node_params(s.spacecraft, earth=s.earth, epoch_utc=s.simulation.epoch_utc)
    shape = (q.shadow_radius_m, q.shadow_pole_x, q.shadow_pole_y, q.shadow_pole_z, q.shadow_stretch)
    assert shape == earth_shadow_shape("wgs84", 23e3, s.simulation.epoch_utc)
    assert q.shadow_radius_m == A_M + 23e3 and q.shadow_stretch == (A_M + 23e3) / (B_M + 23e3) - 1.0
    with pytest.raises(ValueError, match="epoch"):
        node_params(s.spacecraft, earth=s.earth)

    # a polar orbit crossing the shadow over the pole: ν at the boundaries and over a step
    epoch = s.simulation.epoch_utc
    sats = sso_shell(650.0, 0.0, 1, 1, epoch)   # noon-midnight plane: eclipsed every orbit
    t_s = np.arange(0.0, 6000.0, 10.0)
    pos, vel, _ = Propagator(sats, epoch).propagate(t_s)
    sun = sun_position_gcrs_m(epoch, t_s)
    geo = np.empty((len(t_s), N_GEOMETRY, 1))
    block_geometry(pos, vel, sun, q, geo)
    nu = sunlit_fraction(pos, sun, shape)[:, 0]
    assert_array_equal(geo[:, 0, 0], nu)
    assert (nu != sunlit_fraction(pos, sun)[:, 0]).any()
    edges = np.flatnonzero(nu[:-1] != nu[1:])
    assert len(edges) >= 2
    differ = 0
    for k in edges:
        got = step_geometry(geo, k, 0, pos, sun, 0, 16, shape)[2]
        assert got == mean_shadow_fraction(*pos[k, 0], *pos[k + 1, 0], *sun[k], *sun[k + 1], 16, shape)
        differ += got != mean_shadow_fraction(*pos[k, 0], *pos[k + 1, 0], *sun[k], *sun[k + 1], 16)
    assert differ > 0


def test_sphere_shape_is_the_old_model_bit_for_bit(day_of_orbits):
    """``shape: sphere`` at zero height is the model twin has always run (tests/test_shadow.py checks
    that one against skyfield's is_sunlit): the same ν, bit for bit."""
    _, _, pos, sun = day_of_orbits
    assert earth_shadow_shape("sphere", 0.0) == SPHERE
    assert_array_equal(sunlit_fraction(pos, sun, earth_shadow_shape("sphere", 0.0)), sunlit_fraction(pos, sun))


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("override, fragment", [
    ("earth.shape=oblate", "earth.shape"),
    ("earth.shadow_grazing_height_km=-5", "earth.shadow_grazing_height_km"),
    ("earth.shadow_grazing_height_km=150", "earth.shadow_grazing_height_km"),
    ("earth.shadow_grazing_height_km=.nan", "earth.shadow_grazing_height_km"),
])
def test_bad_shadow_settings_are_one_line_and_exit_2(override, fragment):
    result = subprocess.run([sys.executable, "-m", "twin", "validate", "configs/default.yaml", "--set", override],
                            capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], lines


def test_shape_function_refuses_bad_arguments():
    with pytest.raises(ValueError, match="shape"):
        earth_shadow_shape("oblate")
    with pytest.raises(ValueError, match="grazing"):
        earth_shadow_shape("sphere", -1.0)
    with pytest.raises(ValueError, match="epoch"):
        earth_shadow_shape("wgs84", 0.0)
