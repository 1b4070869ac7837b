"""``twin report``: PNG figures and a Markdown summary of one run file (or of a sweep: see
:mod:`twin.scaleout.report`).

The figures show the constellation as min / median / max bands over time (state of charge,
temperatures, power), an eclipse map, the job wait distribution, and utilisation with node modes.
Large files are read with strides, so that no more than about 50 M values are loaded however big
the run: at most ``MAX_TIME_POINTS`` records and ``MAX_VALUES_PER_VARIABLE`` values per variable.
The report says when it sampled.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from twin.constants import CELSIUS_ZERO_K, SECONDS_PER_DAY, SECONDS_PER_HOUR
from twin.kernels.layout import MODE_NAMES
from twin.output.reader import RunFileError, n_records, open_h5, read_summary, read_table, reading
from twin.report_style import STYLE, fmt as _fmt, save as _save, unit_of  # shared with the sweep report

MAX_TIME_POINTS = 2000                # records per time series: more than a figure has pixels
MAX_VALUES_PER_VARIABLE = 4_000_000   # x 9 variables + eclipse window and blocks + jobs < ~50 M
MAX_JOB_ROWS = 2_000_000
ECLIPSE_WINDOW_S = 86400.0            # the eclipse map's full-resolution window [s]
ECLIPSE_BINS = 150                    # time bins of the whole-run eclipse map (long runs)
ECLIPSE_BLOCK_S = 4 * 3600.0          # records read per bin: two or more LEO orbits [s]

BAND_VARIABLES = ("soc", "electronics_temp_k", "radiator_temp_k", "solar_power_w", "load_power_w",
                  "compute_power_w", "curtailed_power_w")
MODE_COLOURS = ("#4c9a2a", "#f2b134", "#8c8c8c", "#d1495b", "#5b2a86")


@dataclass
class RunSample:
    """What the report reads from a run file: strided /state samples, the eclipse window at
    full time resolution, job waits, and the file's attributes and summary."""
    path: Path
    attrs: dict
    summary: dict
    config: dict
    n_records: int
    n_sats: int
    n_planes: int
    record_stride: int
    sat_stride: int
    time_s: np.ndarray                          # (R',) end of each sampled record [s]
    plane: np.ndarray                           # (N',) plane of each sampled satellite
    bands: dict = field(default_factory=dict)   # name -> (min, median, max) over satellites, (R',) each
    utilization_mean: np.ndarray = None         # (R',) mean over satellites [1]
    mode_counts: np.ndarray = None              # (modes, R') satellites per mode, scaled to N
    window_time_s: np.ndarray = None            # (W,) eclipse window at full resolution
    window_sunlit: np.ndarray = None            # (W, N')
    waits_s: np.ndarray = None                  # start_s - submit_s of started jobs [s]
    jobs_total: int = 0
    jobs_not_started: int = 0
    binned_sunlit: np.ndarray = None            # (bins, N'') orbit-mean sunlit fraction, long runs
    binned_plane: np.ndarray = None             # (N'',) their planes
    binned_sat_stride: int = 1
    bin_edges_s: np.ndarray = None              # (bins + 1,) [s]
    block_s: float = 0.0                        # records averaged at the start of each bin [s]
    job_stride: int = 1
    file_bytes: int = 0

    @property
    def sampled(self) -> bool:
        return self.record_stride > 1 or self.sat_stride > 1


def _strides(n_rec: int, n_sats: int) -> tuple[int, int]:
    record_stride = max(1, math.ceil(n_rec / MAX_TIME_POINTS))
    n_times = max(1, math.ceil(n_rec / record_stride))
    sat_stride = max(1, math.ceil(n_sats * n_times / MAX_VALUES_PER_VARIABLE))
    return record_stride, sat_stride


