"""The sweep report's cost uncertainty: a Monte Carlo sweep (``samples:`` in the sweep file) whose
members carry the economics keys of ``/summary`` (:mod:`twin.economics.cost`) gets

- P10/P50/P90 of the cost per delivered accelerator-hour, of the ground's cost of the same work and
  of the break-even launch price, over the members that completed;
- ``sweep_cost_distribution.png``: each one's histogram with its empirical CDF and percentiles;
- ``sweep_cost_tornado.png``: for each sampled parameter, the median cost of the members in the
  lowest 20 % of its draws against that of the highest 20 %, as bars from the P50 of all, sorted
  by the swing between them; with the Spearman rank correlation of the parameter and the cost.

The tornado's tails are by rank (the 20 % of members with the lowest draws, ties broken by
member order), not by value, so every bar pools the same number of members whatever the shape of
its distribution. With a few dozen members, one dominant parameter (the launch price) leaks into
every other's tails, so a bar's swing is set against the noise level: the P90 of the swing between
two random, disjoint sets of as many members (a parameter unrelated to the cost gives such a
swing); bars below it are drawn faded. Spearman's rho is the Pearson correlation of average ranks,
in numpy: the report stays light. The sampled parameters are read from the sweep file the table keeps
(``sweep_yaml``); a table without it counts every parameter but the seeds as sampled.
A member that delivered nothing costs +inf per hour: it stays in the percentiles and the tornado
(an honest P90 of inf) and is left out of the histograms only.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from twin.report.style import fmt, save

SEED_KEY = "simulation.seed"         # replicates of the job stream, never a cost driver to rank
COST_KEY = "cost_per_delivered_accel_h_usd"
GROUND_KEY = "ground_cost_per_accel_h_usd"
BREAKEVEN_KEY = "breakeven_launch_usd_per_kg"
# (summary key, label, unit)
QUANTITIES = (
    (COST_KEY, "orbit: cost per delivered accelerator-hour", "USD/accel-h"),
    (GROUND_KEY, "ground: cost of the same accelerator-hour", "USD/accel-h"),
    (BREAKEVEN_KEY, "break-even launch price", "USD/kg"),
)
PERCENTILES = (10, 50, 90)
TAIL = 0.2                 # share of the draws in each end of a tornado bar
MIN_MEMBERS = 5            # fewer than this and 20 % tails are single members: no report
NOISE_DRAWS = 1000         # random splits behind the noise level (fixed seed: same report each time)
NOISE_QUANTILE = 90
LOW_COLOUR, HIGH_COLOUR, MID_COLOUR = "#1f77b4", "#d62728", "#4d4d4d"


# ---------------------------------------------------------------- statistics
def percentiles(values, qs=PERCENTILES) -> np.ndarray:
    """Percentiles ``qs`` of ``values`` (NaN left out; +-inf kept), linear between order statistics
    as numpy's default. Between a number and an infinity the answer is that infinity (numpy's
    interpolation can give inf - inf = NaN there)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if not len(v):
        return np.full(len(qs), np.nan)
    with np.errstate(invalid="ignore"):
        linear = np.percentile(v, qs)
    lower, higher = np.percentile(v, qs, method="lower"), np.percentile(v, qs, method="higher")
    # lower != higher only where the weight on each neighbour is > 0, so an infinite one wins
    out = np.where(np.isposinf(higher), np.inf, np.where(np.isneginf(lower), -np.inf, linear))
    return np.where(lower == higher, lower, out)


def ranks(values) -> np.ndarray:
    """Ranks 1..n of ``values``, ties given the mean of the ranks they share (as Spearman needs)."""
    v = np.asarray(values, dtype=float)
    _, inverse, counts = np.unique(v, return_inverse=True, return_counts=True)
    first = np.cumsum(counts) - counts                 # 0-based rank of each distinct value's first
    return (first + (counts + 1) / 2.0)[inverse.ravel()]


def spearman(x, y) -> float:
    """Spearman's rank correlation of ``x`` and ``y`` (pairs with a NaN left out); NaN when either
    is constant or fewer than 3 pairs remain."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    if keep.sum() < 3:
        return float("nan")
    rx, ry = ranks(x[keep]), ranks(y[keep])
    rx, ry = rx - rx.mean(), ry - ry.mean()
    norm = np.sqrt((rx * rx).sum() * (ry * ry).sum())
    return float((rx * ry).sum() / norm) if norm > 0 else float("nan")


def split_noise(values, k: int, draws: int = NOISE_DRAWS, q: float = NOISE_QUANTILE, seed: int = 0) -> float:
    """The ``q``-th percentile of |median(A) - median(B)| over random disjoint sets A, B of ``k`` of
    ``values``: the swing a tornado bar shows for a parameter that does not matter at all."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) < 2 * k or k < 1:
        return float("nan")
    rng = np.random.default_rng(seed)
    picks = np.argsort(rng.random((draws, len(v))), axis=1)[:, :2 * k]   # a permutation's first 2k
    with np.errstate(invalid="ignore"):
        swings = np.abs(np.median(v[picks[:, :k]], axis=1) - np.median(v[picks[:, k:]], axis=1))
    return float(percentiles(swings, (q,))[0])


