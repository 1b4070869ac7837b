"""The solar array's temperature in run files (docs/validation.md, "Solar array temperature").

    .venv/bin/python analysis/array_temperature.py RUN.h5 [RUN.h5 ...]

For each run: the array's operating temperature in sunlight (records in full Sun for at least
the last SETTLED_RECORDS records, with under 1 % of the array's power curtailed: power left in
the cells heats them further), by |β| band, the coldest record (late in eclipse), the array's
energy and the work delivered.
"""
import sys

import numpy as np

import twin

SETTLED_RECORDS = 10          # records in full Sun before one counts as operating (10 min at 60 s)
BETA_BANDS_DEG = ((0, 30), (30, 60), (60, 90))


def operating(ds) -> np.ndarray:
    """(time, sat) mask of the records at the array's sunlit operating point."""
    nu = ds["sunlit_fraction"].values
    settled = np.zeros(nu.shape, dtype=bool)
    settled[SETTLED_RECORDS:] = True
    for lag in range(SETTLED_RECORDS):
        settled[SETTLED_RECORDS:] &= nu[SETTLED_RECORDS - lag:len(nu) - lag] >= 1.0
    return settled & (ds["curtailed_power_w"].values < 0.01 * ds["solar_power_w"].values)


def report(path) -> list[str]:
    with twin.open_run(path) as run:
        ds, s = run.state, run.summary
        t_c = ds["t_array_k"].values.astype(np.float64) - 273.15
        beta = np.abs(ds["beta_deg"].values.astype(np.float64))
        ok = operating(ds)
        lines = [f"{path}",
                 f"  work delivered {s['delivered_accel_h']:,.1f} accelerator-h; array energy "
                 f"{s['energy_solar_wh'] / 1e3:,.1f} kWh, curtailed {s['energy_curtailed_wh'] / 1e3:,.1f} kWh"]
        if ok.any():
            p5, p50, p95 = np.percentile(t_c[ok], [5, 50, 95])
            lines.append(f"  sunlit operating: median {p50:.1f} C (5-95 %: {p5:.1f} to {p95:.1f} C), "
                         f"{ok.sum()} records")
            for lo, hi in BETA_BANDS_DEG:
                band = ok & (beta >= lo) & (beta < hi)
                if band.any():
                    lines.append(f"    |beta| {lo:2d}-{hi:2d} deg: median {np.median(t_c[band]):.1f} C "
                                 f"({band.sum()} records)")
        lines.append(f"  coldest record {t_c.min():.1f} C, hottest {t_c.max():.1f} C")
    return lines


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print("\n".join(report(name)))
