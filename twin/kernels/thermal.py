"""Two-node thermal model of a compute satellite: electronics coupled to a radiator.

Scalar numba kernels (float64 SI in and out). docs/design.md §5, "Thermal":

    C_e dT_e/dt = P_elec − G (T_e − T_r)                                          (1)
    C_r dT_r/dt = G (T_e − T_r) + Q_abs − ε σ A_emit (T_r⁴ − T_space⁴)            (2)

Equation (2) is stiff when the radiator is light or the conductance large, and the engine steps
at 10-600 s, so ``two_node_step`` uses an exponential integrator: stable, positive and free of
ringing at any step, second order.

References
----------
Gilmore, D. G. (ed.) (2002). *Spacecraft Thermal Control Handbook*, vol. 1, 2nd ed., ch. 2
    (environment loads), ch. 6 (radiators), ch. 15 (lumped-node thermal analysis).
Hochbruck, M. & Ostermann, A. (2010). Exponential integrators. Acta Numerica 19, 209-286.
Tiesinga, E. et al. (2021). CODATA recommended values of the fundamental physical constants: 2018.
    Rev. Mod. Phys. 93, 025010 (σ).
"""
import math

from numba import njit

from twin.constants import STEFAN_BOLTZMANN_W_M2_K4
from twin.kernels.jit import kernel

STEFAN_BOLTZMANN = STEFAN_BOLTZMANN_W_M2_K4  # W m^-2 K^-4, CODATA 2018


@njit(cache=True)
def radiator_absorbed_w(area_m2, absorptivity, emissivity, irradiance_w_m2, cos_sun_front,
                        cos_sun_back, n_sides, f_earth_front, f_earth_back, albedo, earth_ir_w_m2,
                        albedo_factor_front, albedo_factor_back, ir_absorbed_with_alpha):
    """Environmental power absorbed by a flat radiator panel (Gilmore 2002, ch. 2).

    Per radiating face: α·S·max(cos θ_sun, 0) (direct Sun) + α·a·S·F_albedo (albedo) +
    ε_IR·q_IR·F_earth (Earth infrared), times the panel area.

    The Earth's infrared is absorbed with the IR absorptivity, which by Kirchhoff's law equals the
    IR emissivity ε (``ir_absorbed_with_alpha`` False, the physically right choice). With
    ``ir_absorbed_with_alpha`` True it is absorbed with the solar absorptivity α, as the Starcloud
    white paper does (see :mod:`twin.validation.radiator_budget`).

    Parameters
    ----------
    area_m2 : float
        area of one face of the panel [m^2]
    absorptivity : float
        solar absorptivity α of the radiator coating [1]
    emissivity : float
        infrared hemispherical emissivity ε [1]
    irradiance_w_m2 : float
        solar irradiance at the satellite, shadow included [W/m^2]; also drives the albedo term
        (in umbra the sub-satellite point is in night, where the simple albedo factor is 0 anyway)
    cos_sun_front, cos_sun_back : float
        cosine of the Sun's incidence on the front / back face [1]; negative means unlit
    n_sides : int or float
        1: only the front face radiates and absorbs (back insulated); 2: both faces
    f_earth_front, f_earth_back : float
        view factor from each face to the Earth [1] (:func:`twin.kernels.viewfactor.earth_view_factor`)
    albedo : float
        Earth's Bond albedo a [1]
    earth_ir_w_m2 : float
        infrared exitance of the Earth q_IR [W/m^2] (≈239 global mean; σ·T_E⁴ for a blackbody Earth)
    albedo_factor_front, albedo_factor_back : float
        albedo view factor of each face [1] (:func:`twin.kernels.viewfactor.albedo_view_factor`)
    ir_absorbed_with_alpha : bool
        absorb Earth IR with α instead of ε (Starcloud convention)

    Returns
    -------
    float
        absorbed power [W], >= 0 for non-negative inputs
    """
    ir_abs = absorptivity if ir_absorbed_with_alpha else emissivity
    sun = cos_sun_front if cos_sun_front > 0.0 else 0.0
    q = (absorptivity * irradiance_w_m2 * (sun + albedo * albedo_factor_front)
         + ir_abs * earth_ir_w_m2 * f_earth_front)
    if n_sides >= 2:
        sun = cos_sun_back if cos_sun_back > 0.0 else 0.0
        q += (absorptivity * irradiance_w_m2 * (sun + albedo * albedo_factor_back)
              + ir_abs * earth_ir_w_m2 * f_earth_back)
    return area_m2 * q