def tornado(frame, parameters: list[str], key: str = COST_KEY, tail: float = TAIL) -> list[dict]:
    """One row per parameter: the median of ``key`` among the members with the lowest ``tail`` of
    the parameter's draws (``low``) and the highest (``high``), ``swing`` = |high - low|, the
    parameter's values bounding each tail, Spearman's ``rho``; sorted by swing, largest first
    (a NaN swing last)."""
    rows = []
    for p in parameters:
        x = frame[p].to_numpy(dtype=float)
        y = frame[key].to_numpy(dtype=float)
        keep = ~(np.isnan(x) | np.isnan(y))
        x, y = x[keep], y[keep]
        n = len(x)
        k = max(1, int(round(tail * n)))
        if n < 2 * k or n < 2:
            continue
        order = np.argsort(x, kind="stable")
        lo, hi = order[:k], order[-k:]
        low, high = float(np.median(y[lo])), float(np.median(y[hi]))
        with np.errstate(invalid="ignore"):
            swing = abs(high - low)
        rows.append({"parameter": p, "n": n, "k": k, "low": low, "high": high, "swing": swing,
                     "low_upto": float(x[lo].max()), "high_from": float(x[hi].min()),
                     "rho": spearman(x, y)})
    return sorted(rows, key=lambda r: -r["swing"] if np.isfinite(r["swing"]) else np.inf)


# ---------------------------------------------------------------- which members and parameters
def sample_distributions(attrs: dict) -> dict | None:
    """``samples.params`` of the sweep file the table was written from: {} when it samples nothing,
    None when the table does not keep a readable sweep file."""
    import yaml

    text = attrs.get("sweep_yaml")
    try:
        data = yaml.safe_load(text) if isinstance(text, str) and text else None
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict):
        return None
    samples = data.get("samples")
    params = samples.get("params") if isinstance(samples, dict) else None
    return dict(params) if isinstance(params, dict) else {}


def sampled_parameters(frame, attrs: dict, parameters: list[str]) -> list[str]:
    """The sampled parameters that are numbers and vary among the members, in the table's order."""
    dists = sample_distributions(attrs)
    names = [p for p in parameters if p != SEED_KEY] if dists is None else [p for p in parameters if p in dists]
    return [p for p in names if p in frame and np.issubdtype(frame[p].dtype, np.number)
            and frame[p].nunique() > 1]


def costed_members(frame):
    """Complete members with a cost (+inf included: they delivered nothing)."""
    if COST_KEY not in frame:
        return frame.iloc[0:0]
    ok = frame[frame["status"] == "complete"]
    return ok[~np.isnan(ok[COST_KEY].to_numpy(dtype=float))]


def _members(k: int) -> str:
    return f"{k} member" + ("" if k == 1 else "s")


def _distribution_text(spec) -> str:
    if not isinstance(spec, dict) or len(spec) != 1:
        return ""
    (kind, args), = spec.items()
    if isinstance(args, (list, tuple)):
        return f"{kind} " + " / ".join(fmt(float(a)) if isinstance(a, (int, float)) else str(a) for a in args)
    return f"{kind} {args}"


# ---------------------------------------------------------------- figures
def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)  # Agg, without pyplot's global state
    return fig