def _bands(values: np.ndarray) -> tuple:
    """(min, median, max) over satellites (axis 1) at each time, float64."""
    values = values.astype(np.float64, copy=False)
    if not np.isnan(values).any():  # np.nanmedian is slow; NaN is not expected in a run file
        return values.min(axis=1), np.median(values, axis=1), values.max(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows stay NaN
        return np.nanmin(values, axis=1), np.nanmedian(values, axis=1), np.nanmax(values, axis=1)


def _config(attrs: dict) -> dict:
    import yaml

    try:
        config = yaml.safe_load(attrs.get("config_yaml", "") or "")
    except yaml.YAMLError:
        return {}
    return config if isinstance(config, dict) else {}


def _lookup(config: dict, dotted: str):
    node = config
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def read_sample(path) -> RunSample:
    """Read what the figures need, with strides on large files; RunFileError on a bad file."""
    path = Path(path)
    with open_h5(path) as f, reading(path):
        n_rec = n_records(f)
        if n_rec == 0:
            raise RunFileError(f"{path}: no records yet, nothing to report")
        n_sats = f["sat/index"].shape[0]
        ts, ss = _strides(n_rec, n_sats)
        rows = slice((n_rec - 1) % ts, n_rec, ts)  # ends on the last record
        cols = slice(0, n_sats, ss)
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        plane = f["sat/plane"][cols]
        sample = RunSample(path=path, attrs=attrs, summary=read_summary(f), config=_config(attrs),
                           n_records=n_rec, n_sats=n_sats, n_planes=len(np.unique(f["sat/plane"][...])),
                           record_stride=ts, sat_stride=ss, time_s=f["time"][rows], plane=plane,
                           file_bytes=path.stat().st_size)
        # one variable at a time, reduced over satellites at once: memory stays at one sample
        for name in BAND_VARIABLES:
            sample.bands[name] = _bands(f["state"][name][rows, cols])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows stay NaN
            sample.utilization_mean = np.nanmean(f["state/utilization"][rows, cols].astype(np.float64), axis=1)
        mode = f["state/mode"][rows, cols]
        weight = n_sats / mode.shape[1]  # scales the sampled satellites up to the constellation
        sample.mode_counts = np.stack([(mode == m).sum(axis=1) * weight for m in range(len(MODE_NAMES))])
        del mode
        time_all = f["time"]
        if n_rec <= MAX_TIME_POINTS:  # the whole run at full resolution
            window = n_rec
        else:  # the first day (at most MAX_TIME_POINTS records), then orbit means of the rest
            window = int(np.searchsorted(time_all[:MAX_TIME_POINTS], ECLIPSE_WINDOW_S, "right"))
            window = max(1, min(window, MAX_TIME_POINTS))
        sample.window_time_s = time_all[:window]
        sample.window_sunlit = f["state/sunlit_fraction"][:window, cols]
        if n_rec > 3 * window:  # long enough for a whole-run view of eclipse seasons
            _read_sunlit_blocks(f, sample, cols)
        n_jobs = f["jobs"].shape[0]
        sample.job_stride = max(1, math.ceil(n_jobs / MAX_JOB_ROWS))
        jobs = read_table(f, "jobs", ("submit_s", "start_s"), step=sample.job_stride)
    started = np.isfinite(jobs["start_s"].to_numpy())
    sample.waits_s = (jobs["start_s"] - jobs["submit_s"]).to_numpy()[started]
    sample.jobs_total = n_jobs
    sample.jobs_not_started = int((~started).sum()) * sample.job_stride
    return sample


def _orbit_records(sunlit: np.ndarray) -> np.ndarray:
    """Per satellite (column), the median number of records between eclipse entries in
    ``sunlit`` (R, N), or 0 where fewer than two entries show (e.g. a dawn-dusk orbit)."""
    dark = sunlit < 0.5
    entries = dark[1:] & ~dark[:-1]
    period = np.zeros(sunlit.shape[1])
    for i in range(sunlit.shape[1]):
        at = np.flatnonzero(entries[:, i])
        if len(at) >= 2:
            period[i] = float(np.median(np.diff(at)))
    return period


def _read_sunlit_blocks(f, sample: RunSample, cols: slice) -> None:
    """Whole-run orbit-mean sunlit fraction in up to ``ECLIPSE_BINS`` time bins, so that eclipse
    seasons show rather than the aliased orbit. Each bin reads a contiguous block of
    ``ECLIPSE_BLOCK_S`` at its start and averages each satellite over a whole number of its
    orbits (the period comes from its eclipse entries in the full-resolution window); on very
    large files the blocks are read for fewer satellites, to stay within MAX_VALUES_PER_VARIABLE."""
    n_rec = sample.n_records
    record_s = float(sample.attrs.get("record_every_s", 60.0) or 60.0)
    block = max(1, math.ceil(ECLIPSE_BLOCK_S / record_s))
    n_bins = max(1, min(ECLIPSE_BINS, n_rec // block))
    bin_records = math.ceil(n_rec / n_bins)
    n_bins = math.ceil(n_rec / bin_records)
    block = min(block, bin_records)
    n_cols = sample.window_sunlit.shape[1]
    extra = max(1, math.ceil(n_bins * block * n_cols / MAX_VALUES_PER_VARIABLE))
    cols = slice(cols.start, cols.stop, cols.step * extra)
    window = sample.window_sunlit[:, ::extra]
    period = _orbit_records(window)
    whole = np.where((period > 0) & (period <= block), np.floor(block / np.maximum(period, 1)) * period, block)
    d = f["state/sunlit_fraction"]
    means = np.empty((n_bins, window.shape[1]))
    columns = np.arange(window.shape[1])
    for b in range(n_bins):
        start = b * bin_records
        values = d[start:min(start + block, n_rec), cols].astype(np.float64)
        length = np.clip(np.rint(whole).astype(np.int64), 1, len(values))
        means[b] = np.cumsum(values, axis=0)[length - 1, columns] / length
    sample.binned_sunlit = means
    sample.binned_plane = sample.plane[::extra]
    sample.binned_sat_stride = cols.step
    sample.bin_edges_s = np.r_[0.0, _bin_end_times(f, bin_records, n_rec)]
    sample.block_s = block * record_s


def _bin_end_times(f, bin_records: int, n_rec: int) -> np.ndarray:
    """End time of each bin of ``bin_records`` records [s]."""
    ends = np.minimum(np.arange(bin_records, n_rec + bin_records, bin_records), n_rec) - 1
    return f["time"][ends]


# ---------------------------------------------------------------------- figures
def _time_axis(sample: RunSample, span_s: float | None = None):
    """(scale [s per unit], axis label) for a time axis from the epoch to ``span_s`` (default:
    the whole run): minutes up to two hours, hours up to three days, else days."""
    span = float(sample.time_s[-1]) if span_s is None else span_s
    epoch = str(sample.attrs.get("epoch_utc", "")).replace("T", " ").replace("+00:00", " UTC")
    if span < 2 * SECONDS_PER_HOUR:
        return 60.0, f"time since {epoch} [min]"
    if span <= 3 * SECONDS_PER_DAY:
        return SECONDS_PER_HOUR, f"time since {epoch} [h]"
    return SECONDS_PER_DAY, f"time since {epoch} [d]"


def _sat_note(sample: RunSample) -> str:
    n_used = math.ceil(sample.n_sats / sample.sat_stride)
    if sample.sat_stride > 1:
        return f"{n_used:,} of {sample.n_sats:,} satellites (one in {sample.sat_stride})"
    return f"{sample.n_sats:,} satellite{'s' if sample.n_sats != 1 else ''}"


def _plot_band(ax, x, bands, colour, label, scale=1.0):
    """Median line over a shaded min–max band; x-axis from the epoch to the last record."""
    lo, mid, hi = bands
    ax.fill_between(x, lo * scale, hi * scale, color=colour, alpha=0.25, linewidth=0,
                    label=f"{label}: min–max")
    ax.plot(x, mid * scale, color=colour, linewidth=1.4, marker="o" if len(x) < 3 else None,
            label=f"{label}: median")
    ax.set_xlim(0.0, x[-1])


def _new_figure(width=10.0, height=4.8, rows=1, sharex=True):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)  # Agg, without pyplot's global state
    axes = fig.subplots(rows, 1, sharex=sharex, squeeze=False)[:, 0]
    return fig, axes


def fig_soc(sample: RunSample, path: Path) -> Path:
    scale, xlabel = _time_axis(sample)
    x = sample.time_s / scale
    fig, (ax,) = _new_figure()
    _plot_band(ax, x, sample.bands["soc"], "#1f77b4", "state of charge", scale=100.0)
    for key, label, style in (("spacecraft.battery.min_soc", "min_soc (load shedding)", "--"),
                              ("spacecraft.battery.recover_soc", "recover_soc", ":")):
        level = _lookup(sample.config, key)
        if isinstance(level, (int, float)):
            ax.axhline(100.0 * level, color="#d1495b", linestyle=style, linewidth=1.2, label=label)
    ax.set_ylim(0, 100)
    ax.set_title(f"Battery state of charge across {_sat_note(sample)}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("state of charge [%]")
    ax.legend(loc="lower left", ncols=2, framealpha=0.9)
    return _save(fig, path)


def fig_temperatures(sample: RunSample, path: Path) -> Path:
    scale, xlabel = _time_axis(sample)
    x = sample.time_s / scale
    fig, axes = _new_figure(height=7.0, rows=2)
    panels = (("electronics_temp_k", "electronics node", "#d62728"),
              ("radiator_temp_k", "radiator node", "#1f77b4"))
    lo = min(float(np.nanmin(sample.bands[name][0])) for name, _, _ in panels)
    hi = max(float(np.nanmax(sample.bands[name][2])) for name, _, _ in panels)
    margin = 20.0  # [K] limits further than this from the data would only squash the bands
    limits = [(key, label, colour, _lookup(sample.config, key)) for key, label, colour in (
        ("spacecraft.thermal.shutdown_k", "shutdown", "#5b2a86"),
        ("spacecraft.thermal.throttle_start_k", "throttle start", "#f2b134"),
        ("spacecraft.thermal.heater_setpoint_k", "heater setpoint", "#17becf"))]
    for ax, (name, label, colour) in zip(axes, panels):
        _plot_band(ax, x, sample.bands[name], colour, label)
        if name == "electronics_temp_k":  # the limits act on the electronics node
            for _, limit, limit_colour, level in limits:
                if isinstance(level, (int, float)) and lo - margin <= level <= hi + margin:
                    ax.axhline(level, color=limit_colour, linestyle="--", linewidth=1.2,
                               label=f"{limit} ({level:.0f} K)")
        ax.set_ylim(lo - 3.0, hi + 3.0)
        ax.set_ylabel("temperature [K]")
        ax.secondary_yaxis("right", functions=(lambda k: k - CELSIUS_ZERO_K, lambda c: c + CELSIUS_ZERO_K)) \
            .set_ylabel("[°C]")
        ax.set_title(label, loc="left", fontsize=11)
        ax.legend(loc="upper left", bbox_to_anchor=(1.08, 1.0), framealpha=0.9)
    axes[-1].set_xlabel(xlabel)
    fig.suptitle(f"Electronics and radiator temperatures at the end of each record, {_sat_note(sample)}",
                 fontsize=13)
    return _save(fig, path)


POWER_PANELS = (("solar_power_w", "solar (delivered to the bus)", "#ff7f0e"),
                ("load_power_w", "load (bus + compute + heaters)", "#1f77b4"),
                ("compute_power_w", "compute (accelerators)", "#9467bd"),
                ("curtailed_power_w", "curtailed (neither used nor stored)", "#7f7f7f"))


def fig_power(sample: RunSample, path: Path) -> Path:
    scale, xlabel = _time_axis(sample)
    x = sample.time_s / scale
    fig, axes = _new_figure(height=8.5, rows=len(POWER_PANELS))
    # the finite values only: a damaged file can hold inf, and matplotlib refuses infinite limits
    top = max(float(np.nanmax(np.where(np.isfinite(sample.bands[name][2]), sample.bands[name][2], np.nan),
                              initial=0.0)) for name, _, _ in POWER_PANELS) / 1e3
    for ax, (name, label, colour) in zip(axes, POWER_PANELS):
        _plot_band(ax, x, sample.bands[name], colour, "", scale=1e-3)
        ax.set_ylim(0, max(top, 1e-3) * 1.05)
        ax.set_ylabel("power [kW]")
        ax.set_title(label, loc="left", fontsize=11)
    axes[-1].set_xlabel(xlabel)
    from matplotlib.patches import Patch
    from matplotlib.lines import Line2D
    axes[0].legend(handles=[Patch(color="0.5", alpha=0.35, label="min–max over satellites"),
                            Line2D([], [], color="0.2", linewidth=1.4, label="median")],
                   loc="upper right", ncols=2, framealpha=0.9)
    fig.suptitle(f"Power per satellite (mean over each record interval), {_sat_note(sample)}",
                 fontsize=13)
    return _save(fig, path)


def _plane_order(plane: np.ndarray):
    """Satellites sorted by plane (stable, so index order within a plane), plane boundaries."""
    order = np.argsort(plane, kind="stable")
    sorted_planes = plane[order]
    starts = np.flatnonzero(np.r_[True, sorted_planes[1:] != sorted_planes[:-1]])
    return order, sorted_planes, starts


def _eclipse_image(ax, x_edges, image, plane, title, vmin=0.0):
    """Satellites (rows, sorted by plane) × time (columns) image of the sunlit fraction.
    Uniform time steps are drawn with imshow (fast for large images), others with pcolormesh."""
    order, sorted_planes, starts = _plane_order(plane)
    style = {"cmap": "cividis", "vmin": vmin, "vmax": 1.0}
    steps = np.diff(x_edges)
    if len(steps) and np.allclose(steps, steps[0], rtol=1e-6):
        im = ax.imshow(image[:, order].T, aspect="auto", origin="lower", interpolation="nearest",
                       extent=(x_edges[0], x_edges[-1], -0.5, len(order) - 0.5), **style)
    else:
        im = ax.pcolormesh(x_edges, np.arange(len(order) + 1) - 0.5, image[:, order].T,
                           shading="flat", rasterized=True, **style)
    for s in starts[1:]:
        ax.axhline(s - 0.5, color="0.55", linewidth=0.8)
    ends = np.r_[starts[1:], len(order)]
    every = max(1, math.ceil(len(starts) / 16))  # at most ~16 plane labels
    ticks = [(a + b - 1) / 2 for a, b in zip(starts[::every], ends[::every])]
    labels = [f"plane {p}" if p >= 0 else "plane unknown" for p in sorted_planes[starts][::every]]
    ax.set_yticks(ticks, labels)
    ax.grid(False)
    ax.set_title(title, loc="left", fontsize=11)
    return im


def fig_eclipse_map(sample: RunSample, path: Path) -> Path:
    scale, xlabel = _time_axis(sample)
    binned = sample.binned_sunlit
    fig, axes = _new_figure(height=5.5 if binned is None else 9.5, rows=1 if binned is None else 2,
                            sharex=False)
    t = sample.window_time_s
    x_edges = np.r_[0.0, t]  # the window starts at the first record, whose interval starts at 0
    if len(t) == sample.n_records:
        title, w_scale, w_label = "whole run, every record", scale, xlabel
    else:  # the first day, in hours
        title = f"first {t[-1] / SECONDS_PER_HOUR:.3g} h of {sample.time_s[-1] / SECONDS_PER_HOUR:,.4g} h, every record"
        w_scale, w_label = _time_axis(sample, float(t[-1]))
    im = _eclipse_image(axes[0], x_edges / w_scale, sample.window_sunlit, sample.plane, title)
    axes[0].set_xlabel(w_label)
    fig.colorbar(im, ax=axes[0], label="sunlit fraction [1]\n(0 = umbra, 1 = full Sun)")
    if binned is not None:
        vmin = max(0.0, math.floor(float(np.nanmin(binned)) * 20.0) / 20.0 - 0.05)
        bin_h = (sample.bin_edges_s[1] - sample.bin_edges_s[0]) / SECONDS_PER_HOUR
        fewer = (f", one satellite in {sample.binned_sat_stride:,}"
                 if sample.binned_sat_stride > sample.sat_stride else "")
        im = _eclipse_image(axes[1], sample.bin_edges_s / scale, binned, sample.binned_plane,
                            f"whole run: mean over whole orbits in the first {sample.block_s / SECONDS_PER_HOUR:.3g} h "
                            f"of every {bin_h:.3g} h{fewer}", vmin=vmin)
        axes[1].set_xlabel(xlabel)
        fig.colorbar(im, ax=axes[1], label="orbit-mean sunlit fraction [1]")
    fig.suptitle(f"Eclipse map: sunlit fraction per satellite, sorted by plane ({_sat_note(sample)})",
                 fontsize=13)
    return _save(fig, path)


def fig_job_wait(sample: RunSample, path: Path) -> Path:
    fig, (ax,) = _new_figure(height=5.0)
    waits_min = sample.waits_s / 60.0
    ax.set_xlabel("wait from submission to start [min]")
    if len(waits_min) == 0:
        ax.text(0.5, 0.5, f"no started jobs\n({sample.jobs_total:,} job rows in the file)",
                ha="center", va="center", transform=ax.transAxes, fontsize=14)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title("Job wait distribution")
        return _save(fig, path)
    top = max(float(waits_min.max()), 1.0)
    counts, _, _ = ax.hist(waits_min, bins=np.linspace(0.0, top, 41), color="#1f77b4", alpha=0.75,
                           label="jobs per bin (left axis)")
    if counts.max() > 20 * max(np.median(counts[counts > 0]), 1.0):
        ax.set_yscale("log")  # one crowded bin would flatten the rest
    ax.set_ylabel("jobs per bin" + (f" (one row in {sample.job_stride})" if sample.job_stride > 1 else ""))
    ax2 = ax.twinx()
    ranked = np.sort(waits_min)
    share = np.arange(1, len(ranked) + 1) / len(ranked) * 100.0
    if len(ranked) > 4000:  # more steps than pixels
        keep = np.unique(np.linspace(0, len(ranked) - 1, 4000).astype(np.int64))
        ranked, share = ranked[keep], share[keep]
    ax2.step(ranked, share, where="post",
             color="#d62728", linewidth=1.6, label="share of jobs waiting at most this long (right axis)")
    ax2.set_ylim(0, 101)
    ax2.set_ylabel("cumulative share of started jobs [%]")
    ax2.grid(False)
    for q, style in ((50, ":"), (95, "--")):
        value = float(np.percentile(waits_min, q))
        ax.axvline(value, color="0.2", linestyle=style, linewidth=1.1, label=f"p{q} = {_fmt(value, 3)} min")
    ax.set_xlim(0, top * 1.02)
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, framealpha=0.9)
    never = f"; {sample.jobs_not_started:,} never started" if sample.jobs_not_started else ""
    ax.set_title(f"Job wait distribution: {len(waits_min) * sample.job_stride:,} started jobs{never}")
    return _save(fig, path)


def fig_utilization(sample: RunSample, path: Path) -> Path:
    scale, xlabel = _time_axis(sample)
    x = sample.time_s / scale
    fig, (ax, ax_mode) = _new_figure(height=7.0, rows=2)
    ax.plot(x, sample.utilization_mean * 100.0, color="#1f77b4", linewidth=1.4, label="constellation mean")
    ax.set_ylim(0, 102)
    ax.set_ylabel("utilisation [%]")
    ax.set_title("Accelerator utilisation (busy accelerators × rate / accelerators)", loc="left", fontsize=11)
    ax.legend(loc="best", framealpha=0.9)
    ax_mode.stackplot(x, sample.mode_counts, labels=[n.replace("_", " ") for n in MODE_NAMES], colors=MODE_COLOURS,
                      alpha=0.9, linewidth=0)
    ax.set_xlim(0.0, x[-1])
    ax_mode.set_ylim(0, sample.n_sats * 1.02)
    ax_mode.set_ylabel("satellites" + (" (estimated)" if sample.sat_stride > 1 else ""))
    ax_mode.set_title("Satellites per node mode at the end of each record", loc="left", fontsize=11)
    ax_mode.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), framealpha=0.9)
    ax_mode.set_xlabel(xlabel)
    fig.suptitle(f"Utilisation and node modes, {_sat_note(sample)}", fontsize=13)
    return _save(fig, path)


