"""The radiator panel (twin/kernels/radiator.py): its fin efficiency against the textbook
straight fin and the exact radiating fin, and its orientations (edge-on to the Sun, nadir,
zenith, fixed in the body of a Sun-pointing bus) against the geometry computed independently."""
import math

import numpy as np
import pytest

from conftest import REPO
from test_node_steps import equatorial_boundaries
from twin.config import load_config
from twin.constants import EARTH_MEAN_RADIUS_M
from twin.engine.nodes import initial_state, node_params
from twin.kernels import layout as L
from twin.kernels.node import (N_GEOMETRY, N_GEOMETRY_VIEWS, NO_GEOMETRY, advance_nodes, block_geometry, boundary_geometry,
                               boundary_views, geometry_rows)
from twin.kernels.radiator import ORIENT_BODY_SUN, ORIENT_EDGE_ON_SUN, ORIENT_LVLH, radiating_fin_efficiency
from twin.kernels.solar import solar_irradiance_w_m2
from twin.kernels.step import radiator_view_factors
from twin.kernels.viewfactor import earth_view_factor

SIGMA = 5.670374419e-8   # W/(m² K⁴), CODATA 2018


def spacecraft(*overrides):
    return load_config(REPO / "configs" / "default.yaml", list(overrides)).spacecraft


# ------------------------------------------------------------------ fin efficiency
def fin_for(ml, faces=2, emissivity=0.9, temp_k=300.0, k=167.0, t=0.001):
    """Half-width L [m] giving a radiating fin the parameter mL, m² = faces·4εσT³/(k t)."""
    m = math.sqrt(faces * 4 * emissivity * SIGMA * temp_k ** 3 / (k * t))
    return ml / m


@pytest.mark.parametrize("ml, eta", [(0.5, 0.924), (1.0, 0.762), (2.0, 0.482), (3.0, 0.332)])
def test_fin_efficiency_is_the_straight_fins_with_an_adiabatic_tip(ml, eta):
    """Incropera et al. (2007) eq. 3.89, η = tanh(mL)/(mL), to the three figures of its values;
    the fin's m from the emission linearised at the tube's temperature, h = 4εσT³, radiating
    from both faces of an aluminium sheet (k 167 W/(m K), 1 mm)."""
    assert radiating_fin_efficiency(0.001, 167.0, fin_for(ml), 0.9, 2.0, 300.0) == pytest.approx(eta, abs=6e-4)


def exact_radiating_fin_efficiency(nc, cells=800):
    """The radiating fin into a sink at 0 K solved as it is: θ'' = N_c θ⁴ on x ∈ [0, 1], θ(0) = 1,
    θ'(1) = 0 (θ = T/T_b, N_c = faces·εσT_b³L²/(k t)), by Newton on second-order finite
    differences; η = ∫θ⁴dx, the heat leaving the root over εσT_b⁴ per unit area."""
    h = 1.0 / cells
    theta = np.ones(cells + 1)
    for _ in range(50):
        inner = theta[1:]
        right = np.append(theta[2:], theta[-2])   # the mirror node beyond the adiabatic tip
        residual = (theta[:-1] - 2 * inner + right) / h ** 2 - nc * inner ** 4
        jac = np.diag(-2 / h ** 2 - 4 * nc * inner ** 3) + np.diag(np.full(cells - 1, 1 / h ** 2), -1) \
            + np.diag(np.full(cells - 1, 1 / h ** 2), 1)
        jac[-1, -2] = 2 / h ** 2
        step = np.linalg.solve(jac, -residual)
        theta[1:] += step
        if np.max(np.abs(step)) < 1e-14:
            break
    return np.trapezoid(theta ** 4, dx=h)


@pytest.mark.parametrize("nc, bound", [(0.05, 0.003), (0.1, 0.007), (0.3, 0.032), (0.5, 0.055)])
def test_linearised_fin_efficiency_is_a_little_under_the_exact_radiating_fins(nc, bound):
    """Against the exact nonlinear fin (Lieblein's and Chapman's problem, solved here): T⁴ lies
    above its tangent, so the real sheet radiates more where it is cooler and the linearised η
    is low, by 0.2, 0.6, 2.9 and 5.3 % at N_c = 0.05, 0.1, 0.3, 0.5 (η 0.94 to 0.66); bounds a
    little above those. The finite differences converge to 1e-6 at 800 cells."""
    faces, emissivity, temp_k, k, t = 2.0, 0.9, 300.0, 167.0, 0.001
    half_width = math.sqrt(nc * k * t / (faces * emissivity * SIGMA * temp_k ** 3))
    twin_eta = radiating_fin_efficiency(t, k, half_width, emissivity, faces, temp_k)
    exact = exact_radiating_fin_efficiency(nc)
    assert 0.0 < (exact - twin_eta) / exact < bound


