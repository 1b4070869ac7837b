"""What a run report (:mod:`twin.report`) and a sweep report (:mod:`twin.report.sweep`) share:
the matplotlib style, how numbers are written, and saving a figure.

It imports nothing from twin.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

STYLE = {"font.size": 11, "axes.titlesize": 13, "axes.labelsize": 11, "legend.fontsize": 10,
         "xtick.labelsize": 10, "ytick.labelsize": 10, "axes.grid": True, "grid.alpha": 0.3,
         "savefig.dpi": 110, "figure.dpi": 110}

# One colour per accelerator-ledger cause (twin.kernels.layout.LEDGER_CAUSES, in that order), shared
# by the run report's waterfall and stacked areas and the sweep report's limiting-factor figure, so
# that a cause looks the same everywhere; "none" is a limiting factor (nothing lost but to demand).
LEDGER_COLOURS = {
    "delivered": "#4c9a2a",    # green: work done
    "power": "#f2b134",        # amber: energy ran short
    "heat": "#d1495b",         # red: thermal throttling or shutdown
    "faults": "#5b2a86",       # purple: node down
    "network": "#1f77b4",      # blue: gang slowed by links
    "overhead": "#8c564b",     # brown: checkpoints, restores, migrations
    "scheduling": "#17becf",   # cyan: free while a job waited
    "no_demand": "#c7c7c7",    # light grey: idle, no job waiting
}
LIMITING_COLOURS = {**LEDGER_COLOURS, "none": "#e8e8e8"}
CAPACITY_COLOUR = "#4d4d4d"


def cause_label(cause: str) -> str:
    """A ledger cause or limiting factor as people read it: ``no_demand`` -> ``no demand``."""
    return cause.replace("_", " ")


def save(fig, path: Path) -> Path:
    fig.savefig(path)
    return path


def fmt(value, digits=4) -> str:
    """A number for people: thousands separators, ``digits`` significant digits, no trailing zeros."""
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if not math.isfinite(value) or value == 0.0:
            return f"{value:g}"
        if abs(value) >= 1e15 or abs(value) < 1e-3:
            return f"{value:.{digits - 1}e}"
        if abs(value) >= 10 ** (digits - 1):
            return f"{value:,.0f}"
        return f"{value:,.{digits}g}"
    return str(value)