FIGURES = (
    ("soc.png", "State of charge", fig_soc,
     "Battery state of charge at the end of each record: median over satellites and its min–max range."),
    ("temperatures.png", "Temperatures", fig_temperatures,
     "Electronics and radiator node temperatures at the end of each record: median and min–max over satellites."),
    ("power.png", "Power", fig_power,
     "Solar, load, compute and curtailed power per satellite, each a mean over its record interval."),
    ("eclipse_map.png", "Eclipse map", fig_eclipse_map,
     "Sunlit fraction of each satellite over time (dark: eclipse), satellites sorted by plane; "
     "runs longer than about three days add a whole-run panel of orbit-mean sunlit fraction."),
    ("job_wait.png", "Job waits", fig_job_wait,
     "Time from submission to start of every started job: histogram and cumulative share."),
    ("utilization.png", "Utilisation and node modes", fig_utilization,
     "Constellation-mean accelerator utilisation, and how many satellites are in each node mode."),
)


# ---------------------------------------------------------------------- Markdown
# (label, unit, function of the summary) — rows whose keys are missing are left out
HEADLINES = (
    ("Energy", (
        ("solar energy delivered to the bus", "kWh", lambda s: s["energy_solar_wh"] / 1e3),
        ("load energy (bus + compute + heaters)", "kWh", lambda s: s["energy_load_wh"] / 1e3),
        ("compute energy", "kWh", lambda s: s["energy_compute_wh"] / 1e3),
        ("heater energy", "kWh", lambda s: s["energy_heater_wh"] / 1e3),
        ("curtailed energy", "kWh", lambda s: s["energy_curtailed_wh"] / 1e3),
        ("battery losses (charge and discharge)", "kWh", lambda s: s["energy_loss_wh"] / 1e3),
        ("battery energy, start → end", "kWh",
         lambda s: f"{_fmt(s['battery_start_wh'] / 1e3)} → {_fmt(s['battery_end_wh'] / 1e3)}"),
        ("energy balance relative error", "1", lambda s: s["energy_balance_rel_error"]),
    )),
    ("Operations", (
        ("mean sunlit fraction", "%", lambda s: 100 * s["sunlit_fraction_mean"]),
        ("mean accelerator utilisation", "%", lambda s: 100 * s["utilization_mean"]),
        *((f"node-hours {name.replace('_', ' ')}", "h", lambda s, n=name: s[f"node_hours_{n}"])
          for name in MODE_NAMES),
    )),
    ("Jobs", (
        ("jobs submitted / completed / rejected", "1",
         lambda s: f"{s['jobs_submitted']:,} / {s['jobs_completed']:,} / {s['jobs_rejected']:,}"),
        ("jobs running / queued at the end", "1",
         lambda s: f"{s['jobs_running_at_end']:,} / {s['jobs_queued_at_end']:,}"),
        ("work delivered", "accelerator-h", lambda s: s["work_delivered_accel_h"]),
        ("compute delivered (at peak FLOP/s)", "FLOP", lambda s: s["flop_delivered"]),
        ("wait mean / p50 / p95 / p99", "min",
         lambda s: " / ".join(_fmt(s[k] / 60.0, 3) for k in ("wait_mean_s", "wait_p50_s", "wait_p95_s", "wait_p99_s"))),
        ("mean slowdown (turnaround / ideal run time)", "1", lambda s: s["slowdown_mean"]),
    )),
    ("Run", (
        ("satellites", "1", lambda s: s["n_satellites"]),
        ("simulated", "d", lambda s: s["simulated_s"] / SECONDS_PER_DAY),
        ("wall time", "s", lambda s: s["wall_s"]),
        ("speed", "satellite-steps/s", lambda s: s["satellite_steps_per_s"]),
    )),
)