def test_the_fin_scales_emission_and_absorption_alike():
    """The panel's emitting and absorbing area both become η·A (the linear fin carries to its
    root η of what its faces net, absorbed loads included); its heat capacity stays the panel's."""
    fin = "{thickness_m: 0.0005, conductivity_w_per_m_k: 167, half_width_m: 0.1, reference_temp_k: 300}"
    p0, p1 = node_params(spacecraft()), node_params(spacecraft(f"spacecraft.radiator.fin={fin}"))
    eta = radiating_fin_efficiency(0.0005, 167.0, 0.1, 0.92, 2.0, 300.0)
    assert p1.radiator_fin_efficiency == eta and 0.6 < eta < 0.8
    assert p0.radiator_fin_efficiency == 1.0
    assert p1.radiator_heat_capacity_j_per_k == p0.radiator_heat_capacity_j_per_k


# ------------------------------------------------------------------ orientation
def random_geometry(rng, n):
    """Random LEO positions and velocities (not circular) and Sun directions, GCRS [m, m/s]."""
    r = rng.normal(size=(n, 3))
    r *= (EARTH_MEAN_RADIUS_M + rng.uniform(3e5, 2e6, n))[:, None] / np.linalg.norm(r, axis=1)[:, None]
    v = rng.normal(size=(n, 3)) * 5e3
    s = rng.normal(size=(n, 3))
    s *= 1.496e11 / np.linalg.norm(s, axis=1)[:, None]
    return r, v, s


def test_edge_on_sun_sees_no_sun_and_the_earth_edge_on():
    sc = spacecraft("spacecraft.radiator.orientation=edge_on_sun")
    p = node_params(sc)
    for mode in ("single_axis", "single_axis_yaw"):   # nor on a yawing bus
        q = node_params(spacecraft("spacecraft.radiator.orientation=edge_on_sun",
                                   f"spacecraft.solar_array.pointing={mode}"))
        for r, v, s in zip(*random_geometry(np.random.default_rng(4), 20)):
            g = boundary_geometry(*r, *v, *s, q)
            assert g[3] == 0.0 and g[4] == 0.0
    assert p.radiator_orientation == ORIENT_EDGE_ON_SUN and p.radiator_front_nadir_rad == math.pi / 2
    for r, v, s in zip(*random_geometry(np.random.default_rng(3), 50)):
        g = boundary_geometry(*r, *v, *s, p)
        assert g[3] == 0.0 and g[4] == 0.0
    r = EARTH_MEAN_RADIUS_M + 650e3
    front, back = radiator_view_factors(r, 0.0, 0.0, p)
    vertical = earth_view_factor(650e3, math.pi / 2)   # the vertical plate, (1/π)(atan(1/√(H²−1)) − √(H²−1)/H²)
    big_h = r / EARTH_MEAN_RADIUS_M
    assert vertical == pytest.approx((math.atan(1 / math.sqrt(big_h ** 2 - 1)) - math.sqrt(big_h ** 2 - 1) / big_h ** 2)
                                     / math.pi, rel=1e-12)
    assert front == back == vertical


@pytest.mark.parametrize("orientation, normal, front_nadir", [("nadir", (0.0, 0.0, 1.0), 0.0),
                                                             ("zenith", (0.0, 0.0, -1.0), math.pi)])
def test_nadir_and_zenith_facing_panels(orientation, normal, front_nadir):
    p = node_params(spacecraft(f"spacecraft.radiator.orientation={orientation}", "spacecraft.radiator.sides=1"))
    assert p.radiator_orientation == ORIENT_LVLH
    assert (p.radiator_normal_x, p.radiator_normal_y, p.radiator_normal_z) == normal
    assert p.radiator_front_nadir_rad == front_nadir
    r = EARTH_MEAN_RADIUS_M + 550e3
    front, back = radiator_view_factors(r, 0.0, 0.0, p)
    assert back == 0.0 and front == pytest.approx((EARTH_MEAN_RADIUS_M / r) ** 2 if orientation == "nadir" else 0.0,
                                                  rel=1e-12)   # Howell B-39: 1/H² facing the Earth


