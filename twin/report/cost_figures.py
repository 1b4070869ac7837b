"""The cost figure of a run report (from /summary's economics keys, twin/economics/cost.py): where
the present cost of the mission goes, launch to replacements, and a delivered accelerator-hour in
orbit against the same on the ground, part by part."""
from __future__ import annotations

from pathlib import Path

from twin.report.figures import _new_figure
from twin.report.sample import RunSample
from twin.report.style import fmt, save

ORBIT_PARTS = (("launch_cost_usd", "launch", "#d62728"), ("hardware_cost_usd", "hardware", "#1f77b4"),
               ("nonrecurring_cost_usd", "non-recurring", "#9467bd"), ("operations_pv_usd", "operations", "#8c564b"),
               ("replacements_pv_usd", "replacements", "#ff7f0e"))
GROUND_PARTS = (("ground_capex_usd", "data centre", "#7f7f7f"), ("ground_accelerators_usd", "accelerators", "#1f77b4"),
                ("ground_energy_pv_usd", "electricity", "#bcbd22"))


def fig_cost(sample: RunSample, path: Path) -> Path | None:
    """Left: the orbit's present cost stepping up part by part (a waterfall); right: the cost of a
    delivered accelerator-hour in orbit and on the ground, each stacked by its parts. None for a
    run without economics."""
    s = sample.summary
    if "cost_pv_usd" not in s or not s.get("cost_pv_usd"):
        return None
    fig, (ax, ax_h) = _new_figure(width=12.0, height=5.6, rows=2, sharex=False)
    level = 0.0
    for x, (key, _label, colour) in enumerate(ORBIT_PARTS):
        value = float(s.get(key, 0.0))
        ax.bar(x, value / 1e6, bottom=level / 1e6, width=0.7, color=colour, edgecolor="0.25", linewidth=0.6)
        ax.annotate(f"\\${fmt(value / 1e6, 3)}M", (x, (level + value) / 1e6), xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize=9)
        level += value
    total = len(ORBIT_PARTS)
    ax.bar(total, level / 1e6, width=0.7, color="0.3")
    ax.annotate(f"\\${fmt(level / 1e6, 4)}M", (total, level / 1e6), xytext=(0, 3), textcoords="offset points",
                ha="center", va="bottom", fontsize=9, fontweight="bold")
    ax.set_xticks(range(total + 1), [label for _, label, _ in ORBIT_PARTS] + ["present cost"])
    ax.set_ylabel("million USD (present value)")
    ax.set_ylim(0, level / 1e6 * 1.18)
    ax.grid(axis="x", visible=False)
    ax.set_title(f"Mission cost in orbit: {s.get('n_launches', 0):,} launch(es) for "
                 f"{fmt(s.get('mass_kg', 0.0) / 1000.0, 4)} t; launch {100 * s.get('launch_share', 0.0):.0f} %",
                 loc="left", fontsize=10)
    per_h = s["cost_per_delivered_accel_h_usd"]
    ground_h = s["ground_cost_per_accel_h_usd"]
    for y, (parts, total_pv, total_h, _name) in enumerate(((GROUND_PARTS, s["ground_cost_pv_usd"], ground_h, "ground"),
                                                          (ORBIT_PARTS, s["cost_pv_usd"], per_h, "orbit"))):
        left = 0.0
        for key, label, colour in parts:
            width = total_h * float(s.get(key, 0.0)) / total_pv if total_pv else 0.0
            ax_h.barh(y, width, left=left, color=colour, edgecolor="0.25", linewidth=0.5,
                      label=label if y == 1 or key != "ground_accelerators_usd" else None)
            left += width
        ax_h.annotate(f"\\${fmt(total_h, 3)} per delivered accelerator-hour", (left, y), xytext=(4, 0),
                      textcoords="offset points", va="center", fontsize=9)
    ax_h.set_yticks([0, 1], ["ground", "orbit"])
    ax_h.set_xlim(0, max(per_h, ground_h) * 1.45)
    ax_h.set_xlabel("USD per delivered accelerator-hour (levelised over the mission)")
    ax_h.legend(loc="lower right", ncols=4, fontsize=8, framealpha=0.9)
    breakeven = s.get("breakeven_launch_usd_per_kg", float("nan"))
    verdict = (f"break-even at \\${fmt(breakeven, 3)}/kg launch" if breakeven > 0
               else "orbit costs more even with free launch")
    fig.suptitle(f"Cost of a delivered accelerator-hour: \\${fmt(per_h, 3)} in orbit, \\${fmt(ground_h, 3)} on the "
                 f"ground; {verdict}", fontsize=13)
    return save(fig, path)


COST_FIGURES = (
    ("cost.png", "Cost", fig_cost,
     "Present cost of the mission by part (launch, hardware, non-recurring, operations, replacements) and the "
     "cost of a delivered accelerator-hour in orbit against the same accelerators and work on the ground "
     "(twin/economics/cost.py; `twin cost RUN.h5 --set economics.KEY=VALUE` recomputes it)."),
)
