"""Radiator coatings (configs/presets/coating/, twin/kernels/radiator.py): a coating's steady
radiator temperature at beginning and end of life against the hand-calculated balance, the
ageing laws, the UV dose a panel collects over an orbit against its analytic integral, and
bad coating configs refused in one line."""
import math
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO
from test_node_steps import equatorial_boundaries
from twin.config import ConfigError, load_config
from twin.constants import EARTH_MU_M3_S2, EARTH_RADIUS_M
from twin.engine.nodes import initial_state, node_params
from twin.kernels import layout as L
from twin.kernels.node import N_GEOMETRY, NO_GEOMETRY, advance_nodes
from twin.kernels.radiator import coating_absorptivity
from twin.kernels.step import step_radiator_loads
from twin.kernels.thermal import steady_state_radiator_temp_k

S0 = 1361.0   # W/m², the solar constant (twin.constants.SOLAR_CONSTANT_W_M2; Kopp & Lean 2011)


def spacecraft(*overrides):
    return load_config(REPO / "configs" / "default.yaml", list(overrides)).spacecraft


def sun_facing_panel_temp_k(sc, age_years=0.0, dose_esh=0.0, dissipated_w=0.0):
    """Steady temperature of the radiator of ``sc`` with its front face normal to the Sun at
    1 AU and no Earth in view, through twin's own chain: config -> node_params -> the coating's
    absorptivity at that age or dose -> the radiator's loads -> the steady balance."""
    p = node_params(sc)
    alpha = coating_absorptivity(p.radiator_absorptivity, p.radiator_alpha_per_year, p.radiator_alpha_per_esh,
                                 p.radiator_alpha_max, age_years, dose_esh)
    geo = np.zeros((2, N_GEOMETRY, 1))
    geo[:, 0], geo[:, 3] = 1.0, S0   # fully lit, S0 on the front face; no albedo (row 5 = 0)
    q_dark, q_sun = step_radiator_loads(geo, 0, 0, 0.0, 0.0, p, False, alpha)
    return steady_state_radiator_temp_k(dissipated_w, q_dark + q_sun, p.radiator_area_m2 * p.radiator_sides,
                                        p.radiator_emissivity, p.space_temp_k)


# Hand-calculated balance of a 1 m², one-sided panel facing the Sun: ε σ T⁴ = α S0 + P (+ the
# 2.7 K sky, 2e-8 of it), σ = 5.670374419e-8 W/(m² K⁴) (CODATA 2018), S0 = 1361 W/m²:
#   silver Teflon, ε 0.78:   α 0.074 (BOL): T = (0.074·1361/(0.78σ))^¼ = 218.447 K; with 300 W/m²: 308.519 K
#                            α 0.155 (after 8.25 years, EOL): 262.797 K; with 300 W/m²: 327.845 K
#                            α 0.1145 (half-way, 4.125 years): 243.635 K
#   white silicate paint, ε 0.90: α 0.12 (BOL): 237.846 K; α 0.13 (500 ESH): 242.654 K; α 0.14 (1,000 ESH): 247.191 K
# Tolerance 0.002 K: the hand values' rounding (0.0005 K) and the sky (< 1e-5 K).
HAND = [
    ("silver_teflon", dict(age_years=0.0), 0.0, 218.447),
    ("silver_teflon", dict(age_years=0.0), 300.0, 308.519),
    ("silver_teflon", dict(age_years=4.125), 0.0, 243.635),
    ("silver_teflon", dict(age_years=8.25), 0.0, 262.797),
    ("silver_teflon", dict(age_years=8.25), 300.0, 327.845),
    ("silver_teflon", dict(age_years=20.0), 0.0, 262.797),        # held at the last measured value
    ("white_silicate_paint", dict(dose_esh=0.0), 0.0, 237.846),
    ("white_silicate_paint", dict(dose_esh=500.0), 0.0, 242.654),
    ("white_silicate_paint", dict(dose_esh=1000.0), 0.0, 247.191),
    ("white_silicate_paint", dict(dose_esh=5000.0), 0.0, 247.191),  # past the tested dose: held
]