def test_body_fixed_on_a_nadir_pointing_bus_is_fixed_in_lvlh():
    a = node_params(spacecraft("spacecraft.radiator.orientation=body_fixed", "spacecraft.radiator.normal_body=[1, 2, 2]"))
    b = node_params(spacecraft("spacecraft.radiator.normal_lvlh=[1, 2, 2]"))
    assert a == b


SUN_POINTING = ("spacecraft.solar_array.pointing=body_fixed", "spacecraft.solar_array.attitude=sun",
                "spacecraft.solar_array.normal_body=[0, 0, 1]", "spacecraft.radiator.orientation=body_fixed")


def test_body_fixed_on_a_sun_pointing_bus_against_the_geometry_in_gcrs():
    """The bus's z to the Sun, its y the LVLH y (−orbit normal) made perpendicular to it. The
    panel's normal is built in GCRS from r, v and the Sun here, independently of the kernel's
    LVLH arithmetic; its Sun cosine and the Earth view factors of both faces (Howell B-43 at the
    angle between the normal and nadir) agree to 1e-12."""
    n_body = np.array([0.3, -0.8, 0.5])
    p = node_params(spacecraft(*SUN_POINTING, f"spacecraft.radiator.normal_body=[{n_body[0]}, {n_body[1]}, {n_body[2]}]"))
    assert p.radiator_orientation == ORIENT_BODY_SUN and geometry_rows(p) == N_GEOMETRY_VIEWS
    n_hat = n_body / np.linalg.norm(n_body)
    for r, v, sun in zip(*random_geometry(np.random.default_rng(5), 100)):
        g = boundary_geometry(*r, *v, *sun, p)
        views = boundary_views(*r, *v, *sun, p)
        d = sun - r
        z_b = d / np.linalg.norm(d)
        y_lvlh = -np.cross(r, v) / np.linalg.norm(np.cross(r, v))
        y_b = y_lvlh - (y_lvlh @ z_b) * z_b
        y_b /= np.linalg.norm(y_b)
        x_b = np.cross(y_b, z_b)
        normal = n_hat[0] * x_b + n_hat[1] * y_b + n_hat[2] * z_b
        lam = math.acos(normal @ (-r / np.linalg.norm(r)))
        s_full = solar_irradiance_w_m2(np.linalg.norm(d), 1.0)
        altitude = np.linalg.norm(r) - EARTH_MEAN_RADIUS_M
        assert g[3] == pytest.approx(s_full * n_hat[2], rel=1e-12) and g[4] == 0.0
        assert views[0] == pytest.approx(earth_view_factor(altitude, lam), rel=1e-9, abs=1e-12)
        assert views[1] == pytest.approx(earth_view_factor(altitude, math.pi - lam), rel=1e-9, abs=1e-12)


def test_the_kernel_takes_the_view_factors_from_the_geometry_it_is_given_or_computes():
    """With a Sun-pointing bus the view factors vary along the orbit: the kernel reads them from
    the block geometry (rows N_GEOMETRY and N_GEOMETRY + 1) the orbit feed computes, or computes them itself: the same
    bits either way; and they differ from those a radiator fixed in LVLH would hold."""
    sc = spacecraft(*SUN_POINTING, "spacecraft.radiator.normal_body=[1, 0, 0]")
    p = node_params(sc)
    pos, vel, sun = equatorial_boundaries(np.linspace(0.3, 6.0, 301))
    geo = np.empty((301, geometry_rows(p), 1))
    block_geometry(pos, vel, sun, p, geo)
    assert np.ptp(geo[:, N_GEOMETRY, 0]) > 0.1   # the Earth turns round a panel fixed to the Sun
    outs = []
    for given in (geo, NO_GEOMETRY):
        state, mode = initial_state(sc, 1)
        ev = (np.zeros((1, 900), np.int64), np.zeros((1, 900), np.int64), np.zeros((1, 900)), np.zeros(1, np.int64))
        advance_nodes(pos, vel, sun, given, 0.0, 10.0, np.ones(1), p, state, mode, np.zeros((L.N_ACC, 1)),
                      np.empty((300, 1)), *ev)
        outs.append(state.copy())
    assert outs[0].tobytes() == outs[1].tobytes()
    assert np.all(np.isfinite(outs[0])) and 150.0 < outs[0][L.STATE_RADIATOR_K, 0] < 400.0
