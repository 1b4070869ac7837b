"""Variable conductance between the electronics and the radiator: G(T_e, T_r) [W/K].

Scalar numba kernels (float64 SI in and out). docs/design.md §5, "Thermal". Three models, by
``p.conductance_model``:

* ``CONDUCTANCE_FIXED`` (0): G = ``conductance_w_per_k`` whatever the temperatures (twin's
  original model, the default);
* ``CONDUCTANCE_VCHP`` (1): a gas-loaded variable-conductance heat pipe (ammonia, cold
  reservoir tied to the radiator), flat-front theory (Marcus 1972): the non-condensable gas
  blocks part of the condenser, and the blocked length shrinks as the vapour pressure rises
  with the evaporator's temperature;
* ``CONDUCTANCE_BYPASS`` (2): a pumped loop whose thermal control valve sends a fraction f of
  the flow through the radiator and bypasses the rest, f rising linearly with the loop's
  (the electronics') temperature across the valve's band; the radiator, a node at one
  temperature, takes heat from its share of the flow with the effectiveness of a heat
  exchanger with C_r = 0.

The thermal integrator (:mod:`twin.kernels.thermal`) steps a constant coupling: the caller
holds G over each (sub)step at the mean of its values at the start and at the end a trial step
reaches (Heun), in as many sub-steps as the conductance's own feedback needs to stay a small,
monotone correction (:func:`conductance_plan`; docs/design.md §5).

References
----------
Marcus, B. D. (1972). *Theory and Design of Variable Conductance Heat Pipes*. NASA CR-2018
    (TRW Systems): the flat-front model of a gas-loaded heat pipe: the gas, at the sink's
    temperature, fills the reservoir and the inactive end of the condenser at the partial
    pressure P_v(T_vapour) − P_v(T_sink), and the active length follows from its fixed inventory.
Stull, D. R. (1947). Vapor pressure of pure substances. Organic and inorganic compounds. Ind.
    Eng. Chem. 39(4), 517-540, as fitted in the NIST Chemistry WebBook (SRD 69), ammonia
    (C7664417), "Phase change data", "Antoine Equation Parameters": log10(P/bar) = A − B/(T/K + C),
    A = 4.86886, B = 1113.928, C = −10.409, for 239.6-371.5 K (coefficients NIST calculated from
    Stull's data; read in the WebBook's table).
Gao, K., Wu, J., Bell, I. H. & Lemmon, E. W. (2020). Thermodynamic properties of ammonia for
    temperatures from the melting line to 725 K and pressures to 1000 MPa. J. Phys. Chem. Ref.
    Data: the reference equation of state the fit is checked against (as CoolProp 8.0.0
    evaluates it, tests/test_conductance.py); its triple point, 195.495 K as CoolProp gives it,
    is where the curve is held. Over 239.6-371.5 K the Antoine fit is within 0.37 K of the
    reference's saturation temperature (1.9 % in pressure at 239.6 K, within 1 % from 250 K up).
Incropera, F. P., DeWitt, D. P., Bergman, T. L. & Lavine, A. S. (2007). *Fundamentals of Heat and
    Mass Transfer*, 6th ed., Wiley, §11.4, eq. 11.36a: ε = 1 − exp(−NTU) for every exchanger with
    C_r = 0 (one stream at uniform temperature).
Gilmore, D. G. (ed.) (2002). *Spacecraft Thermal Control Handbook*, vol. 1, 2nd ed., The Aerospace
    Press: the "Heat Pipes" chapter (variable-conductance heat pipes) and the "Pumped Fluid
    Loops" chapter (thermal control valves that bypass the radiator).
"""
import math

from numba import njit

from twin.kernels.thermal import two_node_step_c
from twin.kernels.jit import kernel

CONDUCTANCE_FIXED = 0
CONDUCTANCE_VCHP = 1
CONDUCTANCE_BYPASS = 2
CONDUCTANCE_MODELS = {"fixed": CONDUCTANCE_FIXED, "vchp": CONDUCTANCE_VCHP, "bypass_loop": CONDUCTANCE_BYPASS}

# Ammonia's vapour pressure, Antoine form of Stull (1947) as the NIST WebBook gives it for 239.6-371.5 K
# (module docstring). Below 239.6 K the same curve is extended down to the triple point (195.5 K):
# only the radiator's (sink's) pressure is taken there, a small term beside the evaporator's.
AMMONIA_ANTOINE_A = 4.86886      # log10(bar)
AMMONIA_ANTOINE_B = 1113.928     # K
AMMONIA_ANTOINE_C = -10.409      # K
AMMONIA_TRIPLE_POINT_K = 195.495  # K, triple point of the reference EOS (Gao et al. 2020); the curve is held below it
PA_PER_BAR = 1.0e5
LN10 = math.log(10.0)