@pytest.mark.parametrize("coating, when, dissipated_w, want_k", HAND)
def test_a_coatings_steady_radiator_temperature_at_bol_and_eol(coating, when, dissipated_w, want_k):
    sc = spacecraft(f"spacecraft.radiator.coating={coating}", "spacecraft.radiator.sides=1",
                    "spacecraft.radiator.area_m2=1")
    assert sun_facing_panel_temp_k(sc, dissipated_w=dissipated_w, **when) == pytest.approx(want_k, abs=0.002)


def test_the_coating_preset_fills_the_radiator_and_keys_given_win():
    r = spacecraft("spacecraft.radiator.coating=silver_teflon").radiator
    assert (r.emissivity, r.absorptivity, r.absorptivity_eol, r.eol_years) == (0.78, 0.074, 0.155, 8.25)
    r = spacecraft("spacecraft.radiator.coating=silver_teflon", "spacecraft.radiator.absorptivity=0.08").radiator
    assert (r.absorptivity, r.absorptivity_eol) == (0.08, 0.155)
    # over a radiator preset's own values (iss_class: emissivity 0.92, absorptivity 0.25)
    r = spacecraft("spacecraft.radiator.preset=iss_class", "spacecraft.radiator.coating=osr_quartz").radiator
    assert (r.emissivity, r.absorptivity, r.areal_heat_capacity_j_per_m2_k) == (0.80, 0.07, 6500.0)


def test_a_resolved_config_needs_no_coating_file(tmp_path):
    """The run file stores the resolved config, every coating key filled in: read back, it does
    not look for the preset (which may be gone), and gives the same radiator."""
    from twin.config import load_config_text

    scenario = load_config(REPO / "configs" / "default.yaml", ["spacecraft.radiator.coating=silver_teflon"])
    text = scenario.to_yaml().replace("coating: silver_teflon", "coating: no_such_coating")
    again = load_config_text(text, tmp_path, "stored")
    assert again.spacecraft.radiator.model_dump(exclude={"coating"}) == \
        scenario.spacecraft.radiator.model_dump(exclude={"coating"})


def test_ageing_is_linear_up_to_the_sources_last_value_and_off_is_exact():
    assert coating_absorptivity(0.09, 0.0, 0.0, 0.09, 7.3, 1234.0) == 0.09   # no rate: the value itself
    assert coating_absorptivity(0.1, 0.01, 0.0, 0.2, 5.0, 0.0) == pytest.approx(0.15, abs=1e-15)
    assert coating_absorptivity(0.1, 0.01, 0.0, 0.2, 50.0, 0.0) == 0.2
    assert coating_absorptivity(0.1, 0.0, 2e-5, 0.12, 0.0, 500.0) == pytest.approx(0.11, abs=1e-15)
    p = node_params(spacecraft())
    assert (p.radiator_alpha_per_year, p.radiator_alpha_per_esh) == (0.0, 0.0)   # default: no ageing


def test_uv_dose_over_an_orbit_is_the_sun_on_the_coated_faces():
    """A two-sided panel with its normal along-track (LVLH x) on an equatorial circular orbit at
    550 km, the Sun in the orbit plane: its faces see the Sun at |sin u| (u from the sub-solar
    point) while lit, |u| < π − asin(R/r) (cylindrical shadow). One orbit's dose is
    ∫|sin u| du / (n · 3600 s/h) = 2(1 + √(1 − (R/r)²)) / (3600 n) equivalent sun hours,
    n the mean motion (1.0948e-3 rad/s; R/r = 0.92061): 2.7810 / 3.9413 = 0.7056 ESH. Tolerance 0.3 %: the conical penumbra (~8 s at each edge,
    the kernel splits the step there) against the cylinder, and the Sun's distance changing
    by ±r/1 AU along the orbit (±1e-4 in S)."""
    dt_s = 10.0
    r = EARTH_RADIUS_M + 550e3
    n = math.sqrt(EARTH_MU_M3_S2 / r ** 3)
    steps = int(round(2 * math.pi / n / dt_s))
    pos, vel, sun = equatorial_boundaries(n * dt_s * np.arange(steps + 1))
    want = 2 * (1 + math.sqrt(1 - (EARTH_RADIUS_M / r) ** 2)) / (3600 * n)
    for orientation, expected in (("lvlh", want), ("edge_on_sun", 0.0)):
        sc = spacecraft("spacecraft.radiator.coating=white_silicate_paint", "spacecraft.radiator.normal_lvlh=[1, 0, 0]",
                        f"spacecraft.radiator.orientation={orientation}", "spacecraft.radiator.uv_dose_at_epoch_esh=7")
        p = node_params(sc)
        state, mode = initial_state(sc, 1)
        ev = (np.zeros((1, 3 * steps), np.int64), np.zeros((1, 3 * steps), np.int64), np.zeros((1, 3 * steps)),
              np.zeros(1, np.int64))
        advance_nodes(pos, vel, sun, NO_GEOMETRY, 0.0, dt_s, np.zeros(1), p, state, mode, np.zeros((L.N_ACC, 1)),
                      np.empty((steps, 1)), *ev)
        assert state[L.STATE_RADIATOR_UV_ESH, 0] - 7.0 == pytest.approx(expected, rel=3e-3, abs=1e-12), orientation
    assert want == pytest.approx(0.7056, abs=1e-4)


