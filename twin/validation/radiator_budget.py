"""Radiator heat balance per square metre: the Starcloud white paper's figure, and twin's.

The Starcloud white paper (Starcloud, formerly Lumen Orbit, "Why we should train AI in space",
2024, https://starcloudinc.github.io/wp.pdf, radiator section) sizes the radiators of a 40 MW
orbital data centre with a 20 °C two-sided panel of emissivity 0.92 and solar absorptivity 0.09:

=============================================  ==========  ==========================================
term                                           W/m²        how it is obtained
=============================================  ==========  ==========================================
emitted, both faces                             770.5      2 · ε σ T⁴, T = 293.15 K
sunlight on one face at normal incidence        122.9      α · S, S = 1366 W/m²
Earth on one face (albedo + infrared)            14.5      α · F · (a · S + σ T_E⁴), F = 0.25,
                                                           a = 0.3, T_E = 253 K  (9.22 + 5.23)
net                                             633                                    [published]
=============================================  ==========  ==========================================

The 14.5 W/m² is reproduced exactly, and only, by absorbing *both* Earth fluxes on one face with
the solar absorptivity α = 0.09: α·F·a·S = 9.22 W/m² of albedo plus α·F·σT_E⁴ = 5.23 W/m² of
Earth infrared. Earth's infrared peaks near 11 µm, where a white radiator coating absorbs as much
as it emits (Kirchhoff: IR absorptivity = IR emissivity ε = 0.92), so the physical infrared term
is ε·F·σT_E⁴ = 53.4 W/m². With it the Earth term is 62.7 W/m² and the net 584.9 W/m², 48.2 W/m²
(7.6 %) less than published; the radiator area for 40 MW grows from 63,200 m² to 68,400 m².

:func:`net_radiator_flux_w_m2` builds both balances from the kernels the engine uses
(:func:`twin.kernels.thermal.radiator_absorbed_w`), so the test of this module checks that code.
Run ``python -m twin.validation.radiator_budget`` for the table.
"""
from twin.kernels.thermal import STEFAN_BOLTZMANN, radiator_absorbed_w

STARCLOUD_TEMP_K = 293.15  # K, 20 °C radiator
STARCLOUD_EMISSIVITY = 0.92
STARCLOUD_ABSORPTIVITY = 0.09
STARCLOUD_SOLAR_W_M2 = 1366.0  # W/m², the paper's solar constant
STARCLOUD_EARTH_VIEW_FACTOR = 0.25
STARCLOUD_ALBEDO = 0.3
STARCLOUD_EARTH_TEMP_K = 253.0  # K, Earth as a blackbody
STARCLOUD_NET_W_M2 = 633.0  # W/m², published net
STARCLOUD_HEAT_W = 40e6  # W, the paper's 40 MW cluster
STARCLOUD_AREA_M2 = 63_200.0  # m², published radiator area for 40 MW


