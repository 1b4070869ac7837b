"""The ``earth:`` section (twin/config/environment.py): albedo and outgoing infrared by design case,
and the radiator's steady state under each against the flat plate's heat balance."""
import math

import numpy as np
import pytest
import yaml

from conftest import REPO
from twin.config import ConfigError, load_config
from twin.config.environment import EARTH_CASES, case_values
from twin.constants import (EARTH_ALBEDO, EARTH_IR_W_M2, EARTH_MEAN_RADIUS_M, SOLAR_CONSTANT_W_M2,
                            STEFAN_BOLTZMANN_W_M2_K4)
from twin.engine.nodes import node_params
from twin.kernels.node import N_GEOMETRY
from twin.kernels.step import radiator_view_factors, step_radiator_loads
from twin.kernels.thermal import two_node_step

DEFAULT = REPO / "configs" / "default.yaml"


def test_cases_are_ordered_and_within_ecss_range():
    """hot > nominal > cold in both albedo and OLR, all within the range ECSS-E-ST-10-04C Annex F.5
    gives for an orbiting spacecraft (albedo 0.05-0.6, OLR 150-350 W/m²)."""
    assert EARTH_CASES == ("hot", "nominal", "cold")
    hot, nominal, cold = (case_values(c) for c in EARTH_CASES)
    assert hot[0] > nominal[0] > cold[0] and hot[1] > nominal[1] > cold[1]
    for albedo, olr in (hot, nominal, cold):
        assert 0.05 <= albedo <= 0.6 and 150.0 <= olr <= 350.0


def test_nominal_is_twin_s_constants_bit_for_bit():
    """No ``earth:`` = ``case: nominal`` = the constants node_params used before: the same floats,
    so existing runs do not change."""
    scenario = load_config(DEFAULT)
    assert scenario.earth.case == "nominal"
    assert (scenario.earth.albedo, scenario.earth.olr_w_m2) == (EARTH_ALBEDO, EARTH_IR_W_M2)
    assert node_params(scenario.spacecraft, earth=scenario.earth) == node_params(scenario.spacecraft)


def test_explicit_values_override_the_case():
    e = load_config(DEFAULT, ["earth.case=hot", "earth.olr_w_m2=275"]).earth
    assert (e.albedo, e.olr_w_m2) == (case_values("hot")[0], 275.0)
    e = load_config(DEFAULT, ["earth.case=cold", "earth.albedo=0.2"]).earth
    assert (e.albedo, e.olr_w_m2) == (0.2, case_values("cold")[1])
    # the resolved config records the values, and reads back to the same section
    again = load_config(DEFAULT, ["earth.case=hot"])
    assert yaml.safe_load(again.to_yaml())["earth"] == {"case": "hot", "albedo": 0.6, "olr_w_m2": 350.0,
                                                        "shape": "sphere", "shadow_grazing_height_km": 0.0}


@pytest.mark.parametrize("override, field", [("earth.case=warm", "earth.case"), ("earth.albedo=1.5", "earth.albedo"),
                                             ("earth.olr_w_m2=-1", "earth.olr_w_m2"), ("earth.ir=2", "earth.ir")])
def test_bad_values_name_the_field(override, field):
    with pytest.raises(ConfigError, match=field):
        load_config(DEFAULT, [override])


ALTITUDE_M = 550e3


def kernel_steady_state(p, sunlit):
    """The radiator's temperature after 60 h of constant load in the kernel: its loads from
    ``step_radiator_loads`` (sub-satellite point at noon, S·cos ζ = S₀, or in eclipse) for the
    default radiator, edge-on to the Sun and the Earth (normal along the orbit normal), its
    view factors from ``radiator_view_factors`` at 550 km, stepped by ``two_node_step``."""
    f_front, f_back = radiator_view_factors(EARTH_MEAN_RADIUS_M + ALTITUDE_M, 0.0, 0.0, p)
    geo = np.zeros((2, N_GEOMETRY, 1))
    geo[:, 5] = SOLAR_CONSTANT_W_M2 if sunlit else 0.0
    q_dark, q_sun = step_radiator_loads(geo, 0, 0, f_front, f_back, p, False)
    assert q_sun == 0.0   # edge-on to the Sun: no direct sunlight
    power = p.bus_power_w + p.n_accel * p.accel_peak_w
    te, tr = 300.0, 285.0
    for _ in range(int(60 * 3600 / 60.0)):   # > 100 radiator time constants (~15 min)
        te, tr = two_node_step(te, tr, power, q_dark, 60.0, p.electronics_heat_capacity_j_per_k,
                               p.radiator_heat_capacity_j_per_k, p.conductance_w_per_k,
                               p.radiator_area_m2 * p.radiator_sides, p.radiator_emissivity, p.space_temp_k)
    return tr


