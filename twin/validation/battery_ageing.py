"""Battery ageing in LEO: the ``xu2018`` model's capacity over years of orbit cycling, beside the
published lives of LEO Li-ion cells (docs/validation.md, "Battery ageing in LEO").

The model (:mod:`twin.kernels.ageing`, coefficients of :mod:`twin.config.battery_ageing`) is run
through the kernel's own functions on the LEO pattern: one discharge of depth ``dod`` from full
and one recharge per orbit, at a constant cell temperature. Published LEO points (copied from the
sources named beside each; the full test reports and their figures could not be obtained for
this check, only these stated values):

* Saft VES180 cell specification, ESA ARTES 8 project "Development of High specific energy
  Li-Ion cell" (Alphabus; artes.esa.int/projects/development-high-specific-energy-liion-cell):
  "5 years LEO 30 % DOD: cycling < 20 %: calendar < 1 %" energy loss, cell temperature range
  0 to 40 °C. A bound: capacity after five LEO years at 30 % DoD at least 80 % (cycling).
* GS Yuasa large space cells, N. Imamura, T. Inoue, H. Yoshida, K. Komada, "Long-term life
  evaluation of large lithium-ion cells for space" (in Japanese; title translated), 27th Space
  Energy Symposium, JAXA/ISAS (May 2008), abstract: 40,000 LEO cycles (7 years) at 25 % DoD met the mission requirement (no capacity
  stated).

``python -m twin.validation.battery_ageing`` prints the table and writes
docs/figures/battery_ageing_leo.png.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from twin.config.battery_ageing import BatteryAgeing
from twin.constants import SECONDS_PER_YEAR
from twin.kernels.ageing import capacity_fraction, dod_stress, soc_stress, temperature_stress

# published LEO points (module docstring)
VES180_LEO_YEARS = 5.0
VES180_LEO_DOD = 0.30
VES180_LEO_CYCLING_LOSS_MAX = 0.20     # energy lost to cycling, at most
VES180_LEO_CALENDAR_LOSS_MAX = 0.01    # energy lost to time, at most
GS_YUASA_LEO_CYCLES = 40_000
GS_YUASA_LEO_YEARS = 7.0
GS_YUASA_LEO_DOD = 0.25
# a LEO orbit: 92.6 min at 400 km (docs/validation.md row 1), 15.55 cycles a day
LEO_ORBIT_S = 92.6 * 60.0

FIGURE = Path(__file__).resolve().parents[2] / "docs" / "figures" / "battery_ageing_leo.png"


def leo_damage(years, dod, temp_k, b=None, max_soc=1.0, orbit_s=LEO_ORBIT_S):
    """(cycle damage, calendar damage) [1] after ``years`` of one discharge of depth ``dod`` from
    ``max_soc`` and one recharge per orbit at ``temp_k`` [K], in closed form: two half-cycles of
    depth ``dod`` about the mean ``max_soc - dod/2`` per orbit; calendar time at that mean state
    of charge (the swing is linear in time to first order). ``b``: a BatteryAgeing (default: the
    config's defaults, Xu et al. 2018's LMO fit)."""
    b = b or BatteryAgeing()
    s_t = temperature_stress(temp_k, b.temp_stress_k_per_k, b.temp_stress_ref_k)
    mean_soc = max_soc - 0.5 * dod
    s_soc = soc_stress(mean_soc, b.soc_stress_k, b.soc_stress_ref)
    orbits = years * SECONDS_PER_YEAR / orbit_s
    per_cycle = dod_stress(dod, b.dod_stress_k1, b.dod_stress_k2, b.dod_stress_k3) * s_soc * s_t
    return orbits * per_cycle, b.calendar_per_s * years * SECONDS_PER_YEAR * s_soc * s_t


def leo_capacity(years, dod, temp_k, b=None, cycling_only=False):
    """Capacity left [1 of nominal] after ``years`` of LEO cycling (:func:`leo_damage`)."""
    b = b or BatteryAgeing()
    f_cyc, f_cal = leo_damage(years, dod, temp_k, b)
    return capacity_fraction(f_cyc + (0.0 if cycling_only else f_cal), b.sei_share, b.sei_rate)


def years_to(fraction, dod, temp_k, b=None):
    """LEO years until the capacity falls to ``fraction`` of nominal (bisection on the monotonic
    :func:`leo_capacity`)."""
    lo, hi = 0.0, 200.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if leo_capacity(mid, dod, temp_k, b) > fraction else (lo, mid)
    return 0.5 * (lo + hi)


def table(temps_k=(283.15, 293.15, 298.15)) -> list[dict]:
    """The model beside the published points, per cell temperature."""
    rows = []
    for t in temps_k:
        rows.append({"temp_c": t - 273.15,
                     "ves180_cycling_loss": 1.0 - leo_capacity(VES180_LEO_YEARS, VES180_LEO_DOD, t, cycling_only=True),
                     "ves180_total_loss": 1.0 - leo_capacity(VES180_LEO_YEARS, VES180_LEO_DOD, t),
                     "calendar_only_loss": 1.0 - capacity_fraction(leo_damage(VES180_LEO_YEARS, VES180_LEO_DOD, t)[1],
                                                                   BatteryAgeing().sei_share, BatteryAgeing().sei_rate),
                     "gs_yuasa_capacity": leo_capacity(GS_YUASA_LEO_YEARS, GS_YUASA_LEO_DOD, t),
                     "years_to_80_at_30": years_to(0.8, VES180_LEO_DOD, t)})
    return rows


def figure(path=FIGURE) -> Path:
    """Capacity over LEO years at 30 % DoD (model, three temperatures, total and cycling only)
    with the VES180 bound and the GS Yuasa life."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    years = np.linspace(0.0, 8.0, 161)
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for t, colour in ((283.15, "tab:blue"), (293.15, "tab:orange"), (298.15, "tab:red")):
        total = [100 * leo_capacity(y, VES180_LEO_DOD, t) for y in years]
        cyc = [100 * leo_capacity(y, VES180_LEO_DOD, t, cycling_only=True) for y in years]
        ax.plot(years, total, color=colour, label=f"xu2018, {t - 273.15:.0f} °C, 30 % DoD")
        ax.plot(years, cyc, color=colour, ls="--", lw=1, label=f"  cycling only, {t - 273.15:.0f} °C")
    ax.errorbar([VES180_LEO_YEARS], [100 * (1 - VES180_LEO_CYCLING_LOSS_MAX)], yerr=[[0], [4]], lolims=True,
                fmt="ks", ms=7, label="Saft VES180 spec: 5 y LEO 30 % DoD, cycling loss < 20 %")
    ax.axvline(GS_YUASA_LEO_YEARS, color="0.4", ls=":",
               label="GS Yuasa: 40,000 LEO cycles (7 y) at 25 % DoD met requirements")
    ax.set_xlabel("years in LEO (15.55 cycles a day)")
    ax.set_ylabel("capacity [% of nominal]")
    ax.set_ylim(55, 101)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower left")
    ax.set_title("Battery capacity in LEO: Xu et al. 2018 LMO fit vs published space-cell lives", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main() -> None:
    print("T [C]  5 y/30 % DoD loss: cycling  total  calendar only | 7 y/25 % DoD capacity | years to 80 % at 30 % DoD")
    for r in table():
        print(f"{r['temp_c']:5.0f}  {100 * r['ves180_cycling_loss']:27.1f} % {100 * r['ves180_total_loss']:5.1f} % "
              f"{100 * r['calendar_only_loss']:8.1f} % | {100 * r['gs_yuasa_capacity']:19.1f} % | "
              f"{r['years_to_80_at_30']:6.2f}")
    print(f"published: VES180 cycling < {100 * VES180_LEO_CYCLING_LOSS_MAX:.0f} %, calendar < "
          f"{100 * VES180_LEO_CALENDAR_LOSS_MAX:.0f} % in {VES180_LEO_YEARS:.0f} y; GS Yuasa {GS_YUASA_LEO_CYCLES:,} cycles "
          f"in {GS_YUASA_LEO_YEARS:.0f} y at {100 * GS_YUASA_LEO_DOD:.0f} % DoD")
    print(f"figure: {figure()}")


if __name__ == "__main__":
    main()
