"""Tests of twin.kernels.viewfactor: closed forms, limits, and numerical integration."""
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from twin.constants import EARTH_MEAN_RADIUS_M as RE
from twin.kernels.viewfactor import albedo_view_factor, earth_view_factor

ALTITUDES_M = [200e3, 550e3, 1200e3, 20_200e3, 35_786e3]


def big_h(alt):
    return (RE + alt) / RE


def quadrature_view_factor(alt, lam, n_theta=1200, n_phi=2400):
    """F = ∫ cos θ1 cos θ2 / (π d²) dA over the Earth cap visible from the plate.

    Midpoint rule in (θ, φ) on the sphere, θ measured from the sub-satellite point; the plate
    normal is nadir tilted by λ about the y axis. Independent of the closed form.
    """
    d_c = RE + alt
    theta_max = math.acos(RE / d_c)
    theta = (np.arange(n_theta) + 0.5) * theta_max / n_theta
    phi = (np.arange(n_phi) + 0.5) * 2 * math.pi / n_phi
    th, ph = np.meshgrid(theta, phi, indexing="ij")
    px = RE * np.sin(th) * np.cos(ph)
    py = RE * np.sin(th) * np.sin(ph)
    pz = RE * np.cos(th)
    dx, dy, dz = px, py, pz - d_c  # plate at (0, 0, d_c) to surface point
    dist2 = dx * dx + dy * dy + dz * dz
    dist = np.sqrt(dist2)
    n = (math.sin(lam), 0.0, -math.cos(lam))
    cos1 = np.maximum((n[0] * dx + n[1] * dy + n[2] * dz) / dist, 0.0)
    cos2 = -(px * dx + py * dy + pz * dz) / (RE * dist)  # surface normal towards the plate
    d_area = RE * RE * np.sin(th) * (theta_max / n_theta) * (2 * math.pi / n_phi)
    return float(np.sum(cos1 * np.maximum(cos2, 0.0) / (math.pi * dist2) * d_area))


