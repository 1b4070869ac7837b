"""Compare the scheduling policies on the eclipsing reference scenario and on the Alibaba trace
replay: completed work, wait p95 and energy per job, one run per policy and scenario.

    .venv/bin/python examples/compare_policies.py            # writes docs/policy_comparison.md + .png
    .venv/bin/python examples/compare_policies.py --quick    # one simulated day each, to /tmp

Runs go to runs/policies/ (git-ignored); the committed output is docs/policy_comparison.md and
docs/figures/policy_comparison.png. Every run is deterministic (fixed seeds), so re-running
reproduces the table exactly on the same machine and library versions.
"""
from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

POLICIES = ("fifo", "priority", "power_aware", "thermal_aware", "follow_the_sun")
SCENARIOS = {
    "eclipsing reference": REPO / "configs" / "eclipsing-reference.yaml",
    "Alibaba trace replay": REPO / "configs" / "alibaba-trace.yaml",
}
COLUMNS = (  # (header, summary key, scale, format)
    ("completed jobs", "jobs_completed", 1, "{:,.0f}"),
    ("work delivered [accel-h]", "work_delivered_accel_h", 1, "{:,.0f}"),
    ("work lost [accel-h]", "work_lost_accel_h", 1, "{:,.1f}"),
    ("wait p50 [min]", "wait_p50_s", 1 / 60, "{:,.1f}"),
    ("wait p95 [min]", "wait_p95_s", 1 / 60, "{:,.1f}"),
    ("slowdown p95", "slowdown_p95", 1, "{:,.2f}"),
    ("energy per job [kWh]", "energy_per_job_wh", 1e-3, "{:,.2f}"),
    ("compute energy per accel-h [Wh]", "energy_per_accel_hour_wh", 1, "{:,.0f}"),
    ("utilisation [%]", "utilization_mean", 100, "{:,.1f}"),
    ("throttled / idle / safe [node-h]", None, 1, ""),
    ("migrations", "migrations", 1, "{:,.0f}"),
    ("preemptions", "preemptions", 1, "{:,.0f}"),
)


def run_one(args) -> tuple[str, str, dict]:
    scenario_name, config, policy, out_dir, overrides = args
    from twin.config import load_config
    from twin.engine import run

    scenario = load_config(config, [f"scheduler.policy={policy}", *overrides])
    out = Path(out_dir) / f"{config.stem}-{policy}.h5"
    summary = run(scenario, out, force=True, log=lambda *_: None)
    return scenario_name, policy, summary


def cell(summary: dict, key, scale, fmt) -> str:
    if key is None:
        return " / ".join(f"{summary[f'node_hours_{m}']:,.0f}" for m in ("throttled", "idle", "safe"))
    return fmt.format(summary[key] * scale)


def table(results: dict, scenario_name: str) -> list[str]:
    lines = ["| policy | " + " | ".join(c[0] for c in COLUMNS) + " |",
             "|---|" + "---:|" * len(COLUMNS)]
    for policy in POLICIES:
        s = results[scenario_name][policy]
        lines.append(f"| `{policy}` | " + " | ".join(cell(s, *c[1:]) for c in COLUMNS) + " |")
    return lines


def figure(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    metrics = (("work delivered [accel-h]", "work_delivered_accel_h", 1),
               ("wait p95 [min]", "wait_p95_s", 1 / 60),
               ("energy per job [kWh]", "energy_per_job_wh", 1e-3))
    fig, axes = plt.subplots(len(results), len(metrics), figsize=(13, 3.4 * len(results)), squeeze=False)
    colors = plt.cm.tab10(np.arange(len(POLICIES)))
    for row, (scenario_name, by_policy) in enumerate(results.items()):
        for col, (label, key, scale) in enumerate(metrics):
            ax = axes[row, col]
            values = [by_policy[p][key] * scale for p in POLICIES]
            ax.bar(range(len(POLICIES)), values, color=colors)
            ax.set_xticks(range(len(POLICIES)), [p.replace("_", "\n") for p in POLICIES], fontsize=8)
            ax.set_title(f"{scenario_name}: {label}", fontsize=10)
            ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="one simulated day per run, output to /tmp")
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args(argv)
    out_dir = Path("/tmp/twin-policies") if args.quick else REPO / "runs" / "policies"
    out_dir.mkdir(parents=True, exist_ok=True)
    overrides = ["simulation.duration_s=86400"] if args.quick else []
    jobs = [(name, cfg, policy, out_dir, overrides) for name, cfg in SCENARIOS.items() for policy in POLICIES]
    results: dict = {name: {} for name in SCENARIOS}
    with ProcessPoolExecutor(args.workers) as pool:
        for scenario_name, policy, summary in pool.map(run_one, jobs):
            results[scenario_name][policy] = summary
            print(f"{scenario_name:>22} {policy:>15}: completed {summary['jobs_completed']:,}  "
                  f"work {summary['work_delivered_accel_h']:,.0f} accel-h  "
                  f"wait p95 {summary['wait_p95_s'] / 60:,.1f} min  "
                  f"energy/job {summary['energy_per_job_wh'] / 1e3:,.2f} kWh", flush=True)
    md = []
    for name in SCENARIOS:
        md += [f"### {name}", "", *table(results, name), ""]
    text = "\n".join(md)
    if args.quick:
        print(text)
        return 0
    figure(results, REPO / "docs" / "figures" / "policy_comparison.png")
    notes = (REPO / "docs" / "policy_comparison.notes.md")
    body = notes.read_text() if notes.exists() else "{tables}"
    (REPO / "docs" / "policy_comparison.md").write_text(body.replace("{tables}", text))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
