"""Battery ageing by depth of discharge, state of charge, temperature and time (``ageing_model: xu2018``).

The semi-empirical model of Xu, Oudalov, Ulbig, Andersson & Kirschen, "Modeling of Lithium-Ion
Battery Degradation for Cell Life Assessment", IEEE Transactions on Smart Grid 9(2), 1131-1140
(2018), doi:10.1109/TSG.2016.2578950 (section III, eqs. for the stress factors and the
nonlinear SEI life model; coefficients for LMO/graphite cells in its Table I). A linearised
"damage" f_d adds one term per charge or discharge half-cycle and one per unit of time:

    f_cyc = Σ_half-cycles ½ · S_δ(δ) · S_σ(σ̄) · S_T(T)        S_δ(δ) = 1 / (k_δ1 δ^k_δ2 + k_δ3)
    f_cal = ∫ k_t · S_σ(σ(t)) · S_T(T) dt                      S_σ(σ) = exp(k_σ (σ − σ_ref))
                                                               S_T(T) = exp(k_T (T − T_ref) T_ref / T)

with δ the half-cycle's depth [1], σ̄ its mean state of charge [1], T the cell temperature [K].
The capacity left, with the fast early loss of SEI film formation, is

    Q / Q_nominal = α_sei · exp(−r_sei f_d) + (1 − α_sei) · exp(−f_d),    f_d = f_cyc + f_cal.

Xu et al. take the calendar term at the period's mean state of charge; here it is integrated
step by step at the step's mean (the same for constant σ; for a LEO swing between 0.7 and 1.0
the two differ by < 0.5 % of the calendar term, a second-order effect of the exponential).

Cycles are counted by range counting (ASTM E1049-85, "Standard Practices for Cycle Counting in
Fatigue Analysis", §5.3): each range between successive reversals of the state of charge is one
half-cycle. Xu et al. count by rainflow (§5.4 of the same standard), which pairs small cycles
nested inside larger ones. For one charge and one discharge per orbit, the LEO pattern, the two
count the same half-cycles; for nested cycles range counting splits the large one, and since
S_δ grows like δ^0.5 the damage differs by ~1 % (a 5 % dip inside a 30 % cycle: 5.71e-6 against
5.75e-6). It needs only the state of charge at the last reversal and the direction since, so it
runs inside the node step without a history buffer.

All functions are pure numba on scalars; the node kernel calls :func:`step_ageing` once per
step part when the model is on.
"""
import math

from numba import njit
from twin.kernels.jit import kernel


@njit(cache=True)
def dod_stress(depth, k1, k2, k3):
    """S_δ: damage of one full cycle of depth ``depth`` [1] (0 for no depth; k2 < 0)."""
    if depth <= 0.0:
        return 0.0
    return 1.0 / (k1 * depth ** k2 + k3)


@njit(cache=True)
def soc_stress(soc, k, ref):
    """S_σ at mean state of charge ``soc`` [1]."""
    return math.exp(k * (soc - ref))


@njit(cache=True)
def temperature_stress(temp_k, k_per_k, ref_k):
    """S_T at cell temperature ``temp_k`` [K] (Arrhenius-like about ``ref_k``)."""
    return math.exp(k_per_k * (temp_k - ref_k) * ref_k / temp_k)


@njit(cache=True)
def capacity_fraction(damage, sei_share, sei_rate):
    """Q / Q_nominal after linearised damage f_d = ``damage`` [1] (nonlinear SEI life model)."""
    return sei_share * math.exp(-sei_rate * damage) + (1.0 - sei_share) * math.exp(-damage)


# The direction since the last reversal is kept in the sign of the stored state of charge:
# a rising range stores σ itself (>= 0), a falling one -1 - σ (<= -1), so one state row holds both
@njit(cache=True)
def encode_turn(soc, rising):
    """The state row's value for a reversal at ``soc`` followed by a rise (``rising``) or a fall."""
    return soc if rising else -1.0 - soc


@kernel
def decode_turn(value):
    """(state of charge at the last reversal [1], rising since) of :func:`encode_turn`'s value."""
    if value >= 0.0:
        return value, True
    return -1.0 - value, False


@kernel
def count_half_cycle(turn, soc_prev, soc, p):
    """Range counting for one move of the state of charge from ``soc_prev`` to ``soc``.

    ``turn`` is the state row (:func:`encode_turn`). Returns (new row value, cycle damage added
    [1]): at a reversal, the half-cycle from the last reversal to ``soc_prev`` adds
    ½·S_δ·S_σ(mean)·S_T (S_T is in ``p.ageing_cycle_stress``)."""
    start, rising = decode_turn(turn)
    if rising and soc < soc_prev or not rising and soc > soc_prev:
        depth = abs(soc_prev - start)
        damage = 0.5 * dod_stress(depth, p.ageing_dod_k1, p.ageing_dod_k2, p.ageing_dod_k3) \
            * soc_stress(0.5 * (start + soc_prev), p.ageing_soc_k, p.ageing_soc_ref) * p.ageing_cycle_stress
        return encode_turn(soc_prev, not rising), damage
    return turn, 0.0


@kernel
def step_ageing(energy_j, capacity_j, soc_prev, turn, f_cyc, f_cal, loss_w, dt_s, p):
    """Ageing over a step (part) of ``dt_s`` [s] after :func:`twin.kernels.step.step_battery`.

    ``soc_prev`` is the state of charge at the part's start [1]; ``turn``, ``f_cyc``, ``f_cal``
    the node's ageing state (STATE_CYCLE_TURN, STATE_FADE_CYCLE, STATE_FADE_CALENDAR). Adds the
    calendar damage at the part's mean state of charge and, at a reversal, the half-cycle's;
    sets the capacity from the total; stored energy above the new ceiling is lost (into
    ``loss_w`` [W]). Returns (energy [J], capacity [J], turn, f_cyc, f_cal, loss [W])."""
    soc = energy_j / capacity_j if capacity_j > 0.0 else 0.0
    f_cal += p.ageing_calendar_per_s * dt_s * soc_stress(0.5 * (soc_prev + soc), p.ageing_soc_k, p.ageing_soc_ref)
    turn, added = count_half_cycle(turn, soc_prev, soc, p)
    f_cyc += added
    capacity_j = p.nominal_capacity_j * capacity_fraction(f_cyc + f_cal, p.ageing_sei_share, p.ageing_sei_rate)
    ceiling_j = p.max_soc * capacity_j
    if energy_j > ceiling_j:
        loss_w += (energy_j - ceiling_j) / dt_s
        energy_j = ceiling_j
    return energy_j, capacity_j, turn, f_cyc, f_cal, loss_w