@kernel
def steady_state_radiator_temp_k(p_w, q_abs_w, emissive_area_m2, emissivity, t_space_k):
    """Radiator temperature at steady state of Eqs. (1)-(2).

    At steady state all electrical power reaches the radiator, so
    ε σ A_emit (T_r⁴ − T_space⁴) = P + Q_abs and T_r = ((P + Q_abs)/(ε σ A_emit) + T_space⁴)^(1/4);
    the electronics then sit at T_e = T_r + P/G.

    Parameters
    ----------
    p_w : float
        electrical power dissipated in the electronics [W]
    q_abs_w : float
        absorbed environmental power [W]
    emissive_area_m2 : float
        radiating area, panel area × number of radiating sides [m^2]
    emissivity : float
        infrared emissivity [1]
    t_space_k : float
        sink temperature [K]

    Returns
    -------
    float
        radiator temperature [K]
    """
    ts2 = t_space_k * t_space_k
    x = (p_w + q_abs_w) / (emissivity * STEFAN_BOLTZMANN * emissive_area_m2) + ts2 * ts2
    return math.sqrt(math.sqrt(x)) if x > 0.0 else 0.0


PHI1_SERIES_BELOW = 0.02  # |z| under which h·φ1(z) is summed as a series, no exp


@kernel
def _h_phi1_series(h, z):
    """h·φ1(z) by its Taylor series h·(1 + z/2! + z²/3! + ... + z⁵/6!), for −0.02 < z <= 0:
    the first term left out, z⁶/7!, is under 1.3e-14 of the sum. The slow mode of the thermal
    system (the radiator's time constant, hours) stays in this range at steps up to minutes."""
    return h * (1.0 + z * (0.5 + z * (1.0 / 6.0 + z * (1.0 / 24.0 + z * (1.0 / 120.0 + z * (1.0 / 720.0))))))


@kernel
def _h_phi1(h, lam):
    """h·φ1(h·λ) = (e^{hλ} − 1)/λ, φ1(z) = (e^z − 1)/z, for λ <= 0.

    ``exp`` rather than ``expm1`` (cheaper in numba); above z = hλ = −0.02, where
    e^z − 1 would lose digits, the series :func:`_h_phi1_series`; below z = −40, e^z < 5e-18
    and the exponential is skipped.
    """
    z = h * lam
    if z > -PHI1_SERIES_BELOW:
        return _h_phi1_series(h, z)
    if z < -40.0:
        return -1.0 / lam
    return (math.exp(z) - 1.0) / lam


@kernel
def _h_phi1_inv(h, lam, inv_lam):
    """:func:`_h_phi1` given 1/λ as well (λ < 0)."""
    z = h * lam
    if z > -PHI1_SERIES_BELOW:
        return _h_phi1_series(h, z)
    if z < -40.0:
        return -inv_lam
    return (math.exp(z) - 1.0) * inv_lam


@kernel
def thermal_constants(c_elec_j_per_k, c_rad_j_per_k, g_w_per_k, emissive_area_m2, emissivity, t_space_k):
    """What the step needs of its parameters alone (two reciprocals, three square roots), so a
    caller that steps many times with the same parameters computes them once
    (:func:`two_node_step_c`): (1/C_e, 1/C_r, G, εσA, T_space⁴, sqrt(1/(C_e C_r)),
    sqrt(C_r/C_e), sqrt(C_e/C_r))."""
    inv_ce = 1.0 / c_elec_j_per_k
    inv_cr = 1.0 / c_rad_j_per_k
    ts2 = t_space_k * t_space_k
    return (inv_ce, inv_cr, g_w_per_k, emissivity * STEFAN_BOLTZMANN * emissive_area_m2, ts2 * ts2,
            math.sqrt(inv_ce * inv_cr), math.sqrt(c_rad_j_per_k * inv_ce), math.sqrt(c_elec_j_per_k * inv_cr))


