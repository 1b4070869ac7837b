"""The run report's accelerator-ledger figures: a waterfall from the installed accelerator-hours
through each lost cause to the delivered ones (from ``/summary``), and the ledger over time as
stacked areas (the constellation's ledger per record, ``/ledger``). Both
colour the causes with ``style.LEDGER_COLOURS``. Each draw returns None for a file without the
ledger (schema 1) or, for the waterfall, without a ``/summary`` yet: the report leaves it out.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from twin.kernels.layout import LEDGER_CAUSES
from twin.output.ledger import LOST_CAUSES, key_of, limiting_factor
from twin.report.figures import _new_figure, _time_axis
from twin.report.sample import RunSample
from twin.report.style import CAPACITY_COLOUR, LEDGER_COLOURS, cause_label, fmt, save

NOISE = 1e-9   # shares of capacity below this are rounding (e.g. -8e-17 accelerator-h): shown as 0


def ledger_hours(summary: dict) -> dict | None:
    """{cause: accelerator-hours} in LEDGER_CAUSES order, rounding noise as 0, and the capacity
    under ``"capacity"``; None when the summary has no ledger."""
    capacity = summary.get("capacity_accel_h")
    if not isinstance(capacity, (int, float)) or not capacity > 0 or key_of("delivered") not in summary:
        return None
    hours = {"capacity": float(capacity)}
    for cause in LEDGER_CAUSES:
        value = float(summary.get(key_of(cause), 0.0))
        hours[cause] = 0.0 if abs(value) < NOISE * capacity else value
    return hours


def limit_phrase(summary: dict) -> str:
    limit = summary.get("limiting_factor") or limiting_factor(summary)
    return "only by demand" if limit == "none" else f"by {cause_label(limit)}"


def fig_ledger_waterfall(sample: RunSample, path: Path) -> Path | None:
    hours = ledger_hours(sample.summary)
    if hours is None:
        return None
    capacity = hours["capacity"]
    limit = sample.summary.get("limiting_factor") or limiting_factor(sample.summary)
    names = ["capacity", *LOST_CAUSES, "delivered"]
    fig, (ax,) = _new_figure(width=11.0, height=5.8)
    level = capacity
    for x, name in enumerate(names):
        if name == "capacity":
            bottom, height, colour = 0.0, capacity, CAPACITY_COLOUR
        elif name == "delivered":
            bottom, height, colour = 0.0, hours["delivered"], LEDGER_COLOURS["delivered"]
        else:  # each loss steps the level down
            bottom, height, colour = level - hours[name], hours[name], LEDGER_COLOURS[name]
            level -= hours[name]
        ax.bar(x, height, bottom=bottom, width=0.7, color=colour, edgecolor="0.25", linewidth=0.6,
               hatch="//" if name == "no_demand" else None)
        if x < len(names) - 1:  # the level the next bar starts from
            ax.plot([x + 0.35, x + 0.65], [level, level], color="0.4", linewidth=0.8, linestyle=":")
        share = 100.0 * hours[name] / capacity
        percent = f"{share:.1f} %" if abs(share) >= 0.05 else "< 0.1 %"
        label = f"{fmt(hours[name], 3)} accel-h\n{percent}" if hours[name] != 0.0 else "0"
        ax.annotate(label, (x, bottom + height), xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize=9, color="0.1" if hours[name] != 0.0 else "0.5")
    ticks = ["installed\ncapacity", *(cause_label(c) for c in LOST_CAUSES[:-1]),
             "no demand\n(idle, no job)", "delivered"]
    ax.set_xticks(range(len(names)), ticks)
    for tick, name in zip(ax.get_xticklabels(), names):
        if name == limit:
            tick.set_fontweight("bold")
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_ylim(0, capacity * 1.16)  # room for the labels over the capacity bar
    ax.set_ylabel("accelerator-hours")
    ax.secondary_yaxis("right", functions=(lambda h: 100.0 * h / capacity, lambda p: p * capacity / 100.0)) \
        .set_ylabel("% of installed capacity")
    ax.grid(axis="x", visible=False)
    closure = sample.summary.get("ledger_closure_rel_error")
    if isinstance(closure, float):
        note = "; causes sum to the capacity " + ("exactly" if closure == 0.0 else f"within {closure:.0e}")
    else:
        note = ""
    ax.set_title(f"Losses step down from the installed capacity (0: none; bold: the limiting factor){note}",
                 loc="left", fontsize=10)
    fig.suptitle(f"Accelerator ledger: {100.0 * hours['delivered'] / capacity:.1f} % of "
                 f"{fmt(capacity, 4)} installed accelerator-hours delivered, limited {limit_phrase(sample.summary)}",
                 fontsize=13)
    return save(fig, path)


def _steps(sample: RunSample) -> tuple[np.ndarray, np.ndarray]:
    """(x [s], values (causes, X)): each window mean held flat over its window."""
    t, values = sample.ledger_time_s, sample.ledger
    starts = np.r_[0.0, t[:-1]]
    return np.column_stack([starts, t]).ravel(), np.repeat(values, 2, axis=1)


def fig_ledger_time(sample: RunSample, path: Path) -> Path | None:
    if sample.ledger is None or sample.ledger.shape[1] == 0:
        return None
    scale, xlabel = _time_axis(sample)
    x_s, values = _steps(sample)
    x = x_s / scale
    values = np.where(np.isfinite(values), values, np.nan)  # a damaged file: gaps, not a crash
    total = values.sum(axis=0)
    installed = float(np.nanmax(total, initial=0.0)) if np.isfinite(total).any() else 0.0
    fig, (ax,) = _new_figure(width=11.0, height=5.6)
    ax.stackplot(x, np.clip(values, 0.0, None), colors=[LEDGER_COLOURS[c] for c in LEDGER_CAUSES],
                 labels=[cause_label(c) + ("" if np.nanmax(v, initial=0.0) > 0 else " (none)")
                         for c, v in zip(LEDGER_CAUSES, values)], linewidth=0, alpha=0.95)
    ax.set_xlim(0.0, x[-1])
    ax.set_ylim(0.0, max(installed, 1.0) * 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("accelerators (sum over satellites)")
    if installed > 0:
        ax.secondary_yaxis("right", functions=(lambda a: 100.0 * a / installed, lambda p: p * installed / 100.0)) \
            .set_ylabel("% of installed accelerators")
    handles, labels = ax.get_legend_handles_labels()  # top of the stack first, as drawn
    ax.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.09, 1.0), framealpha=0.9,
              title="cause")
    record_s = float(sample.attrs.get("record_every_s", 0.0) or 0.0)
    window = f" ({_duration(sample.ledger_stride * record_s)})" if record_s > 0 else ""
    what = ("mean over each record interval" if sample.ledger_stride == 1
            else f"mean over each {sample.ledger_stride:,} records{window}")
    ax.set_title(f"{what}; all {sample.n_sats:,} satellites summed", loc="left", fontsize=10)
    fig.suptitle(f"Accelerator ledger over time: where the {fmt(installed, 4)} installed accelerators were",
                 fontsize=13)
    return save(fig, path)


def _duration(seconds: float) -> str:
    if seconds < 2 * 3600.0:
        return f"{fmt(seconds / 60.0, 3)} min"
    if seconds < 2 * 86400.0:
        return f"{fmt(seconds / 3600.0, 3)} h"
    return f"{fmt(seconds / 86400.0, 3)} d"


LEDGER_FIGURES = (
    ("ledger_waterfall.png", "Accelerator ledger", fig_ledger_waterfall,
     "Every installed accelerator-hour to one cause (`/summary`): from the installed capacity down "
     "through each cause of loss to the hours delivered; the limiting factor (bold) is the largest "
     "loss other than no demand."),
    ("ledger_time.png", "Accelerator ledger over time", fig_ledger_time,
     "The same causes over time: accelerators in each, summed over every satellite "
     "(`/ledger`), stacked; the stack is the installed accelerators."),
)
