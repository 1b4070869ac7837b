"""Tests of twin.kernels.solar against hand-computed and geometric results."""
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from twin.constants import ASTRONOMICAL_UNIT_M
from twin.kernels.solar import (BODY_FIXED_NADIR, BODY_FIXED_SUN, SINGLE_AXIS, SUN_TRACKING,
                                array_power_w, incidence_cos, solar_irradiance_w_m2)

R_M = 6_921_000.0  # m, a 550 km circular orbit
V_M_S = 7_590.0  # m/s
# circular orbit in the x-y plane: r along +x, v along +y, so the orbit normal ĥ = +z and the
# LVLH axes are x̂ = +y (along-track), ŷ = −z, ẑ = −x (nadir)
R = (R_M, 0.0, 0.0)
V = (0.0, V_M_S, 0.0)

# cosines are pure geometry on O(1) numbers: agreement to rounding
COS_TOL = 1e-12


def cos_for(mode, sun, normal=(0.0, 0.0, 1.0), r=R, v=V, fn=incidence_cos):
    return fn(mode, *sun, *r, *v, *normal)


class TestIncidenceCos:
    def test_sun_tracking_is_one(self):
        for sun in [(1.0, 0.0, 0.0), (0.0, -3.0, 2.0), (0.0, 0.0, 0.0)]:
            assert cos_for(SUN_TRACKING, sun) == 1.0

    @pytest.mark.parametrize("beta_deg", [0.0, 10.0, 45.0, 72.5, 90.0, -30.0])
    @pytest.mark.parametrize("azimuth_deg", [0.0, 37.0, 180.0, 290.0])
    def test_single_axis_is_cos_beta(self, beta_deg, azimuth_deg):
        # Sun at elevation β above the orbit plane (x-y), any azimuth in it, any length
        b, a = math.radians(beta_deg), math.radians(azimuth_deg)
        sun = tuple(2.5 * c for c in (math.cos(b) * math.cos(a), math.cos(b) * math.sin(a),
                                      math.sin(b)))
        assert_allclose(cos_for(SINGLE_AXIS, sun), math.cos(b), atol=COS_TOL)

    def test_single_axis_tilted_orbit(self):
        # orbit plane tilted: ĥ = r × v along (0, -sin i, cos i) for r = x, v = (0, cos i, sin i)
        inc = math.radians(53.0)
        v = (0.0, V_M_S * math.cos(inc), V_M_S * math.sin(inc))
        h_hat = np.array([0.0, -math.sin(inc), math.cos(inc)])
        sun = np.array([0.3, -0.8, 0.52])
        sin_beta = sun @ h_hat / np.linalg.norm(sun)
        assert_allclose(cos_for(SINGLE_AXIS, tuple(sun), v=v), math.sqrt(1 - sin_beta ** 2),
                        atol=COS_TOL)

    @pytest.mark.parametrize("normal, sun, expected", [
        ((0.0, 0.0, -1.0), (1.0, 0.0, 0.0), 1.0),   # zenith-facing panel, Sun at zenith
        ((0.0, 0.0, 1.0), (1.0, 0.0, 0.0), 0.0),    # nadir-facing panel, Sun at zenith
        ((0.0, 0.0, -1.0), (-1.0, 0.0, 0.0), 0.0),  # zenith-facing panel, Sun at nadir (anti-Sun)
        ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), 1.0),    # along-track normal, Sun ahead (along v)
        ((1.0, 0.0, 0.0), (0.0, -1.0, 0.0), 0.0),   # along-track normal, Sun behind
        ((0.0, 1.0, 0.0), (0.0, 0.0, -1.0), 1.0),   # −orbit-normal face, Sun on −ĥ side
        ((0.0, 1.0, 0.0), (0.0, 0.0, 1.0), 0.0),    # −orbit-normal face, Sun on +ĥ side
        ((0.0, 0.0, -4.0), (0.5, math.sqrt(3) / 2, 0.0), 0.5),  # zenith face, Sun 60° off zenith
    ])
    def test_body_fixed_nadir(self, normal, sun, expected):
        assert_allclose(cos_for(BODY_FIXED_NADIR, sun, normal), expected, atol=COS_TOL)

    def test_body_fixed_nadir_matches_explicit_rotation(self):
        # any geometry, including r not perpendicular to v (eccentric orbit): build the LVLH
        # rotation with numpy and compare
        rng = np.random.default_rng(7)
        for _ in range(200):
            r = rng.normal(size=3) * 7e6
            v = rng.normal(size=3) * 7e3
            n = rng.normal(size=3)
            s = rng.normal(size=3)
            z = -r / np.linalg.norm(r)
            h = np.cross(r, v)
            y = -h / np.linalg.norm(h)
            x = np.cross(y, z)
            n_gcrs = n[0] * x + n[1] * y + n[2] * z
            expected = max(n_gcrs @ s / (np.linalg.norm(n) * np.linalg.norm(s)), 0.0)
            got = incidence_cos(BODY_FIXED_NADIR, *s, *r, *v, *n)
            assert_allclose(got, expected, atol=COS_TOL)

    @pytest.mark.parametrize("normal, expected", [
        ((0.0, 0.0, 1.0), 1.0), ((1.0, 0.0, 1.0), 1 / math.sqrt(2)), ((0.0, 0.0, -1.0), 0.0),
        ((3.0, 4.0, 0.0), 0.0), ((0.0, 0.0, 0.0), 0.0),
    ])
    def test_body_fixed_sun(self, normal, expected):
        assert_allclose(cos_for(BODY_FIXED_SUN, (0.2, 0.3, 0.1), normal), expected, atol=COS_TOL)

    def test_degenerate_vectors_give_zero(self):
        assert cos_for(SINGLE_AXIS, (0.0, 0.0, 0.0)) == 0.0
        assert cos_for(BODY_FIXED_NADIR, (1.0, 0.0, 0.0), (0.0, 0.0, 0.0)) == 0.0

    def test_unknown_mode_raises(self):
        with pytest.raises(ValueError):
            cos_for(7, (1.0, 0.0, 0.0))