# ------------------------------------------------------------------ bad configs: one line, exit 2
BAD = [
    (["spacecraft.radiator.absorptivity_eol=0.2"],
     "spacecraft.radiator: absorptivity_eol and eol_years go together: the absorptivity and the years it is reached at"),
    (["spacecraft.radiator.absorptivity_eol=0.05", "spacecraft.radiator.eol_years=5"],
     "spacecraft.radiator: absorptivity_eol (0.05) is below absorptivity (0.09): coatings darken with age"),
    (["spacecraft.radiator.coating=white_silicate_paint", "spacecraft.radiator.absorptivity_eol=0.2",
      "spacecraft.radiator.eol_years=5"],
     "spacecraft.radiator: give absorptivity_eol (flight ageing) or absorptivity_uv (UV-test ageing), not both: "
     "flight data hold the UV already"),
    (["spacecraft.radiator.orientation=sideways"], "spacecraft.radiator.orientation: Input should be 'lvlh', 'nadir', "
     "'zenith', 'edge_on_sun' or 'body_fixed'"),
    (["spacecraft.radiator.fin={thickness_m: -0.001, conductivity_w_per_m_k: 167, half_width_m: 0.1, "
      "reference_temp_k: 300}"], "spacecraft.radiator.fin.thickness_m: Input should be greater than 0"),
    (["spacecraft.thermal.conductance_model=vchp"], "spacecraft.thermal: conductance_model vchp takes its block vchp"),
    (["spacecraft.thermal.bypass_loop={closed_temp_k: 280, open_temp_k: 290, min_flow_fraction: 0.1, "
      "ntu_full_flow: 2}"], "spacecraft.thermal: conductance_model fixed takes no block bypass_loop"),
    (["spacecraft.thermal.conductance_model=bypass_loop",
      "spacecraft.thermal.bypass_loop={closed_temp_k: 290, open_temp_k: 280, min_flow_fraction: 0.1, ntu_full_flow: 2}"],
     "spacecraft.thermal.bypass_loop: closed_temp_k must be below open_temp_k"),
    (["spacecraft.thermal.conductance_model=vchp", "spacecraft.thermal.vchp={full_open_temp_k: 400, "
      "design_sink_temp_k: 280, reservoir_volume_ratio: 10, min_conductance_w_per_k: 5}"],
     "spacecraft.thermal.vchp.full_open_temp_k: Input should be less than or equal to 371.5"),
]


@pytest.mark.parametrize("overrides, line", BAD, ids=range(len(BAD)))
def test_a_bad_radiator_or_conductance_config_is_one_line_naming_the_field(overrides, line):
    with pytest.raises(ConfigError) as err:
        load_config(REPO / "configs" / "default.yaml", overrides)
    assert str(err.value) == f"{REPO / 'configs' / 'default.yaml'}: {line}"


def test_an_unknown_coating_is_one_line_with_exit_2():
    result = subprocess.run([sys.executable, "-m", "twin", "validate", "configs/default.yaml",
                             "--set", "spacecraft.radiator.coating=silver_teflo"],
                            capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith("twin: configs/default.yaml: spacecraft.radiator.coating: no preset 'silver_teflo' in ")
    assert lines[0].endswith("; did you mean 'silver_teflon'?")
