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
import json
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
    from twin.engine.simulation import run

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


def render(results: dict, notes: str) -> str:
    tables = {name: "\n".join(table(results, name)) for name in results}
    return notes.format(reference=tables["eclipsing reference"], trace=tables["Alibaba trace replay"])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="one simulated day per run, output to /tmp")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--scenario", choices=list(SCENARIOS), action="append",
                   help="run only this scenario (repeatable); the others are taken from results.json")
    p.add_argument("--render-only", action="store_true",
                   help="rewrite the document from runs/policies/results.json without running")
    args = p.parse_args(argv)
    out_dir = Path("/tmp/twin-policies") if args.quick else REPO / "runs" / "policies"
    out_dir.mkdir(parents=True, exist_ok=True)
    saved = out_dir / "results.json"
    if args.render_only:
        results = json.loads(saved.read_text())
    else:
        overrides = ["simulation.duration_s=86400"] if args.quick else []
        chosen = args.scenario or list(SCENARIOS)
        jobs = [(name, SCENARIOS[name], policy, out_dir, overrides) for name in chosen for policy in POLICIES]
        results = json.loads(saved.read_text()) if args.scenario and saved.exists() else {}
        results.update({name: {} for name in chosen})
        with ProcessPoolExecutor(args.workers) as pool:
            for scenario_name, policy, summary in pool.map(run_one, jobs):
                results[scenario_name][policy] = summary
                print(f"{scenario_name:>22} {policy:>15}: completed {summary['jobs_completed']:,}  "
                      f"work {summary['work_delivered_accel_h']:,.0f} accel-h  "
                      f"wait p95 {summary['wait_p95_s'] / 60:,.1f} min  "
                      f"energy/job {summary['energy_per_job_wh'] / 1e3:,.2f} kWh", flush=True)
        saved.write_text(json.dumps(results, indent=1, default=float))
    for name in SCENARIOS:
        print("\n".join([f"### {name}", "", *table(results, name), ""]))
    if args.quick:
        return 0
    figure(results, REPO / "docs" / "figures" / "policy_comparison.png")
    (REPO / "docs" / "policy_comparison.md").write_text(render(results, NOTES))
    return 0


NOTES = """# Scheduling policies compared

Written by `examples/compare_policies.py` (run it to regenerate this page and the figure; every
run is deterministic). One run per policy and scenario:

* **eclipsing reference** (`configs/eclipsing-reference.yaml`): 32 satellites at 550 km / 53° at
  the March equinox, 8 H100-class accelerators each (5.6 kW at full load) on a 22 m² array, an
  8 kWh battery and a 5 m² radiator; three days of Poisson jobs (11 per hour, lognormal sizes of
  median 2 h per accelerator, gangs of 1–8 accelerators, priorities 0–2), with random node
  failures, SAA upsets and a scripted outage (the same for every policy: faults draw from their
  own random streams).
* **Alibaba trace replay** (`configs/alibaba-trace.yaml`): the real `openb_pod_list_default`
  trace (Weng et al., USENIX ATC'23), its busy last 34 days replayed twenty times faster on the
  same constellation: 6,178 jobs, mostly single fractional GPUs of a few minutes, plus
  long-running services; 2.5 days.

Wait = start − submit; energy per job = the accelerator energy of a completed job (idle share
plus dynamic share while it holds its accelerators); "compute energy per accel-h" = all
accelerator energy of the constellation (idle accelerators included) per accelerator-hour of
work delivered. Work lost = progress thrown away by rollbacks to the last checkpoint (faults,
preemptions).

![policy comparison](figures/policy_comparison.png)

## Eclipsing reference

{reference}

## Alibaba trace replay

{trace}

## What the numbers say

**Power, not heat, is what binds in both scenarios.** A node at full load draws 5.9 kW; its
array gives ~7.9 kW at a beta angle near 0 but only ~4.8 kW in the two planes at |β| ≈ 53°
(single-axis tracking loses cos β), and its battery carries about 4 kW through a 36-minute
eclipse. So fully loaded nodes throttle, idle or drop to safe mode (the node-hours column),
while the electronics never pass ~351 K, below the 358 K where thermal throttling starts.

* **`follow_the_sun`** does best where jobs are long: on the reference scenario (median 2 h per
  accelerator, longer than an orbit) it delivers 12 % more work than `fifo` with a p95 wait of
  one epoch instead of hours, and spends the least compute energy per accelerator-hour; about
  2,200 migrations cost 60 s each. On the trace it also delivers the most work, but its p95 wait
  is the worst: most trace jobs last minutes, while the long-running services (the censored
  Running pods) migrate every orbit (5,600 migrations) and take the freshly sunlit accelerators
  before queued jobs can (migrations are decided before placements), and it packs jobs onto
  the high-beta planes whose eclipses are short but whose arrays cannot carry a full node (the
  throttled node-hours).
* **`power_aware`** keeps each node within the load its battery and array can sustain, so
  nodes shed less than under `fifo` on both (safe node-hours -11 % on the reference, about
  halved on the trace) and it delivers slightly more work (about +1 % on both). It beats `fifo`
  on waits only on the trace: on the reference scenario its p95 wait is longer, because it
  refuses nodes without headroom, so the large gangs wait for enough eligible nodes while
  `fifo` starts them at once and lets the nodes shed. It does not reach `follow_the_sun` on long
  jobs because a placement decided once cannot dodge the eclipses that come during a multi-orbit
  job; and jobs of 8 accelerators exceed every node's budget (about 5), so they still shed in
  eclipse.
* **`thermal_aware`** cannot beat `fifo` for a thermal reason here: heat never binds, so it only
  places jobs in a different order (the node with the least thermal headroom that fits, a
  best-fit packing into already-busy nodes). That order happens to give shorter waits on the
  trace and longer ones on the reference scenario, with work delivered within 2 % of `fifo`
  in both: a side effect of placement order, not of temperature. Where heat does bind (the
  reference scenario with 3 m² radiators, two days: electronics above the 358 K throttle point
  half the time) it cuts throttled node-hours by 13 % (676 against 777) but delivers 2 % less
  work (5,612 against 5,748 accelerator-hours) with longer waits. Electronics temperatures
  follow the load within minutes (60 kJ/K against ~400 W/K), so a cool node is just one
  lightly loaded right now, and each radiator rejects at most what its area allows at the
  throttle temperature: placement cannot raise that total. A spreading variant (coolest node
  first) did worse still, in both scenarios: spreading cuts single nodes into gangs.
* **`priority`** (EASY backfilling) is not meant to save power: it cuts the p95 wait (by 2-4x)
  by letting small jobs past a blocked large one without delaying it, with the same physics as
  `fifo`.
* **Energy per job** barely moves between policies (within ~5 %): a job's accelerator energy is
  its work at full speed plus the idle power of the time it holds accelerators without progress,
  and no policy changes the work. The whole-constellation compute energy per accelerator-hour
  (which counts idle accelerators) is where shedding shows.
* Faults cost all policies alike on the reference scenario (the same failures, upsets and
  outage): about 70 accelerator-hours lost to rollbacks, less under `follow_the_sun`, whose
  migrations checkpoint jobs often.

These are single runs with one seed: differences of a few percent in work or wait are within
what another seed would change; the large ones (`follow_the_sun` on long jobs, `priority` on
waits, `power_aware` on shedding) are not.
"""


if __name__ == "__main__":
    sys.exit(main())
