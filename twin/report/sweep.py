"""``twin report`` of a sweep: figures of headline metrics against the swept parameters and a
Markdown table of every member, from the sweep's ``summary.h5`` (``twin report runs/<sweep>/`` or
``twin report runs/<sweep>/summary.h5``).

- ``sweep_limiting.png`` (members with the accelerator ledger): how the limiting factor shifts
  across the parameters (:mod:`twin.report.sweep_ledger`);
- ``sweep_heatmaps.png`` (two or more grid parameters): each headline metric over the first two,
  one cell per pair of values, averaged over everything else (seeds, samples, other parameters);
- ``sweep_parameters.png`` (one or more parameters): each metric against the first parameter,
  every member a point, coloured by the second parameter, with the mean per value as a line;
- ``sweep_cost_distribution.png`` and ``sweep_cost_tornado.png`` (sampled parameters, members with
  the economics keys): P10/P50/P90 of the cost per delivered accelerator-hour and which parameters
  move it most (:mod:`twin.report.sweep_cost`).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from twin.output.reader import RunFileError
from twin.report.style import STYLE, fmt, save
from twin.output.sweep_table import is_sweep_file, read_summary_table
from twin.report.sweep_cost import cost_report
from twin.report.sweep_ledger import has_ledger, ledger_cells, limiting_figure

# (summary key, label, unit, scale from the summary's unit)
METRICS = (
    ("work_delivered_accel_h", "work delivered", "accelerator-h", 1.0),
    ("utilization_mean", "mean utilisation", "%", 100.0),
    ("node_hours_throttled", "throttled", "node-h", 1.0),
    ("node_hours_safe", "safe mode", "node-h", 1.0),
    ("node_hours_thermal_shutdown", "thermal shutdown", "node-h", 1.0),
    ("energy_curtailed_wh", "curtailed energy", "kWh", 1e-3),
    ("wait_mean_s", "mean job wait", "min", 1.0 / 60.0),
    ("jobs_completed", "jobs completed", "1", 1.0),
)
MAX_HEATMAP_VALUES = 24    # distinct values per axis beyond which a heatmap is unreadable
MAX_COLOUR_GROUPS = 8      # distinct values of the colour parameter drawn as separate lines
MAX_TABLE_ROWS = 200       # members listed in summary.md


def find_sweep_summary(path) -> Path | None:
    """The sweep summary behind ``path`` (a sweep folder or its summary.h5), or None."""
    path = Path(path)
    candidate = path / "summary.h5" if path.is_dir() else path
    return candidate if candidate.is_file() and is_sweep_file(candidate) else None


def _short(names: list[str]) -> list[str]:
    short = [n.rsplit(".", 1)[-1] for n in names]
    return short if len(set(short)) == len(short) else list(names)


def _metrics(frame) -> list[tuple]:
    """Headline metrics present among complete members, and not zero for all of them (a panel of
    zeros, e.g. no thermal shutdown anywhere, says less than the table does)."""
    ok = frame[frame["status"] == "complete"]
    out = []
    for key, label, unit, scale in METRICS:
        values = ok[key].to_numpy(dtype=float) if key in ok else np.zeros(0)
        values = values[np.isfinite(values)]
        if len(values) and values.any():
            out.append((key, label, unit, scale))
    return out


def _varying(frame, parameters: list[str]) -> list[str]:
    return [p for p in parameters if p in frame and frame[p].nunique(dropna=False) > 1]


def _fmt(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return fmt(value)


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)  # Agg, without pyplot's global state
    return fig


def fig_heatmaps(frame, x: str, y: str, metrics, labels, path: Path) -> Path:
    import matplotlib

    ok = frame[frame["status"] == "complete"]
    xs, ys = sorted(frame[x].dropna().unique()), sorted(frame[y].dropna().unique())
    cols = min(4, len(metrics))
    rows = math.ceil(len(metrics) / cols)
    fig = _figure(3.6 * cols + 1.0, 3.2 * rows + 0.8)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, (key, label, unit, scale) in zip(axes, metrics):
        grid = np.full((len(ys), len(xs)), np.nan)
        means = ok.groupby([y, x])[key].mean()
        for (yv, xv), value in means.items():
            grid[ys.index(yv), xs.index(xv)] = value * scale
        cmap = matplotlib.colormaps["viridis"].with_extremes(bad="#d9d9d9")
        image = ax.imshow(np.ma.masked_invalid(grid), origin="lower", aspect="auto", cmap=cmap)
        fig.colorbar(image, ax=ax, shrink=0.85)
        finite = grid[np.isfinite(grid)]
        middle = (finite.min() + finite.max()) / 2 if len(finite) else 0.0
        for (i, j), value in np.ndenumerate(grid):
            text = "failed" if not np.isfinite(value) else _fmt(float(f"{value:.3g}"))
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if np.isfinite(value) and value < middle else "black")
        ax.set_xticks(range(len(xs)), [_fmt(v) for v in xs])
        ax.set_yticks(range(len(ys)), [_fmt(v) for v in ys])
        ax.set_xlabel(labels[x])
        ax.set_ylabel(labels[y])
        ax.set_title(f"{label} [{unit}]", fontsize=11)
        ax.grid(False)
    for ax in axes[len(metrics):]:
        ax.set_visible(False)
    fig.suptitle("Sweep: each metric over the first two parameters (mean over the other members)", fontsize=13)
    return save(fig, path)


def fig_parameters(frame, x: str, colour: str | None, metrics, labels, path: Path) -> Path:
    ok = frame[frame["status"] == "complete"]
    cols = min(4, len(metrics))
    rows = math.ceil(len(metrics) / cols)
    fig = _figure(3.6 * cols + 1.0, 3.0 * rows + 0.9)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    groups = [(None, ok)]
    if colour is not None and ok[colour].nunique() <= MAX_COLOUR_GROUPS:
        groups = list(ok.groupby(colour, sort=True))
    palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
    discrete = ok[x].nunique() <= MAX_HEATMAP_VALUES
    for ax, (key, label, unit, scale) in zip(axes, metrics):
        for n, (value, group) in enumerate(groups):
            c = palette[n % len(palette)]
            name = None if value is None else f"{labels[colour]} = {_fmt(value)}"
            ax.scatter(group[x], group[key] * scale, s=18, color=c, alpha=0.7, label=name)
            if discrete:
                mean = group.groupby(x)[key].mean() * scale
                ax.plot(mean.index, mean.values, color=c, linewidth=1.3)
        ax.set_xlabel(labels[x])
        ax.set_title(f"{label} [{unit}]", fontsize=11)
    for ax in axes[len(metrics):]:
        ax.set_visible(False)
    if len(groups) > 1:
        handles, names = axes[0].get_legend_handles_labels()
        fig.legend(handles, names, loc="outside lower center", ncols=min(4, len(groups)), framealpha=0.9)
    fig.suptitle(f"Sweep: each metric against {labels[x]} (points: members; lines: means)", fontsize=13)
    return save(fig, path)


def _markdown(summary_path: Path, frame, attrs: dict, parameters: list[str], metrics, figures,
              sections: list[str] = ()) -> str:
    n = len(frame)
    n_ok = int((frame["status"] == "complete").sum())
    lines = [f"# twin sweep report: {attrs.get('name', summary_path.parent.name)}", "",
             "| | |", "|---|---|",
             f"| summary table | `{summary_path}` |",
             f"| sweep file | `{attrs.get('sweep_file', '?')}` |",
             f"| base config | `{attrs.get('base_file', '?')}` |",
             f"| members | {n:,}: {n_ok:,} complete, {n - n_ok:,} failed or not run |",
             f"| parameters | {', '.join(f'`{p}`' for p in parameters) or 'none'} |"]
    if attrs.get("shard_by"):
        lines.append(f"| sharded | by {attrs['shard_by']} (each member one combined run file) |")
    lines.append("")
    failed = frame[frame["status"] != "complete"]
    if len(failed):
        lines += ["## Failed members", "", "| member | status | error |", "|---|---|---|"]
        lines += [f"| `{r.member_id}` | {r.status} | {str(r.error).replace('|', '/')} |" for r in failed.itertuples()]
        lines.append("")
    lines += list(sections)   # e.g. the cost percentiles: results before the figures that draw them
    if figures:
        lines += ["## Figures", ""]
        for path, title, caption in figures:
            lines += [f"### {title}", "", f"![{title}]({path.name})", "", caption, ""]
    short = dict(zip(parameters, _short(parameters)))
    ledger = has_ledger(frame)
    header = ["member", "status", *[f"`{short[p]}`" for p in parameters],
              *(["delivered [% of capacity]", "limiting factor"] if ledger else []),
              *[f"{label} [{unit}]" for _, label, unit, _ in metrics]]
    lines += ["## Members", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in frame.head(MAX_TABLE_ROWS).to_dict("records"):
        cells = [f"`{row['member_id']}`", row["status"], *[_fmt(row[p]) for p in parameters]]
        cells += ledger_cells(row) if ledger else []
        cells += [_fmt(row[k] * scale) if row["status"] == "complete" else "" for k, _, _, scale in metrics]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    if n > MAX_TABLE_ROWS:
        lines.append(f"\n{n - MAX_TABLE_ROWS:,} more members in the summary table.")
    lines.append("")
    return "\n".join(lines)


def write_sweep_report(summary_path, out_dir) -> list[Path]:
    """Figures (PNG) and ``summary.md`` of a sweep into ``out_dir``; returns the paths."""
    import matplotlib

    summary_path = Path(summary_path)
    try:
        frame, attrs = read_summary_table(summary_path)
    except (OSError, KeyError, ValueError) as err:
        raise RunFileError(f"{summary_path}: damaged sweep summary ({str(err).splitlines()[0]})") from None
    parameters = [p for p in attrs.get("parameters", []) if p in frame]
    labels = dict(zip(parameters, _short(parameters)))
    metrics = _metrics(frame)
    varying = _varying(frame, parameters)
    numeric = [p for p in varying if np.issubdtype(frame[p].dtype, np.number)]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    figures = []
    with matplotlib.rc_context(STYLE):
        limiting = limiting_figure(frame, varying, labels, _fmt, out_dir / "sweep_limiting.png")
        if limiting is not None:
            figures.append(limiting)
        if metrics and len(varying) >= 2 and all(frame[p].nunique() <= MAX_HEATMAP_VALUES for p in varying[:2]):
            x, y = varying[:2]
            figures.append((fig_heatmaps(frame, x, y, metrics, labels, out_dir / "sweep_heatmaps.png"),
                            "Metrics over the grid",
                            f"Each headline metric over `{x}` (x) and `{y}` (y), averaged over the other "
                            "members with the same pair of values; `failed` where none completed."))
        if metrics and numeric:
            x = numeric[0]
            colour = next((p for p in varying if p != x), None)
            figures.append((fig_parameters(frame, x, colour, metrics, labels, out_dir / "sweep_parameters.png"),
                            "Metrics against the parameters",
                            f"Each headline metric against `{x}`, one point per complete member"
                            + (f", coloured by `{colour}`" if colour else "") + "; lines join the means."))
        cost_figures, cost_lines = cost_report(frame, attrs, parameters, labels, out_dir)
        figures += cost_figures
    md = out_dir / "summary.md"
    md.write_text(_markdown(summary_path, frame, attrs, parameters, metrics, figures, cost_lines))
    return [p for p, _, _ in figures] + [md]