def monte_carlo_view_factor(alt, lam, n_rays, rng):
    """Fraction of cosine-distributed rays from the plate that hit the sphere (the definition)."""
    hits = 0
    d_c = RE + alt
    n = np.array([math.sin(lam), 0.0, -math.cos(lam)])
    t1 = np.array([math.cos(lam), 0.0, math.sin(lam)])
    t2 = np.cross(n, t1)
    for _ in range(n_rays // 1_000_000):
        u1, u2 = rng.random(1_000_000), rng.random(1_000_000)
        sin_t, cos_t = np.sqrt(u1), np.sqrt(1.0 - u1)  # Lambertian (cosine-weighted)
        ph = 2 * math.pi * u2
        w = (np.outer(sin_t * np.cos(ph), t1) + np.outer(sin_t * np.sin(ph), t2)
             + np.outer(cos_t, n))
        # ray origin o = (0, 0, d_c) relative to the centre; hits if it passes within RE, ahead
        b = w[:, 2] * d_c  # o · w
        c = d_c * d_c - RE * RE
        hits += int(np.count_nonzero((b < 0.0) & (b * b >= c)))
    return hits / n_rays


class TestClosedForms:
    @pytest.mark.parametrize("alt", ALTITUDES_M)
    def test_nadir_facing_is_one_over_h_squared(self, alt):
        assert_allclose(earth_view_factor(alt, 0.0), 1.0 / big_h(alt) ** 2, rtol=1e-14)

    @pytest.mark.parametrize("alt", ALTITUDES_M)
    def test_fully_visible_range_is_cos_over_h_squared(self, alt):
        lam = 0.9 * math.acos(1.0 / big_h(alt))
        assert_allclose(earth_view_factor(alt, lam), math.cos(lam) / big_h(alt) ** 2, rtol=1e-14)

    @pytest.mark.parametrize("alt", ALTITUDES_M)
    def test_vertical_plate(self, alt):
        h = big_h(alt)
        root = math.sqrt(h * h - 1.0)
        expected = (math.atan(1.0 / root) - root / (h * h)) / math.pi
        # different algebra on the same numbers: rounding-level agreement
        assert_allclose(earth_view_factor(alt, math.pi / 2), expected, rtol=1e-12)

    def test_regression_values_550km(self):
        # values of the closed form at H = 6921.0088/6371.0088 (checked independently by the
        # quadrature and Monte-Carlo tests below); guards against accidental edits
        assert_allclose(earth_view_factor(550e3, 0.0), 0.847379, atol=1e-6)
        assert_allclose(earth_view_factor(550e3, math.radians(60)), 0.500147, atol=1e-6)
        assert_allclose(earth_view_factor(550e3, math.radians(90)), 0.257773, atol=1e-6)

    @pytest.mark.parametrize("alt", ALTITUDES_M)
    def test_continuous_at_branch_points(self, alt):
        edge = math.acos(1.0 / big_h(alt))
        for lam in (edge, math.pi - edge):
            lo, hi = earth_view_factor(alt, lam - 1e-9), earth_view_factor(alt, lam + 1e-9)
            assert abs(lo - hi) < 1e-8

    @pytest.mark.parametrize("alt", ALTITUDES_M)
    def test_monotonic_in_nadir_angle(self, alt):
        lam = np.linspace(0.0, math.pi, 2001)
        f = np.array([earth_view_factor(alt, x) for x in lam])
        assert np.all(np.diff(f) <= 1e-15)
        edge = math.pi - math.acos(1.0 / big_h(alt))
        assert np.all(np.diff(f[lam < edge]) < 0.0)  # strictly, while the Earth is in view

    @pytest.mark.parametrize("alt", ALTITUDES_M)
    def test_zero_beyond_horizon(self, alt):
        edge = math.pi - math.acos(1.0 / big_h(alt))
        for lam in (edge + 1e-6, 0.5 * (edge + math.pi), math.pi):
            assert earth_view_factor(alt, lam) == 0.0

    def test_angle_symmetry_and_wrapping(self):
        for lam in (0.3, 1.2, 2.0, 2.9):
            f = earth_view_factor(550e3, lam)
            assert earth_view_factor(550e3, -lam) == f
            assert_allclose(earth_view_factor(550e3, 2 * math.pi - lam), f, rtol=1e-12)
            assert_allclose(earth_view_factor(550e3, lam + 4 * math.pi), f, rtol=1e-12)

    def test_on_the_surface_is_half_space(self):
        # plane element on an infinite plane: F = (1 + cos λ)/2
        for lam in (0.0, 1.0, math.pi / 2, 3.0):
            assert_allclose(earth_view_factor(0.0, lam), 0.5 * (1 + math.cos(lam)), rtol=1e-15)


class TestNumericalIntegration:
    @pytest.mark.parametrize("alt", [550e3, 20_200e3])
    @pytest.mark.parametrize("lam_deg", [0, 20, 45, 70, 90, 100, 110, 130, 150, 165])
    def test_against_quadrature(self, alt, lam_deg):
        lam = math.radians(lam_deg)
        # midpoint rule, 1200 × 2400 cells; its error (largest at the cos θ1 = 0 kink) is
        # below 1e-5 here, so 1e-4 tests the closed form
        assert_allclose(earth_view_factor(alt, lam), quadrature_view_factor(alt, lam), atol=1e-4)

    @pytest.mark.parametrize("lam_deg", [0, 60, 90, 115])
    def test_against_monte_carlo(self, lam_deg):
        lam = math.radians(lam_deg)
        rng = np.random.default_rng(12345 + lam_deg)
        n_rays = 4_000_000
        f = earth_view_factor(550e3, lam)
        mc = monte_carlo_view_factor(550e3, lam, n_rays, rng)
        # binomial standard error sqrt(F(1-F)/N) <= 2.5e-4; 1e-3 is 4 sigma or more
        assert abs(mc - f) < 1e-3


class TestAlbedo:
    def test_scales_with_cos_zenith(self):
        f = earth_view_factor(550e3, 0.4)
        assert_allclose(albedo_view_factor(550e3, 0.4, 0.0), f, rtol=1e-15)
        assert_allclose(albedo_view_factor(550e3, 0.4, math.radians(60)), 0.5 * f, rtol=1e-12)

    @pytest.mark.parametrize("zenith_deg", [90.001, 100.0, 180.0])
    def test_zero_at_night(self, zenith_deg):
        assert albedo_view_factor(550e3, 0.0, math.radians(zenith_deg)) == 0.0

    def test_terminator(self):
        # cos(π/2) rounds to 6e-17, not 0: the factor is negligible, not exactly 0
        assert albedo_view_factor(550e3, 0.0, math.pi / 2) < 1e-15


class TestPythonPath:
    def test_same_results_without_numba(self):
        for alt in ALTITUDES_M + [0.0, -10.0]:
            for lam in np.linspace(-1.0, 7.0, 41):
                assert_allclose(earth_view_factor.py_func(alt, lam), earth_view_factor(alt, lam),
                                rtol=1e-13, atol=1e-16)
                assert_allclose(albedo_view_factor.py_func(alt, lam, 0.7),
                                albedo_view_factor(alt, lam, 0.7), rtol=1e-13, atol=1e-16)
