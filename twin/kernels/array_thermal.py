"""The solar array's own heat balance: one thermal node per array, a thin plate of two faces.

Scalar numba kernels (float64 SI in and out). docs/design.md §5, "Solar array". Per unit of array
area [m²]:

    c dT/dt = α_f S cos θ ν + α_b S_b ν + q_E (ε_f F_f + ε_b F_b) + a S cos ζ (α_f F_f + α_b F_b)
              − p_e − σ (ε_f + ε_b)(T⁴ − T_space⁴)

with c the areal heat capacity [J/(m² K)], α and ε the solar absorptivity and infrared emissivity
of the front (cells under cover glass) and back faces at the array's age, S cos θ the sunlight on
the front and S_b on the back (a body-fixed array with the Sun behind it), ν the visible solar
fraction, q_E the Earth's outgoing infrared and a its albedo, F the Earth view factors of the
faces (Howell B-43, :func:`twin.kernels.viewfactor.earth_view_factor`), S cos ζ the sunlight at
the sub-satellite point (Gilmore's simple albedo model, as for the radiator) and p_e the electrical
power that leaves the panel per m² (what the bus takes of it before the regulator and the harness:
power the regulator leaves in the cells, curtailed, stays as heat). Infrared from the Earth is
absorbed with ε (Kirchhoff), sunlight and albedo with α. The faces see only the Earth and space:
the bus and the radiator are not in the array's view.

The step is the exponential Rosenbrock-Euler method (Hochbruck & Ostermann 2010, §2.3: exact for
a linear problem, second order, stable and free of ringing at any step): linearised about the
step's start T₀,

    T₁ = T₀ + f(T₀) / J · (1 − exp(−J Δt / c)),   J = 4 σ (ε_f + ε_b) T₀³,

f the right-hand side above. Its fixed point is the exact steady state, and T₁ > 3/4 T₀ > 0
whatever Δt (at worst f = −σ(ε_f + ε_b) T₀⁴). A step longer than the array's time constant at
T₀ (c / J, ~100 s for a 1,500 J/(m² K) panel at 330 K) is cut into sub-steps of at most one time
constant (up to MAX_SUBSTEPS), so that the linearisation holds over each.

The cells' efficiency follows the temperature through the linear coefficient of maximum power,
η(T) = η_ref (1 + γ (T − T_ref)) (Patel 2004, ch. 3), held at 0 where that would be negative.

References
----------
Gilmore, D. G. (ed.) (2002). *Spacecraft Thermal Control Handbook*, vol. 1, 2nd ed., ch. 2
    (environment loads, the simple albedo model) and Appendix A (optical properties).
Hochbruck, M. & Ostermann, A. (2010). Exponential integrators. Acta Numerica 19, 209-286.
Howell, J. R., *A Catalog of Radiation Heat Transfer Configuration Factors*, factor B-43.
Patel, M. R. (2004). *Spacecraft Power Systems*, CRC Press, ch. 3.
"""
import math

import numpy as np

from twin.constants import EARTH_MEAN_RADIUS_M, STEFAN_BOLTZMANN_W_M2_K4
from twin.kernels.viewfactor import earth_view_factor
from twin.kernels.jit import kernel


@kernel
def coating_at_age(bol, eol, eol_years, age_years):
    """A coating property [1] at ``age_years``: linear from ``bol`` at 0 to ``eol`` at ``eol_years``,
    held at ``eol`` after."""
    if age_years >= eol_years:
        return eol
    return bol + (eol - bol) * (age_years / eol_years)


# Earth view factors of a plate (Howell B-43, earth_view_factor) tabulated for the array, which
# turns with the Sun: B-43's middle branch costs ~50 ns (asin, two acos, three roots), twice per
# boundary, more than the rest of the boundary geometry. With u = R/r = 1/H and c = cos λ, F = c u²
# where the whole disc is in front (c ≥ u) and 0 where none is (c ≤ −u): only the band between is
# tabulated, over t = (c + u) / 2u ∈ [0, 1] so that its kinks fall on the table's edges, and
# interpolated bilinearly: within 5e-4 of B-43 from 150 km to beyond GEO, 3e-4 in LEO
# (tests/test_array_thermal.py), 0.07 W/m² of Earth infrared on a face.
VIEW_TABLE_U, VIEW_TABLE_T = 128, 64   # intervals in u and t


def _view_table():
    table = np.zeros((VIEW_TABLE_U + 1, VIEW_TABLE_T + 1))
    for a in range(1, VIEW_TABLE_U + 1):
        u = a / VIEW_TABLE_U
        altitude_m = EARTH_MEAN_RADIUS_M / u - EARTH_MEAN_RADIUS_M
        for b in range(VIEW_TABLE_T + 1):
            c = (2.0 * b / VIEW_TABLE_T - 1.0) * u
            table[a, b] = earth_view_factor(altitude_m, math.acos(max(-1.0, min(1.0, c))))
    return table


VIEW_TABLE = _view_table()


@kernel
def tabulated_view_factor(u, c):
    """:func:`twin.kernels.viewfactor.earth_view_factor` of a plate at u = R/r (0 < u ≤ 1) whose
    normal makes an angle of cosine ``c`` with nadir, from VIEW_TABLE [1]."""
    if c >= u:
        return c * u * u
    if c <= -u:
        return 0.0
    x = u * VIEW_TABLE_U
    y = (c + u) / (2.0 * u) * VIEW_TABLE_T
    i = min(int(x), VIEW_TABLE_U - 1)
    j = min(int(y), VIEW_TABLE_T - 1)
    fx, fy = x - i, y - j
    return ((1.0 - fx) * ((1.0 - fy) * VIEW_TABLE[i, j] + fy * VIEW_TABLE[i, j + 1])
            + fx * ((1.0 - fy) * VIEW_TABLE[i + 1, j] + fy * VIEW_TABLE[i + 1, j + 1]))


