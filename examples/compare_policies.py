"""Compare the scheduling policies on the eclipsing reference scenario and on the Alibaba trace
replay: completed work, wait p95, energy per job and the accelerator ledger, one run per policy
and scenario (``power_cap`` rides eclipses on lowered power caps where the others shed).

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

POLICIES = ("fifo", "priority", "power_aware", "thermal_aware", "follow_the_sun", "power_cap")
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
    ("ledger: delivered / power / heat / overhead / waiting / no demand [%]", "ledger", 1, ""),
    ("overhead [accel-h]", "lost_overhead_accel_h", 1, "{:,.0f}"),
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


LEDGER_SHARES = ("delivered_accel_h", "lost_power_accel_h", "lost_heat_accel_h", "lost_overhead_accel_h",
                 "lost_scheduling_accel_h", "lost_no_demand_accel_h")


def cell(summary: dict, key, scale, fmt) -> str:
    if key == "ledger":   # shares of the installed accelerator-hours (faults and network: the rest)
        return " / ".join(f"{100 * summary[k] / summary['capacity_accel_h']:.0f}" for k in LEDGER_SHARES)
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

Checkpoints, restores and migrations cost time (docs/design.md §5, "Checkpoints"): every job's
state is that of the default 7-billion-parameter model trained with Adam, 98 GB. Writing it to a
satellite's NVMe storage at 3.8 GB/s stalls a job for 26 s after every 30 min of compute, a job
that restarts after a rollback reads it back (15 s) or has it relayed, and a migration moves it
over the relay off the constellation at 1.8 Gbit/s (neither scenario has inter-satellite links):
436 s.

Wait = start − submit; energy per job = the accelerator energy of a completed job (idle share
plus dynamic share while it holds its accelerators); "compute energy per accel-h" = all
accelerator energy of the constellation (idle accelerators included) per accelerator-hour of
work delivered. Work lost = progress thrown away by rollbacks to the last checkpoint (faults,
preemptions); overhead = accelerator-hours held in checkpoint writes, restores and migrations
(the ledger's `overhead`).

![policy comparison](figures/policy_comparison.png)

## Eclipsing reference

{reference}

## Alibaba trace replay

{trace}

## What the numbers say

**Power, not heat, is what binds in both scenarios.** A node at full load draws 5.9 kW. With
the array's heat balance (its cells run at their sunlit temperature, not 28 °C) the array gives
~6.8 kW in full Sun in the two planes near β = 0 but ~4.5 kW in the two at |β| ≈ 53°
(single-axis tracking loses cos β), and the battery (2.4 kWh above its floor) carries full load
for about 23 of an eclipse's 35 minutes. So loaded nodes shed: under `fifo` 40 % of the
installed accelerator-hours go to the ledger's `power` cause, and nodes spend 521 node-hours
(23 % of all) in safe mode, in all four planes: a node that drains its battery to the floor in
eclipse drops to safe mode and waits there, its jobs holding their accelerators, until the Sun
returns (or, where the array cannot carry full load, until the battery is back at
`recover_soc`). The electronics never pass ~350 K, below the 358 K where thermal throttling
starts.

**Lowering the power cap rides the eclipse: `power_cap` delivers 32 % more work than `fifo`.**
`power_cap` places as `fifo` does and only sets each node's cap (docs/design.md §5, "Power
caps"): in eclipse to what the battery carries to the predicted exit, in sunlight to full unless
the array cannot recharge the battery for the next eclipse (the |β| ≈ 53° planes). On the
throughput curve twin ships (McDonald et al. 2022: a cap at 60 % of the power limit costs 6.4 %
of the throughput), a node that runs its whole eclipse at 0.6 of peak loses 6 % of its work there,
where at full power it would shed for the eclipse's last third and after. It delivers 10,179 accelerator-hours against `fifo`'s
7,695, completes 748 jobs against 566, cuts safe mode from 521 to 54 node-hours and the ledger's
`power` share from 40 % to 4 % (the caps' own toll included), and, with work no longer stuck on
shed nodes, the queue empties: p95 wait one minute against 14 hours, and more of the installed
accelerator-hours are now free (`no_demand` 35 %). A capped accelerator-hour costs less energy
(0.6 × 700 W for 0.936 of the work), and jobs no longer hold idle accelerators through shed
hours: 6.7 kWh per job against 10.7, 588 Wh of compute energy per accelerator-hour of work
against 955. On the trace it delivers 10 % more than `fifo` (7,499 against 6,822) with safe mode
down from 296 to 26 node-hours. The remaining safe hours are on nodes where even the curve's
lowest cap cannot be carried through the eclipse (most in one |β| ≈ 53° plane). The result rests
on the curve: its one measured point is a V100 measurement applied to the H100 by fraction of
power limit. With a pessimistic curve, throughput proportional to the cap
(`spacecraft.accelerator.power_curve=[[0.6,0.6],[1,1]]`), `power_cap` still delivers 9,103
accelerator-hours (+18 % on `fifo`), with 103 safe node-hours; with seed 8, 8,678 against
`fifo`'s 7,308 (+19 %).

**Shedding policies cannot do this.** `power_aware` keeps each node within the load its battery
and array can sustain at full power, so it can only leave accelerators unused; it sheds a little
less than `fifo` (safe 483 node-hours on the reference, 189 against 296 on the trace) and
delivers about the same work (7,758; 6,816 on the trace). A job's placement is decided once and
its accelerators run at full power or none: a multi-orbit job on a loaded node still meets
eclipses it cannot ride, and jobs of 8 accelerators exceed every node's budget.

* **`follow_the_sun`** migrates jobs away from eclipses, and each move costs the 7 minutes the
  relay needs for the job's 98 GB: its 1,152 migrations and the checkpoints hold 600
  accelerator-hours, and it delivers 7,891, 3 % more than `fifo`. With free checkpoints and a
  fixed 60-s migration (`workload.checkpoint.size_gb=0 scheduler.migration_cost_s=60`) it would
  deliver 8,837 (+15 %), still well short of `power_cap`, which moves nothing. On the trace its
  5,114 migrations (the long-running services, every orbit) hold 813 accelerator-hours and it
  delivers slightly less than `fifo`, with twice its p95 wait.
* **`thermal_aware`** cannot beat `fifo` for a thermal reason here: heat never binds, so it only
  places jobs in a different order (the node with the least thermal headroom that fits, a
  best-fit packing into already-busy nodes); it delivers within 1 % of `fifo` on both.
* **`priority`** (EASY backfilling) is not meant to save power: it cuts the p95 wait on the
  reference scenario (325 against 824 min) by letting small jobs past a blocked large one
  without delaying it, with the same physics as `fifo`.
* **Energy per job** is a job's work at full speed plus what its accelerators draw while it holds
  them without progress (stalls and shed nodes draw their node's compute power): the shedding
  policies sit at 9.5-11.1 kWh on the reference, `power_cap` at 6.7.
* Faults cost all policies alike on the reference scenario (the same failures, upsets and
  outage): 53-69 accelerator-hours lost to rollbacks. Checkpointing at Young/Daly's interval
  instead of every 30 min (`workload.checkpoint_interval_s=young_daly`) cuts `fifo`'s
  checkpoint overhead from 188 to 128 accelerator-hours but adds rework (work lost 58 to 102).

These are single runs with one seed on a saturated scenario, where which jobs run through which
eclipse moves work and waits by several percent: differences of a few percent between the
shedding policies are within what another seed would change. `power_cap`'s lead is not: it
removes most of the shedding itself.
"""


if __name__ == "__main__":
    sys.exit(main())