@kernel
def _exp_rosenbrock_step(t_elec_k, t_rad_k, p_elec_w, q_abs_w, dt_s, consts):
    """Advance the electronics and radiator temperatures by one step, Eqs. (1)-(2).

    Inputs are held constant over the step. Method: an exponential Rosenbrock-type step
    (Hochbruck, Ostermann & Schweitzer 2009; Hochbruck & Ostermann 2010): the emission εσA·T_r⁴ is linearised about T_m, an
    estimate of T_r at the middle of the step, and the resulting *linear* 2×2 system with
    constant inputs is solved exactly over the step,

        y1 = y0 + h · φ1(h J_m) · f_m(y0),      φ1(z) = (e^z − 1)/z,                   (3)

    with J_m the Jacobian at T_m and f_m the linearised right-hand side. T_m comes from a
    linearly implicit Euler half step. Properties:

    * second order; linearising about the midpoint rather than the start of the step makes the
      local error (∝ h³, from the curvature of T_r⁴ over the step) 4× smaller;
    * exact for the linear part: the electronics-radiator coupling, the stiff mode when G/C_e is
      large, is integrated exactly, so there is no ringing or overshoot at any step however
      stiff, and a steady state is a fixed point of the step;
    * positive: J_m is a Metzler matrix and the linearised inputs are non-negative, so
      exp(h J_m) ≥ 0 keeps both temperatures positive for P, Q ≥ 0 and any dt.

    φ1(h J) is evaluated through the symmetric form D^{-1/2} S D^{-1/2} (D = diag(C_e, C_r),
    S the symmetric conductance matrix), whose 2×2 eigen-decomposition is well conditioned even
    for close eigenvalues. No iteration, no allocation: two ``exp`` and a few ``sqrt``.

    Accuracy (tests/test_thermal.py: three orbits of square-wave load and sunlight, inputs held
    over each step, against RK4 at 0.1 s): max error 2e-5 K at dt = 10 s, 1.6e-4 K at 30 s and
    6e-4 K at 60 s with an ISS-class radiator (6.5 kJ/(m² K)); 1e-3, 1e-2 and 4e-2 K with a light
    one (1 kJ/(m² K), time constant ~150 s) and 1 s electronics. The step cannot know how the
    inputs vary within it: evaluate P and Q at the middle of the step (or average them over it)
    for second order overall; values at its start or end add a first-order error of their own.

    Parameters
    ----------
    t_elec_k, t_rad_k : float
        electronics and radiator temperatures at the start of the step [K], > 0
    p_elec_w : float
        electrical power dissipated in the electronics during the step (compute, bus, heaters,
        battery and conversion losses) [W]
    q_abs_w : float
        environmental power absorbed by the radiator (:func:`radiator_absorbed_w`) [W]
    dt_s : float
        step [s]; returns the inputs unchanged if not > 0
    consts : tuple
        :func:`thermal_constants` of the parameters below:
    c_elec_j_per_k, c_rad_j_per_k : float
        heat capacities of the electronics and of the radiator [J/K], > 0
    g_w_per_k : float
        conductance between them (heat pipes / pumped loop) [W/K], >= 0
    emissive_area_m2 : float
        radiating area, panel area × number of radiating sides [m^2]
    emissivity : float
        infrared emissivity [1]
    t_space_k : float
        sink temperature [K]

    Returns
    -------
    (float, float)
        electronics and radiator temperatures at the end of the step [K]

    References
    ----------
    Hochbruck, M. & Ostermann, A. (2010). Exponential integrators. Acta Numerica 19, 209-286.
    Hochbruck, M., Ostermann, A. & Schweitzer, J. (2009). Exponential Rosenbrock-type methods.
        SIAM J. Numer. Anal. 47(1), 786-803.
    """
    if not dt_s > 0.0:
        return t_elec_k, t_rad_k
    f_e, f_r, half_diff, rho, lam_a, lam_b = _linearised(t_elec_k, t_rad_k, p_elec_w, q_abs_w, dt_s, consts)
    prod = lam_a * lam_b * rho
    if prod > 0.0:
        # one division for 1/λa, 1/λb and 1/ρ (divisions are the slow, serial part of the step)
        inv = 1.0 / prod
        inv_rho = lam_a * lam_b * inv
        phi_a = _h_phi1_inv(dt_s, lam_a, lam_b * rho * inv)
        phi_b = _h_phi1_inv(dt_s, lam_b, lam_a * rho * inv)
    else:
        inv_rho = 1.0 / rho if rho > 0.0 else 0.0
        phi_a = _h_phi1(dt_s, lam_a)
        phi_b = _h_phi1(dt_s, lam_b)
    if rho > 0.0:
        m11, m22, m12 = _phi_matrix(phi_a, phi_b, half_diff, inv_rho, consts)
    else:
        m11 = m22 = 0.5 * (phi_a + phi_b)
        m12 = 0.0
    return _updated(t_elec_k, t_rad_k, f_e, f_r, m11, m22, m12, consts)