def fig_distribution(members, quantities, path: Path) -> Path:
    """Histogram, empirical CDF and P10/P50/P90 of each quantity, one panel each."""
    from matplotlib.ticker import MaxNLocator

    fig = _figure(5.2 * len(quantities) + 0.6, 4.4)
    axes = fig.subplots(1, len(quantities), squeeze=False).ravel()
    ground_p50 = percentiles(members[GROUND_KEY])[1] if GROUND_KEY in members else np.nan
    for ax, (key, label, unit) in zip(axes, quantities):
        values = members[key].to_numpy(dtype=float)
        finite = np.sort(values[np.isfinite(values)])
        p10, p50, p90 = percentiles(values)
        bins = int(np.clip(np.ceil(np.sqrt(len(finite))) + 2, 6, 30))
        span = None
        if len(finite) and finite[-1] - finite[0] <= 1e-9 * max(abs(finite[-1]), abs(finite[0]), 1e-300):
            # (nearly) the same value everywhere: numpy cannot cut such a range into bins
            half = max(0.01 * abs(finite[0]), 1e-9)
            span = (finite[0] - half, finite[0] + half)
        ax.hist(finite, bins=bins, range=span, color="#9ecae1", edgecolor="white", label="members")
        ax.set_xlabel(f"{label} [{unit}]")
        ax.set_ylabel("members")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))   # counts of members
        cdf = ax.twinx()
        # the ECDF over every member: a member of infinite cost keeps the curve below 1
        cdf.step(finite, np.arange(1, len(finite) + 1) / len(values), where="post", color=MID_COLOUR,
                 linewidth=1.4, label="cumulative share")
        cdf.set_ylim(0.0, 1.02)
        cdf.set_ylabel("share of members at or below")
        cdf.grid(False)
        for q, value, style in ((10, p10, ":"), (50, p50, "--"), (90, p90, ":")):
            if np.isfinite(value):
                ax.axvline(value, color="black", linestyle=style, linewidth=1.1)
                ax.annotate(f"P{q}", (value, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -12),
                            textcoords="offset points", fontsize=9)
        if key == COST_KEY and np.isfinite(ground_p50):
            ax.axvline(ground_p50, color="#2ca02c", linewidth=1.6, label=f"ground P50 ({fmt(ground_p50)})")
            ax.legend(loc="center right", fontsize=9, framealpha=0.9)
        if key == BREAKEVEN_KEY and len(finite) and finite[0] < 0 < finite[-1]:
            ax.axvline(0.0, color="0.5", linewidth=0.8)
        ax.set_title(f"P10 {fmt(p10)}   P50 {fmt(p50)}   P90 {fmt(p90)}", fontsize=10, loc="left")
    n_inf = int(np.isinf(members[COST_KEY].to_numpy(dtype=float)).sum())
    note = f"; {n_inf} delivered nothing (infinite cost, not drawn)" if n_inf else ""
    fig.suptitle(f"Sweep: cost uncertainty over {len(members)} sampled members{note}", fontsize=13)
    return save(fig, path)


def fig_tornado(rows: list[dict], p50: float, noise: float, labels: dict, path: Path) -> Path:
    """Bars from the P50 of all members to the median of each tail, largest swing on top; faded
    where the swing is within the ``noise`` of random splits."""
    fig = _figure(10.0, 0.55 * len(rows) + 2.2)
    ax = fig.subplots()
    position = np.arange(len(rows))[::-1]          # the first (largest swing) on top
    for y, row in zip(position, rows):
        faint = bool(np.isfinite(noise) and not row["swing"] > noise)
        for value, colour in ((row["low"], LOW_COLOUR), (row["high"], HIGH_COLOUR)):
            if np.isfinite(value):
                ax.barh(y, value - p50, left=p50, height=0.6, color=colour, edgecolor="0.3", linewidth=0.5,
                        alpha=0.3 if faint else 1.0)
                ax.annotate(fmt(value, 3), (value, y), xytext=(3 if value >= p50 else -3, 0),
                            textcoords="offset points", va="center", ha="left" if value >= p50 else "right",
                            fontsize=8)
    ax.axvline(p50, color=MID_COLOUR, linewidth=1.2)
    names = [f"{labels.get(r['parameter'], r['parameter'])}  (rho {r['rho']:+.2f})" for r in rows]
    ax.set_yticks(position, names)
    ax.grid(axis="y", visible=False)
    ax.margins(x=0.12)
    from matplotlib.patches import Patch

    k = rows[0]["k"] if rows else 0
    handles = [Patch(facecolor=LOW_COLOUR, label=f"lowest {100 * TAIL:.0f} % of its draws ({_members(k)})"),
               Patch(facecolor=HIGH_COLOUR, label=f"highest {100 * TAIL:.0f} % of its draws ({_members(k)})")]
    if np.isfinite(noise):
        handles.append(Patch(facecolor="0.6", alpha=0.3, label=f"faded: swing within the noise of random "
                                                                f"splits ({fmt(noise, 3)} USD)"))
    ax.legend(handles=handles, loc="lower right", fontsize=9, framealpha=0.9)
    ax.set_xlabel("median cost per delivered accelerator-hour [USD] (line: P50 of all members)")
    ax.set_title("which sampled parameters move the cost most; rho: Spearman rank correlation with the cost",
                 loc="left", fontsize=10)
    fig.suptitle("Sweep: tornado of the cost per delivered accelerator-hour", fontsize=13)
    return save(fig, path)