@kernel
def array_view_factors(r_m, cos_front_nadir):
    """(front, back) Earth view factors [1] of an array whose front normal makes an angle with
    nadir of cosine ``cos_front_nadir``, at distance ``r_m`` from the Earth's centre; the back
    faces the other way (:func:`tabulated_view_factor`; on or below the surface, B-43's plane)."""
    c = max(-1.0, min(1.0, cos_front_nadir))
    if r_m <= EARTH_MEAN_RADIUS_M:
        return 0.5 * (1.0 + c), 0.5 * (1.0 - c)
    u = EARTH_MEAN_RADIUS_M / r_m
    return tabulated_view_factor(u, c), tabulated_view_factor(u, -c)


@kernel
def array_absorbed_w_m2(sun_front_w_m2, sun_back_w_m2, visible, f_front, f_back, albedo_sun_w_m2,
                        alpha_front, alpha_back, eps_front, eps_back, albedo, earth_ir_w_m2):
    """What the array absorbs per m² [W/m²]: direct sunlight on each face (unshadowed irradiance
    times the face's cosine, scaled by the visible fraction), Earth albedo (``albedo_sun_w_m2`` =
    S max(cos ζ, 0)) and Earth infrared through each face's view factor."""
    return (visible * (alpha_front * sun_front_w_m2 + alpha_back * sun_back_w_m2)
            + earth_ir_w_m2 * (eps_front * f_front + eps_back * f_back)
            + albedo * albedo_sun_w_m2 * (alpha_front * f_front + alpha_back * f_back))


MAX_STEP_TIME_CONSTANTS = 1.0   # a (sub)step spans at most this many time constants c / 4σ(ε_f + ε_b)T³
MAX_SUBSTEPS = 32               # ... up to this many sub-steps: 1 at the default 10 s step (τ ≈ 100 s)


@kernel
def array_temperature_step(t_k, absorbed_w_m2, electric_w_m2, emissivity_sum, heat_capacity_j_per_m2_k,
                           t_space_k, dt_s):
    """The array over ``dt_s`` with ``absorbed_w_m2`` absorbed and ``electric_w_m2`` leaving as
    electricity, both faces emitting with ``emissivity_sum`` = ε_f + ε_b (module docstring:
    exponential Rosenbrock-Euler). Returns (temperature at the end [K], mean temperature over the
    step [K], d(end)/d(absorbed) and d(mean)/d(absorbed) [K per W/m²]: exact, the step being
    linear in what is absorbed, or -1 where the step was cut into sub-steps)."""
    k = STEFAN_BOLTZMANN_W_M2_K4 * emissivity_sum
    ts2 = t_space_k * t_space_k
    return temperature_step(t_k, absorbed_w_m2 - electric_w_m2 + k * ts2 * ts2, k, 1.0 / heat_capacity_j_per_m2_k,
                            dt_s)


@kernel
def temperature_step(t_k, q_w_m2, k_w_m2_k4, inv_c, dt_s):
    """:func:`array_temperature_step` of c dT/dt = q − k T⁴ (q: what is absorbed, less what leaves
    as electricity, plus k T_space⁴; k = σ(ε_f + ε_b); inv_c = 1/c), with one division a sub-step.

    The mean is the step's own: over a sub-step the linearised solution T₀ + f/J (1 − e^(−Jt/c))
    averages T₀ + f/J (1 − (1 − e^(−x))/x), x = Jh/c."""
    t2 = t_k * t_k
    x = 4.0 * k_w_m2_k4 * t2 * t_k * inv_c * dt_s   # the step in time constants at T₀
    n = 1 if x <= MAX_STEP_TIME_CONSTANTS else min(MAX_SUBSTEPS, int(x / MAX_STEP_TIME_CONSTANTS) + 1)
    h = dt_s / n if n > 1 else dt_s
    mean = 0.0
    gain = mean_gain = -1.0
    for q in range(n):
        if q > 0:
            t2 = t_k * t_k
            x = 4.0 * k_w_m2_k4 * t2 * t_k * inv_c * h
        inv_x = 1.0 / x
        inv_j = inv_x * h * inv_c   # 1/J
        rise = -math.expm1(-x)      # 1 − e^(−x)
        drift = (q_w_m2 - k_w_m2_k4 * t2 * t2) * inv_j
        shortfall = 1.0 - rise * inv_x
        mean += t_k + drift * shortfall
        t_k = t_k + drift * rise
        gain, mean_gain = rise * inv_j, shortfall * inv_j
    if n > 1:
        return t_k, mean / n, -1.0, -1.0
    return t_k, mean, gain, mean_gain


@kernel
def array_thermal_factor(t_k, temp_coeff_per_k, reference_temp_k):
    """η(T)/η_ref = 1 + γ (T − T_ref) [1], at least 0."""
    factor = 1.0 + temp_coeff_per_k * (t_k - reference_temp_k)
    return factor if factor > 0.0 else 0.0


def steady_array_temp_k(absorbed_w_m2, electric_w_m2, emissivity_sum, t_space_k):
    """The steady temperature [K] of the balance with fixed loads: σ(ε_f + ε_b)(T⁴ − T_space⁴) =
    absorbed − electric (for checks; the kernel's step converges to it)."""
    net = absorbed_w_m2 - electric_w_m2
    return (net / (STEFAN_BOLTZMANN_W_M2_K4 * emissivity_sum) + t_space_k ** 4) ** 0.25
