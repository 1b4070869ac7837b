"""Yaw steering (``spacecraft.solar_array.pointing: single_axis_yaw``): a single-axis array on a bus
that yaws about nadir to keep the array axis perpendicular to the Sun loses no cos β
(twin/kernels/solar.py ``yaw_steered_sun``), against the analytic incidence and in a run."""
import math

import h5py
import numpy as np
import pytest

from conftest import REPO
from twin.config import ConfigError, load_config
from twin.constants import ASTRONOMICAL_UNIT_M, EARTH_MU_M3_S2, EARTH_RADIUS_M
from twin.engine.nodes import node_params
from twin.kernels.node import N_GEOMETRY, POINTING_CODES, block_geometry
from twin.kernels.solar import (SINGLE_AXIS, SINGLE_AXIS_YAW, SUN_TRACKING, incidence_cos, incidence_cos_lvlh,
                                yaw_steered_sun)

DEFAULT = REPO / "configs" / "default.yaml"
ULP_TOL = 4e-16   # a handful of roundings in a norm of unit-vector components


def sun_at(beta_rad, u_rad):
    """Unit Sun direction at elevation β above the plane of an orbit whose normal is +z, at angle u
    in that plane from +x."""
    return (math.cos(beta_rad) * math.cos(u_rad), math.cos(beta_rad) * math.sin(u_rad), math.sin(beta_rad))


@pytest.mark.parametrize("u_deg", [0.0, 37.0, 90.0, 180.0, 251.0])
def test_beta_60_single_axis_half_yaw_steered_whole(u_deg):
    """At β = 60° a single-axis array about the orbit normal sees cos θ = cos 60° = 0.5 of the
    sun-tracking array's 1; on a yaw-steered bus it sees 1 again, wherever the satellite is on its
    orbit. Orbit: r along +x, v along +y, normal +z. To a few ulp (the kernel's norms)."""
    r, v = EARTH_RADIUS_M + 550e3, 7.6e3
    s = sun_at(math.radians(60.0), math.radians(u_deg))
    args = (r, 0.0, 0.0, 0.0, v, 0.0, 0.0, 0.0, -1.0)
    assert incidence_cos(SUN_TRACKING, *s, *args) == 1.0
    assert abs(incidence_cos(SINGLE_AXIS, *s, *args) - 0.5) < ULP_TOL
    assert abs(incidence_cos(SINGLE_AXIS_YAW, *s, *args) - 1.0) < ULP_TOL


def test_yawed_frame_puts_the_sun_off_the_array_axis():
    """In the yawed frame the Sun has no component along y_b (the array axis), keeps its nadir
    component and lies on the +x_b side; the vector stays a unit vector."""
    rng = np.random.default_rng(3)
    for s in rng.normal(size=(200, 3)):
        s = s / np.linalg.norm(s)
        b = yaw_steered_sun(*s)
        assert b[1] == 0.0 and b[2] == s[2] and b[0] >= 0.0
        assert abs(math.hypot(*b) - 1.0) < ULP_TOL
        assert abs(incidence_cos_lvlh(SINGLE_AXIS_YAW, *s, 0.0, 0.0, 0.0) - 1.0) < ULP_TOL


def test_pointing_code_and_config():
    assert POINTING_CODES["single_axis_yaw"] == SINGLE_AXIS_YAW
    p = node_params(load_config(DEFAULT, ["spacecraft.solar_array.pointing=single_axis_yaw"]).spacecraft)
    assert p.pointing_mode == float(SINGLE_AXIS_YAW)
    with pytest.raises(ConfigError, match="pointing"):
        load_config(DEFAULT, ["spacecraft.solar_array.pointing=yaw"])