class TestArrayPower:
    ARGS = dict(irradiance_w_m2=1361.0, cos_incidence=0.8, area_m2=10.0, cell_efficiency=0.307,
                packing_factor=0.88, degradation_per_year=0.01, age_years=5.0,
                temp_coeff_per_k=-0.0022, cell_temp_k=333.15, reference_temp_k=301.15,
                mppt_efficiency=0.97)

    def test_by_hand(self):
        a = self.ARGS
        expected = (1361.0 * 10.0 * 0.307 * 0.88 * 0.8 * 0.99 ** 5 * (1 - 0.0022 * 32.0) * 0.97)
        # a product of 9 floats: agreement to rounding
        assert_allclose(array_power_w(**a), expected, rtol=1e-13)

    def test_degradation_alone(self):
        a = dict(self.ARGS, temp_coeff_per_k=0.0, age_years=10.0, degradation_per_year=0.005)
        fresh = array_power_w(**dict(a, age_years=0.0))
        assert_allclose(array_power_w(**a) / fresh, 0.995 ** 10, rtol=1e-13)  # 0.95111

    def test_temperature_coefficient_alone(self):
        a = dict(self.ARGS, degradation_per_year=0.0)
        at_ref = array_power_w(**dict(a, cell_temp_k=301.15))
        hot = array_power_w(**dict(a, cell_temp_k=351.15))  # 50 K above reference: -11 %
        cold = array_power_w(**dict(a, cell_temp_k=251.15))  # 50 K below: +11 %
        assert_allclose(hot / at_ref, 1 - 0.11, rtol=1e-13)
        assert_allclose(cold / at_ref, 1 + 0.11, rtol=1e-13)

    def test_sun_tracking_at_1_au_reference(self):
        # 1 m² of XTJ Prime at 28 °C, BOL, normal incidence, ideal packing and MPPT: 0.307 · 1361
        a = dict(self.ARGS, cos_incidence=1.0, area_m2=1.0, packing_factor=1.0, age_years=0.0,
                 cell_temp_k=301.15, mppt_efficiency=1.0)
        assert_allclose(array_power_w(**a), 0.307 * 1361.0, rtol=1e-14)

    @pytest.mark.parametrize("override", [dict(cos_incidence=-0.3), dict(cos_incidence=0.0),
                                          dict(irradiance_w_m2=0.0), dict(cell_temp_k=1000.0)])
    def test_clamped_at_zero(self, override):
        assert array_power_w(**dict(self.ARGS, **override)) == 0.0


class TestIrradiance:
    def test_one_au_full_sun_is_1361(self):
        # 1 au written out (IAU 2012 B2), not the kernel's own constant: a wrong AU or a wrong
        # solar constant (Kopp & Lean 2011: 1360.8 +/- 0.5 W/m^2) both show
        assert_allclose(solar_irradiance_w_m2(149_597_870_700.0, 1.0), 1361.0, atol=0.5)

    def test_inverse_square_and_shadow(self):
        assert_allclose(solar_irradiance_w_m2(2 * ASTRONOMICAL_UNIT_M, 1.0), 1361.0 / 4, rtol=1e-15)
        assert_allclose(solar_irradiance_w_m2(ASTRONOMICAL_UNIT_M, 0.25), 1361.0 / 4, rtol=1e-15)
        assert solar_irradiance_w_m2(ASTRONOMICAL_UNIT_M, 0.0) == 0.0
        # perihelion (0.98329 AU): 1407.6 W/m²
        assert_allclose(solar_irradiance_w_m2(0.98329 * ASTRONOMICAL_UNIT_M, 1.0), 1407.66,
                        atol=0.01)


class TestPythonPath:
    """The same functions without numba (``.py_func``) give the jitted results."""

    def test_incidence_cos(self):
        rng = np.random.default_rng(3)
        for mode in (SUN_TRACKING, SINGLE_AXIS, BODY_FIXED_NADIR, BODY_FIXED_SUN):
            for _ in range(20):
                args = (mode, *rng.normal(size=3), *(rng.normal(size=3) * 7e6),
                        *(rng.normal(size=3) * 7e3), *rng.normal(size=3))
                assert_allclose(incidence_cos.py_func(*args), incidence_cos(*args), rtol=1e-13,
                                atol=1e-15)

    def test_array_power_and_irradiance(self):
        args = tuple(TestArrayPower.ARGS.values())
        assert_allclose(array_power_w.py_func(*args), array_power_w(*args), rtol=1e-14)
        assert_allclose(solar_irradiance_w_m2.py_func(1.5e11, 0.7), solar_irradiance_w_m2(1.5e11, 0.7),
                        rtol=1e-15)