def analytic_steady_state(p, albedo, olr_w_m2, sunlit):
    """The flat plate's heat balance, written out: a two-sided plate of area A per face, edge-on to
    the Earth at altitude h, sees it with F = (1/π)[atan(1/√(H²−1)) − √(H²−1)/H²] per face
    (H = (R + h)/R; Howell's vertical plate), absorbs A·2F·(α·a·S₀ + ε·q_IR) (albedo at the
    sub-solar point; none in eclipse) and emits ε σ 2A (T⁴ − T_space⁴) = P + Q_abs."""
    h = (EARTH_MEAN_RADIUS_M + ALTITUDE_M) / EARTH_MEAN_RADIUS_M
    x = math.sqrt(h * h - 1.0)
    f = (math.atan(1.0 / x) - x / (h * h)) / math.pi
    albedo_w_m2 = p.radiator_absorptivity * albedo * SOLAR_CONSTANT_W_M2 if sunlit else 0.0
    q_abs = p.radiator_area_m2 * 2.0 * f * (albedo_w_m2 + p.radiator_emissivity * olr_w_m2)
    power = p.bus_power_w + p.n_accel * p.accel_peak_w
    emit = p.radiator_emissivity * STEFAN_BOLTZMANN_W_M2_K4 * 2.0 * p.radiator_area_m2
    return ((power + q_abs) / emit + p.space_temp_k ** 4) ** 0.25


@pytest.mark.parametrize("sunlit", [True, False], ids=["noon", "eclipse"])
def test_radiator_steady_state_hot_nominal_cold(sunlit):
    """The default spacecraft's radiator (4 m², two faces, ε 0.92, α 0.09, 3.1 kW at full load),
    held at noon over the sub-solar point or in eclipse: its steady state in the kernel under each
    case is the heat balance's, and hot > nominal > cold by the amounts the balance predicts.
    At noon the balance gives 311.23 K (hot), 305.37 K (nominal), 300.37 K (cold): +5.85 K and
    −5.00 K about nominal, albedo and infrared together; in eclipse the infrared alone, 308.17,
    303.77 and 300.09 K (+4.40 K, −3.67 K). Tolerance 1e-6 K: the steady state is a fixed point of
    the exponential step to rounding (measured 1e-12 K; tests/test_thermal.py) and the view factor
    is the same closed form."""
    scenario = {c: load_config(DEFAULT, [f"earth.case={c}"]) for c in EARTH_CASES}
    temps, expected = {}, {}
    for case, s in scenario.items():
        p = node_params(s.spacecraft, earth=s.earth)
        assert (p.albedo, p.earth_ir_w_m2) == case_values(case)
        temps[case] = kernel_steady_state(p, sunlit)
        expected[case] = analytic_steady_state(p, *case_values(case), sunlit)
        assert abs(temps[case] - expected[case]) < 1e-6, (case, temps[case], expected[case])
    assert temps["hot"] > temps["nominal"] > temps["cold"]
    for warmer, colder in (("hot", "nominal"), ("nominal", "cold")):
        rise = temps[warmer] - temps[colder]
        assert abs(rise - (expected[warmer] - expected[colder])) < 2e-6
        assert rise > 1.0   # kelvin, not rounding
    quoted = [311.23, 305.37, 300.37] if sunlit else [308.17, 303.77, 300.09]   # the docstring's, to 0.01 K
    assert [round(expected[c], 2) for c in ("hot", "nominal", "cold")] == quoted
