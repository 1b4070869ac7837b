"""The boundary geometry in two passes (twin/kernels/geometry.py): every satellite without the
trigonometric calls, then the penumbra's ν and β's arcsine. The two passes must give the bits of
one call of boundary_geometry per satellite and instant, and the shadow's cases without angles
must agree with the full conical model wherever they decide."""
import math

import numpy as np
import pytest

from twin.constants import EARTH_RADIUS_M, SUN_RADIUS_M
from twin.engine.nodes import node_params
from twin.kernels.geometry import block_geometry, boundary_geometry, geometry_rows
from twin.kernels.shadow import PENUMBRA, SPHERE, shadow_class_from, shadow_fraction_from

from test_node import circular_orbit, default_scenario

AU_M = 149_597_870_700.0  # m, IAU 2012


def _class_and_fraction(pos, sun, shape):
    d = sun - pos
    args = (*pos, *d, float(np.linalg.norm(pos)), float(np.linalg.norm(d)), shape)
    return shadow_class_from(*args), shadow_fraction_from(*args)


@pytest.mark.parametrize("shape", [SPHERE, (EARTH_RADIUS_M + 50e3, 0.1, 0.2, math.sqrt(0.95), 1 / 298.257)])
def test_shadow_cases_without_angles_agree_with_the_conical_model(shape):
    """Across the shadow boundary at 550 km, sampled finely enough to land in the penumbra (about
    9 s of a 95-minute orbit, 1e-3 of it): where the class says 0 or 1 the full model says the same,
    and PENUMBRA only where the full model gives a fraction strictly between (or exactly at an edge)."""
    rng = np.random.default_rng(5)
    sun = AU_M * np.array([1.0, 0.0, 0.0])
    counts = {0.0: 0, 1.0: 0, PENUMBRA: 0}
    r_m = EARTH_RADIUS_M + 550e3
    for angle in np.linspace(0.0, 2 * math.pi, 200_001):
        z = rng.uniform(-0.3, 0.3) * r_m
        pos = np.array([r_m * math.cos(angle), r_m * math.sin(angle), z])
        cls, nu = _class_and_fraction(pos, sun, shape)
        counts[cls] += 1
        if cls == PENUMBRA:
            assert 0.0 <= nu <= 1.0
        else:
            assert cls == nu
    assert min(counts.values()) > 0   # all three cases met
    assert math.isnan(shadow_class_from(math.nan, 0.0, 0.0, AU_M, 0.0, 0.0, math.nan, AU_M))
    assert shadow_class_from(1e6, 0.0, 0.0, AU_M, 0.0, 0.0, 1e6, AU_M) == 0.0   # inside the Earth
    assert SUN_RADIUS_M < AU_M


SUN_POINTING = ("spacecraft.solar_array.pointing=body_fixed", "spacecraft.solar_array.attitude=sun",
                "spacecraft.solar_array.normal_body=[0, 0, 1]", "spacecraft.radiator.orientation=body_fixed")


@pytest.mark.parametrize("overrides", [(), ("spacecraft.solar_array.pointing=sun_tracking",),
                                       ("spacecraft.solar_array.pointing=single_axis_yaw",), SUN_POINTING,
                                       ("earth.shape=wgs84",)])
def test_block_geometry_in_two_passes_gives_the_bits_of_boundary_geometry(overrides):
    """40 satellites over two orbits at 10 s (eclipse edges and penumbra samples included), each
    pointing mode's branch, the views rows of a Sun-pointing bus and the ellipsoid's shadow."""
    scenario = default_scenario(*overrides)
    p = node_params(scenario.spacecraft, earth=scenario.earth, epoch_utc=scenario.simulation.epoch_utc)
    pos, vel, sun = circular_orbit(40, 1200, 10.0)
    geo = np.empty((pos.shape[0], geometry_rows(p), pos.shape[1]))
    block_geometry(pos, vel, sun, p, geo, 0, pos.shape[1])
    penumbra = 0
    for k in range(pos.shape[0]):
        for i in range(pos.shape[1]):
            g = boundary_geometry(*pos[k, i], *vel[k, i], *sun[k], p)
            penumbra += 0.0 < g[0] < 1.0
            rows = geo[k, :9, i] if p.array_heat_balance > 0.5 else geo[k, :6, i]
            assert np.asarray(g[:len(rows)]).tobytes() == rows.tobytes()
    assert penumbra > 0