def _sampling_note(sample: RunSample) -> str:
    parts = []
    if sample.record_stride > 1:
        parts.append(f"one record in {sample.record_stride:,}")
    if sample.sat_stride > 1:
        parts.append(f"one satellite in {sample.sat_stride:,}")
    return " and ".join(parts) or "everything"


def _markdown(sample: RunSample, figures: list[tuple[Path, str, str]]) -> str:
    a, s = sample.attrs, sample.summary
    record_s = float(a.get("record_every_s", 0.0) or 0.0)
    lines = [
        f"# twin run report: {sample.path.name}", "",
        "| | |", "|---|---|",
        f"| file | `{sample.path}` ({sample.file_bytes / 1e6:.1f} MB) |",
        f"| status | {a.get('status', '?')} |",
        f"| epoch | {a.get('epoch_utc', '?')} |",
        f"| satellites | {sample.n_sats:,} in {sample.n_planes:,} plane(s) |",
        f"| recorded | {sample.n_records:,} records every {_fmt(record_s)} s "
        f"({sample.time_s[-1] / SECONDS_PER_HOUR:,.4g} h) |",
        f"| physics step, seed | {a.get('dt_s', '?')} s, {a.get('seed', '?')} |",
        f"| twin, config sha256 | {a.get('twin_version', '?')}, `{str(a.get('config_sha256', ''))[:12]}` |",
        "",
    ]
    if sample.sampled:
        lines += [f"This file is large, so the figures sample {_sampling_note(sample)}; the headline "
                  "numbers are the run's exact totals.", ""]
    lines += ["## Headline numbers", ""]
    if not s:
        lines += [f"No `/summary` yet: the run is `{a.get('status', '?')}`. Figures show the records "
                  "written so far.", ""]
    else:
        lines += ["| quantity | value | unit |", "|---|---:|---|"]
        for group, rows in HEADLINES:
            lines.append(f"| **{group}** | | |")
            for label, unit, get in rows:
                try:
                    value = get(s)
                except (KeyError, TypeError, ZeroDivisionError):
                    continue
                lines.append(f"| {label} | {value if isinstance(value, str) else _fmt(value)} | {unit} |")
        lines.append("")
    lines += ["## Figures", ""]
    for path, title, caption in figures:
        lines += [f"### {title}", "", f"![{title}]({path.name})", "", caption, ""]
    if s:
        lines += ["## All /summary values", "", "| key | value | unit |", "|---|---:|---|"]
        lines += [f"| `{k}` | {_fmt(v, 6)} | {unit_of(k)} |" for k, v in s.items()]
        lines.append("")
    return "\n".join(lines)