def test_geometry_with_yaw_steering():
    """``block_geometry`` at β = 60° on a circular orbit: the array's S·cos θ is S·cos β for
    single_axis and S for single_axis_yaw; the default radiator (normal along the orbit normal,
    LVLH y) gets S·sin β on one face on a fixed-yaw bus, and nothing on a yaw-steered one, whose
    y axis is kept perpendicular to the Sun. β itself, an orbit quantity, is the same.
    To 1e-9 of S (the Sun's direction from the satellite vs the Earth's centre differs by ~5e-5 rad,
    the same for both modes, so compared with the fixed-yaw values at the same point)."""
    r = EARTH_RADIUS_M + 550e3
    v = math.sqrt(EARTH_MU_M3_S2 / r)
    beta = math.radians(60.0)
    u = np.radians([10.0, 80.0, 150.0, 300.0])   # satellite positions on the orbit (all sunlit at β = 60°)
    pos = np.stack([r * np.cos(u), r * np.sin(u), 0.0 * u], axis=-1)[:, None, :]
    vel = np.stack([-v * np.sin(u), v * np.cos(u), 0.0 * u], axis=-1)[:, None, :]
    sun = np.tile(np.array([math.cos(beta), 0.0, math.sin(beta)]) * ASTRONOMICAL_UNIT_M, (len(u), 1))
    geo = {}
    for mode in ("single_axis", "single_axis_yaw"):
        p = node_params(load_config(DEFAULT, [f"spacecraft.solar_array.pointing={mode}"]).spacecraft)
        geo[mode] = np.empty((len(u), N_GEOMETRY, 1))
        block_geometry(pos, vel, sun, p, geo[mode])
    fixed, yawed = geo["single_axis"][:, :, 0], geo["single_axis_yaw"][:, :, 0]
    s_full = fixed[:, 1] / np.cos(fixed[:, 2])   # S at each point, from the fixed bus's S·cos β
    np.testing.assert_allclose(fixed[:, 2], beta, atol=1e-4)   # β from the satellite: within 5e-5 rad
    np.testing.assert_allclose(yawed[:, 1], s_full, rtol=1e-12)
    np.testing.assert_array_equal(yawed[:, 2], fixed[:, 2])
    np.testing.assert_allclose(fixed[:, 3] + fixed[:, 4], s_full * np.sin(fixed[:, 2]), rtol=1e-9)
    assert np.all(yawed[:, 3] == 0.0) and np.all(yawed[:, 4] == 0.0)
    np.testing.assert_array_equal(yawed[:, 5], fixed[:, 5])   # albedo load: nadir geometry, no yaw


@pytest.fixture(scope="module")
def solstice_runs(tmp_path_factory):
    """The default scenario (24 satellites, 4 planes at 53°, one day) at the June solstice, where its
    planes sit at β ≈ −30°, 12°, 76° and 16°, with each pointing mode: the recorded flows. The
    cells at a fixed temperature, so that the array's power follows its incidence alone: with its
    heat balance a fixed-yaw array at large β runs colder, its cells more efficient, and the gain
    falls short of 1/cos β (docs/validation.md, "Solar array temperature")."""
    from twin.engine.simulation import run

    tmp = tmp_path_factory.mktemp("yaw")
    out = {}
    for mode in ("single_axis", "single_axis_yaw", "sun_tracking"):
        path = tmp / f"{mode}.h5"
        run(load_config(DEFAULT, [f"spacecraft.solar_array.pointing={mode}",
                                  "spacecraft.solar_array.temperature_model=fixed",
                                  "simulation.epoch_utc=2026-06-21T00:00:00Z"]), path)
        with h5py.File(path) as f:
            out[mode] = {k: f[k][...].astype(np.float64) for k in ("solar_power_w", "beta_deg", "sunlit_fraction")}
    return out


def test_run_gains_one_over_cos_beta(solstice_runs):
    """Per satellite, the yaw-steered array's mean power over the day is the fixed-yaw one's times
    1/⟨cos β⟩ over the sunlit part (β barely moves in a day, so this is 1/cos β: 1.149 at β −30°,
    4.197 at β 76°), and equals the sun-tracking array's. Tolerance 5e-6 relative: β and the
    sunlit fraction are stored as float32 (cos β then carries tan β · 6e-8 · β ≈ 3e-7 at 76°;
    measured 8e-7)."""
    fixed, yawed, tracking = (solstice_runs[m] for m in ("single_axis", "single_axis_yaw", "sun_tracking"))
    lit, cos_beta = fixed["sunlit_fraction"], np.cos(np.radians(fixed["beta_deg"]))
    gain = yawed["solar_power_w"].sum(axis=0) / fixed["solar_power_w"].sum(axis=0)
    predicted = lit.sum(axis=0) / (lit * cos_beta).sum(axis=0)
    np.testing.assert_allclose(gain, predicted, rtol=5e-6)
    assert gain.max() > 4.0 and gain.min() > 1.0   # the run does reach large β
    np.testing.assert_allclose(yawed["solar_power_w"], tracking["solar_power_w"], rtol=1e-12, atol=1e-9)
    # the whole constellation: Σ P_yaw / Σ P_yaw cos β (each record's own irradiance as weight)
    total = yawed["solar_power_w"].sum() / fixed["solar_power_w"].sum()
    np.testing.assert_allclose(total, yawed["solar_power_w"].sum() / (yawed["solar_power_w"] * cos_beta).sum(),
                               rtol=5e-6)
