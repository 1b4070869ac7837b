"""Headline numbers of the Starlink shell with a compute payload (configs/starlink-shell.yaml).

    .venv/bin/python analysis/starlink.py [runs/starlink-shell.h5] [-o FIGURE.png]

Besides the common numbers (analysis/headline.py): full compute power against the beta angle.
The single-axis array gets cos(beta) of the Sun, so planes at high beta, with short eclipses
or none, can still run short of power.
"""
import sys

import numpy as np

from headline import FULL_THROTTLE, MODE_NOMINAL, main

BETA_EDGES_DEG = (0, 15, 30, 45, 60, 90)


def by_beta(run):
    """Per |beta| bin of the satellites' mean beta: (label, satellites, full-power share,
    sunlit share)."""
    ds = run.ds
    beta = np.abs(ds["beta_deg"].astype("f8").mean("time").values)
    full = ((ds["mode"] == MODE_NOMINAL) & (ds["throttle"] >= FULL_THROTTLE)).mean("time").values
    sunlit = ds["sunlit_fraction"].astype("f8").mean("time").values
    rows = []
    for lo, hi in zip(BETA_EDGES_DEG[:-1], BETA_EDGES_DEG[1:]):
        sel = (beta >= lo) & (beta < hi)
        if sel.any():
            rows.append((f"{lo}-{hi} deg", int(sel.sum()), float(full[sel].mean()), float(sunlit[sel].mean())))
    return rows


def extra(run, h):
    names = sorted(run.ds["sat_name"].values.tolist())
    lines = [f"satellites                {names[0]} .. {names[-1]} ({len(names)})"]
    for label, n, full, sunlit in by_beta(run):
        lines.append(f"  |beta| {label:10s}      {n:4d} satellites: full compute power {full:6.1%}, "
                     f"sunlit {sunlit:6.1%}")
    return lines


if __name__ == "__main__":
    main(sys.argv[1:], title="Starlink shell", default_run="runs/starlink-shell.h5", extra=extra)