# Sub-steps: the conductance's response within a step, dt·(|∂G/∂T_e|/C_e + |∂G/∂T_r|/C_r)·|T_e − T_r|,
# which the step takes explicitly (G held at its start), is kept at or under this per sub-step: an
# explicit Euler step of a decay is monotone below 1 and its relative error ~ half this value.
MAX_CONDUCTANCE_KAPPA = 0.25
MAX_CONDUCTANCE_SUBSTEPS = 256   # a bound on the work per step (reached only by a band far narrower than dt allows)


@kernel
def ammonia_saturation_pressure_pa(t_k):
    """Saturation (vapour) pressure of ammonia [Pa] at ``t_k`` [K] (Stull 1947 / NIST WebBook
    Antoine fit; within 0.37 K of the reference equation of state's saturation temperature over
    239.6-371.5 K, tests/test_conductance.py)."""
    t = t_k if t_k > AMMONIA_TRIPLE_POINT_K else AMMONIA_TRIPLE_POINT_K
    return PA_PER_BAR * math.exp(LN10 * (AMMONIA_ANTOINE_A - AMMONIA_ANTOINE_B / (t + AMMONIA_ANTOINE_C)))


@kernel
def _dlnp_dt(t_k):
    """d ln P_sat / dT [1/K] of :func:`ammonia_saturation_pressure_pa`."""
    t = t_k if t_k > AMMONIA_TRIPLE_POINT_K else AMMONIA_TRIPLE_POINT_K
    if t_k <= AMMONIA_TRIPLE_POINT_K:
        return 0.0
    x = t + AMMONIA_ANTOINE_C
    return LN10 * AMMONIA_ANTOINE_B / (x * x)


@njit(cache=True)
def vchp_gas_pa_per_k(full_open_temp_k, design_sink_temp_k, volume_ratio):
    """A VCHP's gas inventory per condenser volume, n_g·R / V_c [Pa/K], from its design point:
    the condenser just fully open (the gas all in the reservoir, V_r = ρ·V_c) at vapour
    temperature ``full_open_temp_k`` with the radiator at ``design_sink_temp_k`` (colder) [K]:
    n_g·R = (P_v(T_open) − P_v(T_design))·V_r / T_design."""
    return volume_ratio * (ammonia_saturation_pressure_pa(full_open_temp_k)
                           - ammonia_saturation_pressure_pa(design_sink_temp_k)) / design_sink_temp_k


@kernel
def vchp_active_fraction(t_vapour_k, t_sink_k, volume_ratio, gas_pa_per_k):
    """Active fraction a of a cold-reservoir VCHP's condenser, flat-front model (Marcus 1972),
    and its derivatives (a, ∂a/∂T_vapour [1/K], ∂a/∂T_sink [1/K]).

    The gas, at the sink's temperature T_s, fills the reservoir (V_r = ρ V_c) and the blocked
    length of the condenser at the partial pressure P_v(T_vapour) − P_v(T_s); its inventory
    n_g·R = V_c · ``gas_pa_per_k`` is fixed (:func:`vchp_gas_pa_per_k`), so

        a = 1 + ρ − gas_pa_per_k · T_s / (P_v(T_vapour) − P_v(T_s)),   clipped to [0, 1].

    With the evaporator no warmer than the sink the gas fills the condenser: a = 0."""
    p_v = ammonia_saturation_pressure_pa(t_vapour_k)
    p_s = ammonia_saturation_pressure_pa(t_sink_k)
    dp = p_v - p_s
    if dp <= 0.0:
        return 0.0, 0.0, 0.0
    x = gas_pa_per_k * t_sink_k / dp
    a = 1.0 + volume_ratio - x
    if a <= 0.0:
        return 0.0, 0.0, 0.0
    if a >= 1.0:
        return 1.0, 0.0, 0.0
    da_dv = x / dp * p_v * _dlnp_dt(t_vapour_k)
    da_ds = -x / t_sink_k - x / dp * p_s * _dlnp_dt(t_sink_k)
    return a, da_dv, da_ds


@kernel
def bypass_flow_fraction(t_loop_k, closed_k, open_k, min_fraction):
    """Share of a pumped loop's flow the thermal control valve sends through the radiator [1]
    and its derivative [1/K]: ``min_fraction`` at and below ``closed_k``, 1 at and above
    ``open_k``, linear between (a proportional valve)."""
    if t_loop_k <= closed_k:
        return min_fraction, 0.0
    if t_loop_k >= open_k:
        return 1.0, 0.0
    slope = 1.0 / (open_k - closed_k)
    f = (t_loop_k - closed_k) * slope
    if f <= min_fraction:
        return min_fraction, 0.0
    return f, slope