# ---------------------------------------------------------------- the report's part
def _markdown(members, frame, quantities, rows, noise, dists, labels, pooled: list[str]) -> list[str]:
    n_ok = int((frame["status"] == "complete").sum())
    lines = ["## Cost uncertainty (Monte Carlo)", "",
             f"{len(members):,} complete members with a cost"
             + (f" (of {n_ok:,} complete)" if n_ok != len(members) else "")
             + (f", pooled over {', '.join(f'`{p}`' for p in pooled)}" if pooled else "") + ".", "",
             "| quantity | P10 | P50 | P90 | unit |", "|---|---|---|---|---|"]
    for key, label, unit in quantities:
        p10, p50, p90 = percentiles(members[key])
        lines.append(f"| {label} | {fmt(p10)} | {fmt(p50)} | {fmt(p90)} | {unit} |")
    if GROUND_KEY in members:
        cost, ground = members[COST_KEY].to_numpy(dtype=float), members[GROUND_KEY].to_numpy(dtype=float)
        cheaper = int((cost < ground).sum())
        lines += ["", f"Orbit cheaper than the ground in {cheaper:,} of {len(members):,} members "
                      f"({100.0 * cheaper / len(members):.0f} %)."]
    if rows:
        k = rows[0]["k"]
        lines += ["", "### What moves the cost", "",
                  f"For each sampled parameter, the median cost per delivered accelerator-hour of the "
                  f"{_members(k)} with its lowest {100 * TAIL:.0f} % of draws and of the {k} with its highest, "
                  "sorted by the swing between them; rho is Spearman's rank correlation of the parameter with the cost "
                  "over all members (+1: the cost rises with it). Noise level: two random, disjoint sets of "
                  f"{_members(k)} differ by up to {fmt(noise)} USD in median cost 9 times out of 10, so a smaller "
                  "swing does not single its parameter out (more members narrow it).", "",
                  "| parameter | distribution | lowest draws | median cost [USD/accel-h] | highest draws "
                  "| median cost [USD/accel-h] | swing | above noise | rho |", "|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            p = r["parameter"]
            above = "yes" if r["swing"] > noise else "no" if np.isfinite(noise) else ""
            lines.append(f"| `{labels.get(p, p)}` | {_distribution_text(dists.get(p))} | <= {fmt(r['low_upto'])} "
                         f"| {fmt(r['low'])} | >= {fmt(r['high_from'])} | {fmt(r['high'])} | {fmt(r['swing'])} "
                         f"| {above} | {r['rho']:+.2f} |")
    lines.append("")
    return lines


def cost_report(frame, attrs: dict, parameters: list[str], labels: dict, out_dir: Path):
    """``(figures, lines)`` of the cost uncertainty: figures as ``(path, title, caption)`` and
    Markdown lines for ``summary.md``; ``([], [])`` when the members have no cost or nothing was
    sampled (a grid is not a probability distribution: its percentiles would mean nothing)."""
    sampled = sampled_parameters(frame, attrs, parameters)
    members = costed_members(frame)
    if not sampled or len(members) < MIN_MEMBERS:
        return [], []
    quantities = [q for q in QUANTITIES if q[0] in members
                  and np.isfinite(members[q[0]].to_numpy(dtype=float)).any()]
    if not quantities or quantities[0][0] != COST_KEY:
        return [], []
    out_dir = Path(out_dir)
    rows = tornado(members, sampled)
    p50 = float(percentiles(members[COST_KEY])[1])
    noise = split_noise(members[COST_KEY], rows[0]["k"]) if rows else float("nan")
    figures = [(fig_distribution(members, quantities, out_dir / "sweep_cost_distribution.png"),
                "Cost uncertainty",
                "Histogram of the complete members (bars), their cumulative share (line) and the P10, P50 "
                "and P90 (vertical lines) of the cost per delivered accelerator-hour"
                + (", of the ground's cost of the same work (the green line in the first panel: its P50)"
                   if any(q[0] == GROUND_KEY for q in quantities) else "")
                + (" and of the break-even launch price (the price per kg at which orbit costs what the ground "
                   "does; negative: orbit loses even with free launch)"
                   if any(q[0] == BREAKEVEN_KEY for q in quantities) else "") + ".")]
    if rows and np.isfinite(p50):
        figures.append((fig_tornado(rows, p50, noise, labels, out_dir / "sweep_cost_tornado.png"),
                        "Tornado: what moves the cost",
                        f"For each sampled parameter, bars from the P50 of all members ({fmt(p50)} USD) to the "
                        f"median cost of the members in the lowest (blue) and highest (red) {100 * TAIL:.0f} % of its "
                        "draws; the largest swing on top; faded where the swing is within the noise of "
                        "random splits. rho: Spearman rank correlation of the parameter with the cost."))
    varying = [p for p in parameters if p not in sampled and p in frame and frame[p].nunique() > 1]
    return figures, _markdown(members, frame, quantities, rows, noise, sample_distributions(attrs) or {},
                              labels, varying)