@kernel(error_model="numpy")   # as in two_node_step_lanes, whose every lane passes here
def _linearised(t_elec_k, t_rad_k, p_elec_w, q_abs_w, dt_s, consts):
    """:func:`_exp_rosenbrock_step` up to the eigenvalues of B: (f_e, f_r, (b11 − b22)/2, ρ,
    λa, λb), f_e and f_r the linearised right-hand side [K/s]."""
    inv_ce, inv_cr, g, rad, ts4, sqrt_inv_cecr, scale, inv_scale = consts
    g_ce = g * inv_ce  # [1/s]
    g_cr = g * inv_cr  # [1/s]
    flow = g * (t_elec_k - t_rad_k)  # heat from electronics to radiator [W]
    f_e = (p_elec_w - flow) * inv_ce
    # Linearisation point: a linearly implicit Euler half step, (I − h/2·J0)·d = h/2·f(y0).
    # I − h/2·J0 is an M-matrix, so t_mid > 0.
    tr3 = t_rad_k * t_rad_k * t_rad_k
    f_r = (flow + q_abs_w - rad * (tr3 * t_rad_k - ts4)) * inv_cr
    half = 0.5 * dt_s
    a11 = 1.0 + half * g_ce
    a22 = 1.0 + half * (g + 4.0 * rad * tr3) * inv_cr
    det = a11 * a22 - half * half * g_ce * g_cr
    t_mid = t_rad_k + half * (a11 * f_r + half * g_cr * f_e) / det
    # Emission linearised about t_mid: rad·(T⁴ − Ts⁴) ≈ rad·(4 Tm³ T − 3 Tm⁴ − Ts⁴).
    tm3 = t_mid * t_mid * t_mid
    k_rad = 4.0 * rad * tm3  # radiative conductance at t_mid [W/K]
    f_r = (flow + q_abs_w - rad * (tm3 * (4.0 * t_rad_k - 3.0 * t_mid) - ts4)) * inv_cr
    # h·φ1(h J), J = D^-1 S, via B = D^-1/2 S D^-1/2 = [[b11, b12], [b12, b22]] (symmetric)
    b11 = -g_ce
    b22 = -(g + k_rad) * inv_cr
    b12 = g * sqrt_inv_cecr
    mean = 0.5 * (b11 + b22)
    half_diff = 0.5 * (b11 - b22)
    rho = math.sqrt(half_diff * half_diff + b12 * b12)
    return f_e, f_r, half_diff, rho, mean + rho, mean - rho   # eigenvalues of B, λb <= λa <= 0


@kernel
def _phi_matrix(phi_a, phi_b, half_diff, inv_rho, consts):
    """h·φ1(hB) from h·φ1 of its two modes (ρ > 0): (m11, m22, m12). |half_diff|, |b12| <= ρ
    keep these products accurate even as ρ -> 0."""
    b12 = consts[2] * consts[5]   # G·sqrt(1/(C_e C_r))
    phi_sum = 0.5 * (phi_a + phi_b)
    phi_dif = 0.5 * (phi_a - phi_b)
    return (phi_sum + half_diff * inv_rho * phi_dif, phi_sum - half_diff * inv_rho * phi_dif,
            b12 * inv_rho * phi_dif)


@kernel
def _updated(t_elec_k, t_rad_k, f_e, f_r, m11, m22, m12, consts):
    """The step's end: y0 + h·φ1(hJ)·f, back to J: h·φ1(hJ) = D^-1/2 · h·φ1(hB) · D^1/2."""
    scale, inv_scale = consts[6], consts[7]
    return t_elec_k + m11 * f_e + m12 * scale * f_r, t_rad_k + m12 * inv_scale * f_e + m22 * f_r


# rows of the scratch array two_node_step_lanes works in: the linearised right-hand side, the
# eigenvalues (then h·φ1 of each mode), 1/ρ, λa·λb·ρ, (b11 − b22)/2, 1/(λa·λb·ρ), ρ
S_F_E, S_F_R, S_LAM_A, S_LAM_B, S_INV_RHO, S_PROD, S_HALF_DIFF, S_INV, S_RHO = range(9)
LANE_SCRATCH_ROWS = 9


