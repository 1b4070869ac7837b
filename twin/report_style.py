"""What a run report (:mod:`twin.report`) and a sweep report (:mod:`twin.scaleout.report`) share:
the matplotlib style, how numbers and /summary units are written, and saving a figure.

Imported by both reports and by the sweep table (:mod:`twin.scaleout.table`), so it imports nothing
from twin: the run report dispatches to the sweep report, and neither needs the other's helpers.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

STYLE = {"font.size": 11, "axes.titlesize": 13, "axes.labelsize": 11, "legend.fontsize": 10,
         "xtick.labelsize": 10, "ytick.labelsize": 10, "axes.grid": True, "grid.alpha": 0.3,
         "savefig.dpi": 110, "figure.dpi": 110}


def save(fig, path: Path) -> Path:
    fig.savefig(path)
    return path


def unit_of(key: str) -> str:
    """The unit of a /summary key, from its name (docs/schema.md lists them)."""
    if key.startswith("node_hours_"):
        return "h"
    if key.endswith("_per_s"):
        return "1/s"
    for suffix, unit in (("_wh", "Wh"), ("_s", "s"), ("_h", "h")):
        if key.endswith(suffix):
            return unit
    if key == "flop_delivered":
        return "FLOP"
    return "1"


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
