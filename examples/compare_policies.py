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

**Power, not heat, is what binds in both scenarios.** A node at full load draws 5.9 kW; its
array gives ~7.9 kW at a beta angle near 0 but only ~4.8 kW in the two planes at |β| ≈ 53°
(single-axis tracking loses cos β), and its battery carries about 4 kW through a 36-minute
eclipse. So fully loaded nodes throttle, idle or drop to safe mode (the node-hours column),
while the electronics never pass ~351 K, below the 358 K where thermal throttling starts.

**Moving a job costs more than an eclipse saves it, so `follow_the_sun` has lost its lead.**
With free checkpoints and a fixed 60-s migration (the same code with
`workload.checkpoint.size_gb=0 scheduler.migration_cost_s=60`), it delivered 10,156
accelerator-hours on the reference scenario, 13 % more than `fifo`, with a p95 wait of one
epoch. Now that each of its 1,582 migrations stalls the job for the 7 minutes the relay needs
for 98 GB, it delivers 9,336, 1 % more than `fifo` and 2 % less than `priority`; its migrations
and checkpoints hold 769 accelerator-hours (8 % of its work; the checkpoint writes alone hold
170-200 under every policy), and its p95 wait rises to 2.7 h because migrants hold their new,
sunlit accelerators while they stall. The move is what costs: with costed checkpoints but a
60-s migration it still delivers 10,122. On the trace its 5,307 migrations (the long-running
services, every orbit) hold 841 accelerator-hours, 12 % of its work; it delivers 7,034 instead
of 7,315, level with `fifo`, and its p95 wait doubles to 2.7 h. A move pays only when the
eclipse it dodges would cost more than relaying the job's state (7 min of a job of 98 GB) plus
the new node's share of throttling; `follow_the_sun` does not weigh that yet, and with
inter-satellite links (100-200 Gbit/s) the move would take seconds.

* **`power_aware`** keeps each node within the load its battery and array can sustain, so
  nodes shed less than under `fifo` on both (safe node-hours -3 % on the reference, -46 % on
  the trace) and it delivers 2 % more work on the trace. On the saturated reference scenario it
  delivers 7 % less than `fifo` with a longer p95 wait: it refuses nodes without headroom, so
  the large gangs wait for enough eligible nodes while `fifo` starts them at once and lets the
  nodes shed, and checkpoint stalls, which lengthen every job by ~1.4 %, lengthen that queue
  (with free checkpoints it was within 1 % of `fifo`). It does not reach what dodging eclipses
  could give because a placement decided once cannot dodge the eclipses that come during a
  multi-orbit job; and jobs of 8 accelerators exceed every node's budget (about 5), so they
  still shed in eclipse.
* **`thermal_aware`** cannot beat `fifo` for a thermal reason here: heat never binds, so it only
  places jobs in a different order (the node with the least thermal headroom that fits, a
  best-fit packing into already-busy nodes). That order gives shorter waits on the trace and
  longer ones on the reference scenario, where, like `power_aware`, it loses most from the
  longer queue (7 % less work than `fifo`): a side effect of placement order, not of
  temperature. Where heat does bind (the reference scenario with 3 m² radiators, two days,
  free checkpoints: electronics above the 358 K throttle point half the time) it cuts
  throttled node-hours by 13 % (676 against 777) but delivers 2 % less work (5,612 against 5,748
  accelerator-hours) with longer waits. Electronics temperatures follow the load within
  minutes (60 kJ/K against ~400 W/K), so a cool node is just one lightly loaded right now, and
  each radiator rejects at most what its area allows at the throttle temperature: placement
  cannot raise that total. A spreading variant (coolest node first) did worse still, in both
  scenarios: spreading cuts single nodes into gangs.
* **`priority`** (EASY backfilling) is not meant to save power: it cuts the p95 wait (5x on the
  reference scenario, 1.2x on the trace) by letting small jobs past a blocked large one without delaying it, with the same physics as
  `fifo`; on the reference scenario it now delivers the most work.
* **Energy per job** moves little between policies (within ~15 % on the reference scenario): a
  job's accelerator energy is its work at full speed plus what its accelerators draw while it
  holds them without progress (stalls draw the power of their node's compute rate), and no
  policy changes the work. On the trace the mean is set by a few jobs held for hours on
  throttled or shed nodes (a single one can draw 27 kWh): which of them complete within the run
  moves it between 0.47 and 0.58 kWh. The whole-constellation compute energy per
  accelerator-hour (which counts idle accelerators) is where shedding shows.
* Faults cost all policies alike on the reference scenario (the same failures, upsets and
  outage): 63-74 accelerator-hours lost to rollbacks. Checkpointing at Young/Daly's interval
  instead of every 30 min (`workload.checkpoint_interval_s=young_daly`: a node fails or is upset
  once in 73 h, so τ = √(2 · 26 s · 73 h) − 26 s = 61 min for a job on one satellite) cuts
  `fifo`'s checkpoint overhead plus rework from 264 to 231 accelerator-hours (196 + 69 to
  125 + 106). Checkpointing before each predicted eclipse as well
  (`workload.checkpoint.before_eclipse`) only adds writes here (`fifo`: overhead 240, work lost
  78): nothing in twin loses a job's state in eclipse (a shed node keeps it), so the eclipse is
  no riskier than any other moment.

These are single runs with one seed on a saturated scenario, where which jobs run through which
eclipse moves work and waits by several percent: differences of a few percent are within what
another seed would change. With seeds 8 and 9 (lighter load, p95 waits of one epoch) every
policy delivers within 2 % of `fifo`, costs or not, checkpoint writes take about 2 % of
everyone's work, and `follow_the_sun`'s migrations hold 1,100-1,170 accelerator-hours (13 % of
its work) for no gain over `fifo`. The large differences (`follow_the_sun`'s lost lead,
`priority` on waits, `power_aware` on shedding) are not seed noise.
"""


if __name__ == "__main__":
    sys.exit(main())