@kernel(error_model="numpy")   # x/0 gives inf or NaN (lanes handed back), no raise
def two_node_step_lanes(t_elec_k, t_rad_k, p_elec_w, q_abs_w, dt_s, n, consts, scratch):
    """:func:`two_node_step_c` for ``n`` independent nodes at once (the lanes ``0..n-1`` of the
    arrays), the temperatures updated in place; the same arithmetic, so the same bits.

    One node's step is a long chain of dependent operations (two divisions, a square root, an
    ``exp``); stepped one node at a time the CPU waits on that chain. Here the step is split
    into passes over all lanes: the linearisation and the eigenvalues (no calls, no branches:
    the compiler vectorises it), the φ1 of both modes (the ``exp`` calls, independent from lane
    to lane), then the update. A lane the fast path does not cover (a coincident or zero
    eigenvalue, a step not > 0, a result :func:`two_node_step_c` would retry in sub-steps) is
    stepped by :func:`two_node_step_c` itself.

    Parameters
    ----------
    t_elec_k, t_rad_k : (>= n,) float arrays, electronics and radiator temperatures [K], updated in place
    p_elec_w : (>= n,) float array, power dissipated in the electronics [W]
    q_abs_w : (>= n,) float array, environmental power absorbed by the radiator [W]
    dt_s : (>= n,) float array, each lane's step [s]
    n : int, lanes to step
    consts : :func:`thermal_constants`
    scratch : (LANE_SCRATCH_ROWS, >= n) float array, overwritten
    """
    # pass 1: the linearisation and the eigenvalues, every lane, no branches
    for j in range(n):
        f_e, f_r, half_diff, rho, lam_a, lam_b = _linearised(t_elec_k[j], t_rad_k[j], p_elec_w[j], q_abs_w[j],
                                                             dt_s[j], consts)
        prod = lam_a * lam_b * rho
        inv = 1.0 / prod
        scratch[S_F_E, j] = f_e
        scratch[S_F_R, j] = f_r
        scratch[S_LAM_A, j] = lam_a
        scratch[S_LAM_B, j] = lam_b
        scratch[S_INV_RHO, j] = lam_a * lam_b * inv   # 1/ρ
        scratch[S_PROD, j] = prod
        scratch[S_HALF_DIFF, j] = half_diff
        scratch[S_INV, j] = inv
        scratch[S_RHO, j] = rho
    # pass 2: h·φ1 of both modes (as _h_phi1_inv), into the eigenvalues' rows
    for j in range(n):
        h = dt_s[j]
        lam_a, lam_b, inv, rho = scratch[S_LAM_A, j], scratch[S_LAM_B, j], scratch[S_INV, j], scratch[S_RHO, j]
        if scratch[S_PROD, j] > 0.0:
            scratch[S_LAM_A, j] = _h_phi1_inv(h, lam_a, lam_b * rho * inv)
            scratch[S_LAM_B, j] = _h_phi1_inv(h, lam_b, lam_a * rho * inv)
    # pass 3: the update, or two_node_step_c where the fast path does not apply
    for j in range(n):
        m11, m22, m12 = _phi_matrix(scratch[S_LAM_A, j], scratch[S_LAM_B, j], scratch[S_HALF_DIFF, j],
                                    scratch[S_INV_RHO, j], consts)
        t_e, t_r = _updated(t_elec_k[j], t_rad_k[j], scratch[S_F_E, j], scratch[S_F_R, j], m11, m22, m12, consts)
        if (scratch[S_PROD, j] > 0.0 and dt_s[j] > 0.0 and t_e > 0.0 and t_r > 0.0 and t_e < 1e5
                and t_r < 1e5):
            t_elec_k[j], t_rad_k[j] = t_e, t_r
        else:
            t_elec_k[j], t_rad_k[j] = two_node_step_c(t_elec_k[j], t_rad_k[j], p_elec_w[j], q_abs_w[j],
                                                      dt_s[j], consts)


MAX_SUBSTEPS = 1024  # halvings of a step whose linearisation failed (see two_node_step)


