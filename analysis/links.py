"""Gangs that train over inter-satellite links: configs/walker-isl.yaml (a 1,584-satellite Walker
shell with Starlink-class +Grid links, one day) and configs/suncatcher-isl.yaml (Suncatcher's
81-satellite cluster with Suncatcher-class links, 30 days), the same data-parallel jobs, each
under ``topology_aware`` (as shipped) and ``fifo``: how much training each delivers, what share
the network takes, and what limits it (README, docs/validation.md).

    .venv/bin/python analysis/links.py [--runs DIR]

Runs are written to ``DIR/<config>-<policy>.h5`` (default ``runs/``) and read back from their
``/summary`` and ``/jobs``; a file already there is read, not run again (delete it to rerun).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import twin
from twin.output.reader import open_h5, read_summary, table_rows

REPO = Path(__file__).resolve().parents[1]
CONFIGS = ("walker-isl", "suncatcher-isl")
POLICIES = ("topology_aware", "fifo")


def run_once(config: str, policy: str, runs: Path) -> Path:
    out = runs / f"{config}-{policy}.h5"
    if not out.exists():
        scenario = twin.load_config(REPO / "configs" / f"{config}.yaml", [f"scheduler.policy={policy}"])
        twin.run(scenario, out)
    return out


def row(config: str, policy: str, path: Path) -> str:
    with open_h5(path) as f:
        s = read_summary(f)
        jobs = table_rows(f, "jobs")
    cap = s["capacity_accel_h"]
    pct = lambda key: 100.0 * s[key] / cap   # noqa: E731
    spread = jobs[(jobs["status"] == b"completed") & (jobs["n_accelerators"] > 0)]
    slow = np.nanmedian(spread["comm_slowdown"]) if len(spread) else float("nan")
    return (f"| `{config}` | `{policy}` | {s['delivered_accel_h']:,.0f} ({pct('delivered_accel_h'):.1f} %) | "
            f"{pct('lost_network_accel_h'):.2f} % | {pct('lost_power_accel_h'):.1f} % | "
            f"{pct('lost_scheduling_accel_h'):.1f} % | {pct('lost_no_demand_accel_h'):.1f} % | "
            f"{s['jobs_completed']} | {slow:.3f} | {s['links_live_mean']:.2f} | "
            f"{s['link_capacity_gbps_mean']:,.0f} | {s['limiting_factor']} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default=str(REPO / "runs"))
    runs = Path(parser.parse_args().runs)
    runs.mkdir(parents=True, exist_ok=True)
    print("| config | policy | delivered accel-h (of capacity) | network | power | scheduling | no demand | "
          "jobs completed | median comm slowdown | live links per satellite | their capacity, Gbit/s | "
          "limited by |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for config in CONFIGS:
        for policy in POLICIES:
            print(row(config, policy, run_once(config, policy, runs)))


if __name__ == "__main__":
    main()
