"""The sweep report's accelerator-ledger figure, ``sweep_limiting.png``: how the limiting factor
(``/summary`` ``limiting_factor``: the largest lost cause other than no demand) shifts across the
swept parameters, from the sweep table's ledger columns.

- two parameters or more: a categorical map over the first two (seeds are replicates: they are
  pooled, as are the other parameters), each cell coloured by the limiting factor of its pooled
  ledger and labelled with the delivered share (a grid; a scatter of the members when the
  values are too many for cells);
- one parameter (or only seeds): the delivered share and every lost cause's share of capacity
  stacked against it, the limiting factor named over each value.

Cells and values pool their members' accelerator-hours (sums), so a cell's shares are of its
members' total capacity; when its members disagree on the limiting factor, the label says how
many share the cell's.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from twin.kernels.layout import LEDGER_CAUSES
from twin.output.ledger import LIMITING_CAUSES, key_of, limiting_factor
from twin.report.style import LEDGER_COLOURS, LIMITING_COLOURS, cause_label, fmt, save

SEED_KEY = "simulation.seed"   # the Monte Carlo seeds: replicates, not an axis (twin.scaleout.spec)
MAX_CELLS_PER_AXIS = 24        # distinct values per axis beyond which cells are unreadable
MAX_SCATTER_LABELS = 60        # members labelled with their delivered share in a scatter map
FAILED_COLOUR = "#d9d9d9"
LEDGER_KEYS = ("capacity_accel_h", *(key_of(c) for c in LEDGER_CAUSES))


def has_ledger(frame) -> bool:
    """Whether some complete member has the ledger (schema 2 run files)."""
    if not all(k in frame for k in LEDGER_KEYS):
        return False
    ok = frame[frame["status"] == "complete"]
    capacity = ok["capacity_accel_h"].to_numpy(dtype=float)
    return bool((np.isfinite(capacity) & (capacity > 0)).any())


def axes_for(frame, varying: list[str]) -> list[str]:
    """The parameters to draw against: the varying ones but the seeds, or the seeds alone."""
    axes = [p for p in varying if p != SEED_KEY]
    return axes or [p for p in varying if p == SEED_KEY]


def _members(frame):
    ok = frame[frame["status"] == "complete"]
    capacity = ok["capacity_accel_h"].to_numpy(dtype=float)
    return ok[np.isfinite(capacity) & (capacity > 0)]


def pooled(group) -> dict:
    """The ledger of a group of members: summed accelerator-hours, shares of the summed capacity
    [%], its limiting factor, and how many members share it."""
    hours = {k: float(np.nansum(group[k].to_numpy(dtype=float))) for k in LEDGER_KEYS}
    capacity = hours["capacity_accel_h"]
    out = {"share": {c: 100.0 * hours[key_of(c)] / capacity for c in LEDGER_CAUSES},
           "limit": limiting_factor(hours), "n": len(group)}
    own = group["limiting_factor"].astype(str) if "limiting_factor" in group else None
    out["agree"] = int((own == out["limit"]).sum()) if own is not None else len(group)
    return out


def _text_colour(colour: str) -> str:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"


def _legend(fig, limits: set[str], failed: bool) -> None:
    from matplotlib.patches import Patch

    order = [*LIMITING_CAUSES, "none"]
    handles = [Patch(facecolor=LIMITING_COLOURS[c], edgecolor="0.3",
                     label="none (only demand)" if c == "none" else cause_label(c))
               for c in order if c in limits]
    if failed:
        handles.append(Patch(facecolor=FAILED_COLOUR, edgecolor="0.3", label="no complete member"))
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4), title="limiting factor",
               framealpha=0.9)


def _cell_label(cell: dict) -> str:
    text = f"{cell['share']['delivered']:.1f} %\n{cause_label(cell['limit'])}"
    return text + (f" ({cell['agree']}/{cell['n']})" if cell["agree"] != cell["n"] else "")


def fig_limiting_map(frame, x: str, y: str, labels: dict, fmt_value, path: Path) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    members = _members(frame)
    xs, ys = sorted(frame[x].dropna().unique()), sorted(frame[y].dropna().unique())
    cells = len(xs) <= MAX_CELLS_PER_AXIS and len(ys) <= MAX_CELLS_PER_AXIS
    width = max(8.5, 1.25 * len(xs) + 2.5) if cells else 9.5
    height = max(4.5, 0.8 * len(ys) + 2.8) if cells else 7.0
    fig = Figure(figsize=(min(width, 22.0), min(height, 16.0)), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    limits, failed = set(), False
    if cells:
        groups = {key: pooled(g) for key, g in members.groupby([y, x])}
        for i, yv in enumerate(ys):
            for j, xv in enumerate(xs):
                cell = groups.get((yv, xv))
                colour = FAILED_COLOUR if cell is None else LIMITING_COLOURS[cell["limit"]]
                ax.add_patch(_rect(j, i, colour))
                if cell is None:
                    failed = True
                    ax.text(j, i, "failed", ha="center", va="center", fontsize=8, color="0.3")
                    continue
                limits.add(cell["limit"])
                ax.text(j, i, _cell_label(cell), ha="center", va="center", fontsize=8 if len(xs) > 8 else 9,
                        color=_text_colour(colour), linespacing=1.3)
        ax.set_xlim(-0.5, len(xs) - 0.5)
        ax.set_ylim(-0.5, len(ys) - 0.5)
        ax.set_xticks(range(len(xs)), [fmt_value(v) for v in xs])
        ax.set_yticks(range(len(ys)), [fmt_value(v) for v in ys])
        ax.grid(False)
        what = "each cell pools its members" + _agree_note(groups.values())
    else:  # too many values for cells: one point per member
        shares = members[key_of("delivered")].to_numpy(dtype=float) / members["capacity_accel_h"].to_numpy(dtype=float)
        limit = members["limiting_factor"].astype(str) if "limiting_factor" in members else \
            members.apply(lambda r: limiting_factor(r.to_dict()), axis=1)
        for name in sorted(set(limit)):
            chosen = (limit == name).to_numpy()
            limits.add(name)
            ax.scatter(members[x][chosen], members[y][chosen], s=70, color=LIMITING_COLOURS.get(name, "0.5"),
                       edgecolor="0.3", linewidth=0.6)
        if len(members) <= MAX_SCATTER_LABELS:
            for xv, yv, share in zip(members[x], members[y], shares):
                ax.annotate(f"{100 * share:.0f} %", (xv, yv), xytext=(0, 6), textcoords="offset points",
                            ha="center", fontsize=7)
        what = "one point per member"
    ax.set_xlabel(labels[x])
    ax.set_ylabel(labels[y])
    ax.set_title(f"delivered share of installed accelerator-hours and limiting factor; {what}", loc="left",
                 fontsize=10)
    _legend(fig, limits, failed)
    fig.suptitle(f"Sweep: what limits delivered compute over {labels[x]} and {labels[y]}", fontsize=13)
    return save(fig, path)


def _rect(j, i, colour):
    from matplotlib.patches import Rectangle

    return Rectangle((j - 0.5, i - 0.5), 1.0, 1.0, facecolor=colour, edgecolor="white", linewidth=1.5)


def fig_limiting_line(frame, x: str, labels: dict, fmt_value, path: Path) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    members = _members(frame)
    values = sorted(members[x].dropna().unique())
    cells = [pooled(members[members[x] == v]) for v in values]
    discrete = len(values) <= MAX_CELLS_PER_AXIS or not np.issubdtype(np.asarray(values).dtype, np.number)
    width = min(max(8.0, 0.9 * len(values) + 4.5), 20.0) if discrete else 10.5
    fig = Figure(figsize=(width, 5.8), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    causes = [c for c in LEDGER_CAUSES if c == "delivered" or any(abs(cell["share"][c]) > 1e-9 for cell in cells)]
    stack = np.array([[cell["share"][c] for cell in cells] for c in causes])
    names = [cause_label(c) if c != "no_demand" else "no demand (idle)" for c in causes]
    colours = [LEDGER_COLOURS[c] for c in causes]
    if discrete:
        position = np.arange(len(values))
        bottom = np.zeros(len(values))
        for row, name, colour in zip(stack, names, colours):
            ax.bar(position, row, bottom=bottom, width=0.7, color=colour, edgecolor="0.3", linewidth=0.5, label=name)
            bottom += row
        for p, cell in zip(position, cells):
            ax.text(p, stack[0][p] / 2, f"{cell['share']['delivered']:.1f} %", ha="center", va="center",
                    fontsize=9, color="white")
            ax.annotate(_limit_label(cell), (p, 100.0), xytext=(0, 4), textcoords="offset points",
                        ha="center", va="bottom", fontsize=9)
        ax.set_xticks(position, [fmt_value(v) for v in values])
        ax.set_xlim(-0.6, len(values) - 0.4)
        ax.grid(axis="x", visible=False)
    else:
        ax.stackplot(np.asarray(values, dtype=float), np.clip(stack, 0.0, None), colors=colours, labels=names,
                     linewidth=0)
        ax.scatter(values, np.full(len(values), 103.0), s=22, clip_on=False, marker="s",
                   color=[LIMITING_COLOURS[cell["limit"]] for cell in cells], edgecolor="0.3", linewidth=0.4)
        ax.set_xlim(min(values), max(values))
    ax.set_ylim(0.0, 112.0)
    ax.set_yticks(range(0, 101, 20))
    ax.set_xlabel(labels[x])
    ax.set_ylabel("% of installed accelerator-hours")
    handles, legend_names = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], legend_names[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), framealpha=0.9,
              title="cause")
    top = ("the limiting factor above each value" + _agree_note(cells) if discrete
           else "squares on top: the limiting factor's colour")
    ax.set_title(f"delivered and lost shares of capacity, members pooled per value; {top}", loc="left", fontsize=10)
    fig.suptitle(f"Sweep: where the accelerator-hours go against {labels[x]}", fontsize=13)
    return save(fig, path)


def _agree_note(cells) -> str:
    return "; (k/n): k of its n members agree" if any(c["agree"] != c["n"] for c in cells) else ""


def _limit_label(cell: dict) -> str:
    name = "none" if cell["limit"] == "none" else cause_label(cell["limit"])
    return name + (f" ({cell['agree']}/{cell['n']})" if cell["agree"] != cell["n"] else "")


def limiting_figure(frame, varying: list[str], labels: dict, fmt_value, path: Path):
    """(path, title, caption) of the limiting-factor figure, or None when no member has the
    ledger or nothing varies."""
    if not has_ledger(frame):
        return None
    axes = axes_for(frame, varying)
    if len(axes) >= 2:
        x, y = axes[:2]
        return (fig_limiting_map(frame, x, y, labels, fmt_value, path), "Limiting factor over the grid",
                f"Each cell: the members with that `{x}` (x) and `{y}` (y) pooled; its colour is the limiting "
                "factor (the largest loss other than no demand) of their summed accelerator ledger, its "
                "label the delivered share of capacity (and, where members disagree, how many share the "
                "cell's limiting factor).")
    if len(axes) == 1:
        x = axes[0]
        return (fig_limiting_line(frame, x, labels, fmt_value, path), "Limiting factor against the parameter",
                f"Delivered and lost shares of the installed accelerator-hours against `{x}`, the members "
                "with each value pooled; the limiting factor (the largest loss other than no demand) "
                "is named over each.")
    return None


def ledger_cells(row: dict) -> list[str]:
    """The members table's ledger cells: delivered share [%] and limiting factor, or blanks."""
    capacity = row.get("capacity_accel_h")
    if row.get("status") != "complete" or not isinstance(capacity, float) or not capacity > 0:
        return ["", ""]
    return [fmt(100.0 * row[key_of("delivered")] / capacity, 3), str(row.get("limiting_factor", ""))]

