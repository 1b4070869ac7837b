"""Headline numbers of the Suncatcher cluster (configs/suncatcher-cluster.yaml), from its run file.

    .venv/bin/python analysis/suncatcher.py [runs/suncatcher-year.h5] [-o FIGURE.png]

Besides the common numbers (analysis/headline.py): how tightly the 81 satellites share each
eclipse, and the season against the dawn-dusk SSO reference (examples/sso_eclipse_season.py:
650 km, LTAN 18:00, shadow from 7 May to 6 Aug 2026, at most 19.7 min per orbit).
"""
import sys

import numpy as np

from headline import main

GROUP_GAP_S = 600.0  # s: eclipse entries closer than this belong to the same pass of the cluster


def cluster_passes(eclipses):
    """Eclipses grouped into passes of the whole cluster (entries within GROUP_GAP_S of the
    previous one); returns (satellites per pass, spread of entries [s], spread of durations [s])."""
    done = eclipses[eclipses["complete"]].sort_values("entry_s")
    if done.empty:
        return np.array([]), np.array([]), np.array([])
    entry = done["entry_s"].to_numpy()
    group = np.r_[0, np.cumsum(np.diff(entry) > GROUP_GAP_S)]
    frame = done.assign(group=group).groupby("group")
    return (frame.size().to_numpy(), (frame["entry_s"].max() - frame["entry_s"].min()).to_numpy(),
            (frame["duration_s"].max() - frame["duration_s"].min()).to_numpy())


def extra(run, h):
    sizes, entry_spread, duration_spread = cluster_passes(h["eclipses"])
    if not len(sizes):
        return ["cluster                   no eclipse in the run (dawn-dusk orbit outside its season)"]
    return [f"cluster                   {len(sizes):,} eclipse passes, {np.median(sizes):.0f} satellites "
            f"each (median); entries of one pass within {entry_spread.max():.0f} s, durations within "
            f"{duration_spread.max():.0f} s of each other (the cluster is 2 km across)",
            "reference                 dawn-dusk SSO 650 km (examples/sso_eclipse_season.py): shadow "
            "7 May - 6 Aug 2026, at most 19.7 min per orbit"]


if __name__ == "__main__":
    main(sys.argv[1:], title="Suncatcher cluster", default_run="runs/suncatcher-year.h5", extra=extra)
