"""Headline numbers of the ISS-like eclipsing baseline (configs/iss-like.yaml), and the beta = 0
eclipse check: 400 km, Sun in the orbit plane, 36.1 min of shadow in a 92.6 min orbit.

    .venv/bin/python analysis/iss_like.py [runs/iss-like.h5] [-o FIGURE.png]

Plane 0 starts with beta ~ 0. From the file: the first complete eclipse of each of its satellites
(events, sunlit fraction < 0.5), the shadow of one whole orbit around it (the integral of
1 - sunlit_fraction over the records from 20 min before that eclipse's entry to 20 min before the
next entry), and the orbit period (mean spacing of the satellite's eclipse entries over the first
day).
"""
import sys

import numpy as np

from headline import main

LEAD_S = 1200.0   # s: the one-orbit window starts this long before an eclipse entry (in sunlight)


def beta_zero_check(run, h, plane=0):
    """Per satellite of ``plane``: (sat, beta [deg], eclipse [min], shadow per orbit [min],
    period [min]) at its first complete eclipse."""
    ecl = h["eclipses"]
    t, w = run.time_s, run.interval_s
    out = []
    for sat in np.flatnonzero(run.ds["plane"].values == plane):
        mine = ecl[(ecl["sat"] == sat) & ecl["complete"]].sort_values("entry_s")
        if len(mine) < 2:
            continue
        entries = mine["entry_s"].to_numpy()
        first_day = entries[entries <= entries[0] + 86400.0]
        period_s = (first_day[-1] - first_day[0]) / (len(first_day) - 1)
        lo, hi = entries[0] - LEAD_S, entries[1] - LEAD_S
        rec = (t - w >= lo - 1e-9) & (t <= hi + 1e-9)
        nu = run.ds["sunlit_fraction"].isel(sat=int(sat)).values[rec].astype(float)
        shadow_s = float(((1.0 - nu) * w[rec]).sum())
        beta = float(run.ds["beta_deg"].isel(sat=int(sat)).values[rec].mean())
        out.append((int(sat), beta, float(mine["duration_s"].iloc[0]) / 60, shadow_s / 60, period_s / 60))
    return out


def extra(run, h):
    lines = []
    for sat, beta, ecl_min, shadow_min, period_min in beta_zero_check(run, h):
        lines.append(f"beta ~ 0 check, sat {sat}     beta {beta:+.2f} deg: eclipse {ecl_min:.2f} min "
                     f"(events, 10 s steps), shadow {shadow_min:.2f} min per orbit (records), period "
                     f"{period_min:.2f} min (textbook at 400 km: 36.1 of 92.6 min)")
    return lines or ["beta ~ 0 check            no complete eclipses of plane 0"]


if __name__ == "__main__":
    main(sys.argv[1:], title="ISS-like baseline", default_run="runs/iss-like.h5", extra=extra)