def write_report(run_path, out_dir) -> list[Path]:
    """Write the figures (PNG) and ``summary.md`` for ``run_path`` into ``out_dir``.

    ``run_path`` may also be a sweep folder (``runs/<sweep>/``) or its ``summary.h5``: then the
    report is the sweep's (:mod:`twin.scaleout.report`), and when ``out_dir`` is the sweep folder
    itself (``twin report runs/<sweep>/`` without ``-o``) it goes into ``runs/<sweep>/report/``.

    Returns the paths written, figures first. Raises RunFileError for a missing, truncated,
    corrupt or foreign file, or one with no records yet.
    """
    import matplotlib

    from twin.scaleout.report import find_sweep_summary, write_sweep_report

    sweep_summary = find_sweep_summary(run_path)
    if sweep_summary is not None:
        out_dir = Path(out_dir)
        if Path(run_path).is_dir() and out_dir.resolve() == Path(run_path).resolve():
            out_dir = out_dir / "report"
        return write_sweep_report(sweep_summary, out_dir)
    if Path(run_path).is_dir():
        raise RunFileError(f"{run_path}: a folder, not a run file (nor a sweep folder with a summary.h5)")
    sample = read_sample(run_path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with matplotlib.rc_context(STYLE):
        for filename, title, draw, caption in FIGURES:
            written.append((draw(sample, out_dir / filename), title, caption))
    summary_md = out_dir / "summary.md"
    summary_md.write_text(_markdown(sample, written))
    return [p for p, _, _ in written] + [summary_md]
