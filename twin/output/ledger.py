"""The accelerator ledger in ``/summary``: where every installed accelerator-hour went, what limits
the constellation, and the one line people read first (``twin run``, ``twin inspect``).

The causes and their meaning are the node kernel's (``twin.kernels.layout.LEDGER_CAUSES``,
docs/design.md §5); the keys are ``capacity_accel_h``, ``delivered_accel_h``,
``lost_<cause>_accel_h`` for every other cause, ``ledger_closure_rel_error`` and
``limiting_factor``: the largest lost cause other than ``no_demand``, or ``none``.
"""
from __future__ import annotations

from twin.constants import SECONDS_PER_HOUR
from twin.kernels.layout import LEDGER_CAUSES

LOST_CAUSES = LEDGER_CAUSES[1:]              # every cause but delivered
LIMITING_CAUSES = tuple(c for c in LOST_CAUSES if c != "no_demand")


def key_of(cause: str) -> str:
    return "delivered_accel_h" if cause == "delivered" else f"lost_{cause}_accel_h"


def summary_keys(by_cause_s, capacity_s: float) -> dict:
    """/summary entries from the ledger's totals [accelerator-s] (in LEDGER_CAUSES order) and the
    installed accelerator-seconds."""
    out = {"capacity_accel_h": capacity_s / SECONDS_PER_HOUR}
    for cause, value in zip(LEDGER_CAUSES, by_cause_s):
        out[key_of(cause)] = float(value) / SECONDS_PER_HOUR
    return finish(out)


def finish(summary: dict) -> dict:
    """Add (or recompute, after shards were summed) ``ledger_closure_rel_error`` and
    ``limiting_factor`` to a summary that has the ledger's hours."""
    capacity = summary["capacity_accel_h"]
    total = sum(summary[key_of(c)] for c in LEDGER_CAUSES)
    summary["ledger_closure_rel_error"] = abs(total - capacity) / capacity if capacity > 0 else 0.0
    summary["limiting_factor"] = limiting_factor(summary)
    return summary


def limiting_factor(summary: dict) -> str:
    """The largest lost cause other than ``no_demand``; ``none`` when nothing was lost to them."""
    lost = {c: summary.get(key_of(c), 0.0) for c in LIMITING_CAUSES}
    cause = max(lost, key=lambda c: (lost[c], -LIMITING_CAUSES.index(c)))
    return cause if lost[cause] > 0.0 else "none"


def ledger_line(summary: dict) -> str | None:
    """``delivered 71.2 % of 1,944 accelerator-hours; lost: power 16.2 %, ... — limited by power``,
    or None for a summary without the ledger (an older run file)."""
    capacity = summary.get("capacity_accel_h")
    if capacity is None or capacity <= 0:
        return None
    share = {c: 100.0 * summary.get(key_of(c), 0.0) / capacity for c in LEDGER_CAUSES}
    shown = [c for c in LIMITING_CAUSES if c not in ("network", "overhead") or share[c] > 0.0]
    lost = ", ".join(f"{c} {share[c]:.1f} %" for c in shown)
    limit = summary.get("limiting_factor") or limiting_factor(summary)
    tail = "nothing but demand" if limit == "none" else limit
    return (f"delivered {share['delivered']:.1f} % of {capacity:,.0f} accelerator-hours; lost: {lost}; "
            f"idle for want of jobs {share['no_demand']:.1f} % — limited by {tail}")