@kernel
def two_node_step(t_elec_k, t_rad_k, p_elec_w, q_abs_w, dt_s, c_elec_j_per_k, c_rad_j_per_k,
                  g_w_per_k, emissive_area_m2, emissivity, t_space_k):
    """Advance the electronics and radiator temperatures by one step (see
    :func:`_exp_rosenbrock_step` for the method, its accuracy and its parameters).

    The method linearises the radiator's T⁴ about a mid-step estimate. Far outside twin's
    regime (a radiator heated by a hot sink at thousands of kelvin per second) that estimate can
    be so wrong that the step returns a non-physical temperature; the step is then retried as
    4, 16, ... equal sub-steps until every sub-step stays positive and finite. In twin's regime
    the first attempt always succeeds, so this costs one comparison.
    """
    return two_node_step_c(t_elec_k, t_rad_k, p_elec_w, q_abs_w, dt_s, thermal_constants(
        c_elec_j_per_k, c_rad_j_per_k, g_w_per_k, emissive_area_m2, emissivity, t_space_k))


@kernel
def two_node_step_c(t_elec_k, t_rad_k, p_elec_w, q_abs_w, dt_s, consts):
    """:func:`two_node_step` with the parameters as :func:`thermal_constants` (computed once by
    a caller that steps many nodes or many times with them)."""
    t_e, t_r = _exp_rosenbrock_step(t_elec_k, t_rad_k, p_elec_w, q_abs_w, dt_s, consts)
    if t_e > 0.0 and t_r > 0.0 and t_e < 1e5 and t_r < 1e5:
        return t_e, t_r
    n = 4
    while n <= MAX_SUBSTEPS:
        t_e, t_r = t_elec_k, t_rad_k
        ok = True
        for _ in range(n):
            t_e, t_r = _exp_rosenbrock_step(t_e, t_r, p_elec_w, q_abs_w, dt_s / n, consts)
            if not (t_e > 0.0 and t_r > 0.0 and t_e < 1e5 and t_r < 1e5):
                ok = False
                break
        if ok:
            return t_e, t_r
        n *= 4
    return t_e, t_r


@kernel
def thermal_throttle(t_elec_k, throttle_start_k, shutdown_k):
    """Compute throttle allowed by the electronics temperature.

    1 below ``throttle_start_k``; falls linearly to 0 at ``shutdown_k``,
    throttle = (T_shutdown − T_e)/(T_shutdown − T_start); 0 at and above ``shutdown_k``.
    (A linear derating between a throttle threshold and a hard shutdown, as GPUs do in firmware
    between their slowdown and shutdown temperatures.) If ``shutdown_k <= throttle_start_k`` the
    curve is a step at ``shutdown_k``.

    Parameters
    ----------
    t_elec_k : float
        electronics temperature [K]
    throttle_start_k : float
        temperature at which throttling begins [K]
    shutdown_k : float
        temperature at which compute stops [K]

    Returns
    -------
    float
        allowed fraction of full compute [1], in [0, 1]
    """
    if t_elec_k >= shutdown_k:
        return 0.0
    if t_elec_k <= throttle_start_k:
        return 1.0
    return (shutdown_k - t_elec_k) / (shutdown_k - throttle_start_k)


@kernel
def heater_power_w(t_elec_k, heater_setpoint_k, heater_max_w, c_elec_j_per_k, dt_s, heat_leak_w):
    """Heater power that holds the electronics at or above a set point (dead-beat control).

    The power that, with the leak held at its present value, brings T_e to the set point by the
    end of the step: P = C_e (T_set − T_e)/dt + leak, clipped to [0, ``heater_max_w``]. Above the
    set point it is 0 unless the leak would pull T_e below the set point within the step, in
    which case it supplies just the difference. The caller adds the returned power to the
    electronics' dissipation in :func:`two_node_step`. The leak changes during the step (the
    radiator cools), so T_e lands within a fraction of a kelvin of the set point: in the cold
    case of tests/test_thermal.py it undershoots by 0.28 K once as the heater engages (60 s
    steps), then holds the set point.

    Parameters
    ----------
    t_elec_k : float
        electronics temperature [K]
    heater_setpoint_k : float
        minimum electronics temperature to hold [K]
    heater_max_w : float
        heater capacity [W]
    c_elec_j_per_k : float
        electronics heat capacity [J/K]
    dt_s : float
        step [s]
    heat_leak_w : float
        net heat leaving the electronics without the heater [W]: G (T_e − T_r) minus the other
        power dissipated in them (negative when they warm up on their own)

    Returns
    -------
    float
        heater power [W], in [0, ``heater_max_w``]
    """
    p = heat_leak_w
    if dt_s > 0.0:
        p += c_elec_j_per_k * (heater_setpoint_k - t_elec_k) / dt_s
    if p <= 0.0:
        return 0.0
    return p if p < heater_max_w else heater_max_w