def net_radiator_flux_w_m2(temp_k, emissivity, absorptivity, solar_w_m2, earth_view_factor,
                           albedo, earth_temp_k, sides=2, ir_absorbed_with_alpha=False):
    """Heat balance of 1 m² of radiator panel, in W per m² of panel.

    Geometry, as in the Starcloud white paper: the Sun shines on the front face at normal
    incidence; the Earth, fully sunlit (albedo factor = view factor), is seen with view factor
    ``earth_view_factor`` by the back face (``sides=2``) or by the front face (``sides=1``, back
    insulated). Emission is to a 0 K sink (3 K would change it by 4e-6 W/m²).

    Parameters
    ----------
    temp_k : float
        radiator temperature [K]
    emissivity : float
        infrared emissivity ε [1]
    absorptivity : float
        solar absorptivity α [1]
    solar_w_m2 : float
        solar irradiance [W/m^2]
    earth_view_factor : float
        view factor from the Earth-facing face to the Earth [1]
    albedo : float
        Earth's albedo [1]
    earth_temp_k : float
        Earth's effective blackbody temperature [K]; its exitance σ T_E⁴ is the Earth IR flux
    sides : int
        radiating faces, 1 or 2
    ir_absorbed_with_alpha : bool
        absorb Earth IR with α (the white paper's convention) instead of ε (Kirchhoff)

    Returns
    -------
    dict
        ``emitted_w_m2``, ``absorbed_solar_w_m2``, ``absorbed_albedo_w_m2``,
        ``absorbed_earth_ir_w_m2``, ``absorbed_earth_w_m2`` (albedo + IR),
        ``absorbed_total_w_m2``, ``net_w_m2`` (emitted − absorbed), ``earth_ir_w_m2`` (σ T_E⁴),
        all per m² of panel [W/m^2]
    """
    if sides not in (1, 2):
        raise ValueError(f"sides must be 1 or 2, got {sides!r}")
    earth_ir_w_m2 = STEFAN_BOLTZMANN * earth_temp_k ** 4
    f = float(earth_view_factor)
    f_front, f_back = (0.0, f) if sides == 2 else (f, 0.0)
    alpha_ir = bool(ir_absorbed_with_alpha)

    def absorbed(sun_on, albedo_on, ir_on):
        return radiator_absorbed_w(
            1.0, absorptivity, emissivity, solar_w_m2, 1.0 if sun_on else 0.0, 0.0, sides,
            f_front if ir_on else 0.0, f_back if ir_on else 0.0, albedo, earth_ir_w_m2,
            f_front if albedo_on else 0.0, f_back if albedo_on else 0.0, alpha_ir)

    emitted = sides * emissivity * STEFAN_BOLTZMANN * temp_k ** 4
    solar = absorbed(True, False, False)
    albedo_term = absorbed(False, True, False)
    earth_ir = absorbed(False, False, True)
    total = absorbed(True, True, True)
    return {
        "emitted_w_m2": emitted,
        "absorbed_solar_w_m2": solar,
        "absorbed_albedo_w_m2": albedo_term,
        "absorbed_earth_ir_w_m2": earth_ir,
        "absorbed_earth_w_m2": albedo_term + earth_ir,
        "absorbed_total_w_m2": total,
        "net_w_m2": emitted - total,
        "earth_ir_w_m2": earth_ir_w_m2,
    }


def starcloud_balance(ir_absorbed_with_alpha):
    """The white paper's case; ``ir_absorbed_with_alpha=True`` reproduces its 633 W/m²."""
    return net_radiator_flux_w_m2(
        STARCLOUD_TEMP_K, STARCLOUD_EMISSIVITY, STARCLOUD_ABSORPTIVITY, STARCLOUD_SOLAR_W_M2,
        STARCLOUD_EARTH_VIEW_FACTOR, STARCLOUD_ALBEDO, STARCLOUD_EARTH_TEMP_K, sides=2,
        ir_absorbed_with_alpha=ir_absorbed_with_alpha)


def radiator_area_m2(heat_w, net_w_m2):
    """Panel area that rejects ``heat_w`` [W] at a net ``net_w_m2`` [W/m^2]; returns [m^2]."""
    return heat_w / net_w_m2


def main():
    published = starcloud_balance(True)
    ours = starcloud_balance(False)
    rows = [("emitted (2 faces, 20 °C, ε 0.92)", "emitted_w_m2"),
            ("sunlight on one face (α 0.09)", "absorbed_solar_w_m2"),
            ("Earth albedo (α · F · a · S)", "absorbed_albedo_w_m2"),
            ("Earth infrared (α or ε · F · σT_E⁴)", "absorbed_earth_ir_w_m2"),
            ("Earth total", "absorbed_earth_w_m2"),
            ("net", "net_w_m2")]
    print(f"{'W/m² of panel':40s} {'Starcloud (IR with α)':>22s} {'twin (IR with ε)':>18s}")
    for label, key in rows:
        print(f"{label:40s} {published[key]:22.2f} {ours[key]:18.2f}")
    print(f"{'area for 40 MW [m²]':40s} "
          f"{radiator_area_m2(STARCLOUD_HEAT_W, published['net_w_m2']):22,.0f} "
          f"{radiator_area_m2(STARCLOUD_HEAT_W, ours['net_w_m2']):18,.0f}")
    diff = published["net_w_m2"] - ours["net_w_m2"]
    print(f"\nThe white paper absorbs Earth's infrared (σ·253⁴ = {published['earth_ir_w_m2']:.1f} W/m², "
          f"seen with F = 0.25) with the solar absorptivity α = 0.09.\nAt ~11 µm a white coating "
          f"absorbs as it emits (Kirchhoff: absorptivity = emissivity = 0.92), so twin absorbs it "
          f"with ε:\n{published['absorbed_earth_ir_w_m2']:.2f} -> "
          f"{ours['absorbed_earth_ir_w_m2']:.2f} W/m², and the net drops by {diff:.1f} W/m² "
          f"({diff / published['net_w_m2']:.1%}).")


if __name__ == "__main__":
    main()