@kernel
def bypass_conductance_w_per_k(g_full_w_per_k, fraction, ntu_full):
    """Conductance of a loop whose radiator takes ``fraction`` of the flow [W/K] and its
    derivative in the fraction: G = C·f·(1 − exp(−NTU₁/f)), C = G_full / (1 − exp(−NTU₁))
    the full flow's capacity rate, NTU₁ the radiator's NTU at full flow (ε-NTU, C_r = 0)."""
    c = g_full_w_per_k / (1.0 - math.exp(-ntu_full))
    ntu = ntu_full / fraction
    e = math.exp(-ntu)
    return c * fraction * (1.0 - e), c * (1.0 - e - ntu * e)


@njit(cache=True)
def conductance_w_per_k(t_elec_k, t_rad_k, p):
    """(G [W/K], |∂G/∂T_e| [W/K²], |∂G/∂T_r| [W/K²]) between electronics at ``t_elec_k`` and
    radiator at ``t_rad_k`` by ``p.conductance_model`` (module docstring); ``p`` a NodeParams."""
    model = int(p.conductance_model)
    g_max, g_min = p.conductance_w_per_k, p.conductance_min_w_per_k
    if model == CONDUCTANCE_VCHP:
        a, da_de, da_dr = vchp_active_fraction(t_elec_k, t_rad_k, p.vchp_volume_ratio, p.vchp_gas_pa_per_k)
        span = g_max - g_min
        return g_min + span * a, abs(span * da_de), abs(span * da_dr)
    if model == CONDUCTANCE_BYPASS:
        f, df = bypass_flow_fraction(t_elec_k, p.bypass_closed_k, p.bypass_open_k, p.bypass_min_fraction)
        g, dg_df = bypass_conductance_w_per_k(g_max, f, p.bypass_ntu)
        return g, abs(dg_df * df), 0.0
    return g_max, 0.0, 0.0


@kernel
def conductance_plan(dt_s, t_elec_k, t_rad_k, p_elec_w, q_abs_w, p, consts):
    """How a step of dt_s takes a variable conductance: (sub-steps, G over the whole step [W/K]
    if it is one).

    A trial step with G held at its start value G₀ gives the end state and G₁ there. The step
    takes G = (G₀ + G₁)/2 (Heun's predictor-corrector on G: second order where G varies
    smoothly, and a crossing into or out of the valve's band or the pipe's open range is seen by
    the trial). Sub-steps: the conductance's feedback within a step,
    dt·(|∂G/∂T_e|/C_e + |∂G/∂T_r|/C_r)·|T_e − T_r|, with the largest slope at the step's two ends
    and between them, taken in pieces of at most MAX_CONDUCTANCE_KAPPA, each a Heun step of its
    own (:func:`conductance_over_step`)."""
    g0, de0, dr0 = conductance_w_per_k(t_elec_k, t_rad_k, p)
    te1, tr1 = two_node_step_c(t_elec_k, t_rad_k, p_elec_w, q_abs_w, dt_s, with_conductance(consts, g0))
    g1, de1, dr1 = conductance_w_per_k(te1, tr1, p)
    # the slope of G: at either end, or between them (a secant over the trial's path, which sees
    # a valve or a gas front that goes from one stop to the other within the step)
    secant = abs(g1 - g0) / (abs(te1 - t_elec_k) + abs(tr1 - t_rad_k) + 1e-9)
    kappa = dt_s * (max(de0, de1, secant) * consts[0] + max(dr0, dr1, secant) * consts[1]) \
        * max(abs(t_elec_k - t_rad_k), abs(te1 - tr1))
    n = 1
    if kappa > MAX_CONDUCTANCE_KAPPA:
        n = int(math.ceil(kappa / MAX_CONDUCTANCE_KAPPA))
        n = n if n < MAX_CONDUCTANCE_SUBSTEPS else MAX_CONDUCTANCE_SUBSTEPS
    return n, 0.5 * (g0 + g1)


@kernel
def conductance_over_step(t_elec_k, t_rad_k, p_elec_w, q_abs_w, h_s, p, consts):
    """G over a (sub)step of h_s [W/K]: the mean of its values at the start and at the end a
    step with the start's G reaches (:func:`conductance_plan`)."""
    g0 = conductance_w_per_k(t_elec_k, t_rad_k, p)[0]
    te1, tr1 = two_node_step_c(t_elec_k, t_rad_k, p_elec_w, q_abs_w, h_s, with_conductance(consts, g0))
    return 0.5 * (g0 + conductance_w_per_k(te1, tr1, p)[0])


@kernel
def with_conductance(consts, g_w_per_k):
    """:func:`twin.kernels.thermal.thermal_constants` with the conductance replaced."""
    return (consts[0], consts[1], g_w_per_k, consts[3], consts[4], consts[5], consts[6], consts[7])
