"""Eclipse season of a dawn-dusk sun-synchronous orbit (650 km, LTAN 18:00) through 2026.

One orbit per day, sampled every 30 s, propagated with SGP4 and shadowed with the conical
penumbra model; shadow minutes are the integral of (1 - nu) over the orbit.

    .venv/bin/python examples/sso_eclipse_season.py [output.png]

Writes docs/figures/sso_eclipse_season.png and prints the season's first and last day with
shadow and the longest eclipse.
"""
import math
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from twin.orbits.environment import beta_angle_rad, sun_position_gcrs_m, sunlit_fraction  # noqa: E402
from twin.orbits import Propagator, sso_shell  # noqa: E402

ALTITUDE_KM = 650.0
LTAN_H = 18.0
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
N_DAYS = 365
DT_S = 30.0


def main(out_path: Path) -> None:
    sats = sso_shell(ALTITUDE_KM, LTAN_H, 1, 1, EPOCH)
    satrec = sats.satrecs[0]
    period_s = 2 * math.pi / (satrec.mdot + satrec.argpdot) * 60.0  # nodal, SGP4 secular rates
    in_orbit = np.arange(0.0, period_s, DT_S)
    t_s = (np.arange(N_DAYS)[:, None] * 86400.0 + in_orbit[None, :]).ravel()
    pos, vel, error = Propagator(sats, EPOCH).propagate(t_s)
    if error.any():
        raise RuntimeError(f"SGP4 errors: {np.unique(error)}")
    sun = sun_position_gcrs_m(EPOCH, t_s)
    nu = sunlit_fraction(pos, sun)[:, 0].reshape(N_DAYS, -1)
    beta_deg = np.degrees(beta_angle_rad(pos, vel, sun)[:, 0].reshape(N_DAYS, -1).mean(axis=1))
    shadow_min = (1.0 - nu).sum(axis=1) * DT_S / 60.0

    day = np.arange(N_DAYS)
    dark = np.flatnonzero(shadow_min > 0)
    first, last = (EPOCH + timedelta(days=int(d)) for d in (dark[0], dark[-1]))
    peak = int(shadow_min.argmax())
    print(f"dawn-dusk SSO {ALTITUDE_KM:.0f} km, LTAN {LTAN_H:05.2f} h, epoch {EPOCH:%Y-%m-%d}, "
          f"nodal period {period_s / 60:.2f} min")
    print(f"first day with shadow: day {dark[0]} ({first:%Y-%m-%d})")
    print(f"last day with shadow:  day {dark[-1]} ({last:%Y-%m-%d})")
    print(f"days with shadow: {dark.size}")
    print(f"max shadow: {shadow_min[peak]:.2f} min per orbit on day {peak} "
          f"({EPOCH + timedelta(days=peak):%Y-%m-%d}), beta {beta_deg[peak]:.1f} deg")
    print(f"beta range: {beta_deg.min():.1f} .. {beta_deg.max():.1f} deg")

    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=120)
    ax.plot(day, shadow_min, color="tab:blue", lw=1.8, label="shadow per orbit")
    ax.set_xlabel(f"day of {EPOCH:%Y}")
    ax.set_ylabel("shadow per orbit [min]  (integral of 1 - ν)", color="tab:blue")
    ax.set_xlim(0, N_DAYS - 1)
    ax.set_ylim(0, max(22.0, shadow_min.max() * 1.1))
    month_starts = [(datetime(2026, m, 1, tzinfo=timezone.utc) - EPOCH).days for m in range(1, 13)]
    ax.set_xticks(month_starts)
    ax.set_xticklabels([datetime(2026, m, 1).strftime("%b") for m in range(1, 13)])
    ax.grid(alpha=0.3)
    ax2 = ax.twinx()
    ax2.plot(day, beta_deg, color="tab:orange", lw=1.2, ls="--", label="beta angle")
    beta_star = math.degrees(math.asin(6378.137 / (6378.137 + ALTITUDE_KM)))
    ax2.axhline(beta_star, color="tab:orange", lw=0.8, alpha=0.6)
    ax2.text(5, beta_star + 0.8, f"shadow below |β| = {beta_star:.1f}°", color="tab:orange",
             fontsize=8)
    ax2.set_ylabel("beta angle [deg]", color="tab:orange")
    ax2.set_ylim(50, 95)
    ax.set_title(f"Dawn-dusk SSO {ALTITUDE_KM:.0f} km, LTAN 18:00: shadow "
                 f"{first:%d %b} – {last:%d %b}, max {shadow_min[peak]:.1f} min/orbit",
                 fontsize=10)
    fig.tight_layout()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_path)
    print(f"wrote {out_path}")


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[1] / "docs" / "figures" / "sso_eclipse_season.png"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
